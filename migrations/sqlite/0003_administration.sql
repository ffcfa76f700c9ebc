-- Administration: accounts an administrator disabled or locked.
ALTER TABLE accounts ADD COLUMN disabled_at BIGINT;
ALTER TABLE accounts ADD COLUMN locked_at BIGINT;
CREATE INDEX accounts_org ON accounts (org_id, status);
