-- When a text or call last went out per account and per number (keyed hash), whichever
-- session or node sent it: the resend cool-down across sign-ins and accounts. Rows from
-- before this table (none were kept apart) start fresh.
CREATE TABLE send_cool_downs (
    scope        TEXT NOT NULL,
    key_hash     BYTEA NOT NULL,
    last_sent_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
DELETE FROM delivery_counters WHERE day = -1;
