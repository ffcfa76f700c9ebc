//! Passkeys: **Sign in with a passkey** on the login page, the second-factor page
//! (`/verify/passkey`), and adding and renaming passkeys from Your account. Each ceremony is
//! two form posts the page's script (`/static/passkey.js`) makes around the browser's
//! WebAuthn call: the options, then the answer. They are URL-encoded forms carrying the
//! `csrf_token`, so the CSRF middleware checks them like any other, and they answer in JSON:
//! `{"options": …}`, `{"next": path}` to follow, or `{"error": text}` to show.

use crate::i18n::say;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;

use super::client::ClientAddress;
use super::form::Form;
use super::page::{self, Step};
use super::session::{self, CurrentSession};
use super::status::Status;
use super::step_up::again_then;
use super::{AppState, WebError};
use crate::flows;
use crate::flows::account::ChangeProblem;
use crate::flows::passkey::PasskeyProblem;

/// The second-factor page of a person who holds a passkey.
pub const VERIFY_PATH: &str = "/verify/passkey";
pub const VERIFY_OPTIONS_PATH: &str = "/verify/passkey/options";
/// Sign in with a passkey (no password).
pub const SIGN_IN_PATH: &str = "/login/passkey";
pub const SIGN_IN_OPTIONS_PATH: &str = "/login/passkey/options";
/// Adding a passkey from Your account.
pub const ADD_PATH: &str = "/account/passkeys";
pub const ADD_OPTIONS_PATH: &str = "/account/passkeys/options";
pub const RENAME_PATH: &str = "/account/passkeys/{id}/rename";
pub const SCRIPT_PATH: &str = "/static/passkey.js";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(SCRIPT_PATH, get(script))
        .route(SIGN_IN_OPTIONS_PATH, post(sign_in_options))
        .route(SIGN_IN_PATH, post(sign_in))
        .route(VERIFY_PATH, get(page).post(verify))
        .route(VERIFY_OPTIONS_PATH, post(verify_options))
        .route(ADD_OPTIONS_PATH, post(add_options))
        .route(ADD_PATH, post(add))
        .route(RENAME_PATH, post(rename))
}

const TIMED_OUT: &str = "/login?notice=timed-out";
const ACCOUNT: &str = "/account";

impl Status for PasskeyProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::NotAllowed | Self::NotRegistered => StatusCode::FORBIDDEN,
            Self::AlreadyRegistered => StatusCode::CONFLICT,
            Self::NoCeremony | Self::NotAccepted | Self::UnknownPasskey | Self::PossiblyCloned => {
                StatusCode::UNAUTHORIZED
            }
            Self::Change(p) => p.status(),
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// A problem as the script reads it: somewhere to go (the session ended, or the factor must
/// be passed again first), or a text to show.
fn answer(problem: PasskeyProblem, again: &str) -> Result<Response, WebError> {
    let go = |to: &str| Ok(Json(json!({ "next": to })).into_response());
    match problem {
        PasskeyProblem::Internal(e) => Err(e.into()),
        PasskeyProblem::Change(ChangeProblem::Internal(e)) => Err(e.into()),
        PasskeyProblem::SessionEnded => go(TIMED_OUT),
        PasskeyProblem::Change(ChangeProblem::NotFresh) => go(&again_then(again)),
        problem => Ok((
            problem.status(),
            Json(json!({ "error": problem.to_string() })),
        )
            .into_response()),
    }
}

/// The answer of a finished ceremony: the browser's new session, and where to go.
fn signed_in(app: &AppState, jar: CookieJar, token: String, to: &str) -> Response {
    (
        jar.add(session::cookie(app, token)),
        Json(json!({ "next": to })),
    )
        .into_response()
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    /// The browser's `PublicKeyCredential`, as JSON with base64url binaries.
    #[serde(default)]
    credential: String,
    /// A sign-in's ceremony handle, from its options.
    #[serde(default)]
    handle: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

// --- Sign in with a passkey --------------------------------------------------------------

pub async fn sign_in_options(State(app): State<AppState>) -> Result<Response, WebError> {
    match flows::passkey::start_sign_in(&app).await {
        Ok((options, handle)) => {
            Ok(Json(json!({ "options": options, "handle": handle })).into_response())
        }
        Err(problem) => answer(problem, ACCOUNT),
    }
}

pub async fn sign_in(
    State(app): State<AppState>,
    jar: CookieJar,
    CurrentSession(current): CurrentSession,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    match flows::passkey::finish_sign_in(
        &app,
        &form.handle,
        &form.credential,
        current.as_ref(),
        &client,
    )
    .await
    {
        Ok(token) => Ok(signed_in(&app, jar, token, "/")),
        Err(problem) => answer(problem, ACCOUNT),
    }
}

// --- The second factor --------------------------------------------------------------------

/// For a registration that chose a passkey and holds none yet, the page registers one;
/// otherwise it asks for one the person holds.
pub async fn page(step: Step) -> Result<Response, WebError> {
    let enrol = match flows::passkey::enrolling(&step.app, &step.session).await {
        Ok(account) => account.is_some(),
        Err(PasskeyProblem::Internal(e)) => return Err(e.into()),
        Err(_) => false,
    };
    step.render(
        StatusCode::OK,
        "pages/verify_passkey.html",
        &(),
        context! { enrol => enrol, default_name => flows::passkey::default_name() },
    )
}

pub async fn verify_options(step: Step) -> Result<Response, WebError> {
    match flows::passkey::start_second_step(&step.app, &step.session).await {
        Ok(options) => Ok(Json(json!({ "options": options })).into_response()),
        Err(problem) => answer(problem, ACCOUNT),
    }
}

pub async fn verify(
    step: Step,
    jar: CookieJar,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    let finished = match flows::passkey::enrolling(&step.app, &step.session).await {
        Ok(Some(account)) => {
            flows::passkey::finish_first_passkey(
                &step.app,
                &step.session,
                &account,
                &form.credential,
                &form.name,
            )
            .await
        }
        Ok(None) => {
            flows::passkey::finish_second_step(&step.app, &step.session, &form.credential).await
        }
        Err(problem) => Err(problem),
    };
    match finished {
        Ok((token, stage)) => {
            let to = session::after_factor(stage, "/verify/done");
            Ok(signed_in(&step.app, jar, token, to))
        }
        Err(problem) => answer(problem, ACCOUNT),
    }
}

// --- Your account ---------------------------------------------------------------------------

pub async fn add_options(step: Step) -> Result<Response, WebError> {
    match flows::passkey::start_registration(&step.app, &step.session).await {
        Ok(options) => Ok(Json(json!({ "options": options })).into_response()),
        Err(problem) => answer(problem, ACCOUNT),
    }
}

pub async fn add(
    step: Step,
    ClientAddress(client): ClientAddress,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    let added = flows::passkey::finish_registration(
        &step.app,
        &step.session,
        &form.password,
        &form.name,
        &form.credential,
        &client,
    )
    .await;
    match added {
        Ok(()) => Ok(Json(json!({ "next": "/account?done=passkey" })).into_response()),
        Err(problem) => answer(problem, ACCOUNT),
    }
}

#[derive(Deserialize, Default)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
}

pub async fn rename(
    step: Step,
    Path(id): Path<i64>,
    Form(form): Form<RenameForm>,
) -> Result<Response, WebError> {
    match flows::passkey::rename(&step.app, &step.session, id, &form.name).await {
        Ok(()) => Ok(Redirect::to("/account?done=passkey-renamed").into_response()),
        Err(PasskeyProblem::SessionEnded) => Ok(Redirect::to(TIMED_OUT).into_response()),
        Err(PasskeyProblem::Internal(e)) => Err(e.into()),
        Err(problem) => page::render(
            problem.status(),
            "pages/message.html",
            &step.csrf,
            context! {
                title => say("verify-passkey-title"), message => problem.to_string(),
                next_href => ACCOUNT, next_label => say("home-account"),
            },
        ),
    }
}

/// The script of the passkey buttons (the pages' CSP allows scripts from here only).
async fn script() -> impl IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../templates/passkey.js"),
    )
}
