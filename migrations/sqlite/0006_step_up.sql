-- Step-up: when the session last passed its second factor (at sign-in, and at every
-- re-check in place). Sessions signed in before this column existed count from sign-in.
ALTER TABLE sessions ADD COLUMN factor_verified_at BIGINT;
UPDATE sessions SET factor_verified_at = created_at WHERE stage = 'authenticated';

-- What a code is for, so a code sent to a new address can never pass as a second factor
-- (and the reverse): sign-in (and recovery), step-up, new-email, new-phone.
ALTER TABLE verification_codes ADD COLUMN purpose TEXT NOT NULL DEFAULT 'sign-in';
