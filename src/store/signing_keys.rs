//! ID-token signing keys, shared by every node (the private half sealed by the flow).

use super::{Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::jose::{KeyLife, SigningAlg};

/// A signing key as stored (its private half sealed, so it may be shown in a log).
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub kid: String,
    pub alg: SigningAlg,
    /// Sealed (`sealing::Kind::SigningKey`) PKCS#8, base64.
    pub private_key: String,
    /// The public JWK, as JSON.
    pub public_jwk: String,
    pub life: KeyLife,
}

from_columns!(StoredKey(row) {
    kid,
    alg,
    private_key,
    public_jwk,
    life = KeyLife {
        created_at: row.try_get("created_at")?,
        signs_from: row.try_get("signs_from")?,
        published_until: row.try_get("published_until")?,
    },
});

impl Store {
    /// Every signing key, oldest first.
    pub async fn signing_keys(&self) -> StoreResult<Vec<StoredKey>> {
        Ok(sqlx::query_as::<_, StoredKey>(
            "SELECT kid, alg, private_key, public_jwk, created_at, signs_from, published_until
             FROM signing_keys ORDER BY signs_from, kid",
        )
        .fetch_all(&mut *self.connection().await?)
        .await?)
    }

    /// Adds the newest key of its algorithm. A rotation names until when the key it follows
    /// stays published; the first key of an algorithm follows none. False, changing nothing,
    /// when another key became the newest meanwhile (two nodes making the first key at once).
    pub async fn add_signing_key(
        &self,
        key: &StoredKey,
        predecessor_until: Option<UnixTime>,
        audit: AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if let Some(until) = predecessor_until {
            sqlx::query(
                "UPDATE signing_keys SET published_until = $1 WHERE alg = $2 AND published_until IS NULL",
            )
            .bind(until)
            .bind(key.alg)
            .execute(&mut **tx)
            .await?;
        }
        let inserted = sqlx::query(
            "INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created_at, signs_from, published_until)
             SELECT $1, $2, $3, $4, $5, $6, NULL
             WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE alg = $2 AND published_until IS NULL)",
        )
        .bind(&key.kid)
        .bind(key.alg)
        .bind(&key.private_key)
        .bind(&key.public_jwk)
        .bind(key.life.created_at)
        .bind(key.life.signs_from)
        .execute(&mut **tx)
        .await;
        match inserted.map_err(StoreError::from_write) {
            Ok(done) if done.rows_affected() == 1 => {
                append(&mut tx, &self.chain, key.life.created_at, &audit).await?;
                tx.commit().await?;
                Ok(true)
            }
            // A newest key exists, or another node's won the unique index just now.
            Ok(_) | Err(StoreError::Conflict) => {
                tx.rollback().await?;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
}
