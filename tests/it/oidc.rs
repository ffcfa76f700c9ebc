//! The OpenID Connect provider (issue 13), as far as it goes: the signing keys and the key
//! set at `jwks_uri`. A relying party checks ID tokens with nothing but the published keys.

use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey,
};
use serde_json::{Value, json};
use tessera::domain::jose::{ID_TOKEN_TTL_SECS, SIGNING_KEY_LEAD_SECS, SigningAlg};
use tessera::flows::signing_keys;

use crate::helpers::{Backend, SECRET_KEY, TestApp, spawn_app};
use crate::on_both_backends;

pub async fn key_set(app: &TestApp) -> Vec<Value> {
    let page = app.new_browser().get("/oidc/jwks").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let set: Value = serde_json::from_str(&page.body).unwrap();
    set["keys"].as_array().unwrap().clone()
}

fn kid_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_string()
}

fn b64(value: &Value) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(value.as_str().unwrap()).unwrap()
}

/// What a relying party does: find the token's key in the published set by `kid`, check the
/// signature with it.
pub fn verifies_with(keys: &[Value], token: &str) -> bool {
    let Some(jwk) = keys.iter().find(|k| k["kid"] == kid_of(token).as_str()) else {
        return false;
    };
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    match jwk["kty"].as_str() {
        Some("RSA") => RsaPublicKeyComponents {
            n: b64(&jwk["n"]),
            e: b64(&jwk["e"]),
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &signature)
        .is_ok(),
        Some("EC") => {
            let mut point = vec![4];
            point.extend(b64(&jwk["x"]));
            point.extend(b64(&jwk["y"]));
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(input.as_bytes(), &signature)
                .is_ok()
        }
        _ => false,
    }
}

async fn sign(app: &TestApp, alg: SigningAlg) -> String {
    signing_keys::sign(&app.app, alg, &json!({ "sub": "a1", "aud": "portal" }))
        .await
        .unwrap()
}

/// Tokens of both algorithms verify against the published set; the set holds public halves
/// only (no `d`, `p`, `q`…), and the private halves are stored sealed (ASVS 11.2.x, 13.3.1:
/// secrets protected at rest).
async fn the_key_set_verifies_tokens_of_both_algorithms_and_holds_no_private_part(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    assert!(
        key_set(&app).await.is_empty(),
        "no key before the first is made"
    );
    let rs = sign(&app, SigningAlg::Rs256).await;
    let es = sign(&app, SigningAlg::Es256).await;
    let keys = key_set(&app).await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    let algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert!(
        algs.contains(&"RS256") && algs.contains(&"ES256"),
        "{algs:?}"
    );
    for key in &keys {
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(key.get(private).is_none(), "{private} published: {key}");
        }
        assert_eq!(key["use"], "sig");
    }
    assert!(verifies_with(&keys, &rs), "RS256 token");
    assert!(verifies_with(&keys, &es), "ES256 token");
    // Another subject under the same header and signature.
    let parts: Vec<&str> = rs.split('.').collect();
    let claims = URL_SAFE_NO_PAD.encode(br#"{"aud":"portal","sub":"a2"}"#);
    let altered = format!("{}.{claims}.{}", parts[0], parts[2]);
    assert_ne!(altered, rs);
    assert!(
        !verifies_with(&keys, &altered),
        "an altered token must not verify"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM signing_keys WHERE private_key NOT LIKE 'enc:%'")
            .await,
        0,
        "private keys are stored sealed"
    );
    let created = app
        .audit_events()
        .await
        .iter()
        .filter(|e| e.as_str() == "signing-key-created")
        .count();
    assert_eq!(created, 2, "one audited key per algorithm");
}

/// `tessera keys rotate-signing`: the new keys are published at once and sign only after the
/// lead time; the old ones go on signing till then, and stay published while a token they
/// signed may live, so no token in flight stops verifying.
async fn a_rotation_publishes_before_it_signs_and_keeps_the_old_keys_while_their_tokens_live(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let before = sign(&app, SigningAlg::Rs256).await;
    let old_kid = kid_of(&before);

    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["keys", "rotate-signing"])
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("RS256 key") && printed.contains("ES256 key"),
        "{printed}"
    );

    let keys = key_set(&app).await;
    assert_eq!(keys.len(), 4, "old and new published together: {keys:?}");
    let still_old = sign(&app, SigningAlg::Rs256).await;
    assert_eq!(kid_of(&still_old), old_kid, "the new key does not sign yet");

    // The command read the real clock a few seconds after the app's started: a minute more.
    app.clock.advance(SIGNING_KEY_LEAD_SECS + 60);
    let after = sign(&app, SigningAlg::Rs256).await;
    assert_ne!(
        kid_of(&after),
        old_kid,
        "the new key signs after the lead time"
    );
    assert!(printed.contains(&kid_of(&after)), "{printed}");
    let keys = key_set(&app).await;
    assert!(
        verifies_with(&keys, &before),
        "a token of the old key still verifies"
    );
    assert!(verifies_with(&keys, &after));

    app.clock.advance(ID_TOKEN_TTL_SECS);
    let keys = key_set(&app).await;
    assert_eq!(
        keys.len(),
        2,
        "the old keys are gone once their tokens expired"
    );
    assert!(!verifies_with(&keys, &before));
    assert!(verifies_with(&keys, &after));
}

/// Two nodes making the first keys at once keep one key per algorithm, and both sign with it.
async fn two_nodes_making_the_first_keys_at_once_keep_one_per_algorithm(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = tessera::app::App::build_with_clock(
        crate::helpers::test_config(&app.db.url, None),
        std::sync::Arc::new(app.clock.clone()),
    )
    .await
    .unwrap();
    let (one, two) = tokio::join!(signing_keys::ensure(&app.app), signing_keys::ensure(&other));
    assert_eq!(
        one.unwrap().len() + two.unwrap().len(),
        2,
        "two keys made in all"
    );
    assert_eq!(key_set(&app).await.len(), 2);
    let claims = json!({ "sub": "a1" });
    let a = signing_keys::sign(&app.app, SigningAlg::Es256, &claims)
        .await
        .unwrap();
    let b = signing_keys::sign(&other, SigningAlg::Es256, &claims)
        .await
        .unwrap();
    assert_eq!(kid_of(&a), kid_of(&b));
}

on_both_backends!(
    the_key_set_verifies_tokens_of_both_algorithms_and_holds_no_private_part,
    a_rotation_publishes_before_it_signs_and_keeps_the_old_keys_while_their_tokens_live,
    two_nodes_making_the_first_keys_at_once_keep_one_per_algorithm,
);

fn tessera(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .env("TESSERA_PUBLIC_URL", "https://sign-in.example.org")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The value printed on a line of its own as `NAME: VALUE`.
fn printed(stdout: &str, name: &str) -> Option<String> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::to_string)
}

/// `tessera admin create-client` (PRODUCT.md): `client_id: VALUE` and `client_secret: VALUE`,
/// each alone on a line; the secret is stored only as a keyed hash (ASVS 13.3.1), a public
/// client gets none; the registration is audited.
async fn create_client_prints_its_id_and_a_secret_kept_only_as_a_hash(backend: Backend) {
    let app = spawn_app(backend).await;
    let (ok, _, err) = tessera(&app, &["admin", "create-org", "--name", "Northside Clinic"]);
    assert!(ok, "{err}");
    let (ok, out, err) = tessera(
        &app,
        &[
            "admin",
            "create-client",
            "--name",
            "Patient portal",
            "--redirect-uri",
            "https://portal.example.org/callback",
            "--redirect-uri",
            "http://127.0.0.1:9000/callback",
            "--post-logout-redirect-uri",
            "https://portal.example.org/",
            "--backchannel-logout-uri",
            "https://portal.example.org/logout/backchannel",
            "--org",
            "Northside Clinic",
            "--id-token-alg",
            "ES256",
        ],
    );
    assert!(ok, "{out}{err}");
    let client_id = printed(&out, "client_id").expect(&out);
    let secret = printed(&out, "client_secret").expect(&out);
    assert!(client_id.len() >= 20 && secret.len() >= 40, "{out}");
    assert_ne!(client_id, secret);

    let clients = app.app.store.clients_in_scope(None).await.unwrap();
    assert_eq!(clients.len(), 1);
    let client = &clients[0];
    assert_eq!(client.client_id, client_id);
    assert_eq!(client.organization.as_deref(), Some("Northside Clinic"));
    assert_eq!(client.id_token_alg, SigningAlg::Es256);
    assert!(!client.public);
    assert_eq!(
        client.redirect_uris,
        vec![
            "http://127.0.0.1:9000/callback".to_string(),
            "https://portal.example.org/callback".to_string()
        ]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM oidc_client_uris").await,
        4,
        "two redirect URIs, a post-logout and a back-channel URI"
    );
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM oidc_clients WHERE secret_hash IS NOT NULL AND client_id = '{client_id}'"
        ))
        .await;
    assert_eq!(stored, 1, "a keyed hash is kept");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM oidc_clients WHERE name LIKE '%{secret}%' OR client_id = '{secret}'"
        ))
        .await,
        0,
        "the secret itself is nowhere"
    );
    assert!(
        app.audit_events()
            .await
            .contains(&"client-created".to_string())
    );

    let (ok, out, err) = tessera(
        &app,
        &[
            "admin",
            "create-client",
            "--name",
            "Mobile app",
            "--redirect-uri",
            "http://localhost:7000/cb",
            "--public",
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(printed(&out, "client_id").is_some(), "{out}");
    assert!(
        printed(&out, "client_secret").is_none(),
        "a public client has no secret: {out}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM oidc_clients WHERE secret_hash IS NULL")
            .await,
        1
    );
}

/// A registration that would let codes leak is refused with what to change, and stores
/// nothing: a fragment, plain http to a host that is not loopback (Tessera itself on https),
/// no redirect URI, an unknown organization (RFC 6749 §3.1.2; OAuth 2.0 Security BCP).
async fn a_client_with_a_bad_redirect_uri_is_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    for (uri, says) in [
        ("https://portal.example.org/cb#frag", "fragment"),
        ("http://portal.example.org/cb", "is not https"),
        ("/callback", "not an absolute URL"),
    ] {
        let (ok, out, err) = tessera(
            &app,
            &[
                "admin",
                "create-client",
                "--name",
                "Portal",
                "--redirect-uri",
                uri,
            ],
        );
        assert!(!ok, "{uri} accepted: {out}");
        assert!(err.contains(says), "{uri}: {err}");
        assert!(printed(&out, "client_id").is_none(), "{out}");
    }
    let (ok, _, err) = tessera(
        &app,
        &[
            "admin",
            "create-client",
            "--name",
            "Portal",
            "--redirect-uri",
            "https://portal.example.org/cb",
            "--org",
            "Nowhere Clinic",
        ],
    );
    assert!(
        !ok && err.contains("There is no organization named"),
        "{err}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_clients").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_client_uris").await, 0);
    assert!(
        !app.audit_events()
            .await
            .contains(&"client-created".to_string())
    );
}

on_both_backends!(
    create_client_prints_its_id_and_a_secret_kept_only_as_a_hash,
    a_client_with_a_bad_redirect_uri_is_refused_and_nothing_is_stored,
);
