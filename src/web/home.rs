//! The home page: greets the signed-in person; Terms of Use first if a version is pending.

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::csrf::CsrfToken;
use super::session::SessionCookie;
use super::{AppState, WebError, page};
use crate::flows;

pub async fn home(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    SessionCookie(cookie): SessionCookie,
) -> Result<Response, WebError> {
    // The session, account and Terms in one query: this is the page signed-in people see most.
    let Some((_, account, terms_accepted)) =
        flows::session::signed_in(&app, cookie.as_deref()).await?
    else {
        return Ok(Redirect::to("/login").into_response());
    };
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
