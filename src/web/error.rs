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
        title: String,
        message: String,
        next_href: &'static str,
        next_label: String,
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
        // In the page's language; a `Message` comes worded by the page that reports it.
        let said = crate::i18n::say;
        let mut retry_after = BUSY_RETRY_SECS;
        let to_sign_in = || said("error-page-to-sign-in");
        let (status, title, message, next_href, next_label, operation) = match self {
            Self::FormExpired => (
                StatusCode::FORBIDDEN,
                said("error-page-form-expired-title"),
                said("error-page-form-expired"),
                "/login",
                to_sign_in(),
                None,
            ),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                said("error-page-too-large-title"),
                said("error-page-too-large"),
                "/login",
                to_sign_in(),
                None,
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                said("error-page-not-found-title"),
                said("error-page-not-found"),
                "/login",
                to_sign_in(),
                None,
            ),
            Self::Message {
                status,
                title,
                message,
                next_href,
                next_label,
            } => (status, title, message, next_href, next_label, None),
            Self::RegistrationLink(message) => (
                StatusCode::GONE,
                said("error-page-registration-title"),
                crate::i18n::say_with("error-page-registration", &[("problem", message.into())]),
                "/login",
                to_sign_in(),
                None,
            ),
            // The password hashing queue is full: a moment's wait, not a failure to report.
            Self::Internal(Internal::Hash(HashError::Busy)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                said("error-page-busy-title"),
                said("error-page-busy"),
                "/login",
                to_sign_in(),
                None,
            ),
            // No session is made for a disabled or locked account (`store::sessions::insert`).
            Self::Internal(Internal::Store(crate::store::StoreError::Barred)) => (
                StatusCode::FORBIDDEN,
                said("error-page-barred-title"),
                said("error-page-barred"),
                "/login",
                to_sign_in(),
                None,
            ),
            // The database did not answer or is busy: nothing was written (the transaction
            // rolled back or never began), so the person is told to try again in a minute.
            Self::Internal(e) if is_database_unavailable(&e) => {
                retry_after = UNAVAILABLE_RETRY_SECS;
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    said("error-page-unavailable-title"),
                    said("error-page-unavailable"),
                    "/login",
                    to_sign_in(),
                    Some(log_unavailable(&e)),
                )
            }
            Self::Internal(e) => {
                let operation = operation_id();
                tracing::error!(operation = %operation, error = %e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    said("error-page-internal-title"),
                    said("error-page-internal"),
                    "/login",
                    to_sign_in(),
                    Some(operation),
                )
            }
        };
        let body = crate::templates::render(
            "pages/message.html",
            minijinja::context! { title => title.as_str(), message => message.as_str(), next_href, next_label, operation, reset },
        )
        .unwrap_or_else(|_| format!("{title}. {message}"));
        let mut response = (status, Html(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(retry_after),
            );
        }
        response
    }
}

/// Seconds a person or client is told to wait when the database is not answering or busy.
pub const UNAVAILABLE_RETRY_SECS: &str = "30";

/// True when `e` is the database not answering or busy (`StoreError::Unavailable`), however
/// the flow wrapped it.
pub fn is_database_unavailable(e: &Internal) -> bool {
    match e {
        Internal::Store(store) => store.is_unavailable(),
        Internal::Other(other) => other.chain().any(|cause| {
            cause
                .downcast_ref::<crate::store::StoreError>()
                .is_some_and(crate::store::StoreError::is_unavailable)
        }),
        _ => false,
    }
}

/// The id a person or an application quotes to find a failure in the log.
pub fn operation_id() -> String {
    crate::crypto::random_token()
        .map(|t| t[..12].to_string())
        .unwrap_or_default()
}

/// Logs a database outage met by a request with an operation id the person can quote (no
/// audit entry: the database is away), and returns the id.
pub fn log_unavailable(e: &Internal) -> String {
    let operation = operation_id();
    tracing::warn!(operation = %operation, error = %e, "the database is not answering or is busy");
    operation
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
