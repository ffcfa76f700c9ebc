//! Staff single sign-on (issue 16): the company's own OpenID Connect providers. This first
//! part registers them (`tessera admin create-idp`), for system administrators only: a
//! provider's staff domains are sent to it from every organization's login page. A provider
//! is checked before it is stored: its discovery document must answer, name exactly the
//! issuer given, and list the endpoints a sign-in needs. The client secret is sealed.
//!
//! The sign-in through a provider is `flows::staff_sign_in`.

use serde::Deserialize;

use crate::app::App;
use crate::audit::AuditEvent;
use crate::domain::staff::NewProvider;
use crate::flows::Internal;
use crate::flows::admin::{Admin, AdminRefusal};
use crate::flows::invitation::InvitationProblem;
use crate::sealing::Kind;
use crate::store::{ProviderStanding, ProviderSummary, StoreError};

/// A registration as an administrator types it.
#[derive(Debug, Clone, Default)]
pub struct ProviderRequest {
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub domains: Vec<String>,
    /// The organization new staff accounts are created in.
    pub organization: Option<String>,
    pub require_local_mfa: bool,
}

/// The part of OpenID Connect Discovery 1.0 §3 a sign-in needs.
#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    jwks_uri: Option<String>,
}

/// Registers a provider after checking its discovery document; returns its id.
pub async fn create(
    app: &App,
    admin: &Admin,
    request: ProviderRequest,
) -> Result<i64, AdminRefusal> {
    admin.as_system()?;
    let provider = NewProvider::parse(
        &request.name,
        &request.issuer,
        &request.client_id,
        &request.client_secret,
        &request.domains,
        request.require_local_mfa,
    )
    .map_err(|p| AdminRefusal::Invalid(p.to_string()))?;
    let org_id = match request.organization.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => Some(
            app.store
                .org_by_name(name)
                .await
                .map_err(Internal::from)?
                .ok_or_else(|| {
                    let unknown = InvitationProblem::UnknownOrganization(name.to_string());
                    AdminRefusal::Invalid(unknown.to_string())
                })?,
        ),
        _ => None,
    };
    check_discovery(app, &provider.issuer).await?;
    let sealed = app
        .sealer
        .seal(Kind::ProviderSecret, &provider.client_secret);
    let audit = AuditEvent::new(
        "idp-created",
        admin.actor(),
        format!("idp:{}", provider.name),
    )
    .with("issuer", provider.issuer.as_str())
    .with("domains", provider.domains.clone())
    .with("require_local_mfa", provider.require_local_mfa);
    match app
        .store
        .create_provider(&provider, &sealed, org_id, app.now(), audit)
        .await
    {
        Ok(id) => Ok(id),
        Err(StoreError::Conflict) => Err(AdminRefusal::Conflict(format!(
            "A provider named {:?} or one of the domains {} is registered already: each staff domain belongs to one provider.",
            provider.name,
            provider.domains.join(", ")
        ))),
        Err(e) => Err(Internal::from(e).into()),
    }
}

/// OpenID Connect Discovery 1.0 §4.3: the document's `issuer` must be the issuer exactly.
async fn check_discovery(app: &App, issuer: &str) -> Result<(), AdminRefusal> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let unreachable = |why: String| {
        AdminRefusal::Invalid(format!(
            "The provider's discovery document at {url} could not be read ({why}). Check the issuer URL and that Tessera can reach the provider, then try again."
        ))
    };
    let response = app
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| unreachable(e.without_url().to_string()))?;
    if !response.status().is_success() {
        return Err(unreachable(format!("HTTP {}", response.status())));
    }
    let discovery: Discovery = response
        .json()
        .await
        .map_err(|_| unreachable("not an OpenID Connect discovery document".into()))?;
    if discovery.issuer != issuer {
        return Err(AdminRefusal::Invalid(format!(
            "The provider says its issuer is {:?}, not {issuer:?}: give the issuer exactly as the provider states it.",
            discovery.issuer
        )));
    }
    let missing: Vec<&str> = [
        ("authorization_endpoint", &discovery.authorization_endpoint),
        ("token_endpoint", &discovery.token_endpoint),
        ("jwks_uri", &discovery.jwks_uri),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_none())
    .map(|(name, _)| name)
    .collect();
    if !missing.is_empty() {
        return Err(unreachable(format!("it lacks {}", missing.join(", "))));
    }
    Ok(())
}

/// The enabled providers the login page offers, by name: (id, name).
pub async fn login_options(app: &App) -> Result<Vec<(i64, String)>, Internal> {
    Ok(app.store.enabled_providers().await?)
}

/// The provider an address typed at a password form belongs to (its domain is a staff
/// domain): (id, name). Staff sign in there, never with a password here.
pub async fn provider_for(app: &App, email: &str) -> Result<Option<(i64, String)>, Internal> {
    match crate::domain::staff::domain_of(email) {
        Some(domain) => Ok(app.store.provider_for_domain(&domain).await?),
        None => Ok(None),
    }
}

/// Every provider (system administrators only).
pub async fn list(app: &App, admin: &Admin) -> Result<Vec<ProviderSummary>, AdminRefusal> {
    admin.as_system()?;
    Ok(app.store.providers().await?)
}

/// One provider by its id (system administrators only); NotFound when there is none.
pub async fn get(app: &App, admin: &Admin, id: i64) -> Result<ProviderSummary, AdminRefusal> {
    admin.as_system()?;
    app.store
        .providers()
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(AdminRefusal::NotFound)
}

/// Disables or enables a provider (system administrators only).
pub async fn set_standing(
    app: &App,
    admin: &Admin,
    id: i64,
    standing: ProviderStanding,
) -> Result<(), AdminRefusal> {
    let provider = get(app, admin, id).await?;
    let event = match standing {
        ProviderStanding::Disabled => "idp-disabled",
        ProviderStanding::Enabled => "idp-enabled",
    };
    let audit = AuditEvent::new(event, admin.actor(), format!("idp:{}", provider.name));
    app.store
        .set_provider_standing(id, standing, app.now(), audit)
        .await?;
    Ok(())
}
