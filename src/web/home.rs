//! The home page: greets the signed-in person; Terms of Use first if a version is pending.

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::csrf::CsrfToken;
use super::session::CurrentSession;
use super::{AppState, WebError, page};
use crate::domain::session::SessionStage;
use crate::flows;

pub async fn home(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    CurrentSession(current): CurrentSession,
) -> Result<Response, WebError> {
    let Some(account_id) = current
        .filter(|s| s.stage == SessionStage::Authenticated)
        .and_then(|s| s.account_id)
    else {
        return Ok(Redirect::to("/login").into_response());
    };
    let (account, terms_accepted) = app
        .store
        .account_and_terms(account_id)
        .await
        .map_err(flows::Internal::from)?;
    if !terms_accepted {
        return Ok(Redirect::to("/terms").into_response());
    }
    page::ok(
        "pages/home.html",
        &csrf,
        context! {
            name => account.display_name.as_str(),
            email => account.email.as_str(),
            role => account.role.as_str(),
        },
    )
}
