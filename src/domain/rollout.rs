//! The MFA rollout's deadline (issue 17): the day by which people must have finished
//! registering, and the reminders sent some days before it. Pure rules: what an
//! administrator may set, and which reminder is due at a given time.

use super::UnixTime;

const DAY: i64 = 86_400;

/// The most reminders one deadline has, and the furthest ahead one may go.
pub const MAX_REMINDERS: usize = 5;
pub const MAX_DAYS_BEFORE: u32 = 90;
/// A deadline further ahead than this is more likely a typing slip than a plan.
const MAX_DAYS_AHEAD: i64 = 2 * 366;

/// A deadline as an administrator sets it: a day (it ends at midnight UTC after it) and the
/// days before it on which reminders go, furthest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// The first second after the deadline's day.
    pub ends_at: UnixTime,
    pub reminder_days: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineProblem {
    #[error("{}", crate::i18n::say("rollout-deadline-problem-date"))]
    Date,
    #[error("{}", crate::i18n::say("rollout-deadline-problem-past"))]
    NotAhead,
    #[error("{}", crate::i18n::say_with("rollout-deadline-problem-days", &[("max", i64::from(MAX_DAYS_BEFORE).into()), ("count", (MAX_REMINDERS as i64).into())]))]
    Days,
}

impl Deadline {
    /// Reads the form's day (`YYYY-MM-DD`, as `<input type="date">` sends it) and reminder days
    /// (`7, 1`): the day must be after today and within two years; each reminder a whole number
    /// of days from 1 to 90, at most five, none twice.
    pub fn parse(day: &str, reminder_days: &str, now: UnixTime) -> Result<Self, DeadlineProblem> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(day.trim(), &format).map_err(|_| DeadlineProblem::Date)?;
        let ends_at = date
            .next_day()
            .ok_or(DeadlineProblem::Date)?
            .midnight()
            .assume_utc()
            .unix_timestamp();
        let today_ends = (now.div_euclid(DAY) + 1) * DAY;
        if ends_at <= today_ends {
            return Err(DeadlineProblem::NotAhead);
        }
        if ends_at > today_ends + MAX_DAYS_AHEAD * DAY {
            return Err(DeadlineProblem::Date);
        }
        let mut days = Vec::new();
        for part in reminder_days
            .split([',', ' ', ';'])
            .filter(|p| !p.is_empty())
        {
            let n: u32 = part.parse().map_err(|_| DeadlineProblem::Days)?;
            if !(1..=MAX_DAYS_BEFORE).contains(&n) || days.contains(&n) {
                return Err(DeadlineProblem::Days);
            }
            days.push(n);
        }
        if days.is_empty() || days.len() > MAX_REMINDERS {
            return Err(DeadlineProblem::Days);
        }
        days.sort_unstable_by(|a, b| b.cmp(a));
        Ok(Self {
            ends_at,
            reminder_days: days,
        })
    }

    /// The reminder days as stored and shown: `7, 1`.
    pub fn days_text(&self) -> String {
        self.reminder_days
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Reads back what `days_text` wrote.
    pub fn from_stored(ends_at: UnixTime, days: &str) -> Self {
        let mut reminder_days: Vec<u32> = days
            .split(',')
            .filter_map(|d| d.trim().parse().ok())
            .collect();
        reminder_days.sort_unstable_by(|a, b| b.cmp(a));
        Self {
            ends_at,
            reminder_days,
        }
    }

    /// The deadline's day, as the form and the letters show it (`2026-12-20`).
    pub fn day(&self) -> String {
        day_of(self.ends_at)
    }

    /// The reminder due at `now`: the latest one whose time has come, before the deadline has
    /// passed, and not `begun` yet. A reminder whose time came while no node ran is not sent
    /// late when a later one is due: people get one letter, the nearest to the deadline.
    pub fn due_reminder(&self, now: UnixTime, begun: &[u32]) -> Option<u32> {
        if now >= self.ends_at {
            return None;
        }
        let latest = self
            .reminder_days
            .iter()
            .copied()
            .filter(|d| self.ends_at - i64::from(*d) * DAY <= now)
            .min()?;
        if begun.iter().any(|b| *b <= latest) {
            return None;
        }
        Some(latest)
    }
}

/// The day a deadline ending at `ends_at` is (`2026-12-20`).
pub fn day_of(ends_at: UnixTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::from_unix_timestamp(ends_at - DAY)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-12-05 12:00 UTC.
    const NOW: UnixTime = 1_796_472_000;

    #[test]
    fn a_deadline_is_a_day_ahead_with_a_few_reminders() {
        let d = Deadline::parse("2026-12-20", "1, 7", NOW).unwrap();
        assert_eq!(d.day(), "2026-12-20");
        assert_eq!(d.reminder_days, vec![7, 1]);
        assert_eq!(d.days_text(), "7, 1");
        assert_eq!(Deadline::from_stored(d.ends_at, &d.days_text()), d);
        for (day, days, problem) in [
            ("2026-12-05", "7", DeadlineProblem::NotAhead),
            ("2026-11-30", "7", DeadlineProblem::NotAhead),
            ("20-12-2026", "7", DeadlineProblem::Date),
            ("2026-02-30", "7", DeadlineProblem::Date),
            ("2030-01-01", "7", DeadlineProblem::Date),
            ("2026-12-20", "", DeadlineProblem::Days),
            ("2026-12-20", "0", DeadlineProblem::Days),
            ("2026-12-20", "91", DeadlineProblem::Days),
            ("2026-12-20", "7, 7", DeadlineProblem::Days),
            ("2026-12-20", "1,2,3,4,5,6", DeadlineProblem::Days),
            ("2026-12-20", "a week", DeadlineProblem::Days),
            ("2026-12-20", "-1", DeadlineProblem::Days),
        ] {
            assert_eq!(
                Deadline::parse(day, days, NOW),
                Err(problem),
                "{day} {days}"
            );
        }
        assert!(Deadline::parse("2026-12-06", "1", NOW).is_ok());
    }

    #[test]
    fn the_reminder_due_is_the_nearest_to_the_deadline_not_yet_begun() {
        let d = Deadline::parse("2026-12-20", "7, 1", NOW).unwrap();
        let at = |days_before: i64| d.ends_at - days_before * DAY;
        assert_eq!(d.due_reminder(NOW, &[]), None);
        assert_eq!(d.due_reminder(at(7) - 1, &[]), None);
        assert_eq!(d.due_reminder(at(7), &[]), Some(7));
        assert_eq!(d.due_reminder(at(3), &[7]), None);
        assert_eq!(d.due_reminder(at(1), &[7]), Some(1));
        assert_eq!(d.due_reminder(at(1), &[7, 1]), None);
        // Nobody ran at the seventh day: one letter, the last one.
        assert_eq!(d.due_reminder(at(1), &[]), Some(1));
        assert_eq!(d.due_reminder(d.ends_at, &[]), None);
    }
}
