//! Readiness: whether the schema is the one this binary was built for.

use sqlx::Row;

use super::{Store, StoreResult};

/// The newest migration this binary carries; a unit test keeps it equal to the number of
/// files under `migrations/` for each backend.
pub const LATEST_MIGRATION: i64 = 2;

/// Why the schema is not current, in words for `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationState {
    Current,
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
            Self::Current => write!(f, "current (version {LATEST_MIGRATION})"),
            Self::Behind(v) => write!(
                f,
                "behind: version {v} applied, {LATEST_MIGRATION} expected"
            ),
            Self::Ahead(v) => write!(
                f,
                "ahead: version {v} applied, this binary knows up to {LATEST_MIGRATION}"
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
        Ok(match applied.cmp(&LATEST_MIGRATION) {
            std::cmp::Ordering::Equal => MigrationState::Current,
            std::cmp::Ordering::Less => MigrationState::Behind(applied),
            std::cmp::Ordering::Greater => MigrationState::Ahead(applied),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::LATEST_MIGRATION;

    #[test]
    fn ops_latest_migration_matches_the_files() {
        for backend in ["sqlite", "postgres"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend);
            let n = std::fs::read_dir(&dir)
                .map(|entries| entries.count())
                .unwrap_or(0);
            assert_eq!(n as i64, LATEST_MIGRATION, "{}", dir.display());
        }
    }
}
