//! Authenticator apps: the second-factor page (`/verify/app`) and the enrolment from Your
//! account (`/account/app`), which asks for the factor again first when it is not fresh.

use crate::i18n::say;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::form::{CodeForm, Form};
use super::page::{self, Step};
use super::step_up::{NOT_SIGNED_IN, again_then};
use super::{WebError, session};
use crate::flows;
use crate::flows::account::ChangeProblem;

/// The second-factor page of a person who holds an authenticator app.
pub const VERIFY_PATH: &str = "/verify/app";
/// Setting up an authenticator app, from Your account.
pub const ENROL_PATH: &str = "/account/app";

/// Without a second-factor session (timed out, signed out): back to sign in, saying why.
const TIMED_OUT: &str = "/login?notice=timed-out";

pub async fn page(step: Step) -> Result<Response, WebError> {
    code_page(&step, None, StatusCode::OK)
}

fn code_page(step: &Step, error: Option<String>, status: StatusCode) -> Result<Response, WebError> {
    step.render(status, "pages/verify_app.html", &(), context! { error })
}

pub async fn check(
    step: Step,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    match flows::app_factor::verify(&step.app, &step.session, &form.code).await {
        Ok((token, stage)) => {
            let to = session::after_factor(stage, "/verify/done");
            Ok(session::go_on(&step.app, jar, token, to))
        }
        Err(problem) => {
            page::on_problem(problem, TIMED_OUT, async |error, status| {
                code_page(&step.reread().await?, Some(error), status)
            })
            .await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct EnrolForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

pub async fn enrolment(step: Step) -> Result<Response, WebError> {
    enrolment_page(step, None, StatusCode::OK).await
}

async fn enrolment_page(
    step: Step,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    match flows::app_factor::enrolment(&step.app, &step.session).await {
        Ok(state) => step.render(status, "pages/enrol_app.html", &state, context! { error }),
        Err(ChangeProblem::NotFresh) => Ok(Redirect::to(&again_then(ENROL_PATH)).into_response()),
        Err(problem) => {
            page::on_problem(problem, NOT_SIGNED_IN, async |error, status| {
                page::render(status, "pages/message.html", &step.csrf, context! {
                    title => say("verify-app-title"), message => error, next_href => "/account", next_label => say("home-account"),
                })
            })
            .await
        }
    }
}

/// Set up an authenticator app: a new secret, then the page that shows it.
pub async fn start(step: Step) -> Result<Response, WebError> {
    match flows::app_factor::start(&step.app, &step.session).await {
        Ok(()) => Ok(Redirect::to(ENROL_PATH).into_response()),
        Err(ChangeProblem::NotFresh) => Ok(Redirect::to(&again_then(ENROL_PATH)).into_response()),
        Err(problem) => {
            page::on_problem(problem, NOT_SIGNED_IN, async |error, status| {
                enrolment_page(step.reread().await?, Some(error), status).await
            })
            .await
        }
    }
}

pub async fn confirm(
    step: Step,
    ClientAddress(client): ClientAddress,
    Form(form): Form<EnrolForm>,
) -> Result<Response, WebError> {
    let result = flows::app_factor::confirm(
        &step.app,
        &step.session,
        &form.password,
        &form.code,
        &client,
    )
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/account?done=app").into_response()),
        Err(ChangeProblem::NotFresh) => Ok(Redirect::to(&again_then(ENROL_PATH)).into_response()),
        Err(problem) => {
            page::on_problem(problem, NOT_SIGNED_IN, async |error, status| {
                enrolment_page(step.reread().await?, Some(error), status).await
            })
            .await
        }
    }
}
