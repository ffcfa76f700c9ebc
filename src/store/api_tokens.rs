//! API tokens, found by the keyed hash of the bearer value.

use super::{Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// None: every organization (a system administrator's token).
    pub org_id: Option<i64>,
    pub expires_at: UnixTime,
}

/// A token as administrators see it in a list: never its value or hash.
#[derive(Debug, Clone)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    /// The organization's name; None: every organization.
    pub organization: Option<String>,
    pub created_by: String,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

/// A token to issue: only its keyed hash is kept.
pub struct NewApiToken<'a> {
    pub token_hash: &'a [u8],
    pub name: &'a str,
    /// The organization it administers; None: a system administrator's token.
    pub org_id: Option<i64>,
    /// Who issued it (the audit actor).
    pub created_by: &'a str,
    pub expires_at: UnixTime,
}

from_columns!(ApiTokenInfo {
    id,
    name,
    organization,
    created_by,
    created_at,
    expires_at,
    revoked_at,
});

from_columns!(ApiToken {
    id,
    name,
    org_id,
    expires_at,
});

impl Store {
    /// Every token ever issued, newest first (revoked and expired ones too, for the record).
    pub async fn api_tokens(&self) -> StoreResult<Vec<ApiTokenInfo>> {
        Ok(sqlx::query_as::<_, ApiTokenInfo>(
            "SELECT t.id, t.name, o.name AS organization, t.created_by, t.created_at, t.expires_at, t.revoked_at
             FROM api_tokens t LEFT JOIN organizations o ON o.id = t.org_id
             ORDER BY t.id DESC",
        )
        .fetch_all(&mut *self.connection().await?)
        .await?)
    }

    pub async fn create_api_token(
        &self,
        token: NewApiToken<'_>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<i64> {
        let NewApiToken {
            token_hash,
            name,
            org_id,
            created_by,
            expires_at,
        } = token;
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (token_hash, name, org_id, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(token_hash)
        .bind(name)
        .bind(org_id)
        .bind(created_by)
        .bind(now)
        .bind(expires_at)
        .fetch_one(&mut **tx)
        .await?;
        append(&mut tx, &self.chain, now, &audit.with("token_id", id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The live token with this hash: not revoked, not expired.
    pub async fn api_token(
        &self,
        token_hash: &[u8],
        now: UnixTime,
    ) -> StoreResult<Option<ApiToken>> {
        Ok(sqlx::query_as::<_, ApiToken>(
            "SELECT id, name, org_id, expires_at FROM api_tokens
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *self.connection().await?)
        .await?)
    }

    pub async fn revoke_api_token(
        &self,
        id: i64,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, &self.chain, now, &audit.with("token_id", id)).await?;
        tx.commit().await?;
        Ok(())
    }
}
