//! The lock-out (NIST SP 800-63B 5.2.2; OWASP ASVS 5.0 6.3.1 and 6.1.1's denial-of-service
//! note): a burst of simultaneous tries cannot outrun it (issue 11, finding 3), and a
//! stranger who knows an address cannot keep its owner out (finding 4).

use futures_util::future::join_all;

use crate::helpers::{Backend, Browser, Options, spawn_app, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(
    finding_3_a_parallel_burst_never_compares_more_passwords_than_the_lock_allows,
    finding_4_a_stranger_cannot_lock_the_owner_out,
    a_strangers_wrong_recovery_codes_lock_neither_sign_in_nor_recovery_for_long,
);

const PASSWORD: &str = "correct horse battery staple";
const WRONG: &str = "a wrong guess of many words";

async fn audit_count(app: &crate::helpers::TestApp, event: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_log WHERE event = '{event}'"
    ))
    .await
}

/// 120 simultaneous sign-ins, 119 wrong and the right one last: every try is claimed on the
/// counter before its password is compared, so at most the threshold are compared (the rest
/// are refused at once as locked), and the right password passes only if it was among them
/// with fewer wrong ones than the threshold before it.
async fn finding_3_a_parallel_burst_never_compares_more_passwords_than_the_lock_allows(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let email = "bur@example.org";
    app.active_user(email, "Bur St", PASSWORD).await;
    let threshold = app.app.config.policy.lockout_threshold;
    let browsers: Vec<Browser> = (0..120).map(|_| app.new_browser()).collect();
    let mut forms = Vec::new();
    for (i, browser) in browsers.iter().enumerate() {
        let password = if i == 119 { PASSWORD } else { WRONG };
        forms.push((browser, browser.csrf().await, password));
    }
    let failed_before = audit_count(&app, "sign-in-failed").await;
    let answers = join_all(forms.iter().map(|(browser, csrf, password)| async move {
        browser
            .post_raw(
                "/login",
                &[
                    ("email", email),
                    ("password", password),
                    ("method", "email"),
                    ("csrf_token", csrf.as_str()),
                ],
            )
            .await
    }))
    .await;
    let passed = answers
        .iter()
        .filter(|p| p.url.ends_with("/verify/email"))
        .count() as i64;
    let locked = answers
        .iter()
        .filter(|p| p.status == 429 && p.has("Too many failed sign-ins"))
        .count() as i64;
    let compared_wrong = audit_count(&app, "sign-in-failed").await - failed_before;
    assert!(
        compared_wrong + passed <= threshold,
        "{compared_wrong} wrong and {passed} right passwords compared; the lock allows {threshold}"
    );
    assert!(passed <= 1);
    if passed == 1 {
        assert!(
            compared_wrong < threshold,
            "the right one came after the lock"
        );
    }
    assert_eq!(
        locked + passed + answers.iter().filter(|p| p.status == 401).count() as i64,
        120,
        "every answer is a lock, a refusal or the second step"
    );
    assert!(locked >= 120 - threshold, "{locked} refused as locked");
}

fn behind_a_proxy(config: &mut tessera::config::Config) {
    config.trusted_proxies = "127.0.0.1".into();
}

/// A stranger's wrong passwords lock only the stranger's own client; from many clients they
/// reach a ceiling whose lock never grows past `lockout_secs`; and the owner's Forgot your
/// password works through any lock (its codes are counted apart).
async fn finding_4_a_stranger_cannot_lock_the_owner_out(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            configure: behind_a_proxy,
            ..Options::default()
        },
    )
    .await;
    let email = "own@example.org";
    let owner_browser = app.active_user(email, "Own Er", PASSWORD).await;
    owner_browser.post("/logout", &[]).await;
    let policy = app.app.config.policy.clone();

    // One stranger, for hours, renewing the lock as each ends.
    let stranger = Browser::forwarded_for(&app.url, "203.0.113.9");
    for round in 0..4 {
        for _ in 0..policy.lockout_threshold + 2 {
            stranger.sign_in(email, WRONG).await;
        }
        let refused = stranger.sign_in(email, PASSWORD).await;
        assert_eq!(refused.status, 429, "round {round}: the stranger is locked");
        let owner = Browser::forwarded_for(&app.url, "198.51.100.7");
        let page = owner.sign_in(email, PASSWORD).await;
        assert!(
            page.url.ends_with("/verify/email"),
            "round {round}: the owner signs in: {page}",
        );
        app.clock.advance(policy.lockout_secs * 2);
    }

    // Many strangers together reach the any-client ceiling: a short lock for everyone ...
    for n in 0..policy.lockout_threshold_any_client {
        let stranger = Browser::forwarded_for(&app.url, &format!("203.0.113.{}", 10 + n % 200));
        stranger.sign_in(email, WRONG).await;
    }
    let owner = Browser::forwarded_for(&app.url, "198.51.100.7");
    let page = owner.sign_in(email, PASSWORD).await;
    assert_eq!(page.status, 429, "the ceiling holds: {page}");
    assert!(page.has("Forgot your password"), "says the way out");
    // ... through which Forgot your password still works, and signs the owner in.
    let recovering = Browser::forwarded_for(&app.url, "198.51.100.7");
    recover(&app, &recovering, email).await;
    let page = recovering
        .post(
            "/password/new",
            &[
                ("password", "a fresh passphrase for own"),
                ("password_confirmation", "a fresh passphrase for own"),
            ],
        )
        .await;
    assert!(
        page.url.ends_with("/") || page.url.ends_with("/terms"),
        "signed in after recovery: {}",
        page.url
    );
    // And the ceiling's lock is short whatever the strangers do: it never doubles.
    for n in 0..policy.lockout_threshold_any_client * 2 {
        let stranger = Browser::forwarded_for(&app.url, &format!("192.0.2.{}", n % 250));
        stranger.sign_in(email, WRONG).await;
    }
    app.clock.advance(policy.lockout_secs);
    let page = Browser::forwarded_for(&app.url, "198.51.100.7")
        .sign_in(email, "a fresh passphrase for own")
        .await;
    assert!(
        page.url.ends_with("/verify/email"),
        "after lockout_secs the owner is back: {page}",
    );
}

/// A stranger may start Forgot your password for any address and type wrong codes: that
/// locks the address's recovery codes for `lockout_secs` at most (never doubling), never its
/// password sign-in.
async fn a_strangers_wrong_recovery_codes_lock_neither_sign_in_nor_recovery_for_long(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let email = "rec@example.org";
    app.active_user(email, "Rec Overy", PASSWORD)
        .await
        .post("/logout", &[])
        .await;
    let policy = app.app.config.policy.clone();
    let mut wrong = 0;
    while wrong < policy.lockout_threshold + 5 {
        let stranger = app.new_browser();
        stranger.post("/password/forgot", &[("email", email)]).await;
        for _ in 0..policy.code_max_attempts {
            stranger
                .post("/password/forgot/check", &[("code", "000000")])
                .await;
            wrong += 1;
        }
        app.clock.advance(policy.code_resend_cooldown_secs + 1);
    }
    // The owner signs in with the password meanwhile.
    let owner = app.new_browser();
    let page = owner.sign_in(email, PASSWORD).await;
    assert!(page.url.ends_with("/verify/email"), "{page}");
    // Recovery waits at most lockout_secs, then works.
    app.clock.advance(policy.lockout_secs);
    recover(&app, &app.new_browser(), email).await;
}

/// Forgot your password and the emailed code, in `browser`: the code is not refused.
async fn recover(app: &crate::helpers::TestApp, browser: &Browser, email: &str) {
    browser.post("/password/forgot", &[("email", email)]).await;
    let code = app.latest_code(email).await;
    let page = browser
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    assert!(
        page.url.ends_with("/password/forgot/verified"),
        "the recovery code is not refused: {page}",
    );
}
