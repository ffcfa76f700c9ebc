//! Portal administration (guide: the "Portal Administrator"). An `Admin` is a capability:
//! only `authorize` makes one, and every administrative flow takes it, so an action without
//! the check cannot be written. An organization administrator's scope is their organization;
//! an account outside it answers exactly as one that does not exist.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::domain::account::{AccountStatus, Role};
use crate::domain::factor::{FactorKind, PasskeyRequirement};
use crate::domain::session::SessionStage;
use crate::flows::Internal;
use crate::flows::invitation::{self, InvitationProblem, InvitationRequest, Invited};
use crate::store::{
    AccountFlag, AccountList, ApiTokenInfo, ListFilter, NewApiToken, Organization, Session,
    StoreError,
};

/// Administrative actions need a second factor passed within this long (step-up).
pub use crate::domain::session::STEP_UP_SECS;

/// Who stands behind an administrator's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Principal {
    /// A person signed in with both factors, the second one recent (an account id).
    Person(i64),
    /// An API token (its id).
    Token(i64),
    /// `tessera admin` on the server: whoever runs it holds the database and the keys anyway.
    Cli,
}

/// The capability every administrator action takes. Its fields are private: only
/// [`authorize`] (a session), [`authorize_token`] (an API token) and [`Admin::cli`] (the command
/// line) make one, and its organization scopes every store query it leads to.
#[derive(Debug, Clone)]
pub struct Admin {
    principal: Principal,
    /// None: a system administrator, who sees every organization.
    org_id: Option<i64>,
    role: Role,
}

impl Admin {
    /// The command line's principal: a system administrator.
    pub fn cli() -> Self {
        Self {
            principal: Principal::Cli,
            org_id: None,
            role: Role::SystemAdmin,
        }
    }

    /// The organization the administrator is confined to; None for a system administrator.
    pub fn org_id(&self) -> Option<i64> {
        self.org_id
    }

    /// Whether the administrator sees and manages every organization.
    pub fn is_system(&self) -> bool {
        self.role == Role::SystemAdmin && self.org_id.is_none()
    }

    /// The one check of actions for system administrators only (before any lookup, so it
    /// reveals nothing).
    pub fn as_system(&self) -> Result<&Self, AdminRefusal> {
        if self.is_system() {
            Ok(self)
        } else {
            Err(AdminRefusal::SystemAdministratorsOnly)
        }
    }

    /// Whether an API token, rather than a person or the command line, stands behind it.
    pub fn is_token(&self) -> bool {
        matches!(self.principal, Principal::Token(_))
    }

    /// The signed-in person's account, if a person stands behind it.
    pub fn account_id(&self) -> Option<i64> {
        match self.principal {
            Principal::Person(id) => Some(id),
            Principal::Token(_) | Principal::Cli => None,
        }
    }

    /// Who the audit log names: the administrator's account, the API token, or `cli`.
    pub(crate) fn actor(&self) -> String {
        match self.principal {
            Principal::Person(id) => audit::account(id),
            Principal::Token(id) => format!("api-token:{id}"),
            Principal::Cli => "cli".to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdminRefusal {
    #[error("{}", crate::i18n::say("admin-refusal-not-signed-in"))]
    NotSignedIn,
    #[error("{}", crate::i18n::say("admin-refusal-not-administrator"))]
    NotAdministrator,
    #[error("{}", crate::i18n::say("admin-refusal-step-up"))]
    StepUp,
    #[error("{}", crate::i18n::say("admin-refusal-not-found"))]
    NotFound,
    /// An action for system administrators only, asked by someone else (before anything is
    /// looked up, so it reveals nothing).
    #[error("{}", crate::i18n::say("admin-refusal-system-only"))]
    SystemAdministratorsOnly,
    /// API tokens are managed by a signed-in system administrator: a token that could mint
    /// tokens could outlive its own revocation.
    #[error("{}", crate::i18n::say("admin-refusal-people-only"))]
    PeopleOnly,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invitation(InvitationProblem),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl From<StoreError> for AdminRefusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            other => Self::Internal(other.into()),
        }
    }
}

/// Checks the session: signed in with both factors, the second one recently (at sign-in or
/// re-checked in place at `/verify/again`), and an administrator.
pub async fn authorize(app: &App, session: Option<&Session>) -> Result<Admin, AdminRefusal> {
    let Some(session) = session.filter(|s| s.stage == SessionStage::Authenticated) else {
        return Err(AdminRefusal::NotSignedIn);
    };
    let account_id = session.account_id.ok_or(AdminRefusal::NotSignedIn)?;
    let account = app.store.account_by_id(account_id).await?;
    let admin = match account.role {
        Role::SystemAdmin => Admin {
            principal: Principal::Person(account_id),
            org_id: None,
            role: account.role,
        },
        Role::OrgAdmin if account.org_id.is_some() => Admin {
            principal: Principal::Person(account_id),
            org_id: account.org_id,
            role: account.role,
        },
        _ => return Err(AdminRefusal::NotAdministrator),
    };
    if !crate::domain::session::factor_is_fresh(session.factor_verified_at, app.now()) {
        return Err(AdminRefusal::StepUp);
    }
    Ok(admin)
}

/// What the account list is asked for: words as typed (unknown values mean "any").
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub search: String,
    pub status: String,
    /// An organization's name: a system administrator's choice; others always see their own.
    pub organization: String,
    pub sort: String,
    pub page: i64,
}

pub async fn list(
    app: &App,
    admin: &Admin,
    request: &ListRequest,
) -> Result<AccountList, AdminRefusal> {
    let status = Some(request.status.as_str())
        .filter(|s| AccountStatus::parse(s).is_some())
        .map(str::to_string);
    let org_id = match (admin.org_id(), request.organization.trim()) {
        (Some(own), _) => Some(own),
        (None, "") => None,
        // An unknown organization lists nothing rather than everything.
        (None, name) => Some(app.store.org_by_name(name).await?.unwrap_or(-1)),
    };
    let filter = ListFilter {
        org_id,
        search: request.search.trim().to_string(),
        status,
        page: request.page.max(0),
        per_page: 50,
        sort: crate::store::Sort::parse(&request.sort),
    };
    Ok(app.store.list_accounts(&filter).await?)
}

/// Revoke an invitation nobody has used yet: the invited account goes, and its link with it.
pub async fn revoke_invitation(
    app: &App,
    admin: &Admin,
    account_id: i64,
) -> Result<(), AdminRefusal> {
    let account = app
        .store
        .account_in_scope(account_id, admin.org_id())
        .await?;
    if account.status != AccountStatus::Invited {
        return Err(AdminRefusal::Invalid(crate::i18n::say(
            "admin-only-unused-invitation",
        )));
    }
    let audit = AuditEvent::new(
        "invitation-revoked",
        admin.actor(),
        audit::account(account.id),
    );
    app.store
        .revoke_invitation(account.id, app.now(), audit)
        .await?;
    Ok(())
}

/// Invites a person into the administrator's organization (a system administrator names one).
pub async fn invite(
    app: &App,
    admin: &Admin,
    email: &str,
    name: &str,
    organization: Option<&str>,
    role: Role,
) -> Result<Invited, AdminRefusal> {
    match role {
        Role::User => {}
        Role::OrgAdmin => {
            admin.as_system()?;
        }
        Role::SystemAdmin => {
            return Err(AdminRefusal::Invalid(
                "The role must be user or org-admin.".into(),
            ));
        }
    }
    let organization = match admin.org_id() {
        Some(id) => {
            let orgs = app.store.organizations().await?;
            orgs.into_iter()
                .find(|(o, _)| *o == id)
                .map(|(_, name)| name)
        }
        None => organization
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string),
    };
    if role == Role::OrgAdmin && organization.is_none() {
        return Err(AdminRefusal::Invalid(org_admin_needs_org()));
    }
    let request = InvitationRequest {
        email: email.into(),
        display_name: name.into(),
        organization,
        role,
    };
    invitation::invite(app, request, &admin.actor())
        .await
        .map_err(AdminRefusal::Invitation)
}

/// What an administrator can do to one account: one list for the console, the API and its
/// documentation (a test checks the OpenAPI text names each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// A new registration link (the old one stops working).
    Resend,
    Disable,
    Enable,
    Lock,
    Unlock,
    /// The person registers a second factor again at next sign-in.
    ResetMfa,
    /// An invitation not used yet is withdrawn.
    Revoke,
    /// Every session of the account ends.
    EndSessions,
}

impl AccountAction {
    pub const ALL: [Self; 8] = [
        Self::Resend,
        Self::Disable,
        Self::Enable,
        Self::Lock,
        Self::Unlock,
        Self::ResetMfa,
        Self::Revoke,
        Self::EndSessions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resend => "resend",
            Self::Disable => "disable",
            Self::Enable => "enable",
            Self::Lock => "lock",
            Self::Unlock => "unlock",
            Self::ResetMfa => "reset-mfa",
            Self::Revoke => "revoke",
            Self::EndSessions => "end-sessions",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// The account `account_id` within the administrator's scope (outside it, NotFound, as if it
/// did not exist): the console names the person it is about to act on, or has acted on.
pub async fn account(
    app: &App,
    admin: &Admin,
    account_id: i64,
) -> Result<crate::domain::account::Account, AdminRefusal> {
    Ok(app
        .store
        .account_in_scope(account_id, admin.org_id())
        .await?)
}

/// Does `action` to the account `account_id` within the administrator's scope (outside it,
/// NotFound, as if it did not exist).
pub async fn act(
    app: &App,
    admin: &Admin,
    account_id: i64,
    action: AccountAction,
) -> Result<(), AdminRefusal> {
    match action {
        AccountAction::Resend => resend(app, admin, account_id).await.map(|_| ()),
        AccountAction::Disable => {
            set_flag(app, admin, account_id, AccountFlag::Disabled, true).await
        }
        AccountAction::Enable => {
            set_flag(app, admin, account_id, AccountFlag::Disabled, false).await
        }
        AccountAction::Lock => set_flag(app, admin, account_id, AccountFlag::Locked, true).await,
        AccountAction::Unlock => set_flag(app, admin, account_id, AccountFlag::Locked, false).await,
        AccountAction::ResetMfa => reset_mfa(app, admin, account_id).await,
        AccountAction::Revoke => revoke_invitation(app, admin, account_id).await,
        AccountAction::EndSessions => end_sessions(app, admin, account_id).await.map(|_| ()),
    }
}

/// A new registration link for an account that has not finished registering (the old link
/// stops working).
pub async fn resend(app: &App, admin: &Admin, account_id: i64) -> Result<i64, AdminRefusal> {
    let account = app
        .store
        .account_in_scope(account_id, admin.org_id())
        .await?;
    if !matches!(
        account.status,
        AccountStatus::Invited | AccountStatus::Registering
    ) {
        return Err(AdminRefusal::Invitation(
            InvitationProblem::AlreadyRegistered,
        ));
    }
    invitation::send_fresh_link(
        app,
        &account,
        &admin.actor(),
        invitation::LinkEmail::Invitation,
    )
    .await
    .map_err(AdminRefusal::Invitation)
}

/// How far the MFA rollout has come among the accounts the administrator manages.
pub async fn rollout(
    app: &App,
    admin: &Admin,
) -> Result<crate::store::RolloutCounts, AdminRefusal> {
    Ok(app.store.rollout_counts(admin.org_id(), app.now()).await?)
}

/// Who a rollout mailing goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutMailing {
    /// Everyone invited or registering whose link expired: a new link.
    ExpiredLinks,
    /// Everyone invited or registering: a reminder, with a new link (the old one stops).
    Unfinished,
}

/// The most letters one request queues: a larger rollout is sent in several presses, each
/// answering at once (the count says how many went; the rest are still listed).
pub const ROLLOUT_BATCH: i64 = 500;

/// Queues a new registration link (through the mail queue, each audited as a resend) for
/// the accounts of `mailing` the administrator manages; returns how many were queued.
pub async fn send_rollout_mailing(
    app: &App,
    admin: &Admin,
    mailing: RolloutMailing,
) -> Result<usize, AdminRefusal> {
    let only_expired = mailing == RolloutMailing::ExpiredLinks;
    let accounts = app
        .store
        .unfinished_accounts(admin.org_id(), only_expired, app.now(), ROLLOUT_BATCH)
        .await?;
    for id in &accounts {
        resend(app, admin, *id).await?;
    }
    Ok(accounts.len())
}

/// Disable / enable, lock / unlock; turning a flag on ends the account's sessions.
pub async fn set_flag(
    app: &App,
    admin: &Admin,
    account_id: i64,
    flag: AccountFlag,
    on: bool,
) -> Result<(), AdminRefusal> {
    let account = app
        .store
        .account_in_scope(account_id, admin.org_id())
        .await?;
    if admin.account_id() == Some(account.id) && on {
        return Err(AdminRefusal::NotFound);
    }
    let event = match (flag, on) {
        (AccountFlag::Disabled, true) => "account-disabled",
        (AccountFlag::Disabled, false) => "account-enabled",
        (AccountFlag::Locked, true) => "account-locked-by-admin",
        (AccountFlag::Locked, false) => "account-unlocked",
    };
    let audit = AuditEvent::new(event, admin.actor(), audit::account(account.id));
    app.store
        .set_account_flag(account.id, flag, on, app.now(), audit)
        .await?;
    Ok(())
}

/// Reset MFA: the person registers a second factor again at next sign-in.
pub async fn reset_mfa(app: &App, admin: &Admin, account_id: i64) -> Result<(), AdminRefusal> {
    let account = app
        .store
        .account_in_scope(account_id, admin.org_id())
        .await?;
    let audit = AuditEvent::new("mfa-reset", admin.actor(), audit::account(account.id));
    app.store.reset_mfa(account.id, app.now(), audit).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum TermsProblem {
    #[error("Only system administrators publish Terms of Use.")]
    NotSystemAdministrator,
    #[error(
        "Give the Terms of Use a title (at most 200 characters) and a text (at most 100,000 characters)."
    )]
    Invalid,
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// A new Terms of Use version, accepted by everyone at their next sign-in.
pub async fn publish_terms(
    app: &App,
    admin: &Admin,
    title: &str,
    body: &str,
) -> Result<i64, TermsProblem> {
    if !admin.is_system() {
        return Err(TermsProblem::NotSystemAdministrator);
    }
    let (title, body) = (title.trim(), body.trim());
    if title.is_empty() || title.chars().count() > 200 || body.is_empty() || body.len() > 100_000 {
        return Err(TermsProblem::Invalid);
    }
    let audit = AuditEvent::new("terms-published", admin.actor(), "terms");
    Ok(app
        .store
        .publish_terms(title, body, admin.account_id(), app.now(), audit)
        .await
        .map_err(Internal::from)?)
}

/// Issues an API token (system administrators only): scoped to an organization or to all,
/// expiring, shown once (returned here) and stored only as a keyed hash.
async fn issue_api_token(
    app: &App,
    actor: &str,
    name: &str,
    organization: Option<&str>,
    days: i64,
) -> Result<IssuedToken, AdminRefusal> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || !(1..=366).contains(&days) {
        return Err(AdminRefusal::Invalid(
            "Give the token a name (at most 100 characters) and a lifetime of 1 to 366 days."
                .into(),
        ));
    }
    let org_id = match organization {
        Some(org) => Some(app.store.org_by_name(org).await?.ok_or_else(|| {
            AdminRefusal::Invalid(crate::i18n::say_with(
                "admin-no-such-organization",
                &[("name", format!("{org:?}").into())],
            ))
        })?),
        None => None,
    };
    let token = format!(
        "tsr_{}",
        crate::crypto::random_token().map_err(Internal::from)?
    );
    let now = app.now();
    let expires_at = now + days * 86_400;
    let audit = AuditEvent::new("api-token-issued", actor, "api-token")
        .with("name", name)
        .with("organization_id", org_id);
    let id = app
        .store
        .create_api_token(
            NewApiToken {
                token_hash: &app
                    .keys
                    .hash(crate::crypto::Purpose::Session, token.as_bytes()),
                name,
                org_id,
                created_by: actor,
                expires_at,
            },
            now,
            audit,
        )
        .await?;
    Ok(IssuedToken {
        id,
        token,
        expires_at,
    })
}

/// A new API token: its value is here once and never again.
pub struct IssuedToken {
    pub id: i64,
    pub token: String,
    pub expires_at: i64,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("id", &self.id)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// The administrator an API bearer token stands for.
pub async fn authorize_token(app: &App, bearer: &str) -> Result<Admin, AdminRefusal> {
    let hash = app
        .keys
        .hash(crate::crypto::Purpose::Session, bearer.as_bytes());
    let token = app
        .store
        .api_token(&hash, app.now())
        .await?
        .ok_or(AdminRefusal::NotSignedIn)?;
    let role = if token.org_id.is_some() {
        Role::OrgAdmin
    } else {
        Role::SystemAdmin
    };
    Ok(Admin {
        principal: Principal::Token(token.id),
        org_id: token.org_id,
        role,
    })
}

/// The outcome of a bulk create.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BulkInvited {
    pub created: usize,
    /// Registration emails queued (one per account): the mail worker sends them, retrying
    /// while the mail server cannot take them.
    pub queued: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum BulkProblem {
    #[error("{}", crate::i18n::say_with("bulk-problem-rows", &[("n", (.0.len() as i64).into())]))]
    Rows(Vec<crate::domain::import::RowProblem>),
    #[error(transparent)]
    Refused(#[from] AdminRefusal),
}

/// Bulk create from CSV (columns email, display_name, optionally organization and role):
/// every row is checked first, and nobody is created unless every row is good. An
/// organization administrator's rows go into their organization.
pub async fn bulk_invite(
    app: &App,
    admin: &Admin,
    csv: impl std::io::Read + Send + 'static,
) -> Result<BulkInvited, BulkProblem> {
    use crate::domain::account::NewAccount;
    use crate::domain::import::{RowProblem, parse_invitations};
    // Reading and checking a large file is CPU work: off the async runtime.
    // The file's problems are said in the request's language, which the blocking thread
    // does not inherit.
    let language = crate::i18n::current();
    let rows = tokio::task::spawn_blocking(move || {
        crate::i18n::speaking_blocking(language, || parse_invitations(csv))
    })
    .await
    .map_err(|e| AdminRefusal::Internal(Internal::Other(e.into())))?
    .map_err(BulkProblem::Rows)?;
    let orgs = app
        .store
        .organizations()
        .await
        .map_err(AdminRefusal::from)?;
    let mut problems = Vec::new();
    let mut accounts = Vec::new();
    let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    let taken: std::collections::HashSet<String> = app
        .store
        .existing_emails(&emails)
        .await
        .map_err(AdminRefusal::from)?
        .into_iter()
        .collect();
    for row in &rows {
        let org_id = match (admin.org_id(), row.organization.as_deref()) {
            (Some(own), None) => Some(own),
            (Some(own), Some(name)) if orgs.iter().any(|(id, n)| *id == own && n == name) => {
                Some(own)
            }
            (Some(_), Some(name)) => {
                problems.push(RowProblem {
                    line: row.line,
                    message: format!(
                        "organization: {}",
                        crate::i18n::say_with(
                            "bulk-problem-own-organization",
                            &[("name", format!("{name:?}").into())]
                        )
                    ),
                });
                continue;
            }
            (None, Some(name)) => match orgs.iter().find(|(_, n)| n == name) {
                Some((id, _)) => Some(*id),
                None => {
                    problems.push(RowProblem {
                        line: row.line,
                        message: format!(
                            "organization: {}",
                            crate::i18n::say_with(
                                "bulk-problem-no-organization",
                                &[("name", format!("{name:?}").into())]
                            )
                        ),
                    });
                    continue;
                }
            },
            (None, None) => None,
        };
        if row.role == Role::OrgAdmin && !admin.is_system() {
            problems.push(RowProblem {
                line: row.line,
                message: format!("role: {}", crate::i18n::say("bulk-problem-org-admin-role")),
            });
            continue;
        }
        if row.role == Role::OrgAdmin && org_id.is_none() {
            problems.push(RowProblem {
                line: row.line,
                message: format!("role: {}", org_admin_needs_org()),
            });
            continue;
        }
        if taken.contains(row.email.as_str()) {
            problems.push(RowProblem {
                line: row.line,
                message: format!(
                    "email: {}",
                    crate::i18n::say_with(
                        "bulk-problem-email-exists",
                        &[("email", row.email.as_str().into())]
                    )
                ),
            });
            continue;
        }
        accounts.push(NewAccount {
            email: row.email.clone(),
            display_name: row.display_name.clone(),
            org_id,
            role: row.role,
        });
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(BulkProblem::Rows(problems));
    }
    // Each account with its link and its queued letter, written together (issue 12); the
    // request returns without waiting for the mail server: the worker sends them.
    let audit = AuditEvent::new("accounts-invited-in-bulk", admin.actor(), "bulk");
    let created = match invitation::invite_many(app, accounts, audit).await {
        Ok(created) => created,
        Err(InvitationProblem::AlreadyRegistered) => {
            return Err(BulkProblem::Rows(vec![RowProblem {
                line: 1,
                message: crate::i18n::say("bulk-problem-raced"),
            }]));
        }
        Err(InvitationProblem::Internal(e)) => return Err(AdminRefusal::Internal(e).into()),
        Err(other) => return Err(AdminRefusal::Invitation(other).into()),
    };
    Ok(BulkInvited {
        created,
        queued: created,
    })
}

/// Current portal users through the administrator pages or the API: system administrators
/// only, the same all-or-nothing import as `tessera admin import`.
pub async fn import_users(
    app: &App,
    admin: &Admin,
    csv: impl std::io::Read + Send + 'static,
) -> Result<usize, BulkProblem> {
    if !admin.is_system() {
        return Err(BulkProblem::Refused(AdminRefusal::NotAdministrator));
    }
    match crate::flows::import::import_users(app, csv, &admin.actor(), |_, _| {}).await {
        Ok(n) => Ok(n),
        Err(crate::flows::import::ImportProblem::Rows(rows)) => Err(BulkProblem::Rows(rows)),
        Err(crate::flows::import::ImportProblem::Internal(e)) => {
            Err(BulkProblem::Refused(AdminRefusal::Internal(e)))
        }
    }
}

/// Ends every session of an account in scope (a lost device, a leaving employee).
pub async fn end_sessions(app: &App, admin: &Admin, account_id: i64) -> Result<u64, AdminRefusal> {
    let account = app
        .store
        .account_in_scope(account_id, admin.org_id())
        .await?;
    let audit = AuditEvent::new("sessions-ended", admin.actor(), audit::account(account.id))
        .with("by", "administrator");
    Ok(app
        .store
        .end_sessions_of(account.id, None, app.now(), audit)
        .await?)
}

fn org_admin_needs_org() -> String {
    crate::i18n::say("admin-org-admin-needs-org")
}

/// The organizations in scope, with their factor policy: all for a system administrator,
/// their own for an organization administrator.
pub async fn organizations(app: &App, admin: &Admin) -> Result<Vec<Organization>, AdminRefusal> {
    Ok(app.store.organizations_in_scope(admin.org_id()).await?)
}

/// A new organization (system administrators only).
pub async fn create_organization(
    app: &App,
    admin: &Admin,
    name: &str,
) -> Result<Organization, AdminRefusal> {
    admin.as_system()?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AdminRefusal::Invalid(
            "Give the organization a name of 1 to 100 characters.".into(),
        ));
    }
    let audit = AuditEvent::new("organization-created", admin.actor(), name.to_string());
    match app.store.create_org(name, app.now(), audit).await {
        Ok(id) => Ok(app
            .store
            .organizations_in_scope(Some(id))
            .await?
            .pop()
            .ok_or(AdminRefusal::NotFound)?),
        Err(StoreError::Conflict) => Err(AdminRefusal::Conflict(crate::i18n::say_with(
            "admin-organization-exists",
            &[("name", format!("{name:?}").into())],
        ))),
        Err(e) => Err(e.into()),
    }
}

/// A role an administrator can give (`user` or `org-admin`; system administrators come only
/// from the first-run link or the CLI).
pub fn assignable_role(typed: &str) -> Result<Role, AdminRefusal> {
    match Role::parse(typed.trim()) {
        Some(role @ (Role::User | Role::OrgAdmin)) => Ok(role),
        _ => Err(AdminRefusal::Invalid(crate::i18n::say(
            "admin-role-must-be",
        ))),
    }
}

/// Appoints (`org-admin`) or removes (`user`) an organization administrator: system
/// administrators only, so an organization administrator cannot raise anyone, themselves
/// included. The change holds from the account's next request.
pub async fn set_role(
    app: &App,
    admin: &Admin,
    account_id: i64,
    role: &str,
) -> Result<(), AdminRefusal> {
    admin.as_system()?;
    let role = assignable_role(role)?;
    let account = app
        .store
        .account_in_scope(account_id, admin.org_id())
        .await?;
    if account.role == Role::SystemAdmin {
        return Err(AdminRefusal::Invalid(crate::i18n::say(
            "admin-system-role-unchanged",
        )));
    }
    if role == Role::OrgAdmin && account.org_id.is_none() {
        return Err(AdminRefusal::Invalid(crate::i18n::say_with(
            "admin-no-organization-account",
            &[("needs", org_admin_needs_org().into())],
        )));
    }
    let audit = AuditEvent::new("role-changed", admin.actor(), audit::account(account.id))
        .with("from", account.role.as_str());
    app.store
        .set_role(account.id, role, app.now(), audit)
        .await?;
    Ok(())
}

async fn organization_in_scope(
    app: &App,
    admin: &Admin,
    org_id: i64,
) -> Result<Organization, AdminRefusal> {
    // Another organization answers exactly as one that does not exist.
    if admin.org_id().is_some_and(|own| own != org_id) {
        return Err(AdminRefusal::NotFound);
    }
    app.store
        .organizations_in_scope(Some(org_id))
        .await?
        .pop()
        .ok_or(AdminRefusal::NotFound)
}

/// The factor policy of an organization in scope (its administrators may read their own).
pub async fn factor_policy(
    app: &App,
    admin: &Admin,
    org_id: i64,
) -> Result<Organization, AdminRefusal> {
    organization_in_scope(app, admin, org_id).await
}

/// A change to an organization's factor policy: each kind allowed or not (None: unchanged),
/// and whom it requires a passkey of (None: unchanged).
#[derive(Debug, Clone, Default)]
pub struct PolicyChange {
    pub kinds: Vec<(FactorKind, Option<bool>)>,
    pub require_passkey: Option<PasskeyRequirement>,
}

/// Allows or refuses kinds of second factor (the email factor, the phone factor: SMS and
/// voice, an authenticator app, a passkey) for an organization and says whom it requires a
/// passkey of, as `tessera admin set-factors` does: system administrators only; the email or
/// the phone factor stays allowed (new people register with one), and a passkey can be
/// required only while passkeys are allowed.
pub async fn set_factor_policy(
    app: &App,
    admin: &Admin,
    org_id: i64,
    change: &PolicyChange,
) -> Result<Organization, AdminRefusal> {
    let org = organization_in_scope(app, admin, org_id).await?;
    admin.as_system()?;
    let policy = change
        .kinds
        .iter()
        .fold(org.allowed, |policy, (kind, allowed)| {
            allowed.map_or(policy, |allowed| policy.with(*kind, allowed))
        });
    let require_passkey = change.require_passkey.unwrap_or(org.require_passkey);
    // New people register with a code sent to them, so the email or the phone factor stays.
    if !policy.kinds().any(|kind| !kind.is_enrolled()) {
        return Err(AdminRefusal::Invalid(
            "An organization must allow at least one factor: the email or the phone factor, which new people register with.".into(),
        ));
    }
    if require_passkey != PasskeyRequirement::Off && !policy.allows(FactorKind::Passkey) {
        return Err(AdminRefusal::Invalid(
            "A passkey can be required only while passkeys are allowed: allow them too, or turn the requirement off.".into(),
        ));
    }
    let audit = AuditEvent::new("factor-policy-changed", admin.actor(), org.name.clone())
        .with("require_passkey", require_passkey.as_str());
    app.store
        .set_allowed_factors(org.id, policy, require_passkey, app.now(), audit)
        .await?;
    Ok(Organization {
        allowed: policy,
        require_passkey,
        ..org
    })
}

/// API tokens are for signed-in system administrators to manage.
fn token_manager(admin: &Admin) -> Result<(), AdminRefusal> {
    admin.as_system()?;
    if admin.is_token() {
        return Err(AdminRefusal::PeopleOnly);
    }
    Ok(())
}

/// Every API token issued, without values or hashes.
pub async fn api_tokens(app: &App, admin: &Admin) -> Result<Vec<ApiTokenInfo>, AdminRefusal> {
    token_manager(admin)?;
    Ok(app.store.api_tokens().await?)
}

/// Issues an API token for a signed-in system administrator (see `issue_api_token`).
pub async fn issue_token(
    app: &App,
    admin: &Admin,
    name: &str,
    organization: Option<&str>,
    days: i64,
) -> Result<IssuedToken, AdminRefusal> {
    token_manager(admin)?;
    let organization = organization.map(str::trim).filter(|o| !o.is_empty());
    issue_api_token(app, &admin.actor(), name, organization, days).await
}

/// Revokes an API token at once; an unknown or already revoked one is NotFound.
pub async fn revoke_token(app: &App, admin: &Admin, token_id: i64) -> Result<(), AdminRefusal> {
    token_manager(admin)?;
    let audit = AuditEvent::new("api-token-revoked", admin.actor(), "api-token");
    app.store
        .revoke_api_token(token_id, app.now(), audit)
        .await?;
    Ok(())
}

/// A Terms of Use refusal as the API reports it (the pages render `TermsProblem` themselves).
impl From<TermsProblem> for AdminRefusal {
    fn from(p: TermsProblem) -> Self {
        match p {
            TermsProblem::NotSystemAdministrator => Self::SystemAdministratorsOnly,
            TermsProblem::Invalid => Self::Invalid(p.to_string()),
            TermsProblem::Internal(e) => Self::Internal(e),
        }
    }
}
