//! "Your sessions": the person sees where they are signed in and ends any or all of them.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::csrf::CsrfToken;
use super::session::CurrentSession;
use super::{AppState, WebError, page};
use crate::domain::session::SessionStage;
use crate::flows::{self, human_time};
use crate::store::Session;

fn signed_in(current: Option<Session>) -> Option<Session> {
    current.filter(|s| s.stage == SessionStage::Authenticated)
}

pub async fn list(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    CurrentSession(current): CurrentSession,
) -> Result<Response, WebError> {
    let Some(session) = signed_in(current) else {
        return Ok(Redirect::to("/login").into_response());
    };
    let sessions: Vec<_> = flows::session::mine(&app, &session)
        .await?
        .into_iter()
        .map(|(info, this)| {
            context! {
                reference => info.reference, this,
                started => human_time(info.created_at), last_seen => human_time(info.last_seen_at), ends => human_time(info.expires_at),
            }
        })
        .collect();
    page::ok("pages/sessions.html", &csrf, context! { sessions })
}

pub async fn end(
    State(app): State<AppState>,
    CurrentSession(current): CurrentSession,
    Path(reference): Path<String>,
) -> Result<Response, WebError> {
    let Some(session) = signed_in(current) else {
        return Ok(Redirect::to("/login").into_response());
    };
    flows::session::end_mine(&app, &session, &reference).await?;
    Ok(Redirect::to("/sessions").into_response())
}

pub async fn end_others(
    State(app): State<AppState>,
    CurrentSession(current): CurrentSession,
) -> Result<Response, WebError> {
    let Some(session) = signed_in(current) else {
        return Ok(Redirect::to("/login").into_response());
    };
    flows::session::end_others(&app, &session).await?;
    Ok(Redirect::to("/sessions").into_response())
}
