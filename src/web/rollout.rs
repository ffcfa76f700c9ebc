//! The console's MFA rollout (issue 17): how far the organization has come in moving its
//! people onto multi-factor sign-in, and the mailings that move the rest along. Organization
//! administrators see and mail their organization's accounts only (the flows scope both).

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;

use super::admin::{ConsolePage, on_the_form};
use super::csrf::CsrfToken;
use super::form::Form;
use super::session::CurrentSession;
use super::{AppState, WebError, page};
use crate::flows::admin::{self, Admin, AdminRefusal, RolloutMailing};
use crate::flows::{human_time, rollout};

pub const PATH: &str = "/admin/rollout";

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(PATH, get(view))
        .route("/admin/rollout/{mailing}", post(send))
        .route("/admin/rollout/deadline", post(set_deadline))
        .route("/admin/rollout/deadline/remove", post(remove_deadline))
}

/// Nothing a rollout page asks can be refused for its input: any refusal is the missing page
/// (a non-administrator) or the error page.
const ROLLOUT_PAGE: ConsolePage = ConsolePage {
    path: PATH,
    back_label: "admin-back-rollout",
    shows: |_| false,
};

/// The deadline form as typed.
#[derive(Deserialize, Default)]
pub struct DeadlineForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    reminder_days: String,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
    /// How many letters were queued (a number; nothing else from the query is shown).
    #[serde(default)]
    sent: Option<u32>,
}

fn done_text(query: &DoneQuery) -> Option<String> {
    if let Some(done) = deadline_done(&query.done) {
        return Some(done);
    }
    let id = match mailing(&query.done)? {
        RolloutMailing::ExpiredLinks => "rollout-done-expired-links",
        RolloutMailing::Unfinished => "rollout-done-unfinished",
    };
    let sent = query.sent?;
    Some(match sent {
        0 => crate::i18n::say("rollout-done-nobody"),
        n => crate::i18n::say_with(id, &[("n", i64::from(n).into())]),
    })
}

fn deadline_done(code: &str) -> Option<String> {
    match code {
        "deadline-set" => Some(crate::i18n::say("rollout-done-deadline-set")),
        "deadline-removed" => Some(crate::i18n::say("rollout-done-deadline-removed")),
        _ => None,
    }
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
            rollout_page(&app, &csrf, &admin, done_text(&query), None).await
        })
        .await
}

/// A deadline form refused: its status, the problem, and what was typed.
struct Refused<'a> {
    status: StatusCode,
    error: String,
    form: &'a DeadlineForm,
}

async fn rollout_page(
    app: &AppState,
    csrf: &CsrfToken,
    admin: &Admin,
    done: Option<String>,
    refused: Option<Refused<'_>>,
) -> Result<Result<Response, WebError>, AdminRefusal> {
    let counts = admin::rollout(app, admin).await?;
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
    let deadline = rollout::deadline(app, admin).await?;
    // An organization without a deadline of its own follows the portal-wide one.
    let portal_wide = match (&deadline, admin.org_id()) {
        (None, Some(_)) => app.store.rollout_deadline(None).await?,
        _ => None,
    };
    let deadline_context = deadline.as_ref().map(|d| {
        let sent: Vec<_> = d
            .reminders
            .iter()
            .map(|r| context! { days => r.days_before, letters => r.letters, at => human_time(r.started_at), finished => r.finished_at.is_some() })
            .collect();
        context! { day => d.deadline.day(), reminder_days => d.deadline.days_text(), sent }
    });
    let (status, error, typed) = match &refused {
        Some(r) => (
            r.status,
            Some(r.error.as_str()),
            Some(context! { day => &r.form.day, reminder_days => &r.form.reminder_days }),
        ),
        None => (StatusCode::OK, None, None),
    };
    let error_fields = page::fields_in_error(status, &["day", "reminder_days"]);
    Ok(page::render(
        status,
        "pages/admin_rollout.html",
        csrf,
        context! {
            total => counts.total, active, percent, by_factor,
            invited => counts.invited, registering => counts.registering,
            imported => counts.imported, links_expired => counts.links_expired,
            unfinished => counts.invited + counts.registering,
            batch => admin::ROLLOUT_BATCH,
            done, system_admin => admin.is_system(),
            deadline => deadline_context,
            portal_wide_day => portal_wide.map(|d| d.deadline.day()),
            typed, error, error_fields,
        },
    ))
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

async fn set_deadline(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Form(form): Form<DeadlineForm>,
) -> Result<Response, WebError> {
    ROLLOUT_PAGE
        .for_admin(&app, &current, async |admin| {
            match rollout::set_deadline(&app, &admin, &form.day, &form.reminder_days).await {
                Ok(_) => Ok(Ok(
                    Redirect::to(&format!("{PATH}?done=deadline-set")).into_response()
                )),
                Err(refused) => {
                    let (status, error) = on_the_form(refused)?;
                    let refused = Refused {
                        status,
                        error,
                        form: &form,
                    };
                    rollout_page(&app, &csrf, &admin, None, Some(refused)).await
                }
            }
        })
        .await
}

async fn remove_deadline(
    State(app): State<AppState>,
    current: CurrentSession,
) -> Result<Response, WebError> {
    ROLLOUT_PAGE
        .change(&app, &current, async |admin| {
            rollout::clear_deadline(&app, &admin).await?;
            Ok("deadline-removed")
        })
        .await
}
