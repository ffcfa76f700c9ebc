-- Retention: one row per background job, naming the node that runs it until when. A node
-- takes a lease by a conditional upsert (only once it has expired), so of several nodes on
-- one database one prunes at a time.
CREATE TABLE job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- What the prune looks for, so each of its batches reads only rows it deletes.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX verification_codes_expires ON verification_codes (expires_at);
CREATE INDEX registration_links_expires ON registration_links (expires_at);
CREATE INDEX sign_in_throttle_updated ON sign_in_throttle (updated_at);
CREATE INDEX delivery_counters_day ON delivery_counters (day);
CREATE INDEX send_cool_downs_sent ON send_cool_downs (last_sent_at);
CREATE INDEX dev_outbox_created ON dev_outbox (created_at);
