//! The API's protected applications (forward authentication, issue 15), under
//! `/api/v1/apps`: the console's actions for programs, through the same flows
//! (`flows::apps`), authenticated and answered like the rest of the API (`web::api`: a token
//! or the session with its CSRF header; problem details). An application outside the
//! caller's organization is 404, as a missing one (OWASP ASVS 5.0 V8.2.2, V8.4.1).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::AppState;
use super::api::{ApiAdmin, Body, Id, Problem};
use crate::flows::admin::AdminRefusal;
use crate::flows::apps::{self, AppRequest};
// `flows::apps` takes the clients' actions (its alias `AppAction` is private there).
use crate::flows::apps::AppAction;
use crate::store::AppSummary;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/apps", get(list_apps).post(register_app))
        .route("/api/v1/apps/{id}", get(one_app).delete(remove_app))
        .route("/api/v1/apps/{id}/{action}", post(app_action))
}

/// An application a reverse proxy protects with forward authentication.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct ForwardApp {
    /// The id the API and the console name the application by.
    pub id: i64,
    pub name: String,
    /// Its origin, such as `https://portal.example.org`.
    pub url: String,
    /// Only these organizations' people may use it; empty: everyone's.
    pub organizations: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// A disabled application's requests are refused.
    pub disabled: bool,
}

impl From<AppSummary> for ForwardApp {
    fn from(a: AppSummary) -> Self {
        Self {
            id: a.id,
            name: a.name,
            url: a.url,
            organizations: a.organizations,
            created_at: a.created_at,
            disabled: a.disabled,
        }
    }
}

/// The applications in scope, by name: all for a system administrator (or an
/// all-organizations token), their organization's for an organization administrator (or its
/// token).
#[utoipa::path(get, path = "/api/v1/apps", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [ForwardApp]), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_apps(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<Vec<ForwardApp>>, AdminRefusal> {
    let listed = apps::list(&app, &admin).await?;
    Ok(Json(listed.into_iter().map(ForwardApp::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewForwardApp {
    pub name: String,
    /// The application's origin: `https://host[:port]`, no path, user name or query (http
    /// only on 127.0.0.1 or localhost, unless Tessera's own public URL is http).
    pub url: String,
    /// Only these organizations' people may use it (system administrators; an organization
    /// administrator's application is always their organization's). Empty or left out:
    /// everyone's.
    #[serde(default)]
    pub organizations: Vec<String>,
}

/// Register an application, as `tessera admin create-app` does. An origin registered already
/// is 409 `conflict`.
#[utoipa::path(post, path = "/api/v1/apps", request_body = NewForwardApp, security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ForwardApp), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn register_app(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Body(body): Body<NewForwardApp>,
) -> Result<Response, AdminRefusal> {
    let request = AppRequest {
        name: body.name,
        url: body.url,
        organizations: body.organizations,
    };
    let created = apps::create(&app, &admin, request).await?;
    let registered = ForwardApp::from(apps::get(&app, &admin, created.id).await?);
    let location = format!("/api/v1/apps/{}", registered.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(registered),
    )
        .into_response())
}

/// One application in scope (another organization's is 404, as a missing one).
#[utoipa::path(get, path = "/api/v1/apps/{id}", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The application's id")),
    responses((status = 200, body = ForwardApp), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one_app(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
) -> Result<Json<ForwardApp>, AdminRefusal> {
    Ok(Json(apps::get(&app, &admin, id).await?.into()))
}

/// `disable` (its reverse proxy's checks refuse everyone until it is enabled again) or
/// `enable` an application.
#[utoipa::path(post, path = "/api/v1/apps/{id}/{action}", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The application's id"), ("action" = String, Path, description = "disable or enable")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn app_action(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id((id, action)): Id<(i64, String)>,
) -> Result<StatusCode, AdminRefusal> {
    // Deleting is `DELETE /api/v1/apps/{id}`.
    let action = AppAction::parse(&action)
        .filter(|a| *a != AppAction::Delete)
        .ok_or(AdminRefusal::NotFound)?;
    apps::act(&app, &admin, id, action).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete an application: its reverse proxy's checks refuse everyone from the next request.
#[utoipa::path(delete, path = "/api/v1/apps/{id}", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The application's id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn remove_app(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
) -> Result<StatusCode, AdminRefusal> {
    apps::act(&app, &admin, id, AppAction::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// These paths, merged into the API's document (`web::api::ApiDoc`).
#[derive(OpenApi)]
#[openapi(
    paths(list_apps, register_app, one_app, app_action, remove_app),
    components(schemas(ForwardApp, NewForwardApp))
)]
pub struct AppsDoc;
