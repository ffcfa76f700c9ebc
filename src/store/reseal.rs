//! Re-encrypting sealed values under the current key (`tessera keys rotate`), and sealing an
//! older database's audit chain under the server's key.

use sqlx::{FromRow, Row};

use super::Store;
use super::audit::append;
use crate::audit::{AuditEvent, AuditRecord, ChainHead, ChainProblem, legacy_hash};
use crate::domain::UnixTime;
use crate::sealing::Kind;

/// Entries read at a time when the audit chain is sealed.
const PAGE: i64 = 1000;

/// Why an older database's audit chain was not sealed under the key.
#[derive(Debug, thiserror::Error)]
#[error(
    "the audit log was written before its entries were keyed, and it does not verify as it was written: {0}. \
     It was not sealed under the key, so that this stays visible; restore the audit_log and audit_head \
     tables from a backup taken before the change, then start again"
)]
pub struct LegacyChainBroken(pub ChainProblem);

impl Store {
    /// Passes every sealed value (phone factors, the codes sent to phones, authenticator apps'
    /// secrets, staff identity providers' client secrets, the ID-token signing keys, queued mail) through `reseal`, which returns the new stored form when the value needs
    /// one; everything is rewritten in one transaction, so readers see old or new values,
    /// never a mix within a row.
    pub async fn reseal_values(
        &self,
        reseal: impl Fn(Kind, &str) -> anyhow::Result<Option<String>>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> anyhow::Result<usize> {
        // (what the values are, their rows as (key, value), how one is rewritten)
        let tables = [
            (
                Kind::PhoneNumber,
                "SELECT CAST(id AS TEXT) AS k, secret AS value FROM account_factors WHERE kind = 'phone' AND secret IS NOT NULL",
                "UPDATE account_factors SET secret = $1 WHERE id = CAST($2 AS BIGINT)",
            ),
            (
                Kind::PhoneNumber,
                "SELECT CAST(id AS TEXT) AS k, destination AS value FROM verification_codes WHERE channel <> 'email'",
                "UPDATE verification_codes SET destination = $1 WHERE id = CAST($2 AS BIGINT)",
            ),
            (
                Kind::FactorSecret,
                "SELECT CAST(id AS TEXT) AS k, secret AS value FROM account_factors WHERE kind = 'app' AND secret IS NOT NULL",
                "UPDATE account_factors SET secret = $1 WHERE id = CAST($2 AS BIGINT)",
            ),
            (
                Kind::ProviderSecret,
                "SELECT CAST(id AS TEXT) AS k, client_secret AS value FROM identity_providers",
                "UPDATE identity_providers SET client_secret = $1 WHERE id = CAST($2 AS BIGINT)",
            ),
            (
                Kind::SigningKey,
                "SELECT kid AS k, private_key AS value FROM signing_keys",
                "UPDATE signing_keys SET private_key = $1 WHERE kid = $2",
            ),
            (
                Kind::MailBody,
                "SELECT CAST(id AS TEXT) AS k, body_text AS value FROM mail_queue WHERE body_text LIKE 'enc:%'",
                "UPDATE mail_queue SET body_text = $1 WHERE id = CAST($2 AS BIGINT)",
            ),
            (
                Kind::MailBody,
                "SELECT CAST(id AS TEXT) AS k, body_html AS value FROM mail_queue WHERE body_html LIKE 'enc:%'",
                "UPDATE mail_queue SET body_html = $1 WHERE id = CAST($2 AS BIGINT)",
            ),
            (
                Kind::MailBody,
                "SELECT CAST(id AS TEXT) AS k, link_token AS value FROM mail_queue WHERE link_token LIKE 'enc:%'",
                "UPDATE mail_queue SET link_token = $1 WHERE id = CAST($2 AS BIGINT)",
            ),
        ];
        let mut changed = 0;
        let mut tx = self.begin().await?;
        for (kind, select, update) in tables {
            let rows = sqlx::query(select).fetch_all(&mut **tx).await?;
            for row in rows {
                let key: String = row.try_get("k")?;
                let value: String = row.try_get("value")?;
                if let Some(new) = reseal(kind, &value)? {
                    sqlx::query(update)
                        .bind(new)
                        .bind(key)
                        .execute(&mut **tx)
                        .await?;
                    changed += 1;
                }
            }
        }
        append(
            &mut tx,
            &self.chain,
            now,
            &audit.with("values_resealed", changed as i64),
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Seals an audit chain written before entries were keyed (plain SHA-256, which anyone
    /// who can write the database can recompute) under the server's key, once: at the first
    /// start of a binary that keys entries, before anything else is appended. The old chain
    /// is verified as it was written first; a broken one is refused rather than sealed, so the
    /// tampering is not laundered. The sealing is itself an audit entry (with the old head),
    /// and the old and new heads go to the server's log. Returns how many entries were sealed.
    pub async fn seal_legacy_audit_chain(&self, now: UnixTime) -> anyhow::Result<usize> {
        let mut tx = self.begin().await?;
        // The head's lock first, as appenders take it: nodes starting together seal once.
        let row = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await?;
        let head = ChainHead {
            seq: row.try_get("seq")?,
            hash: row.try_get("hash")?,
        };
        // Unkeyed when both ends are hashed the old way. A chain keyed at its start whose later
        // entries were rehashed with plain SHA-256 is tampering, which `tessera audit verify`
        // names; it is not an older chain to seal.
        let ends = sqlx::query(
            "SELECT seq, at, event, actor, subject, detail, prev_hash, hash FROM audit_log
             WHERE seq = 1 OR seq = $1",
        )
        .bind(head.seq)
        .fetch_all(&mut **tx)
        .await?;
        let unkeyed = ends
            .iter()
            .map(AuditRecord::from_row)
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .filter(|r| r.hash == legacy_hash(r))
            .map(|r| r.seq)
            .collect::<Vec<_>>();
        if !(unkeyed.contains(&1) && unkeyed.contains(&head.seq)) {
            return Ok(0);
        }

        let (mut old_prev, mut new_prev) = (
            crate::audit::GENESIS.to_string(),
            crate::audit::GENESIS.to_string(),
        );
        let mut next_seq = 1;
        loop {
            let rows = sqlx::query(
                "SELECT seq, at, event, actor, subject, detail, prev_hash, hash FROM audit_log
                 WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
            )
            .bind(next_seq)
            .bind(head.seq)
            .bind(PAGE)
            .fetch_all(&mut **tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let mut r = AuditRecord::from_row(row)?;
                if r.seq != next_seq || r.prev_hash != old_prev {
                    return Err(LegacyChainBroken(ChainProblem::Broken { seq: r.seq }).into());
                }
                if legacy_hash(&r) != r.hash {
                    return Err(LegacyChainBroken(ChainProblem::Altered { seq: r.seq }).into());
                }
                old_prev = std::mem::take(&mut r.hash);
                r.prev_hash.clone_from(&new_prev);
                new_prev = self.chain.key.hash_record(&r);
                sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
                    .bind(&r.prev_hash)
                    .bind(&new_prev)
                    .bind(r.seq)
                    .execute(&mut **tx)
                    .await?;
                next_seq += 1;
            }
        }
        let found_last = next_seq - 1;
        if found_last != head.seq {
            return Err(LegacyChainBroken(ChainProblem::Truncated {
                expected_last: head.seq,
                found_last,
            })
            .into());
        }
        if old_prev != head.hash {
            return Err(LegacyChainBroken(ChainProblem::HeadMismatch { seq: found_last }).into());
        }
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&new_prev)
            .execute(&mut **tx)
            .await?;
        let sealed = AuditEvent::new("audit-chain-sealed", "system", "audit-log")
            .with("entries", head.seq)
            .with("unkeyed_head", head.to_string());
        append(&mut tx, &self.chain, now, &sealed).await?;
        tx.commit().await?;
        let head_now = self.audit_head().await?;
        tracing::warn!(
            entries = head.seq,
            unkeyed_head = %head,
            audit_head = %head_now,
            "sealed the audit log, written before its entries were keyed, under the server's key; record the new head"
        );
        usize::try_from(head.seq).map_err(Into::into)
    }
}
