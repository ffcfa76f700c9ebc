//! Your account: a signed-in person changes their email address, their phone number, their
//! verification method or their password (OWASP ASVS 5.0 6.2.2, 6.2.3, 7.5.1 and 7.5.3; NIST
//! SP 800-63B 4.2.3 and 6.1.2).
//! Every change needs the current password and the second factor passed within 15 minutes
//! (step-up; together, ASVS 7.5.1's full re-authentication), a new address or
//! number is confirmed by a code sent to it before it replaces the old one, the person is told
//! on the old address and the new, the account's other sessions end, and the change, its
//! session ends and its audit entry are one transaction.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::HashError;
use crate::delivery::EmailMessage;
use crate::domain::account::Account;
use crate::domain::code::CodePurpose;
use crate::domain::email::{Email, EmailProblem};
use crate::domain::factor::FactorKind;
use crate::domain::mail_queue::LetterKind;
use crate::domain::mask;
use crate::domain::password::{NewPassword, PasswordContext, PasswordProblem};
use crate::domain::phone::{PhoneNumber, PhoneProblem};
use crate::flows::email_code::{Factor, VerifyProblem, send_code_email};
use crate::flows::mail_queue;
use crate::flows::phone_code::{Channel, masked, phone_on_file, send_to};
use crate::flows::step_up::{CodeSendProblem, check_code, is_fresh, signed_in_account};
use crate::flows::{Internal, human_time};
use crate::store::{KeepFactor, LiveCode, OwnPasswordChange, Session, StoreError};

/// What the account page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountPage {
    pub email: String,
    /// The company provider a staff member signs in through: no password here.
    pub staff_provider: Option<String>,
    /// `email` or `phone`.
    pub method: &'static str,
    /// The number on file, masked.
    pub phone: Option<String>,
    /// Which factors the organization allows.
    pub email_allowed: bool,
    pub phone_allowed: bool,
    /// A new address or number waits for its code: which (`email` or `phone`) and where to.
    pub pending: Option<&'static str>,
    pub sent_to: Option<String>,
    pub expires_in: Option<i64>,
    pub retry_in: i64,
    /// The factors the person holds: what, since when, last used.
    pub factors: Vec<FactorRow>,
    /// Whether the organization allows an authenticator app, and whether the person has one.
    pub app_allowed: bool,
    pub has_app: bool,
    /// Unused recovery codes (`flows::recovery_codes`).
    pub recovery_codes_left: i64,
    /// Whether the organization allows passkeys, and the person's, by id and name (to rename).
    pub passkey_allowed: bool,
    pub passkeys: Vec<(i64, String)>,
}

/// A factor as Your account lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FactorRow {
    /// For its Remove button.
    pub id: i64,
    /// The guide's name for it ("Email", "Phone") or the contract's, with a passkey's own name.
    pub name: String,
    pub added: String,
    pub last_used: String,
}

/// The guide's name of a kind of factor ("Email", "Phone"), in the page's language.
fn kind_name(kind: FactorKind) -> String {
    crate::i18n::say(match kind {
        FactorKind::Email => "account-factor-email",
        FactorKind::Phone => "account-factor-phone",
        FactorKind::App => "account-factor-app",
        FactorKind::Passkey => "account-factor-passkey",
    })
}

impl FactorRow {
    fn of(factor: &crate::store::FactorUse) -> Self {
        Self {
            id: factor.id,
            name: match &factor.label {
                Some(label) => format!("{} ({label})", kind_name(factor.kind)),
                None => kind_name(factor.kind),
            },
            added: human_time(factor.created_at),
            last_used: factor
                .last_used_at
                .map_or_else(|| crate::i18n::say("account-never"), human_time),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeProblem {
    /// The factor was not passed recently: the page sends the person to pass it again.
    #[error("{}", crate::i18n::say("account-problem-not-fresh"))]
    NotFresh,
    #[error("{}", crate::i18n::say("account-problem-wrong-password"))]
    WrongPassword,
    /// Staff: their password is their company's, changed there.
    #[error("{}", crate::i18n::say_with("account-problem-staff-password", &[("provider", .0.as_str().into())]))]
    StaffPassword(String),
    #[error("{}", crate::i18n::say_with("account-problem-locked", &[("time", human_time(*.until).into())]))]
    Locked { until: i64 },
    #[error("{}", crate::i18n::say("portal-busy"))]
    Busy,
    #[error("{0}")]
    Email(EmailProblem),
    #[error("{}", crate::i18n::say("account-problem-same-email"))]
    SameEmail,
    #[error("{}", crate::i18n::say("account-problem-email-taken"))]
    EmailTaken,
    #[error("{0}")]
    Phone(PhoneProblem),
    #[error("{}", crate::i18n::say("account-problem-same-phone"))]
    SamePhone,
    #[error("{}", crate::i18n::say_with("account-problem-method-not-allowed", &[("method", method_name(.0).into())]))]
    MethodNotAllowed(&'static str),
    #[error("{}", crate::i18n::say("account-problem-already-email"))]
    AlreadyEmail,
    #[error("{}", crate::i18n::say_with("account-problem-already-held", &[("method", method_name(.0).into())]))]
    AlreadyHeld(&'static str),
    #[error("{}", crate::i18n::say("account-problem-enrolment-expired"))]
    EnrolmentExpired,
    #[error("{}", crate::i18n::say("account-problem-wrong-app-code"))]
    WrongAppCode,
    #[error("{}", crate::i18n::say("account-problem-last-factor"))]
    LastFactor,
    #[error("{}", crate::i18n::say("account-problem-no-such-factor"))]
    NoSuchFactor,
    /// The new password breaks the policy of registration and recovery.
    #[error("{0}")]
    NewPassword(PasswordProblem),
    #[error("{}", crate::i18n::say("account-problem-same-password"))]
    SamePassword,
    #[error(transparent)]
    Send(CodeSendProblem),
    #[error(transparent)]
    Code(VerifyProblem),
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// A method's name in a problem, in the page's language (the flows name it in English).
fn method_name(english: &str) -> String {
    let id = match english {
        "the phone" => "account-method-name-phone",
        "email" => "account-method-name-email",
        "an authenticator app" => "account-method-name-app",
        "passkeys" => "account-method-name-passkeys",
        other => return other.to_string(),
    };
    crate::i18n::say(id)
}

impl From<StoreError> for ChangeProblem {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

/// The account behind a session whose factor is fresh; otherwise `NotFresh`.
pub(crate) async fn fresh_account(app: &App, session: &Session) -> Result<Account, ChangeProblem> {
    if !is_fresh(app, session) {
        return Err(ChangeProblem::NotFresh);
    }
    Ok(signed_in_account(app, session).await?)
}

/// Full re-authentication before a change to what signs the person in (OWASP ASVS 5.0
/// 7.5.1): the fresh factor and the current password. A wrong password counts toward the
/// same lock-out as a failed sign-in, so a taken-over session cannot guess it either.
/// Staff have no password here: for them the fresh factor is the re-authentication (a
/// re-authentication at their company's provider would be the full one; not yet asked for).
pub(crate) async fn reauthenticated(
    app: &App,
    session: &Session,
    password: &str,
    client: &str,
) -> Result<Account, ChangeProblem> {
    let account = fresh_account(app, session).await?;
    if app.store.provider_of_account(account.id).await?.is_some() {
        return Ok(account);
    }
    Ok(password_checked(app, session, password, client).await?.0)
}

/// `reauthenticated`, with the stored hash the password was checked against.
async fn password_checked(
    app: &App,
    session: &Session,
    password: &str,
    client: &str,
) -> Result<(Account, String), ChangeProblem> {
    let account = fresh_account(app, session).await?;
    let now = app.now();
    let counters = crate::flows::lockout::password_counters(app, account.email.as_str(), client);
    let claims = match app.store.claim_tries(&counters, now).await? {
        Ok(claims) => claims,
        Err(until) => return Err(ChangeProblem::Locked { until }),
    };
    let stored = app
        .store
        .account_by_email(&account.email)
        .await?
        .and_then(|(_, hash)| hash);
    let matches = app
        .hasher
        .verify(password, stored.as_deref())
        .await
        .map_err(|e| match e {
            HashError::Busy => ChangeProblem::Busy,
            other => ChangeProblem::Internal(other.into()),
        })?;
    if let (true, Some(stored)) = (matches, stored) {
        return match app.store.release_tries(&claims, now).await? {
            Some(until) => Err(ChangeProblem::Locked { until }),
            None => Ok((account, stored)),
        };
    }
    let who = audit::account(account.id);
    let event =
        AuditEvent::new("reauthentication-failed", who.clone(), who).with("reason", "password");
    app.store.password_refused(&claims, now, event).await?;
    Err(match claims.iter().filter_map(|c| c.locked_until).max() {
        Some(until) => ChangeProblem::Locked { until },
        None => ChangeProblem::WrongPassword,
    })
}

/// `live`: the session's live code, as read with it.
pub async fn page(
    app: &App,
    session: &Session,
    live: Option<&LiveCode>,
) -> Result<AccountPage, Internal> {
    let account = signed_in_account(app, session).await?;
    let allowed = app.store.allowed_factors(account.id).await?;
    let now = app.now();
    let factors = app.store.factors_of(account.id).await?;
    let pending = live.and_then(|c| match c.purpose {
        CodePurpose::NewEmail => Some(("email", mask::email(&c.destination))),
        CodePurpose::NewPhone => Some(("phone", masked(app, &c.destination))),
        _ => None,
    });
    Ok(AccountPage {
        email: account.email.to_string(),
        staff_provider: app.store.provider_of_account(account.id).await?,
        method: account.mfa_method.unwrap_or(FactorKind::Email).as_str(),
        phone: phone_on_file(app, &account)?.map(|p| p.masked()),
        email_allowed: allowed.allows(FactorKind::Email),
        phone_allowed: allowed.allows(FactorKind::Phone),
        pending: pending.as_ref().map(|(what, _)| *what),
        sent_to: pending.map(|(_, to)| to),
        expires_in: live
            .filter(|c| c.purpose != CodePurpose::StepUp)
            .map(|c| (c.expires_at - now).max(0)),
        retry_in: session.code_sent_at.map_or(0, |sent| {
            (sent + app.config.policy.code_resend_cooldown_secs - now).max(0)
        }),
        factors: factors.iter().map(FactorRow::of).collect(),
        app_allowed: allowed.allows(FactorKind::App),
        has_app: factors.iter().any(|f| f.kind == FactorKind::App),
        recovery_codes_left: app.store.recovery_codes_left(account.id).await?,
        passkey_allowed: allowed.allows(FactorKind::Passkey),
        passkeys: factors
            .iter()
            .filter(|f| f.kind == FactorKind::Passkey)
            .map(|f| (f.id, f.label.clone().unwrap_or_default()))
            .collect(),
    })
}

/// A new email address: checked, not anyone else's, then a code is sent to it (Send
/// Verification Code). Nothing changes until the code comes back.
pub async fn request_email(
    app: &App,
    session: &Session,
    password: &str,
    typed: &str,
    client: &str,
) -> Result<(), ChangeProblem> {
    let account = reauthenticated(app, session, password, client).await?;
    let new = Email::parse(typed).map_err(ChangeProblem::Email)?;
    if new == account.email {
        return Err(ChangeProblem::SameEmail);
    }
    if app.store.account_by_email(&new).await?.is_some() {
        return Err(ChangeProblem::EmailTaken);
    }
    send_code_email(
        app,
        &session.id_hash,
        &account,
        new.as_str(),
        app.config.policy.code_ttl_secs,
        CodePurpose::NewEmail,
    )
    .await
    .map_err(|e| ChangeProblem::Send(CodeSendProblem::Email(e)))
}

/// Verify Code for a new email address: it replaces the old one, both are told, and every
/// other session ends.
pub async fn confirm_email(app: &App, session: &Session, typed: &str) -> Result<(), ChangeProblem> {
    let account = fresh_account(app, session).await?;
    let who = audit::account(account.id);
    let old = account.email.to_string();
    let live = app.store.live_code(&session.id_hash).await?;
    let new = live
        .filter(|c| c.purpose == CodePurpose::NewEmail)
        .map_or_else(String::new, |c| c.destination);
    let done = |ended: u64| {
        AuditEvent::new("email-changed", who.clone(), who.clone())
            .with("from", mask::email(&old))
            .with("to", mask::email(&new))
            .with("other_sessions_ended", ended as i64)
    };
    let (new, _) = confirmed(
        check_code(
            app,
            session,
            &account,
            typed,
            (CodePurpose::NewEmail, Factor::Email),
            None,
            done,
        )
        .await,
    )?;
    let language = crate::i18n::of_person(account.language);
    let change = crate::i18n::say_in(
        language,
        "account-changed-email",
        &[
            ("old", mask::email(&old).into()),
            ("new", mask::email(&new).into()),
        ],
    );
    let subject = crate::i18n::say_in(language, "account-changed-email-subject", &[]);
    for to in [old.as_str(), new.as_str()] {
        notify(app, &account, to, &subject, &change).await?;
    }
    Ok(())
}

/// A new phone number (a phone user's new number, or an email user moving to the phone):
/// validated as at registration, allowed by the organization, then Send Code texts it a code.
pub async fn request_phone(
    app: &App,
    session: &Session,
    password: &str,
    country_code: &str,
    number: &str,
    client: &str,
) -> Result<(), ChangeProblem> {
    let account = reauthenticated(app, session, password, client).await?;
    let allowed = app.store.allowed_factors(account.id).await?;
    if !allowed.allows(FactorKind::Phone) {
        return Err(ChangeProblem::MethodNotAllowed("the phone"));
    }
    let allowed = app
        .config
        .policy
        .country_codes()
        .map_err(|e| Internal::Other(anyhow::anyhow!(e)))?;
    let phone = PhoneNumber::parse(country_code, number, &allowed).map_err(ChangeProblem::Phone)?;
    if phone_on_file(app, &account)?.is_some_and(|p| p.e164() == phone.e164()) {
        return Err(ChangeProblem::SamePhone);
    }
    send_to(
        app,
        &session.id_hash,
        &account,
        &phone,
        Channel::Sms,
        CodePurpose::NewPhone,
        client,
    )
    .await
    .map_err(|e| ChangeProblem::Send(CodeSendProblem::Phone(e)))
}

/// Verify Code for a new phone number: it becomes the number on file and the factor, the
/// person is told by email, and every other session ends.
pub async fn confirm_phone(app: &App, session: &Session, typed: &str) -> Result<(), ChangeProblem> {
    let account = fresh_account(app, session).await?;
    let who = audit::account(account.id);
    let old = phone_on_file(app, &account)?.map(|p| p.masked());
    let switching = account.mfa_method != Some(FactorKind::Phone);
    let new = app
        .store
        .live_code(&session.id_hash)
        .await?
        .filter(|c| c.purpose == CodePurpose::NewPhone)
        .map_or_else(String::new, |c| masked(app, &c.destination));
    let done = |ended: u64| {
        let event = if switching {
            AuditEvent::new("mfa-method-changed", who.clone(), who.clone())
                .with("from", FactorKind::Email.as_str())
                .with("to", FactorKind::Phone.as_str())
        } else {
            AuditEvent::new("phone-changed", who.clone(), who.clone())
                .with("from", old.clone().unwrap_or_default())
        };
        event
            .with("phone", new.clone())
            .with("other_sessions_ended", ended as i64)
    };
    confirmed(
        check_code(
            app,
            session,
            &account,
            typed,
            (CodePurpose::NewPhone, Factor::Sms),
            None,
            done,
        )
        .await,
    )?;
    let language = crate::i18n::of_person(account.language);
    let (change, subject) = if switching {
        ("account-changed-to-phone", "account-changed-method-subject")
    } else {
        ("account-changed-phone", "account-changed-phone-subject")
    };
    let change = crate::i18n::say_in(language, change, &[("phone", new.to_string().into())]);
    let subject = crate::i18n::say_in(language, subject, &[]);
    notify(app, &account, account.email.as_str(), &subject, &change).await
}

/// A phone user makes email their factor (the email address on file, verified by the
/// registration link); the number is forgotten.
pub async fn switch_to_email(
    app: &App,
    session: &Session,
    password: &str,
    client: &str,
) -> Result<(), ChangeProblem> {
    let account = reauthenticated(app, session, password, client).await?;
    let allowed = app.store.allowed_factors(account.id).await?;
    if !allowed.allows(FactorKind::Email) {
        return Err(ChangeProblem::MethodNotAllowed("email"));
    }
    if account.mfa_method != Some(FactorKind::Phone) {
        return Err(ChangeProblem::AlreadyEmail);
    }
    let who = audit::account(account.id);
    let old = phone_on_file(app, &account)?.map(|p| p.masked());
    let changed = app
        .store
        .switch_to_email_factor(account.id, &session.id_hash, app.now(), |ended| {
            AuditEvent::new("mfa-method-changed", who.clone(), who.clone())
                .with("from", FactorKind::Phone.as_str())
                .with("to", FactorKind::Email.as_str())
                .with("phone", old.unwrap_or_default())
                .with("other_sessions_ended", ended as i64)
        })
        .await?;
    if !changed {
        return Err(ChangeProblem::AlreadyEmail);
    }
    let language = crate::i18n::of_person(account.language);
    let change = crate::i18n::say_in(language, "account-changed-to-email", &[]);
    let subject = crate::i18n::say_in(language, "account-changed-method-subject", &[]);
    notify(app, &account, account.email.as_str(), &subject, &change).await
}

/// Change password (ASVS 6.2.2, 6.2.3): with a fresh factor and the current password (a
/// wrong one counts toward the sign-in lock-out), a new one that passes the policy of
/// registration and recovery and is not the current one. The new hash, the end of every other
/// session (ASVS 7.4.3; their applications are logged out by back-channel), the audit entry
/// and the notice are one transaction; on any problem nothing changes.
pub async fn change_password(
    app: &App,
    session: &Session,
    current: &str,
    new: &str,
    confirmation: &str,
    client: &str,
) -> Result<(), ChangeProblem> {
    if let Some(account_id) = session.account_id
        && let Some(provider) = app.store.provider_of_account(account_id).await?
    {
        return Err(ChangeProblem::StaffPassword(provider));
    }
    if !crate::flows::step_up::is_reverified(app, session) {
        return Err(ChangeProblem::NotFresh);
    }
    let (account, checked_hash) = password_checked(app, session, current, client).await?;
    let context = PasswordContext {
        email: account.email.as_str(),
        display_name: account.display_name.as_str(),
    };
    let password =
        NewPassword::parse(new, confirmation, &context).map_err(ChangeProblem::NewPassword)?;
    // The current one was just checked against the stored hash: the same text is the same.
    if password.expose() == current {
        return Err(ChangeProblem::SamePassword);
    }
    let new_hash = app
        .hasher
        .hash(password.expose())
        .await
        .map_err(|e| match e {
            HashError::Busy => ChangeProblem::Busy,
            other => ChangeProblem::Internal(other.into()),
        })?;
    let now = app.now();
    let language = crate::i18n::of_person(account.language);
    let message = notice(
        app,
        &account,
        account.email.as_str(),
        &crate::i18n::say_in(language, "account-changed-password-subject", &[]),
        &crate::i18n::say_in(language, "account-changed-password", &[]),
    )?;
    let who = audit::account(account.id);
    let changed = app
        .store
        .change_own_password(
            OwnPasswordChange {
                account_id: account.id,
                session_hash: &session.id_hash,
                checked_hash: &checked_hash,
                new_hash: &new_hash,
                notice: &mail_queue::letter(app, LetterKind::Notice, &message),
                now,
            },
            |ended| {
                AuditEvent::new("password-changed", who.clone(), who.clone())
                    .with("via", "account")
                    .with("other_sessions_ended", ended as i64)
            },
        )
        .await;
    match changed {
        Ok(true) => {
            mail_queue::wake(app);
            Ok(())
        }
        // Changed meanwhile (another browser of theirs): the typed one is no longer current.
        Ok(false) => Err(ChangeProblem::WrongPassword),
        // This session ended meanwhile: step-up sends the person on to sign in again.
        Err(StoreError::NotFound) => Err(ChangeProblem::NotFresh),
        Err(e) => Err(e.into()),
    }
}

/// Removes one of the person's factors (Remove on Your account): the factor passed recently
/// and the current password first; never the last one. The person's other sessions end, and
/// they are told by email.
pub async fn remove_factor(
    app: &App,
    session: &Session,
    factor_id: i64,
    password: &str,
    client: &str,
) -> Result<FactorKind, ChangeProblem> {
    let account = reauthenticated(app, session, password, client).await?;
    let held = app.store.factors_of(account.id).await?;
    let Some(factor) = held.iter().find(|f| f.id == factor_id) else {
        return Err(ChangeProblem::NoSuchFactor);
    };
    let what = factor.kind.label();
    let message = notice(
        app,
        &account,
        account.email.as_str(),
        "A verification method was removed from your portal account",
        &format!("A verification method ({what}) was removed from your portal account"),
    )?;
    let who = audit::account(account.id);
    let removed = app
        .store
        .remove_factor(
            account.id,
            &session.id_hash,
            factor_id,
            &mail_queue::letter(app, LetterKind::Notice, &message),
            app.now(),
            |kind, ended| {
                AuditEvent::new("factor-removed", who.clone(), who.clone())
                    .with("factor", kind.as_str())
                    .with("other_sessions_ended", ended as i64)
            },
        )
        .await;
    match removed {
        Ok(Ok(kind)) => {
            mail_queue::wake(app);
            Ok(kind)
        }
        Ok(Err(KeepFactor::Last)) => Err(ChangeProblem::LastFactor),
        Ok(Err(KeepFactor::NotFound)) => Err(ChangeProblem::NoSuchFactor),
        Err(StoreError::NotFound) => Err(ChangeProblem::NotFresh),
        Err(e) => Err(e.into()),
    }
}

/// A checked code's outcome as the account page's problem: an address taken meanwhile is
/// said plainly (the transaction changed nothing).
fn confirmed(
    outcome: Result<(String, u64), VerifyProblem>,
) -> Result<(String, u64), ChangeProblem> {
    match outcome {
        Ok(done) => Ok(done),
        Err(VerifyProblem::Internal(Internal::Store(StoreError::Conflict))) => {
            Err(ChangeProblem::EmailTaken)
        }
        Err(problem) => Err(ChangeProblem::Code(problem)),
    }
}

/// Tells the person of a change by a queued notice; one that cannot be queued is logged and
/// the change stands.
async fn notify(
    app: &App,
    account: &Account,
    to: &str,
    subject: &str,
    change: &str,
) -> Result<(), ChangeProblem> {
    let message = notice(app, account, to, subject, change)?;
    // Queued (issue 12): retried while the mail server cannot take it; the change stands.
    let queued = mail_queue::queue(app, LetterKind::Notice, Some(account.id), &message).await;
    if let Err(e) = queued {
        tracing::warn!(error = %e, account_id = account.id, "account-changed notice not queued");
    }
    Ok(())
}

/// The notice of a change to the account, in the words of every account-change notice and the
/// person's language (`subject` and `change` said in it, `i18n::of_person`).
pub(crate) fn notice(
    app: &App,
    account: &Account,
    to: &str,
    subject: &str,
    change: &str,
) -> Result<EmailMessage, Internal> {
    let context = minijinja::context! {
        lang => crate::i18n::of_person(account.language).as_str(),
        name => account.display_name.as_str(),
        change,
        when => human_time(app.now()),
        login => app.url("/login"),
    };
    Ok(EmailMessage {
        to: to.to_string(),
        subject: subject.to_string(),
        text: crate::templates::render("email/account_changed.txt", &context)?,
        html: crate::templates::render("email/account_changed.html", &context)?,
    })
}
