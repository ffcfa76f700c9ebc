//! Terms of Use versions and who accepted which, when.

use sqlx::Row;

use super::{Store, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;

#[derive(Debug, Clone)]
pub struct TermsVersion {
    pub version: i64,
    pub title: String,
    pub body: String,
}

impl Store {
    pub async fn current_terms(&self) -> StoreResult<TermsVersion> {
        let row = sqlx::query(
            "SELECT version, title, body FROM terms_versions ORDER BY version DESC LIMIT 1",
        )
        .fetch_one(&mut *self.connection().await?)
        .await?;
        Ok(TermsVersion {
            version: row.try_get("version")?,
            title: row.try_get("title")?,
            body: row.try_get("body")?,
        })
    }

    pub async fn has_accepted(&self, account_id: i64, version: i64) -> StoreResult<bool> {
        Ok(self.terms_accepted_at(account_id, version).await?.is_some())
    }

    /// The accepted version and the time are recorded; accepting twice keeps the first time,
    /// and only the first is audited (a retried or double-clicked Accept is no new event).
    pub async fn accept_terms(
        &self,
        account_id: i64,
        version: i64,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO terms_acceptances (account_id, version, accepted_at) VALUES ($1, $2, $3)
             ON CONFLICT (account_id, version) DO NOTHING",
        )
        .bind(account_id)
        .bind(version)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            append(&mut tx, &self.chain, now, &audit.with("version", version)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// When the account accepted this version, if it did.
    pub async fn terms_accepted_at(
        &self,
        account_id: i64,
        version: i64,
    ) -> StoreResult<Option<UnixTime>> {
        let row = sqlx::query(
            "SELECT accepted_at FROM terms_acceptances WHERE account_id = $1 AND version = $2",
        )
        .bind(account_id)
        .bind(version)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        Ok(row.map(|r| r.try_get("accepted_at")).transpose()?)
    }

    /// Publishes a new version; everyone accepts it at their next sign-in, except the person
    /// who published it (`publisher`), who wrote it and is recorded as accepting it now.
    pub async fn publish_terms(
        &self,
        title: &str,
        body: &str,
        publisher: Option<i64>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let version: i64 = sqlx::query(
            "INSERT INTO terms_versions (version, title, body, published_at)
             SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3 FROM terms_versions
             RETURNING version",
        )
        .bind(title)
        .bind(body)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("version")?;
        if let Some(account_id) = publisher {
            sqlx::query(
                "INSERT INTO terms_acceptances (account_id, version, accepted_at) VALUES ($1, $2, $3)",
            )
            .bind(account_id)
            .bind(version)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        append(&mut tx, &self.chain, now, &audit.with("version", version)).await?;
        tx.commit().await?;
        Ok(version)
    }
}
