//! The guide's "New Portal User MFA Registration", "Create a New Account" and "Email
//! Verification", over HTTP.

use crate::helpers::{Backend, Options, spawn_app, spawn_app_with};
use crate::on_both_backends;

const PASSWORD: &str = "marmalade orbit kettle";

async fn invited_user_registers_verifies_email_accepts_terms_and_reaches_home(backend: Backend) {
    let app = spawn_app(backend).await;

    // The administrator invites; the email has the link in its text body and says how long it works.
    let link = app.invite("Jane.Doe@Example.org", "Jane Doe").await;
    let invitation = app.mail.message_to("jane.doe@example.org", 0).await;
    assert_eq!(invitation.from, "no-reply@portal.test");
    assert!(
        invitation.text.contains("expires in 2 days"),
        "{}",
        invitation.text
    );
    assert!(
        invitation
            .html
            .replace("&#x2f;", "/")
            .contains(&format!("href=\"{link}\"")),
        "the HTML body links too"
    );
    assert!(
        link.starts_with(&app.url),
        "links are built from the public URL: {link}"
    );

    // The link opens the registration page with Display Name and Email filled in; the token
    // has left the address bar.
    let browser = app.new_browser();
    let page = browser.get_absolute(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.url.ends_with("/register"), "{}", page.url);
    assert!(page.has("Create a New Account") && page.has("Submit"));
    assert_eq!(
        page.input_value("display_name").as_deref(),
        Some("Jane Doe")
    );
    assert_eq!(
        page.input_value("email").as_deref(),
        Some("jane.doe@example.org")
    );
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");

    let page = browser
        .register("Jane Doe", PASSWORD, PASSWORD, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{}",
        page.url
    );
    assert!(page.has("Sign in with your email address and new password"));

    // Sign in, Send Verification Code, the code from the email, Verify Code.
    let page = browser.sign_in("jane.doe@example.org", PASSWORD).await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    assert!(page.has("Send Verification Code"));
    assert_eq!(
        page.input_value("email").as_deref(),
        Some("jane.doe@example.org")
    );

    let page = browser.post("/verify/email/send", &[]).await;
    page.assert_shows("We sent a verification code to j***@example.org");
    assert!(
        page.has("Verify Code")
            && page.has_element("[autocomplete=\"one-time-code\"]")
            && page.has_element("[inputmode=\"numeric\"]")
    );
    let mail = app.mail.message_to("jane.doe@example.org", 1).await;
    assert!(
        mail.text.contains("expires in 10 minutes"),
        "registration codes live 10 minutes: {}",
        mail.text
    );
    let code = mail.code();
    assert!(code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()));

    let page = browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    assert!(page.url.ends_with("/verify/done"), "{}", page.url);
    assert!(page.has("Your email address has been verified.") && page.has("Continue"));

    // Continue leads to the Terms of Use; checking the box and Continue leads home.
    let page = browser.get("/").await;
    assert!(page.url.ends_with("/terms"), "{}", page.url);
    assert!(page.has("Terms of Use") && page.has_element("[type=\"checkbox\"]"));
    let page = browser.post("/terms", &[("version", "1")]).await;
    assert_eq!(page.status, 422);
    assert!(page.has("Check the box to agree"));
    let page = browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.url.ends_with(&format!("{}/", app.url)) || page.url == format!("{}/", app.url),
        "{}",
        page.url
    );
    assert!(page.has("Welcome, Jane Doe") && page.has("Sign out"));

    let account = app
        .app
        .store
        .account_by_email(&tessera::domain::email::Email::parse("jane.doe@example.org").unwrap())
        .await
        .unwrap()
        .unwrap()
        .0;
    assert_eq!(
        account.status,
        tessera::domain::account::AccountStatus::Active
    );
    let accepted = app
        .app
        .store
        .terms_accepted_at(account.id, 1)
        .await
        .unwrap();
    assert_eq!(
        accepted,
        Some(app.clock_now()),
        "the accepted version and time are recorded"
    );

    let events = app.audit_events().await;
    for expected in [
        "account-invited",
        "registration-link-opened",
        "password-set",
        "password-accepted",
        "code-sent",
        "signed-in",
        "terms-accepted",
    ] {
        assert!(
            events.iter().any(|e| e == expected),
            "audit lacks {expected}: {events:?}"
        );
    }
    let verified = tessera::flows::audit_log::verify_chain(&app.app, None)
        .await
        .unwrap();
    assert!(verified.is_ok(), "{verified:?}");
}

async fn a_registration_link_works_once_and_a_newer_one_voids_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.invite("sam@example.org", "Sam Lee").await;
    let second = app.invite("sam@example.org", "Sam Lee").await;
    assert_ne!(first, second);

    let page = app.new_browser().get_absolute(&first).await;
    assert_eq!(page.status, 410);
    page.assert_shows("A newer registration link was sent to you");

    let browser = app.new_browser();
    let page = browser.get_absolute(&second).await;
    assert!(page.url.ends_with("/register"));
    // The same browser may reopen its link and carry on; any other browser is refused.
    assert!(
        browser
            .get_absolute(&second)
            .await
            .url
            .ends_with("/register")
    );
    let page = app.new_browser().get_absolute(&second).await;
    assert_eq!(page.status, 410);
    assert!(page.has("already been used") && page.has("ask your Portal Administrator"));

    let page = app.new_browser().get("/register/not-a-real-token").await;
    assert!(page.has("This registration link is not valid"));
}

async fn a_registration_link_expires_after_48_hours(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("kim@example.org", "Kim Park").await;
    app.clock.advance(48 * 3600);
    let page = app.new_browser().get_absolute(&link).await;
    assert_eq!(page.status, 410);
    page.assert_shows("This registration link has expired");
}

async fn bad_registration_input_is_explained_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("ana@example.org", "Ana Gomez").await;
    let browser = app.new_browser();
    browser.get_absolute(&link).await;

    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "Ana Gomez",
            PASSWORD,
            "marmalade orbit kettl",
            "email",
            "The passwords do not match",
        ),
        ("Ana Gomez", "short1!", "short1!", "email", "too short"),
        (
            "Ana Gomez",
            "password123",
            "password123",
            "email",
            "too common or easy to guess",
        ),
        (
            "Ana Gomez",
            "ana gomez rocks",
            "ana gomez rocks",
            "email",
            "must not contain your name or email address",
        ),
        (
            "Ana Gomez",
            PASSWORD,
            PASSWORD,
            "",
            "Choose how you will verify your identity",
        ),
        ("   ", PASSWORD, PASSWORD, "email", "Enter a display name"),
    ];
    for (name, password, confirmation, method, message) in cases {
        let page = browser.register(name, password, confirmation, method).await;
        assert_eq!(page.status, 422, "{message}");
        assert!(page.has(message), "expected {message:?} in {page}");
        assert!(page.url.ends_with("/register"));
        assert_eq!(
            page.input_value("email").as_deref(),
            Some("ana@example.org"),
            "the form keeps its values"
        );
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE status = 'invited' AND password_hash IS NULL"
        )
        .await,
        1
    );

    // Sixty-four characters of any script are accepted, and the name may be corrected.
    let long: String = "ünïcödé wörds ☃ ".repeat(5).chars().take(64).collect();
    let page = browser
        .register("Ana María Gómez", &long, &long, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{page}"
    );
    // The registration session ended with the submission: a replayed form is refused.
    let page = browser
        .register("Ana María Gómez", &long, &long, "email")
        .await;
    assert_eq!(page.status, 403);
    assert!(page.has("Open the registration link from your email"));
}

async fn the_first_administrator_registers_through_the_same_journey(backend: Backend) {
    let app = spawn_app(backend).await;
    let (link, _) = tessera::flows::invitation::first_administrator_link(&app.app)
        .await
        .unwrap()
        .unwrap();
    let browser = app.new_browser();
    let page = browser.get_absolute(&link).await;
    assert!(page.url.ends_with("/register"));
    assert_eq!(
        page.input_value("email").as_deref(),
        Some(""),
        "the first administrator types their own address"
    );

    let page = browser
        .post(
            "/register",
            &[
                ("display_name", "Ops Lead"),
                ("email", "ops@example.org"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
                ("mfa_method", "email"),
            ],
        )
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{page}"
    );
    let (account, _) = app
        .app
        .store
        .account_by_email(&tessera::domain::email::Email::parse("ops@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.role, tessera::domain::account::Role::SystemAdmin);
    assert!(
        tessera::flows::invitation::first_administrator_link(&app.app)
            .await
            .unwrap()
            .is_none(),
        "no more first-run links"
    );
}

/// Issue 12: the first administrator is a registrant of its own (the first-run link's own
/// session stage), not any registration session that happens to have no account; and a
/// second first-run session left open makes no second administrator.
async fn only_the_first_run_link_makes_an_administrator_and_only_once(backend: Backend) {
    use tessera::domain::session::{SessionStage, SessionTimes};
    use tessera::flows::registration::{RegistrationInput, RegistrationProblem, complete};
    let app = spawn_app(backend).await;
    let input = |email: &str| RegistrationInput {
        display_name: "Would Be Root".into(),
        email: email.into(),
        password: PASSWORD.into(),
        password_confirmation: PASSWORD.into(),
        mfa_method: "email".into(),
    };
    // A registration session without an account, however it came about, registers nobody.
    let hash = app
        .app
        .keys
        .hash(tessera::crypto::Purpose::Session, b"stray");
    app.app
        .store
        .start_session(
            None,
            &hash,
            None,
            SessionStage::Registration,
            SessionTimes::new(app.clock_now(), &app.app.config.policy, None),
            tessera::audit::AuditEvent::new("signed-out", "test", "test"),
        )
        .await
        .unwrap();
    let stray = app.app.store.session(&hash).await.unwrap().unwrap();
    let refused = complete(&app.app, &stray, &input("stray@example.org")).await;
    assert!(
        matches!(refused, Err(RegistrationProblem::SessionEnded)),
        "{refused:?}"
    );

    // Two first-run sessions open at once: the first to register is the administrator.
    let first = app.new_browser();
    let (link, _) = tessera::flows::invitation::first_administrator_link(&app.app)
        .await
        .unwrap()
        .unwrap();
    first.get_absolute(&link).await;
    let second = app.new_browser();
    let (link, _) = tessera::flows::invitation::first_administrator_link(&app.app)
        .await
        .unwrap()
        .unwrap();
    second.get_absolute(&link).await;
    for (browser, email) in [(&first, "ops@example.org"), (&second, "late@example.org")] {
        browser
            .post(
                "/register",
                &[
                    ("display_name", "Ops Lead"),
                    ("email", email),
                    ("password", PASSWORD),
                    ("password_confirmation", PASSWORD),
                    ("mfa_method", "email"),
                ],
            )
            .await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE role = 'system-admin'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE email IN ('stray@example.org', 'late@example.org')"
        )
        .await,
        0
    );
}

async fn the_development_outbox_shows_mail_only_without_smtp(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            smtp: false,
            ..Options::default()
        },
    )
    .await;
    app.invite_to_outbox("lee@example.org", "Lee Chan").await;
    let page = app.new_browser().get("/dev/outbox").await;
    assert_eq!(page.status, 200);
    assert!(
        page.has("Complete your Tessera registration")
            && page.has("lee@example.org")
            && page.has("/register/")
    );

    let with_smtp = spawn_app(backend).await;
    assert_eq!(with_smtp.new_browser().get("/dev/outbox").await.status, 404);
}

/// Without a live registration (never opened, or left idle past the time-out), the page
/// says what to do and offers Reset; a form sent then changes nothing.
async fn registration_not_started_or_timed_out_offers_reset(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.new_browser().get("/register").await;
    assert_eq!(page.status, 403);
    assert!(
        page.has("Registration has not started")
            && page.has("click Reset to have a new one emailed to you")
            && page.link_named("Reset").as_deref() == Some("/register/reset"),
        "{page}"
    );

    let link = app.invite("tom@example.org", "Tom Hale").await;
    let browser = app.new_browser();
    browser.get_absolute(&link).await;
    app.clock.advance(16 * 60);
    let page = browser
        .register("Tom Hale", PASSWORD, PASSWORD, "email")
        .await;
    assert_eq!(page.status, 403);
    assert!(
        page.has("Registration has not started") && page.element_with_text("a", "Reset").is_some(),
        "{page}"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE email = 'tom@example.org' AND status = 'invited'"
        )
        .await,
        1
    );
}

on_both_backends!(
    registration_not_started_or_timed_out_offers_reset,
    invited_user_registers_verifies_email_accepts_terms_and_reaches_home,
    a_registration_link_works_once_and_a_newer_one_voids_it,
    a_registration_link_expires_after_48_hours,
    bad_registration_input_is_explained_and_changes_nothing,
    the_first_administrator_registers_through_the_same_journey,
    only_the_first_run_link_makes_an_administrator_and_only_once,
    the_development_outbox_shows_mail_only_without_smtp,
);
