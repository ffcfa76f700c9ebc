//! The development outbox page: exists only with no SMTP server and a loopback listener.

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
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
        .map(|m| context! { at => human_time(m.created_at), channel => m.channel, to => m.recipient, subject => m.subject, body => m.body })
        .collect();
    page::ok("pages/outbox.html", &csrf, context! { messages })
}
