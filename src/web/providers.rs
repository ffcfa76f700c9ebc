//! The console's staff sign-in providers (staff single sign-on, issue 16): the company's own
//! OpenID Connect providers listed, a form to register one, a page per provider to change its
//! settings (all but its issuer), and a button per provider to disable or enable it. The rules are `flows::staff_sso`'s, shared with `tessera admin
//! create-idp` and the API. A provider's staff domains are sent to it from every
//! organization's login page, so only system administrators manage providers: anyone else
//! (an organization administrator included) gets the missing page, whatever provider is
//! asked about (OWASP ASVS 5.0 V8.2.1, V8.2.2). The client secret is written once, sealed by
//! the flow, and never shown again, not even on a refused form (ASVS V13.3.1, V14.2.1). Every
//! change is audited with its actor by the flow (ASVS V16.2.1).

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;

use super::admin::{ConsolePage, DoneQuery, form_problems, on_the_form};
use super::csrf::CsrfToken;
use super::form::Form;
use super::session::CurrentSession;
use super::{AppState, WebError, page};
use crate::flows::admin::{self, Admin, AdminRefusal};
use crate::flows::staff_sso::{self, ProviderChange, ProviderRequest};
use crate::store::{ProviderStanding, ProviderSummary};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/providers", get(list).post(create))
        .route("/admin/providers/{id}", get(edit_page).post(edit))
        .route("/admin/providers/{id}/{action}", post(act))
}

/// The console's answers (`web::admin`): a request it cannot do is said; anything else
/// (a non-administrator, an organization administrator: system administrators only) is the
/// missing page.
const PROVIDERS_PAGE: ConsolePage = ConsolePage {
    path: "/admin/providers",
    back_label: "admin-back-providers",
    shows: form_problems,
};

/// Fixed texts for the last action's outcome (no text from the query string is shown).
fn done_text(code: &str) -> Option<String> {
    let id = match code {
        "registered" => "providers-done-registered",
        "disabled" => "providers-done-disabled",
        "enabled" => "providers-done-enabled",
        "changed" => "providers-done-changed",
        _ => return None,
    };
    Some(crate::i18n::say(id))
}

/// A provider's row (never its secret: the summary holds none).
fn shown(p: &ProviderSummary) -> minijinja::Value {
    context! {
        id => p.id, name => &p.name, issuer => &p.issuer, client_id => &p.client_id,
        domains => &p.domains, organization => &p.organization,
        require_local_mfa => p.require_local_mfa,
        status => if p.disabled { "disabled" } else { "enabled" }, disabled => p.disabled,
    }
}

/// The registration form as typed. `domains`: one a line, or separated by commas.
/// `organization`: one organization's name, or empty for none. `require_local_mfa`: the
/// checkbox, sent only when ticked.
#[derive(Deserialize, Default)]
pub struct ProviderForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    domains: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    require_local_mfa: Option<String>,
}

impl ProviderForm {
    /// The form filled with a provider's settings, to edit them (the secret is not shown).
    fn of(p: &ProviderSummary) -> Self {
        Self {
            name: p.name.clone(),
            issuer: p.issuer.clone(),
            client_id: p.client_id.clone(),
            client_secret: String::new(),
            domains: p.domains.join("\n"),
            organization: p.organization.clone().unwrap_or_default(),
            require_local_mfa: p.require_local_mfa.then(|| "on".to_string()),
        }
    }

    fn request(&self) -> ProviderRequest {
        ProviderRequest {
            name: self.name.clone(),
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            domains: self.domain_list(),
            organization: self.organization(),
            require_local_mfa: self.require_local_mfa.is_some(),
        }
    }

    /// The edit form sends every field: a blank secret keeps the stored one, and the issuer
    /// (shown read-only) is passed on so that a changed one is refused, not ignored.
    fn change(&self) -> ProviderChange {
        let secret = self.client_secret.trim();
        let issuer = self.issuer.trim();
        ProviderChange {
            name: Some(self.name.clone()),
            issuer: (!issuer.is_empty()).then(|| issuer.to_string()),
            client_id: Some(self.client_id.clone()),
            client_secret: (!secret.is_empty()).then(|| secret.to_string()),
            domains: Some(self.domain_list()),
            organization: Some(self.organization()),
            require_local_mfa: Some(self.require_local_mfa.is_some()),
        }
    }

    fn domain_list(&self) -> Vec<String> {
        self.domains
            .split([',', '\n', '\r'])
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn organization(&self) -> Option<String> {
        let organization = self.organization.trim();
        (!organization.is_empty()).then(|| organization.to_string())
    }

    /// What the form shows again: everything typed but the secret, which is never sent back
    /// to the browser (ASVS V14.2.1).
    fn typed(&self) -> minijinja::Value {
        context! {
            name => &self.name, issuer => &self.issuer, client_id => &self.client_id,
            domains => &self.domains, organization => &self.organization,
            require_local_mfa => self.require_local_mfa.is_some(),
        }
    }
}

async fn list(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    PROVIDERS_PAGE
        .for_admin(&app, &current, async |admin| {
            let done = done_text(&query.done);
            let form = ProviderForm::default();
            list_page(
                &app,
                &csrf,
                &admin,
                StatusCode::OK,
                &form,
                None,
                done.as_deref(),
            )
            .await
        })
        .await
}

/// The list and the registration form (with what was typed, but the secret, and why it was
/// refused).
async fn list_page(
    app: &AppState,
    csrf: &CsrfToken,
    admin: &Admin,
    status: StatusCode,
    form: &ProviderForm,
    error: Option<String>,
    done: Option<&str>,
) -> Result<Result<Response, WebError>, AdminRefusal> {
    let listed = staff_sso::list(app, admin).await?;
    let organizations = organization_names(app, admin).await?;
    Ok(page::render(
        status,
        "pages/admin_providers.html",
        csrf,
        context! {
            providers => listed.iter().map(shown).collect::<Vec<_>>(),
            organizations, error, done, form => form.typed(),
            // Only system administrators reach this page.
            system_admin => true,
        },
    ))
}

/// The organizations the form offers for new staff accounts, by name.
async fn organization_names(app: &AppState, admin: &Admin) -> Result<Vec<String>, AdminRefusal> {
    Ok(admin::organizations(app, admin)
        .await?
        .into_iter()
        .map(|o| o.name)
        .collect())
}

/// Registers a provider after the flow has read its discovery document; a refused one is the
/// form again with what was typed (but the secret) and why, and nothing is stored (ASVS
/// V2.2.1: input checked before it is used).
async fn create(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Form(form): Form<ProviderForm>,
) -> Result<Response, WebError> {
    PROVIDERS_PAGE
        .for_admin(&app, &current, async |admin| {
            match staff_sso::create(&app, &admin, form.request()).await {
                Ok(_) => Ok(Ok(
                    Redirect::to("/admin/providers?done=registered").into_response()
                )),
                Err(refused) => {
                    let (status, error) = on_the_form(refused)?;
                    list_page(&app, &csrf, &admin, status, &form, Some(error), None).await
                }
            }
        })
        .await
}

/// A provider's settings page: the form filled with what is stored (the issuer read-only, the
/// secret never shown), or with what was typed and why it was refused.
async fn settings_page(
    app: &AppState,
    csrf: &CsrfToken,
    admin: &Admin,
    status: StatusCode,
    provider: &ProviderSummary,
    form: &ProviderForm,
    error: Option<String>,
) -> Result<Result<Response, WebError>, AdminRefusal> {
    let organizations = organization_names(app, admin).await?;
    Ok(page::render(
        status,
        "pages/admin_provider.html",
        csrf,
        context! {
            provider => shown(provider), organizations, error, form => form.typed(),
            system_admin => true,
        },
    ))
}

/// The settings form of one provider (system administrators only: anyone else, and an
/// unknown provider, is the missing page).
async fn edit_page(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    PROVIDERS_PAGE
        .for_admin(&app, &current, async |admin| {
            let provider = staff_sso::get(&app, &admin, id).await?;
            let form = ProviderForm::of(&provider);
            settings_page(&app, &csrf, &admin, StatusCode::OK, &provider, &form, None).await
        })
        .await
}

/// Saves a provider's settings; a refused change is the form again with what was typed (but
/// the secret) and why, and nothing is changed (ASVS V2.2.1).
async fn edit(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Path(id): Path<i64>,
    Form(form): Form<ProviderForm>,
) -> Result<Response, WebError> {
    PROVIDERS_PAGE
        .for_admin(&app, &current, async |admin| {
            let (status, error) = match staff_sso::update(&app, &admin, id, form.change()).await {
                Ok(_) => {
                    let saved = Redirect::to("/admin/providers?done=changed");
                    return Ok(Ok(saved.into_response()));
                }
                Err(refused) => on_the_form(refused)?,
            };
            let provider = staff_sso::get(&app, &admin, id).await?;
            settings_page(&app, &csrf, &admin, status, &provider, &form, Some(error)).await
        })
        .await
}

/// `disable` or `enable` a provider (ASVS V8.2.1: system administrators only; an unknown
/// provider or action is the missing page).
async fn act(
    State(app): State<AppState>,
    current: CurrentSession,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    PROVIDERS_PAGE
        .change(&app, &current, async |admin| {
            admin.as_system()?;
            let (standing, done) = match action.as_str() {
                "disable" => (ProviderStanding::Disabled, "disabled"),
                "enable" => (ProviderStanding::Enabled, "enabled"),
                _ => return Err(AdminRefusal::NotFound),
            };
            staff_sso::set_standing(&app, &admin, id, standing).await?;
            Ok(done)
        })
        .await
}
