//! The API's OpenID Connect clients (issue 13), under `/api/v1/clients`: the console's
//! actions for programs, through the same flows (`flows::clients`), authenticated and
//! answered like the rest of the API (`web::api`: a token or the session with its CSRF
//! header; problem details). A client secret is in the answer to its registration or
//! rotation only. A client outside the caller's organization is 404, as a missing one.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::AppState;
use super::api::{ApiAdmin, Body, Id, Problem};
use crate::flows::admin::AdminRefusal;
use crate::flows::clients::{self, ClientAction, ClientRequest, CreatedClient, UrisRequest};
use crate::store::ClientSummary;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/clients", get(list_clients).post(register_client))
        .route("/api/v1/clients/{id}", get(client).delete(remove_client))
        .route("/api/v1/clients/{id}/uris", put(replace_uris))
        .route("/api/v1/clients/{id}/secret", post(rotate_secret))
        .route("/api/v1/clients/{id}/{action}", post(client_action))
}

/// A registered client, without its secret (Tessera keeps only a keyed hash of it).
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct Client {
    /// The id the API and the console name the client by.
    pub id: i64,
    /// The OAuth `client_id` the application sends.
    pub client_id: String,
    pub name: String,
    /// A public client has no secret and must use PKCE.
    pub public: bool,
    /// Only this organization's people may use it; null: everyone's.
    pub organization: Option<String>,
    /// `RS256` or `ES256`.
    pub id_token_alg: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    /// Where people start it from their Tessera home page; null: not listed there.
    pub start_url: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub disabled: bool,
}

impl From<ClientSummary> for Client {
    fn from(c: ClientSummary) -> Self {
        Self {
            id: c.id,
            client_id: c.client_id,
            name: c.name,
            public: c.public,
            organization: c.organization,
            id_token_alg: c.id_token_alg.as_str().to_string(),
            redirect_uris: c.redirect_uris,
            post_logout_redirect_uris: c.post_logout_redirect_uris,
            backchannel_logout_uri: c.backchannel_logout_uri,
            start_url: c.start_url,
            created_at: c.created_at,
            disabled: c.disabled,
        }
    }
}

/// The clients in scope, by name: all for a system administrator (or an all-organizations
/// token), their organization's for an organization administrator (or its token).
#[utoipa::path(get, path = "/api/v1/clients", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [Client]), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_clients(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<Vec<Client>>, AdminRefusal> {
    let listed = clients::list(&app, &admin).await?;
    Ok(Json(listed.into_iter().map(Client::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewClient {
    pub name: String,
    /// At least one; https (http only on 127.0.0.1 or localhost), no fragment; matched
    /// exactly.
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    /// Where people start it: listed on their Tessera home page (optional).
    pub start_url: Option<String>,
    /// A native or browser app that cannot keep a secret (it gets none, and must use PKCE).
    #[serde(default)]
    pub public: bool,
    /// Only this organization's people may use it (system administrators; an organization
    /// administrator's client is always their organization's). Left out: everyone's.
    pub organization: Option<String>,
    /// `RS256` (the default) or `ES256`.
    pub id_token_alg: Option<String>,
}

/// A client secret, in this answer only.
#[derive(Serialize, ToSchema)]
pub struct ClientCredentials {
    pub id: i64,
    pub client_id: String,
    /// Shown only now, stored only as a keyed hash; absent for a public client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// A secret travels in this answer only: no cache keeps it.
fn credentials(status: StatusCode, created: CreatedClient) -> Response {
    let body = ClientCredentials {
        id: created.id,
        client_id: created.client_id,
        client_secret: created.client_secret,
    };
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Register a client, as `tessera admin create-client` does. The secret is in this answer
/// only.
#[utoipa::path(post, path = "/api/v1/clients", request_body = NewClient, security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = ClientCredentials), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn register_client(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Body(body): Body<NewClient>,
) -> Result<Response, AdminRefusal> {
    let request = ClientRequest {
        name: body.name,
        public: body.public,
        organization: body.organization,
        id_token_alg: body.id_token_alg,
        redirect_uris: body.redirect_uris,
        post_logout_redirect_uris: body.post_logout_redirect_uris,
        backchannel_logout_uri: body.backchannel_logout_uri,
        start_url: body.start_url,
    };
    let created = clients::create(&app, &admin, request).await?;
    Ok(credentials(StatusCode::CREATED, created))
}

/// One client in scope (another organization's is 404, as a missing one).
#[utoipa::path(get, path = "/api/v1/clients/{id}", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The client's id (not its client_id)")),
    responses((status = 200, body = Client), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn client(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
) -> Result<Json<Client>, AdminRefusal> {
    Ok(Json(clients::get(&app, &admin, id).await?.into()))
}

/// A client's whole set of URIs.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClientUris {
    /// At least one.
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    /// Left out: none (the client leaves people's home pages).
    pub start_url: Option<String>,
}

/// Replace a client's URIs with this set, checked as at registration (a refused set changes
/// nothing).
#[utoipa::path(put, path = "/api/v1/clients/{id}/uris", request_body = ClientUris, security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The client's id")),
    responses((status = 200, body = Client), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn replace_uris(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
    Body(body): Body<ClientUris>,
) -> Result<Json<Client>, AdminRefusal> {
    let request = UrisRequest {
        redirect_uris: body.redirect_uris,
        post_logout_redirect_uris: body.post_logout_redirect_uris,
        backchannel_logout_uri: body.backchannel_logout_uri,
        start_url: body.start_url,
    };
    Ok(Json(
        clients::change_uris(&app, &admin, id, &request)
            .await?
            .into(),
    ))
}

/// Rotate a confidential client's secret: the new one is in this answer only, the old one
/// stops working at once. A public client has none (422).
#[utoipa::path(post, path = "/api/v1/clients/{id}/secret", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The client's id")),
    responses((status = 200, body = ClientCredentials), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn rotate_secret(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
) -> Result<Response, AdminRefusal> {
    let rotated = clients::rotate_secret(&app, &admin, id).await?;
    Ok(credentials(StatusCode::OK, rotated))
}

/// `disable` (nobody signs in to it until it is enabled again) or `enable` a client.
#[utoipa::path(post, path = "/api/v1/clients/{id}/{action}", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The client's id"), ("action" = String, Path, description = "disable or enable")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn client_action(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id((id, action)): Id<(i64, String)>,
) -> Result<StatusCode, AdminRefusal> {
    // Deleting is `DELETE /api/v1/clients/{id}`.
    let action = ClientAction::parse(&action)
        .filter(|a| *a != ClientAction::Delete)
        .ok_or(AdminRefusal::NotFound)?;
    clients::act(&app, &admin, id, action).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a client, with everything that refers to it (codes, tokens).
#[utoipa::path(delete, path = "/api/v1/clients/{id}", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The client's id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn remove_client(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
) -> Result<StatusCode, AdminRefusal> {
    clients::act(&app, &admin, id, ClientAction::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// These paths, merged into the API's document (`web::api::ApiDoc`).
#[derive(OpenApi)]
#[openapi(
    paths(
        list_clients,
        register_client,
        client,
        replace_uris,
        rotate_secret,
        client_action,
        remove_client
    ),
    components(schemas(Client, NewClient, ClientCredentials, ClientUris))
)]
pub struct ClientsDoc;
