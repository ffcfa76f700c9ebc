//! Forward authentication for reverse proxies (issue 15; PRODUCT.md, "The applications behind
//! it"): nginx's `auth_request` asks `/authz/auth-request`, Caddy's `forward_auth` and
//! Traefik's ForwardAuth ask `/authz/forward-auth`, on every request to the portal they
//! protect. Decisions live in `flows::forward_auth`; this module reads the proxy's headers
//! (from a trusted proxy only) and answers in the form each proxy understands. It also keeps
//! the way back: `/login?rd=URL` remembers a registered application's URL, which the home
//! page returns to after sign-in.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::csrf::CsrfToken;
use super::session::SessionCookie;
use super::{AppState, WebError, page};
use crate::domain::forward::{AppOrigin, OriginalRequest, ProxyHeaders};
use crate::flows::forward_auth::{self, Identity, Verdict};

pub const AUTH_REQUEST_PATH: &str = "/authz/auth-request";
pub const FORWARD_AUTH_PATH: &str = "/authz/forward-auth";
/// The page a person of another organization is shown (nginx is sent there on a 403).
pub const DENIED_PATH: &str = "/authz/denied";

/// The proxies' checks: no form, no CSRF cookie (`web::csrf`).
pub const CHECK_PATHS: [&str; 2] = [AUTH_REQUEST_PATH, FORWARD_AUTH_PATH];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(AUTH_REQUEST_PATH, get(auth_request))
        .route(FORWARD_AUTH_PATH, get(forward_auth))
        .route(DENIED_PATH, get(denied))
}

/// nginx `auth_request`: 200 with the person, 401 to sign in, 403 for no access.
async fn auth_request(State(app): State<AppState>, asked: Asked) -> Result<Response, WebError> {
    let verdict = check(&app, &asked).await?;
    Ok(match verdict {
        Verdict::Allow(who) => allowed(&who),
        Verdict::SignedOut => no_store(StatusCode::UNAUTHORIZED.into_response()),
        Verdict::Denied { .. } => no_store(StatusCode::FORBIDDEN.into_response()),
    })
}

/// Caddy `forward_auth`, Traefik ForwardAuth: 200 with the person; a browser not signed in
/// is sent to sign in (302, or 303 after another method than GET or HEAD), anything else gets
/// 401; no access is a 403 page.
async fn forward_auth(State(app): State<AppState>, asked: Asked) -> Result<Response, WebError> {
    let verdict = check(&app, &asked).await?;
    Ok(match verdict {
        Verdict::Allow(who) => allowed(&who),
        Verdict::SignedOut if asked.accepts_html => {
            let status = match asked.original.method.as_str() {
                "GET" | "HEAD" => StatusCode::FOUND,
                _ => StatusCode::SEE_OTHER,
            };
            let to = sign_in_url(&app, &asked.original.url);
            no_store((status, [(header::LOCATION, to)]).into_response())
        }
        Verdict::SignedOut => no_store(StatusCode::UNAUTHORIZED.into_response()),
        Verdict::Denied { .. } => {
            let origin = AppOrigin::of(&asked.original.url);
            let to = denied_url(&app, origin.as_ref());
            let body = crate::templates::render("pages/no_access_redirect.html", context! { to })
                .map_err(crate::flows::Internal::from)?;
            no_store((StatusCode::FORBIDDEN, Html(body)).into_response())
        }
    })
}

async fn check(app: &AppState, asked: &Asked) -> Result<Verdict, WebError> {
    Ok(forward_auth::check(app, asked.cookie.as_deref(), &asked.original, &asked.client).await?)
}

/// Every `Remote-*` header, always, empty when there is no value: the proxy copies each over
/// whatever the client sent under that name, so a forged one never reaches the application.
fn allowed(who: &Identity) -> Response {
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        ("remote-user", &who.user),
        ("remote-email", &who.email),
        ("remote-name", &who.name),
        ("remote-groups", &who.groups),
    ] {
        // UTF-8 as it is (a name such as "Åse"); names and addresses hold no control characters.
        let value =
            HeaderValue::from_bytes(value.as_bytes()).unwrap_or(HeaderValue::from_static(""));
        headers.insert(HeaderName::from_static(name), value);
    }
    no_store(response)
}

/// A check's answer is about one browser at one moment: never kept by a cache.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn sign_in_url(app: &AppState, original: &str) -> String {
    let rd: String = form_urlencoded::byte_serialize(original.as_bytes()).collect();
    app.url(&format!("/login?rd={rd}"))
}

fn denied_url(app: &AppState, origin: Option<&AppOrigin>) -> String {
    match origin {
        Some(origin) => {
            let named: String =
                form_urlencoded::byte_serialize(origin.as_str().as_bytes()).collect();
            app.url(&format!("{DENIED_PATH}?app={named}"))
        }
        None => app.url(DENIED_PATH),
    }
}

/// What a proxy asks about: the original request, the browser's session cookie, the client.
struct Asked {
    original: OriginalRequest,
    cookie: Option<String>,
    client: String,
    accepts_html: bool,
}

impl FromRequestParts<AppState> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(SessionCookie(cookie)) = SessionCookie::from_request_parts(parts, app).await;
        let Ok(ClientAddress(client)) = ClientAddress::from_request_parts(parts, app).await;
        let trusted = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|ConnectInfo(peer)| app.config.trusted_proxies().contains(&peer.ip()));
        let headers = &parts.headers;
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let scheme = if app.config.is_https() {
            "https"
        } else {
            "http"
        };
        let proxy = ProxyHeaders {
            original_url: text("x-original-url"),
            original_method: text("x-original-method"),
            forwarded_method: text("x-forwarded-method"),
            forwarded_proto: text("x-forwarded-proto"),
            forwarded_host: text("x-forwarded-host"),
            forwarded_uri: text("x-forwarded-uri"),
            own_method: parts.method.as_str(),
            own_host: text("host").unwrap_or_default(),
            own_path: parts.uri.path_and_query().map_or("/", |p| p.as_str()),
            own_scheme: scheme,
        };
        Ok(Self {
            original: proxy.original(trusted),
            cookie,
            client,
            accepts_html: accepts_html(headers),
        })
    }
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

#[derive(Deserialize)]
struct DeniedQuery {
    #[serde(default)]
    app: String,
}

/// "You have no access": the application named when it is registered, and the way on.
async fn denied(
    State(app): State<AppState>,
    axum::Extension(csrf): axum::Extension<CsrfToken>,
    Query(query): Query<DeniedQuery>,
) -> Result<Response, WebError> {
    let name = match AppOrigin::parse(&query.app, true) {
        Ok(origin) => forward_auth::name_of(&app, &origin).await?,
        Err(_) => None,
    };
    page::render(
        StatusCode::FORBIDDEN,
        "pages/no_access.html",
        &csrf,
        context! { name },
    )
}

// ---------------------------------------------------------------------------------------
// The way back to the application after sign-in.

fn return_cookie_name(app: &AppState) -> &'static str {
    if app.config.is_https() {
        "__Host-tessera_return"
    } else {
        "tessera_return"
    }
}

/// How long a sign-in may take and still return to the application.
const RETURN_TTL_SECS: i64 = 3600;

fn return_cookie(app: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((return_cookie_name(app), value))
        .path("/")
        .http_only(true)
        .secure(app.config.is_https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(RETURN_TTL_SECS))
        .build()
}

/// `/login?rd=URL`: remembers URL when its origin is a registered application (else nothing:
/// the home page follows the sign-in). The URL is encoded, as a cookie value cannot hold
/// every character of a URL.
pub async fn remember_return(
    app: &AppState,
    jar: CookieJar,
    rd: &str,
) -> Result<CookieJar, WebError> {
    if rd.is_empty() {
        return Ok(jar);
    }
    Ok(match forward_auth::return_address(app, rd).await? {
        Some(url) => jar.add(return_cookie(app, URL_SAFE_NO_PAD.encode(url))),
        None => jar,
    })
}

/// After sign-in, the application's URL the browser asked for (checked again: the cookie is
/// the browser's), and the jar without it.
pub async fn take_return(
    app: &AppState,
    jar: CookieJar,
) -> Result<(CookieJar, Option<String>), WebError> {
    let Some(cookie) = jar.get(return_cookie_name(app)) else {
        return Ok((jar, None));
    };
    let rd = URL_SAFE_NO_PAD
        .decode(cookie.value())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let mut removal = return_cookie(app, String::new());
    removal.make_removal();
    let jar = jar.add(removal);
    Ok((jar, forward_auth::return_address(app, &rd).await?))
}

/// Whether the browser waits to go back to an application (checked in full by `take_return`).
pub fn returns(app: &AppState, jar: &CookieJar) -> bool {
    jar.get(return_cookie_name(app)).is_some()
}

// A portal that cannot see the session cookie (on a sibling host without
// `TESSERA_COOKIE_DOMAIN`) sends a signed-in person straight back to `/login?rd=`: the
// home page remembers, for a minute, which address it last sent the browser back to, and
// a second `rd` to it meets a page that explains instead of another round.

fn sent_back_cookie_name(app: &AppState) -> &'static str {
    if app.config.is_https() {
        "__Host-tessera_sent_back"
    } else {
        "tessera_sent_back"
    }
}

fn fingerprint(url: &str) -> String {
    use sha2::{Digest, Sha256};
    URL_SAFE_NO_PAD.encode(&Sha256::digest(url.as_bytes())[..16])
}

/// The jar that remembers the browser was just sent back to `url`.
pub fn sent_back(app: &AppState, jar: CookieJar, url: &str) -> CookieJar {
    let cookie = Cookie::build((sent_back_cookie_name(app), fingerprint(url)))
        .path("/")
        .http_only(true)
        .secure(app.config.is_https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(60))
        .build();
    jar.add(cookie)
}

/// `/login?rd=URL` for someone signed in who was sent back to URL within the minute: the
/// application did not see the sign-in. The page says so, and why, instead of a loop.
pub async fn bounced(
    app: &AppState,
    jar: &CookieJar,
    rd: &str,
) -> Result<Option<String>, WebError> {
    let Some(seen) = jar.get(sent_back_cookie_name(app)) else {
        return Ok(None);
    };
    Ok(forward_auth::return_address(app, rd)
        .await?
        .filter(|url| fingerprint(url) == seen.value()))
}
