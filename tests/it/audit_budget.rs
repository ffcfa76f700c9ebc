//! Requests without a session cannot fill the audit log (review issue 11, finding 12; OWASP
//! ASVS 5.0 2.4.1, no overuse of costly resources): past a budget per client and hour, their
//! entries about nobody known are counted in /metrics, not written.

use crate::helpers::{Backend, Options, spawn_app, spawn_app_with};
use crate::on_both_backends;

const PASSWORD: &str = "marmalade orbit kettle";

/// 300 forged webhooks from one client write at most the budget (100) of audit entries; each
/// is still refused with 403, /metrics counts them all, and the provider's genuine, signed
/// webhook still confirms the call afterwards.
async fn forged_webhooks_write_at_most_the_audit_budget(backend: Backend) {
    let app = spawn_app(backend).await;
    let (browser, call) = app
        .phone_user_being_called("fox@example.org", "Fox Mulder", PASSWORD, "415 555 0101")
        .await;
    let params = [("CallSid", call.sid.as_str()), ("Digits", "#")];
    let budget = app
        .app
        .config
        .policy
        .unauthenticated_audit_entries_per_hour_per_client;
    assert_eq!(budget, 100);
    let entries = "SELECT COUNT(*) FROM audit_log";
    let before = app.count(entries).await;

    const FORGED: i64 = 300;
    for n in 0..FORGED {
        // Both webhooks, and tokens that name no call as well as the real one.
        let url = match n % 3 {
            0 => call.action_url(),
            1 => call.status_callback.clone(),
            _ => format!("{}/twilio/voice/made-up-{n}", app.url),
        };
        assert_eq!(app.twilio().post_unsigned(&url, &params).await, 403);
    }
    let written = app.count(entries).await - before;
    assert_eq!(written, budget, "{written} entries from {FORGED} forgeries");

    let metrics = app.new_browser().get("/metrics").await.body;
    let counter = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or_else(|| panic!("{name} in {metrics}"))
    };
    assert_eq!(
        counter(r#"tessera_audit_events_total{event="call-webhook-forged",method=""}"#),
        FORGED,
        "every forgery counted"
    );
    assert_eq!(
        counter("tessera_audit_budget_exceeded_total"),
        FORGED - budget
    );

    assert_eq!(app.twilio().press_key(&call, "#").await, 200);
    let state = browser.get("/verify/phone/call/state").await;
    assert!(state.body.contains("\"pressed\""), "{state}");
    let page = browser.post("/verify/phone/call/complete", &[]).await;
    page.assert_shows("Welcome, Fox Mulder");
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e == "call-key-pressed"),
        "genuine webhooks are audited whatever the budget"
    );
}

/// Failed sign-ins for addresses with no account write at most the budget (here 5); past it
/// they still count towards the address's lock-out, and a failed sign-in for an existing
/// account is written whatever the budget.
async fn failed_sign_ins_for_unknown_addresses_write_at_most_the_budget(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            configure: |c| c.policy.unauthenticated_audit_entries_per_hour_per_client = 5,
            ..Options::default()
        },
    )
    .await;
    app.active_user("amy@example.org", "Amy Pond", PASSWORD)
        .await;
    let failed = "SELECT COUNT(*) FROM audit_log WHERE event = 'sign-in-failed'";
    let browser = app.new_browser();
    for n in 0..12 {
        let page = browser
            .sign_in(&format!("nobody{n}@example.org"), "not the password")
            .await;
        page.assert_shows("The email address or password is not right");
    }
    assert_eq!(app.count(failed).await, 5);

    let page = browser.sign_in("amy@example.org", "not the password").await;
    assert!(page.has("The email address or password is not right"));
    assert_eq!(
        app.count(failed).await,
        6,
        "an existing account's failure is kept"
    );

    // Unwritten failures still lock the address typed, as written ones do.
    let lockout = app.app.config.policy.lockout_threshold;
    let mut last = None;
    for _ in 0..lockout {
        last = Some(
            browser
                .sign_in("ghost@example.org", "not the password")
                .await,
        );
    }
    assert!(
        last.unwrap()
            .has("Too many failed sign-ins for this email address"),
        "locked after {lockout} failures"
    );
    assert_eq!(app.count(failed).await, 6);
}

/// Wrong client secrets at the token endpoint (an OpenID Connect client's, issue 13) are
/// each refused with 401 `invalid_client`, and write at most the budget of audit entries.
async fn wrong_client_secrets_write_at_most_the_budget(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            configure: |c| c.policy.unauthenticated_audit_entries_per_hour_per_client = 5,
            ..Options::default()
        },
    )
    .await;
    let http = reqwest::Client::new();
    for n in 0..12 {
        let response = http
            .post(format!("{}/oidc/token", app.url))
            .basic_auth(format!("client-{n}"), Some("guess"))
            .form(&[("grant_type", "authorization_code"), ("code", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert!(response.text().await.unwrap().contains("invalid_client"));
    }
    let failed = "SELECT COUNT(*) FROM audit_log WHERE event = 'client-authentication-failed'";
    assert_eq!(app.count(failed).await, 5);
}

on_both_backends!(
    forged_webhooks_write_at_most_the_audit_budget,
    failed_sign_ins_for_unknown_addresses_write_at_most_the_budget,
    wrong_client_secrets_write_at_most_the_budget,
);
