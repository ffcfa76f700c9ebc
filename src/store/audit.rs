//! Appending to and reading the hash-chained audit log.

use sqlx::{Any, Row, Transaction};

use super::{Store, StoreResult};
use crate::audit::{AuditEvent, AuditRecord, ChainHead, ChainKey};
use crate::domain::UnixTime;

/// Appends inside the caller's transaction, sealed under `chain`. The head row is updated
/// first: that takes the write lock, so concurrent appenders (on any node) queue and the
/// chain never forks. The entry's insert then moves the head's hash to it by a trigger
/// (migration 0025): two statements, not three.
pub(super) async fn append(
    tx: &mut Transaction<'static, Any>,
    chain: &ChainKey,
    now: UnixTime,
    event: &AuditEvent,
) -> StoreResult<()> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    let mut record = AuditRecord {
        seq: row.try_get("seq")?,
        at: now,
        event: event.event.to_string(),
        actor: event.actor.clone(),
        subject: event.subject.clone(),
        detail: event.detail.to_string(),
        prev_hash: row.try_get("hash")?,
        hash: String::new(),
    };
    record.hash = chain.hash_record(&record);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, event, actor, subject, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(record.seq)
    .bind(record.at)
    .bind(&record.event)
    .bind(&record.actor)
    .bind(&record.subject)
    .bind(&record.detail)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut **tx)
    .await?;
    // Counted at the insert; a transaction rolled back later still counts (rare: errors only).
    crate::metrics::audit_event(event);
    Ok(())
}

impl Store {
    /// Records an event that changes nothing else (a refused sign-in, a failed delivery).
    pub async fn record(&self, now: UnixTime, event: AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        append(&mut tx, &self.chain, now, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The chain's last entry, as the head row records it.
    pub async fn audit_head(&self) -> StoreResult<ChainHead> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(ChainHead {
            seq: row.try_get("seq")?,
            hash: row.try_get("hash")?,
        })
    }

    /// Up to `limit` entries after `after`, up to and including `through`, in order: the chain
    /// read page by page (bounded by a head read before, so entries appended meanwhile wait
    /// for the next check).
    pub async fn audit_page(
        &self,
        after: i64,
        through: i64,
        limit: i64,
    ) -> StoreResult<Vec<AuditRecord>> {
        Ok(sqlx::query_as(
            "SELECT seq, at, event, actor, subject, detail, prev_hash, hash FROM audit_log
             WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
        )
        .bind(after)
        .bind(through)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The most recent entries, newest first (for tests and, later, the audit viewer).
    pub async fn recent_audit(
        &self,
        limit: i64,
    ) -> StoreResult<Vec<(String, String, String, String)>> {
        let rows = sqlx::query(
            "SELECT event, actor, subject, detail FROM audit_log ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("event")?,
                    r.try_get("actor")?,
                    r.try_get("subject")?,
                    r.try_get("detail")?,
                ))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(Into::into)
    }
}

from_columns!(AuditRecord {
    seq,
    at,
    event,
    actor,
    subject,
    detail,
    prev_hash,
    hash,
});
