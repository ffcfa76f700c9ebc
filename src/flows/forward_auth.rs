//! Forward authentication (issue 15): a reverse proxy asks, on every request to the portal it
//! protects, whether the browser is signed in and may use that portal. The answer follows the
//! same access rule as Tessera's own pages (`domain::access`, a signed-in person who accepted
//! the Terms, not disabled or locked, with the factors the organization requires), then the
//! application's: registered at the request's origin, enabled, and for the person's
//! organization.
//!
//! A check reads the session as a page view does, so the portal's activity keeps the session
//! alive (touched at most once a minute) and Sign out or an administrator's disable refuses
//! the very next request. The check is one query (the session's standing, as every page
//! reads it); the registered applications are held in memory (`AppsCache`). Refusals are audited, at most one entry a minute for each
//! person (or client address) and application on each node, and those without a session
//! within the client's audit budget (`flows::audit_budget`), so a busy portal cannot flood
//! the log. The audit entry names the application's origin, never the path (a path may name
//! a patient).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::Internal;
use super::session;
use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::domain::UnixTime;
use crate::domain::access::{Access, Decision, decide};
use crate::domain::forward::{AppOrigin, OriginalRequest, groups};
use crate::store::{RegisteredApp, SessionStanding, StartUrl};

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
    let (account, organization) = match (decision, found) {
        (
            Decision::Allow,
            Some(SessionStanding {
                account: Some(account),
                organization,
                ..
            }),
        ) => (account, organization),
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
    let directory = app.forward_apps.table(app).await?;
    let registered = origin.as_ref().and_then(|o| directory.apps.get(o.as_str()));
    let why = match registered {
        None => "not-registered",
        Some(a) if a.disabled => "application-disabled",
        Some(a) if !a.is_for(account.org_id) => "organization-not-allowed",
        Some(_) => {
            return Ok(Verdict::Allow(Identity {
                user: super::oidc::subject(app, account.id),
                email: account.email.as_str().to_string(),
                name: account.display_name.as_str().to_string(),
                groups: groups(organization.as_deref(), account.role),
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
        app: registered.map(|a| a.name.clone()),
    })
}

/// Where `/login?rd=` may return to: `rd` itself when its origin is an enabled application
/// (`domain::forward::return_address`), read from the node's directory.
pub async fn return_address(app: &App, rd: &str) -> Result<Option<String>, Internal> {
    if rd.is_empty() {
        return Ok(None);
    }
    let directory = app.forward_apps.table(app).await?;
    let enabled = directory
        .apps
        .values()
        .filter(|a| !a.disabled)
        .map(|a| a.origin.as_str());
    Ok(crate::domain::forward::return_address(rd, enabled))
}

/// The name of the application registered at `origin` (the no-access page names it).
pub async fn name_of(app: &App, origin: &AppOrigin) -> Result<Option<String>, Internal> {
    let directory = app.forward_apps.table(app).await?;
    Ok(directory.apps.get(origin.as_str()).map(|a| a.name.clone()))
}

/// The applications people reach through Tessera, read from the database at most every few
/// seconds on each node: every protected request is checked against them, and every home
/// page lists them, while they change rarely. A change made on this node applies at once
/// (`forget`); one made on another node or by the command line within `APPS_TTL`.
#[derive(Debug, Default)]
pub struct AppsCache {
    table: RwLock<Option<(Instant, Arc<Directory>)>>,
}

/// The registered applications by origin, and the OpenID Connect clients with a start URL.
#[derive(Debug, Default)]
pub struct Directory {
    pub apps: HashMap<String, RegisteredApp>,
    pub starts: Vec<StartUrl>,
}

const APPS_TTL: Duration = Duration::from_secs(5);

impl AppsCache {
    pub(crate) async fn table(&self, app: &App) -> Result<Arc<Directory>, Internal> {
        if let Some((at, table)) = &*self.table.read().unwrap_or_else(|e| e.into_inner())
            && at.elapsed() < APPS_TTL
        {
            return Ok(table.clone());
        }
        let apps = app.store.registered_apps().await?;
        let starts = app.store.start_urls().await?;
        let table = Arc::new(Directory {
            apps: apps.into_iter().map(|a| (a.origin.clone(), a)).collect(),
            starts,
        });
        *self.table.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), table.clone()));
        Ok(table)
    }

    /// The next reader reads the applications again (one was just changed here).
    pub fn forget(&self) {
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl RegisteredApp {
    pub(crate) fn is_for(&self, org_id: Option<i64>) -> bool {
        self.org_ids.is_empty() || org_id.is_some_and(|id| self.org_ids.contains(&id))
    }
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
