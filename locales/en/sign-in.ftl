# The login page (the guide's "Welcome to the portal"), Login With Email / Phone, the second step.

login-title = Sign in
login-heading = Welcome to the portal
login-staff = Staff
login-staff-intro = Company employees sign in through the company's single sign-on.
login-staff-button = Sign in with { $provider }
login-customer-provider = Customer/Provider
login-customer-provider-intro = Customers and providers sign in here with the method they registered.
login-with-phone = Login With Phone
login-with-email = Login With Email
login-with-passkey = Sign in with a passkey
login-first-time = If this is your first login with multi-factor authentication, click here to complete your registration
login-trouble = Having trouble logging in?
dev-outbox-before = Development mode: messages go to the
dev-outbox-link = development outbox

# The development outbox page (only with no SMTP server): what it says around the messages.
dev-outbox-title = Development outbox
dev-outbox-intro = No SMTP server is configured, so messages are kept here (newest first). This page exists only in development.
dev-outbox-to = To { $to } by { $channel }, { $at }
dev-outbox-channel-email = email
dev-outbox-channel-sms = sms
dev-outbox-channel-voice = voice
dev-outbox-press = Press # on this call
dev-outbox-empty = No messages yet.
