//! Step-up in place and the account page: a signed-in person passes the second factor again
//! without signing in again (OWASP ASVS 5.0 7.5.3; NIST SP 800-63B 4.2.3), and changes their
//! email address, phone number or factor only with a fresh factor, the new address or number
//! confirmed by a code sent to it, notices to the old and new addresses, and the other
//! sessions ended (ASVS 7.5.1, 7.4.3; NIST SP 800-63B 6.1.2).

use tessera::domain::account::Role;
use tessera::flows::invitation::InvitationRequest;

use crate::helpers::{Backend, Browser, TestApp, allowed, sms_code, spawn_app};
use crate::on_both_backends;

const PASSWORD: &str = "marmalade orbit kettle";

/// Lets the factor go stale (more than 15 minutes) while the session stays alive.
async fn let_the_factor_go_stale(app: &TestApp, browser: &Browser) {
    app.clock.advance(10 * 60);
    browser.get("/").await;
    app.clock.advance(6 * 60);
}

fn events_of(app_events: &[(String, String, String, String)], event: &str) -> Vec<String> {
    app_events
        .iter()
        .filter(|e| e.0 == event)
        .map(|e| e.3.clone())
        .collect()
}

async fn audit(app: &TestApp) -> Vec<(String, String, String, String)> {
    app.app.store.recent_audit(1000).await.unwrap()
}

async fn asvs_7_5_3_a_stale_administrator_re_verifies_in_place_and_reaches_the_console(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = crate::admin::org_admin(&app, "Northside Clinic", "boss@north.example.org").await;
    let_the_factor_go_stale(&app, &admin).await;
    let before = app.audit_events().await;
    let page = admin.get("/admin").await;
    assert!(
        page.url.ends_with("/verify/again?next=%2Fadmin") && page.has("Confirm it is you"),
        "{}",
        page.url
    );
    page.assert_shows("Send Verification Code");

    let page = admin
        .post("/verify/again/send", &[("next", "/admin")])
        .await;
    page.assert_shows("We sent a verification code");
    let code = app.latest_code("boss@north.example.org").await;

    // A wrong code does not stamp the session: the console still asks for the factor.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let page = admin
        .post(
            "/verify/again/check",
            &[("code", wrong), ("next", "/admin")],
        )
        .await;
    assert_eq!(page.status, 422);
    page.assert_shows("not right");
    assert!(admin.get("/admin").await.url.contains("/verify/again"));

    let cookie_before = admin.cookie("tessera_session").unwrap();
    let page = admin
        .post(
            "/verify/again/check",
            &[("code", &code), ("next", "/admin")],
        )
        .await;
    assert_eq!(page.status, 200, "{page}");
    assert!(page.url.ends_with("/admin"), "{}", page.url);
    page.assert_shows("Send invitation");
    // ASVS 7.2.4: a new session identifier at re-authentication too.
    assert_ne!(admin.cookie("tessera_session").unwrap(), cookie_before);

    // No new sign-in: no password was asked for; each step is in the audit log.
    let events = app.audit_events().await;
    let new: Vec<&String> = events[before.len()..].iter().collect();
    assert!(!new.iter().any(|e| *e == "password-accepted"), "{new:?}");
    for expected in ["code-sent", "code-refused", "step-up-passed"] {
        assert!(new.iter().any(|e| *e == expected), "{expected}: {new:?}");
    }
    let sent = events_of(&audit(&app).await, "code-sent");
    assert!(sent[0].contains("\"purpose\":\"step-up\""), "{sent:?}");
    assert!(sent[0].contains("b***@north.example.org"), "{sent:?}");

    // Fresh for 15 minutes, then stale again.
    app.clock.advance(10 * 60);
    assert_eq!(admin.get("/admin").await.status, 200);
    app.clock.advance(6 * 60);
    assert!(
        admin
            .get("/admin/audit")
            .await
            .url
            .ends_with("/verify/again?next=%2Fadmin%2Faudit")
    );
}

async fn an_expired_code_or_one_sent_to_a_new_address_does_not_stamp_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("olga@example.org", "Olga Berg", PASSWORD)
        .await;
    let_the_factor_go_stale(&app, &user).await;
    user.post("/verify/again/send", &[("next", "/account")])
        .await;
    let code = app.latest_code("olga@example.org").await;
    // The emailed code lives 30 seconds, as the login code does.
    app.clock.advance(31);
    let page = user
        .post(
            "/verify/again/check",
            &[("code", &code), ("next", "/account")],
        )
        .await;
    assert_eq!(page.status, 422);
    page.assert_shows("expired");
    let page = user
        .post(
            "/account/email/send",
            &[("password", PASSWORD), ("email", "olga.new@example.org")],
        )
        .await;
    assert!(page.url.contains("/verify/again"), "{}", page.url);
    assert!(
        app.mail
            .messages_to("olga.new@example.org")
            .await
            .is_empty()
    );

    // A code sent to a new address only confirms that address: it never passes as the
    // second factor (else whoever reads the new mailbox could keep the factor fresh).
    let page = user
        .post("/verify/again/send", &[("next", "/account")])
        .await;
    page.assert_shows("We sent");
    app.clock.advance(20);
    let code = app.latest_code("olga@example.org").await;
    user.post(
        "/verify/again/check",
        &[("code", &code), ("next", "/account")],
    )
    .await;
    app.clock.advance(20);
    user.post(
        "/account/email/send",
        &[("password", PASSWORD), ("email", "olga.new@example.org")],
    )
    .await;
    let foreign = app.latest_code("olga.new@example.org").await;
    let_the_factor_go_stale(&app, &user).await;
    let cookie = user.cookie("tessera_session").unwrap();
    let page = user
        .post(
            "/verify/again/check",
            &[("code", &foreign), ("next", "/account")],
        )
        .await;
    assert_eq!(page.status, 422, "{page}");
    assert_eq!(user.cookie("tessera_session").unwrap(), cookie);
    let refused = events_of(&audit(&app).await, "code-refused");
    assert!(
        refused[0].contains("\"purpose\":\"step-up\""),
        "{refused:?}"
    );
}

async fn next_must_be_a_page_of_the_portal(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("nils@example.org", "Nils Holm", PASSWORD)
        .await;
    for next in ["https://evil.example/", "//evil.example", "/\\evil.example"] {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", next)
            .finish();
        let page = user.get(&format!("/verify/again?{query}")).await;
        assert_eq!(page.status, 400, "{next}");
        assert!(page.has("only goes on to one of its own pages"), "{next}");
    }
    let_the_factor_go_stale(&app, &user).await;
    user.post("/verify/again/send", &[("next", "/")]).await;
    let code = app.latest_code("nils@example.org").await;
    let client = user.not_following_redirects();
    let csrf = user.csrf().await;
    let response = client
        .post(format!("{}/verify/again/check", user.base))
        .form(&[
            ("code", code.as_str()),
            ("next", "https://evil.example/"),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    // The refused request did not use the code up: with a local next it works.
    let response = client
        .post(format!("{}/verify/again/check", user.base))
        .form(&[
            ("code", code.as_str()),
            ("next", "/account"),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/account");
}

async fn asvs_7_5_3_an_email_change_without_a_fresh_factor_is_sent_to_verify_again(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("pia@example.org", "Pia Lind", PASSWORD)
        .await;
    let_the_factor_go_stale(&app, &user).await;
    let page = user
        .post(
            "/account/email/send",
            &[("password", PASSWORD), ("email", "pia.new@example.org")],
        )
        .await;
    assert!(
        page.url.ends_with("/verify/again?next=%2Faccount"),
        "{}",
        page.url
    );
    assert!(app.mail.messages_to("pia.new@example.org").await.is_empty());

    // After the factor again, the change goes ahead without signing in.
    user.post("/verify/again/send", &[("next", "/account")])
        .await;
    let code = app.latest_code("pia@example.org").await;
    let page = user
        .post(
            "/verify/again/check",
            &[("code", &code), ("next", "/account")],
        )
        .await;
    assert!(page.url.ends_with("/account"), "{}", page.url);
    let page = user
        .post(
            "/account/email/send",
            &[("password", PASSWORD), ("email", "pia.new@example.org")],
        )
        .await;
    page.assert_shows("We sent a verification code to p***@example.org");
}

async fn asvs_7_5_1_an_email_change_confirms_the_new_address_and_tells_both(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("ruth@example.org", "Ruth Dahl", PASSWORD)
        .await;
    let elsewhere = app.new_browser();
    elsewhere.sign_in("ruth@example.org", PASSWORD).await;
    elsewhere.post("/verify/email/send", &[]).await;
    let code = app.latest_code("ruth@example.org").await;
    elsewhere
        .post("/verify/email/check", &[("code", &code)])
        .await;
    assert!(elsewhere.get("/").await.has("Welcome, Ruth Dahl"));

    let page = user.get("/").await;
    assert!(
        page.has_element("[href=\"/account\"]"),
        "the home page links the account page"
    );
    let page = user
        .post(
            "/account/email/send",
            &[("password", PASSWORD), ("email", " Ruth.New@Example.org ")],
        )
        .await;
    assert!(page.url.ends_with("/account"), "{}", page.url);
    page.assert_shows("We sent a verification code to r***@example.org");
    // Nothing changes before the new address answers.
    assert!(user.get("/account").await.has("ruth@example.org"));
    let code = app.latest_code("ruth.new@example.org").await;
    // The new address is told what the code is for, not warned of a sign-in it never made.
    let asked = app.mail.messages_to("ruth.new@example.org").await;
    assert!(
        asked[0]
            .text
            .contains("asked to make this address their sign-in email"),
        "{}",
        asked[0].text
    );
    assert!(!asked[0].text.contains("If you did not try to sign in"));
    let page = user.post("/account/email/check", &[("code", &code)]).await;
    assert!(page.url.ends_with("/account?done=email"), "{}", page.url);
    page.assert_shows("Your email address is changed");
    assert!(page.has("ruth.new@example.org"));

    // Notices are queued and sent in the background (issue 12).
    app.wait_for_count(
        "SELECT COUNT(*) FROM mail_queue WHERE kind = 'notice' AND sent_at IS NOT NULL",
        2,
    )
    .await;
    // Both addresses are told.
    for address in ["ruth@example.org", "ruth.new@example.org"] {
        let notices: Vec<_> = app
            .mail
            .messages_to(address)
            .await
            .into_iter()
            .filter(|m| m.subject == "Your portal email address was changed")
            .collect();
        assert_eq!(notices.len(), 1, "{address}");
        assert!(notices[0].text.contains("r***@example.org"));
        assert!(notices[0].text.contains("every other session"));
        assert!(!notices[0].html.is_empty());
    }

    // ASVS 7.4.3: the other session ended; this one goes on.
    assert!(elsewhere.get("/").await.url.ends_with("/login"));
    assert!(user.get("/").await.has("Welcome, Ruth Dahl"));

    // The old address no longer signs in; the new one does, with a code sent to it.
    let page = app
        .new_browser()
        .sign_in("ruth@example.org", PASSWORD)
        .await;
    page.assert_shows("not right");
    let browser = app.new_browser();
    let page = browser.sign_in("ruth.new@example.org", PASSWORD).await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    browser.post("/verify/email/send", &[]).await;
    let code = app.latest_code("ruth.new@example.org").await;
    browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    assert!(browser.get("/").await.has("Welcome, Ruth Dahl"));

    // Audited, with the addresses masked, and found by the audit log's event filter.
    for event in [
        "email-changed",
        "phone-changed",
        "mfa-method-changed",
        "step-up-passed",
    ] {
        let query = tessera::flows::audit_log::AuditQuery {
            event: event.into(),
            ..Default::default()
        };
        assert_eq!(tessera::flows::audit_log::problem(&query), None, "{event}");
    }
    let changed = events_of(&audit(&app).await, "email-changed");
    assert_eq!(changed.len(), 1);
    assert!(
        changed[0].contains("\"other_sessions_ended\":1"),
        "{}",
        changed[0]
    );
    assert!(!changed[0].contains("ruth.new@"), "{}", changed[0]);
}

async fn a_taken_address_is_refused_with_a_clear_message_and_nothing_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("sara@example.org", "Sara Falk", PASSWORD)
        .await;
    let user = app
        .active_user("tove@example.org", "Tove Falk", PASSWORD)
        .await;
    let mails_to_sara = app.mail.messages_to("sara@example.org").await.len();
    let page = user
        .post(
            "/account/email/send",
            &[("password", PASSWORD), ("email", "sara@example.org")],
        )
        .await;
    assert_eq!(page.status, 409);
    page.assert_shows("belongs to another account");
    assert_eq!(
        app.mail.messages_to("sara@example.org").await.len(),
        mails_to_sara,
        "no code to someone else's address"
    );

    // Taken between the code and its confirmation: refused in the same transaction.
    user.post(
        "/account/email/send",
        &[("password", PASSWORD), ("email", "ulla@example.org")],
    )
    .await;
    let code = app.latest_code("ulla@example.org").await;
    app.invite("ulla@example.org", "Ulla Falk").await;
    let page = user.post("/account/email/check", &[("code", &code)]).await;
    assert_eq!(page.status, 409);
    page.assert_shows("belongs to another account");
    assert!(user.get("/account").await.has("tove@example.org"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE email = 'tove@example.org'")
            .await,
        1
    );
    assert!(events_of(&audit(&app).await, "email-changed").is_empty());
    assert!(
        app.new_browser()
            .sign_in("tove@example.org", PASSWORD)
            .await
            .url
            .ends_with("/verify/email")
    );
}

async fn nist_800_63b_a_phone_change_is_confirmed_by_a_text_to_the_new_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_phone_user("vera@example.org", "Vera Ek", PASSWORD, "415 555 0161")
        .await;
    let page = user.get("/account").await;
    page.assert_shows("Send Code");

    // Numbers are checked as at registration.
    let page = user
        .post(
            "/account/phone/send",
            &[
                ("password", PASSWORD),
                ("country_code", "+1"),
                ("phone", "555 0162"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{page}");

    let page = user
        .post(
            "/account/phone/send",
            &[
                ("password", PASSWORD),
                ("country_code", "+1"),
                ("phone", "(415) 555-0172"),
            ],
        )
        .await;
    page.assert_shows("We sent a verification code by text message");
    let sms = app.twilio().wait_for_message_to("+14155550172", 0).await;
    let page = user
        .post("/account/phone/check", &[("code", &sms_code(&sms.body))])
        .await;
    assert!(page.url.ends_with("/account?done=phone"), "{}", page.url);
    page.assert_shows("Your phone number is changed");

    // Notices are queued and sent in the background (issue 12).
    app.wait_for_count(
        "SELECT COUNT(*) FROM mail_queue WHERE kind = 'notice' AND sent_at IS NOT NULL",
        1,
    )
    .await;
    let notices: Vec<_> = app
        .mail
        .messages_to("vera@example.org")
        .await
        .into_iter()
        .filter(|m| m.subject == "Your portal phone number was changed")
        .collect();
    assert_eq!(notices.len(), 1);
    let changed = events_of(&audit(&app).await, "phone-changed");
    assert_eq!(changed.len(), 1);
    assert!(!changed[0].contains("4155550172"), "masked: {}", changed[0]);
    assert!(!changed[0].contains("555-0172"), "masked: {}", changed[0]);
    // Stored encrypted.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE secret LIKE '%4155550172%'")
            .await,
        0
    );

    // The next step-up texts the new number.
    let_the_factor_go_stale(&app, &user).await;
    let page = user.get("/verify/again?next=/account").await;
    page.assert_shows("Send Code");
    user.post("/verify/again/send", &[("next", "/account")])
        .await;
    let sms = app.twilio().wait_for_message_to("+14155550172", 1).await;
    let page = user
        .post(
            "/verify/again/check",
            &[("code", &sms_code(&sms.body)), ("next", "/account")],
        )
        .await;
    assert!(page.url.ends_with("/account"), "{}", page.url);
}

async fn a_method_change_honours_the_organization_factor_policy(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = tessera::audit::AuditEvent::new("organization-created", "test", "Mixed Clinic");
    let org = app
        .app
        .store
        .create_org("Mixed Clinic", app.clock_now(), event)
        .await
        .unwrap();
    let set = |email: bool, phone: bool| {
        let event =
            tessera::audit::AuditEvent::new("factor-policy-changed", "test", "Mixed Clinic");
        app.app.store.set_allowed_factors(
            org,
            allowed(email, phone),
            tessera::domain::factor::PasskeyRequirement::Off,
            app.clock_now(),
            event,
        )
    };
    let request = InvitationRequest {
        email: "wim@mixed.example.org".into(),
        display_name: "Wim Mixed".into(),
        organization: Some("Mixed Clinic".into()),
        role: Role::User,
    };
    let user = app.active_account(request, PASSWORD).await;

    // Phone turned off: an email user cannot move to it.
    set(true, false).await.unwrap();
    assert!(user.get("/account").await.lacks("Send Code"));
    let page = user
        .post(
            "/account/phone/send",
            &[
                ("password", PASSWORD),
                ("country_code", "+1"),
                ("phone", "415 555 0181"),
            ],
        )
        .await;
    assert_eq!(page.status, 403, "{page}");
    page.assert_shows("does not allow the phone");
    assert!(app.twilio().messages().is_empty());

    // Allowed: the email user moves to the phone once the number answers.
    set(true, true).await.unwrap();
    user.post(
        "/account/phone/send",
        &[
            ("password", PASSWORD),
            ("country_code", "+1"),
            ("phone", "415 555 0181"),
        ],
    )
    .await;
    let sms = app.twilio().wait_for_message_to("+14155550181", 0).await;
    let page = user
        .post("/account/phone/check", &[("code", &sms_code(&sms.body))])
        .await;
    assert!(page.url.ends_with("/account?done=phone"), "{}", page.url);
    let changed = events_of(&audit(&app).await, "mfa-method-changed");
    assert_eq!(changed.len(), 1);
    assert!(changed[0].contains("\"to\":\"phone\""), "{}", changed[0]);
    let page = app
        .new_browser()
        .sign_in("wim@mixed.example.org", PASSWORD)
        .await;
    assert!(page.url.ends_with("/verify/phone"), "{}", page.url);

    // Email turned off: the phone user cannot move back.
    set(false, true).await.unwrap();
    let page = user
        .post("/account/method/email", &[("password", PASSWORD)])
        .await;
    assert_eq!(page.status, 403);
    page.assert_shows("does not allow email");

    // Allowed again: back to email; the number is forgotten and the person told.
    set(true, true).await.unwrap();
    let page = user
        .post("/account/method/email", &[("password", PASSWORD)])
        .await;
    assert!(page.url.ends_with("/account?done=method"), "{}", page.url);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts a WHERE mfa_method = 'email'
             AND NOT EXISTS (SELECT 1 FROM account_factors f WHERE f.account_id = a.id AND f.kind = 'phone')"
        )
        .await,
        1
    );
    assert_eq!(events_of(&audit(&app).await, "mfa-method-changed").len(), 2);
    // Notices are queued and sent in the background (issue 12).
    app.wait_for_count(
        "SELECT COUNT(*) FROM mail_queue WHERE kind = 'notice' AND sent_at IS NOT NULL",
        2,
    )
    .await;
    let notices = app
        .mail
        .messages_to("wim@mixed.example.org")
        .await
        .into_iter()
        .filter(|m| m.subject == "Your portal verification method was changed")
        .count();
    assert_eq!(notices, 2);
    let page = app
        .new_browser()
        .sign_in("wim@mixed.example.org", PASSWORD)
        .await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
}

/// ASVS 5.0 7.5.1 asks for full re-authentication: the fresh factor is not enough without
/// the current password, and guessing it from a taken-over session locks the account like
/// failed sign-ins do.
async fn asvs_7_5_1_a_change_needs_the_current_password_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("kai@example.org", "Kai Moss", PASSWORD)
        .await;
    let page = user.get("/account").await;
    page.assert_shows("Current password");
    let page = user
        .post(
            "/account/email/send",
            &[
                ("password", "not my password"),
                ("email", "kai.new@example.org"),
            ],
        )
        .await;
    assert_eq!(page.status, 401, "{page}");
    page.assert_shows("That is not your current password");
    assert!(app.mail.messages_to("kai.new@example.org").await.is_empty());
    assert_eq!(
        events_of(&audit(&app).await, "reauthentication-failed").len(),
        1
    );
    for _ in 0..9 {
        user.post(
            "/account/email/send",
            &[
                ("password", "still not it"),
                ("email", "kai.new@example.org"),
            ],
        )
        .await;
    }
    // Locked now, even with the right password, here and at the sign-in page.
    let page = user
        .post(
            "/account/email/send",
            &[("password", PASSWORD), ("email", "kai.new@example.org")],
        )
        .await;
    assert_eq!(page.status, 429, "{page}");
    page.assert_shows("Try again after");
    let page = app.new_browser().sign_in("kai@example.org", PASSWORD).await;
    assert_eq!(page.status, 429, "{page}");
    assert!(app.mail.messages_to("kai.new@example.org").await.is_empty());
    assert!(user.get("/account").await.has("kai@example.org"));
}

const NEW_PASSWORD: &str = "lantern fjord pebble";

/// A second browser of the same person, through both factors.
async fn signed_in_elsewhere(app: &TestApp, email: &str, password: &str) -> Browser {
    let elsewhere = app.new_browser();
    elsewhere.sign_in(email, password).await;
    elsewhere.post("/verify/email/send", &[]).await;
    let code = app.latest_code(email).await;
    elsewhere
        .post("/verify/email/check", &[("code", &code)])
        .await;
    elsewhere
}

/// Whether `password` gets `email` past the password step of a new sign-in.
async fn password_signs_in(app: &TestApp, email: &str, password: &str) -> bool {
    let page = app.new_browser().sign_in(email, password).await;
    page.url.ends_with("/verify/email")
}

/// Change password's own pages ask for the second factor first, even right after sign-in
/// (PRODUCT.md): `/account/password` leads to `/verify/again`, whose code leads back.
async fn confirm_it_is_me(app: &TestApp, browser: &Browser, email: &str) {
    let page = browser.get("/account/password").await;
    assert!(
        page.url
            .ends_with("/verify/again?next=%2Faccount%2Fpassword"),
        "{}",
        page.url
    );
    page.assert_shows("Confirm it is you");
    browser
        .post("/verify/again/send", &[("next", "/account/password")])
        .await;
    let code = app.latest_code(email).await;
    let page = browser
        .post(
            "/verify/again/check",
            &[("code", &code), ("next", "/account/password")],
        )
        .await;
    assert!(page.url.ends_with("/account/password"), "{}", page.url);
    page.assert_shows("Current password");
}

async fn change_password(
    browser: &Browser,
    current: &str,
    new: &str,
    confirmation: &str,
) -> crate::helpers::Page {
    browser
        .post(
            "/account/password",
            &[
                ("password", current),
                ("new_password", new),
                ("password_confirmation", confirmation),
            ],
        )
        .await
}

/// ASVS 5.0 6.2.2 and 6.2.3: a signed-in person changes their password on Your account with
/// the current one, a fresh factor and the new one twice. ASVS 7.4.3: every other session of
/// theirs ends, this one goes on; they are told by a queued notice and the change is audited.
async fn asvs_6_2_2_a_person_changes_the_password_and_other_sessions_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("ines@example.org", "Ines Berg", PASSWORD)
        .await;
    let elsewhere = signed_in_elsewhere(&app, "ines@example.org", PASSWORD).await;
    assert!(elsewhere.get("/").await.has("Welcome, Ines Berg"));

    let page = user.get("/account").await;
    assert_eq!(
        page.link_named("Change password").as_deref(),
        Some("/account/password")
    );
    // Right after sign-in, the factor is asked for all the same.
    confirm_it_is_me(&app, &user, "ines@example.org").await;
    let page = change_password(&user, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert!(page.url.ends_with("/account?done=password"), "{}", page.url);
    page.assert_shows("Your password is changed");

    // ASVS 7.4.3: the other session ended; this one goes on.
    assert!(elsewhere.get("/").await.url.ends_with("/login"));
    assert!(user.get("/").await.has("Welcome, Ines Berg"));

    // The new password signs in, the old one no longer does.
    assert!(password_signs_in(&app, "ines@example.org", NEW_PASSWORD).await);
    let page = app
        .new_browser()
        .sign_in("ines@example.org", PASSWORD)
        .await;
    page.assert_shows("not right");

    // The notice is queued and sent in the background (issue 12).
    app.wait_for_count(
        "SELECT COUNT(*) FROM mail_queue WHERE kind = 'notice' AND sent_at IS NOT NULL",
        1,
    )
    .await;
    let notices: Vec<_> = app
        .mail
        .messages_to("ines@example.org")
        .await
        .into_iter()
        .filter(|m| m.subject == "Your portal password was changed")
        .collect();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].text.contains("password"), "{}", notices[0].text);
    assert!(notices[0].text.contains("every other session"));
    assert!(notices[0].text.contains("If you did not"));
    assert!(!notices[0].text.contains(NEW_PASSWORD));
    assert!(!notices[0].html.is_empty());

    // Audited once, by the person, with the sessions it ended.
    let changed: Vec<_> = audit(&app)
        .await
        .into_iter()
        .filter(|e| e.0 == "password-changed")
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].1, changed[0].2, "the actor is the person");
    assert!(
        changed[0].3.contains("\"via\":\"account\""),
        "{:?}",
        changed[0]
    );
    assert!(
        changed[0].3.contains("\"other_sessions_ended\":1"),
        "{:?}",
        changed[0]
    );
    assert!(!changed[0].3.contains(NEW_PASSWORD));
}

/// ASVS 5.0 6.2.3 and 7.5.3: a change without a second factor passed for it (the sign-in's
/// does not count, nor one that went stale) is sent to `/verify/again` first, changes
/// nothing, and goes ahead after it.
async fn asvs_6_2_3_a_password_change_without_a_fresh_factor_is_sent_to_verify_again(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("jon@example.org", "Jon Vik", PASSWORD)
        .await;
    let page = change_password(&user, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert!(
        page.url
            .ends_with("/verify/again?next=%2Faccount%2Fpassword"),
        "right after sign-in: {}",
        page.url
    );
    confirm_it_is_me(&app, &user, "jon@example.org").await;
    let_the_factor_go_stale(&app, &user).await;
    let page = change_password(&user, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert!(
        page.url
            .ends_with("/verify/again?next=%2Faccount%2Fpassword"),
        "stale: {}",
        page.url
    );
    assert!(password_signs_in(&app, "jon@example.org", PASSWORD).await);
    assert!(events_of(&audit(&app).await, "password-changed").is_empty());

    confirm_it_is_me(&app, &user, "jon@example.org").await;
    let page = change_password(&user, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert!(page.url.ends_with("/account?done=password"), "{}", page.url);
    assert!(password_signs_in(&app, "jon@example.org", NEW_PASSWORD).await);
}

/// ASVS 5.0 6.2.3 (the current and the new password) and 6.2.4/6.2.5 (the policy of
/// registration and recovery, with the person's name and address as context words): each
/// refusal says what to do next, and nothing changes: the old password still signs in, the
/// other session goes on, no notice, no audit entry of a change.
async fn asvs_6_2_3_a_refused_password_change_says_why_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("lena@example.org", "Lena Strand", PASSWORD)
        .await;
    let elsewhere = signed_in_elsewhere(&app, "lena@example.org", PASSWORD).await;
    confirm_it_is_me(&app, &user, "lena@example.org").await;
    let cases: [(&str, &str, &str, u16, &str); 6] = [
        (
            "not my password",
            NEW_PASSWORD,
            NEW_PASSWORD,
            401,
            "That is not your current password",
        ),
        (PASSWORD, "short1", "short1", 422, "too short"),
        (PASSWORD, "password1", "password1", 422, "too common"),
        (
            PASSWORD,
            "lena strand forever",
            "lena strand forever",
            422,
            "must not contain your name",
        ),
        (
            PASSWORD,
            NEW_PASSWORD,
            "lantern fjord pebbles",
            422,
            "do not match",
        ),
        (PASSWORD, PASSWORD, PASSWORD, 422, "already your password"),
    ];
    for (current, new, confirmation, status, says) in cases {
        let page = change_password(&user, current, new, confirmation).await;
        assert_eq!(page.status, status, "{says}: {page}");
        page.assert_shows(says);
        // The form again, ready for another try.
        page.assert_shows("Confirm new password");
    }
    assert!(events_of(&audit(&app).await, "password-changed").is_empty());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM mail_queue WHERE kind = 'notice'")
            .await,
        0
    );
    assert!(elsewhere.get("/").await.has("Welcome, Lena Strand"));
    assert!(user.get("/").await.has("Welcome, Lena Strand"));
    assert!(password_signs_in(&app, "lena@example.org", PASSWORD).await);
    for new in [NEW_PASSWORD, "short1", "password1"] {
        assert!(
            !password_signs_in(&app, "lena@example.org", new).await,
            "{new}"
        );
    }
}

/// ASVS 5.0 6.2.3 with 6.3.1: wrong current passwords on the change form count towards the
/// same lock-out as failed sign-ins, so a taken-over session cannot guess the password.
async fn asvs_6_2_3_wrong_current_passwords_count_towards_the_lock_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("mona@example.org", "Mona Sund", PASSWORD)
        .await;
    confirm_it_is_me(&app, &user, "mona@example.org").await;
    for _ in 0..10 {
        let page = change_password(&user, "still not it", NEW_PASSWORD, NEW_PASSWORD).await;
        assert!(matches!(page.status, 401 | 429), "{page}");
    }
    assert_eq!(
        events_of(&audit(&app).await, "reauthentication-failed").len(),
        10
    );
    // Locked now, even with the right password, here and at the sign-in page.
    let page = change_password(&user, PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(page.status, 429, "{page}");
    page.assert_shows("Try again after");
    let page = app
        .new_browser()
        .sign_in("mona@example.org", PASSWORD)
        .await;
    assert_eq!(page.status, 429, "{page}");
    assert!(events_of(&audit(&app).await, "password-changed").is_empty());
}

on_both_backends!(
    asvs_6_2_2_a_person_changes_the_password_and_other_sessions_end,
    asvs_6_2_3_a_password_change_without_a_fresh_factor_is_sent_to_verify_again,
    asvs_6_2_3_a_refused_password_change_says_why_and_changes_nothing,
    asvs_6_2_3_wrong_current_passwords_count_towards_the_lock_out,
    asvs_7_5_1_a_change_needs_the_current_password_too,
    asvs_7_5_3_a_stale_administrator_re_verifies_in_place_and_reaches_the_console,
    an_expired_code_or_one_sent_to_a_new_address_does_not_stamp_the_session,
    next_must_be_a_page_of_the_portal,
    asvs_7_5_3_an_email_change_without_a_fresh_factor_is_sent_to_verify_again,
    asvs_7_5_1_an_email_change_confirms_the_new_address_and_tells_both,
    a_taken_address_is_refused_with_a_clear_message_and_nothing_changes,
    nist_800_63b_a_phone_change_is_confirmed_by_a_text_to_the_new_number,
    a_method_change_honours_the_organization_factor_policy,
);

/// Your account lists the verification methods the person holds, with when each was added
/// and last used (issue 14: factors with their last use), moving at each sign-in.
async fn your_account_lists_the_methods_with_their_last_use(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("noa@example.org", "Noa Dahl", PASSWORD)
        .await;
    let rows = user.get("/account").await.table_rows("#factors tbody");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], "Email");
    assert_eq!(
        rows[0][1], rows[0][2],
        "added and last used at the first sign-in"
    );

    app.clock.advance(2 * 86_400);
    let again = signed_in_elsewhere(&app, "noa@example.org", PASSWORD).await;
    let rows = again.get("/account").await.table_rows("#factors tbody");
    assert_eq!(rows[0][0], "Email");
    assert_ne!(rows[0][1], rows[0][2], "the last use moved: {rows:?}");

    let phone = app
        .active_phone_user("oli@example.org", "Oli Sand", PASSWORD, "415 555 0119")
        .await;
    let rows = phone.get("/account").await.table_rows("#factors tbody");
    assert_eq!(
        rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["Phone"]
    );
}

on_both_backends!(your_account_lists_the_methods_with_their_last_use);
