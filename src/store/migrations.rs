//! The embedded migrations of both backends, each declared an expand or a contract step
//! (issue 19), and the rule that says whether a binary may run on a database that another
//! release migrated. `Store::migrate` runs them through sqlx; what is decided here is free of
//! SQL, so the rule is tested without a database.

use super::Backend;

/// What a migration does to the releases that do not carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Only adds (a new table, a nullable or defaulted column, an index): a binary that does
    /// not carry it keeps working beside it.
    Expand,
    /// Drops, renames or tightens what older releases use: binaries carrying less than
    /// migration `needs` (the release that stopped using it) must not run once it is applied.
    /// Apply it only when no such node serves.
    Contract { needs: i64 },
}

use Change::{Contract, Expand};

/// One embedded migration.
#[derive(Debug)]
pub struct Step {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
    pub change: Change,
}

/// Lists each migration once, embedded for both backends (by hand rather than with
/// `sqlx::migrate!`, which would pull in sqlx's macro crate and a second build of both
/// drivers for this one use). Names are kept as first released: sqlx records them.
macro_rules! migrations {
    ($(($version:literal, $file:literal, $name:literal, $change:expr)),+ $(,)?) => {
        /// The embedded migrations of `backend`, in order.
        pub fn steps(backend: Backend) -> &'static [Step] {
            match backend {
                Backend::Sqlite => &[$(Step {
                    version: $version,
                    name: $name,
                    sql: include_str!(concat!("../../migrations/sqlite/", $file, ".sql")),
                    change: $change,
                }),+],
                Backend::Postgres => &[$(Step {
                    version: $version,
                    name: $name,
                    sql: include_str!(concat!("../../migrations/postgres/", $file, ".sql")),
                    change: $change,
                }),+],
            }
        }

        /// The file name (without `.sql`) of each migration, in order: the guard test reads
        /// the files themselves.
        #[cfg(test)]
        pub(crate) const FILES: &[(i64, &str)] = &[$(($version, $file)),+];
    };
}

migrations![
    (1, "0001_foundation", "foundation", Expand),
    (2, "0002_phone", "phone", Expand),
    (3, "0003_administration", "administration", Expand),
    (4, "0004_api_tokens", "api_tokens", Expand),
    (5, "0005_factor_policy", "factor_policy", Expand),
    (6, "0006_step_up", "step_up", Expand),
    (7, "0007_send_cool_downs", "send_cool_downs", Expand),
    (8, "0008_retention", "retention", Expand),
    (9, "0009_mail_queue", "mail_queue", Expand),
    // Drops the organizations' factor columns and accounts.phone_e164.
    (10, "0010_factors", "factors", Contract { needs: 10 }),
    // Letters' bodies may be NULL (a binary before it cannot read them); SQLite rebuilds the table.
    (11, "0011_mail_links", "mail_links", Contract { needs: 11 }),
    (12, "0012_signing_keys", "signing_keys", Expand),
    (13, "0013_clients", "clients", Expand),
    (14, "0014_oidc_grants", "oidc_grants", Expand),
    (15, "0015_backchannel_logout", "backchannel_logout", Expand),
    (16, "0016_reverified", "reverified", Expand),
    (17, "0017_stronger_factors", "stronger factors", Expand),
    (18, "0018_forward_apps", "forward apps", Expand),
    (19, "0019_identity_providers", "identity providers", Expand),
    (20, "0020_portal_settings", "portal settings", Expand),
    (21, "0021_account_language", "account language", Expand),
    (22, "0022_letter_language", "letter language", Expand),
    (
        23,
        "0023_schema_compatibility",
        "schema compatibility",
        Expand
    ),
    (24, "0024_rollout_deadlines", "rollout deadlines", Expand),
    // A trigger: the audit entry's insert moves the head (an older binary's own update agrees).
    (25, "0025_audit_head_trigger", "audit head trigger", Expand),
    // The insert moves the head's seq too, so an append that knows the head is one statement.
    (
        26,
        "0026_audit_head_follows_insert",
        "audit head follows insert",
        Expand
    ),
];

/// The newest migration this binary carries.
pub fn latest(backend: Backend) -> i64 {
    steps(backend).iter().map(|s| s.version).max().unwrap_or(0)
}

/// What the database records of the contract steps applied to it (`schema_compatibility`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Floor {
    /// The oldest migration a binary must carry to run on the database.
    pub needs_version: i64,
    /// The contract step that set it.
    pub contract_version: i64,
    pub contract_name: String,
}

/// What a database's migration records hold.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The versions applied successfully.
    pub versions: Vec<i64>,
    /// The first version recorded as failed, if any.
    pub failed: Option<i64>,
    pub floor: Floor,
}

impl Applied {
    pub fn version(&self) -> i64 {
        self.versions.iter().copied().max().unwrap_or(0)
    }
}

/// Whether this binary may run on the database, and what migrating would do.
#[derive(Debug)]
pub enum Verdict {
    /// Nothing applied yet: migrating creates the schema (no node can be running on it).
    Empty,
    UpToDate {
        version: i64,
    },
    /// Migrations this binary carries that the database lacks.
    Pending {
        version: i64,
        pending: Vec<&'static Step>,
    },
    /// A newer release migrated it, with expand steps only since what this binary carries.
    Newer {
        version: i64,
    },
    /// A newer release applied a contract step that this binary is too old for.
    Incompatible {
        version: i64,
        floor: Floor,
    },
    /// A migration failed half-way: it needs an operator before anything runs.
    Failed {
        version: i64,
    },
}

/// The exit codes of `tessera migrate --check`, for a rollout script to branch on.
pub mod exit {
    pub const UP_TO_DATE: u8 = 0;
    pub const CANNOT_CHECK: u8 = 1;
    pub const EXPAND_PENDING: u8 = 10;
    pub const CONTRACT_PENDING: u8 = 11;
    pub const NEWER_COMPATIBLE: u8 = 12;
    pub const NEWER_INCOMPATIBLE: u8 = 13;
    pub const FAILED: u8 = 14;
}

impl Verdict {
    pub fn of(backend: Backend, applied: &Applied) -> Self {
        let carried = latest(backend);
        if let Some(version) = applied.failed {
            return Self::Failed { version };
        }
        let version = applied.version();
        if applied.floor.needs_version > carried {
            return Self::Incompatible {
                version,
                floor: applied.floor.clone(),
            };
        }
        if applied.versions.is_empty() {
            return Self::Empty;
        }
        let pending: Vec<&'static Step> = steps(backend)
            .iter()
            .filter(|s| !applied.versions.contains(&s.version))
            .collect();
        if !pending.is_empty() {
            Self::Pending { version, pending }
        } else if version > carried {
            Self::Newer { version }
        } else {
            Self::UpToDate { version }
        }
    }

    /// True when this binary may start on the database (after migrating what is pending).
    pub fn may_run(&self) -> bool {
        !matches!(self, Self::Incompatible { .. } | Self::Failed { .. })
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::UpToDate { .. } => exit::UP_TO_DATE,
            // No node runs on an empty database: nothing to break.
            Self::Empty => exit::EXPAND_PENDING,
            Self::Pending { pending, .. } if pending.iter().any(|s| s.is_contract()) => {
                exit::CONTRACT_PENDING
            }
            Self::Pending { .. } => exit::EXPAND_PENDING,
            Self::Newer { .. } => exit::NEWER_COMPATIBLE,
            Self::Incompatible { .. } => exit::NEWER_INCOMPATIBLE,
            Self::Failed { .. } => exit::FAILED,
        }
    }

    /// What an operator reads: the state and what to do next.
    pub fn advice(&self, backend: Backend) -> String {
        let carried = latest(backend);
        match self {
            Self::Empty => "The database is empty: `tessera migrate` (or the first `tessera serve`) creates the schema.".into(),
            Self::UpToDate { .. } => "Up to date: nothing to migrate.".into(),
            Self::Pending { pending, .. } => match pending.iter().find(|s| s.is_contract()) {
                Some(step) => format!(
                    "A contract step is pending (migration {} {}): stop every node older than this release first (binaries carrying less than migration {}), then run `tessera migrate`.",
                    step.version,
                    step.name,
                    step.needs()
                ),
                None => "Expand steps only: safe to run `tessera migrate` (or start this release) while older nodes serve.".into(),
            },
            Self::Newer { version } => format!(
                "The database is newer than this binary (version {version}; this binary carries up to {carried}) but compatible: this binary may run on it."
            ),
            Self::Incompatible { version, floor } => incompatible(*version, carried, floor),
            Self::Failed { version } => format!(
                "Migration {version} failed part-way: nothing will run until it is repaired (see docs/operations.md, \"Upgrades\")."
            ),
        }
    }
}

/// Why a binary refuses a database a contract step moved past it.
pub fn incompatible(version: i64, carried: i64, floor: &Floor) -> String {
    format!(
        "The database (version {version}) needs a Tessera release that carries migration {} or later: migration {} ({}) removed or changed what this binary, which carries migrations up to {carried}, relies on. Run a newer release.",
        floor.needs_version, floor.contract_version, floor.contract_name
    )
}

impl Step {
    pub fn is_contract(&self) -> bool {
        matches!(self.change, Contract { .. })
    }

    /// The oldest migration a binary must carry once this step is applied (0: any).
    pub fn needs(&self) -> i64 {
        match self.change {
            Contract { needs } => needs,
            Expand => 0,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.change {
            Contract { .. } => "contract",
            Expand => "expand",
        }
    }
}

/// The floor the applied contract steps among `steps` set: the one with the highest `needs`.
pub fn floor_of<'a>(applied: impl IntoIterator<Item = &'a Step>) -> Floor {
    applied
        .into_iter()
        .filter(|s| s.is_contract())
        .max_by_key(|s| (s.needs(), s.version))
        .map(|s| Floor {
            needs_version: s.needs(),
            contract_version: s.version,
            contract_name: s.name.to_string(),
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(versions: std::ops::RangeInclusive<i64>, needs: i64) -> Applied {
        Applied {
            versions: versions.collect(),
            failed: None,
            floor: Floor {
                needs_version: needs,
                contract_version: needs,
                contract_name: "drop something".into(),
            },
        }
    }

    #[test]
    fn every_migration_file_is_embedded_for_both_backends() {
        for (backend, dir) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            let path = format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
            let files = std::fs::read_dir(path).unwrap().count();
            assert_eq!(steps(backend).len(), files, "{dir}");
        }
    }

    /// The guard of issue 19: a migration that drops, renames or tightens anything (a NOT
    /// NULL column without a default, a type change) breaks the release before it, so it must
    /// be declared a contract step; read from the files both backends run.
    #[test]
    fn every_migration_that_drops_renames_or_tightens_is_declared_contract() {
        for dir in ["sqlite", "postgres"] {
            for (version, file) in FILES {
                let path = format!("{}/migrations/{dir}/{file}.sql", env!("CARGO_MANIFEST_DIR"));
                let sql = std::fs::read_to_string(&path).unwrap();
                let breaking = breaking_statements(&sql);
                let step = steps(Backend::Sqlite)
                    .iter()
                    .find(|s| s.version == *version)
                    .unwrap();
                assert!(
                    breaking.is_empty() || step.is_contract(),
                    "{path} is declared expand but {breaking:?}: declare it Contract {{ needs: … }} in src/store/migrations.rs"
                );
                if let Contract { needs } = step.change {
                    assert!(
                        (1..=*version).contains(&needs),
                        "{file}: a contract step needs a version up to its own"
                    );
                }
            }
        }
    }

    #[test]
    fn the_guard_finds_drops_renames_and_tightening() {
        for sql in [
            "ALTER TABLE a DROP COLUMN b;",
            "drop index a_b;",
            "ALTER TABLE a RENAME COLUMN b TO c;",
            "ALTER TABLE a_new RENAME TO a;",
            "ALTER TABLE a ADD COLUMN b TEXT NOT NULL;",
            "ALTER TABLE a ADD b BIGINT\n  NOT NULL;",
            "ALTER TABLE a ALTER COLUMN b SET NOT NULL;",
            "ALTER TABLE a ALTER COLUMN b TYPE BIGINT;",
            "ALTER TABLE a ADD CONSTRAINT a_b CHECK (b > 0);",
        ] {
            assert!(!breaking_statements(sql).is_empty(), "{sql}");
        }
        for sql in [
            "-- we never DROP anything here\nCREATE TABLE a (b TEXT NOT NULL);",
            "ALTER TABLE a ADD COLUMN b TEXT NOT NULL DEFAULT '';",
            "ALTER TABLE a ADD COLUMN b TEXT;",
            "CREATE INDEX a_b ON a (b);",
            "UPDATE a SET dropped_at = 1;",
            "ALTER TABLE a ADD COLUMN type TEXT;",
        ] {
            assert!(breaking_statements(sql).is_empty(), "{sql}");
        }
    }

    /// The statements of `sql` (comments left out) that older releases may not survive.
    fn breaking_statements(sql: &str) -> Vec<String> {
        let code: String = sql
            .lines()
            .map(|l| l.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        code.split(';')
            .map(|s| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_uppercase()
            })
            .filter(|s| {
                let words: Vec<&str> = s
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .collect();
                let has = |w: &str| words.contains(&w);
                let alter = s.starts_with("ALTER TABLE");
                has("DROP")
                    || has("RENAME")
                    || (alter && s.contains("SET NOT NULL"))
                    || (alter && s.contains("ADD CONSTRAINT"))
                    || (alter && s[11..].contains("ALTER ") && has("TYPE"))
                    || (alter && s.contains(" ADD ") && s.contains("NOT NULL") && !has("DEFAULT"))
            })
            .collect()
    }

    #[test]
    fn both_backends_declare_the_same_steps() {
        let (sqlite, postgres) = (steps(Backend::Sqlite), steps(Backend::Postgres));
        assert_eq!(sqlite.len(), postgres.len());
        for (a, b) in sqlite.iter().zip(postgres) {
            assert_eq!((a.version, a.name, a.change), (b.version, b.name, b.change));
        }
    }

    #[test]
    fn an_older_binary_runs_beside_expand_steps_and_refuses_after_a_contract_step() {
        let carried = latest(Backend::Postgres);
        let newer = applied(1..=carried + 2, 11);
        let verdict = Verdict::of(Backend::Postgres, &newer);
        assert!(verdict.may_run(), "{verdict:?}");
        assert_eq!(verdict.exit_code(), exit::NEWER_COMPATIBLE);

        let contracted = applied(1..=carried + 2, carried + 1);
        let verdict = Verdict::of(Backend::Postgres, &contracted);
        assert!(!verdict.may_run());
        assert_eq!(verdict.exit_code(), exit::NEWER_INCOMPATIBLE);
        let advice = verdict.advice(Backend::Postgres);
        assert!(
            advice.contains(&format!("carries migration {} or later", carried + 1)),
            "{advice}"
        );
    }

    #[test]
    fn pending_steps_say_whether_older_nodes_may_keep_serving() {
        let carried = latest(Backend::Sqlite);
        let before_the_last = applied(1..=carried - 1, 11);
        assert_eq!(
            Verdict::of(Backend::Sqlite, &before_the_last).exit_code(),
            exit::EXPAND_PENDING
        );
        // Before migration 0010 (a contract step): its older nodes must stop first.
        let old = applied(1..=9, 0);
        let verdict = Verdict::of(Backend::Sqlite, &old);
        assert_eq!(verdict.exit_code(), exit::CONTRACT_PENDING);
        assert!(
            verdict
                .advice(Backend::Sqlite)
                .contains("migration 10 factors")
        );
        assert_eq!(
            Verdict::of(Backend::Sqlite, &applied(1..=carried, 11)).exit_code(),
            exit::UP_TO_DATE
        );
        assert_eq!(
            Verdict::of(Backend::Sqlite, &Applied::default()).exit_code(),
            exit::EXPAND_PENDING
        );
        let failed = Applied {
            failed: Some(carried),
            ..applied(1..=carried - 1, 11)
        };
        assert_eq!(
            Verdict::of(Backend::Sqlite, &failed).exit_code(),
            exit::FAILED
        );
    }

    #[test]
    fn the_floor_is_the_highest_need_of_the_applied_contract_steps() {
        let floor = floor_of(steps(Backend::Postgres));
        assert_eq!((floor.needs_version, floor.contract_version), (11, 11));
        assert_eq!(floor.contract_name, "mail_links");
        assert_eq!(
            floor_of(steps(Backend::Postgres).iter().take(9)),
            Floor::default()
        );
    }
}
