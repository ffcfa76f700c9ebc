# Forgot your password: the address, the emailed code, the new password; and its problems.

forgot-title = Forgot your password
forgot-intro = Enter the email address of your account. We will email you a 6-digit verification code.
forgot-intro-lifetime = It works for { $lifetime } after it is sent, so have your email open.
forgot-email = Email address
forgot-send-code = Send verification code
forgot-back-to-login = Back to the login page
forgot-timed-out = That password reset has timed out. Start again below.
forgot-code-sent = If an account uses { $address }, we have emailed it a 6-digit verification code.
forgot-code-expired = It has expired: click Send verification code for a new one.
forgot-code = Verification code
forgot-verify-code = Verify code
forgot-start-again = Start again with Forgot your password
another-code-in = You can ask for another code in { $duration }.
another-code-in-prefix = You can ask for another code in
another-code-now = You can ask for another code now.

new-password-title = Choose a new password
new-password-password = New Password
new-password-hint = At least 8 characters; longer is better. A few unrelated words make a strong password.
new-password-confirm = Confirm Password
new-password-continue = Continue

recovery-too-many = Too many requests. Try again after { $time }.
recovery-cooling-down = A code was sent moments ago. Wait { $duration } before asking for another.
recovery-timed-out = This password reset has timed out. Start again with Forgot your password.
recovery-exhausted = Too many wrong codes were entered, so no more codes can be sent for this reset. Start again with Forgot your password.
portal-busy = The portal is busy. Wait a few seconds and try again.
