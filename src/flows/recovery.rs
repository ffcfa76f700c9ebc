//! The journeys for people who are stuck (guide: "Forgot or Reset Password", "Registration
//! Error Message", "Having Trouble Logging In?"). None of them tells a stranger whether an
//! address has an account: the same words and the same work for known and unknown
//! addresses, and limits kept per address typed and per client.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{HashError, Purpose, random_token};
use crate::delivery::EmailMessage;
use crate::domain::account::{Account, AccountStatus};
use crate::domain::code::{CodePurpose, OneTimeCode};
use crate::domain::email::{Email, EmailProblem};
use crate::domain::factor::FactorKind;
use crate::domain::mask;
use crate::domain::password::{NewPassword, PasswordContext, PasswordProblem};
use crate::domain::session::{SessionStage, SessionTimes, after_new_password};
use crate::flows::invitation::{LinkEmail, send_fresh_link};
use crate::flows::{Internal, human_duration, human_time};
use crate::store::{CodeIssue, LiveCode, NewPasswordChange, Session, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RecoveryProblem {
    #[error("{0}")]
    Email(EmailProblem),
    #[error("{}", crate::i18n::say_with("recovery-too-many", &[("time", human_time(*.retry_at).into())]))]
    TooMany { retry_at: i64 },
    #[error("{}", crate::i18n::say_with("recovery-cooling-down", &[("duration", human_duration(*.retry_in).into())]))]
    CoolingDown { retry_in: i64 },
    #[error("{}", crate::i18n::say("recovery-timed-out"))]
    SessionEnded,
    #[error("{}", crate::i18n::say("recovery-exhausted"))]
    Exhausted,
    #[error("{}", crate::i18n::say("portal-busy"))]
    Busy,
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl From<HashError> for RecoveryProblem {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            other => Self::Internal(other.into()),
        }
    }
}

impl From<StoreError> for RecoveryProblem {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

/// Counts a request for `journey` against the per-address and per-client hourly limits
/// (policy `recovery_requests_per_hour_per_address` / `_per_client`).
async fn within_limits(
    app: &App,
    journey: &str,
    address: &str,
    client: &str,
) -> Result<(), RecoveryProblem> {
    let now = app.now();
    let hour = now.div_euclid(3600);
    let key = |kind: &str, value: &str| {
        app.keys.hash(
            Purpose::Throttle,
            format!("{journey}:{kind}:{value}").as_bytes(),
        )
    };
    let by_address = app
        .store
        .allow_request(
            &format!("{journey}/address/hour"),
            &key("address", address),
            hour,
            app.config.policy.recovery_requests_per_hour_per_address,
        )
        .await?;
    let by_client = app
        .store
        .allow_request(
            &format!("{journey}/client/hour"),
            &key("client", client),
            hour,
            app.config.policy.recovery_requests_per_hour_per_client,
        )
        .await?;
    if by_address && by_client {
        Ok(())
    } else {
        Err(RecoveryProblem::TooMany {
            retry_at: (hour + 1) * 3600,
        })
    }
}

/// An account that has a password to forget: registering, active, or a current portal
/// user brought over from the older system (imported), who after the emailed code goes on
/// to register as at a first login.
fn has_password(account: &Account) -> bool {
    matches!(
        account.status,
        AccountStatus::Registering | AccountStatus::Active | AccountStatus::Imported
    )
}

/// Forgot your password, step 1: "Enter email address and click Send verification code."
/// Starts a recovery session for the address typed, known or not, and emails a code only
/// when an account with a password has it. Returns the new session's cookie value.
pub async fn start(
    app: &App,
    email: &str,
    client: &str,
    previous: Option<&Session>,
) -> Result<String, RecoveryProblem> {
    let email = Email::parse(email).map_err(RecoveryProblem::Email)?;
    within_limits(app, "forgot-password", email.as_str(), client).await?;
    // Staff have no local recovery, even while their company's provider is disabled (the
    // address is then not routed to it): the provider is how they authenticate.
    let staff = app.store.signs_in_through_provider(email.as_str()).await?;
    let account = app
        .store
        .account_by_email(&email)
        .await?
        .map(|(a, _)| a)
        .filter(|a| has_password(a) && !staff);
    let now = app.now();
    let token = random_token().map_err(Internal::from)?;
    let session_hash = app.keys.hash(Purpose::Session, token.as_bytes());
    let subject = account
        .as_ref()
        .map_or_else(|| mask::email(email.as_str()), |a| audit::account(a.id));
    let event = AuditEvent::new("password-reset-requested", "anonymous", subject)
        .with("known", account.is_some());
    app.store
        .start_session(
            previous.map(|s| s.id_hash.as_slice()),
            &session_hash,
            account.as_ref().map(|a| a.id),
            SessionStage::Recovery,
            SessionTimes::new(now, &app.config.policy, None),
            event,
        )
        .await?;
    let session = app
        .store
        .session(&session_hash)
        .await?
        .ok_or(RecoveryProblem::SessionEnded)?;
    send_code(app, &session, &email, account.as_ref()).await?;
    Ok(token)
}

/// Sends (again) the recovery code to the address the session is for.
pub async fn resend(app: &App, session: &Session) -> Result<(), RecoveryProblem> {
    if session.stage != SessionStage::Recovery {
        return Err(RecoveryProblem::SessionEnded);
    }
    let live = app.store.live_code(&session.id_hash).await?;
    let address = match (live, session.account_id) {
        (_, Some(id)) => app.store.account_by_id(id).await?.email,
        (Some(code), None) => {
            Email::parse(&code.destination).map_err(|_| RecoveryProblem::SessionEnded)?
        }
        (None, None) => return Err(RecoveryProblem::SessionEnded),
    };
    let account = match session.account_id {
        Some(id) => Some(app.store.account_by_id(id).await?),
        None => None,
    };
    send_code(app, session, &address, account.as_ref()).await
}

async fn send_code(
    app: &App,
    session: &Session,
    email: &Email,
    account: Option<&Account>,
) -> Result<(), RecoveryProblem> {
    let now = app.now();
    let ttl = app.config.policy.code_ttl_secs;
    let code = OneTimeCode::generate()
        .map_err(|e| Internal::Other(anyhow::anyhow!("no randomness: {e}")))?;
    let subject = account.map_or_else(|| mask::email(email.as_str()), |a| audit::account(a.id));
    let event = AuditEvent::new("code-sent", "anonymous", subject)
        .with("channel", "email")
        .with("purpose", "password-reset")
        .with("destination", mask::email(email.as_str()))
        .with("delivered", account.is_some());
    let issued = crate::flows::email_code::issue_email_code(
        app,
        &session.id_hash,
        CodePurpose::SignIn,
        email.as_str(),
        &code,
        ttl,
        event,
    )
    .await?;
    match issued {
        CodeIssue::Issued { .. } => {}
        CodeIssue::CoolingDown { retry_at } => {
            return Err(RecoveryProblem::CoolingDown {
                retry_in: (retry_at - now).max(1),
            });
        }
        CodeIssue::Exhausted => return Err(RecoveryProblem::Exhausted),
        _ => return Err(RecoveryProblem::SessionEnded),
    }
    let Some(account) = account else {
        // Nobody to send to: spend the time a send takes, so the answer looks the same.
        app.mailer.simulate_send().await;
        return Ok(());
    };
    let language = crate::i18n::of_person(account.language);
    let context = minijinja::context! {
        lang => language.as_str(),
        name => account.display_name.as_str(),
        code => code.expose(),
        lifetime => crate::flows::human_duration_in(language, ttl),
        expires => human_time(now + ttl),
    };
    let message = EmailMessage {
        to: email.as_str().to_string(),
        subject: crate::i18n::say_in(
            language,
            "reset-code-subject",
            &[("code", code.expose().into())],
        ),
        text: crate::templates::render("email/reset_code.txt", &context).map_err(Internal::from)?,
        html: crate::templates::render("email/reset_code.html", &context)
            .map_err(Internal::from)?,
    };
    // A failed send is logged and audited but answered like a success: the answer must not
    // differ between addresses with and without an account.
    if let Err(e) = app.mailer.send(&message, now).await {
        tracing::warn!(error = %e, account_id = account.id, "password reset code not sent");
        let event = AuditEvent::new("code-not-delivered", "system", audit::account(account.id))
            .with("channel", "email");
        app.store.record(app.now(), event).await?;
    }
    Ok(())
}

/// What the recovery code page shows: the address typed (masked) and the code's lifetime.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecoveryPage {
    pub sent_to: String,
    pub expires_in: i64,
    pub retry_in: i64,
}

/// `live`: the session's live code, as read with it.
pub fn page(app: &App, session: &Session, live: Option<&LiveCode>) -> Option<RecoveryPage> {
    let now = app.now();
    live.map(|code| RecoveryPage {
        sent_to: mask::email(&code.destination),
        expires_in: (code.expires_at - now).max(0),
        retry_in: app
            .config
            .policy
            .resend_in(session.code_sent_at, Some(code.expires_at), now),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum NewPasswordProblem {
    #[error("{0}")]
    Password(PasswordProblem),
    #[error("{}", crate::i18n::say("recovery-timed-out"))]
    SessionEnded,
    #[error("{}", crate::i18n::say("portal-busy"))]
    Busy,
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// "Enter a new password and confirm the password. Click Continue." Every other session of
/// the account ends, and the person is told by email. Returns the new session's cookie value
/// and, for a registration whose factor is not verified yet, that factor: the person goes
/// on to verify it (then the Terms of Use), never home unverified.
pub async fn set_password(
    app: &App,
    session: &Session,
    password: &str,
    confirmation: &str,
) -> Result<(String, Option<FactorKind>), NewPasswordProblem> {
    let stage = SessionStage::PasswordReset;
    let Some(account) = super::session::account_at(app, session, stage).await? else {
        return Err(NewPasswordProblem::SessionEnded);
    };
    let account_id = account.id;
    let context = PasswordContext {
        email: account.email.as_str(),
        display_name: account.display_name.as_str(),
    };
    let password = NewPassword::parse(password, confirmation, &context)
        .map_err(NewPasswordProblem::Password)?;
    let hash = app
        .hasher
        .hash(password.expose())
        .await
        .map_err(|e| match e {
            HashError::Busy => NewPasswordProblem::Busy,
            other => NewPasswordProblem::Internal(other.into()),
        })?;
    let token = random_token().map_err(Internal::from)?;
    let now = app.now();
    let who = audit::account(account_id);
    // The new password leads where `after_new_password` says for the account as read; the
    // store refuses the change if the account changed meanwhile (an administrator's MFA
    // reset), and the decision is taken again on what it is now.
    let throttle_keys = crate::flows::lockout::address_counters(app, account.email.as_str());
    let new_session_hash = app.keys.hash(Purpose::Session, token.as_bytes());
    let mut account = account;
    let mut tries = 0;
    let next = loop {
        let (next, completes) = after_new_password(account.status, account.mfa_method);
        let change = NewPasswordChange {
            session_hash: &session.id_hash,
            new_session_hash: &new_session_hash,
            account: &account,
            password_hash: &hash,
            throttle_keys: &throttle_keys,
            next,
            status: if completes {
                AccountStatus::Active
            } else {
                account.status
            },
        };
        // One meaning with Your account's change: the person set a new password (`via` says how).
        let audit =
            AuditEvent::new("password-changed", who.clone(), who.clone()).with("via", "recovery");
        match app
            .store
            .reset_password(change, now, &app.config.policy, audit)
            .await
        {
            Ok(()) => break next,
            Err(StoreError::NotFound) => return Err(NewPasswordProblem::SessionEnded),
            Err(StoreError::Conflict) if tries < 2 => {
                tries += 1;
                account = app
                    .store
                    .account_by_id(account_id)
                    .await
                    .map_err(Internal::from)?;
            }
            Err(e) => return Err(Internal::from(e).into()),
        }
    };
    let factor = if next == SessionStage::SecondFactor {
        Some(
            crate::flows::sign_in::factor_to_verify(app, &account)
                .await?
                .unwrap_or(FactorKind::Email),
        )
    } else {
        None
    };
    let language = crate::i18n::of_person(account.language);
    let context = minijinja::context! {
        lang => language.as_str(),
        name => account.display_name.as_str(),
        when => human_time(now),
        login => app.url("/login"),
    };
    let message = EmailMessage {
        to: account.email.to_string(),
        subject: crate::i18n::say_in(language, "password-changed-subject", &[]),
        text: crate::templates::render("email/password_changed.txt", &context)
            .map_err(Internal::from)?,
        html: crate::templates::render("email/password_changed.html", &context)
            .map_err(Internal::from)?,
    };
    if let Err(e) = app.mailer.send(&message, now).await {
        tracing::warn!(error = %e, account_id, "password-changed notice not sent");
    }
    Ok((token, factor))
}

/// The same answer for every address: the Reset and "Having trouble" pages say this.
pub fn link_sent_if_eligible() -> String {
    crate::i18n::say("link-sent-if-eligible")
}

/// Registration error → Reset: "Enter username and click Submit. An email will be sent to the
/// registered email address to complete the registration process."
pub async fn reset_registration(
    app: &App,
    username: &str,
    client: &str,
) -> Result<(), RecoveryProblem> {
    let email = Email::parse(username).map_err(RecoveryProblem::Email)?;
    within_limits(app, "registration-reset", email.as_str(), client).await?;
    let account = app
        .store
        .account_by_email(&email)
        .await?
        .map(|(a, _)| a)
        .filter(|a| {
            matches!(
                a.status,
                AccountStatus::Invited | AccountStatus::Registering
            ) && !a.disabled
                && !a.locked
        });
    send_link_or_pretend(app, account.as_ref(), &email, "registration-reset").await
}

/// Having trouble logging in: with the email and password used to start registering, a link
/// to finish it. A wrong password counts as a failed sign-in.
pub async fn finish_registration_link(
    app: &App,
    email: &str,
    password: &str,
    client: &str,
) -> Result<(), RecoveryProblem> {
    let Ok(email) = Email::parse(email) else {
        app.hasher.verify(password, None).await?;
        return Ok(());
    };
    within_limits(app, "finish-registration", email.as_str(), client).await?;
    let now = app.now();
    let counters = crate::flows::lockout::password_counters(app, email.as_str(), client);
    let claims = match app.store.claim_tries(&counters, now).await? {
        Ok(claims) => claims,
        Err(until) => return Err(RecoveryProblem::TooMany { retry_at: until }),
    };
    let found = app.store.account_by_email(&email).await?;
    let (account, stored) = match &found {
        Some((a, hash)) if a.status == AccountStatus::Registering && !a.disabled && !a.locked => {
            (Some(a), hash.as_deref())
        }
        _ => (None, None),
    };
    if !app.hasher.verify(password, stored).await? {
        let event = AuditEvent::new("sign-in-failed", "anonymous", mask::email(email.as_str()))
            .with("reason", "finish-registration");
        app.store.password_refused(&claims, now, event).await?;
        return send_link_or_pretend(app, None, &email, "finish-registration").await;
    }
    if let Some(until) = app.store.release_tries(&claims, now).await? {
        return Err(RecoveryProblem::TooMany { retry_at: until });
    }
    send_link_or_pretend(app, account, &email, "finish-registration").await
}

/// Emails an eligible account a fresh link; for anyone else does the same kind of work (a
/// write of one audit record in a transaction of its own, as the link's reissue is, and the
/// time a send takes), so neither the answer nor its time tells the two apart.
async fn send_link_or_pretend(
    app: &App,
    account: Option<&Account>,
    email: &Email,
    journey: &str,
) -> Result<(), RecoveryProblem> {
    match account {
        Some(account) => {
            if let Err(e) = send_fresh_link(app, account, "anonymous", LinkEmail::Requested).await {
                tracing::warn!(error = %e, account_id = account.id, "registration link not sent");
            }
        }
        None => {
            let event = AuditEvent::new(
                "registration-link-requested",
                "anonymous",
                mask::email(email.as_str()),
            )
            .with("journey", journey)
            .with("sent", false);
            app.store.record(app.now(), event).await?;
            app.mailer.simulate_send().await;
        }
    }
    Ok(())
}
