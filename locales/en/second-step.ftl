# The sign-in form, the second step's pages (email, phone, call, authenticator app, passkey),
# and the pages on the way into the portal and out of it.

## The sign-in form (Login With Email / Login With Phone)
first-login-title = First login with multi-factor authentication
first-login-intro = Sign in with your existing portal email address and password. You will then set a new password and choose how to verify your identity.
field-email-address = Email address
field-password = Password
sign-in-button = Sign in
sign-in-forgot = Forgot your password
back-to-login = Back to the login page
notice-registered-phone = Your password is set. Sign in with your email address and new password to verify your phone number and finish registering.
notice-registered-email = Your password is set. Sign in with your email address and new password to verify your email address and finish registering.
notice-registered-passkey = Your password is set. Sign in with your email address and new password, then create your passkey on this device to finish registering.
notice-registered-app = Your password is set. Sign in with your email address and new password, then add this portal to your authenticator app to finish registering.
notice-signed-out = You have signed out.
notice-timed-out = Your session has ended. Sign in again to continue.
notice-step-up = For your security, sign in again with your second factor to use the administration pages.

## What the second step's pages share
field-verification-code = Verification code
verify-code-button = Verify Code
start-over = Start over
button-continue = Continue
error-summary-title = There is a problem
error-summary-go-to-field = Go to the field to correct
code-timer-prefix = It expires in
code-timer-expires-in = It expires in { $time }.
code-timer-announce-prefix = Your code expires in
countdown-one-second = 1 second
countdown-seconds = seconds
countdown-minutes = minutes
other-ways-heading = Other ways to confirm it is you
other-ways-use-email = Use email instead
other-ways-use-phone = Use phone instead
other-ways-use-app = Use authenticator app instead
other-ways-use-passkey = Use a passkey instead
other-ways-recovery-code = Use a recovery code

## Email Verification
verify-email-title = Email Verification
verify-email-lifetime = The code will expire { $lifetime } after it is sent, so have your email open before you click.
verify-email-retry-prefix = You can ask for another code in
verify-email-retry-now = You can ask for another code now.
verify-email-retry-in = You can ask for another code in { $wait }.
verify-email-not-received = Didn't get it? Check your spam folder, then click Send Verification Code again.
verify-email-not-received-wait = Didn't get it? Check your spam folder, then click Send Verification Code again after the wait.
verify-email-send = Send Verification Code
verify-email-sent = We sent a verification code to { $to }.
verify-email-expired = It has expired: click Send Verification Code for a new one.

## Phone Verification
verify-phone-title = Phone Verification
verify-phone-on-file = We will text or call the phone number on file:
verify-phone-direct-line = Enter a direct line (no extension). For +1, that is 10 digits.
field-country-code = Country code
field-phone-number = Phone number
verify-phone-lifetime = A texted code works for { $lifetime } after it is sent.
verify-phone-retry-prefix = You can ask for another code or call in
verify-phone-retry-now = You can ask for another code or call now.
verify-phone-retry-in = You can ask for another code or call in { $wait }.
verify-phone-send-code = Send Code
verify-phone-call-me = Call Me
verify-phone-sent = We sent a verification code by text message to { $to }.
verify-phone-expired = It has expired: click Send Code for a new one.

## Call Me: the page while the phone rings
call-title-waiting = Calling your phone
call-title-pressed = Call answered
call-title-ended = The call ended
call-waiting = We are calling you now
call-waiting-at = at
call-waiting-next = Answer the call and press the # key when asked. This page will move on by itself.
call-pressed = Thank you: the key press was received.
call-failed = The call did not complete: it was not answered, the line was busy, or the call ended before # was pressed. Try again with Call me again, or use Send Code to get a text message.
call-no-press = We did not hear a key press in time, so the call ended. Try again with Call me again, or use Send Code to get a text message.
call-no-press-called = We did not hear a key press in time, so the call ended (we called { $number }). Try again with Call me again, or use Send Code to get a text message.
call-retry-prefix = You can ask for a text or another call in
call-retry-now = You can ask for a text or another call now.
call-retry-in = You can ask for a text or another call in { $wait }.
call-again = Call me again
call-text-instead = Text me instead
call-cancel = Cancel
call-back = Back to Send Code or Call Me

## Authenticator app
verify-app-title = Authenticator app
verify-app-intro = Open the authenticator app on your phone and enter the 6-digit code it shows for this portal.
verify-app-code-label = Code from your app

## Passkey
verify-passkey-title = Passkey
verify-passkey-enrol-intro = You chose a passkey to verify your identity. Create it now: your device asks for its screen lock, or for your security key.
verify-passkey-name = Passkey name
verify-passkey-name-hint = For example the device it is on; at most 64 characters.
verify-passkey-create = Create your passkey
verify-passkey-intro = Confirm it is you with your passkey: your device asks for its screen lock, or for your security key.
verify-passkey-use = Use your passkey
passkey-script-cancelled = The passkey request was cancelled or timed out. Try again, or use another way.
passkey-script-exists = This device already holds a passkey for your account.
passkey-script-refused = This browser refused the passkey for this address. Open the portal at its usual address and try again.
passkey-script-failed = Something went wrong with the passkey. Try again.
passkey-script-unreadable = The portal could not complete this. Reload the page and try again.
passkey-script-try-again = The portal could not complete this. Try again.

## Verified, signed in, on to the application
verified-title = Verified
verified-heading = Verification complete
verified-email = Your email address has been verified.
continue-title = Signing you in
continue-heading = You are signed in
continue-taking-back = Taking you back to the application…
continue-to-app = Continue to the application

## Terms of Use
terms-title = Terms of Use
# The portal's own first Terms of Use (migration 0001), said in the page's language.
terms-default-body = This portal holds personal health information (PHI) and personally identifiable information (PII). By using it you agree to access only the information you need for your work, to keep your password and verification codes to yourself, to sign out when you leave your device, and to report any suspected misuse to your Portal Administrator at once. Your activity in the portal is recorded.
terms-agree = I agree to the Terms of Use

## Home
home-title = Home
home-welcome = Welcome, { $name }
home-signed-in-as = You are signed in as { $email }.
home-applications = Your applications
home-no-applications = No applications are available to you here yet. When your Portal Administrator gives your organization an application, it appears on this page.
home-administration = Administration
home-account = Your account
home-sessions = Your sessions
sign-out-button = Sign out

## A message page
message-operation-id = Operation id:
message-reset = Reset

## No access to an application
no-access-title = No access
no-access-heading-app = You have no access to { $app }
no-access-heading = You have no access to this application
no-access-signed-in-app = You are signed in, but your account may not use { $app }.
no-access-signed-in = You are signed in, but your account may not use this application.
no-access-next = If you need it for your work, ask your Portal Administrator to give your organization access. Your home page lists the applications you can use.
go-home = Go to your home page
no-access-see-why = See why, and what to do next
return-bounced-title = The application did not see your sign-in
return-bounced-alert = You are signed in, but the application sent you straight back here to sign in.
return-bounced-why-before = This usually means the application and this sign-in portal are on different host names and the sign-in cannot reach the application. Tell your Portal Administrator: they set
return-bounced-why-after = to the domain both share (see the deployment guide).
return-bounced-try-again = Try the application again

## Staff sign-in through the company's provider
staff-redirect-title = Signing in with { $provider }
staff-redirect-taking = Taking you to { $provider }…
staff-redirect-continue = Continue to { $provider }
staff-route-notice = { $provider } signs in the addresses of { $domain }: you sign in there with your company account, not with a password here.

## Signing out for an application (OpenID Connect)
oidc-logout-title = Sign out
oidc-logout-heading = Sign out of { $brand }?
oidc-logout-intro = An application asked to sign you out. Signing out ends your { $brand } session and signs you out of the applications you reached through it.
oidc-logout-stay = Stay signed in
oidc-signed-out-title = Signed out
oidc-signed-out-heading = You have signed out
oidc-signed-out-return = Return to the application
