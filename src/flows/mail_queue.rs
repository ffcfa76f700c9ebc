//! The durable mail queue (issue 12, background work): invitations, reminders and notices
//! are queued in the transaction of the change that causes them, and delivered by a worker
//! in `tessera serve`. An email that cannot be sent now stays queued and is tried again with
//! back-off (`domain::mail_queue::RetrySchedule`); after the attempts or the age allowed it is
//! a dead letter, which administrators see at `/admin/mail` and may retry or discard.
//!
//! Mail a person is waiting for right now — codes, and the registration links they ask for
//! themselves (Reset, "Having trouble logging in?") — is never queued: it is sent while they
//! wait, and a failure is shown to them.
//!
//! Several nodes on one database: a node claims a batch of due letters with a lease
//! (`Store::claim_letters`: a conditional update, `FOR UPDATE SKIP LOCKED` on PostgreSQL), so
//! each letter is sent by one node. Delivery is at least once: a node that dies after the mail
//! server accepted a letter and before it was marked sent leaves it to be sent again when its
//! lease runs out.

use std::sync::Arc;
use std::time::Duration;

use super::Internal;
use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::delivery::EmailMessage;
use crate::domain::UnixTime;
use crate::domain::email::Email;
use crate::domain::mail_queue::{AfterFailure, LetterKind, error_summary};
use crate::domain::mask;
use crate::flows::admin::{Admin, AdminRefusal};
use crate::flows::invitation;
use crate::i18n::Language;
use crate::sealing::{Kind, Sealer};
use crate::store::{Letter, LetterBody, LetterSummary, NewLetter, NotSent};

/// Letters one claim takes at most.
const BATCH: i64 = 32;

/// Letters of a batch in flight at once (each on its own pooled SMTP connection; lettre's
/// pool holds up to 10): one after another, each would wait out the server's delayed ACK.
const CONCURRENCY: usize = 4;

/// How long a claim holds a letter: well past the SMTP timeout (15 s) times the batch's
/// letters per connection, so a live node never loses a letter it is sending.
const LEASE_SECS: i64 = 300;

/// A letter to queue, its bodies sealed: never a registration link in plaintext at rest.
pub fn letter(app: &App, kind: LetterKind, message: &EmailMessage) -> NewLetter {
    NewLetter {
        kind,
        recipient: message.to.clone(),
        subject: message.subject.clone(),
        body: LetterBody::Sealed {
            text: app.sealer.seal(Kind::MailBody, &message.text),
            html: app.sealer.seal(Kind::MailBody, &message.html),
        },
    }
}

/// An administrator's letter with a registration link (an invitation or a reminder), to
/// `to`: queued as the link's token, sealed, and its expiry, and rendered in the words of
/// `LinkEmail::Invitation` with the account's name when it is sent. Nothing is rendered
/// now, so queuing many (a bulk invitation) is cheap. Needs only the sealer, so it can be
/// made off the async runtime. Its subject is written now, in `language`, and its body will
/// be rendered in it (the queue keeps the language with the link).
pub fn link_letter(
    sealer: &Sealer,
    kind: LetterKind,
    to: &Email,
    token: &str,
    expires_at: UnixTime,
    language: Language,
) -> NewLetter {
    NewLetter {
        kind,
        recipient: to.as_str().to_string(),
        subject: invitation::registration_subject(language),
        body: LetterBody::Link {
            token: sealer.seal(Kind::MailBody, token),
            expires_at,
            language,
        },
    }
}

/// Wakes this node's worker: call once the transaction that queued a letter committed.
pub fn wake(app: &App) {
    app.mail_wakeup.notify_one();
}

/// Queues a letter on its own (a notice after a change already committed) and wakes the
/// worker.
pub async fn queue(
    app: &App,
    kind: LetterKind,
    account_id: Option<i64>,
    message: &EmailMessage,
) -> Result<(), Internal> {
    app.store
        .queue_letter(&letter(app, kind, message), account_id, app.now())
        .await?;
    wake(app);
    Ok(())
}

/// What one delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Failed, to be tried again.
    pub retrying: usize,
    /// Failed for the last time: dead letters.
    pub dead: usize,
    /// The last failure's error, as kept with the letter.
    pub last_error: Option<String>,
}

/// Delivers every letter due now, batch after batch, until none is left: what the worker
/// runs when woken, and what tests call after moving the clock.
pub async fn deliver_due(app: &App) -> Result<DeliveryReport, Internal> {
    deliver(app, None).await
}

/// Delivers the letters of one account that are due now (the CLI, which has no worker,
/// sends the invitation it just queued).
pub async fn deliver_for(app: &App, account_id: i64) -> Result<DeliveryReport, Internal> {
    deliver(app, Some(account_id)).await
}

async fn deliver(app: &App, account_id: Option<i64>) -> Result<DeliveryReport, Internal> {
    use futures_util::stream::{self, StreamExt};
    let mut report = DeliveryReport::default();
    loop {
        let now = app.now();
        let letters = app
            .store
            .claim_letters(&app.node, now, now + LEASE_SECS, BATCH, account_id)
            .await?;
        if letters.is_empty() {
            return Ok(report);
        }
        let claimed = letters.len() as i64;
        // (The futures are made first: a closure inside the stream trips `Send`.)
        let sends: Vec<_> = letters.iter().map(|l| deliver_one(app, l)).collect();
        let outcomes: Vec<Result<Outcome, Internal>> = stream::iter(sends)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for outcome in outcomes {
            match outcome? {
                Outcome::Sent => report.sent += 1,
                Outcome::Retrying(e) => {
                    report.retrying += 1;
                    report.last_error = Some(e);
                }
                Outcome::Dead(e) => {
                    report.dead += 1;
                    report.last_error = Some(e);
                }
            }
        }
        if claimed < BATCH {
            return Ok(report);
        }
    }
}

enum Outcome {
    Sent,
    Retrying(String),
    Dead(String),
}

async fn deliver_one(app: &App, letter: &Letter) -> Result<Outcome, Internal> {
    let message = opened(app, letter);
    let sent = match &message {
        Ok(message) => app
            .mailer
            .send(message, app.now())
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.clone()),
    };
    let now = app.now();
    let error = match sent {
        Ok(()) => {
            app.store.letter_sent(letter.id, now).await?;
            crate::metrics::mail_letter("sent");
            return Ok(Outcome::Sent);
        }
        Err(e) => error_summary(&e),
    };
    tracing::warn!(letter = letter.id, attempts = letter.attempts, error = %error, "queued mail not sent");
    let schedule = app.config.mail_retry_schedule();
    // A letter that cannot be opened (a key removed) will not open later either.
    let after = if message.is_err() {
        AfterFailure::Dead
    } else {
        schedule.after_failure(letter.attempts, letter.schedule_start, now)
    };
    match after {
        AfterFailure::RetryAt(at) => {
            app.store
                .letter_not_sent(letter.id, &app.node, &error, now, NotSent::RetryAt(at))
                .await?;
            crate::metrics::mail_letter("retrying");
            Ok(Outcome::Retrying(error))
        }
        AfterFailure::Dead => {
            let subject = letter
                .account_id
                .map(audit::account)
                .unwrap_or_else(|| "mail".to_string());
            let event = AuditEvent::new("mail-dead-lettered", "system", subject)
                .with("letter", letter.id)
                .with("kind", letter.kind.as_str())
                .with("to", mask::email(&letter.recipient))
                .with("attempts", letter.attempts)
                .with("error", error.as_str());
            app.store
                .letter_not_sent(letter.id, &app.node, &error, now, NotSent::Dead(event))
                .await?;
            crate::metrics::mail_letter("dead");
            tracing::error!(
                letter = letter.id,
                "queued mail is a dead letter: see /admin/mail"
            );
            Ok(Outcome::Dead(error))
        }
    }
}

/// The letter with its bodies opened, or (a letter with a registration link) rendered now
/// from its link's token and its account's name, in the words it had when it was queued:
/// the link's lifetime counted from the letter's queuing.
fn opened(app: &App, letter: &Letter) -> Result<EmailMessage, String> {
    let open = |sealed: &str| {
        app.sealer
            .open(Kind::MailBody, sealed)
            .map_err(|e| format!("the letter cannot be opened: {e}"))
    };
    match &letter.body {
        LetterBody::Sealed { text, html } => Ok(EmailMessage {
            to: letter.recipient.clone(),
            subject: letter.subject.clone(),
            text: open(text)?,
            html: open(html)?,
        }),
        LetterBody::Link {
            token,
            expires_at,
            language,
        } => {
            let name = letter
                .display_name
                .as_deref()
                .ok_or("the letter's account no longer exists")?;
            let link = app.url(&format!("/register/{}", open(token)?));
            let text = invitation::LinkText {
                to: &letter.recipient,
                name,
                link: &link,
                lifetime: expires_at - letter.created_at,
                expires_at: *expires_at,
            };
            let mut message = invitation::render_link_email(
                app,
                invitation::LinkEmail::Invitation,
                &text,
                *language,
            )
            .map_err(|e| format!("the letter cannot be rendered: {e}"))?;
            message.subject = letter.subject.clone();
            Ok(message)
        }
    }
}

/// The worker in `tessera serve`: delivers what is due, then waits until woken by a letter
/// queued on this node, until the next letter is due, or `mail_poll_secs` (letters queued on
/// other nodes), whichever comes first. A failure is logged and tried again at the next
/// wake-up; the server aborts the task when it stops (a letter cut short keeps its lease and
/// is sent again once it runs out).
pub async fn deliver_continuously(app: Arc<App>) {
    let poll = app.config.mail_poll_secs.max(1) as i64;
    loop {
        // Letters rendered now bear the operator's brand, as pages do.
        let delivered = crate::templates::branded(app.brand.clone(), deliver_due(&app)).await;
        if let Err(e) = delivered {
            tracing::warn!(error = %e, "mail queue: delivery failed; trying again shortly");
        }
        let wait = match app.store.next_letter_due().await {
            Ok(Some(due)) => (due - app.now()).clamp(1, poll),
            Ok(None) => poll,
            Err(e) => {
                tracing::warn!(error = %e, "mail queue: cannot read the queue");
                poll
            }
        };
        tokio::select! {
            _ = app.mail_wakeup.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(wait as u64)) => {}
        }
    }
}

/// The letters an administrator sees: dead ones and those still waiting, within their scope
/// (a system administrator: all; an organization administrator: their organization's
/// accounts' letters only).
#[derive(Debug, Clone)]
pub struct QueueView {
    pub dead: Vec<LetterSummary>,
    pub waiting: Vec<LetterSummary>,
}

/// Letters listed at most, of each kind.
pub const LISTED: i64 = 200;

pub async fn view(app: &App, admin: &Admin) -> Result<QueueView, AdminRefusal> {
    let now = app.now();
    Ok(QueueView {
        dead: app
            .store
            .letters_in_scope(admin.org_id(), true, now, LISTED)
            .await?,
        waiting: app
            .store
            .letters_in_scope(admin.org_id(), false, now, LISTED)
            .await?,
    })
}

/// What an administrator does with a dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadLetterAction {
    /// Queued again at once, with a fresh schedule.
    Retry,
    /// Never sent.
    Discard,
}

impl DeadLetterAction {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "retry" => Some(Self::Retry),
            "discard" => Some(Self::Discard),
            _ => None,
        }
    }
}

/// Retries or discards a dead letter within the administrator's scope (outside it, or not
/// dead: NotFound). A letter whose registration link has expired is not retried: it would
/// deliver a dead link (Resend link on the account sends a fresh one).
pub async fn handle_dead_letter(
    app: &App,
    admin: &Admin,
    id: i64,
    action: DeadLetterAction,
) -> Result<(), AdminRefusal> {
    let now = app.now();
    let letter = app
        .store
        .dead_letter_in_scope(id, admin.org_id(), now)
        .await?;
    let subject = letter
        .account_id
        .map(audit::account)
        .unwrap_or_else(|| "mail".to_string());
    let event = |name| {
        AuditEvent::new(name, admin.actor(), subject.clone())
            .with("letter", letter.id)
            .with("kind", letter.kind.as_str())
            .with("to", mask::email(&letter.recipient))
    };
    match action {
        DeadLetterAction::Retry => {
            if link_expired(app, letter.kind, letter.created_at, now) {
                return Err(AdminRefusal::Invalid(
                    "The registration link in this letter has expired. Discard it and use Resend link on the account instead.".into(),
                ));
            }
            app.store
                .retry_letter(letter.id, now, event("mail-retried"))
                .await?;
            wake(app);
        }
        DeadLetterAction::Discard => {
            app.store
                .discard_letter(letter.id, now, event("mail-discarded"))
                .await?;
        }
    }
    Ok(())
}

fn link_expired(app: &App, kind: LetterKind, created_at: UnixTime, now: UnixTime) -> bool {
    kind.carries_link() && created_at + app.config.policy.registration_link_ttl_secs <= now
}
