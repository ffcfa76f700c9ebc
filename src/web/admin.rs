//! The administration console: the organization's accounts, invitations and flags.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::csrf::CsrfToken;
use super::form::Form;
use super::multipart;
use super::session::CurrentSession;
use super::{AppState, WebError, page};
use crate::domain::account::{AccountStatus, Role};
use crate::domain::factor::{FactorKind, PasskeyRequirement};
use crate::domain::import::{ProblemReport, RowProblem};
use crate::flows::admin::{self, Admin, AdminRefusal};
use crate::flows::human_time;
use crate::i18n::{say, say_with};

/// An administration page, for the answers to a refused request: nothing tells a
/// non-administrator more than a missing page would.
pub(super) struct ConsolePage {
    /// Where the page is: back to it after a step-up, and from a refusal's page.
    pub path: &'static str,
    /// The message id of the link back to it.
    pub back_label: &'static str,
    /// The refusals whose text the page shows; the others are the missing page.
    pub shows: fn(&AdminRefusal) -> bool,
}

impl ConsolePage {
    pub fn refused(&self, problem: AdminRefusal) -> Result<Response, WebError> {
        match problem {
            AdminRefusal::NotSignedIn => Ok(Redirect::to("/login").into_response()),
            // Step-up in place: the second factor again, then back to the page.
            AdminRefusal::StepUp => {
                Ok(Redirect::to(&super::step_up::again_then(self.path)).into_response())
            }
            AdminRefusal::Internal(e) => Err(e.into()),
            shown if (self.shows)(&shown) => Err(WebError::Message {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                title: say("admin-did-not-work"),
                message: shown.to_string(),
                next_href: self.path,
                next_label: say(self.back_label),
            }),
            _ => Err(WebError::NotFound),
        }
    }

    /// A request for the administrator asking: `answer`'s response, or the answer to a
    /// refusal (of the session, or of what `answer` asked the flows).
    pub async fn for_admin(
        &self,
        app: &AppState,
        current: &CurrentSession,
        answer: impl AsyncFnOnce(Admin) -> Result<Result<Response, WebError>, AdminRefusal>,
    ) -> Result<Response, WebError> {
        match async { answer(admin_of(app, current).await?).await }.await {
            Ok(response) => response,
            Err(e) => self.refused(e),
        }
    }

    /// A change made from this page: authorized, made, and back to the page saying what was
    /// done (its `done` code), or why not.
    pub async fn change(
        &self,
        app: &AppState,
        current: &CurrentSession,
        make: impl AsyncFnOnce(Admin) -> Result<&'static str, AdminRefusal>,
    ) -> Result<Response, WebError> {
        self.for_admin(app, current, async |admin| {
            let done = make(admin).await?;
            let to = format!("{}?done={done}", self.path);
            Ok(Ok(Redirect::to(&to).into_response()))
        })
        .await
    }
}

/// For a console page with a form (applications, clients, providers): a request it cannot
/// do is said; anything else (a non-administrator, another organization's) is the missing page.
pub fn form_problems(problem: &AdminRefusal) -> bool {
    matches!(
        problem,
        AdminRefusal::Invalid(_) | AdminRefusal::Conflict(_)
    )
}

/// A refusal a form shows again with what was typed: its status and sentence. Any other
/// refusal is answered as the page answers it.
pub fn on_the_form(refused: AdminRefusal) -> Result<(StatusCode, String), AdminRefusal> {
    match refused {
        AdminRefusal::Invalid(error) => Ok((StatusCode::UNPROCESSABLE_ENTITY, error)),
        AdminRefusal::Conflict(error) => Ok((StatusCode::CONFLICT, error)),
        other => Err(other),
    }
}

/// The outcome code of the last action, which a page turns into one of its fixed texts.
#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: String,
}

const CONSOLE: ConsolePage = ConsolePage {
    path: "/admin",
    back_label: "admin-back",
    shows: |problem| {
        !matches!(
            problem,
            AdminRefusal::NotAdministrator
                | AdminRefusal::NotFound
                | AdminRefusal::SystemAdministratorsOnly
                | AdminRefusal::PeopleOnly
        )
    },
};

async fn admin_of(app: &AppState, current: &CurrentSession) -> Result<Admin, AdminRefusal> {
    admin::authorize(app, current.0.as_ref()).await
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: i64,
    #[serde(default)]
    org: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    done: String,
    /// The account the last action was on (its id): the outcome names the person.
    #[serde(default)]
    who: String,
}

/// The console's outcome for an account action (its text: `done_text`).
fn done_code(action: admin::AccountAction) -> &'static str {
    use admin::AccountAction::*;
    match action {
        Resend => "resent",
        Disable => "disabled",
        Enable => "enabled",
        Lock => "locked",
        Unlock => "unlocked",
        ResetMfa => "mfa-reset",
        Revoke => "revoked",
        EndSessions => "sessions-ended",
    }
}

/// Fixed texts for the outcome of the last action (no text from the query string is shown).
fn done_text(code: &str) -> Option<String> {
    let id = match code {
        "invited" => "admin-done-invited",
        "resent" => "admin-done-resent",
        "changed" | "disabled" | "enabled" | "locked" | "unlocked" => "admin-done-changed",
        "revoked" => "admin-done-revoked",
        "sessions-ended" => "admin-done-sessions-ended",
        "mfa-reset" => "admin-done-mfa-reset",
        "organization-created" => "admin-done-organization-created",
        "factors" => "admin-done-factors",
        "role-changed" => "admin-done-role-changed",
        "terms" => "admin-done-terms",
        _ => return None,
    };
    Some(say(id))
}

/// A factor's name as the console shows it, in the page's language (English: its label).
pub(crate) fn factor_label(kind: FactorKind) -> String {
    say(match kind {
        FactorKind::Email => "admin-factor-email",
        FactorKind::Phone => "admin-factor-phone",
        FactorKind::App => "admin-factor-app",
        FactorKind::Passkey => "admin-factor-passkey",
    })
}

/// The outcome of an action on one account, naming the person (`who`: "Name (email)").
fn done_for(code: &str, who: &str, role: Role) -> Option<String> {
    let whom = ("who", who.into());
    Some(match code {
        "resent" => say_with("admin-done-resent-to", &[whom]),
        "disabled" | "enabled" | "locked" | "unlocked" => {
            say_with("admin-done-updated", &[whom, ("state", code.into())])
        }
        "sessions-ended" => say_with("admin-done-sessions-ended-for", &[whom]),
        "mfa-reset" => say_with("admin-done-mfa-reset-for", &[whom]),
        "role-changed" => say_with(
            "admin-done-role-changed-to",
            &[whom, ("role", role.as_str().into())],
        ),
        _ => return None,
    })
}

/// The line saying what the last action did: naming the person when the account is still
/// there and within the administrator's scope (a revoked invitation's account is gone).
async fn done_message(app: &AppState, admin: &Admin, query: &ListQuery) -> Option<String> {
    if let Ok(id) = query.who.parse::<i64>()
        && let Ok(account) = admin::account(app, admin, id).await
    {
        let who = format!("{} ({})", account.display_name, account.email);
        if let Some(text) = done_for(&query.done, &who, account.role) {
            return Some(text);
        }
    }
    done_text(&query.done)
}

pub async fn console(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    CONSOLE
        .for_admin(&app, &current, async |admin| {
            console_page(&app, &csrf, &admin, &query, None).await
        })
        .await
}

/// An invitation the console refused, shown again on its form: what was typed, the problem
/// and the fields it concerns, with the page's status.
struct RefusedInvitation<'a> {
    form: &'a InviteForm,
    status: StatusCode,
    error: String,
    fields: &'static [&'static str],
}

async fn console_page(
    app: &AppState,
    csrf: &CsrfToken,
    admin: &Admin,
    query: &ListQuery,
    refused: Option<RefusedInvitation<'_>>,
) -> Result<Result<Response, WebError>, AdminRefusal> {
    let request = admin::ListRequest {
        search: query.q.clone(),
        status: query.status.clone(),
        organization: query.org.clone(),
        sort: query.sort.clone(),
        page: query.page,
    };
    let list = admin::list(app, admin, &request).await?;
    let rows: Vec<_> = list
        .accounts
        .iter()
        .map(|a| {
            context! {
                id => a.id, email => &a.email, name => &a.display_name, organization => &a.organization,
                role => a.role.as_str(), status => a.status.as_str(), method => a.mfa_method.map(FactorKind::as_str),
                factors => a.factors.kinds().map(factor_label).collect::<Vec<_>>().join(", "),
                last_sign_in => a.last_sign_in_at.map(human_time), link_expires => a.link_expires_at.map(human_time),
                disabled => a.disabled, locked => a.locked,
                unfinished => matches!(a.status, AccountStatus::Invited | AccountStatus::Registering),
                in_organization => a.organization.is_some(),
            }
        })
        .collect();
    let organizations = if admin.org_id().is_none() {
        admin::organizations(app, admin).await?
    } else {
        Vec::new()
    };
    let page_count = (list.total + 49) / 50;
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let (invitation, error, error_fields) = match &refused {
        Some(r) => (
            Some(r.form),
            Some(r.error.as_str()),
            page::fields_in_error(r.status, r.fields),
        ),
        None => (None, None, Vec::new()),
    };
    Ok(page::render(
        status,
        "pages/admin.html",
        csrf,
        context! {
            invitation => invitation.map(|f| context! {
                email => &f.email, display_name => &f.display_name, organization => &f.organization, role => &f.role,
            }),
            error, error_fields,
            rows, total => list.total, q => query.q.trim(), status => query.status.as_str(), org => query.org.trim(), sort => query.sort.as_str(), page => query.page.max(0), page_count,
            done => done_message(app, admin, query).await, system_admin => admin.org_id().is_none(), upload_limit => super::UPLOAD_LIMIT,
            organizations => organizations.iter().map(|o| context! {
                id => o.id, name => &o.name, email_factor => o.allowed.allows(FactorKind::Email), phone_factor => o.allowed.allows(FactorKind::Phone),
                app_factor => o.allowed.allows(FactorKind::App), passkey_factor => o.allowed.allows(FactorKind::Passkey),
                require_passkey => o.require_passkey.as_str(),
            }).collect::<Vec<_>>(),
        },
    ))
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    organization: String,
    /// user or org-admin (the form offers it to system administrators only).
    #[serde(default)]
    role: String,
}

/// Invite a person: on to the console saying so, or the console again with the problem on
/// the invitation form and what was typed in it (nothing is lost, nothing was created).
pub async fn invite(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    CONSOLE
        .for_admin(&app, &current, async |admin| {
            match invite_person(&app, &admin, &form).await {
                Ok(()) => Ok(Ok(Redirect::to("/admin?done=invited").into_response())),
                Err(refused) => {
                    let refused = invitation_on_the_form(refused, &form)?;
                    let query = ListQuery::default();
                    console_page(&app, &csrf, &admin, &query, Some(refused)).await
                }
            }
        })
        .await
}

async fn invite_person(
    app: &AppState,
    admin: &Admin,
    form: &InviteForm,
) -> Result<(), AdminRefusal> {
    let role = Some(form.role.as_str())
        .filter(|r| !r.trim().is_empty())
        .map_or(Ok(Role::User), admin::assignable_role)?;
    let organization = Some(form.organization.as_str());
    let (email, name) = (&form.email, &form.display_name);
    admin::invite(app, admin, email, name, organization, role).await?;
    Ok(())
}

/// A refusal of an invitation the form shows (422, as the console always answered it) with
/// the fields it concerns; any other refusal is answered as the console answers it.
fn invitation_on_the_form(
    refused: AdminRefusal,
    form: &InviteForm,
) -> Result<RefusedInvitation<'_>, AdminRefusal> {
    use crate::flows::invitation::InvitationProblem as Problem;
    let fields: &'static [&'static str] = match &refused {
        AdminRefusal::Invitation(Problem::Internal(_)) => return Err(refused),
        AdminRefusal::Invitation(Problem::Email(_) | Problem::AlreadyRegistered) => &["email"],
        AdminRefusal::Invitation(Problem::Name(_)) => &["display_name"],
        AdminRefusal::Invitation(Problem::UnknownOrganization(_)) => &["organization"],
        AdminRefusal::Invitation(Problem::NotSent(_)) => &[],
        // A role it cannot give, or an organization administrator without an organization.
        AdminRefusal::Invalid(_) => &["role", "organization"],
        _ => return Err(refused),
    };
    Ok(RefusedInvitation {
        form,
        status: StatusCode::UNPROCESSABLE_ENTITY,
        error: refused.to_string(),
        fields,
    })
}

/// A row's action on one account. `confirm-ACTION` (posted by the row's button of a
/// destructive action) changes nothing: it asks again on a page naming the person, whose
/// Confirm posts ACTION itself. The outcome names the person. The question guards against a
/// slip of the mouse, not an attacker: a deliberate POST of ACTION (with the page's CSRF
/// token, by an administrator allowed to act) acts, as the JSON API does.
pub async fn act(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    CONSOLE
        .for_admin(&app, &current, async |admin| {
            if let Some(asked) = action.strip_prefix("confirm-") {
                return confirmation_page(&app, &csrf, &admin, id, asked).await;
            }
            let done = act_on_account(&app, &admin, id, &action).await?;
            let to = format!("{}?done={done}&who={id}", CONSOLE.path);
            Ok(Ok(Redirect::to(&to).into_response()))
        })
        .await
}

async fn act_on_account(
    app: &AppState,
    admin: &Admin,
    id: i64,
    action: &str,
) -> Result<&'static str, AdminRefusal> {
    if let Some(action) = admin::AccountAction::parse(action) {
        return admin::act(app, admin, id, action)
            .await
            .map(|()| done_code(action));
    }
    match action {
        "make-org-admin" => admin::set_role(app, admin, id, "org-admin")
            .await
            .map(|_| "role-changed"),
        "make-user" => admin::set_role(app, admin, id, "user")
            .await
            .map(|_| "role-changed"),
        _ => Err(AdminRefusal::NotFound),
    }
}

/// The destructive row actions, asked again before anything changes: the question, with
/// the person's name in it, and what follows.
fn confirmation(action: admin::AccountAction, name: &str) -> Option<(String, String)> {
    use admin::AccountAction::*;
    let id = match action {
        Lock => "admin-confirm-lock",
        Disable => "admin-confirm-disable",
        ResetMfa => "admin-confirm-reset-mfa",
        Revoke => "admin-confirm-revoke",
        _ => return None,
    };
    Some((
        say_with(id, &[("name", name.into())]),
        say(&format!("{id}-consequence")),
    ))
}

/// The page asking the administrator to confirm a destructive action on one account.
async fn confirmation_page(
    app: &AppState,
    csrf: &CsrfToken,
    admin: &Admin,
    id: i64,
    asked: &str,
) -> Result<Result<Response, WebError>, AdminRefusal> {
    let action = admin::AccountAction::parse(asked).ok_or(AdminRefusal::NotFound)?;
    let account = admin::account(app, admin, id).await?;
    let name = account.display_name.to_string();
    let (question, consequence) = confirmation(action, &name).ok_or(AdminRefusal::NotFound)?;
    // The console's template, showing only the question (its `confirm` branch).
    Ok(page::ok(
        "pages/admin.html",
        csrf,
        context! { confirm => context! {
            question, consequence, name, email => account.email.to_string(),
            action => format!("/admin/users/{id}/{}", action.as_str()),
        } },
    ))
}

pub async fn terms_form(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
) -> Result<Response, WebError> {
    CONSOLE
        .for_admin(&app, &current, async |admin| {
            if !admin.is_system() {
                return Ok(Err(WebError::NotFound));
            }
            let terms = crate::flows::terms::current(&app).await?;
            Ok(page::ok(
                "pages/admin_terms.html",
                &csrf,
                context! { version => terms.version, title => terms.title, body => terms.body, system_admin => true },
            ))
        })
        .await
}

#[derive(Deserialize)]
pub struct TermsForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

pub async fn publish_terms(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Form(form): Form<TermsForm>,
) -> Result<Response, WebError> {
    CONSOLE.for_admin(&app, &current, async |admin| {
        Ok(match admin::publish_terms(&app, &admin, &form.title, &form.body).await {
            Ok(_) => Ok(Redirect::to("/admin?done=terms").into_response()),
            Err(admin::TermsProblem::NotSystemAdministrator) => Err(WebError::NotFound),
            Err(admin::TermsProblem::Internal(e)) => Err(e.into()),
            Err(problem) => {
                let terms = crate::flows::terms::current(&app).await?;
                page::render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "pages/admin_terms.html",
                    &csrf,
                    context! { version => terms.version, title => form.title, body => form.body, error => problem.to_string(), system_admin => true },
                )
            }
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    csv: String,
}

/// The page after a file (pasted or uploaded): done, or every bad row with its line (nothing was changed).
fn file_outcome(
    csrf: &CsrfToken,
    outcome: Result<(String, String), Vec<RowProblem>>,
    failed_title: &'static str,
) -> Result<Response, WebError> {
    let (status, title, message, lines) = match outcome {
        Ok((title, message)) => (StatusCode::OK, title, message, Vec::new()),
        Err(rows) => {
            // The first problems in full, the other lines counted (review issue 11,
            // finding 14): a file of bad rows never makes a page many times its size.
            let report = ProblemReport::new(rows);
            let mut lines: Vec<String> = report.shown.iter().map(ToString::to_string).collect();
            lines.extend(report.more());
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                say(failed_title),
                say("admin-rows-not-valid"),
                lines,
            )
        }
    };
    page::render(
        status,
        "pages/message.html",
        csrf,
        context! { title, message, lines, ok => status == StatusCode::OK, next_href => "/admin", next_label => say("admin-back") },
    )
}

/// Bulk create: CSV pasted into the form. Every row is checked first; nobody is created
/// unless every row is good, and each bad row is named by its line.
pub async fn bulk(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Form(form): Form<BulkForm>,
) -> Result<Response, WebError> {
    CONSOLE
        .for_admin(&app, &current, async |admin| {
            bulk_create(&app, &csrf, &admin, form.csv.into_bytes().into()).await
        })
        .await
}

/// Bulk create from an uploaded CSV file (`multipart/form-data`, up to `UPLOAD_LIMIT`): the
/// same checks and page as the pasted text. The page's script shows the upload's progress.
pub async fn upload(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    CONSOLE
        .for_admin(&app, &current, async |admin| {
            let csv = uploaded_file(&headers, &body)
                .ok_or_else(|| AdminRefusal::Invalid(say("admin-choose-upload")))?;
            bulk_create(&app, &csrf, &admin, csv).await
        })
        .await
}

/// The non-empty file of a `multipart/form-data` form's `file` field.
fn uploaded_file(headers: &HeaderMap, body: &Bytes) -> Option<Bytes> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(multipart::boundary)
        .and_then(|boundary| multipart::parse(body, &boundary))
        .and_then(|parts| {
            parts
                .into_iter()
                .find(|p| p.name == "file" && p.filename.is_some())
        })
        .map(|p| p.data)
        .filter(|data| !data.is_empty())
}

async fn bulk_create(
    app: &AppState,
    csrf: &CsrfToken,
    admin: &Admin,
    csv: Bytes,
) -> Result<Result<Response, WebError>, AdminRefusal> {
    let outcome = match admin::bulk_invite(app, admin, std::io::Cursor::new(csv)).await {
        Ok(done) => Ok((
            say("admin-bulk-done"),
            say_with(
                "admin-bulk-done-message",
                &[("n", i64::try_from(done.created).unwrap_or(i64::MAX).into())],
            ),
        )),
        Err(admin::BulkProblem::Rows(rows)) => Err(rows),
        Err(admin::BulkProblem::Refused(e)) => return Err(e),
    };
    Ok(file_outcome(csrf, outcome, "admin-bulk-failed"))
}

#[derive(Deserialize)]
pub struct OrganizationForm {
    #[serde(default)]
    name: String,
}

/// A new organization (system administrators; others get the missing page).
pub async fn create_organization(
    State(app): State<AppState>,
    current: CurrentSession,
    Form(form): Form<OrganizationForm>,
) -> Result<Response, WebError> {
    CONSOLE
        .change(&app, &current, async |admin| {
            admin::create_organization(&app, &admin, &form.name).await?;
            Ok("organization-created")
        })
        .await
}

/// The factor policy form: a checked box allows the factor, an unchecked one sends nothing.
#[derive(Deserialize)]
pub struct FactorsForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    app: String,
    #[serde(default)]
    passkey: String,
    /// off, admins or everyone; left out: unchanged.
    #[serde(default)]
    require_passkey: String,
}

pub async fn set_factors(
    State(app): State<AppState>,
    current: CurrentSession,
    Path(id): Path<i64>,
    Form(form): Form<FactorsForm>,
) -> Result<Response, WebError> {
    CONSOLE
        .change(&app, &current, async |admin| {
            let change = admin::PolicyChange {
                kinds: vec![
                    (FactorKind::Email, Some(!form.email.is_empty())),
                    (FactorKind::Phone, Some(!form.phone.is_empty())),
                    (FactorKind::App, Some(!form.app.is_empty())),
                    (FactorKind::Passkey, Some(!form.passkey.is_empty())),
                ],
                require_passkey: PasskeyRequirement::parse(&form.require_passkey),
            };
            admin::set_factor_policy(&app, &admin, id, &change).await?;
            Ok("factors")
        })
        .await
}

/// Import current portal users (system administrators): an uploaded CSV file
/// (`multipart/form-data`, up to `UPLOAD_LIMIT`) with the users' password hashes. Every row is
/// checked first; nobody is imported unless every row is good, and each bad row is named by
/// its line. The page's script shows the upload's progress.
pub async fn import(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    CONSOLE
        .for_admin(&app, &current, async |admin| {
            // Before the file is looked at: others are answered as if the page did not exist.
            if !admin.is_system() {
                return Err(AdminRefusal::NotAdministrator);
            }
            let csv = uploaded_file(&headers, &body)
                .ok_or_else(|| AdminRefusal::Invalid(say("admin-choose-import")))?;
            import_file(&app, &csrf, &admin, csv).await
        })
        .await
}

async fn import_file(
    app: &AppState,
    csrf: &CsrfToken,
    admin: &Admin,
    csv: Bytes,
) -> Result<Result<Response, WebError>, AdminRefusal> {
    let outcome = match admin::import_users(app, admin, std::io::Cursor::new(csv)).await {
        Ok(n) => Ok((
            say("admin-import-done"),
            say_with(
                "admin-import-done-message",
                &[("n", i64::try_from(n).unwrap_or(i64::MAX).into())],
            ),
        )),
        Err(admin::BulkProblem::Rows(rows)) => Err(rows),
        Err(admin::BulkProblem::Refused(e)) => return Err(e),
    };
    Ok(file_outcome(csrf, outcome, "admin-import-failed"))
}
