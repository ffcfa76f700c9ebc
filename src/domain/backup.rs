//! What a backup says about itself (its manifest) and what it carries besides the database
//! (the keys, sealed), and the rules a restore checks before it writes anything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The layout of a backup file; a restore refuses formats it does not know.
pub const FORMAT: u32 = 1;

/// The tables whose row counts a manifest records, for the operator to compare.
pub const COUNTED_TABLES: &[&str] = &[
    "organizations",
    "accounts",
    "account_factors",
    "sessions",
    "oidc_clients",
    "audit_log",
];

/// Where the secret key came from, so the restore can say where it goes.
pub const FROM_VARIABLE: &str = "TESSERA_SECRET_KEY";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub tessera_version: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The newest migration applied in the copy.
    pub schema_version: i64,
    /// The audit chain's head in the copy (`SEQ:HASH`), for `tessera audit verify --expect-head`.
    pub audit_head: String,
    /// When the copy was taken (Unix seconds).
    pub made_at: i64,
    pub rows: BTreeMap<String, i64>,
    /// Whether the keys are in the backup, sealed under the operator's passphrase.
    pub keys_included: bool,
    /// Where the secret key was read: a file's path, or `TESSERA_SECRET_KEY`.
    pub secret_key_source: String,
    /// Whether `TESSERA_ENCRYPTION_KEYS` was set (else phone numbers and other sealed values
    /// are under a key derived from the secret key).
    pub encryption_keys_set: bool,
    /// A seal under the audit chain's key of nothing but this backup's time: a restore
    /// checks the key it has against it before it writes anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check: Option<String>,
    /// PostgreSQL: SHA-256 of the `pg_dump` archive the backup carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dump_sha256: Option<String>,
}

/// The keys a backup carries, sealed: none of them is in the database.
#[derive(Clone, Serialize, Deserialize)]
pub struct KeyBundle {
    /// The secret key, base64, as in its file.
    pub secret_key: String,
    /// `TESSERA_ENCRYPTION_KEYS` as it was set, if it was.
    pub encryption_keys: Option<String>,
}

impl std::fmt::Debug for KeyBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyBundle(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestProblem {
    #[error("the backup is in format {0}, which this version of Tessera does not read")]
    Format(u32),
    #[error("the backup is of a {0} database; this restore is for {1}")]
    Backend(String, String),
    #[error(
        "the backup's schema ({found}) is newer than this version of Tessera knows ({known}): restore it with the version that made it ({version}) or a later one"
    )]
    Newer {
        found: i64,
        known: i64,
        version: String,
    },
    #[error(
        "the copy does not match its manifest: {0} (the file was changed or damaged after the backup)"
    )]
    Mismatch(String),
}

impl Manifest {
    /// The checks a restore makes before anything is written: a format and backend it
    /// knows, a schema no newer than this binary's (an older one is migrated when the portal
    /// starts, as an upgrade is).
    pub fn check_restorable(
        &self,
        backend: &str,
        known_schema: i64,
    ) -> Result<(), ManifestProblem> {
        if self.format != FORMAT {
            return Err(ManifestProblem::Format(self.format));
        }
        if self.backend != backend {
            return Err(ManifestProblem::Backend(
                self.backend.clone(),
                backend.to_string(),
            ));
        }
        if self.schema_version > known_schema {
            return Err(ManifestProblem::Newer {
                found: self.schema_version,
                known: known_schema,
                version: self.tessera_version.clone(),
            });
        }
        Ok(())
    }

    /// The copy as read at restore must be what the manifest describes.
    pub fn check_matches(
        &self,
        schema_version: i64,
        audit_head: &str,
        rows: &BTreeMap<String, i64>,
    ) -> Result<(), ManifestProblem> {
        if schema_version != self.schema_version {
            return Err(ManifestProblem::Mismatch(format!(
                "schema {schema_version}, manifest {}",
                self.schema_version
            )));
        }
        if audit_head != self.audit_head {
            return Err(ManifestProblem::Mismatch(format!(
                "audit head {audit_head}, manifest {}",
                self.audit_head
            )));
        }
        if rows != &self.rows {
            return Err(ManifestProblem::Mismatch("row counts differ".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            format: FORMAT,
            tessera_version: "0.1.0".into(),
            backend: "sqlite".into(),
            schema_version: 22,
            audit_head: format!("7:{}", "a".repeat(64)),
            made_at: 0,
            rows: BTreeMap::from([("accounts".to_string(), 3)]),
            keys_included: true,
            secret_key_source: "/var/lib/tessera/tessera.db.key".into(),
            encryption_keys_set: false,
            key_check: None,
            dump_sha256: None,
        }
    }

    #[test]
    fn hipaa_164_308_a_7_a_restore_refuses_what_it_cannot_restore_faithfully() {
        let m = manifest();
        assert_eq!(m.check_restorable("sqlite", 22), Ok(()));
        assert_eq!(
            m.check_restorable("sqlite", 23),
            Ok(()),
            "older: migrated at start"
        );
        assert!(matches!(
            m.check_restorable("sqlite", 21),
            Err(ManifestProblem::Newer { found: 22, .. })
        ));
        assert!(m.check_restorable("postgres", 22).is_err());
        let future = Manifest { format: 2, ..m };
        assert_eq!(
            future.check_restorable("sqlite", 22),
            Err(ManifestProblem::Format(2))
        );
    }

    #[test]
    fn a_copy_that_differs_from_its_manifest_is_named() {
        let m = manifest();
        assert_eq!(m.check_matches(22, &m.audit_head, &m.rows), Ok(()));
        assert!(
            m.check_matches(22, &format!("8:{}", "a".repeat(64)), &m.rows)
                .is_err()
        );
        assert!(
            m.check_matches(22, &m.audit_head, &BTreeMap::new())
                .is_err()
        );
    }
}
