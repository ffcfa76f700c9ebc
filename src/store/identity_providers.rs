//! The company's own OpenID Connect providers for staff single sign-on (issue 16) and the
//! email domains routed to each. The client secret is stored sealed by the caller.

use sqlx::Row;

use super::{Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::staff::NewProvider;

/// A provider as the console, the API and the command line show it (never its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProviderSummary {
    pub id: i64,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// The organization new staff accounts are created in.
    pub organization: Option<String>,
    pub domains: Vec<String>,
    pub require_local_mfa: bool,
    pub created_at: UnixTime,
    pub disabled: bool,
}

from_columns!(ProviderSummary(row) {
    id,
    name,
    issuer,
    client_id,
    organization,
    domains = Vec::new(),
    require_local_mfa = row.try_get::<i64, _>("require_local_mfa")? == 1,
    created_at,
    disabled = row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
});

/// Whether a provider may be used: what disabling and enabling set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderStanding {
    Enabled,
    Disabled,
}

impl Store {
    /// Registers a provider with its domains and audit entry; returns its id. A name or a
    /// domain registered already is a Conflict, and nothing is stored.
    pub async fn create_provider(
        &self,
        provider: &NewProvider,
        sealed_secret: &str,
        org_id: Option<i64>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO identity_providers
                 (name, issuer, client_id, client_secret, org_id, require_local_mfa, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&provider.name)
        .bind(&provider.issuer)
        .bind(&provider.client_id)
        .bind(sealed_secret)
        .bind(org_id)
        .bind(i64::from(provider.require_local_mfa))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_write)?
        .try_get("id")?;
        for domain in &provider.domains {
            sqlx::query("INSERT INTO identity_provider_domains (provider, domain) VALUES ($1, $2)")
                .bind(id)
                .bind(domain)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every provider, by name, with its domains.
    pub async fn providers(&self) -> StoreResult<Vec<ProviderSummary>> {
        let mut providers = sqlx::query_as::<_, ProviderSummary>(
            "SELECT p.id, p.name, p.issuer, p.client_id, o.name AS organization,
                    p.require_local_mfa, p.created_at, p.disabled_at
             FROM identity_providers p LEFT JOIN organizations o ON o.id = p.org_id
             ORDER BY p.name",
        )
        .fetch_all(&self.pool)
        .await?;
        let rows =
            sqlx::query("SELECT provider, domain FROM identity_provider_domains ORDER BY domain")
                .fetch_all(&self.pool)
                .await?;
        for row in &rows {
            let provider: i64 = row.try_get("provider")?;
            if let Some(p) = providers.iter_mut().find(|p| p.id == provider) {
                p.domains.push(row.try_get("domain")?);
            }
        }
        Ok(providers)
    }

    /// Disables or enables a provider (NotFound when there is none).
    pub async fn set_provider_standing(
        &self,
        id: i64,
        standing: ProviderStanding,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let disabled_at = match standing {
            ProviderStanding::Disabled => Some(now),
            ProviderStanding::Enabled => None,
        };
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE identity_providers
             SET disabled_at = CASE WHEN $1 IS NULL THEN NULL ELSE COALESCE(disabled_at, $1) END
             WHERE id = $2",
        )
        .bind(disabled_at)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
