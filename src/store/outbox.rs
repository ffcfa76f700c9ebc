//! The development outbox: messages kept in the database while no SMTP server is set, so
//! the CLI and every node's development page see the same ones.

use sqlx::Row;

use super::{Store, StoreResult};
use crate::domain::UnixTime;

#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub created_at: UnixTime,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// For a voice call: the token of its key-press address.
    pub press_token: Option<String>,
}

impl Store {
    pub async fn put_in_outbox(&self, message: &OutboxMessage) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO dev_outbox (created_at, channel, recipient, subject, body, press_token)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(message.created_at)
        .bind(&message.channel)
        .bind(&message.recipient)
        .bind(&message.subject)
        .bind(&message.body)
        .bind(&message.press_token)
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    pub async fn outbox(&self, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
        let rows = sqlx::query(
            "SELECT created_at, channel, recipient, subject, body, press_token FROM dev_outbox ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxMessage {
                    created_at: r.try_get("created_at")?,
                    channel: r.try_get("channel")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    press_token: r.try_get("press_token")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(Into::into)
    }
}
