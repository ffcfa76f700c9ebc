//! Registering the applications that sign people in through Tessera (OpenID Connect clients,
//! issue 13): the same rules for the command line, and later the console and the API.
//! Organization administrators register clients of their own organization only.

use crate::app::App;
use crate::audit::AuditEvent;
use crate::crypto::{Purpose, random_token};
use crate::domain::client::{NewClient, UriPurpose};
use crate::domain::jose::SigningAlg;
use crate::flows::Internal;
use crate::flows::admin::{Admin, AdminRefusal};
use crate::flows::invitation::InvitationProblem;
use crate::store::{NewClientRow, StoreError};

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
}

/// A registered client; the secret is shown now only (stored as a keyed hash).
pub struct CreatedClient {
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for CreatedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedClient")
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
            return Err(AdminRefusal::Invalid(
                "You can register applications of your own organization only.".into(),
            ));
        }
        _ => return Err(AdminRefusal::NotAdministrator),
    };
    let alg = match request.id_token_alg.as_deref().map(str::trim) {
        None | Some("") => SigningAlg::Rs256,
        Some(text) => SigningAlg::parse(text).ok_or_else(|| {
            AdminRefusal::Invalid(format!(
                "{text:?} is not an ID token algorithm Tessera signs with: use RS256 or ES256."
            ))
        })?,
    };
    let uris: Vec<(UriPurpose, &str)> = request
        .redirect_uris
        .iter()
        .map(|u| (UriPurpose::Redirect, u.as_str()))
        .chain(
            request
                .post_logout_redirect_uris
                .iter()
                .map(|u| (UriPurpose::PostLogout, u.as_str())),
        )
        .chain(
            request
                .backchannel_logout_uri
                .iter()
                .map(|u| (UriPurpose::BackchannelLogout, u.as_str())),
        )
        .collect();
    let portal_is_http = app.config.public_url().starts_with("http://");
    let client = NewClient::parse(
        &request.name,
        request.public,
        org_id,
        alg,
        &uris,
        portal_is_http,
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
    let audit = AuditEvent::new(
        "client-created",
        admin.actor(),
        format!("client:{client_id}"),
    )
    .with("name", client.name.as_str())
    .with("public", client.public)
    .with("id_token_alg", alg.as_str());
    let row = NewClientRow {
        client_id: &client_id,
        secret_hash: secret_hash.as_deref(),
        client: &client,
    };
    match app.store.create_client(row, app.now(), audit).await {
        Ok(_) => Ok(CreatedClient {
            client_id,
            client_secret: secret,
        }),
        Err(StoreError::Conflict) => Err(AdminRefusal::Conflict(
            "That client id is taken; try again.".into(),
        )),
        Err(e) => Err(Internal::from(e).into()),
    }
}
