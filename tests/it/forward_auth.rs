//! Forward authentication (issue 15), at the HTTP level: what a reverse proxy is told about
//! each browser, and what an attacker at every other stage, of another organization, reaching
//! Tessera directly or forging headers can get out of the checks. The real proxies (nginx,
//! Caddy) in front of a real page, driven by Chromium, are in `forward_proxies.rs`.

use tessera::domain::account::Role;
use tessera::flows::admin::{AccountAction, Admin};
use tessera::flows::apps::{self, AppRequest};
use tessera::flows::invitation::InvitationRequest;

use crate::helpers::{Backend, Browser, Options, TestApp, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(
    a_signed_in_person_passes_with_their_identity_and_nobody_else_does,
    every_stage_short_of_signed_in_is_refused,
    another_organizations_application_is_refused_with_a_page_that_says_so,
    an_untrusted_peer_cannot_name_the_application,
    after_sign_in_the_browser_returns_only_to_a_registered_application,
    checks_keep_the_session_alive_and_sign_out_ends_access_at_once,
    refusals_are_audited_once_a_minute_per_person,
    the_home_page_lists_the_applications_the_person_may_open,
    create_app_prints_the_origin_and_refuses_bad_input,
);

const PASSWORD: &str = "harbour lantern compass";
const PORTAL: &str = "https://portal.example.org";
const RECORDS: &str = "https://portal.example.org/records/42?tab=notes&x=1";

/// Tessera behind a reverse proxy on this machine (the tests' requests come from 127.0.0.1).
async fn behind_proxy(backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            configure: |c| c.trusted_proxies = "127.0.0.1".into(),
            ..Options::default()
        },
    )
    .await
}

async fn organization(app: &TestApp, name: &str) {
    let event = tessera::audit::AuditEvent::new("organization-created", "test", name);
    app.app
        .store
        .create_org(name, app.clock_now(), event)
        .await
        .unwrap();
}

async fn register(app: &TestApp, name: &str, url: &str, organizations: &[&str]) {
    let request = AppRequest {
        name: name.into(),
        url: url.into(),
        organizations: organizations.iter().map(|o| o.to_string()).collect(),
    };
    apps::create(&app.app, &Admin::cli(), request)
        .await
        .unwrap();
}

/// An active person of `org`, signed in in the returned browser.
async fn member(app: &TestApp, org: &str, email: &str, name: &str) -> Browser {
    let request = InvitationRequest {
        email: email.into(),
        display_name: name.into(),
        organization: Some(org.into()),
        role: Role::User,
    };
    app.active_account(request, PASSWORD).await
}

async fn account_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("SELECT id FROM accounts WHERE email = '{email}'"))
        .await
}

/// nginx's `auth_request` for `url`, with the browser's cookies (none for `None`).
async fn auth_request(app: &TestApp, browser: Option<&Browser>, url: &str) -> reqwest::Response {
    let http = match browser {
        Some(b) => b.not_following_redirects(),
        None => app.new_browser().not_following_redirects(),
    };
    http.get(format!("{}/authz/auth-request", app.url))
        .header("x-original-url", url)
        .header("x-original-method", "GET")
        .send()
        .await
        .unwrap()
}

/// Caddy's `forward_auth` for `method` `url`, accepting `accept`.
async fn forward_auth(
    app: &TestApp,
    browser: Option<&Browser>,
    method: &str,
    url: &str,
    accept: &str,
) -> reqwest::Response {
    let http = match browser {
        Some(b) => b.not_following_redirects(),
        None => app.new_browser().not_following_redirects(),
    };
    let parsed = reqwest::Url::parse(url).unwrap();
    let uri = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_string(),
    };
    http.get(format!("{}/authz/forward-auth", app.url))
        .header("x-forwarded-method", method)
        .header("x-forwarded-proto", parsed.scheme())
        .header("x-forwarded-host", parsed.host_str().unwrap())
        .header("x-forwarded-uri", uri)
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| String::from_utf8(v.as_bytes().to_vec()).unwrap())
}

/// PRODUCT.md's contract: 200 with every `Remote-*` header for the signed-in person (the user
/// is the OIDC `sub`, never the email), 401 or a redirect to sign in for everyone else.
async fn a_signed_in_person_passes_with_their_identity_and_nobody_else_does(backend: Backend) {
    let app = behind_proxy(backend).await;
    organization(&app, "Clinic A").await;
    register(&app, "Records", PORTAL, &[]).await;
    let ada = member(&app, "Clinic A", "ada@example.org", "Åda Løvelace").await;
    let id = account_id(&app, "ada@example.org").await;

    for response in [
        auth_request(&app, Some(&ada), RECORDS).await,
        forward_auth(&app, Some(&ada), "GET", RECORDS, "text/html").await,
    ] {
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "remote-user").unwrap(),
            tessera::flows::oidc::subject(&app.app, id)
        );
        assert_eq!(
            header(&response, "remote-email").unwrap(),
            "ada@example.org"
        );
        assert_eq!(header(&response, "remote-name").unwrap(), "Åda Løvelace");
        assert_eq!(header(&response, "remote-groups").unwrap(), "Clinic A,user");
        assert_eq!(header(&response, "cache-control").unwrap(), "no-store");
        assert!(
            header(&response, "set-cookie").is_none(),
            "no cookie for the portal's host"
        );
    }

    // Nobody signed in: nginx is told 401; Caddy sends a browser to sign in and back.
    assert_eq!(auth_request(&app, None, RECORDS).await.status(), 401);
    let response = forward_auth(&app, None, "GET", RECORDS, "text/html,*/*;q=0.8").await;
    assert_eq!(response.status(), 302);
    let rd: String = form_urlencoded::byte_serialize(RECORDS.as_bytes()).collect();
    assert_eq!(
        header(&response, "location").unwrap(),
        format!("{}/login?rd={rd}", app.url)
    );
    assert!(header(&response, "remote-user").is_none());
    let response = forward_auth(&app, None, "POST", RECORDS, "text/html").await;
    assert_eq!(response.status(), 303, "after a POST, the sign-in is a GET");
    let response = forward_auth(&app, None, "GET", RECORDS, "application/json").await;
    assert_eq!(
        response.status(),
        401,
        "a script's request is not redirected"
    );

    // A cookie that is not a live session, or a forged identity header, changes nothing.
    let forged = reqwest::Client::new()
        .get(format!("{}/authz/auth-request", app.url))
        .header("x-original-url", RECORDS)
        .header("cookie", "tessera_session=not-a-session")
        .header("remote-user", "admin")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}

/// OWASP ASVS 5.0 V8.3.1 (access enforced at a trusted service layer) and issue 11's walk, for
/// the checks: a person registering, between the password and the second factor, recovering a
/// password, with new Terms to accept, without the passkey their organization requires,
/// disabled or locked, is refused exactly like nobody.
async fn every_stage_short_of_signed_in_is_refused(backend: Backend) {
    let app = behind_proxy(backend).await;
    organization(&app, "Clinic A").await;
    organization(&app, "Clinic P").await;
    register(&app, "Records", PORTAL, &[]).await;
    let refused = |response: reqwest::Response, who: &str| {
        assert_eq!(response.status(), 401, "{who}");
        assert!(header(&response, "remote-user").is_none(), "{who}");
    };

    let link = app.invite("rae@example.org", "Rae Moss").await;
    let registering = app.new_browser();
    registering.get_absolute(&link).await;
    refused(
        auth_request(&app, Some(&registering), RECORDS).await,
        "registering",
    );

    member(&app, "Clinic A", "una@example.org", "Una Park").await;
    let password_only = app.new_browser();
    password_only.sign_in("una@example.org", PASSWORD).await;
    refused(
        auth_request(&app, Some(&password_only), RECORDS).await,
        "password only",
    );

    let recovering = app.new_browser();
    recovering
        .post("/password/forgot", &[("email", "una@example.org")])
        .await;
    refused(
        auth_request(&app, Some(&recovering), RECORDS).await,
        "recovering",
    );

    let passkeyless = member(&app, "Clinic P", "pia@example.org", "Pia Lund").await;
    assert_eq!(
        auth_request(&app, Some(&passkeyless), RECORDS)
            .await
            .status(),
        200
    );
    let out = crate::cli::tessera(
        &app,
        &[
            "admin",
            "set-factors",
            "--org",
            "Clinic P",
            "--require-passkey",
            "everyone",
        ],
    );
    assert!(out.status.success(), "{}", crate::cli::text(&out));
    refused(
        auth_request(&app, Some(&passkeyless), RECORDS).await,
        "no passkey",
    );

    let ola = member(&app, "Clinic A", "ola@example.org", "Ola Nord").await;
    let eve = member(&app, "Clinic A", "eve@example.org", "Eve Holt").await;
    assert_eq!(auth_request(&app, Some(&ola), RECORDS).await.status(), 200);
    app.publish_new_terms().await;
    refused(auth_request(&app, Some(&ola), RECORDS).await, "new terms");
    ola.post("/terms", &[("agree", "yes"), ("version", "2")])
        .await;
    assert_eq!(auth_request(&app, Some(&ola), RECORDS).await.status(), 200);

    eve.post("/terms", &[("agree", "yes"), ("version", "2")])
        .await;
    assert_eq!(auth_request(&app, Some(&eve), RECORDS).await.status(), 200);
    let admin = Admin::cli();
    let (ola_id, eve_id) = (
        account_id(&app, "ola@example.org").await,
        account_id(&app, "eve@example.org").await,
    );
    tessera::flows::admin::act(&app.app, &admin, ola_id, AccountAction::Disable)
        .await
        .unwrap();
    refused(auth_request(&app, Some(&ola), RECORDS).await, "disabled");
    tessera::flows::admin::act(&app.app, &admin, eve_id, AccountAction::Lock)
        .await
        .unwrap();
    refused(auth_request(&app, Some(&eve), RECORDS).await, "locked");
    tessera::flows::admin::act(&app.app, &admin, eve_id, AccountAction::Unlock)
        .await
        .unwrap();
    refused(
        auth_request(&app, Some(&eve), RECORDS).await,
        "unlocked: the locked session stays ended",
    );
}

/// Issue 15: an application may be limited to organizations; a person of another gets 403
/// and a page that says they have no access. A disabled or unregistered application is
/// refused to everyone.
async fn another_organizations_application_is_refused_with_a_page_that_says_so(backend: Backend) {
    let app = behind_proxy(backend).await;
    organization(&app, "Clinic A").await;
    organization(&app, "Clinic B").await;
    register(
        &app,
        "Billing",
        "https://billing.example.org",
        &["Clinic B"],
    )
    .await;
    register(&app, "Records", PORTAL, &["Clinic A", "Clinic B"]).await;
    let ada = member(&app, "Clinic A", "ada@example.org", "Ada Byron").await;
    let bo = member(&app, "Clinic B", "bo@example.org", "Bo Chen").await;
    let billing = "https://billing.example.org/invoices";

    assert_eq!(auth_request(&app, Some(&bo), billing).await.status(), 200);
    assert_eq!(auth_request(&app, Some(&ada), RECORDS).await.status(), 200);
    let response = auth_request(&app, Some(&ada), billing).await;
    assert_eq!(response.status(), 403);
    assert!(header(&response, "remote-user").is_none());

    // Caddy passes the 403 page on; it sends the browser to Tessera's page, which says why.
    let response = forward_auth(&app, Some(&ada), "GET", billing, "text/html").await;
    assert_eq!(response.status(), 403);
    assert!(header(&response, "remote-user").is_none());
    let body = response.text().await.unwrap();
    let denied = format!(
        "{}/authz/denied?app=https%3A%2F%2Fbilling.example.org",
        app.url
    );
    let document = scraper::Html::parse_document(&body);
    let refresh = scraper::Selector::parse("meta[http-equiv=refresh]").unwrap();
    let content = document
        .select(&refresh)
        .next()
        .and_then(|m| m.value().attr("content"))
        .unwrap_or_default()
        .to_string();
    assert_eq!(content, format!("0; url={denied}"), "{body}");
    let page = ada.get_absolute(&denied).await;
    assert_eq!(page.status, 403);
    assert_eq!(
        page.heading().as_deref(),
        Some("You have no access to Billing")
    );
    assert!(page.link_named("Go to your home page").is_some(), "{page}");

    // Not registered, or disabled: nobody passes.
    let elsewhere = "https://elsewhere.example.org/";
    assert_eq!(auth_request(&app, Some(&bo), elsewhere).await.status(), 403);
    let page = bo
        .get("/authz/denied?app=https%3A%2F%2Felsewhere.example.org")
        .await;
    assert_eq!(
        page.heading().as_deref(),
        Some("You have no access to this application")
    );
    let billing_id = app
        .count("SELECT id FROM forward_apps WHERE name = 'Billing'")
        .await;
    apps::act(
        &app.app,
        &Admin::cli(),
        billing_id,
        tessera::flows::clients::ClientAction::Disable,
    )
    .await
    .unwrap();
    assert_eq!(auth_request(&app, Some(&bo), billing).await.status(), 403);
}

/// OWASP ASVS 5.0 V4.1.3: without `TESSERA_TRUSTED_PROXIES`, a request's `X-Original-URL`
/// and `X-Forwarded-*` are the client's own words: the check is about the request's own
/// host, so nobody reaching Tessera directly can ask about (or pass for) an application.
async fn an_untrusted_peer_cannot_name_the_application(backend: Backend) {
    let app = spawn_app_with(backend, Options::default()).await;
    organization(&app, "Clinic A").await;
    register(&app, "Records", PORTAL, &[]).await;
    let ada = member(&app, "Clinic A", "ada@example.org", "Ada Byron").await;
    let response = auth_request(&app, Some(&ada), RECORDS).await;
    assert_eq!(
        response.status(),
        403,
        "Tessera's own host is no application"
    );
    let response = forward_auth(&app, Some(&ada), "GET", RECORDS, "text/html").await;
    assert_eq!(response.status(), 403);
    // Not signed in: the way to sign in leads back to Tessera itself, never to the header's URL.
    let response = forward_auth(&app, None, "GET", RECORDS, "text/html").await;
    let location = header(&response, "location").unwrap();
    assert!(!location.contains("portal.example.org"), "{location}");
}

/// Issue 15 and OWASP ASVS 5.0 V3.7.2: `/login?rd=URL` returns to URL after the sign-in only
/// when its origin is a registered application, from a page of Tessera's own (a redirect
/// answering the form POST that ends the guide would be held to `form-action 'self'`);
/// anything else goes home.
async fn after_sign_in_the_browser_returns_only_to_a_registered_application(backend: Backend) {
    let app = behind_proxy(backend).await;
    organization(&app, "Clinic A").await;
    register(&app, "Records", PORTAL, &[]).await;
    member(&app, "Clinic A", "ada@example.org", "Ada Byron").await;

    let browser = app.new_browser();
    let rd: String = form_urlencoded::byte_serialize(RECORDS.as_bytes()).collect();
    browser
        .get(&format!("/login?rd={rd}"))
        .await
        .assert_shows("Login");
    browser.sign_in("ada@example.org", PASSWORD).await;
    browser.post("/verify/email/send", &[]).await;
    let code = app.latest_code("ada@example.org").await;
    let page = browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    page.assert_shows("Verification complete");
    // Its Continue (a GET form to the home page).
    let page = browser.get("/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.url.starts_with(&app.url),
        "Tessera's own page: {}",
        page.url
    );
    assert_eq!(
        page.link_named("Continue to the application").as_deref(),
        Some(RECORDS)
    );
    let refresh = page.first("meta[http-equiv=refresh]").unwrap();
    assert_eq!(
        refresh.attr("content"),
        Some(format!("0; url={RECORDS}").as_str())
    );
    // Once: the next visit home is the home page.
    browser.get("/").await.assert_shows("Welcome, Ada Byron");

    // Already signed in: straight back…
    let other = "https://portal.example.org/schedule";
    let rd_other: String = form_urlencoded::byte_serialize(other.as_bytes()).collect();
    let page = browser.get(&format!("/login?rd={rd_other}")).await;
    assert_eq!(
        page.link_named("Continue to the application").as_deref(),
        Some(other)
    );
    // …but sent back again to where it was just sent (the application cannot see the
    // session: a portal on a sibling host without TESSERA_COOKIE_DOMAIN), the browser stops
    // at a page that says so, instead of looping.
    let page = browser.get(&format!("/login?rd={rd_other}")).await;
    assert_eq!(
        page.heading().as_deref(),
        Some("The application did not see your sign-in")
    );
    page.assert_shows("TESSERA_COOKIE_DOMAIN");
    assert!(page.first("meta[http-equiv=refresh]").is_none(), "{page}");
    assert_eq!(
        page.link_named("Try the application again").as_deref(),
        Some(other)
    );
    let _ = rd;

    for trick in [
        "https://evil.example.net/",
        "https://portal.example.org@evil.example.net/",
        "//evil.example.net/",
        "javascript:alert(document.cookie)",
        "https:%2F%2Fevil.example.net",
        "https://portal.example.org.evil.example.net/",
        "/\\evil.example.net/",
    ] {
        let rd: String = form_urlencoded::byte_serialize(trick.as_bytes()).collect();
        let page = browser.get(&format!("/login?rd={rd}")).await;
        assert!(
            page.link_named("Continue to the application").is_none(),
            "{trick}"
        );
        page.assert_shows("Welcome, Ada Byron");
        assert!(!page.body.contains("evil.example.net"), "{trick}");
    }
}

/// Issue 15: the idle time-out counts the person's activity in the protected portal (each
/// check touches the session, at most once a minute), and Sign out ends access at once.
async fn checks_keep_the_session_alive_and_sign_out_ends_access_at_once(backend: Backend) {
    let app = behind_proxy(backend).await;
    organization(&app, "Clinic A").await;
    register(&app, "Records", PORTAL, &[]).await;
    let ada = member(&app, "Clinic A", "ada@example.org", "Ada Byron").await;
    let idle = app.app.config.policy.session_idle_secs;
    // Working in the portal for three idle time-outs, a request every two-thirds of one.
    for _ in 0..5 {
        app.clock.advance(idle * 2 / 3);
        assert_eq!(auth_request(&app, Some(&ada), RECORDS).await.status(), 200);
    }
    ada.get("/").await.assert_shows("Welcome, Ada Byron");
    ada.post("/logout", &[]).await;
    assert_eq!(auth_request(&app, Some(&ada), RECORDS).await.status(), 401);

    let bo = member(&app, "Clinic A", "bo@example.org", "Bo Chen").await;
    app.clock.advance(idle + 1);
    assert_eq!(
        auth_request(&app, Some(&bo), RECORDS).await.status(),
        401,
        "idle past the time-out"
    );
}

/// Issue 15: every refusal is audited, sampled so a busy portal cannot flood the log: one
/// entry a minute per person and application, none naming the path (it may name a patient).
async fn refusals_are_audited_once_a_minute_per_person(backend: Backend) {
    let app = behind_proxy(backend).await;
    organization(&app, "Clinic A").await;
    organization(&app, "Clinic B").await;
    register(
        &app,
        "Billing",
        "https://billing.example.org",
        &["Clinic B"],
    )
    .await;
    let ada = member(&app, "Clinic A", "ada@example.org", "Ada Byron").await;
    let refusals = "SELECT COUNT(*) FROM audit_log WHERE event = 'forward-auth-refused'";
    let billing = "https://billing.example.org/patients/Jane-Doe";
    for _ in 0..20 {
        assert_eq!(auth_request(&app, Some(&ada), billing).await.status(), 403);
        assert_eq!(auth_request(&app, None, billing).await.status(), 401);
    }
    assert_eq!(
        app.count(refusals).await,
        2,
        "one for Ada, one for the anonymous client"
    );
    app.clock.advance(61);
    auth_request(&app, Some(&ada), billing).await;
    assert_eq!(app.count(refusals).await, 3);
    let details = app
        .count("SELECT COUNT(*) FROM audit_log WHERE event = 'forward-auth-refused' AND detail LIKE '%Jane%'")
        .await;
    assert_eq!(details, 0, "the path is not logged");
    let ada_id = account_id(&app, "ada@example.org").await;
    let entry = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE event = 'forward-auth-refused'
             AND actor = 'account:{ada_id}' AND subject = 'app:https://billing.example.org'
             AND detail LIKE '%organization-not-allowed%'"
        ))
        .await;
    assert_eq!(entry, 2);
}

/// Issue 15: the home page is the person's launcher: the applications their organization may
/// use, each a link; none, and it says so plainly.
async fn the_home_page_lists_the_applications_the_person_may_open(backend: Backend) {
    let app = behind_proxy(backend).await;
    organization(&app, "Clinic A").await;
    organization(&app, "Clinic B").await;
    let ada = member(&app, "Clinic A", "ada@example.org", "Ada Byron").await;
    let home = ada.get("/").await;
    home.assert_shows("No applications are available to you here yet.");

    register(&app, "Records", PORTAL, &[]).await;
    register(
        &app,
        "Billing",
        "https://billing.example.org",
        &["Clinic B"],
    )
    .await;
    register(
        &app,
        "Scheduling",
        "https://schedule.example.org:8443",
        &["Clinic A"],
    )
    .await;
    let home = ada.get("/").await;
    assert_eq!(
        home.link_named("Records").as_deref(),
        Some("https://portal.example.org/")
    );
    assert_eq!(
        home.link_named("Scheduling").as_deref(),
        Some("https://schedule.example.org:8443/")
    );
    assert!(home.link_named("Billing").is_none(), "{home}");
    assert!(home.lacks("No applications are available"));

    // OpenID Connect clients with a start URL are listed too, for their organization only;
    // one without a start URL, or disabled, is not.
    let client =
        |name: &str, org: &str, start: Option<&str>| tessera::flows::clients::ClientRequest {
            name: name.into(),
            organization: Some(org.into()),
            redirect_uris: vec![format!("https://{}.example.org/cb", name.to_lowercase())],
            start_url: start.map(str::to_string),
            ..Default::default()
        };
    let admin = Admin::cli();
    for request in [
        client("Labs", "Clinic A", Some("https://labs.example.org/start")),
        client(
            "Pharmacy",
            "Clinic B",
            Some("https://pharmacy.example.org/"),
        ),
        client("Silent", "Clinic A", None),
        client("Retired", "Clinic A", Some("https://retired.example.org/")),
    ] {
        tessera::flows::clients::create(&app.app, &admin, request)
            .await
            .unwrap();
    }
    let retired = app
        .count("SELECT id FROM oidc_clients WHERE name = 'Retired'")
        .await;
    tessera::flows::clients::act(
        &app.app,
        &admin,
        retired,
        tessera::flows::clients::ClientAction::Disable,
    )
    .await
    .unwrap();
    let home = ada.get("/").await;
    let listed: Vec<String> = home
        .select("ul.launcher a")
        .into_iter()
        .map(|a| a.text)
        .collect();
    assert_eq!(listed, ["Labs", "Records", "Scheduling"], "{home}");
    assert_eq!(
        home.link_named("Labs").as_deref(),
        Some("https://labs.example.org/start")
    );
    // A start URL is checked like the other URIs.
    let bad = client("Sloppy", "Clinic A", Some("javascript:alert(1)"));
    assert!(
        tessera::flows::clients::create(&app.app, &admin, bad)
            .await
            .is_err()
    );
}

/// The contract's `tessera admin create-app`: prints the origin it registered; bad input gets
/// a clear error and stores nothing.
async fn create_app_prints_the_origin_and_refuses_bad_input(backend: Backend) {
    let app = behind_proxy(backend).await;
    organization(&app, "Clinic A").await;
    let cli = |args: &[&str]| crate::cli::tessera(&app, args);
    let out = cli(&[
        "admin",
        "create-app",
        "--name",
        "Records",
        "--url",
        "https://Portal.example.org/",
        "--org",
        "Clinic A",
    ]);
    assert!(out.status.success(), "{}", crate::cli::text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "app: https://portal.example.org"
    );
    for (args, says) in [
        (
            vec!["--name", "X", "--url", "https://portal.example.org"],
            "already",
        ),
        (
            vec!["--name", "X", "--url", "https://x.example.org/app"],
            "origin",
        ),
        (
            vec!["--name", "X", "--url", "javascript:alert(1)"],
            "origin",
        ),
        (vec!["--name", "", "--url", "https://y.example.org"], "name"),
        (
            vec![
                "--name",
                "X",
                "--url",
                "https://z.example.org",
                "--org",
                "Nowhere",
            ],
            "Nowhere",
        ),
    ] {
        let mut all = vec!["admin", "create-app"];
        all.extend(args);
        let out = cli(&all);
        assert!(!out.status.success());
        assert!(
            crate::cli::text(&out).contains(says),
            "{all:?}: {}",
            crate::cli::text(&out)
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM forward_apps").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM forward_app_orgs").await, 1);
}
