//! Requests without a session must not be able to fill the audit log (review issue 11,
//! finding 12: 2,000 forged webhooks once made 2,000 entries in 4 s; OWASP ASVS 5.0 2.4.1,
//! no overuse of costly resources). Each client has a budget of entries an hour for such
//! requests (policy `unauthenticated_audit_entries_per_hour_per_client`), held in the
//! database so nodes share it. Past it, entries about nobody known are not written: they
//! are still counted in `tessera_audit_events_total`, the request in
//! `tessera_audit_budget_exceeded_total`, and the client is logged once an hour.
//!
//! Which requests without a session write audit entries, and what bounds them:
//! - forged provider webhooks (`phone_code::webhook_refused`): this budget;
//! - failed sign-ins: for an address with no account, this budget; for an existing account
//!   always written, as is `account-locked`: they are security events about a real person,
//!   already bounded by the lock-out per address (10 failures, then locks that double) and
//!   by the Argon2id hashing queue each try waits in. Known and unknown addresses charge the
//!   budget alike, so /metrics and the work done do not tell them apart (ASVS 6.3.8);
//! - Forgot your password, Reset and Having trouble (its wrong passwords included), for any
//!   address: the recovery request limits per client and hour
//!   (`recovery_requests_per_hour_per_client`, each journey), which refuse the request
//!   before anything is written.

use crate::app::App;
use crate::audit::AuditEvent;
use crate::crypto::Purpose;
use crate::store::{Claim, StoreError};

const WINDOW_SECS: i64 = 3600;

/// Writes `event`, asked for by a request without a session from `client`, if the client's
/// budget for this hour allows; returns whether it was written.
pub async fn record_unauthenticated(
    app: &App,
    client: &str,
    event: AuditEvent,
) -> Result<bool, StoreError> {
    if within_budget(app, client, &event).await? {
        app.store.record(app.now(), event).await?;
        return Ok(true);
    }
    crate::metrics::audit_event(&event);
    Ok(false)
}

/// Writes a refused password's audit entries (its tries were counted when they were
/// claimed): always for an existing account (`known`), else within the client's budget.
pub async fn password_refused(
    app: &App,
    client: &str,
    claims: &[Claim],
    known: bool,
    event: AuditEvent,
) -> Result<(), StoreError> {
    if within_budget(app, client, &event).await? || known {
        return app.store.password_refused(claims, app.now(), event).await;
    }
    crate::metrics::audit_event(&event);
    if claims.iter().any(|c| c.locked_until.is_some()) {
        crate::metrics::audit_event(&AuditEvent {
            event: "account-locked",
            ..event
        });
    }
    Ok(())
}

/// Charges one entry to the client's budget for this hour; false once it is used up.
async fn within_budget(app: &App, client: &str, event: &AuditEvent) -> Result<bool, StoreError> {
    let window = app.now().div_euclid(WINDOW_SECS);
    let key = app.keys.hash(
        Purpose::Throttle,
        format!("audit-budget:client:{client}").as_bytes(),
    );
    let count = app.store.charge_audit_budget(&key, window).await?;
    let budget = app
        .config
        .policy
        .unauthenticated_audit_entries_per_hour_per_client;
    if count <= budget {
        return Ok(true);
    }
    crate::metrics::audit_budget_exceeded();
    if count == budget + 1 {
        tracing::warn!(
            client,
            budget,
            until = (window + 1) * WINDOW_SECS,
            event = event.event,
            "this client used up the audit budget for requests without a session: until the hour ends, entries about nobody known are counted in /metrics, not written"
        );
    }
    Ok(false)
}
