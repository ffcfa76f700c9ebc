-- Upgrades without downtime (issue 19): the oldest migration a `tessera` binary must carry to
-- run on this database. Raised by the binary that applies a contract step (one that drops,
-- renames or tightens what older releases use), before it applies it; never lowered. A binary
-- that carries less refuses to start, naming the migration that set it; an older binary on a
-- database that only gained expand steps since starts and serves. One row.
CREATE TABLE schema_compatibility (
    id               BIGINT PRIMARY KEY CHECK (id = 1),
    needs_version    BIGINT NOT NULL DEFAULT 0,
    contract_version BIGINT NOT NULL DEFAULT 0,
    contract_name    TEXT NOT NULL DEFAULT ''
);
INSERT INTO schema_compatibility (id) VALUES (1);
