//! The database: one interface, two real backends (SQLite and PostgreSQL) chosen once from
//! the URL. The SQL is written once, in the dialect both accept (numbered `$n` parameters,
//! `RETURNING`, `ON CONFLICT`), and run through sqlx's `Any` driver; each backend has its own
//! migrations. Every method is one transaction and names a domain operation, so the flows
//! never see SQL. Methods that change state append their audit entry in the same transaction.

/// `FromRow` for a struct whose fields are the columns of the same names, so a row type is
/// read by its field list instead of one `try_get("…")` per column. A field whose value is
/// computed says how after `=`, from the row named in parentheses:
/// `from_columns!(Account(row) { id, locked = row.try_get::<Option<i64>, _>("locked_at")?.is_some() })`.
macro_rules! from_columns {
    ($ty:ident { $($field:ident),+ $(,)? }) => {
        from_columns!($ty(row) { $($field),+ });
    };
    ($ty:ident($row:ident) { $($field:ident $(= $value:expr)?),+ $(,)? }) => {
        impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for $ty {
            fn from_row($row: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
                #[allow(unused_imports)]
                use sqlx::Row;
                Ok(Self { $($field: from_columns!(@value $row, $field $(, $value)?)),+ })
            }
        }
    };
    (@value $row:ident, $field:ident) => {
        $row.try_get(stringify!($field))?
    };
    (@value $row:ident, $field:ident, $value:expr) => {
        $value
    };
}

mod account_changes;
mod accounts;
mod admin;
mod api_tokens;
mod audit;
mod audit_budget;
mod audit_query;
pub mod backup;
mod ceremonies;
mod clients;
mod codes;
mod columns;
mod factors;
mod forward_apps;
mod identity_providers;
mod import;
mod logouts;
mod mail_queue;
mod oidc;
pub mod ops;
mod outbox;
mod passkeys;
mod recovery_codes;
mod reseal;
mod retention;
mod rollout;
mod second_step;
mod sessions;
pub mod settings;
mod signing_keys;
mod terms;
mod throttle;

pub use account_changes::{OwnPasswordChange, SignedInCheck, SignedInOutcome};
pub use accounts::{InvitationTarget, LinkRefusal, Registrant, Registration};
pub use admin::{AccountFlag, AccountList, AccountSummary, ListFilter, Organization, Sort};
pub use api_tokens::{ApiToken, ApiTokenInfo, NewApiToken};
pub use audit_query::AuditFilter;
pub use ceremonies::NewCeremony;
pub use clients::{ClientStanding, ClientSummary, NewClientRow, RegisteredClient};
pub use codes::{CodeCheck, CodeIssue, CodeOutcome, CodeToSend, LiveCode, SendCap};
pub use factors::{FactorUse, KeepFactor, NewFactor};
pub use forward_apps::{AppStanding, AppSummary, RegisteredApp, StartUrl};
pub use identity_providers::{
    FederatedSignIn, ProviderStanding, ProviderSummary, RegisteredProvider,
};
pub use import::ImportedAccount;
pub use logouts::DueLogout;
pub use mail_queue::{Letter, LetterBody, LetterSummary, NewLetter, NotSent};
pub use oidc::{Grant, Liveness, NewGrant, NewToken, Presented, Redeemed};
pub use outbox::OutboxMessage;
pub use passkeys::{PasskeySignIn, StoredPasskey};
pub use recovery_codes::NewRecoveryCodes;
pub use retention::Prunable;
pub use rollout::{ReminderRun, RolloutCounts, StoredDeadline};
pub use second_step::{Claim as FactorClaim, FactorProof, ProofRefusal};
pub use sessions::{NewPasswordChange, PasswordSignIn, Session, SessionInfo, SessionStanding};
pub use signing_keys::StoredKey;
pub use terms::TermsVersion;
pub use throttle::Claim;

use std::borrow::Cow;
use std::str::FromStr;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions, Transaction};

use crate::audit::ChainKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write (e.g. the email is taken).
    #[error("already exists")]
    Conflict,
    /// The account is disabled or locked by an administrator: no session may be made for it.
    #[error("the account is disabled or locked by an administrator")]
    Barred,
    #[error("the stored data is not valid: {0}")]
    Corrupt(String),
    /// The database did not answer in time, or is busy (locked by another process, shutting
    /// down, unreachable). Nothing was written: the transaction rolled back, or never began.
    /// Pages answer 503 with `Retry-After` (`web::error`); the pool reconnects by itself.
    #[error("the database is not answering or is busy: {0}")]
    Unavailable(sqlx::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            // A column whose value the domain refuses (an unknown stage, say).
            sqlx::Error::ColumnDecode { index, source } => {
                Self::Corrupt(format!("column {index}: {source}"))
            }
            other if is_unavailable(&other) => Self::Unavailable(other),
            other => Self::Database(other),
        }
    }
}

impl StoreError {
    /// The database did not answer or is busy: worth trying again in a minute.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    fn from_write(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict,
            _ => Self::from(e),
        }
    }
}

/// The errors that mean "the database did not answer or is busy", not "this request is
/// wrong": no connection within the acquire timeout, a connection lost, SQLite's lock held by
/// another process past the busy timeout, PostgreSQL shutting down, refusing connections, or
/// cancelling a statement that ran past `statement_timeout`.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        // `Protocol`: the connection closed in the middle of its start (a stopped server
        // behind a proxy that still accepts connections).
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
                db.code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .is_some_and(|c| matches!(c & 0xff, 5 | 6))
            } else {
                db.code().is_some_and(|c| {
                    c.starts_with("08") // connection exception
                        || c.starts_with("57P") // admin, crash shutdown; cannot connect now
                        || c == "57014" // query_canceled: statement_timeout
                        || c == "55P03" // lock_not_available: lock_timeout
                        || c == "53300" // too_many_connections
                })
            }
        }
        _ => false,
    }
}

/// How long a request waits for a database connection before the page says the database is
/// not answering (sqlx's default is 30 s: a person would see a hang, then an error).
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The settings every new connection starts with. SQLite waits 3 s for another process's
/// write lock before giving up as busy. PostgreSQL cancels a statement that runs longer than
/// 15 s, or waits longer than 5 s for a lock, so a stuck statement cannot hold a connection
/// and a person's request for ever (migrations run without them: `migrate`).
fn connection_settings(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "PRAGMA busy_timeout = 3000",
        Backend::Postgres => "SET statement_timeout = 15000; SET lock_timeout = 5000",
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The connection pool's figures: open connections, of them idle, and the most it opens.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Seals each audit entry; the key itself is never stored in the database.
    chain: ChainKey,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// Connects by URL (`sqlite://PATH` creates the file; `postgres://…`) and migrates. Audit
    /// entries are sealed under `chain`.
    pub async fn open(url: &str, chain: ChainKey) -> anyhow::Result<Self> {
        Self::open_migrated_to(url, chain, i64::MAX).await
    }

    /// Opens with the migrations up to `version` only: the upgrade tests build a database
    /// as an older release left it, then open it with `open`.
    #[doc(hidden)]
    pub async fn open_migrated_to(
        url: &str,
        chain: ChainKey,
        version: i64,
    ) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            // A missing file is created; WAL and a busy timeout let the CLI work beside the server.
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = if rest.contains("mode=") {
                url.to_string()
            } else {
                format!("{url}{sep}mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            anyhow::bail!("TESSERA_DATABASE_URL must start with sqlite:// or postgres://");
        };
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    connection.execute(connection_settings(backend)).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot open the database {}: {e}",
                    crate::config::redact_url(&url)
                )
            })?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let store = Self {
            pool,
            backend,
            chain,
        };
        store.migrate(version).await?;
        Ok(store)
    }

    async fn migrate(&self, up_to: i64) -> anyhow::Result<()> {
        // Embedded by hand rather than with `sqlx::migrate!`, which would pull in sqlx's
        // macro crate (and a second build of both drivers) for this one use.
        let sources = migration_sources(self.backend);
        let migrations: Vec<Migration> = sources
            .iter()
            .filter(|(version, _, _)| *version <= up_to)
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        // `locking` takes PostgreSQL's advisory lock, so nodes starting together migrate once.
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        // On a connection of its own without the statement and lock timeouts: a migration of
        // a large table may take longer, and nodes starting together wait for each other's.
        let mut connection = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            sqlx::raw_sql("SET statement_timeout = 0; SET lock_timeout = 0")
                .execute(&mut *connection)
                .await?;
        }
        let migrated = migrator
            .run(&mut *connection)
            .await
            .map_err(|e| anyhow::anyhow!("database migration failed: {e}"));
        // Closed rather than returned to the pool, where it would keep no timeouts.
        let _ = connection.close().await;
        migrated
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A write transaction. SQLite's must take the write lock at BEGIN: a transaction that
    /// reads first and writes later fails at once, without waiting, when another wrote between.
    async fn begin(&self) -> StoreResult<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The connection pool as it stands, for /metrics.
    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    /// Letters waiting to be sent (due or not) and dead letters, for /metrics.
    pub async fn mail_queue_depth(&self) -> StoreResult<(i64, i64)> {
        use sqlx::Row;
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN dead_at IS NULL THEN 1 ELSE 0 END), 0) AS queued,
                    COALESCE(SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS dead
             FROM mail_queue WHERE sent_at IS NULL AND discarded_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("queued")?, row.try_get("dead")?))
    }

    /// True when the database answers (for readiness checks).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// One operation's transaction.
pub(super) type Tx = Transaction<'static, Any>;

/// The version of the newest migration this binary carries for the backend.
fn latest_migration(backend: Backend) -> i64 {
    migration_sources(backend)
        .iter()
        .map(|(v, _, _)| *v)
        .max()
        .unwrap_or(0)
}

/// The embedded migrations of each backend, in order.
fn migration_sources(backend: Backend) -> &'static [(i64, &'static str, &'static str)] {
    match backend {
        Backend::Sqlite => &[
            (
                1,
                "foundation",
                include_str!("../../migrations/sqlite/0001_foundation.sql"),
            ),
            (
                2,
                "phone",
                include_str!("../../migrations/sqlite/0002_phone.sql"),
            ),
            (
                3,
                "administration",
                include_str!("../../migrations/sqlite/0003_administration.sql"),
            ),
            (
                4,
                "api_tokens",
                include_str!("../../migrations/sqlite/0004_api_tokens.sql"),
            ),
            (
                5,
                "factor_policy",
                include_str!("../../migrations/sqlite/0005_factor_policy.sql"),
            ),
            (
                6,
                "step_up",
                include_str!("../../migrations/sqlite/0006_step_up.sql"),
            ),
            (
                7,
                "send_cool_downs",
                include_str!("../../migrations/sqlite/0007_send_cool_downs.sql"),
            ),
            (
                8,
                "retention",
                include_str!("../../migrations/sqlite/0008_retention.sql"),
            ),
            (
                9,
                "mail_queue",
                include_str!("../../migrations/sqlite/0009_mail_queue.sql"),
            ),
            (
                10,
                "factors",
                include_str!("../../migrations/sqlite/0010_factors.sql"),
            ),
            (
                11,
                "mail_links",
                include_str!("../../migrations/sqlite/0011_mail_links.sql"),
            ),
            (
                12,
                "signing_keys",
                include_str!("../../migrations/sqlite/0012_signing_keys.sql"),
            ),
            (
                13,
                "clients",
                include_str!("../../migrations/sqlite/0013_clients.sql"),
            ),
            (
                14,
                "oidc_grants",
                include_str!("../../migrations/sqlite/0014_oidc_grants.sql"),
            ),
            (
                15,
                "backchannel_logout",
                include_str!("../../migrations/sqlite/0015_backchannel_logout.sql"),
            ),
            (
                16,
                "reverified",
                include_str!("../../migrations/sqlite/0016_reverified.sql"),
            ),
            (
                17,
                "stronger factors",
                include_str!("../../migrations/sqlite/0017_stronger_factors.sql"),
            ),
            (
                18,
                "forward apps",
                include_str!("../../migrations/sqlite/0018_forward_apps.sql"),
            ),
            (
                19,
                "identity providers",
                include_str!("../../migrations/sqlite/0019_identity_providers.sql"),
            ),
            (
                20,
                "portal settings",
                include_str!("../../migrations/sqlite/0020_portal_settings.sql"),
            ),
            (
                21,
                "account language",
                include_str!("../../migrations/sqlite/0021_account_language.sql"),
            ),
            (
                22,
                "letter language",
                include_str!("../../migrations/sqlite/0022_letter_language.sql"),
            ),
            (
                24,
                "rollout deadlines",
                include_str!("../../migrations/sqlite/0024_rollout_deadlines.sql"),
            ),
        ],
        Backend::Postgres => &[
            (
                1,
                "foundation",
                include_str!("../../migrations/postgres/0001_foundation.sql"),
            ),
            (
                2,
                "phone",
                include_str!("../../migrations/postgres/0002_phone.sql"),
            ),
            (
                3,
                "administration",
                include_str!("../../migrations/postgres/0003_administration.sql"),
            ),
            (
                4,
                "api_tokens",
                include_str!("../../migrations/postgres/0004_api_tokens.sql"),
            ),
            (
                5,
                "factor_policy",
                include_str!("../../migrations/postgres/0005_factor_policy.sql"),
            ),
            (
                6,
                "step_up",
                include_str!("../../migrations/postgres/0006_step_up.sql"),
            ),
            (
                7,
                "send_cool_downs",
                include_str!("../../migrations/postgres/0007_send_cool_downs.sql"),
            ),
            (
                8,
                "retention",
                include_str!("../../migrations/postgres/0008_retention.sql"),
            ),
            (
                9,
                "mail_queue",
                include_str!("../../migrations/postgres/0009_mail_queue.sql"),
            ),
            (
                10,
                "factors",
                include_str!("../../migrations/postgres/0010_factors.sql"),
            ),
            (
                11,
                "mail_links",
                include_str!("../../migrations/postgres/0011_mail_links.sql"),
            ),
            (
                12,
                "signing_keys",
                include_str!("../../migrations/postgres/0012_signing_keys.sql"),
            ),
            (
                13,
                "clients",
                include_str!("../../migrations/postgres/0013_clients.sql"),
            ),
            (
                14,
                "oidc_grants",
                include_str!("../../migrations/postgres/0014_oidc_grants.sql"),
            ),
            (
                15,
                "backchannel_logout",
                include_str!("../../migrations/postgres/0015_backchannel_logout.sql"),
            ),
            (
                16,
                "reverified",
                include_str!("../../migrations/postgres/0016_reverified.sql"),
            ),
            (
                17,
                "stronger factors",
                include_str!("../../migrations/postgres/0017_stronger_factors.sql"),
            ),
            (
                18,
                "forward apps",
                include_str!("../../migrations/postgres/0018_forward_apps.sql"),
            ),
            (
                19,
                "identity providers",
                include_str!("../../migrations/postgres/0019_identity_providers.sql"),
            ),
            (
                20,
                "portal settings",
                include_str!("../../migrations/postgres/0020_portal_settings.sql"),
            ),
            (
                21,
                "account language",
                include_str!("../../migrations/postgres/0021_account_language.sql"),
            ),
            (
                22,
                "letter language",
                include_str!("../../migrations/postgres/0022_letter_language.sql"),
            ),
            (
                24,
                "rollout deadlines",
                include_str!("../../migrations/postgres/0024_rollout_deadlines.sql"),
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_embedded_for_both_backends() {
        for (backend, dir) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
            let path = format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
            let files = std::fs::read_dir(path).unwrap().count();
            assert_eq!(migration_sources(backend).len(), files, "{dir}");
        }
    }
}
