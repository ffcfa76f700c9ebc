//! Sign in (guide: "Login With Email" / "Login With Phone", first step): email and password.
//! Known and unknown addresses get the same words, the same status and the same work.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{HashError, Purpose, random_token};
use crate::domain::account::{AccountStatus, MfaMethod};
use crate::domain::email::Email;
use crate::domain::mask;
use crate::domain::session::{SessionStage, SessionTimes};
use crate::flows::{Internal, audit_budget, human_time};
use crate::store::Session;

#[derive(Debug, thiserror::Error)]
pub enum SignInProblem {
    #[error(
        "The email address or password is not right. Check both and try again. If you have not registered yet, use the link in your registration email."
    )]
    Invalid,
    #[error("Too many failed sign-ins for this email address. Try again after {}.", human_time(*.until))]
    Locked { until: i64 },
    #[error("The portal is busy. Wait a few seconds and try again.")]
    Busy,
    /// Told only after the right password, so it reveals nothing to a stranger.
    #[error(
        "This account is disabled or locked by your Portal Administrator. Contact them to have it turned back on."
    )]
    Disabled,
    /// Told only after the right password.
    #[error(
        "Your organization no longer allows the verification method you registered. Ask your Portal Administrator to reset your MFA, then register another method."
    )]
    FactorNotAllowed,
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl From<HashError> for SignInProblem {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            other => Self::Internal(other.into()),
        }
    }
}

#[derive(Debug)]
pub struct PasswordAccepted {
    /// SecondFactor, or Registration for an imported account's first sign-in.
    pub stage: SessionStage,
    /// The new session's cookie value (a new identifier: the old session, if any, is revoked).
    pub session_token: String,
    pub method: MfaMethod,
}

/// The keyed hash that counts failures for an address, registered or not.
pub fn throttle_key(app: &App, email: &str) -> Vec<u8> {
    app.keys.hash(Purpose::Throttle, email.as_bytes())
}

pub async fn sign_in(
    app: &App,
    email: &str,
    password: &str,
    previous: Option<&Session>,
    client: &str,
) -> Result<PasswordAccepted, SignInProblem> {
    // A malformed address cannot be an account: the same answer as a wrong password.
    let Ok(email) = Email::parse(email) else {
        app.hasher.verify(password, None).await?;
        return Err(SignInProblem::Invalid);
    };
    let now = app.now();
    let key = throttle_key(app, email.as_str());
    if let Some(until) = app
        .store
        .throttle(&key)
        .await
        .map_err(Internal::from)?
        .locked_at(now)
    {
        return Err(SignInProblem::Locked { until });
    }
    let found = app
        .store
        .account_by_email(&email)
        .await
        .map_err(Internal::from)?;
    let (account, stored) = match &found {
        Some((account, hash)) if account.status != AccountStatus::Invited => {
            (Some(account), hash.as_deref())
        }
        _ => (None, None),
    };
    let matches = app.hasher.verify(password, stored).await?;
    let (Some(account), true) = (account, matches) else {
        let subject = account.map_or_else(|| mask::email(email.as_str()), |a| audit::account(a.id));
        let event =
            AuditEvent::new("sign-in-failed", "anonymous", subject).with("reason", "password");
        let throttle = audit_budget::sign_in_failed(app, client, &key, account.is_some(), event)
            .await
            .map_err(Internal::from)?;
        return Err(match throttle.locked_at(now) {
            Some(until) => SignInProblem::Locked { until },
            None => SignInProblem::Invalid,
        });
    };
    if account.disabled || account.locked {
        let event = AuditEvent::new("sign-in-refused", "anonymous", audit::account(account.id))
            .with("reason", "disabled or locked");
        app.store.record(now, event).await.map_err(Internal::from)?;
        return Err(SignInProblem::Disabled);
    }
    let Some(method) = factor_to_verify(app, account).await? else {
        return Err(SignInProblem::FactorNotAllowed);
    };
    if let Some(stored) = stored.filter(|h| !crate::legacy::is_current(h)) {
        upgrade_hash(app, account, password, stored).await;
    }
    // A current portal user from the older system signs in once with the old password and
    // goes on to register like a new user (guide: "Current Portal Users").
    let stage = if account.status == AccountStatus::Imported {
        SessionStage::Registration
    } else {
        SessionStage::SecondFactor
    };
    let session_token = random_token().map_err(Internal::from)?;
    let times = SessionTimes::new(now, &app.config.policy, None);
    let event = AuditEvent::new(
        "password-accepted",
        audit::account(account.id),
        audit::account(account.id),
    )
    .with("next", stage.as_str());
    app.store
        .start_session(
            previous.map(|s| s.id_hash.as_slice()),
            &app.keys.hash(Purpose::Session, session_token.as_bytes()),
            Some(account.id),
            stage,
            times,
            event,
        )
        .await
        .map_err(Internal::from)?;
    Ok(PasswordAccepted {
        session_token,
        stage,
        method,
    })
}

/// The factor the account verifies at its second step: the one chosen, or (after an MFA
/// reset, none chosen) the first the organization allows. None when the organization no
/// longer allows the chosen one.
pub async fn factor_to_verify(
    app: &App,
    account: &crate::domain::account::Account,
) -> Result<Option<MfaMethod>, Internal> {
    let (email_allowed, phone_allowed) = app.store.allowed_factors(account.id).await?;
    let method = account.mfa_method.unwrap_or(if email_allowed {
        MfaMethod::Email
    } else {
        MfaMethod::Phone
    });
    Ok(method
        .allowed_by(email_allowed, phone_allowed)
        .then_some(method))
}

/// OWASP Password Storage: a hash made with other parameters or another algorithm (an
/// imported bcrypt or PBKDF2 hash, older Argon2 settings) is replaced at the first sign-in
/// that proves the password. A failure here is logged; the sign-in goes on.
async fn upgrade_hash(
    app: &App,
    account: &crate::domain::account::Account,
    password: &str,
    stored: &str,
) {
    let scheme = crate::legacy::scheme_of(stored)
        .map_or_else(|| "unknown".to_string(), |s| format!("{s:?}"));
    let result = async {
        let hash = app
            .hasher
            .hash(password)
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        let event = AuditEvent::new(
            "password-rehashed",
            audit::account(account.id),
            audit::account(account.id),
        )
        .with("from", scheme);
        app.store
            .replace_password_hash(account.id, &hash, app.now(), event)
            .await
            .map_err(|e| anyhow::anyhow!(e))
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, account_id = account.id, "password hash not upgraded");
    }
}
