-- Second factors are kinds, not columns (issue 12): an organization's allowed kinds are rows,
-- and so are each account's registered factors (kind, label, sealed secret or credential,
-- created, last used), so a new kind (authenticator app, passkey, recovery codes) is a new
-- value rather than a new column.
CREATE TABLE organization_factors (
    org_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind   TEXT NOT NULL,
    PRIMARY KEY (org_id, kind)
);
INSERT INTO organization_factors (org_id, kind) SELECT id, 'email' FROM organizations WHERE email_factor = 1;
INSERT INTO organization_factors (org_id, kind) SELECT id, 'phone' FROM organizations WHERE phone_factor = 1;
ALTER TABLE organizations DROP COLUMN email_factor;
ALTER TABLE organizations DROP COLUMN phone_factor;

-- A factor is recorded once it is proved: the email factor at the first sign-in with an
-- emailed code, the phone factor with its verified number (sealed, as the column it replaces).
CREATE TABLE account_factors (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    label        TEXT,
    secret       TEXT,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX account_factors_account ON account_factors (account_id, kind);
INSERT INTO account_factors (account_id, kind, secret, created_at, last_used_at)
    SELECT id, 'phone', phone_e164, created_at, last_sign_in_at FROM accounts WHERE phone_e164 IS NOT NULL;
INSERT INTO account_factors (account_id, kind, created_at, last_used_at)
    SELECT id, 'email', created_at, last_sign_in_at FROM accounts WHERE mfa_method = 'email' AND status = 'active';
ALTER TABLE accounts DROP COLUMN phone_e164;
