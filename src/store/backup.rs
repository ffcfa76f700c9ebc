//! The database side of backups: SQLite's consistent online copy (`VACUUM INTO`), the copy
//! read and checked as a file of its own, and PostgreSQL's exported snapshot (`pg_dump
//! --snapshot` reads exactly what the manifest describes).

use std::collections::BTreeMap;
use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Acquire, AnyConnection, Connection, Row};

use super::{Backend, Store, StoreResult};
use crate::audit::{AuditRecord, ChainHead, ChainKey, ChainProblem, ChainVerifier};
use crate::domain::backup::COUNTED_TABLES;

/// The table a backup file carries its manifest and sealed keys in; dropped at restore.
const EXTRAS: &str = "tessera_backup";
/// The table a PostgreSQL backup carries its `pg_dump` archive in.
const DUMP: &str = "tessera_backup_dump";
const DUMP_PART: usize = 8 * 1024 * 1024;

impl Store {
    /// Opens the database as it is, without migrating: a backup taken before an upgrade must
    /// not be the thing that upgrades the database.
    pub async fn open_as_is(url: &str, chain: ChainKey) -> anyhow::Result<Self> {
        let (pool, backend) = super::connect(url, false).await?;
        Ok(Self::on(pool, backend, chain, None))
    }

    /// SQLite: a consistent copy of the whole database into `path` (a new file), read in one
    /// read transaction while others go on writing (WAL).
    pub async fn copy_into(&self, path: &Path) -> StoreResult<()> {
        let quoted = path.to_string_lossy().replace('\'', "''");
        sqlx::query(&format!("VACUUM INTO '{quoted}'"))
            .execute(&mut *self.connection().await?)
            .await?;
        Ok(())
    }

    /// PostgreSQL: holds a REPEATABLE READ transaction, exports its snapshot for `pg_dump
    /// --snapshot`, and reads in it what the manifest records; `dump` runs while it is held.
    pub async fn in_exported_snapshot<F, Fut>(&self, dump: F) -> anyhow::Result<CopyFacts>
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<()>>,
    {
        let mut connection = self.pool.acquire().await?;
        // A dump of a large database takes longer than a page's statement timeout.
        sqlx::raw_sql("SET statement_timeout = 0")
            .execute(&mut *connection)
            .await?;
        let mut tx = connection.begin().await?;
        sqlx::raw_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let snapshot: String = sqlx::query("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let facts = read_facts(&mut tx, &self.chain.key).await?;
        dump(snapshot).await?;
        tx.rollback().await?;
        Ok(facts)
    }
}

/// Whether the head entry's seal is `key`'s: the key a backup carries (or leaves out) must
/// be the database's, or the backup could never be restored to a working portal.
async fn head_sealed_by(
    conn: &mut AnyConnection,
    key: &ChainKey,
    head: &ChainHead,
) -> anyhow::Result<bool> {
    if head.seq == 0 {
        return Ok(true);
    }
    let record: Option<AuditRecord> = sqlx::query_as(
        "SELECT seq, at, event, actor, subject, detail, prev_hash, hash FROM audit_log WHERE seq = $1",
    )
    .bind(head.seq)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(record.is_some_and(|r| r.hash == head.hash && key.hash_record(&r) == r.hash))
}

/// PostgreSQL: true when the database holds no tables of its own (`createdb` made it).
pub async fn postgres_is_empty(url: &str) -> anyhow::Result<bool> {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot open the database {}: {e} (create it empty first, with createdb)",
            crate::config::redact_url(url)
        )
    })?;
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) FROM information_schema.tables
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_one(&mut conn)
    .await?
    .try_get(0)?;
    conn.close().await?;
    Ok(n == 0)
}

/// What the restored database holds, read as the manifest recorded it.
pub async fn facts_of(url: &str, key: &ChainKey) -> anyhow::Result<CopyFacts> {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await?;
    let facts = read_facts(&mut conn, key).await;
    conn.close().await?;
    facts
}

/// The newest schema this binary knows for the backend.
pub fn newest_schema(backend: Backend) -> i64 {
    super::migrations::latest(backend)
}

/// What a manifest records, read from the copy itself.
#[derive(Debug, Clone)]
pub struct CopyFacts {
    /// The head entry is sealed under the key given (`Store::chain`, or the copy's caller's).
    pub sealed_by_key: bool,
    pub schema_version: i64,
    pub audit_head: ChainHead,
    pub rows: BTreeMap<String, i64>,
}

async fn read_facts(conn: &mut AnyConnection, key: &ChainKey) -> anyhow::Result<CopyFacts> {
    let schema_version: i64 =
        sqlx::query("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let audit_head = ChainHead {
        seq: row.try_get("seq")?,
        hash: row.try_get("hash")?,
    };
    let mut rows = BTreeMap::new();
    for table in COUNTED_TABLES {
        let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        rows.insert((*table).to_string(), n);
    }
    Ok(CopyFacts {
        sealed_by_key: head_sealed_by(conn, key, &audit_head).await?,
        schema_version,
        audit_head,
        rows,
    })
}

/// An SQLite copy opened as a file of its own (never created: a missing file is an error).
pub struct SqliteCopy {
    conn: AnyConnection,
}

impl SqliteCopy {
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(false);
        // Opened as SQLite, then used through `Any` like the rest of the store.
        let sqlite = SqliteConnection::connect_with(&options)
            .await
            .map_err(|e| anyhow::anyhow!("{} is not a readable database: {e}", path.display()))?;
        sqlite.close().await?;
        let url = format!("sqlite://{}?mode=rw", path.display());
        let mut conn = AnyConnection::connect(&url).await?;
        // One file, no -wal beside it, whatever the live database's mode.
        sqlx::raw_sql("PRAGMA journal_mode = DELETE")
            .execute(&mut conn)
            .await
            .map_err(|e| anyhow::anyhow!("{} is not a database: {e}", path.display()))?;
        Ok(Self { conn })
    }

    /// A new, empty file: the container a PostgreSQL backup's dump travels in.
    pub async fn create(path: &Path) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = AnyConnection::connect(&url).await?;
        sqlx::raw_sql("PRAGMA journal_mode = DELETE")
            .execute(&mut conn)
            .await?;
        Ok(Self { conn })
    }

    /// Stores the file `dump` in the copy, in parts of 8 MiB (SQLite's values stay small).
    pub async fn write_dump(&mut self, dump: &Path) -> anyhow::Result<()> {
        use std::io::Read;
        sqlx::raw_sql(&format!(
            "CREATE TABLE {DUMP} (part INTEGER PRIMARY KEY, data BLOB NOT NULL)"
        ))
        .execute(&mut self.conn)
        .await?;
        let mut file = std::fs::File::open(dump)?;
        let mut part: i64 = 0;
        loop {
            let mut chunk = Vec::with_capacity(DUMP_PART);
            (&mut file).take(DUMP_PART as u64).read_to_end(&mut chunk)?;
            if chunk.is_empty() {
                break;
            }
            sqlx::query(&format!("INSERT INTO {DUMP} (part, data) VALUES ($1, $2)"))
                .bind(part)
                .bind(chunk)
                .execute(&mut self.conn)
                .await?;
            part += 1;
        }
        Ok(())
    }

    /// Writes the stored dump out to `to`, part by part.
    pub async fn read_dump(&mut self, to: &mut std::fs::File) -> anyhow::Result<()> {
        use std::io::Write;
        let mut part: i64 = 0;
        loop {
            let row = sqlx::query(&format!("SELECT data FROM {DUMP} WHERE part = $1"))
                .bind(part)
                .fetch_optional(&mut self.conn)
                .await?;
            let Some(row) = row else { break };
            to.write_all(&row.try_get::<Vec<u8>, _>(0)?)?;
            part += 1;
        }
        to.sync_all()?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: Ok, or SQLite's first complaints.
    pub async fn integrity(&mut self) -> anyhow::Result<Result<(), String>> {
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&mut self.conn)
            .await?;
        let found: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
        if found == ["ok"] {
            Ok(Ok(()))
        } else {
            Ok(Err(found
                .into_iter()
                .take(5)
                .collect::<Vec<_>>()
                .join("; ")))
        }
    }

    pub async fn facts(&mut self, key: &ChainKey) -> anyhow::Result<CopyFacts> {
        read_facts(&mut self.conn, key).await
    }

    /// Checks the whole chain in the copy under `key`, up to `head`.
    pub async fn verify_chain(
        &mut self,
        key: &ChainKey,
        head: &ChainHead,
    ) -> anyhow::Result<Result<usize, ChainProblem>> {
        let mut verifier = ChainVerifier::new(key, None);
        let mut after = 0;
        loop {
            let page: Vec<AuditRecord> = sqlx::query_as(
                "SELECT seq, at, event, actor, subject, detail, prev_hash, hash FROM audit_log
                 WHERE seq > $1 ORDER BY seq LIMIT 1000",
            )
            .bind(after)
            .fetch_all(&mut self.conn)
            .await?;
            for record in &page {
                if let Err(problem) = verifier.check(record) {
                    return Ok(Err(problem));
                }
            }
            match page.last() {
                Some(last) if page.len() == 1000 => after = last.seq,
                _ => break,
            }
        }
        Ok(verifier.finish(head))
    }

    /// Adds the manifest and the sealed keys (if any) to the copy.
    pub async fn write_extras(&mut self, manifest: &str, keys: Option<&str>) -> anyhow::Result<()> {
        sqlx::raw_sql(&format!(
            "CREATE TABLE {EXTRAS} (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        ))
        .execute(&mut self.conn)
        .await?;
        for (name, value) in [("manifest", Some(manifest)), ("keys", keys)] {
            if let Some(value) = value {
                sqlx::query(&format!(
                    "INSERT INTO {EXTRAS} (name, value) VALUES ($1, $2)"
                ))
                .bind(name)
                .bind(value)
                .execute(&mut self.conn)
                .await?;
            }
        }
        Ok(())
    }

    /// The manifest and the sealed keys, or None when the file is not a Tessera backup.
    pub async fn read_extras(&mut self) -> anyhow::Result<Option<(String, Option<String>)>> {
        let exists: i64 =
            sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
                .bind(EXTRAS)
                .fetch_one(&mut self.conn)
                .await?
                .try_get(0)?;
        if exists == 0 {
            return Ok(None);
        }
        let rows = sqlx::query(&format!("SELECT name, value FROM {EXTRAS}"))
            .fetch_all(&mut self.conn)
            .await?;
        let mut manifest = None;
        let mut keys = None;
        for row in rows {
            let (name, value): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            match name.as_str() {
                "manifest" => manifest = Some(value),
                "keys" => keys = Some(value),
                _ => {}
            }
        }
        Ok(manifest.map(|m| (m, keys)))
    }

    /// What restores: the database as it was, without the backup's own table.
    pub async fn drop_extras(&mut self) -> anyhow::Result<()> {
        sqlx::raw_sql(&format!("DROP TABLE {EXTRAS}"))
            .execute(&mut self.conn)
            .await?;
        Ok(())
    }

    pub async fn close(self) -> anyhow::Result<()> {
        self.conn.close().await?;
        Ok(())
    }
}
