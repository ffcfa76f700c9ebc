//! Recovery codes: **Use a recovery code** at a second step (`/verify/recovery-code`), and
//! making a set from Your account (`/account/recovery-codes`), which asks for the factor
//! again first when it is not fresh.
//!
//! The ten codes are shown once, in the answer to the POST that made them, and never kept in
//! the clear anywhere (only their keyed hashes): no page can show them again, so a later GET
//! has nothing to leak. Their download is a `data:` URL in that same answer (`<a download>`):
//! the CSP governs what a page loads and runs, not what its links save, so it needs no route,
//! no script and no copy of the codes waiting on the server. Reloading the answer asks the
//! browser to post again, which makes a new set (the password is asked for again).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use minijinja::context;
use serde::Deserialize;

use super::client::ClientAddress;
use super::form::{CodeForm, Form};
use super::page::{self, Step};
use super::step_up::{NOT_SIGNED_IN, again_then};
use super::{WebError, session};
use crate::flows;
use crate::flows::account::ChangeProblem;

/// The second-factor page where a recovery code stands in for the factor.
pub const VERIFY_PATH: &str = "/verify/recovery-code";
/// Makes a new set, from Your account.
pub const GENERATE_PATH: &str = "/account/recovery-codes";

/// Without a second-step session (timed out, signed out): back to sign in, saying why.
const TIMED_OUT: &str = "/login?notice=timed-out";
/// Where Your account sends a person who must pass the factor again first.
const ACCOUNT: &str = "/account";

pub async fn page(step: Step) -> Result<Response, WebError> {
    code_page(&step, None, StatusCode::OK)
}

fn code_page(step: &Step, error: Option<String>, status: StatusCode) -> Result<Response, WebError> {
    step.render(
        status,
        "pages/verify_recovery_code.html",
        &(),
        context! { error },
    )
}

pub async fn check(
    step: Step,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    match flows::recovery_codes::use_code(&step.app, &step.session, &form.code).await {
        Ok((token, stage)) => {
            let to = session::after_factor(stage, "/verify/done");
            Ok(session::go_on(&step.app, jar, token, to))
        }
        Err(problem) => {
            page::on_problem(problem, TIMED_OUT, async |error, status| {
                code_page(&step.reread().await?, Some(error), status)
            })
            .await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct GenerateForm {
    #[serde(default)]
    password: String,
}

pub async fn generate(
    step: Step,
    ClientAddress(client): ClientAddress,
    Form(form): Form<GenerateForm>,
) -> Result<Response, WebError> {
    let made =
        flows::recovery_codes::generate(&step.app, &step.session, &form.password, &client).await;
    match made {
        Ok(codes) => step.render(
            StatusCode::OK,
            "pages/recovery_codes.html",
            &(),
            context! { codes => &codes, download => download_href(&codes) },
        ),
        Err(ChangeProblem::NotFresh) => Ok(Redirect::to(&again_then(ACCOUNT)).into_response()),
        Err(problem) => {
            page::on_problem(problem, NOT_SIGNED_IN, async |error, status| {
                // Your account again, saying what went wrong at its top.
                let state =
                    flows::account::page(&step.app, &step.session, step.live_code.as_ref()).await?;
                step.render(status, "pages/account.html", &state, context! { error })
            })
            .await
        }
    }
}

/// The codes as a text file, in a `data:` URL for the page's download link.
fn download_href(codes: &[String]) -> String {
    let mut text = format!(
        "{}\r\n{}\r\n\r\n",
        crate::i18n::say("recovery-codes-file-title"),
        crate::i18n::say("recovery-codes-file-intro")
    );
    for code in codes {
        text.push_str(code);
        text.push_str("\r\n");
    }
    let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
    // URL-encoded form writes spaces as '+', which a data: URL would keep as '+'.
    format!(
        "data:text/plain;charset=utf-8,{}",
        encoded.replace('+', "%20")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_download_holds_every_code_and_nothing_to_run() {
        let codes = vec![
            "abcd-efgh-jkmn-pqrs".to_string(),
            "0123-4567-89ab-cdef".to_string(),
        ];
        let href = download_href(&codes);
        assert!(href.starts_with("data:text/plain;charset=utf-8,"));
        for code in &codes {
            assert!(href.contains(code.as_str()), "{href}");
        }
        assert!(!href.contains(' ') && !href.contains('+') && !href.contains('<'));
        assert!(href.contains("%0D%0A"));
    }
}
