//! The company providers' discovery documents with their signing keys (issue 16), kept on each
//! node: a staff sign-in reads them twice (its start and its callback), and a provider serves
//! them from far away. They are read again after `DISCOVERY_TTL`, and at once when an ID token
//! is signed by a key they do not list (the provider rotated its keys: OpenID Connect Core
//! 10.1.1 tells relying parties to re-read the JWKS then).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openidconnect::IssuerUrl;
use openidconnect::core::CoreProviderMetadata;

use crate::app::App;

/// How long a discovery document and its keys are trusted before they are read again.
/// Providers rotate keys rarely and announce new ones ahead; an unknown key re-reads at once.
const DISCOVERY_TTL: Duration = Duration::from_secs(60 * 60);

/// The documents by issuer, with when they were read.
#[derive(Debug, Default)]
pub struct DiscoveryCache {
    table: Mutex<HashMap<String, (Instant, Arc<CoreProviderMetadata>)>>,
}

/// Whether a cached document may serve, or must be read again (its keys did not know a token's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Cached,
    ReadAgain,
}

impl DiscoveryCache {
    /// The issuer's discovery document and keys: the cached ones while young enough, unless
    /// `ReadAgain`; else read now (and kept only when read whole).
    pub(crate) async fn metadata(
        &self,
        app: &App,
        issuer: &str,
        freshness: Freshness,
    ) -> Result<Arc<CoreProviderMetadata>, String> {
        if freshness == Freshness::Cached
            && let Some((at, metadata)) = self.lock().get(issuer)
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(metadata.clone());
        }
        let url = IssuerUrl::new(issuer.to_string()).map_err(|e| e.to_string())?;
        let http = super::staff_sign_in::http_client(app);
        let metadata = Arc::new(
            CoreProviderMetadata::discover_async(url, &http)
                .await
                .map_err(|e| e.to_string())?,
        );
        self.lock()
            .insert(issuer.to_string(), (Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Arc<CoreProviderMetadata>)>> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }
}
