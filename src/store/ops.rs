//! Readiness: whether the schema is the one this binary was built for.

use super::migrations::Verdict;
use super::{Store, StoreResult};

/// Why the schema is not current, in words for `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationState {
    Current(i64),
    /// Applied up to this version only (e.g. another node is still migrating).
    Behind(i64),
    /// A newer release migrated it with expand steps only since this binary's: it serves.
    Compatible(i64),
    /// A newer release applied a contract step this binary is too old for.
    Ahead(i64),
    /// A migration was recorded as failed.
    Failed(i64),
}

impl std::fmt::Display for MigrationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Current(v) => write!(f, "current (version {v})"),
            Self::Behind(v) => write!(f, "behind: version {v} applied, a newer one expected"),
            Self::Compatible(v) => write!(
                f,
                "compatible: version {v} applied by a newer release, with expand steps only since this binary's"
            ),
            Self::Ahead(v) => write!(
                f,
                "ahead: version {v} applied, and a contract step needs a newer binary"
            ),
            Self::Failed(v) => write!(f, "migration {v} failed"),
        }
    }
}

impl MigrationState {
    /// Whether the node may take requests: the schema is the one it carries, or a newer
    /// release's that it runs beside (expand steps only since).
    pub fn serves(&self) -> bool {
        matches!(self, Self::Current(_) | Self::Compatible(_))
    }
}

impl Store {
    /// Reads sqlx's migration table and the recorded floor (the ones `open` writes) and
    /// compares them with the binary.
    pub async fn migrations_current(&self) -> StoreResult<MigrationState> {
        let applied = self.applied_migrations().await?;
        Ok(match Verdict::of(self.backend, &applied) {
            Verdict::UpToDate { version } => MigrationState::Current(version),
            Verdict::Empty => MigrationState::Behind(0),
            Verdict::Pending { version, .. } => MigrationState::Behind(version),
            Verdict::Newer { version } => MigrationState::Compatible(version),
            Verdict::Incompatible { version, .. } => MigrationState::Ahead(version),
            Verdict::Failed { version } => MigrationState::Failed(version),
        })
    }
}
