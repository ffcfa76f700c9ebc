//! The email factor pages (guide: "Email Verification", "Login With Email").

use axum::Extension;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use minijinja::context;

use super::csrf::CsrfToken;
use super::form::{CodeForm, Form};
use super::page::{self, Step};
use super::{WebError, session};
use crate::flows;

/// Without a second-factor session (timed out, signed out): back to sign in, saying why.
const TIMED_OUT: &str = "/login/email?notice=timed-out";

pub async fn page(step: Step) -> Result<Response, WebError> {
    render(&step, None, StatusCode::OK, &[]).await
}

async fn render(
    step: &Step,
    error: Option<String>,
    status: StatusCode,
    fields: &'static [&'static str],
) -> Result<Response, WebError> {
    let state = flows::email_code::page(
        &step.app,
        &step.session,
        step.account.as_ref(),
        step.live_code.as_ref(),
    )
    .await?;
    let error_fields = page::fields_in_error(status, fields);
    step.render(
        status,
        "pages/verify_email.html",
        &state,
        context! { error, error_fields },
    )
}

pub async fn send(step: Step) -> Result<Response, WebError> {
    let sent = flows::email_code::send(&step.app, &step.session, step.account.as_ref()).await;
    page::next_or_again(
        step,
        sent,
        "/verify/email",
        TIMED_OUT,
        async |step, e, s| again(step, e, s, &[]).await,
    )
    .await
}

/// The page again with a problem, the session read afresh (the problem may have changed it).
async fn again(
    step: Step,
    error: String,
    status: StatusCode,
    fields: &'static [&'static str],
) -> Result<Response, WebError> {
    render(&step.reread().await?, Some(error), status, fields).await
}

pub async fn check(
    step: Step,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let factor = flows::email_code::Factor::Email;
    let account = step.account.as_ref();
    match flows::email_code::verify(&step.app, &step.session, account, &form.code, factor).await {
        Ok((token, stage)) => {
            let to = session::after_factor(stage, "/verify/done");
            Ok(session::go_on(&step.app, jar, token, to))
        }
        Err(problem) => {
            let again = async |e, s| again(step, e, s, &["code"]).await;
            page::on_problem(problem, TIMED_OUT, again).await
        }
    }
}

/// "A message will appear confirming verification, select Continue to complete."
/// Only a signed-in session gets here (`web::gate`).
pub async fn done(Extension(csrf): Extension<CsrfToken>) -> Result<Response, WebError> {
    page::ok("pages/verified.html", &csrf, context! {})
}
