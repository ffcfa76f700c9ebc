//! Short-lived state kept on the server between two requests of one ceremony: an
//! authenticator app's secret between showing it and its first code, a WebAuthn challenge
//! between its options and the browser's answer. Bound to the handle the browser holds (the
//! keyed hash of its session, or of a random handle for a sign-in without one) and to a
//! purpose, sealed by the caller where it holds a secret, and taken at most once.

use sqlx::Row;

use super::{Store, StoreResult};
use crate::domain::UnixTime;

/// A ceremony's state to keep.
pub struct NewCeremony<'a> {
    pub handle_hash: &'a [u8],
    pub purpose: &'a str,
    pub account_id: Option<i64>,
    pub state: &'a str,
    pub expires_at: UnixTime,
}

impl Store {
    /// Keeps a ceremony's state, replacing an earlier one of the same handle and purpose.
    pub async fn put_ceremony(&self, ceremony: NewCeremony<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM ceremonies WHERE handle_hash = $1 AND purpose = $2")
            .bind(ceremony.handle_hash)
            .bind(ceremony.purpose)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO ceremonies (handle_hash, purpose, account_id, state, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ceremony.handle_hash)
        .bind(ceremony.purpose)
        .bind(ceremony.account_id)
        .bind(ceremony.state)
        .bind(ceremony.expires_at)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A live ceremony's account and state, left in place (an enrolment's secret survives a
    /// mistyped code).
    pub async fn ceremony(
        &self,
        handle_hash: &[u8],
        purpose: &str,
        now: UnixTime,
    ) -> StoreResult<Option<(Option<i64>, String)>> {
        let row = sqlx::query(
            "SELECT account_id, state FROM ceremonies
             WHERE handle_hash = $1 AND purpose = $2 AND expires_at > $3",
        )
        .bind(handle_hash)
        .bind(purpose)
        .bind(now)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        row.map(|r| Ok((r.try_get("account_id")?, r.try_get("state")?)))
            .transpose()
    }

    /// Takes a live ceremony's account and state: of two requests answering one challenge,
    /// only one gets it.
    pub async fn take_ceremony(
        &self,
        handle_hash: &[u8],
        purpose: &str,
        now: UnixTime,
    ) -> StoreResult<Option<(Option<i64>, String)>> {
        let row = sqlx::query(
            "DELETE FROM ceremonies WHERE handle_hash = $1 AND purpose = $2
             RETURNING account_id, state, expires_at",
        )
        .bind(handle_hash)
        .bind(purpose)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<i64, _>("expires_at")? <= now {
            return Ok(None);
        }
        Ok(Some((row.try_get("account_id")?, row.try_get("state")?)))
    }
}
