//! Recovery codes (issue 14; PRODUCT.md "Stronger factors"; NIST SP 800-63B 5.1.2, OWASP ASVS
//! 5.0 6.5): a signed-in person makes a set of ten from Your account (the factor passed
//! recently and the current password, as for every change to what signs them in), sees them
//! once, and uses one in place of a lost factor at a second step (**Use a recovery code**).
//! Each is used once however many submissions race (`Store::prove_factor`), and every use is
//! told by email. The codes are not a factor: they never count as the last one.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{Purpose, random_token};
use crate::delivery::EmailMessage;
use crate::domain::account::Account;
use crate::domain::mail_queue::LetterKind;
use crate::domain::recovery_code::{RecoveryCode, RecoveryCodeProblem};
use crate::domain::session::{Proofs, SessionStage};
use crate::flows::account::{ChangeProblem, reauthenticated};
use crate::flows::{Internal, human_time, lockout, mail_queue};
use crate::store::{FactorClaim, FactorProof, NewRecoveryCodes, ProofRefusal, Session, StoreError};

/// How the audit log and the `signed-in` entry name what passed the step.
const FACTOR: &str = "recovery-code";

/// Makes a new set of ten (the old set dies at once), after full re-authentication (ASVS
/// 7.5.1). Returns the codes as shown, to display this once: only their keyed hashes are
/// kept (ASVS 6.5.2), so no one can show them again.
pub async fn generate(
    app: &App,
    session: &Session,
    password: &str,
    client: &str,
) -> Result<Vec<String>, ChangeProblem> {
    let account = reauthenticated(app, session, password, client).await?;
    let codes = RecoveryCode::generate_set()
        .map_err(|e| Internal::from(anyhow::anyhow!("no randomness: {e}")))?;
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| app.keys.hash(Purpose::RecoveryCode, c.as_bytes()))
        .collect();
    let language = crate::i18n::of_person(account.language);
    let say = |id| crate::i18n::say_in(language, id, &[]);
    let message = notice(
        app,
        &account,
        &say("recovery-codes-new-subject"),
        &say("recovery-codes-new"),
        &say("recovery-codes-new-extra"),
    )?;
    let who = audit::account(account.id);
    let replaced = app
        .store
        .replace_recovery_codes(
            NewRecoveryCodes {
                account_id: account.id,
                session_hash: &session.id_hash,
                hashes: &hashes,
                notice: &mail_queue::letter(app, LetterKind::Notice, &message),
                now: app.now(),
            },
            AuditEvent::new("recovery-codes-generated", who.clone(), who),
        )
        .await;
    match replaced {
        Ok(()) => {
            mail_queue::wake(app);
            Ok(codes.iter().map(RecoveryCode::display).collect())
        }
        // This session ended meanwhile: step-up sends the person on to sign in again.
        Err(StoreError::NotFound) => Err(ChangeProblem::NotFresh),
        Err(e) => Err(e.into()),
    }
}

/// How many unused codes the account has (Your account).
pub async fn left(app: &App, account_id: i64) -> Result<i64, Internal> {
    Ok(app.store.recovery_codes_left(account_id).await?)
}

/// Why a recovery code did not pass the second step.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryCodeUseProblem {
    #[error("{0}")]
    Format(RecoveryCodeProblem),
    #[error("{}", crate::i18n::say("recovery-code-problem-wrong"))]
    Wrong,
    #[error("{}", crate::i18n::say("recovery-code-problem-used"))]
    AlreadyUsed,
    #[error("{}", crate::i18n::say_with("recovery-code-problem-locked", &[("time", human_time(*.until).into())]))]
    Locked { until: i64 },
    #[error("{}", crate::i18n::say("recovery-code-problem-timed-out"))]
    SessionEnded,
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl From<StoreError> for RecoveryCodeUseProblem {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

/// Uses a recovery code at the second step (the gate let only a session waiting for one
/// through): the code is claimed and the session moved on in one transaction, so fifty
/// simultaneous submissions of one code make exactly one session. A wrong code counts toward
/// the second step's lock-out; a used one is refused without counting (it is no guess). The
/// person is told by email, with how many codes are left. Returns the new session's cookie
/// value and stage.
pub async fn use_code(
    app: &App,
    session: &Session,
    typed: &str,
) -> Result<(String, SessionStage), RecoveryCodeUseProblem> {
    let code = RecoveryCode::parse(typed).map_err(RecoveryCodeUseProblem::Format)?;
    let account_id = session
        .account_id
        .ok_or(RecoveryCodeUseProblem::SessionEnded)?;
    let account = app.store.account_by_id(account_id).await?;
    let lockout::CodeLock {
        key, until: locked, ..
    } = lockout::code_lock(app, account.email.as_str(), session.stage).await?;
    if let Some(until) = locked {
        return Err(RecoveryCodeUseProblem::Locked { until });
    }
    let now = app.now();
    // The keyed hash is the comparison: looked up, never compared in the clear.
    let hash = app.keys.hash(Purpose::RecoveryCode, code.as_bytes());
    let token = random_token().map_err(Internal::from)?;
    let who = audit::account(account_id);
    let proof = FactorProof {
        session_hash: &session.id_hash,
        new_session_hash: &app.keys.hash(Purpose::Session, token.as_bytes()),
        throttle_key: &key,
        account_id,
        stages: &SessionStage::SECOND_STEP,
        claim: FactorClaim::RecoveryCode(&hash),
        proved: None,
        adds: Proofs::default().and_code(),
        now,
        policy: &app.config.policy,
    };
    let passed = AuditEvent::new("signed-in", who.clone(), who.clone()).with("factor", FACTOR);
    let refused = |reason: &'static str| {
        AuditEvent::new("code-refused", who.clone(), who.clone())
            .with("channel", FACTOR)
            .with("reason", reason)
    };
    match app.store.prove_factor(proof, passed, refused).await? {
        Ok(stage) => {
            tell_of_use(app, &account, session.stage).await;
            Ok((token, stage))
        }
        Err(ProofRefusal::Wrong(throttle)) => match throttle.locked_at(now) {
            Some(until) => Err(RecoveryCodeUseProblem::Locked { until }),
            None => Err(RecoveryCodeUseProblem::Wrong),
        },
        Err(ProofRefusal::AlreadyUsed) => Err(RecoveryCodeUseProblem::AlreadyUsed),
        Err(ProofRefusal::SessionEnded) => Err(RecoveryCodeUseProblem::SessionEnded),
    }
}

/// The notice of a used code, queued after the step passed: a use the person did not make
/// means someone has their password and a code, and they should act at once. One that cannot
/// be queued is logged; the sign-in stands.
async fn tell_of_use(app: &App, account: &Account, stage: SessionStage) {
    let left = app.store.recovery_codes_left(account.id).await.unwrap_or(0);
    let language = crate::i18n::of_person(account.language);
    let change = match stage {
        SessionStage::RecoveryPhone => "recovery-codes-used-resetting",
        _ => "recovery-codes-used-signing-in",
    };
    let extra = crate::i18n::say_in(language, "recovery-codes-left", &[("n", left.into())]);
    let queued = match notice(
        app,
        account,
        &crate::i18n::say_in(language, "recovery-codes-used-subject", &[]),
        &crate::i18n::say_in(language, change, &[]),
        &extra,
    ) {
        Ok(message) => mail_queue::queue(app, LetterKind::Notice, Some(account.id), &message)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(error) = queued {
        tracing::warn!(%error, account_id = account.id, "recovery-code notice not queued");
    }
}

/// A notice about the account's recovery codes, to its address.
fn notice(
    app: &App,
    account: &Account,
    subject: &str,
    change: &str,
    extra: &str,
) -> Result<EmailMessage, Internal> {
    let context = minijinja::context! {
        lang => crate::i18n::of_person(account.language).as_str(),
        name => account.display_name.as_str(),
        change,
        extra,
        when => human_time(app.now()),
        login => app.url("/login"),
    };
    Ok(EmailMessage {
        to: account.email.to_string(),
        subject: subject.to_string(),
        text: crate::templates::render("email/recovery_codes.txt", &context)?,
        html: crate::templates::render("email/recovery_codes.html", &context)?,
    })
}
