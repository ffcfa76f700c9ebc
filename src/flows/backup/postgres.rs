//! PostgreSQL backups: `pg_dump` of a snapshot Tessera holds open, so the dump is exactly the
//! database the manifest describes (its audit head read in the same snapshot), carried in the
//! same one-file format as SQLite's (an SQLite file: manifest, sealed keys, the dump in
//! parts). The restore runs `pg_restore` into an empty database in one transaction.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::audit::{ChainHead, ChainKey};
use crate::config::Config;
use crate::domain::UnixTime;
use crate::domain::backup::Manifest;
use crate::passphrase::Passphrase;
use crate::store::backup::{SqliteCopy, facts_of, newest_schema, postgres_is_empty};
use crate::store::{Backend, Store};

use super::files::{KeyPlan, Staged};
use super::{BackupDone, KeysChoice, Restored, SecretPlace};

/// `pg_dump` or `pg_restore` from PATH, with the URL's password passed in the environment
/// (never on a command line others can read in `ps`).
fn pg_tool(tool: &str, url: &str) -> anyhow::Result<Command> {
    let mut parsed = url::Url::parse(url)?;
    let password = parsed.password().map(str::to_string);
    let _ = parsed.set_password(None);
    let mut command = Command::new(tool);
    command.arg(format!("--dbname={parsed}"));
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    Ok(command)
}

fn run(mut command: Command, tool: &str) -> anyhow::Result<()> {
    let out = command.output().map_err(|e| {
        anyhow::anyhow!(
            "cannot run {tool} ({e}): install PostgreSQL's client tools (the server's major version or newer) so that {tool} is in PATH"
        )
    })?;
    if !out.status.success() {
        anyhow::bail!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn sha256_of(path: &Path) -> anyhow::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

pub async fn backup(
    config: &Config,
    to: &Path,
    keys_choice: KeysChoice,
    secret: String,
    chain: ChainKey,
    now: UnixTime,
) -> anyhow::Result<BackupDone> {
    let secret_place = SecretPlace::of(config);
    let staged = Staged::beside(to, "partial")?;
    let dump = Staged::beside(to, "dump")?;
    // Owner-only from their first moment: pg_dump writes into the empty file it is given.
    dump.create_empty()?;
    staged.create_empty()?;
    let store = Store::open_as_is(&config.database_url, chain.clone()).await?;
    let url = config.database_url.clone();
    let dump_path = dump.path().to_path_buf();
    let facts = store
        .in_exported_snapshot(|snapshot| async move {
            let mut command = pg_tool("pg_dump", &url)?;
            command
                .arg(format!("--snapshot={snapshot}"))
                .arg("--format=custom")
                .arg(format!("--file={}", dump_path.display()));
            tokio::task::spawn_blocking(move || run(command, "pg_dump")).await?
        })
        .await?;
    super::not_the_key(&facts, &secret_place)?;
    let manifest = super::manifest_of(
        "postgres",
        &facts,
        super::Written {
            config,
            keys_choice: &keys_choice,
            secret_place: &secret_place,
            chain: &chain,
            now,
        },
        Some(sha256_of(dump.path())?),
    );
    let manifest_text = serde_json::to_string(&manifest)?;
    let sealed = super::sealed_keys(&keys_choice, config, secret, &manifest_text)?;
    let mut copy = SqliteCopy::create(staged.path()).await?;
    copy.write_extras(&manifest_text, sealed.as_deref()).await?;
    copy.write_dump(dump.path()).await?;
    copy.close().await?;
    drop(dump);
    staged.keep_as(to)?;
    super::record(&store, now, "backup-made", &manifest).await;
    store.close().await;
    Ok(BackupDone {
        file: to.to_path_buf(),
        manifest,
        secret_place,
    })
}

/// Where a restore on PostgreSQL puts `TESSERA_ENCRYPTION_KEYS`: beside the key file.
fn keys_place(config: &Config) -> PathBuf {
    match SecretPlace::of(config) {
        SecretPlace::File(path) => path.with_file_name("tessera"),
        SecretPlace::Variable => PathBuf::from("tessera"),
    }
}

pub async fn restore(
    config: &Config,
    from: &Path,
    phrase: Option<Passphrase>,
    now: UnixTime,
) -> anyhow::Result<Restored> {
    let url = &config.database_url;
    let nothing = |e: anyhow::Error| {
        if e.to_string().contains("nothing was written") {
            e
        } else {
            anyhow::anyhow!("{e}; nothing was written")
        }
    };
    if !postgres_is_empty(url).await.map_err(nothing)? {
        return Err(nothing(anyhow::anyhow!(
            "the database {} already holds tables: a restore writes only into an empty database (dropdb, then createdb)",
            crate::config::redact_url(url)
        )));
    }
    let (dump, manifest, bundle, plan) = check(config, from, phrase).await.map_err(nothing)?;
    let written = plan.write()?;
    let mut command = pg_tool("pg_restore", url)?;
    command
        .args(["--exit-on-error", "--single-transaction", "--no-owner"])
        .arg(dump.path());
    tokio::task::spawn_blocking(move || run(command, "pg_restore")).await??;
    let chain = ChainKey::derive(&crate::crypto::Keys::from_base64(&bundle.secret_key)?);
    let facts = facts_of(url, &chain).await?;
    manifest.check_matches(
        facts.schema_version,
        &facts.audit_head.to_string(),
        &facts.rows,
    )?;
    let head: ChainHead = manifest
        .audit_head
        .parse()
        .map_err(|e: String| anyhow::anyhow!(e))?;
    let (entries, head_now) = super::prove(config, &bundle, &manifest, &head, now).await?;
    Ok(Restored {
        manifest,
        database: PathBuf::from(crate::config::redact_url(url)),
        wrote_secret_key: written.secret_key,
        wrote_encryption_keys: written.encryption_keys,
        entries,
        head_now,
    })
}

/// The backup file whole, its manifest for this version, its keys opened and not clashing
/// with keys here, and its dump out in a temporary file matching the manifest's SHA-256.
async fn check(
    config: &Config,
    from: &Path,
    phrase: Option<Passphrase>,
) -> anyhow::Result<(Staged, Manifest, crate::domain::backup::KeyBundle, KeyPlan)> {
    if !from.is_file() {
        anyhow::bail!("there is no backup file {}", from.display());
    }
    // Staged in the temporary directory: the backup's own may be read-only media.
    let work = std::env::temp_dir().join("tessera-restore");
    let staged = Staged::beside(&work, "backup")?;
    staged.copy_from(from)?;
    let not_backup = super::not_backup(from, "");
    let super::Opened {
        mut copy,
        manifest,
        manifest_text,
        sealed,
    } = super::open_staged(&staged, from, "").await?;
    manifest.check_restorable("postgres", newest_schema(Backend::Postgres))?;
    let bundle = super::keys_for_restore(config, &manifest, &manifest_text, sealed, phrase)?;
    super::check_key(&manifest, &bundle, config)?;
    let plan = KeyPlan::decide(config, &keys_place(config), &bundle)?;
    let dump = Staged::beside(&work, "dump")?;
    dump.create_empty()?;
    let mut file = std::fs::OpenOptions::new().write(true).open(dump.path())?;
    copy.read_dump(&mut file).await.map_err(not_backup)?;
    copy.close().await?;
    if Some(sha256_of(dump.path())?) != manifest.dump_sha256 {
        anyhow::bail!(
            "the database dump in {} does not match its manifest (changed or damaged)",
            from.display()
        );
    }
    Ok((dump, manifest, bundle, plan))
}
