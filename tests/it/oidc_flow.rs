//! Portals sign their people in through Tessera (issue 13): a relying party built on the
//! `openidconnect` crate drives the authorization code flow with PKCE through the real
//! router, the person goes through Tessera's own pages, and every refusal is checked as an
//! attacker would try it. OWASP ASVS 5.0 chapter 10 items are named where they apply.

use openidconnect::{OAuth2TokenResponse, TokenResponse};
use tessera::domain::account::Role;
use tessera::flows::admin::Admin;
use tessera::flows::clients::{self, ClientRequest};
use tessera::flows::invitation::InvitationRequest;

use crate::helpers::{Backend, Browser, Page, TestApp, sms_code, spawn_app};
use crate::on_both_backends;
use crate::relying_party::{RelyingParty, Started};

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const PASSWORD: &str = "correct horse battery staple";

async fn register_client(app: &TestApp, request: ClientRequest) -> (String, Option<String>) {
    let made = clients::create(&app.app, &Admin::cli(), request)
        .await
        .expect("client registered");
    (made.client_id, made.client_secret)
}

fn portal(alg: &str) -> ClientRequest {
    ClientRequest {
        name: "Patient portal".into(),
        id_token_alg: Some(alg.into()),
        redirect_uris: vec![REDIRECT.into()],
        ..ClientRequest::default()
    }
}

async fn relying_party(app: &TestApp, alg: &str) -> RelyingParty {
    let (id, secret) = register_client(app, portal(alg)).await;
    RelyingParty::discover(app, &id, secret.as_deref(), REDIRECT).await
}

/// Where the browser is sent without following: the `Location` of a redirect.
async fn location_of(browser: &Browser, url: &str) -> (u16, Option<String>) {
    let response = browser
        .not_following_redirects()
        .get(url)
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    (response.status().as_u16(), location)
}

/// The ID token's `amr` values, in order.
fn amr_of(claims: &openidconnect::core::CoreIdTokenClaims) -> Vec<String> {
    claims
        .auth_method_refs()
        .expect("amr")
        .iter()
        .map(|a| a.as_str().to_string())
        .collect()
}

/// The page that ends the guide for an application: its way on to the application.
fn continue_link(page: &Page) -> String {
    assert_eq!(page.status, 200, "{page}");
    assert!(page.url.ends_with("/oidc/continue"), "{}", page.url);
    let meta = page
        .first("meta[http-equiv=refresh]")
        .and_then(|m| m.attr("content").map(str::to_string))
        .expect("the page moves on by itself");
    let link = page
        .link_named("Continue to the application")
        .expect("and offers a link");
    assert_eq!(meta, format!("0; url={link}"));
    link
}

async fn email_code_sign_in(app: &TestApp, browser: &Browser, email: &str) -> Page {
    let page = browser.sign_in(email, PASSWORD).await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    browser.post("/verify/email/send", &[]).await;
    let code = app.latest_code(email).await;
    let page = browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    assert!(page.url.ends_with("/verify/done"), "{}", page.url);
    // "Select Continue to complete."
    browser.get("/").await
}

/// The whole guide between the request and the code: an invited person who has not
/// registered yet follows the emailed link, registers, signs in, passes the emailed code
/// and accepts a new version of the Terms; the application then gets a code, exchanges it
/// with PKCE, and reads verified claims (ASVS 10.4.6 PKCE, 10.5.1 nonce, 10.5.4 aud).
async fn a_portal_signs_in_a_person_who_registers_on_the_way(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let email = "ana@clinic.test";
    let link = app.invite(email, "Ana Lima").await;
    let started = rp.start(&["profile", "email"]);

    let browser = app.new_browser();
    let page = browser.get_absolute(&started.url).await;
    assert!(
        page.url.ends_with("/login"),
        "sent to sign in: {}",
        page.url
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_requests").await, 1);
    // The request is kept at Tessera, not in a URL the person could edit.
    assert!(!page.url.contains("redirect_uri"), "{}", page.url);

    browser.get_absolute(&link).await;
    let page = browser
        .register("Ana Lima", PASSWORD, PASSWORD, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{}",
        page.url
    );
    app.publish_new_terms().await;
    let page = email_code_sign_in(&app, &browser, email).await;
    assert!(
        page.url.ends_with("/terms"),
        "the Terms first: {}",
        page.url
    );
    let page = browser
        .post("/terms", &[("agree", "yes"), ("version", "2")])
        .await;
    let code = rp.code_from(&app, &started, &continue_link(&page));
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_requests").await, 0);

    let (tokens, claims) = rp.claims_for(&code, started).await;
    let sub = claims.subject().as_str().to_string();
    assert!(!sub.contains('@') && sub.len() >= 16, "opaque: {sub}");
    let amr = amr_of(&claims);
    assert_eq!(amr, vec!["pwd", "otp", "mfa"]);
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), "mfa");
    assert!(claims.auth_time().is_some());
    assert_eq!(
        claims.email().unwrap().as_str(),
        email,
        "with the email scope"
    );
    assert_eq!(claims.email_verified(), Some(true));
    assert_eq!(
        claims.name().unwrap().get(None).unwrap().as_str(),
        "Ana Lima"
    );

    let info = rp.userinfo(tokens.access_token()).await.expect("userinfo");
    assert_eq!(info.subject().as_str(), sub, "the same person");
    assert_eq!(info.email().unwrap().as_str(), email);
    assert!(
        app.audit_events()
            .await
            .contains(&"client-sign-in".to_string())
    );

    // The same person at a second client: one sign-in serves both (no second password).
    let other = relying_party(&app, "ES256").await;
    let second = other.start(&["email"]);
    let (status, to) = location_of(&browser, &second.url).await;
    assert_eq!(status, 303);
    let code = other.code_from(&app, &second, &to.unwrap());
    let (_, es256) = other.claims_for(&code, second).await;
    assert_eq!(
        es256.subject().as_str(),
        sub,
        "one subject for every client"
    );
    assert!(
        es256.name().is_none(),
        "no profile scope, no name: {es256:?}"
    );
}

/// A person signed in with a texted code: the application learns it was a text
/// (`amr` has `sms`).
async fn a_phone_sign_in_is_named_in_amr(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let email = "pat@clinic.test";
    let browser = app
        .active_phone_user(email, "Pat Moss", PASSWORD, "415 555 0177")
        .await;
    browser.post("/logout", &[]).await;
    let started = rp.start(&[]);
    browser.get_absolute(&started.url).await;
    let page = browser.sign_in(email, PASSWORD).await;
    assert!(page.url.ends_with("/verify/phone"), "{}", page.url);
    app.clock
        .advance(app.app.config.policy.code_resend_cooldown_secs);
    let to = "+14155550177";
    let before = app
        .twilio()
        .messages()
        .iter()
        .filter(|m| m.to == to)
        .count();
    browser
        .post("/verify/phone/send", &[("action", "sms")])
        .await;
    let sms = app.twilio().wait_for_message_to(to, before).await;
    let page = browser
        .post("/verify/phone/check", &[("code", &sms_code(&sms.body))])
        .await;
    let code = rp.code_from(&app, &started, &continue_link(&page));
    let (_, claims) = rp.claims_for(&code, started).await;
    let amr = amr_of(&claims);
    assert_eq!(amr, vec!["pwd", "otp", "sms", "mfa"]);
    assert!(claims.email().is_none(), "no email scope, no email");
}

/// An unknown client or an unregistered return address is answered at Tessera and never
/// by a redirect (RFC 6749 §4.1.2.1; ASVS 10.4.1); every other problem goes back with
/// `error`, `state` and `iss`; a refused request stores nothing.
async fn bad_requests_are_refused_where_the_specifications_say(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let browser = app.new_browser();
    let good = rp.start(&[]).url;
    let unknown_client = good.replace(&rp.client_id, "nobody");
    let other_uri = good.replace(
        &url_encoded(REDIRECT),
        &url_encoded("https://evil.example/callback"),
    );
    let twice = format!("{good}&redirect_uri={}", url_encoded(REDIRECT));
    for url in [unknown_client, other_uri, twice] {
        let (status, location) = location_of(&browser, &url).await;
        assert_eq!((status, location.as_deref()), (400, None), "{url}");
        let page = browser.get_absolute(&url).await;
        assert!(page.has("This sign-in request cannot be used"), "{page}");
    }
    for (change, error) in [
        (
            ("response_type=code", "response_type=token"),
            "unsupported_response_type",
        ),
        (("scope=openid", "scope=profile"), "invalid_scope"),
        (
            ("code_challenge_method=S256", "code_challenge_method=plain"),
            "invalid_request",
        ),
        (
            ("response_type=code", "response_type=code&prompt=sometimes"),
            "invalid_request",
        ),
        (
            ("response_type=code", "response_type=code&max_age=soon"),
            "invalid_request",
        ),
    ] {
        let started = rp.start(&[]);
        let url = started.url.replacen(change.0, change.1, 1);
        assert_ne!(url, started.url, "{change:?}");
        let (status, location) = location_of(&browser, &url).await;
        assert_eq!(status, 303, "{url}");
        let location = location.unwrap();
        let back = url::Url::parse(&location).unwrap();
        let param = |name: &str| {
            back.query_pairs()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.into_owned())
        };
        assert!(location.starts_with(REDIRECT), "{location}");
        assert_eq!(param("error").as_deref(), Some(error), "{location}");
        assert_eq!(
            param("state").as_deref(),
            Some(started.state.secret().as_str())
        );
        assert_eq!(param("iss").as_deref(), Some(app.url.as_str()));
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_requests").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_grants").await, 0);

    // Nobody signed in and `prompt=none`: `login_required`, at once (OIDC Core §3.1.2.6).
    let started = rp.start(&[]);
    let (status, location) = location_of(&browser, &format!("{}&prompt=none", started.url)).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().contains("error=login_required"));
}

fn url_encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A code for the signed-in person in `browser`.
async fn issue(app: &TestApp, browser: &Browser, rp: &RelyingParty) -> (String, Started) {
    let started = rp.start(&["email"]);
    let (_, to) = location_of(browser, &started.url).await;
    let code = rp.code_from(app, &started, &to.unwrap());
    (code, started)
}

/// The token endpoint refuses what an attacker would try: a wrong secret (401,
/// `invalid_client`), a wrong PKCE verifier, another client's code, a code used twice
/// (which revokes what the first use gave, ASVS 10.4.2), an expired code; and a reused
/// refresh token revokes its whole family (ASVS 10.4.5).
async fn the_token_endpoint_refuses_stolen_and_replayed_grants(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let browser = app
        .active_user("kim@clinic.test", "Kim Ode", PASSWORD)
        .await;

    // A wrong secret.
    let (code, started) = issue(&app, &browser, &rp).await;
    let forged =
        RelyingParty::discover(&app, &rp.client_id, Some("not-the-secret"), REDIRECT).await;
    let refused = forged.exchange(&code, started.verifier).await.unwrap_err();
    assert!(refused.contains("invalid_client"), "{refused}");
    assert!(
        app.audit_events()
            .await
            .contains(&"client-authentication-failed".to_string())
    );

    // A wrong verifier: refused, and the code is used up.
    let (code, started) = issue(&app, &browser, &rp).await;
    let wrong = openidconnect::PkceCodeVerifier::new("x".repeat(43));
    let refused = rp.exchange(&code, wrong).await.unwrap_err();
    assert!(refused.contains("invalid_grant"), "{refused}");
    let refused = rp.exchange(&code, started.verifier).await.unwrap_err();
    assert!(refused.contains("invalid_grant"), "{refused}");

    // Another client's code.
    let thief = relying_party(&app, "RS256").await;
    let (code, started) = issue(&app, &browser, &rp).await;
    let refused = thief.exchange(&code, started.verifier).await.unwrap_err();
    assert!(refused.contains("invalid_grant"), "{refused}");

    // A code used twice: the second use revokes the tokens of the first.
    let (code, started) = issue(&app, &browser, &rp).await;
    let tokens = rp.exchange(&code, started.verifier).await.unwrap();
    let again = openidconnect::PkceCodeVerifier::new("y".repeat(43));
    assert!(rp.exchange(&code, again).await.is_err());
    assert!(rp.userinfo(tokens.access_token()).await.is_err(), "revoked");

    // A parameter given twice (RFC 6749 §3.2): refused, and the code is not used up.
    let (code, started) = issue(&app, &browser, &rp).await;
    let response = reqwest::Client::new()
        .post(format!("{}/oidc/token", app.url))
        .basic_auth(&rp.client_id, rp.secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code", "another"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", started.verifier.secret().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("invalid_request"));
    assert!(rp.exchange(&code, started.verifier).await.is_ok());

    // An expired code (a minute).
    let (code, started) = issue(&app, &browser, &rp).await;
    app.clock.advance(61);
    assert!(rp.exchange(&code, started.verifier).await.is_err());

    // Refresh tokens rotate; an old one used again ends the family.
    let (code, started) = issue(&app, &browser, &rp).await;
    let first = rp.exchange(&code, started.verifier).await.unwrap();
    let first_refresh = first.refresh_token().unwrap().clone();
    let second = rp.refresh(&first_refresh).await.expect("a refresh");
    let second_refresh = second.refresh_token().unwrap().clone();
    assert_ne!(first_refresh.secret(), second_refresh.secret(), "rotated");
    assert!(second.id_token().is_some());
    assert!(rp.userinfo(second.access_token()).await.is_ok());
    let reuse = rp.refresh(&first_refresh).await.unwrap_err();
    assert!(reuse.contains("invalid_grant"), "{reuse}");
    assert!(
        rp.refresh(&second_refresh).await.is_err(),
        "the family is revoked"
    );
    assert!(rp.userinfo(second.access_token()).await.is_err());
    assert!(
        app.audit_events()
            .await
            .contains(&"token-reuse-detected".to_string())
    );
}

/// No token outlives the Tessera session it came from: signing out at Tessera ends the
/// application's access and refresh tokens (ASVS 10.4.8).
async fn tokens_end_with_the_tessera_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let browser = app
        .active_user("lee@clinic.test", "Lee Park", PASSWORD)
        .await;
    let started = rp.start(&[]);
    let (_, to) = location_of(&browser, &started.url).await;
    let code = rp.code_from(&app, &started, &to.unwrap());
    let tokens = rp.exchange(&code, started.verifier).await.unwrap();
    assert!(rp.userinfo(tokens.access_token()).await.is_ok());
    browser.post("/logout", &[]).await;
    assert!(rp.userinfo(tokens.access_token()).await.is_err());
    let refused = rp
        .refresh(tokens.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert!(refused.contains("invalid_grant"), "{refused}");
}

/// A client of one organization signs in only that organization's people; others are
/// sent back with `access_denied` and no code.
async fn a_client_of_one_organization_refuses_other_people(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in ["Northside", "Southside"] {
        tessera::flows::admin::create_organization(&app.app, &Admin::cli(), name)
            .await
            .unwrap();
    }
    let (id, secret) = register_client(
        &app,
        ClientRequest {
            organization: Some("Northside".into()),
            ..portal("RS256")
        },
    )
    .await;
    let rp = RelyingParty::discover(&app, &id, secret.as_deref(), REDIRECT).await;
    let member = |email: &str, name: &str, organization: &str| InvitationRequest {
        email: email.into(),
        display_name: name.into(),
        organization: Some(organization.into()),
        role: Role::User,
    };
    let south = app
        .active_account(member("sam@south.test", "Sam South", "Southside"), PASSWORD)
        .await;
    let started = rp.start(&[]);
    let (_, to) = location_of(&south, &started.url).await;
    let to = to.unwrap();
    assert!(to.contains("error=access_denied"), "{to}");
    assert!(!to.contains("code="), "{to}");
    let north = app
        .active_account(member("nia@north.test", "Nia North", "Northside"), PASSWORD)
        .await;
    let started = rp.start(&[]);
    let (_, to) = location_of(&north, &started.url).await;
    rp.code_from(&app, &started, &to.unwrap());
}

/// `prompt=login` makes a signed-in person sign in again; the application's code comes
/// only after the new sign-in.
async fn prompt_login_asks_for_a_new_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let email = "rae@clinic.test";
    let browser = app.active_user(email, "Rae Diaz", PASSWORD).await;
    let started = rp.start(&[]);
    app.clock.advance(120);
    let page = browser
        .get_absolute(&format!("{}&prompt=login", started.url))
        .await;
    assert!(page.url.ends_with("/login"), "{}", page.url);
    let page = email_code_sign_in(&app, &browser, email).await;
    let code = rp.code_from(&app, &started, &continue_link(&page));
    let (_, claims) = rp.claims_for(&code, started).await;
    let auth_time = claims.auth_time().unwrap().timestamp();
    assert!(
        auth_time >= app.clock_now() - 5,
        "a new sign-in: {auth_time}"
    );
}

/// Revocation (RFC 7009) and introspection (RFC 7662), each for the client's own tokens
/// only.
async fn revocation_and_introspection_work_for_the_clients_own_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let other = relying_party(&app, "RS256").await;
    let browser = app
        .active_user("ida@clinic.test", "Ida Vos", PASSWORD)
        .await;
    let started = rp.start(&["email"]);
    let (_, to) = location_of(&browser, &started.url).await;
    let code = rp.code_from(&app, &started, &to.unwrap());
    let tokens = rp.exchange(&code, started.verifier).await.unwrap();
    let access = tokens.access_token().secret().clone();
    let refresh = tokens.refresh_token().unwrap().secret().clone();

    let http = reqwest::Client::new();
    let call = |path: &'static str, who: &RelyingParty, token: &str| {
        let request = http
            .post(format!("{}{path}", app.url))
            .basic_auth(&who.client_id, who.secret.as_deref())
            .form(&[("token", token)]);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    let (status, body) = call("/oidc/introspect", &rp, &access).await;
    assert_eq!(status, 200);
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["active"], true, "{body}");
    assert_eq!(answer["client_id"], rp.client_id.as_str());
    let (_, body) = call("/oidc/introspect", &other, &access).await;
    assert_eq!(body, r#"{"active":false}"#, "another client learns nothing");
    let (status, _) = call("/oidc/revoke", &other, &refresh).await;
    assert_eq!(status, 200);
    assert!(
        rp.userinfo(tokens.access_token()).await.is_ok(),
        "another client revokes nothing"
    );

    let (status, _) = call("/oidc/revoke", &rp, &refresh).await;
    assert_eq!(status, 200);
    assert!(
        rp.userinfo(tokens.access_token()).await.is_err(),
        "the grant is revoked"
    );
    let (_, body) = call("/oidc/introspect", &rp, &access).await;
    assert_eq!(body, r#"{"active":false}"#);
    assert!(
        app.audit_events()
            .await
            .contains(&"token-revoked".to_string())
    );
}

on_both_backends!(
    a_portal_signs_in_a_person_who_registers_on_the_way,
    a_phone_sign_in_is_named_in_amr,
    bad_requests_are_refused_where_the_specifications_say,
    the_token_endpoint_refuses_stolen_and_replayed_grants,
    tokens_end_with_the_tessera_session,
    a_client_of_one_organization_refuses_other_people,
    prompt_login_asks_for_a_new_sign_in,
    revocation_and_introspection_work_for_the_clients_own_tokens,
);

/// `login_hint` fills in the sign-in form's address, through either way of signing in.
async fn login_hint_fills_in_the_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let started = rp.start(&[]);
    let browser = app.new_browser();
    let page = browser
        .get_absolute(&format!("{}&login_hint=kai%40clinic.test", started.url))
        .await;
    assert!(page.url.contains("/login?login_hint="), "{}", page.url);
    for form in ["/login/email", "/login/phone"] {
        let hidden = page
            .first(&format!("form[action='{form}'] input[name=login_hint]"))
            .and_then(|i| i.attr("value").map(str::to_string));
        assert_eq!(hidden.as_deref(), Some("kai@clinic.test"), "{form}");
        let page = browser
            .get(&format!("{form}?login_hint=kai%40clinic.test"))
            .await;
        assert_eq!(
            page.input_value("email").as_deref(),
            Some("kai@clinic.test")
        );
    }
}

on_both_backends!(login_hint_fills_in_the_address);

/// A person who answers the voice call: the application learns it was a call (`amr` has
/// `tel`, no `otp`), and the request survived the call page.
async fn a_voice_call_sign_in_is_named_in_amr(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "ES256").await;
    let started = rp.start(&[]);
    let (browser, call) = app
        .phone_user_being_called("cal@clinic.test", "Cal Ruiz", PASSWORD, "415 555 0178")
        .await;
    // The request arrives while the phone rings; the call goes on.
    let page = browser.get_absolute(&started.url).await;
    assert!(page.url.contains("/verify/phone"), "{}", page.url);
    assert_eq!(app.twilio().press_key(&call, "#").await, 200);
    let page = browser.post("/verify/phone/call/complete", &[]).await;
    let code = rp.code_from(&app, &started, &continue_link(&page));
    let (_, claims) = rp.claims_for(&code, started).await;
    let amr = amr_of(&claims);
    assert_eq!(amr, vec!["pwd", "tel", "mfa"]);
}

/// `max_age`: a sign-in older than asked is made again, a recent one answers at once;
/// `prompt=none` answers a signed-in person at once, and one who must first accept new
/// Terms with `interaction_required` (OIDC Core §3.1.2.1, §3.1.2.6).
async fn max_age_and_prompt_none_follow_the_sign_in_as_it_stands(backend: Backend) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let email = "mo@clinic.test";
    let browser = app.active_user(email, "Mo Farah", PASSWORD).await;

    let started = rp.start(&[]);
    let (status, to) = location_of(&browser, &format!("{}&prompt=none", started.url)).await;
    assert_eq!(status, 303);
    rp.code_from(&app, &started, &to.unwrap());

    // The same request posted as a form (OIDC Core §3.1.2.1) is answered alike.
    let posted = rp.start(&[]);
    let (endpoint, query) = posted.url.split_once('?').unwrap();
    let response = browser
        .not_following_redirects()
        .post(endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{query}&prompt=none"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let to = response.headers()["location"].to_str().unwrap().to_string();
    rp.code_from(&app, &posted, &to);

    app.clock.advance(600);
    let recent = rp.start(&[]);
    let (_, to) = location_of(&browser, &format!("{}&max_age=3600", recent.url)).await;
    rp.code_from(&app, &recent, &to.unwrap());
    let stale = rp.start(&[]);
    let page = browser
        .get_absolute(&format!("{}&max_age=300", stale.url))
        .await;
    assert!(page.url.ends_with("/login"), "signs in again: {}", page.url);
    let page = email_code_sign_in(&app, &browser, email).await;
    let code = rp.code_from(&app, &stale, &continue_link(&page));
    let (_, claims) = rp.claims_for(&code, stale).await;
    let auth_time = claims.auth_time().unwrap().timestamp();
    assert!(app.clock_now() - auth_time <= 300, "{auth_time}");

    app.publish_new_terms().await;
    let waiting = rp.start(&[]);
    let (_, to) = location_of(&browser, &format!("{}&prompt=none", waiting.url)).await;
    let to = to.unwrap();
    assert!(to.contains("error=interaction_required"), "{to}");
}

/// `acr_values=phr` (issue 14; NIST SP 800-63B AAL2's phishing-resistant option): a person
/// signed in with an emailed code is asked to sign in again, and a sign-in that still is not
/// phishing-resistant is answered with `unmet_authentication_requirements`, never a code;
/// discovery names the values.
async fn a_client_asking_for_a_phishing_resistant_sign_in_gets_no_code_for_an_emailed_one(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let rp = relying_party(&app, "RS256").await;
    let config: serde_json::Value = app
        .new_browser()
        .get("/.well-known/openid-configuration")
        .await
        .body
        .parse()
        .unwrap();
    assert_eq!(
        config["acr_values_supported"],
        serde_json::json!(["phr", "mfa"])
    );
    let email = "pat@clinic.test";
    let browser = app.active_user(email, "Pat Key", PASSWORD).await;
    let started = rp.start(&[]);
    let page = browser
        .get_absolute(&format!("{}&acr_values=phr", started.url))
        .await;
    assert!(page.url.ends_with("/login"), "signs in again: {}", page.url);
    let page = email_code_sign_in(&app, &browser, email).await;
    let to = continue_link(&page);
    assert!(
        to.contains("error=unmet_authentication_requirements") && !to.contains("code="),
        "{to}"
    );
    // Without the request, the same sign-in answers with a code whose acr says mfa.
    let plain = rp.start(&[]);
    let (_, to) = location_of(&browser, &plain.url).await;
    let code = rp.code_from(&app, &plain, &to.unwrap());
    let (_, claims) = rp.claims_for(&code, plain).await;
    assert_eq!(
        claims.auth_context_ref().map(|a| a.as_str().to_string()),
        Some("mfa".to_string())
    );
}

on_both_backends!(
    a_client_asking_for_a_phishing_resistant_sign_in_gets_no_code_for_an_emailed_one,
    a_voice_call_sign_in_is_named_in_amr,
    max_age_and_prompt_none_follow_the_sign_in_as_it_stands,
);
