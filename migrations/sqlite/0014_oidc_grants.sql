-- OpenID Connect sign-ins (issue 13).
-- How a session proved its person (RFC 8176 `amr` values, space-separated), carried from
-- stage to stage, and the stable identifier (`sid`) of a signed-in session, kept when a
-- step-up gives it a new cookie: tokens live no longer than the session they came from.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN sid TEXT;
CREATE INDEX sessions_sid ON sessions (sid);

-- An authorization request waiting while its person signs in, found by the keyed hash of
-- the handle in the browser's cookie: the request itself never travels in a URL.
CREATE TABLE oidc_requests (
    id_hash    BLOB PRIMARY KEY,
    client     BIGINT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    request    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_requests_expires ON oidc_requests (expires_at);

-- What a signed-in session granted a client: the family of its tokens. Revoking it (reuse
-- of a refresh token or of the code, revocation, the session's end) ends them all.
CREATE TABLE oidc_grants (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client     BIGINT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sid        TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    nonce      TEXT,
    auth_time  BIGINT NOT NULL,
    amr        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX oidc_grants_sid ON oidc_grants (sid);
CREATE INDEX oidc_grants_account ON oidc_grants (account_id);

-- Authorization codes, access tokens and refresh tokens, each kept as a keyed hash. A code
-- or refresh token is used once (`used_at`); its second use revokes the grant.
CREATE TABLE oidc_tokens (
    token_hash     BLOB PRIMARY KEY,
    grant_id       BIGINT NOT NULL REFERENCES oidc_grants (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    redirect_uri   TEXT,
    code_challenge TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX oidc_tokens_grant ON oidc_tokens (grant_id);
CREATE INDEX oidc_tokens_expires ON oidc_tokens (expires_at);
