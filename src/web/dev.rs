//! The development outbox page: exists only with no SMTP server and a loopback listener.

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::csrf::CsrfToken;
use super::{AppState, WebError, page};
use crate::flows::{Internal, human_time};

pub async fn outbox(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, WebError> {
    let messages: Vec<_> = app
        .store
        .outbox(50)
        .await
        .map_err(Internal::from)?
        .into_iter()
        .map(|m| context! { at => human_time(m.created_at), channel => m.channel, to => m.recipient, subject => m.subject, body => m.body, press_token => m.press_token })
        .collect();
    page::ok("pages/outbox.html", &csrf, context! { messages })
}

/// "Press #" on a call in the development outbox: what the provider's webhook does.
pub async fn press(
    State(app): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Result<Response, WebError> {
    crate::flows::phone_code::key_pressed(&app, &token, "#").await?;
    Ok(axum::response::Redirect::to("/dev/outbox").into_response())
}
