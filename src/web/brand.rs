//! The operator's brand on every page: the middleware that renders each request with it, its
//! logo, and the stylesheet that colours the header with it.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

pub const LOGO_PATH: &str = "/brand/logo";
pub const STYLESHEET_PATH: &str = "/static/brand.css";

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(LOGO_PATH, get(logo))
        .route(STYLESHEET_PATH, get(stylesheet))
}

/// The middleware: what the request renders bears the brand.
pub async fn present(State(app): State<AppState>, request: Request, next: Next) -> Response {
    crate::templates::branded(app.brand.clone(), next.run(request)).await
}

async fn logo(State(app): State<AppState>) -> Response {
    match &app.brand.logo {
        Some(logo) => (
            [
                (header::CONTENT_TYPE, logo.content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            logo.bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The brand's colour for the header, as a stylesheet of its own: the pages' policy allows
/// no inline style. The colour was checked at start (`#rrggbb`, 4.5:1 under white text).
async fn stylesheet(State(app): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        format!(":root {{ --brand: {}; }}\n", app.brand.color),
    )
        .into_response()
}
