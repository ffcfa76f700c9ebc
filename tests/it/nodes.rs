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
        page.url.ends_with("/login/email?notice=registered"),
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
