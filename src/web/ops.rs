//! Operations endpoints: `/healthz` (the process answers), `/readyz` (the database answers
//! and its schema is current) and `/metrics` (Prometheus text). The `track` middleware counts
//! and times every request and gives it a request id. The reverse proxy should not forward
//! `/metrics` from the internet (see deploy/README.md).

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tracing::Instrument;

use super::AppState;

const REQUEST_ID: &str = "x-request-id";

pub fn routes() -> Router<AppState> {
    // Before the first request is counted: counts made with no recorder are lost.
    crate::metrics::install();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// How long the readiness probe waits for the database: a load balancer's probe must read
/// 503 (issue 19: within 2 s), not time out, when the database does not answer.
const READY_WITHIN: Duration = Duration::from_millis(1500);

async fn readyz(State(app): State<AppState>) -> Response {
    let probe = async {
        if !app.store.ping().await {
            return ("unreachable", "unknown".to_string(), false);
        }
        match app.store.migrations_current().await {
            Ok(state) => ("ok", state.to_string(), state.serves()),
            Err(e) => ("ok", format!("unknown: {e}"), false),
        }
    };
    let (database, migrations, current) = tokio::time::timeout(READY_WITHIN, probe)
        .await
        .unwrap_or_else(|_| ("not answering", "unknown".to_string(), false));
    let ready = current;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "database": database,
        "migrations": migrations,
    });
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(app): State<AppState>) -> Response {
    // A database that does not answer leaves the mail queue's last figures: the scrape
    // itself answers at once, as /readyz does.
    let mail_queue = tokio::time::timeout(Duration::from_secs(1), app.store.mail_queue_depth())
        .await
        .ok()
        .and_then(Result::ok);
    let gauges = crate::metrics::Gauges {
        hash_queue_depth: app.hasher.queue_depth(),
        hash_cpu_seconds: app.hasher.cpu_seconds(),
        pool: Some(app.store.pool_stats()),
        mail_queue,
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::render(gauges),
    )
        .into_response()
}

/// Counts and times the request by its route template and status, and gives it a request id:
/// the proxy's `x-request-id` when it sent a sane one, else a fresh one. The id is on the
/// response and on every log line written while the request runs.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    // The template (`/register/{token}`), never the path itself, which may carry a secret.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane_id(v))
        .map_or_else(new_request_id, str::to_string);
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    });
    crate::metrics::http_request(&method, &route, status, elapsed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Up to 64 characters a log line can carry without escaping or confusion.
fn is_sane_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// 16 hex digits from the OS generator; unique enough to find a request's lines.
fn new_request_id() -> String {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => hex::encode(bytes),
        Err(_) => "unavailable".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_request_ids_are_checked() {
        assert!(is_sane_id("abc-123_x.y"));
        assert!(!is_sane_id(""));
        assert!(!is_sane_id("a b"));
        assert!(!is_sane_id("a\"b"));
        assert!(!is_sane_id(&"a".repeat(65)));
        assert_eq!(new_request_id().len(), 16);
    }
}
