//! Authenticator apps (issue 14; PRODUCT.md "Stronger factors"): enrolment from Your account
//! (the factor passed recently, then the secret shown as a QR code and as text, confirmed by
//! the current password and one right code), and the second step passed with the app's code,
//! each time step accepted once however many submissions race (`Store::prove_factor`).

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{Purpose, random_token};
use crate::domain::factor::FactorKind;
use crate::domain::mail_queue::LetterKind;
use crate::domain::session::{Proofs, SessionStage};
use crate::domain::totp::{TotpSecret, qr_svg};
use crate::flows::account::{ChangeProblem, fresh_account, notice, reauthenticated};
use crate::flows::{Internal, human_time, lockout, mail_queue};
use crate::i18n::{say, say_with};
use crate::sealing::Kind;
use crate::store::{
    FactorClaim, FactorProof, NewCeremony, NewFactor, ProofRefusal, Session, StoreError,
};

/// The enrolment's secret waits this long for its first code.
const ENROLMENT_SECS: i64 = 10 * 60;
const ENROLMENT: &str = "app-enrolment";

/// What the enrolment page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EnrolmentPage {
    /// The account holds an app already: remove it first to set up another.
    pub already: bool,
    /// No secret waits yet: the page offers to make one (a POST: a GET changes nothing).
    pub started: bool,
    /// The QR code (SVG markup made here, not from input) and the secret as text.
    pub qr_svg: String,
    pub secret: String,
}

/// The pending secret of this session's enrolment, if one waits.
async fn pending_secret(
    app: &App,
    session: &Session,
    account_id: i64,
) -> Result<Option<TotpSecret>, Internal> {
    match app
        .store
        .ceremony(&session.id_hash, ENROLMENT, app.now())
        .await?
    {
        Some((Some(owner), sealed)) if owner == account_id => Ok(Some(open_secret(app, &sealed)?)),
        _ => Ok(None),
    }
}

/// Starts an enrolment (Set up an authenticator app): a new secret from the CSPRNG, kept
/// sealed for this session for ten minutes, replacing any earlier one.
pub async fn start(app: &App, session: &Session) -> Result<(), ChangeProblem> {
    let account = fresh_account(app, session).await?;
    if !app
        .store
        .allowed_factors(account.id)
        .await?
        .allows(FactorKind::App)
    {
        return Err(ChangeProblem::MethodNotAllowed("an authenticator app"));
    }
    let secret = TotpSecret::generate()
        .map_err(|e| anyhow::anyhow!("no randomness: {e}"))
        .map_err(Internal::from)?;
    app.store
        .put_ceremony(NewCeremony {
            handle_hash: &session.id_hash,
            purpose: ENROLMENT,
            account_id: Some(account.id),
            state: &seal_secret(app, &secret),
            expires_at: app.now() + ENROLMENT_SECS,
        })
        .await?;
    Ok(())
}

fn seal_secret(app: &App, secret: &TotpSecret) -> String {
    app.sealer
        .seal(Kind::FactorSecret, &hex::encode(secret.as_bytes()))
}

fn open_secret(app: &App, sealed: &str) -> Result<TotpSecret, Internal> {
    let text = app
        .sealer
        .open(Kind::FactorSecret, sealed)
        .map_err(|e| anyhow::anyhow!("authenticator-app secret: {e}"))?;
    let bytes = hex::decode(text).map_err(|e| anyhow::anyhow!("authenticator-app secret: {e}"))?;
    Ok(TotpSecret::from_bytes(bytes).map_err(|e| anyhow::anyhow!("{e}"))?)
}

/// The enrolment page: a fresh factor first (`NotFresh` sends the person through step-up).
pub async fn enrolment(app: &App, session: &Session) -> Result<EnrolmentPage, ChangeProblem> {
    let account = fresh_account(app, session).await?;
    let empty = |already, started| EnrolmentPage {
        already,
        started,
        qr_svg: String::new(),
        secret: String::new(),
    };
    let held = app.store.held_factors(account.id).await?;
    if held.allows(FactorKind::App) {
        return Ok(empty(true, false));
    }
    let allowed = app.store.allowed_factors(account.id).await?;
    if !allowed.allows(FactorKind::App) {
        return Err(ChangeProblem::MethodNotAllowed("an authenticator app"));
    }
    let Some(secret) = pending_secret(app, session, account.id).await? else {
        return Ok(empty(false, false));
    };
    let uri = secret
        .uri(account.email.as_str())
        .map_err(|e| Internal::from(anyhow::anyhow!("{e}")))?;
    Ok(EnrolmentPage {
        already: false,
        started: true,
        qr_svg: qr_svg(&uri).map_err(|e| Internal::from(anyhow::anyhow!("{e}")))?,
        secret: secret.as_text(),
    })
}

/// Confirms the enrolment: the current password, and a right code from the app (its time
/// step is never accepted again). The person is told by email.
pub async fn confirm(
    app: &App,
    session: &Session,
    password: &str,
    code: &str,
    client: &str,
) -> Result<(), ChangeProblem> {
    let account = reauthenticated(app, session, password, client).await?;
    let now = app.now();
    let Some(secret) = pending_secret(app, session, account.id).await? else {
        return Err(ChangeProblem::EnrolmentExpired);
    };
    let Some(step) = secret.check(code, now, None) else {
        return Err(ChangeProblem::WrongAppCode);
    };
    let message = notice(
        app,
        &account,
        account.email.as_str(),
        "An authenticator app was added to your portal account",
        "An authenticator app was added to your portal account as a verification method",
    )?;
    let who = audit::account(account.id);
    let added = app
        .store
        .add_factor(
            NewFactor {
                account_id: account.id,
                session_hash: &session.id_hash,
                kind: FactorKind::App,
                label: None,
                secret: Some(&seal_secret(app, &secret)),
                credential_id: None,
                last_step: i64::try_from(step).ok(),
                notice: &mail_queue::letter(app, LetterKind::Notice, &message),
                now,
            },
            AuditEvent::new("factor-added", who.clone(), who)
                .with("factor", FactorKind::App.as_str()),
        )
        .await;
    match added {
        Ok(_) => {
            app.store
                .take_ceremony(&session.id_hash, ENROLMENT, now)
                .await?;
            mail_queue::wake(app);
            Ok(())
        }
        Err(StoreError::Conflict) => Err(ChangeProblem::AlreadyHeld("an authenticator app")),
        Err(StoreError::NotFound) => Err(ChangeProblem::NotFresh),
        Err(e) => Err(e.into()),
    }
}

/// Why a code from the app did not pass the second step.
#[derive(Debug, thiserror::Error)]
pub enum AppCodeProblem {
    #[error("{}", say("app-code-format"))]
    Format,
    #[error("{}", say("app-code-wrong"))]
    Wrong,
    #[error("{}", say("app-code-already-used"))]
    AlreadyUsed,
    #[error("{}", say_with("code-locked", &[("until", human_time(*.until).into())]))]
    Locked { until: i64 },
    #[error("{}", say("sign-in-timed-out"))]
    SessionEnded,
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl From<StoreError> for AppCodeProblem {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

/// Checks a code from the app at the second step (the gate let only a holder of an app
/// through); a right one ends the session and starts the next, whose cookie value is
/// returned with its stage.
pub async fn verify(
    app: &App,
    session: &Session,
    typed: &str,
) -> Result<(String, SessionStage), AppCodeProblem> {
    prove(app, session, typed, &SessionStage::SECOND_STEP, "signed-in").await
}

/// Confirm it is you with the app (step-up): a right code replaces the signed-in session by
/// one whose factor is fresh; its cookie value is returned.
pub async fn step_up(app: &App, session: &Session, typed: &str) -> Result<String, AppCodeProblem> {
    let account_id = session.account_id.ok_or(AppCodeProblem::SessionEnded)?;
    if !app
        .store
        .held_factors(account_id)
        .await?
        .allows(FactorKind::App)
    {
        return Err(AppCodeProblem::Wrong);
    }
    let stages = [SessionStage::Authenticated];
    Ok(prove(app, session, typed, &stages, "step-up-passed")
        .await?
        .0)
}

async fn prove(
    app: &App,
    session: &Session,
    typed: &str,
    stages: &[SessionStage],
    passed_event: &'static str,
) -> Result<(String, SessionStage), AppCodeProblem> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppCodeProblem::Format);
    }
    let account_id = session.account_id.ok_or(AppCodeProblem::SessionEnded)?;
    let account = app.store.account_by_id(account_id).await?;
    let lockout::CodeLock {
        key, until: locked, ..
    } = lockout::code_lock(app, account.email.as_str(), session.stage).await?;
    if let Some(until) = locked {
        return Err(AppCodeProblem::Locked { until });
    }
    let now = app.now();
    let stored = app.store.app_secret(account_id).await?;
    let matched = match stored {
        Some(sealed) => open_secret(app, &sealed)?.check(&code, now, None),
        None => None,
    };
    // A step at or before the last accepted one is refused by the claim itself, in the
    // transaction, so that it holds however many submissions race.
    let claim = match matched.and_then(|step| i64::try_from(step).ok()) {
        Some(step) => FactorClaim::AppStep(step),
        None => FactorClaim::Wrong,
    };
    let token = random_token().map_err(Internal::from)?;
    let who = audit::account(account_id);
    let proof = FactorProof {
        session_hash: &session.id_hash,
        new_session_hash: &app.keys.hash(Purpose::Session, token.as_bytes()),
        throttle_key: &key,
        account_id,
        stages,
        claim,
        proved: Some(FactorKind::App),
        adds: Proofs::default().and_code(),
        now,
        policy: &app.config.policy,
    };
    let passed = AuditEvent::new(passed_event, who.clone(), who.clone())
        .with("factor", FactorKind::App.as_str());
    let refused = |reason: &'static str| {
        AuditEvent::new("code-refused", who.clone(), who.clone())
            .with("channel", FactorKind::App.as_str())
            .with("reason", reason)
    };
    match app.store.prove_factor(proof, passed, refused).await? {
        Ok(stage) => Ok((token, stage)),
        Err(ProofRefusal::Wrong(throttle)) => match throttle.locked_at(now) {
            Some(until) => Err(AppCodeProblem::Locked { until }),
            None => Err(AppCodeProblem::Wrong),
        },
        Err(ProofRefusal::AlreadyUsed) => Err(AppCodeProblem::AlreadyUsed),
        Err(ProofRefusal::SessionEnded) => Err(AppCodeProblem::SessionEnded),
    }
}
