-- The phone factor: the verified number (E.164), calls awaiting a key press, send caps.
ALTER TABLE accounts ADD COLUMN phone_e164 TEXT;

ALTER TABLE verification_codes ADD COLUMN provider_sid TEXT;
-- Set when the callee pressed # (voice), or when the call ended without it.
ALTER TABLE verification_codes ADD COLUMN answered_at BIGINT;
ALTER TABLE verification_codes ADD COLUMN call_outcome TEXT;
CREATE INDEX verification_codes_hash ON verification_codes (code_hash);

-- Sends per day, per scope (account, number, client address) and keyed hash of the key.
CREATE TABLE delivery_counters (
    scope    TEXT NOT NULL,
    key_hash BLOB NOT NULL,
    day      BIGINT NOT NULL,
    sends    BIGINT NOT NULL,
    PRIMARY KEY (scope, key_hash, day)
);

-- Development outbox: a voice call's key-press address, so the page can "press #".
ALTER TABLE dev_outbox ADD COLUMN press_token TEXT;
