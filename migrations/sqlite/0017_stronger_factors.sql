-- Stronger factors (issue 14): an authenticator app's last accepted time step (each step is
-- accepted once), a passkey's credential id (one account's only), recovery codes (keyed
-- hashes, each used once), and the short-lived state of an enrolment or a WebAuthn ceremony,
-- kept on the server and bound to the handle the browser holds.
ALTER TABLE account_factors ADD COLUMN last_step BIGINT;
ALTER TABLE account_factors ADD COLUMN credential_id BLOB;
CREATE UNIQUE INDEX account_factors_credential ON account_factors (credential_id);

CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id, code_hash);

CREATE TABLE ceremonies (
    handle_hash BLOB NOT NULL,
    purpose     TEXT NOT NULL,
    account_id  BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (handle_hash, purpose)
);
CREATE INDEX ceremonies_expiry ON ceremonies (expires_at);

-- Organizations allow the stronger factors, as new ones do.
INSERT INTO organization_factors (org_id, kind) SELECT id, 'app' FROM organizations;
INSERT INTO organization_factors (org_id, kind) SELECT id, 'passkey' FROM organizations;
-- An organization may require a passkey of its administrators or of everyone.
ALTER TABLE organizations ADD COLUMN require_passkey TEXT NOT NULL DEFAULT 'off';
