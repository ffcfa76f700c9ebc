//! The audit trail: every security event, appended to a hash chain. Each entry's hash
//! covers its content and the hash before it, so `tessera audit verify` finds any entry
//! that was altered, removed or inserted.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::UnixTime;

/// Every event the code records: the audit viewer's filter offers these, and a name outside
/// the list matches nothing there. `AuditEvent::new` checks (in debug builds, so in every
/// test) that an event is listed, and a test reads the sources for the literal ones.
pub const EVENTS: &[&str] = &[
    "account-disabled",
    "account-enabled",
    "account-invited",
    "account-locked",
    "account-locked-by-admin",
    "account-unlocked",
    "accounts-imported",
    "accounts-invited-in-bulk",
    "api-token-issued",
    "api-token-revoked",
    "call-ended",
    "call-key-pressed",
    "call-key-refused",
    "call-placed",
    "call-webhook-forged",
    "call-webhook-ignored",
    "code-not-delivered",
    "code-refused",
    "code-sent",
    "email-changed",
    "factor-policy-changed",
    "first-administrator-link-issued",
    "invitation-revoked",
    "invitation-withdrawn",
    "keys-rotated",
    "mfa-method-changed",
    "mfa-reset",
    "organization-created",
    "password-accepted",
    "password-changed",
    "password-rehashed",
    "password-reset-requested",
    "password-set",
    "phone-changed",
    "reauthentication-failed",
    "registration-link-opened",
    "registration-link-requested",
    "registration-link-sent",
    "role-changed",
    "send-refused",
    "session-ended",
    "sessions-ended",
    "sign-in-failed",
    "sign-in-refused",
    "signed-in",
    "signed-out",
    "step-up-passed",
    "terms-accepted",
    "terms-published",
];

/// An event as the flows describe it. `actor` is who did it (`account:7`, `cli`,
/// `anonymous`), `subject` whom it concerns; `detail` never holds a secret, and
/// destinations in it are masked.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub event: &'static str,
    pub actor: String,
    pub subject: String,
    pub detail: Value,
}

impl AuditEvent {
    pub fn new(event: &'static str, actor: impl Into<String>, subject: impl Into<String>) -> Self {
        debug_assert!(
            EVENTS.contains(&event),
            "audit event {event:?} is missing from audit::EVENTS"
        );
        Self {
            event,
            actor: actor.into(),
            subject: subject.into(),
            detail: json!({}),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        if let Value::Object(map) = &mut self.detail {
            map.insert(key.to_string(), value.into());
        }
        self
    }
}

pub fn account(id: i64) -> String {
    format!("account:{id}")
}

/// An entry as stored.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: UnixTime,
    pub event: String,
    pub actor: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 over an unambiguous encoding (a JSON array) of the entry and the hash before it.
pub fn chain_hash(
    prev_hash: &str,
    seq: i64,
    at: UnixTime,
    event: &str,
    actor: &str,
    subject: &str,
    detail: &str,
) -> String {
    let encoded = json!([prev_hash, seq, at, event, actor, subject, detail]).to_string();
    hex::encode(Sha256::digest(encoded.as_bytes()))
}

#[derive(Debug, PartialEq, Eq)]
pub enum ChainProblem {
    /// The entry's own hash does not match its content.
    Altered { seq: i64 },
    /// The entry does not follow the one before it (one removed, inserted or reordered).
    Broken { seq: i64 },
    /// The chain's head records more entries than there are.
    Truncated { expected_last: i64, found_last: i64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Altered { seq } => write!(
                f,
                "entry {seq} was altered: its hash does not match its content"
            ),
            Self::Broken { seq } => write!(
                f,
                "the chain breaks at entry {seq}: an entry before it was removed, inserted or changed"
            ),
            Self::Truncated {
                expected_last,
                found_last,
            } => write!(
                f,
                "entries after {found_last} were removed (the chain's head records {expected_last})"
            ),
        }
    }
}

/// Checks the entries in order of `seq`, against the head's last sequence number.
pub fn verify_chain(records: &[AuditRecord], head_seq: i64) -> Result<usize, ChainProblem> {
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    for r in records {
        if r.seq != expected_seq || r.prev_hash != prev {
            return Err(ChainProblem::Broken { seq: r.seq });
        }
        let computed = chain_hash(
            &r.prev_hash,
            r.seq,
            r.at,
            &r.event,
            &r.actor,
            &r.subject,
            &r.detail,
        );
        if computed != r.hash {
            return Err(ChainProblem::Altered { seq: r.seq });
        }
        prev = r.hash.clone();
        expected_seq += 1;
    }
    let found_last = expected_seq - 1;
    if found_last != head_seq {
        return Err(ChainProblem::Truncated {
            expected_last: head_seq,
            found_last,
        });
    }
    Ok(records.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every literal event name given to `AuditEvent::new` in the sources is listed, so the
    /// viewer can filter by it (names passed through a variable are caught by the
    /// `debug_assert` in `new` whenever a test records them).
    #[test]
    fn every_recorded_event_is_listed_for_the_viewer() {
        fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut texts = Vec::new();
        sources(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut texts,
        );
        let mut found = 0;
        for text in &texts {
            // Spelled in two halves so this test's own text is not a call.
            for call in text.split(concat!("AuditEvent", "::new(")).skip(1) {
                let call = call.trim_start();
                let Some(literal) = call.strip_prefix('"') else {
                    continue;
                };
                let name = &literal[..literal.find('"').unwrap()];
                assert!(EVENTS.contains(&name), "{name} is not in audit::EVENTS");
                found += 1;
            }
        }
        assert!(
            found > 40,
            "only {found} events found: is the scan still reading the calls?"
        );
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let hash = chain_hash(
                    &prev,
                    seq,
                    100 + seq,
                    "sign-in",
                    "account:1",
                    "account:1",
                    "{}",
                );
                let r = AuditRecord {
                    seq,
                    at: 100 + seq,
                    event: "sign-in".into(),
                    actor: "account:1".into(),
                    subject: "account:1".into(),
                    detail: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                r
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5), 5), Ok(5));
        assert_eq!(verify_chain(&[], 0), Ok(0));
    }

    #[test]
    fn an_altered_entry_is_named() {
        let mut records = chain(5);
        records[2].detail = "{\"ip\":\"forged\"}".into();
        assert_eq!(
            verify_chain(&records, 5),
            Err(ChainProblem::Altered { seq: 3 })
        );
    }

    #[test]
    fn a_removed_entry_breaks_the_chain_and_a_cut_tail_is_seen() {
        let mut records = chain(5);
        records.remove(1);
        assert_eq!(
            verify_chain(&records, 5),
            Err(ChainProblem::Broken { seq: 3 })
        );
        let records = chain(5);
        assert_eq!(
            verify_chain(&records[..4], 5),
            Err(ChainProblem::Truncated {
                expected_last: 5,
                found_last: 4
            })
        );
    }
}
