//! The gate every request passes before its handler: the one declared table of who may use
//! each route ([`ROUTES`]), applied by [`guard`] with the one access rule
//! (`domain::access::decide`). A route missing from the table is refused, so a new route is
//! closed until someone declares who it is for; `tests/it/access.rs` walks every stage and
//! kind of account against every route.

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum_extra::extract::CookieJar;

use super::{AppState, WebError};
use crate::domain::access::{Access, Decision, Place, decide};
use crate::domain::factor::FactorKind::{self, App, Email, Passkey, Phone};
use crate::domain::session::SessionStage::{PasswordReset, Recovery};
use crate::flows;
use crate::store::SessionStanding;

use Access::*;

/// Who may use each route: (method, route template, access). GET also answers HEAD.
pub const ROUTES: &[(&str, &str, Access)] = &[
    // Signing in, registration links, help: anyone.
    ("GET", "/", SignedIn),
    ("GET", "/login", Public),
    ("GET", "/login/email", Public),
    ("GET", "/login/phone", Public),
    // Staff single sign-on: to the company's provider and back (the answer decides).
    ("POST", super::staff::START_PATH, Public),
    ("GET", super::staff::CALLBACK_PATH, Public),
    ("GET", "/register/first-login", Public),
    ("POST", "/login", Public),
    ("POST", "/logout", Public),
    // The language switch: anyone, at any stage (it records the choice on a session's account).
    ("GET", super::language::SWITCH_PATH, Public),
    // The operator's logo and colour: every page shows them.
    ("GET", super::brand::LOGO_PATH, Public),
    ("GET", super::brand::STYLESHEET_PATH, Public),
    ("GET", "/register/{token}", Public),
    ("GET", "/register", Register),
    ("POST", "/register", Register),
    // The second factor: only the account's own, as its organization allows.
    ("GET", "/verify/email", Factor(Email)),
    ("POST", "/verify/email/send", Factor(Email)),
    ("POST", "/verify/email/check", Factor(Email)),
    ("GET", "/verify/done", AcceptingTerms),
    ("GET", super::app_factor::VERIFY_PATH, Factor(App)),
    ("POST", super::app_factor::VERIFY_PATH, Factor(App)),
    ("GET", super::recovery_codes::VERIFY_PATH, SecondStep),
    ("POST", super::recovery_codes::VERIFY_PATH, SecondStep),
    ("GET", "/verify/phone", Factor(Phone)),
    ("POST", "/verify/phone/send", Factor(Phone)),
    ("POST", "/verify/phone/check", Factor(Phone)),
    ("GET", "/verify/phone/call", Factor(Phone)),
    ("GET", CALL_STATE_PATH, Factor(Phone)),
    ("POST", "/verify/phone/call/complete", Factor(Phone)),
    ("POST", "/verify/phone/call/cancel", Factor(Phone)),
    ("POST", "/twilio/voice/{token}", Webhook),
    ("POST", "/twilio/voice/{token}/status", Webhook),
    ("GET", "/terms", AcceptingTerms),
    ("POST", "/terms", AcceptingTerms),
    // Recovery: each step only at its stage.
    ("GET", "/password/forgot", Public),
    ("POST", "/password/forgot", Public),
    ("GET", "/password/forgot/code", Stage(Recovery)),
    ("POST", "/password/forgot/resend", Stage(Recovery)),
    ("POST", "/password/forgot/check", Stage(Recovery)),
    ("GET", "/password/forgot/verified", RecoveryVerified),
    ("GET", "/password/new", Stage(PasswordReset)),
    ("POST", "/password/new", Stage(PasswordReset)),
    ("GET", "/register/reset", Public),
    ("POST", "/register/reset", Public),
    ("GET", "/register/trouble", Public),
    ("POST", "/register/trouble", Public),
    ("GET", "/help", Public),
    // Signed in, the current Terms accepted.
    ("GET", "/verify/again", Enrolling),
    ("POST", "/verify/again/send", Enrolling),
    ("POST", "/verify/again/check", Enrolling),
    ("POST", "/verify/again/app", Enrolling),
    ("GET", "/account", Enrolling),
    ("POST", "/account/email/send", SignedIn),
    ("POST", "/account/email/check", SignedIn),
    ("POST", "/account/phone/send", SignedIn),
    ("POST", "/account/phone/check", SignedIn),
    ("POST", "/account/method/email", SignedIn),
    ("GET", super::app_factor::ENROL_PATH, SignedIn),
    ("POST", super::app_factor::ENROL_PATH, SignedIn),
    ("POST", "/account/app/start", SignedIn),
    ("POST", "/account/factors/{id}/remove", SignedIn),
    ("POST", super::recovery_codes::GENERATE_PATH, SignedIn),
    ("GET", super::account::PASSWORD_PATH, SignedIn),
    ("POST", super::account::PASSWORD_PATH, SignedIn),
    ("GET", "/sessions", SignedIn),
    ("POST", "/sessions/end-others", SignedIn),
    ("POST", "/sessions/{reference}/end", SignedIn),
    // Administration: signed in here, then `flows::admin::authorize` (role, fresh factor).
    ("GET", "/admin", SignedIn),
    ("POST", "/admin/users", SignedIn),
    ("POST", "/admin/users/bulk", SignedIn),
    ("POST", super::UPLOAD_PATH, SignedIn),
    ("POST", "/admin/organizations", SignedIn),
    ("POST", "/admin/organizations/{id}/factors", SignedIn),
    ("POST", super::IMPORT_PATH, SignedIn),
    ("POST", "/admin/users/{id}/{action}", SignedIn),
    ("GET", "/admin/terms", SignedIn),
    ("POST", "/admin/terms", SignedIn),
    ("GET", "/admin/audit", SignedIn),
    ("GET", "/admin/audit/export", SignedIn),
    ("GET", "/admin/mail", SignedIn),
    ("POST", "/admin/mail/{id}/{action}", SignedIn),
    ("GET", "/admin/clients", SignedIn),
    ("POST", "/admin/clients", SignedIn),
    ("GET", "/admin/clients/{id}", SignedIn),
    ("POST", "/admin/clients/{id}/uris", SignedIn),
    ("POST", "/admin/clients/{id}/secret", SignedIn),
    ("POST", "/admin/clients/{id}/{action}", SignedIn),
    ("GET", "/admin/rollout", SignedIn),
    ("POST", "/admin/rollout/{mailing}", SignedIn),
    ("POST", "/admin/rollout/deadline", SignedIn),
    ("POST", "/admin/rollout/deadline/remove", SignedIn),
    ("GET", "/admin/apps", SignedIn),
    ("POST", "/admin/apps", SignedIn),
    ("POST", "/admin/apps/{id}/{action}", SignedIn),
    ("GET", "/admin/providers", SignedIn),
    ("POST", "/admin/providers", SignedIn),
    ("GET", "/admin/providers/{id}", SignedIn),
    ("POST", "/admin/providers/{id}", SignedIn),
    ("POST", "/admin/providers/{id}/{action}", SignedIn),
    ("GET", "/static/style.css", Public),
    ("GET", "/static/call.js", Public),
    ("GET", "/static/upload.js", Public),
    // Passkeys: the sign-in without a password is for anyone (the assertion decides); the
    // second step only for a holder of a passkey; adding and renaming for the signed-in.
    ("GET", super::passkey::SCRIPT_PATH, Public),
    ("POST", super::passkey::SIGN_IN_OPTIONS_PATH, Public),
    ("POST", super::passkey::SIGN_IN_PATH, Public),
    ("GET", super::passkey::VERIFY_PATH, Factor(Passkey)),
    ("POST", super::passkey::VERIFY_PATH, Factor(Passkey)),
    ("POST", super::passkey::VERIFY_OPTIONS_PATH, Factor(Passkey)),
    ("POST", super::passkey::ADD_OPTIONS_PATH, Enrolling),
    ("POST", super::passkey::ADD_PATH, Enrolling),
    ("POST", super::passkey::RENAME_PATH, SignedIn),
    // Forward authentication: the reverse proxy's checks decide on the session themselves
    // (`flows::forward_auth`, the same access rule); the no-access page is for the signed-in.
    ("GET", super::authz::AUTH_REQUEST_PATH, Public),
    ("GET", super::authz::FORWARD_AUTH_PATH, Public),
    ("GET", super::authz::DENIED_PATH, SignedIn),
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Public),
    // OpenID Connect: the applications' servers authenticate themselves (flows::oidc); the
    // return after the guide is for the signed-in person only.
    ("GET", "/.well-known/openid-configuration", Public),
    ("GET", "/oidc/jwks", Public),
    ("GET", "/oidc/authorize", Public),
    ("POST", "/oidc/authorize", Public),
    ("GET", super::oidc::CONTINUE_PATH, SignedIn),
    ("POST", "/oidc/token", Public),
    ("GET", "/oidc/userinfo", Public),
    ("POST", "/oidc/userinfo", Public),
    ("POST", "/oidc/revoke", Public),
    ("POST", "/oidc/introspect", Public),
    ("GET", "/oidc/logout", Public),
    ("POST", "/oidc/logout", Public),
    ("POST", super::oidc::LOGOUT_CONFIRM_PATH, Public),
    // The development outbox exists only in development (`Config::dev_outbox_page`).
    ("GET", "/dev/outbox", Public),
    ("POST", "/dev/press/{token}", Public),
    // The JSON API: a bearer token, or a signed-in administrator's session.
    ("GET", "/api/v1/openapi.json", Public),
    ("GET", "/api/v1/users", Api),
    ("POST", "/api/v1/users", Api),
    ("POST", "/api/v1/users/bulk", Api),
    ("POST", "/api/v1/import", Api),
    ("POST", "/api/v1/users/{id}/{action}", Api),
    ("PUT", "/api/v1/users/{id}/role", Api),
    ("GET", "/api/v1/audit", Api),
    ("GET", "/api/v1/organizations", Api),
    ("POST", "/api/v1/organizations", Api),
    ("GET", "/api/v1/organizations/{id}/factors", Api),
    ("PUT", "/api/v1/organizations/{id}/factors", Api),
    ("POST", "/api/v1/terms", Api),
    ("GET", "/api/v1/tokens", Api),
    ("POST", "/api/v1/tokens", Api),
    ("DELETE", "/api/v1/tokens/{id}", Api),
    ("GET", "/api/v1/clients", Api),
    ("POST", "/api/v1/clients", Api),
    ("GET", "/api/v1/clients/{id}", Api),
    ("DELETE", "/api/v1/clients/{id}", Api),
    ("PUT", "/api/v1/clients/{id}/uris", Api),
    ("POST", "/api/v1/clients/{id}/secret", Api),
    ("POST", "/api/v1/clients/{id}/{action}", Api),
    ("GET", "/api/v1/apps", Api),
    ("POST", "/api/v1/apps", Api),
    ("GET", "/api/v1/apps/{id}", Api),
    ("DELETE", "/api/v1/apps/{id}", Api),
    ("POST", "/api/v1/apps/{id}/{action}", Api),
    ("GET", "/api/v1/providers", Api),
    ("POST", "/api/v1/providers", Api),
    ("GET", "/api/v1/providers/{id}", Api),
    ("PATCH", "/api/v1/providers/{id}", Api),
    ("POST", "/api/v1/providers/{id}/{action}", Api),
];

/// Where a person whose organization requires a passkey they do not hold is sent.
pub const ENROL_PASSKEY: &str = "/account?enrol=passkey";

/// The call page's script asks this for the call's state: a refusal answers in JSON too.
pub const CALL_STATE_PATH: &str = "/verify/phone/call/state";

/// The declared access of a route, if it is declared.
pub fn access_of(method: &Method, template: &str) -> Option<Access> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    ROUTES
        .iter()
        .find(|(m, path, _)| *m == method && *path == template)
        .map(|(_, _, access)| *access)
}

/// The middleware: finds the route's access, reads the session once, applies the rule, and
/// hands the admitted session to the handler ([`Admitted`]); anything else is refused here.
pub async fn guard(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(template) = request.extensions().get::<MatchedPath>().cloned() else {
        // No route matched: the fallback answers 404.
        return next.run(request).await;
    };
    let Some(access) = access_of(request.method(), template.as_str()) else {
        tracing::error!(route = template.as_str(), method = %request.method(), "route missing from web::gate::ROUTES; refused");
        return StatusCode::FORBIDDEN.into_response();
    };
    if matches!(access, Public | Webhook) || (access == Api && has_bearer(request.headers())) {
        return next.run(request).await;
    }
    let cookie = CookieJar::from_headers(request.headers())
        .get(super::session::cookie_name(&app))
        .map(|c| c.value().to_string());
    let found = match flows::session::standing(&app, cookie.as_deref()).await {
        Ok(found) => found,
        // The API answers in its own JSON problems (a database away is a 503 there too).
        Err(e) if access == Api => {
            return crate::flows::admin::AdminRefusal::Internal(e).into_response();
        }
        Err(e) => return WebError::from(e).into_response(),
    };
    let decision = decide(
        access,
        found.as_ref().map(flows::session::access_standing).as_ref(),
    );
    match (decision, found) {
        (Decision::Allow, Some(found)) => {
            request.extensions_mut().insert(Admitted(found));
            next.run(request).await
        }
        (decision, _) => refusal(access, request.method(), template.as_str(), decision),
    }
}

fn has_bearer(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
}

/// What a refused request is told: where the person belongs, in the form the route speaks.
fn refusal(access: Access, method: &Method, template: &str, decision: Decision) -> Response {
    if access == Api {
        return api_refusal(decision);
    }
    if template == CALL_STATE_PATH {
        // The script reloads the page on any state it does not know, and the page is refused
        // the same way, with a redirect the browser follows.
        return (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({ "state": "none" })),
        )
            .into_response();
    }
    let to = match decision {
        Decision::Allow => return StatusCode::FORBIDDEN.into_response(),
        Decision::SignedOut => return signed_out(access, method),
        Decision::Elsewhere(place) => place_path(place),
        Decision::AcceptTerms => "/terms",
        Decision::EnrolPasskey => ENROL_PASSKEY,
        Decision::Barred => "/login?notice=unavailable",
        Decision::FactorNotAllowed => "/login?notice=factor-not-allowed",
    };
    Redirect::to(to).into_response()
}

/// Without a live session: back to where the route's journey starts, saying why.
fn signed_out(access: Access, method: &Method) -> Response {
    let to = match access {
        Factor(Email) => "/login/email?notice=timed-out",
        Factor(Phone) => "/login/phone?notice=timed-out",
        Factor(_) => "/login?notice=timed-out",
        Stage(Recovery) | Stage(PasswordReset) | RecoveryVerified => "/password/forgot?expired=1",
        Register => return registration_not_started(),
        _ if method == Method::GET || method == Method::HEAD => "/login",
        _ => "/login?notice=timed-out",
    };
    Redirect::to(to).into_response()
}

fn registration_not_started() -> Response {
    WebError::Message {
        status: StatusCode::FORBIDDEN,
        title: crate::i18n::say("registration-not-started-title"),
        message: crate::i18n::say("registration-not-started"),
        next_href: "/register/reset",
        next_label: crate::i18n::say("register-reset"),
    }
    .into_response()
}

/// The page where a second step is passed with this factor.
pub fn factor_path(kind: FactorKind) -> &'static str {
    match kind {
        Email => "/verify/email",
        Phone => "/verify/phone",
        App => super::app_factor::VERIFY_PATH,
        Passkey => super::passkey::VERIFY_PATH,
    }
}

fn place_path(place: Place) -> &'static str {
    match place {
        Place::Register => "/register",
        Place::Factor(kind) => factor_path(kind),
        Place::RecoveryCode => "/password/forgot/code",
        Place::NewPassword => "/password/new",
        Place::Home => "/",
    }
}

fn api_refusal(decision: Decision) -> Response {
    match decision {
        Decision::AcceptTerms => super::api::problem(
            StatusCode::FORBIDDEN,
            "terms",
            "A new version of the Terms of Use waits: accept it at /terms, then try again.".into(),
        ),
        Decision::EnrolPasskey => super::api::problem(
            StatusCode::FORBIDDEN,
            "passkey-required",
            "Your organization requires a passkey: add one on Your account (/account), then try again.".into(),
        ),
        _ => crate::flows::admin::AdminRefusal::NotSignedIn.into_response(),
    }
}

/// The session the gate admitted, with its account: what a guarded route's handler works
/// with (no second read of the session).
#[derive(Debug, Clone)]
pub struct Admitted(pub SessionStanding);

impl<S: Send + Sync> FromRequestParts<S> for Admitted {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            WebError::internal(anyhow::anyhow!(
                "a handler asked for the admitted session on a route the gate does not guard"
            ))
        })
    }
}

/// The session of a guarded route, as the gate admitted it: the typed way for a handler to
/// say it works only at the stage its route declares (the gate has checked it).
pub struct GuardedSession(pub crate::store::Session);

impl<S: Send + Sync> FromRequestParts<S> for GuardedSession {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Admitted(standing) = Admitted::from_request_parts(parts, state).await?;
        Ok(Self(standing.session))
    }
}
