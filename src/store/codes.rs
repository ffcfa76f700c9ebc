//! Verification codes: issued per session, checked and consumed atomically.

use sqlx::Row;

use super::second_step::{self, SecondFactorPassed};
use super::{Store, StoreError, StoreResult, Tx, audit::append, sessions, throttle};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::code::{CodePurpose, CodeRefusal};
use crate::domain::factor::FactorKind;
use crate::domain::policy::Policy;
use crate::domain::session::{Proofs, SessionStage};
use crate::domain::throttle::{LockRule, Throttle};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeIssue {
    Issued {
        code_id: i64,
        expires_at: UnixTime,
    },
    /// A code was sent moments ago; another may be sent at `retry_at`.
    CoolingDown {
        retry_at: UnixTime,
    },
    /// The wrong tries of earlier codes are used up: sign in again.
    Exhausted,
    /// The session is gone (signed out, timed out, or replaced).
    NoSession,
    /// A daily cap on texts and calls is reached (toll-fraud protection).
    CapReached {
        scope: &'static str,
    },
}

/// A daily cap on sends, and the cool-down between two of them: `scope` names what is
/// counted (account, number, client), `key` is the keyed hash of which one.
pub struct SendCap {
    pub scope: &'static str,
    pub key: Vec<u8>,
    pub per_day: i64,
    /// Whether the resend cool-down holds per key of this scope too.
    pub cool_down: bool,
}

/// The code the session is waiting for, as the verification page shows it.
#[derive(Debug, Clone)]
pub struct LiveCode {
    pub purpose: CodePurpose,
    pub channel: String,
    pub destination: String,
    pub expires_at: UnixTime,
    pub attempts: i64,
}

from_columns!(LiveCode {
    purpose,
    channel,
    destination,
    expires_at,
    attempts,
});

/// The session's live code joined to a query of the session `s` (`LIVE_CODE_COLUMNS`), so
/// that a verification page reads it with the session instead of after it (issue 18).
pub(super) const LIVE_CODE_JOIN: &str = "LEFT JOIN verification_codes c ON c.id = (
     SELECT MAX(v.id) FROM verification_codes v
     WHERE v.session_hash = s.id_hash AND v.consumed_at IS NULL AND v.superseded_at IS NULL)";

pub(super) const LIVE_CODE_COLUMNS: &str = "c.purpose AS code_purpose, c.channel AS code_channel, \
     c.destination AS code_destination, c.expires_at AS code_expires_at, c.attempts AS code_attempts";

/// The live code of a row read with `LIVE_CODE_JOIN`, if the session has one.
pub(super) fn live_code_from(row: &sqlx::any::AnyRow) -> StoreResult<Option<LiveCode>> {
    let Some(purpose) = row.try_get::<Option<CodePurpose>, _>("code_purpose")? else {
        return Ok(None);
    };
    Ok(Some(LiveCode {
        purpose,
        channel: row.try_get("code_channel")?,
        destination: row.try_get("code_destination")?,
        expires_at: row.try_get("code_expires_at")?,
        attempts: row.try_get("code_attempts")?,
    }))
}

#[derive(Debug, Clone)]
pub enum CodeOutcome {
    /// The code was right: the session is replaced by one at the next stage (authenticated,
    /// or the next step of password recovery).
    Verified {
        account_id: i64,
        stage: SessionStage,
    },
    Refused(CodeRefusal, Throttle),
    /// The failure counter is locked until then: nothing was tried.
    Locked {
        until: UnixTime,
    },
    /// The code was right but its session ended meanwhile (signed out): nothing changed.
    SessionEnded,
}

/// What checking a code needs to know besides the code.
pub struct CodeCheck<'a> {
    pub session_hash: &'a [u8],
    /// The session's account (none for a recovery of an unknown address) and stage, as the
    /// caller read the session: a stage changes only with a new session, and the session
    /// is claimed (revoked) when the code is right, so a session ended meanwhile passes
    /// nothing.
    pub account_id: Option<i64>,
    pub stage: SessionStage,
    /// The identifier of the authenticated session to create when the code is right.
    pub new_session_hash: &'a [u8],
    /// The failure counter of these codes: refused while locked, counts a wrong code, and
    /// cleared by a right one when it counted anything.
    pub throttle_key: &'a [u8],
    pub now: UnixTime,
    pub policy: &'a Policy,
}

/// A code to send: for which session and purpose, by which channel to where, its keyed hash,
/// how long it lives, and the send caps it counts against.
pub struct CodeToSend<'a> {
    pub session_hash: &'a [u8],
    pub purpose: CodePurpose,
    pub channel: &'a str,
    pub destination: &'a str,
    pub code_hash: &'a [u8],
    pub ttl: i64,
    pub caps: &'a [SendCap],
}

impl Store {
    /// Issues a new code for the session. The previous one dies and its wrong tries carry
    /// over, so resending never buys more guesses. The cool-down is claimed by an atomic
    /// update, so two clicks at once send one code. The session must be at a stage the
    /// purpose belongs to (waiting for a second factor, or signed in).
    pub async fn issue_code(
        &self,
        code: CodeToSend<'_>,
        now: UnixTime,
        policy: &Policy,
        audit: AuditEvent,
    ) -> StoreResult<CodeIssue> {
        let CodeToSend {
            session_hash,
            purpose,
            channel,
            destination,
            code_hash,
            ttl,
            caps,
        } = code;
        let mut tx = self.begin().await?;
        // The cool-down ends early when the code sent has expired: a dead code can always
        // be replaced at once (`Policy::resend_in`).
        let claimed = sqlx::query(&format!(
            "UPDATE sessions SET code_sent_at = $1
                 WHERE id_hash = $2 AND revoked_at IS NULL AND stage IN {}
                   AND (code_sent_at IS NULL OR code_sent_at <= $3
                        OR EXISTS (SELECT 1 FROM verification_codes
                                   WHERE session_hash = $2 AND consumed_at IS NULL
                                     AND superseded_at IS NULL AND expires_at <= $1
                                     AND id = (SELECT MAX(id) FROM verification_codes
                                               WHERE session_hash = $2)))
                 RETURNING (SELECT COUNT(*) FROM verification_codes
                             WHERE session_hash = $2 AND consumed_at IS NULL
                               AND superseded_at IS NULL) AS live_codes",
            stages_of(purpose)
        ))
        .bind(now)
        .bind(session_hash)
        .bind(now - policy.code_resend_cooldown_secs)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(claimed) = claimed else {
            let row = sqlx::query(
                "SELECT code_sent_at,
                        (SELECT expires_at FROM verification_codes
                          WHERE session_hash = $1 AND consumed_at IS NULL AND superseded_at IS NULL
                          ORDER BY id DESC LIMIT 1) AS code_expires_at
                   FROM sessions WHERE id_hash = $1 AND revoked_at IS NULL",
            )
            .bind(session_hash)
            .fetch_optional(&mut **tx)
            .await?;
            tx.rollback().await?;
            return Ok(match row {
                Some(r) => {
                    let sent: Option<i64> = r.try_get("code_sent_at")?;
                    let expires: Option<i64> = r.try_get("code_expires_at")?;
                    CodeIssue::CoolingDown {
                        retry_at: now
                            + policy
                                .resend_in(Some(sent.unwrap_or(now)), expires, now)
                                .max(1),
                    }
                }
                None => CodeIssue::NoSession,
            });
        };
        // The claim holds the session's row, and every code is issued through it, so no live
        // code appears meanwhile: a first code (the usual case) has nothing to replace and
        // skips the statement (issue 18).
        let replaced = claimed.try_get::<i64, _>("live_codes")? > 0;
        let mut attempts = 0;
        if replaced {
            let rows = sqlx::query(
                "UPDATE verification_codes SET superseded_at = $1
                 WHERE session_hash = $2 AND consumed_at IS NULL AND superseded_at IS NULL
                 RETURNING attempts",
            )
            .bind(now)
            .bind(session_hash)
            .fetch_all(&mut **tx)
            .await?;
            for row in &rows {
                attempts = attempts.max(row.try_get::<i64, _>("attempts")?);
            }
        }
        if attempts >= policy.code_max_attempts {
            tx.rollback().await?;
            return Ok(CodeIssue::Exhausted);
        }
        for cap in caps.iter().filter(|c| c.cool_down) {
            if let Some(retry_at) = claim_cool_down(&mut tx, cap, now, policy).await? {
                tx.rollback().await?;
                return Ok(CodeIssue::CoolingDown { retry_at });
            }
        }
        let day = now.div_euclid(86_400);
        for cap in caps {
            let sends: i64 = sqlx::query_scalar(
                "INSERT INTO delivery_counters (scope, key_hash, day, sends) VALUES ($1, $2, $3, 1)
                 ON CONFLICT (scope, key_hash, day) DO UPDATE SET sends = delivery_counters.sends + 1
                 RETURNING sends",
            )
            .bind(cap.scope)
            .bind(&cap.key)
            .bind(day)
            .fetch_one(&mut **tx)
            .await?;
            if sends > cap.per_day {
                tx.rollback().await?;
                return Ok(CodeIssue::CapReached { scope: cap.scope });
            }
        }
        let expires_at = now + ttl;
        let code_id: i64 = sqlx::query_scalar(
            "INSERT INTO verification_codes (session_hash, channel, destination, code_hash, attempts, created_at, expires_at, purpose)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(session_hash)
        .bind(channel)
        .bind(destination)
        .bind(code_hash)
        .bind(attempts)
        .bind(now)
        .bind(expires_at)
        .bind(purpose.as_str())
        .fetch_one(&mut **tx)
        .await?;
        append(
            &mut tx,
            &self.chain,
            now,
            &audit
                .with("expires_at", expires_at)
                .with("replaced", replaced)
                .with("purpose", purpose.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(CodeIssue::Issued {
            code_id,
            expires_at,
        })
    }

    /// A code whose message could not be delivered is withdrawn, and the cool-downs (the
    /// session's, and those of `caps` that this code's send started) released so the user may
    /// try again at once. The daily counts stay: a refused request still cost the provider.
    pub async fn withdraw_code(
        &self,
        code_id: i64,
        session_hash: &[u8],
        caps: &[SendCap],
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let issued_at: i64 = sqlx::query_scalar(
            "UPDATE verification_codes SET superseded_at = $1 WHERE id = $2 RETURNING created_at",
        )
        .bind(now)
        .bind(code_id)
        .fetch_one(&mut **tx)
        .await?;
        for cap in caps {
            // Only if no later send has claimed it since.
            sqlx::query(
                "DELETE FROM send_cool_downs
                 WHERE scope = $1 AND key_hash = $2 AND last_sent_at = $3",
            )
            .bind(cap.scope)
            .bind(&cap.key)
            .bind(issued_at)
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query("UPDATE sessions SET code_sent_at = NULL WHERE id_hash = $1")
            .bind(session_hash)
            .execute(&mut **tx)
            .await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn live_code(&self, session_hash: &[u8]) -> StoreResult<Option<LiveCode>> {
        Ok(sqlx::query_as::<_, LiveCode>(
            "SELECT purpose, channel, destination, expires_at, attempts FROM verification_codes
             WHERE session_hash = $1 AND consumed_at IS NULL AND superseded_at IS NULL
             ORDER BY id DESC LIMIT 1",
        )
        .bind(session_hash)
        .fetch_optional(&mut *self.connection().await?)
        .await?)
    }

    /// Checks a code in one transaction: a try is claimed first (so no more than the allowed
    /// number are ever compared, however many arrive at once), `matches` compares in
    /// constant time, and a right code is consumed and exchanged for an authenticated session
    /// at once, so two simultaneous right answers make exactly one session.
    pub async fn check_code(
        &self,
        check: CodeCheck<'_>,
        matches: impl FnOnce(&[u8]) -> bool,
        verified: impl FnOnce(i64) -> AuditEvent,
        refused: impl FnOnce(Option<i64>, CodeRefusal) -> AuditEvent,
    ) -> StoreResult<CodeOutcome> {
        let CodeCheck {
            session_hash,
            account_id,
            stage,
            new_session_hash,
            throttle_key,
            now,
            policy,
        } = check;
        let mut tx = self.begin().await?;
        let attempt = CodeAttempt {
            session_hash,
            purpose: CodePurpose::SignIn,
            session_waits: stage.awaits_code(),
            // A recovery started for an unknown address has a code nobody received: never right.
            can_pass: account_id.is_some(),
            throttle_key,
            lock: LockRule::for_codes_at(stage, policy),
            now,
            policy,
        };
        let claimed = match try_code(&mut tx, &self.chain, attempt, matches, |r| {
            refused(account_id, r)
        })
        .await?
        {
            CodeTry::Right(claimed) => claimed,
            CodeTry::Refused(refusal, throttle) => {
                tx.commit().await?;
                return Ok(CodeOutcome::Refused(refusal, throttle));
            }
            CodeTry::Locked(until) => {
                tx.rollback().await?;
                return Ok(CodeOutcome::Locked { until });
            }
        };
        let Some(account_id) = account_id else {
            return Err(StoreError::NotFound);
        };
        let RightCode {
            channel,
            destination,
            counted,
        } = claimed;
        let proved = FactorKind::of_channel(&channel)
            .ok_or_else(|| StoreError::Corrupt(format!("channel = {channel:?}")))?;
        // The session is claimed with the code: if it ended meanwhile, nothing is used up.
        let Some(ended) = sessions::revoke_passing(&mut tx, session_hash, now).await? else {
            tx.rollback().await?;
            return Ok(CodeOutcome::SessionEnded);
        };
        let done = SecondFactorPassed {
            session_hash,
            new_session_hash,
            throttle_key: counted.then_some(throttle_key),
            account_id,
            proved: Some(proved),
            adds: Proofs::default().and_channel(&channel),
            // The phone factor keeps the (sealed) number the code went to; the email factor
            // is the address on file.
            secret: (proved == FactorKind::Phone).then_some(destination.as_str()),
            stage,
            ended: Some(ended),
        };
        let next = second_step::finish(&mut tx, done, now, policy).await?;
        append(
            &mut tx,
            &self.chain,
            now,
            &verified(account_id).with("next", next.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(CodeOutcome::Verified {
            account_id,
            stage: next,
        })
    }

    /// Records the provider's identifier of the message or call that carried a code.
    pub async fn set_provider_sid(&self, code_id: i64, sid: &str) -> StoreResult<()> {
        sqlx::query("UPDATE verification_codes SET provider_sid = $1 WHERE id = $2")
            .bind(sid)
            .bind(code_id)
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// The callee pressed #: marks the call's challenge (found by the keyed hash of the token
    /// in the webhook's URL) as answered. A replayed or late webhook changes nothing and
    /// returns None.
    pub async fn record_key_press(
        &self,
        token_hash: &[u8],
        now: UnixTime,
        audit: impl FnOnce(i64, &str) -> AuditEvent,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE verification_codes SET answered_at = $1, call_outcome = 'pressed'
             WHERE code_hash = $2 AND channel = 'voice' AND answered_at IS NULL AND call_outcome IS NULL
               AND consumed_at IS NULL AND superseded_at IS NULL AND expires_at > $1
             RETURNING id, session_hash, destination",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let session_hash: Vec<u8> = row.try_get("session_hash")?;
        let account: Option<i64> =
            sqlx::query("SELECT account_id FROM sessions WHERE id_hash = $1")
                .bind(&session_hash)
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| r.try_get("account_id"))
                .transpose()?
                .flatten();
        let destination: String = row.try_get("destination")?;
        append(
            &mut tx,
            &self.chain,
            now,
            &audit(account.unwrap_or_default(), &destination),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The call ended without a key press (no answer, busy, failed, hung up): the page says so.
    /// `audit` gets the call's stored (sealed) destination.
    pub async fn record_call_outcome(
        &self,
        token_hash: &[u8],
        outcome: &str,
        now: UnixTime,
        audit: impl FnOnce(&str) -> AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(
            "UPDATE verification_codes SET call_outcome = $1
             WHERE code_hash = $2 AND channel = 'voice' AND call_outcome IS NULL AND consumed_at IS NULL
             RETURNING destination",
        )
        .bind(outcome)
        .bind(token_hash)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = changed else {
            tx.rollback().await?;
            return Ok(false);
        };
        let destination: String = row.try_get("destination")?;
        append(
            &mut tx,
            &self.chain,
            now,
            &audit(&destination).with("outcome", outcome),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The person gave up on the session's newest call (waiting, or just replaced by a text):
    /// its challenge ends unanswered (`cancelled`), so a key press after it changes nothing. Returns the provider's call id
    /// (None from the outbox) when a call was waiting, None when none was.
    pub async fn cancel_waiting_call(
        &self,
        session_hash: &[u8],
        now: UnixTime,
        audit: impl FnOnce(&str) -> AuditEvent,
    ) -> StoreResult<Option<Option<String>>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE verification_codes SET call_outcome = 'cancelled'
             WHERE id = (SELECT MAX(id) FROM verification_codes
                         WHERE session_hash = $1 AND channel = 'voice')
               AND call_outcome IS NULL AND consumed_at IS NULL AND expires_at > $2
             RETURNING destination, provider_sid",
        )
        .bind(session_hash)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let destination: String = row.try_get("destination")?;
        append(&mut tx, &self.chain, now, &audit(&destination)).await?;
        tx.commit().await?;
        Ok(Some(row.try_get("provider_sid")?))
    }

    /// The call named by the keyed hash of its token: its account (if the session still has
    /// one) and stored (sealed) destination, for audit entries about webhooks that change
    /// nothing.
    pub async fn call_by_token(
        &self,
        token_hash: &[u8],
    ) -> StoreResult<Option<(Option<i64>, String)>> {
        let row = sqlx::query(
            "SELECT s.account_id, c.destination FROM verification_codes c
             LEFT JOIN sessions s ON s.id_hash = c.session_hash
             WHERE c.code_hash = $1 AND c.channel = 'voice'
             ORDER BY c.id DESC LIMIT 1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        row.map(|r| Ok((r.try_get("account_id")?, r.try_get("destination")?)))
            .transpose()
    }

    /// The session's latest call, if one is live: (its outcome so far, when it expires).
    pub async fn call_state(
        &self,
        session_hash: &[u8],
    ) -> StoreResult<Option<(Option<String>, UnixTime)>> {
        let row = sqlx::query(
            "SELECT call_outcome, expires_at FROM verification_codes
             WHERE session_hash = $1 AND channel = 'voice' AND consumed_at IS NULL AND superseded_at IS NULL
             ORDER BY id DESC LIMIT 1",
        )
        .bind(session_hash)
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        row.map(|r| Ok((r.try_get("call_outcome")?, r.try_get("expires_at")?)))
            .transpose()
    }

    /// Completes the second factor after the callee pressed #: consumed once, in one
    /// transaction with the new authenticated session, like a right code.
    pub async fn complete_call(
        &self,
        session_hash: &[u8],
        new_session_hash: &[u8],
        throttle_key: &[u8],
        now: UnixTime,
        policy: &Policy,
        audit: impl FnOnce(i64, &str) -> AuditEvent,
    ) -> StoreResult<Option<(i64, SessionStage)>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE verification_codes SET consumed_at = $1
             WHERE session_hash = $2 AND channel = 'voice' AND call_outcome = 'pressed'
               AND consumed_at IS NULL AND superseded_at IS NULL
             RETURNING destination",
        )
        .bind(now)
        .bind(session_hash)
        .fetch_optional(&mut **tx)
        .await?;
        let waiting = awaiting_session(&mut tx, session_hash).await?;
        let (Some(row), Some((Some(account_id), stage))) = (row, waiting) else {
            tx.rollback().await?;
            return Ok(None);
        };
        let destination: String = row.try_get("destination")?;
        let done = SecondFactorPassed {
            session_hash,
            new_session_hash,
            throttle_key: Some(throttle_key),
            account_id,
            proved: Some(FactorKind::Phone),
            adds: Proofs::default().and_channel("voice"),
            secret: Some(&destination),
            stage,
            ended: None,
        };
        let next = second_step::finish(&mut tx, done, now, policy).await?;
        append(&mut tx, &self.chain, now, &audit(account_id, &destination)).await?;
        tx.commit().await?;
        Ok(Some((account_id, next)))
    }
}

/// Claims the cool-down of one scope and key for a send now: the conditional upsert moves the
/// last send time only when the cool-down has passed, and holds the row until the
/// transaction ends, so two nodes asking at once cannot both pass. When it has not passed,
/// returns when another send may go.
async fn claim_cool_down(
    tx: &mut Tx,
    cap: &SendCap,
    now: UnixTime,
    policy: &Policy,
) -> StoreResult<Option<UnixTime>> {
    let claimed = sqlx::query(
        "INSERT INTO send_cool_downs (scope, key_hash, last_sent_at) VALUES ($1, $2, $3)
         ON CONFLICT (scope, key_hash) DO UPDATE SET last_sent_at = $3
             WHERE send_cool_downs.last_sent_at <= $4
         RETURNING last_sent_at",
    )
    .bind(cap.scope)
    .bind(&cap.key)
    .bind(now)
    .bind(now - policy.code_resend_cooldown_secs)
    .fetch_optional(&mut **tx)
    .await?;
    if claimed.is_some() {
        return Ok(None);
    }
    let last: i64 = sqlx::query_scalar(
        "SELECT last_sent_at FROM send_cool_downs WHERE scope = $1 AND key_hash = $2",
    )
    .bind(cap.scope)
    .bind(&cap.key)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(last + policy.code_resend_cooldown_secs))
}

/// `('second-factor', 'recovery', …)`: the stages that wait for a code, as SQL.
fn awaiting_code_stages() -> String {
    stages_of(CodePurpose::SignIn)
}

/// The stages a session may be at to ask for a code of this purpose, as an SQL list.
fn stages_of(purpose: CodePurpose) -> String {
    let names: Vec<String> = [
        SessionStage::Registration,
        SessionStage::SecondFactor,
        SessionStage::Authenticated,
        SessionStage::Recovery,
        SessionStage::RecoveryPhone,
        SessionStage::PasswordReset,
    ]
    .iter()
    .filter(|s| purpose.allowed_at(**s))
    .map(|s| format!("'{}'", s.as_str()))
    .collect();
    format!("({})", names.join(", "))
}

/// One try at the session's live code of a purpose.
pub(super) struct CodeAttempt<'a> {
    pub session_hash: &'a [u8],
    pub purpose: CodePurpose,
    /// The session is live and at a stage the purpose belongs to.
    pub session_waits: bool,
    /// Whether any code can be right (false: a recovery for an unknown address).
    pub can_pass: bool,
    pub throttle_key: &'a [u8],
    /// How wrong codes lock `throttle_key` (`LockRule::for_codes_at` the session's stage).
    pub lock: LockRule,
    pub now: UnixTime,
    pub policy: &'a Policy,
}

/// A right code, consumed.
pub(super) struct RightCode {
    pub channel: String,
    pub destination: String,
    /// Whether the failure counter held anything for the pass to clear.
    pub counted: bool,
}

/// What one try at a code came to.
pub(super) enum CodeTry {
    Right(RightCode),
    /// Refused (audited, a wrong code counted): the caller commits.
    Refused(CodeRefusal, Throttle),
    /// The failure counter is locked until then: nothing is tried, the caller rolls back.
    Locked(UnixTime),
}

/// Claims one try at the session's live code of the purpose (so no more than the allowed
/// number are ever compared, however many arrive at once), compares it with `matches`, and
/// consumes a right one. The failure counter is read by the claim's own statement (issue
/// 18): while it is locked nothing is tried. A refusal is audited, and a wrong code counted
/// against the throttle, in `tx`: the caller commits.
pub(super) async fn try_code(
    tx: &mut Tx,
    chain: &super::audit::Chain,
    attempt: CodeAttempt<'_>,
    matches: impl FnOnce(&[u8]) -> bool,
    refused: impl FnOnce(CodeRefusal) -> AuditEvent,
) -> StoreResult<CodeTry> {
    let CodeAttempt {
        session_hash,
        purpose,
        session_waits,
        can_pass,
        throttle_key,
        lock,
        now,
        policy,
    } = attempt;
    let claimed = sqlx::query(
        "UPDATE verification_codes SET attempts = attempts + 1
         WHERE session_hash = $1 AND consumed_at IS NULL AND superseded_at IS NULL
           AND attempts < $2 AND expires_at > $3 AND channel <> 'voice' AND purpose = $4
         RETURNING id, code_hash, attempts, channel, destination,
             (SELECT t.failures FROM sign_in_throttle t WHERE t.key_hash = $5) AS counter_failures,
             (SELECT t.locked_until FROM sign_in_throttle t WHERE t.key_hash = $5) AS counter_locked_until",
    )
    .bind(session_hash)
    .bind(policy.code_max_attempts)
    .bind(now)
    .bind(purpose.as_str())
    .bind(throttle_key)
    .fetch_optional(&mut **tx)
    .await?;
    let counter = match &claimed {
        Some(row) => Throttle {
            failures: row
                .try_get::<Option<i64>, _>("counter_failures")?
                .unwrap_or(0),
            locked_until: row.try_get("counter_locked_until")?,
        },
        // No code to try: the counter read on its own (a refusal; rare).
        None => throttle::read(&mut **tx, throttle_key).await?,
    };
    if let Some(until) = counter.locked_at(now) {
        return Ok(CodeTry::Locked(until));
    }
    let Some(claimed) = claimed.filter(|_| session_waits) else {
        let refusal = why_no_code(tx, session_hash, purpose, now, policy).await?;
        append(tx, chain, now, &refused(refusal)).await?;
        return Ok(CodeTry::Refused(refusal, Throttle::default()));
    };
    let code_id: i64 = claimed.try_get("id")?;
    let stored: Vec<u8> = claimed.try_get("code_hash")?;
    let attempts: i64 = claimed.try_get("attempts")?;
    if !(matches(&stored) && can_pass) {
        let left = policy.code_max_attempts - attempts;
        let refusal = if left > 0 {
            CodeRefusal::Wrong { tries_left: left }
        } else {
            CodeRefusal::TooManyTries
        };
        let throttle = throttle::count_failure(tx, throttle_key, now, lock).await?;
        append(
            tx,
            chain,
            now,
            &refused(refusal).with("failures", throttle.failures),
        )
        .await?;
        return Ok(CodeTry::Refused(refusal, throttle));
    }
    sqlx::query(
        "UPDATE verification_codes SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL",
    )
    .bind(now)
    .bind(code_id)
    .execute(&mut **tx)
    .await?;
    Ok(CodeTry::Right(RightCode {
        channel: claimed.try_get("channel")?,
        destination: claimed.try_get("destination")?,
        counted: counter.failures > 0 || counter.locked_until.is_some(),
    }))
}

/// The account and stage of a live session that waits for a code, read inside the transaction.
async fn awaiting_session(
    tx: &mut Tx,
    session_hash: &[u8],
) -> StoreResult<Option<(Option<i64>, SessionStage)>> {
    let row = sqlx::query(&format!(
        "SELECT account_id, stage FROM sessions WHERE id_hash = $1 AND revoked_at IS NULL AND stage IN {}",
        awaiting_code_stages()
    ))
    .bind(session_hash)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some((row.try_get("account_id")?, row.try_get("stage")?)))
}

async fn why_no_code(
    tx: &mut Tx,
    session_hash: &[u8],
    purpose: CodePurpose,
    now: UnixTime,
    policy: &Policy,
) -> StoreResult<CodeRefusal> {
    let row = sqlx::query(
        "SELECT attempts, expires_at, consumed_at, superseded_at FROM verification_codes
         WHERE session_hash = $1 AND purpose = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(session_hash)
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(CodeRefusal::NoneSent);
    };
    let consumed: Option<i64> = row.try_get("consumed_at")?;
    let superseded: Option<i64> = row.try_get("superseded_at")?;
    let attempts: i64 = row.try_get("attempts")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    Ok(if consumed.is_some() {
        CodeRefusal::AlreadyUsed
    } else if superseded.is_some() {
        CodeRefusal::NoneSent
    } else if attempts >= policy.code_max_attempts {
        CodeRefusal::TooManyTries
    } else if expires_at <= now {
        CodeRefusal::Expired
    } else {
        CodeRefusal::NoneSent
    })
}
