//! Issue 19: the database away in the middle of a journey. A page that needs it answers, within
//! a few seconds, a 503 page in the portal's words with `Retry-After` (not a hang, not a 500),
//! nothing is left half-done, and the same person carries on once the database is back, without
//! anything being restarted: PostgreSQL behind a relay that stops passing bytes, and SQLite
//! locked by another process that is then killed.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{Backend, Browser, Page, TestApp};
use crate::ops::portal_behind_a_relay;

const PASSWORD: &str = "correct horse battery";

/// Within this a page must say the database is away (the pool waits 3 s for a connection,
/// SQLite 3 s for another process's lock).
const ANSWER_WITHIN: Duration = Duration::from_secs(8);

/// The page a person sees while the database is away, and how long it took.
fn assert_unavailable(page: &Page, waited: Duration) {
    assert_eq!(page.status, 503, "{page}");
    assert!(waited < ANSWER_WITHIN, "answered after {waited:?}");
    assert_eq!(page.headers["retry-after"], "30", "{page}");
    assert!(
        page.has("The portal cannot reach its records right now")
            && page.has("nothing was changed")
            && page.has("Wait a minute, then try again"),
        "{page}"
    );
    assert!(page.lacks("Something went wrong"), "{page}");
}

/// Posts a form with a CSRF token read earlier (reading one needs no database, but the
/// journey must not depend on that) and times the answer.
async fn timed_post(browser: &Browser, path: &str, fields: &[(&str, &str)]) -> (Page, Duration) {
    let asked = Instant::now();
    let page = browser.post_raw(path, fields).await;
    (page, asked.elapsed())
}

async fn counts(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT COUNT(*) FROM sessions").await,
        app.count("SELECT COUNT(*) FROM audit_log").await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_not_answering_mid_journey_gives_a_retry_page_and_the_journey_carries_on() {
    let (relay, app) = portal_behind_a_relay().await;
    let amy = app
        .active_user("amy@example.org", "Amy Pond", PASSWORD)
        .await;
    assert!(amy.get("/").await.has("Welcome, Amy Pond"));
    // Rory is on Login With Email, about to post his password.
    app.active_user("rory@example.org", "Rory Williams", PASSWORD)
        .await;
    let rory = app.new_browser();
    let rory_token = rory.csrf().await;
    let amy_token = amy.csrf().await;
    let api = crate::admin_api_helpers::Api::session(&amy).await;
    let before = counts(&app).await;

    relay.freeze(true);
    // Counted straight from PostgreSQL, around the relay.
    let (page, waited) = timed_post(
        &rory,
        "/login",
        &[
            ("email", "rory@example.org"),
            ("password", PASSWORD),
            ("method", "email"),
            ("csrf_token", &rory_token),
        ],
    )
    .await;
    eprintln!("PostgreSQL not answering: the password post answered after {waited:?}");
    assert_unavailable(&page, waited);
    let asked = Instant::now();
    let page = amy.get("/account").await;
    let waited = asked.elapsed();
    eprintln!("PostgreSQL not answering: a signed-in page answered after {waited:?}");
    assert_unavailable(&page, waited);
    let (page, waited) = timed_post(&amy, "/logout", &[("csrf_token", &amy_token)]).await;
    eprintln!("PostgreSQL not answering: signing out answered after {waited:?}");
    assert_unavailable(&page, waited);
    // The API answers the same in JSON.
    let asked = Instant::now();
    let (status, problem) = api.call(reqwest::Method::GET, "/api/v1/users", None).await;
    let waited = asked.elapsed();
    eprintln!("PostgreSQL not answering: an API call answered after {waited:?}");
    assert_eq!(status, 503, "{problem}");
    assert!(waited < ANSWER_WITHIN, "answered after {waited:?}");
    assert_eq!(problem["code"], "unavailable", "{problem}");
    // Nothing half-done: no session made, none ended, no audit entry without its change.
    assert_eq!(counts(&app).await, before);

    relay.freeze(false);
    // The pool reconnects by itself: the same people carry on, nothing restarted.
    let mut page = amy.get("/").await;
    for _ in 0..100 {
        if page.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        page = amy.get("/").await;
    }
    assert!(page.has("Welcome, Amy Pond"), "{page}");
    let page = rory.sign_in("rory@example.org", PASSWORD).await;
    assert_eq!(page.status, 200, "{page}");
    assert_eq!(
        page.input_value("email").as_deref(),
        Some("rory@example.org"),
        "{page}"
    );
    assert_eq!(counts(&app).await.0, before.0 + 1, "Rory's session, once");
}

/// PostgreSQL stopped (every connection dropped, new ones refused) while a person is signed
/// in, then started again: the same 503 page, and the person carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_and_started_mid_journey_gives_a_retry_page_and_the_journey_carries_on() {
    let (relay, app) = portal_behind_a_relay().await;
    let amy = app
        .active_user("amy@example.org", "Amy Pond", PASSWORD)
        .await;
    let token = amy.csrf().await;
    let before = counts(&app).await;

    relay.cut(true);
    let asked = Instant::now();
    let page = amy.get("/account").await;
    let waited = asked.elapsed();
    eprintln!("PostgreSQL stopped: a signed-in page answered after {waited:?}");
    assert_unavailable(&page, waited);
    let (page, waited) = timed_post(&amy, "/logout", &[("csrf_token", &token)]).await;
    eprintln!("PostgreSQL stopped: signing out answered after {waited:?}");
    assert_unavailable(&page, waited);
    assert_eq!(counts(&app).await, before, "nothing half-done");

    relay.cut(false);
    let mut page = amy.get("/").await;
    for _ in 0..100 {
        if page.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        page = amy.get("/").await;
    }
    assert!(page.has("Welcome, Amy Pond"), "{page}");
}

/// Another process (the `sqlite3` shell) holding SQLite's write lock, as a backup or an
/// operator's shell might; killed later, which releases it. It waits its turn for the lock
/// (the portal's mail worker may be writing), then says it holds it by making `marker`.
fn hold_write_lock(file: &str, marker: &std::path::Path) -> Child {
    let mut holder = Command::new("sqlite3")
        .args(["-bail", file])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the sqlite3 shell");
    use std::io::Write;
    let stdin = holder.stdin.as_mut().unwrap();
    let script = format!(
        ".timeout 10000\nBEGIN EXCLUSIVE;\n.shell touch {}\n",
        marker.display()
    );
    stdin.write_all(script.as_bytes()).unwrap();
    stdin.flush().unwrap();
    for _ in 0..300 {
        if marker.exists() {
            return holder;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = holder.kill();
    let _ = holder.wait();
    panic!("the sqlite3 shell did not take the write lock");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_by_another_process_gives_a_retry_page_until_the_holder_is_killed() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    app.active_user("amy@example.org", "Amy Pond", PASSWORD)
        .await;
    let amy = app.new_browser();
    let token = amy.csrf().await;
    let before = counts(&app).await;
    let file = app.db.url.strip_prefix("sqlite://").unwrap().to_string();
    let marker = tempfile::tempdir().unwrap();
    let mut holder = hold_write_lock(&file, &marker.path().join("locked"));

    let fields = [
        ("email", "amy@example.org"),
        ("password", PASSWORD),
        ("method", "email"),
        ("csrf_token", token.as_str()),
    ];
    let (page, waited) = timed_post(&amy, "/login", &fields).await;
    eprintln!("SQLite locked by another process: the password post answered after {waited:?}");
    assert_unavailable(&page, waited);

    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(counts(&app).await, before, "nothing half-done");
    let page = amy.sign_in("amy@example.org", PASSWORD).await;
    assert_eq!(page.status, 200, "{page}");
    assert_eq!(
        page.input_value("email").as_deref(),
        Some("amy@example.org"),
        "{page}"
    );
    assert_eq!(counts(&app).await.0, before.0 + 1, "Amy's session, once");
}

/// Issue 19: applications, not people, call the OpenID Connect token, revocation,
/// introspection and userinfo endpoints; while the database is away they get what their
/// libraries read: 503 with `Retry-After` and a JSON error (`temporarily_unavailable`), never
/// the people's HTML page, and never cached. Once it is back, the same request is answered
/// as before (here: an unknown client is `invalid_client`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_get_a_json_503_from_the_token_endpoints_while_the_database_is_away() {
    let (relay, app) = portal_behind_a_relay().await;
    let http = reqwest::Client::new();
    let ask = |path: &'static str| {
        http.post(format!("{}{path}", app.url))
            .basic_auth("some-client", Some("some-secret"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", "x"),
                ("token", "x"),
            ])
            .send()
    };
    relay.freeze(true);
    for path in ["/oidc/token", "/oidc/revoke", "/oidc/introspect"] {
        let asked = Instant::now();
        let answer = ask(path).await.unwrap();
        assert!(
            asked.elapsed() < ANSWER_WITHIN,
            "{path}: {:?}",
            asked.elapsed()
        );
        assert_eq!(answer.status(), 503, "{path}");
        assert_eq!(answer.headers()["retry-after"], "30", "{path}");
        assert_eq!(answer.headers()["cache-control"], "no-store", "{path}");
        assert!(
            answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["error"], "temporarily_unavailable", "{path}: {body}");
    }
    let userinfo = http
        .get(format!("{}/oidc/userinfo", app.url))
        .bearer_auth("some-token")
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 503);
    let body: serde_json::Value = userinfo.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    relay.freeze(false);
    let back = ask("/oidc/token").await.unwrap();
    assert_eq!(back.status(), 401);
    let body: serde_json::Value = back.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client", "{body}");
}
