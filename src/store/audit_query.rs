//! Searching the audit log for the administrators' viewer.

use super::{Store, StoreResult};
use crate::audit::{AuditRecord, account};
use crate::domain::UnixTime;

/// What to look for; `None` means any. Times are Unix seconds, `from` inclusive and `to`
/// exclusive, so consecutive ranges never count an entry twice.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries whose subject or actor is an account of this organization.
    pub org_id: Option<i64>,
    /// Only entries about this account.
    pub subject_account: Option<i64>,
    /// Only entries by this actor, as recorded (`account:7`, `cli`, `system`, …).
    pub actor: Option<String>,
    pub event: Option<String>,
    pub from: Option<UnixTime>,
    pub to: Option<UnixTime>,
    pub limit: i64,
    /// Keyset pagination: only entries older than this sequence number.
    pub before_seq: Option<i64>,
}

impl Store {
    /// Matching entries, newest first. Paging by `seq` rather than OFFSET keeps every page
    /// as fast as the first, and a page does not shift while new entries are appended.
    pub async fn search_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        // The subject is compared as recorded text, so it is built here, not in SQL.
        let subject = filter.subject_account.map(account);
        Ok(sqlx::query_as(
            "SELECT l.seq, l.at, l.event, l.actor, l.subject, l.detail, l.prev_hash, l.hash
             FROM audit_log l
             WHERE ($1 IS NULL
                    OR l.subject IN (SELECT 'account:' || CAST(a.id AS TEXT) FROM accounts a WHERE a.org_id = $1)
                    OR l.actor IN (SELECT 'account:' || CAST(a.id AS TEXT) FROM accounts a WHERE a.org_id = $1))
               AND ($2 IS NULL OR l.subject = $2)
               AND ($3 IS NULL OR l.actor = $3)
               AND ($4 IS NULL OR l.event = $4)
               AND ($5 IS NULL OR l.at >= $5)
               AND ($6 IS NULL OR l.at < $6)
               AND ($7 IS NULL OR l.seq < $7)
             ORDER BY l.seq DESC
             LIMIT $8",
        )
        .bind(filter.org_id)
        .bind(subject)
        .bind(filter.actor.as_deref())
        .bind(filter.event.as_deref())
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.before_seq)
        .bind(filter.limit.max(0))
        .fetch_all(&mut *self.connection().await?)
        .await?)
    }
}
