//! PostgreSQL backups: `pg_dump` of an exported snapshot.

use std::path::Path;

use crate::audit::ChainKey;
use crate::config::Config;
use crate::domain::UnixTime;
use crate::passphrase::Passphrase;

use super::{BackupDone, KeysChoice, Restored};

pub async fn backup(
    _config: &Config,
    _to: &Path,
    _keys_choice: KeysChoice,
    _secret: String,
    _chain: ChainKey,
    _now: UnixTime,
) -> anyhow::Result<BackupDone> {
    anyhow::bail!("not yet")
}

pub async fn restore(
    _config: &Config,
    _from: &Path,
    _phrase: Option<Passphrase>,
    _now: UnixTime,
) -> anyhow::Result<Restored> {
    anyhow::bail!("not yet")
}
