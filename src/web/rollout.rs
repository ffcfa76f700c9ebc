//! The console's MFA rollout (issue 17): how far the organization has come in moving its
//! people onto multi-factor sign-in, and the mailings that move the rest along. Organization
//! administrators see and mail their organization's accounts only (the flows scope both).

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;

use super::admin::ConsolePage;
use super::csrf::CsrfToken;
use super::session::CurrentSession;
use super::{AppState, WebError, page};
use crate::flows::admin::{self, AdminRefusal, RolloutMailing};

pub const PATH: &str = "/admin/rollout";

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(PATH, get(view))
        .route("/admin/rollout/{mailing}", post(send))
}

/// Nothing a rollout page asks can be refused for its input: any refusal is the missing page
/// (a non-administrator) or the error page.
const ROLLOUT_PAGE: ConsolePage = ConsolePage {
    path: PATH,
    back_label: "admin-back-rollout",
    shows: |_| false,
};

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
    /// How many letters were queued (a number; nothing else from the query is shown).
    #[serde(default)]
    sent: Option<u32>,
}

fn done_text(query: &DoneQuery) -> Option<String> {
    let sent = query.sent?;
    let id = match mailing(&query.done)? {
        RolloutMailing::ExpiredLinks => "rollout-done-expired-links",
        RolloutMailing::Unfinished => "rollout-done-unfinished",
    };
    Some(match sent {
        0 => crate::i18n::say("rollout-done-nobody"),
        n => crate::i18n::say_with(id, &[("n", i64::from(n).into())]),
    })
}

fn mailing(name: &str) -> Option<RolloutMailing> {
    match name {
        "expired-links" => Some(RolloutMailing::ExpiredLinks),
        "unfinished" => Some(RolloutMailing::Unfinished),
        _ => None,
    }
}

async fn view(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    ROLLOUT_PAGE
        .for_admin(&app, &current, async |admin| {
            let counts = admin::rollout(&app, &admin).await?;
            let active = counts.active_total();
            let percent = if counts.total > 0 {
                active * 100 / counts.total
            } else {
                0
            };
            let by_factor: Vec<_> = counts
                .active
                .iter()
                .map(|(kind, n)| {
                    let label = kind.map_or_else(
                        || crate::i18n::say("rollout-company-sign-in"),
                        super::admin::factor_label,
                    );
                    context! { label, count => n }
                })
                .collect();
            Ok(page::ok(
                "pages/admin_rollout.html",
                &csrf,
                context! {
                    total => counts.total, active, percent, by_factor,
                    invited => counts.invited, registering => counts.registering,
                    imported => counts.imported, links_expired => counts.links_expired,
                    unfinished => counts.invited + counts.registering,
                    batch => admin::ROLLOUT_BATCH,
                    done => done_text(&query), system_admin => admin.is_system(),
                },
            ))
        })
        .await
}

async fn send(
    State(app): State<AppState>,
    current: CurrentSession,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    ROLLOUT_PAGE
        .for_admin(&app, &current, async |admin| {
            let mailing = mailing(&name).ok_or(AdminRefusal::NotFound)?;
            let sent = admin::send_rollout_mailing(&app, &admin, mailing).await?;
            let to = format!("{PATH}?done={name}&sent={sent}");
            Ok(Ok(Redirect::to(&to).into_response()))
        })
        .await
}
