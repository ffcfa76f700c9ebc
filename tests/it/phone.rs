//! The guide's "Phone Verification" and "Login With Phone", through a Twilio-compatible
//! test server that follows Twilio's published API and signs its webhooks.

use crate::helpers::{Backend, Options, sms_code, spawn_app, spawn_app_with};
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
    assert!(
        page.has("We sent a verification code by text message to +1 (***) ***-0132"),
        "{}",
        page.body
    );
    assert!(page.has("Verify Code") && page.has("autocomplete=\"one-time-code\""));
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
        "the number on file, masked: {}",
        page.body
    );

    let page = browser
        .post("/verify/phone/send", &[("action", "call")])
        .await;
    assert!(
        page.url.ends_with("/verify/phone/call") && page.has("press the # key"),
        "{}",
        page.body
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
    assert!(state.body.contains("\"waiting\""), "{}", state.body);

    assert_eq!(app.twilio().press_key(&call, "#").await, 200);
    let state = browser.get("/verify/phone/call/state").await;
    assert!(state.body.contains("\"pressed\""), "{}", state.body);
    let page = browser.post("/verify/phone/call/complete", &[]).await;
    assert!(
        page.has("Welcome, Cal Ruiz"),
        "straight to the home page: {}",
        page.body
    );
    let events = app.audit_events().await;
    assert!(
        events.iter().any(|e| e == "call-placed") && events.iter().any(|e| e == "call-key-pressed")
    );
}

async fn forged_replayed_and_wrong_key_webhooks_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .active_phone_user("fox@example.org", "Fox Mulder", PASSWORD, "415 555 0101")
        .await;
    first.post("/logout", &[]).await;
    let browser = app.new_browser();
    browser
        .post(
            "/login",
            &[
                ("email", "fox@example.org"),
                ("password", PASSWORD),
                ("method", "phone"),
            ],
        )
        .await;
    browser
        .post("/verify/phone/send", &[("action", "call")])
        .await;
    let call = app.twilio().wait_for_call_to("+14155550101", 0).await;
    let action = call.action_url();
    let params = [
        ("CallSid", call.sid.as_str()),
        ("Digits", "#"),
        (
            "AccountSid",
            crate::twilio_double::TwilioDouble::ACCOUNT_SID,
        ),
    ];

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
        "{}",
        page.body
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
        assert!(page.has(message), "{number}: {}", page.body);
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
        "{}",
        page.body
    );
    assert!(!page.has("500"), "no provider internals on the page");
    assert!(app.twilio().messages().is_empty(), "one click, one attempt");
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
    assert!(page.has("We sent a verification code"), "{}", page.body);
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
        assert!(page.has("We sent a verification code"), "{}", page.body);
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
        "{}",
        page.body
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
        assert!(page.has("That code is not right"), "{}", page.body);
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
        "{}",
        outbox.body
    );
    let marker = "action=\"/dev/press/";
    let start = outbox
        .body
        .find(marker)
        .or_else(|| outbox.body.find("action=\"&#x2f;dev&#x2f;press&#x2f;"))
        .expect("a press form");
    let rest = &outbox.body[start..];
    let token: String = rest
        .split("press")
        .nth(1)
        .unwrap()
        .trim_start_matches("/")
        .trim_start_matches("&#x2f;")
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    browser.post(&format!("/dev/press/{token}"), &[]).await;
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
    assert!(page.has("+1 (***) ***-0133"), "{}", page.body);
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
    assert!(page.has("Welcome, Sol Park"), "{}", page.body);
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
        "{}",
        page.body
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
        app.count("SELECT COUNT(*) FROM accounts WHERE phone_e164 LIKE 'enc:k2:%'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE phone_e164 LIKE 'enc:0:%'")
            .await,
        0
    );
    // A portal running with the new key list serves the same user.
    let mut config = crate::helpers::test_config(&app.db.url, Some(app.mail.port));
    config.encryption_keys = Some(format!("k2:{new_key}"));
    let rotated = tessera::app::App::build(config).await.unwrap();
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
    assert!(app.audit_events().await.iter().any(|e| e == "keys-rotated"));
}

/// Issue 6: 50 simultaneous sends from one session respect the cool-down: one text goes out.
async fn fifty_simultaneous_sends_make_one_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("burst@example.org", "Bur St", PASSWORD)
        .await;
    let token = browser.csrf().await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (browser, token) = (browser.clone(), token.clone());
            tokio::spawn(async move {
                browser
                    .post_raw(
                        "/verify/phone/send",
                        &[
                            ("country_code", "+1"),
                            ("phone", "415 555 0150"),
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
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.twilio().messages().len(), 1, "statuses: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 49);
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
);
