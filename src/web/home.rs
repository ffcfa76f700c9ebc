//! The home page: greets the signed-in person (the gate sends them to the Terms of Use first
//! when a version is pending).

use axum::Extension;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::csrf::CsrfToken;
use super::gate::Admitted;
use super::{WebError, page};

/// The gate has read the session, its account and the Terms in one query (this is the page
/// signed-in people see most) and admitted only a signed-in person who accepted them.
pub async fn home(
    Extension(csrf): Extension<CsrfToken>,
    Admitted(standing): Admitted,
) -> Result<Response, WebError> {
    let Some(account) = standing.account else {
        return Ok(Redirect::to("/login").into_response());
    };
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
