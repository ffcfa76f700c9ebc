//! Registering and managing the applications that sign people in through Tessera (OpenID
//! Connect clients, issue 13): one set of rules for the command line, the console and the
//! API. Organization administrators see and manage their own organization's clients only; a
//! client of another organization is NotFound, exactly like one that does not exist. Every
//! change is audited with its actor, in the transaction that makes it.

use crate::app::App;
use crate::audit::AuditEvent;
use crate::crypto::{Purpose, random_token};
use crate::domain::client::{NewClient, UriPurpose, parse_uris};
use crate::domain::jose::SigningAlg;
use crate::flows::Internal;
use crate::flows::admin::{Admin, AdminRefusal};
use crate::flows::invitation::InvitationProblem;
use crate::i18n::{say, say_with};
use crate::store::{ClientStanding, ClientSummary, NewClientRow, StoreError};

/// A registration as an administrator types it.
#[derive(Debug, Clone, Default)]
pub struct ClientRequest {
    pub name: String,
    pub public: bool,
    /// Only this organization's people may use the client.
    pub organization: Option<String>,
    /// `RS256` (the default) or `ES256`.
    pub id_token_alg: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    /// Where people start the application from their home page (optional).
    pub start_url: Option<String>,
}

/// A registered client, or one whose secret was just rotated; the secret is shown now only
/// (stored as a keyed hash). Public clients have none.
pub struct CreatedClient {
    /// The row's id, which the console and the API name the client by.
    pub id: i64,
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for CreatedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedClient")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .finish()
    }
}

/// Registers a client. A system administrator may tie it to any organization (or none); an
/// organization administrator's client is always their own organization's.
pub async fn create(
    app: &App,
    admin: &Admin,
    request: ClientRequest,
) -> Result<CreatedClient, AdminRefusal> {
    let named = match request.organization.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => Some((
            name,
            app.store.org_by_name(name).await.map_err(Internal::from)?,
        )),
        _ => None,
    };
    let org_id = match (named, admin.org_id()) {
        (None, None) if admin.is_system() => None,
        (Some((_, Some(id))), None) if admin.is_system() => Some(id),
        (Some((name, None)), None) if admin.is_system() => {
            let unknown = InvitationProblem::UnknownOrganization(name.to_string());
            return Err(AdminRefusal::Invalid(unknown.to_string()));
        }
        (None, Some(own)) => Some(own),
        (Some((_, Some(id))), Some(own)) if id == own => Some(own),
        // Another organization, or none by that name: one answer, which reveals neither.
        (Some(_), Some(_)) => {
            return Err(AdminRefusal::Invalid(say(
                "clients-problem-own-organization",
            )));
        }
        _ => return Err(AdminRefusal::NotAdministrator),
    };
    let alg = match request.id_token_alg.as_deref().map(str::trim) {
        None | Some("") => SigningAlg::Rs256,
        Some(text) => SigningAlg::parse(text).ok_or_else(|| {
            AdminRefusal::Invalid(say_with(
                "clients-problem-alg",
                &[("alg", format!("{text:?}").into())],
            ))
        })?,
    };
    let uris = typed_uris(
        &request.redirect_uris,
        &request.post_logout_redirect_uris,
        request.backchannel_logout_uri.as_deref(),
        request.start_url.as_deref(),
    );
    let client = NewClient::parse(
        &request.name,
        request.public,
        org_id,
        alg,
        &uris,
        portal_is_http(app),
    )
    .map_err(|p| AdminRefusal::Invalid(p.to_string()))?;

    let client_id = random_token().map_err(Internal::from)?;
    let secret = match client.public {
        true => None,
        false => Some(random_token().map_err(Internal::from)?),
    };
    let secret_hash = secret
        .as_ref()
        .map(|s| app.keys.hash(Purpose::ClientSecret, s.as_bytes()));
    let audit = AuditEvent::new("client-created", admin.actor(), subject(&client_id))
        .with("name", client.name.as_str())
        .with("public", client.public)
        .with("id_token_alg", alg.as_str());
    let row = NewClientRow {
        client_id: &client_id,
        secret_hash: secret_hash.as_deref(),
        client: &client,
    };
    let created = app.store.create_client(row, app.now(), audit).await;
    // Its start URL, if any, is on people's home pages (`flows::apps::launcher`).
    app.forward_apps.forget();
    match created {
        Ok(id) => Ok(CreatedClient {
            id,
            client_id,
            client_secret: secret,
        }),
        Err(StoreError::Conflict) => Err(AdminRefusal::Conflict(say("clients-problem-id-taken"))),
        Err(e) => Err(Internal::from(e).into()),
    }
}

/// Who a client's audit entries are about.
fn subject(client_id: &str) -> String {
    format!("client:{client_id}")
}

fn portal_is_http(app: &App) -> bool {
    app.config.public_url().starts_with("http://")
}

/// The URIs as typed, each with its purpose; blank entries (an empty line of a form) are
/// no URI at all.
fn typed_uris<'a>(
    redirect: &'a [String],
    post_logout: &'a [String],
    backchannel: Option<&'a str>,
    start: Option<&'a str>,
) -> Vec<(UriPurpose, &'a str)> {
    let redirect = redirect.iter().map(|u| (UriPurpose::Redirect, u.as_str()));
    let post_logout = post_logout
        .iter()
        .map(|u| (UriPurpose::PostLogout, u.as_str()));
    let backchannel = backchannel.map(|u| (UriPurpose::BackchannelLogout, u));
    let start = start.map(|u| (UriPurpose::Start, u));
    redirect
        .chain(post_logout)
        .chain(backchannel)
        .chain(start)
        .filter(|(_, u)| !u.trim().is_empty())
        .collect()
}

/// The clients the administrator manages: all for a system administrator, their
/// organization's for an organization administrator.
pub async fn list(app: &App, admin: &Admin) -> Result<Vec<ClientSummary>, AdminRefusal> {
    Ok(app.store.clients_in_scope(admin.org_id()).await?)
}

/// One client within the administrator's scope (outside it, NotFound).
pub async fn get(app: &App, admin: &Admin, id: i64) -> Result<ClientSummary, AdminRefusal> {
    Ok(app.store.client_in_scope(id, admin.org_id()).await?)
}

/// A client's whole set of URIs, as an administrator types it to replace the old one.
#[derive(Debug, Clone, Default)]
pub struct UrisRequest {
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub start_url: Option<String>,
}

/// Replaces a client's URIs with a new set, checked by the rules of a registration (at least
/// one redirect URI; a refused set changes nothing). Returns the client as it now is.
pub async fn change_uris(
    app: &App,
    admin: &Admin,
    id: i64,
    request: &UrisRequest,
) -> Result<ClientSummary, AdminRefusal> {
    let client = get(app, admin, id).await?;
    let typed = typed_uris(
        &request.redirect_uris,
        &request.post_logout_redirect_uris,
        request.backchannel_logout_uri.as_deref(),
        request.start_url.as_deref(),
    );
    let uris = parse_uris(&typed, portal_is_http(app))
        .map_err(|p| AdminRefusal::Invalid(p.to_string()))?;
    let of = |purpose: UriPurpose| -> Vec<String> {
        uris.iter()
            .filter(|(p, _)| *p == purpose)
            .map(|(_, u)| u.as_str().to_string())
            .collect()
    };
    let audit = AuditEvent::new(
        "client-uris-changed",
        admin.actor(),
        subject(&client.client_id),
    )
    .with("redirect_uris", of(UriPurpose::Redirect))
    .with("post_logout_redirect_uris", of(UriPurpose::PostLogout))
    .with(
        "backchannel_logout_uri",
        of(UriPurpose::BackchannelLogout).pop(),
    )
    .with("start_url", of(UriPurpose::Start).pop());
    app.store
        .replace_client_uris(client.id, admin.org_id(), &uris, app.now(), audit)
        .await?;
    app.forward_apps.forget();
    get(app, admin, id).await
}

/// A new secret for a confidential client, shown now only; the old one stops working as this
/// commits.
pub async fn rotate_secret(
    app: &App,
    admin: &Admin,
    id: i64,
) -> Result<CreatedClient, AdminRefusal> {
    let client = get(app, admin, id).await?;
    if client.public {
        return Err(AdminRefusal::Invalid(say(
            "clients-problem-public-no-secret",
        )));
    }
    let secret = random_token().map_err(Internal::from)?;
    let hash = app.keys.hash(Purpose::ClientSecret, secret.as_bytes());
    let audit = AuditEvent::new(
        "client-secret-rotated",
        admin.actor(),
        subject(&client.client_id),
    );
    app.store
        .replace_client_secret(client.id, admin.org_id(), &hash, app.now(), audit)
        .await?;
    Ok(CreatedClient {
        id: client.id,
        client_id: client.client_id,
        client_secret: Some(secret),
    })
}

/// What an administrator does to a client besides its URIs and secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAction {
    /// Nobody signs in to it until it is enabled again.
    Disable,
    Enable,
    /// Gone, with everything that refers to it.
    Delete,
}

impl ClientAction {
    pub const ALL: [Self; 3] = [Self::Disable, Self::Enable, Self::Delete];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Enable => "enable",
            Self::Delete => "delete",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// Disables, enables or deletes a client within the administrator's scope (outside it,
/// NotFound, as if it did not exist).
pub async fn act(
    app: &App,
    admin: &Admin,
    id: i64,
    action: ClientAction,
) -> Result<(), AdminRefusal> {
    let client = get(app, admin, id).await?;
    let (scope, now) = (admin.org_id(), app.now());
    let event = |name| {
        AuditEvent::new(name, admin.actor(), subject(&client.client_id))
            .with("name", client.name.as_str())
    };
    match action {
        ClientAction::Disable => {
            let audit = event("client-disabled");
            app.store
                .set_client_standing(client.id, scope, ClientStanding::Disabled, now, audit)
                .await?
        }
        ClientAction::Enable => {
            let audit = event("client-enabled");
            app.store
                .set_client_standing(client.id, scope, ClientStanding::Enabled, now, audit)
                .await?
        }
        ClientAction::Delete => {
            let audit = event("client-deleted");
            app.store
                .delete_client(client.id, scope, now, audit)
                .await?
        }
    }
    app.forward_apps.forget();
    Ok(())
}
