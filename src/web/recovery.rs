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
use super::form::{CodeForm, Form};
use super::gate::Admitted;
use super::page::{self, Step};
use super::session::{self, CurrentSession};
use super::status::Status;
use super::{AppState, WebError};
use crate::domain::access::Place;
use crate::domain::session::SessionStage;
use crate::flows;
use crate::flows::email_code::Factor;
use crate::flows::recovery::{NewPasswordProblem, RecoveryProblem, link_sent_if_eligible};
use crate::flows::registration::Resume;

/// A recovery whose session ended: Forgot your password again, saying why.
const START_OVER: &str = "/password/forgot?expired=1";

fn start_over() -> Response {
    Redirect::to(START_OVER).into_response()
}

#[derive(Deserialize, Default)]
pub struct Expired {
    #[serde(default)]
    expired: Option<String>,
}

/// "On the next page, select Forgot your password. Enter email address and click Send
/// verification code."
pub async fn forgot_form(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    axum::extract::Query(q): axum::extract::Query<Expired>,
) -> Result<Response, WebError> {
    let notice = q.expired.map(|_| crate::i18n::say("forgot-timed-out"));
    let lifetime = code_lifetime(&app);
    page::ok(
        "pages/forgot.html",
        &csrf,
        context! { notice, email => "", lifetime },
    )
}

/// How long the emailed code works, said before the person leaves for their mailbox.
fn code_lifetime(app: &AppState) -> String {
    flows::human_duration(app.config.policy.code_ttl_secs)
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
    if let Some(page) = super::staff::routed(&app, &csrf, &form.email).await? {
        return Ok(page);
    }
    match flows::recovery::start(&app, &form.email, &client, current.as_ref()).await {
        Ok(token) => Ok(session::go_on(&app, jar, token, "/password/forgot/code")),
        Err(RecoveryProblem::Internal(e)) => Err(e.into()),
        Err(problem) => page::render(
            problem.status(),
            "pages/forgot.html",
            &csrf,
            context! {
                error_fields => page::fields_in_error(problem.status(), &["email"]),
                error => problem.to_string(),
                email => form.email.trim(),
                lifetime => code_lifetime(&app),
            },
        ),
    }
}

async fn render_code_page(
    step: &Step,
    error: Option<String>,
    status: StatusCode,
    fields: &'static [&'static str],
) -> Result<Response, WebError> {
    let Some(state) = flows::recovery::page(&step.app, &step.session, step.live_code.as_ref())
    else {
        return Ok(start_over());
    };
    let error_fields = page::fields_in_error(status, fields);
    let more = context! { error, error_fields };
    step.render(status, "pages/forgot_code.html", &state, more)
}

pub async fn code_page(step: Step) -> Result<Response, WebError> {
    render_code_page(&step, None, StatusCode::OK, &[]).await
}

pub async fn resend(step: Step) -> Result<Response, WebError> {
    let sent = flows::recovery::resend(&step.app, &step.session).await;
    let again = async |step, e, s| again(step, e, s, &[]).await;
    page::next_or_again(step, sent, "/password/forgot/code", START_OVER, again).await
}

/// The code page again with a problem, the session read afresh.
async fn again(
    step: Step,
    error: String,
    status: StatusCode,
    fields: &'static [&'static str],
) -> Result<Response, WebError> {
    render_code_page(&step.reread().await?, Some(error), status, fields).await
}

/// "Enter the 6-digit code received via email and click the Verify code button."
pub async fn check(
    step: Step,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let factor = Factor::RecoveryEmail;
    let account = step.account.as_ref();
    match flows::email_code::verify(&step.app, &step.session, account, &form.code, factor).await {
        Ok((token, _)) => {
            let next = "/password/forgot/verified";
            Ok(session::go_on(&step.app, jar, token, next))
        }
        Err(problem) => {
            let again = async |e, s| again(step, e, s, &["code"]).await;
            page::on_problem(problem, START_OVER, again).await
        }
    }
}

/// "Message will appear that email is verified. Click Continue." Phone users go on to Send
/// Code or Call Me; email-only users straight to the new password; current portal users
/// (imported) to the registration page, as after a first login.
pub async fn verified(
    Extension(csrf): Extension<CsrfToken>,
    Admitted(standing): Admitted,
) -> Result<Response, WebError> {
    let access = crate::flows::session::access_standing(&standing);
    let next = match standing.session.stage {
        SessionStage::RecoveryPhone => match crate::domain::access::place_of(&access) {
            Some(Place::Factor(kind)) => super::gate::factor_path(kind),
            _ => return Ok(start_over()),
        },
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
    step: Step,
    jar: CookieJar,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, WebError> {
    let (password, confirmation) = (&form.password, &form.password_confirmation);
    match flows::recovery::set_password(&step.app, &step.session, password, confirmation).await {
        Ok((token, factor)) => {
            // An unfinished registration goes on at its factor; everyone else is home.
            let next = factor.map_or("/", |m| super::register::resume_page(Resume::Factor(m)));
            Ok(session::go_on(&step.app, jar, token, next))
        }
        Err(problem) => {
            let error_fields = match &problem {
                NewPasswordProblem::Password(p) => page::password_fields(p),
                _ => &[],
            };
            page::on_problem(problem, START_OVER, async |error, status| {
                let csrf = &step.csrf;
                let context = context! { error, error_fields => error_fields.to_vec() };
                page::render(status, "pages/new_password.html", csrf, context)
            })
            .await
        }
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
    if let Some(page) = super::staff::routed(&app, &csrf, &form.username).await? {
        return Ok(page);
    }
    let result = flows::recovery::reset_registration(&app, &form.username, &client).await;
    link_request_page(
        &csrf,
        "pages/reset.html",
        result,
        &["username"],
        context! { username => form.username.trim() },
    )
}

/// The page after asking for a registration link: the same words for every address, or what
/// to fix, with what was typed kept.
fn link_request_page(
    csrf: &CsrfToken,
    template: &str,
    result: Result<(), RecoveryProblem>,
    fields: &'static [&'static str],
    typed: minijinja::Value,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => page::ok(template, csrf, context! { sent => link_sent_if_eligible() }),
        Err(RecoveryProblem::Internal(e)) => Err(e.into()),
        Err(problem) => page::render(
            problem.status(),
            template,
            csrf,
            context! {
                error_fields => page::fields_in_error(problem.status(), fields),
                error => problem.to_string(),
                ..typed
            },
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
    if let Some(page) = super::staff::routed(&app, &csrf, &form.email).await? {
        return Ok(page);
    }
    let result =
        flows::recovery::finish_registration_link(&app, &form.email, &form.password, &client).await;
    link_request_page(
        &csrf,
        "pages/trouble.html",
        result,
        &["email", "password"],
        context! { email => form.email.trim() },
    )
}

/// Multi-Factor Authentication Help: each problem of the guide, and the way out of it.
pub async fn help(Extension(csrf): Extension<CsrfToken>) -> Result<Response, WebError> {
    page::ok("pages/help.html", &csrf, context! {})
}
