//! OpenID Connect clients and their URIs.

use sqlx::Row;

use super::{Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::client::{ClientUri, NewClient, UriPurpose};
use crate::domain::jose::SigningAlg;

/// A client to store: its registration, its public identifier and its secret's keyed hash.
pub struct NewClientRow<'a> {
    pub client_id: &'a str,
    pub secret_hash: Option<&'a [u8]>,
    pub client: &'a NewClient,
}

/// A client as the console and the API show it (never its secret's hash).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClientSummary {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub public: bool,
    pub organization: Option<String>,
    pub id_token_alg: SigningAlg,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    /// Where people start it from their home page (none: not listed there).
    pub start_url: Option<String>,
    pub created_at: UnixTime,
    pub disabled: bool,
}

from_columns!(ClientSummary(row) {
    id,
    client_id,
    name,
    public = row.try_get::<Option<Vec<u8>>, _>("secret_hash")?.is_none(),
    organization,
    id_token_alg,
    redirect_uris = Vec::new(),
    post_logout_redirect_uris = Vec::new(),
    backchannel_logout_uri = None,
    start_url = None,
    created_at,
    disabled = row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
});

impl ClientSummary {
    fn add_uri(&mut self, purpose: UriPurpose, uri: String) {
        match purpose {
            UriPurpose::Redirect => self.redirect_uris.push(uri),
            UriPurpose::PostLogout => self.post_logout_redirect_uris.push(uri),
            UriPurpose::BackchannelLogout => self.backchannel_logout_uri = Some(uri),
            UriPurpose::Start => self.start_url = Some(uri),
        }
    }
}

/// Whether a client may be used: what disabling and enabling set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientStanding {
    Enabled,
    Disabled,
}

impl Store {
    /// Registers a client with its URIs and audit entry; returns its row id.
    pub async fn create_client(
        &self,
        row: NewClientRow<'_>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO oidc_clients (client_id, name, secret_hash, org_id, id_token_alg, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(row.client_id)
        .bind(&row.client.name)
        .bind(row.secret_hash)
        .bind(row.client.org_id)
        .bind(row.client.id_token_alg)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(StoreError::from_write)?
        .try_get("id")?;
        insert_uris(&mut tx, id, &row.client.uris).await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The clients within a scope (None: all), by name, with their URIs.
    pub async fn clients_in_scope(&self, org_id: Option<i64>) -> StoreResult<Vec<ClientSummary>> {
        self.scoped_clients(org_id, None).await
    }

    /// The client, if it is within the organization (None: any organization). A client
    /// outside the scope is NotFound, exactly like one that does not exist.
    pub async fn client_in_scope(
        &self,
        id: i64,
        org_id: Option<i64>,
    ) -> StoreResult<ClientSummary> {
        self.scoped_clients(org_id, Some(id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    async fn scoped_clients(
        &self,
        org_id: Option<i64>,
        id: Option<i64>,
    ) -> StoreResult<Vec<ClientSummary>> {
        let mut clients = sqlx::query_as::<_, ClientSummary>(
            "SELECT c.id, c.client_id, c.name, c.secret_hash, o.name AS organization,
                    c.id_token_alg, c.created_at, c.disabled_at
             FROM oidc_clients c LEFT JOIN organizations o ON o.id = c.org_id
             WHERE ($1 IS NULL OR c.org_id = $1) AND ($2 IS NULL OR c.id = $2)
             ORDER BY c.name, c.id",
        )
        .bind(org_id)
        .bind(id)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let uris = sqlx::query(
            "SELECT u.client, u.purpose, u.uri FROM oidc_client_uris u
             JOIN oidc_clients c ON c.id = u.client
             WHERE ($1 IS NULL OR c.org_id = $1) AND ($2 IS NULL OR c.id = $2) ORDER BY u.uri",
        )
        .bind(org_id)
        .bind(id)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        for row in &uris {
            let client: i64 = row.try_get("client")?;
            if let Some(c) = clients.iter_mut().find(|c| c.id == client) {
                c.add_uri(row.try_get("purpose")?, row.try_get("uri")?);
            }
        }
        Ok(clients)
    }

    /// Replaces every URI of a client within the scope (NotFound outside it), with its audit
    /// entry.
    pub async fn replace_client_uris(
        &self,
        id: i64,
        org_id: Option<i64>,
        uris: &[(UriPurpose, ClientUri)],
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // An update that changes nothing, for its row lock: a delete meanwhile waits for us
        // (PostgreSQL; SQLite's transaction holds the write lock from its start).
        let found = sqlx::query(
            "UPDATE oidc_clients SET name = name WHERE id = $1 AND ($2 IS NULL OR org_id = $2)",
        )
        .bind(id)
        .bind(org_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if found != 1 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM oidc_client_uris WHERE client = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        insert_uris(&mut tx, id, uris).await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a confidential client's secret hash: the old secret stops working with the
    /// commit. A public client (no secret) or one outside the scope is NotFound.
    pub async fn replace_client_secret(
        &self,
        id: i64,
        org_id: Option<i64>,
        secret_hash: &[u8],
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE oidc_clients SET secret_hash = $1
             WHERE id = $2 AND ($3 IS NULL OR org_id = $3) AND secret_hash IS NOT NULL",
        )
        .bind(secret_hash)
        .bind(id)
        .bind(org_id)
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

    /// Disables or enables a client within the scope (NotFound outside it). Disabling keeps
    /// the time it was first disabled.
    pub async fn set_client_standing(
        &self,
        id: i64,
        org_id: Option<i64>,
        standing: ClientStanding,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let set = match standing {
            ClientStanding::Disabled => "disabled_at = COALESCE(disabled_at, $3)",
            ClientStanding::Enabled => "disabled_at = NULL",
        };
        let mut tx = self.begin().await?;
        let sql =
            format!("UPDATE oidc_clients SET {set} WHERE id = $1 AND ($2 IS NULL OR org_id = $2)");
        let query = sqlx::query(&sql).bind(id).bind(org_id);
        let query = match standing {
            ClientStanding::Disabled => query.bind(now),
            ClientStanding::Enabled => query,
        };
        let changed = query.execute(&mut **tx).await?.rows_affected();
        if changed != 1 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a client within the scope (NotFound outside it); its URIs, and whatever else
    /// refers to it, go with it (ON DELETE CASCADE).
    pub async fn delete_client(
        &self,
        id: i64,
        org_id: Option<i64>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let removed =
            sqlx::query("DELETE FROM oidc_clients WHERE id = $1 AND ($2 IS NULL OR org_id = $2)")
                .bind(id)
                .bind(org_id)
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
}

async fn insert_uris(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    uris: &[(UriPurpose, ClientUri)],
) -> StoreResult<()> {
    for (purpose, uri) in uris {
        sqlx::query("INSERT INTO oidc_client_uris (client, purpose, uri) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(purpose.as_str())
            .bind(uri.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A client as the protocol endpoints need it: its registration, its secret's keyed hash
/// and every URI it registered.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub secret_hash: Option<Vec<u8>>,
    pub org_id: Option<i64>,
    pub id_token_alg: SigningAlg,
    pub disabled: bool,
    pub uris: Vec<(UriPurpose, String)>,
}

from_columns!(RegisteredClient(row) {
    id,
    client_id,
    name,
    secret_hash,
    org_id,
    id_token_alg,
    disabled = row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
    uris = Vec::new(),
});

impl RegisteredClient {
    /// Its URIs of one purpose, as registered.
    pub fn uris(&self, purpose: UriPurpose) -> Vec<String> {
        self.uris
            .iter()
            .filter(|(p, _)| *p == purpose)
            .map(|(_, u)| u.clone())
            .collect()
    }

    /// Public clients hold no secret (and must use PKCE).
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }
}

impl Store {
    /// The client registered under this public identifier, with its URIs.
    pub async fn registered_client(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<RegisteredClient>> {
        let Some(mut client) = sqlx::query_as::<_, RegisteredClient>(
            "SELECT id, client_id, name, secret_hash, org_id, id_token_alg, disabled_at
             FROM oidc_clients WHERE client_id = $1",
        )
        .bind(client_id)
        .fetch_optional(&mut *self.connection().await?)
        .await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query("SELECT purpose, uri FROM oidc_client_uris WHERE client = $1")
            .bind(client.id)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        for row in &rows {
            client
                .uris
                .push((row.try_get("purpose")?, row.try_get("uri")?));
        }
        Ok(Some(client))
    }
}
