//! Second factors as rows: the kinds each organization allows (`organization_factors`) and
//! the factors each account has proved (`account_factors`: kind, label, sealed secret,
//! created, last used). The writes here run inside the transaction of the operation that
//! causes them (a sign-in, a new number, an MFA reset), so a factor is never half-recorded.

use sqlx::Row;

use super::{Store, StoreResult, Tx, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::factor::{AllowedFactors, FactorKind};

impl Store {
    /// The second factors an account's organization allows; an account of no organization
    /// (a system administrator) may use every kind.
    pub async fn allowed_factors(&self, account_id: i64) -> StoreResult<AllowedFactors> {
        let rows = sqlx::query(
            "SELECT a.org_id, f.kind FROM accounts a
             LEFT JOIN organization_factors f ON f.org_id = a.org_id
             WHERE a.id = $1",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let in_org = rows
            .first()
            .map(|r| r.try_get::<Option<i64>, _>("org_id"))
            .transpose()?
            .flatten()
            .is_some();
        if !in_org {
            return Ok(AllowedFactors::all());
        }
        kinds_of(rows.iter().map(|r| r.try_get("kind")))
    }

    /// The second factors one organization allows.
    /// The account's factors, each with when it was first proved and last used.
    pub async fn factors_of(&self, account_id: i64) -> StoreResult<Vec<FactorUse>> {
        let rows = sqlx::query(
            "SELECT kind, created_at, last_used_at FROM account_factors
             WHERE account_id = $1 ORDER BY created_at, id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FactorUse {
                    kind: r.try_get("kind")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                })
            })
            .collect()
    }

    pub async fn organization_factors(&self, org_id: i64) -> StoreResult<AllowedFactors> {
        let rows = sqlx::query("SELECT kind FROM organization_factors WHERE org_id = $1")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        kinds_of(rows.iter().map(|r| r.try_get("kind")))
    }

    /// Replaces an organization's factor policy, with its audit entry.
    pub async fn set_allowed_factors(
        &self,
        org_id: i64,
        allowed: AllowedFactors,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM organization_factors WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        allow_kinds(&mut tx, org_id, allowed).await?;
        let audit = FactorKind::ALL.iter().fold(audit, |event, kind| {
            event.with(kind.as_str(), allowed.allows(*kind))
        });
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Reads a policy from its rows (a LEFT JOIN's NULL kind is no row).
pub(super) fn kinds_of(
    kinds: impl Iterator<Item = Result<Option<FactorKind>, sqlx::Error>>,
) -> StoreResult<AllowedFactors> {
    let mut allowed = AllowedFactors::none();
    for kind in kinds {
        if let Some(kind) = kind? {
            allowed = allowed.with(kind, true);
        }
    }
    Ok(allowed)
}

/// Allows these kinds for an organization (a new one allows every kind).
pub(super) async fn allow_kinds(
    tx: &mut Tx,
    org_id: i64,
    allowed: AllowedFactors,
) -> StoreResult<()> {
    for kind in allowed.kinds() {
        sqlx::query("INSERT INTO organization_factors (org_id, kind) VALUES ($1, $2)")
            .bind(org_id)
            .bind(kind.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Whether the account holds a factor of this kind.
pub(super) async fn has_factor(
    tx: &mut Tx,
    account_id: i64,
    kind: FactorKind,
) -> StoreResult<bool> {
    let row =
        sqlx::query("SELECT 1 AS one FROM account_factors WHERE account_id = $1 AND kind = $2")
            .bind(account_id)
            .bind(kind.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.is_some())
}

/// A factor of this kind was just used to sign in: its last use moves, or it is recorded as
/// the account's (with its sealed secret: the phone number the code went to). One factor of
/// each of today's kinds per account, so a newly proved secret replaces the old one.
pub(super) async fn record_use(
    tx: &mut Tx,
    account_id: i64,
    kind: FactorKind,
    secret: Option<&str>,
    now: UnixTime,
) -> StoreResult<()> {
    let moved = sqlx::query(
        "UPDATE account_factors SET last_used_at = $1, secret = COALESCE($2, secret)
         WHERE account_id = $3 AND kind = $4",
    )
    .bind(now)
    .bind(secret)
    .bind(account_id)
    .bind(kind.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if moved == 0 {
        sqlx::query(
            "INSERT INTO account_factors (account_id, kind, secret, created_at, last_used_at)
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(account_id)
        .bind(kind.as_str())
        .bind(secret)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Forgets the account's factors of one kind, or (None) all of them (an MFA reset).
pub(super) async fn forget(
    tx: &mut Tx,
    account_id: i64,
    kind: Option<FactorKind>,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM account_factors WHERE account_id = $1 AND ($2 IS NULL OR kind = $2)")
        .bind(account_id)
        .bind(kind.map(FactorKind::as_str))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A factor an account holds, as Your account lists it.
#[derive(Debug, Clone)]
pub struct FactorUse {
    pub kind: FactorKind,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}
