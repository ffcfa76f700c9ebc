//! The login page (guide: "Customer/Provider Login"), the sign-in form, and Sign out.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::csrf::CsrfToken;
use super::form::Form;
use super::session::{self, CurrentSession};
use super::status::Status;
use super::{AppState, WebError, page};
use crate::domain::session::SessionStage;
use crate::flows;
use crate::flows::sign_in::SignInProblem;
use crate::i18n::say;

#[derive(Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    notice: String,
    /// An application's `login_hint` (OpenID Connect): the address the form starts with.
    #[serde(default)]
    login_hint: String,
    /// Forward authentication: the application URL to return to after sign-in
    /// (`web::authz`; followed only to a registered application).
    #[serde(default)]
    rd: String,
}

impl Notice {
    /// The hint, if it could be an address (it only fills in the form's field): an
    /// application's as it sent it, or the sealed one a registration sends on.
    fn hint(&self, app: &AppState) -> String {
        let hint = app
            .sealer
            .open(crate::sealing::Kind::AddressHint, self.login_hint.trim())
            .unwrap_or_default();
        if hint.len() <= 254 && !hint.chars().any(char::is_control) {
            hint
        } else {
            String::new()
        }
    }
}

/// Fixed texts only: a query string never puts words of its own on the page. `method` is the
/// sign-in page's (`email`, `phone`): a registrant is told what they verify next there.
fn notice_text(code: &str, method: &str) -> Option<String> {
    match (code, method) {
        ("registered", "phone") => Some(say("notice-registered-phone")),
        ("registered", _) => Some(say("notice-registered-email")),
        ("registered-passkey", "email") => Some(say("notice-registered-passkey")),
        ("registered-app", "email") => Some(say("notice-registered-app")),
        (code, _) => general_notice(code),
    }
}

fn general_notice(code: &str) -> Option<String> {
    let id = match code {
        "signed-out" => "notice-signed-out",
        "timed-out" => "notice-timed-out",
        "unavailable" => "sign-in-disabled",
        "factor-not-allowed" => "sign-in-factor-not-allowed",
        "step-up" => "notice-step-up",
        _ => return None,
    };
    Some(say(id))
}

pub async fn choose(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    CurrentSession(current): CurrentSession,
    jar: CookieJar,
    Query(notice): Query<Notice>,
) -> Result<Response, WebError> {
    let signed_in = current.is_some_and(|s| s.stage == SessionStage::Authenticated);
    if signed_in && let Some(url) = super::authz::bounced(&app, &jar, &notice.rd).await? {
        return page::render(
            StatusCode::OK,
            "pages/return_bounced.html",
            &csrf,
            context! { url },
        );
    }
    let jar = super::authz::remember_return(&app, jar, &notice.rd).await?;
    if signed_in {
        // The home page sends a waiting application its person.
        return Ok((jar, Redirect::to("/")).into_response());
    }
    let page = page::ok(
        "pages/login.html",
        &csrf,
        context! {
            notice => general_notice(&notice.notice),
            login_hint => notice.hint(&app),
            dev_outbox => app.config.dev_outbox_page(),
            providers => crate::flows::staff_sso::login_options(&app).await?,
        },
    )?;
    Ok((jar, page).into_response())
}

pub async fn email_form(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Query(notice): Query<Notice>,
) -> Result<Response, WebError> {
    empty_form(&app, &csrf, "email", &notice)
}

/// Current portal users: "You must first sign in with your existing account."
pub async fn first_login_form(Extension(csrf): Extension<CsrfToken>) -> Result<Response, WebError> {
    sign_in_form(&csrf, "first-login", None, "", None, StatusCode::OK)
}

pub async fn phone_form(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Query(notice): Query<Notice>,
) -> Result<Response, WebError> {
    empty_form(&app, &csrf, "phone", &notice)
}

/// The sign-in form before anything was typed, with the notice the address asks for.
fn empty_form(
    app: &AppState,
    csrf: &CsrfToken,
    method: &str,
    notice: &Notice,
) -> Result<Response, WebError> {
    let text = notice_text(&notice.notice, method);
    sign_in_form(
        csrf,
        method,
        text.as_deref(),
        &notice.hint(app),
        None,
        StatusCode::OK,
    )
}

fn sign_in_form(
    csrf: &CsrfToken,
    method: &str,
    notice: Option<&str>,
    email: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let title = say(match method {
        "phone" => "login-with-phone",
        "first-login" => "first-login-title",
        _ => "login-with-email",
    });
    let error_fields = page::fields_in_error(status, &["email", "password"]);
    page::render(
        status,
        "pages/sign_in.html",
        csrf,
        context! { title, method, notice, email, error, error_fields },
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    method: String,
}

pub async fn sign_in(
    State(app): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    CurrentSession(current): CurrentSession,
    ClientAddress(client): ClientAddress,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let method = match form.method.as_str() {
        "phone" => "phone",
        "first-login" => "first-login",
        _ => "email",
    };
    // A staff domain's address is sent to its provider by the sign-in itself (it reads the
    // domain's provider with the account: one read, issue 18).
    match flows::sign_in::sign_in(&app, &form.email, &form.password, current.as_ref(), &client)
        .await
    {
        Ok(accepted) => {
            let jar = jar.add(session::cookie(&app, accepted.session_token));
            let next = match accepted.stage {
                SessionStage::Registration => "/register",
                _ => super::gate::factor_path(accepted.method),
            };
            Ok((jar, Redirect::to(next)).into_response())
        }
        Err(SignInProblem::Internal(e)) => Err(e.into()),
        Err(SignInProblem::StaffDomain {
            id,
            provider,
            domain,
        }) => super::staff::route_page(&csrf, id, &provider, &domain),
        Err(problem) => {
            let status = problem.status();
            sign_in_form(
                &csrf,
                method,
                None,
                form.email.trim(),
                Some(problem.to_string()),
                status,
            )
        }
    }
}

pub async fn sign_out(
    State(app): State<AppState>,
    CurrentSession(current): CurrentSession,
    jar: CookieJar,
) -> Result<Response, WebError> {
    if let Some(session) = current {
        flows::session::sign_out(&app, &session).await?;
    }
    let jar = jar.add(session::removal(&app));
    Ok((jar, Redirect::to("/login?notice=signed-out")).into_response())
}
