//! The journeys of the user guide, one module each. A flow takes the `App` (its ports) and
//! the person's input, decides, and returns an outcome; it knows nothing of HTTP or SQL.

pub mod account;
pub mod admin;
pub mod app_factor;
pub mod apps;
pub mod audit_budget;
pub mod audit_log;
pub mod backchannel;
pub mod backup;
pub mod clients;
pub mod email_code;
pub mod forward_auth;
pub mod import;
pub mod invitation;
pub mod language;
pub mod lockout;
pub mod mail_queue;
pub mod oidc;
pub mod passkey;
pub mod phone_code;
pub mod provider_discovery;
pub mod recovery;
pub mod recovery_codes;
pub mod registration;
pub mod retention;
pub mod rollout;
pub mod session;
pub mod sign_in;
pub mod signing_keys;
pub mod staff_sign_in;
pub mod staff_sso;
pub mod step_up;
pub mod terms;

use crate::crypto::HashError;
use crate::store::StoreError;

/// A failure the person cannot fix: shown with an operation id, logged in full.
#[derive(Debug, thiserror::Error)]
pub enum Internal {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("{0}")]
    Other(#[from] anyhow::Error),
}

/// "in 30 seconds", "in 10 minutes", "in 2 days": how long something still works.
pub fn human_duration(secs: i64) -> String {
    human_duration_in(crate::i18n::current(), secs)
}

/// A span of time in words of `language`.
pub fn human_duration_in(language: crate::i18n::Language, secs: i64) -> String {
    let (id, n) = match secs {
        s if s < 120 => ("duration-seconds", s.max(0)),
        s if s < 2 * 3600 => ("duration-minutes", s / 60),
        s if s < 2 * 86_400 => ("duration-hours", s / 3600),
        s => ("duration-days", s / 86_400),
    };
    crate::i18n::say_in(language, id, &[("n", n.into())])
}

/// A Unix time as `2026-11-29 21:40 UTC`.
pub fn human_time(at: crate::domain::UnixTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(30), "30 seconds");
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(600), "10 minutes");
        assert_eq!(human_duration(48 * 3600), "2 days");
        assert_eq!(human_time(0), "1970-01-01 00:00 UTC");
    }
}
