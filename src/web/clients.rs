//! The console's applications (OpenID Connect clients, issue 13): the list with a form to
//! register one, and a page per client to change its URIs, rotate its secret, disable,
//! enable or delete it. A secret is shown once, on the page that answers its registration or
//! rotation. Organization administrators see their organization's clients only; another
//! organization's client is the missing page, as one that does not exist.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;

use super::admin::{ConsolePage, DoneQuery, form_problems};
use super::csrf::CsrfToken;
use super::form::Form;
use super::session::CurrentSession;
use super::{AppState, WebError, page};
use crate::flows::admin::{self, Admin, AdminRefusal};
use crate::flows::clients::{self, ClientAction, ClientRequest, CreatedClient, UrisRequest};
use crate::flows::human_time;
use crate::store::ClientSummary;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/admin/clients", get(list).post(create))
        .route("/admin/clients/{id}", get(detail))
        .route("/admin/clients/{id}/uris", post(change_uris))
        .route("/admin/clients/{id}/secret", post(rotate_secret))
        .route("/admin/clients/{id}/{action}", post(act))
}

/// The console's answers (`web::admin`): a request it cannot do is said; anything else a
/// non-administrator or another organization's administrator asks is the missing page.
const CLIENTS_PAGE: ConsolePage = ConsolePage {
    path: "/admin/clients",
    back_label: "admin-back-clients",
    shows: form_problems,
};

/// Fixed texts for the last action's outcome (no text from the query string is shown).
fn done_text(code: &str) -> Option<String> {
    let id = match code {
        "uris" => "clients-done-uris",
        "disabled" => "clients-done-disabled",
        "enabled" => "clients-done-enabled",
        "deleted" => "clients-done-deleted",
        _ => return None,
    };
    Some(crate::i18n::say(id))
}

fn shown(c: &ClientSummary) -> minijinja::Value {
    context! {
        id => c.id, client_id => &c.client_id, name => &c.name, organization => &c.organization,
        kind => if c.public { "public" } else { "confidential" }, public => c.public,
        status => if c.disabled { "disabled" } else { "active" }, disabled => c.disabled,
        id_token_alg => c.id_token_alg.as_str(), redirect_uris => &c.redirect_uris,
        created => human_time(c.created_at),
    }
}

/// The registration form as typed (text areas hold one URI a line).
#[derive(Deserialize, Default, serde::Serialize)]
pub struct ClientForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
    #[serde(default)]
    backchannel_logout_uri: String,
    #[serde(default)]
    start_url: String,
    /// A checked box sends `on`; an unchecked one nothing.
    #[serde(default)]
    public: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    id_token_alg: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl ClientForm {
    fn request(&self) -> ClientRequest {
        ClientRequest {
            name: self.name.clone(),
            public: !self.public.is_empty(),
            organization: Some(self.organization.clone()),
            id_token_alg: Some(self.id_token_alg.clone()),
            redirect_uris: lines(&self.redirect_uris),
            post_logout_redirect_uris: lines(&self.post_logout_redirect_uris),
            backchannel_logout_uri: Some(self.backchannel_logout_uri.clone()),
            start_url: Some(self.start_url.clone()),
        }
    }
}

async fn list(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    CLIENTS_PAGE
        .for_admin(&app, &current, async |admin| {
            let done = done_text(&query.done);
            list_page(
                &app,
                &csrf,
                &admin,
                StatusCode::OK,
                &ClientForm::default(),
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
    form: &ClientForm,
    error: Option<String>,
    done: Option<&str>,
) -> Result<Result<Response, WebError>, AdminRefusal> {
    let listed = clients::list(app, admin).await?;
    let organizations: Vec<String> = if admin.is_system() {
        admin::organizations(app, admin)
            .await?
            .into_iter()
            .map(|o| o.name)
            .collect()
    } else {
        Vec::new()
    };
    Ok(page::render(
        status,
        "pages/admin_clients.html",
        csrf,
        context! {
            clients => listed.iter().map(shown).collect::<Vec<_>>(),
            system_admin => admin.is_system(), organizations, error, done,
            form => page::state(form),
        },
    ))
}

/// The page that shows a secret, once: after a registration or a rotation.
fn secret_page(
    csrf: &CsrfToken,
    title: &str,
    message: &str,
    name: &str,
    created: &CreatedClient,
) -> Result<Response, WebError> {
    page::ok(
        "pages/admin_client_secret.html",
        csrf,
        context! {
            title, message, name, id => created.id, client_id => &created.client_id,
            client_secret => created.client_secret.as_deref(),
        },
    )
}

async fn create(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Form(form): Form<ClientForm>,
) -> Result<Response, WebError> {
    CLIENTS_PAGE
        .for_admin(&app, &current, async |admin| {
            match clients::create(&app, &admin, form.request()).await {
                Ok(created) => Ok(secret_page(
                    &csrf,
                    &crate::i18n::say("client-registered-title"),
                    &crate::i18n::say("client-registered-message"),
                    form.name.trim(),
                    &created,
                )),
                Err(AdminRefusal::Invalid(error)) => {
                    let status = StatusCode::UNPROCESSABLE_ENTITY;
                    list_page(&app, &csrf, &admin, status, &form, Some(error), None).await
                }
                Err(refused) => Err(refused),
            }
        })
        .await
}

/// The URIs as the page's form shows them: one a line.
#[derive(Deserialize, Default, serde::Serialize)]
pub struct UrisForm {
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
    #[serde(default)]
    backchannel_logout_uri: String,
    #[serde(default)]
    start_url: String,
}

impl UrisForm {
    fn of(client: &ClientSummary) -> Self {
        Self {
            redirect_uris: client.redirect_uris.join("\n"),
            post_logout_redirect_uris: client.post_logout_redirect_uris.join("\n"),
            backchannel_logout_uri: client.backchannel_logout_uri.clone().unwrap_or_default(),
            start_url: client.start_url.clone().unwrap_or_default(),
        }
    }

    fn request(&self) -> UrisRequest {
        UrisRequest {
            redirect_uris: lines(&self.redirect_uris),
            post_logout_redirect_uris: lines(&self.post_logout_redirect_uris),
            backchannel_logout_uri: Some(self.backchannel_logout_uri.clone()),
            start_url: Some(self.start_url.clone()),
        }
    }
}

fn client_page(
    admin: &Admin,
    csrf: &CsrfToken,
    status: StatusCode,
    client: &ClientSummary,
    uris: &UrisForm,
    error: Option<String>,
    done: Option<&str>,
) -> Result<Response, WebError> {
    page::render(
        status,
        "pages/admin_client.html",
        csrf,
        context! { client => shown(client), uris => page::state(uris), error, done, system_admin => admin.is_system() },
    )
}

async fn detail(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    CLIENTS_PAGE
        .for_admin(&app, &current, async |admin| {
            let client = clients::get(&app, &admin, id).await?;
            let uris = UrisForm::of(&client);
            let done = done_text(&query.done);
            Ok(client_page(
                &admin,
                &csrf,
                StatusCode::OK,
                &client,
                &uris,
                None,
                done.as_deref(),
            ))
        })
        .await
}

fn to_client(id: i64, done: &str) -> Response {
    Redirect::to(&format!("/admin/clients/{id}?done={done}")).into_response()
}

async fn change_uris(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Path(id): Path<i64>,
    Form(form): Form<UrisForm>,
) -> Result<Response, WebError> {
    CLIENTS_PAGE
        .for_admin(&app, &current, async |admin| {
            match clients::change_uris(&app, &admin, id, &form.request()).await {
                Ok(_) => Ok(Ok(to_client(id, "uris"))),
                Err(AdminRefusal::Invalid(error)) => {
                    // The page again with what was typed; the client is as it was.
                    let client = clients::get(&app, &admin, id).await?;
                    let status = StatusCode::UNPROCESSABLE_ENTITY;
                    Ok(client_page(
                        &admin,
                        &csrf,
                        status,
                        &client,
                        &form,
                        Some(error),
                        None,
                    ))
                }
                Err(refused) => Err(refused),
            }
        })
        .await
}

async fn rotate_secret(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    current: CurrentSession,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    CLIENTS_PAGE
        .for_admin(&app, &current, async |admin| {
            let client = clients::get(&app, &admin, id).await?;
            let rotated = clients::rotate_secret(&app, &admin, id).await?;
            Ok(secret_page(
                &csrf,
                &crate::i18n::say("client-rotated-title"),
                &crate::i18n::say("client-rotated-message"),
                &client.name,
                &rotated,
            ))
        })
        .await
}

/// Disable, enable, delete.
async fn act(
    State(app): State<AppState>,
    current: CurrentSession,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    CLIENTS_PAGE
        .for_admin(&app, &current, async |admin| {
            let action = ClientAction::parse(&action).ok_or(AdminRefusal::NotFound)?;
            clients::act(&app, &admin, id, action).await?;
            Ok(Ok(match action {
                ClientAction::Disable => to_client(id, "disabled"),
                ClientAction::Enable => to_client(id, "enabled"),
                ClientAction::Delete => Redirect::to("/admin/clients?done=deleted").into_response(),
            }))
        })
        .await
}
