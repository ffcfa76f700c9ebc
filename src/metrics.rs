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
        register_zeros();
        handle
    })
}

/// How often the recorder folds recorded histogram samples into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Folds the histogram samples recorded since the last fold into their buckets, every few
/// seconds while the server runs. The recorder (built with `build_recorder`, which starts no
/// upkeep of its own) keeps every sample until a scrape or an upkeep drains it, so a portal
/// nobody scrapes held eight bytes and more per request for ever: over a 20-second bench
/// item that was megabytes, and it carried the portal past 100 MiB (issue 18).
pub async fn keep_up_periodically() {
    let handle = install();
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        handle.run_upkeep();
    }
}

/// What the scrape reads from the running portal rather than counts as it goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    pub hash_queue_depth: usize,
    /// CPU seconds spent on password hashes since the start.
    pub hash_cpu_seconds: f64,
    pub pool: Option<crate::store::PoolStats>,
    /// Letters waiting to be sent and dead letters; None when the database did not answer
    /// in time (the previous scrape's figures stay).
    pub mail_queue: Option<(i64, i64)>,
}

/// The sign-in methods and results counted from the first scrape (zero until they happen).
const SIGN_INS: &[(&str, &str)] = &[
    ("email", "success"),
    ("sms", "success"),
    ("voice", "success"),
    ("app", "success"),
    ("passkey", "success"),
    ("password", "wrong-password"),
    ("email", "wrong-code"),
    ("sms", "wrong-code"),
    ("app", "wrong-code"),
    ("password", "refused"),
    ("passkey", "refused"),
];

/// Every series a dashboard or an alert may read, at zero, so a rate over them is defined
/// before the first sign-in (issue 18: present from the first scrape).
fn register_zeros() {
    for (method, result) in SIGN_INS {
        metrics::counter!("tessera_sign_ins_total", "method" => *method, "result" => *result)
            .increment(0);
    }
    for channel in ["email", "sms", "voice"] {
        metrics::counter!("tessera_codes_sent_total", "channel" => channel).increment(0);
    }
    for outcome in ["sent", "retrying", "dead"] {
        metrics::counter!("tessera_mail_letters_total", "outcome" => outcome).increment(0);
    }
    for state in ["queued", "dead"] {
        metrics::gauge!("tessera_mail_queue_depth", "state" => state).set(0.0);
    }
}

/// The Prometheus text exposition of every metric, with the gauges read at scrape time.
pub fn render(gauges: Gauges) -> String {
    let handle = install();
    metrics::gauge!("tessera_password_hash_queue_depth").set(gauges.hash_queue_depth as f64);
    // A counter in meaning, read from the hasher at each scrape as process_cpu_seconds_total is.
    metrics::gauge!("tessera_password_hash_cpu_seconds_total").set(gauges.hash_cpu_seconds);
    if let Some(pool) = gauges.pool {
        metrics::gauge!("tessera_db_pool_connections", "state" => "in_use")
            .set(f64::from(pool.size.saturating_sub(pool.idle)));
        metrics::gauge!("tessera_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
        metrics::gauge!("tessera_db_pool_max_connections").set(f64::from(pool.max));
        metrics::gauge!("tessera_db_pool_waiting").set(f64::from(pool.waiting));
    }
    if let Some((queued, dead)) = gauges.mail_queue {
        metrics::gauge!("tessera_mail_queue_depth", "state" => "queued").set(queued as f64);
        metrics::gauge!("tessera_mail_queue_depth", "state" => "dead").set(dead as f64);
    }
    process::record();
    // The samples recorded since the last upkeep, folded into their buckets before rendering.
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
    if let Some((method, result)) = sign_in(event) {
        metrics::counter!("tessera_sign_ins_total", "method" => method, "result" => result)
            .increment(1);
    }
    match event.event {
        "code-sent" => {
            metrics::counter!("tessera_codes_sent_total", "channel" => method).increment(1)
        }
        "call-placed" => {
            metrics::counter!("tessera_codes_sent_total", "channel" => "voice").increment(1)
        }
        _ => {}
    }
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

/// A sign-in's step passed or failed, by its method: the second factor that signed the person
/// in; a wrong password (whether or not the address has an account, which the person was
/// not told either); a wrong code; a refusal (disabled, locked, or a passkey not accepted).
fn sign_in(event: &AuditEvent) -> Option<(&'static str, &'static str)> {
    let detail = |key: &str| match event.detail.get(key) {
        Some(Value::String(s)) => Some(bounded(s)),
        _ => None,
    };
    match event.event {
        "signed-in" => Some((detail("factor").unwrap_or("other"), "success")),
        "code-refused" => Some((detail("channel").unwrap_or("other"), "wrong-code")),
        "sign-in-failed" => match (detail("factor"), detail("reason")) {
            (Some(factor), _) => Some((factor, "refused")),
            (None, Some("password")) => Some(("password", "wrong-password")),
            (None, _) => Some(("password", "refused")),
        },
        _ => None,
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
        "app" => "app",
        "passkey" => "passkey",
        _ => "other",
    }
}

/// The process's own figures, read from Linux's `/proc` at each scrape (the names Prometheus'
/// client libraries use); on other systems they are absent.
mod process {
    /// `getconf CLK_TCK` on every Linux the portal targets.
    const TICKS_PER_SECOND: f64 = 100.0;

    pub fn record() {
        if let Ok(status) = std::fs::read_to_string("/proc/self/status")
            && let Some(kib) = field_kib(&status, "VmRSS:")
        {
            metrics::gauge!("process_resident_memory_bytes").set(kib * 1024.0);
        }
        if let Ok(stat) = std::fs::read_to_string("/proc/self/stat")
            && let Some(seconds) = cpu_seconds(&stat)
        {
            metrics::gauge!("process_cpu_seconds_total").set(seconds);
        }
        if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
            metrics::gauge!("process_open_fds").set(fds.count() as f64);
        }
    }

    fn field_kib(status: &str, name: &str) -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line[name.len()..].split_whitespace().next()?.parse().ok()
    }

    /// utime + stime (fields 14 and 15), counted after the command's closing parenthesis,
    /// which may itself hold spaces.
    pub(super) fn cpu_seconds(stat: &str) -> Option<f64> {
        let after = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        let user: f64 = fields.get(11)?.parse().ok()?;
        let system: f64 = fields.get(12)?.parse().ok()?;
        Some((user + system) / TICKS_PER_SECOND)
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
        let text = render(Gauges {
            hash_queue_depth: 3,
            ..Gauges::default()
        });
        assert!(text.contains(
            r#"tessera_http_requests_total{method="GET",route="/ops-test",status="200"}"#
        ));
        assert!(text.contains("tessera_http_request_duration_seconds_bucket"));
        assert!(text.contains(r#"tessera_audit_events_total{event="signed-in",method="email"}"#));
        assert!(text.contains(r#"tessera_delivery_errors_total{provider="twilio",channel="sms"}"#));
        assert!(text.contains("tessera_password_hash_queue_depth 3"));
    }

    #[test]
    fn every_counted_series_is_there_from_the_first_scrape() {
        install();
        let text = render(Gauges::default());
        for (method, result) in SIGN_INS {
            assert!(
                text.contains(&format!(
                    r#"tessera_sign_ins_total{{method="{method}",result="{result}"}}"#
                )),
                "{method} {result}: {text}"
            );
        }
        for channel in ["email", "sms", "voice"] {
            assert!(text.contains(&format!(
                r#"tessera_codes_sent_total{{channel="{channel}"}}"#
            )));
        }
        assert!(text.contains(r#"tessera_mail_queue_depth{state="queued"}"#));
        assert!(text.contains("process_resident_memory_bytes "), "{text}");
        assert!(text.contains("process_open_fds "));
        assert!(text.contains("process_cpu_seconds_total "));
    }

    #[test]
    fn sign_ins_are_counted_by_method_and_result() {
        let signed_in = AuditEvent::new("signed-in", "a", "a").with("factor", "passkey");
        assert_eq!(sign_in(&signed_in), Some(("passkey", "success")));
        let wrong = AuditEvent::new("sign-in-failed", "anonymous", "x").with("reason", "password");
        assert_eq!(sign_in(&wrong), Some(("password", "wrong-password")));
        let code = AuditEvent::new("code-refused", "a", "a").with("channel", "sms");
        assert_eq!(sign_in(&code), Some(("sms", "wrong-code")));
        let passkey = AuditEvent::new("sign-in-failed", "anonymous", "anonymous")
            .with("factor", "passkey")
            .with("reason", "unknown-passkey");
        assert_eq!(sign_in(&passkey), Some(("passkey", "refused")));
        assert_eq!(sign_in(&AuditEvent::new("signed-out", "a", "a")), None);
    }

    #[test]
    fn cpu_time_is_read_after_the_command_name() {
        let stat = "4242 (tessera (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0";
        assert_eq!(process::cpu_seconds(stat), Some(3.0));
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
