# What every page shows: the header, the footer, the language switch; and spans of time.

portal-tagline = Secure portal sign-in
skip-to-content = Skip to content
error-prefix = Error:
footer-help = Multi-Factor Authentication Help
footer-support = Need help? Contact { $contact }.
footer-notice = Access to this portal is restricted to authorized users. Activity is recorded.
language-switch = Language

duration-seconds = { $n ->
    [one] 1 second
   *[other] { $n } seconds
}
duration-minutes = { $n ->
    [one] 1 minute
   *[other] { $n } minutes
}
duration-hours = { $n ->
    [one] 1 hour
   *[other] { $n } hours
}
duration-days = { $n ->
    [one] 1 day
   *[other] { $n } days
}
