//! The company's own OpenID Connect providers for staff single sign-on (issue 16) and the
//! email domains routed to each. The client secret is stored sealed by the caller.

use sqlx::Row;

use super::{Store, StoreError, StoreResult, audit::append, sessions};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::session::{Proofs, SessionStage, SessionTimes};
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

/// A provider as a sign-in through it needs it: with its sealed secret and domains.
#[derive(Debug, Clone)]
pub struct RegisteredProvider {
    pub id: i64,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub sealed_secret: String,
    pub org_id: Option<i64>,
    pub require_local_mfa: bool,
    pub disabled: bool,
    pub domains: Vec<String>,
}

/// A sign-in through the company's provider, as the flow decided it.
pub struct FederatedSignIn<'a> {
    /// The browser's earlier session, ended (a new identifier at sign-in).
    pub previous: Option<&'a [u8]>,
    pub id_hash: &'a [u8],
    pub account_id: i64,
    pub provider: i64,
    /// The provider's `iss` and `sub`: the account is found by them from now on.
    pub issuer: &'a str,
    pub subject: &'a str,
    /// An invited, registering or imported account becomes active; its registration links
    /// are void (they would set a password, and staff have none).
    pub activate: bool,
    /// The account holds no factor of Tessera's own: the address the provider verified
    /// becomes it.
    pub email_factor: bool,
    /// Authenticated (the provider's second factor accepted) or SecondFactor (Tessera's own).
    pub stage: SessionStage,
    pub proofs: Proofs,
    pub times: SessionTimes,
}

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
        .fetch_one(&mut **tx)
        .await
        .map_err(StoreError::from_write)?
        .try_get("id")?;
        insert_domains(&mut tx, id, &provider.domains).await?;
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
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let rows =
            sqlx::query("SELECT provider, domain FROM identity_provider_domains ORDER BY domain")
                .fetch_all(&mut *self.connection().await?)
                .await?;
        for row in &rows {
            let provider: i64 = row.try_get("provider")?;
            if let Some(p) = providers.iter_mut().find(|p| p.id == provider) {
                p.domains.push(row.try_get("domain")?);
            }
        }
        Ok(providers)
    }

    /// The enabled providers, by name: (id, name). One query: it is on the login page.
    pub async fn enabled_providers(&self) -> StoreResult<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT id, name FROM identity_providers WHERE disabled_at IS NULL ORDER BY name",
        )
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .collect()
    }

    /// One provider, as a sign-in through it needs it.
    pub async fn provider(&self, id: i64) -> StoreResult<Option<RegisteredProvider>> {
        let Some(row) = sqlx::query(
            "SELECT id, name, issuer, client_id, client_secret, org_id, require_local_mfa,
                    disabled_at FROM identity_providers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.connection().await?)
        .await?
        else {
            return Ok(None);
        };
        let domains =
            sqlx::query("SELECT domain FROM identity_provider_domains WHERE provider = $1")
                .bind(id)
                .fetch_all(&mut *self.connection().await?)
                .await?
                .iter()
                .map(|r| r.try_get("domain"))
                .collect::<Result<Vec<String>, _>>()?;
        Ok(Some(RegisteredProvider {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            issuer: row.try_get("issuer")?,
            client_id: row.try_get("client_id")?,
            sealed_secret: row.try_get("client_secret")?,
            org_id: row.try_get("org_id")?,
            require_local_mfa: row.try_get::<i64, _>("require_local_mfa")? == 1,
            disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
            domains,
        }))
    }

    /// The enabled provider a staff email domain belongs to: (id, name).
    pub async fn provider_for_domain(&self, domain: &str) -> StoreResult<Option<(i64, String)>> {
        let row = sqlx::query(
            "SELECT p.id, p.name FROM identity_provider_domains d
             JOIN identity_providers p ON p.id = d.provider
             WHERE d.domain = $1 AND p.disabled_at IS NULL",
        )
        .bind(domain)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        match row {
            Some(r) => Ok(Some((r.try_get("id")?, r.try_get("name")?))),
            None => Ok(None),
        }
    }

    /// A staff member's account made at their first sign-in through the provider: active,
    /// in the provider's organization, with no password. Its factor of Tessera's own is its
    /// email address (the provider verified it), asked for when the provider's second factor
    /// is not accepted; the person may add stronger ones on Your account.
    pub async fn create_staff_account(
        &self,
        email: &str,
        display_name: &str,
        org_id: Option<i64>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO accounts (email, display_name, org_id, role, status, mfa_method, created_at)
             VALUES ($1, $2, $3, 'user', 'active', 'email', $4) RETURNING id",
        )
        .bind(email)
        .bind(display_name)
        .bind(org_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(StoreError::from_write)?
        .try_get("id")?;
        sqlx::query(
            "INSERT INTO account_factors (account_id, kind, created_at) VALUES ($1, 'email', $2)",
        )
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let audit = AuditEvent {
            subject: crate::audit::account(id),
            ..audit
        };
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The account linked to this identity at a provider, if any.
    pub async fn linked_account(&self, issuer: &str, subject: &str) -> StoreResult<Option<i64>> {
        let row =
            sqlx::query("SELECT account_id FROM account_links WHERE issuer = $1 AND subject = $2")
                .bind(issuer)
                .bind(subject)
                .fetch_optional(&mut *self.connection().await?)
                .await?;
        Ok(row.map(|r| r.try_get("account_id")).transpose()?)
    }

    /// Whether the account with this address signs in through a company provider (staff):
    /// such an account has no local recovery. Asked for every address typed, known or not.
    pub async fn signs_in_through_provider(&self, email: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS links FROM account_links l
             JOIN accounts a ON a.id = l.account_id WHERE a.email = $1",
        )
        .bind(email)
        .fetch_one(&mut *self.connection().await?)
        .await?;
        Ok(row.try_get::<i64, _>("links")? > 0)
    }

    /// The name of the company provider this account signs in through, if it is staff.
    pub async fn provider_of_account(&self, account_id: i64) -> StoreResult<Option<String>> {
        let row = sqlx::query(
            "SELECT p.name FROM account_links l JOIN identity_providers p ON p.id = l.provider
             WHERE l.account_id = $1 ORDER BY l.created_at LIMIT 1",
        )
        .bind(account_id)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        Ok(row.map(|r| r.try_get("name")).transpose()?)
    }

    /// A sign-in through the company's provider, in one transaction: the identity linked to
    /// the account (an identity linked to another account is a Conflict), the account's local
    /// password gone (staff have none), the earlier session ended, the new one begun at the
    /// stage the flow decided, and the audit entry. `Barred` for a disabled or locked account.
    pub async fn sign_in_federated(
        &self,
        sign_in: FederatedSignIn<'_>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO account_links (issuer, subject, account_id, provider, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (issuer, subject) DO NOTHING",
        )
        .bind(sign_in.issuer)
        .bind(sign_in.subject)
        .bind(sign_in.account_id)
        .bind(sign_in.provider)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let linked: i64 =
            sqlx::query("SELECT account_id FROM account_links WHERE issuer = $1 AND subject = $2")
                .bind(sign_in.issuer)
                .bind(sign_in.subject)
                .fetch_one(&mut **tx)
                .await?
                .try_get("account_id")?;
        if linked != sign_in.account_id {
            return Err(StoreError::Conflict);
        }
        sqlx::query("UPDATE accounts SET password_hash = NULL WHERE id = $1")
            .bind(sign_in.account_id)
            .execute(&mut **tx)
            .await?;
        if sign_in.activate {
            sqlx::query("UPDATE accounts SET status = 'active' WHERE id = $1")
                .bind(sign_in.account_id)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE registration_links SET voided_at = $1
                 WHERE account_id = $2 AND used_at IS NULL AND voided_at IS NULL",
            )
            .bind(now)
            .bind(sign_in.account_id)
            .execute(&mut **tx)
            .await?;
        }
        if sign_in.email_factor {
            sqlx::query("UPDATE accounts SET mfa_method = 'email' WHERE id = $1")
                .bind(sign_in.account_id)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "INSERT INTO account_factors (account_id, kind, created_at) VALUES ($1, 'email', $2)",
            )
            .bind(sign_in.account_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        if let Some(previous) = sign_in.previous {
            sessions::revoke(&mut tx, previous, now).await?;
        }
        sessions::insert(
            &mut tx,
            sign_in.id_hash,
            Some(sign_in.account_id),
            sign_in.stage,
            sign_in.times,
            sessions::Carried::proved(sign_in.proofs),
        )
        .await?;
        if sign_in.stage == SessionStage::Authenticated {
            sqlx::query("UPDATE accounts SET last_sign_in_at = $1 WHERE id = $2")
                .bind(now)
                .bind(sign_in.account_id)
                .execute(&mut **tx)
                .await?;
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
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
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a provider's settings (all but its issuer) in one transaction: the row, its
    /// staff domains replaced as a whole, and the audit entry. `sealed_secret` None keeps the
    /// stored secret. NotFound when there is no such provider; a name or a domain of another
    /// provider is a Conflict, and nothing is changed.
    pub async fn update_provider(
        &self,
        id: i64,
        settings: &crate::domain::staff::ProviderSettings,
        sealed_secret: Option<&str>,
        org_id: Option<i64>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE identity_providers
             SET name = $1, client_id = $2, client_secret = COALESCE($3, client_secret),
                 org_id = $4, require_local_mfa = $5
             WHERE id = $6",
        )
        .bind(&settings.name)
        .bind(&settings.client_id)
        .bind(sealed_secret)
        .bind(org_id)
        .bind(i64::from(settings.require_local_mfa))
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from_write)?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM identity_provider_domains WHERE provider = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        insert_domains(&mut tx, id, &settings.domains).await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A provider's staff domains; one another provider has is a Conflict.
async fn insert_domains(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    provider: i64,
    domains: &[String],
) -> StoreResult<()> {
    for domain in domains {
        sqlx::query("INSERT INTO identity_provider_domains (provider, domain) VALUES ($1, $2)")
            .bind(provider)
            .bind(domain)
            .execute(&mut **tx)
            .await
            .map_err(StoreError::from_write)?;
    }
    Ok(())
}
