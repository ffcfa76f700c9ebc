//! Staff single sign-on (issue 16): the company's own OpenID Connect providers. This first
//! part registers them (`tessera admin create-idp`), lists, changes, disables and enables
//! them, for system administrators only: a provider's staff domains are sent to it from every
//! organization's login page. A provider is checked before it is stored: its discovery
//! document must answer, name exactly the issuer given, and list the endpoints a sign-in
//! needs. Its issuer never changes afterwards (the linked accounts are known by it). The
//! client secret is sealed.
//!
//! The sign-in through a provider is `flows::staff_sign_in`.

use serde_json::Value;

use crate::app::App;
use crate::audit::AuditEvent;
use crate::domain::staff::{NewProvider, ProviderSettings};
use crate::flows::Internal;
use crate::flows::admin::{Admin, AdminRefusal};
use crate::flows::invitation::InvitationProblem;
use crate::flows::provider_discovery::{DocumentProblem, document_url, read_document};
use crate::i18n::say_with;
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

/// A change to a registered provider as an administrator asks it: each field given is set,
/// each left out kept.
#[derive(Debug, Clone, Default)]
pub struct ProviderChange {
    pub name: Option<String>,
    /// Never changed: when given, it must be the provider's own.
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    /// A new client secret, sealed as at registration.
    pub client_secret: Option<String>,
    /// The whole new set of staff domains.
    pub domains: Option<Vec<String>>,
    /// Some(None): new staff accounts are created in no organization.
    pub organization: Option<Option<String>>,
    pub require_local_mfa: Option<bool>,
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
    let org_id = organization_id(app, request.organization.as_deref()).await?;
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
        Err(StoreError::Conflict) => Err(registered_already(&provider.name, &provider.domains)),
        Err(e) => Err(Internal::from(e).into()),
    }
}

/// The organization new staff accounts are created in, by its name (blank: none); an unknown
/// name is refused with what to fix.
async fn organization_id(app: &App, name: Option<&str>) -> Result<Option<i64>, AdminRefusal> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    match app.store.org_by_name(name).await.map_err(Internal::from)? {
        Some(id) => Ok(Some(id)),
        None => {
            let unknown = InvitationProblem::UnknownOrganization(name.to_string());
            Err(AdminRefusal::Invalid(unknown.to_string()))
        }
    }
}

/// A name or a staff domain another provider has: each domain belongs to one provider, and a
/// name is what the login page tells providers apart by.
fn registered_already(name: &str, domains: &[String]) -> AdminRefusal {
    AdminRefusal::Conflict(say_with(
        "providers-problem-registered",
        &[
            ("name", format!("{name:?}").into()),
            ("domains", domains.join(", ").into()),
        ],
    ))
}

/// The provider answers with a discovery document that names the issuer exactly (OpenID
/// Connect Discovery 1.0 §4.3) and has a token endpoint: read as a sign-in reads it
/// (`provider_discovery`), whose reading also requires the authorization endpoint and keys.
async fn check_discovery(app: &App, issuer: &str) -> Result<(), AdminRefusal> {
    let unreachable = |why: String| {
        AdminRefusal::Invalid(say_with(
            "providers-problem-discovery",
            &[("url", document_url(issuer).into()), ("why", why.into())],
        ))
    };
    match read_document(app, issuer).await {
        Ok(document) if document.token_endpoint().is_none() => {
            Err(unreachable("it lacks token_endpoint".into()))
        }
        Ok(_) => Ok(()),
        Err(DocumentProblem::OtherIssuer(named)) => Err(AdminRefusal::Invalid(format!(
            "The provider says its issuer is {named:?}, not {issuer:?}: give the issuer exactly as the provider states it."
        ))),
        Err(DocumentProblem::Unreadable(why)) => Err(unreachable(why)),
    }
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

/// Changes a provider's settings (system administrators only), checked by the registration's
/// rules; answers the provider as it now is. The issuer cannot change: the accounts linked
/// through the provider are found by its issuer and their subject there. A name or domain of
/// another provider is a Conflict and changes nothing. A change that changes nothing writes
/// nothing.
pub async fn update(
    app: &App,
    admin: &Admin,
    id: i64,
    change: ProviderChange,
) -> Result<ProviderSummary, AdminRefusal> {
    let current = get(app, admin, id).await?;
    if let Some(issuer) = change.issuer.as_deref().map(str::trim)
        && issuer != current.issuer
    {
        return Err(AdminRefusal::Invalid(say_with(
            "providers-problem-issuer-fixed",
            &[("issuer", format!("{:?}", current.issuer).into())],
        )));
    }
    let settings = ProviderSettings::parse(
        change.name.as_deref().unwrap_or(&current.name),
        change.client_id.as_deref().unwrap_or(&current.client_id),
        change.client_secret.as_deref(),
        change.domains.as_deref().unwrap_or(&current.domains),
        change
            .require_local_mfa
            .unwrap_or(current.require_local_mfa),
    )
    .map_err(|p| AdminRefusal::Invalid(p.to_string()))?;
    let organization = match change.organization {
        Some(named) => named
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        None => current.organization.clone(),
    };
    let org_id = organization_id(app, organization.as_deref()).await?;
    let Some(audit) = changed(admin, &current, &settings, &organization) else {
        return Ok(current);
    };
    let sealed = settings
        .client_secret
        .as_deref()
        .map(|secret| app.sealer.seal(Kind::ProviderSecret, secret));
    match app
        .store
        .update_provider(id, &settings, sealed.as_deref(), org_id, app.now(), audit)
        .await
    {
        Ok(()) => get(app, admin, id).await,
        Err(StoreError::Conflict) => Err(registered_already(&settings.name, &settings.domains)),
        Err(e) => Err(e.into()),
    }
}

/// The `idp-changed` entry for what differs from the provider as stored: each changed field
/// with its new value, the secret only as `secret_replaced` (never its text, ASVS V16.2.5).
/// None when nothing differs.
fn changed(
    admin: &Admin,
    current: &ProviderSummary,
    settings: &ProviderSettings,
    organization: &Option<String>,
) -> Option<AuditEvent> {
    let sorted = |domains: &[String]| {
        let mut sorted = domains.to_vec();
        sorted.sort();
        sorted
    };
    let mut fields: Vec<(&str, Value)> = Vec::new();
    if settings.name != current.name {
        // The entries before this one name the provider by its previous name.
        fields.push(("name", settings.name.as_str().into()));
        fields.push(("previous_name", current.name.as_str().into()));
    }
    if settings.client_id != current.client_id {
        fields.push(("client_id", settings.client_id.as_str().into()));
    }
    if settings.client_secret.is_some() {
        fields.push(("secret_replaced", true.into()));
    }
    let domains = sorted(&settings.domains);
    if domains != sorted(&current.domains) {
        fields.push(("domains", domains.into()));
    }
    if *organization != current.organization {
        fields.push(("organization", organization.clone().into()));
    }
    if settings.require_local_mfa != current.require_local_mfa {
        fields.push(("require_local_mfa", settings.require_local_mfa.into()));
    }
    if fields.is_empty() {
        return None;
    }
    let subject = format!("idp:{}", settings.name);
    let audit = AuditEvent::new("idp-changed", admin.actor(), subject);
    Some(
        fields
            .into_iter()
            .fold(audit, |audit, (field, value)| audit.with(field, value)),
    )
}
