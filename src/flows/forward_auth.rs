//! Forward authentication (issue 15): a reverse proxy asks, on every request to the portal it
//! protects, whether the browser is signed in and may use that portal. The answer follows the
//! same access rule as Tessera's own pages (`domain::access`, a signed-in person who accepted
//! the Terms, not disabled or locked, with the factors the organization requires), then the
//! application's: registered at the request's origin, enabled, and for the person's
//! organization.
//!
//! A check reads the session as a page view does, so the portal's activity keeps the session
//! alive (touched at most once a minute) and Sign out or an administrator's disable refuses
//! the very next request. Refusals are audited, at most one entry a minute for each
//! person (or client address) and application on each node, and those without a session
//! within the client's audit budget (`flows::audit_budget`), so a busy portal cannot flood
//! the log. The audit entry names the application's origin, never the path (a path may name
//! a patient).

use std::collections::HashMap;
use std::sync::Mutex;

use super::Internal;
use super::session;
use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::domain::UnixTime;
use crate::domain::access::{Access, Decision, decide};
use crate::domain::forward::{AppOrigin, OriginalRequest, groups};

/// What the proxy is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed in and allowed: who it is, for the `Remote-*` headers.
    Allow(Identity),
    /// Nobody is signed in (or a sign-in is not finished): the login page takes over.
    SignedOut,
    /// Signed in, but not for this application (named when it is registered).
    Denied { app: Option<String> },
}

/// The person, as the protected application is told (`Remote-*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The OpenID Connect `sub`: stable, opaque, never the email.
    pub user: String,
    pub email: String,
    pub name: String,
    pub groups: String,
}

pub async fn check(
    app: &App,
    cookie: Option<&str>,
    original: &OriginalRequest,
    client: &str,
) -> Result<Verdict, Internal> {
    let origin = AppOrigin::of(&original.url);
    let origin_text = origin.as_ref().map_or("-", AppOrigin::as_str);
    let found = session::standing(app, cookie).await?;
    let decision = decide(
        Access::SignedIn,
        found.as_ref().map(session::access_standing).as_ref(),
    );
    let account = match (decision, found.and_then(|f| f.account)) {
        (Decision::Allow, Some(account)) => account,
        _ => {
            let event = refusal("anonymous", origin_text, "not-signed-in", original, client);
            if app
                .refusals
                .admit(format!("{client} {origin_text}"), app.now())
            {
                super::audit_budget::record_unauthenticated(app, client, event).await?;
            } else {
                crate::metrics::audit_event(&event);
            }
            return Ok(Verdict::SignedOut);
        }
    };
    let grant = match &origin {
        Some(origin) => app.store.app_grant(origin.as_str(), account.org_id).await?,
        None => None,
    };
    let why = match &grant {
        None => "not-registered",
        Some(g) if g.disabled => "application-disabled",
        Some(g) if !g.allowed => "organization-not-allowed",
        Some(g) => {
            return Ok(Verdict::Allow(Identity {
                user: super::oidc::subject(app, account.id),
                email: account.email.as_str().to_string(),
                name: account.display_name.as_str().to_string(),
                groups: groups(g.organization.as_deref(), account.role),
            }));
        }
    };
    let who = audit::account(account.id);
    let event = refusal(&who, origin_text, why, original, client);
    if app
        .refusals
        .admit(format!("{who} {origin_text}"), app.now())
    {
        app.store.record(app.now(), event).await?;
    } else {
        crate::metrics::audit_event(&event);
    }
    Ok(Verdict::Denied {
        app: grant.map(|g| g.name),
    })
}

fn refusal(
    who: &str,
    origin: &str,
    why: &'static str,
    original: &OriginalRequest,
    client: &str,
) -> AuditEvent {
    AuditEvent::new("forward-auth-refused", who, format!("app:{origin}"))
        .with("reason", why)
        .with("method", original.method.as_str())
        .with("client", client)
}

/// Which refusals are written to the audit log: one a minute per key (a person or client
/// address, and an application) on this node. Every refusal is still answered and counted
/// in `tessera_audit_events_total`.
#[derive(Debug, Default)]
pub struct RefusalSampler {
    last: Mutex<HashMap<String, UnixTime>>,
}

/// Keys remembered at most: past it, old keys are forgotten, and while it is still full (a
/// flood from very many addresses) refusals go unwritten: they are counted, not logged.
const MAX_KEYS: usize = 10_000;
const WINDOW_SECS: i64 = 60;

impl RefusalSampler {
    /// Whether this refusal is written: the first for its key in a minute.
    pub fn admit(&self, key: String, now: UnixTime) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.get(&key).is_some_and(|at| now - at < WINDOW_SECS) {
            return false;
        }
        if last.len() >= MAX_KEYS {
            last.retain(|_, at| now - *at < WINDOW_SECS);
            if last.len() >= MAX_KEYS {
                return false;
            }
        }
        last.insert(key, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_refusal_a_minute_per_key_is_written() {
        let sampler = RefusalSampler::default();
        let at = |s: i64| 1_000 + s;
        assert!(sampler.admit("account:7 https://a".into(), at(0)));
        assert!(!sampler.admit("account:7 https://a".into(), at(59)));
        assert!(sampler.admit("account:8 https://a".into(), at(59)));
        assert!(sampler.admit("account:7 https://a".into(), at(60)));
    }

    #[test]
    fn a_flood_of_keys_is_bounded() {
        let sampler = RefusalSampler::default();
        for i in 0..MAX_KEYS {
            assert!(sampler.admit(format!("client {i}"), 0));
        }
        assert!(!sampler.admit("one more".into(), 1));
        // A minute on, the old keys are forgotten.
        assert!(sampler.admit("one more".into(), 61));
    }
}
