//! The guide's "Forgot or Reset Password", "Registration Error Message" (Reset) and "Having
//! Trouble Logging In?", and that none of them tells a stranger whether an address is known.

use crate::helpers::{Backend, sms_code, spawn_app};
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
    assert!(page.has("Verify code") && page.has("autocomplete=\"one-time-code\""));
    let code = app.latest_code("amy@example.org").await;
    let page = browser
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    assert!(
        page.has("Your email address has been verified.") && page.has("Continue"),
        "{}",
        page.body
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
    assert!(page.has("The passwords do not match"), "{}", page.body);
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
        "the home page once the password is set: {}",
        page.body
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
    // Skipping the phone step is not possible.
    assert!(
        browser
            .get("/password/new")
            .await
            .url
            .contains("/password/forgot")
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
    assert!(page.has("Welcome, Ray Diaz"), "{}", page.body);
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

async fn a_used_registration_link_offers_reset_which_emails_a_fresh_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("zoe@example.org", "Zoe Hart").await;
    app.new_browser().get_absolute(&link).await;
    let page = app.new_browser().get_absolute(&link).await;
    assert_eq!(page.status, 410);
    assert!(
        page.has("Registration error") && page.has(">Reset<"),
        "{}",
        page.body
    );

    let browser = app.new_browser();
    let page = browser.get("/register/reset").await;
    assert!(page.has("Username") && page.has("Submit"));
    let page = browser
        .post("/register/reset", &[("username", "zoe@example.org")])
        .await;
    assert!(
        page.has("we have emailed it a new registration link"),
        "{}",
        page.body
    );
    let fresh = app.mail.message_to("zoe@example.org", 1).await.link();
    assert_ne!(fresh, link);
    let page = browser.get_absolute(&fresh).await;
    assert_eq!(
        page.input_value("display_name").as_deref(),
        Some("Zoe Hart")
    );
    let page = browser
        .register("Zoe Hart", PASSWORD, PASSWORD, "email")
        .await;
    assert!(page.url.ends_with("/login/email?notice=registered"));
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
    let finish = app.mail.message_to("ben@example.org", 1).await.link();
    let page = app.new_browser().get_absolute(&finish).await;
    assert!(page.url.ends_with("/register") && page.has("Create a New Account"));
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
    assert!(
        page.has("Too many requests. Try again after"),
        "{}",
        page.body
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
            page.body.to_lowercase().contains(&text.to_lowercase()),
            "{text}"
        );
    }
    let help = app.new_browser().get("/help").await;
    for href in [
        "/register/reset",
        "/register/trouble",
        "/password/forgot",
        "/register/first-login",
    ] {
        assert!(help.has(&format!("href=\"{href}\"")), "{href}");
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
    having_trouble_sends_a_link_only_with_the_right_password,
    recovery_requests_are_limited_per_address,
    the_login_page_links_every_help_journey,
);
