-- Back-channel logout (issue 13): when a signed-in session ends (sign-out, time-out, an
-- administrator's end sessions, disable, lock, a password reset), every client it signed
-- into with a back-channel logout URI is told, from this queue, with retries.
-- A grant's `ended_at` records that its session's end was seen and its logouts queued.
ALTER TABLE oidc_grants ADD COLUMN ended_at BIGINT;
CREATE INDEX oidc_grants_ended ON oidc_grants (ended_at);

CREATE TABLE oidc_logouts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    client          BIGINT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    account_id      BIGINT NOT NULL,
    sid             TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    lease_until     BIGINT,
    sent_at         BIGINT,
    dead_at         BIGINT,
    last_error      TEXT,
    UNIQUE (client, sid)
);
CREATE INDEX oidc_logouts_due ON oidc_logouts (next_attempt_at);
