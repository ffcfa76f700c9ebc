//! How far the MFA rollout has come, counted in the database (one query per figure, each an
//! aggregate: the console never reads every account to count them).

use sqlx::{FromRow, Row};

use super::accounts::ACCOUNT_COLUMNS;
use super::mail_queue::insert_letter;
use super::{NewLetter, Store, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::account::{Account, AccountStatus};
use crate::domain::factor::FactorKind;
use crate::domain::rollout::Deadline;

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
        .fetch_all(&mut *self.connection().await?)
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
        .fetch_one(&mut *self.connection().await?)
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
            .fetch_all(&mut *self.connection().await?)
            .await?
        } else {
            sqlx::query(
                "SELECT a.id FROM accounts a
                 WHERE a.status IN ('invited', 'registering') AND ($1 IS NULL OR a.org_id = $1)
                 ORDER BY a.id LIMIT $2",
            )
            .bind(org_id)
            .bind(limit)
            .fetch_all(&mut *self.connection().await?)
            .await?
        };
        rows.iter()
            .map(|r| r.try_get("id").map_err(Into::into))
            .collect()
    }
}

/// A deadline as kept, with the reminders of it already begun.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDeadline {
    pub id: i64,
    /// The organization it is for; None: everyone without a deadline of their organization's.
    pub org_id: Option<i64>,
    pub deadline: Deadline,
    pub set_by: String,
    pub set_at: UnixTime,
    pub reminders: Vec<ReminderRun>,
}

impl StoredDeadline {
    pub fn begun_days(&self) -> Vec<u32> {
        self.reminders.iter().map(|r| r.days_before).collect()
    }
}

/// One reminder of a deadline, once begun.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRun {
    pub days_before: u32,
    pub started_at: UnixTime,
    /// Accounts are reminded in id order; the last one reached.
    pub last_account_id: i64,
    pub letters: i64,
    pub finished_at: Option<UnixTime>,
}

/// Who a deadline's reminders go to: not finished registering (imported ones included),
/// neither disabled nor locked, in its scope; a portal-wide deadline leaves out the
/// organizations with one of their own. (`$1`: the organization or NULL, `$2`: after this id.)
const REMINDED: &str = "a.status IN ('invited', 'registering', 'imported')
     AND a.disabled_at IS NULL AND a.locked_at IS NULL AND a.id > $2
     AND (($1 IS NOT NULL AND a.org_id = $1)
          OR ($1 IS NULL AND (a.org_id IS NULL OR NOT EXISTS
              (SELECT 1 FROM rollout_deadlines d WHERE d.org_id = a.org_id))))";

impl Store {
    /// The deadline of an organization, or the portal-wide one (None).
    pub async fn rollout_deadline(
        &self,
        org_id: Option<i64>,
    ) -> StoreResult<Option<StoredDeadline>> {
        let row = sqlx::query(
            "SELECT id, org_id, deadline_at, reminder_days, set_by, set_at
             FROM rollout_deadlines WHERE scope = $1",
        )
        .bind(org_id.unwrap_or(0))
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        match row {
            Some(row) => Ok(Some(self.stored_deadline(&row).await?)),
            None => Ok(None),
        }
    }

    /// Every deadline, for the reminder job.
    pub async fn rollout_deadlines(&self) -> StoreResult<Vec<StoredDeadline>> {
        let rows = sqlx::query(
            "SELECT id, org_id, deadline_at, reminder_days, set_by, set_at
             FROM rollout_deadlines ORDER BY id",
        )
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let mut deadlines = Vec::with_capacity(rows.len());
        for row in &rows {
            deadlines.push(self.stored_deadline(row).await?);
        }
        Ok(deadlines)
    }

    async fn stored_deadline(&self, row: &sqlx::any::AnyRow) -> StoreResult<StoredDeadline> {
        let id: i64 = row.try_get("id")?;
        let runs = sqlx::query(
            "SELECT days_before, started_at, last_account_id, letters, finished_at
             FROM rollout_reminders WHERE deadline_id = $1 ORDER BY days_before DESC",
        )
        .bind(id)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let reminders = runs
            .iter()
            .map(|r| {
                Ok(ReminderRun {
                    days_before: u32::try_from(r.try_get::<i64, _>("days_before")?).unwrap_or(0),
                    started_at: r.try_get("started_at")?,
                    last_account_id: r.try_get("last_account_id")?,
                    letters: r.try_get("letters")?,
                    finished_at: r.try_get("finished_at")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(StoredDeadline {
            id,
            org_id: row.try_get("org_id")?,
            deadline: Deadline::from_stored(
                row.try_get("deadline_at")?,
                &row.try_get::<String, _>("reminder_days")?,
            ),
            set_by: row.try_get("set_by")?,
            set_at: row.try_get("set_at")?,
            reminders,
        })
    }

    /// Sets (or replaces) a scope's deadline; a replaced one's reminders start over.
    pub async fn set_rollout_deadline(
        &self,
        org_id: Option<i64>,
        deadline: &Deadline,
        set_by: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        delete_deadline(&mut tx, org_id).await?;
        sqlx::query(
            "INSERT INTO rollout_deadlines (scope, org_id, deadline_at, reminder_days, set_by, set_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(org_id.unwrap_or(0))
        .bind(org_id)
        .bind(deadline.ends_at)
        .bind(deadline.days_text())
        .bind(set_by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a scope's deadline (and its reminders' progress); false when there was none.
    pub async fn clear_rollout_deadline(
        &self,
        org_id: Option<i64>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !delete_deadline(&mut tx, org_id).await? {
            return Ok(false);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Begins a reminder of a deadline (once: a second call changes nothing).
    pub async fn begin_reminder(
        &self,
        deadline_id: i64,
        days_before: u32,
        now: UnixTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO rollout_reminders (deadline_id, days_before, started_at)
             VALUES ($1, $2, $3) ON CONFLICT (deadline_id, days_before) DO NOTHING",
        )
        .bind(deadline_id)
        .bind(i64::from(days_before))
        .bind(now)
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    /// The next `limit` accounts a deadline's reminder goes to, after `after_id`, by id.
    pub async fn reminder_recipients(
        &self,
        deadline: &StoredDeadline,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<Account>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE {REMINDED} ORDER BY a.id LIMIT $3"
        ))
        .bind(deadline.org_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| Account::from_row(r).map_err(Into::into))
            .collect()
    }

    /// Records that a reminder reached an account (its letter queued).
    pub async fn reminder_reached(
        &self,
        deadline_id: i64,
        days_before: u32,
        account_id: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE rollout_reminders SET last_account_id = $1, letters = letters + 1
             WHERE deadline_id = $2 AND days_before = $3 AND last_account_id < $1",
        )
        .bind(account_id)
        .bind(deadline_id)
        .bind(i64::from(days_before))
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    pub async fn finish_reminder(
        &self,
        deadline_id: i64,
        days_before: u32,
        now: UnixTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE rollout_reminders SET finished_at = $1
             WHERE deadline_id = $2 AND days_before = $3 AND finished_at IS NULL",
        )
        .bind(now)
        .bind(deadline_id)
        .bind(i64::from(days_before))
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    /// Queues a letter rendered now, with its audit entry, in one transaction.
    pub async fn queue_audited_letter(
        &self,
        letter: &NewLetter,
        account_id: i64,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_letter(&mut tx, letter, Some(account_id), now).await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Deletes a scope's deadline with its reminders' progress; whether there was one.
async fn delete_deadline(tx: &mut super::Tx, org_id: Option<i64>) -> StoreResult<bool> {
    sqlx::query(
        "DELETE FROM rollout_reminders WHERE deadline_id IN
             (SELECT id FROM rollout_deadlines WHERE scope = $1)",
    )
    .bind(org_id.unwrap_or(0))
    .execute(&mut **tx)
    .await?;
    let deleted = sqlx::query("DELETE FROM rollout_deadlines WHERE scope = $1")
        .bind(org_id.unwrap_or(0))
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(deleted > 0)
}
