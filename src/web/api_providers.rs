//! The API's staff sign-in providers (staff single sign-on, issue 16), under
//! `/api/v1/providers` (list, register, read, change with `PATCH`, disable, enable): the
//! console's actions for programs, through the same flows (`flows::staff_sso`), authenticated
//! and answered like the rest of the API (`web::api`: a token or the session with its CSRF
//! header; problem details). System administrators (and
//! all-organizations tokens) only: anyone else is 403 `forbidden` before anything is looked
//! up (OWASP ASVS 5.0 V8.2.1). The client secret is taken, sealed by the flow, and never
//! answered back (ASVS V13.3.1, V14.2.1).

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
use crate::flows::staff_sso::{self, ProviderChange, ProviderRequest};
use crate::store::{ProviderStanding, ProviderSummary};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/api/v1/providers",
            get(list_providers).post(register_provider),
        )
        .route(
            "/api/v1/providers/{id}",
            get(one_provider).patch(change_provider),
        )
        .route("/api/v1/providers/{id}/{action}", post(provider_action))
}

/// A company identity provider staff sign in through (never its client secret).
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct StaffProvider {
    /// The id the API and the console name the provider by.
    pub id: i64,
    /// Shown on the login page as "Sign in with NAME".
    pub name: String,
    /// Its OpenID Connect issuer, exactly as its discovery document states it.
    pub issuer: String,
    /// The client id the provider issued to Tessera.
    pub client_id: String,
    /// The staff email domains sent to this provider.
    pub domains: Vec<String>,
    /// The organization new staff accounts are created in; null: none.
    pub organization: Option<String>,
    /// Whether Tessera always asks for its own second factor, whatever the provider's `amr`
    /// says.
    pub require_local_mfa: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// A disabled provider is not offered and its staff cannot sign in through it.
    pub disabled: bool,
}

impl From<ProviderSummary> for StaffProvider {
    fn from(p: ProviderSummary) -> Self {
        Self {
            id: p.id,
            name: p.name,
            issuer: p.issuer,
            client_id: p.client_id,
            domains: p.domains,
            organization: p.organization,
            require_local_mfa: p.require_local_mfa,
            created_at: p.created_at,
            disabled: p.disabled,
        }
    }
}

/// Every provider, by name (system administrators only).
#[utoipa::path(get, path = "/api/v1/providers", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [StaffProvider]), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_providers(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<Vec<StaffProvider>>, AdminRefusal> {
    let listed = staff_sso::list(&app, &admin).await?;
    Ok(Json(listed.into_iter().map(StaffProvider::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStaffProvider {
    /// Shown on the login page as "Sign in with NAME" (at most 60 characters).
    pub name: String,
    /// The provider's issuer exactly as it states it: `https://…` (http only on 127.0.0.1
    /// or localhost). Its discovery document is read before anything is stored, and must
    /// name this issuer.
    pub issuer: String,
    pub client_id: String,
    /// Stored sealed; never answered back.
    pub client_secret: String,
    /// The staff email domains, such as `example.org`: at least one, each belonging to one
    /// provider only.
    pub domains: Vec<String>,
    /// The organization new staff accounts are created in, by name; left out: none.
    #[serde(default)]
    pub organization: Option<String>,
    /// Always ask for Tessera's own second factor, whatever the provider's `amr` says.
    #[serde(default)]
    pub require_local_mfa: bool,
}

/// Register a provider, as `tessera admin create-idp` does. A name or domain registered
/// already is 409 `conflict`; bad input, or a discovery document that cannot be read or names
/// another issuer, is 422 `invalid`.
#[utoipa::path(post, path = "/api/v1/providers", request_body = NewStaffProvider, security(("bearer" = []), ("session" = [])),
    responses((status = 201, body = StaffProvider), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn register_provider(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Body(body): Body<NewStaffProvider>,
) -> Result<Response, AdminRefusal> {
    let request = ProviderRequest {
        name: body.name,
        issuer: body.issuer,
        client_id: body.client_id,
        client_secret: body.client_secret,
        domains: body.domains,
        organization: body.organization,
        require_local_mfa: body.require_local_mfa,
    };
    let id = staff_sso::create(&app, &admin, request).await?;
    let registered = StaffProvider::from(staff_sso::get(&app, &admin, id).await?);
    let location = format!("/api/v1/providers/{id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(registered),
    )
        .into_response())
}

/// One provider (system administrators only).
#[utoipa::path(get, path = "/api/v1/providers/{id}", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The provider's id")),
    responses((status = 200, body = StaffProvider), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one_provider(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
) -> Result<Json<StaffProvider>, AdminRefusal> {
    Ok(Json(staff_sso::get(&app, &admin, id).await?.into()))
}

/// A change to a provider: the fields given are set, the others kept. Fields it does not know
/// are refused rather than ignored, so that a misspelt one is not taken for a change made.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffProviderChange {
    /// Shown on the login page as "Sign in with NAME" (at most 60 characters).
    pub name: Option<String>,
    /// Cannot change: when given it must be the provider's issuer (another issuer is another
    /// provider, registered anew).
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    /// A new client secret, stored sealed; never answered back. Left out: the current one
    /// is kept.
    pub client_secret: Option<String>,
    /// The whole new set of staff email domains, at least one.
    pub domains: Option<Vec<String>>,
    /// The organization new staff accounts are created in, by name; null: none; left out:
    /// unchanged.
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub organization: Option<Option<String>>,
    pub require_local_mfa: Option<bool>,
}

/// A field that may be null: given (even as null) is `Some`, left out is `None` (`default`).
fn given<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Change a provider's settings, checked as at registration. A name or domain of another
/// provider is 409 `conflict`; bad input, an unknown organization or another issuer is 422
/// `invalid`; nothing is changed then.
#[utoipa::path(patch, path = "/api/v1/providers/{id}", request_body = StaffProviderChange, security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The provider's id")),
    responses((status = 200, body = StaffProvider), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn change_provider(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id(id): Id<i64>,
    Body(body): Body<StaffProviderChange>,
) -> Result<Json<StaffProvider>, AdminRefusal> {
    let change = ProviderChange {
        name: body.name,
        issuer: body.issuer,
        client_id: body.client_id,
        client_secret: body.client_secret,
        domains: body.domains,
        organization: body.organization,
        require_local_mfa: body.require_local_mfa,
    };
    Ok(Json(
        staff_sso::update(&app, &admin, id, change).await?.into(),
    ))
}

/// `disable` (not offered on the login page; its staff cannot sign in through it until it is
/// enabled again) or `enable` a provider.
#[utoipa::path(post, path = "/api/v1/providers/{id}/{action}", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path, description = "The provider's id"), ("action" = String, Path, description = "disable or enable")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn provider_action(
    State(app): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    Id((id, action)): Id<(i64, String)>,
) -> Result<StatusCode, AdminRefusal> {
    // Whoever may not manage providers is refused before the action is read.
    admin.as_system()?;
    let standing = match action.as_str() {
        "disable" => ProviderStanding::Disabled,
        "enable" => ProviderStanding::Enabled,
        _ => return Err(AdminRefusal::NotFound),
    };
    staff_sso::set_standing(&app, &admin, id, standing).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// These paths, merged into the API's document (`web::api::ApiDoc`).
#[derive(OpenApi)]
#[openapi(
    paths(
        list_providers,
        register_provider,
        one_provider,
        change_provider,
        provider_action
    ),
    components(schemas(StaffProvider, NewStaffProvider, StaffProviderChange))
)]
pub struct ProvidersDoc;
