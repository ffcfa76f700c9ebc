//! The phone factor pages (guide: "Phone Verification", "Login With Phone") and the
//! provider's webhooks for calls.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::form::{CodeForm, Form};
use super::gate::GuardedSession;
use super::page::{self, Step};
use super::session;
use super::{AppState, WebError};
use crate::domain::session::SessionStage;
use crate::flows;
use crate::flows::email_code::Factor;
use crate::flows::phone_code::{CallState, Channel};

const TIMED_OUT: &str = "/login/phone?notice=timed-out";

/// The country code typed, or the United States' when none was.
pub fn country_code(typed: &str) -> &str {
    if typed.is_empty() { "+1" } else { typed }
}

pub async fn page(step: Step) -> Result<Response, WebError> {
    render(&step, &PhoneForm::default(), None, StatusCode::OK, &[]).await
}

async fn render(
    step: &Step,
    form: &PhoneForm,
    error: Option<String>,
    status: StatusCode,
    fields: &'static [&'static str],
) -> Result<Response, WebError> {
    let error_fields = page::fields_in_error(status, fields);
    let state = flows::phone_code::page(&step.app, &step.session, step.live_code.as_ref()).await?;
    // What was typed; else (after a wrong code) the number being registered, kept.
    let (country_code, phone) = match &state.typed {
        Some(typed) if form.phone.is_empty() => {
            (typed.country_code.as_str(), typed.national.as_str())
        }
        _ => (country_code(&form.country_code), form.phone.as_str()),
    };
    step.render(
        status,
        "pages/verify_phone.html",
        &state,
        context! { country_code, phone, error, error_fields },
    )
}

#[derive(Deserialize, Default)]
pub struct PhoneForm {
    #[serde(default)]
    country_code: String,
    #[serde(default)]
    phone: String,
    /// Which button: `sms` (Send Code) or `call` (Call Me).
    #[serde(default)]
    action: String,
}

pub async fn send(
    step: Step,
    ClientAddress(client): ClientAddress,
    Form(form): Form<PhoneForm>,
) -> Result<Response, WebError> {
    let channel = if form.action == "call" {
        Channel::Call
    } else {
        Channel::Sms
    };
    let (country_code, phone) = (&form.country_code, &form.phone);
    let sent = flows::phone_code::send(
        &step.app,
        &step.session,
        channel,
        country_code,
        phone,
        &client,
    )
    .await;
    let next = match channel {
        Channel::Call => "/verify/phone/call",
        Channel::Sms => "/verify/phone",
    };
    page::next_or_again(step, sent, next, TIMED_OUT, async |step, error, status| {
        render(
            &step.reread().await?,
            &form,
            Some(error),
            status,
            &["phone"],
        )
        .await
    })
    .await
}

/// The phone factor passed: home, or on to the new password in a recovery.
fn signed_in(app: &AppState, jar: CookieJar, token: String, stage: SessionStage) -> Response {
    session::go_on(app, jar, token, session::after_factor(stage, "/"))
}

/// A right code leads straight home (guide: "The page will automatically refresh to the
/// home page"), through the Terms of Use when a version is pending.
pub async fn check(
    step: Step,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let account = step.account.as_ref();
    match flows::email_code::verify(&step.app, &step.session, account, &form.code, Factor::Sms)
        .await
    {
        Ok((token, stage)) => Ok(signed_in(&step.app, jar, token, stage)),
        Err(problem) => {
            page::on_problem(problem, TIMED_OUT, async |error, status| {
                render(&step, &PhoneForm::default(), Some(error), status, &["code"]).await
            })
            .await
        }
    }
}

/// The page shown while the phone rings: a script asks for the call's state every two
/// seconds and, once # was pressed, submits the form that completes the sign-in. Without
/// script, the page reloads itself and shows a Continue button.
pub async fn calling(step: Step) -> Result<Response, WebError> {
    let state = flows::phone_code::call_state(&step.app, &step.session).await?;
    if state == CallState::None {
        return Ok(Redirect::to("/verify/phone").into_response());
    }
    let phone = flows::phone_code::page(&step.app, &step.session, step.live_code.as_ref()).await?;
    step.render(
        StatusCode::OK,
        "pages/calling.html",
        &state,
        context! { phone => page::state(&phone) },
    )
}

pub async fn call_state(
    State(app): State<AppState>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    let state = flows::phone_code::call_state(&app, &session).await?;
    Ok(Json(serde_json::json!({ "state": state })).into_response())
}

pub async fn complete_call(
    State(app): State<AppState>,
    GuardedSession(session): GuardedSession,
    jar: CookieJar,
) -> Result<Response, WebError> {
    match flows::phone_code::complete_call(&app, &session).await? {
        Some((token, stage)) => Ok(signed_in(&app, jar, token, stage)),
        None => Ok(Redirect::to("/verify/phone/call").into_response()),
    }
}

/// Cancel on the call-waiting page (posted by its script as the link is followed): the
/// call's challenge ends, so a # pressed later signs nobody in, and the provider hangs up.
pub async fn cancel_call(
    State(app): State<AppState>,
    GuardedSession(session): GuardedSession,
) -> Result<Response, WebError> {
    flows::phone_code::cancel_call(&app, &session, "cancel").await?;
    Ok(Redirect::to("/verify/phone").into_response())
}

/// The form parameters of a webhook, in order.
fn webhook_params(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn twiml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

/// A webhook without a valid signature: audited (with the call's masked number, if the token
/// names a call), and refused before anything else happens.
async fn forged(
    app: &AppState,
    token: &str,
    webhook: &'static str,
    client: &str,
) -> Result<Response, WebError> {
    // Audited (within the client's budget), so not a warning per request: a flood of
    // forgeries must not flood the log either.
    tracing::debug!(
        webhook,
        "refused a provider webhook without a valid signature"
    );
    flows::phone_code::webhook_refused(app, token, webhook, client).await?;
    Ok((StatusCode::FORBIDDEN, "invalid X-Twilio-Signature").into_response())
}

/// Twilio's Gather action: `Digits=#` confirms the call named by the token in the path.
pub async fn voice_key(
    State(app): State<AppState>,
    webhook: GenuineWebhook,
) -> Result<Response, WebError> {
    let pressed = flows::phone_code::key_pressed(&app, &webhook.token, webhook.param("Digits"));
    // Said in the language the call was placed in.
    let language = flows::phone_code::language_of_call(&webhook.token);
    let id = if pressed.await? {
        "phone-call-confirmed"
    } else {
        "phone-call-not-confirmed"
    };
    Ok(twiml(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Response>{}{}</Say></Response>"#,
        crate::delivery::twilio::say_tag(language),
        crate::delivery::twilio::xml_escape(&crate::i18n::say_in(language, id, &[])),
    )))
}

/// Twilio's status callback for the call.
pub async fn voice_status(
    State(app): State<AppState>,
    webhook: GenuineWebhook,
) -> Result<Response, WebError> {
    flows::phone_code::call_status(&app, &webhook.token, webhook.param("CallStatus")).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A provider webhook whose `X-Twilio-Signature` is genuine for its path: the call's token
/// and the form parameters. Any other request is audited as forged and refused (403) before
/// its handler runs, so no webhook handler can forget the check.
pub struct GenuineWebhook {
    token: String,
    params: Vec<(String, String)>,
}

impl GenuineWebhook {
    fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

impl axum::extract::FromRequest<AppState> for GenuineWebhook {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = request.into_parts();
        let path = parts.uri.path().to_string();
        let Ok(Path(token)) = Path::<String>::from_request_parts(&mut parts, app).await else {
            return Err(StatusCode::NOT_FOUND.into_response());
        };
        let Ok(ClientAddress(client)) = ClientAddress::from_request_parts(&mut parts, app).await;
        let headers = parts.headers.clone();
        let request = axum::extract::Request::from_parts(parts, body);
        let body = axum::body::Bytes::from_request(request, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let params = webhook_params(&body);
        let signature = headers
            .get("x-twilio-signature")
            .and_then(|v| v.to_str().ok());
        if flows::phone_code::webhook_is_genuine(app, &path, &params, signature) {
            return Ok(Self { token, params });
        }
        let webhook = if path.ends_with("/status") {
            "call-status"
        } else {
            "key-press"
        };
        Err(match forged(app, &token, webhook, &client).await {
            Ok(response) => response,
            Err(e) => e.into_response(),
        })
    }
}
