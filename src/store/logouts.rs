//! The back-channel logout queue (issue 13): the ends of signed-in sessions are found here,
//! however they came about, and each client the session signed into with a back-channel
//! logout URI gets one logout, retried until it is taken or given up.

use sqlx::Row;

use super::oidc::Liveness;
use super::{Store, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::client::UriPurpose;
use crate::domain::jose::SigningAlg;
use crate::domain::mail_queue::AfterFailure;

/// A logout due for delivery, claimed by this node for a while.
#[derive(Debug, Clone)]
pub struct DueLogout {
    pub id: i64,
    pub client_id: String,
    pub alg: SigningAlg,
    pub uri: String,
    pub account_id: i64,
    pub sid: String,
    pub attempts: i64,
    pub created_at: UnixTime,
}

/// A grant whose session is no longer live, not yet marked ended ($1 now, $2 the idle
/// cut-off).
const ENDED: &str = "ended_at IS NULL AND NOT EXISTS (
     SELECT 1 FROM sessions s WHERE s.sid = oidc_grants.sid AND s.revoked_at IS NULL
       AND s.expires_at > $1 AND s.last_seen_at > $2)";

/// While a node sends a logout, no other takes it.
const LEASE_SECS: i64 = 60;

impl Store {
    /// Finds grants whose session is no longer live, marks them ended, and queues one
    /// logout per client and session for the clients that registered a back-channel URI;
    /// returns how many were queued.
    pub async fn queue_ended_sessions(&self, live: Liveness) -> StoreResult<u64> {
        // Read first: the sweep runs every few seconds on every node, and a write transaction
        // that finds nothing would still take SQLite's write lock from the sign-ins.
        let any = sqlx::query(&format!("SELECT 1 FROM oidc_grants WHERE {ENDED} LIMIT 1"))
            .bind(live.now)
            .bind(live.idle_since)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        if any.is_none() {
            return Ok(0);
        }
        let mut tx = self.begin().await?;
        let ended = sqlx::query(&format!(
            "UPDATE oidc_grants SET ended_at = $1 WHERE {ENDED} RETURNING client, account_id, sid"
        ))
        .bind(live.now)
        .bind(live.idle_since)
        .fetch_all(&mut **tx)
        .await?;
        let mut queued = 0;
        for row in &ended {
            queued += sqlx::query(
                "INSERT INTO oidc_logouts (client, account_id, sid, created_at, next_attempt_at)
                 SELECT $1, $2, $3, $4, $4 WHERE EXISTS (
                     SELECT 1 FROM oidc_client_uris WHERE client = $1 AND purpose = $5)
                 ON CONFLICT (client, sid) DO NOTHING",
            )
            .bind(row.try_get::<i64, _>("client")?)
            .bind(row.try_get::<i64, _>("account_id")?)
            .bind(row.try_get::<String, _>("sid")?)
            .bind(live.now)
            .bind(UriPurpose::BackchannelLogout.as_str())
            .execute(&mut **tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Claims up to `limit` logouts due now (not sent, not dead, not leased by another node).
    pub async fn claim_due_logouts(
        &self,
        now: UnixTime,
        limit: i64,
    ) -> StoreResult<Vec<DueLogout>> {
        let rows = sqlx::query(
            "SELECT l.id, c.client_id, c.id_token_alg, u.uri, l.account_id, l.sid, l.attempts, l.created_at
             FROM oidc_logouts l
             JOIN oidc_clients c ON c.id = l.client
             JOIN oidc_client_uris u ON u.client = l.client AND u.purpose = $2
             WHERE l.sent_at IS NULL AND l.dead_at IS NULL AND l.next_attempt_at <= $1
               AND (l.lease_until IS NULL OR l.lease_until <= $1)
             ORDER BY l.next_attempt_at LIMIT $3",
        )
        .bind(now)
        .bind(UriPurpose::BackchannelLogout.as_str())
        .bind(limit)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let mut claimed = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let taken = sqlx::query(
                "UPDATE oidc_logouts SET lease_until = $1
                 WHERE id = $2 AND sent_at IS NULL AND (lease_until IS NULL OR lease_until <= $3)",
            )
            .bind(now + LEASE_SECS)
            .bind(id)
            .bind(now)
            .execute(&mut *self.connection().await?)
            .await?
            .rows_affected();
            if taken == 1 {
                claimed.push(DueLogout {
                    id,
                    client_id: row.try_get("client_id")?,
                    alg: row.try_get("id_token_alg")?,
                    uri: row.try_get("uri")?,
                    account_id: row.try_get("account_id")?,
                    sid: row.try_get("sid")?,
                    attempts: row.try_get("attempts")?,
                    created_at: row.try_get("created_at")?,
                });
            }
        }
        Ok(claimed)
    }

    pub async fn logout_sent(&self, id: i64, now: UnixTime) -> StoreResult<()> {
        sqlx::query(
            "UPDATE oidc_logouts SET sent_at = $1, attempts = attempts + 1, lease_until = NULL, last_error = NULL
             WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    /// An attempt failed: tried again later, or given up with its audit entry.
    pub async fn logout_not_sent(
        &self,
        id: i64,
        now: UnixTime,
        error: &str,
        after: AfterFailure,
        gave_up: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let (next, dead) = match after {
            AfterFailure::RetryAt(at) => (at, None),
            AfterFailure::Dead => (now, Some(now)),
        };
        sqlx::query(
            "UPDATE oidc_logouts SET attempts = attempts + 1, lease_until = NULL, last_error = $1,
                 next_attempt_at = $2, dead_at = $3
             WHERE id = $4",
        )
        .bind(error)
        .bind(next)
        .bind(dead)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        if dead.is_some() {
            append(&mut tx, &self.chain, now, &gave_up).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
