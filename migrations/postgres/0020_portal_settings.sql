-- What a running server tells the command line (issue 17, problem 11): the public URL it
-- started with, so links made by `tessera admin` in another terminal reach it.
CREATE TABLE portal_settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
