# What the sign-in and the second step say went wrong, and what is sent with a code.

## Email and password
sign-in-invalid = The email address or password is not right. Check both and try again. If you have not registered yet, use the link in your registration email.
sign-in-locked = Too many failed sign-ins for this email address. Try again after { $until }, or use Forgot your password to set a new one now.
sign-in-busy = The portal is busy. Wait a few seconds and try again.
sign-in-disabled = This account is disabled or locked by your Portal Administrator. Contact them to have it turned back on.
sign-in-factor-not-allowed = Your organization no longer allows the verification method you registered. Ask your Portal Administrator to reset your MFA, then register another method.

## Codes (email and text message)
code-not-six-digits = Enter the 6-digit code from the message we sent you.
code-cooling-down = A code was sent moments ago. Wait { $wait } before asking for another.
code-exhausted = Too many wrong codes were entered. Sign in again to get a new code.
code-session-ended-send = Your sign-in has timed out. Sign in again to get a code.
code-email-not-delivered = We could not send the email just now. Wait a minute and click Send Verification Code again.
code-locked = Too many failed attempts for this account. Try again after { $until }.
code-session-ended = Your sign-in has timed out. Sign in again to get a new code.
code-send-button-email = Send Verification Code
code-send-button-recovery = Send verification code
code-send-button-sms = Send Code
code-none-sent = There is no code waiting for this sign-in. Click { $send } to get one.
code-expired = This code has expired. Click { $send } to get a new one, and enter it straight away.
code-wrong-email = That code is not right. Check the latest email and try again ({ $tries ->
    [one] 1 try
   *[other] { $tries } tries
} left).
code-wrong-sms = That code is not right. Check the latest text message and try again ({ $tries ->
    [one] 1 try
   *[other] { $tries } tries
} left).
code-too-many-tries-recovery = Too many wrong codes were entered, so this code no longer works. Start again with Forgot your password to get a new code.
code-too-many-tries = Too many wrong codes were entered, so this code no longer works. Sign in again to get a new code.
code-already-used = This code has already been used. Sign in again if you need to.

## The emailed code
code-email-subject = Your verification code: { $code }
code-email-hello = Hello { $name },
code-email-code-is = Your verification code is:
code-email-expires = It expires in { $lifetime } ({ $expires }) and works once. Never share it: the portal's staff will never ask you for it.
code-email-new-address = Someone signed in to the portal asked to make this address their sign-in email. If that was not you, ignore this message: nothing changes unless the code is entered.
code-email-not-you = If you did not try to sign in, someone may know your password: change it and tell your Portal Administrator.

## Texts and calls
phone-cooling-down = A code or call was sent moments ago. Wait { $wait } before asking again.
phone-cap-reached-account = Today's limit of texts and calls for this account is reached. Try again after { $until }, or use Login With Email if you registered an email address.
phone-cap-reached-number = Today's limit of texts and calls for this phone number is reached. Try again after { $until }, or use Login With Email if you registered an email address.
phone-cap-reached-address = Today's limit of texts and calls for this network address is reached. Try again after { $until }, or use Login With Email if you registered an email address.
phone-session-ended = Your sign-in has timed out. Sign in again to continue.
phone-sms-refused = The phone service would not accept this number. Check that it is right and can receive text messages, or choose Call Me.
phone-call-refused = The phone service would not accept this number. Check that it is right and can take calls, or choose Send Code.
phone-sms-no-answer = We could not send the text message: the phone service did not answer in time. If nothing arrives, wait a minute and try again, or choose Call Me.
phone-call-no-answer = We could not place the call: the phone service did not answer in time. If nothing arrives, wait a minute and try again, or choose Send Code.
phone-sms-failed = We could not send the text message just now. Wait a minute and try again, or choose Call Me.
phone-call-failed = We could not place the call just now. Wait a minute and try again, or choose Send Code.
phone-sms-body = Your { $brand } verification code is { $code }. It expires in { $lifetime }. Never share it.
phone-call-prompt = This is the { $brand } portal. To confirm your sign-in, press the pound key now.
phone-call-no-key = We did not receive your key press. Goodbye.
phone-call-confirmed = Thank you. You are signed in. Goodbye.
phone-call-not-confirmed = That did not confirm the sign-in. Goodbye.

## Authenticator app
app-code-format = Enter the 6-digit code your authenticator app shows for this portal.
app-code-wrong = That code is not right. Check the time on your phone, then enter the code your app shows now.
app-code-already-used = That code was used already. Wait for your app to show a new one, then enter it.
sign-in-timed-out = Your sign-in has timed out. Sign in again.

## Terms of Use
terms-not-agreed = Check the box to agree to the Terms of Use, then click Continue.
terms-outdated = The Terms of Use changed while you were reading them. Read the new version and agree again.

## Error pages
error-page-to-sign-in = Go to the sign-in page
error-page-form-expired-title = This form has expired
error-page-form-expired = The page you sent was too old, or came from another site. Go back, reload the page, and try again.
error-page-too-large-title = Too much data
error-page-too-large = The form sent more data than any of our forms needs. Go back, check what you typed, and try again.
error-page-not-found-title = Page not found
error-page-not-found = There is no page at this address. Check the address, or start again from the sign-in page.
error-page-registration-title = Registration error
error-page-registration = { $problem } Or click Reset to have a new link emailed to you.
error-page-busy-title = The portal is busy
error-page-busy = Too many people are signing in at this moment. Nothing you entered was saved: wait a few seconds, then go back and try again.
error-page-barred-title = This account is disabled or locked
error-page-barred = Your Portal Administrator has disabled or locked this account, so it cannot sign in or reset its password. Contact them to have it turned back on.
error-page-internal-title = Something went wrong
error-page-internal = The portal could not finish this step. Nothing you entered was lost: wait a minute and try again. If it keeps happening, tell your Portal Administrator the operation id below.

## Passkeys
passkey-default-name = Passkey
passkey-no-ceremony = This passkey request has expired or was used already. Try again.
passkey-not-accepted = Your passkey was not accepted. Try again, or use another way to sign in.
passkey-unknown = That passkey is not registered on this portal. Sign in with your email address and password instead.
passkey-possibly-cloned = This passkey was refused because it may have been copied. Sign in another way and remove it from Your account.
passkey-not-allowed = Your organization does not allow passkeys. Sign in with your email address and password.
passkey-not-registered = Finish registering first: sign in with your email address and password, and verify your code.
passkey-not-discoverable = The passkey must be one your device keeps (a discoverable credential). Try another device or password manager.
passkey-bad-name = Give the passkey a name of at most 64 characters, without line breaks.
passkey-already-registered = That passkey is registered already.
passkey-none-yet = You have no passkey yet. Use another way to verify your identity.

## Staff sign-in through the company
staff-problem-title = Sign-in through your company did not work
staff-unknown-provider = This sign-in option is not available. Use the login page's buttons.
staff-expired = The sign-in took too long or was already used. Start again from the login page.
staff-unreachable = { $provider } could not be reached or answered wrongly. Try again in a few minutes; if it goes on, tell your Portal Administrator.
staff-refused = { $provider } did not sign you in. Try again from the login page; if it goes on, tell your Portal Administrator.
staff-unverified = { $provider } did not confirm the address { $email }. Ask your company's IT to verify it, then try again.
staff-other-domain = { $provider } signs in addresses of its own domains only; { $email } is not one of them.
staff-no-account = No account could be made for { $email }. Ask your Portal Administrator to invite you, then sign in again with this button.

# A request of an application that cannot be answered at the application (OpenID Connect).
oidc-unusable-title = This sign-in request cannot be used
oidc-unusable = { $why } Go back to the application and start again; if it happens again, tell the application's administrator.
oidc-unusable-home = Go to your { $brand } home page
oidc-why-named-twice = The application's request names itself or its return address twice.
oidc-why-no-longer-registered = The application that sent you here is no longer registered with this sign-in service.
oidc-why-not-registered = The application that sent you here is not registered with this sign-in service.
oidc-why-return-not-registered = The address the application asked to return to is not registered for it.
oidc-why-no-return = The application did not say where to return to.
oidc-why-foreign-token = The application's sign-out request carries a token this service did not issue.
oidc-why-two-applications = The application's sign-out request names two different applications.
oidc-why-logout-return-not-registered = The address the application asked to return to after signing out is not registered for it.
# A form none of the portal's pages sends ({ $detail }: what was wrong, as the server read it).
form-unreadable-title = We could not read this form
form-unreadable = The form arrived incomplete or with a value none of our pages sends{ $detail }. Go back, reload the page, and try again; if it keeps happening, the Help page lists other ways in.
# A registration page opened without a registration link.
registration-not-started-title = Registration has not started
registration-not-started = Open the registration link from your email to register. If the link has expired, was already used, or no longer works, click Reset to have a new one emailed to you.
# "Confirm it is you" asked to go on to another site.
step-up-not-allowed-title = That address is not allowed
step-up-home = Home
