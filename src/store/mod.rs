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
pub mod migrations;
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
pub use accounts::{
    InvitationTarget, LinkRefusal, Registrant, Registration, SignInCandidate, SignInLookup,
};
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
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::migrate::{Migration, MigrationType, Migrator};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
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
/// write lock before giving up as busy, and keeps 1 MiB of pages per connection (its default
/// is 2 MiB: eight connections' caches were a sixth of the portal's memory with 100,000
/// accounts, issue 18; the operating system caches the file as well). PostgreSQL cancels a statement that runs longer than
/// 15 s, or waits longer than 5 s for a lock, so a stuck statement cannot hold a connection
/// and a person's request for ever (migrations run without them: `migrate`).
fn connection_settings(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "PRAGMA busy_timeout = 3000; PRAGMA cache_size = -1024",
        Backend::Postgres => "SET statement_timeout = 15000; SET lock_timeout = 5000",
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The connection pool's figures: open connections, of them idle, the most it opens, and the
/// requests waiting for one.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
    /// Asking for a connection at this moment (sqlx does not count them): with every
    /// connection in use, those that wait. On SQLite a write transaction also waits here for
    /// the write lock it takes at `BEGIN`.
    pub waiting: u32,
}

/// Counts a request as waiting for the pool while it lives.
struct Waiting<'a>(&'a AtomicU32);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicU32) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Seals each audit entry; the key itself is never stored in the database.
    chain: audit::Chain,
    /// Requests asking for a connection now (`PoolStats::waiting`).
    waiting: Arc<AtomicU32>,
    /// SQLite: the portal's write transactions take turns (`Store::begin`).
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
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

    /// Opens with the migrations up to `version` only, as a binary that carries no more
    /// would: the upgrade tests build a database as an older release left it, and run an
    /// older release beside a newer database.
    #[doc(hidden)]
    pub async fn open_migrated_to(
        url: &str,
        chain: ChainKey,
        version: i64,
    ) -> anyhow::Result<Self> {
        let (pool, backend) = connect(url, true).await?;
        let migrated_to = version.min(migrations::latest(backend));
        let store = Self::on(pool, backend, chain, Some(migrated_to));
        if let Err(e) = store.migrate(version).await {
            store.close().await;
            return Err(e);
        }
        Ok(store)
    }

    /// The store on an open pool; `migrated_to`: the newest migration the database is known
    /// to have (`None`: opened as it is).
    fn on(pool: AnyPool, backend: Backend, chain: ChainKey, migrated_to: Option<i64>) -> Self {
        Self {
            pool,
            backend,
            chain: audit::Chain::new(chain, backend, migrated_to),
            waiting: Arc::default(),
            writer: (backend == Backend::Sqlite).then(Arc::default),
        }
    }

    /// Applies the migrations up to `up_to` that the database lacks. A database that a newer
    /// release migrated is left as it is (`ignore_missing`), unless one of its contract steps
    /// needs a newer binary than this one: then nothing runs and the error names the release
    /// needed (issue 19).
    async fn migrate(&self, up_to: i64) -> anyhow::Result<()> {
        let carried: Vec<&'static migrations::Step> = migrations::steps(self.backend)
            .iter()
            .filter(|step| step.version <= up_to)
            .collect();
        // On a connection of its own without the statement and lock timeouts: a migration of
        // a large table may take longer, and nodes starting together wait for each other's.
        let mut connection = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            sqlx::raw_sql("SET statement_timeout = 0; SET lock_timeout = 0")
                .execute(&mut *connection)
                .await?;
        }
        let migrated = migrate_on(&mut connection, self.backend, &carried).await;
        // Closed rather than returned to the pool, where it would keep no timeouts.
        let _ = connection.close().await;
        migrated
    }

    /// What the database's migration records hold, read without changing anything.
    pub async fn applied_migrations(&self) -> StoreResult<migrations::Applied> {
        let mut connection = self.pool.acquire().await?;
        Ok(applied_on(&mut connection, self.backend).await?)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A write transaction. SQLite's must take the write lock at BEGIN: a transaction that
    /// reads first and writes later fails at once, without waiting, when another wrote between.
    /// The portal's own SQLite writers first queue for their turn here, in order: SQLite's
    /// busy handler polls with growing sleeps (up to 100 ms), so a writer waiting there slept
    /// on long after the lock was free. Another process (the command line) still meets the
    /// busy handler; the turn is awaited before a connection is taken, so readers keep theirs.
    async fn begin(&self) -> StoreResult<WriteTx> {
        let _waiting = Waiting::enter(&self.waiting);
        Ok(match &self.writer {
            Some(writer) => {
                let turn = tokio::time::timeout(ACQUIRE_TIMEOUT, writer.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                }
            }
            None => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            },
        })
    }

    /// A connection from the pool for the statements outside a transaction, counted as
    /// waiting until the pool gives it.
    async fn connection(&self) -> StoreResult<PoolConnection<Any>> {
        let _waiting = Waiting::enter(&self.waiting);
        Ok(self.pool.acquire().await?)
    }

    /// The connection pool as it stands, for /metrics.
    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            waiting: self.waiting.load(Ordering::Relaxed),
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
        .fetch_one(&mut *self.connection().await?)
        .await?;
        Ok((row.try_get("queued")?, row.try_get("dead")?))
    }

    /// True when the database answers (for readiness checks).
    pub async fn ping(&self) -> bool {
        let Ok(mut connection) = self.connection().await else {
            return false;
        };
        sqlx::query("SELECT 1")
            .execute(&mut *connection)
            .await
            .is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// One operation's transaction.
pub(super) type Tx = Transaction<'static, Any>;

/// A write transaction from `Store::begin`, holding SQLite's write turn until it ends
/// (committed, rolled back, or dropped: the turn is released after the transaction).
pub(super) struct WriteTx {
    tx: Tx,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Tx;

    fn deref(&self) -> &Tx {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.tx
    }
}

/// Connects by URL; `create`: a missing SQLite file is created and put in WAL mode (else
/// it is an error and nothing is changed).
async fn connect(url: &str, create: bool) -> anyhow::Result<(AnyPool, Backend)> {
    sqlx::any::install_default_drivers();
    let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
        // A missing file is created; WAL and a busy timeout let the CLI work beside the server.
        let sep = if rest.contains('?') { '&' } else { '?' };
        let mode = if create { "rwc" } else { "rw" };
        let url = if rest.contains("mode=") {
            url.to_string()
        } else {
            format!("{url}{sep}mode={mode}")
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
        // A connection to an embedded file cannot have dropped; PostgreSQL's are pinged before
        // use, so those a restart or a proxy cut are replaced before a request meets them.
        .test_before_acquire(backend == Backend::Postgres)
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
    if backend == Backend::Sqlite && create {
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
    }
    Ok((pool, backend))
}

/// Reads the database's migration records without migrating, creating or changing anything
/// (`tessera migrate --check`): what they hold, and what they mean for this binary.
pub async fn read_migrations(url: &str) -> anyhow::Result<(Backend, migrations::Applied)> {
    let (pool, backend) = connect(url, false).await?;
    let applied = async {
        let mut connection = pool.acquire().await?;
        applied_on(&mut connection, backend).await
    }
    .await;
    pool.close().await;
    Ok((backend, applied?))
}

async fn migrate_on(
    connection: &mut sqlx::AnyConnection,
    backend: Backend,
    carried: &[&'static migrations::Step],
) -> anyhow::Result<()> {
    let version = carried.last().map_or(0, |step| step.version);
    let applied = applied_on(connection, backend).await?;
    if applied.floor.needs_version > version {
        anyhow::bail!(migrations::incompatible(
            applied.version(),
            version,
            &applied.floor
        ));
    }
    // Each pending contract step raises the recorded floor before it runs: should this
    // process die between the two, older binaries are refused a little early, never let run
    // on a schema they cannot use.
    for step in carried
        .iter()
        .filter(|step| step.is_contract() && !applied.versions.contains(&step.version))
    {
        run_migrator(connection, carried, step.version - 1).await?;
        raise_floor(connection, backend, &migrations::floor_of([*step])).await?;
    }
    run_migrator(connection, carried, version).await?;
    raise_floor(
        connection,
        backend,
        &migrations::floor_of(carried.iter().copied()),
    )
    .await?;
    Ok(())
}

/// Runs sqlx's migrator with the carried migrations up to `up_to`. `locking` takes
/// PostgreSQL's advisory lock, so nodes starting together migrate once; `ignore_missing`
/// lets a binary start on a database a newer release migrated (the floor decides whether
/// it may).
async fn run_migrator(
    connection: &mut sqlx::AnyConnection,
    carried: &[&'static migrations::Step],
    up_to: i64,
) -> anyhow::Result<()> {
    let migrations: Vec<Migration> = carried
        .iter()
        .filter(|step| step.version <= up_to)
        .map(|step| {
            Migration::new(
                step.version,
                Cow::Borrowed(step.name),
                MigrationType::Simple,
                Cow::Borrowed(step.sql),
                false,
            )
        })
        .collect();
    let migrator = Migrator {
        migrations: Cow::Owned(migrations),
        ignore_missing: true,
        locking: true,
        no_tx: false,
    };
    migrator
        .run(connection)
        .await
        .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))
}

const FLOOR_TABLE: &str = "schema_compatibility";

/// Raises the recorded floor to `floor` unless it is already as high (never lowered: a newer
/// release may have raised it further). Before migration 0023 there is nowhere to record it.
async fn raise_floor(
    connection: &mut sqlx::AnyConnection,
    backend: Backend,
    floor: &migrations::Floor,
) -> Result<(), sqlx::Error> {
    if floor.needs_version == 0 || !table_exists(connection, backend, FLOOR_TABLE).await? {
        return Ok(());
    }
    sqlx::query(
        "UPDATE schema_compatibility
            SET needs_version = $1, contract_version = $2, contract_name = $3
          WHERE id = 1 AND needs_version < $1",
    )
    .bind(floor.needs_version)
    .bind(floor.contract_version)
    .bind(floor.contract_name.as_str())
    .execute(connection)
    .await?;
    Ok(())
}

async fn applied_on(
    connection: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<migrations::Applied, sqlx::Error> {
    use sqlx::Row;
    let mut applied = migrations::Applied::default();
    // An empty database has neither table yet; reading must not create them.
    if table_exists(connection, backend, "_sqlx_migrations").await? {
        applied.versions = sqlx::query_scalar::<_, i64>(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&mut *connection)
        .await?;
        applied.failed = sqlx::query_scalar::<_, i64>(
            "SELECT version FROM _sqlx_migrations WHERE NOT success ORDER BY version",
        )
        .fetch_optional(&mut *connection)
        .await?;
    }
    if table_exists(connection, backend, FLOOR_TABLE).await?
        && let Some(row) = sqlx::query(
            "SELECT needs_version, contract_version, contract_name
               FROM schema_compatibility WHERE id = 1",
        )
        .fetch_optional(&mut *connection)
        .await?
    {
        applied.floor = migrations::Floor {
            needs_version: row.try_get("needs_version")?,
            contract_version: row.try_get("contract_version")?,
            contract_name: row.try_get("contract_name")?,
        };
    }
    Ok(applied)
}

async fn table_exists(
    connection: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<bool, sqlx::Error> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT CAST(COUNT(*) AS BIGINT) FROM sqlite_master WHERE type = 'table' AND name = $1"
        }
        Backend::Postgres => {
            "SELECT CAST(COUNT(*) AS BIGINT) FROM information_schema.tables
              WHERE table_schema = current_schema() AND table_name = $1"
        }
    };
    let count: i64 = sqlx::query_scalar(sql)
        .bind(table)
        .fetch_one(connection)
        .await?;
    Ok(count > 0)
}
