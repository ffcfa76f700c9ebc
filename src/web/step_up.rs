//! Confirm it is you (`/verify/again`): a signed-in person passes their second factor again,
//! in place, and goes on to `next`, a page of this portal.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::csrf::CsrfToken;
use super::form::Form;
use super::gate::GuardedSession;
use super::session;
use super::status::Status;
use super::{AppState, WebError, page};
use crate::domain::session::local_path;
use crate::flows;
use crate::flows::email_code::VerifyProblem;
use crate::store::Session;

/// The re-verification page's address that leads on to `next` afterwards.
pub fn again_then(next: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("next", next)
        .finish();
    format!("/verify/again?{query}")
}

/// Where to go on to: a local path of this portal, or home when none was given. Anything
/// else (another site, `//host`) is refused, so the page cannot be an open redirect.
fn next_of(raw: &str) -> Result<String, WebError> {
    if raw.is_empty() {
        return Ok("/".into());
    }
    local_path(raw).map(str::to_string).ok_or(WebError::Message {
        status: StatusCode::BAD_REQUEST,
        title: "That address is not allowed",
        message: "After confirming it is you, the portal only goes on to one of its own pages. Start again from the home page.".into(),
        next_href: "/",
        next_label: "Home",
    })
}

fn not_signed_in() -> Response {
    Redirect::to("/login?notice=timed-out").into_response()
}

#[derive(Deserialize, Default)]
pub struct NextForm {
    #[serde(default)]
    next: String,
    #[serde(default)]
    code: String,
}

pub async fn page(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    Query(query): Query<NextForm>,
) -> Result<Response, WebError> {
    let next = next_of(&query.next)?;
    render(&app, &csrf, &session, &next, None, StatusCode::OK).await
}

async fn render(
    app: &AppState,
    csrf: &CsrfToken,
    session: &Session,
    next: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let state = flows::step_up::page(app, session).await?;
    page::render(
        status,
        "pages/verify_again.html",
        csrf,
        context! { state => minijinja::Value::from(minijinja::value::Serde(&state)), next, error },
    )
}

pub async fn send(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    ClientAddress(client): ClientAddress,
    Form(form): Form<NextForm>,
) -> Result<Response, WebError> {
    let next = next_of(&form.next)?;
    let problem = match flows::step_up::send(&app, &session, &client).await {
        Ok(()) => return Ok(Redirect::to(&again_then(&next)).into_response()),
        Err(problem) if problem.session_ended() => return Ok(not_signed_in()),
        Err(problem) => match problem.internal() {
            Ok(e) => return Err(e.into()),
            Err(problem) => problem,
        },
    };
    let status = problem.status();
    // The session may have changed (a withdrawn code): read it again.
    let session = flows::session::current_by_hash(&app, &session.id_hash)
        .await?
        .unwrap_or(session);
    render(
        &app,
        &csrf,
        &session,
        &next,
        Some(problem.to_string()),
        status,
    )
    .await
}

/// Verify Code: a right code gives the browser a new session (fresh factor) and goes on.
pub async fn check(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    jar: CookieJar,
    Form(form): Form<NextForm>,
) -> Result<Response, WebError> {
    let next = next_of(&form.next)?;
    match flows::step_up::verify(&app, &session, &form.code).await {
        Ok(token) => {
            Ok((jar.add(session::cookie(&app, token)), Redirect::to(&next)).into_response())
        }
        Err(VerifyProblem::SessionEnded) => Ok(not_signed_in()),
        Err(VerifyProblem::Internal(e)) => Err(e.into()),
        Err(problem) => {
            let status = problem.status();
            render(
                &app,
                &csrf,
                &session,
                &next,
                Some(problem.to_string()),
                status,
            )
            .await
        }
    }
}
