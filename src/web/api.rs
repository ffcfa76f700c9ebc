//! The JSON API under `/api/v1`, for the administrator actions, authenticated with API tokens
//! (`Authorization: Bearer tsr_…`) issued by a system administrator. Errors are RFC 9457
//! problem details. The OpenAPI document is generated from these handlers (utoipa), so it
//! cannot drift from what the server does.

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::AppState;
use crate::flows::admin::{self, Admin, AdminRefusal};
use crate::flows::audit_log::{self, AuditQuery};
use crate::store::AccountFlag;

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
        .route("/api/v1/audit", get(audit))
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
    /// Stable, for programs: `unauthorized`, `forbidden`, `not-found`, `invalid`, `step-up`, `internal`.
    pub code: String,
    /// For a file: each bad row with its line number.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RowError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

fn problem(status: StatusCode, code: &str, detail: String) -> Response {
    problem_with_rows(status, code, detail, Vec::new())
}

/// 422 for a file with bad rows: each named by its line; nothing was `done`.
fn rows_problem(rows: Vec<crate::domain::import::RowProblem>, done: &str) -> Response {
    let detail = format!("{} row(s) are not valid; nobody was {done}.", rows.len());
    let errors = rows
        .into_iter()
        .map(|r| RowError {
            line: r.line,
            message: r.message,
        })
        .collect();
    problem_with_rows(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail, errors)
}

fn problem_with_rows(
    status: StatusCode,
    code: &str,
    detail: String,
    errors: Vec<RowError>,
) -> Response {
    let body = Problem {
        kind: format!("https://tessera.invalid/problems/{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail,
        code: code.to_string(),
        errors,
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
                "Send a valid API token: Authorization: Bearer tsr_….".into(),
            ),
            Self::NotAdministrator => problem(StatusCode::FORBIDDEN, "forbidden", self.to_string()),
            Self::StepUp => problem(StatusCode::FORBIDDEN, "step-up", self.to_string()),
            Self::NotFound => problem(StatusCode::NOT_FOUND, "not-found", self.to_string()),
            Self::Invitation(p) => {
                problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid", p.to_string())
            }
            Self::Invalid(detail) => problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail),
            Self::Internal(e) => {
                let operation = crate::crypto::random_token()
                    .map(|t| t[..12].to_string())
                    .unwrap_or_default();
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

/// The administrator behind the request's bearer token. Cookies are never read here, so the
/// API needs no CSRF token.
pub struct ApiAdmin(pub Admin);

impl FromRequestParts<AppState> for ApiAdmin {
    type Rejection = AdminRefusal;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| t.len() <= 128)
            .ok_or(AdminRefusal::NotSignedIn)?;
        Ok(Self(admin::authorize_token(app, bearer.trim()).await?))
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
#[utoipa::path(get, path = "/api/v1/users", params(UserQuery), security(("bearer" = [])),
    responses((status = 200, body = UserList), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list_users(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Query(query): Query<UserQuery>,
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
            role: a.role,
            status: a.status,
            mfa_method: a.mfa_method,
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
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUser, security(("bearer" = [])),
    responses((status = 201, body = InvitedUser), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn invite_user(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Json(body): Json<NewUser>,
) -> Result<Response, AdminRefusal> {
    let invited = admin::invite(
        &app,
        &admin,
        &body.email,
        &body.display_name,
        body.organization.as_deref(),
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
/// `enable`, `lock`, `unlock`, `reset-mfa`, `revoke` (an unused invitation), `end-sessions`. A user outside the scope is 404, as if it did not exist.
#[utoipa::path(post, path = "/api/v1/users/{id}/{action}", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id"), ("action" = String, Path, description = "resend, disable, enable, lock, unlock or reset-mfa")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn user_action(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Path((id, action)): Path<(i64, String)>,
) -> Result<StatusCode, AdminRefusal> {
    match action.as_str() {
        "resend" => admin::resend(&app, &admin, id).await.map(|_| ()),
        "disable" => admin::set_flag(&app, &admin, id, AccountFlag::Disabled, true).await,
        "enable" => admin::set_flag(&app, &admin, id, AccountFlag::Disabled, false).await,
        "lock" => admin::set_flag(&app, &admin, id, AccountFlag::Locked, true).await,
        "unlock" => admin::set_flag(&app, &admin, id, AccountFlag::Locked, false).await,
        "reset-mfa" => admin::reset_mfa(&app, &admin, id).await,
        "revoke" => admin::revoke_invitation(&app, &admin, id).await,
        "end-sessions" => admin::end_sessions(&app, &admin, id).await.map(|_| ()),
        _ => Err(AdminRefusal::NotFound),
    }?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub created: usize,
    /// Addresses whose registration email could not be sent (resend later).
    pub not_emailed: Vec<String>,
}

/// Bulk create from a CSV body (`text/csv`; columns email, display_name, optionally
/// organization and role). Every row is checked first; nobody is created unless all are good.
#[utoipa::path(post, path = "/api/v1/users/bulk", request_body(content = String, content_type = "text/csv"), security(("bearer" = [])),
    responses((status = 201, body = BulkResult), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn bulk_invite(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    body: axum::body::Bytes,
) -> Result<Response, AdminRefusal> {
    match admin::bulk_invite(&app, &admin, std::io::Cursor::new(body)).await {
        Ok(done) => Ok((
            StatusCode::CREATED,
            Json(BulkResult {
                created: done.created,
                not_emailed: done.not_emailed,
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
#[utoipa::path(post, path = "/api/v1/import", request_body(content = String, content_type = "text/csv"), security(("bearer" = [])),
    responses((status = 201, body = ImportResult), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn import_users(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    body: axum::body::Bytes,
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
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, description = "One JSON object per line", content_type = "application/x-ndjson")))]
async fn audit(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Query(p): Query<AuditParams>,
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

#[derive(OpenApi)]
#[openapi(
    info(title = "Tessera administration API", description = "Administrator actions of the Tessera sign-in portal. Authenticate with an API token: `Authorization: Bearer tsr_…` (issued with `tessera admin create-token`)."),
    paths(list_users, invite_user, bulk_invite, import_users, user_action, audit),
    components(schemas(Problem, RowError, User, UserList, NewUser, InvitedUser, BulkResult, ImportResult)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => AdminRefusal::Internal(crate::flows::Internal::Other(e.into())).into_response(),
    }
}
