-- Staff single sign-on (issue 16): the company's own OpenID Connect providers. The client
-- secret is sealed (sealing::Kind::ProviderSecret); each staff domain belongs to one provider.
CREATE TABLE identity_providers (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT NOT NULL UNIQUE,
    issuer            TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    client_secret     TEXT NOT NULL,
    org_id            BIGINT REFERENCES organizations (id) ON DELETE SET NULL,
    require_local_mfa BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    disabled_at       BIGINT
);

CREATE TABLE identity_provider_domains (
    provider BIGINT NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
    domain   TEXT NOT NULL UNIQUE,
    PRIMARY KEY (provider, domain)
);

-- A staff account's identity at a provider: found by the provider's issuer and subject at
-- every later sign-in, never by email alone.
CREATE TABLE account_links (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider   BIGINT REFERENCES identity_providers (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX account_links_account ON account_links (account_id);
