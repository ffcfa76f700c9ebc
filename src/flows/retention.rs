//! Retention (issue 12, background work): the tables stay bounded. A job in `tessera serve`
//! prunes, every `retention_interval_secs`, the rows the retention settings no longer keep:
//! ended sessions, expired codes (they hold their destinations), expired registration
//! links, idle failure counters, counters of past days and hours, passed cool-downs, old
//! development outbox messages. What may go is decided in `domain::retention`.
//!
//! The audit log is never pruned: HIPAA asks for six years of such records, and the chain
//! is the evidence of everything the pruned rows were used for.
//!
//! Of several nodes on one database one prunes: the holder of the `retention` lease
//! (`job_leases`), taken by a conditional upsert once the previous holder's has run out. The
//! lease saves work, not correctness: every batch is a conditional delete, so two prunes at
//! once (a lease run out mid-prune, or two calls on one node) delete each row once.

use std::sync::Arc;
use std::time::Duration;

use super::Internal;
use crate::app::App;
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::retention::Cutoffs;
use crate::store::Prunable;

/// The lease's name in `job_leases`.
pub const JOB: &str = "retention";

/// Rows one statement deletes at most: a batch holds SQLite's write lock for milliseconds.
const BATCH_ROWS: i64 = 1_000;

/// What one prune did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// False when another node holds the lease: this one looked at nothing.
    pub held_lease: bool,
    /// Rows deleted per table, in the order pruned.
    pub deleted: Vec<(Prunable, u64)>,
}

impl PruneReport {
    pub fn deleted(&self, table: Prunable) -> u64 {
        self.deleted
            .iter()
            .filter(|(t, _)| *t == table)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn total(&self) -> u64 {
        self.deleted.iter().map(|(_, n)| n).sum()
    }
}

/// One prune as of the app's clock, if this node holds (or can take) the lease: what the job
/// runs at each interval, and what tests call.
pub async fn prune_once(app: &App) -> Result<PruneReport, Internal> {
    prune_in_batches_of(app, BATCH_ROWS).await
}

/// `prune_once` with batches of `rows` (tests walk the batch loop with a few rows).
pub async fn prune_in_batches_of(app: &App, rows: i64) -> Result<PruneReport, Internal> {
    let now = app.now();
    let until = now + app.config.retention_interval_secs as i64;
    if !app.store.take_lease(JOB, &app.node, now, until).await? {
        crate::metrics::retention_run("not-holder");
        return Ok(PruneReport::default());
    }
    let cutoffs = Cutoffs::at(now, &app.config.policy);
    let mut report = PruneReport {
        held_lease: true,
        deleted: Vec::new(),
    };
    let pruned = prune_tables(app, &cutoffs, rows.max(1), &mut report).await;
    // Rows deleted before a failure are recorded too.
    record(app, now, &report).await?;
    pruned?;
    crate::metrics::retention_run("pruned");
    Ok(report)
}

async fn prune_tables(
    app: &App,
    cutoffs: &Cutoffs,
    rows: i64,
    report: &mut PruneReport,
) -> Result<(), Internal> {
    for table in Prunable::ALL {
        report.deleted.push((table, 0));
        loop {
            let deleted = app.store.prune_batch(table, cutoffs, rows).await?;
            if let Some((_, count)) = report.deleted.last_mut() {
                *count += deleted;
            }
            if deleted < rows as u64 {
                break;
            }
        }
    }
    Ok(())
}

/// One audit entry with the counts, only when something was deleted. An audit entry rather
/// than only a log line: the pruned rows hold personal data (codes their addresses and
/// sealed numbers, sessions whom they were for), and disposing of it is something an
/// auditor asks about (HIPAA 164.310(d)(2)(i)); the entry says when and how much, never
/// which rows. A quiet portal adds no entries. Written after the batches (each its own
/// short transaction): a node stopped mid-prune leaves its rows to the next entry's counts.
async fn record(app: &App, now: UnixTime, report: &PruneReport) -> Result<(), Internal> {
    if report.total() == 0 {
        return Ok(());
    }
    let mut event =
        AuditEvent::new("records-pruned", "system", JOB).with("node", app.node.as_str());
    for (table, count) in &report.deleted {
        crate::metrics::retention_deleted(table.table(), *count);
        event = event.with(table.table(), *count);
    }
    tracing::info!(deleted = report.total(), detail = %event.detail, "retention: pruned");
    app.store.record(now, event).await?;
    Ok(())
}

/// The job: `prune_once` at start and every `retention_interval_secs`, until the server stops
/// (it aborts the task; a batch cut short is rolled back). A failure is logged and tried again
/// at the next interval.
pub async fn prune_periodically(app: Arc<App>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(app.config.retention_interval_secs));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = prune_once(&app).await {
            crate::metrics::retention_run("failed");
            tracing::warn!(error = %e, "retention: the prune failed; trying again at the next interval");
        }
    }
}
