//! Re-encrypting sealed values under the current key (`tessera keys rotate`).

use sqlx::Row;

use super::{Store, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;

impl Store {
    /// Passes every stored phone number (accounts and the codes sent to phones) through
    /// `reseal`, which returns the new stored form when the value needs one; each table is
    /// rewritten in one transaction, so readers see old or new values, never a mix within a row.
    pub async fn reseal_phone_numbers(
        &self,
        reseal: impl Fn(&str) -> anyhow::Result<Option<String>>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> anyhow::Result<usize> {
        let tables = [
            (
                "SELECT id, phone_e164 AS value FROM accounts WHERE phone_e164 IS NOT NULL",
                "UPDATE accounts SET phone_e164 = $1 WHERE id = $2",
            ),
            (
                "SELECT id, destination AS value FROM verification_codes WHERE channel <> 'email'",
                "UPDATE verification_codes SET destination = $1 WHERE id = $2",
            ),
        ];
        let mut changed = 0;
        let mut tx = self.begin().await?;
        for (select, update) in tables {
            let rows = sqlx::query(select).fetch_all(&mut *tx).await?;
            for row in rows {
                let id: i64 = row.try_get("id")?;
                let value: String = row.try_get("value")?;
                if let Some(new) = reseal(&value)? {
                    sqlx::query(update)
                        .bind(new)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    changed += 1;
                }
            }
        }
        append(&mut tx, now, &audit.with("values_resealed", changed as i64)).await?;
        tx.commit().await?;
        Ok(changed)
    }
}
