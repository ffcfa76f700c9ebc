//! The company providers' discovery documents and signing keys (issue 16), as each node's
//! staff sign-ins read them. The document is read at every start of a sign-in: it is one small
//! request, and it finds a provider that is down before the browser is sent to it. The keys
//! are kept for `KEYS_TTL` and read again at once when an ID token is signed by a key they do
//! not list (the provider rotated its keys: OpenID Connect Core 10.1.1); the callback uses the
//! document its start read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};
use openidconnect::{HttpRequest, JsonWebKeySet};

use crate::app::App;

/// How long a provider's keys are trusted before they are read again. Providers publish new
/// keys ahead of using them and rotate rarely; a key not yet seen re-reads at once.
const KEYS_TTL: Duration = Duration::from_secs(60 * 60);

/// By issuer: the document last read, and its keys with when they were read.
#[derive(Debug, Default)]
pub struct DiscoveryCache {
    table: Mutex<HashMap<String, Kept>>,
}

#[derive(Debug, Clone)]
struct Kept {
    metadata: Arc<CoreProviderMetadata>,
    keys_read_at: Instant,
}

/// What a step of the sign-in needs read afresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// The start: the document now; the keys kept, unless old.
    Document,
    /// The callback: what the start read, unless the keys are old.
    Kept,
    /// The keys did not know a token's: the keys now.
    Keys,
}

impl DiscoveryCache {
    /// The issuer's discovery document with its keys, read as `freshness` says.
    pub(crate) async fn metadata(
        &self,
        app: &App,
        issuer: &str,
        freshness: Freshness,
    ) -> Result<Arc<CoreProviderMetadata>, String> {
        let kept = self.lock().get(issuer).cloned();
        let young = kept
            .as_ref()
            .is_some_and(|k| k.keys_read_at.elapsed() < KEYS_TTL);
        if let (Freshness::Kept, true, Some(kept)) = (freshness, young, &kept) {
            return Ok(kept.metadata.clone());
        }
        let document = match (freshness, &kept) {
            (Freshness::Keys, Some(kept)) => (*kept.metadata).clone(),
            _ => read_document(app, issuer)
                .await
                .map_err(|e| e.to_string())?,
        };
        // The kept keys serve while young and published at the same address.
        let (jwks, keys_read_at) = match &kept {
            Some(kept)
                if young
                    && freshness != Freshness::Keys
                    && kept.metadata.jwks_uri() == document.jwks_uri() =>
            {
                (kept.metadata.jwks().clone(), kept.keys_read_at)
            }
            _ => (read_keys(app, &document).await?, Instant::now()),
        };
        let metadata = Arc::new(document.set_jwks(jwks));
        self.lock().insert(
            issuer.to_string(),
            Kept {
                metadata: metadata.clone(),
                keys_read_at,
            },
        );
        Ok(metadata)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Why a discovery document could not serve.
#[derive(Debug)]
pub(crate) enum DocumentProblem {
    /// Not answered, not a success, or not a discovery document: why.
    Unreadable(String),
    /// A document that names another issuer (this one).
    OtherIssuer(String),
}

impl std::fmt::Display for DocumentProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable(why) => write!(f, "{why}"),
            Self::OtherIssuer(named) => write!(f, "it names the issuer {named}"),
        }
    }
}

/// The URL of an issuer's discovery document.
pub(crate) fn document_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// OpenID Connect Discovery 1.0 §4: the document, whose `issuer` must be the issuer exactly
/// (§4.3). Registration (`staff_sso::create`) checks a provider with it too.
pub(crate) async fn read_document(
    app: &App,
    issuer: &str,
) -> Result<CoreProviderMetadata, DocumentProblem> {
    let unreadable = |why: String| DocumentProblem::Unreadable(why);
    let request: HttpRequest = openidconnect::http::Request::builder()
        .uri(document_url(issuer))
        .header(openidconnect::http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| unreadable(e.to_string()))?;
    let response = super::staff_sign_in::send(app.http.clone(), request)
        .await
        .map_err(|e| unreadable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(unreadable(format!("HTTP {}", response.status())));
    }
    let document: CoreProviderMetadata = serde_json::from_slice(response.body())
        .map_err(|e| unreadable(format!("not an OpenID Connect discovery document: {e}")))?;
    if document.issuer().as_str() != issuer {
        return Err(DocumentProblem::OtherIssuer(
            document.issuer().as_str().to_string(),
        ));
    }
    Ok(document)
}

async fn read_keys(
    app: &App,
    document: &CoreProviderMetadata,
) -> Result<CoreJsonWebKeySet, String> {
    let http = super::staff_sign_in::http_client(app);
    JsonWebKeySet::fetch_async(document.jwks_uri(), &http)
        .await
        .map_err(|e| e.to_string())
}
