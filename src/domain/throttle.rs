//! Lock-out after consecutive failed sign-ins (NIST SP 800-63B 5.2.2: well under 100). The
//! counter is kept per address typed, known or not, so the lock itself tells a stranger
//! nothing about which addresses have accounts.

use super::{UnixTime, policy::Policy};

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

    /// The state after one more failure: from the threshold on, each failure locks, and each
    /// lock lasts twice the one before (capped at a day).
    pub fn after_failure(self, now: UnixTime, policy: &Policy) -> Self {
        let failures = self.failures + 1;
        let over = failures - policy.lockout_threshold;
        let locked_until = if over >= 0 {
            let factor = 1i64 << over.min(6);
            Some(now + (policy.lockout_secs * factor).min(86_400))
        } else {
            self.locked_until
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
        let policy = Policy::default();
        let mut t = Throttle::default();
        for _ in 0..9 {
            t = t.after_failure(100, &policy);
        }
        assert_eq!(t.locked_at(100), None);
        t = t.after_failure(100, &policy);
        assert_eq!(t.locked_at(100), Some(100 + 900));
        assert_eq!(t.locked_at(100 + 900), None, "the lock lifts by itself");
        t = t.after_failure(2_000, &policy);
        assert_eq!(t.locked_at(2_000), Some(2_000 + 1_800));
    }

    #[test]
    fn locks_are_capped_at_a_day() {
        let policy = Policy {
            lockout_secs: 3600,
            ..Policy::default()
        };
        let t = Throttle {
            failures: 40,
            locked_until: None,
        }
        .after_failure(0, &policy);
        assert_eq!(t.locked_at(0), Some(86_400));
    }
}
