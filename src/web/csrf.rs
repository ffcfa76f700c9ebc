//! CSRF protection for every state-changing request (OWASP ASVS 3.5.1): a random HttpOnly
//! cookie per browser and, in each form, a hidden `csrf_token` that is the keyed hash of it.
//! A POST without a matching pair, or that the browser marks as cross-site, is refused here,
//! before any handler runs, so no form can forget the check.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::{AppState, WebError};
use crate::crypto::random_token;

/// The value a page puts in its forms' hidden `csrf_token` field.
#[derive(Clone)]
pub struct CsrfToken(pub String);

pub fn cookie_name(app: &AppState) -> &'static str {
    if app.config.is_https() {
        "__Host-tessera_csrf"
    } else {
        "tessera_csrf"
    }
}

pub async fn protect(State(app): State<AppState>, request: Request, next: Next) -> Response {
    // A reverse proxy's checks show no form and change nothing; they are answered on the
    // protected portal's host, where a cookie of Tessera's own has no business.
    if super::authz::CHECK_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let jar = CookieJar::from_headers(request.headers());
    let name = cookie_name(&app);
    let existing = jar
        .get(name)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 43);
    let mut request = request;
    // The provider's webhooks are not browser forms: each is authenticated by its signature.
    // Nor is the API: it authenticates with bearer tokens and never reads cookies.
    let path = request.uri().path();
    // Nor are the OpenID Connect endpoints applications' servers call, nor the authorization
    // request and the logout request an application may post from its own site (the first
    // changes nothing of the person's; the second signs out only with a valid id_token_hint
    // of that person, else asks with a form of Tessera's own, which is checked).
    let webhook = path.starts_with("/twilio/")
        || path.starts_with("/api/")
        || super::oidc::CLIENT_ENDPOINTS.contains(&path)
        || path == "/oidc/authorize"
        || path == "/oidc/logout";
    if request.method() == Method::POST && !webhook {
        match check(&app, existing.as_deref(), request).await {
            Ok(checked) => request = checked,
            Err(refusal) => return refusal.into_response(),
        }
    }
    let (value, fresh) = match existing {
        Some(v) => (v, false),
        None => match random_token() {
            Ok(v) => (v, true),
            Err(e) => return WebError::internal(e).into_response(),
        },
    };
    request
        .extensions_mut()
        .insert(CsrfToken(app.keys.csrf_token(&value)));
    let mut response = next.run(request).await;
    if fresh {
        let cookie = Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .secure(app.config.is_https())
            .same_site(SameSite::Strict)
            .build();
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

async fn check(
    app: &AppState,
    cookie: Option<&str>,
    request: Request,
) -> Result<Request, WebError> {
    let cross_site = request
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    // A file upload (multipart, the forms allowed a larger body) carries its token as a
    // field of its own; every other form is URL-encoded.
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(super::multipart::boundary);
    // Only a signed-in person's file upload may make the server hold a large body before the
    // handler runs.
    let session = CookieJar::from_headers(request.headers())
        .get(super::session::cookie_name(app))
        .map(|c| c.value().to_string());
    let upload = multipart.is_some() && super::is_upload(request.uri().path());
    let limit = if upload && signed_in(app, session).await {
        super::UPLOAD_LIMIT
    } else {
        64 * 1024
    };
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| WebError::TooLarge)?;
    let submitted = match multipart {
        Some(boundary) => super::multipart::parse(&bytes, &boundary)
            .and_then(|fields| fields.into_iter().find(|f| f.name == "csrf_token"))
            .and_then(|f| String::from_utf8(f.data.to_vec()).ok())
            .unwrap_or_default(),
        None => form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default(),
    };
    match cookie {
        Some(cookie) if !cross_site && app.keys.csrf_token_matches(cookie, &submitted) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(WebError::FormExpired),
    }
}

/// Whether the request comes from a session past both factors.
async fn signed_in(app: &AppState, token: Option<String>) -> bool {
    matches!(
        crate::flows::session::current(app, token.as_deref()).await,
        Ok(Some(s)) if s.stage == crate::domain::session::SessionStage::Authenticated
    )
}
