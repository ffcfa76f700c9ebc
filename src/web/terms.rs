//! Terms of Use (guide: check the box, Continue).

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::form::Form;
use super::gate::GuardedSession;
use super::{AppState, WebError, page};
use crate::flows;
use crate::flows::terms::TermsProblem;

pub async fn page(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    let Some(account_id) = session.account_id else {
        return Ok(Redirect::to("/login").into_response());
    };
    match flows::terms::pending(&app, account_id).await? {
        Some(terms) => render(&csrf, &terms, None, StatusCode::OK),
        None => Ok(Redirect::to("/").into_response()),
    }
}

fn render(
    csrf: &CsrfToken,
    terms: &crate::store::TermsVersion,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    page::render(
        status,
        "pages/terms.html",
        csrf,
        context! { title => terms.title.as_str(), body => terms.body.as_str(), version => terms.version, error },
    )
}

#[derive(Deserialize)]
pub struct TermsForm {
    #[serde(default)]
    agree: Option<String>,
    #[serde(default)]
    version: i64,
}

pub async fn accept(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
    Form(form): Form<TermsForm>,
) -> Result<Response, WebError> {
    let Some(account_id) = session.account_id else {
        return Ok(Redirect::to("/login").into_response());
    };
    match flows::terms::accept(&app, account_id, form.version, form.agree.is_some()).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(TermsProblem::Internal(e)) => Err(e.into()),
        Err(problem) => {
            let terms = app
                .store
                .current_terms()
                .await
                .map_err(crate::flows::Internal::from)?;
            render(
                &csrf,
                &terms,
                Some(problem.to_string()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
