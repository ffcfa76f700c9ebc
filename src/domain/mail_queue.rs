//! The mail queue's rules (issue 12): which letters it holds, when a letter that could not be
//! sent is tried again (exponential back-off, capped), and when it is given up as dead. No I/O:
//! the store keeps the letters, `flows::mail_queue` delivers them.

use super::UnixTime;

text_enum!(
    /// What a queued letter is. Mail a person is waiting for right now (codes, the links they
    /// ask for themselves) is never queued: it is sent while they wait.
    LetterKind {
        /// An administrator's invitation: the first registration link (one, or a bulk create).
        Invitation => "invitation",
        /// An administrator's resend of a registration link (the older link stops working).
        Reminder => "reminder",
        /// A notice of a change to the account (sent to the address the account had).
        Notice => "notice",
    }
);

impl LetterKind {
    /// Whether a newer letter of the account supersedes an unsent one of this kind: a letter
    /// with a registration link whose link a newer one voided would only deliver a dead link.
    pub fn carries_link(self) -> bool {
        matches!(self, Self::Invitation | Self::Reminder)
    }
}

/// Where a letter stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterState {
    /// Waiting for its next attempt (or its first).
    Queued,
    /// Claimed by a node that is sending it now.
    Sending,
    Sent,
    /// Given up after the attempts or the age the schedule allows; an administrator may
    /// retry or discard it.
    Dead,
    /// Discarded by an administrator, or superseded by a newer link.
    Discarded,
}

impl LetterState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Dead => "dead",
            Self::Discarded => "discarded",
        }
    }

    /// The state from the letter's times: the first of sent, discarded, dead that is set,
    /// else sending while a lease runs, else queued.
    pub fn of(
        sent_at: Option<UnixTime>,
        discarded_at: Option<UnixTime>,
        dead_at: Option<UnixTime>,
        lease_until: Option<UnixTime>,
        now: UnixTime,
    ) -> Self {
        if sent_at.is_some() {
            Self::Sent
        } else if discarded_at.is_some() {
            Self::Discarded
        } else if dead_at.is_some() {
            Self::Dead
        } else if lease_until.is_some_and(|until| until > now) {
            Self::Sending
        } else {
            Self::Queued
        }
    }
}

/// When a letter that failed is tried again, and when it is dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    /// The wait after the first failed attempt; each further failure doubles it.
    pub first_delay_secs: i64,
    /// The longest wait between two attempts.
    pub max_delay_secs: i64,
    /// Attempts in all before the letter is dead.
    pub max_attempts: i64,
    /// A letter older than this is dead at its next failure (an invitation's link expires
    /// after 48 hours by default: a later letter would carry a dead link).
    pub max_age_secs: i64,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self {
            first_delay_secs: 60,
            max_delay_secs: 3_600,
            max_attempts: 20,
            max_age_secs: 172_800,
        }
    }
}

/// What happens to a letter after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Tried again at this time.
    RetryAt(UnixTime),
    /// Given up: a dead letter, shown to administrators.
    Dead,
}

impl RetrySchedule {
    /// The wait after `attempts` failed attempts (1 or more): `first_delay_secs` doubled for
    /// each failure after the first, at most `max_delay_secs`.
    pub fn delay_after(&self, attempts: i64) -> i64 {
        let doublings = (attempts.max(1) - 1).min(40) as u32;
        self.first_delay_secs
            .max(1)
            .saturating_mul(1_i64 << doublings)
            .min(self.max_delay_secs.max(1))
    }

    /// After attempt number `attempts` failed at `now`, for a letter queued at `created_at`.
    pub fn after_failure(
        &self,
        attempts: i64,
        created_at: UnixTime,
        now: UnixTime,
    ) -> AfterFailure {
        let next = now + self.delay_after(attempts);
        if attempts >= self.max_attempts || next - created_at > self.max_age_secs {
            AfterFailure::Dead
        } else {
            AfterFailure::RetryAt(next)
        }
    }
}

/// A mail server's error as kept with the letter and shown to administrators: one line, at
/// most 300 characters. (The error is the server's answer or the connection's failure; a
/// body never reaches it.)
pub fn error_summary(error: &str) -> String {
    let one_line: String = error
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    match trimmed.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &trimmed[..at]),
        None => trimmed.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 1_800_000_000;

    #[test]
    fn the_wait_doubles_from_a_minute_up_to_an_hour() {
        let schedule = RetrySchedule::default();
        let waits: Vec<i64> = (1..=9).map(|n| schedule.delay_after(n)).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(schedule.delay_after(1_000), 3_600, "no overflow");
    }

    #[test]
    fn a_letter_is_dead_after_its_attempts_or_its_age() {
        let schedule = RetrySchedule {
            max_attempts: 3,
            ..RetrySchedule::default()
        };
        assert_eq!(
            schedule.after_failure(1, NOW, NOW),
            AfterFailure::RetryAt(NOW + 60)
        );
        assert_eq!(
            schedule.after_failure(2, NOW, NOW + 60),
            AfterFailure::RetryAt(NOW + 180)
        );
        assert_eq!(
            schedule.after_failure(3, NOW, NOW + 180),
            AfterFailure::Dead
        );
        let old = NOW - schedule.max_age_secs;
        assert_eq!(
            schedule.after_failure(1, old, NOW),
            AfterFailure::Dead,
            "its next attempt would be past the age allowed"
        );
    }

    #[test]
    fn the_state_follows_the_times() {
        assert_eq!(
            LetterState::of(None, None, None, None, NOW),
            LetterState::Queued
        );
        assert_eq!(
            LetterState::of(None, None, None, Some(NOW + 1), NOW),
            LetterState::Sending
        );
        assert_eq!(
            LetterState::of(None, None, None, Some(NOW), NOW),
            LetterState::Queued,
            "a lease run out"
        );
        assert_eq!(
            LetterState::of(None, None, Some(NOW), None, NOW),
            LetterState::Dead
        );
        assert_eq!(
            LetterState::of(None, Some(NOW), Some(NOW), None, NOW),
            LetterState::Discarded
        );
        assert_eq!(
            LetterState::of(Some(NOW), None, None, None, NOW),
            LetterState::Sent
        );
    }

    #[test]
    fn errors_are_kept_on_one_short_line() {
        assert_eq!(error_summary(" refused\r\n by peer "), "refused   by peer");
        let long = "x".repeat(1_000);
        assert_eq!(error_summary(&long).chars().count(), 301);
    }
}
