//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0; issue 13): whenever a
//! signed-in session ends, however it ended (sign-out, time-out, an administrator's end
//! sessions, disable, lock, a password reset), each client it signed into is sent a logout
//! token. The end is found by one sweep over the grants rather than at each place a session
//! can end, so no way of ending one is missed; delivery runs from the database, with
//! retries, on whichever node is free.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::random_token;
use crate::domain::mail_queue::RetrySchedule;
use crate::flows::{Internal, oidc, signing_keys};
use crate::store::{DueLogout, Liveness};

/// How often the sweep looks for ended sessions (a sign-out wakes it at once).
pub const POLL_SECS: u64 = 2;

/// A logout is worth sending for an hour (the application's own session will have timed
/// out by then), first retried after 10 s, doubling to at most 10 minutes.
pub const SCHEDULE: RetrySchedule = RetrySchedule {
    first_delay_secs: 10,
    max_delay_secs: 600,
    max_attempts: 12,
    max_age_secs: 3_600,
};

/// The logout token's lifetime: long enough to cross the network, short enough that a
/// captured one is soon useless (the specification suggests two minutes).
const TOKEN_TTL_SECS: i64 = 120;

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// Runs in `tessera serve` (and the tests' app): sweep, deliver, wait.
pub async fn deliver_continuously(app: Arc<App>) {
    loop {
        if let Err(e) = run_once(&app).await {
            tracing::warn!(error = %e, "back-channel logout: a round failed; trying again shortly");
        }
        tokio::select! {
            _ = app.logout_wakeup.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(POLL_SECS)) => {}
        }
    }
}

/// One round: queue the logouts of sessions that ended, then send those due.
pub async fn run_once(app: &App) -> Result<(), Internal> {
    let now = app.now();
    app.store
        .queue_ended_sessions(Liveness::at(now, &app.config.policy))
        .await?;
    for logout in app.store.claim_due_logouts(now, 50).await? {
        deliver(app, &logout).await?;
    }
    Ok(())
}

async fn deliver(app: &App, logout: &DueLogout) -> Result<(), Internal> {
    let token = logout_token(app, logout).await?;
    let sent = app
        .http
        .post(&logout.uri)
        .form(&[("logout_token", token.as_str())])
        .send()
        .await;
    let now = app.now();
    let failure = match sent {
        Ok(response) if response.status().is_success() => {
            return Ok(app.store.logout_sent(logout.id, now).await?);
        }
        Ok(response) => format!("the application answered {}", response.status()),
        Err(e) => format!("could not reach the application: {e}"),
    };
    tracing::warn!(client = %logout.client_id, error = %failure, "back-channel logout not taken");
    let after = SCHEDULE.after_failure(logout.attempts + 1, logout.created_at, now);
    let who = audit::account(logout.account_id);
    let gave_up = AuditEvent::new("backchannel-logout-failed", "system", who)
        .with("client", logout.client_id.as_str())
        .with("error", failure.as_str());
    app.store
        .logout_not_sent(logout.id, now, &failure, after, gave_up)
        .await?;
    Ok(())
}

/// The logout token (Back-Channel Logout 1.0 §2.4): typed `logout+jwt`, with the event, the
/// session and subject, and no `nonce`, so it can never pass for an ID token.
async fn logout_token(app: &App, logout: &DueLogout) -> Result<String, Internal> {
    let now = app.now();
    let claims = json!({
        "iss": app.config.public_url(),
        "sub": oidc::subject(app, logout.account_id),
        "aud": logout.client_id,
        "iat": now,
        "exp": now + TOKEN_TTL_SECS,
        "jti": random_token()?,
        "sid": logout.sid,
        "events": { EVENT: {} },
    });
    signing_keys::sign_typed(app, logout.alg, "logout+jwt", &claims).await
}
