//! Consecutive failed sign-ins, kept per keyed hash of the address typed.

use sqlx::{Any, Row, Transaction};

use super::{Store, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::policy::Policy;
use crate::domain::throttle::Throttle;

/// Counts one failure atomically (the upsert holds the row until commit, so concurrent
/// failures on several nodes all count) and applies the lock-out rule.
pub(super) async fn count_failure(
    tx: &mut Transaction<'static, Any>,
    key_hash: &[u8],
    now: UnixTime,
    policy: &Policy,
) -> StoreResult<Throttle> {
    let row = sqlx::query(
        "INSERT INTO sign_in_throttle (key_hash, failures, updated_at) VALUES ($1, 1, $2)
         ON CONFLICT (key_hash) DO UPDATE SET failures = sign_in_throttle.failures + 1, updated_at = $2
         RETURNING failures, locked_until",
    )
    .bind(key_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let before = Throttle {
        failures: row.try_get::<i64, _>("failures")? - 1,
        locked_until: row.try_get("locked_until")?,
    };
    let after = before.after_failure(now, policy);
    if after.locked_until != before.locked_until {
        sqlx::query("UPDATE sign_in_throttle SET locked_until = $1 WHERE key_hash = $2")
            .bind(after.locked_until)
            .bind(key_hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(after)
}

pub(super) async fn clear_in(
    tx: &mut Transaction<'static, Any>,
    key_hash: &[u8],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE key_hash = $1")
        .bind(key_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    pub async fn throttle(&self, key_hash: &[u8]) -> StoreResult<Throttle> {
        let row =
            sqlx::query("SELECT failures, locked_until FROM sign_in_throttle WHERE key_hash = $1")
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => Throttle {
                failures: r.try_get("failures")?,
                locked_until: r.try_get("locked_until")?,
            },
            None => Throttle::default(),
        })
    }

    /// Records a failed sign-in and its audit entry; returns the new state.
    pub async fn sign_in_failed(
        &self,
        key_hash: &[u8],
        now: UnixTime,
        policy: &Policy,
        audit: AuditEvent,
    ) -> StoreResult<Throttle> {
        let mut tx = self.begin().await?;
        let after = count_failure(&mut tx, key_hash, now, policy).await?;
        let locked = after.locked_at(now);
        append(
            &mut tx,
            &self.chain,
            now,
            &audit.clone().with("failures", after.failures),
        )
        .await?;
        if let Some(until) = locked {
            let lock = AuditEvent {
                event: "account-locked",
                ..audit
            }
            .with("locked_until", until);
            append(&mut tx, &self.chain, now, &lock).await?;
        }
        tx.commit().await?;
        Ok(after)
    }
}
