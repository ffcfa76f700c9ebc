//! The OpenID Connect provider's endpoints (issue 13). So far the key set at `jwks_uri`:
//! every ID-token signing key a relying party may meet, public halves only.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::error::WebError;
use crate::flows::signing_keys;

pub fn routes() -> Router<AppState> {
    Router::new().route("/oidc/jwks", get(jwks))
}

async fn jwks(State(app): State<AppState>) -> Result<Response, WebError> {
    let keys = signing_keys::published(&app).await?;
    // Relying parties may cache it briefly; a rotated key is published an hour before it signs.
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(keys)).into_response())
}
