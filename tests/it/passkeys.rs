//! Passkeys (issue 14): the refusals without a browser first (no ceremony, a ceremony used
//! twice, the options' requirements), then the journeys in Chromium with a virtual
//! authenticator: add a passkey from Your account, rename it, **Sign in with a passkey**
//! alone, use it as the second factor after a password, refused for a disabled account and
//! for a copied one (its sign counter gone back), and **Remove** it.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::browser::{chrome, click, type_into, wait_for_text};
use crate::helpers::{Backend, Options, TestApp, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(
    a_passkey_sign_in_without_a_started_ceremony_is_refused,
    a_passkey_ceremony_is_answered_once,
    passkey_options_require_a_discoverable_key_and_user_verification,
    adding_a_passkey_asks_for_the_password_and_a_live_ceremony,
    the_passkey_second_step_is_refused_to_a_person_without_a_passkey,
    passkeys_sign_in_alone_serve_as_second_factor_and_are_removed_in_chromium,
    a_registration_that_chose_a_passkey_registers_one_once_and_only_while_allowed,
    only_a_registration_that_chose_a_passkey_registers_one_at_the_second_step,
    a_person_registers_with_a_passkey_and_signs_in_with_it_in_chromium,
);

const PASSWORD: &str = "correct horse battery staple";

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// The portal at `http://localhost:PORT`: WebAuthn takes no IP address as relying party,
/// and the browser holds `http://localhost` a secure context.
async fn spawn_on_localhost(backend: Backend) -> TestApp {
    let mut app = spawn_app_with(
        backend,
        Options {
            configure: |c| c.public_url = Some(format!("http://localhost:{}", c.listen.port())),
            ..Options::default()
        },
    )
    .await;
    // The test browsers too, so that the emailed links' cookies are theirs.
    app.url = app.app.config.public_url();
    app
}

async fn sessions(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM sessions").await
}

async fn a_passkey_sign_in_without_a_started_ceremony_is_refused(backend: Backend) {
    let app = spawn_on_localhost(backend).await;
    app.active_user("ada@example.org", "Ada Lovelace", PASSWORD)
        .await;
    let stranger = app.new_browser();
    let before = sessions(&app).await;
    let answer = stranger
        .post(
            "/login/passkey",
            &[
                ("handle", "made-up-handle"),
                (
                    "credential",
                    r#"{"id":"x","rawId":"eA","type":"public-key"}"#,
                ),
            ],
        )
        .await;
    assert_eq!(answer.status, 401, "{answer:?}");
    let body = json_of(&answer.body);
    assert!(
        body["error"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    assert!(body.get("next").is_none());
    assert_eq!(sessions(&app).await, before, "no session was made");
    assert!(stranger.cookie("tessera_session").is_none());
}

async fn a_passkey_ceremony_is_answered_once(backend: Backend) {
    let app = spawn_on_localhost(backend).await;
    let browser = app.new_browser();
    let options = json_of(&browser.post("/login/passkey/options", &[]).await.body);
    let handle = options["handle"].as_str().unwrap().to_string();
    assert!(handle.len() >= 32, "{options}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ceremonies WHERE account_id IS NULL")
            .await,
        1
    );
    // A wrong answer uses the ceremony up ...
    let first = browser
        .post(
            "/login/passkey",
            &[("handle", &handle), ("credential", "not a credential")],
        )
        .await;
    assert_eq!(first.status, 401);
    assert!(
        json_of(&first.body)["error"]
            .as_str()
            .unwrap()
            .contains("not accepted")
    );
    // ... so the same challenge is never answered again.
    let second = browser
        .post(
            "/login/passkey",
            &[("handle", &handle), ("credential", "not a credential")],
        )
        .await;
    assert_eq!(second.status, 401);
    assert!(
        json_of(&second.body)["error"]
            .as_str()
            .unwrap()
            .contains("expired or was used already")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
    // A ceremony's options are refused without the CSRF token, like any form.
    let forged = browser.post_raw("/login/passkey/options", &[]).await;
    assert_eq!(forged.status, 403);
}

async fn passkey_options_require_a_discoverable_key_and_user_verification(backend: Backend) {
    let app = spawn_on_localhost(backend).await;
    let ada = app
        .active_user("ada@example.org", "Ada Lovelace", PASSWORD)
        .await;
    let rp_id = url::Url::parse(&app.app.config.public_url())
        .unwrap()
        .host_str()
        .unwrap()
        .to_string();
    let created = json_of(&ada.post("/account/passkeys/options", &[]).await.body);
    let key = &created["options"]["publicKey"];
    assert_eq!(key["rp"]["id"], json!(rp_id), "{created}");
    assert_eq!(key["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(key["authenticatorSelection"]["requireResidentKey"], true);
    assert_eq!(
        key["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(key["user"]["name"], "ada@example.org");
    // The user handle is not the account's number.
    assert!(key["user"]["id"].as_str().unwrap().len() >= 20);
    let signing_in = app.new_browser();
    let requested = json_of(&signing_in.post("/login/passkey/options", &[]).await.body);
    let key = &requested["options"]["publicKey"];
    assert_eq!(key["userVerification"], "required", "{requested}");
    // A fresh random challenge of 256 bits (ASVS 6.7.2 asks for at least 64).
    let challenge = key["challenge"].as_str().unwrap();
    assert!(challenge.len() >= 43, "{challenge}");
    let again = json_of(&signing_in.post("/login/passkey/options", &[]).await.body);
    assert_ne!(
        again["options"]["publicKey"]["challenge"].as_str(),
        Some(challenge)
    );
    assert_eq!(key["rpId"], json!(rp_id));
    // Discoverable: no credentials named, the authenticator offers its own.
    assert!(
        key.get("allowCredentials")
            .is_none_or(|c| c.as_array().unwrap().is_empty())
    );
}

async fn adding_a_passkey_asks_for_the_password_and_a_live_ceremony(backend: Backend) {
    let app = spawn_on_localhost(backend).await;
    let ada = app
        .active_user("ada@example.org", "Ada Lovelace", PASSWORD)
        .await;
    let credential = r#"{"id":"eA","rawId":"eA","type":"public-key","response":{"attestationObject":"eA","clientDataJSON":"eA"}}"#;
    // Without options first: nothing to answer.
    let answer = ada
        .post(
            "/account/passkeys",
            &[("password", PASSWORD), ("credential", credential)],
        )
        .await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert!(
        json_of(&answer.body)["error"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    // A wrong password is refused before the ceremony is looked at, and audited.
    ada.post("/account/passkeys/options", &[]).await;
    let wrong = ada
        .post(
            "/account/passkeys",
            &[("password", "not my password"), ("credential", credential)],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(
        json_of(&wrong.body)["error"]
            .as_str()
            .unwrap()
            .contains("not your current password")
    );
    // A forged answer to a live ceremony is refused and audited; nothing is added.
    let forged = ada
        .post(
            "/account/passkeys",
            &[("password", PASSWORD), ("credential", credential)],
        )
        .await;
    assert_eq!(forged.status, 401);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'passkey'")
            .await,
        0
    );
    let events = app.audit_events().await;
    assert!(events.contains(&"reauthentication-failed".to_string()));
    assert!(events.contains(&"factor-refused".to_string()), "{events:?}");
    // A name too long is refused before anything else.
    let long = "x".repeat(65);
    let named = ada
        .post(
            "/account/passkeys",
            &[
                ("password", PASSWORD),
                ("name", &long),
                ("credential", credential),
            ],
        )
        .await;
    assert_eq!(named.status, 422);
    // A factor not passed within 15 minutes: sent to pass it again first.
    // (The session is kept alive meanwhile: it times out when idle for 15 minutes.)
    app.clock.advance(8 * 60);
    ada.get("/account").await;
    app.clock.advance(8 * 60);
    let stale = json_of(&ada.post("/account/passkeys/options", &[]).await.body);
    assert!(
        stale["next"]
            .as_str()
            .unwrap()
            .starts_with("/verify/again?next="),
        "{stale}"
    );
}

async fn the_passkey_second_step_is_refused_to_a_person_without_a_passkey(backend: Backend) {
    let app = spawn_on_localhost(backend).await;
    let una = app
        .active_user("una@example.org", "Una Park", PASSWORD)
        .await;
    una.post("/logout", &[]).await;
    una.sign_in("una@example.org", PASSWORD).await;
    let csrf = una.csrf().await;
    let http = una.not_following_redirects();
    for path in ["/verify/passkey", "/verify/passkey/options"] {
        let response = http
            .post(format!("{}{path}", app.url))
            .form(&[("csrf_token", csrf.as_str()), ("credential", "{}")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303, "{path}");
    }
    let page = http
        .get(format!("{}/verify/passkey", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 303);
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
}

// --- A passkey chosen at registration ------------------------------------------------------

const FORGED_CREATION: &str = r#"{"id":"eA","rawId":"eA","type":"public-key","response":{"attestationObject":"eA","clientDataJSON":"eA"}}"#;

/// An organization allowing everything, its policy setter, and a person invited to it who
/// registered with `method` and signed in with the password: at the second step.
async fn registered_with(
    app: &TestApp,
    email: &str,
    method: &str,
) -> (crate::helpers::Browser, i64, String) {
    use tessera::domain::account::Role;
    use tessera::flows::invitation::InvitationRequest;
    let event = tessera::audit::AuditEvent::new("organization-created", "test", "Clinic");
    let org = match app
        .app
        .store
        .create_org("Clinic", app.clock_now(), event)
        .await
    {
        Ok(org) => org,
        Err(_) => {
            app.count("SELECT id FROM organizations WHERE name = 'Clinic'")
                .await
        }
    };
    let link = app
        .invite_as(InvitationRequest {
            email: email.into(),
            display_name: "Una Park".into(),
            organization: Some("Clinic".into()),
            role: Role::User,
        })
        .await;
    let browser = app.new_browser();
    let page = browser.get_absolute(&link).await;
    assert!(
        page.has_element("input[type=radio][value=passkey]"),
        "the registration page offers a passkey"
    );
    assert!(page.has_element("input[type=radio][value=phone]"));
    assert!(page.has_element("input[type=radio][value=email]"));
    let page = browser
        .register("Una Park", PASSWORD, PASSWORD, method)
        .await;
    // The password form, its address filled in, saying what comes next for this factor. The
    // address is not in the URL (OWASP ASVS 5.0 V14.2.1): it travels sealed.
    assert!(
        page.url.contains("/login/email?notice=registered"),
        "{}",
        page.url
    );
    assert!(
        !page.url.contains(&email.replace('@', "%40")),
        "{}",
        page.url
    );
    assert!(!page.url.contains(email), "{}", page.url);
    let filled = page.select("input#email");
    assert_eq!(filled[0].attr("value"), Some(email), "{page}");
    if method == "passkey" {
        page.assert_shows("then create your passkey on this device to finish registering");
        assert!(!page.has("verify your email address"), "{page}");
    }
    browser.sign_in(email, PASSWORD).await;
    (browser, org, link)
}

async fn set_passkeys_allowed(app: &TestApp, org: i64, on: bool) {
    let event = tessera::audit::AuditEvent::new("factor-policy-changed", "test", "Clinic");
    app.app
        .store
        .set_allowed_factors(
            org,
            crate::helpers::allowed(true, true)
                .with(tessera::domain::factor::FactorKind::Passkey, on),
            tessera::domain::factor::PasskeyRequirement::Off,
            app.clock_now(),
            event,
        )
        .await
        .unwrap();
}

async fn authenticated_sessions(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated'")
        .await
}

async fn a_registration_that_chose_a_passkey_registers_one_once_and_only_while_allowed(
    backend: Backend,
) {
    let app = spawn_on_localhost(backend).await;
    let email = "una@example.org";
    let (una, org, link) = registered_with(&app, email, "passkey").await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE mfa_method = 'passkey' AND status = 'registering'"
        )
        .await,
        1
    );
    // The second step is the passkey page, which registers one.
    let page = una.get("/verify/passkey").await;
    assert!(page.url.ends_with("/verify/passkey"), "{}", page.url);
    assert!(page.has("Create your passkey"), "{}", page.text());
    assert!(page.has_element("form[data-passkey=create]"));
    // Reopening the registration link in this browser resumes there too.
    let resumed = una.get_absolute(&link).await;
    assert!(resumed.url.ends_with("/verify/passkey"), "{}", resumed.url);
    let created = json_of(&una.post("/verify/passkey/options", &[]).await.body);
    let key = &created["options"]["publicKey"];
    assert_eq!(
        key["authenticatorSelection"]["residentKey"], "required",
        "{created}"
    );
    assert_eq!(
        key["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ceremonies WHERE purpose = 'passkey-first'")
            .await,
        1
    );
    // A forged answer is refused; the ceremony is used up, so it is never answered again.
    let before = authenticated_sessions(&app).await;
    let forged = una
        .post("/verify/passkey", &[("credential", FORGED_CREATION)])
        .await;
    assert_eq!(forged.status, 401, "{forged:?}");
    let again = una
        .post("/verify/passkey", &[("credential", FORGED_CREATION)])
        .await;
    assert_eq!(again.status, 401);
    assert!(
        json_of(&again.body)["error"]
            .as_str()
            .unwrap()
            .contains("expired or was used already")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'passkey'")
            .await,
        0
    );
    assert_eq!(authenticated_sessions(&app).await, before);
    assert!(
        app.audit_events()
            .await
            .contains(&"factor-refused".to_string())
    );

    // The organization turns passkeys off: no ceremony starts.
    set_passkeys_allowed(&app, org, false).await;
    let page = una.get("/verify/passkey").await;
    assert!(
        !page.has_element("form[data-passkey=create]"),
        "{}",
        page.url
    );
    let closed = una.post("/verify/passkey/options", &[]).await;
    assert!(!closed.body.contains("publicKey"), "{closed:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
    set_passkeys_allowed(&app, org, true).await;

    // A disabled account: no ceremony and no session.
    let account = app
        .count("SELECT id FROM accounts WHERE email = 'una@example.org'")
        .await;
    set_disabled(&app, account, true).await;
    let barred = una.post("/verify/passkey/options", &[]).await;
    assert!(!barred.body.contains("publicKey"), "{barred:?}");
    let barred = una
        .post("/verify/passkey", &[("credential", FORGED_CREATION)])
        .await;
    assert!(!barred.body.contains("\"next\":\"/"), "{barred:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
    assert_eq!(authenticated_sessions(&app).await, before);
}

async fn only_a_registration_that_chose_a_passkey_registers_one_at_the_second_step(
    backend: Backend,
) {
    let app = spawn_on_localhost(backend).await;
    // Registering with Email: the passkey registration is not theirs.
    let (emma, _, _) = registered_with(&app, "emma@example.org", "email").await;
    let page = emma.get("/verify/passkey").await;
    assert!(
        !page.has_element("form[data-passkey=create]"),
        "{}",
        page.url
    );
    let refused = emma.post("/verify/passkey/options", &[]).await;
    assert!(!refused.body.contains("publicKey"), "{refused:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);

    // An active account whose method is a passkey but holds none (its passkey removed, say):
    // a password alone must never add a factor.
    let ada = app
        .active_user("ada@example.org", "Ada Lovelace", PASSWORD)
        .await;
    ada.post("/logout", &[]).await;
    let pool = pool(&app).await;
    sqlx::query("UPDATE accounts SET mfa_method = 'passkey' WHERE email = 'ada@example.org'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    ada.sign_in("ada@example.org", PASSWORD).await;
    let page = ada.get("/verify/passkey").await;
    assert!(
        !page.has_element("form[data-passkey=create]"),
        "{}",
        page.url
    );
    let refused = ada.post("/verify/passkey/options", &[]).await;
    assert!(!refused.body.contains("publicKey"), "{refused:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM ceremonies").await, 0);
    let before = authenticated_sessions(&app).await;
    let forged = ada
        .post("/verify/passkey", &[("credential", FORGED_CREATION)])
        .await;
    assert!(!forged.body.contains("\"next\":\"/"), "{forged:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'passkey'")
            .await,
        0
    );
    assert_eq!(authenticated_sessions(&app).await, before);
}

// --- In Chromium, with a virtual authenticator ---------------------------------------------

/// chromedriver's WebAuthn extension: a virtual CTAP2 authenticator that keeps resident keys
/// and verifies its user.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/authenticator",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
        });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

async fn click_xpath(c: &Client, xpath: &str) {
    c.find(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("no {xpath}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn type_into_id(c: &Client, id: &str, text: &str) {
    let input = c.find(Locator::Id(id)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// The alert a passkey button shows when it fails.
async fn passkey_alert(c: &Client) -> String {
    for _ in 0..100 {
        let alert = c.find(Locator::Id("passkey-error")).await.unwrap();
        let text = alert.text().await.unwrap();
        if !text.is_empty() {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the passkey alert never showed");
}

/// Signs in with email and password, and passes the emailed code.
async fn sign_in_with_code(app: &TestApp, c: &Client, base: &str, email: &str) {
    c.goto(&format!("{base}/login/email")).await.unwrap();
    type_into(c, "Email address", email).await;
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Email Verification").await;
    click(c, "Send Verification Code").await;
    wait_for_text(c, "We sent a verification code").await;
    let code = app.latest_code(email).await;
    type_into(c, "Verification code", &code).await;
    click(c, "Verify Code").await;
    wait_for_text(c, "Your email address has been verified.").await;
    click(c, "Continue").await;
    wait_for_text(c, "Welcome, Ada Lovelace").await;
}

/// Signs out from the home page.
async fn sign_out(c: &Client, base: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    wait_for_text(c, "Welcome, Ada Lovelace").await;
    click(c, "Sign out").await;
    wait_for_text(c, "Customer/Provider").await;
}

async fn passkeys_sign_in_alone_serve_as_second_factor_and_are_removed_in_chromium(
    backend: Backend,
) {
    let app = spawn_on_localhost(backend).await;
    let base = app.app.config.public_url();
    let email = "ada@example.org";
    app.active_user(email, "Ada Lovelace", PASSWORD).await;
    let chrome = chrome().await;
    let c = &chrome.client;
    c.goto(&format!("{base}/login")).await.unwrap();
    c.issue_cmd(AddVirtualAuthenticator).await.unwrap();

    // Add a passkey from Your account, named.
    sign_in_with_code(&app, c, &base, email).await;
    c.goto(&format!("{base}/account")).await.unwrap();
    wait_for_text(c, "Passkeys").await;
    type_into(c, "Passkey name", "Laptop").await;
    type_into_id(c, "passkey-password", PASSWORD).await;
    click(c, "Add a passkey").await;
    wait_for_text(c, "Your passkey is added").await;
    wait_for_text(c, "Passkey (Laptop)").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'passkey' AND credential_id IS NOT NULL")
            .await,
        1
    );
    let events = app.audit_events().await;
    assert!(events.contains(&"factor-added".to_string()), "{events:?}");

    // Rename it.
    let id = app
        .count("SELECT id FROM account_factors WHERE kind = 'passkey'")
        .await;
    type_into_id(c, &format!("rename-{id}"), "Work laptop").await;
    click_xpath(c, "//button[@aria-label='Rename Laptop']").await;
    wait_for_text(c, "Your passkey is renamed.").await;
    wait_for_text(c, "Passkey (Work laptop)").await;
    assert!(
        app.audit_events()
            .await
            .contains(&"factor-renamed".to_string())
    );

    // Sign in with a passkey, alone: both factors, phishing-resistant.
    sign_out(c, &base).await;
    click(c, "Sign in with a passkey").await;
    wait_for_text(c, "Welcome, Ada Lovelace").await;
    let amr = app
        .count("SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND stage = 'authenticated' AND amr LIKE '%user%' AND (amr LIKE '%hwk%' OR amr LIKE '%swk%')")
        .await;
    assert_eq!(
        amr, 1,
        "the passkey session's amr names the key and the user's verification"
    );
    let signed_in_by_passkey = app
        .app
        .store
        .recent_audit(20)
        .await
        .unwrap()
        .into_iter()
        .any(|e| e.0 == "signed-in" && format!("{e:?}").contains("passkey"));
    assert!(signed_in_by_passkey);

    // A disabled account: the passkey makes no session.
    sign_out(c, &base).await;
    let account = app
        .count("SELECT id FROM accounts WHERE email = 'ada@example.org'")
        .await;
    set_disabled(&app, account, true).await;
    let before = app
        .count("SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated'")
        .await;
    click(c, "Sign in with a passkey").await;
    assert!(passkey_alert(c).await.contains("disabled or locked"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated'")
            .await,
        before
    );
    set_disabled(&app, account, false).await;

    // A copied authenticator (its sign counter behind the stored one) is refused and audited.
    c.goto(&format!("{base}/login")).await.unwrap();
    let stored = raise_stored_counter(&app, id).await;
    click(c, "Sign in with a passkey").await;
    assert!(passkey_alert(c).await.contains("may have been copied"));
    restore_stored(&app, id, &stored).await;

    // After a password, the passkey serves as the second factor.
    c.goto(&format!("{base}/login/email")).await.unwrap();
    type_into(c, "Email address", email).await;
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Email Verification").await;
    click_xpath(c, "//a[normalize-space()='Use a passkey instead']").await;
    wait_for_text(c, "Confirm it is you with your passkey").await;
    click(c, "Use your passkey").await;
    wait_for_text(c, "Your email address has been verified.").await;
    click(c, "Continue").await;
    wait_for_text(c, "Welcome, Ada Lovelace").await;
    let password_and_passkey = app
        .count("SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND stage = 'authenticated' AND amr LIKE '%pwd%' AND (amr LIKE '%hwk%' OR amr LIKE '%swk%')")
        .await;
    assert_eq!(password_and_passkey, 1);

    // Remove it: it no longer signs in.
    c.goto(&format!("{base}/account")).await.unwrap();
    wait_for_text(c, "Passkey (Work laptop)").await;
    type_into_id(c, &format!("remove-password-{id}"), PASSWORD).await;
    click_xpath(c, "//button[@aria-label='Remove Passkey (Work laptop)']").await;
    wait_for_text(c, "The verification method is removed").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'passkey'")
            .await,
        0
    );
    sign_out(c, &base).await;
    click(c, "Sign in with a passkey").await;
    assert!(passkey_alert(c).await.contains("not registered"));
    chrome.client.clone().close().await.unwrap();
}

async fn a_person_registers_with_a_passkey_and_signs_in_with_it_in_chromium(backend: Backend) {
    let app = spawn_on_localhost(backend).await;
    let base = app.app.config.public_url();
    let email = "ada@example.org";
    let link = app.invite(email, "Ada Lovelace").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    c.goto(&format!("{base}/login")).await.unwrap();
    c.issue_cmd(AddVirtualAuthenticator).await.unwrap();

    // Create a New Account, choosing Passkey.
    c.goto(&link).await.unwrap();
    wait_for_text(c, "Create a New Account").await;
    type_into(c, "New Password", PASSWORD).await;
    type_into(c, "Confirm Password", PASSWORD).await;
    click_xpath(c, "//input[@name='mfa_method' and @value='passkey']").await;
    click(c, "Submit").await;
    wait_for_text(c, "Sign in").await;
    c.goto(&format!("{base}/login/email")).await.unwrap();
    type_into(c, "Email address", email).await;
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Create your passkey").await;
    type_into(c, "Passkey name", "Laptop").await;
    click(c, "Create your passkey").await;
    wait_for_text(c, "has been verified").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'passkey' AND label = 'Laptop' AND credential_id IS NOT NULL")
            .await,
        1
    );
    let events = app.audit_events().await;
    assert!(events.contains(&"factor-added".to_string()), "{events:?}");
    assert!(events.contains(&"signed-in".to_string()), "{events:?}");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE status = 'active' AND mfa_method = 'passkey'"
        )
        .await,
        1
    );
    let password_and_passkey = app
        .count("SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND amr LIKE '%pwd%' AND (amr LIKE '%hwk%' OR amr LIKE '%swk%')")
        .await;
    assert_eq!(password_and_passkey, 1);
    click(c, "Continue").await;
    wait_for_text(c, "I agree to the Terms of Use").await;
    click_xpath(c, "//input[@name='agree']").await;
    click(c, "Continue").await;
    wait_for_text(c, "Welcome, Ada Lovelace").await;

    // Sign out, and sign in with the passkey alone.
    sign_out(c, &base).await;
    click(c, "Sign in with a passkey").await;
    wait_for_text(c, "Welcome, Ada Lovelace").await;
    chrome.client.clone().close().await.unwrap();
}

async fn pool(app: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&app.db.url).await.unwrap()
}

async fn set_disabled(app: &TestApp, account: i64, disabled: bool) {
    let pool = pool(app).await;
    sqlx::query("UPDATE accounts SET disabled_at = $1 WHERE id = $2")
        .bind(disabled.then_some(1_i64))
        .bind(account)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// Makes the stored sign counter far ahead of the authenticator's; returns what was stored.
async fn raise_stored_counter(app: &TestApp, factor: i64) -> String {
    use sqlx::Row;
    let pool = pool(app).await;
    let stored: String = sqlx::query("SELECT secret FROM account_factors WHERE id = $1")
        .bind(factor)
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get("secret")
        .unwrap();
    let mut credential = json_of(&stored);
    credential["cred"]["counter"] = json!(1_000_000);
    sqlx::query("UPDATE account_factors SET secret = $1 WHERE id = $2")
        .bind(credential.to_string())
        .bind(factor)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    stored
}

async fn restore_stored(app: &TestApp, factor: i64, stored: &str) {
    let pool = pool(app).await;
    sqlx::query("UPDATE account_factors SET secret = $1 WHERE id = $2")
        .bind(stored)
        .bind(factor)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}
