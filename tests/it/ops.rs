//! Operations: health and readiness, Prometheus metrics, request ids, and no secret in any
//! log line of a real `tessera serve` process.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{Backend, Browser, MailSink, SECRET_KEY, TestDatabase, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    ops_health_and_readiness,
    ops_metrics_count_requests_and_events,
    metrics_do_not_tell_known_from_unknown_addresses,
    the_first_scrape_of_a_new_server_has_every_series_at_zero,
    metrics_count_the_requests_waiting_for_the_database_pool
);

/// The /metrics text of the server at `base`.
async fn scrape(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// `tessera_db_pool_waiting` at the server at `base` once it `is` as wanted, or as it
/// stands after 5 s: requests start, and background jobs come and go, at their own pace.
async fn waiting_once(base: &str, is: impl Fn(f64) -> bool) -> Option<f64> {
    let mut waiting = None;
    for _ in 0..50 {
        waiting = series(&scrape(base).await, "tessera_db_pool_waiting");
        if waiting.is_some_and(&is) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    waiting
}

/// The value of the series `name` (its full name with labels, as rendered) in /metrics text.
fn series(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        line.strip_prefix(name)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

/// Issue 18: the real `tessera serve`, scraped before anyone signed in, already reports the
/// sign-ins by method and result, the codes by channel and the mail queue (all zero), the
/// database pool, and its own memory, CPU and open files, so dashboards and alerts work from
/// the start. Its resident memory is well under the issue's 100 MiB.
async fn the_first_scrape_of_a_new_server_has_every_series_at_zero(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mail = MailSink::start();
    let mut server =
        crate::helpers::ServerProcess::spawn(crate::helpers::server_environment(&db, &mail));
    server.ready().await;
    let text = scrape(&server.base).await;
    for name in [
        r#"tessera_sign_ins_total{method="email",result="success"}"#,
        r#"tessera_sign_ins_total{method="sms",result="success"}"#,
        r#"tessera_sign_ins_total{method="password",result="wrong-password"}"#,
        r#"tessera_sign_ins_total{method="email",result="wrong-code"}"#,
        r#"tessera_codes_sent_total{channel="email"}"#,
        r#"tessera_codes_sent_total{channel="sms"}"#,
        r#"tessera_codes_sent_total{channel="voice"}"#,
        r#"tessera_mail_queue_depth{state="queued"}"#,
        r#"tessera_mail_queue_depth{state="dead"}"#,
    ] {
        assert_eq!(series(&text, name), Some(0.0), "{name}: {text}");
    }
    let max = series(&text, "tessera_db_pool_max_connections").expect("the pool's size");
    assert!(max >= 8.0, "{text}");
    assert!(series(&text, r#"tessera_db_pool_connections{state="in_use"}"#).is_some());
    // Present from the first scrape; the background jobs starting beside it may be waiting
    // their turn at that moment (seen on SQLite), so it is zero once they have started.
    assert!(series(&text, "tessera_db_pool_waiting").is_some(), "{text}");
    assert_eq!(
        waiting_once(&server.base, |n| n == 0.0).await,
        Some(0.0),
        "nothing waits once the server is idle"
    );
    let rss = series(&text, "process_resident_memory_bytes").expect("resident memory");
    assert!(rss > 1e6 && rss < 100.0 * 1024.0 * 1024.0, "{rss}");
    assert!(series(&text, "process_open_fds").is_some_and(|n| n > 3.0));
    assert!(series(&text, "process_cpu_seconds_total").is_some_and(|s| s > 0.0));
}

async fn ops_health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app.new_browser();
    let health = browser.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body, "ok");
    let id = health.headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 16, "{id}");

    let ready = browser.get("/readyz").await;
    assert_eq!(ready.status, 200, "{ready}");
    let body: serde_json::Value = serde_json::from_str(&ready.body).unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");

    // A proxy's request id is kept; a malformed one is replaced.
    let kept = browser
        .http
        .get(format!("{}/healthz", app.url))
        .header("x-request-id", "proxy-42.a_b")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "proxy-42.a_b");
    let replaced = browser
        .http
        .get(format!("{}/healthz", app.url))
        .header("x-request-id", "bad id\"")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "bad id\"");

    app.app.store.close().await;
    let down = browser.get("/readyz").await;
    assert_eq!(down.status, 503);
    let body: serde_json::Value = serde_json::from_str(&down.body).unwrap();
    assert_eq!(body["status"], "not ready");
    assert_eq!(body["database"], "unreachable");
    // The process itself is still up.
    assert_eq!(browser.get("/healthz").await.status, 200);
}

async fn ops_metrics_count_requests_and_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let _user = app
        .active_user(
            "metrics@example.org",
            "Metric Person",
            "correct horse battery",
        )
        .await;
    let browser = app.new_browser();
    browser.get("/help").await;
    let page = browser.get("/metrics").await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = page.body;
    assert!(
        text.contains(r#"tessera_http_requests_total{method="GET",route="/help",status="200"}"#),
        "{text}"
    );
    assert!(text.contains(
        r#"tessera_http_request_duration_seconds_bucket{method="GET",route="/help",le="0.005"}"#
    ));
    assert!(
        text.contains(r#"tessera_audit_events_total{event="signed-in",method="email"}"#),
        "{text}"
    );
    assert!(text.contains(r#"tessera_audit_events_total{event="code-sent",method="email"}"#));
    assert!(text.contains("tessera_password_hash_queue_depth "));
    // Registration and sign-in hashed the password: the CPU time it took is counted (issue 18).
    assert!(
        series(&text, "tessera_password_hash_cpu_seconds_total").is_some_and(|s| s > 0.001),
        "{text}"
    );
    // The person signed in with the emailed code: counted by method and result.
    assert!(
        series(
            &text,
            r#"tessera_sign_ins_total{method="email",result="success"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        series(&text, r#"tessera_codes_sent_total{channel="email"}"#).is_some_and(|n| n >= 1.0)
    );
    // The registration link's token never becomes a label: only the route template does.
    assert!(text.contains(r#"route="/register/{token}""#), "{text}");
}

/// The counters of a /metrics text, except the HTTP request ones (their latency buckets
/// depend on timing; their counts are the same route and status for every address) and the
/// database pool's gauges (how many connections are busy at the scrape, whoever asked).
fn counters(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| {
            // Counts of events; not times (request durations, the hashes' CPU seconds, which
            // an unknown address's dummy hash spends as well, give or take the scheduler).
            l.starts_with("tessera_")
                && !l.starts_with("tessera_http_request")
                && !l.starts_with("tessera_db_pool")
                && !l.starts_with("tessera_password_hash_cpu_seconds")
        })
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// What one request added to the counters.
fn added(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .filter(|(_, d)| *d != 0.0)
        .collect()
}

/// OWASP ASVS 5.0 6.3.8 (valid users cannot be deduced, level 3), through /metrics: the
/// Reset, Having trouble, Forgot and sign-in requests for an address with an account and for
/// one without add the same to every /metrics counter, so anyone who can read /metrics learns
/// nothing about which addresses have accounts (review issue 11, finding 11).
async fn metrics_do_not_tell_known_from_unknown_addresses(backend: Backend) {
    const PASSWORD: &str = "marmalade orbit kettle";
    let app = spawn_app(backend).await;
    app.invite("ivy@example.org", "Ivy Snow").await;
    let link = app.invite("reg@example.org", "Reg Hale").await;
    let browser = app.new_browser();
    browser.get_absolute(&link).await;
    browser
        .register("Reg Hale", PASSWORD, PASSWORD, "email")
        .await;
    app.active_user("amy@example.org", "Amy Pond", PASSWORD)
        .await;
    let counters_now = || async { counters(&app.new_browser().get("/metrics").await.body) };
    // The path, the known address, the field it goes in, and the form's other fields.
    type Request = (
        &'static str,
        &'static str,
        &'static str,
        Vec<(&'static str, &'static str)>,
    );
    let requests: [Request; 5] = [
        ("/register/reset", "ivy@example.org", "username", vec![]),
        (
            "/register/trouble",
            "reg@example.org",
            "email",
            vec![("password", "not the password")],
        ),
        ("/password/forgot", "amy@example.org", "email", vec![]),
        ("/password/forgot", "reg@example.org", "email", vec![]),
        (
            "/login",
            "amy@example.org",
            "email",
            vec![("password", "not the password"), ("method", "email")],
        ),
    ];
    for (n, (path, known, field, extra)) in requests.iter().enumerate() {
        let unknown = format!("nobody{n}@example.org");
        let mut outcomes = Vec::new();
        for address in [*known, unknown.as_str()] {
            let mut fields = vec![(*field, address)];
            fields.extend(extra.iter().copied());
            let before = counters_now().await;
            let page = app.new_browser().post(path, &fields).await;
            outcomes.push((page.status, added(&before, &counters_now().await)));
        }
        assert_eq!(outcomes[0], outcomes[1], "{path} for {known} and {unknown}");
        assert!(!outcomes[0].1.is_empty(), "{path} counted nothing");
    }
}

/// Runs the real binary with debug JSON logs through a whole registration and an email
/// sign-in, then looks for every secret of the journey in everything it wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_no_secrets_in_logs() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let mail = MailSink::start();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let (stdout_path, stderr_path) = (dir.path().join("out"), dir.path().join("err"));
    let envs = [
        ("TESSERA_DATABASE_URL", db.url.clone()),
        ("TESSERA_LISTEN", format!("127.0.0.1:{port}")),
        (
            "TESSERA_SMTP_URL",
            format!("smtp://127.0.0.1:{}", mail.port),
        ),
        ("TESSERA_SECRET_KEY", SECRET_KEY.to_string()),
        ("TESSERA_MAIL_FROM", "Tessera <no-reply@portal.test>".into()),
        ("TESSERA_LOG", "debug".into()),
        ("TESSERA_LOG_FORMAT", "json".into()),
    ];
    let mut server = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("serve")
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .env_remove("TESSERA_CONFIG")
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let browser = Browser::new(&base);
    let mut up = false;
    for _ in 0..100 {
        if let Ok(r) = browser.http.get(format!("{base}/healthz")).send().await {
            up = r.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "tessera serve did not start");

    // The invitation, from the CLI as an administrator would (its own output is not checked:
    // it is the operator's terminal, and it prints no link when mail goes to SMTP).
    let email = "secret.keeper@example.org";
    let invited = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args([
            "admin",
            "create-user",
            "--email",
            email,
            "--name",
            "Secret Keeper",
        ])
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(invited.status.success(), "{invited:?}");
    let link = mail.message_to(email, 0).await.link();
    let token = link.rsplit('/').next().unwrap().to_string();
    assert!(token.len() >= 20, "{link}");

    let password = "Lanterns-Under-Quiet-Rivers-91";
    browser.get_absolute(&link).await;
    let page = browser
        .register("Secret Keeper", password, password, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{}",
        page.url
    );
    let mut secrets = vec![password.to_string(), token];
    let mut sessions = Vec::new();
    browser.sign_in(email, password).await;
    sessions.extend(browser.cookie("tessera_session"));
    browser.post("/verify/email/send", &[]).await;
    let code = mail.message_to(email, 1).await.code();
    browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    secrets.push(code);
    browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    assert!(browser.get("/").await.has("Welcome, Secret Keeper"));

    // Sign out, then Login With Email again: a second code and a fresh session.
    browser.post("/logout", &[]).await;
    browser.sign_in(email, password).await;
    browser.post("/verify/email/send", &[]).await;
    let code = mail.message_to(email, 2).await.code();
    let page = browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    assert_eq!(page.status, 200);
    secrets.push(code);
    sessions.extend(browser.cookie("tessera_session"));
    assert!(browser.get("/").await.has("Welcome, Secret Keeper"));
    sessions.extend(browser.cookie("tessera_session"));
    sessions.extend(browser.cookie("tessera_csrf"));
    assert!(!sessions.is_empty());
    secrets.extend(sessions);

    stop(&mut server);
    let mut out = String::new();
    std::fs::File::open(&stdout_path)
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let err = std::fs::read_to_string(&stderr_path).unwrap();
    // Mail goes to SMTP; with no Twilio account only texts and calls go to the outbox, and
    // the console says so (not "no SMTP server").
    assert!(
        out.contains(&format!(
            "Development outbox for texts and calls (no Twilio account configured): {base}/dev/outbox"
        )) && !out.contains("no SMTP server"),
        "{out}"
    );
    assert!(
        err.contains("request_id"),
        "no request lines at debug: {err}"
    );
    for secret in &secrets {
        assert!(
            !out.contains(secret.as_str()) && !err.contains(secret.as_str()),
            "a secret ({} characters) is in the logs",
            secret.len()
        );
    }
    for line in err.lines() {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not JSON: {line}"
        );
    }
}

/// SIGTERM, as systemd stops it; the server finishes and exits.
fn stop(server: &mut std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .stdin(Stdio::null())
        .status();
    for _ in 0..100 {
        if let Ok(Some(_)) = server.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = server.kill();
    let _ = server.wait();
}

/// A TCP relay in front of PostgreSQL that can stop passing bytes: a database that does not
/// answer (a hung server, a network partition), without touching the PostgreSQL every other
/// test uses.
pub(crate) struct Relay {
    pub(crate) port: u16,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Every connection dropped and new ones refused, as when PostgreSQL is stopped.
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Relay {
    pub(crate) async fn start(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let frozen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let held = frozen.clone();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = cut.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    continue;
                }
                let Ok(outbound) = tokio::net::TcpStream::connect(&target).await else {
                    continue;
                };
                let (from_client, to_client) = inbound.into_split();
                let (from_server, to_server) = outbound.into_split();
                tokio::spawn(pipe(from_client, to_server, held.clone(), stopped.clone()));
                tokio::spawn(pipe(from_server, to_client, held.clone(), stopped.clone()));
            }
        });
        Self { port, frozen, cut }
    }

    /// Stops (true) or starts again (false) the database as the portal sees it.
    pub(crate) fn cut(&self, cut: bool) {
        self.cut.store(cut, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn freeze(&self, frozen: bool) {
        self.frozen
            .store(frozen, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Copies one direction, holding every byte while the relay is frozen.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        while frozen.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if cut.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// The relay's port for `through_relay` (each test runs in a process of its own).
static RELAY_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

/// A portal on PostgreSQL reached through a relay the test can freeze or cut.
pub(crate) async fn portal_behind_a_relay() -> (Relay, crate::helpers::TestApp) {
    let admin = url::Url::parse(&crate::helpers::postgres_admin_url()).unwrap();
    let target = format!(
        "{}:{}",
        admin.host_str().unwrap(),
        admin.port().unwrap_or(5432)
    );
    let relay = Relay::start(target).await;
    RELAY_PORT.store(relay.port, std::sync::atomic::Ordering::SeqCst);
    let app = crate::helpers::spawn_app_with(
        Backend::Postgres,
        crate::helpers::Options {
            configure: through_relay,
            ..Default::default()
        },
    )
    .await;
    (relay, app)
}

fn through_relay(config: &mut tessera::config::Config) {
    let port = RELAY_PORT.load(std::sync::atomic::Ordering::SeqCst);
    let mut url = url::Url::parse(&config.database_url).unwrap();
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(port)).unwrap();
    config.database_url = url.to_string();
}

/// Issue 19: with the database not answering (PostgreSQL behind a relay that stops passing
/// bytes), `/readyz` answers 503 within 2 s, so a load balancer's probe reads "not ready"
/// instead of timing out; when the database answers again, so does the portal, by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_answers_503_within_two_seconds_when_the_database_does_not_answer() {
    let (relay, app) = portal_behind_a_relay().await;
    let browser = app.new_browser();
    assert_eq!(browser.get("/readyz").await.status, 200);

    relay.freeze(true);
    let asked = std::time::Instant::now();
    let down = browser.get("/readyz").await;
    let waited = asked.elapsed();
    assert_eq!(down.status, 503, "{down}");
    assert!(waited < Duration::from_secs(2), "answered after {waited:?}");
    let body: serde_json::Value = serde_json::from_str(&down.body).unwrap();
    assert_eq!(body["status"], "not ready");
    assert_eq!(body["database"], "not answering");
    assert_eq!(browser.get("/healthz").await.status, 200);

    relay.freeze(false);
    let mut ready = 0;
    for _ in 0..100 {
        ready = browser.get("/readyz").await.status;
        if ready == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        ready, 200,
        "the portal is ready again once the database answers"
    );
}

/// Issue 18: `/metrics` says how many requests wait for the database pool, the sign of a pool
/// too small for the load (sqlx itself does not count them). Another process holds what every
/// audited write needs (SQLite's write lock, PostgreSQL's audit head) while 24 writes start:
/// more than the pool has connections, so some must wait. Once it lets go, every write
/// completes and no one waits.
async fn metrics_count_the_requests_waiting_for_the_database_pool(backend: Backend) {
    use sqlx::Connection;
    use tessera::{audit::AuditEvent, clock::Clock};
    let app = spawn_app(backend).await;
    sqlx::any::install_default_drivers();
    let mut holder = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    let hold = match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN; LOCK TABLE audit_head IN ACCESS EXCLUSIVE MODE",
    };
    sqlx::raw_sql(hold).execute(&mut holder).await.unwrap();

    let now = app.clock.now();
    let writes = futures_util::future::join_all((0..24).map(|n| {
        let store = app.app.store.clone();
        tokio::spawn(async move {
            store
                .record(
                    now,
                    AuditEvent::new("account-invited", "test", "pool").with("n", n),
                )
                .await
        })
    }));
    let writes = tokio::spawn(writes);
    let max = series(&scrape(&app.url).await, "tessera_db_pool_max_connections").unwrap();
    // On SQLite all of them: the portal's writers take turns before taking a connection.
    let waiting = waiting_once(&app.url, |n| n >= 24.0 - max)
        .await
        .expect("the waiting gauge");
    assert!(
        waiting >= 24.0 - max,
        "{waiting} waiting with {max} connections"
    );

    sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();
    for write in writes.await.unwrap() {
        write.unwrap().unwrap();
    }
    assert_eq!(waiting_once(&app.url, |n| n == 0.0).await, Some(0.0));
}
