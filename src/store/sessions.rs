//! Server-side sessions, found by the keyed hash of the cookie's value.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use sqlx::{Any, FromRow, Row, Transaction};

use super::accounts::ACCOUNT_COLUMNS;
use super::{Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::account::{Account, AccountStatus};
use crate::domain::factor::{
    AllowedFactors, FactorFacts, FactorKind, FactorSet, PasskeyRequirement,
};
use crate::domain::session::{Proofs, SessionStage, SessionTimes};

#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: Vec<u8>,
    pub account_id: Option<i64>,
    pub stage: SessionStage,
    pub times: SessionTimes,
    pub code_sent_at: Option<UnixTime>,
    /// When the second factor last passed in this session (sign-in or step-up).
    pub factor_verified_at: Option<UnixTime>,
    /// How it proved its person so far.
    pub proofs: Proofs,
    /// A signed-in session's stable identifier (kept through step-up), as applications see it.
    pub sid: Option<String>,
    /// When a step-up last passed in it (not the sign-in's factor).
    pub reverified_at: Option<UnixTime>,
}

/// A sign-in whose password proved right (`Store::accept_password`).
pub struct PasswordSignIn<'a> {
    /// The session the browser brought, revoked (a new identifier at every stage).
    pub previous: Option<&'a [u8]>,
    pub id_hash: &'a [u8],
    pub account_id: i64,
    pub stage: SessionStage,
    pub times: SessionTimes,
    pub claims: &'a [super::Claim],
}

/// A session as the access rule reads it (`Store::session_standing`).
#[derive(Debug, Clone)]
pub struct SessionStanding {
    pub session: Session,
    pub account: Option<Account>,
    pub terms_accepted: bool,
    /// The second factors the account's organization allows.
    pub allowed: AllowedFactors,
    /// The kinds of factor the account holds.
    pub held: FactorSet,
    /// Whom the account's organization requires a passkey of.
    pub require_passkey: PasskeyRequirement,
    /// The account's organization's name (forward authentication's `Remote-Groups`).
    pub organization: Option<String>,
    /// The code the session waits for, if one was sent and is neither used nor replaced.
    pub live_code: Option<super::LiveCode>,
}

/// A new password set by Forgot your password, with what the flow decided it leads to.
pub struct NewPasswordChange<'a> {
    pub session_hash: &'a [u8],
    pub new_session_hash: &'a [u8],
    /// The account as the decision saw it.
    pub account: &'a Account,
    pub password_hash: &'a str,
    /// The failure counters a proved recovery clears.
    pub throttle_keys: &'a [Vec<u8>],
    /// The new session's stage.
    pub next: SessionStage,
    /// The account's status afterwards.
    pub status: AccountStatus,
}

pub(super) async fn insert(
    tx: &mut Transaction<'static, Any>,
    id_hash: &[u8],
    account_id: Option<i64>,
    stage: SessionStage,
    times: SessionTimes,
    carried: Carried,
) -> StoreResult<()> {
    // Every transition that makes a session passes here: none is made for an account an
    // administrator disabled or locked, whatever the journey (sign-in, a registration link,
    // a code, a new password). Only the first step of a recovery, which has proved nothing
    // yet and must look the same for every address, is exempt.
    // One statement: the insert happens only when the account is not barred (issue 18).
    let checks_bar = account_id.is_some() && stage != SessionStage::Recovery;
    // An authenticated session exists only once the second factor passed: it starts fresh.
    let signed_in = stage == SessionStage::Authenticated;
    let verified_at = signed_in.then_some(times.last_seen_at);
    // A new sign-in's identifier for applications, derived from (never revealing) the
    // cookie's keyed hash; a step-up keeps the one it had.
    let sid = carried
        .sid
        .or_else(|| signed_in.then(|| URL_SAFE_NO_PAD.encode(&Sha256::digest(id_hash)[..16])));
    let inserted = sqlx::query(
        "INSERT INTO sessions (id_hash, account_id, stage, created_at, last_seen_at, expires_at, factor_verified_at, amr, sid, reverified_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
          WHERE $11 = 0 OR NOT EXISTS (SELECT 1 FROM accounts WHERE id = $2
                                        AND (disabled_at IS NOT NULL OR locked_at IS NOT NULL))",
    )
    .bind(id_hash)
    .bind(account_id)
    .bind(stage.as_str())
    .bind(times.created_at)
    .bind(times.last_seen_at)
    .bind(times.expires_at)
    .bind(verified_at)
    .bind(carried.proofs.to_text())
    .bind(sid)
    .bind(carried.reverified_at)
    .bind(i64::from(checks_bar))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::Barred);
    }
    Ok(())
}

/// What a new session takes over from the one it follows: the proofs so far and, at a
/// step-up, the signed-in session's identifier.
#[derive(Debug, Clone, Default)]
pub(super) struct Carried {
    pub proofs: Proofs,
    pub sid: Option<String>,
    /// Set by a step-up only: never carried further.
    pub reverified_at: Option<UnixTime>,
}

impl Carried {
    /// A fresh start that has proved these.
    pub fn proved(proofs: Proofs) -> Self {
        Self {
            proofs,
            ..Self::default()
        }
    }
}

/// What the session `id_hash` has proved, and its identifier, to carry to the next.
pub(super) async fn carried_from(
    tx: &mut Transaction<'static, Any>,
    id_hash: &[u8],
) -> StoreResult<Carried> {
    let row = sqlx::query("SELECT amr, sid FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        Some(row) => Carried {
            proofs: Proofs::parse(&row.try_get::<String, _>("amr")?),
            sid: row.try_get("sid")?,
            reverified_at: None,
        },
        None => Carried::default(),
    })
}

/// Ends a live session as a second step passed in it, returning what it proved and what its
/// account is and holds, read by the same statement (issue 18); none if it had ended
/// already: nothing then goes on from it.
pub(super) async fn revoke_passing(
    tx: &mut Transaction<'static, Any>,
    id_hash: &[u8],
    now: UnixTime,
) -> StoreResult<Option<(Carried, FactorFacts)>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "UPDATE sessions SET revoked_at = $1 WHERE id_hash = $2 AND revoked_at IS NULL
             RETURNING amr, sid,
                 (SELECT a.status FROM accounts a WHERE a.id = sessions.account_id) AS status, {held}",
            held = super::factors::held_columns_of("sessions.account_id")
        )
    });
    let row = sqlx::query(&SQL)
        .bind(now)
        .bind(id_hash)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let carried = Carried {
        proofs: Proofs::parse(&row.try_get::<String, _>("amr")?),
        sid: row.try_get("sid")?,
        reverified_at: None,
    };
    let held = super::factors::held_from(&row)?;
    let facts = FactorFacts {
        status: row
            .try_get::<Option<AccountStatus>, _>("status")?
            .ok_or_else(|| StoreError::Corrupt("a second step without an account".into()))?,
        has_other: !held.with(FactorKind::Email, false).is_empty(),
    };
    Ok(Some((carried, facts)))
}

/// Ends a session (if the browser had one) as a new one replaces it.
pub(super) async fn revoke(
    tx: &mut Transaction<'static, Any>,
    id_hash: &[u8],
    now: UnixTime,
) -> StoreResult<u64> {
    Ok(
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE id_hash = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id_hash)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
    )
}

/// The session's columns, read by `Session::from_row` (its `created_at` renamed, so a
/// query may join the account's own).
const SESSION_COLUMNS: &str = "s.id_hash, s.account_id, s.stage, s.created_at AS session_created_at, \
     s.last_seen_at, s.expires_at, s.code_sent_at, s.factor_verified_at, s.amr, s.sid, s.reverified_at";

from_columns!(Session(row) {
    id_hash,
    account_id,
    stage,
    times = SessionTimes {
        created_at: row.try_get("session_created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
    },
    code_sent_at,
    factor_verified_at,
    proofs = Proofs::parse(&row.try_get::<String, _>("amr")?),
    sid,
    reverified_at,
});

impl Store {
    /// The session with this identifier hash, unless revoked. Whether it is still live by
    /// the clock is the caller's rule to apply.
    pub async fn session(&self, id_hash: &[u8]) -> StoreResult<Option<Session>> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.id_hash = $1 AND s.revoked_at IS NULL"
            )
        });
        let row = sqlx::query(&SQL)
            .bind(id_hash)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(row.as_ref().map(Session::from_row).transpose()?)
    }

    /// The session with what the access rule needs of it, in one query (every request to a
    /// guarded route asks this): its account if it has one, whether that account accepted
    /// the current Terms of Use, and which factors its organization allows.
    pub async fn session_standing(&self, id_hash: &[u8]) -> StoreResult<Option<SessionStanding>> {
        // One row per kind the organization allows (or one with none): the session and
        // account columns repeat, the kinds are gathered.
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {SESSION_COLUMNS}, {ACCOUNT_COLUMNS}, CAST(CASE WHEN EXISTS (
                     SELECT 1 FROM terms_acceptances t
                     WHERE t.account_id = a.id AND t.version = (SELECT MAX(version) FROM terms_versions)
                 ) THEN 1 ELSE 0 END AS BIGINT) AS terms_accepted, o.kind AS allowed_kind, {held},
                 r.require_passkey, r.name AS organization, {code}
                 FROM sessions s LEFT JOIN accounts a ON a.id = s.account_id
                 LEFT JOIN organizations r ON r.id = a.org_id
                 LEFT JOIN organization_factors o ON o.org_id = a.org_id
                 {code_join}
                 WHERE s.id_hash = $1 AND s.revoked_at IS NULL",
                held = super::factors::HELD_COLUMNS.as_str(),
                code = super::codes::LIVE_CODE_COLUMNS,
                code_join = super::codes::LIVE_CODE_JOIN,
            )
        });
        let rows = sqlx::query(&SQL)
            .bind(id_hash)
            .fetch_all(&mut *self.connection().await?)
            .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let session = Session::from_row(row)?;
        let account = match session.account_id {
            Some(_) => Some(Account::from_row(row)?),
            None => None,
        };
        let allowed = match &account {
            Some(Account {
                org_id: Some(_), ..
            }) => super::factors::kinds_of(rows.iter().map(|r| r.try_get("allowed_kind")))?,
            _ => AllowedFactors::all(),
        };
        Ok(Some(SessionStanding {
            session,
            account,
            terms_accepted: row.try_get::<i64, _>("terms_accepted")? == 1,
            allowed,
            held: super::factors::held_from(row)?,
            require_passkey: row
                .try_get::<Option<PasskeyRequirement>, _>("require_passkey")?
                .unwrap_or(PasskeyRequirement::Off),
            organization: row.try_get("organization")?,
            live_code: super::codes::live_code_from(row)?,
        }))
    }

    pub async fn touch_session(&self, id_hash: &[u8], now: UnixTime) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// Sign out: the session is revoked server-side, whatever the browser keeps.
    pub async fn end_session(
        &self,
        id_hash: &[u8],
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        if revoke(&mut tx, id_hash, now).await? == 0 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a session at `stage` (the second factor after a right password, or password
    /// recovery); any session the browser brought is revoked (a new identifier at every
    /// privilege change, ASVS 7.2.4).
    pub async fn start_session(
        &self,
        previous: Option<&[u8]>,
        id_hash: &[u8],
        account_id: Option<i64>,
        stage: SessionStage,
        times: SessionTimes,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        if let Some(previous) = previous {
            revoke(&mut tx, previous, times.created_at).await?;
        }
        insert(
            &mut tx,
            id_hash,
            account_id,
            stage,
            times,
            Carried::default(),
        )
        .await?;
        append(&mut tx, &self.chain, times.created_at, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A right password: the tries it claimed are given back and its session starts, in one
    /// transaction; refused (returning until when) if wrong passwords that arrived meanwhile
    /// locked a counter (the lock-out is checked again where the session advances).
    pub async fn accept_password(
        &self,
        sign_in: PasswordSignIn<'_>,
        audit: AuditEvent,
    ) -> StoreResult<Result<(), UnixTime>> {
        let now = sign_in.times.created_at;
        let mut tx = self.begin().await?;
        if let Some(until) = super::throttle::release(&mut tx, sign_in.claims, now).await? {
            tx.rollback().await?;
            return Ok(Err(until));
        }
        if let Some(previous) = sign_in.previous {
            revoke(&mut tx, previous, now).await?;
        }
        insert(
            &mut tx,
            sign_in.id_hash,
            Some(sign_in.account_id),
            sign_in.stage,
            sign_in.times,
            Carried::proved(Proofs::PASSWORD),
        )
        .await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Sets a new password after recovery: every session of the account ends (ASVS 7.4.3)
    /// and the browser gets a new one at the stage the flow decided. The account must still
    /// be as the decision saw it (status and chosen factor), else Conflict and nothing
    /// changes.
    pub async fn reset_password(
        &self,
        change: NewPasswordChange<'_>,
        now: UnixTime,
        policy: &crate::domain::policy::Policy,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let NewPasswordChange {
            session_hash,
            new_session_hash,
            account,
            password_hash,
            throttle_keys,
            next,
            status,
        } = change;
        let mut tx = self.begin().await?;
        // The recovery's codes, and now the new password.
        let proofs = carried_from(&mut tx, session_hash)
            .await?
            .proofs
            .and_password();
        let ended = sqlx::query(
            "UPDATE sessions SET revoked_at = $1
             WHERE id_hash = $2 AND account_id = $3 AND stage = $4 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(session_hash)
        .bind(account.id)
        .bind(SessionStage::PasswordReset.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if ended != 1 {
            return Err(StoreError::NotFound);
        }
        let others = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(account.id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        let changed = sqlx::query(
            "UPDATE accounts SET password_hash = $1, last_sign_in_at = $2, status = $3
             WHERE id = $4 AND status = $5 AND COALESCE(mfa_method, '') = $6",
        )
        .bind(password_hash)
        .bind(now)
        .bind(status.as_str())
        .bind(account.id)
        .bind(account.status.as_str())
        .bind(account.mfa_method.map_or("", FactorKind::as_str))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(StoreError::Conflict);
        }
        for key in throttle_keys {
            super::throttle::clear_in(&mut tx, key).await?;
        }
        insert(
            &mut tx,
            new_session_hash,
            Some(account.id),
            next,
            SessionTimes::new(now, policy, None),
            Carried::proved(proofs),
        )
        .await?;
        append(
            &mut tx,
            &self.chain,
            now,
            &audit
                .with("other_sessions_ended", others as i64)
                .with("next", next.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts one request against a limit per period (e.g. recovery emails per address per
    /// hour); false when the limit is already reached. Held in the database, so all nodes
    /// share it.
    pub async fn allow_request(
        &self,
        scope: &str,
        key_hash: &[u8],
        period: i64,
        limit: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if count_request(&mut tx, scope, key_hash, period).await? > limit {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// One more request of `scope` for `key_hash` in `period`, counted by an upsert (exact
/// across nodes); returns the count with this one.
pub(super) async fn count_request(
    tx: &mut Transaction<'static, Any>,
    scope: &str,
    key_hash: &[u8],
    period: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO delivery_counters (scope, key_hash, day, sends) VALUES ($1, $2, $3, 1)
         ON CONFLICT (scope, key_hash, day) DO UPDATE SET sends = delivery_counters.sends + 1
         RETURNING sends",
    )
    .bind(scope)
    .bind(key_hash)
    .bind(period)
    .fetch_one(&mut **tx)
    .await?
    .try_get("sends")?)
}

/// A live signed-in session, as its owner sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionInfo {
    /// A short reference (the start of the identifier's keyed hash); not the identifier.
    pub reference: String,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub expires_at: UnixTime,
    /// The applications (OpenID Connect clients) it signed into whose tokens still stand:
    /// ending the session ends them.
    pub applications: Vec<String>,
}

impl Store {
    /// The account's signed-in sessions that have not been revoked, newest first.
    pub async fn signed_in_sessions(
        &self,
        account_id: i64,
    ) -> StoreResult<Vec<(Vec<u8>, SessionInfo)>> {
        let rows = sqlx::query(
            "SELECT id_hash, sid, created_at, last_seen_at, expires_at FROM sessions
             WHERE account_id = $1 AND stage = $2 AND revoked_at IS NULL
             ORDER BY created_at DESC",
        )
        .bind(account_id)
        .bind(SessionStage::Authenticated.as_str())
        .fetch_all(&mut *self.connection().await?)
        .await?;
        let granted = sqlx::query(
            "SELECT DISTINCT g.sid, c.name FROM oidc_grants g JOIN oidc_clients c ON c.id = g.client
             WHERE g.account_id = $1 AND g.revoked_at IS NULL AND g.ended_at IS NULL
             ORDER BY c.name",
        )
        .bind(account_id)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| {
                let hash: Vec<u8> = r.try_get("id_hash")?;
                let sid: Option<String> = r.try_get("sid")?;
                let mut applications = Vec::new();
                for g in &granted {
                    if sid.as_deref() == Some(g.try_get::<String, _>("sid")?.as_str()) {
                        applications.push(g.try_get("name")?);
                    }
                }
                let info = SessionInfo {
                    reference: hex::encode(&hash[..hash.len().min(8)]),
                    created_at: r.try_get("created_at")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    expires_at: r.try_get("expires_at")?,
                    applications,
                };
                Ok((hash, info))
            })
            .collect()
    }

    /// Ends the account's sessions, all or all but `keep`; returns how many ended.
    pub async fn end_sessions_of(
        &self,
        account_id: i64,
        keep: Option<&[u8]>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let ended = sqlx::query(
            "UPDATE sessions SET revoked_at = $1
             WHERE account_id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR id_hash <> $3)",
        )
        .bind(now)
        .bind(account_id)
        .bind(keep)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        append(
            &mut tx,
            &self.chain,
            now,
            &audit.with("sessions_ended", ended as i64),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }
}
