//! Registering the applications a reverse proxy protects with forward authentication
//! (issue 15): one set of rules for the command line, the console and the API, like the
//! OpenID Connect clients' (`flows::clients`). An organization administrator registers and
//! manages applications for their own organization alone; any other is NotFound to them.
//! Every change is audited with its actor, in the transaction that makes it.

use crate::app::App;
use crate::audit::AuditEvent;
use crate::domain::forward::NewApp;
use crate::flows::Internal;
use crate::flows::admin::{Admin, AdminRefusal};
pub use crate::flows::clients::ClientAction as AppAction;
use crate::flows::invitation::InvitationProblem;
use crate::i18n::{say, say_with};
use crate::store::{AppStanding, AppSummary, StoreError};

/// A registration as an administrator types it.
#[derive(Debug, Clone, Default)]
pub struct AppRequest {
    pub name: String,
    /// The application's origin, such as `https://portal.example.org`.
    pub url: String,
    /// Only these organizations' people may use it (empty: everyone's).
    pub organizations: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CreatedApp {
    pub id: i64,
    /// The origin as stored (normalised).
    pub url: String,
}

/// Registers an application. A system administrator may limit it to any organizations (or
/// none: everyone's); an organization administrator's is always for their organization alone.
pub async fn create(
    app: &App,
    admin: &Admin,
    request: AppRequest,
) -> Result<CreatedApp, AdminRefusal> {
    let org_ids = organizations(app, admin, &request.organizations).await?;
    let new = NewApp::parse(
        &request.name,
        &request.url,
        org_ids,
        app.config.public_url().starts_with("http://"),
    )
    .map_err(|p| AdminRefusal::Invalid(p.to_string()))?;
    let audit = AuditEvent::new("app-created", admin.actor(), subject(new.origin.as_str()))
        .with("name", new.name.as_str())
        .with("organization_ids", new.org_ids.clone());
    let created = app.store.create_app(&new, app.now(), audit).await;
    app.forward_apps.forget();
    match created {
        Ok(id) => Ok(CreatedApp {
            id,
            url: new.origin.as_str().to_string(),
        }),
        Err(StoreError::Conflict) => Err(AdminRefusal::Conflict(say_with(
            "apps-problem-registered",
            &[("origin", new.origin.as_str().into())],
        ))),
        Err(e) => Err(Internal::from(e).into()),
    }
}

/// The organizations named, as ids; an organization administrator's own only.
async fn organizations(
    app: &App,
    admin: &Admin,
    names: &[String],
) -> Result<Vec<i64>, AdminRefusal> {
    let names: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    let mut ids = Vec::new();
    for name in &names {
        match app.store.org_by_name(name).await.map_err(Internal::from)? {
            Some(id) => ids.push(id),
            None if admin.is_system() => {
                let unknown = InvitationProblem::UnknownOrganization(name.to_string());
                return Err(AdminRefusal::Invalid(unknown.to_string()));
            }
            None => ids.push(-1),
        }
    }
    match admin.org_id() {
        None if admin.is_system() => Ok(ids),
        Some(own) if ids.iter().all(|id| *id == own) => Ok(vec![own]),
        // Another organization, or none by that name: one answer, which reveals neither.
        Some(_) => Err(AdminRefusal::Invalid(say("apps-problem-own-organization"))),
        None => Err(AdminRefusal::NotAdministrator),
    }
}

/// Who an application's audit entries are about.
fn subject(origin: &str) -> String {
    format!("app:{origin}")
}

/// The applications the administrator manages: all for a system administrator, those for
/// their organization alone for an organization administrator.
pub async fn list(app: &App, admin: &Admin) -> Result<Vec<AppSummary>, AdminRefusal> {
    Ok(app.store.apps_in_scope(admin.org_id()).await?)
}

/// One application within the administrator's scope (outside it, NotFound).
pub async fn get(app: &App, admin: &Admin, id: i64) -> Result<AppSummary, AdminRefusal> {
    Ok(app.store.app_in_scope(id, admin.org_id()).await?)
}

/// Disables, enables or deletes an application within the administrator's scope. A disabled
/// or deleted application's requests are refused at the next check.
pub async fn act(app: &App, admin: &Admin, id: i64, action: AppAction) -> Result<(), AdminRefusal> {
    let found = get(app, admin, id).await?;
    let (scope, now) = (admin.org_id(), app.now());
    let event = |name| {
        AuditEvent::new(name, admin.actor(), subject(&found.url)).with("name", found.name.as_str())
    };
    match action {
        AppAction::Disable => {
            let audit = event("app-disabled");
            app.store
                .set_app_standing(found.id, scope, AppStanding::Disabled, now, audit)
                .await?
        }
        AppAction::Enable => {
            let audit = event("app-enabled");
            app.store
                .set_app_standing(found.id, scope, AppStanding::Enabled, now, audit)
                .await?
        }
        AppAction::Delete => {
            let audit = event("app-deleted");
            app.store.delete_app(found.id, scope, now, audit).await?
        }
    }
    app.forward_apps.forget();
    Ok(())
}

/// An application on a person's home page: its name and where it starts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Launch {
    pub name: String,
    pub url: String,
}

/// What a signed-in person may open from their home page, by name: the enabled applications
/// behind forward authentication and the enabled OpenID Connect clients with a start URL, that
/// are for their organization (read from the node's `AppsCache`, not the database).
pub async fn launcher(app: &App, org_id: Option<i64>) -> Result<Vec<Launch>, Internal> {
    let directory = app.forward_apps.table(app).await?;
    let apps = directory
        .apps
        .values()
        .filter(|a| !a.disabled && a.is_for(org_id))
        .map(|a| Launch {
            name: a.name.clone(),
            url: format!("{}/", a.origin),
        });
    let clients = directory
        .starts
        .iter()
        .filter(|c| c.org_id.is_none() || c.org_id == org_id)
        .map(|c| Launch {
            name: c.name.clone(),
            url: c.url.clone(),
        });
    let mut launch: Vec<Launch> = apps.chain(clients).collect();
    launch.sort_by(|a, b| (&a.name, &a.url).cmp(&(&b.name, &b.url)));
    Ok(launch)
}
