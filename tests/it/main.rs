//! One integration binary (one link step). Every story runs on SQLite and on PostgreSQL
//! (the several-nodes stories, on PostgreSQL only).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod access;
mod account;
mod admin;
mod admin_api_helpers;
mod apache_rp;
mod api;
mod app_factor;
mod audit_budget;
mod audit_viewer;
mod authorization;
mod axe;
mod browser;
mod cli;
mod codes;
mod connections;
mod console;
mod crash;
mod factor_policy;
mod forward_apps;
mod forward_auth;
mod forward_proxies;
mod get_routes;
mod helpers;
mod identity_providers;
mod import;
mod journey_ux;
mod lockout;
mod mail_queue;
mod nodes;
mod oidc;
mod oidc_clients;
mod oidc_flow;
mod oidc_logout;
mod ops;
mod passkeys;
mod phone;
mod recovery;
mod recovery_codes;
mod registration;
mod relying_party;
mod retention;
mod robustness;
mod security;
mod sign_in;
mod snapshot;
mod spanish;
mod spanish_registration;
mod spanish_sign_in;
mod staff_browser;
mod staff_sso;
mod staff_upstream_tessera;
mod twilio_double;
mod upstream_idp;
