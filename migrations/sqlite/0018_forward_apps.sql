-- Applications behind a reverse proxy that asks Tessera on every request (issue 15, forward
-- authentication), named by their origin. With no rows in forward_app_orgs an application is
-- for every organization; with rows, for those organizations only.
CREATE TABLE forward_apps (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    origin      TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    disabled_at BIGINT
);

CREATE TABLE forward_app_orgs (
    app    BIGINT NOT NULL REFERENCES forward_apps (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    PRIMARY KEY (app, org_id)
);
CREATE INDEX forward_app_orgs_org ON forward_app_orgs (org_id);
