-- The durable mail queue (issue 12): invitations, reminders and notices an administrator's
-- action (or a change to an account) causes are written here in the transaction of that
-- change, and a worker in `tessera serve` delivers them, retrying with back-off. The bodies
-- hold one-time registration links, so they are sealed (AES-256-GCM, `sealing::Kind::MailBody`):
-- never a link in plaintext. A letter goes with its account (a revoked invitation is not sent).
CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    account_id      BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    -- A node's claim: until then no other node sends the letter.
    lease_until     BIGINT,
    leased_by       TEXT,
    -- The mail server's answer to the last attempt (never a body).
    last_error      TEXT,
    sent_at         BIGINT,
    dead_at         BIGINT,
    -- When an administrator retried it after it died: its schedule starts again then.
    retried_at      BIGINT,
    -- Discarded by an administrator, or superseded by a newer link for the same account.
    discarded_at    BIGINT
);

-- What the worker looks for: letters still to send, by when they are due.
CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at)
    WHERE sent_at IS NULL AND dead_at IS NULL AND discarded_at IS NULL;
CREATE INDEX mail_queue_account ON mail_queue (account_id);
-- What the console lists and the retention job prunes.
CREATE INDEX mail_queue_dead ON mail_queue (dead_at) WHERE dead_at IS NOT NULL;
CREATE INDEX mail_queue_sent ON mail_queue (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX mail_queue_discarded ON mail_queue (discarded_at) WHERE discarded_at IS NOT NULL;
