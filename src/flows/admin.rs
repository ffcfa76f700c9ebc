//! Portal administration (guide: the "Portal Administrator"). An `Admin` is a capability:
//! only `authorize` makes one, and every administrative flow takes it, so an action without
//! the check cannot be written. An organization administrator's scope is their organization;
//! an account outside it answers exactly as one that does not exist.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::domain::account::{AccountStatus, Role};
use crate::domain::session::SessionStage;
use crate::flows::Internal;
use crate::flows::invitation::{self, InvitationProblem, InvitationRequest, Invited};
use crate::store::{AccountFlag, AccountList, ListFilter, Session, StoreError};

/// Administrative actions need a second factor passed within this long (step-up).
pub use crate::domain::session::STEP_UP_SECS;

#[derive(Debug, Clone)]
pub struct Admin {
    pub account_id: i64,
    /// None: a system administrator, who sees every organization.
    pub org_id: Option<i64>,
    pub role: Role,
}

impl Admin {
    /// Who the audit log names: the administrator's account, or the API token.
    fn actor(&self) -> String {
        if self.account_id < 0 {
            format!("api-token:{}", -self.account_id)
        } else {
            audit::account(self.account_id)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdminRefusal {
    #[error("Sign in to use the administration pages.")]
    NotSignedIn,
    #[error("Only Portal Administrators can use these pages.")]
    NotAdministrator,
    #[error(
        "For your security, sign in again (with your second factor) to use the administration pages."
    )]
    StepUp,
    #[error("There is no such account.")]
    NotFound,
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
            account_id,
            org_id: None,
            role: account.role,
        },
        Role::OrgAdmin if account.org_id.is_some() => Admin {
            account_id,
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
    let org_id = match (admin.org_id, request.organization.trim()) {
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
    let account = app.store.account_in_scope(account_id, admin.org_id).await?;
    if account.status != AccountStatus::Invited {
        return Err(AdminRefusal::Invalid("Only an invitation that has not been used can be revoked; disable the account instead.".into()));
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
) -> Result<Invited, AdminRefusal> {
    let organization = match admin.org_id {
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
    let request = InvitationRequest {
        email: email.into(),
        display_name: name.into(),
        organization,
        role: Role::User,
    };
    invitation::invite(app, request, &admin.actor())
        .await
        .map_err(AdminRefusal::Invitation)
}

/// A new registration link for an account that has not finished registering (the old link
/// stops working).
pub async fn resend(app: &App, admin: &Admin, account_id: i64) -> Result<i64, AdminRefusal> {
    let account = app.store.account_in_scope(account_id, admin.org_id).await?;
    if !matches!(
        account.status,
        AccountStatus::Invited | AccountStatus::Registering
    ) {
        return Err(AdminRefusal::Invitation(
            InvitationProblem::AlreadyRegistered,
        ));
    }
    invitation::resend_link(app, &account, &admin.actor())
        .await
        .map_err(AdminRefusal::Invitation)
}

/// Disable / enable, lock / unlock; turning a flag on ends the account's sessions.
pub async fn set_flag(
    app: &App,
    admin: &Admin,
    account_id: i64,
    flag: AccountFlag,
    on: bool,
) -> Result<(), AdminRefusal> {
    let account = app.store.account_in_scope(account_id, admin.org_id).await?;
    if account.id == admin.account_id && on {
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
    let account = app.store.account_in_scope(account_id, admin.org_id).await?;
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
    if admin.role != Role::SystemAdmin {
        return Err(TermsProblem::NotSystemAdministrator);
    }
    let (title, body) = (title.trim(), body.trim());
    if title.is_empty() || title.chars().count() > 200 || body.is_empty() || body.len() > 100_000 {
        return Err(TermsProblem::Invalid);
    }
    let audit = AuditEvent::new("terms-published", admin.actor(), "terms");
    Ok(app
        .store
        .publish_terms(title, body, app.now(), audit)
        .await
        .map_err(Internal::from)?)
}

/// Issues an API token (system administrators only): scoped to an organization or to all,
/// expiring, shown once (returned here) and stored only as a keyed hash.
pub async fn issue_api_token(
    app: &App,
    actor: &str,
    name: &str,
    organization: Option<&str>,
    days: i64,
) -> Result<(i64, String), AdminRefusal> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || !(1..=366).contains(&days) {
        return Err(AdminRefusal::Invalid(
            "Give the token a name (at most 100 characters) and a lifetime of 1 to 366 days."
                .into(),
        ));
    }
    let org_id = match organization {
        Some(org) => Some(app.store.org_by_name(org).await?.ok_or_else(|| {
            AdminRefusal::Invalid(format!("There is no organization named {org:?}."))
        })?),
        None => None,
    };
    let token = format!(
        "tsr_{}",
        crate::crypto::random_token().map_err(Internal::from)?
    );
    let now = app.now();
    let audit = AuditEvent::new("api-token-issued", actor, "api-token")
        .with("name", name)
        .with("organization_id", org_id);
    let id = app
        .store
        .create_api_token(
            &app.keys
                .hash(crate::crypto::Purpose::Session, token.as_bytes()),
            name,
            org_id,
            actor,
            now,
            now + days * 86_400,
            audit,
        )
        .await?;
    Ok((id, token))
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
    // Audit entries name the token as the actor; its id is negative so it never collides
    // with an account id.
    Ok(Admin {
        account_id: -token.id,
        org_id: token.org_id,
        role,
    })
}

/// The outcome of a bulk create.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BulkInvited {
    pub created: usize,
    /// Addresses whose registration email could not be sent (the accounts exist: resend later).
    pub not_emailed: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BulkProblem {
    #[error("{} row(s) are not valid; nobody was created", .0.len())]
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
    let rows = tokio::task::spawn_blocking(move || parse_invitations(csv))
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
    let taken = app
        .store
        .existing_emails(&emails)
        .await
        .map_err(AdminRefusal::from)?;
    for row in &rows {
        let org_id = match (admin.org_id, row.organization.as_deref()) {
            (Some(own), None) => Some(own),
            (Some(own), Some(name)) if orgs.iter().any(|(id, n)| *id == own && n == name) => {
                Some(own)
            }
            (Some(_), Some(name)) => {
                problems.push(RowProblem {
                    line: row.line,
                    message: format!(
                        "organization: you can invite only into your own organization, not {name:?}"
                    ),
                });
                continue;
            }
            (None, Some(name)) => match orgs.iter().find(|(_, n)| n == name) {
                Some((id, _)) => Some(*id),
                None => {
                    problems.push(RowProblem {
                        line: row.line,
                        message: format!("organization: there is no organization named {name:?}"),
                    });
                    continue;
                }
            },
            (None, None) => None,
        };
        if taken.iter().any(|t| t == row.email.as_str()) {
            problems.push(RowProblem {
                line: row.line,
                message: format!("email: an account with {} already exists", row.email),
            });
            continue;
        }
        let token = crate::crypto::random_token().map_err(|e| AdminRefusal::Internal(e.into()))?;
        accounts.push((
            NewAccount {
                email: row.email.clone(),
                display_name: row.display_name.clone(),
                org_id,
                role: row.role,
            },
            token,
        ));
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(BulkProblem::Rows(problems));
    }
    let now = app.now();
    let expires_at = now + app.config.policy.registration_link_ttl_secs;
    let with_hashes: Vec<(NewAccount, Vec<u8>)> = accounts
        .iter()
        .map(|(a, token)| {
            (
                a.clone(),
                app.keys
                    .hash(crate::crypto::Purpose::Link, token.as_bytes()),
            )
        })
        .collect();
    let audit = AuditEvent::new("accounts-invited-in-bulk", admin.actor(), "bulk");
    match app
        .store
        .invite_many(&with_hashes, expires_at, now, audit)
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict) => {
            return Err(BulkProblem::Rows(vec![RowProblem {
            line: 1,
            message:
                "an address in the file was registered meanwhile; nobody was created — try again"
                    .into(),
        }]));
        }
        Err(e) => return Err(AdminRefusal::from(e).into()),
    }
    let mut not_emailed = Vec::new();
    for (account, token) in &accounts {
        let link = app.url(&format!("/register/{token}"));
        let sent = match invitation::registration_email(
            app,
            &account.email,
            &account.display_name,
            &link,
            expires_at - now,
            expires_at,
        ) {
            Ok(message) => app.mailer.send(&message, now).await.is_ok(),
            Err(_) => false,
        };
        if !sent {
            not_emailed.push(account.email.to_string());
        }
    }
    Ok(BulkInvited {
        created: accounts.len(),
        not_emailed,
    })
}

/// Current portal users through the administrator pages or the API: system administrators
/// only, the same all-or-nothing import as `tessera admin import`.
pub async fn import_users(
    app: &App,
    admin: &Admin,
    csv: impl std::io::Read + Send + 'static,
) -> Result<usize, BulkProblem> {
    if admin.role != Role::SystemAdmin {
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
    let account = app.store.account_in_scope(account_id, admin.org_id).await?;
    let audit = AuditEvent::new("sessions-ended", admin.actor(), audit::account(account.id))
        .with("by", "administrator");
    Ok(app
        .store
        .end_sessions_of(account.id, None, app.now(), audit)
        .await?)
}
