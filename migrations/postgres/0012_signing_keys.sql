-- ID-token signing keys (issue 13), shared by every node: the private half sealed like phone
-- numbers, the public half as published at jwks_uri. A key is published from created_at, signs
-- from signs_from (a rotated key later than it is published), and stays published until
-- published_until (set when a newer key of its algorithm takes over: its tokens' lifetime).
CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY,
    alg             TEXT NOT NULL,
    private_key     TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    signs_from      BIGINT NOT NULL,
    published_until BIGINT
);
CREATE INDEX signing_keys_alg ON signing_keys (alg, signs_from);
-- One newest key per algorithm: two nodes making the first key at once cannot both succeed.
CREATE UNIQUE INDEX signing_keys_newest ON signing_keys (alg) WHERE published_until IS NULL;
