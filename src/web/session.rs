//! The session cookie: `__Host-` prefixed and Secure whenever the public URL is https,
//! always HttpOnly and SameSite=Lax (Lax, not Strict, so the registration link opened from
//! an email client keeps its session through the redirect). With `TESSERA_COOKIE_DOMAIN`
//! (forward authentication for portals on sibling hosts) it carries that Domain, which the
//! `__Host-` prefix forbids, so it is `__Secure-` prefixed instead.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::{AppState, WebError};
use crate::config::Config;
use crate::flows;
use crate::store::Session;

pub fn cookie_name(app: &AppState) -> &'static str {
    name(&app.config)
}

fn name(config: &Config) -> &'static str {
    match (config.is_https(), config.cookie_domain().is_some()) {
        (true, false) => "__Host-tessera_session",
        (true, true) => "__Secure-tessera_session",
        (false, _) => "tessera_session",
    }
}

/// A cookie carrying a new session identifier (rotated at each stage).
pub fn cookie(app: &AppState, value: String) -> Cookie<'static> {
    build(&app.config, value)
}

fn build(config: &Config, value: String) -> Cookie<'static> {
    let cookie = Cookie::build((name(config), value))
        .path("/")
        .http_only(true)
        .secure(config.is_https())
        .same_site(SameSite::Lax);
    match config.cookie_domain() {
        Some(domain) => cookie.domain(domain.to_string()).build(),
        None => cookie.build(),
    }
}

/// A step passed: the browser's new session, and on to `to`.
pub fn go_on(app: &AppState, jar: CookieJar, token: String, to: &str) -> Response {
    (jar.add(cookie(app, token)), Redirect::to(to)).into_response()
}

/// The session as it is now (a problem may have changed it: a withdrawn code), or as it
/// was when it has ended since.
pub async fn reread(app: &AppState, session: &Session) -> Result<Session, WebError> {
    Ok(flows::session::current_by_hash(app, &session.id_hash)
        .await?
        .unwrap_or_else(|| session.clone()))
}

pub fn removal(app: &AppState) -> Cookie<'static> {
    let mut c = cookie(app, String::new());
    c.make_removal();
    c
}

/// The session cookie's value, if the browser sent one.
pub struct SessionCookie(pub Option<String>);

impl<S> FromRequestParts<S> for SessionCookie
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(Self(
            jar.get(cookie_name(&app)).map(|c| c.value().to_string()),
        ))
    }
}

/// The browser's live session, if it has one.
pub struct CurrentSession(pub Option<Session>);

impl<S> FromRequestParts<S> for CurrentSession
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // On a guarded route the gate has read it already.
        if let Some(admitted) = parts.extensions.get::<super::gate::Admitted>() {
            return Ok(Self(Some(admitted.0.session.clone())));
        }
        let app = AppState::from_ref(state);
        let Ok(SessionCookie(token)) = SessionCookie::from_request_parts(parts, state).await;
        Ok(Self(flows::session::current(&app, token.as_deref()).await?))
    }
}

/// Where a verified factor leads: the new password in recovery, else `home`.
pub fn after_factor(
    stage: crate::domain::session::SessionStage,
    home: &'static str,
) -> &'static str {
    if stage == crate::domain::session::SessionStage::PasswordReset {
        "/password/new"
    } else {
        home
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, domain: Option<&str>) -> Config {
        Config {
            public_url: Some(url.into()),
            cookie_domain: domain.map(str::to_string),
            ..Config::default()
        }
    }

    /// OWASP ASVS 5.0 3.3.1 and 3.3.2: Secure, HttpOnly, SameSite, and the `__Host-` prefix
    /// unless `TESSERA_COOKIE_DOMAIN` asks for a Domain (then `__Secure-`).
    #[test]
    fn asvs_3_3_1_the_session_cookie_is_host_only_unless_a_domain_is_configured() {
        let host_only = build(&config("https://auth.example.org", None), "v".into()).to_string();
        assert!(
            host_only.starts_with("__Host-tessera_session=v"),
            "{host_only}"
        );
        assert!(!host_only.contains("Domain"), "{host_only}");
        let shared = build(
            &config("https://auth.example.org", Some("example.org")),
            "v".into(),
        )
        .to_string();
        assert!(shared.starts_with("__Secure-tessera_session=v"), "{shared}");
        for part in [
            "Domain=example.org",
            "Secure",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
        ] {
            assert!(shared.contains(part), "{part}: {shared}");
        }
        let plain = build(
            &config("http://auth.tessera.test:8080", Some("tessera.test")),
            "v".into(),
        )
        .to_string();
        assert!(plain.starts_with("tessera_session=v"), "{plain}");
        assert!(plain.contains("Domain=tessera.test"), "{plain}");
    }
}
