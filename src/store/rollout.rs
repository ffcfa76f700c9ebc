//! How far the MFA rollout has come, counted in the database (one query per figure, each an
//! aggregate: the console never reads every account to count them).

use sqlx::Row;

use super::{Store, StoreResult};
use crate::domain::UnixTime;
use crate::domain::account::AccountStatus;
use crate::domain::factor::FactorKind;

/// The accounts of one organization (or all), by where they stand in the rollout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolloutCounts {
    pub total: i64,
    /// Sent a link, not opened yet.
    pub invited: i64,
    /// Opened their link, not finished.
    pub registering: i64,
    /// Finished, by the factor they chose (none: staff signing in through their company).
    pub active: Vec<(Option<FactorKind>, i64)>,
    /// Brought over from the older portal, not signed in to register yet.
    pub imported: i64,
    /// Invited or registering, and their newest registration link's time is up.
    pub links_expired: i64,
}

impl RolloutCounts {
    pub fn active_total(&self) -> i64 {
        self.active.iter().map(|(_, n)| n).sum()
    }
}

/// Unfinished, and their newest link's time is up (used or not: a registration begun with a
/// link ends with it): the accounts a new link would help. (`$2`: now.)
const LINK_EXPIRED: &str =
    "a.status IN ('invited', 'registering') AND ($1 IS NULL OR a.org_id = $1)
     AND NOT EXISTS (SELECT 1 FROM registration_links l WHERE l.account_id = a.id
                     AND l.voided_at IS NULL AND l.expires_at > $2)";

impl Store {
    pub async fn rollout_counts(
        &self,
        org_id: Option<i64>,
        now: UnixTime,
    ) -> StoreResult<RolloutCounts> {
        let mut counts = RolloutCounts::default();
        let rows = sqlx::query(
            "SELECT a.status, a.mfa_method, COUNT(*) AS n FROM accounts a
             WHERE ($1 IS NULL OR a.org_id = $1) GROUP BY a.status, a.mfa_method",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let n: i64 = row.try_get("n")?;
            counts.total += n;
            match row.try_get::<AccountStatus, _>("status")? {
                AccountStatus::Invited => counts.invited += n,
                AccountStatus::Registering => counts.registering += n,
                AccountStatus::Imported => counts.imported += n,
                AccountStatus::Active => counts
                    .active
                    .push((row.try_get::<Option<FactorKind>, _>("mfa_method")?, n)),
            }
        }
        counts
            .active
            .sort_by_key(|(kind, _)| kind.map(|k| k.as_str()));
        counts.links_expired = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM accounts a WHERE {LINK_EXPIRED}"
        ))
        .bind(org_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(counts)
    }

    /// Up to `limit` unfinished accounts (`only_expired`: those whose link expired), oldest
    /// first.
    pub async fn unfinished_accounts(
        &self,
        org_id: Option<i64>,
        only_expired: bool,
        now: UnixTime,
        limit: i64,
    ) -> StoreResult<Vec<i64>> {
        let rows = if only_expired {
            sqlx::query(&format!(
                "SELECT a.id FROM accounts a WHERE {LINK_EXPIRED} ORDER BY a.id LIMIT $3"
            ))
            .bind(org_id)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
        } else {
            sqlx::query(
                "SELECT a.id FROM accounts a
                 WHERE a.status IN ('invited', 'registering') AND ($1 IS NULL OR a.org_id = $1)
                 ORDER BY a.id LIMIT $2",
            )
            .bind(org_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
        };
        rows.iter()
            .map(|r| r.try_get("id").map_err(Into::into))
            .collect()
    }
}
