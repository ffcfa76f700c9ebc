//! A signed-in person's own changes: the second factor again in place (step-up), a new email
//! address, a new phone number, another factor, a new password. Each is one transaction: the code is checked
//! and consumed, the account changed, the account's other sessions ended and the audit entry
//! appended together, or nothing at all.

use sqlx::{Any, Row, Transaction};

use super::codes::{CodeAttempt, CodeTry, RightCode, try_code};
use super::mail_queue::insert_letter;
use super::{NewLetter, Store, StoreError, StoreResult, audit::append, factors, sessions};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::code::{CodePurpose, CodeRefusal};
use crate::domain::factor::FactorKind;
use crate::domain::policy::Policy;
use crate::domain::session::{Proofs, SessionStage, SessionTimes};
use crate::domain::throttle::Throttle;

/// What checking a signed-in session's code needs besides the code.
pub struct SignedInCheck<'a> {
    pub session_hash: &'a [u8],
    pub account_id: i64,
    pub purpose: CodePurpose,
    /// Step-up only: the identifier of the session that replaces this one (ASVS 7.2.4: a new
    /// session identifier at re-authentication too).
    pub new_session_hash: Option<&'a [u8]>,
    pub throttle_key: &'a [u8],
    pub now: UnixTime,
    pub policy: &'a Policy,
}

#[derive(Debug, Clone)]
pub enum SignedInOutcome {
    /// The code was right and its change is made. `destination` is where the code went (an
    /// email address, or a sealed phone number).
    Done {
        destination: String,
        other_sessions_ended: u64,
    },
    Refused(CodeRefusal, Throttle),
    /// The failure counter is locked until then: nothing was tried.
    Locked {
        until: UnixTime,
    },
}

/// A signed-in person's new password (ASVS 6.2.2), after the current one was checked.
pub struct OwnPasswordChange<'a> {
    pub account_id: i64,
    /// The session that asked: it stays; every other session of the account ends.
    pub session_hash: &'a [u8],
    /// The hash the current password was checked against: the change is made only if it is
    /// still the account's (a concurrent change meanwhile makes the typed one not current).
    pub checked_hash: &'a str,
    pub new_hash: &'a str,
    /// The notice to the account's address, queued with the change.
    pub notice: &'a NewLetter,
    pub now: UnixTime,
}

impl Store {
    /// Replaces the password of a signed-in person, ends every other session of the account,
    /// appends the audit entry and queues the notice, in one transaction. False (nothing
    /// changed) when the password changed meanwhile; `NotFound` when the session ended.
    pub async fn change_own_password(
        &self,
        change: OwnPasswordChange<'_>,
        audit: impl FnOnce(u64) -> AuditEvent,
    ) -> StoreResult<bool> {
        let OwnPasswordChange {
            account_id,
            session_hash,
            checked_hash,
            new_hash,
            notice,
            now,
        } = change;
        let mut tx = self.begin().await?;
        if signed_in(&mut tx, session_hash, account_id)
            .await?
            .is_none()
        {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        let changed = sqlx::query(
            "UPDATE accounts SET password_hash = $1 WHERE id = $2 AND password_hash = $3",
        )
        .bind(new_hash)
        .bind(account_id)
        .bind(checked_hash)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if changed != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        let ended = end_others(&mut tx, account_id, session_hash, now).await?;
        append(&mut tx, &self.chain, now, &audit(ended)).await?;
        insert_letter(&mut tx, notice, Some(account_id), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Checks a code of a signed-in session and, when it is right, does what it was sent
    /// for: step-up replaces the session by one whose factor is fresh (same start, same
    /// absolute end); a new email address or phone number replaces the old one (a new number
    /// also makes the phone the factor) and every other session of the account ends. An email
    /// address taken meanwhile is `Conflict`, and nothing changes.
    pub async fn check_signed_in_code(
        &self,
        check: SignedInCheck<'_>,
        matches: impl FnOnce(&[u8]) -> bool,
        done: impl FnOnce(u64) -> AuditEvent,
        refused: impl FnOnce(CodeRefusal) -> AuditEvent,
    ) -> StoreResult<SignedInOutcome> {
        let SignedInCheck {
            session_hash,
            account_id,
            purpose,
            new_session_hash,
            throttle_key,
            now,
            policy,
        } = check;
        let mut tx = self.begin().await?;
        let session = signed_in(&mut tx, session_hash, account_id).await?;
        let attempt = CodeAttempt {
            session_hash,
            purpose,
            session_waits: session.is_some(),
            can_pass: true,
            throttle_key,
            lock: crate::domain::throttle::LockRule::strict(policy),
            now,
            policy,
        };
        let right = match try_code(&mut tx, &self.chain, attempt, matches, refused).await? {
            CodeTry::Right(right) => right,
            CodeTry::Refused(refusal, throttle) => {
                tx.commit().await?;
                return Ok(SignedInOutcome::Refused(refusal, throttle));
            }
            CodeTry::Locked(until) => {
                tx.rollback().await?;
                return Ok(SignedInOutcome::Locked { until });
            }
        };
        let Some(times) = session else {
            return Err(StoreError::NotFound);
        };
        let RightCode {
            destination,
            channel,
            ..
        } = right;
        let keep = match (purpose, new_session_hash) {
            (CodePurpose::StepUp, Some(new_hash)) => {
                let adds = Proofs::default().and_channel(&channel);
                let step_up = StepUp {
                    session_hash,
                    new_session_hash: new_hash,
                    account_id,
                    times,
                    adds,
                };
                stepped_up(&mut tx, step_up, now).await?;
                super::throttle::clear_in(&mut tx, throttle_key).await?;
                append(&mut tx, &self.chain, now, &done(0)).await?;
                tx.commit().await?;
                return Ok(SignedInOutcome::Done {
                    destination,
                    other_sessions_ended: 0,
                });
            }
            (CodePurpose::NewEmail, None) => {
                sqlx::query("UPDATE accounts SET email = $1 WHERE id = $2")
                    .bind(&destination)
                    .bind(account_id)
                    .execute(&mut **tx)
                    .await
                    .map_err(StoreError::from_write)?;
                session_hash
            }
            (CodePurpose::NewPhone, None) => {
                // The new number replaces the phone factor (proved just now by its code).
                sqlx::query("UPDATE accounts SET mfa_method = $1 WHERE id = $2")
                    .bind(FactorKind::Phone.as_str())
                    .bind(account_id)
                    .execute(&mut **tx)
                    .await?;
                factors::forget(&mut tx, account_id, Some(FactorKind::Phone)).await?;
                factors::record_use(
                    &mut tx,
                    account_id,
                    FactorKind::Phone,
                    Some(&destination),
                    now,
                )
                .await?;
                session_hash
            }
            _ => return Err(StoreError::Corrupt(format!("code purpose {purpose:?}"))),
        };
        let ended = end_others(&mut tx, account_id, keep, now).await?;
        append(&mut tx, &self.chain, now, &done(ended)).await?;
        tx.commit().await?;
        Ok(SignedInOutcome::Done {
            destination,
            other_sessions_ended: ended,
        })
    }

    /// A phone user makes email their factor: the number is forgotten (it is no longer a
    /// factor, and recovery would otherwise still ask for it) and every other session ends.
    /// False when the account's factor was not the phone.
    pub async fn switch_to_email_factor(
        &self,
        account_id: i64,
        keep: &[u8],
        now: UnixTime,
        audit: impl FnOnce(u64) -> AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let changed =
            sqlx::query("UPDATE accounts SET mfa_method = $1 WHERE id = $2 AND mfa_method = $3")
                .bind(FactorKind::Email.as_str())
                .bind(account_id)
                .bind(FactorKind::Phone.as_str())
                .execute(&mut **tx)
                .await?
                .rows_affected();
        if changed != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        factors::forget(&mut tx, account_id, Some(FactorKind::Phone)).await?;
        let ended = end_others(&mut tx, account_id, keep, now).await?;
        append(&mut tx, &self.chain, now, &audit(ended)).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// A signed-in session whose factor passed again (step-up), to replace.
pub(super) struct StepUp<'a> {
    pub session_hash: &'a [u8],
    pub new_session_hash: &'a [u8],
    pub account_id: i64,
    /// The session's times as read in the transaction.
    pub times: SessionTimes,
    /// What the factor passed again adds to the session's proofs.
    pub adds: Proofs,
}

/// Replaces a signed-in session whose factor passed again by one whose factor is fresh: a
/// new identifier (ASVS 7.2.4), the same start and absolute end, the proofs and identifier for
/// applications carried, and the step-up's time recorded (`sessions.reverified_at`).
pub(super) async fn stepped_up(
    tx: &mut Transaction<'static, Any>,
    step_up: StepUp<'_>,
    now: UnixTime,
) -> StoreResult<()> {
    let carried = sessions::carried_from(tx, step_up.session_hash).await?;
    let carried = sessions::Carried {
        proofs: carried.proofs.and(step_up.adds),
        reverified_at: Some(now),
        ..carried
    };
    sessions::revoke(tx, step_up.session_hash, now).await?;
    let times = SessionTimes {
        last_seen_at: now,
        ..step_up.times
    };
    // `insert` stamps an authenticated session's factor as passed at `last_seen_at`.
    sessions::insert(
        tx,
        step_up.new_session_hash,
        Some(step_up.account_id),
        SessionStage::Authenticated,
        times,
        carried,
    )
    .await
}

/// The times of the live, signed-in session of this account, read inside the transaction.
pub(super) async fn signed_in(
    tx: &mut Transaction<'static, Any>,
    session_hash: &[u8],
    account_id: i64,
) -> StoreResult<Option<SessionTimes>> {
    let row = sqlx::query(
        "SELECT created_at, last_seen_at, expires_at FROM sessions
         WHERE id_hash = $1 AND account_id = $2 AND stage = $3 AND revoked_at IS NULL",
    )
    .bind(session_hash)
    .bind(account_id)
    .bind(SessionStage::Authenticated.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(SessionTimes {
            created_at: r.try_get("created_at")?,
            last_seen_at: r.try_get("last_seen_at")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Ends every session of the account but `keep` (ASVS 7.4.3: after a change of the factors).
pub(super) async fn end_others(
    tx: &mut Transaction<'static, Any>,
    account_id: i64,
    keep: &[u8],
    now: UnixTime,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE sessions SET revoked_at = $1
         WHERE account_id = $2 AND revoked_at IS NULL AND id_hash <> $3",
    )
    .bind(now)
    .bind(account_id)
    .bind(keep)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
