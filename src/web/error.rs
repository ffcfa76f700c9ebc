//! Errors as pages that say what went wrong and what to do next. Internal failures show an
//! operation id the person can quote; the details go to the log only.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::crypto::HashError;
use crate::flows::Internal;

#[derive(Debug)]
pub enum WebError {
    /// A POST without a valid CSRF token: an old page, or a forged request.
    FormExpired,
    TooLarge,
    NotFound,
    /// A problem the person can act on, explained on its own page.
    Message {
        status: StatusCode,
        title: &'static str,
        message: String,
        next_href: &'static str,
        next_label: &'static str,
    },
    /// A registration link that is unknown, expired, used or replaced: the page offers Reset
    /// (guide: "If a registration error message is received … click Reset").
    RegistrationLink(String),
    Internal(Internal),
}

impl WebError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(Internal::Other(e.into()))
    }
}

impl From<Internal> for WebError {
    fn from(e: Internal) -> Self {
        Self::Internal(e)
    }
}

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        super::api::no_such_path()
    } else {
        WebError::NotFound.into_response()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        // Only a registration link's error offers Reset (guide: "Registration Error Message").
        let reset = matches!(self, Self::RegistrationLink(_));
        let (status, title, message, next_href, next_label, operation) = match self {
            Self::FormExpired => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The page you sent was too old, or came from another site. Go back, reload the page, and try again.".to_string(),
                "/login", "Go to the sign-in page", None,
            ),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much data",
                "The form sent more data than any of our forms needs. Go back, check what you typed, and try again.".to_string(),
                "/login", "Go to the sign-in page", None,
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is no page at this address. Check the address, or start again from the sign-in page.".to_string(),
                "/login", "Go to the sign-in page", None,
            ),
            Self::Message { status, title, message, next_href, next_label } => (status, title, message, next_href, next_label, None),
            Self::RegistrationLink(message) => (
                StatusCode::GONE,
                "Registration error",
                format!("{message} Or click Reset to have a new link emailed to you."),
                "/login", "Go to the sign-in page", None,
            ),
            // The password hashing queue is full: a moment's wait, not a failure to report.
            Self::Internal(Internal::Hash(HashError::Busy)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The portal is busy",
                "Too many people are signing in at this moment. Nothing you entered was saved: wait a few seconds, then go back and try again.".to_string(),
                "/login", "Go to the sign-in page", None,
            ),
            // No session is made for a disabled or locked account (`store::sessions::insert`).
            Self::Internal(Internal::Store(crate::store::StoreError::Barred)) => (
                StatusCode::FORBIDDEN,
                "This account is disabled or locked",
                "Your Portal Administrator has disabled or locked this account, so it cannot sign in or reset its password. Contact them to have it turned back on.".to_string(),
                "/login", "Go to the sign-in page", None,
            ),
            Self::Internal(e) => {
                let operation = crate::crypto::random_token().map(|t| t[..12].to_string()).unwrap_or_default();
                tracing::error!(operation = %operation, error = %e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The portal could not finish this step. Nothing you entered was lost: wait a minute and try again. If it keeps happening, tell your Portal Administrator the operation id below.".to_string(),
                    "/login", "Go to the sign-in page", Some(operation),
                )
            }
        };
        let body = crate::templates::render(
            "pages/message.html",
            minijinja::context! { title, message => message.as_str(), next_href, next_label, operation, reset },
        )
        .unwrap_or_else(|_| format!("{title}. {message}"));
        retry_after_when_busy((status, Html(body)).into_response())
    }
}

/// Seconds a browser or client is told to wait when the portal is busy.
const BUSY_RETRY_SECS: &str = "5";

/// A 503 says when to come back (RFC 9110 10.2.3), so clients and proxies can retry.
pub fn retry_after_when_busy(mut response: Response) -> Response {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static(BUSY_RETRY_SECS),
        );
    }
    response
}
