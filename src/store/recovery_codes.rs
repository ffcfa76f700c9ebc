//! Recovery codes as rows (`recovery_codes`): keyed hashes only, each used once. A new set
//! replaces the old in one transaction, so no moment holds both or neither; using one is
//! `Store::prove_factor`'s claim (`second_step.rs`).

use sqlx::Row;

use super::account_changes::signed_in;
use super::mail_queue::insert_letter;
use super::{NewLetter, Store, StoreError, StoreResult, Tx, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;

/// A signed-in person's new set of recovery codes.
pub struct NewRecoveryCodes<'a> {
    pub account_id: i64,
    /// The session that asked: it must still be signed in.
    pub session_hash: &'a [u8],
    /// The codes' keyed hashes (`Purpose::RecoveryCode`).
    pub hashes: &'a [Vec<u8>],
    /// The notice to the account's address, queued with the change.
    pub notice: &'a NewLetter,
    pub now: UnixTime,
}

impl Store {
    /// Replaces the account's recovery codes (the old set, used or not, dies), with the audit
    /// entry and the notice, in one transaction. `NotFound` when the session is no longer
    /// signed in.
    pub async fn replace_recovery_codes(
        &self,
        codes: NewRecoveryCodes<'_>,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        if signed_in(&mut tx, codes.session_hash, codes.account_id)
            .await?
            .is_none()
        {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        forget(&mut tx, codes.account_id).await?;
        for hash in codes.hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(codes.account_id)
            .bind(hash.as_slice())
            .bind(codes.now)
            .execute(&mut **tx)
            .await?;
        }
        append(
            &mut tx,
            &self.chain,
            codes.now,
            &audit.with("codes", codes.hashes.len() as i64),
        )
        .await?;
        insert_letter(&mut tx, codes.notice, Some(codes.account_id), codes.now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many of the account's recovery codes are still unused.
    pub async fn recovery_codes_left(&self, account_id: i64) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS left_over FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&mut *self.connection().await?)
        .await?;
        Ok(row.try_get("left_over")?)
    }
}

/// Forgets every recovery code of the account, inside the transaction of the change that
/// causes it (a new set, an administrator's MFA reset).
pub(super) async fn forget(tx: &mut Tx, account_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
