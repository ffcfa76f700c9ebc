//! Retention (issue 12): the tables stay bounded. Sign-ins, codes by email and text, recovery
//! requests, failed sign-ins and invitations leave rows; once the clock is past the retention
//! settings, a prune leaves only what still counts, keeps every audit entry, and ends nothing
//! live. Of several nodes one prunes at a time (the lease), and prunes at once never fail.

use std::sync::Arc;

use tessera::app::App;
use tessera::clock::ManualClock;
use tessera::domain::retention::Cutoffs;
use tessera::flows::retention::{PruneReport, prune_in_batches_of, prune_once};
use tessera::store::{OutboxMessage, Prunable};

use crate::helpers::{Backend, Browser, TestApp, sms_code, spawn_app, test_config};
use crate::on_both_backends;

const PASSWORD: &str = "quarry lantern meadow 42";
const DAY: i64 = 86_400;

/// For each table, the rows made before `at` (which a prune after the retention must delete)
/// and those made from `at` on (which it must keep).
async fn rows_around(app: &TestApp, at: i64) -> Vec<(&'static str, i64, i64)> {
    let (hour, day) = (at.div_euclid(3600), at.div_euclid(DAY));
    let tables = [
        ("sessions", "created_at"),
        ("verification_codes", "created_at"),
        ("registration_links", "created_at"),
        ("sign_in_throttle", "updated_at"),
        ("send_cool_downs", "last_sent_at"),
        ("dev_outbox", "created_at"),
        ("mail_queue", "created_at"),
    ];
    let mut rows = Vec::new();
    for (table, column) in tables {
        let before = app
            .count(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} < {at}"
            ))
            .await;
        let after = app
            .count(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} >= {at}"
            ))
            .await;
        rows.push((table, before, after));
    }
    let past = format!(
        "(scope LIKE '%/hour' AND day < {hour}) OR (scope NOT LIKE '%/hour' AND day < {day})"
    );
    let before = app
        .count(&format!(
            "SELECT COUNT(*) FROM delivery_counters WHERE {past}"
        ))
        .await;
    let after = app
        .count(&format!(
            "SELECT COUNT(*) FROM delivery_counters WHERE NOT ({past})"
        ))
        .await;
    rows.push(("delivery_counters", before, after));
    rows
}

fn outbox_message(created_at: i64) -> OutboxMessage {
    OutboxMessage {
        created_at,
        channel: "email".into(),
        recipient: "dev@example.org".into(),
        subject: "A development message".into(),
        body: "Kept a week.".into(),
        press_token: None,
    }
}

/// Signs in with the phone factor by text.
async fn sign_in_by_text(app: &TestApp, browser: &Browser, email: &str, e164: &str) {
    browser
        .post(
            "/login",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("method", "phone"),
            ],
        )
        .await;
    let before = app
        .twilio()
        .messages()
        .iter()
        .filter(|m| m.to == e164)
        .count();
    browser
        .post("/verify/phone/send", &[("action", "sms")])
        .await;
    let sms = app.twilio().wait_for_message_to(e164, before).await;
    browser
        .post("/verify/phone/check", &[("code", &sms_code(&sms.body))])
        .await;
}

/// Every journey that leaves rows behind, once.
async fn leave_history(app: &TestApp, n: usize) {
    let email = format!("ada{n}@example.org");
    let mail_user = app.active_user(&email, "Ada Byron", PASSWORD).await;
    mail_user.post("/logout", &[]).await;
    let phone = format!("(415) 555-01{:02}", n % 100);
    let e164 = format!("+1415555{:04}", 100 + n % 100);
    let phone_email = format!("pat{n}@example.org");
    app.active_phone_user(&phone_email, "Pat Kim", PASSWORD, &phone)
        .await;
    sign_in_by_text(app, &app.new_browser(), &phone_email, &e164).await;
    // Forgot your password: an hourly counter, a code and a recovery session.
    app.new_browser()
        .post("/password/forgot", &[("email", email.as_str())])
        .await;
    // Wrong passwords: for the account, and enough to lock an address nobody has.
    let stranger = app.new_browser();
    stranger.sign_in(&email, "not the password").await;
    for _ in 0..app.app.config.policy.lockout_threshold {
        stranger
            .sign_in(&format!("nobody{n}@example.org"), "guess")
            .await;
    }
    // An invitation nobody opens.
    app.invite(&format!("late{n}@example.org"), "Lee Tate")
        .await;
    app.app
        .store
        .put_in_outbox(&outbox_message(app.clock_now()))
        .await
        .unwrap();
}

async fn audit_entries(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_log").await
}

async fn the_audit_chain_verifies(app: &TestApp) -> usize {
    tessera::flows::audit_log::verify_chain(&app.app, None)
        .await
        .unwrap()
        .expect("the chain verifies")
        .entries
}

async fn the_tables_stay_bounded(backend: Backend) {
    let app = spawn_app(backend).await;
    for n in 0..3 {
        leave_history(&app, n).await;
    }
    // After every row of the history, and in a later day and hour (counters are by period).
    let history = app.clock_now() + DAY;
    let old = rows_around(&app, history).await;
    for (table, before, _) in &old {
        assert!(*before > 0, "the story leaves rows in {table}");
    }

    // Two days on: codes, counters, idle failure counters, cool-downs go; sessions and
    // links are kept a month, outbox messages and sent mail a week.
    app.clock.advance(2 * DAY);
    let entries = audit_entries(&app).await;
    let report = prune_once(&app.app).await.unwrap();
    assert!(report.held_lease);
    let now = rows_around(&app, history).await;
    for ((table, before, _), (_, left, _)) in old.iter().zip(&now) {
        let expected = match *table {
            "sessions" | "registration_links" | "dev_outbox" | "mail_queue" => *before,
            _ => 0,
        };
        assert_eq!(*left, expected, "{table} after two days");
    }
    assert_eq!(
        report.deleted(Prunable::VerificationCodes),
        old[1].1 as u64,
        "{report:?}"
    );
    assert_eq!(
        audit_entries(&app).await,
        entries + 1,
        "one entry for the prune"
    );
    let events = app.audit_events().await;
    assert_eq!(events.last().map(String::as_str), Some("records-pruned"));

    // Past every retention: a new day of live use, then a prune.
    app.clock.advance(33 * DAY);
    let live_from = app.clock_now();
    let live = app
        .active_user("live@example.org", "Liv Ortiz", PASSWORD)
        .await;
    sign_in_by_text(&app, &app.new_browser(), "pat0@example.org", "+14155550100").await;
    app.new_browser()
        .post("/password/forgot", &[("email", "ada1@example.org")])
        .await;
    let stranger = app.new_browser();
    for _ in 0..app.app.config.policy.lockout_threshold {
        stranger.sign_in("locked@example.org", "guess").await;
    }
    app.invite("fresh@example.org", "Fay Fresh").await;
    app.app
        .store
        .put_in_outbox(&outbox_message(live_from))
        .await
        .unwrap();
    let before = rows_around(&app, live_from).await;
    let entries = audit_entries(&app).await;

    let report = prune_once(&app.app).await.unwrap();

    let after = rows_around(&app, live_from).await;
    let mut deleted = 0;
    for ((table, old, live), (_, old_left, live_left)) in before.iter().zip(&after) {
        assert_eq!(*old_left, 0, "{table}: nothing past the retention is left");
        assert_eq!(live_left, live, "{table}: every live row is kept");
        assert!(*live > 0, "the live day leaves rows in {table}");
        deleted += old;
    }
    assert_eq!(report.total(), deleted as u64, "{report:?}");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sign_in_throttle WHERE locked_until > {}",
            app.clock_now()
        ))
        .await,
        1,
        "the locked address is still locked"
    );
    // Nothing of the audit log goes: every entry is there and the chain verifies.
    assert_eq!(audit_entries(&app).await, entries + 1);
    assert_eq!(
        the_audit_chain_verifies(&app).await as i64,
        audit_entries(&app).await
    );
    // The live session still works.
    assert!(live.get("/").await.has("Welcome, Liv Ortiz"));

    // Nothing more to prune: no entry.
    let report = prune_once(&app.app).await.unwrap();
    assert_eq!(report.total(), 0, "{report:?}");
    assert_eq!(audit_entries(&app).await, entries + 1);
}

/// Two prunes at once on one node (both hold its lease), in batches of two rows so they
/// interleave: both succeed, and between them each row is deleted, and counted, once.
async fn prunes_at_once_delete_each_row_once(backend: Backend) {
    let app = spawn_app(backend).await;
    leave_history(&app, 0).await;
    let start = app.clock_now();
    for back in 0..25 {
        app.app
            .store
            .put_in_outbox(&outbox_message(start - back))
            .await
            .unwrap();
    }
    // After every row of the history, and in a later day and hour (counters are by period).
    let history = start + DAY;
    app.clock.advance(40 * DAY);
    let old = rows_around(&app, history).await;

    let (a, b) = (app.app.clone(), app.app.clone());
    let (a, b) = tokio::join!(
        tokio::spawn(async move { prune_in_batches_of(&a, 2).await.unwrap() }),
        tokio::spawn(async move { prune_in_batches_of(&b, 2).await.unwrap() }),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.held_lease && b.held_lease);
    // Whatever a prune cut short (its batch found only rows the other had just taken) the
    // next one finishes.
    let c = prune_once(&app.app).await.unwrap();
    for (name, rows, _) in &old {
        let table = *Prunable::ALL.iter().find(|t| t.table() == *name).unwrap();
        let counted = a.deleted(table) + b.deleted(table) + c.deleted(table);
        assert_eq!(counted, *rows as u64, "{name}: {a:?} {b:?} {c:?}");
    }
    for (table, left, _) in rows_around(&app, history).await {
        assert_eq!(left, 0, "{table}");
    }
    assert_eq!(
        the_audit_chain_verifies(&app).await as i64,
        audit_entries(&app).await
    );
}

/// A session's codes past their retention are deleted (and counted) by their own batches
/// before it: a prune that reaches the sessions while another is still at the codes leaves
/// those sessions for later, instead of taking their codes along by cascade and counting them
/// nowhere (seen once in CI with two prunes at once). Codes the settings keep longer than
/// their session still go with it: a session is never kept past its retention for them.
async fn a_session_goes_after_its_codes_and_never_keeps_them_longer(backend: Backend) {
    let app = spawn_app(backend).await;
    leave_history(&app, 0).await;
    app.clock.advance(40 * DAY);
    let store = &app.app.store;
    let codes = "SELECT COUNT(*) FROM verification_codes";
    let sessions_with_codes = "SELECT COUNT(*) FROM sessions s WHERE EXISTS
                               (SELECT 1 FROM verification_codes v WHERE v.session_hash = s.id_hash)";
    let (all_codes, held) = (app.count(codes).await, app.count(sessions_with_codes).await);
    assert!(
        all_codes > 0 && held > 0,
        "the history has sessions with codes"
    );

    let cut = Cutoffs::at(app.clock_now(), &app.app.config.policy);
    let sessions_first = store
        .prune_batch(Prunable::Sessions, &cut, 1000)
        .await
        .unwrap();
    assert!(sessions_first > 0, "sessions without codes go");
    assert_eq!(app.count(codes).await, all_codes, "no code went uncounted");
    assert_eq!(app.count(sessions_with_codes).await, held);
    let counted = store
        .prune_batch(Prunable::VerificationCodes, &cut, 1000)
        .await
        .unwrap();
    assert_eq!(
        counted, all_codes as u64,
        "each code counted by its own batch"
    );
    let after = store
        .prune_batch(Prunable::Sessions, &cut, 1000)
        .await
        .unwrap();
    assert_eq!(after, held as u64, "then their sessions go");

    // Codes kept 60 days, sessions 30: the sessions go at 30 days, their codes with them.
    leave_history(&app, 1).await;
    app.clock.advance(40 * DAY);
    let mut policy = app.app.config.policy.clone();
    policy.retention_codes_secs = 60 * DAY;
    let cut = Cutoffs::at(app.clock_now(), &policy);
    assert_eq!(
        store
            .prune_batch(Prunable::VerificationCodes, &cut, 1000)
            .await
            .unwrap(),
        0
    );
    store
        .prune_batch(Prunable::Sessions, &cut, 1000)
        .await
        .unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(app.count(codes).await, 0);
}

/// A second node on the same database, with its own clock.
async fn second_node(app: &TestApp) -> (Arc<App>, ManualClock) {
    let clock = ManualClock::starting_now();
    clock.advance(app.clock_now() - clock_now(&clock));
    let node = App::build_with_clock(test_config(&app.db.url, None), Arc::new(clock.clone()))
        .await
        .expect("the second node starts");
    (node, clock)
}

fn clock_now(clock: &ManualClock) -> i64 {
    use tessera::clock::Clock;
    clock.now()
}

/// While one node's lease runs, another node's prune does nothing; once it has run out,
/// the other takes it. Two nodes asking at once: one prunes.
async fn one_node_prunes_while_its_lease_runs(backend: Backend) {
    let app = spawn_app(backend).await;
    let (other, other_clock) = second_node(&app).await;
    assert_ne!(app.app.node, other.node);
    let interval = app.app.config.retention_interval_secs as i64;
    let old = |app: &TestApp| outbox_message(app.clock_now() - 8 * DAY);

    app.app.store.put_in_outbox(&old(&app)).await.unwrap();
    let first = prune_once(&app.app).await.unwrap();
    assert!(first.held_lease);
    assert_eq!(first.deleted(Prunable::DevOutbox), 1);
    let (holder, until) = app
        .app
        .store
        .lease(tessera::flows::retention::JOB)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (holder, until),
        (app.app.node.clone(), app.clock_now() + interval)
    );

    app.app.store.put_in_outbox(&old(&app)).await.unwrap();
    other_clock.advance(interval - 1);
    let refused = prune_once(&other).await.unwrap();
    assert_eq!(
        refused,
        PruneReport::default(),
        "the lease is another node's"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM dev_outbox").await, 1);

    // The holder prunes again at its next interval (its lease is renewed).
    app.clock.advance(interval - 1);
    let renewed = prune_once(&app.app).await.unwrap();
    assert_eq!(renewed.deleted(Prunable::DevOutbox), 1);

    // The holder stops: once its lease has run out, the other node takes over.
    other_clock.advance(2 * interval);
    app.app.store.put_in_outbox(&old(&app)).await.unwrap();
    let taken = prune_once(&other).await.unwrap();
    assert!(taken.held_lease);
    assert_eq!(taken.deleted(Prunable::DevOutbox), 1);
    assert!(!prune_once(&app.app).await.unwrap().held_lease);

    // Both clocks past that lease, both at once: exactly one prunes, neither fails.
    app.clock.advance(3 * interval);
    other_clock.advance(interval);
    let (a, b) = tokio::join!(prune_once(&app.app), prune_once(&other));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.held_lease != b.held_lease, "{a:?} {b:?}");
    other.store.close().await;
}

on_both_backends!(
    the_tables_stay_bounded,
    a_session_goes_after_its_codes_and_never_keeps_them_longer,
    prunes_at_once_delete_each_row_once,
    one_node_prunes_while_its_lease_runs,
);
