//! The OpenID Connect provider's endpoints (issue 13): discovery, the key set, the
//! authorization endpoint and its return after the guide, the token endpoint, userinfo,
//! revocation and introspection. Decisions live in `flows::oidc`.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use minijinja::context;
use serde_json::json;

use super::client::ClientAddress;
use super::csrf::CsrfToken;
use super::error::WebError;
use super::gate::Admitted;
use super::session::SessionCookie;
use super::{AppState, page};
use crate::flows::oidc::{
    self, Authorize, ClientCredentials, EndSession, LogoutReturn, Resume, TokenFailure,
};
use crate::flows::signing_keys;
use crate::i18n;

/// Where the browser returns after the guide while an application waits.
pub const CONTINUE_PATH: &str = "/oidc/continue";

/// Endpoints that applications' servers call, authenticated by the client's secret or a
/// bearer token: not browser forms, so no CSRF token (`web::csrf`).
pub const CLIENT_ENDPOINTS: [&str; 4] = [
    "/oidc/token",
    "/oidc/userinfo",
    "/oidc/revoke",
    "/oidc/introspect",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize).post(authorize))
        .route(CONTINUE_PATH, get(resume))
        .route("/oidc/token", post(token))
        .route("/oidc/userinfo", get(userinfo).post(userinfo))
        .route("/oidc/revoke", post(revoke))
        .route("/oidc/introspect", post(introspect))
        .route("/oidc/logout", get(logout).post(logout))
        .route(LOGOUT_CONFIRM_PATH, post(logout_confirmed))
}

/// The confirmation form's target (a browser form of Tessera's own: CSRF-checked).
pub const LOGOUT_CONFIRM_PATH: &str = "/oidc/logout/confirm";

/// OpenID Connect Discovery 1.0 §3; the issuer is the public URL exactly.
async fn discovery(State(app): State<AppState>) -> Response {
    let issuer = app.config.public_url();
    let at = |path: &str| format!("{issuer}{path}");
    let document = json!({
        "issuer": issuer,
        "authorization_endpoint": at("/oidc/authorize"),
        "token_endpoint": at("/oidc/token"),
        "userinfo_endpoint": at("/oidc/userinfo"),
        "jwks_uri": at("/oidc/jwks"),
        "revocation_endpoint": at("/oidc/revoke"),
        "introspection_endpoint": at("/oidc/introspect"),
        "end_session_endpoint": at("/oidc/logout"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "scopes_supported": crate::domain::authorization::SCOPES,
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "sid", "amr", "acr", "name", "email", "email_verified"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": [crate::domain::session::PHISHING_RESISTANT, "mfa"],
        "prompt_values_supported": ["none", "login"],
        "authorization_response_iss_parameter_supported": true,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
    });
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Json(document),
    )
        .into_response()
}

async fn jwks(State(app): State<AppState>) -> Result<Response, WebError> {
    let keys = signing_keys::published(&app).await?;
    // Relying parties may cache it briefly; a rotated key is published an hour before it signs.
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(keys)).into_response())
}

/// The browser's handle of a waiting request.
fn request_cookie_name(app: &AppState) -> &'static str {
    if app.config.is_https() {
        "__Host-tessera_authorization"
    } else {
        "tessera_authorization"
    }
}

fn request_cookie(app: &AppState, value: String) -> Cookie<'static> {
    // Lax: set on the application's top-level redirect here, read on the same site after.
    Cookie::build((request_cookie_name(app), value))
        .path("/")
        .http_only(true)
        .secure(app.config.is_https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(oidc::REQUEST_TTL_SECS))
        .build()
}

fn without_request_cookie(app: &AppState, jar: CookieJar) -> CookieJar {
    let mut removal = request_cookie(app, String::new());
    removal.make_removal();
    jar.add(removal)
}

/// Whether the browser holds a waiting request (the home page sends it on).
pub fn waits(app: &AppState, jar: &CookieJar) -> bool {
    jar.get(request_cookie_name(app)).is_some()
}

/// OIDC Core §3.1.2.1: the endpoint answers GET and POST alike (a form the application posts).
async fn authorize(
    State(app): State<AppState>,
    SessionCookie(session): SessionCookie,
    jar: CookieJar,
    Params(params): Params,
) -> Result<Response, WebError> {
    let browser = crate::flows::session::standing(&app, session.as_deref()).await?;
    match oidc::authorize(&app, &params, browser.as_ref()).await? {
        Authorize::Respond(url) => Ok(Redirect::to(&url).into_response()),
        Authorize::SignIn { handle, to } => {
            let jar = jar.add(request_cookie(&app, handle));
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Authorize::NotRedirectable(why) => Err(not_redirectable(why)),
    }
}

fn not_redirectable(why: &'static str) -> WebError {
    WebError::Message {
        status: StatusCode::BAD_REQUEST,
        title: i18n::say("oidc-unusable-title"),
        message: i18n::say_with("oidc-unusable", &[("why", said_in_page(why).into())]),
        next_href: "/",
        next_label: i18n::say("oidc-unusable-home"),
    }
}

/// A refusal's reason in the page's language. The flows and the domain give it in English (a
/// `&'static str`, as logs and their tests read it); the page says the `oidc-why-*` message
/// whose English it is, or the reason as it is if none is (a reason added without one).
fn said_in_page(why: &str) -> String {
    use i18n::Language::English;
    i18n::messages_of(English)
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| id.starts_with("oidc-why-"))
        .find(|id| i18n::say_in(English, id, &[]) == why)
        .map_or_else(|| why.to_string(), |id| i18n::say(&id))
}

/// After the guide: the waiting request is answered on a page of Tessera's own, which
/// sends the browser on. A redirect here would follow the form POST that ended the guide,
/// and Chromium holds such redirects to the CSP's `form-action 'self'`.
async fn resume(
    State(app): State<AppState>,
    axum::Extension(csrf): axum::Extension<CsrfToken>,
    Admitted(person): Admitted,
    jar: CookieJar,
) -> Result<Response, WebError> {
    let handle = jar
        .get(request_cookie_name(&app))
        .map(|c| c.value().to_string());
    let outcome = oidc::resume(&app, handle.as_deref(), &person).await?;
    let jar = without_request_cookie(&app, jar);
    match outcome {
        Resume::Respond(url) => {
            let page = page::ok("pages/continue.html", &csrf, context! { url })?;
            Ok((jar, page).into_response())
        }
        Resume::Nothing => Ok((jar, Redirect::to("/")).into_response()),
        Resume::NotRedirectable(why) => Ok((jar, not_redirectable(why)).into_response()),
    }
}

/// A protocol request's parameters as sent, repeats kept (the flows refuse them): the query
/// string of a GET, the form body of any other method.
struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let pairs = |bytes: &[u8]| form_urlencoded::parse(bytes).into_owned().collect();
        if matches!(*request.method(), Method::GET | Method::HEAD) {
            return Ok(Self(pairs(
                request.uri().query().unwrap_or_default().as_bytes(),
            )));
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self(pairs(&body)))
    }
}

/// RFC 6749 §2.3.1: HTTP Basic with the form-encoded identifier and secret.
fn credentials(
    headers: &HeaderMap,
    form: &[(String, String)],
    address: String,
) -> ClientCredentials {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v.trim()).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| {
            let (id, secret) = v.split_once(':')?;
            let decode = |s: &str| {
                form_urlencoded::parse(format!("v={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    let field = |name: &str| form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    ClientCredentials {
        basic,
        form_id: field("client_id"),
        form_secret: field("client_secret"),
        address,
    }
}

/// RFC 6749 §5.1: token responses are never cached.
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The portal's own trouble, said to an application as its OAuth library reads it (not the
/// people's HTML page): the database away is 503 `temporarily_unavailable` with
/// `Retry-After`; anything else 500 `server_error` (RFC 6749 §4.1.2.1's codes). Logged with
/// an operation id, as the pages do.
fn trouble(e: crate::flows::Internal) -> Response {
    let (status, error, description, operation) = if super::error::is_database_unavailable(&e) {
        let operation = super::error::log_unavailable(&e);
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the portal cannot reach its records; try again in 30 seconds",
            operation,
        )
    } else {
        let operation = super::error::operation_id();
        tracing::error!(operation = %operation, error = %e, "an OpenID Connect endpoint failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the portal could not answer",
            operation,
        )
    };
    let body = json!({ "error": error, "error_description": format!("{description} (operation {operation})") });
    let mut response = no_store((status, Json(body)).into_response());
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(super::error::UNAVAILABLE_RETRY_SECS),
        );
    }
    response
}

/// RFC 6749 §5.2: `invalid_client` after HTTP Basic is 401 with a challenge, every other
/// refusal 400.
fn token_refusal(failure: TokenFailure) -> Response {
    match failure {
        TokenFailure::Internal(e) => trouble(e),
        TokenFailure::Refused(e) => {
            let status = if e.is_client_error() {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            let body = Json(json!({ "error": e.error, "error_description": e.description }));
            let mut response = (status, body).into_response();
            if e.basic_challenge {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"tessera\""),
                );
            }
            no_store(response)
        }
    }
}

async fn token(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Params(form): Params,
) -> Response {
    let result = async {
        let client =
            oidc::authenticate_client(&app, &credentials(&headers, &form, address)).await?;
        oidc::token(&app, &client, &form).await
    }
    .await;
    match result {
        Ok(tokens) => no_store(Json(tokens).into_response()),
        Err(failure) => token_refusal(failure),
    }
}

/// OIDC Core §5.3 with RFC 6750: the access token as a bearer, in the header (or, for
/// POST, the form).
async fn userinfo(
    State(app): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Params(form): Params,
) -> Response {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    // Only a POST's form: a token in a URL would end up in logs (RFC 6750 §2.3).
    let from_form = (method == Method::POST)
        .then(|| {
            form.into_iter()
                .find(|(n, _)| n == "access_token")
                .map(|(_, v)| v)
        })
        .flatten();
    let claims = match from_header.or(from_form) {
        Some(token) => match oidc::userinfo(&app, &token).await {
            Ok(claims) => claims,
            Err(e) => return trouble(e),
        },
        None => None,
    };
    match claims {
        Some(claims) => no_store(Json(claims).into_response()),
        None => {
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer error=\"invalid_token\", error_description=\"the access token is unknown, expired or revoked\"",
                ),
            );
            response
        }
    }
}

async fn revoke(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Params(form): Params,
) -> Response {
    let result = async {
        let client =
            oidc::authenticate_client(&app, &credentials(&headers, &form, address)).await?;
        if let Some((_, token)) = form.iter().find(|(n, _)| n == "token") {
            oidc::revoke(&app, &client, token).await?;
        }
        Ok::<_, TokenFailure>(())
    }
    .await;
    match result {
        // RFC 7009 §2.2: 200 whether or not the token was known.
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(failure) => token_refusal(failure),
    }
}

async fn introspect(
    State(app): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Params(form): Params,
) -> Response {
    let result = async {
        let client =
            oidc::authenticate_client(&app, &credentials(&headers, &form, address)).await?;
        let token = form
            .iter()
            .find(|(n, _)| n == "token")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        Ok::<_, TokenFailure>(oidc::introspect(&app, &client, token).await?)
    }
    .await;
    match result {
        Ok(answer) => no_store(Json(answer).into_response()),
        Err(failure) => token_refusal(failure),
    }
}

/// RP-Initiated Logout 1.0 §2: the endpoint answers GET and POST alike.
async fn logout(
    State(app): State<AppState>,
    axum::Extension(csrf): axum::Extension<CsrfToken>,
    SessionCookie(session): SessionCookie,
    jar: CookieJar,
    Params(params): Params,
) -> Result<Response, WebError> {
    let browser = crate::flows::session::standing(&app, session.as_deref()).await?;
    match oidc::end_session(&app, &params, browser.as_ref()).await? {
        EndSession::Done { to } => {
            let jar = jar.add(super::session::removal(&app));
            Ok((jar, Redirect::to(&to)).into_response())
        }
        EndSession::Confirm(back) => page::ok(
            "pages/oidc_logout.html",
            &csrf,
            context! {
                client_id => back.client_id,
                post_logout_redirect_uri => back.post_logout_redirect_uri,
                state => back.state,
                action => LOGOUT_CONFIRM_PATH,
            },
        ),
        EndSession::NotRedirectable(why) => Err(not_redirectable(why)),
    }
}

/// Sign out pressed: signed out, then on to the application's page. Like the return after
/// sign-in, this is a page of Tessera's own: a redirect after this form's POST would be held
/// to the CSP's `form-action 'self'`.
async fn logout_confirmed(
    State(app): State<AppState>,
    axum::Extension(csrf): axum::Extension<CsrfToken>,
    super::session::CurrentSession(current): super::session::CurrentSession,
    jar: CookieJar,
    super::form::Form(back): super::form::Form<LogoutReturn>,
) -> Result<Response, WebError> {
    let to = match oidc::confirm_end_session(&app, &back, current.as_ref()).await? {
        Ok(to) => to,
        Err(why) => return Err(not_redirectable(why)),
    };
    let jar = jar.add(super::session::removal(&app));
    if to.starts_with('/') {
        return Ok((jar, Redirect::to(&to)).into_response());
    }
    let page = page::ok("pages/oidc_signed_out.html", &csrf, context! { url => to })?;
    Ok((jar, page).into_response())
}
