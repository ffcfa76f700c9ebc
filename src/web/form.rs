//! Form bodies: axum's `Form`, with a body it cannot read (a missing content type, a field of
//! the wrong kind) answered by the portal's own error page instead of axum's plain text.

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::WebError;

pub struct Form<T>(pub T);

/// A one-time code typed into a factor's page.
#[derive(serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: String,
}

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => Err(unreadable(&rejection)),
        }
    }
}

fn unreadable(rejection: &FormRejection) -> WebError {
    let status = match rejection {
        FormRejection::InvalidFormContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    // serde names the field and what was wrong with it ("version: invalid digit …"); the
    // page escapes it like any other value.
    let detail = match rejection {
        FormRejection::FailedToDeserializeForm(_)
        | FormRejection::FailedToDeserializeFormBody(_) => {
            let text = rejection.body_text();
            let detail = text
                .strip_prefix("Failed to deserialize form body: ")
                .or_else(|| text.strip_prefix("Failed to deserialize form: "))
                .unwrap_or(&text);
            format!(" ({})", detail.chars().take(200).collect::<String>())
        }
        _ => String::new(),
    };
    WebError::Message {
        status,
        title: crate::i18n::say("form-unreadable-title"),
        message: crate::i18n::say_with("form-unreadable", &[("detail", detail.into())]),
        next_href: "/help",
        next_label: crate::i18n::say("footer-help"),
    }
}
