//! The files a backup and a restore write: each staged beside its final place under a
//! temporary name, made private, synced, then linked into place only when complete, so a
//! crash or an error never leaves a half-written backup, database or key file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::domain::backup::KeyBundle;

use super::SecretPlace;

/// The file of an `sqlite://` URL; None for PostgreSQL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// A file being written under a temporary name beside its final place; removed when dropped
/// unless kept.
pub struct Staged {
    path: PathBuf,
    kept: bool,
}

impl Staged {
    pub fn beside(target: &Path, tag: &str) -> anyhow::Result<Self> {
        let name = target
            .file_name()
            .ok_or_else(|| anyhow::anyhow!("{} is not a file name", target.display()))?
            .to_string_lossy();
        let random = &crate::crypto::random_token()?[..10];
        let path = target.with_file_name(format!(".{name}.{tag}-{random}"));
        Ok(Self { path, kept: false })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An empty file, owner-only from its first moment (a backup holds password hashes and
    /// sealed personal data); `VACUUM INTO` and `pg_dump` fill an empty file, keeping its mode.
    pub fn create_empty(&self) -> anyhow::Result<()> {
        create_private(&self.path)?;
        Ok(())
    }

    pub fn copy_from(&self, from: &Path) -> anyhow::Result<()> {
        let mut source =
            File::open(from).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", from.display()))?;
        let mut staged = create_private(&self.path)?;
        std::io::copy(&mut source, &mut staged)?;
        Ok(())
    }

    /// Synced, then given its final name, which must not exist (or be an empty file): a
    /// backup or a database already there is never replaced.
    pub fn keep_as(mut self, target: &Path) -> anyhow::Result<()> {
        File::open(&self.path)?.sync_all()?;
        let empty = std::fs::metadata(target).is_ok_and(|m| m.len() == 0);
        if empty {
            std::fs::rename(&self.path, target)?;
        } else {
            std::fs::hard_link(&self.path, target)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", target.display()))?;
            std::fs::remove_file(&self.path)?;
        }
        self.kept = true;
        sync_dir(target);
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_file(format!("{}-journal", self.path.display()));
        }
    }
}

fn create_private(path: &Path) -> anyhow::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))
}

/// The new name is durable only once the directory is synced.
fn sync_dir(file: &Path) {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = File::open(dir)
    {
        let _ = dir.sync_all();
    }
}

/// A new file with `text`, owner-only, written whole or not at all.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let staged = Staged::beside(path, "new")?;
    let mut file = create_private(staged.path())?;
    file.write_all(text.as_bytes())?;
    drop(file);
    staged.keep_as(path)
}

/// A backup is made only as a new file, in a directory that exists.
pub fn check_new_file(to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        anyhow::bail!(
            "{} already exists: a backup never replaces a file; choose a new name",
            to.display()
        );
    }
    let dir = to.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir
        && !dir.is_dir()
    {
        anyhow::bail!("the directory {} does not exist", dir.display());
    }
    Ok(())
}

/// A restore goes only into an empty place: no database file with data, no write-ahead log.
pub fn check_empty_place(target: &Path) -> anyhow::Result<()> {
    for path in [
        target.to_path_buf(),
        PathBuf::from(format!("{}-wal", target.display())),
    ] {
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > 0) {
            anyhow::bail!(
                "{} already exists and holds data: a restore writes only into an empty place. Stop the portal and move the database away first (nothing was written)",
                path.display()
            );
        }
    }
    Ok(())
}

/// Which key files a restore writes: none that exists already with another key (refused),
/// none that already holds the same key.
pub struct KeyPlan {
    secret_key: Option<(PathBuf, String)>,
    encryption_keys: Option<(PathBuf, String)>,
}

#[derive(Default)]
pub struct Written {
    pub secret_key: Option<PathBuf>,
    pub encryption_keys: Option<PathBuf>,
}

/// Where a restore puts `TESSERA_ENCRYPTION_KEYS` when it is not set here: beside the
/// database, in the form systemd's `EnvironmentFile=` reads.
pub fn encryption_keys_file(database: &Path) -> PathBuf {
    PathBuf::from(format!("{}.encryption-keys.env", database.display()))
}

impl KeyPlan {
    pub fn decide(config: &Config, database: &Path, bundle: &KeyBundle) -> anyhow::Result<Self> {
        let differ = |what: String| {
            anyhow::anyhow!(
                "{what} holds another key than the backup's: a restore does not replace keys. Move it away, or restore with the configuration the backup belongs to (nothing was written)"
            )
        };
        let secret_key = match SecretPlace::of(config) {
            SecretPlace::Variable => {
                let set = config.secret_key.as_deref().unwrap_or_default();
                if !super::same_key(set, &bundle.secret_key) {
                    return Err(differ("TESSERA_SECRET_KEY".into()));
                }
                None
            }
            SecretPlace::File(path) => match std::fs::read_to_string(&path) {
                Ok(text) if super::same_key(&text, &bundle.secret_key) => None,
                Ok(_) => return Err(differ(format!("the key file {}", path.display()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Some((path, bundle.secret_key.clone()))
                }
                Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
            },
        };
        let encryption_keys = match (&bundle.encryption_keys, &config.encryption_keys) {
            (Some(backed), Some(set)) if normalized(backed) == normalized(set) => None,
            (Some(_), Some(_)) => return Err(differ("TESSERA_ENCRYPTION_KEYS".into())),
            (Some(backed), None) => {
                let path = encryption_keys_file(database);
                if path.exists() {
                    anyhow::bail!(
                        "{} already exists: move it away first (nothing was written)",
                        path.display()
                    );
                }
                Some((
                    path,
                    format!("TESSERA_ENCRYPTION_KEYS={}\n", normalized(backed)),
                ))
            }
            (None, _) => None,
        };
        Ok(Self {
            secret_key,
            encryption_keys,
        })
    }

    pub fn write(self) -> anyhow::Result<Written> {
        let mut written = Written::default();
        if let Some((path, text)) = self.secret_key {
            write_private(&path, &text)?;
            written.secret_key = Some(path);
        }
        if let Some((path, text)) = self.encryption_keys {
            write_private(&path, &text)?;
            written.encryption_keys = Some(path);
        }
        Ok(written)
    }
}

fn normalized(keys: &str) -> String {
    keys.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_path("sqlite:///var/lib/tessera/tessera.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/tessera/tessera.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:tessera.db"),
            Some(PathBuf::from("tessera.db"))
        );
        assert_eq!(sqlite_path("postgres://db/tessera"), None);
    }

    #[test]
    fn a_staged_file_is_gone_unless_kept_and_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("backup.db");
        let staged = Staged::beside(&target, "partial").unwrap();
        std::fs::write(staged.path(), "half").unwrap();
        let path = staged.path().to_path_buf();
        drop(staged);
        assert!(!path.exists() && !target.exists());
        std::fs::write(&target, "an older backup").unwrap();
        let staged = Staged::beside(&target, "partial").unwrap();
        std::fs::write(staged.path(), "new").unwrap();
        assert!(staged.keep_as(&target).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "an older backup");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no leftovers"
        );
    }
}
