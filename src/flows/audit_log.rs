//! The audit log viewer (issue 5): administrators search the trail and export what they
//! found. An organization administrator sees only entries about or by their organization's
//! accounts; a system administrator sees every entry.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::app::App;
use crate::audit::{self, AuditRecord};
use crate::domain::UnixTime;
use crate::domain::email::Email;
use crate::flows::admin::{Admin, AdminRefusal};
use crate::store::AuditFilter;

/// Every event the code records, for the filter's list (kept beside `AuditEvent`).
pub use crate::audit::EVENTS;

/// Actors that are not accounts (`AuditEvent`'s `actor`).
pub const OTHER_ACTORS: &[&str] = &["anonymous", "cli", "provider", "system"];

/// The most entries one export holds, so a request cannot build an unbounded answer.
pub const EXPORT_LIMIT: i64 = 100_000;

/// The filter as the person typed it. Empty text means any.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// The email address of the account the entries are about.
    pub user: String,
    /// The email address of the account that acted, or one of `OTHER_ACTORS`.
    pub actor: String,
    pub event: String,
    /// `YYYY-MM-DD`, UTC, inclusive.
    pub from: String,
    /// `YYYY-MM-DD`, UTC, inclusive (the whole day).
    pub to: String,
    /// An organization's name; only a system administrator's choice counts.
    pub organization: String,
    /// Entries older than this sequence number (the next page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// Why a query can never match, shown beside the (empty) result.
pub fn problem(query: &AuditQuery) -> Option<&'static str> {
    let bad_date = |d: &str| !d.trim().is_empty() && parse_date(d).is_none();
    if bad_date(&query.from) || bad_date(&query.to) {
        Some("Write dates as YYYY-MM-DD.")
    } else if !query.event.trim().is_empty() && !EVENTS.contains(&query.event.trim()) {
        Some("There is no such event.")
    } else {
        None
    }
}

/// Midnight UTC at the start of a `YYYY-MM-DD` day.
pub fn parse_date(text: &str) -> Option<UnixTime> {
    let mut parts = text.trim().splitn(3, '-');
    let mut number = |len: usize| {
        parts
            .next()
            .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u16>().ok())
    };
    let (year, month, day) = (number(4)?, number(2)?, number(2)?);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::from(year), month, u8::try_from(day).ok()?).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

/// The entries the administrator may see that match, newest first. Text that names nothing
/// (an unknown address, an account outside the scope) gives no entries, not an error, so
/// the answer never tells whether an address exists elsewhere.
pub async fn search(
    app: &App,
    admin: &Admin,
    filter: AuditQuery,
) -> Result<Vec<AuditRecord>, AdminRefusal> {
    if problem(&filter).is_some() {
        return Ok(Vec::new());
    }
    let org_id = match admin.org_id() {
        Some(id) => Some(id),
        None => match filter.organization.trim() {
            "" => None,
            name => match app.store.org_by_name(name).await? {
                Some(id) => Some(id),
                None => return Ok(Vec::new()),
            },
        },
    };
    let user = match filter.user.trim() {
        "" => None,
        text => match account_in_scope(app, text, org_id).await? {
            Some(id) => Some(id),
            None => return Ok(Vec::new()),
        },
    };
    let actor = match filter.actor.trim() {
        "" => None,
        text if OTHER_ACTORS.contains(&text) => Some(text.to_string()),
        text => match account_in_scope(app, text, org_id).await? {
            Some(id) => Some(audit::account(id)),
            None => return Ok(Vec::new()),
        },
    };
    let store_filter = AuditFilter {
        org_id,
        subject_account: user,
        actor,
        event: Some(filter.event.trim().to_string()).filter(|e| !e.is_empty()),
        from: parse_date(&filter.from),
        // The whole of the last day: up to the next midnight.
        to: parse_date(&filter.to).map(|t| t + 86_400),
        limit: filter.limit.clamp(1, EXPORT_LIMIT),
        before_seq: filter.before,
    };
    Ok(app.store.search_audit(&store_filter).await?)
}

/// The account with this address, if it exists within the organization (None: any).
async fn account_in_scope(
    app: &App,
    email: &str,
    org_id: Option<i64>,
) -> Result<Option<i64>, AdminRefusal> {
    let Ok(email) = Email::parse(email) else {
        return Ok(None);
    };
    Ok(app
        .store
        .account_by_email(&email)
        .await?
        .map(|(account, _)| account)
        .filter(|a| org_id.is_none() || a.org_id == org_id)
        .map(|a| a.id))
}

/// RFC 3339 in UTC, to the second: `2026-11-29T21:40:05Z`.
pub fn rfc3339(at: UnixTime) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| at.to_string())
}

/// A spreadsheet runs a cell that starts with one of these as a formula; a leading
/// apostrophe keeps it text (OWASP "CSV injection"). Only recorded text can start so, e.g.
/// a masked address whose first character is `=`.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The entries as CSV with a header row: seq, time, event, actor, subject, detail.
pub fn to_csv(records: &[AuditRecord]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory fails only on a bug in the csv crate; such a row is left out.
    let _ = writer.write_record(["seq", "time", "event", "actor", "subject", "detail"]);
    for r in records {
        let _ = writer.write_record([
            r.seq.to_string(),
            rfc3339(r.at),
            inert(&r.event),
            inert(&r.actor),
            inert(&r.subject),
            inert(&r.detail),
        ]);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The entries as JSON Lines: one object per line, `detail` as the JSON it was recorded as.
pub fn to_json_lines(records: &[AuditRecord]) -> String {
    let mut out = String::new();
    for r in records {
        let detail: Value =
            serde_json::from_str(&r.detail).unwrap_or_else(|_| Value::String(r.detail.clone()));
        let line = json!({
            "seq": r.seq,
            "time": rfc3339(r.at),
            "event": r.event,
            "actor": r.actor,
            "subject": r.subject,
            "detail": detail,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64, subject: &str) -> AuditRecord {
        AuditRecord {
            seq,
            at: 86_400 + 5,
            event: "signed-in".into(),
            actor: "account:1".into(),
            subject: subject.into(),
            detail: "{\"factor\":\"email\",\"note\":\"a, \\\"b\\\"\"}".into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn dates_are_whole_utc_days() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_date(" 2024-02-29 "), Some(1_709_164_800));
        for bad in ["2023-02-29", "2024-13-01", "24-01-01", "2024-1-1", "x", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        let query = AuditQuery {
            from: "yesterday".into(),
            ..AuditQuery::default()
        };
        assert!(problem(&query).is_some());
    }

    #[test]
    fn csv_quotes_and_keeps_formulas_inert() {
        let csv = to_csv(&[record(2, "=***@example.org"), record(1, "account:1")]);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("seq,time,event,actor,subject,detail"));
        assert_eq!(
            lines.next(),
            Some(
                "2,1970-01-02T00:00:05Z,signed-in,account:1,'=***@example.org,\"{\"\"factor\"\":\"\"email\"\",\"\"note\"\":\"\"a, \\\"\"b\\\"\"\"\"}\""
            )
        );
        assert_eq!(lines.count(), 1);
    }

    #[test]
    fn json_lines_hold_one_object_each() {
        let text = to_json_lines(&[record(2, "account:1"), record(1, "account:1")]);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["seq"], 2);
        assert_eq!(lines[0]["time"], "1970-01-02T00:00:05Z");
        assert_eq!(lines[0]["detail"]["factor"], "email");
    }

    #[test]
    fn the_event_list_is_sorted_and_unique() {
        assert!(EVENTS.windows(2).all(|w| w[0] < w[1]));
    }
}

/// Entries read at a time when the chain is verified.
const VERIFY_PAGE: i64 = 1000;

/// How often a running server writes the chain's head to its log, if it moved.
pub const HEAD_LOG_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);

/// A chain that verified: how many entries, and its head (`SEQ:HASH`).
#[derive(Debug)]
pub struct VerifiedChain {
    pub entries: usize,
    pub head: audit::ChainHead,
}

/// Verifies the whole chain under the server's key, page by page, up to the head as it was
/// when the check began (entries appended meanwhile wait for the next check). With `expect`,
/// a head recorded earlier outside the database, its entry must still be there, unchanged:
/// that finds entries cut from the end, and a chain rewritten by someone holding the key.
pub async fn verify_chain(
    app: &App,
    expect: Option<&audit::ChainHead>,
) -> Result<Result<VerifiedChain, audit::ChainProblem>, crate::store::StoreError> {
    let key = audit::ChainKey::derive(&app.keys);
    let head = app.store.audit_head().await?;
    let mut verifier = audit::ChainVerifier::new(&key, expect);
    let mut after = 0;
    loop {
        let page = app.store.audit_page(after, head.seq, VERIFY_PAGE).await?;
        for record in &page {
            if let Err(problem) = verifier.check(record) {
                return Ok(Err(problem));
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == VERIFY_PAGE => after = last.seq,
            _ => break,
        }
    }
    Ok(verifier
        .finish(&head)
        .map(|entries| VerifiedChain { entries, head }))
}

/// Writes the chain's head to the server's log: a copy outside the database, which someone
/// who can only write the database cannot change, for `tessera audit verify --expect-head`.
pub async fn log_head(app: &App) -> Option<audit::ChainHead> {
    match app.store.audit_head().await {
        Ok(head) => {
            tracing::info!(audit_head = %head, "audit chain head");
            Some(head)
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the audit chain head");
            None
        }
    }
}

/// `log_head` at once, then every `HEAD_LOG_INTERVAL` when the head moved (one small query).
pub async fn log_head_periodically(app: std::sync::Arc<App>) {
    let mut logged = log_head(&app).await;
    loop {
        tokio::time::sleep(HEAD_LOG_INTERVAL).await;
        match app.store.audit_head().await {
            Ok(head) if logged.as_ref() != Some(&head) => logged = log_head(&app).await,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read the audit chain head"),
        }
    }
}
