//! Staff single sign-on's pages (issue 16): the login page's **Sign in with NAME** posts here,
//! and the company's provider sends the browser back to the callback. Decisions live in
//! `flows::staff_sign_in`.

use crate::i18n::say;
use axum::Extension;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::csrf::CsrfToken;
use super::form::Form;
use super::session::{self, CurrentSession};
use super::{AppState, WebError, page};
use crate::flows::staff_sign_in::{self, Answer, Finished, StaffProblem};

/// The login page's staff buttons post here (a form of Tessera's own: CSRF-checked).
pub const START_PATH: &str = "/login/staff";
/// Where the company's provider sends the browser back (the redirect URI the flow registers
/// with it: the same path, checked below).
pub const CALLBACK_PATH: &str = "/login/staff/callback";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(START_PATH, post(start))
        .route(CALLBACK_PATH, get(callback))
}

/// The browser's half of a sign-in sent to the provider: compared with `state` on the way
/// back. Lax, so the provider's top-level redirect back carries it.
fn handle_cookie_name(app: &AppState) -> &'static str {
    if app.config.is_https() {
        "__Host-tessera_staff"
    } else {
        "tessera_staff"
    }
}

fn handle_cookie(app: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((handle_cookie_name(app), value))
        .path("/")
        .http_only(true)
        .secure(app.config.is_https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(staff_sign_in::CEREMONY_SECS))
        .build()
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    provider: String,
}

/// **Sign in with NAME**: to the provider, from a page of Tessera's own (a redirect answering
/// this form would be held to the CSP's `form-action 'self'`).
async fn start(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    jar: CookieJar,
    Form(form): Form<StartForm>,
) -> Result<Response, WebError> {
    let id = form.provider.trim().parse().unwrap_or(-1);
    match staff_sign_in::start(&app, id).await {
        Ok(started) => {
            let jar = jar.add(handle_cookie(&app, started.handle));
            let page = page::ok(
                "pages/staff_redirect.html",
                &csrf,
                context! { url => started.url, provider => started.provider },
            )?;
            Ok((jar, page).into_response())
        }
        Err(problem) => problem_page(&csrf, problem),
    }
}

/// The provider's answer: signed in, on to Tessera's own second factor, or a page that says
/// what went wrong and what to do.
async fn callback(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    CurrentSession(current): CurrentSession,
    ClientAddress(client): ClientAddress,
    jar: CookieJar,
    Query(answer): Query<Answer>,
) -> Result<Response, WebError> {
    let handle = jar
        .get(handle_cookie_name(&app))
        .map(|c| c.value().to_string());
    let mut removal = handle_cookie(&app, String::new());
    removal.make_removal();
    let jar = jar.add(removal);
    let finished =
        staff_sign_in::finish(&app, handle.as_deref(), &answer, current.as_ref(), &client).await;
    match finished {
        Ok(Finished::SignedIn { token }) => Ok(session::go_on(&app, jar, token, "/")),
        Ok(Finished::SecondFactor { token, factor }) => Ok(session::go_on(
            &app,
            jar,
            token,
            super::gate::factor_path(factor),
        )),
        Err(problem) => Ok((jar, problem_page(&csrf, problem)?).into_response()),
    }
}

/// An address of a staff domain typed at a password form (sign-in, Forgot your password,
/// Reset): the page that sends it to the company's provider instead, saying why. No password
/// is checked or sent anywhere.
pub async fn routed(
    app: &AppState,
    csrf: &CsrfToken,
    email: &str,
) -> Result<Option<Response>, WebError> {
    let Some((id, provider)) = crate::flows::staff_sso::provider_for(app, email).await? else {
        return Ok(None);
    };
    let domain = crate::domain::staff::domain_of(email).unwrap_or_default();
    Ok(Some(route_page(csrf, id, &provider, &domain)?))
}

/// The page that sends a staff domain's address to its provider `id`, saying why.
pub fn route_page(
    csrf: &CsrfToken,
    id: i64,
    provider: &str,
    domain: &str,
) -> Result<Response, WebError> {
    page::ok(
        "pages/staff_route.html",
        csrf,
        context! { id, provider, domain },
    )
}

fn problem_page(csrf: &CsrfToken, problem: StaffProblem) -> Result<Response, WebError> {
    let status = match &problem {
        StaffProblem::Internal(_) => {
            let StaffProblem::Internal(e) = problem else {
                unreachable!()
            };
            return Err(e.into());
        }
        StaffProblem::Unreachable(_) => StatusCode::BAD_GATEWAY,
        StaffProblem::UnknownProvider | StaffProblem::Expired => StatusCode::BAD_REQUEST,
        _ => StatusCode::FORBIDDEN,
    };
    page::render(
        status,
        "pages/message.html",
        csrf,
        context! {
            title => say("staff-problem-title"),
            message => problem.to_string(),
            next_href => "/login",
            next_label => say("back-to-login"),
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_callback_route_is_the_redirect_uri_the_flow_sends() {
        assert_eq!(super::CALLBACK_PATH, super::staff_sign_in::CALLBACK_PATH);
    }
}
