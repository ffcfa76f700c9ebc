//! Passing the second step: the one transaction that ends a session waiting for a factor and
//! starts the next, whatever proved the person (a sent code in `codes`, or here an
//! authenticator app's time step, a recovery code or a passkey), claiming the proof once so
//! that simultaneous submissions of one proof make exactly one session.

use sqlx::Row;

use super::account_changes::{StepUp, signed_in, stepped_up};
use super::{Store, StoreError, StoreResult, Tx, audit::append, factors, sessions, throttle};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::factor::{FactorFacts, FactorKind, after_second_step};
use crate::domain::policy::Policy;
use crate::domain::session::{Proofs, SessionStage, SessionTimes};
use crate::domain::throttle::{LockRule, Throttle};

pub(super) struct SecondFactorPassed<'a> {
    pub session_hash: &'a [u8],
    pub new_session_hash: &'a [u8],
    /// The failure counter a pass clears (none when it counted nothing).
    pub throttle_key: Option<&'a [u8]>,
    pub account_id: i64,
    /// The factor proved; None for a recovery code, which is not one.
    pub proved: Option<FactorKind>,
    /// What the proof adds to the session's proofs.
    pub adds: Proofs,
    /// The factor's secret to keep (the phone number a code went to, sealed).
    pub secret: Option<&'a str>,
    /// The stage the session waited at.
    pub stage: SessionStage,
    /// Set when the waiting session was ended already (claimed by the proof): what it proved,
    /// and its account as the claim read it.
    pub ended: Option<(sessions::Carried, FactorFacts)>,
}

/// Both factors passed: the second-factor session ends and the next begins, and what
/// `domain::factor::after_second_step` decides is recorded (a sign-in records the factor
/// and completes a registration; failures are forgotten). Returns the new session's stage.
pub(super) async fn finish(
    tx: &mut Tx,
    done: SecondFactorPassed<'_>,
    now: UnixTime,
    policy: &Policy,
) -> StoreResult<SessionStage> {
    // The session that waited ends (unless its claim ended it), and what it proved goes on to
    // the next; its account is read by the same statement.
    let (carried, facts) = match done.ended {
        Some(ended) => ended,
        None => sessions::revoke_passing(tx, done.session_hash, now)
            .await?
            .ok_or(StoreError::NotFound)?,
    };
    let step = after_second_step(done.stage, facts, done.proved);
    let proofs = carried.proofs.and(done.adds);
    let times = SessionTimes::new(now, policy, None);
    sessions::insert(
        tx,
        done.new_session_hash,
        Some(done.account_id),
        step.next,
        times,
        sessions::Carried::proved(proofs),
    )
    .await?;
    let Some(signed_in) = step.signs_in else {
        // Password recovery goes on; nothing about the account changes until the new password.
        return Ok(step.next);
    };
    sqlx::query(
        "UPDATE accounts SET last_sign_in_at = $1, status = $2, mfa_method = COALESCE(mfa_method, $3)
         WHERE id = $4",
    )
    .bind(now)
    .bind(signed_in.status.as_str())
    .bind(signed_in.factor.map(FactorKind::as_str))
    .bind(done.account_id)
    .execute(&mut **tx)
    .await?;
    if let Some(factor) = signed_in.factor {
        factors::record_use(tx, done.account_id, factor, done.secret, now).await?;
    }
    if let Some(key) = done.throttle_key {
        throttle::clear_in(tx, key).await?;
    }
    Ok(step.next)
}

/// A proof other than a sent code, to claim once in the transaction that passes the step.
#[derive(Debug, Clone, Copy)]
pub enum Claim<'a> {
    /// The proof did not match (a wrong authenticator-app code, say): counted and refused.
    Wrong,
    /// An authenticator app's time step: accepted only after the last one accepted.
    AppStep(i64),
    /// A recovery code's keyed hash: each code is used once.
    RecoveryCode(&'a [u8]),
    /// A passkey's assertion: its credential, and what to store of it now (sign counter,
    /// backup flags), sealed or not as the caller decides.
    Passkey {
        credential_id: &'a [u8],
        stored: &'a str,
    },
    /// A passkey registered at the second step of a registration that chose one: recorded
    /// here (the credential identifier is unique), and only for an account still registering
    /// whose chosen method is a passkey, that holds none yet, is not barred, and whose
    /// organization allows passkeys. A password alone never adds a factor.
    NewPasskey {
        credential_id: &'a [u8],
        stored: &'a str,
        label: &'a str,
    },
}

/// A second step passed (or not) with something the person holds.
pub struct FactorProof<'a> {
    pub session_hash: &'a [u8],
    /// The identifier of the session to start when the proof holds.
    pub new_session_hash: &'a [u8],
    pub throttle_key: &'a [u8],
    pub account_id: i64,
    /// The stages the session may be waiting at for this proof.
    pub stages: &'a [SessionStage],
    pub claim: Claim<'a>,
    /// The factor proved (None for a recovery code) and what it adds to the session's proofs.
    pub proved: Option<FactorKind>,
    pub adds: Proofs,
    pub now: UnixTime,
    pub policy: &'a Policy,
}

/// Why a proof was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofRefusal {
    /// Wrong: counted against the lock-out.
    Wrong(Throttle),
    /// Right, but used already (a replayed time step, a used recovery code): not a guess, so
    /// not counted, but never accepted twice.
    AlreadyUsed,
    /// The session no longer waits for this (signed out, timed out, or passed already).
    SessionEnded,
}

impl Store {
    /// Claims the proof and, when it holds, passes the second step, in one transaction: two
    /// simultaneous submissions of one code or assertion make exactly one session. `passed`
    /// and `refused` are the audit entries.
    pub async fn prove_factor(
        &self,
        proof: FactorProof<'_>,
        passed: AuditEvent,
        refused: impl FnOnce(&'static str) -> AuditEvent,
    ) -> StoreResult<Result<SessionStage, ProofRefusal>> {
        self.prove_factor_and_record(proof, None, passed, refused)
            .await
    }

    /// As `prove_factor`, with `also` appended (before `passed`) in the same transaction
    /// when the proof holds: a passkey registered at the second step is `factor-added`.
    pub async fn prove_factor_and_record(
        &self,
        proof: FactorProof<'_>,
        also: Option<AuditEvent>,
        passed: AuditEvent,
        refused: impl FnOnce(&'static str) -> AuditEvent,
    ) -> StoreResult<Result<SessionStage, ProofRefusal>> {
        let mut tx = self.begin().await?;
        let waiting = sqlx::query(
            "SELECT stage FROM sessions WHERE id_hash = $1 AND account_id = $2 AND revoked_at IS NULL",
        )
        .bind(proof.session_hash)
        .bind(proof.account_id)
        .fetch_optional(&mut **tx)
        .await?;
        let stage = match waiting {
            Some(row) => row.try_get::<SessionStage, _>("stage")?,
            None => return Ok(Err(ProofRefusal::SessionEnded)),
        };
        if !proof.stages.contains(&stage) {
            return Ok(Err(ProofRefusal::SessionEnded));
        }
        // A step-up keeps the signed-in session's times: read before the claim revokes it.
        let signed_in_times = match stage {
            SessionStage::Authenticated => {
                signed_in(&mut tx, proof.session_hash, proof.account_id).await?
            }
            _ => None,
        };
        let ended = match claim(&mut tx, &proof).await? {
            Ok(ended) => ended,
            Err(refusal) => {
                let (reason, refusal) = match refusal {
                    // Another submission passed first: this one's claim is rolled back.
                    Unclaimed::SessionGone => return Ok(Err(ProofRefusal::SessionEnded)),
                    Unclaimed::Wrong => {
                        let rule = LockRule::for_codes_at(stage, proof.policy);
                        let throttle =
                            throttle::count_failure(&mut tx, proof.throttle_key, proof.now, rule)
                                .await?;
                        ("wrong", ProofRefusal::Wrong(throttle))
                    }
                    Unclaimed::Used => ("already-used", ProofRefusal::AlreadyUsed),
                };
                append(&mut tx, &self.chain, proof.now, &refused(reason)).await?;
                tx.commit().await?;
                return Ok(Err(refusal));
            }
        };
        if let Some(also) = &also {
            append(&mut tx, &self.chain, proof.now, also).await?;
        }
        if stage == SessionStage::Authenticated {
            // A step-up: the signed-in session is replaced by one whose factor is fresh.
            let Some(times) = signed_in_times else {
                return Ok(Err(ProofRefusal::SessionEnded));
            };
            let step_up = StepUp {
                session_hash: proof.session_hash,
                new_session_hash: proof.new_session_hash,
                account_id: proof.account_id,
                times,
                adds: proof.adds,
            };
            stepped_up(&mut tx, step_up, proof.now).await?;
            throttle::clear_in(&mut tx, proof.throttle_key).await?;
            append(&mut tx, &self.chain, proof.now, &passed).await?;
            tx.commit().await?;
            return Ok(Ok(stage));
        }
        // The session is claimed too: only one of several simultaneous passes revokes it.
        let done = SecondFactorPassed {
            session_hash: proof.session_hash,
            new_session_hash: proof.new_session_hash,
            throttle_key: Some(proof.throttle_key),
            account_id: proof.account_id,
            proved: proof.proved,
            adds: proof.adds,
            secret: None,
            stage,
            ended: Some(ended),
        };
        let next = finish(&mut tx, done, proof.now, proof.policy).await?;
        append(
            &mut tx,
            &self.chain,
            proof.now,
            &passed.with("next", next.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(next))
    }
}

enum Unclaimed {
    Wrong,
    Used,
    SessionGone,
}

/// Claims the proof once: the conditional update is what two simultaneous submissions race
/// for, and only one of them changes a row.
async fn claim(
    tx: &mut Tx,
    proof: &FactorProof<'_>,
) -> StoreResult<Result<(sessions::Carried, FactorFacts), Unclaimed>> {
    let account_id = proof.account_id;
    let changed = match proof.claim {
        Claim::Wrong => return Ok(Err(Unclaimed::Wrong)),
        Claim::AppStep(step) => sqlx::query(
            "UPDATE account_factors SET last_step = $1, last_used_at = $2
                 WHERE account_id = $3 AND kind = $4 AND (last_step IS NULL OR last_step < $1)",
        )
        .bind(step)
        .bind(proof.now)
        .bind(account_id)
        .bind(FactorKind::App.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected(),
        Claim::RecoveryCode(hash) => {
            let used = sqlx::query(
                "UPDATE recovery_codes SET used_at = $1
                 WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
            )
            .bind(proof.now)
            .bind(account_id)
            .bind(hash)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if used == 0 {
                let known = sqlx::query(
                    "SELECT 1 AS one FROM recovery_codes WHERE account_id = $1 AND code_hash = $2",
                )
                .bind(account_id)
                .bind(hash)
                .fetch_optional(&mut **tx)
                .await?;
                return Ok(Err(if known.is_some() {
                    Unclaimed::Used
                } else {
                    Unclaimed::Wrong
                }));
            }
            used
        }
        Claim::Passkey {
            credential_id,
            stored,
        } => sqlx::query(
            "UPDATE account_factors SET secret = $1, last_used_at = $2
                 WHERE account_id = $3 AND kind = $4 AND credential_id = $5",
        )
        .bind(stored)
        .bind(proof.now)
        .bind(account_id)
        .bind(FactorKind::Passkey.as_str())
        .bind(credential_id)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
        Claim::NewPasskey {
            credential_id,
            stored,
            label,
        } => sqlx::query(
            "INSERT INTO account_factors
                 (account_id, kind, label, secret, credential_id, created_at, last_used_at)
             SELECT a.id, $2, $3, $4, $5, $6, $6 FROM accounts a
             WHERE a.id = $1 AND a.status = $7 AND a.mfa_method = $2
               AND a.disabled_at IS NULL AND a.locked_at IS NULL
               AND (a.org_id IS NULL OR EXISTS (SELECT 1 FROM organization_factors o
                    WHERE o.org_id = a.org_id AND o.kind = $2))
               AND NOT EXISTS (SELECT 1 FROM account_factors f
                    WHERE f.account_id = a.id AND f.kind = $2)
               AND NOT EXISTS (SELECT 1 FROM account_factors g WHERE g.credential_id = $5)",
        )
        .bind(account_id)
        .bind(FactorKind::Passkey.as_str())
        .bind(label)
        .bind(stored)
        .bind(credential_id)
        .bind(proof.now)
        .bind(crate::domain::account::AccountStatus::Registering.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected(),
    };
    if changed == 0 {
        return Ok(Err(Unclaimed::Used));
    }
    // Claim the waiting session itself, so that of two simultaneous right proofs (two
    // different codes, say) only one passes.
    match sessions::revoke_passing(tx, proof.session_hash, proof.now).await? {
        Some(ended) => Ok(Ok(ended)),
        None => Ok(Err(Unclaimed::SessionGone)),
    }
}
