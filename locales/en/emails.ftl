# The emails about registration, recovery and the account: subjects, bodies, and the changes they tell of.

email-hello = Hello { $name },
email-complete-registration = Complete my registration
email-reset = Reset
email-ignore-unexpected = If you did not expect this email, you can ignore it.
email-ignore-unasked = If you did not ask for this email, you can ignore it.
email-done-nothing-more = If you did this, there is nothing more to do.
email-link-works-once = The link works once and expires in { $lifetime } ({ $expires }).

registration-subject = Complete your { $brand } registration
invitation-created = Your Portal Administrator has created your account. Open this link to complete your registration:
invitation-expired-text = If it has expired or no longer works, get a new one with Reset ({ $reset }), or ask your Portal Administrator to send you one.
invitation-expired-before = If it has expired or no longer works, get a new one with
invitation-expired-after = , or ask your Portal Administrator to send you one.
invitation-registration-page = On the registration page you will set a password and choose how you verify your identity when you sign in.

registration-link-asked = You asked for a new link to complete your registration. Open this link to carry on where you stopped:
registration-link-earlier = Any link sent to you before this one no longer works.
registration-link-again-text = If this link expires or stops working before you finish, get another with Reset ({ $reset }) or, if you already set your password, with Having Trouble Logging In? ({ $trouble }). Your Portal Administrator can also send you one.
registration-link-again-before = If this link expires or stops working before you finish, get another with
registration-link-again-middle = or, if you already set your password, with
registration-link-again-trouble = Having Trouble Logging In?
registration-link-again-after = . Your Portal Administrator can also send you one.

reset-code-subject = Your verification code to reset your password: { $code }
reset-code-asked = You asked to reset your password. Your verification code is: { $code }
reset-code-asked-html = You asked to reset your password. Your verification code is:
reset-code-enter = Enter it on the Forgot your password page and click Verify code. It expires in { $lifetime } ({ $expires }) and works once. Never share it: the portal's staff will never ask you for it.
reset-code-unasked = If you did not ask to reset your password, you can ignore this email: your password stays as it is. If it keeps happening, tell your Portal Administrator.

password-changed-subject = Your { $brand } password was changed
password-changed-what = The password of your portal account was changed on { $when }, and every other session of your account was signed out.
password-changed-not-you-text = If you did not, someone may have access to your email: contact your Portal Administrator at once, and use "Forgot your password" on the login page ({ $login }) to set a new password.
password-changed-not-you-before = If you did not, someone may have access to your email: contact your Portal Administrator at once, and use "Forgot your password" on the
email-login-page = login page
email-to-set-new-password = to set a new password.

account-changed-what = { $change } on { $when }, and every other session of your account was signed out.
account-changed-not-you-text = If you did not, someone may have signed in as you: contact your Portal Administrator at once, and use "Forgot your password" on the login page ({ $login }) to set a new password.
account-changed-not-you-before = If you did not, someone may have signed in as you: contact your Portal Administrator at once, and use "Forgot your password" on the
account-changed-email-subject = Your portal email address was changed
account-changed-email = The email address of your portal account was changed from { $old } to { $new }
account-changed-method-subject = Your portal verification method was changed
account-changed-phone-subject = Your portal phone number was changed
account-changed-to-phone = Your portal account's verification method was changed to the phone number { $phone }
account-changed-phone = The phone number of your portal account was changed to { $phone }
account-changed-to-email = Your portal account's verification method was changed to email, and its phone number was removed
account-changed-password-subject = Your portal password was changed
account-changed-password = The password of your portal account was changed

recovery-codes-email-what = { $change } on { $when }. { $extra }
recovery-codes-email-not-you-text = If you did not, someone may have your password and your recovery codes: sign in ({ $login }), change your password and make new recovery codes on Your account at once, and contact your Portal Administrator.
recovery-codes-email-not-you-before = If you did not, someone may have your password and your recovery codes:
recovery-codes-email-sign-in = sign in
recovery-codes-email-not-you-after = , change your password and make new recovery codes on Your account at once, and contact your Portal Administrator.
recovery-codes-new-subject = New recovery codes for your portal account
recovery-codes-new = New recovery codes were made for your portal account
recovery-codes-new-extra = Any earlier ones no longer work.
recovery-codes-used-subject = A recovery code was used on your portal account
recovery-codes-used-resetting = A recovery code was used to confirm it is you while resetting your password
recovery-codes-used-signing-in = A recovery code was used to sign in to your portal account
recovery-codes-left = { $n ->
    [0] You have no recovery codes left: make new ones on Your account now.
    [1] You have 1 recovery code left: make new ones on Your account soon.
   *[other] You have { $n } recovery codes left.
}

# The MFA rollout's reminders before its deadline.
email-rollout-deadline = Your organization asks everyone to finish by the end of { $day } (UTC).
rollout-imported-subject = Set up the second sign-in step of { $brand } by { $day }
rollout-imported-intro = { $brand } now asks for a second step when you sign in: a code sent to your email or phone, an authenticator app, or a passkey. It keeps the health information you work with safe even if someone learns your password.
rollout-imported-how = To set it up, sign in at the address below with your email address and your current password, then follow the steps on the page:
rollout-imported-sign-in = Sign in and set up the second step
