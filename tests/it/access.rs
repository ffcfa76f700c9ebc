//! The guarantees between the journeys (issue 11; OWASP ASVS 5.0 V8.2 authorization, V6.3 /
//! V6.6 multi-factor, V7.2 sessions; NIST SP 800-63B 4.2 AAL2): a password alone never passes
//! the second factor, a disabled or locked account never gets a session back, a factor the
//! organization turned off opens nothing, and new Terms of Use close every signed-in route
//! until accepted. The walk at the end tries every route of the router at every stage.

use serde_json::json;
use tessera::audit::AuditEvent;
use tessera::store::AccountFlag;

use crate::helpers::{Backend, Browser, TestApp, declared_routes, sms_code, spawn_app};
use crate::on_both_backends;
use crate::snapshot::{Tables, differences};

on_both_backends!(
    finding_1_a_password_alone_cannot_register_the_attackers_phone,
    finding_2_disabled_and_locked_accounts_do_not_get_back_in_through_forgot_your_password,
    finding_5_a_phone_user_cannot_pass_with_the_email_code,
    finding_6_an_organization_administrator_cannot_touch_another_organizations_invitation,
    finding_7_new_terms_close_every_signed_in_route_until_accepted,
    finding_8_behind_a_proxy_there_is_no_outbox_page,
    finding_10_a_wrong_password_takes_as_long_for_an_imported_account,
    every_stage_reaches_only_its_own_routes,
);

const PASSWORD: &str = "correct horse battery staple";
const ATTACKER: &str = "415 555 0199";
const ATTACKER_E164: &str = "+14155550199";

async fn account_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("SELECT id FROM accounts WHERE email = '{email}'"))
        .await
}

/// Signed-in sessions of an account (both factors passed).
async fn signed_in_sessions(app: &TestApp, email: &str) -> i64 {
    let id = account_id(app, email).await;
    app.count(&format!(
        "SELECT COUNT(*) FROM sessions WHERE account_id = {id} AND stage = 'authenticated' AND revoked_at IS NULL"
    ))
    .await
}

/// Finding 1 (critical): an email-factor user's password, then Send Code or Call Me to the
/// attacker's own number, signed in. ASVS 6.3.3 / 6.6.1: the second factor is the account's.
async fn finding_1_a_password_alone_cannot_register_the_attackers_phone(backend: Backend) {
    let app = spawn_app(backend).await;
    let victim = "vic@example.org";
    app.active_user(victim, "Vic Tim", PASSWORD).await;
    for action in ["sms", "call"] {
        let attacker = app.new_browser();
        let page = attacker.sign_in(victim, PASSWORD).await;
        assert!(page.url.ends_with("/verify/email"), "{}", page.url);
        let page = attacker
            .post(
                "/verify/phone/send",
                &[
                    ("country_code", "+1"),
                    ("phone", ATTACKER),
                    ("action", action),
                ],
            )
            .await;
        assert!(
            page.url.ends_with("/verify/email"),
            "{action}: sent back to the account's own factor, got {} {}",
            page.status,
            page.url
        );
        let page = attacker
            .post("/verify/phone/check", &[("code", "123456")])
            .await;
        assert!(page.url.ends_with("/verify/email"), "{}", page.url);
        let page = attacker.post("/verify/phone/call/complete", &[]).await;
        assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    }
    assert_eq!(app.twilio().requests(), 0, "nothing reached the provider");
    assert!(
        app.twilio()
            .messages()
            .iter()
            .all(|m| m.to != ATTACKER_E164)
    );
    assert_eq!(
        signed_in_sessions(&app, victim).await,
        1,
        "only the victim's own"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_factors WHERE kind = 'phone'")
            .await,
        0,
        "no number was stored on the account"
    );
}

/// Finding 2 (high): after an administrator disables or locks an account, Forgot your
/// password (emailed code, new password) gave a signed-in session. ASVS 6.4.2 / 7.4.2: every
/// transition that makes a session checks the account's standing.
async fn finding_2_disabled_and_locked_accounts_do_not_get_back_in_through_forgot_your_password(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    for (email, flag, event) in [
        ("dee@example.org", AccountFlag::Disabled, "account-disabled"),
        (
            "lou@example.org",
            AccountFlag::Locked,
            "account-locked-by-admin",
        ),
    ] {
        app.active_user(email, "Barred Person", PASSWORD).await;
        let id = account_id(&app, email).await;
        // A recovery under way before the administrator acts, and one begun after.
        let early = app.new_browser();
        early.post("/password/forgot", &[("email", email)]).await;
        let early_code = app.latest_code(email).await;
        app.app
            .store
            .set_account_flag(
                id,
                flag,
                true,
                app.clock_now(),
                AuditEvent::new(event, "test", "test"),
            )
            .await
            .unwrap();
        let page = early
            .post("/password/forgot/check", &[("code", &early_code)])
            .await;
        assert!(
            !page.url.ends_with("/password/new") && page.lacks("new password"),
            "{flag:?}: the early recovery's code opened nothing: {page}",
        );
        app.clock.advance(61);
        let late = app.new_browser();
        late.post("/password/forgot", &[("email", email)]).await;
        let code = app.latest_code(email).await;
        let page = late
            .post("/password/forgot/check", &[("code", &code)])
            .await;
        assert_eq!(page.status, 403, "{flag:?}: {page}");
        assert!(page.has("disabled or locked"), "{flag:?}: says why: {page}",);
        let page = late
            .post(
                "/password/new",
                &[
                    ("password", "a brand new passphrase"),
                    ("password_confirmation", "a brand new passphrase"),
                ],
            )
            .await;
        assert!(page.url.contains("/password/forgot"), "{}", page.url);
        assert!(late.get("/").await.lacks("Welcome"));
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM sessions WHERE account_id = {id} AND stage <> 'recovery' AND revoked_at IS NULL"
            ))
            .await,
            0,
            "{flag:?}: no session beyond the unproven recovery step"
        );
        // A registration link cannot make one either.
        assert_eq!(signed_in_sessions(&app, email).await, 0);
    }
}

/// Finding 5 (medium): a phone user's session passed with an emailed code, even where the
/// organization turned the email factor off. ASVS 6.6.1.
async fn finding_5_a_phone_user_cannot_pass_with_the_email_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "pho@example.org";
    let browser = app
        .active_phone_user(email, "Pho Ne", PASSWORD, "415 555 0123")
        .await;
    browser.post("/logout", &[]).await;
    let attacker = app.new_browser();
    let page = attacker.sign_in(email, PASSWORD).await;
    assert!(page.url.ends_with("/verify/phone"), "{}", page.url);
    let before = app.mail.messages_to(email).await.len();
    let page = attacker.post("/verify/email/send", &[]).await;
    assert!(page.url.ends_with("/verify/phone"), "{}", page.url);
    let page = attacker
        .post("/verify/email/check", &[("code", "123456")])
        .await;
    assert!(page.url.ends_with("/verify/phone"), "{}", page.url);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mail.messages_to(email).await.len(),
        before,
        "no code was emailed"
    );
    assert_eq!(signed_in_sessions(&app, email).await, 0);
}

/// Finding 7 (medium): after a new version of the Terms of Use, signed-in routes other than
/// `/` answered 200 to someone who had not accepted it. ASVS 8.2.1.
async fn finding_7_new_terms_close_every_signed_in_route_until_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = crate::admin::system_admin(&app, "root@example.org").await;
    app.publish_new_terms().await;
    let csrf = admin.csrf().await;
    let http = admin.not_following_redirects();
    for path in [
        "/",
        "/account",
        "/sessions",
        "/verify/again?next=/account",
        "/admin",
        "/admin/audit",
        "/admin/terms",
    ] {
        let response = http.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(response.status(), 303, "GET {path}");
        assert_eq!(response.headers()["location"], "/terms", "GET {path}");
    }
    for path in ["/sessions/end-others", "/admin/users", "/verify/again/send"] {
        let response = http
            .post(format!("{}{path}", app.url))
            .form(&[("csrf_token", csrf.as_str()), ("email", "x@example.org")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "POST {path}");
        assert_eq!(response.headers()["location"], "/terms", "POST {path}");
    }
    let response = http
        .get(format!("{}/api/v1/users", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("Terms of Use"),
        "{problem}"
    );
    // Accepting opens them again.
    admin
        .post("/terms", &[("agree", "yes"), ("version", "2")])
        .await;
    assert!(admin.get("/account").await.url.ends_with("/account"));
}

/// Finding 6 (medium): organization A's administrator "invited" an address of organization
/// B, which voided B's person's link and emailed them a new one. ASVS 8.2.2 / 8.3.1: nothing
/// of B changes, and B's invited and registered people get the same answer.
async fn finding_6_an_organization_administrator_cannot_touch_another_organizations_invitation(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let alpha = crate::admin::org_admin(&app, "Alpha Clinic", "boss@alpha.example.org").await;
    let beta = crate::admin::org_admin(&app, "Beta Clinic", "boss@beta.example.org").await;
    beta.post(
        "/admin/users",
        &[
            ("display_name", "Bea Beta"),
            ("email", "bea@beta.example.org"),
        ],
    )
    .await;
    let link = app.mail.message_to("bea@beta.example.org", 0).await.link();
    let before = crate::snapshot::snapshot(&app.db.url).await;
    let mut answers = Vec::new();
    for email in ["bea@beta.example.org", "boss@beta.example.org"] {
        let page = alpha
            .post(
                "/admin/users",
                &[("display_name", "Mallory"), ("email", email)],
            )
            .await;
        assert!(page.lacks("Invitation sent"), "{page}");
        page.assert_shows("already exists");
        answers.push((page.status, page.body_without_csrf().replace(email, "X")));
    }
    assert_eq!(
        answers[0], answers[1],
        "invited and registered answer alike"
    );
    let changed = differences(&before, &crate::snapshot::snapshot(&app.db.url).await);
    assert!(changed.is_empty(), "nothing of Beta changed: {changed:#?}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mail.messages_to("bea@beta.example.org").await.len(),
        1,
        "no new link was emailed"
    );
    // Bea's link still works.
    let bea = app.new_browser();
    assert!(bea.get_absolute(&link).await.url.ends_with("/register"));
}

fn twilio_unset_behind_a_proxy(config: &mut tessera::config::Config) {
    config.trusted_proxies = "127.0.0.1".into();
}

/// Finding 8 (medium): SMTP configured, Twilio not, the documented loopback listener behind a
/// proxy: `/dev/outbox` showed every text's code to anyone. ASVS 13.4.2 (no debug features
/// in production).
async fn finding_8_behind_a_proxy_there_is_no_outbox_page(backend: Backend) {
    for public_url in [None, Some("https://portal.example.org".to_string())] {
        let app = crate::helpers::spawn_app_with(
            backend,
            crate::helpers::Options {
                twilio: false,
                public_url,
                configure: twilio_unset_behind_a_proxy,
                ..crate::helpers::Options::default()
            },
        )
        .await;
        let page = Browser::forwarded_for(&app.url, "203.0.113.5")
            .get("/dev/outbox")
            .await;
        assert_eq!(page.status, 404, "{page}");
        let press = Browser::forwarded_for(&app.url, "203.0.113.5")
            .post_raw("/dev/press/anything", &[])
            .await;
        assert!(
            press.status == 404 || press.status == 403,
            "{}",
            press.status
        );
    }
}

/// Finding 10 (low): a wrong password took 66 ms for an imported account (PBKDF2, 600,000
/// rounds) and 22-25 ms for any other, telling current portal users apart. ASVS 6.3.8 (level
/// 3, kept for PHI): every check lasts as long as the slowest imported one, learned at
/// start-up (`flows::sign_in::calibrate_timing`).
async fn finding_10_a_wrong_password_takes_as_long_for_an_imported_account(backend: Backend) {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    let app = spawn_app(backend).await;
    let salt = b"0123456789abcdef";
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"the old password", salt, 600_000, &mut out);
    let hash = format!(
        "$pbkdf2-sha256$i=600000,l=32${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    );
    let csv = format!("email,display_name,password_hash\nimp@example.org,Imp Orted,\"{hash}\"\n");
    tessera::flows::import::import_users(&app.app, std::io::Cursor::new(csv), "test", |_, _| {})
        .await
        .unwrap();
    app.active_user("reg@example.org", "Reg Ular", PASSWORD)
        .await;
    tessera::flows::sign_in::calibrate_timing(&app.app)
        .await
        .unwrap();
    let browser = app.new_browser();
    let median = |times: &mut Vec<std::time::Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let mut timed = Vec::new();
    for email in ["imp@example.org", "reg@example.org", "nobody@example.org"] {
        let mut times = Vec::new();
        for _ in 0..3 {
            let started = std::time::Instant::now();
            let page = browser.sign_in(email, "a wrong password guess").await;
            times.push(started.elapsed());
            assert_eq!(page.status, 401);
        }
        timed.push((email, median(&mut times)));
    }
    let imported = timed[0].1;
    for (email, time) in &timed[1..] {
        assert!(
            time.as_secs_f64() >= 0.8 * imported.as_secs_f64(),
            "{email}: {time:?} against {imported:?} for the imported account"
        );
    }
}

/// Use a recovery code: any session waiting at a second step (sign-in, or a recovery's).
const RECOVERY_CODE: &str = "/verify/recovery-code";

/// A person at one stage of a journey, and the routes that stage may use.
struct Person {
    who: &'static str,
    browser: Browser,
    may: fn(&str, &str) -> bool,
}

fn public(method: &str, template: &str) -> bool {
    matches!(
        (method, template),
        ("GET", "/login")
            | ("GET", "/login/email")
            | ("GET", "/login/phone")
            | ("POST", "/login/staff")
            | ("GET", "/login/staff/callback")
            | ("GET", "/register/first-login")
            | ("POST", "/login")
            | ("POST", "/login/passkey/options")
            | ("POST", "/login/passkey")
            | ("POST", "/logout")
            // The language switch: anyone; it records a pick on the session's own account only
            // (spanish.rs).
            | ("GET", "/language")
            | ("GET", "/brand/logo")
            | ("GET", "/register/{token}")
            | (_, "/password/forgot")
            | (_, "/register/reset")
            | (_, "/register/trouble")
            | ("GET", "/help")
            | ("GET", "/healthz")
            | ("GET", "/readyz")
            | ("GET", "/metrics")
            | ("GET", "/.well-known/openid-configuration")
            | ("GET", "/oidc/jwks")
            | (_, "/oidc/authorize")
            | ("POST", "/oidc/token")
            | (_, "/oidc/userinfo")
            | ("POST", "/oidc/revoke")
            | ("POST", "/oidc/introspect")
            | (_, "/oidc/logout")
            | ("POST", "/oidc/logout/confirm")
            | ("GET", "/api/v1/openapi.json")
            // A reverse proxy's checks answer everyone: their refusals are their answers
            // (forward_auth.rs walks every stage against them).
            | ("GET", "/authz/auth-request")
            | ("GET", "/authz/forward-auth")
    ) || template.starts_with("/static/")
        || template.starts_with("/dev/")
}

fn signed_in(method: &str, template: &str) -> bool {
    public(method, template)
        || template == "/"
        || [
            "/account",
            "/sessions",
            "/admin",
            "/api/",
            "/verify/again",
            "/terms",
            "/verify/done",
            "/oidc/continue",
            "/authz/denied",
        ]
        .iter()
        .any(|p| template.starts_with(p))
}

/// People at every stage, each with what it may reach (written here, apart from the gate's
/// own table, so a wrong entry there fails).
async fn people(app: &TestApp) -> Vec<Person> {
    let mut people = vec![Person {
        who: "signed out",
        browser: app.new_browser(),
        may: public,
    }];
    let link = app.invite("rae@example.org", "Rae Moss").await;
    let registering = app.new_browser();
    registering.get_absolute(&link).await;
    people.push(Person {
        who: "registering",
        browser: registering,
        // The recovery's "verified, Continue" page also serves an imported account, whose
        // recovery leads on to registration: it only links on to `/register`.
        may: |m, t| public(m, t) || t == "/register" || t == "/password/forgot/verified",
    });
    let una = app
        .active_user("una@example.org", "Una Park", PASSWORD)
        .await;
    una.post("/logout", &[]).await;
    let email_factor = app.new_browser();
    email_factor.sign_in("una@example.org", PASSWORD).await;
    people.push(Person {
        who: "email second factor",
        browser: email_factor,
        may: |m, t| public(m, t) || t.starts_with("/verify/email") || t == RECOVERY_CODE,
    });
    let pia = app
        .active_phone_user("pia@example.org", "Pia Lund", PASSWORD, "415 555 0161")
        .await;
    pia.post("/logout", &[]).await;
    pia.sign_in("pia@example.org", PASSWORD).await;
    people.push(Person {
        who: "phone second factor",
        browser: pia,
        may: |m, t| public(m, t) || t.starts_with("/verify/phone") || t == RECOVERY_CODE,
    });
    let recovering = app.new_browser();
    recovering
        .post("/password/forgot", &[("email", "una@example.org")])
        .await;
    people.push(Person {
        who: "recovering",
        browser: recovering,
        may: |m, t| {
            public(m, t)
                || matches!(
                    t,
                    "/password/forgot/code" | "/password/forgot/resend" | "/password/forgot/check"
                )
        },
    });
    app.clock.advance(61);
    let reset = app.new_browser();
    reset
        .post("/password/forgot", &[("email", "una@example.org")])
        .await;
    let code = app.latest_code("una@example.org").await;
    reset
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    people.push(Person {
        who: "password reset",
        browser: reset,
        may: |m, t| public(m, t) || t == "/password/new" || t == "/password/forgot/verified",
    });
    let phone_recovery = app.new_browser();
    phone_recovery
        .post("/password/forgot", &[("email", "pia@example.org")])
        .await;
    let code = app.latest_code("pia@example.org").await;
    let page = phone_recovery
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    assert!(
        page.url.ends_with("/password/forgot/verified"),
        "{}",
        page.url
    );
    people.push(Person {
        who: "recovery phone step",
        browser: phone_recovery,
        may: |m, t| {
            public(m, t)
                || t.starts_with("/verify/phone")
                || t == "/password/forgot/verified"
                || t == RECOVERY_CODE
        },
    });
    // Terms: a new version, accepted by the signed-in person below, pending for another.
    let pending = app
        .active_user("ted@example.org", "Ted Pend", PASSWORD)
        .await;
    app.publish_new_terms().await;
    people.push(Person {
        who: "terms pending",
        browser: pending,
        may: |m, t| public(m, t) || t == "/terms" || t == "/verify/done",
    });
    let user = app
        .active_user("sue@example.org", "Sue Ing", PASSWORD)
        .await;
    user.post("/terms", &[("agree", "yes"), ("version", "2")])
        .await;
    people.push(Person {
        who: "signed in",
        browser: user,
        may: signed_in,
    });
    people
}

/// Plausible fields for a form, so that a route the gate let through would act.
fn fields(template: &str) -> Vec<(&'static str, &'static str)> {
    match template {
        "/verify/phone/send" | "/account/phone/send" => vec![
            ("country_code", "+1"),
            ("phone", ATTACKER),
            ("action", "sms"),
        ],
        "/register" => vec![
            ("display_name", "Mallory"),
            ("password", "an attacker's passphrase"),
            ("password_confirmation", "an attacker's passphrase"),
            ("mfa_method", "phone"),
        ],
        "/password/new" => vec![
            ("password", "an attacker's passphrase"),
            ("password_confirmation", "an attacker's passphrase"),
        ],
        "/terms" => vec![("agree", "yes"), ("version", "2")],
        "/account/email/send" => vec![("email", "mallory@example.net"), ("password", PASSWORD)],
        "/account/password" => vec![
            ("password", PASSWORD),
            ("new_password", "an attacker's passphrase"),
            ("password_confirmation", "an attacker's passphrase"),
        ],
        _ => vec![
            ("code", "123456"),
            ("email", "mallory@example.net"),
            ("display_name", "Mallory"),
            ("name", "Mallory Org"),
        ],
    }
}

fn concrete(template: &str) -> String {
    template
        .replace("{token}", "not-a-token")
        .replace("{reference}", "0011223344556677")
        .replace("{id}/{action}", "1/disable")
        .replace("{id}", "1")
}

/// ASVS 8.2.1 / 8.2.2 and issue 11's walk: every person at every stage against every route
/// the router declares (read from its sources). A route the stage may not use is refused (a
/// redirect to where the person belongs, or 401/403), and changes nothing at all.
async fn every_stage_reaches_only_its_own_routes(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = people(&app).await;
    let tables = Tables::connect(&app.db.url).await;
    let routes = declared_routes();
    assert!(routes.len() > 60, "{routes:?}");
    for (template, methods) in &routes {
        for method in methods {
            assert!(
                tessera::web::access_of(&method.parse().unwrap(), template).is_some(),
                "{method} {template} is missing from web::gate::ROUTES (the gate refuses it)"
            );
        }
    }
    let mut refused = 0;
    for (template, methods) in &routes {
        // The provider's webhooks answer to their signature, never a session (phone.rs).
        if template.starts_with("/twilio/") {
            continue;
        }
        for method in methods {
            for person in &people {
                if (person.may)(method, template) {
                    continue;
                }
                let before = tables.snapshot().await;
                let csrf = person.browser.csrf().await;
                let http = person.browser.not_following_redirects();
                let url = format!("{}{}", app.url, concrete(template));
                let request = match *method {
                    "GET" => http.get(&url),
                    "POST" if template.starts_with("/api/") => http
                        .post(&url)
                        .header("x-csrf-token", &csrf)
                        .json(&json!({"email": "mallory@example.net", "display_name": "Mallory", "name": "M"})),
                    "POST" => {
                        let mut form = fields(template);
                        form.push(("csrf_token", csrf.as_str()));
                        http.post(&url).form(&form)
                    }
                    "PUT" => http
                        .put(&url)
                        .header("x-csrf-token", &csrf)
                        .json(&json!({"role": "system-admin", "email": true, "phone": true})),
                    "DELETE" => http.delete(&url).header("x-csrf-token", &csrf),
                    "PATCH" => http
                        .patch(&url)
                        .header("x-csrf-token", &csrf)
                        .json(&json!({"name": "Mallory", "require_local_mfa": true})),
                    other => panic!("method {other}"),
                };
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let location = response
                    .headers()
                    .get("location")
                    .map(|l| l.to_str().unwrap().to_string());
                assert!(
                    status == 303 || status == 401 || status == 403,
                    "{} {method} {template}: refused, got {status} {location:?}",
                    person.who
                );
                let changed = differences(&before, &tables.snapshot().await);
                assert!(
                    changed.is_empty(),
                    "{} {method} {template} changed: {changed:#?}",
                    person.who
                );
                refused += 1;
            }
        }
    }
    assert!(refused > 400, "walked {refused} refusals");
    // And nothing reached the phone provider for anyone.
    let texts_to_attacker = app
        .twilio()
        .messages()
        .iter()
        .filter(|m| m.to == ATTACKER_E164)
        .count();
    assert_eq!(texts_to_attacker, 0);
    let _ = sms_code;
}
