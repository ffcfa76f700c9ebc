-- OpenID Connect clients (issue 13): the applications that sign people in through Tessera.
-- The secret is kept only as a keyed hash; public clients have none.
CREATE TABLE oidc_clients (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    secret_hash  BYTEA,
    org_id       BIGINT REFERENCES organizations (id) ON DELETE CASCADE,
    id_token_alg TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    disabled_at  BIGINT
);
CREATE INDEX oidc_clients_org ON oidc_clients (org_id);

-- Redirect, post-logout and back-channel logout URIs, matched exactly.
CREATE TABLE oidc_client_uris (
    client BIGINT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    uri     TEXT NOT NULL,
    PRIMARY KEY (client, purpose, uri)
);
