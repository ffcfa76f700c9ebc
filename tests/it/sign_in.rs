//! The guide's "Customer/Provider Login" and "Login With Email"; sessions and Sign out.

use crate::helpers::{Backend, Page, spawn_app};
use crate::on_both_backends;

const PASSWORD: &str = "marmalade orbit kettle";

async fn login_with_email_signs_a_registered_user_back_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .active_user("rio@example.org", "Rio Tanaka", PASSWORD)
        .await;
    let page = first.get("/").await;
    assert!(page.has("Welcome, Rio Tanaka"));

    // Sign out ends the session on the server: the old cookie no longer opens home.
    let page = first.post("/logout", &[]).await;
    assert!(page.url.contains("/login") && page.has("You have signed out."));
    assert!(first.get("/").await.url.ends_with("/login"));

    // The login page: Customer/Provider heading with both buttons.
    let browser = app.new_browser();
    let page = browser.get("/").await;
    assert!(page.url.ends_with("/login"));
    assert!(
        page.has("Customer/Provider")
            && page.has("Login With Phone")
            && page.has("Login With Email")
    );
    let page = browser.get("/login/email").await;
    assert!(page.has("Sign in") && page.has_element("[autocomplete=\"current-password\"]"));

    let page = browser.sign_in("rio@example.org", PASSWORD).await;
    assert_eq!(
        page.input_value("email").as_deref(),
        Some("rio@example.org"),
        "the email is filled in"
    );
    let page = browser.post("/verify/email/send", &[]).await;
    page.assert_shows("It expires in 30 seconds");
    let mail = app.mail.messages_to("rio@example.org").await.pop().unwrap();
    assert!(mail.text.contains("expires in 30 seconds"), "{}", mail.text);
    let page = browser
        .post("/verify/email/check", &[("code", &mail.code())])
        .await;
    assert!(page.has("Your email address has been verified."));
    let page = browser.get("/").await;
    assert!(
        page.has("Welcome, Rio Tanaka"),
        "terms were accepted once: straight home"
    );
}

async fn wrong_password_and_unknown_address_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("max@example.org", "Max Roy", PASSWORD)
        .await;
    let browser = app.new_browser();
    let wrong = browser.sign_in("max@example.org", "not the password").await;
    let unknown = browser
        .sign_in("nobody@example.org", "not the password")
        .await;
    let invited_link = app.invite("new@example.org", "New Person").await;
    assert!(!invited_link.is_empty());
    let invited = browser.sign_in("new@example.org", "anything at all").await;
    for page in [&wrong, &unknown, &invited] {
        assert_eq!(page.status, 401);
        page.assert_shows("The email address or password is not right.");
    }
    // No enumeration: the pages differ only in the echoed address.
    assert_eq!(
        wrong.body.replace("max@example.org", "X"),
        unknown.body.replace("nobody@example.org", "X")
    );
}

async fn ten_failed_sign_ins_lock_the_address_for_a_while(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("lou@example.org", "Lou Reed", PASSWORD)
        .await;
    let browser = app.new_browser();
    for _ in 0..9 {
        assert_eq!(
            browser
                .sign_in("lou@example.org", "wrong guess here")
                .await
                .status,
            401
        );
    }
    let page = browser.sign_in("lou@example.org", "wrong guess here").await;
    assert_eq!(page.status, 429);
    assert!(
        page.has("Too many failed sign-ins") && page.has("Try again after"),
        "{page}"
    );
    // Even the right password waits out the lock (NIST SP 800-63B 5.2.2) ...
    assert_eq!(
        browser.sign_in("lou@example.org", PASSWORD).await.status,
        429
    );
    // ... an unknown address locks the same way, so the lock reveals nothing ...
    for _ in 0..10 {
        browser
            .sign_in("ghost@example.org", "wrong guess here")
            .await;
    }
    assert_eq!(
        browser
            .sign_in("ghost@example.org", "wrong guess here")
            .await
            .status,
        429
    );
    // ... and the lock lifts by itself.
    app.clock.advance(15 * 60);
    let page = browser.sign_in("lou@example.org", PASSWORD).await;
    assert!(page.url.ends_with("/verify/email"), "{page}");
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e == "account-locked")
    );
}

async fn sessions_end_after_fifteen_idle_minutes(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .active_user("ida@example.org", "Ida Wells", PASSWORD)
        .await;
    app.clock.advance(14 * 60);
    assert!(browser.get("/").await.has("Welcome, Ida Wells"));
    app.clock.advance(14 * 60);
    assert!(
        browser.get("/").await.has("Welcome, Ida Wells"),
        "use resets the idle clock"
    );
    app.clock.advance(15 * 60);
    assert!(
        browser.get("/").await.url.ends_with("/login"),
        "idle for 15 minutes: signed out"
    );
}

async fn the_session_identifier_changes_at_every_step(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("eve@example.org", "Eve Moss", PASSWORD)
        .await;
    let browser = app.new_browser();
    let csrf = browser.csrf().await;
    let response = browser
        .not_following_redirects()
        .post(format!("{}/login", app.url))
        .form(&[
            ("email", "eve@example.org"),
            ("password", PASSWORD),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.starts_with("tessera_session="), "{set_cookie}");
    assert!(
        set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Lax")
            && set_cookie.contains("Path=/"),
        "{set_cookie}"
    );
    let at_second_factor = browser.cookie("tessera_session").unwrap();

    browser.post("/verify/email/send", &[]).await;
    let code = app.latest_code("eve@example.org").await;
    browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    let authenticated = browser.cookie("tessera_session").unwrap();
    assert_ne!(
        at_second_factor, authenticated,
        "a new identifier once both factors passed (ASVS 7.2.4)"
    );
    assert!(browser.get("/").await.has("Welcome, Eve Moss"));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM sessions WHERE stage = 'second-factor' AND revoked_at IS NULL"
        )
        .await,
        0,
        "no second-factor session is left live"
    );
    // The identifier is stored only as its keyed hash: the row is found by the hash, and no
    // row holds the cookie's value, raw or as plain SHA-256.
    let keyed = app
        .app
        .keys
        .hash(tessera::crypto::Purpose::Session, authenticated.as_bytes());
    let plain: Vec<u8> = {
        use sha2::Digest;
        sha2::Sha256::digest(authenticated.as_bytes()).to_vec()
    };
    let count_with = |hash: Vec<u8>| async {
        use sqlx::Row;
        let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE id_hash = $1")
            .bind(hash)
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        pool.close().await;
        n
    };
    assert_eq!(
        count_with(keyed).await,
        1,
        "the session is stored under the keyed hash"
    );
    assert_eq!(count_with(authenticated.as_bytes().to_vec()).await, 0);
    assert_eq!(count_with(plain).await, 0);
}

/// Signs an active user in with email and code in a fresh browser.
async fn signed_in_again(app: &crate::helpers::TestApp, email: &str) -> crate::helpers::Browser {
    let browser = app.new_browser();
    browser.sign_in(email, PASSWORD).await;
    browser.post("/verify/email/send", &[]).await;
    let code = app.latest_code(email).await;
    browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    browser
}

async fn people_see_their_sessions_and_end_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let laptop = app
        .active_user("sue@example.org", "Sue Storm", PASSWORD)
        .await;
    let phone = signed_in_again(&app, "sue@example.org").await;
    let tablet = signed_in_again(&app, "sue@example.org").await;
    let page = laptop.get("/sessions").await;
    assert!(page.has("Your sessions") && page.has("(this browser)"));
    assert_eq!(
        page.body.matches("End this session").count(),
        2,
        "the two other sessions"
    );
    let start = page.body.find("/sessions/").unwrap();
    let reference = page.body[start..].split('/').nth(2).unwrap().to_string();
    laptop
        .post(&format!("/sessions/{reference}/end"), &[])
        .await;
    let still = [
        phone.get("/").await.has("Welcome, Sue Storm"),
        tablet.get("/").await.has("Welcome, Sue Storm"),
    ];
    assert_eq!(
        still.iter().filter(|s| **s).count(),
        1,
        "exactly one other session ended: {still:?}"
    );
    laptop.post("/sessions/end-others", &[]).await;
    assert!(
        phone.get("/").await.url.ends_with("/login")
            && tablet.get("/").await.url.ends_with("/login")
    );
    assert!(
        laptop.get("/").await.has("Welcome, Sue Storm"),
        "this browser stays signed in"
    );
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e == "sessions-ended")
    );
}

/// Sign out revokes the session on the server (ASVS 7.4.1), not only in the browser: its
/// cookie's value, replayed afterwards by a client that kept a copy, opens nothing.
async fn sign_out_revokes_the_session_so_a_copied_cookie_opens_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .active_user("ray@example.org", "Ray Out", PASSWORD)
        .await;
    let copied = browser.cookie("tessera_session").expect("a session cookie");
    let replay = || async {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}/", app.url))
            .header("cookie", format!("tessera_session={copied}"))
            .send()
            .await
            .unwrap()
    };
    let before = replay().await;
    assert_eq!(before.status(), 200, "the copy works while signed in");
    assert!(before.text().await.unwrap().contains("Welcome, Ray Out"));

    let page = browser.post("/logout", &[]).await;
    page.assert_shows("You have signed out.");
    let after = replay().await;
    assert_eq!(after.status(), 303);
    assert_eq!(after.headers()["location"], "/login");
    assert!(!after.text().await.unwrap().contains("Welcome"));
    assert!(app.audit_events().await.iter().any(|e| e == "signed-out"));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated' AND revoked_at IS NULL"
        )
        .await,
        0,
        "no authenticated session is left live"
    );
}

/// However active, a session ends 12 hours after sign-in (NIST SP 800-63B 4.2.3, ASVS 7.3.2):
/// a page view every 10 minutes keeps the idle clock from ever running out, and still the
/// session ends at 12 hours.
async fn sessions_end_twelve_hours_after_sign_in_however_active(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .active_user("ava@example.org", "Ava Long", PASSWORD)
        .await;
    let signed_in_at = app.clock_now();
    loop {
        app.clock.advance(10 * 60);
        let page = browser.get("/").await;
        let elapsed = app.clock_now() - signed_in_at;
        if elapsed < 12 * 3600 {
            assert!(
                page.has("Welcome, Ava Long"),
                "still signed in after {elapsed} s"
            );
        } else {
            assert_eq!(elapsed, 12 * 3600);
            assert!(page.url.ends_with("/login"), "{}", page.url);
            break;
        }
    }
}

/// When a burst of sign-ins fills the password hashing queue (the bound that keeps Argon2's
/// memory in check), the next person is told at once that the portal is busy and when to
/// retry (503 with Retry-After), nothing is counted against their address, and signing in
/// works again once the burst has passed.
async fn a_sign_in_past_the_full_hashing_queue_is_told_to_retry_shortly(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("bo@example.org", "Bo Busy", PASSWORD).await;
    let link = app.invite("new.busy@example.org", "Nia Busy").await;
    let registering = app.new_browser();
    registering.get_absolute(&link).await;

    let burst = app.app.hasher.saturate().await;
    let sessions = "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL";
    let live_before = app.count(sessions).await;

    let browser = app.new_browser();
    let page = browser.sign_in("bo@example.org", PASSWORD).await;
    assert_eq!(page.status, 503, "{page}");
    assert_eq!(page.headers["retry-after"], "5");
    page.assert_shows("The portal is busy. Wait a few seconds and try again.");
    assert_eq!(page.input_value("email").as_deref(), Some("bo@example.org"));
    // Setting a password at registration gets the same answer, and nothing half-made.
    let page = registering
        .register("Nia Busy", PASSWORD, PASSWORD, "email")
        .await;
    assert_eq!(page.status, 503, "{page}");
    assert_eq!(page.headers["retry-after"], "5");
    assert!(
        page.has("The portal is busy") && page.has("wait a few seconds"),
        "{page}"
    );
    assert_eq!(
        app.count(sessions).await,
        live_before,
        "no session was made"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE password_hash IS NOT NULL AND email = 'new.busy@example.org'")
            .await,
        0
    );

    // The burst passes.
    burst.release().await;
    assert_eq!(app.app.hasher.queue_depth(), 0);
    let page = browser.sign_in("bo@example.org", PASSWORD).await;
    assert!(page.url.ends_with("/verify/email"), "{page}");
    let page = registering
        .register("Nia Busy", PASSWORD, PASSWORD, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{}",
        page.url
    );
}

/// Every page of the email journey offers Multi-Factor Authentication Help, also when it
/// shows an error in place.
async fn every_page_of_the_email_journey_links_help(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "hana@example.org";
    let link = app.invite(email, "Hana Help").await;
    let browser = app.new_browser();
    let mut seen: Vec<(&str, Page)> = Vec::new();
    seen.push(("registration", browser.get_absolute(&link).await));
    seen.push((
        "registration error",
        browser
            .register("Hana Help", PASSWORD, "other words", "email")
            .await,
    ));
    seen.push((
        "sign in after registering",
        browser
            .register("Hana Help", PASSWORD, PASSWORD, "email")
            .await,
    ));
    seen.push(("login", browser.get("/login").await));
    seen.push(("login with email", browser.get("/login/email").await));
    seen.push((
        "wrong password",
        browser.sign_in(email, "not the password").await,
    ));
    seen.push(("email verification", browser.sign_in(email, PASSWORD).await));
    seen.push(("code sent", browser.post("/verify/email/send", &[]).await));
    seen.push((
        "wrong code",
        browser
            .post("/verify/email/check", &[("code", "000000")])
            .await,
    ));
    let code = app.latest_code(email).await;
    seen.push((
        "verified",
        browser
            .post("/verify/email/check", &[("code", &code)])
            .await,
    ));
    seen.push(("terms", browser.get("/terms").await));
    seen.push((
        "terms not agreed",
        browser.post("/terms", &[("version", "1")]).await,
    ));
    seen.push((
        "home",
        browser
            .post("/terms", &[("agree", "yes"), ("version", "1")])
            .await,
    ));
    seen.push(("verify again", browser.get("/verify/again").await));
    seen.push(("sessions", browser.get("/sessions").await));
    seen.push(("account", browser.get("/account").await));
    seen.push(("used link", app.new_browser().get_absolute(&link).await));
    seen.push(("not found", browser.get("/no/such/page").await));
    seen.push(("signed out", browser.post("/logout", &[]).await));
    seen.push(("help", browser.get("/help").await));
    let expected = [
        "/register",
        "/register",
        // The address travels sealed (OWASP ASVS 5.0 V14.2.1), not as `hana%40example.org`.
        "/login/email?notice=registered&login_hint=enc%3A",
        "/login",
        "/login/email",
        "/login",
        "/verify/email",
        "/verify/email",
        "/verify/email/check",
        "/verify/done",
        "/terms",
        "/terms",
        "/",
    ];
    for ((what, page), path) in seen.iter().zip(expected) {
        let here = match path.strip_suffix("enc%3A") {
            Some(start) => page.url.contains(path) && page.url.contains(start),
            None => page.url.ends_with(path),
        };
        assert!(here, "{what}: at {} rather than {path}", page.url);
        assert!(!page.url.contains("hana%40example.org"), "{}", page.url);
    }
    for (what, page) in &seen {
        assert_eq!(
            page.link_named("Multi-Factor Authentication Help")
                .as_deref(),
            Some("/help"),
            "{what}: a link to help on {page}"
        );
    }
}

on_both_backends!(
    sign_out_revokes_the_session_so_a_copied_cookie_opens_nothing,
    sessions_end_twelve_hours_after_sign_in_however_active,
    a_sign_in_past_the_full_hashing_queue_is_told_to_retry_shortly,
    every_page_of_the_email_journey_links_help,
    login_with_email_signs_a_registered_user_back_in,
    wrong_password_and_unknown_address_get_the_same_answer,
    ten_failed_sign_ins_lock_the_address_for_a_while,
    sessions_end_after_fifteen_idle_minutes,
    the_session_identifier_changes_at_every_step,
    people_see_their_sessions_and_end_them,
);
