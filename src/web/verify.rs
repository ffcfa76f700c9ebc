//! The email factor pages (guide: "Email Verification", "Login With Email").

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::form::Form;
use super::gate::GuardedSession;
use super::session;
use super::status::Status;
use super::{AppState, WebError, page};
use crate::flows;
use crate::flows::email_code::{SendProblem, VerifyProblem};
use crate::store::Session;

/// Without a second-factor session (timed out, signed out): back to sign in, saying why.
fn timed_out() -> Response {
    Redirect::to("/login/email?notice=timed-out").into_response()
}

pub async fn page(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    render(&app, &csrf, &session, None, StatusCode::OK).await
}

async fn render(
    app: &AppState,
    csrf: &CsrfToken,
    session: &Session,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let state = flows::email_code::page(app, session).await?;
    page::render(
        status,
        "pages/verify_email.html",
        csrf,
        context! { state => minijinja::Value::from(minijinja::value::Serde(&state)), error },
    )
}

pub async fn send(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    match flows::email_code::send(&app, &session).await {
        Ok(()) => Ok(Redirect::to("/verify/email").into_response()),
        Err(SendProblem::SessionEnded) => Ok(timed_out()),
        Err(SendProblem::Internal(e)) => Err(e.into()),
        Err(problem) => {
            let status = problem.status();
            // The session may have been updated (a withdrawn code): read it again.
            let session = flows::session::current_by_hash(&app, &session.id_hash)
                .await?
                .unwrap_or(session);
            render(&app, &csrf, &session, Some(problem.to_string()), status).await
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn check(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    match flows::email_code::verify(&app, &session, &form.code, flows::email_code::Factor::Email)
        .await
    {
        Ok((token, stage)) => {
            let jar = jar.add(session::cookie(&app, token));
            Ok((
                jar,
                Redirect::to(session::after_factor(stage, "/verify/done")),
            )
                .into_response())
        }
        Err(VerifyProblem::SessionEnded) => Ok(timed_out()),
        Err(VerifyProblem::Internal(e)) => Err(e.into()),
        Err(problem) => {
            let status = problem.status();
            render(&app, &csrf, &session, Some(problem.to_string()), status).await
        }
    }
}

/// "A message will appear confirming verification, select Continue to complete."
/// Only a signed-in session gets here (`web::gate`).
pub async fn done(Extension(csrf): Extension<CsrfToken>) -> Result<Response, WebError> {
    page::ok("pages/verified.html", &csrf, context! {})
}
