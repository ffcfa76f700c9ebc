//! The configurable policies of PRODUCT.md with their defaults. Each field is also a
//! configuration key (and a `TESSERA_*` variable of the same name in upper case).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// Registration links live 48 hours (user guide: "expire within 2 days").
    pub registration_link_ttl_secs: i64,
    /// The emailed login code lives 30 seconds (user guide, "Login With Email").
    pub email_login_code_ttl_secs: i64,
    /// Every other code lives at most 10 minutes (NIST SP 800-63B 5.1.3.2).
    pub code_ttl_secs: i64,
    /// Wrong tries a code allows before it is dead.
    pub code_max_attempts: i64,
    /// Wait between two sends of a code; at most 60 s (PRODUCT.md page conventions).
    pub code_resend_cooldown_secs: i64,
    /// HIPAA automatic log-off: a session unused this long ends.
    pub session_idle_secs: i64,
    /// No session outlives this, however active.
    pub session_absolute_secs: i64,
    /// Consecutive wrong passwords for one address from one client, or wrong codes of one
    /// step, before a temporary lock (well under NIST SP 800-63B's 100).
    pub lockout_threshold: i64,
    /// How long the first lock lasts; on those counters each further failure while over the
    /// threshold doubles it.
    pub lockout_secs: i64,
    /// Consecutive wrong passwords for one address from all clients together before a lock of
    /// `lockout_secs` that never grows (under NIST's 100; see docs/security.md, lock-out).
    pub lockout_threshold_any_client: i64,
    /// Argon2id hashes computed at once; more wait their turn, so memory stays bounded.
    pub password_hash_concurrency: i64,
    /// Country calling codes accepted for the phone factor, e.g. `1` or `1, 44`.
    pub allowed_country_codes: String,
    /// Toll-fraud (SMS pumping) caps: texts and calls a day per account, per number, per client.
    pub phone_sends_per_day_per_account: i64,
    pub phone_sends_per_day_per_number: i64,
    pub phone_sends_per_day_per_client: i64,
    /// How long the page waits for the callee to press # before saying the call failed.
    pub call_timeout_secs: i64,
    /// Forgot your password, registration Reset and "Having trouble logging in?": requests an
    /// hour for one address typed, and from one client, for each journey.
    pub recovery_requests_per_hour_per_address: i64,
    pub recovery_requests_per_hour_per_client: i64,
    /// Audit entries an hour that requests without a session from one client may add for
    /// events about nobody known (forged provider webhooks); past it they are counted in
    /// /metrics and logged once an hour instead of written.
    pub unauthenticated_audit_entries_per_hour_per_client: i64,
    /// Retention (`flows::retention`): how long rows are kept once they no longer count for
    /// anything. Sessions, after their absolute end (the "your sessions" page and audit
    /// questions about a recent sign-in can still find them).
    pub retention_sessions_secs: i64,
    /// Codes, after they expire: they hold their destinations (addresses, sealed numbers).
    pub retention_codes_secs: i64,
    /// Registration links, after they expire (used or not); till then a used link still says
    /// it was used.
    pub retention_links_secs: i64,
    /// Failure counters, once unlocked and without a failure for this long; at least a day,
    /// the longest lock, so a pause shorter than that never wipes the failures.
    pub retention_throttle_secs: i64,
    /// Send and request counters, after their day or hour ends.
    pub retention_counters_secs: i64,
    /// Development outbox messages, after they were put there.
    pub retention_outbox_secs: i64,
    /// Queued mail, after it was sent or discarded (`flows::mail_queue`).
    pub retention_mail_secs: i64,
    /// Dead letters nobody retried or discarded, after they died.
    pub retention_dead_mail_secs: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            registration_link_ttl_secs: 48 * 3600,
            email_login_code_ttl_secs: 30,
            code_ttl_secs: 600,
            code_max_attempts: 5,
            code_resend_cooldown_secs: 20,
            session_idle_secs: 15 * 60,
            session_absolute_secs: 12 * 3600,
            lockout_threshold: 10,
            lockout_secs: 15 * 60,
            lockout_threshold_any_client: 50,
            password_hash_concurrency: 0,
            allowed_country_codes: "1".into(),
            phone_sends_per_day_per_account: 10,
            phone_sends_per_day_per_number: 10,
            phone_sends_per_day_per_client: 30,
            call_timeout_secs: 120,
            recovery_requests_per_hour_per_address: 5,
            recovery_requests_per_hour_per_client: 30,
            unauthenticated_audit_entries_per_hour_per_client: 100,
            retention_sessions_secs: 30 * 86_400,
            retention_codes_secs: 86_400,
            retention_links_secs: 30 * 86_400,
            retention_throttle_secs: 86_400,
            retention_counters_secs: 86_400,
            retention_outbox_secs: 7 * 86_400,
            retention_mail_secs: 7 * 86_400,
            retention_dead_mail_secs: 30 * 86_400,
        }
    }
}

impl Policy {
    /// Seconds until another code may be sent: the cool-down after the last send, cut short
    /// when the code sent expires first, so a dead code can always be replaced at once
    /// (WCAG 2.2.1: a time limit the person can extend). `expires_at` is the live code's.
    pub fn resend_in(&self, sent_at: Option<i64>, expires_at: Option<i64>, now: i64) -> i64 {
        let Some(sent) = sent_at else {
            return 0;
        };
        let cooled = sent + self.code_resend_cooldown_secs;
        (expires_at.map_or(cooled, |e| cooled.min(e)) - now).max(0)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        let positive = [
            (
                "registration_link_ttl_secs",
                self.registration_link_ttl_secs,
            ),
            ("email_login_code_ttl_secs", self.email_login_code_ttl_secs),
            ("code_ttl_secs", self.code_ttl_secs),
            ("code_max_attempts", self.code_max_attempts),
            ("session_idle_secs", self.session_idle_secs),
            ("session_absolute_secs", self.session_absolute_secs),
            ("lockout_threshold", self.lockout_threshold),
            ("lockout_secs", self.lockout_secs),
            (
                "lockout_threshold_any_client",
                self.lockout_threshold_any_client,
            ),
            (
                "phone_sends_per_day_per_account",
                self.phone_sends_per_day_per_account,
            ),
            (
                "phone_sends_per_day_per_number",
                self.phone_sends_per_day_per_number,
            ),
            (
                "phone_sends_per_day_per_client",
                self.phone_sends_per_day_per_client,
            ),
            ("call_timeout_secs", self.call_timeout_secs),
            (
                "recovery_requests_per_hour_per_address",
                self.recovery_requests_per_hour_per_address,
            ),
            (
                "recovery_requests_per_hour_per_client",
                self.recovery_requests_per_hour_per_client,
            ),
            (
                "unauthenticated_audit_entries_per_hour_per_client",
                self.unauthenticated_audit_entries_per_hour_per_client,
            ),
        ];
        for (name, value) in positive {
            if value <= 0 {
                anyhow::bail!("{name} must be greater than zero");
            }
        }
        let kept = [
            ("retention_sessions_secs", self.retention_sessions_secs),
            ("retention_codes_secs", self.retention_codes_secs),
            ("retention_links_secs", self.retention_links_secs),
            ("retention_counters_secs", self.retention_counters_secs),
            ("retention_outbox_secs", self.retention_outbox_secs),
            ("retention_mail_secs", self.retention_mail_secs),
            ("retention_dead_mail_secs", self.retention_dead_mail_secs),
        ];
        for (name, value) in kept {
            if value < 0 {
                anyhow::bail!("{name} must not be negative");
            }
        }
        if self.retention_throttle_secs < 86_400 {
            anyhow::bail!(
                "retention_throttle_secs must be at least 86400 (a day, the longest lock), so a short pause never forgets the failures"
            );
        }
        if self.code_ttl_secs > 600 || self.email_login_code_ttl_secs > 600 {
            anyhow::bail!("codes may live at most 600 seconds (NIST SP 800-63B)");
        }
        if !(0..=60).contains(&self.code_resend_cooldown_secs) {
            anyhow::bail!("code_resend_cooldown_secs must be between 0 and 60");
        }
        if self.lockout_threshold >= 100 || self.lockout_threshold_any_client >= 100 {
            anyhow::bail!(
                "lockout_threshold and lockout_threshold_any_client must stay under 100 (NIST SP 800-63B)"
            );
        }
        self.country_codes()
            .map_err(|e| anyhow::anyhow!("allowed_country_codes: {e}"))?;
        Ok(())
    }

    pub fn country_codes(&self) -> Result<Vec<u16>, String> {
        super::phone::parse_country_codes(&self.allowed_country_codes)
    }

    /// Hashes computed at once: the setting, or one per core.
    pub fn hash_concurrency(&self) -> usize {
        if self.password_hash_concurrency > 0 {
            self.password_hash_concurrency as usize
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Policy;

    #[test]
    fn a_code_may_be_replaced_once_it_expired_even_within_the_cool_down() {
        let policy = Policy {
            code_resend_cooldown_secs: 60,
            ..Policy::default()
        };
        assert_eq!(policy.resend_in(None, None, 100), 0);
        assert_eq!(policy.resend_in(Some(100), Some(130), 110), 20);
        assert_eq!(policy.resend_in(Some(100), Some(130), 130), 0);
        assert_eq!(policy.resend_in(Some(100), Some(700), 110), 50);
        assert_eq!(policy.resend_in(Some(100), None, 110), 50);
    }
}
