//! The audit log viewer: a filtered, paged table of entries and its CSV / JSON Lines export.
//! Both are GET requests that change nothing, so they carry no CSRF token.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::session::CurrentSession;
use super::{AppState, WebError, page};
use crate::audit::AuditRecord;
use crate::flows::admin::{self, Admin, AdminRefusal};
use crate::flows::audit_log::{self, AuditQuery};

const PER_PAGE: i64 = 100;

/// The entries that match, for the administrator asking; or why not.
async fn search(
    app: &AppState,
    current: &CurrentSession,
    filter: AuditQuery,
) -> Result<(Admin, Vec<AuditRecord>), AdminRefusal> {
    let admin = admin::authorize(app, current.0.as_ref()).await?;
    let records = audit_log::search(app, &admin, filter).await?;
    Ok((admin, records))
}

/// The same answers as the console's (`web::admin`), and no refusal's text: a search only
/// fails for who is asking.
const AUDIT_PAGE: super::admin::ConsolePage = super::admin::ConsolePage {
    path: "/admin/audit",
    back_label: "admin-back-audit",
    shows: |_| false,
};

fn refused(problem: AdminRefusal) -> Result<Response, WebError> {
    AUDIT_PAGE.refused(problem)
}

#[derive(Deserialize, Default)]
pub struct FilterQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    organization: String,
    before: Option<i64>,
    #[serde(default)]
    format: String,
}

impl FilterQuery {
    fn to_query(&self, before: Option<i64>, limit: i64) -> AuditQuery {
        AuditQuery {
            user: self.user.clone(),
            actor: self.actor.clone(),
            event: self.event.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            organization: self.organization.clone(),
            before,
            limit,
        }
    }

    /// The filters as a query string, for the Older and export links.
    fn encoded(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("user", self.user.trim())
            .append_pair("actor", self.actor.trim())
            .append_pair("event", self.event.trim())
            .append_pair("from", self.from.trim())
            .append_pair("to", self.to.trim())
            .append_pair("organization", self.organization.trim())
            .finish()
    }
}

pub async fn viewer(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Query(query): Query<FilterQuery>,
) -> Result<Response, WebError> {
    // One more than a page: whether it comes back tells if there is an older page.
    let filter = query.to_query(query.before, PER_PAGE + 1);
    let problem = audit_log::problem(&filter);
    let (admin, mut records) = match search(&app, &current, filter).await {
        Ok(found) => found,
        Err(e) => return refused(e),
    };
    let older = if records.len() as i64 > PER_PAGE {
        records.truncate(PER_PAGE as usize);
        records.last().map(|r| r.seq)
    } else {
        None
    };
    let rows: Vec<_> = records
        .iter()
        .map(|r| {
            context! {
                seq => r.seq, time => audit_log::rfc3339(r.at), event => &r.event,
                actor => &r.actor, subject => &r.subject, detail => &r.detail,
            }
        })
        .collect();
    let system_admin = admin.org_id().is_none();
    let organizations = if system_admin {
        app.store
            .organizations()
            .await
            .map_err(crate::flows::Internal::from)?
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    } else {
        Vec::new()
    };
    page::ok(
        "pages/audit.html",
        &csrf,
        context! {
            rows, older, problem, system_admin, organizations,
            events => audit_log::EVENTS.to_vec(), actors => audit_log::OTHER_ACTORS.to_vec(),
            user => query.user.trim(), actor => query.actor.trim(), event => query.event.trim(),
            from => query.from.trim(), to => query.to.trim(), organization => query.organization.trim(),
            filters => query.encoded(), paged => query.before.is_some(),
        },
    )
}

pub async fn export(
    State(app): State<AppState>,
    current: CurrentSession,
    Query(query): Query<FilterQuery>,
) -> Result<Response, WebError> {
    let format = match query.format.as_str() {
        "csv" => Some(("text/csv; charset=utf-8", "csv")),
        "jsonl" => Some(("application/x-ndjson", "jsonl")),
        _ => None,
    };
    // An export is everything that matches, not the page on screen.
    let filter = query.to_query(None, audit_log::EXPORT_LIMIT);
    let records = match search(&app, &current, filter).await {
        Ok((_, records)) => records,
        Err(e) => return refused(e),
    };
    // Only an administrator learns which formats there are.
    let (content_type, extension) = match format {
        Some(format) => format,
        None => {
            return Err(WebError::Message {
                status: StatusCode::BAD_REQUEST,
                title: crate::i18n::say("audit-unknown-format"),
                message: crate::i18n::say("audit-export-formats"),
                next_href: "/admin/audit",
                next_label: crate::i18n::say("admin-back-audit"),
            });
        }
    };
    let body = if extension == "csv" {
        audit_log::to_csv(&records)
    } else {
        audit_log::to_json_lines(&records)
    };
    let day = audit_log::rfc3339(app.now());
    let filename = format!("audit-log-{}.{extension}", &day[..day.len().min(10)]);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}
