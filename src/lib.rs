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
pub mod legacy;
pub mod logging;
pub mod metrics;
pub mod sealing;
pub mod store;
pub mod templates;
pub mod web;
