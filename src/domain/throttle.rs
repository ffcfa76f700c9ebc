//! Lock-out after consecutive failures (NIST SP 800-63B 5.2.2: well under 100). Counters are
//! kept per address typed, known or not, so a lock tells a stranger nothing about which
//! addresses have accounts. Wrong passwords count twice: per address *and client*, with
//! locks that double (one source guessing is slowed hard), and per address from anywhere,
//! with a higher ceiling and locks that never grow (so a stranger who knows an address can
//! lock its owner out for minutes at most, and only from many places at once); codes count
//! per address and step (the second factor, or a recovery), so guessing recovery codes never
//! locks the owner's sign-in, and a stranger's wrong passwords never lock their recovery.

use super::session::SessionStage;
use super::{UnixTime, policy::Policy};

/// How one counter locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockRule {
    /// Failures from which each further one locks.
    pub threshold: i64,
    /// How long the first lock lasts.
    pub lock_secs: i64,
    /// Whether each further failure doubles the lock (capped at a day).
    pub doubles: bool,
}

impl LockRule {
    /// Wrong passwords for one address from one client, and wrong codes of one step.
    pub fn strict(policy: &Policy) -> Self {
        Self {
            threshold: policy.lockout_threshold,
            lock_secs: policy.lockout_secs,
            doubles: true,
        }
    }

    /// Wrong codes at `stage`. A recovery's codes can be typed by anyone who asked for a
    /// recovery of the address (a stranger too), so their locks stay short and never grow,
    /// like the any-client ceiling (guessing is bounded besides by the recovery requests an
    /// hour and the tries per code); the second factor's only by someone who holds the
    /// password, so they lock strictly.
    pub fn for_codes_at(stage: SessionStage, policy: &Policy) -> Self {
        match stage {
            SessionStage::Recovery | SessionStage::RecoveryPhone => Self {
                threshold: policy.lockout_threshold,
                lock_secs: policy.lockout_secs,
                doubles: false,
            },
            _ => Self::strict(policy),
        }
    }

    /// Wrong passwords for one address from every client together: the account-wide
    /// ceiling, whose locks stay short (the denial-of-service trade-off in
    /// docs/security.md).
    pub fn any_client(policy: &Policy) -> Self {
        Self {
            threshold: policy.lockout_threshold_any_client,
            lock_secs: policy.lockout_secs,
            doubles: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Throttle {
    pub failures: i64,
    pub locked_until: Option<UnixTime>,
}

impl Throttle {
    /// When the address may try again, if it is locked now.
    pub fn locked_at(&self, now: UnixTime) -> Option<UnixTime> {
        self.locked_until.filter(|until| *until > now)
    }

    /// The state after one more failure: from the threshold on, each failure locks, and (if
    /// the rule doubles) each lock lasts twice the one before, capped at a day.
    pub fn after_failure(self, now: UnixTime, rule: LockRule) -> Self {
        // A rule whose locks do not grow starts counting again once a lock has ended, so one
        // wrong try a quarter of an hour cannot keep an account locked for ever.
        let lock_ended = self.locked_until.is_some_and(|until| until <= now);
        let (failures, earlier_lock) = if !rule.doubles && lock_ended {
            (1, None)
        } else {
            (self.failures + 1, self.locked_until)
        };
        let over = failures - rule.threshold;
        let locked_until = if over >= 0 {
            let factor = if rule.doubles { 1i64 << over.min(6) } else { 1 };
            Some(now + (rule.lock_secs * factor).min(86_400))
        } else {
            earlier_lock
        };
        Self {
            failures,
            locked_until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenth_failure_locks_for_fifteen_minutes_then_doubles() {
        let policy = LockRule::strict(&Policy::default());
        let mut t = Throttle::default();
        for _ in 0..9 {
            t = t.after_failure(100, policy);
        }
        assert_eq!(t.locked_at(100), None);
        t = t.after_failure(100, policy);
        assert_eq!(t.locked_at(100), Some(100 + 900));
        assert_eq!(t.locked_at(100 + 900), None, "the lock lifts by itself");
        t = t.after_failure(2_000, policy);
        assert_eq!(t.locked_at(2_000), Some(2_000 + 1_800));
    }

    #[test]
    fn locks_are_capped_at_a_day() {
        let policy = LockRule::strict(&Policy {
            lockout_secs: 3600,
            ..Policy::default()
        });
        let t = Throttle {
            failures: 40,
            locked_until: None,
        }
        .after_failure(0, policy);
        assert_eq!(t.locked_at(0), Some(86_400));
    }

    #[test]
    fn nist_5_2_2_the_any_client_ceiling_locks_for_the_same_short_time_however_often() {
        let rule = LockRule::any_client(&Policy::default());
        assert!(rule.threshold < 100);
        let mut t = Throttle::default();
        for _ in 0..rule.threshold {
            t = t.after_failure(0, rule);
        }
        assert_eq!(t.locked_at(0), Some(900));
        assert_eq!(
            t.after_failure(1, rule).locked_at(1),
            Some(901),
            "renewed, not doubled"
        );
        // Once the lock has ended, one more try does not lock again: the count starts over.
        t = t.after_failure(10_000, rule);
        assert_eq!((t.failures, t.locked_at(10_000)), (1, None));
        for _ in 1..rule.threshold {
            t = t.after_failure(10_000, rule);
        }
        assert_eq!(
            t.locked_at(10_000),
            Some(10_900),
            "never longer than the first"
        );
    }

    #[test]
    fn a_strangers_wrong_recovery_codes_lock_recovery_only_briefly() {
        let policy = Policy::default();
        let rule = LockRule::for_codes_at(SessionStage::Recovery, &policy);
        let mut t = Throttle::default();
        for _ in 0..rule.threshold + 5 {
            t = t.after_failure(0, rule);
        }
        assert_eq!(t.locked_at(0), Some(policy.lockout_secs), "never doubles");
        assert!(LockRule::for_codes_at(SessionStage::SecondFactor, &policy).doubles);
    }
}
