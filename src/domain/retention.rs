//! Retention: which rows no longer count for anything, as of a time, so the tables stay
//! bounded. Each cutoff is past the moment its row stopped mattering (a session's absolute
//! end, a code's expiry, a counter's period), so nothing live is ever past one.
//!
//! The audit log has no cutoff: it is never pruned (HIPAA, 45 CFR 164.316(b)(2), asks for six
//! years of such records; an operator who must drop older entries does it outside Tessera).

use super::UnixTime;
use super::policy::Policy;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// Rows strictly before these times (or periods) may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    pub now: UnixTime,
    /// Sessions whose absolute end (`expires_at`) is before this. Every session ended by
    /// then (signed out, idle, or replaced by the next stage, all earlier), so one that ended
    /// early is kept at most `session_absolute_secs` longer than the setting says.
    pub sessions_expired_before: UnixTime,
    pub codes_expired_before: UnixTime,
    /// Links whose expiry is before this, used, replaced or neither.
    pub links_expired_before: UnixTime,
    /// Failure counters last changed before this and not locked at `now`.
    pub throttle_idle_before: UnixTime,
    /// Daily counters (`day` = Unix day) of days before this one.
    pub counter_days_before: i64,
    /// Hourly counters (`day` = Unix hour, scopes ending in `/hour`) of hours before this one.
    pub counter_hours_before: i64,
    /// Cool-downs whose last send is before this: they have passed.
    pub cool_downs_sent_before: UnixTime,
    pub outbox_before: UnixTime,
    /// Queued mail sent or discarded before this.
    pub mail_done_before: UnixTime,
    /// Dead letters that died before this (and were neither retried nor discarded).
    pub mail_dead_before: UnixTime,
}

impl Cutoffs {
    pub fn at(now: UnixTime, policy: &Policy) -> Self {
        // A period p ends at (p + 1) * length; it may go once that end plus the setting has
        // passed: p + 1 <= (now - kept) / length.
        let periods_before =
            |length: i64| (now - policy.retention_counters_secs).div_euclid(length);
        Self {
            now,
            sessions_expired_before: now - policy.retention_sessions_secs,
            codes_expired_before: now - policy.retention_codes_secs,
            links_expired_before: now - policy.retention_links_secs,
            throttle_idle_before: now - policy.retention_throttle_secs,
            counter_days_before: periods_before(DAY),
            counter_hours_before: periods_before(HOUR),
            cool_downs_sent_before: now - policy.code_resend_cooldown_secs,
            outbox_before: now - policy.retention_outbox_secs,
            mail_done_before: now - policy.retention_mail_secs,
            mail_dead_before: now - policy.retention_dead_mail_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 1_800_000_000;

    #[test]
    fn a_session_goes_only_after_its_absolute_end_and_the_setting() {
        let policy = Policy::default();
        let expires_at = NOW + policy.session_absolute_secs;
        let when = |now| expires_at < Cutoffs::at(now, &policy).sessions_expired_before;
        assert!(!when(NOW), "live");
        assert!(!when(expires_at + 29 * 86_400), "ended 29 days ago");
        assert!(when(expires_at + 30 * 86_400 + 1), "ended over 30 days ago");
    }

    #[test]
    fn the_current_and_the_last_period_of_a_counter_stay() {
        let policy = Policy::default();
        let day = NOW.div_euclid(DAY);
        let hour = NOW.div_euclid(HOUR);
        let cut = Cutoffs::at(NOW, &policy);
        let yesterday = day - 1;
        assert!(
            yesterday >= cut.counter_days_before,
            "yesterday ended less than a day ago"
        );
        assert!(hour >= cut.counter_hours_before);
        // Ended a day ago: a day's counter goes exactly one day after its day ends.
        let day_end = (day + 1) * DAY;
        assert!(day >= Cutoffs::at(day_end + DAY - 1, &policy).counter_days_before);
        assert!(day < Cutoffs::at(day_end + DAY, &policy).counter_days_before);
        let hour_end = (hour + 1) * HOUR;
        assert!(hour >= Cutoffs::at(hour_end + DAY - 1, &policy).counter_hours_before);
        assert!(hour < Cutoffs::at(hour_end + DAY, &policy).counter_hours_before);
    }

    #[test]
    fn with_nothing_kept_only_what_has_ended_goes() {
        let policy = Policy {
            retention_sessions_secs: 0,
            retention_codes_secs: 0,
            retention_links_secs: 0,
            retention_counters_secs: 0,
            retention_outbox_secs: 0,
            ..Policy::default()
        };
        let cut = Cutoffs::at(NOW, &policy);
        assert_eq!(cut.sessions_expired_before, NOW);
        assert_eq!(cut.codes_expired_before, NOW);
        assert_eq!(cut.counter_days_before, NOW.div_euclid(DAY), "today stays");
        assert_eq!(
            cut.counter_hours_before,
            NOW.div_euclid(HOUR),
            "this hour stays"
        );
        // A cool-down still running stays.
        assert!(NOW - policy.code_resend_cooldown_secs + 1 >= cut.cool_downs_sent_before);
    }

    #[test]
    fn the_settings_have_their_documented_defaults() {
        let cut = Cutoffs::at(NOW, &Policy::default());
        assert_eq!(cut.sessions_expired_before, NOW - 30 * DAY);
        assert_eq!(cut.codes_expired_before, NOW - DAY);
        assert_eq!(cut.links_expired_before, NOW - 30 * DAY);
        assert_eq!(cut.throttle_idle_before, NOW - DAY);
        assert_eq!(cut.outbox_before, NOW - 7 * DAY);
    }
}
