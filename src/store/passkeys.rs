//! Passkeys as rows of `account_factors` (kind `passkey`): the credential id (unique), the
//! person's name for it, and the webauthn-rs credential as JSON (public key, sign counter,
//! backup flags; public material, so not sealed). The sign-in without a password is one
//! transaction here: the credential's new counter, the session, the audit entry.

use sqlx::Row;

use super::{Store, StoreError, StoreResult, audit::append, sessions};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::account::AccountStatus;
use crate::domain::factor::FactorKind;
use crate::domain::session::{Proofs, SessionStage, SessionTimes};

/// A registered passkey as stored.
#[derive(Debug, Clone)]
pub struct StoredPasskey {
    pub id: i64,
    pub account_id: i64,
    pub credential_id: Vec<u8>,
    /// The webauthn-rs credential, serialized.
    pub stored: String,
}

/// A passkey's assertion accepted without a password: what the sign-in records.
pub struct PasskeySignIn<'a> {
    /// The browser's earlier session, if any: it ends (a new identifier at sign-in).
    pub previous: Option<&'a [u8]>,
    pub id_hash: &'a [u8],
    pub account_id: i64,
    pub credential_id: &'a [u8],
    /// The credential as it was read before the assertion was checked against it.
    pub read: &'a str,
    /// The credential with its new counter and backup flags.
    pub stored: &'a str,
    pub proofs: Proofs,
    pub times: SessionTimes,
}

fn passkey_of(row: &sqlx::any::AnyRow) -> StoreResult<StoredPasskey> {
    Ok(StoredPasskey {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        credential_id: row.try_get("credential_id")?,
        stored: row
            .try_get::<Option<String>, _>("secret")?
            .ok_or_else(|| StoreError::Corrupt("a passkey without its credential".into()))?,
    })
}

impl Store {
    /// The account's passkeys, oldest first.
    pub async fn passkeys_of(&self, account_id: i64) -> StoreResult<Vec<StoredPasskey>> {
        let rows = sqlx::query(
            "SELECT id, account_id, credential_id, secret FROM account_factors
             WHERE account_id = $1 AND kind = $2 AND credential_id IS NOT NULL ORDER BY id",
        )
        .bind(account_id)
        .bind(FactorKind::Passkey.as_str())
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter().map(passkey_of).collect()
    }

    /// The passkey with this credential id, whoever holds it.
    pub async fn passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<StoredPasskey>> {
        let row = sqlx::query(
            "SELECT id, account_id, credential_id, secret FROM account_factors
             WHERE credential_id = $1 AND kind = $2",
        )
        .bind(credential_id)
        .bind(FactorKind::Passkey.as_str())
        .fetch_optional(&mut *self.connection().await?)
        .await?;
        row.as_ref().map(passkey_of).transpose()
    }

    /// Signs in with a passkey alone, in one transaction: the credential's counter and backup
    /// flags, the earlier session ended, an authenticated session, the sign-in time and the
    /// audit entry. The credential is updated only if it is still as it was read, so of two
    /// assertions checked against one sign counter only one passes. `NotFound` when the
    /// passkey was removed or used meanwhile, or the account is not active; `Barred` when an
    /// administrator disabled or locked it.
    pub async fn sign_in_with_passkey(
        &self,
        sign_in: PasskeySignIn<'_>,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let claimed = sqlx::query(
            "UPDATE account_factors SET secret = $1, last_used_at = $2
             WHERE account_id = $3 AND kind = $4 AND credential_id = $5 AND secret = $7
             AND EXISTS (SELECT 1 FROM accounts WHERE id = $3 AND status = $6)",
        )
        .bind(sign_in.stored)
        .bind(now)
        .bind(sign_in.account_id)
        .bind(FactorKind::Passkey.as_str())
        .bind(sign_in.credential_id)
        .bind(AccountStatus::Active.as_str())
        .bind(sign_in.read)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Err(StoreError::NotFound);
        }
        if let Some(previous) = sign_in.previous {
            sessions::revoke(&mut tx, previous, now).await?;
        }
        // Refuses a disabled or locked account (`StoreError::Barred`): nothing is kept.
        sessions::insert(
            &mut tx,
            sign_in.id_hash,
            Some(sign_in.account_id),
            SessionStage::Authenticated,
            sign_in.times,
            sessions::Carried::proved(sign_in.proofs),
        )
        .await?;
        sqlx::query("UPDATE accounts SET last_sign_in_at = $1 WHERE id = $2")
            .bind(now)
            .bind(sign_in.account_id)
            .execute(&mut **tx)
            .await?;
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renames one of the account's passkeys, with its audit entry; false when it holds no
    /// such passkey.
    pub async fn rename_passkey(
        &self,
        account_id: i64,
        factor_id: i64,
        label: &str,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let renamed = sqlx::query(
            "UPDATE account_factors SET label = $1 WHERE id = $2 AND account_id = $3 AND kind = $4",
        )
        .bind(label)
        .bind(factor_id)
        .bind(account_id)
        .bind(FactorKind::Passkey.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if renamed == 0 {
            return Ok(false);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}
