//! Step-up: a signed-in person passes their second factor again, in place, before a
//! sensitive action (administration; changing their email, phone or factor). OWASP ASVS 5.0
//! 7.5.3 and NIST SP 800-63B 4.2.3 ask for re-authentication there; a full sign-in is not
//! needed, the factor is. The code is the sign-in code's kind (CSPRNG, keyed hash, bound to
//! the session, 5 tries, consumed atomically, cool-down, daily caps for texts), marked for
//! this purpose only, and a right one replaces the session by one whose factor is fresh.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{Purpose, constant_time_eq, random_token};
use crate::domain::account::Account;
use crate::domain::code::{CodePurpose, OneTimeCode};
use crate::domain::factor::FactorKind;
use crate::domain::mask;
use crate::domain::session::{SessionStage, factor_is_fresh};
use crate::flows::email_code::{Factor, SendProblem, VerifyProblem};
use crate::flows::phone_code::{Channel, PhoneSendProblem, masked, phone_on_file, send_to};
use crate::flows::{Internal, human_duration, lockout};
use crate::store::{LiveCode, Session, SignedInCheck, SignedInOutcome, StoreError};

/// Whether the session passed its second factor recently enough for a sensitive action.
pub fn is_fresh(app: &App, session: &Session) -> bool {
    session.stage == SessionStage::Authenticated
        && factor_is_fresh(session.factor_verified_at, app.now())
}

/// Whether a step-up passed in this session recently: what Change password asks for, even
/// right after sign-in (PRODUCT.md), where the sign-in's own factor would count as fresh.
pub fn is_reverified(app: &App, session: &Session) -> bool {
    is_fresh(app, session) && factor_is_fresh(session.reverified_at, app.now())
}

/// What the re-verification page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepUpPage {
    /// The person holds an authenticator app (allowed): its code serves too.
    pub app: bool,
    /// `email` or `phone`: which factor is asked for again.
    pub method: &'static str,
    /// Where the code goes, masked.
    pub destination: String,
    /// A code was sent and waits: where to (masked) and for how much longer it works.
    pub sent_to: Option<String>,
    pub expires_in: Option<i64>,
    pub lifetime: String,
    /// Seconds until another code may be sent.
    pub retry_in: i64,
}

/// The account behind a signed-in session.
pub(crate) async fn signed_in_account(app: &App, session: &Session) -> Result<Account, Internal> {
    let account = super::session::account_at(app, session, SessionStage::Authenticated).await?;
    Ok(account.ok_or_else(|| anyhow::anyhow!("not a signed-in session"))?)
}

/// The factor the account registered: email unless it is the phone.
/// The channel a step-up code goes by: the phone for a person who chose it, the email
/// address otherwise (an authenticator app or a passkey chosen at registration included).
fn method_of(account: &Account) -> FactorKind {
    match account.mfa_method {
        Some(FactorKind::Phone) => FactorKind::Phone,
        _ => FactorKind::Email,
    }
}

/// The emailed code lives as long as the login code (the guide's 30 seconds); a text as long
/// as a text at sign-in.
fn lifetime(app: &App, method: FactorKind) -> i64 {
    match method {
        FactorKind::Phone => app.config.policy.code_ttl_secs,
        _ => app.config.policy.email_login_code_ttl_secs,
    }
}

/// `live`: the session's live code, as read with it.
pub async fn page(
    app: &App,
    session: &Session,
    live: Option<&LiveCode>,
) -> Result<StepUpPage, Internal> {
    let account = signed_in_account(app, session).await?;
    let method = method_of(&account);
    let now = app.now();
    let live = live.filter(|c| c.purpose == CodePurpose::StepUp);
    let show = |stored: &str| match method {
        FactorKind::Phone => masked(app, stored),
        _ => mask::email(stored),
    };
    let destination = match method {
        FactorKind::Phone => phone_on_file(app, &account)?.map_or_else(String::new, |p| p.masked()),
        _ => mask::email(account.email.as_str()),
    };
    let (allowed, held) = app.store.factor_standing(account.id).await?;
    Ok(StepUpPage {
        app: held.and(allowed).allows(FactorKind::App),
        method: method.as_str(),
        destination,
        sent_to: live.as_ref().map(|c| show(&c.destination)),
        expires_in: live.as_ref().map(|c| (c.expires_at - now).max(0)),
        lifetime: human_duration(lifetime(app, method)),
        retry_in: app.config.policy.resend_in(
            session.code_sent_at,
            live.as_ref().map(|c| c.expires_at),
            now,
        ),
    })
}

/// Why a code was not sent: the email factor's reasons or the phone's.
#[derive(Debug, thiserror::Error)]
pub enum CodeSendProblem {
    #[error(transparent)]
    Email(SendProblem),
    #[error(transparent)]
    Phone(PhoneSendProblem),
    #[error("{}", crate::i18n::say("step-up-problem-no-phone"))]
    NoPhone,
}

impl CodeSendProblem {
    /// The session is gone: the person signs in again.
    pub fn session_ended(&self) -> bool {
        matches!(
            self,
            Self::Email(SendProblem::SessionEnded) | Self::Phone(PhoneSendProblem::SessionEnded)
        )
    }

    pub fn internal(self) -> Result<Internal, Self> {
        match self {
            Self::Email(SendProblem::Internal(e)) | Self::Phone(PhoneSendProblem::Internal(e)) => {
                Ok(e)
            }
            other => Err(other),
        }
    }

    /// Asked again too soon, or today's texts are used up.
    pub fn too_many(&self) -> bool {
        matches!(
            self,
            Self::Email(SendProblem::CoolingDown { .. })
                | Self::Phone(
                    PhoneSendProblem::CoolingDown { .. } | PhoneSendProblem::CapReached { .. }
                )
        )
    }
}

/// Send Verification Code (email users) or Send Code (phone users): a code to the factor on
/// file, for this session's step-up only.
pub async fn send(app: &App, session: &Session, client: &str) -> Result<(), CodeSendProblem> {
    let account = signed_in_account(app, session)
        .await
        .map_err(|e| CodeSendProblem::Email(e.into()))?;
    let method = method_of(&account);
    let ttl = lifetime(app, method);
    match method {
        FactorKind::Email | FactorKind::App | FactorKind::Passkey => {
            let to = account.email.to_string();
            crate::flows::email_code::send_code_email(
                app,
                &session.id_hash,
                &account,
                &to,
                ttl,
                CodePurpose::StepUp,
            )
            .await
            .map_err(CodeSendProblem::Email)
        }
        FactorKind::Phone => {
            let phone = phone_on_file(app, &account)
                .map_err(|e| CodeSendProblem::Phone(e.into()))?
                .ok_or(CodeSendProblem::NoPhone)?;
            send_to(
                app,
                &session.id_hash,
                &account,
                &phone,
                Channel::Sms,
                CodePurpose::StepUp,
                client,
            )
            .await
            .map_err(CodeSendProblem::Phone)
        }
    }
}

/// Verify Code: a right code replaces the session by one whose factor is fresh; its cookie
/// value is returned. A wrong or expired one changes nothing but the count of tries.
pub async fn verify(app: &App, session: &Session, typed: &str) -> Result<String, VerifyProblem> {
    let account = signed_in_account(app, session).await?;
    let factor = match method_of(&account) {
        FactorKind::Phone => Factor::Sms,
        _ => Factor::Email,
    };
    let token = random_token().map_err(Internal::from)?;
    let new_hash = app.keys.hash(Purpose::Session, token.as_bytes());
    let who = audit::account(account.id);
    let done = |_| {
        AuditEvent::new("step-up-passed", who.clone(), who.clone()).with("factor", factor.name())
    };
    check_code(
        app,
        session,
        &account,
        typed,
        (CodePurpose::StepUp, factor),
        Some(&new_hash),
        done,
    )
    .await?;
    Ok(token)
}

/// Checks a signed-in session's code of `purpose`, with the same lock-out as at sign-in
/// (refused while locked; wrong codes count towards it). Returns where the code went and
/// how many other sessions ended.
pub(crate) async fn check_code(
    app: &App,
    session: &Session,
    account: &Account,
    typed: &str,
    (purpose, factor): (CodePurpose, Factor),
    new_session_hash: Option<&[u8]>,
    done: impl FnOnce(u64) -> AuditEvent,
) -> Result<(String, u64), VerifyProblem> {
    let code = OneTimeCode::parse(typed).map_err(VerifyProblem::Format)?;
    let key = lockout::code_counter(app, account.email.as_str(), session.stage);
    let now = app.now();
    let submitted = app.keys.hash(Purpose::Code, code.expose().as_bytes());
    let who = audit::account(account.id);
    let outcome = app
        .store
        .check_signed_in_code(
            SignedInCheck {
                session_hash: &session.id_hash,
                account_id: account.id,
                purpose,
                new_session_hash,
                throttle_key: &key,
                now,
                policy: &app.config.policy,
            },
            |stored| constant_time_eq(stored, &submitted),
            done,
            |refusal| {
                AuditEvent::new("code-refused", who.clone(), who.clone())
                    .with("channel", factor.name())
                    .with("purpose", purpose.as_str())
                    .with("reason", format!("{refusal:?}"))
            },
        )
        .await;
    match outcome {
        Ok(SignedInOutcome::Done {
            destination,
            other_sessions_ended,
        }) => Ok((destination, other_sessions_ended)),
        Ok(SignedInOutcome::Locked { until }) => Err(VerifyProblem::Locked { until }),
        Ok(SignedInOutcome::Refused(refusal, throttle)) => match throttle.locked_at(now) {
            Some(until) => Err(VerifyProblem::Locked { until }),
            None => Err(VerifyProblem::Refused(refusal, factor)),
        },
        Err(StoreError::NotFound) => Err(VerifyProblem::SessionEnded),
        Err(e) => Err(Internal::from(e).into()),
    }
}
