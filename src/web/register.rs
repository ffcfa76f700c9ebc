//! Registration (guide: "Create a New Account").

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;

use super::csrf::CsrfToken;
use super::form::Form;
use super::page::{self, Step};
use super::session::{self, CurrentSession};
use super::{AppState, WebError};
use crate::flows;
use crate::flows::registration::{
    LinkProblem, RegistrationForm, RegistrationInput, RegistrationProblem, Resume,
};

/// The emailed link: the token is exchanged for a session at once and the browser is sent
/// on to `/register`, so the token leaves the address bar and never reaches a Referer.
pub async fn open_link(
    State(app): State<AppState>,
    CurrentSession(current): CurrentSession,
    Path(token): Path<String>,
    jar: CookieJar,
) -> Result<Response, WebError> {
    match flows::registration::open_link(&app, &token).await {
        Ok((session_token, resume)) => {
            let jar = jar.add(session::cookie(&app, session_token));
            Ok((jar, Redirect::to(resume_page(resume))).into_response())
        }
        Err(LinkProblem::Used) => {
            // Reopening the link in the browser that opened it (its cookie) carries on where
            // it was; anywhere else the link is spent.
            let resume = match &current {
                Some(s) => flows::registration::resume(&app, s).await?,
                None => None,
            };
            match resume {
                Some(resume) => Ok(Redirect::to(resume_page(resume)).into_response()),
                None => Err(WebError::RegistrationLink(LinkProblem::Used.to_string())),
            }
        }
        Err(LinkProblem::Internal(e)) => Err(e.into()),
        Err(problem) => Err(WebError::RegistrationLink(problem.to_string())),
    }
}

/// After Submit, the guide's next step: sign in with the new password at the chosen method's
/// page (Phone Verification: "Enter the email address and newly created password, then click
/// sign in"), the address filled in. The address travels sealed (OWASP ASVS 5.0 V14.2.1: no
/// personal data in a URL, which proxies log and browsers keep in their history).
fn signing_in_after(app: &AppState, email: &crate::domain::email::Email, method: &str) -> String {
    use crate::domain::factor::FactorKind;
    let (route, notice) = match FactorKind::parse(method) {
        Some(FactorKind::Phone) => ("phone", "registered"),
        Some(FactorKind::Passkey) => ("email", "registered-passkey"),
        Some(FactorKind::App) => ("email", "registered-app"),
        _ => ("email", "registered"),
    };
    let sealed = app
        .sealer
        .seal(crate::sealing::Kind::AddressHint, email.as_str());
    let hint: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("login_hint", &sealed)
        .finish();
    format!("/login/{route}?notice={notice}&{hint}")
}

/// The page a registration takes up at: the form, or the chosen factor's verification.
pub(super) fn resume_page(resume: Resume) -> &'static str {
    match resume {
        Resume::Register => "/register",
        Resume::Factor(kind) => super::gate::factor_path(kind),
    }
}

pub async fn form(step: Step) -> Result<Response, WebError> {
    let form = flows::registration::form(&step.app, &step.session).await?;
    // An invited staff member sets no password: their company's provider signs them in.
    if let Some(routed) = super::staff::routed(&step.app, &step.csrf, &form.email).await? {
        return Ok(routed);
    }
    render(&step.csrf, &form, None, StatusCode::OK)
}

fn render(
    csrf: &CsrfToken,
    form: &RegistrationForm,
    problem: Option<&RegistrationProblem>,
    status: StatusCode,
) -> Result<Response, WebError> {
    page::render(
        status,
        "pages/register.html",
        csrf,
        context! {
            form => minijinja::Value::from(minijinja::value::Serde(form)),
            error => problem.map(ToString::to_string),
            error_fields => problem.map_or(&[][..], fields_of).to_vec(),
            expired => matches!(problem, Some(RegistrationProblem::SessionEnded)),
        },
    )
}

/// The fields (their ids) a problem concerns: both password boxes for a mismatch.
fn fields_of(problem: &RegistrationProblem) -> &'static [&'static str] {
    match problem {
        RegistrationProblem::Password(p) => page::password_fields(p),
        RegistrationProblem::SessionEnded | RegistrationProblem::Internal(_) => &[],
        problem => match problem.field() {
            "display_name" => &["display_name"],
            "email" => &["email"],
            "mfa_method" => &["mfa_method"],
            _ => &[],
        },
    }
}

pub async fn submit(
    step: Step,
    Form(input): Form<RegistrationInput>,
) -> Result<Response, WebError> {
    match flows::registration::complete(&step.app, &step.session, &input).await {
        Ok(email) => Ok(
            Redirect::to(&signing_in_after(&step.app, &email, &input.mfa_method)).into_response(),
        ),
        Err(RegistrationProblem::Internal(e)) => Err(e.into()),
        Err(problem) => {
            // What was typed stays on the page, except the passwords.
            let mut form = flows::registration::form(&step.app, &step.session).await?;
            form.display_name = input.display_name.clone();
            if form.email_editable {
                form.email = input.email.clone();
            }
            form.method = input.mfa_method.clone();
            if matches!(problem, RegistrationProblem::StaffAddress(_))
                && let Some(routed) =
                    super::staff::routed(&step.app, &step.csrf, &form.email).await?
            {
                return Ok(routed);
            }
            render(
                &step.csrf,
                &form,
                Some(&problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
