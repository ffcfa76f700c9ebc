//! The guide's "Phone Verification" and "Login With Phone", through a Twilio-compatible
//! test server that follows Twilio's published API and signs its webhooks.

use crate::helpers::{Backend, Browser, Options, TestApp, sms_code, spawn_app, spawn_app_with};
use crate::on_both_backends;

const PASSWORD: &str = "marmalade orbit kettle";

async fn registration_by_text_message_verifies_the_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("pat@example.org", "Pat Kim", PASSWORD)
        .await;
    let page = browser.get("/verify/phone").await;
    assert!(
        page.has("Country code")
            && page.has("Phone number")
            && page.has("Send Code")
            && page.has("Call Me")
    );

    let page = browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "(415) 555-0132"),
                ("action", "sms"),
            ],
        )
        .await;
    // The person registering the number sees it in full, to spot a typo (issue 17).
    page.assert_shows("We sent a verification code by text message to +1 (415) 555-0132");
    assert!(page.has("Verify Code") && page.has_element("[autocomplete=\"one-time-code\"]"));
    let sms = app.twilio().wait_for_message_to("+14155550132", 0).await;
    assert_eq!(sms.from, crate::twilio_double::TwilioDouble::FROM);
    let code = sms_code(&sms.body);

    let page = browser
        .post("/verify/phone/check", &[("code", &code)])
        .await;
    // "The page will automatically refresh to the home page": the Terms of Use come first.
    assert!(page.url.ends_with("/terms"), "{}", page.url);
    let page = browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    assert!(page.has("Welcome, Pat Kim"));

    let (account, _) = app
        .app
        .store
        .account_by_email(&tessera::domain::email::Email::parse("pat@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    // Stored encrypted (AES-256-GCM), E.164 inside.
    let stored = account.phone.clone().unwrap();
    assert!(
        stored.starts_with("enc:") && !stored.contains("4155550132"),
        "{stored}"
    );
    let opened = app
        .app
        .sealer
        .open(tessera::sealing::Kind::PhoneNumber, &stored)
        .unwrap();
    assert_eq!(opened, "+14155550132");
    let raw_codes = app
        .count("SELECT COUNT(*) FROM verification_codes WHERE destination LIKE '%4155550132%'")
        .await;
    assert_eq!(raw_codes, 0, "nor in clear in the codes table");
    let audit = app.app.store.recent_audit(100).await.unwrap();
    let sent = audit
        .iter()
        .find(|e| e.0 == "code-sent")
        .expect("a code-sent entry");
    assert!(
        sent.3.contains("***-0132") && !sent.3.contains("4155550132"),
        "masked in the audit log: {}",
        sent.3
    );
}

async fn login_with_phone_by_call_me_moves_on_when_pound_is_pressed(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .active_phone_user("cal@example.org", "Cal Ruiz", PASSWORD, "415 555 0177")
        .await;
    first.post("/logout", &[]).await;

    let browser = app.new_browser();
    let page = browser
        .post(
            "/login",
            &[
                ("email", "cal@example.org"),
                ("password", PASSWORD),
                ("method", "phone"),
            ],
        )
        .await;
    assert!(page.url.ends_with("/verify/phone"));
    assert!(
        page.has("+1 (***) ***-0177"),
        "the number on file, masked: {page}",
    );

    let page = browser
        .post("/verify/phone/send", &[("action", "call")])
        .await;
    assert!(
        page.url.ends_with("/verify/phone/call") && page.has("press the # key"),
        "{page}"
    );
    let call = app.twilio().wait_for_call_to("+14155550177", 0).await;
    assert!(
        call.twiml.contains("numDigits=\"1\"") && call.twiml.contains("finishOnKey=\"\""),
        "{}",
        call.twiml
    );
    assert!(
        call.twiml
            .contains(&format!("action=\"{}/twilio/voice/", app.url)),
        "absolute URL from the public URL: {}",
        call.twiml
    );
    let state = browser.get("/verify/phone/call/state").await;
    assert!(state.body.contains("\"waiting\""), "{state}");

    assert_eq!(app.twilio().press_key(&call, "#").await, 200);
    let state = browser.get("/verify/phone/call/state").await;
    assert!(state.body.contains("\"pressed\""), "{state}");
    let page = browser.post("/verify/phone/call/complete", &[]).await;
    assert!(
        page.has("Welcome, Cal Ruiz"),
        "straight to the home page: {page}",
    );
    let events = app.audit_events().await;
    assert!(
        events.iter().any(|e| e == "call-placed") && events.iter().any(|e| e == "call-key-pressed")
    );
}

async fn forged_replayed_and_wrong_key_webhooks_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (browser, call) = app
        .phone_user_being_called("fox@example.org", "Fox Mulder", PASSWORD, "415 555 0101")
        .await;
    let action = call.action_url();
    let params = [
        ("CallSid", call.sid.as_str()),
        ("Digits", "#"),
        (
            "AccountSid",
            crate::twilio_double::TwilioDouble::ACCOUNT_SID,
        ),
    ];
    let sessions_before = app.count("SELECT COUNT(*) FROM sessions").await;
    let requests_before = app.twilio().requests();

    assert_eq!(
        app.twilio().post_unsigned(&action, &params).await,
        403,
        "no signature"
    );
    assert_eq!(
        app.twilio()
            .post_with_signature(&action, &params, "bm90IGEgc2lnbmF0dXJl")
            .await,
        403,
        "bad signature"
    );
    assert_eq!(
        app.twilio()
            .post_unsigned(&call.status_callback, &[("CallStatus", "completed")])
            .await,
        403,
        "a forged status callback"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        sessions_before,
        "no session from a forged webhook"
    );
    assert_eq!(
        app.twilio().requests(),
        requests_before,
        "nothing sent to the provider"
    );
    let forged: Vec<_> = app
        .app
        .store
        .recent_audit(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.0 == "call-webhook-forged")
        .collect();
    assert_eq!(forged.len(), 3, "each forgery audited: {forged:?}");
    assert!(
        forged.iter().all(|e| e.3.contains("***-0101")),
        "with the call's number, masked: {forged:?}"
    );
    assert_eq!(
        app.twilio().press_key(&call, "1").await,
        200,
        "a genuine webhook with another key"
    );
    assert!(
        browser
            .get("/verify/phone/call/state")
            .await
            .body
            .contains("\"waiting\""),
        "neither confirmed the call"
    );

    app.twilio().press_key(&call, "#").await;
    browser.post("/verify/phone/call/complete", &[]).await;
    let sessions =
        "SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated' AND revoked_at IS NULL";
    let before = app.count(sessions).await;
    assert_eq!(
        app.twilio().press_key(&call, "#").await,
        200,
        "a replay is answered but changes nothing"
    );
    assert_eq!(
        app.count(sessions).await,
        before,
        "no session from a replayed webhook"
    );
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e == "call-webhook-ignored")
    );
}

async fn a_call_that_is_not_answered_says_so_and_offers_another_way(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("nia@example.org", "Nia Long", PASSWORD)
        .await;
    browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "1"),
                ("phone", "4155550144"),
                ("action", "call"),
            ],
        )
        .await;
    let call = app.twilio().wait_for_call_to("+14155550144", 0).await;
    assert_eq!(app.twilio().send_status(&call, "no-answer").await, 204);
    let page = browser.get("/verify/phone/call").await;
    assert!(
        page.has("The call did not complete") && page.has("Send Code"),
        "{page}"
    );
    assert!(
        browser
            .get("/verify/phone/call/state")
            .await
            .body
            .contains("\"failed\"")
    );
}

async fn numbers_with_extensions_and_other_countries_are_refused_and_nothing_is_sent(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("ext@example.org", "Ezra Tate", PASSWORD)
        .await;
    for (cc, number, message) in [
        ("+1", "415 555 0132 x12", "Extensions are not supported"),
        ("+1", "415-555-0132 ext. 4", "Extensions are not supported"),
        ("+1", "555 0132", "must be a 10-digit direct line"),
        (
            "+44",
            "20 7946 0958",
            "Phone numbers with +44 are not accepted",
        ),
    ] {
        let page = browser
            .post(
                "/verify/phone/send",
                &[("country_code", cc), ("phone", number), ("action", "sms")],
            )
            .await;
        assert_eq!(page.status, 422, "{number}");
        assert!(page.has(message), "{number}: {page}");
        assert_eq!(
            page.input_value("phone").as_deref(),
            Some(number),
            "what was typed stays"
        );
    }
    assert!(app.twilio().messages().is_empty() && app.twilio().calls().is_empty());
}

async fn provider_errors_become_a_clear_message_and_nothing_is_retried(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("err@example.org", "Erin Cole", PASSWORD)
        .await;
    app.twilio().fail_next(500);
    let page = browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "415 555 0199"),
                ("action", "sms"),
            ],
        )
        .await;
    assert_eq!(page.status, 502);
    assert!(
        page.has("We could not send the text message just now") && page.has("Call Me"),
        "{page}"
    );
    assert!(page.lacks("500"), "no provider internals on the page");
    assert!(app.twilio().messages().is_empty());
    assert_eq!(app.twilio().requests(), 1, "one click, one attempt");
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e == "code-not-delivered")
    );
    // The failed send did not start the cool-down: trying again works at once.
    let page = browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "415 555 0199"),
                ("action", "sms"),
            ],
        )
        .await;
    page.assert_shows("We sent a verification code");
}

async fn daily_caps_stop_sms_pumping(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("cap@example.org", "Cap Lee", PASSWORD)
        .await;
    for _ in 0..10 {
        let page = browser
            .post(
                "/verify/phone/send",
                &[
                    ("country_code", "+1"),
                    ("phone", "415 555 0155"),
                    ("action", "sms"),
                ],
            )
            .await;
        page.assert_shows("We sent a verification code");
        app.clock.advance(20);
    }
    let page = browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "415 555 0155"),
                ("action", "sms"),
            ],
        )
        .await;
    assert_eq!(page.status, 429);
    assert!(
        page.has("limit of texts and calls") && page.has("Try again after"),
        "{page}"
    );
    assert_eq!(app.twilio().messages().len(), 10);
}

async fn a_text_code_for_another_account_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let one = app
        .registered_for_phone("one@example.org", "Una One", PASSWORD)
        .await;
    let two = app
        .registered_for_phone("two@example.org", "Tua Two", PASSWORD)
        .await;
    one.post(
        "/verify/phone/send",
        &[
            ("country_code", "+1"),
            ("phone", "415 555 0111"),
            ("action", "sms"),
        ],
    )
    .await;
    two.post(
        "/verify/phone/send",
        &[
            ("country_code", "+1"),
            ("phone", "415 555 0122"),
            ("action", "sms"),
        ],
    )
    .await;
    let code_one = sms_code(
        &app.twilio()
            .wait_for_message_to("+14155550111", 0)
            .await
            .body,
    );
    let code_two = sms_code(
        &app.twilio()
            .wait_for_message_to("+14155550122", 0)
            .await
            .body,
    );
    if code_one != code_two {
        let page = two
            .post("/verify/phone/check", &[("code", &code_one)])
            .await;
        page.assert_shows("That code is not right");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated'")
            .await,
        0
    );
}

async fn without_twilio_calls_go_to_the_outbox_where_pound_can_be_pressed(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            twilio: false,
            ..Options::default()
        },
    )
    .await;
    let browser = app
        .registered_for_phone("dev@example.org", "Dev Ops", PASSWORD)
        .await;
    browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "415 555 0166"),
                ("action", "call"),
            ],
        )
        .await;
    let outbox = browser.get("/dev/outbox").await;
    assert!(
        outbox.has("Voice call") && outbox.has("Press # on this call"),
        "{outbox}"
    );
    let press = outbox
        .form_actions()
        .into_iter()
        .find(|action| action.starts_with("/dev/press/"))
        .unwrap_or_else(|| panic!("expected a form that presses # on the call; {outbox}"));
    let token = press.trim_start_matches("/dev/press/").to_string();
    browser.post(&press, &[]).await;
    assert!(
        browser
            .get("/verify/phone/call/state")
            .await
            .body
            .contains("\"pressed\"")
    );
    // Without a provider, no webhook is genuine.
    let forged = reqwest::Client::new()
        .post(format!("{}/twilio/voice/{token}", app.url))
        .form(&[("Digits", "#")])
        .header("X-Twilio-Signature", "x")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

async fn login_with_phone_by_send_code_uses_the_number_on_file(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .active_phone_user("sol@example.org", "Sol Park", PASSWORD, "415 555 0133")
        .await;
    first.post("/logout", &[]).await;
    let browser = app.new_browser();
    browser
        .post(
            "/login",
            &[
                ("email", "sol@example.org"),
                ("password", PASSWORD),
                ("method", "phone"),
            ],
        )
        .await;
    // Whatever number is typed, the code goes only to the verified number on file.
    let page = browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "212 555 0100"),
                ("action", "sms"),
            ],
        )
        .await;
    page.assert_shows("+1 (***) ***-0133");
    let sms = app.twilio().wait_for_message_to("+14155550133", 1).await;
    assert!(
        app.twilio()
            .messages()
            .iter()
            .all(|m| m.to == "+14155550133")
    );
    let page = browser
        .post("/verify/phone/check", &[("code", &sms_code(&sms.body))])
        .await;
    page.assert_shows("Welcome, Sol Park");
}

async fn an_unanswered_call_times_out_with_a_way_forward(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("tim@example.org", "Tim Out", PASSWORD)
        .await;
    browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "415 555 0145"),
                ("action", "call"),
            ],
        )
        .await;
    let call = app.twilio().wait_for_call_to("+14155550145", 0).await;
    app.clock.advance(120);
    assert!(
        browser
            .get("/verify/phone/call/state")
            .await
            .body
            .contains("\"timed-out\"")
    );
    let page = browser.get("/verify/phone/call").await;
    assert!(
        page.has("We did not hear a key press in time") && page.has("Send Code"),
        "{page}"
    );
    // A key press after the time-out confirms nothing.
    app.twilio().press_key(&call, "#").await;
    assert!(
        !browser
            .get("/verify/phone/call/state")
            .await
            .body
            .contains("\"pressed\"")
    );
}

async fn keys_rotate_re_encrypts_phone_numbers_and_sign_in_still_works(backend: Backend) {
    use base64::Engine;
    let app = spawn_app(backend).await;
    let first = app
        .active_phone_user("rot@example.org", "Rot Ate", PASSWORD, "415 555 0175")
        .await;
    first.post("/logout", &[]).await;
    // The ID-token signing keys are sealed under the same keys.
    let claims = serde_json::json!({ "sub": "a1" });
    for alg in tessera::domain::jose::SigningAlg::ALL {
        tessera::flows::signing_keys::sign(&app.app, *alg, &claims)
            .await
            .unwrap();
    }
    let new_key = base64::engine::general_purpose::STANDARD.encode([42u8; 32]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["keys", "rotate"])
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SECRET_KEY", crate::helpers::SECRET_KEY)
        .env("TESSERA_ENCRYPTION_KEYS", format!("k2:{new_key}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Re-encrypted"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE secret LIKE 'enc:k2:%'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE secret LIKE 'enc:0:%'")
            .await,
        0
    );
    // A portal running with the new key list serves the same user.
    let mut config = crate::helpers::test_config(&app.db.url, Some(app.mail.port));
    config.encryption_keys = Some(format!("k2:{new_key}"));
    let rotated =
        tessera::app::App::build_with_clock(config, std::sync::Arc::new(app.clock.clone()))
            .await
            .unwrap();
    let (account, _) = rotated
        .store
        .account_by_email(&tessera::domain::email::Email::parse("rot@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    let opened = rotated
        .sealer
        .open(
            tessera::sealing::Kind::PhoneNumber,
            account.phone.as_deref().unwrap(),
        )
        .unwrap();
    assert_eq!(opened, "+14155550175");
    // Without the old key, the signing keys still sign: they were re-sealed too.
    for alg in tessera::domain::jose::SigningAlg::ALL {
        tessera::flows::signing_keys::sign(&rotated, *alg, &claims)
            .await
            .unwrap_or_else(|e| panic!("{alg:?} after the rotation: {e}"));
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM signing_keys WHERE private_key NOT LIKE 'enc:k2:%'")
            .await,
        0
    );
    // And so were the invitation letters (their sealed registration links).
    assert!(app.count("SELECT COUNT(*) FROM mail_queue").await > 0);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM mail_queue
             WHERE (link_token IS NOT NULL AND link_token NOT LIKE 'enc:k2:%')
                OR (body_text IS NOT NULL AND body_text NOT LIKE 'enc:k2:%')"
        )
        .await,
        0
    );
    assert!(app.audit_events().await.iter().any(|e| e == "keys-rotated"));
}

/// Issue 6: 50 simultaneous sends from one session respect the cool-down: one text goes out.
async fn fifty_simultaneous_sends_make_one_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("burst@example.org", "Bur St", PASSWORD)
        .await;
    let token = browser.csrf().await;
    let statuses = send_at_once(vec![(browser, token); 50], "415 555 0150").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.twilio().messages().len(), 1, "statuses: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 49);
}

/// Sends by the form's Send Code (or Call Me) button; returns the page.
async fn send(browser: &Browser, number: &str, action: &str) -> crate::helpers::Page {
    browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", number),
                ("action", action),
            ],
        )
        .await
}

async fn sign_in_for_phone(app: &TestApp, email: &str) -> Browser {
    let browser = app.new_browser();
    let page = browser
        .post(
            "/login",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("method", "phone"),
            ],
        )
        .await;
    assert!(page.url.ends_with("/verify/phone"), "{}", page.url);
    browser
}

/// Toll fraud (ASVS 6.3; NIST SP 800-63B 5.2.2 rate limiting): the resend cool-down is held
/// per account in the database, so signing in again does not skip it.
async fn the_cool_down_holds_per_account_across_sign_in_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .active_phone_user("coo@example.org", "Coo Lee", PASSWORD, "415 555 0171")
        .await;
    first.post("/logout", &[]).await;
    let one = sign_in_for_phone(&app, "coo@example.org").await;
    let page = send(&one, "", "sms").await;
    page.assert_shows("We sent a verification code");
    let requests = app.twilio().requests();

    let two = sign_in_for_phone(&app, "coo@example.org").await;
    for action in ["sms", "call"] {
        let page = send(&two, "", action).await;
        assert_eq!(page.status, 429, "{action}");
        assert!(
            page.has("Wait 20 seconds before asking again"),
            "{action}: {page}",
        );
    }
    assert_eq!(app.twilio().requests(), requests, "nothing sent");

    app.clock.advance(20);
    let page = send(&two, "", "sms").await;
    page.assert_shows("We sent a verification code");
}

/// Toll fraud: the cool-down holds per phone number, whichever account asks.
async fn two_accounts_texting_one_number_inside_the_cool_down_the_second_is_refused(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let one = app
        .registered_for_phone("uno@example.org", "Uno Ang", PASSWORD)
        .await;
    let two = app
        .registered_for_phone("dos@example.org", "Dos Ang", PASSWORD)
        .await;
    let page = send(&one, "415 555 0172", "sms").await;
    page.assert_shows("We sent a verification code");
    app.clock.advance(5);
    let page = send(&two, "(415) 555-0172", "call").await;
    assert_eq!(page.status, 429);
    page.assert_shows("Wait 15 seconds before asking again");
    assert_eq!(app.twilio().requests(), 1, "nothing sent to the provider");
    assert!(app.twilio().calls().is_empty());
    let refused = app.app.store.recent_audit(10).await.unwrap();
    assert!(
        refused.iter().any(|e| e.0 == "send-refused"
            && e.3.contains("cool-down")
            && e.3.contains("***-0172")),
        "{refused:?}"
    );
}

fn two_sends_per_number_per_day(config: &mut tessera::config::Config) {
    config.policy.phone_sends_per_day_per_number = 2;
}

/// Toll fraud (ASVS 6.3): the daily cap per phone number holds across accounts.
async fn the_daily_cap_per_number_holds_across_accounts(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            configure: two_sends_per_number_per_day,
            ..Options::default()
        },
    )
    .await;
    for (email, name) in [("a@example.org", "Ann A"), ("b@example.org", "Ben B")] {
        let browser = app.registered_for_phone(email, name, PASSWORD).await;
        let page = send(&browser, "415 555 0173", "sms").await;
        page.assert_shows("We sent a verification code");
        app.clock.advance(20);
    }
    let third = app
        .registered_for_phone("c@example.org", "Cat C", PASSWORD)
        .await;
    for action in ["sms", "call"] {
        let page = send(&third, "415 555 0173", action).await;
        assert_eq!(page.status, 429, "{action}");
        assert!(
            page.has("Today's limit of texts and calls for this phone number is reached"),
            "{action}: {page}",
        );
        assert!(page.has("Try again after") && page.has("UTC"), "{page}");
    }
    assert_eq!(
        app.twilio().requests(),
        2,
        "nothing reached the provider after the cap"
    );
    // Another number is not capped by this one.
    let page = send(&third, "415 555 0174", "sms").await;
    page.assert_shows("We sent a verification code");
}

fn two_sends_per_client_behind_a_proxy(config: &mut tessera::config::Config) {
    config.policy.phone_sends_per_day_per_client = 2;
    config.trusted_proxies = "127.0.0.1".into();
}

fn two_sends_per_client(config: &mut tessera::config::Config) {
    config.policy.phone_sends_per_day_per_client = 2;
}

/// Toll fraud (ASVS 6.3): the daily cap per client address holds across accounts and
/// numbers; behind a trusted proxy (`TESSERA_TRUSTED_PROXIES`) each forwarded client has
/// its own allowance.
async fn the_daily_cap_per_client_address_holds_and_forwarded_clients_are_apart(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            configure: two_sends_per_client_behind_a_proxy,
            ..Options::default()
        },
    )
    .await;
    let people = [
        ("p1@example.org", "Pia One", "415 555 0181"),
        ("p2@example.org", "Pia Two", "415 555 0182"),
        ("p3@example.org", "Pia Three", "415 555 0183"),
    ];
    let mut browsers = Vec::new();
    for (email, name, _) in people {
        let browser = Browser::forwarded_for(&app.url, "203.0.113.7");
        browsers.push(
            app.registered_for_phone_in(browser, email, name, PASSWORD)
                .await,
        );
    }
    for (browser, (_, _, number)) in browsers.iter().zip(people).take(2) {
        let page = send(browser, number, "sms").await;
        page.assert_shows("We sent a verification code");
    }
    let page = send(&browsers[2], people[2].2, "sms").await;
    assert_eq!(page.status, 429);
    assert!(
        page.has("limit of texts and calls for this network address is reached")
            && page.has("Try again after"),
        "{page}"
    );
    assert_eq!(
        app.twilio().requests(),
        2,
        "nothing reached the provider after the cap"
    );

    // Another client behind the same proxy has an allowance of its own.
    let elsewhere = Browser::forwarded_for(&app.url, "198.51.100.9");
    let elsewhere = app
        .registered_for_phone_in(elsewhere, "q@example.org", "Quin Else", PASSWORD)
        .await;
    let page = send(&elsewhere, "415 555 0184", "sms").await;
    page.assert_shows("We sent a verification code");
}

/// Without `TESSERA_TRUSTED_PROXIES`, `X-Forwarded-For` is the client's own claim and is
/// ignored: changing it does not buy another allowance.
async fn without_trusted_proxies_a_forwarded_header_buys_no_allowance(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            configure: two_sends_per_client,
            ..Options::default()
        },
    )
    .await;
    let people = [
        ("r1@example.org", "Ray One", "415 555 0185", "203.0.113.1"),
        ("r2@example.org", "Ray Two", "415 555 0186", "203.0.113.2"),
        ("r3@example.org", "Ray Three", "415 555 0187", "203.0.113.3"),
    ];
    let mut pages = Vec::new();
    for (email, name, number, claimed) in people {
        let browser = Browser::forwarded_for(&app.url, claimed);
        let browser = app
            .registered_for_phone_in(browser, email, name, PASSWORD)
            .await;
        pages.push(send(&browser, number, "sms").await);
    }
    assert!(
        pages[0].has("We sent a verification code") && pages[1].has("We sent a verification code")
    );
    assert_eq!(pages[2].status, 429, "{}", pages[2]);
    assert!(
        pages[2].has("for this network address"),
        "{}",
        pages[2].body
    );
    assert_eq!(app.twilio().requests(), 2);
}

/// Twilio refuses the number (400, error 21211, its documented JSON): a clear message with
/// what to do, an audit entry, one request, and the cool-down released for a corrected number.
async fn a_number_the_provider_refuses_gets_a_clear_message_and_one_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("bad@example.org", "Bad Num", PASSWORD)
        .await;
    app.twilio().refuse_next(
        400,
        21211,
        "The 'To' number +14155550191 is not a valid phone number.",
    );
    let page = send(&browser, "415 555 0191", "sms").await;
    assert_eq!(page.status, 422);
    assert!(
        page.has("The phone service would not accept this number")
            && page.has("Check that it is right and can receive text messages, or choose Call Me"),
        "{page}"
    );
    assert!(
        page.lacks("21211") && page.lacks("not a valid phone number"),
        "no provider internals"
    );
    assert_eq!(app.twilio().requests(), 1, "one click, one request");
    assert!(app.twilio().messages().is_empty());
    let audit = app.app.store.recent_audit(10).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.0 == "code-not-delivered")
        .expect("audited");
    assert!(
        entry.3.contains("number-refused") && entry.3.contains("***-0191"),
        "{entry:?}"
    );
    // A corrected number may be tried at once.
    let page = send(&browser, "415 555 0192", "sms").await;
    page.assert_shows("We sent a verification code");
}

fn a_one_second_provider_timeout(config: &mut tessera::config::Config) {
    config.twilio_timeout_secs = 1;
}

/// A provider that does not answer in time (`TESSERA_TWILIO_TIMEOUT_SECS`) does not hang
/// the page: a clear message, an audit entry, and exactly one request (never retried).
async fn a_provider_that_does_not_answer_in_time_gets_a_clear_message_and_one_request(
    backend: Backend,
) {
    let app = spawn_app_with(
        backend,
        Options {
            configure: a_one_second_provider_timeout,
            ..Options::default()
        },
    )
    .await;
    let browser = app
        .registered_for_phone("slow@example.org", "Slow Line", PASSWORD)
        .await;
    app.twilio().stall_next(std::time::Duration::from_secs(30));
    let page = send(&browser, "415 555 0193", "call").await;
    assert_eq!(page.status, 502);
    assert!(
        page.has("We could not place the call: the phone service did not answer in time")
            && page.has("choose Send Code"),
        "{page}"
    );
    assert!(
        app.twilio().calls().is_empty(),
        "the page answered while the provider was still holding the request"
    );
    assert_eq!(app.twilio().requests(), 1, "one click, one request");
    let audit = app.app.store.recent_audit(10).await.unwrap();
    assert!(
        audit.iter().any(|e| e.0 == "code-not-delivered"
            && e.3.contains("no-answer-from-provider")
            && e.3.contains("***-0193")),
        "{audit:?}"
    );
}

/// ASVS 16.2.x, with destinations masked: every phone event of a journey names the number,
/// masked, and no entry holds the full number.
async fn every_phone_event_is_audited_with_the_number_masked(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("aud@example.org", "Aud It", PASSWORD)
        .await;
    send(&browser, "415 555 0188", "sms").await;
    let sms = app.twilio().wait_for_message_to("+14155550188", 0).await;
    let wrong = if sms_code(&sms.body) == "000000" {
        "111111"
    } else {
        "000000"
    };
    browser
        .post("/verify/phone/check", &[("code", wrong)])
        .await;
    browser
        .post("/verify/phone/check", &[("code", &sms_code(&sms.body))])
        .await;
    browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    browser.post("/logout", &[]).await;

    app.clock.advance(20);
    let browser = sign_in_for_phone(&app, "aud@example.org").await;
    send(&browser, "", "call").await;
    let call = app.twilio().wait_for_call_to("+14155550188", 0).await;
    app.twilio().press_key(&call, "1").await;
    app.twilio().press_key(&call, "#").await;
    let page = browser.post("/verify/phone/call/complete", &[]).await;
    page.assert_shows("Welcome, Aud It");
    app.twilio().press_key(&call, "#").await; // replayed: ignored
    app.twilio()
        .post_unsigned(&call.action_url(), &[("Digits", "#")])
        .await; // forged
    browser.post("/logout", &[]).await;

    app.clock.advance(20);
    let browser = sign_in_for_phone(&app, "aud@example.org").await;
    send(&browser, "", "call").await;
    let call = app.twilio().wait_for_call_to("+14155550188", 1).await;
    app.twilio().send_status(&call, "no-answer").await;
    send(&browser, "", "sms").await; // inside the cool-down: refused

    let audit = app.app.store.recent_audit(1000).await.unwrap();
    let phone_events = [
        "code-sent",
        "code-refused",
        "signed-in",
        "call-placed",
        "call-key-refused",
        "call-key-pressed",
        "call-webhook-ignored",
        "call-webhook-forged",
        "call-ended",
        "send-refused",
    ];
    for event in phone_events {
        let entries: Vec<_> = audit.iter().filter(|e| e.0 == event).collect();
        assert!(!entries.is_empty(), "no {event} entry: {audit:?}");
        for entry in entries {
            assert!(
                entry.3.contains("+1 (***) ***-0188"),
                "{event} names the number, masked: {entry:?}"
            );
        }
    }
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.0 == "signed-in")
            .map(|e| e.3.contains("\"factor\":\"sms\"") || e.3.contains("\"factor\":\"voice\""))
            .collect::<Vec<_>>(),
        [true, true],
        "signed in once by text and once by call"
    );
    for entry in &audit {
        let all = format!("{}{}{}", entry.1, entry.2, entry.3);
        assert!(
            !all.contains("4155550188") && !all.contains("555-0188"),
            "the full number in {entry:?}"
        );
    }
}

/// The per-account cool-down is claimed in the send's transaction: sends from several
/// sign-ins of one account at the same moment make one text, whichever node takes each.
async fn simultaneous_sends_from_several_sign_ins_make_one_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .active_phone_user("many@example.org", "Man Y", PASSWORD, "415 555 0189")
        .await;
    first.post("/logout", &[]).await;
    let requests = app.twilio().requests();
    let mut sign_ins = Vec::new();
    for _ in 0..8 {
        let browser = sign_in_for_phone(&app, "many@example.org").await;
        let token = browser.csrf().await;
        sign_ins.push((browser, token));
    }
    let statuses = send_at_once(sign_ins, "").await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        7,
        "{statuses:?}"
    );
    assert_eq!(
        app.twilio().requests() - requests,
        1,
        "one text: {statuses:?}"
    );
}

/// Clicks Send Code in every (browser, CSRF token) at the same moment; the pages' statuses.
async fn send_at_once(senders: Vec<(Browser, String)>, number: &str) -> Vec<u16> {
    let tasks: Vec<_> = senders
        .into_iter()
        .map(|(browser, token)| {
            let number = number.to_string();
            tokio::spawn(async move {
                browser
                    .post_raw(
                        "/verify/phone/send",
                        &[
                            ("country_code", "+1"),
                            ("phone", &number),
                            ("action", "sms"),
                            ("csrf_token", &token),
                        ],
                    )
                    .await
                    .status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

on_both_backends!(
    registration_by_text_message_verifies_the_number,
    login_with_phone_by_call_me_moves_on_when_pound_is_pressed,
    forged_replayed_and_wrong_key_webhooks_are_refused,
    a_call_that_is_not_answered_says_so_and_offers_another_way,
    numbers_with_extensions_and_other_countries_are_refused_and_nothing_is_sent,
    provider_errors_become_a_clear_message_and_nothing_is_retried,
    daily_caps_stop_sms_pumping,
    a_text_code_for_another_account_is_refused,
    without_twilio_calls_go_to_the_outbox_where_pound_can_be_pressed,
    login_with_phone_by_send_code_uses_the_number_on_file,
    an_unanswered_call_times_out_with_a_way_forward,
    keys_rotate_re_encrypts_phone_numbers_and_sign_in_still_works,
    fifty_simultaneous_sends_make_one_text,
    the_cool_down_holds_per_account_across_sign_in_sessions,
    two_accounts_texting_one_number_inside_the_cool_down_the_second_is_refused,
    the_daily_cap_per_number_holds_across_accounts,
    the_daily_cap_per_client_address_holds_and_forwarded_clients_are_apart,
    without_trusted_proxies_a_forwarded_header_buys_no_allowance,
    a_number_the_provider_refuses_gets_a_clear_message_and_one_request,
    a_provider_that_does_not_answer_in_time_gets_a_clear_message_and_one_request,
    every_phone_event_is_audited_with_the_number_masked,
    simultaneous_sends_from_several_sign_ins_make_one_text,
    cancel_or_a_text_instead_hangs_up_the_call_and_a_later_key_press_signs_nobody_in,
);

/// Issue 17, problem 5: Cancel on the call-waiting page (and "Text me instead") ends the call
/// at the provider (Twilio's `Status=completed`, which hangs up ringing and answered calls
/// alike) and ends its challenge, so a # pressed afterwards signs nobody in (NIST SP 800-63B
/// 5.1.3.2: an out-of-band secret the subscriber abandoned is no longer accepted).
async fn cancel_or_a_text_instead_hangs_up_the_call_and_a_later_key_press_signs_nobody_in(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let first = app
        .active_phone_user("cal@example.org", "Cal Ruiz", PASSWORD, "415 555 0177")
        .await;
    first.post("/logout", &[]).await;
    let browser = sign_in_for_phone(&app, "cal@example.org").await;
    let page = browser
        .post("/verify/phone/send", &[("action", "call")])
        .await;
    assert!(page.url.ends_with("/verify/phone/call"), "{page}");
    let cancel = page.select("a[data-cancel-call]");
    assert_eq!(cancel.len(), 1, "the page's Cancel ends the call: {page}");
    assert_eq!(cancel[0].attr("href"), Some("/verify/phone"));
    let call = app.twilio().wait_for_call_to("+14155550177", 0).await;

    let back = browser.post("/verify/phone/call/cancel", &[]).await;
    assert!(back.url.ends_with("/verify/phone"), "{back}");
    let ended = app.twilio().ended_calls();
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(
        (ended[0].sid.as_str(), ended[0].status.as_str()),
        (call.sid.as_str(), "completed")
    );
    // The callee presses # after all: nobody is signed in by it.
    app.twilio().press_key(&call, "#").await;
    let state = browser.get("/verify/phone/call/state").await;
    assert!(!state.body.contains("\"pressed\""), "{state}");
    let page = browser.post("/verify/phone/call/complete", &[]).await;
    assert!(!page.has("Welcome, Cal Ruiz"), "{page}");
    assert!(!browser.get("/").await.has("Welcome, Cal Ruiz"));
    // Cancelling again (a second tab) changes nothing and calls the provider no more.
    browser.post("/verify/phone/call/cancel", &[]).await;
    assert_eq!(app.twilio().ended_calls().len(), 1);

    // A new call, then "Text me instead": the call is hung up and the text goes.
    app.clock.advance(60);
    browser
        .post("/verify/phone/send", &[("action", "call")])
        .await;
    let second = app.twilio().wait_for_call_to("+14155550177", 1).await;
    app.clock.advance(60);
    browser
        .post("/verify/phone/send", &[("action", "sms")])
        .await;
    // The registration's text was the first.
    let text = app.twilio().wait_for_message_to("+14155550177", 1).await;
    let ended = app.twilio().ended_calls();
    assert_eq!(ended.len(), 2, "{ended:?}");
    assert_eq!(ended[1].sid, second.sid);
    app.twilio().press_key(&second, "#").await;
    assert!(
        !browser
            .get("/verify/phone/call/state")
            .await
            .body
            .contains("\"pressed\"")
    );
    // The text's code still signs in.
    let page = browser
        .post("/verify/phone/check", &[("code", &sms_code(&text.body))])
        .await;
    assert!(page.has("Welcome, Cal Ruiz"), "{page}");
    let cancelled = app
        .audit_events()
        .await
        .iter()
        .filter(|e| *e == "call-cancelled")
        .count();
    assert_eq!(cancelled, 2);
}
