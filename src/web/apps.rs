//! The console's protected applications (forward authentication, issue 15): the list, a form
//! to register one, and a button per application to disable, enable or delete it. The rules
//! are `flows::apps`'s, shared with `tessera admin create-app` and the API. Organization
//! administrators see and register their organization's applications only; another
//! organization's application is the missing page, as one that does not exist (OWASP ASVS 5.0
//! V8.2.2, V8.4.1). Every change is audited with its actor by the flows (ASVS V16.2.1).

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
use crate::flows::apps::{self, AppAction, AppRequest};
use crate::store::AppSummary;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/apps", get(list).post(create))
        .route("/admin/apps/{id}/{action}", post(act))
}

/// The console's answers (`web::admin`): a request it cannot do is said; anything else a
/// non-administrator or another organization's administrator asks is the missing page.
const APPS_PAGE: ConsolePage = ConsolePage {
    path: "/admin/apps",
    back_label: "admin-back-apps",
    shows: form_problems,
};

/// Fixed texts for the last action's outcome (no text from the query string is shown).
fn done_text(code: &str) -> Option<String> {
    let id = match code {
        "registered" => "apps-done-registered",
        "disabled" => "apps-done-disabled",
        "enabled" => "clients-done-enabled",
        "deleted" => "clients-done-deleted",
        _ => return None,
    };
    Some(crate::i18n::say(id))
}

fn shown(a: &AppSummary) -> minijinja::Value {
    context! {
        id => a.id, name => &a.name, url => &a.url, organizations => &a.organizations,
        status => if a.disabled { "disabled" } else { "enabled" }, disabled => a.disabled,
    }
}

/// The registration form as typed. `organization` is one organization's name, or empty for
/// every organization (system administrators; an organization administrator's form has no
/// such field: the application is always theirs).
#[derive(Deserialize, Default, serde::Serialize)]
pub struct AppForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    organization: String,
}

impl AppForm {
    fn request(&self) -> AppRequest {
        AppRequest {
            name: self.name.clone(),
            url: self.url.clone(),
            organizations: [self.organization.trim()]
                .into_iter()
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

async fn list(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    APPS_PAGE
        .for_admin(&app, &current, async |admin| {
            let done = done_text(&query.done);
            let form = AppForm::default();
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

/// The list and the registration form (with what was typed and why it was refused).
async fn list_page(
    app: &AppState,
    csrf: &CsrfToken,
    admin: &Admin,
    status: StatusCode,
    form: &AppForm,
    error: Option<String>,
    done: Option<&str>,
) -> Result<Result<Response, WebError>, AdminRefusal> {
    let listed = apps::list(app, admin).await?;
    // A system administrator's choice; an organization administrator's own (named only).
    let organizations: Vec<String> = admin::organizations(app, admin)
        .await?
        .into_iter()
        .map(|o| o.name)
        .collect();
    Ok(page::render(
        status,
        "pages/admin_apps.html",
        csrf,
        context! {
            apps => listed.iter().map(shown).collect::<Vec<_>>(),
            system_admin => admin.is_system(), organizations, error, done,
            form => page::state(form),
        },
    ))
}

/// Registers an application; a refused one is the form again with what was typed and why,
/// and nothing is stored (ASVS V2.2.1: input checked before it is used).
async fn create(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Form(form): Form<AppForm>,
) -> Result<Response, WebError> {
    APPS_PAGE
        .for_admin(&app, &current, async |admin| {
            match apps::create(&app, &admin, form.request()).await {
                Ok(_) => Ok(Ok(
                    Redirect::to("/admin/apps?done=registered").into_response()
                )),
                Err(refused) => {
                    let (status, error) = on_the_form(refused)?;
                    list_page(&app, &csrf, &admin, status, &form, Some(error), None).await
                }
            }
        })
        .await
}

/// Disable, enable, delete (ASVS V8.2.2: within the administrator's organization only; any
/// other application is NotFound, the missing page).
async fn act(
    State(app): State<AppState>,
    current: CurrentSession,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    APPS_PAGE
        .change(&app, &current, async |admin| {
            let action = AppAction::parse(&action).ok_or(AdminRefusal::NotFound)?;
            apps::act(&app, &admin, id, action).await?;
            Ok(match action {
                AppAction::Disable => "disabled",
                AppAction::Enable => "enabled",
                AppAction::Delete => "deleted",
            })
        })
        .await
}
