//! The language a request is answered in, and the switch that changes it.
//!
//! Chosen, in order: the language the person picked with the switch (a cookie of this browser),
//! the browser's `Accept-Language`, English. Picking one while signed in also records it on
//! the account, so what is sent to the person (emails, texts, calls) is in it too.
//!
//! The switch is a link (GET), not a form: it changes only a preference, harmless if a
//! stranger's page follows it for someone, and it adds no form to the pages (whose forms are
//! their journeys' own).

use axum::Router;
use axum::extract::Query;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::{AppState, WebError};
use crate::i18n::{self, Language};

pub const SWITCH_PATH: &str = "/language";
const COOKIE: &str = "tessera_lang";
/// A year: a language picked is a lasting preference, not a session's.
const COOKIE_DAYS: i64 = 365;

pub fn routes() -> Router<AppState> {
    Router::new().route(SWITCH_PATH, get(switch))
}

/// The middleware: answers the request in its language, and says which (`Content-Language`).
pub async fn choose(request: Request, next: Next) -> Response {
    let language = language_of(&request);
    let mut response = i18n::speaking(language, next.run(request)).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(language.as_str()),
    );
    headers.append(header::VARY, HeaderValue::from_static("accept-language"));
    response
}

fn language_of(request: &Request) -> Language {
    let picked = CookieJar::from_headers(request.headers())
        .get(COOKIE)
        .and_then(|c| Language::parse(c.value()));
    picked
        .or_else(|| {
            request
                .headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Language::preferred_by)
        })
        .unwrap_or(Language::English)
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    #[serde(default)]
    to: String,
}

/// The switch: remembers the language in this browser and, for a signed-in person, on their
/// account; then the same page again. The page is the link's `Referer`, which its link asks
/// the browser to send to this portal alone (`referrerpolicy="same-origin"`; every other
/// request sends none): no page echoes its own address into its links.
async fn switch(
    State(app): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(form): Query<SwitchQuery>,
) -> Result<Response, WebError> {
    let Some(language) = Language::parse(&form.to) else {
        return Ok(Redirect::to("/").into_response());
    };
    let session = jar
        .get(super::session::cookie_name(&app))
        .map(|c| c.value().to_string());
    crate::flows::language::record(&app, session.as_deref(), language).await?;
    let cookie = Cookie::build((COOKIE, language.as_str()))
        .path("/")
        .http_only(true)
        .secure(app.config.is_https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(COOKIE_DAYS))
        .build();
    let back = came_from(&app.config.public_url(), &headers).unwrap_or_default();
    Ok((jar.add(cookie), Redirect::to(local_path(&back))).into_response())
}

/// The path of the page the switch was followed from, when that page is this portal's: the
/// `Referer` is of `TESSERA_PUBLIC_URL`'s origin, or names the host the request was sent to
/// (a reverse proxy may rewrite one or the other).
fn came_from(public_url: &str, headers: &HeaderMap) -> Option<String> {
    let referer = url::Url::parse(headers.get(header::REFERER)?.to_str().ok()?).ok()?;
    let ours = url::Url::parse(public_url).is_ok_and(|p| p.origin() == referer.origin());
    let referer_host = match referer.port() {
        Some(port) => format!("{}:{port}", referer.host_str()?),
        None => referer.host_str()?.to_string(),
    };
    let asked = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| referer_host.eq_ignore_ascii_case(host));
    if !(ours || asked) {
        return None;
    }
    Some(match referer.query() {
        Some(query) => format!("{}?{query}", referer.path()),
        None => referer.path().to_string(),
    })
}

/// `back` when it is a path of this portal; else the home page (never another site).
fn local_path(back: &str) -> &str {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(|c| c.is_control() || c.is_whitespace());
    if local { back } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_read_from_a_referer_of_this_portal_even_behind_a_proxy() {
        let headers = |referer: &str, host: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::REFERER, referer.parse().unwrap());
            h.insert(header::HOST, host.parse().unwrap());
            h
        };
        let public = "https://portal.example.org";
        // A proxy that sends the upstream's address as Host: the public origin decides.
        assert_eq!(
            came_from(
                public,
                &headers(
                    "https://portal.example.org/login/email?x=1",
                    "127.0.0.1:8080"
                )
            ),
            Some("/login/email?x=1".into())
        );
        // No public URL match, but the host the request was sent to.
        assert_eq!(
            came_from(
                "http://127.0.0.1:8080",
                &headers("http://localhost:9000/help", "localhost:9000")
            ),
            Some("/help".into())
        );
        assert_eq!(
            came_from(
                public,
                &headers("https://evil.example/login", "portal.example.org")
            ),
            None
        );
    }

    #[test]
    fn the_switch_returns_only_to_a_page_of_the_portal() {
        assert_eq!(
            local_path("/login/email?login_hint=a%40b.org"),
            "/login/email?login_hint=a%40b.org"
        );
        for elsewhere in [
            "//evil.example",
            "https://evil.example/",
            "/\\evil.example",
            "",
            "/ x",
            "/\t/evil",
        ] {
            assert_eq!(local_path(elsewhere), "/", "{elsewhere:?}");
        }
    }
}
