//! Registration (guide: "Create a New Account"): the emailed link opens a page with Display
//! Name and Email filled in; the person sets a password, chooses the MFA method, Submit.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{Purpose, random_token};
use crate::domain::account::{Account, AccountStatus, NewAccount, Role};
use crate::domain::email::{Email, EmailProblem};
use crate::domain::factor::FactorKind;
use crate::domain::mask;
use crate::domain::name::{DisplayName, NameProblem};
use crate::domain::password::{NewPassword, PasswordContext, PasswordProblem};
use crate::domain::session::SessionStage;
use crate::flows::Internal;
use crate::store::{InvitationTarget, LinkRefusal, Registrant, Registration, Session, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum LinkProblem {
    #[error("{}", crate::i18n::say("registration-link-invalid"))]
    Unknown,
    #[error("{}", crate::i18n::say("registration-link-expired"))]
    Expired,
    #[error("{}", crate::i18n::say("registration-link-used"))]
    Used,
    #[error("{}", crate::i18n::say("registration-link-replaced"))]
    Replaced,
    #[error("{}", crate::i18n::say("registration-link-done"))]
    Settled,
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// Where a registration session takes up the journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// The registration page: a password and a factor to choose.
    Register,
    /// The password is set and the factor chosen: verify it (then the Terms of Use).
    Factor(FactorKind),
}

/// Where `session` carries on the registration, if it is one: a registration page session,
/// or one at the factor step for an account still registering (a fresh link for an
/// unfinished registration opens at that step).
pub async fn resume(app: &App, session: &Session) -> Result<Option<Resume>, Internal> {
    match (session.stage, session.account_id) {
        (stage, _) if stage.registers() => Ok(Some(Resume::Register)),
        (SessionStage::SecondFactor, Some(id)) => {
            let account = app.store.account_by_id(id).await?;
            if account.status != AccountStatus::Registering {
                return Ok(None);
            }
            Ok(Some(factor_step(app, &account).await?))
        }
        _ => Ok(None),
    }
}

async fn factor_step(app: &App, account: &Account) -> Result<Resume, Internal> {
    let method = crate::flows::sign_in::factor_to_verify(app, account)
        .await?
        .unwrap_or(FactorKind::Email);
    Ok(Resume::Factor(method))
}

/// Exchanges the emailed token for a registration session (the token leaves the address
/// bar at once): the registration page, or, for an account that already set its password
/// and chose a factor, that factor's verification. Returns the session cookie's value and
/// where it resumes.
pub async fn open_link(app: &App, token: &str) -> Result<(String, Resume), LinkProblem> {
    let now = app.now();
    let session_token = random_token().map_err(Internal::from)?;
    let outcome = app
        .store
        .open_link(
            &app.keys.hash(Purpose::Link, token.as_bytes()),
            &app.keys.hash(Purpose::Session, session_token.as_bytes()),
            now,
            &app.config.policy,
            |target| match target {
                InvitationTarget::Account(a) => AuditEvent::new(
                    "registration-link-opened",
                    audit::account(a.id),
                    audit::account(a.id),
                )
                .with(
                    "next",
                    SessionStage::after_registration_link(Some(a.status)).as_str(),
                ),
                InvitationTarget::FirstAdministrator => AuditEvent::new(
                    "registration-link-opened",
                    "anonymous",
                    "first-administrator",
                ),
            },
        )
        .await
        .map_err(Internal::from)?;
    match outcome {
        Ok(InvitationTarget::Account(account))
            if SessionStage::after_registration_link(Some(account.status))
                == SessionStage::SecondFactor =>
        {
            Ok((session_token, factor_step(app, &account).await?))
        }
        Ok(_) => Ok((session_token, Resume::Register)),
        Err(LinkRefusal::Unknown) => Err(LinkProblem::Unknown),
        Err(LinkRefusal::Expired) => Err(LinkProblem::Expired),
        Err(LinkRefusal::Used) => Err(LinkProblem::Used),
        Err(LinkRefusal::Replaced) => Err(LinkProblem::Replaced),
        Err(LinkRefusal::Settled) => Err(LinkProblem::Settled),
    }
}

/// What the registration page shows.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RegistrationForm {
    pub display_name: String,
    pub email: String,
    /// Only the first administrator types their own email; everyone else's is the invited one.
    pub email_editable: bool,
    pub method: String,
    /// The factors the person's organization allows.
    pub email_allowed: bool,
    pub phone_allowed: bool,
    /// A passkey, made at the second step (an addition to the guide's Phone and Email).
    pub passkey_allowed: bool,
}

pub async fn form(app: &App, session: &Session) -> Result<RegistrationForm, Internal> {
    Ok(match session.account_id {
        Some(id) => {
            let account = app.store.account_by_id(id).await?;
            let allowed = app.store.allowed_factors(id).await?;
            RegistrationForm {
                display_name: account.display_name.to_string(),
                email: account.email.to_string(),
                email_editable: false,
                method: String::new(),
                email_allowed: allowed.allows(FactorKind::Email),
                phone_allowed: allowed.allows(FactorKind::Phone),
                passkey_allowed: allowed.allows(FactorKind::Passkey),
            }
        }
        None => RegistrationForm {
            email_editable: true,
            email_allowed: true,
            phone_allowed: true,
            ..Default::default()
        },
    })
}

#[derive(Clone, Default, serde::Deserialize)]
pub struct RegistrationInput {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirmation: String,
    #[serde(default)]
    pub mfa_method: String,
}

/// Passwords never reach a log.
impl std::fmt::Debug for RegistrationInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationInput")
            .field("email", &mask::email(&self.email))
            .field("mfa_method", &self.mfa_method)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationProblem {
    #[error("{0}")]
    Name(NameProblem),
    #[error("{0}")]
    Email(EmailProblem),
    #[error("{0}")]
    Password(PasswordProblem),
    #[error("{}", crate::i18n::say("registration-choose-method"))]
    NoMethod,
    #[error("{}", crate::i18n::say("registration-method-not-allowed"))]
    MethodNotAllowed,
    #[error("{}", crate::i18n::say("registration-email-taken"))]
    EmailTaken,
    /// Staff have no password here: their company's provider signs them in.
    #[error("{}", crate::i18n::say_with("registration-staff", &[("provider", .0.as_str().into())]))]
    StaffAddress(String),
    #[error("{}", crate::i18n::say("registration-page-expired"))]
    SessionEnded,
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl RegistrationProblem {
    /// The form field the problem belongs to, so the page can point at it.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Name(_) => "display_name",
            Self::Email(_) | Self::EmailTaken | Self::StaffAddress(_) => "email",
            Self::Password(_) => "password",
            Self::NoMethod | Self::MethodNotAllowed => "mfa_method",
            Self::SessionEnded | Self::Internal(_) => "",
        }
    }
}

/// Validates everything first; only a fully valid form changes anything. Returns the
/// address to sign in with.
pub async fn complete(
    app: &App,
    session: &Session,
    input: &RegistrationInput,
) -> Result<Email, RegistrationProblem> {
    // Who registers is the session's: an invited account, or (the first-run link's own
    // stage) the first system administrator; never a session that merely has no account.
    let invited_id = match (session.stage, session.account_id) {
        (SessionStage::Registration, Some(id)) => Some(id),
        (SessionStage::FirstAdministrator, None) => None,
        _ => return Err(RegistrationProblem::SessionEnded),
    };
    let display_name =
        DisplayName::parse(&input.display_name).map_err(RegistrationProblem::Name)?;
    let invited = match invited_id {
        Some(id) => Some(app.store.account_by_id(id).await.map_err(Internal::from)?),
        None => None,
    };
    let email = match &invited {
        Some(account) => account.email.clone(),
        None => Email::parse(&input.email).map_err(RegistrationProblem::Email)?,
    };
    if let Some((_, provider)) = super::staff_sso::provider_for(app, email.as_str()).await? {
        return Err(RegistrationProblem::StaffAddress(provider));
    }
    let Some(method) = FactorKind::parse(input.mfa_method.as_str()) else {
        return Err(RegistrationProblem::NoMethod);
    };
    // The choices the page offers: Phone and Email, and a passkey for an invited person
    // whose organization allows one (the first administrator's page offers none).
    let offered = match method {
        FactorKind::Phone | FactorKind::Email => true,
        FactorKind::Passkey => invited_id.is_some(),
        FactorKind::App => false,
    };
    if !offered {
        return Err(RegistrationProblem::MethodNotAllowed);
    }
    if let Some(id) = invited_id {
        let allowed = app
            .store
            .allowed_factors(id)
            .await
            .map_err(Internal::from)?;
        if !allowed.allows(method) {
            return Err(RegistrationProblem::MethodNotAllowed);
        }
    }
    let context = PasswordContext {
        email: email.as_str(),
        display_name: display_name.as_str(),
    };
    let password = NewPassword::parse(&input.password, &input.password_confirmation, &context)
        .map_err(RegistrationProblem::Password)?;
    let hash = app
        .hasher
        .hash(password.expose())
        .await
        .map_err(Internal::from)?;

    let new_admin = NewAccount {
        email: email.clone(),
        display_name: display_name.clone(),
        org_id: None,
        role: Role::SystemAdmin,
    };
    let result = app
        .store
        .complete_registration(
            Registration {
                session_hash: &session.id_hash,
                registrant: match invited_id {
                    Some(id) => Registrant::Invited(id),
                    None => Registrant::FirstAdministrator(&new_admin),
                },
                password_hash: &hash,
                display_name: &display_name,
                method,
            },
            app.now(),
            |id| {
                AuditEvent::new("password-set", audit::account(id), audit::account(id))
                    .with("mfa_method", method.as_str())
                    .with("first_administrator", invited.is_none())
            },
        )
        .await;
    match result {
        Ok(_) => Ok(email),
        Err(StoreError::NotFound) => Err(RegistrationProblem::SessionEnded),
        Err(StoreError::Conflict) => Err(RegistrationProblem::EmailTaken),
        Err(e) => Err(Internal::from(e).into()),
    }
}
