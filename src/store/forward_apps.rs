//! Applications behind a reverse proxy (forward authentication, issue 15) and the
//! organizations each is for.

use sqlx::Row;

use super::{Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::forward::NewApp;

/// An application as the console, the API and the launcher show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AppSummary {
    pub id: i64,
    pub name: String,
    pub url: String,
    /// The organizations whose people may use it, by name (empty: everyone's).
    pub organizations: Vec<String>,
    pub created_at: UnixTime,
    pub disabled: bool,
}

from_columns!(AppSummary(row) {
    id,
    name,
    url = row.try_get("origin")?,
    organizations = Vec::new(),
    created_at,
    disabled = row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
});

/// An OpenID Connect client's start URL, and whose people may use it (None: everyone's).
#[derive(Debug, Clone)]
pub struct StartUrl {
    pub name: String,
    pub url: String,
    pub org_id: Option<i64>,
}

from_columns!(StartUrl { name, url, org_id });

/// An application as a forward-authentication check needs it (`flows::forward_auth` keeps
/// them all in memory for a few seconds).
#[derive(Debug, Clone)]
pub struct RegisteredApp {
    pub origin: String,
    pub name: String,
    pub disabled: bool,
    /// The organizations whose people may use it (empty: everyone's).
    pub org_ids: Vec<i64>,
}

/// Whether an application may be used: what disabling and enabling set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppStanding {
    Enabled,
    Disabled,
}

/// The applications an organization administrator manages: those for their organization
/// alone. (A system administrator's scope is None: all.)
const IN_SCOPE: &str = "($1 IS NULL OR (
        EXISTS (SELECT 1 FROM forward_app_orgs x WHERE x.app = a.id AND x.org_id = $1)
        AND NOT EXISTS (SELECT 1 FROM forward_app_orgs x WHERE x.app = a.id AND x.org_id <> $1)))";

impl Store {
    /// Registers an application with its organizations and audit entry; returns its id.
    /// An origin registered already is a Conflict.
    pub async fn create_app(
        &self,
        app: &NewApp,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO forward_apps (name, origin, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(&app.name)
        .bind(app.origin.as_str())
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(StoreError::from_write)?
        .try_get("id")?;
        for org_id in &app.org_ids {
            sqlx::query("INSERT INTO forward_app_orgs (app, org_id) VALUES ($1, $2)")
                .bind(id)
                .bind(org_id)
                .execute(&mut **tx)
                .await?;
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The applications within a scope (None: all), by name.
    pub async fn apps_in_scope(&self, org_id: Option<i64>) -> StoreResult<Vec<AppSummary>> {
        let sql = format!(
            "SELECT a.id, a.name, a.origin, a.created_at, a.disabled_at FROM forward_apps a
             WHERE {IN_SCOPE} ORDER BY a.name, a.id"
        );
        let apps = sqlx::query_as::<_, AppSummary>(&sql)
            .bind(org_id)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        self.with_organizations(apps).await
    }

    /// The application, if it is within the scope (None: any). One outside the scope is
    /// NotFound, exactly like one that does not exist.
    pub async fn app_in_scope(&self, id: i64, org_id: Option<i64>) -> StoreResult<AppSummary> {
        self.apps_in_scope(org_id)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// The enabled OpenID Connect clients with a start URL (the launcher lists them too).
    pub async fn start_urls(&self) -> StoreResult<Vec<StartUrl>> {
        let starts = sqlx::query_as::<_, StartUrl>(
            "SELECT c.name, u.uri AS url, c.org_id FROM oidc_clients c
             JOIN oidc_client_uris u ON u.client = c.id AND u.purpose = 'start'
             WHERE c.disabled_at IS NULL",
        )
        .fetch_all(&mut *self.connection().await?)
        .await?;
        Ok(starts)
    }

    /// Every application, with the organizations each is for.
    pub async fn registered_apps(&self) -> StoreResult<Vec<RegisteredApp>> {
        let rows = sqlx::query("SELECT id, name, origin, disabled_at FROM forward_apps")
            .fetch_all(&mut *self.connection().await?)
            .await?;
        let orgs = sqlx::query("SELECT app, org_id FROM forward_app_orgs")
            .fetch_all(&mut *self.connection().await?)
            .await?;
        let mut apps = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let mut org_ids = Vec::new();
            for o in &orgs {
                if o.try_get::<i64, _>("app")? == id {
                    org_ids.push(o.try_get("org_id")?);
                }
            }
            apps.push(RegisteredApp {
                origin: row.try_get("origin")?,
                name: row.try_get("name")?,
                disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                org_ids,
            });
        }
        Ok(apps)
    }

    /// Disables or enables an application within the scope (NotFound outside it).
    pub async fn set_app_standing(
        &self,
        id: i64,
        org_id: Option<i64>,
        standing: AppStanding,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        // Disabling keeps the time it was first disabled.
        let disabled_at = match standing {
            AppStanding::Disabled => Some(now),
            AppStanding::Enabled => None,
        };
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE forward_apps
             SET disabled_at = CASE WHEN $2 IS NULL THEN NULL ELSE COALESCE(disabled_at, $2) END
             WHERE id = $3 AND {}",
            scoped_to_row()
        );
        let query = sqlx::query(&sql).bind(org_id).bind(disabled_at);
        let changed = query.bind(id).execute(&mut **tx).await?.rows_affected();
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes an application within the scope (NotFound outside it).
    pub async fn delete_app(
        &self,
        id: i64,
        org_id: Option<i64>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "DELETE FROM forward_apps WHERE id = $2 AND {}",
            scoped_to_row()
        );
        let removed = sqlx::query(&sql)
            .bind(org_id)
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

    async fn with_organizations(&self, mut apps: Vec<AppSummary>) -> StoreResult<Vec<AppSummary>> {
        if apps.is_empty() {
            return Ok(apps);
        }
        let rows = sqlx::query(
            "SELECT x.app, o.name FROM forward_app_orgs x
             JOIN organizations o ON o.id = x.org_id ORDER BY o.name",
        )
        .fetch_all(&mut *self.connection().await?)
        .await?;
        for row in &rows {
            let app: i64 = row.try_get("app")?;
            if let Some(a) = apps.iter_mut().find(|a| a.id == app) {
                a.organizations.push(row.try_get("name")?);
            }
        }
        Ok(apps)
    }
}

/// `IN_SCOPE` for statements on `forward_apps` itself (no alias), the scope in `$1`.
fn scoped_to_row() -> String {
    IN_SCOPE.replace("a.id", "forward_apps.id")
}
