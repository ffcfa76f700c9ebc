//! The mail queue's console page (issue 12): dead letters, each with Retry and Discard, and
//! the letters still waiting. A system administrator sees every letter, an organization
//! administrator only those to their organization's accounts; recipients are masked.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::session::CurrentSession;
use super::{AppState, WebError, page};
use crate::domain::mask;
use crate::flows::admin::AdminRefusal;
use crate::flows::human_time;
use crate::flows::mail_queue::{self, DeadLetterAction};
use crate::store::LetterSummary;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/mail", get(page))
        .route("/admin/mail/{id}/{action}", post(act))
}

/// The console's answers (`web::admin`): only an invalid request is said.
const MAIL_PAGE: super::admin::ConsolePage = super::admin::ConsolePage {
    path: "/admin/mail",
    back_label: "admin-back-mail",
    shows: |problem| matches!(problem, AdminRefusal::Invalid(_)),
};

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    done: String,
}

/// Fixed texts for the last action's outcome (no text from the query string is shown).
fn done_text(code: &str) -> Option<String> {
    match code {
        "retried" => Some(crate::i18n::say("mail-done-retried")),
        "discarded" => Some(crate::i18n::say("mail-done-discarded")),
        _ => None,
    }
}

fn shown(l: &LetterSummary) -> minijinja::Value {
    context! {
        id => l.id, kind => l.kind.as_str(), recipient => mask::email(&l.recipient),
        subject => &l.subject, organization => &l.organization, attempts => l.attempts,
        created => human_time(l.created_at), next => human_time(l.next_attempt_at),
        dead => l.dead_at.map(human_time), error => l.last_error.clone().unwrap_or_else(|| crate::i18n::say("mail-no-error")),
    }
}

async fn page(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    MAIL_PAGE
        .for_admin(&app, &current, async |admin| {
            let view = mail_queue::view(&app, &admin).await?;
            Ok(page::ok(
                "pages/admin_mail.html",
                &csrf,
                context! {
                    dead => view.dead.iter().map(shown).collect::<Vec<_>>(),
                    waiting => view.waiting.iter().map(shown).collect::<Vec<_>>(),
                    done => done_text(&query.done),
                    system_admin => admin.is_system(),
                },
            ))
        })
        .await
}

async fn act(
    State(app): State<AppState>,
    current: CurrentSession,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    MAIL_PAGE
        .change(&app, &current, async |admin| {
            let action = DeadLetterAction::parse(&action).ok_or(AdminRefusal::NotFound)?;
            mail_queue::handle_dead_letter(&app, &admin, id, action).await?;
            Ok(match action {
                DeadLetterAction::Retry => "retried",
                DeadLetterAction::Discard => "discarded",
            })
        })
        .await
}
