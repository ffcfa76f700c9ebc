//! No state change on GET (ASVS 3.5.3): every GET route of the router, requested by people at
//! every stage and by an API token, leaves every table as it was. The one exception by design
//! is the registration link, `GET /register/{token}`, whose token is exchanged for a session
//! at first open (so it leaves the address bar); it has its own test below. A reverse proxy's
//! checks (`/authz/…`) write the audit entry of a refusal, as issue 15 asks, and nothing else:
//! their own test below. So does a staff sign-in's answer from the company's identity provider
//! (`/login/staff/callback`, tested in `staff_sso.rs`).

use tessera::domain::account::Role;
use tessera::flows::invitation::InvitationRequest;

use crate::helpers::{
    Backend, Browser, Options, SECRET_KEY, TestApp, declared_routes, spawn_app, spawn_app_with,
};
use crate::on_both_backends;
use crate::snapshot::{Tables, differences, snapshot};

on_both_backends!(
    no_get_route_changes_the_database,
    opening_a_registration_link_is_the_one_get_that_changes_state,
    the_proxies_checks_write_only_the_audit_of_a_refusal,
);

const PASSWORD: &str = "correct horse battery staple";

/// Every GET route of `web::router` (route template, path requested). The test below fails
/// when the router's sources have a GET route missing here, or this list one they lack.
const GET_ROUTES: &[(&str, &str)] = &[
    ("/", "/"),
    ("/login", "/login"),
    ("/login/email", "/login/email?notice=registered"),
    ("/login/phone", "/login/phone"),
    ("/register/first-login", "/register/first-login"),
    ("/register", "/register"),
    ("/verify/email", "/verify/email"),
    ("/verify/done", "/verify/done"),
    ("/verify/phone", "/verify/phone"),
    ("/verify/recovery-code", "/verify/recovery-code"),
    ("/verify/phone/call", "/verify/phone/call"),
    ("/verify/phone/call/state", "/verify/phone/call/state"),
    ("/terms", "/terms"),
    ("/password/forgot", "/password/forgot?expired=1"),
    ("/password/forgot/code", "/password/forgot/code"),
    ("/password/forgot/verified", "/password/forgot/verified"),
    ("/password/new", "/password/new"),
    ("/register/reset", "/register/reset"),
    ("/register/trouble", "/register/trouble"),
    ("/help", "/help"),
    // Without a language to switch to, the switch changes nothing (spanish.rs switches).
    ("/language", "/language"),
    ("/brand/logo", "/brand/logo"),
    ("/static/brand.css", "/static/brand.css"),
    ("/sessions", "/sessions"),
    ("/account", "/account"),
    ("/account/password", "/account/password"),
    ("/account/app", "/account/app"),
    ("/verify/app", "/verify/app"),
    ("/verify/again", "/verify/again?next=/account"),
    ("/admin", "/admin?q=a&status=active&page=0&sort=email"),
    ("/admin/terms", "/admin/terms"),
    ("/admin/rollout", "/admin/rollout"),
    ("/admin/audit", "/admin/audit?event=signed-in"),
    ("/admin/audit/export", "/admin/audit/export?format=csv"),
    ("/admin/mail", "/admin/mail"),
    ("/admin/clients", "/admin/clients?done=deleted"),
    ("/admin/clients/{id}", "/admin/clients/1?done=uris"),
    ("/api/v1/clients", "/api/v1/clients"),
    ("/api/v1/clients/{id}", "/api/v1/clients/1"),
    ("/admin/apps", "/admin/apps?done=deleted"),
    ("/api/v1/apps", "/api/v1/apps"),
    ("/api/v1/apps/{id}", "/api/v1/apps/1"),
    ("/admin/providers", "/admin/providers?done=registered"),
    ("/admin/providers/{id}", "/admin/providers/1"),
    ("/api/v1/providers", "/api/v1/providers"),
    ("/api/v1/providers/{id}", "/api/v1/providers/1"),
    ("/static/style.css", "/static/style.css"),
    ("/static/call.js", "/static/call.js"),
    ("/static/upload.js", "/static/upload.js"),
    ("/static/passkey.js", "/static/passkey.js"),
    ("/verify/passkey", "/verify/passkey"),
    ("/api/v1/organizations", "/api/v1/organizations"),
    (
        "/api/v1/organizations/{id}/factors",
        "/api/v1/organizations/1/factors",
    ),
    ("/api/v1/tokens", "/api/v1/tokens"),
    ("/healthz", "/healthz"),
    ("/readyz", "/readyz"),
    ("/metrics", "/metrics"),
    ("/oidc/jwks", "/oidc/jwks"),
    (
        "/.well-known/openid-configuration",
        "/.well-known/openid-configuration",
    ),
    // Without a registered client: the error page, nothing kept.
    ("/oidc/authorize", "/oidc/authorize?client_id=walker"),
    ("/oidc/continue", "/oidc/continue"),
    ("/oidc/userinfo", "/oidc/userinfo"),
    // Without a hint: the question, nothing ended.
    ("/oidc/logout", "/oidc/logout"),
    ("/api/v1/openapi.json", "/api/v1/openapi.json"),
    ("/api/v1/users", "/api/v1/users?q=a"),
    ("/api/v1/audit", "/api/v1/audit"),
    (
        "/authz/denied",
        "/authz/denied?app=http%3A%2F%2F127.0.0.1%3A9",
    ),
    // Only while messages go to the development outbox; walked on such an app below.
    ("/dev/outbox", "/dev/outbox"),
];

/// Changes state by design (see `opening_a_registration_link_is_the_one_get_that_changes_state`).
const EXCEPTION: &str = "/register/{token}";

/// The company's identity provider answers a staff sign-in with a GET (OpenID Connect's code
/// flow): it signs the person in, or audits the refusal (`tests/it/staff_sso.rs`).
const PROVIDER_ANSWER: &str = "/login/staff/callback";

/// Audit their refusals by design (see `the_proxies_checks_write_only_the_audit_of_a_refusal`).
const AUDITED: [&str; 2] = ["/authz/auth-request", "/authz/forward-auth"];

/// The GET routes the router's sources declare (`helpers::declared_routes`).
fn declared_get_routes() -> Vec<String> {
    declared_routes()
        .into_iter()
        .filter(|(_, methods)| methods.contains(&"GET"))
        .map(|(template, _)| template)
        .collect()
}

#[test]
fn the_get_route_list_matches_the_router() {
    let mut listed: Vec<String> = GET_ROUTES.iter().map(|(t, _)| t.to_string()).collect();
    listed.push(EXCEPTION.to_string());
    listed.push(PROVIDER_ANSWER.to_string());
    listed.extend(AUDITED.map(str::to_string));
    listed.sort();
    let declared = declared_get_routes();
    assert!(declared.len() >= 30, "{declared:?}");
    assert_eq!(
        declared, listed,
        "a GET route was added or removed: list it in GET_ROUTES (and walk it) or as the exception"
    );
}

fn create_token(app: &TestApp) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["admin", "create-token", "--name", "walker"])
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// People at every stage a GET can meet: signed out, mid-registration, password accepted
/// (email and phone), signed in, recovering a password, an administrator.
async fn people(app: &TestApp) -> Vec<(&'static str, Browser)> {
    let anonymous = app.new_browser();
    let link = app.invite("rae@example.org", "Rae Moss").await;
    let registering = app.new_browser();
    registering.get_absolute(&link).await;
    let user = app
        .active_user("una@example.org", "Una Park", PASSWORD)
        .await;
    let second_factor = app.new_browser();
    second_factor.sign_in("una@example.org", PASSWORD).await;
    second_factor.post("/verify/email/send", &[]).await;
    let phone = app
        .active_phone_user("pia@example.org", "Pia Lund", PASSWORD, "415 555 0161")
        .await;
    phone.post("/logout", &[]).await;
    phone.sign_in("pia@example.org", PASSWORD).await;
    // A call under way, so the call pages have something to read.
    phone
        .post(
            "/verify/phone/send",
            &[("country_code", "+1"), ("phone", ""), ("action", "call")],
        )
        .await;
    let recovering = app.new_browser();
    recovering
        .post("/password/forgot", &[("email", "una@example.org")])
        .await;
    let admin = app
        .active_account(
            InvitationRequest {
                email: "root@example.org".into(),
                display_name: "Root Admin".into(),
                organization: None,
                role: Role::SystemAdmin,
            },
            PASSWORD,
        )
        .await;
    vec![
        ("signed out", anonymous),
        ("registering", registering),
        ("second factor", second_factor),
        ("phone second factor", phone),
        ("signed in", user),
        ("recovering", recovering),
        ("administrator", admin),
    ]
}

async fn no_get_route_changes_the_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = people(&app).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM verification_codes WHERE channel = 'voice'")
            .await,
        1,
        "a call under way"
    );
    let token = create_token(&app);
    // A client (id 1), so its console page and API entry are read, not just missing.
    let client = tessera::flows::clients::ClientRequest {
        name: "Walker portal".into(),
        redirect_uris: vec!["https://walker.example.org/cb".into()],
        ..Default::default()
    };
    let admin = tessera::flows::admin::Admin::cli();
    let created = tessera::flows::clients::create(&app.app, &admin, client)
        .await
        .unwrap();
    assert_eq!(created.id, 1);
    // A protected application (id 1), likewise.
    let protected = tessera::flows::apps::AppRequest {
        name: "Walker intranet".into(),
        url: "https://intranet.walker.example.org".into(),
        organizations: Vec::new(),
    };
    let registered = tessera::flows::apps::create(&app.app, &admin, protected)
        .await
        .unwrap();
    assert_eq!(registered.id, 1);
    // A staff sign-in provider (id 1), likewise; its discovery document is read first.
    let idp = crate::upstream_idp::UpstreamIdp::start(crate::upstream_idp::example_config(
        &format!("{}/login/staff/callback", app.url),
    ))
    .await;
    let provider = tessera::flows::staff_sso::ProviderRequest {
        name: "Walker staff".into(),
        issuer: idp.issuer.clone(),
        client_id: "tessera".into(),
        client_secret: "upstream-client-secret".into(),
        domains: vec!["staff.walker.example.org".into()],
        ..Default::default()
    };
    let provider = tessera::flows::staff_sso::create(&app.app, &admin, provider)
        .await
        .unwrap();
    assert_eq!(provider, 1);
    let tables = Tables::connect(&app.db.url).await;
    let before = tables.snapshot().await;
    let mut answered = 0;
    for (template, path) in GET_ROUTES {
        if *template == "/dev/outbox" {
            continue;
        }
        // Time moves (past the once-a-minute touch), so a read that wrote "now" anywhere
        // would show.
        app.clock.advance(61);
        for (who, browser) in &people {
            let page = browser.get(path).await;
            assert!(page.status < 500, "{who} GET {path}: {}", page.status);
            answered += 1;
        }
        let changed = differences(&before, &tables.snapshot().await);
        assert!(changed.is_empty(), "GET {path} changed: {changed:#?}");
        let response = reqwest::Client::new()
            .get(format!("{}{path}", app.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert!(response.status().as_u16() < 500, "token GET {path}");
    }
    assert_eq!(answered, (GET_ROUTES.len() - 1) * people.len());
    let changed = differences(&before, &tables.snapshot().await);
    assert!(changed.is_empty(), "changed: {changed:#?}");

    // The development outbox page, on an app whose messages go to it.
    let outbox = spawn_app_with(
        backend,
        Options {
            smtp: false,
            twilio: false,
            ..Options::default()
        },
    )
    .await;
    outbox.invite_to_outbox("oz@example.org", "Oz Ray").await;
    let before = snapshot(&outbox.db.url).await;
    let page = outbox.new_browser().get("/dev/outbox").await;
    assert_eq!(page.status, 200);
    page.assert_shows("oz@example.org");
    let changed = differences(&before, &snapshot(&outbox.db.url).await);
    assert!(changed.is_empty(), "GET /dev/outbox changed: {changed:#?}");
}

/// The registration link is exchanged for a registration session at first open: the link is
/// used, a session begins, the audit log says so. Nothing else changes, and an unknown or
/// used token changes nothing at all.
async fn opening_a_registration_link_is_the_one_get_that_changes_state(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("rae@example.org", "Rae Moss").await;
    let browser = app.new_browser();

    let before = snapshot(&app.db.url).await;
    let page = browser.get("/register/not-a-token").await;
    assert_eq!(page.status, 410);
    assert!(differences(&before, &snapshot(&app.db.url).await).is_empty());

    let page = browser.get_absolute(&link).await;
    assert!(page.url.ends_with("/register"), "{}", page.url);
    let changed = differences(&before, &snapshot(&app.db.url).await);
    let tables: std::collections::BTreeSet<&str> = changed
        .iter()
        .map(|c| c.split(':').next().unwrap())
        .collect();
    assert_eq!(
        tables.into_iter().collect::<Vec<_>>(),
        ["audit_head", "audit_log", "registration_links", "sessions"],
        "{changed:#?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM registration_links WHERE used_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE stage = 'registration'")
            .await,
        1
    );

    let after = snapshot(&app.db.url).await;
    let again = app.new_browser().get_absolute(&link).await;
    assert_eq!(again.status, 410);
    assert!(differences(&after, &snapshot(&app.db.url).await).is_empty());
}

/// A reverse proxy's checks, asked by people at every stage about an application that is not
/// registered (the request's own host, as no proxy is trusted here): each refusal writes its
/// audit entry (OWASP ASVS 5.0 16.3.1, security events logged), and nothing else changes.
async fn the_proxies_checks_write_only_the_audit_of_a_refusal(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = people(&app).await;
    let tables = Tables::connect(&app.db.url).await;
    let before = tables.snapshot().await;
    let entries = app.count("SELECT COUNT(*) FROM audit_log").await;
    for path in AUDITED {
        app.clock.advance(61);
        for (who, browser) in &people {
            let response = browser
                .not_following_redirects()
                .get(format!("{}{path}", app.url))
                .header("accept", "text/html")
                .header("x-original-url", "https://portal.example.org/records/1")
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!(
                [401, 403, 302].contains(&status),
                "{who} GET {path}: {status}"
            );
        }
    }
    let changed = differences(&before, &tables.snapshot().await);
    let changed_tables: std::collections::BTreeSet<&str> = changed
        .iter()
        .map(|c| c.split(':').next().unwrap())
        .collect();
    assert!(
        changed_tables
            .iter()
            .all(|t| ["audit_head", "audit_log", "delivery_counters"].contains(t)),
        "{changed:#?}"
    );
    let refusals = app
        .count("SELECT COUNT(*) FROM audit_log WHERE event = 'forward-auth-refused'")
        .await;
    let written = app.count("SELECT COUNT(*) FROM audit_log").await - entries;
    assert_eq!(written, refusals, "only refusals were written");
    // At most one entry a minute per person, or per client address for those not signed in
    // (all of them here share 127.0.0.1): the two signed-in people and the address, per path.
    assert_eq!(refusals, (AUDITED.len() * 3) as i64);
}
