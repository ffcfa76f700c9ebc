//! Prometheus metrics through the `metrics` facade and its Prometheus exporter (no push
//! gateway, so no second TLS stack). The recorder is global and installed once per process;
//! tests build many apps in one process, so installing is idempotent and every app renders
//! the same registry.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::Value;

use crate::audit::AuditEvent;

/// Request latency buckets in seconds: sub-millisecond pages up to Argon2-bound sign-ins
/// waiting in the hash queue.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder (once) and returns the handle that renders it.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("tessera_http_request_duration_seconds".into()),
                LATENCY_BUCKETS,
            )
            .unwrap_or_else(|_| unreachable!("the bucket list is not empty"));
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder was installed first (e.g. by an embedding program);
        // the handle then renders an empty registry rather than failing the server.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// The Prometheus text exposition of every metric, with the gauges read at scrape time.
pub fn render(hash_queue_depth: usize) -> String {
    let handle = install();
    metrics::gauge!("tessera_password_hash_queue_depth").set(hash_queue_depth as f64);
    // Histograms are kept as buckets, not summaries, so nothing needs draining between scrapes.
    handle.run_upkeep();
    handle.render()
}

/// One HTTP request answered; `route` is the matched route template (never the raw path,
/// which may carry a registration token).
pub fn http_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let labels = [
        ("method", method.to_string()),
        ("route", route.to_string()),
        ("status", status.to_string()),
    ];
    metrics::counter!("tessera_http_requests_total", &labels).increment(1);
    metrics::histogram!(
        "tessera_http_request_duration_seconds",
        &labels[..2] // by route, not by status, to keep the series few
    )
    .record(elapsed.as_secs_f64());
}

/// One audit entry appended. Counted by event and by its method (the factor of a sign-in,
/// the channel of a code, the reason of a failed password); events not listed get no method
/// label value, which keeps the label set bounded by the code, not by the data.
pub fn audit_event(event: &AuditEvent) {
    let detail = |key: &str| match event.detail.get(key) {
        Some(Value::String(s)) => bounded(s),
        _ => "",
    };
    let method = match event.event {
        "signed-in" | "step-up-passed" => detail("factor"),
        "sign-in-failed" => detail("reason"),
        "code-sent" | "call-placed" | "code-refused" | "code-not-delivered" | "send-refused" => {
            detail("channel")
        }
        _ => "",
    };
    metrics::counter!(
        "tessera_audit_events_total",
        "event" => outcome(event),
        "method" => method
    )
    .increment(1);
    if event.event == "code-not-delivered" {
        let provider = match method {
            "email" => "smtp",
            "sms" | "voice" => "twilio",
            _ => "other",
        };
        metrics::counter!("tessera_delivery_errors_total", "provider" => provider, "channel" => method)
            .increment(1);
    }
}

/// A request without a session past its client's audit budget (`flows::audit_budget`):
/// its entry was not written, unless it was about an existing account.
pub fn audit_budget_exceeded() {
    metrics::counter!("tessera_audit_budget_exceeded_total").increment(1);
}

/// One run of the retention job: `pruned`, `not-holder` (another node holds the lease) or
/// `failed`.
pub fn retention_run(outcome: &'static str) {
    metrics::counter!("tessera_retention_runs_total", "outcome" => outcome).increment(1);
}

/// Queued letters the mail worker sent, put back for a retry, or gave up (`flows::mail_queue`).
pub fn mail_letter(outcome: &'static str) {
    metrics::counter!("tessera_mail_letters_total", "outcome" => outcome).increment(1);
}

/// Rows the retention job deleted from `table`.
pub fn retention_deleted(table: &'static str, rows: u64) {
    metrics::counter!("tessera_retention_deleted_rows_total", "table" => table).increment(rows);
}

/// The name /metrics counts an event under: what the person who asked was shown, never which
/// of two answers that look the same to them was really given (OWASP ASVS 5.0 6.3.8: a
/// stranger must not learn which addresses have accounts, and /metrics may be read by more
/// people than the audit log). The audit log keeps the exact event.
///
/// Every request a stranger can make about an address, and what it records:
/// - Reset and Having trouble: `registration-link-sent` for an eligible account,
///   `registration-link-requested` for anyone else: both counted as requested.
/// - Forgot your password: `password-reset-requested` and `code-sent` either way (whether
///   an account has the address is only in the entries' detail).
/// - Sign-in and Having trouble with a wrong password: `sign-in-failed` either way, and
///   `account-locked` at the same count of failures (the lock-out is kept per address typed).
fn outcome(event: &AuditEvent) -> &'static str {
    match (event.event, event.actor.as_str()) {
        ("registration-link-sent", "anonymous") => "registration-link-requested",
        (name, _) => name,
    }
}

/// Only the known method names become label values.
fn bounded(value: &str) -> &'static str {
    match value {
        "email" => "email",
        "sms" => "sms",
        "voice" => "voice",
        "phone" => "phone",
        "password" => "password",
        "code" => "code",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_metrics_render_counters_and_histograms() {
        install();
        http_request("GET", "/ops-test", 200, Duration::from_millis(3));
        audit_event(&AuditEvent::new("signed-in", "a", "a").with("factor", "email"));
        audit_event(&AuditEvent::new("code-not-delivered", "s", "a").with("channel", "sms"));
        let text = render(3);
        assert!(text.contains(
            r#"tessera_http_requests_total{method="GET",route="/ops-test",status="200"}"#
        ));
        assert!(text.contains("tessera_http_request_duration_seconds_bucket"));
        assert!(text.contains(r#"tessera_audit_events_total{event="signed-in",method="email"}"#));
        assert!(text.contains(r#"tessera_delivery_errors_total{provider="twilio",channel="sms"}"#));
        assert!(text.contains("tessera_password_hash_queue_depth 3"));
    }

    #[test]
    fn a_link_a_stranger_asked_for_counts_as_requested_whoever_has_the_address() {
        let sent = AuditEvent::new("registration-link-sent", "anonymous", "account:7");
        let pretended = AuditEvent::new("registration-link-requested", "anonymous", "n***@x.org");
        assert_eq!(outcome(&sent), outcome(&pretended));
        // An administrator's resend is no stranger's question: counted as what it is.
        let resent = AuditEvent::new("registration-link-sent", "account:1", "account:7");
        assert_eq!(outcome(&resent), "registration-link-sent");
    }
}
