//! The home page: greets the signed-in person (the gate sends them to the Terms of Use first
//! when a version is pending).

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;

use super::csrf::CsrfToken;
use super::gate::Admitted;
use super::{AppState, WebError, page};

/// The gate has read the session, its account and the Terms in one query (this is the page
/// signed-in people see most) and admitted only a signed-in person who accepted them.
pub async fn home(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Admitted(standing): Admitted,
    jar: CookieJar,
) -> Result<Response, WebError> {
    // Every journey ends here: an application waiting for this sign-in gets it now.
    if super::oidc::waits(&app, &jar) {
        return Ok(Redirect::to(super::oidc::CONTINUE_PATH).into_response());
    }
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
