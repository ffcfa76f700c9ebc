//! Invitation (guide: "New Portal User MFA Registration"): an administrator creates the
//! account and the system emails a registration link that works once, for 48 hours. The
//! email is queued with the account (`flows::mail_queue`) and retried until the mail server
//! takes it.

use crate::app::App;
use crate::audit::AuditEvent;
use crate::crypto::{Purpose, random_token};
use crate::delivery::EmailMessage;
use crate::domain::UnixTime;
use crate::domain::account::{Account, AccountStatus, NewAccount, Role};
use crate::domain::email::{Email, EmailProblem};
use crate::domain::mail_queue::LetterKind;
use crate::domain::mask;
use crate::domain::name::{DisplayName, NameProblem};
use crate::flows::{Internal, human_duration_in, human_time, mail_queue};
use crate::i18n::Language;
use crate::store::StoreError;

#[derive(Debug, Clone)]
pub struct InvitationRequest {
    pub email: String,
    pub display_name: String,
    pub organization: Option<String>,
    pub role: Role,
}

#[derive(Debug)]
pub struct Invited {
    pub account_id: i64,
    pub expires_at: i64,
    /// The account was already invited: a new link replaced the old one.
    pub resent: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum InvitationProblem {
    #[error("{0}")]
    Email(EmailProblem),
    #[error("{0}")]
    Name(NameProblem),
    #[error("{}", crate::i18n::say_with("invitation-unknown-organization", &[("name", format!("{:?}", .0).into())]))]
    UnknownOrganization(String),
    /// Registered, or an account of another organization: one answer for both, which
    /// changes nothing.
    #[error("{}", crate::i18n::say("invitation-already-registered"))]
    AlreadyRegistered,
    /// A link the person asked for (Reset, "Having trouble logging in?") could not be sent
    /// while they waited. (An administrator's invitations are queued instead, and retried.)
    #[error("{}", crate::i18n::say_with("registration-not-sent", &[("reason", .0.as_str().into())]))]
    NotSent(String),
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl From<StoreError> for InvitationProblem {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

/// Creates the invited account and queues the email with its registration link. Inviting an address that
/// is invited to the same organization but not yet registered sends a new link, and the old
/// one stops working; any other existing account is refused, and nothing about it changes.
pub async fn invite(
    app: &App,
    request: InvitationRequest,
    actor: &str,
) -> Result<Invited, InvitationProblem> {
    let email = Email::parse(&request.email).map_err(InvitationProblem::Email)?;
    let display_name =
        DisplayName::parse(&request.display_name).map_err(InvitationProblem::Name)?;
    let org_id = match &request.organization {
        Some(name) => Some(
            app.store
                .org_by_name(name.trim())
                .await?
                .ok_or_else(|| InvitationProblem::UnknownOrganization(name.trim().to_string()))?,
        ),
        None => None,
    };
    let now = app.now();
    let expires_at = now + app.config.policy.registration_link_ttl_secs;
    let token = random_token().map_err(Internal::from)?;
    let link_hash = app.keys.hash(Purpose::Link, token.as_bytes());
    let event = |name| AuditEvent::new(name, actor, mask::email(email.as_str()));

    let account_id = match app.store.account_by_email(&email).await? {
        // Only an invitation of the same organization is sent again: an administrator of
        // one organization can neither void nor resend another's (issue 11, finding 6).
        Some((account, _))
            if account.status == AccountStatus::Invited && account.org_id == org_id =>
        {
            let expires_at = send_fresh_link(app, &account, actor, LinkEmail::Invitation).await?;
            return Ok(Invited {
                account_id: account.id,
                expires_at,
                resent: true,
            });
        }
        Some(_) => return Err(InvitationProblem::AlreadyRegistered),
        None => {
            let account = NewAccount {
                email: email.clone(),
                display_name: display_name.clone(),
                org_id,
                role: request.role,
            };
            // The email is queued with the account (issue 12): an invitation never exists
            // without its letter, and the administrator does not wait for the mail server.
            // A new person has picked no language: the letter is in the inviting page's
            // (English from the CLI).
            let letter = mail_queue::link_letter(
                &app.sealer,
                LetterKind::Invitation,
                &email,
                &token,
                expires_at,
                crate::i18n::current(),
            );
            let audit = event("account-invited").with("role", request.role.as_str());
            match app
                .store
                .invite(&account, &link_hash, expires_at, now, audit, &letter)
                .await
            {
                Ok(id) => id,
                Err(StoreError::Conflict) => return Err(InvitationProblem::AlreadyRegistered),
                Err(e) => return Err(e.into()),
            }
        }
    };
    mail_queue::wake(app);
    Ok(Invited {
        account_id,
        expires_at,
        resent: false,
    })
}

/// Bulk create's writing half (the file already checked): every account with its
/// registration link and its queued letter, in one transaction (`Store::invite_many`), then
/// the worker is woken. The links' tokens are drawn, hashed and sealed before the
/// transaction begins, off the async runtime and in a few chunks side by side; nothing is
/// rendered (the worker renders each letter when it sends it), so the request returns
/// without waiting for the mail server or for 50,000 emails to be written. An address
/// registered meanwhile: `AlreadyRegistered`, and nobody is created.
pub async fn invite_many(
    app: &App,
    accounts: Vec<NewAccount>,
    audit: AuditEvent,
) -> Result<usize, InvitationProblem> {
    let now = app.now();
    let expires_at = now + app.config.policy.registration_link_ttl_secs;
    let total = accounts.len();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_chunk = total.div_ceil(workers).max(1_000);
    let mut accounts = accounts.into_iter();
    let mut chunks = Vec::new();
    // The letters are made off the request's task: in the language of the page that caused them.
    let language = crate::i18n::current();
    loop {
        let chunk: Vec<NewAccount> = accounts.by_ref().take(per_chunk).collect();
        if chunk.is_empty() {
            break;
        }
        let (keys, sealer) = (app.keys.clone(), app.sealer.clone());
        chunks.push(tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|account| {
                    let token = random_token()?;
                    let link_hash = keys.hash(Purpose::Link, token.as_bytes());
                    let letter = mail_queue::link_letter(
                        &sealer,
                        LetterKind::Invitation,
                        &account.email,
                        &token,
                        expires_at,
                        language,
                    );
                    Ok((account, link_hash, letter))
                })
                .collect::<anyhow::Result<Vec<_>>>()
        }));
    }
    let mut invitations = Vec::with_capacity(total);
    for chunk in chunks {
        invitations.extend(
            chunk
                .await
                .map_err(|e| Internal::Other(e.into()))?
                .map_err(Internal::from)?,
        );
    }
    match app
        .store
        .invite_many(&invitations, expires_at, now, audit)
        .await
    {
        Ok(ids) => {
            mail_queue::wake(app);
            Ok(ids.len())
        }
        Err(StoreError::Conflict) => Err(InvitationProblem::AlreadyRegistered),
        Err(e) => Err(e.into()),
    }
}

/// Which words the email with a registration link has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkEmail {
    /// From the administrator: "Your Portal Administrator has created your account…".
    Invitation,
    /// Asked for by the person (registration Reset, "Having trouble logging in?").
    Requested,
    /// The rollout's reminder before its deadline (the first second after the deadline's
    /// day): the invitation's words and the day.
    BeforeDeadline(UnixTime),
}

/// Emails an existing account a fresh registration link (older ones stop working), in the
/// words of `kind`: an administrator's resend (queued with the new link, in its transaction),
/// the registration Reset and "Having trouble logging in?" (sent while the person waits).
pub async fn send_fresh_link(
    app: &App,
    account: &Account,
    actor: &str,
    kind: LinkEmail,
) -> Result<i64, InvitationProblem> {
    let now = app.now();
    let expires_at = now + app.config.policy.registration_link_ttl_secs;
    let token = random_token().map_err(Internal::from)?;
    let language = crate::i18n::of_person(account.language);
    // An administrator's resend is queued as the link and rendered when sent; the link a
    // person asked for is rendered now and sent while they wait.
    let (letter, message) = match kind {
        LinkEmail::Invitation => (
            Some(mail_queue::link_letter(
                &app.sealer,
                LetterKind::Reminder,
                &account.email,
                &token,
                expires_at,
                language,
            )),
            None,
        ),
        // Rendered now, with the day, and queued as the reminder it is.
        LinkEmail::BeforeDeadline(_) => {
            let message = render_link_email(
                app,
                kind,
                &LinkText {
                    to: account.email.as_str(),
                    name: account.display_name.as_str(),
                    link: &app.url(&format!("/register/{token}")),
                    lifetime: expires_at - now,
                    expires_at,
                },
                language,
            )?;
            (
                Some(mail_queue::letter(app, LetterKind::Reminder, &message)),
                None,
            )
        }
        LinkEmail::Requested => (
            None,
            Some(render_link_email(
                app,
                kind,
                &LinkText {
                    to: account.email.as_str(),
                    name: account.display_name.as_str(),
                    link: &app.url(&format!("/register/{token}")),
                    lifetime: expires_at - now,
                    expires_at,
                },
                language,
            )?),
        ),
    };
    let audit = AuditEvent::new(
        "registration-link-sent",
        actor,
        crate::audit::account(account.id),
    )
    .with("resent", true)
    .with("queued", letter.is_some())
    .with(
        "before_deadline",
        matches!(kind, LinkEmail::BeforeDeadline(_)),
    );
    app.store
        .reissue_link(
            Some(account.id),
            &app.keys.hash(Purpose::Link, token.as_bytes()),
            expires_at,
            now,
            audit,
            letter.as_ref(),
        )
        .await?;
    let Some(message) = message else {
        mail_queue::wake(app);
        return Ok(expires_at);
    };
    app.mailer.send(&message, now).await.map_err(|e| {
        tracing::warn!(error = %e, account_id = account.id, "registration email not sent");
        InvitationProblem::NotSent(e.to_string())
    })?;
    Ok(expires_at)
}

/// The subject of every email with a registration link, in `language`.
pub(crate) fn registration_subject(language: Language) -> String {
    crate::i18n::say_in(language, "registration-subject", &[])
}

/// What an email with a registration link says: to whom, their name, the link and how long
/// it works.
#[derive(Clone, Copy)]
pub(crate) struct LinkText<'a> {
    pub to: &'a str,
    pub name: &'a str,
    pub link: &'a str,
    pub lifetime: i64,
    pub expires_at: i64,
}

/// The email with a registration link, in the words of `kind` and in `language` (the mail
/// queue renders a queued link's letter when it sends it, with the account's name then).
pub(crate) fn render_link_email(
    app: &App,
    kind: LinkEmail,
    text: &LinkText<'_>,
    language: Language,
) -> Result<EmailMessage, Internal> {
    let LinkText {
        to,
        name,
        link,
        lifetime,
        expires_at,
    } = *text;
    let context = minijinja::context! {
        lang => language.as_str(),
        name => name,
        link => link,
        lifetime => human_duration_in(language, lifetime),
        expires => human_time(expires_at),
        help => app.url("/login"),
        reset => app.url("/register/reset"),
        trouble => app.url("/register/trouble"),
        deadline => match kind {
            LinkEmail::BeforeDeadline(ends_at) => Some(crate::domain::rollout::day_of(ends_at)),
            _ => None,
        },
    };
    let template = match kind {
        LinkEmail::Invitation | LinkEmail::BeforeDeadline(_) => "invitation",
        LinkEmail::Requested => "registration_link",
    };
    Ok(EmailMessage {
        to: to.to_string(),
        subject: registration_subject(language),
        text: crate::templates::render(&format!("email/{template}.txt"), &context)?,
        html: crate::templates::render(&format!("email/{template}.html"), &context)?,
    })
}

/// On a portal without a system administrator: a fresh one-time link with which the first
/// administrator registers through the same journey as everyone else (older ones stop
/// working). None once an administrator exists.
pub async fn first_administrator_link(app: &App) -> Result<Option<(String, i64)>, Internal> {
    if app.store.has_system_admin().await? {
        return Ok(None);
    }
    let now = app.now();
    let expires_at = now + app.config.policy.registration_link_ttl_secs;
    let token = random_token()?;
    let link_hash = app.keys.hash(Purpose::Link, token.as_bytes());
    let audit = AuditEvent::new(
        "first-administrator-link-issued",
        "system",
        "first-administrator",
    );
    app.store
        .reissue_link(None, &link_hash, expires_at, now, audit, None)
        .await?;
    Ok(Some((app.url(&format!("/register/{token}")), expires_at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registration_subject_keeps_its_english_words() {
        assert_eq!(
            registration_subject(Language::English),
            "Complete your Tessera registration"
        );
        assert_ne!(
            registration_subject(Language::Spanish),
            registration_subject(Language::English)
        );
    }
}
