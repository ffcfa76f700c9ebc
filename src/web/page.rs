//! Rendering a page with what every page needs (the CSRF token for its forms).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Value;

use super::WebError;
use super::csrf::CsrfToken;
use crate::flows::Internal;

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
