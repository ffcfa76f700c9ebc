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
admin-bulk-csv-label = CSV with the columns { $email }, { $display_name } ({ $role } optional: { $user } or { $org_admin })
admin-bulk-csv-label-organization = CSV with the columns { $email }, { $display_name }, { $organization } ({ $role } optional: { $user } or { $org_admin })
admin-create-all = Create all
admin-upload-progress = Uploaded. Checking every row and creating the accounts…
admin-upload-too-large = This file is larger than 8 MiB. Split it into smaller files and upload each one.
admin-upload-label = Or upload a CSV file (the same columns; up to 8 MiB)
admin-uploading = Uploading
# What the upload script says while a file goes up ({file} and the like are filled in by it).
admin-upload-sending = Uploading { $file }…
admin-upload-percent = Uploading: { $percent }% sent.
admin-upload-answered = The server answered { $status }. Reload the page and try again.
admin-upload-unreachable = The upload did not reach the server. Check the connection and try again.
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
admin-import-label = CSV file with the columns { $email }, { $display_name }, { $password_hash } (bcrypt, PBKDF2-SHA256 or Argon2), optionally { $organization } and { $role } ({ $user } or { $org_admin }); up to 8 MiB
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

# The mail queue.
mail-title = Mail queue
mail-dead-heading = Dead letters
mail-dead-intro = Invitations, reminders and notices the mail server did not take after every retry. Retry sends one again now; Discard drops it (its person gets nothing: use Resend link on the account for a fresh registration link).
mail-kind-invitation = invitation
mail-kind-reminder = reminder
mail-kind-notice = notice
mail-letter-to = { $kind } to { $recipient }
mail-subject = Subject
mail-organization = Organization
mail-queued = Queued
mail-given-up = Given up
mail-given-up-after = { $at }, after { $attempts } attempts
mail-last-error = Last error
mail-no-error = none
mail-retry = Retry
mail-retry-label = Retry the { $kind } to { $recipient }
mail-discard = Discard
mail-discard-label = Discard the { $kind } to { $recipient }
mail-no-dead = There are no dead letters.
mail-waiting-heading = Waiting to be sent
mail-attempts-failed = { $attempts } attempts failed, next { $next }
mail-queued-at = queued { $at }
mail-nothing-waiting = Nothing is waiting: every queued email was sent.
mail-done-retried = The letter is queued again and is being sent.
mail-done-discarded = The letter was discarded: it will not be sent.

# The audit log: its filter, its entries (event names: English shows the recorded code).
audit-title = Audit log
audit-filter-heading = Filter
audit-user = User (email)
audit-user-hint = The person the entries are about.
audit-actor = Actor
audit-actor-hint = Who acted: an email address, or { $actors }.
audit-event = Event
audit-any = Any
audit-organization = Organization
audit-from = From (UTC)
audit-to = To (UTC, inclusive)
audit-filter = Filter
audit-entries-heading = Entries
audit-export = Export these entries:
audit-caption-newest = Newest first
audit-caption-older = Newest first, older page
audit-col-time = Time (UTC)
audit-col-event = Event
audit-col-actor = Actor
audit-col-subject = Subject
audit-col-detail = Detail
audit-no-entries = No entries match.
audit-newest = Newest
audit-older = Older
audit-unknown-format = Unknown export format
audit-export-formats = Export the audit log as CSV or as JSON Lines.
audit-event-account-disabled = account-disabled
audit-event-account-enabled = account-enabled
audit-event-account-invited = account-invited
audit-event-account-locked = account-locked
audit-event-account-locked-by-admin = account-locked-by-admin
audit-event-account-unlocked = account-unlocked
audit-event-accounts-imported = accounts-imported
audit-event-accounts-invited-in-bulk = accounts-invited-in-bulk
audit-event-api-token-issued = api-token-issued
audit-event-api-token-revoked = api-token-revoked
audit-event-app-created = app-created
audit-event-app-deleted = app-deleted
audit-event-app-disabled = app-disabled
audit-event-app-enabled = app-enabled
audit-event-audit-chain-sealed = audit-chain-sealed
audit-event-backchannel-logout-failed = backchannel-logout-failed
audit-event-backup-made = backup-made
audit-event-backup-restored = backup-restored
audit-event-call-cancelled = call-cancelled
audit-event-call-ended = call-ended
audit-event-call-key-pressed = call-key-pressed
audit-event-call-key-refused = call-key-refused
audit-event-call-placed = call-placed
audit-event-call-webhook-forged = call-webhook-forged
audit-event-call-webhook-ignored = call-webhook-ignored
audit-event-client-authentication-failed = client-authentication-failed
audit-event-client-created = client-created
audit-event-client-deleted = client-deleted
audit-event-client-disabled = client-disabled
audit-event-client-enabled = client-enabled
audit-event-client-secret-rotated = client-secret-rotated
audit-event-client-sign-in = client-sign-in
audit-event-client-uris-changed = client-uris-changed
audit-event-code-not-delivered = code-not-delivered
audit-event-code-refused = code-refused
audit-event-code-sent = code-sent
audit-event-email-changed = email-changed
audit-event-factor-added = factor-added
audit-event-factor-policy-changed = factor-policy-changed
audit-event-factor-refused = factor-refused
audit-event-factor-removed = factor-removed
audit-event-factor-renamed = factor-renamed
audit-event-first-administrator-link-issued = first-administrator-link-issued
audit-event-forward-auth-refused = forward-auth-refused
audit-event-idp-changed = idp-changed
audit-event-idp-created = idp-created
audit-event-idp-disabled = idp-disabled
audit-event-idp-enabled = idp-enabled
audit-event-invitation-revoked = invitation-revoked
audit-event-invitation-withdrawn = invitation-withdrawn
audit-event-keys-rotated = keys-rotated
audit-event-mail-dead-lettered = mail-dead-lettered
audit-event-mail-discarded = mail-discarded
audit-event-mail-retried = mail-retried
audit-event-mfa-method-changed = mfa-method-changed
audit-event-mfa-reset = mfa-reset
audit-event-organization-created = organization-created
audit-event-passkey-refused = passkey-refused
audit-event-password-accepted = password-accepted
audit-event-password-changed = password-changed
audit-event-password-rehashed = password-rehashed
audit-event-password-reset-requested = password-reset-requested
audit-event-password-set = password-set
audit-event-phone-changed = phone-changed
audit-event-reauthentication-failed = reauthentication-failed
audit-event-records-pruned = records-pruned
audit-event-recovery-codes-generated = recovery-codes-generated
audit-event-registration-link-opened = registration-link-opened
audit-event-registration-link-requested = registration-link-requested
audit-event-registration-link-sent = registration-link-sent
audit-event-role-changed = role-changed
audit-event-rollout-deadline-removed = rollout-deadline-removed
audit-event-rollout-deadline-set = rollout-deadline-set
audit-event-rollout-reminder-sent = rollout-reminder-sent
audit-event-send-refused = send-refused
audit-event-session-ended = session-ended
audit-event-sessions-ended = sessions-ended
audit-event-sign-in-failed = sign-in-failed
audit-event-sign-in-refused = sign-in-refused
audit-event-signed-in = signed-in
audit-event-signed-out = signed-out
audit-event-signing-key-created = signing-key-created
audit-event-staff-account-created = staff-account-created
audit-event-staff-sign-in-refused = staff-sign-in-refused
audit-event-step-up-passed = step-up-passed
audit-event-terms-accepted = terms-accepted
audit-event-terms-published = terms-published
audit-event-token-reuse-detected = token-reuse-detected
audit-event-token-revoked = token-revoked

# Applications (OpenID Connect clients).
clients-title = Applications
clients-registered = Registered applications
clients-intro = The applications that sign people in through Tessera. Open one to change its URIs, rotate its secret, disable or delete it.
clients-intro-organization = The applications that sign people in through Tessera for your organization. Open one to change its URIs, rotate its secret, disable or delete it.
clients-table-label = Table of registered applications
clients-col-name = Name
clients-col-client-id = Client ID
clients-col-organization = Organization
clients-col-type = Type
clients-col-status = Status
clients-col-redirect-uris = Redirect URIs
clients-every-organization = every organization
clients-kind-public = public
clients-kind-confidential = confidential
clients-status-active = active
clients-status-disabled = disabled
clients-none = No application is registered yet.
clients-register-heading = Register an application
clients-register-intro = The client secret is shown once, on the next page; Tessera keeps only a keyed hash of it. Redirect URIs must be https (http only on 127.0.0.1 or localhost), without a fragment, and are matched exactly.
clients-name = Name
clients-redirect-uris = Redirect URIs (one a line)
clients-post-logout-uris = Post-logout redirect URIs (one a line, optional)
clients-backchannel-uri = Back-channel logout URI (optional)
clients-start-url = Start URL (optional: listed on the home page of the people who may use it)
clients-organization = Organization (optional: only its people may use the application)
clients-id-token-alg = ID token algorithm
clients-rs256-default = RS256 (the default)
clients-public = Public client (a native or browser app that cannot keep a secret; it must use PKCE)
clients-register = Register application
clients-done-uris = The URIs were saved; they hold from the next request.
clients-done-disabled = The application is disabled: nobody signs in to it until it is enabled again.
clients-done-enabled = The application is enabled.
clients-done-deleted = The application was deleted.

# Publishing the Terms of Use.
terms-admin-title = Terms of Use
terms-admin-intro = The current version is { $version }. A new version is shown to everyone at their next sign-in, and each acceptance is recorded.
terms-admin-field-title = Title
terms-admin-field-text = Text
terms-admin-publish = Publish new version

# One application (OpenID Connect client), and its secret.
client-registration = Registration
client-registered-at = Registered
client-uris = URIs
client-uris-intro = Saving replaces the whole set. Redirect URIs must be https (http only on 127.0.0.1 or localhost), without a fragment, and are matched exactly; at least one is needed.
client-save-uris = Save URIs
client-secret-and-status = Secret and status
client-public-no-secret = A public client has no secret: it proves itself with PKCE.
client-rotate-secret = Rotate secret
client-delete = Delete application
client-actions-hint = Rotating the secret stops the old one at once: give the new one to the application straight away. Disabling stops every sign-in to the application until it is enabled again. Deleting cannot be undone.
client-registered-title = Application registered
client-registered-message = The application is registered. Give it its client_id and secret.
client-rotated-title = New client secret
client-rotated-message = The secret was rotated: the old one no longer works. Give the application the new one now.
client-secret-copy-now = Copy the client secret now: it is shown only once.
client-secret-keyed-hash = Tessera keeps only a keyed hash of it; if it is lost, rotate it.
client-secret-public = This is a public client: it has no secret, and proves itself with PKCE.
client-secret-go = Go to the application

# Protected applications (forward authentication).
apps-title = Protected applications
apps-intro = The applications a reverse proxy (nginx, Caddy, Traefik) puts behind Tessera's sign-in: the proxy asks Tessera on every request whether the browser is signed in. A disabled application's requests are refused; deleting one cannot be undone.
apps-intro-organization = The applications a reverse proxy (nginx, Caddy, Traefik) puts behind Tessera's sign-in for your organization: the proxy asks Tessera on every request whether the browser is signed in. A disabled application's requests are refused; deleting one cannot be undone.
apps-col-url = URL
apps-col-organizations = Organizations
apps-status-enabled = enabled
apps-status-disabled = disabled
apps-enable-label = Enable { $name }
apps-disable-label = Disable { $name }
apps-delete-label = Delete { $name }
apps-delete = Delete
apps-url = URL (origin)
apps-url-hint = The address people open, without a path: such as https://portal.example.org. It must be https (http only on 127.0.0.1 or localhost, or while Tessera's own address is http).
apps-organization = Organization (only its people may use the application)
apps-every-organization = Every organization
apps-only-your-organization = Only the people of your organization may use the applications you register.
apps-only-your-organization-named = Only the people of your organization ({ $organizations }) may use the applications you register.
apps-done-registered = The application is registered: its reverse proxy's checks are answered from now on.
apps-done-disabled = The application is disabled: its reverse proxy's checks refuse everyone until it is enabled again.

# Staff sign-in providers.
providers-registered = Registered providers
providers-intro-before = The company's own identity providers (OpenID Connect: Microsoft Entra ID, Okta, Google Workspace, …). The login page shows
providers-intro-button = Sign in with NAME
providers-intro-after = for each enabled provider, and an address of a staff domain is sent to its provider instead of being asked for a password. A disabled provider is not offered and its staff cannot sign in through it.
providers-table-label = Table of registered providers
providers-issuer = Issuer
providers-domains = Staff email domains
providers-col-local-mfa = Asks for Tessera's own factor
providers-none-organization = None
providers-yes = yes
providers-no = no
providers-edit = Edit
providers-edit-label = Edit { $name }
providers-none = No provider is registered yet.
providers-register-heading = Register a provider
providers-register-before = Register Tessera at the provider first, as a web application whose redirect URI is this portal's
providers-register-after = ; the provider then gives a client ID and a client secret. Tessera reads the provider's discovery document before the provider is saved.
providers-name-hint = Shown on the login page as "Sign in with NAME".
providers-issuer-hint = Exactly as the provider states it, such as { $example } (https; http only on 127.0.0.1 or localhost).
providers-client-secret = Client secret
providers-secret-hint = Stored sealed and never shown again.
providers-secret-hint-again = Stored sealed and never shown again: type it again.
providers-register = Register provider
providers-domains-hint = One a line, or separated by commas, such as example.org. Each domain belongs to one provider.
providers-organization-hint = New staff accounts made at their first sign-in are created in it.
providers-organization-hint-editing = New staff accounts made at their first sign-in are created in it; existing accounts stay where they are.
providers-require-local-mfa = Always ask for Tessera's own second factor
providers-amr-before = Otherwise a second factor the provider reports (its
providers-amr-after = ) is accepted, and Tessera asks for its own only when the provider shows none.
providers-settings = Settings
providers-settings-intro = Saving replaces the whole set of staff email domains. The changes hold from the next sign-in through the provider; staff already signed in keep their sessions.
providers-issuer-fixed = The issuer cannot be changed: the staff accounts linked through this provider are known by it. To use another issuer, register a new provider.
providers-new-secret-hint = Leave it empty to keep the current secret, which is never shown. A new one is stored sealed.
providers-save = Save changes
providers-done-registered = The provider is registered: its staff domains sign in through it from now on, and the login page offers it.
providers-done-disabled = The provider is disabled: the login page no longer offers it and its staff cannot sign in through it until it is enabled again.
providers-done-enabled = The provider is enabled.
providers-done-changed = The provider's settings are saved: they hold from the next sign-in through it.

# The MFA rollout's deadline and reminders.
rollout-deadline-heading = Deadline and reminders
rollout-deadline-current = Everyone is asked to finish by the end of { $day } (UTC). Reminders go { $days } days before it.
rollout-deadline-reminder-sent = The reminder { $days } days before went to { $n ->
        [one] 1 person
       *[other] { $n } people
    } ({ $at }).
rollout-deadline-reminder-sending = The reminder { $days } days before is being sent: { $n ->
        [one] 1 letter
       *[other] { $n } letters
    } so far.
rollout-deadline-portal-wide = Your organization follows the portal's deadline, the end of { $day } (UTC), until you set one of its own.
rollout-deadline-none = No deadline is set.
rollout-deadline-hint = On each reminder day, everyone who has not finished gets a letter through the mail queue with the deadline: a new registration link, or, for imported accounts, how to sign in and set up the second step. Give the days as numbers from 1 to 90, separated by commas (at most 5). Moving the deadline starts its reminders over.
rollout-deadline-day = Deadline (last day)
rollout-deadline-reminder-days = Reminders, in days before the deadline
rollout-deadline-set = Set the deadline
rollout-deadline-remove = Remove the deadline
rollout-done-deadline-set = The deadline is set. Its reminders will go on their days.
rollout-done-deadline-removed = The deadline is removed: no more reminders of it will go.
rollout-deadline-problem-date = Give the deadline as a date (year-month-day) within the next two years.
rollout-deadline-problem-past = The deadline must be a day after today.
rollout-deadline-problem-days = Give the reminder days as whole numbers from 1 to { $max }, separated by commas, at most { $count }, each once (for example 7, 1).
# Problems of an import or bulk-create file, each on its line ("email: …" names the column).
import-problem-on-line = line { $line }: { $problem }
import-problem-more = { $n ->
    [one] and 1 more line with problems
   *[other] and { $count } more lines with problems
}
import-problem-field-count = has { $fields } fields but the header has { $columns }; { $hint }
import-problem-hint-phc-commas = an Argon2 or PBKDF2 hash contains commas, so put it in double quotes
import-problem-hint-quote = put values that contain commas in double quotes
import-problem-no-users = the file has no users
import-problem-empty = the file is empty; its first line must name the columns email, display_name and password_hash
import-problem-column-twice = the column { $name } appears more than once
import-problem-column-missing = the required column { $name } is missing
import-problem-same-address = the same address is on line { $line }
import-problem-organization-too-long = the name is longer than { $max } characters
import-problem-role = must be user or org-admin
import-problem-not-utf8 = the line is not valid UTF-8; save the file as UTF-8
import-problem-unreadable-file = the file could not be read: { $error }
import-problem-unreadable-line = the line could not be read: { $error }
import-problem-email-exists = an account with the email address { $email } already exists; remove the row
import-problem-no-organization = there is no organization named { $name }; create it first, or correct the name
import-problem-raced = an address in the file was registered while it was imported; nothing was imported, so import the file again
legacy-hash-unknown = unknown password hash format
legacy-hash-malformed = malformed { $scheme } hash
legacy-hash-bad-encoding = { $scheme } salt or hash is not valid base64
legacy-hash-bcrypt-cost = bcrypt cost out of range
legacy-hash-pbkdf2-iterations = PBKDF2 iteration count out of range
legacy-hash-pbkdf2-length = PBKDF2 derived length out of range
legacy-hash-argon2-params = Argon2 parameters are invalid or out of range

# An invitation refused (the console's form, the CLI, the API).
invitation-unknown-organization = There is no organization named { $name }. Create it first with `tessera admin create-org --name NAME`.
invitation-already-registered = An account with this email address already exists. If it should belong to this organization, ask a system administrator.

# Problems of registering an application (OpenID Connect client) or a protected application.
client-uri-not-absolute = { $uri } is not an absolute URL (it must start with https://).
client-uri-fragment = { $uri } has a fragment (#…); a redirect URI must not (RFC 6749 section 3.1.2).
client-uri-not-https = { $uri } is not https. Only loopback addresses (127.0.0.1, localhost) may use http, unless Tessera's own public URL is http.
client-uri-credentials = { $uri } carries a user name or password; remove them.
client-problem-name = Give the application a name (at most 100 characters).
client-problem-no-redirect = Give at least one redirect URI.
client-problem-several-backchannel = Give at most one back-channel logout URI.
client-problem-several-start = Give at most one start URL.
clients-problem-own-organization = You can register applications of your own organization only.
clients-problem-alg = { $alg } is not an ID token algorithm Tessera signs with: use RS256 or ES256.
clients-problem-id-taken = That client id is taken; try again.
clients-problem-public-no-secret = A public client has no secret to rotate: it proves itself with PKCE instead. If the application can keep a secret, register it again as a confidential client.
apps-problem-registered = An application is registered at { $origin } already.
apps-problem-own-organization = You can register applications for your own organization only.
# Problems of registering a staff sign-in provider ({ $why }: the provider's answer, as read).
providers-problem-registered = A provider named { $name } or one of the domains { $domains } is registered already: each staff domain belongs to one provider.
providers-problem-discovery = The provider's discovery document at { $url } could not be read ({ $why }). Check the issuer URL and that Tessera can reach the provider, then try again.
providers-problem-issuer-fixed = The issuer cannot be changed (it stays { $issuer }): the staff accounts linked through this provider are known by it. To use another issuer, register a new provider.

# Bulk create's own problems (the file's are import-problem-*).
bulk-problem-rows = { $n } row(s) are not valid; nobody was created
bulk-problem-own-organization = you can invite only into your own organization, not { $name }
bulk-problem-no-organization = there is no organization named { $name }
bulk-problem-org-admin-role = only system administrators appoint organization administrators
bulk-problem-email-exists = an account with { $email } already exists
bulk-problem-raced = an address in the file was registered meanwhile; nobody was created — try again
