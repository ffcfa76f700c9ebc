//! Authenticator apps (issue 14; PRODUCT.md "Stronger factors"; RFC 6238; NIST SP 800-63B
//! 5.1.4.1 single-factor OTP devices; OWASP ASVS 5.0 6.6.x): enrolled from Your account with a
//! fresh factor and the password, confirmed by one right code, then a way to pass the second
//! step beside the guide's email, each time step accepted once.

use crate::helpers::{Backend, Browser, TestApp, spawn_app};
use crate::on_both_backends;

const PASSWORD: &str = "correct horse battery";

/// The code an authenticator app shows at `time` for the secret as the page printed it.
fn app_code(secret_text: &str, time: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_text.replace(' ', "")).unwrap();
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .unwrap()
        .generate(time as u64)
        .to_string()
}

/// An email user who added an authenticator app from Your account; returns the secret.
async fn enrolled(app: &TestApp, email: &str) -> (Browser, String) {
    let browser = app.active_user(email, "Otto App", PASSWORD).await;
    let page = browser.get("/account").await;
    let add = page
        .link_named("Add an authenticator app")
        .expect("Your account offers an authenticator app");
    let page = browser.get(&add).await;
    assert!(
        !page.has_element("#secret"),
        "nothing made by a GET: {page}"
    );
    let page = browser.post("/account/app/start", &[]).await;
    assert!(page.url.ends_with("/account/app"), "{}", page.url);
    assert!(page.has_element("figure.qr svg"), "a QR code: {page}");
    let secret = page.first("#secret").expect("the key as text").text;
    assert_eq!(secret.replace(' ', "").len(), 32, "160 bits in base32");
    let page = browser
        .post(
            "/account/app",
            &[
                ("code", &app_code(&secret, app.clock_now())),
                ("password", PASSWORD),
            ],
        )
        .await;
    page.assert_shows("Your authenticator app is added");
    (browser, secret)
}

/// ASVS 6.6.x: enrolment is confirmed by a right code and the password; a wrong one adds
/// nothing; the person is told by email and the addition is audited.
async fn asvs_6_6_an_app_is_added_only_with_a_right_code_and_the_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app.active_user("wren@example.org", "Wren", PASSWORD).await;
    let page = browser.post("/account/app/start", &[]).await;
    let secret = page.first("#secret").unwrap().text;
    let right = app_code(&secret, app.clock_now());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let page = browser
        .post("/account/app", &[("code", wrong), ("password", PASSWORD)])
        .await;
    page.assert_shows("That code is not right");
    let page = browser
        .post("/account/app", &[("code", &right), ("password", "not it")])
        .await;
    page.assert_shows("That is not your current password");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'app'")
            .await,
        0,
        "nothing was added"
    );
    // The same secret survives the mistakes: the app the person already set up still works.
    let again = browser.get("/account/app").await;
    assert_eq!(again.first("#secret").unwrap().text, secret);
    let page = browser
        .post("/account/app", &[("code", &right), ("password", PASSWORD)])
        .await;
    page.assert_shows("Your authenticator app is added");
    let rows = page.table_rows("#factors tbody");
    assert!(
        rows.iter().any(|r| r[0] == "Authenticator app"),
        "listed: {rows:?}"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM account_factors WHERE kind = 'app' AND secret LIKE 'enc:%'"
        )
        .await,
        1,
        "the secret is sealed at rest"
    );
    assert!(app.audit_events().await.iter().any(|e| e == "factor-added"));
    // Notices are queued and sent in the background.
    app.wait_for_count(
        "SELECT COUNT(*) FROM mail_queue WHERE kind = 'notice' AND sent_at IS NOT NULL",
        1,
    )
    .await;
    let mails = app.mail.messages_to("wren@example.org").await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("authenticator app was added")),
        "a notice: {:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    // A second app is not set up over the first.
    let page = browser.get("/account/app").await;
    assert!(page.has("You already have an authenticator app"), "{page}");
}

/// RFC 6238 §5.2: a person with an app chooses it at the second step; its code signs in, and
/// the same code (the same time step) never passes again, even in another sign-in.
async fn rfc_6238_an_app_code_signs_in_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, secret) = enrolled(&app, "otto@example.org").await;
    app.clock.advance(30);
    let browser = app.new_browser();
    let page = browser.sign_in("otto@example.org", PASSWORD).await;
    // The registered factor first, as the guide describes; the app offered beside it.
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    let to_app = page
        .link_named("Use authenticator app instead")
        .expect("the other factor is offered");
    let page = browser.get(&to_app).await;
    assert!(page.has("Authenticator app"), "{page}");
    assert!(page.link_named("Use email instead").is_some(), "{page}");
    let code = app_code(&secret, app.clock_now());
    let page = browser.post("/verify/app", &[("code", &code)]).await;
    assert!(page.url.ends_with("/verify/done"), "{}: {page}", page.url);
    let amr: Vec<String> = {
        use sqlx::Row;
        let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
        let rows = sqlx::query("SELECT amr FROM sessions WHERE stage = 'authenticated' AND revoked_at IS NULL AND amr LIKE '%otp%'")
            .fetch_all(&pool)
            .await
            .unwrap();
        rows.iter().map(|r| r.get::<String, _>("amr")).collect()
    };
    assert!(amr.iter().any(|a| a == "pwd otp mfa"), "{amr:?}");

    // The same code again, in a new sign-in within the same step: refused, not counted.
    let replay = app.new_browser();
    replay.sign_in("otto@example.org", PASSWORD).await;
    let page = replay.post("/verify/app", &[("code", &code)]).await;
    page.assert_shows("That code was used already");
    assert!(page.url.ends_with("/verify/app"), "{}", page.url);
    // The next step's code works.
    app.clock.advance(30);
    let page = replay
        .post(
            "/verify/app",
            &[("code", &app_code(&secret, app.clock_now()))],
        )
        .await;
    assert!(page.url.ends_with("/verify/done"), "{}", page.url);
}

/// Fifty simultaneous submissions of one right code make exactly one session.
async fn fifty_simultaneous_submissions_of_one_app_code_make_one_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, secret) = enrolled(&app, "race@example.org").await;
    app.clock.advance(30);
    let browser = app.new_browser();
    browser.sign_in("race@example.org", PASSWORD).await;
    let token = browser.csrf().await;
    let code = app_code(&secret, app.clock_now());
    let before = app
        .count("SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated'")
        .await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let browser = browser.clone();
            let (code, token) = (code.clone(), token.clone());
            tokio::spawn(async move {
                browser
                    .post_raw("/verify/app", &[("code", &code), ("csrf_token", &token)])
                    .await
            })
        })
        .collect();
    let mut passed = 0;
    for task in tasks {
        if task.await.unwrap().url.ends_with("/verify/done") {
            passed += 1;
        }
    }
    assert_eq!(passed, 1);
    let after = app
        .count("SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated'")
        .await;
    assert_eq!(after - before, 1, "exactly one authenticated session");
}

/// A password alone never reaches the app page of a person without one, and wrong codes
/// count toward the lock-out like wrong emailed codes (NIST SP 800-63B 5.2.2).
async fn an_app_page_is_only_for_holders_and_wrong_codes_lock(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("nia@example.org", "Nia", PASSWORD).await;
    let signed_in = "SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated'";
    let before = app.count(signed_in).await;
    let browser = app.new_browser();
    browser.sign_in("nia@example.org", PASSWORD).await;
    let page = browser.get("/verify/app").await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    let page = browser.post("/verify/app", &[("code", "123456")]).await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    assert_eq!(app.count(signed_in).await, before, "no session was made");

    let (_, secret) = enrolled(&app, "lee@example.org").await;
    let browser = app.new_browser();
    browser.sign_in("lee@example.org", PASSWORD).await;
    let right = app_code(&secret, app.clock_now() + 90);
    let mut last = None;
    for _ in 0..10 {
        let wrong = if right == "000000" {
            "111111"
        } else {
            "000000"
        };
        last = Some(browser.post("/verify/app", &[("code", wrong)]).await);
    }
    let last = last.unwrap();
    last.assert_shows("Too many failed attempts");
    assert_eq!(last.status, 429);
}

/// Forgot your password asks the emailed code, then one of the person's other factors: the
/// app's code, before the new password.
async fn forgot_password_asks_for_the_app_after_the_emailed_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, secret) = enrolled(&app, "ivy@example.org").await;
    app.clock.advance(30);
    let browser = app.new_browser();
    browser
        .post("/password/forgot", &[("email", "ivy@example.org")])
        .await;
    let code = app.latest_code("ivy@example.org").await;
    let page = browser
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    page.assert_shows("Your email address has been verified.");
    let next = page.form_actions();
    assert_eq!(
        next,
        vec!["/verify/app".to_string()],
        "Continue leads to the app"
    );
    let page = browser.get("/password/new").await;
    assert!(page.url.ends_with("/verify/app"), "not yet: {}", page.url);
    let page = browser
        .post(
            "/verify/app",
            &[("code", &app_code(&secret, app.clock_now()))],
        )
        .await;
    assert!(page.url.ends_with("/password/new"), "{}", page.url);
}

/// Remove: the app goes (with the password, the person told), the last factor never does.
async fn an_app_is_removed_but_never_the_last_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    let (browser, _) = enrolled(&app, "rex@example.org").await;
    let page = browser.get("/account").await;
    let rows = page.table_rows("#factors tbody");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let actions = page.form_actions();
    let removes: Vec<_> = actions.iter().filter(|a| a.ends_with("/remove")).collect();
    assert_eq!(removes.len(), 2, "{actions:?}");
    let app_id: i64 = app
        .count("SELECT id FROM account_factors WHERE kind = 'app'")
        .await;
    let email_id: i64 = app
        .count("SELECT id FROM account_factors WHERE kind = 'email'")
        .await;
    let page = browser
        .post(
            &format!("/account/factors/{app_id}/remove"),
            &[("password", "wrong")],
        )
        .await;
    page.assert_shows("That is not your current password");
    let page = browser
        .post(
            &format!("/account/factors/{app_id}/remove"),
            &[("password", PASSWORD)],
        )
        .await;
    page.assert_shows("The verification method is removed");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'app'")
            .await,
        0
    );
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e == "factor-removed")
    );
    let page = browser.get("/account").await;
    assert!(page.has("Your only method"), "{page}");
    let page = browser
        .post(
            &format!("/account/factors/{email_id}/remove"),
            &[("password", PASSWORD)],
        )
        .await;
    page.assert_shows("cannot be removed");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'email'")
            .await,
        1
    );
}

/// Reset MFA (an administrator) clears every factor, the authenticator app too: the person
/// registers one again at the next sign-in, and the app's old codes open nothing.
async fn reset_mfa_clears_the_app_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, secret) = enrolled(&app, "zoe@example.org").await;
    let id = app
        .count("SELECT id FROM accounts WHERE email = 'zoe@example.org'")
        .await;
    tessera::flows::admin::reset_mfa(&app.app, &tessera::flows::admin::Admin::cli(), id)
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE account_id = (SELECT id FROM accounts WHERE email = 'zoe@example.org')")
            .await,
        0
    );
    app.clock.advance(30);
    let browser = app.new_browser();
    browser.sign_in("zoe@example.org", PASSWORD).await;
    let page = browser
        .post(
            "/verify/app",
            &[("code", &app_code(&secret, app.clock_now()))],
        )
        .await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
}

/// Confirm it is you (step-up) with the app: Change password asks a factor even right after
/// sign-in, and the app's code serves, once per step, with a new session identifier.
async fn an_app_code_confirms_it_is_you(backend: Backend) {
    let app = spawn_app(backend).await;
    let (browser, secret) = enrolled(&app, "sam@example.org").await;
    app.clock.advance(30);
    let page = browser.get("/account/password").await;
    assert!(page.url.contains("/verify/again"), "{}", page.url);
    assert!(page.has("Code from your authenticator app"), "{page}");
    let before = browser.cookie("tessera_session");
    let code = app_code(&secret, app.clock_now());
    let page = browser
        .post(
            "/verify/again/app",
            &[("code", &code), ("next", "/account/password")],
        )
        .await;
    assert!(
        page.url.ends_with("/account/password"),
        "{}: {page}",
        page.url
    );
    assert!(
        page.has("New password") || page.has("Current password"),
        "{page}"
    );
    assert_ne!(
        browser.cookie("tessera_session"),
        before,
        "a new session identifier"
    );
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e == "step-up-passed")
    );
    // The same step again: refused.
    let page = browser
        .post(
            "/verify/again/app",
            &[("code", &code), ("next", "/account")],
        )
        .await;
    page.assert_shows("That code was used already");
}

on_both_backends!(
    an_app_code_confirms_it_is_you,
    reset_mfa_clears_the_app_too,
    asvs_6_6_an_app_is_added_only_with_a_right_code_and_the_password,
    rfc_6238_an_app_code_signs_in_once,
    fifty_simultaneous_submissions_of_one_app_code_make_one_session,
    an_app_page_is_only_for_holders_and_wrong_codes_lock,
    forgot_password_asks_for_the_app_after_the_emailed_code,
    an_app_is_removed_but_never_the_last_factor,
);
