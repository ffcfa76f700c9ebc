//! The audit trail: every security event, appended to a hash chain. Each entry's hash is an
//! HMAC under a key kept outside the database, covering its content and the hash before it,
//! so `tessera audit verify` finds any entry that was altered, removed or inserted, even by
//! someone who could write the database and recompute plain hashes. Entries cut from the end
//! are found against a head recorded earlier outside the database (`--expect-head`), such as
//! the one the server writes to its log.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::crypto::{Keys, Purpose};
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
    "app-created",
    "app-deleted",
    "app-disabled",
    "app-enabled",
    "audit-chain-sealed",
    "backchannel-logout-failed",
    "backup-made",
    "backup-restored",
    "call-cancelled",
    "call-ended",
    "call-key-pressed",
    "call-key-refused",
    "call-placed",
    "call-webhook-forged",
    "call-webhook-ignored",
    "client-authentication-failed",
    "client-created",
    "client-deleted",
    "client-disabled",
    "client-enabled",
    "client-secret-rotated",
    "client-sign-in",
    "client-uris-changed",
    "code-not-delivered",
    "code-refused",
    "code-sent",
    "email-changed",
    "factor-added",
    "factor-policy-changed",
    "factor-refused",
    "factor-removed",
    "factor-renamed",
    "first-administrator-link-issued",
    "forward-auth-refused",
    "idp-changed",
    "idp-created",
    "idp-disabled",
    "idp-enabled",
    "invitation-revoked",
    "invitation-withdrawn",
    "keys-rotated",
    "mail-dead-lettered",
    "mail-discarded",
    "mail-retried",
    "mfa-method-changed",
    "mfa-reset",
    "organization-created",
    "passkey-refused",
    "password-accepted",
    "password-changed",
    "password-rehashed",
    "password-reset-requested",
    "password-set",
    "phone-changed",
    "reauthentication-failed",
    "records-pruned",
    "recovery-codes-generated",
    "registration-link-opened",
    "registration-link-requested",
    "registration-link-sent",
    "role-changed",
    "rollout-deadline-removed",
    "rollout-deadline-set",
    "rollout-reminder-sent",
    "send-refused",
    "session-ended",
    "sessions-ended",
    "sign-in-failed",
    "sign-in-refused",
    "signed-in",
    "signed-out",
    "signing-key-created",
    "staff-account-created",
    "staff-sign-in-refused",
    "step-up-passed",
    "terms-accepted",
    "terms-published",
    "token-reuse-detected",
    "token-revoked",
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

/// The key entries are sealed with: HMAC-SHA-256 under a key derived from the server's secret
/// key, which is kept outside the database. Someone who can write the database but does not
/// hold the key can change an entry but cannot compute the hashes that would hide it.
#[derive(Clone)]
pub struct ChainKey {
    key: [u8; 32],
}

impl ChainKey {
    pub fn derive(keys: &Keys) -> Self {
        let mut key = [0u8; 32];
        key.copy_from_slice(&keys.hash(Purpose::AuditChain, b"audit-chain")[..32]);
        Self { key }
    }

    /// HMAC-SHA-256 over an unambiguous encoding (a JSON array) of the entry and the hash
    /// before it (the record's own `hash` is not part of it).
    pub fn hash_record(&self, r: &AuditRecord) -> String {
        self.mac(&encode_record(r))
    }

    fn mac(&self, encoded: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(encoded.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(<redacted>)")
    }
}

fn encode_record(r: &AuditRecord) -> String {
    json!([
        r.prev_hash,
        r.seq,
        r.at,
        r.event,
        r.actor,
        r.subject,
        r.detail
    ])
    .to_string()
}

/// How entries were hashed before they were keyed (plain SHA-256, which anyone can recompute).
/// Used only to check an older database's chain once, before it is sealed under the key
/// (`Store::seal_legacy_audit_chain`).
pub fn legacy_hash(r: &AuditRecord) -> String {
    hex::encode(Sha256::digest(encode_record(r).as_bytes()))
}

/// The chain's last entry, as `SEQ:HASH`: what the server writes to its log and `tessera audit
/// verify` prints, for an operator to keep outside the database and check later
/// (`--expect-head`). The hash is keyed, so only the server can make a head that matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

impl std::fmt::Display for ChainHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for ChainHead {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a head: expected SEQ:HASH, as verify prints it");
        let (seq, hash) = text.trim().split_once(':').ok_or_else(bad)?;
        let seq = seq.parse().map_err(|_| bad())?;
        let hash = hash.to_ascii_lowercase();
        if seq < 0 || hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Self { seq, hash })
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ChainProblem {
    /// The entry's own hash does not match its content (under the server's key).
    Altered { seq: i64 },
    /// The entry does not follow the one before it (one removed, inserted or reordered).
    Broken { seq: i64 },
    /// The chain's head records more entries than there are.
    Truncated { expected_last: i64, found_last: i64 },
    /// The head row's hash is not the last entry's.
    HeadMismatch { seq: i64 },
    /// A head recorded earlier (`--expect-head`) is past the chain's end.
    RecordedHeadMissing { seq: i64, found_last: i64 },
    /// The entry a head recorded earlier names has another hash now.
    RecordedHeadDiffers { seq: i64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Altered { seq } => write!(
                f,
                "entry {seq} was altered: its hash does not match its content under the server's key"
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
            Self::HeadMismatch { seq } => {
                write!(f, "the chain's head does not match its last entry, {seq}")
            }
            Self::RecordedHeadMissing { seq, found_last } => write!(
                f,
                "entry {seq}, recorded earlier as the head, is missing: the log ends at entry {found_last}, so later entries were removed"
            ),
            Self::RecordedHeadDiffers { seq } => write!(
                f,
                "entry {seq} does not have the hash recorded earlier as the head: the entries up to it were rewritten or re-sealed"
            ),
        }
    }
}

/// Checks entries one at a time, in order of `seq`, so a long log is read in pages.
pub struct ChainVerifier<'a> {
    key: &'a ChainKey,
    expect: Option<&'a ChainHead>,
    prev: String,
    next_seq: i64,
}

impl<'a> ChainVerifier<'a> {
    /// `expect`: a head recorded earlier, whose entry must still be there with that hash.
    pub fn new(key: &'a ChainKey, expect: Option<&'a ChainHead>) -> Self {
        Self {
            key,
            expect,
            prev: GENESIS.to_string(),
            next_seq: 1,
        }
    }

    pub fn check(&mut self, r: &AuditRecord) -> Result<(), ChainProblem> {
        if r.seq != self.next_seq || r.prev_hash != self.prev {
            return Err(ChainProblem::Broken { seq: r.seq });
        }
        if self.key.hash_record(r) != r.hash {
            return Err(ChainProblem::Altered { seq: r.seq });
        }
        if let Some(expect) = self.expect
            && expect.seq == r.seq
            && expect.hash != r.hash
        {
            return Err(ChainProblem::RecordedHeadDiffers { seq: r.seq });
        }
        self.prev.clone_from(&r.hash);
        self.next_seq += 1;
        Ok(())
    }

    /// After the last entry: the count of entries checked, if they end where `head` says.
    pub fn finish(self, head: &ChainHead) -> Result<usize, ChainProblem> {
        let found_last = self.next_seq - 1;
        if found_last != head.seq {
            return Err(ChainProblem::Truncated {
                expected_last: head.seq,
                found_last,
            });
        }
        if self.prev != head.hash {
            return Err(ChainProblem::HeadMismatch { seq: found_last });
        }
        if let Some(expect) = self.expect {
            if expect.seq > found_last {
                return Err(ChainProblem::RecordedHeadMissing {
                    seq: expect.seq,
                    found_last,
                });
            }
            if expect.seq == 0 && expect.hash != GENESIS {
                return Err(ChainProblem::RecordedHeadDiffers { seq: 0 });
            }
        }
        usize::try_from(found_last).map_err(|_| ChainProblem::Broken { seq: found_last })
    }
}

/// Checks a whole chain held in memory against its head (see `ChainVerifier`).
pub fn verify_chain(
    key: &ChainKey,
    records: &[AuditRecord],
    head: &ChainHead,
    expect: Option<&ChainHead>,
) -> Result<usize, ChainProblem> {
    let mut verifier = ChainVerifier::new(key, expect);
    for r in records {
        verifier.check(r)?;
    }
    verifier.finish(head)
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

    fn key(byte: u8) -> ChainKey {
        ChainKey::derive(&Keys::from_bytes(&[byte; 32]).unwrap())
    }

    fn chain(key: &ChainKey, n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    at: 100 + seq,
                    event: "sign-in".into(),
                    actor: "account:1".into(),
                    subject: "account:1".into(),
                    detail: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = key.hash_record(&r);
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn head_of(records: &[AuditRecord]) -> ChainHead {
        records.last().map_or_else(
            || ChainHead {
                seq: 0,
                hash: GENESIS.into(),
            },
            |r| ChainHead {
                seq: r.seq,
                hash: r.hash.clone(),
            },
        )
    }

    #[test]
    fn an_intact_chain_verifies() {
        let k = key(1);
        let records = chain(&k, 5);
        assert_eq!(verify_chain(&k, &records, &head_of(&records), None), Ok(5));
        assert_eq!(verify_chain(&k, &[], &head_of(&[]), None), Ok(0));
    }

    #[test]
    fn an_altered_entry_is_named() {
        let k = key(1);
        let mut records = chain(&k, 5);
        let head = head_of(&records);
        records[2].detail = "{\"ip\":\"forged\"}".into();
        assert_eq!(
            verify_chain(&k, &records, &head, None),
            Err(ChainProblem::Altered { seq: 3 })
        );
    }

    /// ASVS 16.4.2: a chain sealed under another key (or rebuilt with plain SHA-256, as
    /// entries were before they were keyed) fails at its first entry.
    #[test]
    fn a_chain_sealed_under_another_key_or_unkeyed_fails() {
        let records = chain(&key(2), 3);
        assert_eq!(
            verify_chain(&key(1), &records, &head_of(&records), None),
            Err(ChainProblem::Altered { seq: 1 })
        );
        let mut prev = GENESIS.to_string();
        let unkeyed: Vec<_> = chain(&key(1), 3)
            .into_iter()
            .map(|mut r| {
                r.prev_hash = prev.clone();
                r.hash = legacy_hash(&r);
                prev = r.hash.clone();
                r
            })
            .collect();
        assert_eq!(
            verify_chain(&key(1), &unkeyed, &head_of(&unkeyed), None),
            Err(ChainProblem::Altered { seq: 1 })
        );
    }

    #[test]
    fn a_removed_entry_breaks_the_chain_and_a_cut_tail_is_seen() {
        let k = key(1);
        let mut records = chain(&k, 5);
        let head = head_of(&records);
        records.remove(1);
        assert_eq!(
            verify_chain(&k, &records, &head, None),
            Err(ChainProblem::Broken { seq: 3 })
        );
        let records = chain(&k, 5);
        assert_eq!(
            verify_chain(&k, &records[..4], &head, None),
            Err(ChainProblem::Truncated {
                expected_last: 5,
                found_last: 4
            })
        );
        let mut moved = head.clone();
        moved.hash = records[3].hash.clone();
        assert_eq!(
            verify_chain(&k, &records, &moved, None),
            Err(ChainProblem::HeadMismatch { seq: 5 })
        );
    }

    /// ASVS 16.4.3: a cut tail with the head row fixed is consistent in itself; only a head
    /// recorded earlier shows it.
    #[test]
    fn a_recorded_head_catches_a_cut_tail_and_a_rewrite() {
        let k = key(1);
        let records = chain(&k, 5);
        let recorded = head_of(&records);
        let cut = &records[..3];
        assert_eq!(verify_chain(&k, cut, &head_of(cut), None), Ok(3));
        assert_eq!(
            verify_chain(&k, cut, &head_of(cut), Some(&recorded)),
            Err(ChainProblem::RecordedHeadMissing {
                seq: 5,
                found_last: 3
            })
        );
        let earlier = head_of(&records[..2]);
        assert_eq!(verify_chain(&k, &records, &recorded, Some(&earlier)), Ok(5));
        let other = chain(&key(2), 2);
        assert_eq!(
            verify_chain(&k, &records, &recorded, Some(&head_of(&other))),
            Err(ChainProblem::RecordedHeadDiffers { seq: 2 })
        );
    }

    #[test]
    fn heads_read_back_as_printed() {
        let head = head_of(&chain(&key(1), 2));
        assert_eq!(head.to_string().parse::<ChainHead>(), Ok(head.clone()));
        assert_eq!(
            format!("0:{GENESIS}").parse::<ChainHead>().map(|h| h.seq),
            Ok(0)
        );
        for bad in [
            "",
            "12",
            "x:ab",
            "-1:00",
            "3:abc",
            &format!("3:{}", "g".repeat(64)),
        ] {
            assert!(bad.parse::<ChainHead>().is_err(), "{bad}");
        }
    }
}
