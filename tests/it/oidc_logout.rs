//! Logout (issue 13): RP-initiated logout at `end_session_endpoint`, and back-channel logout
//! tokens to every client a session signed into, whenever and however that session ends,
//! delivered from the database with retries. A small HTTP server stands in for each
//! application's back-channel endpoint and keeps what it receives.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::TokenResponse;
use serde_json::Value;
use tessera::flows::admin::Admin;
use tessera::flows::clients::{self, ClientRequest};

use crate::helpers::{Backend, Browser, TestApp, spawn_app};
use crate::oidc::{key_set, verifies_with};
use crate::on_both_backends;
use crate::relying_party::RelyingParty;

const PASSWORD: &str = "correct horse battery staple";
const AFTER: &str = "http://127.0.0.1:9/signed-out";

/// An application's back-channel logout endpoint: keeps the logout tokens it is sent,
/// answering 500 to the first `fail` of them.
#[derive(Clone, Default)]
struct Receiver {
    tokens: Arc<Mutex<Vec<String>>>,
    fail: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start() -> (Self, String) {
        let receiver = Self::default();
        let router = axum::Router::new()
            .route("/backchannel", post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/backchannel", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (receiver, url)
    }

    /// The tokens received, waiting up to 10 s for at least `n`.
    async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let tokens = self.tokens.lock().unwrap().clone();
            if tokens.len() >= n {
                return tokens;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {n} logout tokens, got {:?}",
            self.tokens.lock().unwrap()
        );
    }
}

async fn receive(State(receiver): State<Receiver>, body: String) -> StatusCode {
    if receiver
        .fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let token = form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    receiver.tokens.lock().unwrap().push(token);
    StatusCode::OK
}

/// A client with a post-logout URI and a back-channel endpoint, its relying party, and its
/// receiver.
async fn application(app: &TestApp, name: &str) -> (RelyingParty, Receiver) {
    let (receiver, backchannel) = Receiver::start().await;
    let redirect = "http://127.0.0.1:9/callback";
    let made = clients::create(
        &app.app,
        &Admin::cli(),
        ClientRequest {
            name: name.into(),
            redirect_uris: vec![redirect.into()],
            post_logout_redirect_uris: vec![AFTER.into()],
            backchannel_logout_uri: Some(backchannel),
            ..ClientRequest::default()
        },
    )
    .await
    .unwrap();
    let rp = RelyingParty::discover(
        app,
        &made.client_id,
        made.client_secret.as_deref(),
        redirect,
    )
    .await;
    (rp, receiver)
}

/// Signs the browser's person in to `rp`: the ID token's claims and the raw ID token.
async fn signed_in_to(app: &TestApp, browser: &Browser, rp: &RelyingParty) -> (Value, String) {
    let (claims, id_token, _) = tokens_for(app, browser, rp).await;
    (claims, id_token)
}

/// As `signed_in_to`, with every token the application got.
async fn tokens_for(
    app: &TestApp,
    browser: &Browser,
    rp: &RelyingParty,
) -> (Value, String, openidconnect::core::CoreTokenResponse) {
    let started = rp.start(&[]);
    let response = browser
        .not_following_redirects()
        .get(&started.url)
        .send()
        .await
        .unwrap();
    let to = response.headers()["location"].to_str().unwrap().to_string();
    let code = rp.code_from(app, &started, &to);
    let tokens = rp.exchange(&code, started.verifier).await.unwrap();
    let id_token = tokens.id_token().unwrap().to_string();
    (claims_of(&id_token), id_token, tokens)
}

fn claims_of(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn header_of(token: &str) -> Value {
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn live_sessions(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM sessions WHERE stage = 'authenticated' AND revoked_at IS NULL")
        .await
}

/// What an application checks of a logout token (Back-Channel Logout 1.0 §2.6): the
/// signature with the published keys, `typ`, issuer, audience, the event, the session and
/// subject of the ID token it had, and no `nonce`.
async fn assert_logout_token(app: &TestApp, token: &str, rp: &RelyingParty, id_claims: &Value) {
    assert!(
        verifies_with(&key_set(app).await, token),
        "signed by a published key"
    );
    assert_eq!(header_of(token)["typ"], "logout+jwt");
    let claims = claims_of(token);
    assert_eq!(claims["iss"], app.url.as_str());
    assert_eq!(claims["aud"], rp.client_id.as_str());
    assert_eq!(claims["sid"], id_claims["sid"]);
    assert_eq!(claims["sub"], id_claims["sub"]);
    assert!(
        claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object(),
        "{claims}"
    );
    assert!(
        claims.get("nonce").is_none(),
        "never passes for an ID token"
    );
    assert!(claims["exp"].as_i64().unwrap() > app.clock_now());
}

/// With a valid `id_token_hint` of the signed-in person, RP-initiated logout signs out at
/// once and returns to the registered post-logout URI with `state`; every application the
/// session signed into gets a logout token.
async fn a_hinted_logout_signs_out_at_once_and_tells_every_application(backend: Backend) {
    let app = spawn_app(backend).await;
    let (first, first_inbox) = application(&app, "Patient portal").await;
    let (second, second_inbox) = application(&app, "Lab results").await;
    let browser = app
        .active_user("una@clinic.test", "Una Bell", PASSWORD)
        .await;
    let (claims, id_token) = signed_in_to(&app, &browser, &first).await;
    signed_in_to(&app, &browser, &second).await;

    let url = format!(
        "{}/oidc/logout?id_token_hint={id_token}&post_logout_redirect_uri={}&state=bye",
        app.url,
        form_urlencoded::byte_serialize(AFTER.as_bytes()).collect::<String>()
    );
    let response = browser
        .not_following_redirects()
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("{AFTER}?state=bye")
    );
    assert_eq!(live_sessions(&app).await, 0, "signed out at Tessera");
    assert!(browser.get("/").await.url.ends_with("/login"));

    let token = first_inbox.wait_for(1).await.remove(0);
    assert_logout_token(&app, &token, &first, &claims).await;
    let token = second_inbox.wait_for(1).await.remove(0);
    assert_eq!(claims_of(&token)["aud"], second.client_id.as_str());
    assert_eq!(claims_of(&token)["sid"], claims["sid"]);
}

/// Without a hint of this person the request cannot force a sign-out (ASVS 10.6.2): the
/// person is asked, and only **Sign out** signs out; a forged hint and an unregistered
/// return address are refused at Tessera, and nothing ends.
async fn an_unproven_logout_asks_first_and_a_forged_one_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (rp, inbox) = application(&app, "Patient portal").await;
    let browser = app
        .active_user("vic@clinic.test", "Vic Oyelaran", PASSWORD)
        .await;
    let (claims, id_token) = signed_in_to(&app, &browser, &rp).await;
    let after = form_urlencoded::byte_serialize(AFTER.as_bytes()).collect::<String>();

    let (header, payload, signature) = {
        let parts: Vec<&str> = id_token.split('.').collect();
        (
            parts[0].to_string(),
            parts[1].to_string(),
            parts[2].to_string(),
        )
    };
    let mut altered = claims_of(&id_token);
    altered["sub"] = Value::from("someone-else");
    let forged = format!(
        "{header}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(altered.to_string())
    );
    assert_ne!(payload, forged.split('.').nth(1).unwrap());
    for url in [
        format!("/oidc/logout?id_token_hint={forged}"),
        format!(
            "/oidc/logout?id_token_hint={id_token}&post_logout_redirect_uri={}",
            form_urlencoded::byte_serialize(b"https://evil.example/").collect::<String>()
        ),
    ] {
        let page = browser.get(&url).await;
        assert_eq!(page.status, 400, "{page}");
        assert!(page.has("This sign-in request cannot be used"), "{page}");
    }
    assert_eq!(live_sessions(&app).await, 1, "nothing ended");

    let page = browser
        .get(&format!(
            "/oidc/logout?client_id={}&post_logout_redirect_uri={after}&state=s2",
            rp.client_id
        ))
        .await;
    assert!(page.has("Sign out of Tessera?"), "{page}");
    assert_eq!(live_sessions(&app).await, 1, "asked, not yet signed out");
    let page = browser
        .post(
            "/oidc/logout/confirm",
            &[
                ("client_id", rp.client_id.as_str()),
                ("post_logout_redirect_uri", AFTER),
                ("state", "s2"),
            ],
        )
        .await;
    assert_eq!(live_sessions(&app).await, 0, "Sign out signed out");
    assert!(page.has("You have signed out"), "{page}");
    assert_eq!(
        page.link_named("Return to the application").unwrap(),
        format!("{AFTER}?state=s2")
    );
    let token = inbox.wait_for(1).await.remove(0);
    assert_logout_token(&app, &token, &rp, &claims).await;
}

/// A session that simply times out (no request marks its end) still logs its applications
/// out; an application that fails to take the token is tried again after the back-off.
async fn a_timed_out_session_logs_out_its_applications_with_retries(backend: Backend) {
    let app = spawn_app(backend).await;
    let (rp, inbox) = application(&app, "Patient portal").await;
    inbox.fail.store(1, Ordering::SeqCst);
    let browser = app
        .active_user("wes@clinic.test", "Wes Ito", PASSWORD)
        .await;
    let (claims, _) = signed_in_to(&app, &browser, &rp).await;
    app.clock
        .advance(app.app.config.policy.session_idle_secs + 1);
    for _ in 0..200 {
        if app
            .count("SELECT COUNT(*) FROM oidc_logouts WHERE attempts = 1 AND sent_at IS NULL")
            .await
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM oidc_logouts WHERE attempts = 1 AND sent_at IS NULL")
            .await,
        1,
        "the first attempt failed and waits"
    );
    assert!(inbox.tokens.lock().unwrap().is_empty());
    app.clock
        .advance(tessera::flows::backchannel::SCHEDULE.first_delay_secs);
    app.app.logout_wakeup.notify_one();
    let token = inbox.wait_for(1).await.remove(0);
    assert_logout_token(&app, &token, &rp, &claims).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM oidc_logouts WHERE sent_at IS NOT NULL")
            .await,
        1
    );
}

/// An administrator who disables an account logs it out of its applications too.
async fn disabling_an_account_logs_it_out_of_its_applications(backend: Backend) {
    let app = spawn_app(backend).await;
    let (rp, inbox) = application(&app, "Patient portal").await;
    let browser = app
        .active_user("xia@clinic.test", "Xia Lund", PASSWORD)
        .await;
    let (claims, _) = signed_in_to(&app, &browser, &rp).await;
    let id = app
        .count("SELECT id FROM accounts WHERE email = 'xia@clinic.test'")
        .await;
    tessera::flows::admin::set_flag(
        &app.app,
        &Admin::cli(),
        id,
        tessera::store::AccountFlag::Disabled,
        true,
    )
    .await
    .unwrap();
    let token = inbox.wait_for(1).await.remove(0);
    assert_logout_token(&app, &token, &rp, &claims).await;
}

on_both_backends!(
    a_hinted_logout_signs_out_at_once_and_tells_every_application,
    an_unproven_logout_asks_first_and_a_forged_one_is_refused,
    a_timed_out_session_logs_out_its_applications_with_retries,
    disabling_an_account_logs_it_out_of_its_applications,
);

/// Retention keeps the provider's tables bounded: requests nobody came back for, expired
/// tokens, the grants of sessions that ended long ago, delivered logouts and retired signing
/// keys go; a live sign-in's grant and tokens stay and keep working.
async fn retention_prunes_what_the_provider_no_longer_needs(backend: Backend) {
    let app = spawn_app(backend).await;
    let (rp, inbox) = application(&app, "Patient portal").await;
    let old = app
        .active_user("old@clinic.test", "Old Timer", PASSWORD)
        .await;
    signed_in_to(&app, &old, &rp).await;
    app.new_browser().get_absolute(&rp.start(&[]).url).await;
    old.post("/logout", &[]).await;
    inbox.wait_for(1).await;
    tessera::flows::signing_keys::rotate(&app.app, "test")
        .await
        .unwrap();
    for table in [
        "oidc_requests",
        "oidc_grants",
        "oidc_tokens",
        "oidc_logouts",
    ] {
        let rows = app.count(&format!("SELECT COUNT(*) FROM {table}")).await;
        assert!(rows > 0, "{table} has history");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM signing_keys").await, 4);

    app.clock.advance(40 * 86_400);
    let live = app
        .active_user("new@clinic.test", "New Comer", PASSWORD)
        .await;
    let (_, _, tokens) = tokens_for(&app, &live, &rp).await;
    tessera::flows::backchannel::run_once(&app.app)
        .await
        .unwrap();

    let report = tessera::flows::retention::prune_once(&app.app)
        .await
        .unwrap();
    assert!(report.total() > 0, "{report:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_requests").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_logouts").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM oidc_grants").await,
        1,
        "only the live sign-in's grant"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM oidc_tokens WHERE kind <> 'code'")
            .await,
        2,
        "its access and refresh tokens"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM signing_keys").await,
        2,
        "the retired keys go, the current ones stay"
    );
    assert!(
        rp.userinfo(openidconnect::OAuth2TokenResponse::access_token(&tokens))
            .await
            .is_ok()
    );
    assert!(
        rp.refresh(openidconnect::OAuth2TokenResponse::refresh_token(&tokens).unwrap())
            .await
            .is_ok()
    );
}

/// The person sees which applications each of their sessions signed into, and ending one of
/// them there ends those applications' tokens and logs them out (ASVS 10.4.9).
async fn a_person_ends_an_applications_access_from_their_sessions_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let (rp, inbox) = application(&app, "Patient portal").await;
    let email = "yan@clinic.test";
    let here = app.active_user(email, "Yan Li", PASSWORD).await;
    let elsewhere = app.new_browser();
    elsewhere.sign_in(email, PASSWORD).await;
    elsewhere.post("/verify/email/send", &[]).await;
    let code = app.latest_code(email).await;
    elsewhere
        .post("/verify/email/check", &[("code", &code)])
        .await;
    let (_, _, tokens) = tokens_for(&app, &elsewhere, &rp).await;

    let page = here.get("/sessions").await;
    let rows = page.table_rows("table tbody");
    let other = rows
        .iter()
        .find(|r| !r[0].contains("this browser"))
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(other[3], "Patient portal", "{rows:?}");
    let own = rows.iter().find(|r| r[0].contains("this browser")).unwrap();
    assert_eq!(own[3], "None");
    let start = page.body.find("/sessions/").unwrap();
    let reference = page.body[start..].split('/').nth(2).unwrap().to_string();
    here.post(&format!("/sessions/{reference}/end"), &[]).await;
    assert!(
        rp.userinfo(openidconnect::OAuth2TokenResponse::access_token(&tokens))
            .await
            .is_err()
    );
    inbox.wait_for(1).await;
}

on_both_backends!(
    retention_prunes_what_the_provider_no_longer_needs,
    a_person_ends_an_applications_access_from_their_sessions_page,
);
