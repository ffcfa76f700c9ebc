//! Consecutive failures, kept per keyed hash of what they count (an address, an address and
//! client, an address and step).

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::throttle::{LockRule, Throttle};

/// One try claimed on a counter before a password was compared: the counter's value with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub key_hash: Vec<u8>,
    pub number: i64,
    /// Set when this claim reached the threshold and locked the counter: until when.
    pub locked_until: Option<UnixTime>,
}

impl Claim {
    /// The claim of one more failure on `key_hash`, which took the counter from `before` to
    /// `after`.
    fn of(key_hash: &[u8], before: Throttle, after: Throttle) -> Self {
        Self {
            key_hash: key_hash.to_vec(),
            number: after.failures,
            locked_until: after
                .locked_until
                .filter(|_| after.locked_until != before.locked_until),
        }
    }
}

/// A counter's row as read (`failures`, `locked_until`); none counted without a row.
fn counted(row: Option<&AnyRow>) -> StoreResult<Throttle> {
    Ok(match row {
        Some(row) => Throttle {
            failures: row.try_get("failures")?,
            locked_until: row.try_get("locked_until")?,
        },
        None => Throttle::default(),
    })
}

/// Counts one failure atomically (the upsert holds the row until commit, so concurrent
/// failures on several nodes all count) and applies the lock-out rule.
pub(super) async fn count_failure(
    tx: &mut Transaction<'static, Any>,
    key_hash: &[u8],
    now: UnixTime,
    rule: LockRule,
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
    let after = before.after_failure(now, rule);
    if after.locked_until != before.locked_until {
        sqlx::query("UPDATE sign_in_throttle SET locked_until = $1 WHERE key_hash = $2")
            .bind(after.locked_until)
            .bind(key_hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(after)
}

/// A counter as it stands, read from the pool or inside a transaction.
pub(super) async fn read<'e>(
    executor: impl sqlx::Executor<'e, Database = Any>,
    key_hash: &[u8],
) -> StoreResult<Throttle> {
    let row =
        sqlx::query("SELECT failures, locked_until FROM sign_in_throttle WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(executor)
            .await?;
    counted(row.as_ref())
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

/// Gives back the tries a right password claimed, in the transaction that advances the
/// session: the counters start again from zero, unless a later claim locked one (wrong
/// passwords that arrived meanwhile), which refuses this one too. Returns when to retry.
/// One statement for every counter (issue 18); the read after it only when refused.
pub(super) async fn release(
    tx: &mut Transaction<'static, Any>,
    claims: &[Claim],
    now: UnixTime,
) -> StoreResult<Option<UnixTime>> {
    if claims.is_empty() {
        return Ok(None);
    }
    // Each claim's own condition: still its number, or no lock in force.
    let conditions: Vec<String> = (0..claims.len())
        .map(|i| {
            let (key, number) = (2 + 2 * i, 3 + 2 * i);
            format!(
                "(key_hash = ${key} AND (failures = ${number} OR locked_until IS NULL \
                 OR locked_until <= $1))"
            )
        })
        .collect();
    let sql = format!(
        "UPDATE sign_in_throttle SET failures = 0, locked_until = NULL, updated_at = $1
         WHERE {} RETURNING key_hash",
        conditions.join(" OR ")
    );
    let mut query = sqlx::query(&sql).bind(now);
    for claim in claims {
        query = query.bind(&claim.key_hash).bind(claim.number);
    }
    let released = query.fetch_all(&mut **tx).await?;
    if released.len() == claims.len() {
        return Ok(None);
    }
    let released: Vec<Vec<u8>> = released
        .iter()
        .map(|r| r.try_get("key_hash"))
        .collect::<Result<_, _>>()?;
    let mut until = None;
    for claim in claims.iter().filter(|c| !released.contains(&c.key_hash)) {
        until = until.max(read(&mut **tx, &claim.key_hash).await?.locked_until);
    }
    Ok(Some(until.unwrap_or(now + 1)))
}

/// Rounds of the optimistic claim (`Store::claim_tries`) before row locks take over: a second
/// round settles the common collision of two tries; a burst goes on under locks.
const OPTIMISTIC_ROUNDS: usize = 2;

/// `($1, …), ($4, …)`: one row of values per counter, `width` parameters each, after `first`
/// shared ones.
fn value_rows(counters: usize, first: usize, width: usize, row: &str) -> String {
    (0..counters)
        .map(|i| {
            let base = first + i * width;
            let mut text = row.to_string();
            // `$k` in `row` is the k-th parameter of this counter's row (`$0` the first).
            for k in (0..width).rev() {
                text = text.replace(&format!("$k{k}"), &format!("${}", base + k + 1));
            }
            format!("({text})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Claims one try on each counter before a password is compared: a try counts as a
    /// failure until the password proves right ([`release`]), so however many arrive at once,
    /// no more than the threshold are ever compared (the parallel burst of issue 11).
    /// Refused, counting nothing, while any counter is locked: returns until when.
    ///
    /// Optimistic first (issue 18): the counters are read, their next values computed by the
    /// lock-out rule, and written only where they are still as read, two statements and no
    /// transaction. A counter another try changed meanwhile is read again; after
    /// `OPTIMISTIC_ROUNDS` the rest are claimed under row locks ([`Self::claim_under_lock`]).
    /// One race is accepted: a counter that a simultaneous try locks after this try's write
    /// to another counter refuses this try, whose write to the other stays counted.
    pub async fn claim_tries(
        &self,
        counters: &[(Vec<u8>, LockRule)],
        now: UnixTime,
    ) -> StoreResult<Result<Vec<Claim>, UnixTime>> {
        let befores = self.read_counters(counters).await?;
        self.claim_tries_as_read(counters, befores, now).await
    }

    /// [`Self::claim_tries`] with the counters' first read made already (`befores`, in their
    /// order: a password sign-in reads them with the account, `Store::sign_in_lookup`).
    pub async fn claim_tries_as_read(
        &self,
        counters: &[(Vec<u8>, LockRule)],
        befores: Vec<Throttle>,
        now: UnixTime,
    ) -> StoreResult<Result<Vec<Claim>, UnixTime>> {
        if counters.is_empty() {
            return Ok(Ok(Vec::new()));
        }
        let mut claims = Vec::with_capacity(counters.len());
        let mut pending = counters.to_vec();
        let mut read = Some(befores);
        for _ in 0..OPTIMISTIC_ROUNDS {
            if pending.is_empty() {
                return Ok(Ok(claims));
            }
            let befores = match read.take() {
                Some(befores) if befores.len() == pending.len() => befores,
                _ => self.read_counters(&pending).await?,
            };
            if let Some(until) = befores.iter().filter_map(|b| b.locked_at(now)).max() {
                return Ok(Err(until));
            }
            let won = self.swap_counters(&pending, &befores, now).await?;
            pending.retain(|(key_hash, _)| !won.iter().any(|c| c.key_hash == *key_hash));
            claims.extend(won);
        }
        if pending.is_empty() {
            return Ok(Ok(claims));
        }
        Ok(self.claim_under_lock(&pending, now).await?.map(|more| {
            claims.extend(more);
            claims
        }))
    }

    /// The counters' values now, in their order (a counter without a row has counted nothing).
    async fn read_counters(&self, counters: &[(Vec<u8>, LockRule)]) -> StoreResult<Vec<Throttle>> {
        if counters.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT key_hash, failures, locked_until FROM sign_in_throttle WHERE key_hash IN ({})",
            (1..=counters.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (key_hash, _) in counters {
            query = query.bind(key_hash);
        }
        let rows = query.fetch_all(&mut *self.connection().await?).await?;
        let mut befores = Vec::with_capacity(counters.len());
        for (key_hash, _) in counters {
            let row = rows.iter().find(|r| {
                r.try_get::<Vec<u8>, _>("key_hash")
                    .is_ok_and(|k| k == *key_hash)
            });
            befores.push(counted(row)?);
        }
        Ok(befores)
    }

    /// Writes each counter's value after one more failure where the counter is still as
    /// read (`befores`): one statement. Returns the claims it made.
    async fn swap_counters(
        &self,
        counters: &[(Vec<u8>, LockRule)],
        befores: &[Throttle],
        now: UnixTime,
    ) -> StoreResult<Vec<Claim>> {
        // Parameters: $1 now, then per counter: key, failures and lock after, failures and
        // lock as read. A counter without a row reads as none counted, so a row made
        // meanwhile is as read only if it still counts nothing.
        let still_as_read: Vec<String> = (0..counters.len())
            .map(|i| {
                let (key, failures, until) = (2 + 5 * i, 5 + 5 * i, 6 + 5 * i);
                format!(
                    "(sign_in_throttle.key_hash = ${key} AND sign_in_throttle.failures = ${failures} \
                     AND (sign_in_throttle.locked_until = ${until} \
                          OR (sign_in_throttle.locked_until IS NULL AND ${until} IS NULL)))"
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO sign_in_throttle (key_hash, failures, locked_until, updated_at) VALUES {}
             ON CONFLICT (key_hash) DO UPDATE SET failures = excluded.failures,
                 locked_until = excluded.locked_until, updated_at = $1
             WHERE {}
             RETURNING key_hash",
            value_rows(counters.len(), 1, 5, "$k0, $k1, $k2, $1"),
            still_as_read.join(" OR ")
        );
        let afters: Vec<Throttle> = counters
            .iter()
            .zip(befores)
            .map(|((_, rule), before)| before.after_failure(now, *rule))
            .collect();
        let mut query = sqlx::query(&sql).bind(now);
        for (((key_hash, _), before), after) in counters.iter().zip(befores).zip(&afters) {
            query = query
                .bind(key_hash.as_slice())
                .bind(after.failures)
                .bind(after.locked_until)
                .bind(before.failures)
                .bind(before.locked_until);
        }
        let swapped: Vec<Vec<u8>> = query
            .fetch_all(&mut *self.connection().await?)
            .await?
            .iter()
            .map(|r| r.try_get("key_hash"))
            .collect::<Result<_, _>>()?;
        Ok(counters
            .iter()
            .zip(befores)
            .zip(afters)
            .filter(|(((key_hash, _), _), _)| swapped.contains(key_hash))
            .map(|(((key_hash, _), before), after)| Claim::of(key_hash, *before, after))
            .collect())
    }

    /// The contended claim: every counter's row made if new and held until commit, then
    /// read and written, in one transaction.
    async fn claim_under_lock(
        &self,
        counters: &[(Vec<u8>, LockRule)],
        now: UnixTime,
    ) -> StoreResult<Result<Vec<Claim>, UnixTime>> {
        let mut tx = self.begin().await?;
        // Every counter's row made if new and locked until commit, and read: one statement.
        let sql = format!(
            "INSERT INTO sign_in_throttle (key_hash, failures, updated_at) VALUES {}
             ON CONFLICT (key_hash) DO UPDATE SET updated_at = $1
             RETURNING key_hash, failures, locked_until",
            value_rows(counters.len(), 1, 1, "$k0, 0, $1")
        );
        let mut query = sqlx::query(&sql).bind(now);
        for (key_hash, _) in counters {
            query = query.bind(key_hash);
        }
        let rows = query.fetch_all(&mut **tx).await?;
        // Each counter's value after this try, as the lock-out rule has it.
        let mut afters = Vec::with_capacity(counters.len());
        for (key_hash, rule) in counters {
            let row = rows
                .iter()
                .find(|r| {
                    r.try_get::<Vec<u8>, _>("key_hash")
                        .is_ok_and(|k| k == *key_hash)
                })
                .ok_or_else(|| StoreError::Corrupt("a claimed counter came back missing".into()))?;
            let before = counted(Some(row))?;
            if let Some(until) = before.locked_at(now) {
                tx.rollback().await?;
                return Ok(Err(until));
            }
            afters.push((key_hash, before, before.after_failure(now, *rule)));
        }
        // Every counter's new value: one statement (the rows exist and are held).
        let sql = format!(
            "INSERT INTO sign_in_throttle (key_hash, failures, locked_until, updated_at) VALUES {}
             ON CONFLICT (key_hash) DO UPDATE SET failures = excluded.failures,
                 locked_until = excluded.locked_until",
            value_rows(counters.len(), 1, 3, "$k0, $k1, $k2, $1")
        );
        let mut query = sqlx::query(&sql).bind(now);
        for (key_hash, _, after) in &afters {
            query = query
                .bind(key_hash.as_slice())
                .bind(after.failures)
                .bind(after.locked_until);
        }
        query.execute(&mut **tx).await?;
        let claims = afters
            .into_iter()
            .map(|(key_hash, before, after)| Claim::of(key_hash, before, after))
            .collect();
        tx.commit().await?;
        Ok(Ok(claims))
    }

    /// A right password outside any session change (Having trouble logging in?): its claimed
    /// tries are given back. Returns when to retry if a later claim locked a counter.
    pub async fn release_tries(
        &self,
        claims: &[Claim],
        now: UnixTime,
    ) -> StoreResult<Option<UnixTime>> {
        let mut tx = self.begin().await?;
        let locked = release(&mut tx, claims, now).await?;
        tx.commit().await?;
        Ok(locked)
    }

    /// A wrong password whose tries were claimed: its audit entry, and a lock-out entry for
    /// each counter its claim locked.
    pub async fn password_refused(
        &self,
        claims: &[Claim],
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let failures = claims.iter().map(|c| c.number).max().unwrap_or(0);
        append(
            &mut tx,
            &self.chain,
            now,
            &audit.clone().with("failures", failures),
        )
        .await?;
        if let Some(until) = claims.iter().filter_map(|c| c.locked_until).max() {
            let lock = AuditEvent {
                event: "account-locked",
                ..audit
            }
            .with("locked_until", until);
            append(&mut tx, &self.chain, now, &lock).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn throttle(&self, key_hash: &[u8]) -> StoreResult<Throttle> {
        read(&mut *self.connection().await?, key_hash).await
    }
}
