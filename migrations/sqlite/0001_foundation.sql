-- Times are Unix seconds (BIGINT); identifiers of secrets are keyed hashes (BLOB).
CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    org_id        BIGINT REFERENCES organizations (id),
    role          TEXT NOT NULL,
    status        TEXT NOT NULL,
    password_hash TEXT,
    mfa_method    TEXT,
    created_at    BIGINT NOT NULL,
    last_sign_in_at BIGINT
);

-- Registration links (invitations) and the first-run set-up link (no account yet).
CREATE TABLE registration_links (
    token_hash BLOB PRIMARY KEY,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    voided_at  BIGINT
);
CREATE INDEX registration_links_account ON registration_links (account_id);

CREATE TABLE sessions (
    id_hash      BLOB PRIMARY KEY,
    account_id   BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    stage        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    code_sent_at BIGINT
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE verification_codes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    session_hash  BLOB NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    destination   TEXT NOT NULL,
    code_hash     BLOB NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    consumed_at   BIGINT,
    superseded_at BIGINT
);
CREATE INDEX verification_codes_session ON verification_codes (session_hash);

CREATE TABLE sign_in_throttle (
    key_hash     BLOB PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE terms_versions (
    version      BIGINT PRIMARY KEY,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    published_at BIGINT NOT NULL
);

CREATE TABLE terms_acceptances (
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL REFERENCES terms_versions (version),
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, version)
);

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    event     TEXT NOT NULL,
    actor     TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

-- One row: the last entry of the chain. Appending updates it first, which serialises
-- appenders on every backend.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Messages of the development outbox (no SMTP server configured).
CREATE TABLE dev_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at BIGINT NOT NULL,
    channel    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL
);

INSERT INTO terms_versions (version, title, body, published_at)
VALUES (1, 'Terms of Use',
'This portal holds personal health information (PHI) and personally identifiable information (PII). By using it you agree to access only the information you need for your work, to keep your password and verification codes to yourself, to sign out when you leave your device, and to report any suspected misuse to your Portal Administrator at once. Your activity in the portal is recorded.',
0);
