//! Your account (`/account`): change the email address, the phone number or the verification
//! method. Every change passes through `/verify/again` first when the factor is not fresh.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::csrf::CsrfToken;
use super::form::Form;
use super::gate::GuardedSession;
use super::status::Status;
use super::step_up::again_then;
use super::{AppState, WebError, page};
use crate::flows;
use crate::flows::account::ChangeProblem;
use crate::flows::email_code::VerifyProblem;
use crate::store::Session;

fn not_signed_in() -> Response {
    Redirect::to("/login?notice=timed-out").into_response()
}

/// Fixed texts for the outcome of the last change (no text from the query string is shown).
fn done_text(code: &str) -> Option<&'static str> {
    match code {
        "email" => Some(
            "Your email address is changed. Use the new one to sign in; we told both addresses.",
        ),
        "phone" => Some("Your phone number is changed and is now your verification method."),
        "method" => Some("Email is now your verification method."),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
pub struct AccountForm {
    #[serde(default)]
    done: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    country_code: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    /// The current password (ASVS 7.5.1); never shown again.
    #[serde(default)]
    password: String,
}

pub async fn page(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    Query(query): Query<AccountForm>,
) -> Result<Response, WebError> {
    let done = done_text(&query.done);
    render(&app, &csrf, &session, &query, done, None, StatusCode::OK).await
}

async fn render(
    app: &AppState,
    csrf: &CsrfToken,
    session: &Session,
    form: &AccountForm,
    done: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let state = flows::account::page(app, session).await?;
    let country_code = if form.country_code.is_empty() {
        "+1"
    } else {
        form.country_code.as_str()
    };
    page::render(
        status,
        "pages/account.html",
        csrf,
        context! {
            state => minijinja::Value::from(minijinja::value::Serde(&state)),
            done, error, new_email => form.email.as_str(), country_code, phone => form.phone.as_str(),
        },
    )
}

/// The page after a change was asked for: on to `to`, through `/verify/again` when the factor
/// is not fresh, or the account page again with the problem said.
async fn outcome(
    app: &AppState,
    csrf: &CsrfToken,
    session: &Session,
    form: &AccountForm,
    result: Result<(), ChangeProblem>,
    to: &str,
) -> Result<Response, WebError> {
    let problem = match result {
        Ok(()) => return Ok(Redirect::to(to).into_response()),
        Err(ChangeProblem::NotFresh) => {
            return Ok(Redirect::to(&again_then("/account")).into_response());
        }
        Err(ChangeProblem::Internal(e) | ChangeProblem::Code(VerifyProblem::Internal(e))) => {
            return Err(e.into());
        }
        Err(ChangeProblem::Code(VerifyProblem::SessionEnded)) => return Ok(not_signed_in()),
        Err(ChangeProblem::Send(problem)) if problem.session_ended() => {
            return Ok(not_signed_in());
        }
        Err(ChangeProblem::Send(problem)) => match problem.internal() {
            Ok(e) => return Err(e.into()),
            Err(problem) => ChangeProblem::Send(problem),
        },
        Err(problem) => problem,
    };
    let status = problem.status();
    // The session may have changed (a withdrawn code): read it again.
    let session = flows::session::current_by_hash(app, &session.id_hash)
        .await?
        .unwrap_or_else(|| session.clone());
    let error = Some(problem.to_string());
    render(app, csrf, &session, form, None, error, status).await
}

pub async fn send_email(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let result =
        flows::account::request_email(&app, &session, &form.password, &form.email, &client).await;
    outcome(&app, &csrf, &session, &form, result, "/account").await
}

pub async fn check_email(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let result = flows::account::confirm_email(&app, &session, &form.code).await;
    outcome(&app, &csrf, &session, &form, result, "/account?done=email").await
}

pub async fn send_phone(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let result = flows::account::request_phone(
        &app,
        &session,
        &form.password,
        &form.country_code,
        &form.phone,
        &client,
    )
    .await;
    outcome(&app, &csrf, &session, &form, result, "/account").await
}

pub async fn check_phone(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let result = flows::account::confirm_phone(&app, &session, &form.code).await;
    outcome(&app, &csrf, &session, &form, result, "/account?done=phone").await
}

pub async fn use_email(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let result = flows::account::switch_to_email(&app, &session, &form.password, &client).await;
    outcome(&app, &csrf, &session, &form, result, "/account?done=method").await
}
