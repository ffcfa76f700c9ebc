-- Change password asks for a second factor on its own pages, even right after sign-in
-- (issue 14): the time a step-up last passed in this session, apart from the sign-in's.
ALTER TABLE sessions ADD COLUMN reverified_at BIGINT;
