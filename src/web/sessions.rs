//! "Your sessions": the person sees where they are signed in and ends any or all of them.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::csrf::CsrfToken;
use super::gate::GuardedSession;
use super::{AppState, WebError, page};
use crate::flows::{self, human_time};

pub async fn list(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    let sessions: Vec<_> = flows::session::mine(&app, &session)
        .await?
        .into_iter()
        .map(|(info, this)| {
            context! {
                reference => info.reference, this, applications => info.applications,
                started => human_time(info.created_at), last_seen => human_time(info.last_seen_at), ends => human_time(info.expires_at),
            }
        })
        .collect();
    page::ok("pages/sessions.html", &csrf, context! { sessions })
}

pub async fn end(
    State(app): State<AppState>,
    GuardedSession(session): GuardedSession,
    Path(reference): Path<String>,
) -> Result<Response, WebError> {
    flows::session::end_mine(&app, &session, &reference).await?;
    Ok(Redirect::to("/sessions").into_response())
}

pub async fn end_others(
    State(app): State<AppState>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    flows::session::end_others(&app, &session).await?;
    Ok(Redirect::to("/sessions").into_response())
}
