//! Rendering a page with what every page needs (the CSRF token for its forms), and the page
//! again when a flow reports a problem.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::Value;

use super::csrf::CsrfToken;
use super::gate::Admitted;
use super::status::{Problem, Triage};
use super::{AppState, WebError};
use crate::flows::Internal;
use crate::store::Session;

/// A page of a session's journey, with what it works with: the app, the session the gate
/// admitted (`GuardedSession`), and the CSRF token for its forms.
pub struct Step {
    pub app: AppState,
    pub csrf: CsrfToken,
    pub session: Session,
    /// The session's account as the gate read it with the session (none for a recovery of
    /// an unknown address): the flows take it rather than read it again (issue 18).
    pub account: Option<crate::domain::account::Account>,
    /// The code the session waits for, as the gate read it with the session.
    pub live_code: Option<crate::store::LiveCode>,
    /// At a second step: every factor the person may pass it with (`other_ways.html`).
    pub ways: Vec<Way>,
}

/// A way to pass the second step, as its pages offer it: the factor's name and page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Way {
    pub label: &'static str,
    pub href: &'static str,
    /// The offer of this way on another way's page ("Use email instead"), in the page's
    /// language.
    pub offer: String,
}

/// "Use … instead" for a factor, in the request's language.
fn offer_of(kind: crate::domain::factor::FactorKind) -> String {
    use crate::domain::factor::FactorKind;
    crate::i18n::say(match kind {
        FactorKind::Email => "other-ways-use-email",
        FactorKind::Phone => "other-ways-use-phone",
        FactorKind::App => "other-ways-use-app",
        FactorKind::Passkey => "other-ways-use-passkey",
    })
}

/// The factors the access rule lets this session pass its second step with, the one asked
/// for first at the top (the guide's registered factor).
fn ways_of(standing: &crate::store::SessionStanding) -> Vec<Way> {
    use crate::domain::access::{Access, Decision, Place, decide, place_of};
    use crate::domain::factor::FactorKind;
    let access = crate::flows::session::access_standing(standing);
    if !standing.session.stage.awaits_code() {
        return Vec::new();
    }
    let first = match place_of(&access) {
        Some(Place::Factor(kind)) => Some(kind),
        _ => None,
    };
    let usable = FactorKind::ALL
        .iter()
        .copied()
        .filter(|kind| decide(Access::Factor(*kind), Some(&access)) == Decision::Allow);
    first
        .into_iter()
        .chain(usable.filter(|kind| Some(*kind) != first))
        .map(|kind| Way {
            label: kind.label(),
            href: super::gate::factor_path(kind),
            offer: offer_of(kind),
        })
        .collect()
}

impl Step {
    /// The same page with the session as it is now: a problem may have changed it (a
    /// withdrawn code), or ended it (then as it was).
    pub async fn reread(self) -> Result<Self, WebError> {
        let session = super::session::reread(&self.app, &self.session).await?;
        let live_code = crate::flows::session::live_code(&self.app, &session).await?;
        Ok(Self {
            session,
            live_code,
            ..self
        })
    }

    /// This step's page: the flow's `state` (`state.…`) and what else the page shows.
    pub fn render(
        &self,
        status: StatusCode,
        template: &str,
        flow_state: &impl serde::Serialize,
        more: Value,
    ) -> Result<Response, WebError> {
        let context = minijinja::context! { state => state(flow_state), other_ways => state(&self.ways), ..more };
        render(status, template, &self.csrf, context)
    }
}

impl FromRequestParts<AppState> for Step {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, WebError> {
        let Admitted(standing) = Admitted::from_request_parts(parts, app).await?;
        let ways = ways_of(&standing);
        let (session, account, live_code) =
            (standing.session, standing.account, standing.live_code);
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .ok_or_else(|| {
                WebError::internal(anyhow::anyhow!("a page outside the CSRF middleware"))
            })?;
        Ok(Self {
            app: app.clone(),
            csrf,
            session,
            account,
            live_code,
            ways,
        })
    }
}

pub fn render(
    status: StatusCode,
    template: &str,
    csrf: &CsrfToken,
    context: Value,
) -> Result<Response, WebError> {
    let context = minijinja::context! { csrf_token => csrf.0.as_str(), ..context };
    let body = crate::templates::render(template, context).map_err(Internal::from)?;
    // Every busy page says when to come back.
    Ok(super::error::retry_after_when_busy(
        (status, Html(body)).into_response(),
    ))
}

pub fn ok(template: &str, csrf: &CsrfToken, context: Value) -> Result<Response, WebError> {
    render(StatusCode::OK, template, csrf, context)
}

/// The fields (their ids) a problem shown with `status` concerns, for the error summary
/// (`pages/error_summary.html`): the form's `fields` when it is about what was typed (422, or
/// 401 for a wrong password); none when it asks to wait or refuses (429, 403, 502).
pub fn fields_in_error(status: StatusCode, fields: &[&'static str]) -> Vec<&'static str> {
    if matches!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNAUTHORIZED
    ) {
        fields.to_vec()
    } else {
        Vec::new()
    }
}

/// The boxes a password problem concerns: both for a mismatch, else the new password's.
pub fn password_fields(
    problem: &crate::domain::password::PasswordProblem,
) -> &'static [&'static str] {
    match problem {
        crate::domain::password::PasswordProblem::Mismatch => {
            &["password", "password_confirmation"]
        }
        _ => &["password"],
    }
}

/// A flow's state for a template (`state.…`).
pub fn state(state: &impl serde::Serialize) -> Value {
    Value::from(minijinja::value::Serde(state))
}

/// A step that sends something and stays on its journey: on to `next` when it went; else
/// the page again (`again`) or on to `ended` (see `on_problem`).
pub async fn next_or_again<P: Problem>(
    step: Step,
    result: Result<(), P>,
    next: &str,
    ended: &'static str,
    again: impl AsyncFnOnce(Step, String, StatusCode) -> Result<Response, WebError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(Redirect::to(next).into_response()),
        Err(problem) => on_problem(problem, ended, async |e, s| again(step, e, s).await).await,
    }
}

/// A flow's problem on its page: the page again (`again`, given the problem's text and
/// status) when the person can act on it; on to `ended` when the session is gone; the error
/// page for a failure of ours.
pub async fn on_problem<P: Problem>(
    problem: P,
    ended: &'static str,
    again: impl AsyncFnOnce(String, StatusCode) -> Result<Response, WebError>,
) -> Result<Response, WebError> {
    match problem.triage() {
        Triage::SessionEnded => Ok(Redirect::to(ended).into_response()),
        Triage::Internal(e) => Err(e.into()),
        Triage::Shown(problem) => again(problem.to_string(), problem.status()).await,
    }
}
