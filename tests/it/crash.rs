//! Crash safety: the real `tessera serve` is killed with SIGKILL between the steps of an
//! invited person's journey and while requests are in flight, and restarted on the same
//! database. Every committed step is kept, nothing is half made, and the person carries on
//! with the same cookie from where they were.

use std::time::Duration;

use crate::helpers::{Backend, Browser, MailSink, ServerProcess, TestDatabase, server_environment};
use crate::on_both_backends;

on_both_backends!(killed_at_any_point_the_server_keeps_each_committed_step);

const EMAIL: &str = "kai.moss@example.org";
const NAME: &str = "Kai Moss";
const PASSWORD: &str = "Lanterns-Under-Quiet-Rivers-91";

/// The server process and its database, for the checks after each restart.
struct Server {
    process: ServerProcess,
    db_url: String,
}

impl std::ops::Deref for Server {
    type Target = ServerProcess;
    fn deref(&self) -> &ServerProcess {
        &self.process
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut ServerProcess {
        &mut self.process
    }
}

impl Server {
    async fn start(db: &TestDatabase, mail: &MailSink) -> Self {
        let mut envs = server_environment(db, mail);
        // A resend after a crash need not wait the full cool-down.
        envs.push(("TESSERA_CODE_RESEND_COOLDOWN_SECS", "1".into()));
        let mut process = ServerProcess::spawn(envs);
        process.ready().await;
        Self {
            process,
            db_url: db.url.clone(),
        }
    }

    async fn kill_and_restart(&mut self) {
        self.kill();
        self.restart().await;
        check_nothing_half_made(self).await;
    }

    async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.db_url).await.unwrap();
        let n = sqlx::query(sql)
            .fetch_one(&pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .try_get::<i64, _>(0)
            .unwrap();
        pool.close().await;
        n
    }

    async fn status(&self) -> String {
        use sqlx::Row;
        let pool = sqlx::AnyPool::connect(&self.db_url).await.unwrap();
        let status = sqlx::query("SELECT status FROM accounts WHERE email = $1")
            .bind(EMAIL)
            .fetch_one(&pool)
            .await
            .unwrap()
            .get::<String, _>(0);
        pool.close().await;
        status
    }
}

/// Each step's rows and its audit entry commit together or not at all.
async fn check_nothing_half_made(server: &Server) {
    let verify = server.cli(&["audit", "verify"]);
    assert!(
        verify.status.success(),
        "audit chain broken after a crash: {}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let checks = [
        (
            "an account past invitation without its link used",
            "SELECT COUNT(*) FROM accounts a WHERE a.status <> 'invited' AND NOT EXISTS (
               SELECT 1 FROM registration_links l WHERE l.account_id = a.id AND l.used_at IS NOT NULL)",
        ),
        (
            "a registered account without its password or factor",
            "SELECT COUNT(*) FROM accounts
              WHERE status <> 'invited' AND (password_hash IS NULL OR mfa_method IS NULL)",
        ),
        (
            "a registered account without its password-set audit entry",
            "SELECT COUNT(*) FROM accounts a WHERE a.status <> 'invited' AND NOT EXISTS (
               SELECT 1 FROM audit_log e WHERE e.event = 'password-set' AND e.subject = 'account:' || a.id)",
        ),
        (
            "a used link without its opened audit entry",
            "SELECT (SELECT COUNT(*) FROM registration_links WHERE used_at IS NOT NULL)
                  - (SELECT COUNT(*) FROM audit_log WHERE event = 'registration-link-opened')",
        ),
        (
            "a code without its session",
            "SELECT COUNT(*) FROM verification_codes c
              WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id_hash = c.session_hash)",
        ),
        (
            "codes and code-sent audit entries differ",
            "SELECT (SELECT COUNT(*) FROM verification_codes)
                  - (SELECT COUNT(*) FROM audit_log WHERE event = 'code-sent')",
        ),
        (
            "a session marked as sent a code without the code",
            "SELECT COUNT(*) FROM sessions s WHERE s.code_sent_at IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM verification_codes c WHERE c.session_hash = s.id_hash)",
        ),
        (
            "signed-in sessions and signed-in audit entries differ",
            "SELECT (SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated')
                  - (SELECT COUNT(*) FROM audit_log WHERE event = 'signed-in')",
        ),
        (
            "terms acceptances and their audit entries differ",
            "SELECT (SELECT COUNT(*) FROM terms_acceptances)
                  - (SELECT COUNT(*) FROM audit_log WHERE event = 'terms-accepted')",
        ),
        (
            "an active account that has not both verified and signed in",
            "SELECT COUNT(*) FROM accounts a WHERE a.status = 'active' AND NOT EXISTS (
               SELECT 1 FROM audit_log e WHERE e.event = 'signed-in' AND e.subject = 'account:' || a.id)",
        ),
    ];
    for (what, sql) in checks {
        assert_eq!(server.count(sql).await, 0, "{what}");
    }
}

/// Kills the server during the form's request, later and later, until one attempt was
/// answered before the kill: so kills land before the request arrives, while it is worked
/// on, and perhaps between its commit and its answer. Each restart is checked.
async fn kill_during_until_answered(
    server: &mut Server,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) {
    for delay in [2, 10, 40, 120, 400, 2000] {
        if kill_during(server, browser, path, fields, Duration::from_millis(delay)).await {
            return;
        }
    }
    panic!("POST {path} was never answered");
}

/// Sends a form in the background and kills the server after `delay`, while it may still be
/// working on it. Returns whether an answer came back before the kill.
async fn kill_during(
    server: &mut Server,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    delay: Duration,
) -> bool {
    let token = browser.csrf().await;
    let mut form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    form.push(("csrf_token".into(), token));
    let request = browser
        .http
        .post(format!("{}{path}", browser.base))
        .form(&form)
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(delay).await;
    server.kill();
    let answered = matches!(in_flight.await, Ok(Ok(_)));
    eprintln!("killed {delay:?} into POST {path}: answered before the kill: {answered}");
    server.restart().await;
    check_nothing_half_made(server).await;
    answered
}

async fn killed_at_any_point_the_server_keeps_each_committed_step(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mail = MailSink::start();
    let mut server = Server::start(&db, &mail).await;

    // The invitation, from the CLI while the server runs.
    let out = server.cli(&["admin", "create-user", "--email", EMAIL, "--name", NAME]);
    assert!(out.status.success(), "{out:?}");
    server.kill_and_restart().await;
    assert_eq!(server.status().await, "invited");
    let link = mail.message_to(EMAIL, 0).await.link();

    // Opening the link: the registration session outlives the crash.
    let browser = Browser::new(&server.base);
    let page = browser.get_absolute(&link).await;
    assert!(page.url.ends_with("/register"), "{}", page.url);
    server.kill_and_restart().await;
    let page = browser.get("/register").await;
    assert!(page.url.ends_with("/register"), "{}", page.url);
    assert_eq!(page.input_value("display_name").as_deref(), Some(NAME));

    // Registering, killed while the password is hashed and stored: all of it happened or
    // none, and the same browser finishes it.
    let fields = [
        ("display_name", NAME),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
        ("mfa_method", "email"),
    ];
    kill_during_until_answered(&mut server, &browser, "/register", &fields).await;
    assert_eq!(server.status().await, "registering");
    // The registration session ended with it.
    let page = browser.get("/register").await;
    assert!(
        page.input_value("password_confirmation").is_none(),
        "{page}"
    );

    // Signing in, killed mid-request until it went through; the same browser is then at
    // the second factor, across one more crash.
    let sign_in = [
        ("email", EMAIL),
        ("password", PASSWORD),
        ("method", "email"),
    ];
    kill_during_until_answered(&mut server, &browser, "/login", &sign_in).await;
    server.kill_and_restart().await;
    let page = browser.get("/verify/email").await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);

    // Send Code, killed while the code is stored and mailed: a code and its session commit
    // together; if no mail came, the person presses Send Code again.
    let sent_before = mail.messages_to(EMAIL).await.len();
    kill_during_until_answered(&mut server, &browser, "/verify/email/send", &[]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut sent = mail.messages_to(EMAIL).await.len();
    if sent == sent_before {
        tokio::time::sleep(Duration::from_millis(1100)).await; // the resend cool-down
        let page = browser.post("/verify/email/send", &[]).await;
        assert_eq!(page.status, 200, "{page}");
        sent += 1;
    }
    // The newest code is the one that counts.
    let code = mail.message_to(EMAIL, sent - 1).await.code();
    server.kill_and_restart().await;

    // The code still works after a crash, in the same browser.
    let page = browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    assert!(page.url.ends_with("/verify/done"), "{}", page.url);
    server.kill_and_restart().await;
    assert_eq!(server.status().await, "active");
    let page = browser.get("/").await;
    assert!(page.url.ends_with("/terms"), "{}", page.url);

    // Terms of Use, killed mid-request until accepted; home survives one more crash.
    let accept = [("agree", "yes"), ("version", "1")];
    kill_during_until_answered(&mut server, &browser, "/terms", &accept).await;
    // Accept again, as a retry after a crash or a double click does: no second acceptance
    // in the audit log (it once recorded one).
    browser.post("/terms", &accept).await;
    server.kill_and_restart().await;
    assert!(browser.get("/").await.has(&format!("Welcome, {NAME}")));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM terms_acceptances").await,
        1
    );
}
