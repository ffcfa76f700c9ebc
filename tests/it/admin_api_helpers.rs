//! Calling the administration API (`/api/v1/…`) as the stories about applications, clients
//! and staff sign-in providers do: with a bearer token, or as a signed-in browser (its
//! cookie and the page's CSRF token in `X-CSRF-Token`, as `web::api::ApiAdmin` asks), and
//! reading the audit entries an administrative action leaves.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{Browser, TestApp};

/// An id no stored row has.
pub const MISSING: i64 = 987_654;

/// Calls the API as a browser's session (cookie and CSRF header) or with a bearer token.
pub struct Api {
    http: reqwest::Client,
    base: String,
    csrf: Option<String>,
    bearer: Option<String>,
    /// Texts no answer may hold (a secret the API takes and never gives back).
    never_shown: Vec<String>,
}

impl Api {
    pub async fn session(browser: &Browser) -> Self {
        Self {
            http: browser.http.clone(),
            base: browser.base.clone(),
            csrf: Some(browser.csrf().await),
            bearer: None,
            never_shown: Vec::new(),
        }
    }

    pub fn token(app: &TestApp, token: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: app.url.clone(),
            csrf: None,
            bearer: Some(token.to_string()),
            never_shown: Vec::new(),
        }
    }

    /// Every answer is checked not to hold `text` (the call panics when one does).
    pub fn never_showing(mut self, text: &str) -> Self {
        self.never_shown.push(text.to_string());
        self
    }

    /// The status and the JSON answer (Null for none; a String when it is not JSON).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(csrf) = &self.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        for secret in &self.never_shown {
            assert!(!text.contains(secret), "{path}: {secret:?} in {text}");
        }
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }
}

pub async fn account_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("SELECT id FROM accounts WHERE email = '{email}'"))
        .await
}

/// The audit entries (event, actor) about `subject` (`app:ORIGIN`, `client:ID`,
/// `idp:NAME`), oldest first.
pub async fn audit_about(app: &TestApp, subject: &str) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = app
        .app
        .store
        .recent_audit(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, _, s, _)| s == subject)
        .map(|(event, actor, _, _)| (event, actor))
        .collect();
    entries.reverse();
    entries
}

/// Each event of `events`, in order, done by `actor`.
pub fn each_by(actor: &str, events: &[&str]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| (e.to_string(), actor.to_string()))
        .collect()
}
