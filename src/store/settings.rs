//! Facts a running server records for the command line (`portal_settings`): today the public
//! URL it started with.

use sqlx::Row;

use super::{Store, StoreResult};
use crate::domain::UnixTime;

/// The public URL the last server started with.
pub const PUBLIC_URL: &str = "public_url";

impl Store {
    /// Records a setting, replacing its earlier value.
    pub async fn record_setting(&self, name: &str, value: &str, now: UnixTime) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO portal_settings (name, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(value)
        .bind(now)
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    /// A recorded setting, if any.
    pub async fn setting(&self, name: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM portal_settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }
}
