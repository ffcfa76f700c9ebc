//! Tessera: a self-hosted multi-factor sign-in portal. See ARCHITECTURE.md for the map.

pub mod app;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod domain;
pub mod flows;
pub mod i18n;
pub mod legacy;
pub mod logging;
pub mod metrics;
pub mod passphrase;
pub mod sealing;
pub mod signing;
pub mod store;
pub mod templates;
pub mod web;

/// Property tests run a modest number of cases by default so the whole suite stays quick;
/// `PROPTEST_CASES=100000 cargo nextest run proptest` runs them longer.
#[cfg(test)]
pub(crate) fn proptest_config(default_cases: u32) -> proptest::prelude::ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    proptest::prelude::ProptestConfig {
        cases,
        // No regression files in the source tree: a failure prints its minimal input.
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    }
}
