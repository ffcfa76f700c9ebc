//! The MFA rollout's deadline and its reminders (issue 17). An administrator sets the day by
//! which their people (an organization administrator: their organization's; a system
//! administrator: everyone whose organization has no deadline of its own) must have finished
//! registering, and on which days before it reminders go. A job in `tessera serve` queues each
//! reminder when its day comes, through the mail queue: a fresh registration link to whoever
//! has not finished, and to imported people, who have no link, how to sign in and set up
//! their second step. Each letter is audited.
//!
//! Of several nodes one reminds at a time (the `rollout-reminders` lease). A reminder's
//! progress is kept (the last account reached), so a node that stops half-way is followed
//! where it stopped: at most one person may get the same reminder twice, nobody none.

use std::sync::Arc;
use std::time::Duration;

use super::Internal;
use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::delivery::EmailMessage;
use crate::domain::account::{Account, AccountStatus};
use crate::domain::mail_queue::LetterKind;
use crate::domain::rollout::Deadline;
use crate::flows::admin::{Admin, AdminRefusal};
use crate::flows::invitation::{self, LinkEmail};
use crate::flows::mail_queue;
use crate::store::StoredDeadline;

/// The lease's name in `job_leases`.
pub const JOB: &str = "rollout-reminders";

/// Accounts read at a time.
const BATCH: i64 = 200;

/// The deadline the administrator's page shows and sets: their organization's, or the
/// portal-wide one.
pub async fn deadline(app: &App, admin: &Admin) -> Result<Option<StoredDeadline>, AdminRefusal> {
    Ok(app.store.rollout_deadline(admin.org_id()).await?)
}

fn scope(admin: &Admin) -> String {
    admin.org_id().map_or_else(
        || "all-organizations".into(),
        |id| format!("organization:{id}"),
    )
}

/// Sets (or moves) the deadline; a moved deadline's reminders start over.
pub async fn set_deadline(
    app: &App,
    admin: &Admin,
    day: &str,
    reminder_days: &str,
) -> Result<Deadline, AdminRefusal> {
    let now = app.now();
    let deadline = Deadline::parse(day, reminder_days, now)
        .map_err(|problem| AdminRefusal::Invalid(problem.to_string()))?;
    let audit = AuditEvent::new("rollout-deadline-set", admin.actor(), scope(admin))
        .with("day", deadline.day())
        .with("reminder_days", deadline.days_text());
    app.store
        .set_rollout_deadline(admin.org_id(), &deadline, &admin.actor(), now, audit)
        .await?;
    Ok(deadline)
}

/// Removes the deadline: no more reminders of it.
pub async fn clear_deadline(app: &App, admin: &Admin) -> Result<bool, AdminRefusal> {
    let audit = AuditEvent::new("rollout-deadline-removed", admin.actor(), scope(admin));
    Ok(app
        .store
        .clear_rollout_deadline(admin.org_id(), app.now(), audit)
        .await?)
}

/// Queues the reminders due now, if this node holds (or can take) the lease: what the job
/// runs at each interval, and what tests call after moving the clock. Returns the letters
/// queued.
pub async fn remind_due(app: &App) -> Result<usize, Internal> {
    let now = app.now();
    let until = now + app.config.retention_interval_secs as i64;
    if !app.store.take_lease(JOB, &app.node, now, until).await? {
        return Ok(0);
    }
    let mut letters = 0;
    for deadline in app.store.rollout_deadlines().await? {
        if let Some(days) = reminder_to_send(&deadline, now) {
            letters += send_reminder(app, &deadline, days).await?;
        }
    }
    if letters > 0 {
        mail_queue::wake(app);
    }
    Ok(letters)
}

/// A reminder begun and not finished (a node stopped half-way), else the one due now; none
/// once the deadline has passed.
fn reminder_to_send(deadline: &StoredDeadline, now: i64) -> Option<u32> {
    if now >= deadline.deadline.ends_at {
        return None;
    }
    deadline
        .reminders
        .iter()
        .find(|r| r.finished_at.is_none())
        .map(|r| r.days_before)
        .or_else(|| deadline.deadline.due_reminder(now, &deadline.begun_days()))
}

async fn send_reminder(app: &App, deadline: &StoredDeadline, days: u32) -> Result<usize, Internal> {
    app.store
        .begin_reminder(deadline.id, days, app.now())
        .await?;
    let mut after = deadline
        .reminders
        .iter()
        .find(|r| r.days_before == days)
        .map_or(0, |r| r.last_account_id);
    let mut letters = 0;
    loop {
        let recipients = app
            .store
            .reminder_recipients(deadline, after, BATCH)
            .await?;
        if recipients.is_empty() {
            break;
        }
        for account in recipients {
            remind(app, &account, deadline).await?;
            app.store
                .reminder_reached(deadline.id, days, account.id)
                .await?;
            letters += 1;
            after = account.id;
        }
    }
    app.store
        .finish_reminder(deadline.id, days, app.now())
        .await?;
    tracing::info!(deadline = %deadline.deadline.day(), days_before = days, letters, "rollout: reminder queued");
    Ok(letters)
}

/// One person's reminder, in their language: a fresh registration link with the day, or, for
/// an imported account (which has no link), how to sign in and set up the second step.
async fn remind(app: &App, account: &Account, deadline: &StoredDeadline) -> Result<(), Internal> {
    if account.status != AccountStatus::Imported {
        let kind = LinkEmail::BeforeDeadline(deadline.deadline.ends_at);
        return match invitation::send_fresh_link(app, account, "system", kind).await {
            Ok(_) => Ok(()),
            Err(invitation::InvitationProblem::Internal(e)) => Err(e),
            Err(problem) => Err(Internal::from(anyhow::anyhow!("{problem}"))),
        };
    }
    let language = crate::i18n::of_person(account.language);
    let day = deadline.deadline.day();
    let context = minijinja::context! {
        lang => language.as_str(),
        name => account.display_name.as_str(),
        deadline => &day,
        login => app.url("/login"),
    };
    let subject = crate::i18n::say_in(
        language,
        "rollout-imported-subject",
        &[("day", day.as_str().into())],
    );
    let message = EmailMessage {
        to: account.email.as_str().to_string(),
        subject,
        text: crate::templates::render("email/rollout_imported.txt", &context)?,
        html: crate::templates::render("email/rollout_imported.html", &context)?,
    };
    let audit = AuditEvent::new(
        "rollout-reminder-sent",
        "system",
        audit::account(account.id),
    )
    .with("day", day)
    .with("imported", true);
    app.store
        .queue_audited_letter(
            &mail_queue::letter(app, LetterKind::Reminder, &message),
            account.id,
            app.now(),
            audit,
        )
        .await?;
    Ok(())
}

/// The job in `tessera serve`: looks for due reminders at every retention interval (a
/// reminder goes within that time of its day's start).
pub async fn remind_periodically(app: Arc<App>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(app.config.retention_interval_secs));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Outside a request: the letters carry the operator's brand as the mail worker's do.
        let reminded = crate::templates::branded(app.brand.clone(), remind_due(&app)).await;
        if let Err(e) = reminded {
            tracing::warn!(error = %e, "rollout: the reminders failed; trying again at the next interval");
        }
    }
}
