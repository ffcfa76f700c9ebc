//! The guide's "Forgot or Reset Password", "Registration Error Message" (Reset) and "Having
//! Trouble Logging In?", and that none of them tells a stranger whether an address is known.

use crate::helpers::{Backend, Browser, Options, TestApp, sms_code, spawn_app, spawn_app_with};
use crate::on_both_backends;

const PASSWORD: &str = "marmalade orbit kettle";
const NEW_PASSWORD: &str = "lantern harbour violet";

async fn an_email_user_resets_a_forgotten_password_and_other_sessions_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let elsewhere = app
        .active_user("amy@example.org", "Amy Pond", PASSWORD)
        .await;
    assert!(elsewhere.get("/").await.has("Welcome, Amy Pond"));

    let browser = app.new_browser();
    let page = browser.get("/login/email").await;
    assert!(page.has("Forgot your password"));
    let page = browser.get("/password/forgot").await;
    assert!(page.has("Send verification code"));
    let page = browser
        .post("/password/forgot", &[("email", "amy@example.org")])
        .await;
    assert!(page.url.ends_with("/password/forgot/code"), "{}", page.url);
    assert!(page.has("Verify code") && page.has_element("[autocomplete=\"one-time-code\"]"));
    let mail = app.mail.message_to("amy@example.org", 2).await;
    assert!(
        mail.subject.contains("reset your password")
            && mail.text.contains("You asked to reset your password")
            && mail
                .text
                .contains("If you did not ask to reset your password")
            && !mail.text.contains("sign in"),
        "the code reads as a password-reset code: {}",
        mail.text
    );
    let code = mail.code();
    let page = browser
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    assert!(
        page.has("Your email address has been verified.") && page.has("Continue"),
        "{page}"
    );
    // Email-only users go straight to the new password.
    let page = browser.get("/password/new").await;
    assert!(page.has("New Password") && page.has("Confirm Password"));
    let page = browser
        .post(
            "/password/new",
            &[
                ("password", NEW_PASSWORD),
                ("password_confirmation", "lantern harbour"),
            ],
        )
        .await;
    page.assert_shows("The passwords do not match");
    let page = browser
        .post(
            "/password/new",
            &[
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ],
        )
        .await;
    assert!(
        page.has("Welcome, Amy Pond"),
        "the home page once the password is set: {page}",
    );

    assert!(
        elsewhere.get("/").await.url.ends_with("/login"),
        "every other session ended"
    );
    let notice = app.mail.messages_to("amy@example.org").await.pop().unwrap();
    assert!(
        notice.subject.contains("password was changed"),
        "{}",
        notice.subject
    );
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e == "password-changed")
    );

    // The old password no longer works; the new one does.
    let other = app.new_browser();
    assert_eq!(other.sign_in("amy@example.org", PASSWORD).await.status, 401);
    assert!(
        other
            .sign_in("amy@example.org", NEW_PASSWORD)
            .await
            .url
            .ends_with("/verify/email")
    );
}

async fn a_phone_user_confirms_by_phone_before_the_new_password(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_phone_user("ray@example.org", "Ray Diaz", PASSWORD, "415 555 0170")
        .await;
    let browser = app.new_browser();
    browser
        .post("/password/forgot", &[("email", "ray@example.org")])
        .await;
    let code = app.latest_code("ray@example.org").await;
    browser
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    // Skipping the phone step is not possible: the new password page sends the person back
    // to the phone step, where they are.
    assert!(
        browser
            .get("/password/new")
            .await
            .url
            .ends_with("/verify/phone")
    );
    let page = browser.get("/verify/phone").await;
    assert!(page.has("+1 (***) ***-0170") && page.has("Send Code") && page.has("Call Me"));
    browser
        .post("/verify/phone/send", &[("action", "sms")])
        .await;
    let sms = app.twilio().wait_for_message_to("+14155550170", 1).await;
    let page = browser
        .post("/verify/phone/check", &[("code", &sms_code(&sms.body))])
        .await;
    assert!(page.url.ends_with("/password/new"), "{}", page.url);
    let page = browser
        .post(
            "/password/new",
            &[
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ],
        )
        .await;
    page.assert_shows("Welcome, Ray Diaz");
}

async fn known_and_unknown_addresses_get_identical_answers(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("kay@example.org", "Kay Ford", PASSWORD)
        .await;
    let normalise = |body: &str, address: &str| {
        body.replace(address, "ADDRESS")
            .replace("k***@", "X***@")
            .replace("n***@", "X***@")
    };

    let known = app.new_browser();
    let unknown = app.new_browser();
    let a = known
        .post("/password/forgot", &[("email", "kay@example.org")])
        .await;
    let b = unknown
        .post("/password/forgot", &[("email", "nobody@example.org")])
        .await;
    assert_eq!(
        (a.status, a.url.ends_with("/password/forgot/code")),
        (b.status, b.url.ends_with("/password/forgot/code"))
    );
    assert_eq!(
        normalise(&a.body_without_csrf(), "kay@example.org"),
        normalise(&b.body_without_csrf(), "nobody@example.org")
    );
    let a = known
        .post("/password/forgot/check", &[("code", "000000")])
        .await;
    let b = unknown
        .post("/password/forgot/check", &[("code", "000000")])
        .await;
    assert_eq!(a.status, b.status);
    assert_eq!(
        normalise(&a.body_without_csrf(), "kay@example.org"),
        normalise(&b.body_without_csrf(), "nobody@example.org")
    );
    assert!(
        app.mail.messages_to("nobody@example.org").await.is_empty(),
        "nothing is sent to an unknown address"
    );

    for (path, field) in [("/register/reset", "username")] {
        let a = app
            .new_browser()
            .post(path, &[(field, "kay@example.org")])
            .await;
        let b = app
            .new_browser()
            .post(path, &[(field, "nobody@example.org")])
            .await;
        assert_eq!(
            (a.status, a.body_without_csrf()),
            (b.status, b.body_without_csrf()),
            "{path}"
        );
    }
    let a = app
        .new_browser()
        .post(
            "/register/trouble",
            &[("email", "kay@example.org"), ("password", PASSWORD)],
        )
        .await;
    let b = app
        .new_browser()
        .post(
            "/register/trouble",
            &[("email", "nobody@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        (a.status, a.body_without_csrf()),
        (b.status, b.body_without_csrf())
    );
}

/// The guide's "Registration Error Message": the refused link's page offers Reset; Reset,
/// the username, Submit; an email (in words of its own, saying how to get another) with a
/// fresh link, which opens the registration page. Returns the browser there.
async fn reset_from_the_error_page(
    app: &TestApp,
    refused: &str,
    email: &str,
    name: &str,
) -> Browser {
    let page = app.new_browser().get_absolute(refused).await;
    assert_eq!(page.status, 410);
    assert!(
        page.has("Registration error")
            && page.has_element("form[method=\"get\"][action=\"/register/reset\"]")
            && page.element_with_text("*", "Reset").is_some(),
        "{page}"
    );
    let before = app.mail.messages_to(email).await.len();
    let browser = app.new_browser();
    let page = browser.get("/register/reset").await;
    assert!(page.has("Username") && page.has("Submit"));
    let page = browser
        .post("/register/reset", &[("username", email)])
        .await;
    page.assert_shows("we have emailed it a new registration link");
    let mail = app.mail.message_to(email, before).await;
    assert!(
        mail.text
            .contains("You asked for a new link to complete your registration")
            && mail.text.contains("/register/reset")
            && !mail.text.contains("has created your account"),
        "{}",
        mail.text
    );
    let fresh = mail.link();
    assert_ne!(fresh, refused);
    let page = browser.get_absolute(&fresh).await;
    assert!(page.url.ends_with("/register"), "{}", page.url);
    assert_eq!(page.input_value("display_name").as_deref(), Some(name));
    browser
}

async fn a_used_registration_link_offers_reset_which_emails_a_fresh_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("zoe@example.org", "Zoe Hart").await;
    app.new_browser().get_absolute(&link).await;
    let browser = reset_from_the_error_page(&app, &link, "zoe@example.org", "Zoe Hart").await;
    let page = browser
        .register("Zoe Hart", PASSWORD, PASSWORD, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint=")
    );
}

async fn an_expired_registration_link_offers_reset_which_emails_a_fresh_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("eve@example.org", "Eve Moss").await;
    app.clock.advance(48 * 3600 + 1);
    assert!(
        app.new_browser()
            .get_absolute(&link)
            .await
            .has("This registration link has expired")
    );
    let browser = reset_from_the_error_page(&app, &link, "eve@example.org", "Eve Moss").await;
    let page = browser
        .register("Eve Moss", PASSWORD, PASSWORD, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint=")
    );
}

async fn a_voided_registration_link_offers_reset_which_emails_a_fresh_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let old = app.invite("vic@example.org", "Vic Lane").await;
    // The administrator sent another link, which voids the first.
    let newer = app.invite("vic@example.org", "Vic Lane").await;
    assert_ne!(old, newer);
    assert!(
        app.new_browser()
            .get_absolute(&old)
            .await
            .has("A newer registration link was sent to you")
    );
    let browser = reset_from_the_error_page(&app, &old, "vic@example.org", "Vic Lane").await;
    let page = browser
        .register("Vic Lane", PASSWORD, PASSWORD, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint=")
    );
}

/// Verifies the emailed code on the email factor's page, accepts the Terms: home.
async fn verify_email_and_accept_terms(app: &TestApp, browser: &Browser, email: &str, name: &str) {
    let page = browser.post("/verify/email/send", &[]).await;
    page.assert_shows("We sent a verification code");
    let code = app.latest_code(email).await;
    let page = browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    assert!(page.url.ends_with("/verify/done"), "{}", page.url);
    let page = browser.get("/").await;
    assert!(page.url.ends_with("/terms"), "{}", page.url);
    let page = browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    page.assert_shows(&format!("Welcome, {name}"));
}

async fn reset_for_an_unfinished_registration_resumes_at_the_factor_and_reaches_home(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let link = app.invite("una@example.org", "Una Reed").await;
    let first = app.new_browser();
    first.get_absolute(&link).await;
    first
        .register("Una Reed", PASSWORD, PASSWORD, "email")
        .await;
    // Password set and factor chosen, never verified: the link is used, so Reset.
    let page = app.new_browser().get_absolute(&link).await;
    assert!(
        page.element_with_text("*", "Reset").is_some(),
        "expected a Reset button; {page}"
    );
    let browser = app.new_browser();
    browser
        .post("/register/reset", &[("username", "una@example.org")])
        .await;
    let fresh = app.mail.message_to("una@example.org", 1).await.link();
    let page = browser.get_absolute(&fresh).await;
    assert!(
        page.url.ends_with("/verify/email") && page.has("Send Verification Code"),
        "the registration resumes at the factor, not a new password: {page}",
    );
    // Reopened in the browser that opened it, it carries on; anywhere else it is spent.
    assert!(
        browser
            .get_absolute(&fresh)
            .await
            .url
            .ends_with("/verify/email")
    );
    assert_eq!(app.new_browser().get_absolute(&fresh).await.status, 410);
    verify_email_and_accept_terms(&app, &browser, "una@example.org", "Una Reed").await;
    // The password set before is still the one.
    let other = app.new_browser();
    assert!(
        other
            .sign_in("una@example.org", PASSWORD)
            .await
            .url
            .ends_with("/verify/email")
    );
}

async fn having_trouble_sends_a_link_only_with_the_right_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("ben@example.org", "Ben Ott").await;
    let browser = app.new_browser();
    browser.get_absolute(&link).await;
    browser
        .register("Ben Ott", PASSWORD, PASSWORD, "email")
        .await;
    // Registration not finished (no factor verified). A wrong password gets the same answer
    // but no email.
    let page = app
        .new_browser()
        .post(
            "/register/trouble",
            &[
                ("email", "ben@example.org"),
                ("password", "not my password"),
            ],
        )
        .await;
    assert!(page.has("we have emailed it a new registration link"));
    assert_eq!(
        app.mail.messages_to("ben@example.org").await.len(),
        1,
        "only the invitation"
    );
    let page = app
        .new_browser()
        .post(
            "/register/trouble",
            &[("email", "ben@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert!(page.has("we have emailed it a new registration link"));
    let mail = app.mail.message_to("ben@example.org", 1).await;
    assert!(
        mail.text.contains("/register/trouble") && !mail.text.contains("has created your account"),
        "{}",
        mail.text
    );
    // The emailed link, followed to the end: the factor, the Terms, home.
    let browser = app.new_browser();
    let page = browser.get_absolute(&mail.link()).await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    verify_email_and_accept_terms(&app, &browser, "ben@example.org", "Ben Ott").await;
}

async fn having_trouble_takes_a_phone_user_on_to_the_phone_and_home(backend: Backend) {
    let app = spawn_app(backend).await;
    app.registered_for_phone("pia@example.org", "Pia Lund", PASSWORD)
        .await;
    let page = app.new_browser().get("/register/trouble").await;
    assert!(
        page.heading().as_deref() == Some("Having Trouble Logging In?")
            && page
                .element_with_text("*", "Click here to send a link")
                .is_some(),
        "the guide's labels: {page}",
    );
    app.new_browser()
        .post(
            "/register/trouble",
            &[("email", "pia@example.org"), ("password", PASSWORD)],
        )
        .await;
    let link = app.mail.message_to("pia@example.org", 1).await.link();
    let browser = app.new_browser();
    let page = browser.get_absolute(&link).await;
    assert!(
        page.url.ends_with("/verify/phone") && page.has("Send Code"),
        "{page}",
    );
    browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "415 555 0199"),
                ("action", "sms"),
            ],
        )
        .await;
    let sms = app.twilio().wait_for_message_to("+14155550199", 0).await;
    browser
        .post("/verify/phone/check", &[("code", &sms_code(&sms.body))])
        .await;
    let page = browser.get("/").await;
    assert!(page.url.ends_with("/terms"), "{}", page.url);
    let page = browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    page.assert_shows("Welcome, Pia Lund");
}

async fn a_registering_phone_user_without_a_number_registers_it_after_a_new_password(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    app.registered_for_phone("rio@example.org", "Rio Vance", PASSWORD)
        .await;
    let browser = app.new_browser();
    browser
        .post("/password/forgot", &[("email", "rio@example.org")])
        .await;
    let code = app.latest_code("rio@example.org").await;
    browser
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    let page = browser
        .post(
            "/password/new",
            &[
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ],
        )
        .await;
    assert!(
        page.url.ends_with("/verify/phone") && page.lacks("Welcome"),
        "no phone verified yet: the registration goes on at the phone, not home: {page}",
    );
    let page = browser.get("/").await;
    assert!(
        page.url.ends_with("/verify/phone") && page.lacks("Welcome, Rio Vance"),
        "home stays closed until the factor is verified: {}",
        page.url
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE email = 'rio@example.org' AND status = 'registering'")
            .await,
        1
    );
    browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "415 555 0123"),
                ("action", "sms"),
            ],
        )
        .await;
    let sms = app.twilio().wait_for_message_to("+14155550123", 0).await;
    browser
        .post("/verify/phone/check", &[("code", &sms_code(&sms.body))])
        .await;
    let page = browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    page.assert_shows("Welcome, Rio Vance");
    // The new password is the one now.
    let other = app.new_browser();
    assert_eq!(other.sign_in("rio@example.org", PASSWORD).await.status, 401);
}

/// A current portal user brought over from the older system, with an old bcrypt hash.
async fn import_current_user(app: &TestApp, email: &str, name: &str, old_password: &str) {
    let hash = bcrypt::hash(old_password, 4).unwrap();
    let csv = format!("email,display_name,password_hash\n{email},{name},{hash}\n");
    tessera::flows::import::import_users(&app.app, std::io::Cursor::new(csv), "test", |_, _| {})
        .await
        .expect("imported");
}

async fn an_imported_user_who_forgot_the_old_password_registers_after_the_emailed_code(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    import_current_user(&app, "old@example.org", "Olga Dale", "forgotten long ago").await;
    let help = app.new_browser().get("/help").await;
    assert!(help.has("If you no longer know your existing password"));

    let browser = app.new_browser();
    browser
        .post("/password/forgot", &[("email", "old@example.org")])
        .await;
    let mail = app.mail.message_to("old@example.org", 0).await;
    assert!(
        mail.text
            .contains("If you did not ask to reset your password")
    );
    let page = browser
        .post("/password/forgot/check", &[("code", &mail.code())])
        .await;
    page.assert_shows("Your email address has been verified.");
    assert!(
        page.has_element("[action=\"/register\"]"),
        "Continue leads to registration: {page}",
    );
    // As at a first login after the old password: a new password and a factor.
    let page = browser.get("/register").await;
    page.assert_shows("Create a New Account");
    assert_eq!(
        page.input_value("display_name").as_deref(),
        Some("Olga Dale")
    );
    let page = browser
        .register("Olga Dale", NEW_PASSWORD, NEW_PASSWORD, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{}",
        page.url
    );
    let page = browser.sign_in("old@example.org", NEW_PASSWORD).await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    verify_email_and_accept_terms(&app, &browser, "old@example.org", "Olga Dale").await;
}

async fn too_many_wrong_recovery_codes_kill_the_code_and_say_to_start_again(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("tia@example.org", "Tia Cole", PASSWORD)
        .await;
    let browser = app.new_browser();
    browser
        .post("/password/forgot", &[("email", "tia@example.org")])
        .await;
    let code = app.latest_code("tia@example.org").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..5).rev() {
        let page = browser
            .post("/password/forgot/check", &[("code", wrong)])
            .await;
        assert_eq!(page.status, 422);
        assert!(page.has(&format!("({left} tr")), "{left}: {page}");
    }
    // The fifth wrong code kills it: even the right one is refused after.
    for typed in [wrong, code.as_str()] {
        let page = browser
            .post("/password/forgot/check", &[("code", typed)])
            .await;
        assert_eq!(page.status, 422);
        assert!(
            page.has("Too many wrong codes were entered, so this code no longer works. Start again with Forgot your password")
                && page.has_element("[href=\"/password/forgot\"]"),
            "{page}"
        );
        assert!(page.lacks("Sign in again"));
    }
    let page = browser
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    assert!(
        page.has("Too many wrong codes were entered, so this code no longer works. Start again with Forgot your password")
            && page.has_element("[href=\"/password/forgot\"]"),
        "{page}"
    );
    assert!(page.lacks("Sign in again"));
    assert!(
        browser
            .get("/password/new")
            .await
            .url
            .contains("/password/forgot")
    );
    // Another code for this reset is refused too; starting again works.
    app.clock.advance(60);
    let page = browser.post("/password/forgot/resend", &[]).await;
    page.assert_shows("Start again with Forgot your password");
    browser
        .post("/password/forgot", &[("email", "tia@example.org")])
        .await;
    let code = app.latest_code("tia@example.org").await;
    let page = browser
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    page.assert_shows("Your email address has been verified.");
}

/// ASVS 6.3.8 (no user enumeration): Reset for an invited account and for an unknown one, and
/// Having trouble with a registering account's right password and an unknown address, get
/// the same status and the same words; only the eligible one is emailed.
async fn eligible_and_unknown_addresses_get_identical_answers_from_reset_and_trouble(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    app.invite("ivy@example.org", "Ivy Snow").await;
    let link = app.invite("reg@example.org", "Reg Hale").await;
    let browser = app.new_browser();
    browser.get_absolute(&link).await;
    browser
        .register("Reg Hale", PASSWORD, PASSWORD, "email")
        .await;

    let eligible = app
        .new_browser()
        .post("/register/reset", &[("username", "ivy@example.org")])
        .await;
    let unknown = app
        .new_browser()
        .post("/register/reset", &[("username", "nobody@example.org")])
        .await;
    assert_eq!(
        (eligible.status, eligible.body_without_csrf()),
        (unknown.status, unknown.body_without_csrf())
    );
    assert_eq!(
        app.mail.messages_to("ivy@example.org").await.len(),
        2,
        "a fresh link"
    );

    let eligible = app
        .new_browser()
        .post(
            "/register/trouble",
            &[("email", "reg@example.org"), ("password", PASSWORD)],
        )
        .await;
    let unknown = app
        .new_browser()
        .post(
            "/register/trouble",
            &[("email", "nobody@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        (eligible.status, eligible.body_without_csrf()),
        (unknown.status, unknown.body_without_csrf())
    );
    assert_eq!(
        app.mail.messages_to("reg@example.org").await.len(),
        2,
        "a fresh link"
    );
    assert!(app.mail.messages_to("nobody@example.org").await.is_empty());
    // The unknown requests did work of their own: an audit record each, as a reissue writes.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE event = 'registration-link-requested'")
            .await,
        2
    );
}

/// A journey's form fields for a fresh address number `n`.
type Fields = fn(usize) -> Vec<(&'static str, String)>;

/// The three journeys, each with the form fields for a fresh address `n`.
fn journeys() -> [(&'static str, Fields); 3] {
    [
        ("/password/forgot", |n| {
            vec![("email", format!("p{n}@example.org"))]
        }),
        ("/register/reset", |n| {
            vec![("username", format!("p{n}@example.org"))]
        }),
        ("/register/trouble", |n| {
            vec![
                ("email", format!("p{n}@example.org")),
                ("password", PASSWORD.into()),
            ]
        }),
    ]
}

/// Posts a form as a browser behind a proxy does, with `X-Forwarded-For: client`.
async fn post_from(browser: &Browser, client: &str, path: &str, fields: &[(&str, String)]) -> u16 {
    let token = browser.csrf().await;
    let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form.push(("csrf_token", &token));
    browser
        .http
        .post(format!("{}{path}", browser.base))
        .header("x-forwarded-for", client)
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Per client, `recovery_requests_per_hour_per_client` requests an hour for each journey
/// (different addresses each time); behind a trusted proxy, each client its own.
async fn recovery_requests_are_limited_per_client_behind_a_trusted_proxy(backend: Backend) {
    let options = Options {
        configure: |c| {
            c.trusted_proxies = "127.0.0.1".into();
            c.policy.recovery_requests_per_hour_per_client = 4;
        },
        ..Options::default()
    };
    let app = spawn_app_with(backend, options).await;
    let browser = app.new_browser();
    let mut n = 0;
    for (path, fields) in journeys() {
        for _ in 0..4 {
            n += 1;
            assert_eq!(
                post_from(&browser, "203.0.113.7", path, &fields(n)).await,
                200,
                "{path}"
            );
        }
        n += 1;
        assert_eq!(
            post_from(&browser, "203.0.113.7", path, &fields(n)).await,
            429,
            "{path}"
        );
        // Another person behind the same proxy has an allowance of their own.
        n += 1;
        assert_eq!(
            post_from(&browser, "203.0.113.8", path, &fields(n)).await,
            200,
            "{path}"
        );
    }
}

/// The default, 30 an hour per client; a client's own X-Forwarded-For changes nothing.
async fn without_trusted_proxies_a_forwarded_header_buys_no_more_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app.new_browser();
    let mut n = 0;
    for (path, fields) in journeys() {
        for i in 0..30 {
            n += 1;
            let claimed = format!("198.51.100.{i}");
            assert_eq!(
                post_from(&browser, &claimed, path, &fields(n)).await,
                200,
                "{path}"
            );
        }
        n += 1;
        assert_eq!(
            post_from(&browser, "198.51.100.99", path, &fields(n)).await,
            429,
            "{path}"
        );
    }
}

async fn recovery_requests_are_limited_per_address(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..5 {
        let page = app
            .new_browser()
            .post("/password/forgot", &[("email", "flood@example.org")])
            .await;
        assert_eq!(page.status, 200);
    }
    let page = app
        .new_browser()
        .post("/password/forgot", &[("email", "flood@example.org")])
        .await;
    assert_eq!(page.status, 429);
    page.assert_shows("Too many requests. Try again after");
    // Reset and Having trouble too, each browser (client) new, the address the same.
    app.invite("lim@example.org", "Lim Ray").await;
    for (path, fields) in [
        ("/register/reset", vec![("username", "lim@example.org")]),
        (
            "/register/trouble",
            vec![("email", "lim@example.org"), ("password", PASSWORD)],
        ),
    ] {
        for _ in 0..5 {
            assert_eq!(
                app.new_browser().post(path, &fields).await.status,
                200,
                "{path}"
            );
        }
        let page = app.new_browser().post(path, &fields).await;
        assert_eq!(page.status, 429, "{path}");
        assert!(page.has("Too many requests. Try again after"), "{path}");
    }
    assert_eq!(
        app.mail.messages_to("lim@example.org").await.len(),
        6,
        "the invitation and five Reset links, no more"
    );
}

async fn the_login_page_links_every_help_journey(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.new_browser().get("/login").await;
    for text in [
        "Having trouble logging in?",
        "Multi-Factor Authentication Help",
        "if this is your first login with multi-factor authentication, click here to complete your registration",
    ] {
        assert!(
            page.text().to_lowercase().contains(&text.to_lowercase()),
            "expected “{text}”; {page}"
        );
    }
    let help = app.new_browser().get("/help").await;
    for href in [
        "/register/reset",
        "/register/trouble",
        "/password/forgot",
        "/register/first-login",
    ] {
        assert!(
            help.has_element(&format!("a[href=\"{href}\"]")),
            "expected a link to {href}; {help}"
        );
    }
    assert!(
        app.new_browser()
            .get("/nowhere")
            .await
            .has("Multi-Factor Authentication Help"),
        "error pages link to help"
    );
}

on_both_backends!(
    an_email_user_resets_a_forgotten_password_and_other_sessions_end,
    a_phone_user_confirms_by_phone_before_the_new_password,
    known_and_unknown_addresses_get_identical_answers,
    a_used_registration_link_offers_reset_which_emails_a_fresh_link,
    an_expired_registration_link_offers_reset_which_emails_a_fresh_link,
    a_voided_registration_link_offers_reset_which_emails_a_fresh_link,
    reset_for_an_unfinished_registration_resumes_at_the_factor_and_reaches_home,
    having_trouble_sends_a_link_only_with_the_right_password,
    having_trouble_takes_a_phone_user_on_to_the_phone_and_home,
    a_registering_phone_user_without_a_number_registers_it_after_a_new_password,
    an_imported_user_who_forgot_the_old_password_registers_after_the_emailed_code,
    too_many_wrong_recovery_codes_kill_the_code_and_say_to_start_again,
    eligible_and_unknown_addresses_get_identical_answers_from_reset_and_trouble,
    recovery_requests_are_limited_per_client_behind_a_trusted_proxy,
    without_trusted_proxies_a_forwarded_header_buys_no_more_requests,
    recovery_requests_are_limited_per_address,
    the_login_page_links_every_help_journey,
);
