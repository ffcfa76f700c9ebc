//! OpenID Connect sign-ins (issue 13): authorization requests waiting for their person,
//! grants (what one signed-in session gave one client) and their tokens. Every token is
//! kept as a keyed hash; a token is good only while its grant stands, its client is enabled
//! and the session it came from is live, so no token outlives the Tessera session.

use sqlx::{Any, FromRow, Row, Transaction};

use super::{Store, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::authorization::TokenKind;

/// A grant to record when a code is issued.
pub struct NewGrant<'a> {
    pub client: i64,
    pub account_id: i64,
    pub sid: &'a str,
    pub scopes: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: UnixTime,
    pub amr: &'a str,
}

/// A token to store.
pub struct NewToken<'a> {
    pub hash: &'a [u8],
    pub kind: TokenKind,
    /// None: when the session it came from ends (refresh tokens).
    pub expires_at: Option<UnixTime>,
    /// A code's redirect URI and PKCE challenge, checked at the exchange.
    pub redirect_uri: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
}

impl<'a> NewToken<'a> {
    pub fn new(hash: &'a [u8], kind: TokenKind, expires_at: Option<UnixTime>) -> Self {
        Self {
            hash,
            kind,
            expires_at,
            redirect_uri: None,
            code_challenge: None,
        }
    }
}

/// A grant as the token endpoint, userinfo and introspection read it.
#[derive(Debug, Clone)]
pub struct Grant {
    pub id: i64,
    pub client: i64,
    pub account_id: i64,
    pub sid: String,
    pub scopes: String,
    pub nonce: Option<String>,
    pub auth_time: UnixTime,
    pub amr: String,
    /// The token's own expiry (the token this grant was found by).
    pub expires_at: UnixTime,
    /// The session it came from ends at the latest then.
    pub session_expires_at: UnixTime,
}

from_columns!(Grant(row) {
    id = row.try_get("grant_id")?,
    client,
    account_id,
    sid,
    scopes,
    nonce,
    auth_time,
    amr,
    expires_at,
    session_expires_at,
});

/// What presenting a code or refresh token came to.
#[derive(Debug, Clone)]
pub enum Redeemed {
    /// Good and now used: its grant.
    Good(Box<Grant>),
    /// Used before: the grant is revoked now, with every token of it (RFC 6749 §4.1.2,
    /// OAuth 2.0 Security BCP §4.14.2).
    Reused,
    /// Unknown, expired, of another client, or its grant or session has ended.
    Invalid,
}

/// A code or refresh token presented by a client, and the tokens to store if it is good.
pub struct Presented<'a> {
    pub hash: &'a [u8],
    pub kind: TokenKind,
    pub client: i64,
    pub live: Liveness,
    pub replacements: &'a [NewToken<'a>],
}

/// The SQL that finds a token with its grant, alive: the token unexpired, the grant not
/// revoked, the client enabled, the session it came from live ($2 now, $3 idle cut-off).
const LIVE_TOKEN: &str = "SELECT g.id AS grant_id, g.client, g.account_id, g.sid, g.scopes, g.nonce, g.auth_time,
            g.amr, t.expires_at, t.used_at, t.redirect_uri, t.code_challenge, s.expires_at AS session_expires_at
     FROM oidc_tokens t
     JOIN oidc_grants g ON g.id = t.grant_id
     JOIN oidc_clients c ON c.id = g.client
     JOIN sessions s ON s.sid = g.sid AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.last_seen_at > $3
     JOIN accounts a ON a.id = g.account_id
     WHERE t.token_hash = $1 AND t.kind = $4 AND t.expires_at > $2 AND g.revoked_at IS NULL
       AND c.disabled_at IS NULL AND a.disabled_at IS NULL AND a.locked_at IS NULL";

/// The moment that decides liveness: now, and the idle cut-off of sessions (the SQL form of
/// `SessionTimes::is_live`).
#[derive(Debug, Clone, Copy)]
pub struct Liveness {
    pub now: UnixTime,
    pub idle_since: UnixTime,
}

impl Liveness {
    pub fn at(now: UnixTime, policy: &crate::domain::policy::Policy) -> Self {
        Self {
            now,
            idle_since: now - policy.session_idle_secs,
        }
    }
}

impl Store {
    /// Keeps an authorization request until its person has signed in.
    pub async fn save_authorization_request(
        &self,
        id_hash: &[u8],
        client: i64,
        request: &str,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO oidc_requests (id_hash, client, request, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(client)
        .bind(request)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    /// A waiting request: its client's public identifier and the request.
    pub async fn authorization_request(
        &self,
        id_hash: &[u8],
        now: UnixTime,
    ) -> StoreResult<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT c.client_id, r.request FROM oidc_requests r
             JOIN oidc_clients c ON c.id = r.client
             WHERE r.id_hash = $1 AND r.expires_at > $2",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        row.map(|r| Ok((r.try_get("client_id")?, r.try_get("request")?)))
            .transpose()
    }

    pub async fn forget_authorization_request(&self, id_hash: &[u8]) -> StoreResult<()> {
        sqlx::query("DELETE FROM oidc_requests WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// Issues a code: the grant and the code, in one transaction with the audit entry; the
    /// waiting request (if any) is used up.
    pub async fn issue_authorization_code(
        &self,
        grant: NewGrant<'_>,
        code: NewToken<'_>,
        request_hash: Option<&[u8]>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let grant_id: i64 = sqlx::query(
            "INSERT INTO oidc_grants (client, account_id, sid, scopes, nonce, auth_time, amr, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(grant.client)
        .bind(grant.account_id)
        .bind(grant.sid)
        .bind(grant.scopes)
        .bind(grant.nonce)
        .bind(grant.auth_time)
        .bind(grant.amr)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        insert_token(&mut tx, grant_id, &code, now).await?;
        if let Some(hash) = request_hash {
            sqlx::query("DELETE FROM oidc_requests WHERE id_hash = $1")
                .bind(hash)
                .execute(&mut **tx)
                .await?;
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a code or refresh token of `client` once: a good one is marked used and the
    /// tokens that replace it are stored in the same transaction; one used before revokes
    /// its grant (and is audited).
    pub async fn redeem(
        &self,
        presented: Presented<'_>,
        bound: impl FnOnce(Option<&str>, Option<&str>) -> bool,
        reuse_audit: impl FnOnce(i64) -> AuditEvent,
    ) -> StoreResult<Redeemed> {
        let Presented {
            hash,
            kind,
            client,
            live,
            replacements,
        } = presented;
        let mut tx = self.begin().await?;
        let row = sqlx::query(LIVE_TOKEN)
            .bind(hash)
            .bind(live.now)
            .bind(live.idle_since)
            .bind(kind.as_str())
            .fetch_optional(&mut **tx)
            .await?;
        let Some(row) = row.filter(|r| r.try_get::<i64, _>("client").ok() == Some(client)) else {
            return Ok(Redeemed::Invalid);
        };
        let grant = Grant::from_row(&row)?;
        let claimed = sqlx::query(
            "UPDATE oidc_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(live.now)
        .bind(hash)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            revoke_grant(&mut tx, grant.id, live.now).await?;
            append(
                &mut tx,
                &self.chain,
                live.now,
                &reuse_audit(grant.account_id),
            )
            .await?;
            tx.commit().await?;
            return Ok(Redeemed::Reused);
        }
        let redirect_uri: Option<String> = row.try_get("redirect_uri")?;
        let challenge: Option<String> = row.try_get("code_challenge")?;
        if !bound(redirect_uri.as_deref(), challenge.as_deref()) {
            // Used up all the same: a code is tried once (RFC 6749 §4.1.2).
            tx.commit().await?;
            return Ok(Redeemed::Invalid);
        }
        for token in replacements {
            let token = NewToken {
                expires_at: token.expires_at.or(Some(grant.session_expires_at)),
                ..*token
            };
            insert_token(&mut tx, grant.id, &token, live.now).await?;
        }
        if kind == TokenKind::Refresh {
            // A refresh is the person still at work in the application: the Tessera session
            // stays alive with it (its absolute end still holds).
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1 WHERE sid = $2 AND revoked_at IS NULL",
            )
            .bind(live.now)
            .bind(&grant.sid)
            .execute(&mut **tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Redeemed::Good(Box::new(grant)))
    }

    /// The live grant of an access or refresh token (userinfo, introspection).
    pub async fn token_grant(
        &self,
        hash: &[u8],
        kind: TokenKind,
        live: Liveness,
    ) -> StoreResult<Option<Grant>> {
        let row = sqlx::query(&format!("{LIVE_TOKEN} AND t.used_at IS NULL"))
            .bind(hash)
            .bind(live.now)
            .bind(live.idle_since)
            .bind(kind.as_str())
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(row.as_ref().map(Grant::from_row).transpose()?)
    }

    /// RFC 7009: a refresh token revokes its whole grant, an access token only itself.
    /// Tokens of other clients, and unknown ones, change nothing.
    pub async fn revoke_token(
        &self,
        hash: &[u8],
        client: i64,
        now: UnixTime,
        audit: impl FnOnce(i64, TokenKind) -> AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT t.kind, g.id, g.account_id FROM oidc_tokens t JOIN oidc_grants g ON g.id = t.grant_id
             WHERE t.token_hash = $1 AND g.client = $2 AND g.revoked_at IS NULL",
        )
        .bind(hash)
        .bind(client)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let kind: TokenKind = row.try_get("kind")?;
        match kind {
            TokenKind::Refresh => revoke_grant(&mut tx, row.try_get("id")?, now).await?,
            _ => {
                sqlx::query("DELETE FROM oidc_tokens WHERE token_hash = $1")
                    .bind(hash)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        append(
            &mut tx,
            &self.chain,
            now,
            &audit(row.try_get("account_id")?, kind),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

async fn insert_token(
    tx: &mut Transaction<'static, Any>,
    grant_id: i64,
    token: &NewToken<'_>,
    now: UnixTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO oidc_tokens (token_hash, grant_id, kind, redirect_uri, code_challenge, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token.hash)
    .bind(grant_id)
    .bind(token.kind.as_str())
    .bind(token.redirect_uri)
    .bind(token.code_challenge)
    .bind(now)
    .bind(token.expires_at.unwrap_or(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends a grant: none of its tokens works any more.
async fn revoke_grant(
    tx: &mut Transaction<'static, Any>,
    grant_id: i64,
    now: UnixTime,
) -> StoreResult<()> {
    sqlx::query("UPDATE oidc_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(grant_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
