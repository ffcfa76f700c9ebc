-- Letters with a registration link are rendered when they are sent (issue 12: a bulk
-- invitation of 50,000 people returns at once): the queue keeps the link's token, sealed
-- (AES-256-GCM, `sealing::Kind::MailBody`), and when the link expires, instead of two sealed
-- bodies. Other letters keep their sealed bodies. A letter has one or the other.
-- SQLite cannot drop NOT NULL in place: the table is rebuilt, its rows and ids kept.
CREATE TABLE mail_queue_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    account_id      BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    -- Sealed bodies (a letter rendered when it was queued).
    body_text       TEXT,
    body_html       TEXT,
    -- A registration link's token, sealed, and when the link expires (a letter rendered
    -- when it is sent, from its account).
    link_token      TEXT,
    link_expires_at BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    leased_by       TEXT,
    last_error      TEXT,
    sent_at         BIGINT,
    dead_at         BIGINT,
    retried_at      BIGINT,
    discarded_at    BIGINT,
    CHECK ((body_text IS NOT NULL AND body_html IS NOT NULL AND link_token IS NULL)
        OR (body_text IS NULL AND body_html IS NULL AND link_token IS NOT NULL
            AND link_expires_at IS NOT NULL AND account_id IS NOT NULL))
);
INSERT INTO mail_queue_new (id, kind, account_id, recipient, subject, body_text, body_html,
                            attempts, created_at, next_attempt_at, lease_until, leased_by,
                            last_error, sent_at, dead_at, retried_at, discarded_at)
    SELECT id, kind, account_id, recipient, subject, body_text, body_html,
           attempts, created_at, next_attempt_at, lease_until, leased_by,
           last_error, sent_at, dead_at, retried_at, discarded_at
    FROM mail_queue;
DROP TABLE mail_queue;
ALTER TABLE mail_queue_new RENAME TO mail_queue;

CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at)
    WHERE sent_at IS NULL AND dead_at IS NULL AND discarded_at IS NULL;
CREATE INDEX mail_queue_account ON mail_queue (account_id);
CREATE INDEX mail_queue_dead ON mail_queue (dead_at) WHERE dead_at IS NOT NULL;
CREATE INDEX mail_queue_sent ON mail_queue (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX mail_queue_discarded ON mail_queue (discarded_at) WHERE discarded_at IS NOT NULL;
