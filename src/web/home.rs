//! The home page: greets the signed-in person (the gate sends them to the Terms of Use first
//! when a version is pending) and is their launcher: the applications their organization may
//! use, each a link that opens it. Every journey ends here, so it also sends the browser on
//! to an application that waits for this sign-in.

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;

use super::csrf::CsrfToken;
use super::gate::Admitted;
use super::{AppState, WebError, page};
use crate::flows;

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
    // A protected application that sent the browser to sign in (`/login?rd=`) gets it back,
    // from a page of Tessera's own: a redirect here would answer the form POST that ended the
    // journey, and Chromium holds such redirects to the CSP's `form-action 'self'`.
    if super::authz::returns(&app, &jar) {
        let (jar, url) = super::authz::take_return(&app, jar).await?;
        if let Some(url) = url {
            let jar = super::authz::sent_back(&app, jar, &url);
            let page = page::ok("pages/continue.html", &csrf, context! { url })?;
            return Ok((jar, page).into_response());
        }
        return Ok((jar, Redirect::to("/")).into_response());
    }
    let apps = flows::apps::launcher(&app, account.org_id).await?;
    page::ok(
        "pages/home.html",
        &csrf,
        context! {
            name => account.display_name.as_str(),
            email => account.email.as_str(),
            role => account.role.as_str(),
            apps => page::state(&apps),
        },
    )
}
