//! Second factors as rows: the kinds each organization allows (`organization_factors`) and
//! the factors each account has proved (`account_factors`: kind, label, sealed secret,
//! created, last used). The writes here run inside the transaction of the operation that
//! causes them (a sign-in, a new number, an MFA reset), so a factor is never half-recorded.

use std::sync::LazyLock;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::account_changes::{end_others, signed_in};
use super::mail_queue::insert_letter;
use super::{NewLetter, Store, StoreError, StoreResult, Tx, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::factor::{AllowedFactors, FactorKind, FactorSet, PasskeyRequirement};

/// What an account's organization allows and what it holds, from the rows of a read that
/// joins `organization_factors` (its `kind`, one row per kind) to the account (`org_id`) with
/// `HELD_COLUMNS`; none without rows.
pub(super) fn standing_from(
    rows: &[sqlx::any::AnyRow],
) -> StoreResult<Option<(AllowedFactors, FactorSet)>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let held = held_from(first)?;
    if first.try_get::<Option<i64>, _>("org_id")?.is_none() {
        return Ok(Some((AllowedFactors::all(), held)));
    }
    Ok(Some((
        kinds_of(rows.iter().map(|r| r.try_get("kind")))?,
        held,
    )))
}

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
        .fetch_all(&mut *self.connection().await?)
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

    /// The kinds the account's organization allows and the kinds it holds, in one read (a
    /// sign-in's password step asks both).
    pub async fn factor_standing(
        &self,
        account_id: i64,
    ) -> StoreResult<(AllowedFactors, FactorSet)> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT a.org_id, f.kind, {held} FROM accounts a
                 LEFT JOIN organization_factors f ON f.org_id = a.org_id
                 WHERE a.id = $1",
                held = HELD_COLUMNS.as_str()
            )
        });
        let rows = sqlx::query(&SQL)
            .bind(account_id)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        standing_from(&rows)?.ok_or(StoreError::NotFound)
    }

    /// The kinds of factor the account holds.
    pub async fn held_factors(&self, account_id: i64) -> StoreResult<FactorSet> {
        // A plain read: no transaction (on SQLite `begin` takes the write lock).
        let rows = sqlx::query(HELD_SQL)
            .bind(account_id)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        held_of(&rows)
    }

    /// The account's authenticator-app secret (sealed), if it holds one.
    pub async fn app_secret(&self, account_id: i64) -> StoreResult<Option<String>> {
        let row = sqlx::query(
            "SELECT secret FROM account_factors WHERE account_id = $1 AND kind = $2 ORDER BY id LIMIT 1",
        )
        .bind(account_id)
        .bind(FactorKind::App.as_str())
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        Ok(row.map(|r| r.try_get("secret")).transpose()?.flatten())
    }

    /// The account's factors, each with when it was first proved and last used.
    pub async fn factors_of(&self, account_id: i64) -> StoreResult<Vec<FactorUse>> {
        let rows = sqlx::query(
            "SELECT id, kind, label, created_at, last_used_at FROM account_factors
             WHERE account_id = $1 ORDER BY created_at, id",
        )
        .bind(account_id)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FactorUse {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    label: r.try_get("label")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                })
            })
            .collect()
    }

    /// The second factors one organization allows.
    pub async fn organization_factors(&self, org_id: i64) -> StoreResult<AllowedFactors> {
        let rows = sqlx::query("SELECT kind FROM organization_factors WHERE org_id = $1")
            .bind(org_id)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        kinds_of(rows.iter().map(|r| r.try_get("kind")))
    }

    /// Replaces an organization's factor policy (the kinds it allows, whom it requires a
    /// passkey of), with its audit entry.
    pub async fn set_allowed_factors(
        &self,
        org_id: i64,
        allowed: AllowedFactors,
        require_passkey: PasskeyRequirement,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM organization_factors WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE organizations SET require_passkey = $1 WHERE id = $2")
            .bind(require_passkey.as_str())
            .bind(org_id)
            .execute(&mut **tx)
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

/// A factor a signed-in person enrolled (an authenticator app, a passkey).
pub struct NewFactor<'a> {
    pub account_id: i64,
    /// The session that enrolled it: it must still be signed in.
    pub session_hash: &'a [u8],
    pub kind: FactorKind,
    pub label: Option<&'a str>,
    /// Sealed where it is a secret (an app's); a passkey's public credential as stored.
    pub secret: Option<&'a str>,
    pub credential_id: Option<&'a [u8]>,
    /// An app's time step of the code that confirmed it: never accepted again.
    pub last_step: Option<i64>,
    pub notice: &'a NewLetter,
    pub now: UnixTime,
}

/// Why a factor was not removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepFactor {
    /// It is the account's last factor (recovery codes do not count).
    Last,
    /// No such factor of this account.
    NotFound,
}

impl Store {
    /// Records an enrolled factor with its audit entry and the notice to the person, in one
    /// transaction. `NotFound` when the session is no longer signed in; `Conflict` when the
    /// account holds an authenticator app already, or the passkey is registered.
    pub async fn add_factor(&self, factor: NewFactor<'_>, audit: AuditEvent) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        if signed_in(&mut tx, factor.session_hash, factor.account_id)
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound);
        }
        if factor.kind == FactorKind::App
            && has_factor(&mut tx, factor.account_id, FactorKind::App).await?
        {
            return Err(StoreError::Conflict);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO account_factors (account_id, kind, label, secret, credential_id, last_step, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(factor.account_id)
        .bind(factor.kind.as_str())
        .bind(factor.label)
        .bind(factor.secret)
        .bind(factor.credential_id)
        .bind(factor.last_step)
        .bind(factor.now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        append(&mut tx, &self.chain, factor.now, &audit).await?;
        insert_letter(&mut tx, factor.notice, Some(factor.account_id), factor.now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes one of a signed-in person's factors, never the last: the account's other
    /// sessions end (ASVS 7.4.3), and a removed chosen method gives way to one still held.
    /// The account row is locked first, so two removals at once cannot both leave nothing.
    /// Returns the kind removed and how many other sessions ended.
    pub async fn remove_factor(
        &self,
        account_id: i64,
        session_hash: &[u8],
        factor_id: i64,
        notice: &NewLetter,
        now: UnixTime,
        audit: impl FnOnce(FactorKind, u64) -> AuditEvent,
    ) -> StoreResult<Result<FactorKind, KeepFactor>> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE accounts SET mfa_method = mfa_method WHERE id = $1")
            .bind(account_id)
            .execute(&mut **tx)
            .await?;
        if signed_in(&mut tx, session_hash, account_id)
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound);
        }
        let removed = sqlx::query(
            "DELETE FROM account_factors WHERE id = $1 AND account_id = $2 RETURNING kind",
        )
        .bind(factor_id)
        .bind(account_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(removed) = removed else {
            return Ok(Err(KeepFactor::NotFound));
        };
        let kind: FactorKind = removed.try_get("kind")?;
        let left = held(&mut tx, account_id).await?;
        let Some(fallback) = [
            FactorKind::Email,
            FactorKind::Phone,
            FactorKind::App,
            FactorKind::Passkey,
        ]
        .into_iter()
        .find(|k| left.allows(*k)) else {
            tx.rollback().await?;
            return Ok(Err(KeepFactor::Last));
        };
        // The chosen method, if no longer held (another passkey may remain), becomes one that is.
        if !left.allows(kind) {
            sqlx::query("UPDATE accounts SET mfa_method = $1 WHERE id = $2 AND mfa_method = $3")
                .bind(fallback.as_str())
                .bind(account_id)
                .bind(kind.as_str())
                .execute(&mut **tx)
                .await?;
        }
        let ended = end_others(&mut tx, account_id, session_hash, now).await?;
        append(&mut tx, &self.chain, now, &audit(kind, ended)).await?;
        insert_letter(&mut tx, notice, Some(account_id), now).await?;
        tx.commit().await?;
        Ok(Ok(kind))
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

/// Columns saying which kinds the account `a` holds (`holds_email`, …), one per kind, for a
/// query that reads an account; [`held_from`] reads them.
pub(super) static HELD_COLUMNS: LazyLock<String> = LazyLock::new(|| held_columns_of("a.id"));

/// [`HELD_COLUMNS`] of the account whose id is the expression `account_id`.
pub(super) fn held_columns_of(account_id: &str) -> String {
    FactorKind::ALL
        .iter()
        .map(|kind| {
            format!(
                "CAST(CASE WHEN EXISTS (SELECT 1 FROM account_factors hf
                 WHERE hf.account_id = {account_id} AND hf.kind = '{kind}') THEN 1 ELSE 0 END AS BIGINT) AS holds_{kind}",
                kind = kind.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The kinds held, from a row with [`HELD_COLUMNS`].
pub(super) fn held_from(row: &AnyRow) -> StoreResult<FactorSet> {
    let mut held = FactorSet::none();
    for kind in FactorKind::ALL {
        let holds: Option<i64> = row.try_get(format!("holds_{}", kind.as_str()).as_str())?;
        held = held.with(*kind, holds == Some(1));
    }
    Ok(held)
}

/// The kinds the account holds, read inside a transaction.
pub(super) async fn held(tx: &mut Tx, account_id: i64) -> StoreResult<FactorSet> {
    let rows = sqlx::query(HELD_SQL)
        .bind(account_id)
        .fetch_all(&mut **tx)
        .await?;
    held_of(&rows)
}

const HELD_SQL: &str = "SELECT DISTINCT kind FROM account_factors WHERE account_id = $1";

fn held_of(rows: &[AnyRow]) -> StoreResult<FactorSet> {
    let mut held = FactorSet::none();
    for row in rows {
        if let Some(kind) = row.try_get::<Option<FactorKind>, _>("kind")? {
            held = held.with(kind, true);
        }
    }
    Ok(held)
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
    pub id: i64,
    pub kind: FactorKind,
    /// A passkey's name.
    pub label: Option<String>,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}
