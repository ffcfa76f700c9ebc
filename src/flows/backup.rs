//! `tessera backup` and `tessera restore` (issue 19; HIPAA 164.308(a)(7)(ii)(A) data backup
//! plan, (B) disaster recovery plan). A backup is one file: on SQLite, a consistent copy of
//! the database (`VACUUM INTO`) with a `tessera_backup` table holding its manifest and, sealed
//! under the operator's passphrase, the keys that are not in the database. A restore checks
//! all of it before it writes anything, writes only into an empty place, and proves the
//! result: the audit chain verifies under the restored key up to the manifest's head.

use std::path::{Path, PathBuf};

use base64::Engine;

use crate::audit::{AuditEvent, ChainHead, ChainKey};
use crate::config::Config;
use crate::crypto::Keys;
use crate::domain::UnixTime;
use crate::domain::backup::{FORMAT, FROM_VARIABLE, KeyBundle, Manifest};
use crate::passphrase::{self, Passphrase};
use crate::store::Store;
use crate::store::backup::SqliteCopy;

pub mod files;
pub mod postgres;
pub mod report;

use files::{Staged, sqlite_path};

/// Where the secret key is read from, as `app::load_keys` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretPlace {
    Variable,
    File(PathBuf),
}

impl SecretPlace {
    pub fn of(config: &Config) -> Self {
        if config.secret_key.is_some() {
            return Self::Variable;
        }
        Self::File(config.secret_key_file.clone().unwrap_or_else(|| {
            match sqlite_path(&config.database_url) {
                Some(db) => PathBuf::from(format!("{}.key", db.display())),
                None => PathBuf::from("tessera.key"),
            }
        }))
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Variable => FROM_VARIABLE.to_string(),
            Self::File(path) => path.display().to_string(),
        }
    }
}

/// The secret key as configured, read without creating a key file.
fn configured_secret(config: &Config) -> anyhow::Result<Option<String>> {
    match SecretPlace::of(config) {
        SecretPlace::Variable => Ok(config.secret_key.clone()),
        SecretPlace::File(path) => match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text.trim().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => anyhow::bail!("cannot read the secret key file {}: {e}", path.display()),
        },
    }
}

fn same_key(a: &str, b: &str) -> bool {
    let decode = |t: &str| {
        let t = t.trim();
        base64::engine::general_purpose::STANDARD
            .decode(t)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t))
            .ok()
    };
    matches!((decode(a), decode(b)), (Some(x), Some(y)) if crate::crypto::constant_time_eq(&x, &y))
}

/// The passphrase, or the operator's explicit choice to leave the keys out.
pub enum KeysChoice {
    Sealed(Passphrase),
    Without,
}

pub struct BackupDone {
    pub file: PathBuf,
    pub manifest: Manifest,
    pub secret_place: SecretPlace,
}

/// Makes the backup `to` (a new file) of the portal `config` describes, while it runs.
pub async fn backup(
    config: &Config,
    to: &Path,
    keys_choice: KeysChoice,
    now: UnixTime,
) -> anyhow::Result<BackupDone> {
    let secret_place = SecretPlace::of(config);
    let secret = configured_secret(config)?.ok_or_else(|| {
        anyhow::anyhow!(
            "the secret key file {} does not exist: is this the portal's configuration?",
            secret_place.describe()
        )
    })?;
    let keys = Keys::from_base64(&secret)?;
    let chain = ChainKey::derive(&keys);
    files::check_new_file(to)?;
    let Some(database) = sqlite_path(&config.database_url) else {
        return postgres::backup(config, to, keys_choice, secret, chain, now).await;
    };
    if !database.is_file() {
        anyhow::bail!("there is no database at {}", database.display());
    }
    let staged = Staged::beside(to, "partial")?;
    let store = Store::open_as_is(&config.database_url, chain.clone()).await?;
    staged.create_empty()?;
    store.copy_into(staged.path()).await?;
    let mut copy = SqliteCopy::open(staged.path()).await?;
    let facts = copy.facts(&chain).await?;
    not_the_key(&facts, &secret_place)?;
    let manifest = manifest_of(
        "sqlite",
        &facts,
        Written {
            config,
            keys_choice: &keys_choice,
            secret_place: &secret_place,
            chain: &chain,
            now,
        },
        None,
    );
    let manifest_text = serde_json::to_string(&manifest)?;
    let sealed = sealed_keys(&keys_choice, config, secret, &manifest_text)?;
    copy.write_extras(&manifest_text, sealed.as_deref()).await?;
    copy.close().await?;
    staged.keep_as(to)?;
    record(&store, now, "backup-made", &manifest).await;
    store.close().await;
    Ok(BackupDone {
        file: to.to_path_buf(),
        manifest,
        secret_place,
    })
}

/// What a backup was written with: its configuration, keys and time.
struct Written<'a> {
    config: &'a Config,
    keys_choice: &'a KeysChoice,
    secret_place: &'a SecretPlace,
    chain: &'a ChainKey,
    now: UnixTime,
}

/// The manifest of a copy, either backend's: what the copy holds (`facts`, read from it) and
/// how it was written.
fn manifest_of(
    backend: &str,
    facts: &crate::store::backup::CopyFacts,
    written: Written<'_>,
    dump_sha256: Option<String>,
) -> Manifest {
    Manifest {
        format: FORMAT,
        tessera_version: env!("CARGO_PKG_VERSION").into(),
        backend: backend.into(),
        schema_version: facts.schema_version,
        audit_head: facts.audit_head.to_string(),
        made_at: written.now,
        rows: facts.rows.clone(),
        keys_included: matches!(written.keys_choice, KeysChoice::Sealed(_)),
        secret_key_source: written.secret_place.describe(),
        encryption_keys_set: written.config.encryption_keys.is_some(),
        key_check: Some(key_check(written.chain, written.now)),
        dump_sha256,
    }
}

/// The chain key's seal of an entry that cannot be in any log (sequence 0, an event no code
/// records): it says nothing of the log, and shows which key the backup belongs to.
fn key_check(chain: &ChainKey, made_at: UnixTime) -> String {
    chain.hash_record(&crate::audit::AuditRecord {
        seq: 0,
        at: made_at,
        event: "tessera-backup-key-check".into(),
        actor: String::new(),
        subject: String::new(),
        detail: String::new(),
        prev_hash: crate::audit::GENESIS.into(),
        hash: String::new(),
    })
}

/// The key a restore will use must be the backup's portal's.
fn check_key(manifest: &Manifest, bundle: &KeyBundle, config: &Config) -> anyhow::Result<ChainKey> {
    let chain = ChainKey::derive(&Keys::from_base64(&bundle.secret_key)?);
    if let Some(expected) = &manifest.key_check
        && !crate::crypto::constant_time_eq(
            key_check(&chain, manifest.made_at).as_bytes(),
            expected.as_bytes(),
        )
    {
        anyhow::bail!(
            "{} is not the key of the portal this backup was made of (is it this portal's key?)",
            if manifest.keys_included {
                "the backup's secret key".to_string()
            } else {
                format!("the secret key at {}", SecretPlace::of(config).describe())
            }
        );
    }
    Ok(chain)
}

/// A backup whose key does not seal the database's audit log could never be restored.
fn not_the_key(facts: &crate::store::backup::CopyFacts, place: &SecretPlace) -> anyhow::Result<()> {
    if !facts.sealed_by_key {
        anyhow::bail!(
            "the secret key ({}) is not this database's key: its audit log is not sealed under it. Give the portal's own configuration; no backup was made",
            place.describe()
        );
    }
    Ok(())
}

/// The keys sealed under the passphrase and bound to the manifest, as stored in the backup.
fn sealed_keys(
    choice: &KeysChoice,
    config: &Config,
    secret: String,
    manifest_text: &str,
) -> anyhow::Result<Option<String>> {
    let KeysChoice::Sealed(phrase) = choice else {
        return Ok(None);
    };
    let bundle = KeyBundle {
        secret_key: secret,
        encryption_keys: config.encryption_keys.clone(),
    };
    let plain = zeroize_after(serde_json::to_vec(&bundle)?, |plain| {
        passphrase::seal(phrase, plain, manifest_text.as_bytes())
    })?;
    Ok(Some(serde_json::to_string(&plain)?))
}

/// Runs `f` on `bytes`, then overwrites them: the keys in plain text live no longer than needed.
fn zeroize_after<T>(mut bytes: Vec<u8>, f: impl FnOnce(&[u8]) -> T) -> T {
    let out = f(&bytes);
    bytes.iter_mut().for_each(|b| *b = 0);
    std::hint::black_box(&bytes);
    out
}

/// The entry is written after the copy is complete, into the live log: a backup's own entry
/// cannot be in it (it is not complete until after the copy), and an entry written before
/// would claim a backup that might fail. Its detail names the head the copy holds.
async fn record(store: &Store, now: UnixTime, event: &'static str, manifest: &Manifest) {
    let entry = AuditEvent::new(event, "cli", "database")
        .with("audit_head", manifest.audit_head.clone())
        .with("schema_version", manifest.schema_version)
        .with("keys_included", manifest.keys_included);
    if let Err(e) = store.record(now, entry).await {
        tracing::warn!(error = %e, event, "could not write the audit entry");
    }
}

pub struct Restored {
    pub manifest: Manifest,
    pub database: PathBuf,
    /// The key file written, when the backup's key was not already in place.
    pub wrote_secret_key: Option<PathBuf>,
    /// The file holding `TESSERA_ENCRYPTION_KEYS=…`, when the variable must be set from it.
    pub wrote_encryption_keys: Option<PathBuf>,
    pub entries: usize,
    pub head_now: ChainHead,
}

/// Restores `from` into the empty place `config` describes. Nothing is written unless every
/// check passed; the database file appears only complete (staged, then linked into place).
pub async fn restore(
    config: &Config,
    from: &Path,
    phrase: Option<Passphrase>,
    now: UnixTime,
) -> anyhow::Result<Restored> {
    let Some(target) = sqlite_path(&config.database_url) else {
        return postgres::restore(config, from, phrase, now).await;
    };
    let checked = check_backup(config, from, &target, phrase)
        .await
        .map_err(|e| {
            if e.to_string().contains("nothing was written") {
                e
            } else {
                anyhow::anyhow!("{e}; nothing was written")
            }
        })?;
    let Checked {
        staged,
        manifest,
        bundle,
        plan,
    } = checked;
    let written = plan.write()?;
    staged.keep_as(&target)?;
    let head: ChainHead = manifest
        .audit_head
        .parse()
        .map_err(|e: String| anyhow::anyhow!(e))?;
    let (entries, head_now) = prove(config, &bundle, &manifest, &head, now).await?;
    Ok(Restored {
        manifest,
        database: target,
        wrote_secret_key: written.secret_key,
        wrote_encryption_keys: written.encryption_keys,
        entries,
        head_now,
    })
}

/// A backup checked in full and staged beside its place, ready to be put there.
struct Checked {
    staged: Staged,
    manifest: Manifest,
    bundle: KeyBundle,
    plan: files::KeyPlan,
}

/// Every check of a restore, before anything is written: an empty place, a whole file
/// A staged backup file opened: whole by SQLite's integrity check, with a manifest.
struct Opened {
    copy: SqliteCopy,
    manifest: Manifest,
    manifest_text: String,
    /// The keys, sealed under the passphrase, when the backup carries them.
    sealed: Option<String>,
}

/// Turns an error reading the backup file into what the operator is told; `after` ends it.
fn not_backup<'a>(from: &'a Path, after: &'a str) -> impl Fn(anyhow::Error) -> anyhow::Error + 'a {
    move |e| {
        anyhow::anyhow!(
            "{} is not a readable Tessera backup ({e}){after}",
            from.display()
        )
    }
}

/// Opens the staged copy of the backup file `from` and reads its manifest; every refusal
/// names the file and ends with `after`. Both backends' restores begin here.
async fn open_staged(staged: &Staged, from: &Path, after: &str) -> anyhow::Result<Opened> {
    let not_backup = not_backup(from, after);
    let mut copy = SqliteCopy::open(staged.path()).await.map_err(&not_backup)?;
    if let Err(problem) = copy.integrity().await.map_err(&not_backup)? {
        anyhow::bail!(
            "{} is damaged (SQLite's integrity check: {problem}){after}",
            from.display()
        );
    }
    let Some((manifest_text, sealed)) = copy.read_extras().await.map_err(&not_backup)? else {
        anyhow::bail!(
            "{} has no Tessera backup manifest: it is not a file `tessera backup` made{after}",
            from.display()
        );
    };
    let manifest = serde_json::from_str(&manifest_text)
        .map_err(|e| anyhow::anyhow!("the backup's manifest cannot be read ({e}){after}"))?;
    Ok(Opened {
        copy,
        manifest,
        manifest_text,
        sealed,
    })
}

/// (SQLite's integrity check), a manifest this version reads and the copy matches, keys the
/// passphrase opens that do not clash with keys already here, and an audit chain that
/// verifies under them. The copy is staged beside the target (and removed on failure).
async fn check_backup(
    config: &Config,
    from: &Path,
    target: &Path,
    phrase: Option<Passphrase>,
) -> anyhow::Result<Checked> {
    files::check_empty_place(target)?;
    if !from.is_file() {
        anyhow::bail!("there is no backup file {}", from.display());
    }
    let staged = Staged::beside(target, "restoring")?;
    staged.copy_from(from)?;
    let after = "; nothing was written";
    let not_backup = not_backup(from, after);
    let Opened {
        mut copy,
        manifest,
        manifest_text,
        sealed,
    } = open_staged(&staged, from, after).await?;
    manifest.check_restorable(
        "sqlite",
        crate::store::backup::newest_schema(crate::store::Backend::Sqlite),
    )?;
    let bundle = keys_for_restore(config, &manifest, &manifest_text, sealed, phrase)?;
    let plan = files::KeyPlan::decide(config, target, &bundle)?;
    let chain = check_key(&manifest, &bundle, config)?;
    let facts = copy.facts(&chain).await.map_err(not_backup)?;
    manifest.check_matches(
        facts.schema_version,
        &facts.audit_head.to_string(),
        &facts.rows,
    )?;
    if let Err(problem) = copy.verify_chain(&chain, &facts.audit_head).await? {
        anyhow::bail!(
            "the audit log in the backup does not verify under {}: {problem}; nothing was written",
            if manifest.keys_included {
                "the backup's secret key".to_string()
            } else {
                format!(
                    "the secret key at {} (is it this portal's key?)",
                    SecretPlace::of(config).describe()
                )
            }
        );
    }
    copy.drop_extras().await?;
    copy.close().await?;
    Ok(Checked {
        staged,
        manifest,
        bundle,
        plan,
    })
}

/// The keys the restored portal will use: the backup's, opened with the passphrase; or, for
/// a backup made without them, the ones configured here.
fn keys_for_restore(
    config: &Config,
    manifest: &Manifest,
    manifest_text: &str,
    sealed: Option<String>,
    phrase: Option<Passphrase>,
) -> anyhow::Result<KeyBundle> {
    match (manifest.keys_included, sealed) {
        (true, Some(sealed)) => {
            let Some(phrase) = phrase else {
                anyhow::bail!(
                    "this backup's keys are sealed under a passphrase: give --passphrase-file PATH or set TESSERA_BACKUP_PASSPHRASE; nothing was written"
                );
            };
            let sealed: passphrase::Sealed = serde_json::from_str(&sealed)
                .map_err(|e| anyhow::anyhow!("the backup's sealed keys cannot be read: {e}"))?;
            let plain = passphrase::open(&phrase, &sealed, manifest_text.as_bytes())
                .map_err(|e| anyhow::anyhow!("{e}; nothing was written"))?;
            zeroize_after(plain, |plain| serde_json::from_slice(plain))
                .map_err(|e| anyhow::anyhow!("the backup's keys cannot be read: {e}"))
        }
        (true, None) => anyhow::bail!(
            "the backup's manifest says it holds the keys, but they are missing: the file was changed; nothing was written"
        ),
        (false, _) => {
            let secret = configured_secret(config)?.ok_or_else(|| {
                anyhow::anyhow!(
                    "this backup was made without its keys: put the portal's secret key at {} (or set TESSERA_SECRET_KEY) first; nothing was written",
                    SecretPlace::of(config).describe()
                )
            })?;
            Ok(KeyBundle {
                secret_key: secret,
                encryption_keys: config.encryption_keys.clone(),
            })
        }
    }
}

/// Opens the restored portal as `tessera serve` will (migrating an older schema), records the
/// restore, and verifies the whole chain under the restored key, the manifest's head in it.
async fn prove(
    config: &Config,
    bundle: &KeyBundle,
    manifest: &Manifest,
    head: &ChainHead,
    now: UnixTime,
) -> anyhow::Result<(usize, ChainHead)> {
    let mut config = config.clone();
    config.secret_key = Some(bundle.secret_key.clone());
    config.encryption_keys = bundle.encryption_keys.clone();
    let app = crate::app::App::build(config).await?;
    record(&app.store, now, "backup-restored", manifest).await;
    let verified = super::audit_log::verify_chain(&app, Some(head)).await;
    app.store.close().await;
    match verified? {
        Ok(v) => Ok((v.entries, v.head)),
        Err(problem) => anyhow::bail!("the restored audit log does not verify: {problem}"),
    }
}
