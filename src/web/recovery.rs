//! Forgot your password, registration Reset, Having trouble logging in, and MFA Help.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::csrf::CsrfToken;
use super::form::Form;
use super::gate::GuardedSession;
use super::session::{self, CurrentSession};
use super::status::Status;
use super::{AppState, WebError, page};
use crate::domain::session::SessionStage;
use crate::flows;
use crate::flows::email_code::{Factor, VerifyProblem};
use crate::flows::recovery::{LINK_SENT_IF_ELIGIBLE, NewPasswordProblem, RecoveryProblem};
use crate::flows::registration::Resume;
use crate::store::Session;

fn start_over() -> Response {
    Redirect::to("/password/forgot?expired=1").into_response()
}

#[derive(Deserialize, Default)]
pub struct Expired {
    #[serde(default)]
    expired: Option<String>,
}

/// "On the next page, select Forgot your password. Enter email address and click Send
/// verification code."
pub async fn forgot_form(
    Extension(csrf): Extension<CsrfToken>,
    axum::extract::Query(q): axum::extract::Query<Expired>,
) -> Result<Response, WebError> {
    let notice = q
        .expired
        .map(|_| "That password reset has timed out. Start again below.");
    page::ok("pages/forgot.html", &csrf, context! { notice, email => "" })
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot_submit(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    CurrentSession(current): CurrentSession,
    ClientAddress(client): ClientAddress,
    jar: CookieJar,
    Form(form): Form<EmailForm>,
) -> Result<Response, WebError> {
    match flows::recovery::start(&app, &form.email, &client, current.as_ref()).await {
        Ok(token) => Ok((
            jar.add(session::cookie(&app, token)),
            Redirect::to("/password/forgot/code"),
        )
            .into_response()),
        Err(RecoveryProblem::Internal(e)) => Err(e.into()),
        Err(problem) => page::render(
            problem.status(),
            "pages/forgot.html",
            &csrf,
            context! { error => problem.to_string(), email => form.email.trim() },
        ),
    }
}

async fn render_code_page(
    app: &AppState,
    csrf: &CsrfToken,
    session: &Session,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let Some(state) = flows::recovery::page(app, session).await? else {
        return Ok(start_over());
    };
    page::render(
        status,
        "pages/forgot_code.html",
        csrf,
        context! { state => minijinja::Value::from(minijinja::value::Serde(&state)), error },
    )
}

pub async fn code_page(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    render_code_page(&app, &csrf, &session, None, StatusCode::OK).await
}

pub async fn resend(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    match flows::recovery::resend(&app, &session).await {
        Ok(()) => Ok(Redirect::to("/password/forgot/code").into_response()),
        Err(RecoveryProblem::SessionEnded) => Ok(start_over()),
        Err(RecoveryProblem::Internal(e)) => Err(e.into()),
        Err(problem) => {
            let session = flows::session::current_by_hash(&app, &session.id_hash)
                .await?
                .unwrap_or(session);
            render_code_page(
                &app,
                &csrf,
                &session,
                Some(problem.to_string()),
                problem.status(),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// "Enter the 6-digit code received via email and click the Verify code button."
pub async fn check(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    match flows::email_code::verify(&app, &session, &form.code, Factor::RecoveryEmail).await {
        Ok((token, _)) => Ok((
            jar.add(session::cookie(&app, token)),
            Redirect::to("/password/forgot/verified"),
        )
            .into_response()),
        Err(VerifyProblem::SessionEnded) => Ok(start_over()),
        Err(VerifyProblem::Internal(e)) => Err(e.into()),
        Err(problem) => {
            let status = problem.status();
            render_code_page(&app, &csrf, &session, Some(problem.to_string()), status).await
        }
    }
}

/// "Message will appear that email is verified. Click Continue." Phone users go on to Send
/// Code or Call Me; email-only users straight to the new password; current portal users
/// (imported) to the registration page, as after a first login.
pub async fn verified(
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    let next = match session.stage {
        SessionStage::RecoveryPhone => "/verify/phone",
        SessionStage::PasswordReset => "/password/new",
        SessionStage::Registration => "/register",
        _ => return Ok(start_over()),
    };
    page::ok("pages/verified.html", &csrf, context! { next })
}

/// Only a session at the new-password stage gets here (`web::gate`).
pub async fn new_password_form(
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    page::ok("pages/new_password.html", &csrf, context! {})
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// "Enter a new password and confirm the password. Click Continue. The home page will display."
/// (or, for a registration not finished, the factor to verify and then the Terms of Use).
pub async fn new_password(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    jar: CookieJar,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, WebError> {
    match flows::recovery::set_password(&app, &session, &form.password, &form.password_confirmation)
        .await
    {
        Ok((token, factor)) => {
            // An unfinished registration goes on at its factor; everyone else is home.
            let next = factor.map_or("/", |m| super::register::resume_page(Resume::Factor(m)));
            Ok((jar.add(session::cookie(&app, token)), Redirect::to(next)).into_response())
        }
        Err(NewPasswordProblem::SessionEnded) => Ok(start_over()),
        Err(NewPasswordProblem::Internal(e)) => Err(e.into()),
        Err(problem) => page::render(
            problem.status(),
            "pages/new_password.html",
            &csrf,
            context! { error => problem.to_string() },
        ),
    }
}

/// Registration error → Reset: "Enter username and click Submit."
pub async fn reset_form(Extension(csrf): Extension<CsrfToken>) -> Result<Response, WebError> {
    page::ok("pages/reset.html", &csrf, context! { username => "" })
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    username: String,
}

pub async fn reset_submit(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    ClientAddress(client): ClientAddress,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    let result = flows::recovery::reset_registration(&app, &form.username, &client).await;
    link_request_page(
        &csrf,
        "pages/reset.html",
        result,
        context! { username => form.username.trim() },
    )
}

/// The page after asking for a registration link: the same words for every address, or what
/// to fix, with what was typed kept.
fn link_request_page(
    csrf: &CsrfToken,
    template: &str,
    result: Result<(), RecoveryProblem>,
    typed: minijinja::Value,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => page::ok(template, csrf, context! { sent => LINK_SENT_IF_ELIGIBLE }),
        Err(RecoveryProblem::Internal(e)) => Err(e.into()),
        Err(problem) => page::render(
            problem.status(),
            template,
            csrf,
            context! { error => problem.to_string(), ..typed },
        ),
    }
}

/// Having trouble logging in? With the email and password used to begin registering.
pub async fn trouble_form(Extension(csrf): Extension<CsrfToken>) -> Result<Response, WebError> {
    page::ok("pages/trouble.html", &csrf, context! { email => "" })
}

#[derive(Deserialize)]
pub struct TroubleForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn trouble_submit(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    ClientAddress(client): ClientAddress,
    Form(form): Form<TroubleForm>,
) -> Result<Response, WebError> {
    let result =
        flows::recovery::finish_registration_link(&app, &form.email, &form.password, &client).await;
    link_request_page(
        &csrf,
        "pages/trouble.html",
        result,
        context! { email => form.email.trim() },
    )
}

/// Multi-Factor Authentication Help: each problem of the guide, and the way out of it.
pub async fn help(Extension(csrf): Extension<CsrfToken>) -> Result<Response, WebError> {
    page::ok("pages/help.html", &csrf, context! {})
}
