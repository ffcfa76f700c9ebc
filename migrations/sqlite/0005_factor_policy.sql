-- Which second factors an organization allows (1 = allowed). NIST SP 800-63B calls SMS and
-- voice restricted and does not accept email at all, so an operator may turn either off.
ALTER TABLE organizations ADD COLUMN email_factor BIGINT NOT NULL DEFAULT 1;
ALTER TABLE organizations ADD COLUMN phone_factor BIGINT NOT NULL DEFAULT 1;
