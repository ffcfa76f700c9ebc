//! The JSON API under `/api/v1`, for the administrator actions, authenticated with API tokens
//! (`Authorization: Bearer tsr_…`) issued by a system administrator, or with the
//! administrator's browser session (cookie) plus the page's CSRF token in `X-CSRF-Token` for
//! anything that changes state. Errors are RFC 9457 problem details. The OpenAPI document is
//! generated from these handlers (utoipa), so it cannot drift from what the server does.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum_extra::extract::cookie::CookieJar;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::AppState;
use super::csrf;
use super::session::CurrentSession;
use crate::domain::account::Role;
use crate::domain::factor::{FactorKind, PasskeyRequirement};
use crate::flows::admin::{self, Admin, AdminRefusal};
use crate::flows::audit_log::{self, AuditQuery};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/users", get(list_users).post(invite_user))
        .route(
            "/api/v1/users/bulk",
            post(bulk_invite).layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024)),
        )
        .route(
            "/api/v1/import",
            post(import_users).layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/api/v1/users/{id}/{action}", post(user_action))
        .route("/api/v1/users/{id}/role", put(set_role))
        .route("/api/v1/audit", get(audit))
        .route(
            "/api/v1/organizations",
            get(list_organizations).post(create_organization),
        )
        .route(
            "/api/v1/organizations/{id}/factors",
            get(factor_policy).put(set_factor_policy),
        )
        .route("/api/v1/terms", post(publish_terms))
        .route("/api/v1/tokens", get(list_tokens).post(issue_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .merge(super::api_clients::routes())
        .merge(super::api_apps::routes())
        .merge(super::api_providers::routes())
}

/// Any other path under `/api/`: a problem, not the portal's HTML page.
pub fn no_such_path() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "There is no such API path; the OpenAPI document at /api/v1/openapi.json lists them."
            .into(),
    )
}

/// An RFC 9457 problem: a stable `code` and a message a person can act on.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable, for programs: `unauthorized`, `forbidden`, `not-found`, `invalid`, `conflict`,
    /// `step-up`, `csrf`, `internal`.
    pub code: String,
    /// For a file: its first bad rows (at most 100 problems), each with its line number.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RowError>,
    /// For a file: how many more lines have problems than `errors` names.
    #[serde(skip_serializing_if = "is_zero")]
    pub more_lines: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

pub(super) fn problem(status: StatusCode, code: &str, detail: String) -> Response {
    problem_with_rows(status, code, detail, Vec::new(), 0)
}

/// 422 for a file with bad rows: the first named by their lines, the others counted;
/// nothing was `done`.
fn rows_problem(rows: Vec<crate::domain::import::RowProblem>, done: &str) -> Response {
    let report = crate::domain::import::ProblemReport::new(rows);
    let mut detail = format!(
        "{} row(s) are not valid; nobody was {done}.",
        report.bad_lines
    );
    if let Some(more) = report.more() {
        detail.push_str(&format!(
            " The first {} problems are listed, {more}.",
            report.shown.len()
        ));
    }
    let errors = report
        .shown
        .into_iter()
        .map(|r| RowError {
            line: r.line,
            message: r.message,
        })
        .collect();
    problem_with_rows(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        detail,
        errors,
        report.more_lines,
    )
}

fn problem_with_rows(
    status: StatusCode,
    code: &str,
    detail: String,
    errors: Vec<RowError>,
    more_lines: usize,
) -> Response {
    let body = Problem {
        kind: format!("https://tessera.invalid/problems/{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail,
        code: code.to_string(),
        errors,
        more_lines,
    };
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    response
}

impl IntoResponse for AdminRefusal {
    fn into_response(self) -> Response {
        match self {
            Self::NotSignedIn => problem(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Send a valid API token: Authorization: Bearer tsr_…, or sign in as an administrator.".into(),
            ),
            Self::NotAdministrator | Self::SystemAdministratorsOnly | Self::PeopleOnly => {
                problem(StatusCode::FORBIDDEN, "forbidden", self.to_string())
            }
            Self::Conflict(detail) => problem(StatusCode::CONFLICT, "conflict", detail),
            Self::StepUp => problem(StatusCode::FORBIDDEN, "step-up", self.to_string()),
            Self::NotFound => problem(StatusCode::NOT_FOUND, "not-found", self.to_string()),
            Self::Invitation(p) => {
                problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid", p.to_string())
            }
            Self::Invalid(detail) => problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail),
            // As pages do (`web::error`): 503 with Retry-After, nothing changed.
            Self::Internal(e) if super::error::is_database_unavailable(&e) => {
                let operation = super::error::log_unavailable(&e);
                let mut response = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    format!(
                        "The portal cannot reach its records right now; nothing was changed. Try again in a minute (operation {operation})."
                    ),
                );
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from_static(super::error::UNAVAILABLE_RETRY_SECS),
                );
                response
            }
            Self::Internal(e) => {
                let operation = super::error::operation_id();
                tracing::error!(operation = %operation, error = %e, "internal error in the API");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!(
                        "The server could not finish this request; quote operation {operation}."
                    ),
                )
            }
        }
    }
}

/// The request body as JSON, with an unreadable one answered as a problem like every other
/// refusal (axum's own rejection is plain text).
pub struct Body<T>(pub T);

/// The path's parameters, likewise.
pub struct Id<T>(pub T);

/// The query string, likewise.
pub struct Params<T>(pub T);

/// A CSV file as the request body, likewise (too large is 413).
pub struct Csv(pub axum::body::Bytes);

fn unreadable(status: StatusCode, what: &str, detail: String) -> Response {
    problem(
        status,
        "invalid",
        format!("The request's {what} could not be read: {detail}"),
    )
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(value)| Self(value))
            .map_err(|r| unreadable(r.status(), "JSON body", r.body_text()))
    }
}

impl<S: Send + Sync> FromRequest<S> for Csv {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(request, state)
            .await
            .map(Self)
            .map_err(|r| unreadable(r.status(), "body", r.body_text()))
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Id<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|r| unreadable(StatusCode::BAD_REQUEST, "path", r.body_text()))
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|r| unreadable(StatusCode::BAD_REQUEST, "query string", r.body_text()))
    }
}

/// The administrator behind the request: its bearer token when it sends one, else the
/// browser's session, judged exactly as the pages judge it (`admin::authorize`: both factors,
/// step-up, role). A browser's cookies travel with forged cross-site requests too, so a
/// session-authenticated request that changes state must also carry the page's CSRF token in
/// `X-CSRF-Token` (the value the forms carry); the CSRF middleware does not look at `/api/`.
pub struct ApiAdmin(pub Admin);

/// The header a page's script sends its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

impl FromRequestParts<AppState> for ApiAdmin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(authorization) = parts.headers.get(header::AUTHORIZATION) {
            let bearer = authorization
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .filter(|t| t.len() <= 128)
                .ok_or_else(|| AdminRefusal::NotSignedIn.into_response())?;
            return admin::authorize_token(app, bearer.trim())
                .await
                .map(Self)
                .map_err(IntoResponse::into_response);
        }
        let current = CurrentSession::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let admin = admin::authorize(app, current.0.as_ref())
            .await
            .map_err(IntoResponse::into_response)?;
        if !matches!(parts.method, Method::GET | Method::HEAD) && !csrf_header_matches(parts, app) {
            return Err(problem(
                StatusCode::FORBIDDEN,
                "csrf",
                format!(
                    "A signed-in browser's request that changes something must carry the page's CSRF token in the {CSRF_HEADER} header."
                ),
            ));
        }
        Ok(Self(admin))
    }
}

/// Whether the request carries, in `X-CSRF-Token`, the keyed value of its CSRF cookie
/// (compared in constant time), and the browser does not mark it cross-site.
fn csrf_header_matches(parts: &Parts, app: &AppState) -> bool {
    let cross_site = parts
        .headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    let jar = CookieJar::from_headers(&parts.headers);
    let cookie = jar.get(csrf::cookie_name(app)).map(|c| c.value());
    let submitted = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match cookie {
        Some(cookie) => !cross_site && app.keys.csrf_token_matches(cookie, submitted),
        None => false,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organization: Option<String>,
    pub role: String,
    /// invited, registering, active or imported.
    pub status: String,
    pub mfa_method: Option<String>,
    /// The kinds of factor the person holds: email, phone, app, passkey.
    pub factors: Vec<String>,
    /// Unix seconds.
    pub last_sign_in_at: Option<i64>,
    /// Unix seconds: when the newest unused registration link expires.
    pub link_expires_at: Option<i64>,
    pub disabled: bool,
    pub locked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<User>,
    pub total: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UserQuery {
    /// Part of the email address or display name.
    #[serde(default)]
    pub q: String,
    pub status: Option<String>,
    /// Page number from 0; 50 users a page.
    #[serde(default)]
    pub page: i64,
    /// An organization's name (all-organizations tokens only).
    pub organization: Option<String>,
    /// newest (default), name, email or last-sign-in.
    pub sort: Option<String>,
}

/// List the accounts within the token's scope.
#[utoipa::path(get, path = "/api/v1/users", params(UserQuery), security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = UserList), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_users(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Params(query): Params<UserQuery>,
) -> Result<Json<UserList>, AdminRefusal> {
    let request = admin::ListRequest {
        search: query.q,
        status: query.status.unwrap_or_default(),
        organization: query.organization.unwrap_or_default(),
        sort: query.sort.unwrap_or_default(),
        page: query.page,
    };
    let list = admin::list(&app, &admin, &request).await?;
    let users = list
        .accounts
        .into_iter()
        .map(|a| User {
            id: a.id,
            email: a.email,
            display_name: a.display_name,
            organization: a.organization,
            role: a.role.as_str().into(),
            status: a.status.as_str().into(),
            mfa_method: a.mfa_method.map(|m| m.as_str().into()),
            factors: a.factors.kinds().map(|k| k.as_str().into()).collect(),
            last_sign_in_at: a.last_sign_in_at,
            link_expires_at: a.link_expires_at,
            disabled: a.disabled,
            locked: a.locked,
        })
        .collect();
    Ok(Json(UserList {
        users,
        total: list.total,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    /// Only for an all-organizations token; an organization's token invites into its own.
    pub organization: Option<String>,
    /// `user` (the default) or `org-admin` (system administrators only; needs an organization).
    pub role: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedUser {
    pub id: i64,
    /// Unix seconds: when the emailed registration link expires.
    pub link_expires_at: i64,
    /// The address was already invited: a new link replaced the old one.
    pub resent: bool,
}

/// Create a user: the registration email is sent.
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUser, security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = InvitedUser), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn invite_user(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Body(body): Body<NewUser>,
) -> Result<Response, AdminRefusal> {
    let role = body
        .role
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map_or(Ok(Role::User), admin::assignable_role)?;
    let invited = admin::invite(
        &app,
        &admin,
        &body.email,
        &body.display_name,
        body.organization.as_deref(),
        role,
    )
    .await?;
    let out = InvitedUser {
        id: invited.account_id,
        link_expires_at: invited.expires_at,
        resent: invited.resent,
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Act on a user within the token's scope: `resend` (a new registration link), `disable`,
/// `enable`, `lock`, `unlock`, `reset-mfa`, `revoke` (an unused invitation), `end-sessions`
/// (`flows::admin::AccountAction`). A user outside the scope is 404, as if it did not exist.
#[utoipa::path(post, path = "/api/v1/users/{id}/{action}", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The user's id"), ("action" = String, Path, description = "resend, disable, enable, lock, unlock, reset-mfa, revoke or end-sessions")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn user_action(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id((id, action)): Id<(i64, String)>,
) -> Result<StatusCode, AdminRefusal> {
    let action = admin::AccountAction::parse(&action).ok_or(AdminRefusal::NotFound)?;
    admin::act(&app, &admin, id, action).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub created: usize,
    /// Registration emails queued, one per account: sent by the mail worker, retried while
    /// the mail server cannot take them (dead letters: the console's `/admin/mail`).
    pub queued: usize,
    /// Always empty: emails are queued rather than sent during the request. Kept for clients
    /// written before the queue.
    pub not_emailed: Vec<String>,
}

/// Bulk create from a CSV body (`text/csv`; columns email, display_name, optionally
/// organization and role). Every row is checked first; nobody is created unless all are good.
#[utoipa::path(post, path = "/api/v1/users/bulk", request_body(content = String, content_type = "text/csv"), security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = BulkResult), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn bulk_invite(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Csv(body): Csv,
) -> Result<Response, AdminRefusal> {
    match admin::bulk_invite(&app, &admin, std::io::Cursor::new(body)).await {
        Ok(done) => Ok((
            StatusCode::CREATED,
            Json(BulkResult {
                created: done.created,
                queued: done.queued,
                not_emailed: Vec::new(),
            }),
        )
            .into_response()),
        Err(admin::BulkProblem::Rows(rows)) => Ok(rows_problem(rows, "created")),
        Err(admin::BulkProblem::Refused(e)) => Err(e),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub imported: usize,
}

/// Import current portal users from a CSV body (columns email, display_name, password_hash,
/// optionally organization and role). All-or-nothing; an all-organizations token only.
#[utoipa::path(post, path = "/api/v1/import", request_body(content = String, content_type = "text/csv"), security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ImportResult), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn import_users(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Csv(body): Csv,
) -> Result<Response, AdminRefusal> {
    match admin::import_users(&app, &admin, std::io::Cursor::new(body)).await {
        Ok(imported) => Ok((StatusCode::CREATED, Json(ImportResult { imported })).into_response()),
        Err(admin::BulkProblem::Rows(rows)) => Ok(rows_problem(rows, "imported")),
        Err(admin::BulkProblem::Refused(e)) => Err(e),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    /// The email address of the account the entries are about.
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub event: String,
    /// YYYY-MM-DD (UTC), inclusive.
    #[serde(default)]
    pub from: String,
    /// YYYY-MM-DD (UTC), inclusive.
    #[serde(default)]
    pub to: String,
    /// Entries older than this sequence number.
    pub before: Option<i64>,
}

/// Audit log entries within the token's scope, newest first, as JSON Lines.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "One JSON object per line", content_type = "application/x-ndjson")))]
async fn audit(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Params(p): Params<AuditParams>,
) -> Result<Response, AdminRefusal> {
    let query = AuditQuery {
        user: p.user,
        actor: p.actor,
        event: p.event,
        from: p.from,
        to: p.to,
        organization: String::new(),
        before: p.before,
        limit: 1000,
    };
    let records = audit_log::search(&app, &admin, query).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        audit_log::to_json_lines(&records),
    )
        .into_response())
}

/// Appoint or remove an organization administrator.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleChange {
    /// `user` or `org-admin`.
    pub role: String,
}

/// Set a user's role: `org-admin` appoints an organization administrator of the user's
/// organization, `user` removes one. System administrators only (an organization
/// administrator gets 403 `forbidden` before anything is looked up).
#[utoipa::path(put, path = "/api/v1/users/{id}/role", request_body = RoleChange, security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_role(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
    Body(body): Body<RoleChange>,
) -> Result<StatusCode, AdminRefusal> {
    admin::set_role(&app, &admin, id, &body.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    /// Whether the email factor is allowed.
    pub email_factor: bool,
    /// Whether the phone factor (SMS and voice) is allowed.
    pub phone_factor: bool,
    /// Unix seconds.
    pub created_at: i64,
}

impl From<crate::store::Organization> for Organization {
    fn from(o: crate::store::Organization) -> Self {
        Self {
            id: o.id,
            name: o.name,
            email_factor: o.allowed.allows(FactorKind::Email),
            phone_factor: o.allowed.allows(FactorKind::Phone),
            created_at: o.created_at,
        }
    }
}

/// The organizations in scope: all for a system administrator, their own for an organization
/// administrator (or an organization's token).
#[utoipa::path(get, path = "/api/v1/organizations", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [Organization]), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_organizations(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<Vec<Organization>>, AdminRefusal> {
    let orgs = admin::organizations(&app, &admin).await?;
    Ok(Json(orgs.into_iter().map(Organization::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOrganization {
    pub name: String,
}

/// Create an organization (system administrators only). A taken name is 409 `conflict`.
#[utoipa::path(post, path = "/api/v1/organizations", request_body = NewOrganization, security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = Organization), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_organization(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Body(body): Body<NewOrganization>,
) -> Result<Response, AdminRefusal> {
    let org = admin::create_organization(&app, &admin, &body.name).await?;
    Ok((StatusCode::CREATED, Json(Organization::from(org))).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FactorPolicy {
    /// Whether the email factor is allowed.
    pub email: bool,
    /// Whether the phone factor (SMS and voice) is allowed.
    pub phone: bool,
    /// Whether authenticator apps (TOTP) are allowed.
    pub app: bool,
    /// Whether passkeys are allowed.
    pub passkey: bool,
    /// Whom a passkey is required of: off, admins or everyone.
    pub require_passkey: String,
}

impl From<crate::store::Organization> for FactorPolicy {
    fn from(org: crate::store::Organization) -> Self {
        let allowed = org.allowed;
        Self {
            email: allowed.allows(FactorKind::Email),
            phone: allowed.allows(FactorKind::Phone),
            app: allowed.allows(FactorKind::App),
            passkey: allowed.allows(FactorKind::Passkey),
            require_passkey: org.require_passkey.as_str().into(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FactorPolicyChange {
    /// Allow the email factor; left out: unchanged.
    pub email: Option<bool>,
    /// Allow the phone factor (SMS and voice); left out: unchanged.
    pub phone: Option<bool>,
    /// Allow authenticator apps; left out: unchanged.
    pub app: Option<bool>,
    /// Allow passkeys; left out: unchanged.
    pub passkey: Option<bool>,
    /// Require a passkey of: off, admins or everyone; left out: unchanged.
    pub require_passkey: Option<String>,
}

/// Which second factors an organization allows. Another organization than an organization
/// administrator's own is 404, as if it did not exist.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/factors", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The organization's id")),
    responses((status = 200, body = FactorPolicy), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn factor_policy(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
) -> Result<Json<FactorPolicy>, AdminRefusal> {
    Ok(Json(admin::factor_policy(&app, &admin, id).await?.into()))
}

/// Allow or refuse the email or the phone factor for an organization (system administrators
/// only; as `tessera admin set-factors`). At least one stays allowed. A person whose factor
/// is turned off is refused after the right password and asked to have MFA reset; a new
/// registration offers only the allowed factors. Another organization than an organization
/// administrator's own is 404; their own is 403.
#[utoipa::path(put, path = "/api/v1/organizations/{id}/factors", request_body = FactorPolicyChange, security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The organization's id")),
    responses((status = 200, body = FactorPolicy), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_factor_policy(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
    Body(body): Body<FactorPolicyChange>,
) -> Result<Json<FactorPolicy>, AdminRefusal> {
    let require_passkey = match body.require_passkey.as_deref() {
        None => None,
        Some(text) => Some(PasskeyRequirement::parse(text).ok_or_else(|| {
            AdminRefusal::Invalid("require_passkey is off, admins or everyone.".into())
        })?),
    };
    let change = admin::PolicyChange {
        kinds: vec![
            (FactorKind::Email, body.email),
            (FactorKind::Phone, body.phone),
            (FactorKind::App, body.app),
            (FactorKind::Passkey, body.passkey),
        ],
        require_passkey,
    };
    Ok(Json(
        admin::set_factor_policy(&app, &admin, id, &change)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTerms {
    pub title: String,
    /// The text (at most 100,000 characters).
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedTerms {
    pub version: i64,
}

/// Publish a new Terms of Use version (system administrators only): everyone accepts it at
/// their next sign-in.
#[utoipa::path(post, path = "/api/v1/terms", request_body = NewTerms, security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = PublishedTerms), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn publish_terms(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Body(body): Body<NewTerms>,
) -> Result<Response, AdminRefusal> {
    let version = admin::publish_terms(&app, &admin, &body.title, &body.body).await?;
    Ok((StatusCode::CREATED, Json(PublishedTerms { version })).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenEntry {
    pub id: i64,
    pub name: String,
    /// None: every organization.
    pub organization: Option<String>,
    /// Who issued it (`account:ID` or `cli`).
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Unix seconds, once revoked.
    pub revoked_at: Option<i64>,
}

/// Every API token issued, newest first, without its value (system administrators signed in
/// with a session; a token gets 403 `forbidden`).
#[utoipa::path(get, path = "/api/v1/tokens", security(("session" = [])),
    responses((status = 200, body = [ApiTokenEntry]), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_tokens(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<Vec<ApiTokenEntry>>, AdminRefusal> {
    let tokens = admin::api_tokens(&app, &admin).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| ApiTokenEntry {
                id: t.id,
                name: t.name,
                organization: t.organization,
                created_by: t.created_by,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApiToken {
    pub name: String,
    /// An organization's name: the token acts only within it. Left out: every organization.
    pub organization: Option<String>,
    /// Lifetime in days, 1 to 366 (default 90).
    pub days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedApiToken {
    pub id: i64,
    /// The bearer value: shown only in this answer, stored only as a keyed hash.
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Issue an API token (system administrators signed in with a session: a token cannot mint
/// tokens, or a leaked one could outlive its revocation). The value is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewApiToken, security(("session" = [])),
    responses((status = 201, body = IssuedApiToken), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn issue_token(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Body(body): Body<NewApiToken>,
) -> Result<Response, AdminRefusal> {
    let issued = admin::issue_token(
        &app,
        &admin,
        &body.name,
        body.organization.as_deref(),
        body.days.unwrap_or(90),
    )
    .await?;
    let mut response = (
        StatusCode::CREATED,
        Json(IssuedApiToken {
            id: issued.id,
            token: issued.token,
            expires_at: issued.expires_at,
        }),
    )
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// Revoke an API token at once (system administrators signed in with a session). An unknown
/// or already revoked token is 404.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", security(("session" = [])),
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_token(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
) -> Result<StatusCode, AdminRefusal> {
    admin::revoke_token(&app, &admin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Tessera administration API", description = "Administrator actions of the Tessera sign-in portal. Authenticate with an API token: `Authorization: Bearer tsr_…` (issued with `tessera admin create-token` or `POST /api/v1/tokens`), or from the administration pages with the browser's session: then every request that is not GET must carry the page's CSRF token in `X-CSRF-Token` (else 403 `csrf`). A session needs its second factor within 15 minutes (else 403 `step-up`). An action for system administrators only answers 403 `forbidden` to anyone else; an account or organization outside the caller's organization answers 404 `not-found`, exactly as a missing one."),
    paths(list_users, invite_user, bulk_invite, import_users, user_action, set_role, audit,
        list_organizations, create_organization, factor_policy, set_factor_policy, publish_terms,
        list_tokens, issue_token, revoke_token),
    components(schemas(Problem, RowError, User, UserList, NewUser, InvitedUser, BulkResult, ImportResult,
        RoleChange, Organization, NewOrganization, FactorPolicy, FactorPolicyChange, NewTerms, PublishedTerms,
        ApiTokenEntry, NewApiToken, IssuedApiToken)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // `__Host-tessera_session` when the public URL is https.
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "tessera_session",
                "The administrator's browser session; requests other than GET also send X-CSRF-Token.",
            ))),
        );
    }
}

async fn openapi() -> Response {
    let document = ApiDoc::openapi()
        .merge_from(super::api_clients::ClientsDoc::openapi())
        .merge_from(super::api_apps::AppsDoc::openapi())
        .merge_from(super::api_providers::ProvidersDoc::openapi());
    match document.to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => AdminRefusal::Internal(crate::flows::Internal::Other(e.into())).into_response(),
    }
}
