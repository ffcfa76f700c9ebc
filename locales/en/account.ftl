# Your account: email address, verification methods, passkeys, recovery codes, password;
# an authenticator app's setup, Your sessions, Confirm it is you; and their problems.

account-title = Your account
account-intro = Changing your email address, phone number, verification method or password asks for your current password and a new verification code first, and signs you out everywhere else. We tell you by email about every change.
account-email-heading = Email address
account-email-is-before = Your email address is
account-email-is-after = {"."} It is also your username.
account-new-email = New email address
account-current-password = Current password
account-email-hint = We send a code to the new address; it replaces the old one once you enter the code here.
account-send-verification-code = Send Verification Code
account-code-sent = We sent a verification code to { $address }.
account-code-sent-by-text = We sent a verification code by text message to { $address }.
account-code-expires-in = It expires in { $duration }.
account-code-expired-send-new = It has expired: send a new code.
account-code-expired-send-code = It has expired: click Send Code for a new one.
account-verification-code = Verification code
account-verify-code = Verify Code
account-methods-heading = Your verification methods
account-methods-intro = You can hold several: at sign-in you choose one. Removing one asks for your current password and signs you out everywhere else; your last one cannot be removed.
account-methods-method = Method
account-methods-added = Added
account-methods-last-used = Last used
account-methods-action = Action
account-remove-named = Remove { $name }
account-remove = Remove
account-only-method = Your only method
account-add-app = Add an authenticator app
account-factor-email = Email
account-factor-phone = Phone
account-factor-app = Authenticator app
account-factor-passkey = Passkey
account-never = Never
account-method-heading = Verification method
account-method-phone-before = You confirm it is you with a code texted to
account-method-phone-after = {"."}
account-method-email = You confirm it is you with a code emailed to your address.
account-phone-intro-change = To change your phone number, enter a direct line (no extension). For +1, that is 10 digits.
account-phone-intro-use = To use your phone instead, enter a direct line (no extension). For +1, that is 10 digits.
account-country-code = Country code
account-new-phone = New phone number
account-phone = Phone number
account-send-code = Send Code
account-use-email = Use email instead
account-password-heading = Change password
account-password-staff = You sign in through { $provider }, so you have no password here: change it with your company's sign-in.
account-password-intro = You will confirm it is you with your verification code, then type your current password and the new one.
account-change-password = Change password
account-home = Home

account-passkeys-heading = Passkeys
account-passkeys-intro = A passkey signs you in with your device's screen lock or security key, without a password, and can also be your second step after a password. Adding one asks for your current password.
account-passkey-name = Passkey name
account-passkey-name-placeholder = Passkey
account-passkey-name-hint = For example the device it is on; at most 64 characters.
account-add-passkey = Add a passkey
account-passkey-new-name = New name for { $name }
account-passkey-rename-named = Rename { $name }
account-passkey-rename = Rename

account-recovery-heading = Recovery codes
account-recovery-intro = Recovery codes let you sign in if you lose your verification method: each works once, in its place.
account-recovery-left-before = { $n ->
   *[other] You have
}
account-recovery-left-after = { $n ->
    [one] unused recovery code left.
   *[other] unused recovery codes left.
}
account-recovery-none-before = You have
account-recovery-none-after = recovery codes left.
account-recovery-replace-hint = New codes replace all your current ones, used or not.
account-recovery-first-hint = We show you ten codes once, to save or download.
account-recovery-generate-new = Generate new recovery codes
account-recovery-generate = Generate recovery codes

account-done-email = Your email address is changed. Use the new one to sign in; we told both addresses.
account-done-phone = Your phone number is changed and is now your verification method.
account-done-method = Email is now your verification method.
account-done-password = Your password is changed. Use the new one next time you sign in; you were signed out everywhere else.
account-done-app = Your authenticator app is added. You can use it to confirm it is you at your next sign-in.
account-done-passkey = Your passkey is added. Use Sign in with a passkey on the login page, or as your second step.
account-done-passkey-renamed = Your passkey is renamed.
account-done-removed = The verification method is removed, and you were signed out everywhere else. We told you by email.
account-enrol-passkey = Your organization requires a passkey for your account. Add one below to continue; until then the portal's other pages wait.

change-password-title = Change password
change-password-current = Current password
change-password-new = New password
change-password-hint = At least 8 characters; a few unrelated words make a good one. Not your name or email address.
change-password-confirm = Confirm new password
change-password-submit = Change password
change-password-note = Changing your password signs you out everywhere else, and we email you a notice.
change-password-back = Back to your account

enrol-app-title = Set up an authenticator app
enrol-app-already = You already have an authenticator app. To move to another one, remove it from Your account first, then set up the new one.
enrol-app-intro = An authenticator app on your phone shows a new 6-digit code every 30 seconds. You will scan a code with it, then enter the code it shows and your current password.
enrol-app-start = Set up an authenticator app
enrol-app-step-open = Open an authenticator app on your phone ({ $apps }, …) and add an account.
enrol-app-step-scan = Scan this code with it:
enrol-app-qr = QR code for your authenticator app; the same key is written out below
enrol-app-step-type = Or, if it cannot scan, type this key into it (time-based, 6 digits):
enrol-app-step-enter = Enter the code the app now shows, with your current password, to finish.
enrol-app-code = Code from your app
enrol-app-password = Current password
enrol-app-submit = Add authenticator app
enrol-app-back = Back to Your account

recovery-codes-title = Your recovery codes
recovery-codes-save = Save these ten codes now: this is the only time they are shown. Any earlier codes no longer work.
recovery-codes-how-before = If you lose your verification method, choose
recovery-codes-how-choice = Use a recovery code
recovery-codes-how-after = at sign-in and enter one of these. Each code works once. Keep them somewhere safe, apart from your password.
recovery-codes-download = Download the codes
recovery-codes-saved = I have saved them: back to Your account
recovery-codes-file-title = { $brand } recovery codes
recovery-codes-file-intro = Each code works once, in place of your verification method.

verify-recovery-title = Use a recovery code
verify-recovery-intro = Enter one of the recovery codes you saved when you made them. Each code works once; we email you when one is used.
verify-recovery-code = Recovery code
verify-recovery-hint = For example abcd-efgh-2345-6789. Capitals, spaces and dashes do not matter.
verify-recovery-submit = Verify Code
verify-recovery-start-over = Start over

sessions-title = Your sessions
sessions-intro = These are the places where you are signed in, and the applications each one signed you into. End any you do not recognise, and tell your Portal Administrator: ending a session signs you out of its applications too.
sessions-signed-in = Signed in
sessions-last-used = Last used
sessions-ends = Ends at the latest
sessions-applications = Applications
sessions-actions = Actions
sessions-this-browser = (this browser)
sessions-no-applications = None
sessions-end = End this session
sessions-end-started = signed in { $started }
sessions-end-others = Sign out everywhere else
sessions-home = Home

verify-again-title = Confirm it is you
verify-again-intro = For your security, enter a new verification code before you go on. You stay signed in.
verify-again-app-code = Code from your authenticator app
verify-again-verify-code = Verify Code
verify-again-or-code = Or get a code instead:
verify-again-phone-before = We will text a code to the phone number on file:
verify-again-phone-after = {"."} The code will expire { $lifetime } after it is sent.
verify-again-email-before = We will email a code to
verify-again-email-after = {"."} The code will expire { $lifetime } after it is sent, so have your email open before you click.
verify-again-send-code = Send Code
verify-again-send-verification-code = Send Verification Code
verify-again-sent = We sent a verification code to { $address }.
verify-again-expired = It has expired: send a new code.
verify-again-code = Verification code
verify-again-cancel = Cancel

account-problem-not-fresh = For your security, confirm it is you with your verification code first.
account-problem-wrong-password = That is not your current password. Nothing was changed; type it again.
account-problem-staff-password = You sign in through { $provider }, so you have no password here. Change your password with your company's sign-in.
account-problem-locked = Too many wrong passwords for this account. Try again after { $time }.
account-problem-same-email = That is already your email address.
account-problem-email-taken = That email address belongs to another account, so it cannot be yours too. Enter a different address; nothing was changed.
account-problem-same-phone = That is already your phone number.
account-problem-method-not-allowed = Your organization does not allow { $method } as a verification method. Ask your Portal Administrator if you need it.
account-problem-already-email = Email is already your verification method.
account-problem-already-held = You already have { $method }. Remove it first if you want to set up another.
account-problem-enrolment-expired = This setup has expired. Open it again from Your account to get a new code to scan.
account-problem-wrong-app-code = That code is not right. Check the time on your phone, then enter the code your app shows now; nothing was added.
account-problem-last-factor = That method is your last one, so it cannot be removed. Add another verification method first.
account-problem-no-such-factor = That verification method is no longer on your account.
account-problem-same-password = That is already your password. Choose a new one that you have not used here; nothing was changed.
step-up-problem-no-phone = No phone number is on file for this account. Ask your Portal Administrator to reset your MFA.
step-up-only-own-pages = After confirming it is you, the portal only goes on to one of its own pages. Start again from the home page.

recovery-code-problem-wrong = That is not one of your recovery codes. Check it against your saved list and type it again, or use another way below.
recovery-code-problem-used = That recovery code was used already; each works once. Type another code from your list.
recovery-code-problem-locked = Too many failed attempts for this account. Try again after { $time }.
recovery-code-problem-timed-out = Your sign-in has timed out. Sign in again.
account-method-name-phone = the phone
account-method-name-email = email
account-method-name-app = an authenticator app
account-method-name-passkeys = passkeys
