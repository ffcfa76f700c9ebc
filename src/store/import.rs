//! Bringing in the accounts of an older system, all or nothing.

use sqlx::Row;

use super::{Store, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::account::AccountStatus;

/// One account to import, already validated.
pub struct ImportedAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub org_id: Option<i64>,
    pub role: &'a str,
}

/// Rows per INSERT: well under both backends' limits on bound parameters.
const BATCH: usize = 500;

impl Store {
    /// The addresses among `emails` that already have an account.
    pub async fn existing_emails(&self, emails: &[&str]) -> StoreResult<Vec<String>> {
        let mut found = Vec::new();
        for chunk in emails.chunks(BATCH) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT email FROM accounts WHERE email IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for email in chunk {
                query = query.bind(*email);
            }
            for row in query.fetch_all(&mut *self.connection().await?).await? {
                found.push(row.try_get("email")?);
            }
        }
        Ok(found)
    }

    /// Inserts every account in one transaction, in batches, with one audit entry; `progress`
    /// hears how many are written so far. Nothing is imported if anything fails.
    pub async fn import_accounts(
        &self,
        accounts: &[ImportedAccount<'_>],
        now: UnixTime,
        audit: AuditEvent,
        progress: impl Fn(usize),
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        let mut written = 0;
        for chunk in accounts.chunks(BATCH) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = i * 6;
                    format!(
                        "(${}, ${}, ${}, ${}, '{}', ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        AccountStatus::Imported.as_str(),
                        b + 5,
                        b + 6
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO accounts (email, display_name, org_id, role, status, password_hash, created_at) VALUES {}",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for account in chunk {
                query = query
                    .bind(account.email)
                    .bind(account.display_name)
                    .bind(account.org_id)
                    .bind(account.role)
                    .bind(account.password_hash)
                    .bind(now);
            }
            query
                .execute(&mut **tx)
                .await
                .map_err(super::StoreError::from_write)?;
            written += chunk.len();
            progress(written);
        }
        append(
            &mut tx,
            &self.chain,
            now,
            &audit.with("accounts", written as i64),
        )
        .await?;
        tx.commit().await?;
        Ok(written)
    }
}
