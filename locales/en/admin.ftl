# The administration console: its sections, the accounts, invitations, bulk create, upload,
# organizations, import, the confirmation of a row action, and what was done.

admin-nav-label = Administration sections
admin-nav-accounts = Accounts
admin-nav-rollout = MFA rollout
admin-nav-clients = Applications (OpenID Connect clients)
admin-nav-apps = Protected applications (forward authentication)
admin-nav-providers = Staff sign-in providers
admin-nav-terms = Publish Terms of Use
admin-nav-mail = Mail queue
admin-nav-audit = Audit log

admin-title = Administration
admin-confirm-name = Name
admin-confirm-email = Email
admin-confirm = Confirm
admin-cancel = Cancel
admin-accounts-heading = Accounts ({ $total })
admin-search = Search
admin-status = Status
admin-any = Any
admin-status-invited = invited
admin-status-registering = registering
admin-status-active = active
admin-status-imported = imported
admin-in-organization = In organization
admin-sort-by = Sort by
admin-sort-newest = Newest
admin-sort-name = Name
admin-sort-email = Email
admin-sort-last-sign-in = Last sign-in
admin-filter = Filter
admin-scroll-hint = On a narrow screen, scroll the table sideways to see every column.
admin-col-name = Name
admin-col-email = Email
admin-col-organization = Organization
admin-col-role = Role
admin-col-status = Status
admin-col-method = Method
admin-col-factors = Factors
admin-col-last-sign-in = Last sign-in
admin-col-link-expires = Link expires
admin-col-actions = Actions
admin-role-user = user
admin-role-org-admin = org-admin
admin-role-system-admin = system-admin
admin-method-email = email
admin-method-phone = phone
admin-method-app = app
admin-method-passkey = passkey
admin-factor-email = Email
admin-factor-phone = Phone
admin-factor-app = Authenticator app
admin-factor-passkey = Passkey
admin-row-disabled = (disabled)
admin-row-locked = (locked)
admin-factors-none = none
admin-never = never
admin-for-whom = for { $name } ({ $email })
admin-revoke-invitation = Revoke invitation
admin-resend-link = Resend link
admin-end-sessions = End sessions
admin-reset-mfa = Reset MFA
admin-make-org-admin = Make organization administrator
admin-make-user = Make user
admin-unlock = Unlock
admin-lock = Lock
admin-enable = Enable
admin-disable = Disable
admin-no-accounts = No accounts match.
admin-page-of = Page { $page } of { $count }
admin-previous = Previous
admin-next = Next
admin-invite-heading = Invite a person
admin-display-name = Display Name
admin-email = Email
admin-organization = Organization
admin-role = Role
admin-role-option-user = User
admin-role-option-org-admin = Organization administrator (needs an organization)
admin-send-invitation = Send invitation
admin-bulk-heading = Bulk create
admin-bulk-csv-label = CSV with the columns email, display_name{ $organization } (role optional: user or org-admin)
admin-bulk-organization-column = , organization
admin-create-all = Create all
admin-upload-progress = Uploaded. Checking every row and creating the accounts…
admin-upload-too-large = This file is larger than 8 MiB. Split it into smaller files and upload each one.
admin-upload-label = Or upload a CSV file (the same columns; up to 8 MiB)
admin-uploading = Uploading
admin-upload-and-create = Upload and create
admin-organizations-heading = Organizations
admin-organization-name = Name
admin-create-organization = Create organization
admin-col-allowed-factors = Allowed factors
admin-policy-email = Email
admin-policy-phone = Phone (text and call)
admin-policy-app = Authenticator app
admin-policy-passkey = Passkey
admin-require-passkey-of = Require a passkey of
admin-require-nobody = nobody
admin-require-admins = administrators
admin-require-everyone = everyone
admin-save-factors = Save factors for { $organization }
admin-import-heading = Import current portal users
admin-import-intro = Accounts from the older system come in with their password hashes. Every row is checked first: if any row is not valid, nobody is imported and each bad row is listed with its line number. Each imported person signs in once with their old password, then sets a new one and registers for MFA.
admin-import-progress = Uploaded. Checking every row and importing the accounts…
admin-import-too-large = This file is larger than 8 MiB. Split it into smaller files and upload each one, or ask the operator to run tessera admin import --file with the whole file.
admin-import-label = CSV file with the columns email, display_name, password_hash (bcrypt, PBKDF2-SHA256 or Argon2), optionally organization and role (user or org-admin); up to 8 MiB
admin-upload-and-import = Upload and import
admin-home = Home

admin-did-not-work = That did not work
admin-back = Back to administration
admin-done-invited = Invitation sent: the registration link works once, for 2 days. An email the mail server cannot take now is retried (see Mail queue).
admin-done-resent = A new registration link was sent; the old one no longer works.
admin-done-changed = The account was updated.
admin-done-revoked = The invitation was revoked: its link no longer works.
admin-done-sessions-ended = Every session of the account was ended.
admin-done-mfa-reset = MFA was reset: the person registers a second factor again at next sign-in.
admin-done-organization-created = The organization was created.
admin-done-factors = The organization's factor policy was saved.
admin-done-role-changed = The account's role was changed.
admin-done-terms = The new Terms of Use are published: everyone accepts them at their next sign-in.
admin-done-resent-to = A new registration link was sent to { $who }; the old one no longer works.
admin-done-updated = The account was updated: { $who } is { $state ->
    [disabled] disabled
    [enabled] enabled
    [locked] locked
   *[unlocked] unlocked
  }.
admin-done-sessions-ended-for = Every session of the account was ended: { $who } is signed out everywhere.
admin-done-mfa-reset-for = MFA was reset for { $who }: they register a second factor again at their next sign-in.
admin-done-role-changed-to = The account's role was changed: { $who } is now { $role ->
    [user] a user
    [org-admin] an organization administrator
   *[system-admin] a system administrator
  }.

admin-confirm-lock = Lock the account of { $name }?
admin-confirm-lock-consequence = They cannot sign in until the account is unlocked, and every session of theirs ends now.
admin-confirm-disable = Disable the account of { $name }?
admin-confirm-disable-consequence = They cannot sign in until the account is enabled again, and every session of theirs ends now.
admin-confirm-reset-mfa = Reset the MFA of { $name }?
admin-confirm-reset-mfa-consequence = Every session of theirs ends now, and at their next sign-in they register a second factor again.
admin-confirm-revoke = Revoke the invitation of { $name }?
admin-confirm-revoke-consequence = Their registration link stops working and the invited account is removed: invite them again to undo this.

admin-choose-upload = Choose a CSV file to upload, then Upload and create.
admin-choose-import = Choose the CSV file of current portal users, then Upload and import.
admin-rows-not-valid = These rows are not valid. Fix them and send the whole file again.
admin-bulk-done = Bulk create done
admin-bulk-done-message = { $n } people were invited; each registration email is queued and sent in the background (Mail queue shows any that could not be delivered).
admin-bulk-failed = Nobody was created
admin-import-done = Import done
admin-import-done-message = { $n } current portal users were imported. Each signs in once with their old password (the login page's link for a first login with multi-factor authentication), then sets a new password and registers for MFA.
admin-import-failed = Nobody was imported

admin-refusal-not-signed-in = Sign in to use the administration pages.
admin-refusal-not-administrator = Only Portal Administrators can use these pages.
admin-refusal-step-up = For your security, sign in again (with your second factor) to use the administration pages.
admin-refusal-not-found = There is no such account.
admin-refusal-system-only = Only system administrators can do this.
admin-refusal-people-only = API tokens are issued, listed and revoked by a signed-in system administrator, not with an API token.
admin-org-admin-needs-org = an organization administrator belongs to an organization: name one
admin-no-organization-account = This account has no organization, and { $needs }.
admin-only-unused-invitation = Only an invitation that has not been used can be revoked; disable the account instead.
admin-no-such-organization = There is no organization named { $name }.
admin-organization-exists = An organization named { $name } already exists.
admin-role-must-be = The role must be user or org-admin.
admin-system-role-unchanged = A system administrator's role is not changed here.
admin-back-apps = Back to protected applications
admin-back-audit = Back to the audit log
admin-back-rollout = Back to the MFA rollout
admin-back-clients = Back to applications
admin-back-mail = Back to the mail queue
admin-back-providers = Back to staff sign-in providers

# The MFA rollout.
rollout-title = MFA rollout
rollout-progress = Progress
rollout-summary = { $active } of { $total } accounts have registered for multi-factor authentication ({ $percent }%).
rollout-caption = Accounts by where they stand
rollout-invited = Invited (no password set yet)
rollout-registering = Registering (second factor not verified yet)
rollout-imported = Imported, not signed in to register yet
rollout-links-expired = Invitation links expired
rollout-active-with = Active with { $factor }
rollout-company-sign-in = Company sign-in (staff)
rollout-mailings = Move the rest along
rollout-mailings-intro = Each letter goes through the mail queue with a new registration link (the person's older link stops working) and is recorded in the audit log. Up to { $batch } letters go per press; press again for the rest.
rollout-send-expired = Send a new link to everyone whose link expired ({ $n })
rollout-send-unfinished = Send a reminder to everyone who has not finished registering ({ $n })
rollout-imported-hint = Imported accounts have no link to send: they sign in with their old password, then register for MFA.
rollout-done-nobody = Nobody needed one: no letter was queued.
rollout-done-expired-links = { $n ->
    [one] 1 new registration link queued: it goes out in the next few seconds (see the mail queue).
   *[other] { $n } new registration links queued: they go out in the next few seconds (see the mail queue).
  }
rollout-done-unfinished = { $n ->
    [one] 1 reminder with a new registration link queued: it goes out in the next few seconds (see the mail queue).
   *[other] { $n } reminders with a new registration link queued: they go out in the next few seconds (see the mail queue).
  }
