//! Several nodes (issue 6): two `tessera serve` processes on one PostgreSQL database serve one
//! person's journey alternately, every request going to the other node, and share sessions,
//! codes, their tries and the sign-in lock-out, because all of it is in the database. SQLite
//! is one node by design (an embedded file), so these stories run on PostgreSQL only.

use crate::helpers::{Backend, Browser, MailSink, ServerProcess, TestDatabase, server_environment};

const PASSWORD: &str = "Two-Lighthouses-One-Harbour-58";

/// One browser (one cookie jar; cookies do not depend on the port) seen through two nodes.
fn through(browser: &Browser, node: &ServerProcess) -> Browser {
    Browser {
        base: node.base.clone(),
        http: browser.http.clone(),
        jar: browser.jar.clone(),
    }
}

#[tokio::test]
async fn two_nodes_started_together_migrate_once_and_share_one_journey() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let mail = MailSink::start();
    let env = server_environment(&db, &mail);
    // Both start at once on the empty database: the advisory lock lets one migrate.
    let (mut a, mut b) = (ServerProcess::spawn(env.clone()), ServerProcess::spawn(env));
    a.ready().await;
    b.ready().await;
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count() as i64;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied, migrations);

    // From node A's configuration, so the link points at A.
    let invited = a.cli(&[
        "admin",
        "create-user",
        "--email",
        "ana@example.org",
        "--name",
        "Ana Lima",
    ]);
    assert!(invited.status.success(), "{invited:?}");
    let link = mail.message_to("ana@example.org", 0).await.link();

    // Every step on the other node than the one before.
    let on_a = Browser::new(&a.base);
    let on_b = through(&on_a, &b);
    on_a.get_absolute(&link).await;
    let page = on_b.register("Ana Lima", PASSWORD, PASSWORD, "email").await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{}",
        page.url
    );
    on_a.sign_in("ana@example.org", PASSWORD).await;
    on_b.post("/verify/email/send", &[]).await;
    let code = mail.message_to("ana@example.org", 1).await.code();
    // Wrong codes on alternate nodes spend one shared count of tries.
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    for (left, node) in [(4, &on_a), (3, &on_b), (2, &on_a), (1, &on_b)] {
        let page = node.post("/verify/email/check", &[("code", &wrong)]).await;
        let tries = if left == 1 {
            "1 try left".to_string()
        } else {
            format!("{left} tries left")
        };
        page.assert_shows(&tries);
    }
    let page = on_a.post("/verify/email/check", &[("code", &code)]).await;
    page.assert_shows("Your email address has been verified.");
    on_b.post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    assert!(on_a.get("/").await.has("Welcome, Ana Lima"));
    assert!(on_b.get("/").await.has("Welcome, Ana Lima"));

    // Signing out on one node ends the session on both.
    on_b.post("/logout", &[]).await;
    let page = on_a.get("/").await;
    assert!(
        page.url.ends_with("/login") && page.lacks("Welcome, Ana Lima"),
        "{}",
        page.url
    );

    // Failed sign-ins on both nodes add up to one lock-out (NIST SP 800-63B 5.2.2).
    let stranger_a = Browser::new(&a.base);
    let stranger_b = through(&stranger_a, &b);
    for i in 0..9 {
        let node = if i % 2 == 0 { &stranger_a } else { &stranger_b };
        let page = node.sign_in("ana@example.org", "not her password").await;
        assert_eq!(page.status, 401, "{page}");
    }
    let page = stranger_b
        .sign_in("ana@example.org", "not her password")
        .await;
    assert_eq!(page.status, 429, "{page}");
    let page = stranger_a.sign_in("ana@example.org", PASSWORD).await;
    assert_eq!(page.status, 429, "the other node keeps the lock: {page}",);
    page.assert_shows("Try again after");
}

/// An OpenID Connect sign-in (issue 13) whose every step lands on the other node: the
/// request kept on one is resumed on the other, a code issued by one is exchanged at the
/// other, and the tokens and signing keys are the same on both (two nodes behind one public
/// URL, as behind a load balancer).
#[tokio::test]
async fn an_oidc_sign_in_crosses_nodes_and_its_tokens_work_on_both() {
    use base64::Engine;
    use sha2::Digest;

    const ISSUER: &str = "http://portal.test";
    const REDIRECT: &str = "http://127.0.0.1:9/cb";
    let db = TestDatabase::new(Backend::Postgres).await;
    let mail = MailSink::start();
    let mut env = server_environment(&db, &mail);
    env.push(("TESSERA_PUBLIC_URL", ISSUER.to_string()));
    let (mut a, mut b) = (ServerProcess::spawn(env.clone()), ServerProcess::spawn(env));
    a.ready().await;
    b.ready().await;

    let made = a.cli(&[
        "admin",
        "create-client",
        "--name",
        "Portal",
        "--redirect-uri",
        REDIRECT,
    ]);
    assert!(made.status.success(), "{made:?}");
    let out = String::from_utf8(made.stdout).unwrap();
    let printed = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap()
            .to_string()
    };
    let (client_id, secret) = (printed("client_id"), printed("client_secret"));
    let invited = a.cli(&[
        "admin",
        "create-user",
        "--email",
        "oda@example.org",
        "--name",
        "Oda Berg",
    ]);
    assert!(invited.status.success(), "{invited:?}");
    let link = mail
        .message_to("oda@example.org", 0)
        .await
        .link()
        .replace(ISSUER, &a.base);

    let on_a = Browser::new(&a.base);
    let on_b = through(&on_a, &b);
    on_a.get_absolute(&link).await;
    on_b.register("Oda Berg", PASSWORD, PASSWORD, "email").await;

    let verifier = "v".repeat(50);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let authorize = format!(
        "{}/oidc/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=openid%20email&state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256",
        a.base,
        form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    let page = on_a.get_absolute(&authorize).await;
    assert!(page.url.ends_with("/login"), "{}", page.url);
    on_b.sign_in("oda@example.org", PASSWORD).await;
    on_a.post("/verify/email/send", &[]).await;
    let code = mail.message_to("oda@example.org", 1).await.code();
    on_b.post("/verify/email/check", &[("code", &code)]).await;
    let page = on_a
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    let back = page
        .link_named("Continue to the application")
        .unwrap_or_else(|| panic!("the request kept on one node is resumed: {page}"));
    let back = url::Url::parse(&back).unwrap();
    let param = |name: &str| {
        back.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    assert_eq!(
        (param("state"), param("iss")),
        ("s1".to_string(), ISSUER.to_string())
    );

    let http = reqwest::Client::new();
    let token = |node: &ServerProcess, form: Vec<(&'static str, String)>| {
        http.post(format!("{}/oidc/token", node.base))
            .basic_auth(&client_id, Some(&secret))
            .form(&form)
            .send()
    };
    let response = token(
        &b,
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", param("code")),
            ("redirect_uri", REDIRECT.into()),
            ("code_verifier", verifier.clone()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let tokens: serde_json::Value = response.json().await.unwrap();
    let keys: serde_json::Value = http
        .get(format!("{}/oidc/jwks", a.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();
    assert!(
        crate::oidc::verifies_with(keys["keys"].as_array().unwrap(), id_token),
        "signed by B with a key A publishes"
    );
    let userinfo: serde_json::Value = http
        .get(format!("{}/oidc/userinfo", a.base))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["email"], "oda@example.org");

    let old = tokens["refresh_token"].as_str().unwrap().to_string();
    let response = token_request(&http, &a, &client_id, &secret, &old).await;
    assert_eq!(response.status(), 200, "refreshed on A");
    let response = token_request(&http, &b, &client_id, &secret, &old).await;
    assert_eq!(
        response.status(),
        400,
        "the old one, replayed on B, is refused"
    );
}

async fn token_request(
    http: &reqwest::Client,
    node: &ServerProcess,
    client_id: &str,
    secret: &str,
    refresh: &str,
) -> reqwest::Response {
    http.post(format!("{}/oidc/token", node.base))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap()
}
