//! Appending to and reading the hash-chained audit log.

use sqlx::{Any, Row, Transaction};

use std::sync::{Arc, Mutex};

use super::{Backend, Store, StoreResult};
use crate::audit::{AuditEvent, AuditRecord, ChainHead, ChainKey};
use crate::domain::UnixTime;

/// The chain's key and the head this process last appended: what an append needs to seal
/// its entry. Clones share the remembered head.
#[derive(Clone)]
pub(super) struct Chain {
    pub(super) key: ChainKey,
    last_head: Arc<Mutex<Option<ChainHead>>>,
    /// The one-statement append, when the database's entry insert moves the head (migration
    /// 0026); `None` on a database opened as it is or migrated only part of the way.
    append_after: Option<Arc<str>>,
}

/// The entry is inserted only while the head is still the one it was sealed after, so a
/// stale guess finds the head moved and inserts nothing. PostgreSQL adds `FOR UPDATE`: the
/// head's row lock is taken first, so appenders queue on it as on the locking path; SQLite's
/// write transactions hold the write lock from `BEGIN`.
const APPEND_AFTER: &str = "INSERT INTO audit_log (seq, at, event, actor, subject, detail, prev_hash, hash)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM audit_head WHERE id = 1 AND seq = $1 - 1 AND hash = $7";

/// The first migration whose trigger moves the head's seq as well as its hash.
const HEAD_MOVING_TRIGGER: i64 = 26;

impl Chain {
    /// `migrated_to`: the newest migration the database is known to have (`None`: not known).
    pub(super) fn new(key: ChainKey, backend: Backend, migrated_to: Option<i64>) -> Self {
        let append_after = migrated_to
            .filter(|version| *version >= HEAD_MOVING_TRIGGER)
            .map(|_| match backend {
                Backend::Sqlite => APPEND_AFTER.into(),
                Backend::Postgres => format!("{APPEND_AFTER} FOR UPDATE").into(),
            });
        Self {
            key,
            last_head: Arc::default(),
            append_after,
        }
    }

    fn last_head(&self) -> Option<ChainHead> {
        self.last_head
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Remembered as soon as the entry is in, before the commit: an append that starts now
    /// guesses the seq after it and waits for this one's lock, as it would on the head row. A
    /// rollback leaves a wrong guess behind, which the next append finds out and mends.
    fn remember(&self, record: &AuditRecord) {
        *self
            .last_head
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(ChainHead {
            seq: record.seq,
            hash: record.hash.clone(),
        });
    }

    fn seal_after(&self, record: &mut AuditRecord, head: ChainHead) {
        record.seq = head.seq + 1;
        record.prev_hash = head.hash;
        record.hash = self.key.hash_record(record);
    }
}

/// Appends inside the caller's transaction, sealed under the chain's key. One statement when
/// the head is the one this process last appended (the usual case on one node): the entry is
/// inserted only after that head, and its insert moves the head (migration 0026). Otherwise
/// (another node or a command appended, or a transaction rolled back) the head row is locked
/// and read first, so appenders on any node queue and the chain never forks.
pub(super) async fn append(
    tx: &mut Transaction<'static, Any>,
    chain: &Chain,
    now: UnixTime,
    event: &AuditEvent,
) -> StoreResult<()> {
    let mut record = AuditRecord {
        seq: 0,
        at: now,
        event: event.event.to_string(),
        actor: event.actor.clone(),
        subject: event.subject.clone(),
        detail: event.detail.to_string(),
        prev_hash: String::new(),
        hash: String::new(),
    };
    let guessed = match (&chain.append_after, chain.last_head()) {
        (Some(sql), Some(head)) => {
            chain.seal_after(&mut record, head);
            insert(tx, sql, &record).await? == 1
        }
        _ => false,
    };
    if !guessed {
        let row =
            sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut **tx)
                .await?;
        let seq: i64 = row.try_get("seq")?;
        let head = ChainHead {
            seq: seq - 1,
            hash: row.try_get("hash")?,
        };
        chain.seal_after(&mut record, head);
        insert(
            tx,
            "INSERT INTO audit_log (seq, at, event, actor, subject, detail, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &record,
        )
        .await?;
    }
    chain.remember(&record);
    // Counted at the insert; a transaction rolled back later still counts (rare: errors only).
    crate::metrics::audit_event(event);
    Ok(())
}

/// The entry's insert by `sql`; the rows it inserted.
async fn insert(
    tx: &mut Transaction<'static, Any>,
    sql: &str,
    record: &AuditRecord,
) -> StoreResult<u64> {
    Ok(sqlx::query(sql)
        .bind(record.seq)
        .bind(record.at)
        .bind(&record.event)
        .bind(&record.actor)
        .bind(&record.subject)
        .bind(&record.detail)
        .bind(&record.prev_hash)
        .bind(&record.hash)
        .execute(&mut **tx)
        .await?
        .rows_affected())
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
            .fetch_one(&mut *self.connection().await?)
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
        .fetch_all(&mut *self.connection().await?)
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
        .fetch_all(&mut *self.connection().await?)
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
