//! Sign in (guide: "Login With Email" / "Login With Phone", first step): email and password.
//! Known and unknown addresses get the same words, the same status and the same work.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{HashError, Purpose, random_token};
use crate::domain::account::AccountStatus;
use crate::domain::email::Email;
use crate::domain::factor::FactorKind;
use crate::domain::mask;
use crate::domain::session::{SessionStage, SessionTimes};
use crate::flows::{Internal, audit_budget, human_time, lockout};
use crate::i18n::{say, say_with};
use crate::store::{PasswordSignIn, Session};

#[derive(Debug, thiserror::Error)]
pub enum SignInProblem {
    #[error("{}", say("sign-in-invalid"))]
    Invalid,
    #[error("{}", say_with("sign-in-locked", &[("until", human_time(*.until).into())]))]
    Locked { until: i64 },
    #[error("{}", say("sign-in-busy"))]
    Busy,
    /// Told only after the right password, so it reveals nothing to a stranger.
    #[error("{}", say("sign-in-disabled"))]
    Disabled,
    /// Told only after the right password.
    #[error("{}", say("sign-in-factor-not-allowed"))]
    FactorNotAllowed,
    /// An address of a staff domain: staff sign in at their company's provider, never with a
    /// password here (nothing is compared or counted). The page says so (`web::staff`).
    #[error("{provider}")]
    StaffDomain {
        id: i64,
        provider: String,
        domain: String,
    },
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
    pub method: FactorKind,
}

/// Email and password. Every try is claimed on the lock-out counters before the password is
/// compared (so a burst of simultaneous tries cannot outrun the lock), and a right one gives
/// its claim back in the transaction that starts the second-factor session.
pub async fn sign_in(
    app: &App,
    email: &str,
    password: &str,
    previous: Option<&Session>,
    client: &str,
) -> Result<PasswordAccepted, SignInProblem> {
    let staff_domain = crate::domain::staff::domain_of(email);
    // A malformed address cannot be an account: the same answer as a wrong password (unless
    // its domain is a staff domain).
    let Ok(email) = Email::parse(email) else {
        if let Some(domain) = staff_domain
            && let Some((id, provider)) = super::staff_sso::provider_for(app, &domain).await?
        {
            return Err(SignInProblem::StaffDomain {
                id,
                provider,
                domain,
            });
        }
        app.hasher.verify(password, None).await?;
        return Err(SignInProblem::Invalid);
    };
    let counters = lockout::password_counters(app, email.as_str(), client);
    let keys: Vec<Vec<u8>> = counters.iter().map(|(key, _)| key.clone()).collect();
    // The account with its hash and factor standing, the staff domain's provider and the
    // lock-out counters: one read (issue 18).
    let lookup = app
        .store
        .sign_in_lookup(&email, staff_domain.as_deref(), &keys)
        .await
        .map_err(Internal::from)?;
    if let (Some((id, provider)), Some(domain)) = (lookup.staff_provider, staff_domain) {
        return Err(SignInProblem::StaffDomain {
            id,
            provider,
            domain,
        });
    }
    let found = lookup
        .candidate
        .filter(|c| c.account.status != AccountStatus::Invited);
    let now = app.now();
    let claims = match app
        .store
        .claim_tries_as_read(&counters, lookup.counters, now)
        .await
        .map_err(Internal::from)?
    {
        Ok(claims) => claims,
        Err(until) => return Err(SignInProblem::Locked { until }),
    };
    let account = found.as_ref().map(|c| &c.account);
    let stored = found.as_ref().and_then(|c| c.password_hash.as_deref());
    let matches = app.hasher.verify(password, stored).await?;
    let (Some(account), true) = (account, matches) else {
        let subject = account.map_or_else(|| mask::email(email.as_str()), |a| audit::account(a.id));
        let event =
            AuditEvent::new("sign-in-failed", "anonymous", subject).with("reason", "password");
        audit_budget::password_refused(app, client, &claims, account.is_some(), event)
            .await
            .map_err(Internal::from)?;
        return Err(match claims.iter().filter_map(|c| c.locked_until).max() {
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
    let Some(method) = found
        .as_ref()
        .and_then(|c| FactorKind::to_verify(account.mfa_method, c.held, c.allowed))
    else {
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
    let event = AuditEvent::new(
        "password-accepted",
        audit::account(account.id),
        audit::account(account.id),
    )
    .with("next", stage.as_str());
    let accepted = app
        .store
        .accept_password(
            PasswordSignIn {
                previous: previous.map(|s| s.id_hash.as_slice()),
                id_hash: &app.keys.hash(Purpose::Session, session_token.as_bytes()),
                account_id: account.id,
                stage,
                times: SessionTimes::new(now, &app.config.policy, None),
                claims: &claims,
            },
            event,
        )
        .await
        .map_err(Internal::from)?;
    if let Err(until) = accepted {
        return Err(SignInProblem::Locked { until });
    }
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
) -> Result<Option<FactorKind>, Internal> {
    let (allowed, held) = app.store.factor_standing(account.id).await?;
    Ok(FactorKind::to_verify(account.mfa_method, held, allowed))
}

/// Teaches the hasher how long the current portal users' imported hashes take to check (one
/// of each cost class in a sample), so that from the first sign-in on, a wrong password for
/// any account takes as long as for an imported one (issue 11, finding 10).
pub async fn calibrate_timing(app: &App) -> Result<(), Internal> {
    let mut seen = std::collections::BTreeSet::new();
    for hash in app.store.imported_hash_sample(2_000).await? {
        if seen.insert(crate::legacy::cost_class(&hash).to_string()) {
            app.hasher.calibrate(&hash).await?;
        }
    }
    Ok(())
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
