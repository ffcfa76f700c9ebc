//! Terms of Use (guide: check the box, Continue).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::WebError;
use super::csrf::CsrfToken;
use super::form::Form;
use super::page::{self, Step};
use crate::flows;
use crate::flows::terms::TermsProblem;
use crate::i18n;

pub async fn page(step: Step) -> Result<Response, WebError> {
    let Some(account_id) = step.session.account_id else {
        return Ok(Redirect::to("/login").into_response());
    };
    match flows::terms::pending(&step.app, account_id).await? {
        Some(terms) => render(&step.csrf, &terms, None, StatusCode::OK),
        None => Ok(Redirect::to("/").into_response()),
    }
}

fn render(
    csrf: &CsrfToken,
    terms: &crate::store::TermsVersion,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (title, body) = words_of(terms);
    page::render(
        status,
        "pages/terms.html",
        csrf,
        context! { title, body, version => terms.version, error },
    )
}

/// The portal's own first Terms of Use (migration 0001) are its words, said in the page's
/// language; terms an administrator publishes are shown as they wrote them.
fn words_of(terms: &crate::store::TermsVersion) -> (String, String) {
    let english = |id| i18n::say_in(i18n::Language::English, id, &[]);
    if terms.title == english("terms-title") && terms.body == english("terms-default-body") {
        (i18n::say("terms-title"), i18n::say("terms-default-body"))
    } else {
        (terms.title.clone(), terms.body.clone())
    }
}

#[derive(Deserialize)]
pub struct TermsForm {
    #[serde(default)]
    agree: Option<String>,
    #[serde(default)]
    version: i64,
}

pub async fn accept(step: Step, Form(form): Form<TermsForm>) -> Result<Response, WebError> {
    let Some(account_id) = step.session.account_id else {
        return Ok(Redirect::to("/login").into_response());
    };
    match flows::terms::accept(&step.app, account_id, form.version, form.agree.is_some()).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(TermsProblem::Internal(e)) => Err(e.into()),
        Err(problem) => {
            let terms = flows::terms::current(&step.app).await?;
            let error = Some(problem.to_string());
            render(&step.csrf, &terms, error, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}
