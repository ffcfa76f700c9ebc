//! Retention: deleting rows that no longer count for anything, in small batches, and the
//! lease that lets one node of several do it. The audit log is never deleted from (HIPAA keeps
//! such records six years; see `domain::retention`).

use sqlx::Row;

use super::{Store, StoreResult};
use crate::domain::UnixTime;
use crate::domain::retention::Cutoffs;

/// A table the retention job prunes, in the order it prunes them: codes before their
/// sessions (deleting a session would take its codes with it, uncounted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prunable {
    VerificationCodes,
    Sessions,
    RegistrationLinks,
    SignInThrottle,
    DeliveryCounters,
    SendCoolDowns,
    DevOutbox,
    /// Queued mail sent or discarded (`mail_queue`).
    MailDone,
    /// Dead letters nobody handled.
    MailDead,
    /// OpenID Connect authorization requests nobody came back for.
    OidcRequests,
    /// Expired codes, access and refresh tokens (before their grants, which would take
    /// them along uncounted).
    OidcTokens,
    /// Grants whose session ended long ago.
    OidcGrants,
    /// Back-channel logouts delivered, or given up, long ago.
    OidcLogouts,
    /// ID-token signing keys no longer published (every token they signed has expired).
    SigningKeys,
    /// Enrolments and WebAuthn ceremonies nobody finished.
    Ceremonies,
}

impl Prunable {
    pub const ALL: [Prunable; 15] = [
        Prunable::VerificationCodes,
        Prunable::Sessions,
        Prunable::RegistrationLinks,
        Prunable::SignInThrottle,
        Prunable::DeliveryCounters,
        Prunable::SendCoolDowns,
        Prunable::DevOutbox,
        Prunable::MailDone,
        Prunable::MailDead,
        Prunable::OidcRequests,
        Prunable::OidcTokens,
        Prunable::OidcGrants,
        Prunable::OidcLogouts,
        Prunable::SigningKeys,
        Prunable::Ceremonies,
    ];

    pub fn table(self) -> &'static str {
        match self {
            Prunable::VerificationCodes => "verification_codes",
            Prunable::Sessions => "sessions",
            Prunable::RegistrationLinks => "registration_links",
            Prunable::SignInThrottle => "sign_in_throttle",
            Prunable::DeliveryCounters => "delivery_counters",
            Prunable::SendCoolDowns => "send_cool_downs",
            Prunable::DevOutbox => "dev_outbox",
            Prunable::MailDone => "mail_queue",
            Prunable::MailDead => "mail_queue_dead",
            Prunable::OidcRequests => "oidc_requests",
            Prunable::OidcTokens => "oidc_tokens",
            Prunable::OidcGrants => "oidc_grants",
            Prunable::OidcLogouts => "oidc_logouts",
            Prunable::SigningKeys => "signing_keys",
            Prunable::Ceremonies => "ceremonies",
        }
    }

    /// One batch: `DELETE … WHERE key IN (SELECT key … LIMIT $1)`, the conditions on
    /// `$2`, `$3`; a row picked by two batches at once is deleted (and counted) by one.
    fn batch_sql(self) -> &'static str {
        match self {
            Prunable::VerificationCodes => {
                "DELETE FROM verification_codes WHERE id IN
                 (SELECT id FROM verification_codes WHERE expires_at < $2 LIMIT $1)"
            }
            // A session's codes past their own retention (`$3`) go first, counted by their
            // own batches: one still there because another prune is still at the codes keeps
            // its session until the next prune, rather than going uncounted with it by
            // cascade. Codes the settings keep longer than their session go with it.
            Prunable::Sessions => {
                "DELETE FROM sessions WHERE id_hash IN
                 (SELECT s.id_hash FROM sessions s WHERE s.expires_at < $2
                  AND NOT EXISTS (SELECT 1 FROM verification_codes v
                                  WHERE v.session_hash = s.id_hash AND v.expires_at < $3)
                  LIMIT $1)"
            }
            Prunable::RegistrationLinks => {
                "DELETE FROM registration_links WHERE token_hash IN
                 (SELECT token_hash FROM registration_links WHERE expires_at < $2 LIMIT $1)"
            }
            // Re-checked on the row deleted: a failure counted meanwhile keeps it.
            Prunable::SignInThrottle => {
                "DELETE FROM sign_in_throttle WHERE key_hash IN
                 (SELECT key_hash FROM sign_in_throttle
                  WHERE updated_at < $2 AND (locked_until IS NULL OR locked_until <= $3) LIMIT $1)
                 AND updated_at < $2 AND (locked_until IS NULL OR locked_until <= $3)"
            }
            // `day` holds a Unix hour for scopes named `…/hour` (recovery requests, the audit
            // budget) and a Unix day for the others (texts and calls).
            Prunable::DeliveryCounters => {
                "DELETE FROM delivery_counters WHERE (scope, key_hash, day) IN
                 (SELECT scope, key_hash, day FROM delivery_counters
                  WHERE (scope LIKE '%/hour' AND day < $3) OR (scope NOT LIKE '%/hour' AND day < $2)
                  LIMIT $1)"
            }
            // Re-checked on the row deleted: a send claimed meanwhile keeps it.
            Prunable::SendCoolDowns => {
                "DELETE FROM send_cool_downs WHERE (scope, key_hash) IN
                 (SELECT scope, key_hash FROM send_cool_downs WHERE last_sent_at < $2 LIMIT $1)
                 AND last_sent_at < $2"
            }
            Prunable::DevOutbox => {
                "DELETE FROM dev_outbox WHERE id IN
                 (SELECT id FROM dev_outbox WHERE created_at < $2 LIMIT $1)"
            }
            // Sent letters, and discarded ones (never a letter still to send).
            Prunable::MailDone => {
                "DELETE FROM mail_queue WHERE id IN
                 (SELECT id FROM mail_queue WHERE sent_at < $2 LIMIT $1)
                 OR id IN (SELECT id FROM mail_queue WHERE discarded_at < $2 AND sent_at IS NULL LIMIT $1)"
            }
            // Re-checked on the row deleted: a letter retried meanwhile is no longer dead.
            Prunable::MailDead => {
                "DELETE FROM mail_queue WHERE id IN
                 (SELECT id FROM mail_queue WHERE dead_at < $2 AND discarded_at IS NULL LIMIT $1)
                 AND dead_at < $2 AND discarded_at IS NULL"
            }
            Prunable::OidcRequests => {
                "DELETE FROM oidc_requests WHERE id_hash IN
                 (SELECT id_hash FROM oidc_requests WHERE expires_at < $2 LIMIT $1)"
            }
            Prunable::OidcTokens => {
                "DELETE FROM oidc_tokens WHERE token_hash IN
                 (SELECT token_hash FROM oidc_tokens WHERE expires_at < $2 LIMIT $1)"
            }
            Prunable::OidcGrants => {
                "DELETE FROM oidc_grants WHERE id IN
                 (SELECT id FROM oidc_grants WHERE ended_at < $2 LIMIT $1)"
            }
            Prunable::OidcLogouts => {
                "DELETE FROM oidc_logouts WHERE id IN
                 (SELECT id FROM oidc_logouts WHERE sent_at < $2 OR dead_at < $3 LIMIT $1)"
            }
            // Never the newest key of an algorithm (it has no `published_until`).
            Prunable::SigningKeys => {
                "DELETE FROM signing_keys WHERE kid IN
                 (SELECT kid FROM signing_keys WHERE published_until < $2 LIMIT $1)"
            }
            Prunable::Ceremonies => {
                "DELETE FROM ceremonies WHERE (handle_hash, purpose) IN
                 (SELECT handle_hash, purpose FROM ceremonies WHERE expires_at < $2 LIMIT $1)"
            }
        }
    }

    /// The values of `$2` and, where `batch_sql` has one (PostgreSQL refuses a value
    /// too many), `$3`.
    fn bounds(self, cut: &Cutoffs) -> (i64, Option<i64>) {
        match self {
            Prunable::VerificationCodes => (cut.codes_expired_before, None),
            Prunable::Sessions => (cut.sessions_expired_before, Some(cut.codes_expired_before)),
            Prunable::RegistrationLinks => (cut.links_expired_before, None),
            Prunable::SignInThrottle => (cut.throttle_idle_before, Some(cut.now)),
            Prunable::DeliveryCounters => (cut.counter_days_before, Some(cut.counter_hours_before)),
            Prunable::SendCoolDowns => (cut.cool_downs_sent_before, None),
            Prunable::DevOutbox => (cut.outbox_before, None),
            Prunable::MailDone => (cut.mail_done_before, None),
            Prunable::MailDead => (cut.mail_dead_before, None),
            Prunable::OidcRequests | Prunable::OidcTokens => (cut.codes_expired_before, None),
            Prunable::OidcGrants => (cut.sessions_expired_before, None),
            Prunable::OidcLogouts => (cut.mail_done_before, Some(cut.mail_dead_before)),
            Prunable::SigningKeys | Prunable::Ceremonies => (cut.codes_expired_before, None),
        }
    }
}

impl Store {
    /// Takes (or keeps) the lease of job `name` for `holder` until `until`, if no other holder's
    /// lease is still running at `now`. The conditional upsert settles a race: of several
    /// nodes asking at once, one gets the row.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: UnixTime,
        until: UnixTime,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let taken = sqlx::query(
            "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = $2, expires_at = $3
                 WHERE job_leases.expires_at <= $4 OR job_leases.holder = $2
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
        tx.commit().await?;
        Ok(taken)
    }

    /// Who holds the lease of job `name`, until when.
    pub async fn lease(&self, name: &str) -> StoreResult<Option<(String, UnixTime)>> {
        let row = sqlx::query("SELECT holder, expires_at FROM job_leases WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.connection().await?)
            .await?;
        row.map(|r| -> StoreResult<(String, UnixTime)> {
            Ok((r.try_get("holder")?, r.try_get("expires_at")?))
        })
        .transpose()
    }

    /// Deletes at most `limit` rows of `table` past the cutoffs, in one short transaction (so
    /// on SQLite the write lock is held only for one batch); returns how many went.
    pub async fn prune_batch(
        &self,
        table: Prunable,
        cutoffs: &Cutoffs,
        limit: i64,
    ) -> StoreResult<u64> {
        let (first, second) = table.bounds(cutoffs);
        let mut tx = self.begin().await?;
        let mut query = sqlx::query(table.batch_sql()).bind(limit).bind(first);
        if let Some(second) = second {
            query = query.bind(second);
        }
        let deleted = query.execute(&mut **tx).await?.rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }
}
