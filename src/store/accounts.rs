//! Organizations, accounts and their registration links.

use sqlx::{Any, FromRow, Row, Transaction};

use super::mail_queue::{INSERT_BATCH, NewLetter, insert_letter, insert_letters_of_new_accounts};
use super::{Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::account::{Account, AccountStatus, NewAccount, Role};
use crate::domain::email::Email;
use crate::domain::factor::{AllowedFactors, FactorKind, FactorSet};
use crate::domain::name::DisplayName;
use crate::domain::session::{SessionStage, SessionTimes};
use crate::domain::throttle::Throttle;

/// Whom a registration link registers: an invited account, or (the first-run link) a system
/// administrator who types their own name and email.
#[derive(Debug, Clone)]
pub enum InvitationTarget {
    Account(Account),
    FirstAdministrator,
}

/// Who completes a registration: an invited (or imported) account, or the first system
/// administrator, whose account the registration creates.
#[derive(Debug, Clone, Copy)]
pub enum Registrant<'a> {
    Invited(i64),
    FirstAdministrator(&'a NewAccount),
}

/// What the registration page gives.
pub struct Registration<'a> {
    pub session_hash: &'a [u8],
    pub registrant: Registrant<'a>,
    pub password_hash: &'a str,
    pub display_name: &'a DisplayName,
    pub method: FactorKind,
}

/// Why a registration link did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    Unknown,
    Expired,
    Used,
    /// A newer link for the same account replaced it.
    Replaced,
    /// The account was set up without it (a staff member's first sign-in through the
    /// company's provider), so it was void.
    Settled,
}

/// An account's columns, from `accounts a`; the phone number is its phone factor's (sealed)
/// secret.
/// What a password sign-in reads first (`Store::sign_in_lookup`).
#[derive(Debug, Clone)]
pub struct SignInLookup {
    /// The enabled provider of the address's staff domain: (id, name).
    pub staff_provider: Option<(i64, String)>,
    pub candidate: Option<SignInCandidate>,
    /// The failure counters asked for, in their order, as they stood.
    pub counters: Vec<Throttle>,
}

/// An account as a password sign-in reads it (`Store::sign_in_lookup`).
#[derive(Debug, Clone)]
pub struct SignInCandidate {
    pub account: Account,
    /// None for an account that never set one (invited, or signing in only through its
    /// organization's identity provider).
    pub password_hash: Option<String>,
    /// The second factors its organization allows.
    pub allowed: AllowedFactors,
    /// The kinds of factor it holds.
    pub held: FactorSet,
}

pub(super) const ACCOUNT_COLUMNS: &str = "a.id, a.email, a.display_name, a.org_id, a.role, a.status, a.mfa_method, \
     (SELECT f.secret FROM account_factors f WHERE f.account_id = a.id AND f.kind = 'phone' LIMIT 1) AS phone_secret, \
     a.created_at, a.disabled_at, a.locked_at, a.language";

from_columns!(Account(row) {
    id,
    email,
    display_name,
    org_id,
    role,
    status,
    mfa_method,
    phone = row.try_get("phone_secret")?,
    disabled = row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
    locked = row.try_get::<Option<i64>, _>("locked_at")?.is_some(),
    created_at,
    language,
});

impl Store {
    /// Records the language a person picked (not a security event: no audit).
    pub async fn set_language(
        &self,
        account_id: i64,
        language: crate::i18n::Language,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE accounts SET language = $1 WHERE id = $2")
            .bind(language)
            .bind(account_id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    pub async fn create_org(
        &self,
        name: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO organizations (name, created_at) VALUES ($1, $2) RETURNING id",
        )
        .bind(name)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(StoreError::from_write)?
        .try_get("id")?;
        super::factors::allow_kinds(&mut tx, id, AllowedFactors::all()).await?;
        append(
            &mut tx,
            &self.chain,
            now,
            &audit.with("organization_id", id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn org_by_name(&self, name: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT id FROM organizations WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    /// Creates an invited account, its registration link and the queued letter that carries
    /// it, together or not at all.
    pub async fn invite(
        &self,
        account: &NewAccount,
        link_hash: &[u8],
        expires_at: UnixTime,
        now: UnixTime,
        audit: AuditEvent,
        letter: &NewLetter,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id = insert_invited(&mut tx, account, now).await?;
        insert_link(&mut tx, link_hash, Some(id), "invitation", now, expires_at).await?;
        insert_letter(&mut tx, letter, Some(id), now).await?;
        append(&mut tx, &self.chain, now, &audit.with("account_id", id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates many invited accounts with their links and queued letters in one transaction
    /// (bulk create): all or nothing. The rows go in multi-row INSERTs of `INSERT_BATCH`
    /// (accounts, then their links, then their letters); the accounts' ids come back with
    /// their addresses (`RETURNING id, email`), which are unique. Returns the ids in the
    /// order of `accounts`.
    pub async fn invite_many(
        &self,
        accounts: &[(NewAccount, Vec<u8>, NewLetter)],
        expires_at: UnixTime,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(accounts.len());
        for chunk in accounts.chunks(INSERT_BATCH) {
            let chunk_ids = insert_invited_batch(&mut tx, chunk, now).await?;
            insert_links_batch(&mut tx, chunk, &chunk_ids, now, expires_at).await?;
            let letters: Vec<(&NewLetter, i64)> = chunk
                .iter()
                .zip(&chunk_ids)
                .map(|((_, _, letter), id)| (letter, *id))
                .collect();
            insert_letters_of_new_accounts(&mut tx, &letters, now).await?;
            ids.extend(chunk_ids);
        }
        append(
            &mut tx,
            &self.chain,
            now,
            &audit.with("accounts", ids.len() as i64),
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Issues a new link for an account (or the first-run link when `account_id` is None);
    /// every older unused link of the same account stops working. `letter`, the queued mail
    /// that carries it (None: the caller sends it while the person waits).
    pub async fn reissue_link(
        &self,
        account_id: Option<i64>,
        link_hash: &[u8],
        expires_at: UnixTime,
        now: UnixTime,
        audit: AuditEvent,
        letter: Option<&NewLetter>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let voided = match account_id {
            Some(id) => sqlx::query(
                "UPDATE registration_links SET voided_at = $1
                 WHERE account_id = $2 AND used_at IS NULL AND voided_at IS NULL",
            )
            .bind(now)
            .bind(id),
            None => sqlx::query(
                "UPDATE registration_links SET voided_at = $1
                 WHERE account_id IS NULL AND used_at IS NULL AND voided_at IS NULL",
            )
            .bind(now),
        }
        .execute(&mut **tx)
        .await?
        .rows_affected();
        let purpose = if account_id.is_some() {
            "invitation"
        } else {
            "first-administrator"
        };
        insert_link(&mut tx, link_hash, account_id, purpose, now, expires_at).await?;
        if let Some(letter) = letter {
            insert_letter(&mut tx, letter, account_id, now).await?;
        }
        append(
            &mut tx,
            &self.chain,
            now,
            &audit.with("older_links_voided", voided as i64),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Exchanges a link for a registration session (or, for an account that already set its
    /// password, one at the factor step: `SessionStage::after_registration_link`): the link
    /// is used up and the session is created in one step, so the link works exactly once.
    pub async fn open_link(
        &self,
        link_hash: &[u8],
        session_hash: &[u8],
        now: UnixTime,
        policy: &crate::domain::policy::Policy,
        audit: impl FnOnce(&InvitationTarget) -> AuditEvent,
    ) -> StoreResult<Result<InvitationTarget, LinkRefusal>> {
        let mut tx = self.begin().await?;
        let opened = sqlx::query(
            "UPDATE registration_links SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND voided_at IS NULL AND expires_at > $1
             RETURNING account_id, expires_at",
        )
        .bind(now)
        .bind(link_hash)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(opened) = opened else {
            let refusal = link_refusal(&mut tx, link_hash, now).await?;
            tx.rollback().await?;
            return Ok(Err(refusal));
        };
        let account_id: Option<i64> = opened.try_get("account_id")?;
        let expires_at: i64 = opened.try_get("expires_at")?;
        let target = match account_id {
            Some(id) => {
                let row = sqlx::query(&format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE id = $1"
                ))
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
                InvitationTarget::Account(Account::from_row(&row)?)
            }
            None => InvitationTarget::FirstAdministrator,
        };
        let times = SessionTimes::new(now, policy, Some(expires_at));
        let status = match &target {
            InvitationTarget::Account(a) => Some(a.status),
            InvitationTarget::FirstAdministrator => None,
        };
        super::sessions::insert(
            &mut tx,
            session_hash,
            account_id,
            SessionStage::after_registration_link(status),
            times,
            super::sessions::Carried::default(),
        )
        .await?;
        append(&mut tx, &self.chain, now, &audit(&target)).await?;
        tx.commit().await?;
        Ok(Ok(target))
    }

    pub async fn account_by_email(
        &self,
        email: &Email,
    ) -> StoreResult<Option<(Account, Option<String>)>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS}, a.password_hash FROM accounts a WHERE email = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        row.map(|r| Ok((Account::from_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    /// What a password sign-in needs to know before it compares anything, in one read (issue
    /// 18): the enabled identity provider of `staff_domain` (staff sign in there), the
    /// account `email` names with its password hash, what its organization allows and what
    /// it holds, and the failure counters `counters` as they stand (the claim's first read).
    pub async fn sign_in_lookup(
        &self,
        email: &Email,
        staff_domain: Option<&str>,
        counters: &[Vec<u8>],
    ) -> StoreResult<SignInLookup> {
        // One row at least (`q`), so the provider and counters are read with or without an
        // account.
        let counter_columns: String = (0..counters.len())
            .map(|i| {
                let key = 3 + i;
                format!(
                    ", (SELECT t.failures FROM sign_in_throttle t WHERE t.key_hash = ${key}) AS failures_{i},
                     (SELECT t.locked_until FROM sign_in_throttle t WHERE t.key_hash = ${key}) AS locked_until_{i}"
                )
            })
            .collect();
        let sql = format!(
            "SELECT p.id AS provider_id, p.name AS provider_name,
                    {ACCOUNT_COLUMNS}, a.password_hash, o.kind, {held}{counter_columns}
             FROM (SELECT 1 AS one) q
             LEFT JOIN accounts a ON a.email = $1
             LEFT JOIN organization_factors o ON o.org_id = a.org_id
             LEFT JOIN identity_provider_domains d ON d.domain = $2
             LEFT JOIN identity_providers p ON p.id = d.provider AND p.disabled_at IS NULL",
            held = super::factors::HELD_COLUMNS.as_str()
        );
        let mut query = sqlx::query(&sql).bind(email.as_str()).bind(staff_domain);
        for key in counters {
            query = query.bind(key.as_slice());
        }
        let rows = query.fetch_all(&mut *self.connection().await?).await?;
        let first = rows
            .first()
            .ok_or_else(|| StoreError::Corrupt("a sign-in lookup without its row".into()))?;
        let mut counted = Vec::with_capacity(counters.len());
        for i in 0..counters.len() {
            counted.push(Throttle {
                failures: first
                    .try_get::<Option<i64>, _>(format!("failures_{i}").as_str())?
                    .unwrap_or(0),
                locked_until: first.try_get(format!("locked_until_{i}").as_str())?,
            });
        }
        let staff_provider = match first.try_get::<Option<i64>, _>("provider_id")? {
            Some(id) => Some((id, first.try_get("provider_name")?)),
            None => None,
        };
        let candidate = match first.try_get::<Option<i64>, _>("id")? {
            Some(_) => {
                let (allowed, held) = super::factors::standing_from(&rows)?
                    .ok_or_else(|| StoreError::Corrupt("an account without its row".into()))?;
                Some(SignInCandidate {
                    account: Account::from_row(first)?,
                    password_hash: first.try_get("password_hash")?,
                    allowed,
                    held,
                })
            }
            None => None,
        };
        Ok(SignInLookup {
            staff_provider,
            candidate,
            counters: counted,
        })
    }

    pub async fn account_by_id(&self, id: i64) -> StoreResult<Account> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.connection().await?)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(Account::from_row(&row)?)
    }

    /// Replaces a password hash after a sign-in verified it: an imported or older hash becomes
    /// Argon2id with the current parameters.
    pub async fn replace_password_hash(
        &self,
        account_id: i64,
        hash: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(account_id)
            .execute(&mut **tx)
            .await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Up to `limit` stored hashes of current portal users not yet signed in (their older
    /// system's bcrypt or PBKDF2 hashes), newest first: a sample for timing calibration.
    pub async fn imported_hash_sample(&self, limit: i64) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT password_hash FROM accounts
             WHERE status = 'imported' AND password_hash IS NOT NULL AND password_hash NOT LIKE '$argon2%'
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get("password_hash")?))
            .collect()
    }

    pub async fn has_system_admin(&self) -> StoreResult<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts WHERE role = $1")
            .bind(Role::SystemAdmin.as_str())
            .fetch_one(&mut *self.connection().await?)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Sets the password and factor chosen on the registration page and ends the
    /// registration session. For the first administrator it creates the account. Returns the
    /// account's id.
    pub async fn complete_registration(
        &self,
        registration: Registration<'_>,
        now: UnixTime,
        audit: impl FnOnce(i64) -> AuditEvent,
    ) -> StoreResult<i64> {
        let Registration {
            session_hash,
            registrant,
            password_hash,
            display_name,
            method,
        } = registration;
        let mut tx = self.begin().await?;
        // The session must still be a live registration session of this registrant (an
        // invited account's, or the first-run link's for a new administrator): a replayed
        // form, or any other session without an account, fails here.
        let stage = match registrant {
            Registrant::FirstAdministrator(_) => SessionStage::FirstAdministrator,
            Registrant::Invited(_) => SessionStage::Registration,
        };
        let ended = sqlx::query(
            "UPDATE sessions SET revoked_at = $1
             WHERE id_hash = $2 AND stage = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(session_hash)
        .bind(stage.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if ended != 1 {
            return Err(StoreError::NotFound);
        }
        let id = match registrant {
            Registrant::Invited(id) => {
                let updated = sqlx::query(
                    "UPDATE accounts SET password_hash = $1, display_name = $2, mfa_method = $3, status = $4
                     WHERE id = $5 AND status IN ($6, $4, 'imported')",
                )
                .bind(password_hash)
                .bind(display_name.as_str())
                .bind(method.as_str())
                .bind(AccountStatus::Registering.as_str())
                .bind(id)
                .bind(AccountStatus::Invited.as_str())
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if updated != 1 {
                    return Err(StoreError::NotFound);
                }
                id
            }
            // Only while no system administrator exists: a first-run link left over after the
            // first one registered makes nobody.
            Registrant::FirstAdministrator(new) => sqlx::query(
                "INSERT INTO accounts (email, display_name, org_id, role, status, password_hash, mfa_method, created_at)
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8
                 WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE role = 'system-admin')
                 RETURNING id",
            )
            .bind(new.email.as_str())
            .bind(display_name.as_str())
            .bind(new.org_id)
            .bind(new.role.as_str())
            .bind(AccountStatus::Registering.as_str())
            .bind(password_hash)
            .bind(method.as_str())
            .bind(now)
            .fetch_optional(&mut **tx)
            .await
            .map_err(StoreError::from_write)?
            .ok_or(StoreError::NotFound)?
            .try_get("id")?,
        };
        append(&mut tx, &self.chain, now, &audit(id)).await?;
        tx.commit().await?;
        Ok(id)
    }
}

async fn insert_invited(
    tx: &mut Transaction<'static, Any>,
    account: &NewAccount,
    now: UnixTime,
) -> StoreResult<i64> {
    Ok(sqlx::query(
        "INSERT INTO accounts (email, display_name, org_id, role, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(account.email.as_str())
    .bind(account.display_name.as_str())
    .bind(account.org_id)
    .bind(account.role.as_str())
    .bind(AccountStatus::Invited.as_str())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::from_write)?
    .try_get("id")?)
}

/// Inserts invited accounts in one statement; their ids in the order given.
async fn insert_invited_batch(
    tx: &mut Transaction<'static, Any>,
    chunk: &[(NewAccount, Vec<u8>, NewLetter)],
    now: UnixTime,
) -> StoreResult<Vec<i64>> {
    let rows: Vec<String> = (0..chunk.len())
        .map(|i| {
            let b = i * 4;
            format!(
                "(${}, ${}, ${}, ${}, '{}', $1)",
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                AccountStatus::Invited.as_str()
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO accounts (email, display_name, org_id, role, status, created_at) VALUES {} RETURNING id, email",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(now);
    for (account, _, _) in chunk {
        query = query
            .bind(account.email.as_str())
            .bind(account.display_name.as_str())
            .bind(account.org_id)
            .bind(account.role.as_str());
    }
    let returned = query
        .fetch_all(&mut **tx)
        .await
        .map_err(StoreError::from_write)?;
    let mut by_email = std::collections::HashMap::with_capacity(returned.len());
    for row in &returned {
        by_email.insert(
            row.try_get::<String, _>("email")?,
            row.try_get::<i64, _>("id")?,
        );
    }
    chunk
        .iter()
        .map(|(account, _, _)| {
            by_email
                .get(account.email.as_str())
                .copied()
                .ok_or_else(|| StoreError::Corrupt("an invited account was not returned".into()))
        })
        .collect()
}

/// Inserts the registration links of `ids` (the accounts of `chunk`) in one statement.
async fn insert_links_batch(
    tx: &mut Transaction<'static, Any>,
    chunk: &[(NewAccount, Vec<u8>, NewLetter)],
    ids: &[i64],
    now: UnixTime,
    expires_at: UnixTime,
) -> StoreResult<()> {
    let rows: Vec<String> = (0..chunk.len())
        .map(|i| format!("(${}, ${}, 'invitation', $1, $2)", i * 2 + 3, i * 2 + 4))
        .collect();
    let sql = format!(
        "INSERT INTO registration_links (token_hash, account_id, purpose, created_at, expires_at) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(now).bind(expires_at);
    for ((_, link_hash, _), id) in chunk.iter().zip(ids) {
        query = query.bind(link_hash.as_slice()).bind(*id);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

async fn insert_link(
    tx: &mut Transaction<'static, Any>,
    link_hash: &[u8],
    account_id: Option<i64>,
    purpose: &str,
    now: UnixTime,
    expires_at: UnixTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO registration_links (token_hash, account_id, purpose, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(link_hash)
    .bind(account_id)
    .bind(purpose)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn link_refusal(
    tx: &mut Transaction<'static, Any>,
    link_hash: &[u8],
    now: UnixTime,
) -> StoreResult<LinkRefusal> {
    let row = sqlx::query(
        "SELECT l.expires_at, l.used_at, l.voided_at, a.status FROM registration_links l
         LEFT JOIN accounts a ON a.id = l.account_id WHERE l.token_hash = $1",
    )
    .bind(link_hash)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(LinkRefusal::Unknown);
    };
    let used: Option<i64> = row.try_get("used_at")?;
    let voided: Option<i64> = row.try_get("voided_at")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    let status: Option<String> = row.try_get("status")?;
    Ok(if used.is_some() {
        LinkRefusal::Used
    } else if voided.is_some() && status.as_deref() == Some(AccountStatus::Active.as_str()) {
        LinkRefusal::Settled
    } else if voided.is_some() {
        LinkRefusal::Replaced
    } else if expires_at <= now {
        LinkRefusal::Expired
    } else {
        LinkRefusal::Unknown
    })
}
