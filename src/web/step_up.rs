//! Confirm it is you (`/verify/again`): a signed-in person passes their second factor again,
//! in place, and goes on to `next`, a page of this portal.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::form::Form;
use super::page::{self, Step};
use super::{WebError, session};
use crate::domain::session::local_path;
use crate::flows;

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
    local_path(raw)
        .map(str::to_string)
        .ok_or(WebError::Message {
            status: StatusCode::BAD_REQUEST,
            title: crate::i18n::say("step-up-not-allowed-title"),
            message: crate::i18n::say("step-up-only-own-pages"),
            next_href: "/",
            next_label: crate::i18n::say("step-up-home"),
        })
}

/// Without a signed-in session: back to sign in, saying why.
pub const NOT_SIGNED_IN: &str = "/login?notice=timed-out";

#[derive(Deserialize, Default)]
pub struct NextForm {
    #[serde(default)]
    next: String,
    #[serde(default)]
    code: String,
}

pub async fn page(step: Step, Query(query): Query<NextForm>) -> Result<Response, WebError> {
    let next = next_of(&query.next)?;
    render(&step, &next, None, StatusCode::OK, &[]).await
}

async fn render(
    step: &Step,
    next: &str,
    error: Option<String>,
    status: StatusCode,
    fields: &'static [&'static str],
) -> Result<Response, WebError> {
    let state = flows::step_up::page(&step.app, &step.session, step.live_code.as_ref()).await?;
    let error_fields = page::fields_in_error(status, fields);
    step.render(
        status,
        "pages/verify_again.html",
        &state,
        context! { next, error, error_fields },
    )
}

pub async fn send(
    step: Step,
    ClientAddress(client): ClientAddress,
    Form(form): Form<NextForm>,
) -> Result<Response, WebError> {
    let next = next_of(&form.next)?;
    let sent = flows::step_up::send(&step.app, &step.session, &client).await;
    let then = again_then(&next);
    page::next_or_again(
        step,
        sent,
        &then,
        NOT_SIGNED_IN,
        async |step, error, status| {
            render(&step.reread().await?, &next, Some(error), status, &[]).await
        },
    )
    .await
}

/// Verify Code: a right code gives the browser a new session (fresh factor) and goes on.
pub async fn check(
    step: Step,
    jar: CookieJar,
    Form(form): Form<NextForm>,
) -> Result<Response, WebError> {
    let next = next_of(&form.next)?;
    match flows::step_up::verify(&step.app, &step.session, &form.code).await {
        Ok(token) => Ok(session::go_on(&step.app, jar, token, &next)),
        Err(problem) => {
            page::on_problem(problem, NOT_SIGNED_IN, async |error, status| {
                render(&step, &next, Some(error), status, &["code"]).await
            })
            .await
        }
    }
}

/// Verify Code with the authenticator app: as `check`, with the app's code.
pub async fn check_app(
    step: Step,
    jar: CookieJar,
    Form(form): Form<NextForm>,
) -> Result<Response, WebError> {
    let next = next_of(&form.next)?;
    match flows::app_factor::step_up(&step.app, &step.session, &form.code).await {
        Ok(token) => Ok(session::go_on(&step.app, jar, token, &next)),
        Err(problem) => {
            page::on_problem(problem, NOT_SIGNED_IN, async |error, status| {
                render(&step, &next, Some(error), status, &["app_code"]).await
            })
            .await
        }
    }
}
