//! What administrators see and change: account lists within a scope, and flags.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use super::accounts::ACCOUNT_COLUMNS;
use super::{Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::account::{Account, AccountStatus, Role};
use crate::domain::factor::{AllowedFactors, FactorKind, FactorSet, PasskeyRequirement};

/// An organization and the second factors it allows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub allowed: AllowedFactors,
    pub require_passkey: PasskeyRequirement,
    pub created_at: UnixTime,
}

/// One row of the administrator's account list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organization: Option<String>,
    pub role: Role,
    pub status: AccountStatus,
    pub mfa_method: Option<FactorKind>,
    /// The kinds of factor the account holds.
    pub factors: FactorSet,
    pub last_sign_in_at: Option<UnixTime>,
    /// When the newest unused registration link expires, if there is one.
    pub link_expires_at: Option<UnixTime>,
    pub disabled: bool,
    pub locked: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this organization's accounts (an organization administrator's scope).
    pub org_id: Option<i64>,
    /// Part of the email address or display name.
    pub search: String,
    pub status: Option<String>,
    pub page: i64,
    pub per_page: i64,
    pub sort: Sort,
}

/// The orders the list offers; each maps to fixed SQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    Name,
    Email,
    LastSignIn,
}

impl Sort {
    pub fn parse(text: &str) -> Self {
        match text {
            "name" => Self::Name,
            "email" => Self::Email,
            "last-sign-in" => Self::LastSignIn,
            _ => Self::Newest,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Self::Newest => "a.id DESC",
            Self::Name => "LOWER(a.display_name), a.id",
            Self::Email => "a.email, a.id",
            Self::LastSignIn => "a.last_sign_in_at DESC NULLS LAST, a.id DESC",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountList {
    pub accounts: Vec<AccountSummary>,
    pub total: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountFlag {
    Disabled,
    Locked,
}

impl AccountFlag {
    fn column(self) -> &'static str {
        match self {
            Self::Disabled => "disabled_at",
            Self::Locked => "locked_at",
        }
    }
}

fn summary(row: &AnyRow) -> StoreResult<AccountSummary> {
    Ok(AccountSummary {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        organization: row.try_get("organization")?,
        role: row.try_get("role")?,
        status: row.try_get("status")?,
        mfa_method: row.try_get("mfa_method")?,
        factors: super::factors::held_from(row)?,
        last_sign_in_at: row.try_get("last_sign_in_at")?,
        link_expires_at: row.try_get("link_expires_at")?,
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        locked: row.try_get::<Option<i64>, _>("locked_at")?.is_some(),
    })
}

impl Store {
    /// A page of accounts, newest first, within the filter's organization when it has one.
    pub async fn list_accounts(&self, filter: &ListFilter) -> StoreResult<AccountList> {
        // Conditions are fixed text; every value is a bound parameter.
        let conditions = "($1 IS NULL OR a.org_id = $1)
             AND ($2 = '' OR LOWER(a.email) LIKE $3 OR LOWER(a.display_name) LIKE $3)
             AND ($4 = '' OR a.status = $4)";
        let pattern = format!("%{}%", filter.search.to_lowercase().replace(['%', '_'], ""));
        let status = filter.status.clone().unwrap_or_default();
        let total: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM accounts a WHERE {conditions}"
        ))
        .bind(filter.org_id)
        .bind(&filter.search)
        .bind(&pattern)
        .bind(&status)
        .fetch_one(&mut *self.connection().await?)
        .await?
        .try_get("n")?;
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.email, a.display_name, o.name AS organization, a.role, a.status, a.mfa_method,
                    a.last_sign_in_at, a.disabled_at, a.locked_at, {held},
                    (SELECT MAX(l.expires_at) FROM registration_links l
                      WHERE l.account_id = a.id AND l.used_at IS NULL AND l.voided_at IS NULL) AS link_expires_at
             FROM accounts a LEFT JOIN organizations o ON o.id = a.org_id
             WHERE {conditions}
             ORDER BY {} LIMIT $5 OFFSET $6",
            filter.sort.sql(),
            held = super::factors::HELD_COLUMNS.as_str()
        ))
        .bind(filter.org_id)
        .bind(&filter.search)
        .bind(&pattern)
        .bind(&status)
        .bind(filter.per_page)
        // Saturating: the page number comes from a query string and may be any i64.
        .bind(filter.page.max(0).saturating_mul(filter.per_page))
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let accounts = rows.iter().map(summary).collect::<StoreResult<Vec<_>>>()?;
        Ok(AccountList { accounts, total })
    }

    /// Withdraws an invitation nobody has used: the invited account and its links go.
    pub async fn revoke_invitation(
        &self,
        id: i64,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let removed = sqlx::query("DELETE FROM accounts WHERE id = $1 AND status = 'invited'")
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if removed != 1 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account, if it is within the organization (None: any organization). An account
    /// outside the scope is NotFound, exactly like one that does not exist.
    pub async fn account_in_scope(&self, id: i64, org_id: Option<i64>) -> StoreResult<Account> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE id = $1 AND ($2 IS NULL OR org_id = $2)"
        ))
        .bind(id)
        .bind(org_id)
        .fetch_optional(&mut *self.connection().await?)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(Account::from_row(&row)?)
    }

    /// Sets or clears a flag; setting one ends every session of the account at once.
    pub async fn set_account_flag(
        &self,
        id: i64,
        flag: AccountFlag,
        on: bool,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(&format!(
            "UPDATE accounts SET {} = $1 WHERE id = $2",
            flag.column()
        ))
        .bind(on.then_some(now))
        .bind(id)
        .execute(&mut **tx)
        .await?;
        let mut audit = audit;
        if on {
            let ended = sqlx::query(
                "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            audit = audit.with("sessions_ended", ended as i64);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reset MFA: the verified phone number and every factor and recovery code are forgotten,
    /// and the account registers its factor again at next sign-in; its sessions end.
    pub async fn reset_mfa(&self, id: i64, now: UnixTime, audit: AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE accounts SET mfa_method = NULL,
                 status = CASE WHEN status = 'active' THEN 'registering' ELSE status END
             WHERE id = $1",
        )
        .bind(id)
        .execute(&mut **tx)
        .await?;
        super::factors::forget(&mut tx, id, None).await?;
        super::recovery_codes::forget(&mut tx, id).await?;
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organizations within a scope (None: all), by name, with their factor policy.
    pub async fn organizations_in_scope(
        &self,
        org_id: Option<i64>,
    ) -> StoreResult<Vec<Organization>> {
        // One row per allowed kind (or one with none), gathered per organization.
        let rows = sqlx::query(
            "SELECT o.id, o.name, o.created_at, o.require_passkey, f.kind FROM organizations o
             LEFT JOIN organization_factors f ON f.org_id = o.id
             WHERE ($1 IS NULL OR o.id = $1) ORDER BY o.name, o.id",
        )
        .bind(org_id)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let mut organizations: Vec<Organization> = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let kind: Option<FactorKind> = r.try_get("kind")?;
            match organizations.last_mut() {
                Some(org) if org.id == id => {}
                _ => organizations.push(Organization {
                    id,
                    name: r.try_get("name")?,
                    allowed: AllowedFactors::none(),
                    require_passkey: r.try_get("require_passkey")?,
                    created_at: r.try_get("created_at")?,
                }),
            }
            if let (Some(org), Some(kind)) = (organizations.last_mut(), kind) {
                org.allowed = org.allowed.with(kind, true);
            }
        }
        Ok(organizations)
    }

    /// Appoints or removes an organization administrator. Only a user or an organization
    /// administrator changes role here, and only an account of an organization becomes its
    /// administrator; the condition is in the update, so a concurrent change cannot slip past.
    pub async fn set_role(
        &self,
        id: i64,
        role: Role,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE accounts SET role = $1
             WHERE id = $2 AND role IN ('user', 'org-admin')
               AND ($1 = 'user' OR org_id IS NOT NULL)",
        )
        .bind(role.as_str())
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            &self.chain,
            now,
            &audit.with("role", role.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn organizations(&self) -> StoreResult<Vec<(i64, String)>> {
        let rows = sqlx::query("SELECT id, name FROM organizations ORDER BY name")
            .fetch_all(&mut *self.connection().await?)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .collect()
    }
}
