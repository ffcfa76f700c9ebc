//! Your account (`/account`): change the email address, the phone number, the verification
//! method or the password. Every change passes through `/verify/again` first when the factor is not fresh.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::WebError;
use super::client::ClientAddress;
use super::form::Form;
use super::page::{self, Step};
use super::step_up::{NOT_SIGNED_IN, again_then};
use crate::flows;
use crate::flows::account::ChangeProblem;

/// Fixed texts for the outcome of the last change (no text from the query string is shown).
fn done_text(code: &str) -> Option<String> {
    let id = match code {
        "email" => "account-done-email",
        "phone" => "account-done-phone",
        "method" => "account-done-method",
        "password" => "account-done-password",
        "app" => "account-done-app",
        "passkey" => "account-done-passkey",
        "passkey-renamed" => "account-done-passkey-renamed",
        "removed" => "account-done-removed",
        _ => return None,
    };
    Some(crate::i18n::say(id))
}

#[derive(Deserialize, Default)]
pub struct AccountForm {
    #[serde(default)]
    done: String,
    #[serde(default)]
    enrol: String,
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
    /// Change password: the new one, twice (never shown again).
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    password_confirmation: String,
}

pub async fn page(step: Step, Query(query): Query<AccountForm>) -> Result<Response, WebError> {
    let done = match query.enrol.as_str() {
        // Sent here by the gate (`web::gate::ENROL_PASSKEY`).
        "passkey" => Some(crate::i18n::say("account-enrol-passkey")),
        _ => done_text(&query.done),
    };
    render(&step, &query, done.as_deref(), None, StatusCode::OK).await
}

async fn render(
    step: &Step,
    form: &AccountForm,
    done: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let state = flows::account::page(&step.app, &step.session, step.live_code.as_ref()).await?;
    step.render(
        status,
        "pages/account.html",
        &state,
        context! {
            done, error, new_email => form.email.as_str(),
            country_code => super::phone::country_code(&form.country_code),
            phone => form.phone.as_str(),
        },
    )
}

/// The page after a change was asked for: on to `to`, through `/verify/again` when the factor
/// is not fresh, or the account page again with the problem said.
async fn outcome(
    step: Step,
    form: &AccountForm,
    result: Result<(), ChangeProblem>,
    to: &str,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(Redirect::to(to).into_response()),
        Err(ChangeProblem::NotFresh) => Ok(Redirect::to(&again_then("/account")).into_response()),
        Err(problem) => {
            page::on_problem(problem, NOT_SIGNED_IN, async |error, status| {
                render(&step.reread().await?, form, None, Some(error), status).await
            })
            .await
        }
    }
}

pub async fn send_email(
    step: Step,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let (password, email) = (&form.password, &form.email);
    let result =
        flows::account::request_email(&step.app, &step.session, password, email, &client).await;
    outcome(step, &form, result, "/account").await
}

pub async fn check_email(step: Step, Form(form): Form<AccountForm>) -> Result<Response, WebError> {
    let result = flows::account::confirm_email(&step.app, &step.session, &form.code).await;
    outcome(step, &form, result, "/account?done=email").await
}

pub async fn send_phone(
    step: Step,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let (password, country_code, phone) = (&form.password, &form.country_code, &form.phone);
    let result = flows::account::request_phone(
        &step.app,
        &step.session,
        password,
        country_code,
        phone,
        &client,
    )
    .await;
    outcome(step, &form, result, "/account").await
}

pub async fn check_phone(step: Step, Form(form): Form<AccountForm>) -> Result<Response, WebError> {
    let result = flows::account::confirm_phone(&step.app, &step.session, &form.code).await;
    outcome(step, &form, result, "/account?done=phone").await
}

pub async fn use_email(
    step: Step,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let result =
        flows::account::switch_to_email(&step.app, &step.session, &form.password, &client).await;
    outcome(step, &form, result, "/account?done=method").await
}

pub async fn remove_factor(
    step: Step,
    axum::extract::Path(id): axum::extract::Path<i64>,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let result =
        flows::account::remove_factor(&step.app, &step.session, id, &form.password, &client)
            .await
            .map(|_| ());
    outcome(step, &form, result, "/account?done=removed").await
}

/// Change password has pages of its own, and asks for the second factor on them even right
/// after sign-in (PRODUCT.md): first `/verify/again`, then the passwords.
pub const PASSWORD_PATH: &str = "/account/password";

pub async fn password_page(step: Step) -> Result<Response, WebError> {
    if !flows::step_up::is_reverified(&step.app, &step.session) {
        return Ok(Redirect::to(&again_then(PASSWORD_PATH)).into_response());
    }
    password_form(&step, None, StatusCode::OK)
}

fn password_form(
    step: &Step,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    page::render(
        status,
        "pages/change_password.html",
        &step.csrf,
        context! { error },
    )
}

pub async fn change_password(
    step: Step,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AccountForm>,
) -> Result<Response, WebError> {
    let result = flows::account::change_password(
        &step.app,
        &step.session,
        &form.password,
        &form.new_password,
        &form.password_confirmation,
        &client,
    )
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/account?done=password").into_response()),
        Err(ChangeProblem::NotFresh) => {
            Ok(Redirect::to(&again_then(PASSWORD_PATH)).into_response())
        }
        Err(problem) => {
            page::on_problem(problem, NOT_SIGNED_IN, async |error, status| {
                password_form(&step.reread().await?, Some(error), status)
            })
            .await
        }
    }
}
