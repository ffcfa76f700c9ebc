# Registration (the guide's "Create a New Account"), Reset, Having Trouble Logging In?, the Help page,
# and the problems a registration reports.

register-title = Create a New Account
register-intro = Set a password and choose how you will verify your identity each time you sign in.
register-reset = Reset
register-display-name = Display Name
register-email = Email
register-email-hint = This is the address your administrator registered for you.
register-new-password = New Password
register-password-hint = At least 8 characters; longer is better. A few unrelated words make a strong password. Any characters are allowed.
register-confirm-password = Confirm Password
register-mfa-method = MFA Method
register-mfa-method-hint = An email address is required for both methods.
register-method-phone = Phone
register-method-email = Email
register-method-passkey = Passkey
register-submit = Submit


reset-title = Reset registration
reset-go-to-login = Go to the login page
reset-intro = Enter your username (the email address your administrator registered). We will email a new registration link to complete your registration.
reset-username = Username
reset-submit = Submit

trouble-title = Having Trouble Logging In?
trouble-intro = If you began the multi-factor registration process, created a password, but did not finish, enter the email address and password you used. We will email a link to the registered email address that takes you on where you stopped.
trouble-email = Email address
trouble-password = Password
trouble-send-link = Click here to send a link

link-sent-if-eligible = If that matches an account whose registration is not finished, we have emailed it a new registration link. The link works once, for 2 days. Check your inbox (and spam folder).

help-title = Multi-Factor Authentication Help
help-intro = Signing in takes your password and a second factor: a code sent by email or text, or a phone call in which you press #. Choose the problem you have.
help-new-user = I am a new user and have a registration email
help-new-user-text = Click the link in the email. It works once and expires after 2 days. On the page that opens, set a password, choose Phone or Email, and click Submit; then sign in and verify your email address or phone number.
help-link-expired = My registration link has expired, was already used, or shows an error
help-link-expired-use = Use
help-link-expired-reset = Reset
help-link-expired-text = : enter your username (your email address) and click Submit. We email you a new link that completes your registration: if you had already set your password, it takes you straight on to verifying your email or phone. Your Portal Administrator can also send you a new link.
help-not-finished = I started registering but did not finish
help-not-finished-use = Use
help-not-finished-trouble = Having Trouble Logging In?
help-not-finished-text = with the email address and password you used, and click Click here to send a link. We email you a link that takes you on where you stopped.
help-before-mfa = I used the portal before multi-factor authentication
help-before-mfa-use = Use
help-before-mfa-link = first login with multi-factor authentication
help-before-mfa-text = : sign in with your existing password, then set a new password and register your second factor.
help-before-mfa-forgot-before = If you no longer know your existing password, use
help-forgot-link = Forgot your password
help-before-mfa-forgot-text = with the email address the portal has for you: enter the 6-digit code we email you, click Continue, then set a new password, choose Phone or Email and click Submit. Sign in with the new password to verify your second factor and accept the Terms of Use, as at a first login.
help-forgot = I forgot my password
help-forgot-use = Use
help-forgot-text = : enter your email address, click Send verification code, enter the 6-digit code and click Verify code, then Continue. If you registered a phone, confirm with Send Code or Call Me. Then enter a new password twice and click Continue.
help-no-code = The code did not arrive, or expired
help-no-code-text = The emailed login code expires 30 seconds after it is sent, so have your email open before you click Send Verification Code. Check your spam folder. You can ask for a new code after a short wait; the page says how long.
help-no-call = The call did not come, or I missed it
help-no-call-text = Make sure the phone on file is a direct line without an extension. On the phone page, click Call Me again, or Send Code to get a text message instead.
help-locked = My account is locked
help-locked-text = After too many failed attempts, sign-in pauses for a while. The page says when you can try again. Your Portal Administrator can help if it keeps happening.
help-back-to-login = Back to the login page

registration-link-invalid = This registration link is not valid. Check that you opened the whole link from the email.
registration-link-expired = This registration link has expired: links work for 2 days. Ask your Portal Administrator to send you a new link.
registration-link-used = This registration link has already been used. Each link works once. If you did not finish registering, ask your Portal Administrator to send you a new link.
registration-link-done = Your account is set up already, so this registration link is no longer needed. Sign in from the login page.
registration-choose-method = Choose how you will verify your identity: Phone or Email.
registration-method-not-allowed = Your organization does not allow that method. Choose one of the methods shown.
registration-email-taken = An account with this email address already exists. Use a different address.
registration-staff = Your company signs you in through { $provider }, so no password is set here. Use Sign in with { $provider }.
registration-page-expired = This registration page has expired. Click Reset to have a new registration link emailed to you, or ask your Portal Administrator for one.
registration-link-replaced = A newer registration link was sent to you, so this one no longer works. Use the link in the most recent email.

# What a password, an email address, a phone number or a display name typed in may not be.
password-problem-mismatch = The passwords do not match. Type the same password in both boxes.
password-problem-too-short = The password is too short: use at least 8 characters. A few unrelated words make a good one.
password-problem-too-long = The password is too long: use at most 256 characters.
password-problem-personal = The password must not contain your name or email address. Choose something unrelated to you.
password-problem-guessable = This password is too common or easy to guess{ $reason }. Choose a longer, less predictable one, such as a few unrelated words.
email-address-problem-empty = Enter an email address.
email-address-problem-malformed = Enter the email address in the form name@example.com.
email-address-problem-too-long = That email address is too long (254 characters at most).
phone-number-problem-empty = Enter your phone number.
phone-number-problem-country-code = Enter the country code as digits, such as +1.
phone-number-problem-country-not-allowed = Phone numbers with +{ $code } are not accepted on this portal. Use a number with one of these country codes: { $allowed }.
phone-number-problem-extension = Extensions are not supported: enter a direct line without an extension.
phone-number-problem-ten-digits = A +1 number must be a 10-digit direct line, such as 415 555 0132.
phone-number-problem-invalid = That is not a valid phone number for country code +{ $code }. Check the number and try again.
display-name-problem-empty = Enter a display name.
display-name-problem-too-long = The display name is too long (100 characters at most).
display-name-problem-characters = The display name may not contain control characters or any of < > " \ {"{"} {"}"}.
registration-not-sent = The registration email could not be sent ({ $reason }). Try again in a few minutes.

# zxcvbn's reasons for a guessable password (the English words are zxcvbn's own).
password-reason-straight-rows = straight rows of keys are easy to guess
password-reason-keyboard-patterns = short keyboard patterns are easy to guess
password-reason-repeats = repeats like "aaa" are easy to guess
password-reason-repeated-groups = repeats like "abcabcabc" are only slightly harder to guess than "abc"
password-reason-top-10 = this is a top-10 common password
password-reason-top-100 = this is a top-100 common password
password-reason-common = this is a very common password
password-reason-similar = this is similar to a commonly used password
password-reason-sequences = sequences like abc or 6543 are easy to guess
password-reason-recent-years = recent years are easy to guess
password-reason-word = a word by itself is easy to guess
password-reason-dates = dates are often easy to guess
password-reason-names = names and surnames by themselves are easy to guess
password-reason-common-names = common names and surnames are easy to guess
