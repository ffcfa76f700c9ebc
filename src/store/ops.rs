//! Readiness: whether the schema is the one this binary was built for.

use sqlx::Row;

use super::{Store, StoreResult};

/// Why the schema is not current, in words for `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationState {
    Current(i64),
    /// Applied up to this version only (e.g. another node is still migrating).
    Behind(i64),
    /// The database was migrated by a newer binary (a rollback left it ahead).
    Ahead(i64),
    /// A migration was recorded as failed.
    Failed(i64),
}

impl std::fmt::Display for MigrationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Current(v) => write!(f, "current (version {v})"),
            Self::Behind(v) => write!(f, "behind: version {v} applied, a newer one expected"),
            Self::Ahead(v) => write!(
                f,
                "ahead: version {v} applied, newer than this binary knows"
            ),
            Self::Failed(v) => write!(f, "migration {v} failed"),
        }
    }
}

impl Store {
    /// Reads sqlx's migration table (the one `open` writes) and compares it with the binary.
    pub async fn migrations_current(&self) -> StoreResult<MigrationState> {
        let failed = sqlx::query(
            "SELECT CAST(COALESCE(MIN(version), 0) AS BIGINT) AS v FROM _sqlx_migrations WHERE NOT success",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get::<i64, _>("v")?;
        if failed != 0 {
            return Ok(MigrationState::Failed(failed));
        }
        let applied = sqlx::query(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.pool)
        .await?
        .try_get::<i64, _>("v")?;
        // The newest migration this binary carries (the same list `open` runs).
        let latest = super::latest_migration(self.backend);
        Ok(match applied.cmp(&latest) {
            std::cmp::Ordering::Equal => MigrationState::Current(applied),
            std::cmp::Ordering::Less => MigrationState::Behind(applied),
            std::cmp::Ordering::Greater => MigrationState::Ahead(applied),
        })
    }
}
