//! The durable mail queue (`mail_queue`): letters written in the transaction of the change
//! that causes them, claimed by a node with a lease, marked sent, retried or dead. A letter
//! holds either its two bodies or, for a letter with a registration link (rendered when it is
//! sent), the link's token and expiry; bodies and tokens arrive sealed
//! (`sealing::Kind::MailBody`) and are stored as they came: this module never sees a
//! registration link.
//!
//! A claim is one conditional `UPDATE … RETURNING`: on PostgreSQL its batch is picked
//! `FOR UPDATE SKIP LOCKED` (nodes claiming at once take different letters instead of queuing
//! behind each other's rows), on SQLite the write lock taken at `BEGIN` serialises claims; on
//! both the outer `WHERE` re-checks that the letter is still unclaimed, so a letter is claimed
//! by one node at a time.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Backend, Store, StoreError, StoreResult, audit::append};
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::mail_queue::{LetterKind, LetterState};
use crate::i18n::Language;

/// What a letter says, as stored: sealed, never a registration link in the clear.
#[derive(Clone, PartialEq, Eq)]
pub enum LetterBody {
    /// Rendered when it was queued: the text and HTML bodies, each sealed.
    Sealed { text: String, html: String },
    /// A registration link's letter, rendered when it is sent (from its account): the link's
    /// token, sealed, and when the link expires. Queuing one costs no rendering, so a bulk
    /// invitation of many people returns at once.
    Link {
        token: String,
        expires_at: UnixTime,
        language: Language,
    },
}

impl LetterBody {
    /// The columns (body_text, body_html, link_token, link_expires_at, language).
    fn columns(&self) -> BodyColumns<'_> {
        match self {
            Self::Sealed { text, html } => (Some(text), Some(html), None, None, None),
            Self::Link {
                token,
                expires_at,
                language,
            } => (None, None, Some(token), Some(*expires_at), Some(*language)),
        }
    }
}

type BodyColumns<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<UnixTime>,
    Option<Language>,
);

/// A letter to queue: its body already sealed.
#[derive(Clone)]
pub struct NewLetter {
    pub kind: LetterKind,
    pub recipient: String,
    pub subject: String,
    pub body: LetterBody,
}

impl std::fmt::Debug for NewLetter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewLetter")
            .field("kind", &self.kind)
            .field("recipient", &crate::domain::mask::email(&self.recipient))
            .finish_non_exhaustive()
    }
}

/// A letter claimed for sending.
#[derive(Clone)]
pub struct Letter {
    pub id: i64,
    pub kind: LetterKind,
    pub account_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body: LetterBody,
    /// The account's display name now (a letter with a link is rendered with it).
    pub display_name: Option<String>,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub created_at: UnixTime,
    /// When its current schedule began: queued, or retried by an administrator.
    pub schedule_start: UnixTime,
}

impl std::fmt::Debug for Letter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Letter")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// A letter as the console lists it: no bodies.
#[derive(Debug, Clone)]
pub struct LetterSummary {
    pub id: i64,
    pub kind: LetterKind,
    pub account_id: Option<i64>,
    pub organization: Option<String>,
    pub recipient: String,
    pub subject: String,
    pub attempts: i64,
    pub created_at: UnixTime,
    pub next_attempt_at: UnixTime,
    pub last_error: Option<String>,
    pub dead_at: Option<UnixTime>,
    pub state: LetterState,
}

/// What follows an attempt that failed.
pub enum NotSent {
    /// Tried again then.
    RetryAt(UnixTime),
    /// Given up: a dead letter, with this audit entry.
    Dead(AuditEvent),
}

/// Letters still to send: neither sent, dead nor discarded.
const PENDING: &str = "sent_at IS NULL AND dead_at IS NULL AND discarded_at IS NULL";

const LETTER_COLUMNS: &str = "id, kind, account_id, recipient, subject, body_text, body_html, link_token, link_expires_at, language, \
     (SELECT a.display_name FROM accounts a WHERE a.id = mail_queue.account_id) AS display_name, \
     attempts, created_at, COALESCE(retried_at, created_at) AS schedule_start";

fn letter_from_row(row: &AnyRow) -> StoreResult<Letter> {
    let body = match (
        row.try_get::<Option<String>, _>("body_text")?,
        row.try_get::<Option<String>, _>("body_html")?,
        row.try_get::<Option<String>, _>("link_token")?,
        row.try_get::<Option<UnixTime>, _>("link_expires_at")?,
    ) {
        (Some(text), Some(html), None, _) => LetterBody::Sealed { text, html },
        (None, None, Some(token), Some(expires_at)) => LetterBody::Link {
            token,
            expires_at,
            language: row
                .try_get::<Option<Language>, _>("language")?
                .unwrap_or(Language::English),
        },
        _ => {
            return Err(StoreError::Corrupt(
                "a queued letter has neither its bodies nor its link".into(),
            ));
        }
    };
    Ok(Letter {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        account_id: row.try_get("account_id")?,
        recipient: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        body,
        display_name: row.try_get("display_name")?,
        attempts: row.try_get("attempts")?,
        created_at: row.try_get("created_at")?,
        schedule_start: row.try_get("schedule_start")?,
    })
}

/// Queues `letter` in the transaction of the change that causes it. A letter with a
/// registration link supersedes the account's unsent ones (their links were just voided).
pub(super) async fn insert_letter(
    tx: &mut Transaction<'static, Any>,
    letter: &NewLetter,
    account_id: Option<i64>,
    now: UnixTime,
) -> StoreResult<i64> {
    if let (Some(account_id), true) = (account_id, letter.kind.carries_link()) {
        sqlx::query(
            "UPDATE mail_queue SET discarded_at = $1, last_error = 'superseded by a newer registration link'
             WHERE account_id = $2 AND kind IN ($3, $4) AND sent_at IS NULL AND discarded_at IS NULL",
        )
        .bind(now)
        .bind(account_id)
        .bind(LetterKind::Invitation.as_str())
        .bind(LetterKind::Reminder.as_str())
        .execute(&mut **tx)
        .await?;
    }
    let (text, html, token, expires_at, language) = letter.body.columns();
    Ok(sqlx::query(
        "INSERT INTO mail_queue (kind, account_id, recipient, subject, body_text, body_html,
                                 link_token, link_expires_at, attempts, created_at, next_attempt_at,
                                 language)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9, $10) RETURNING id",
    )
    .bind(letter.kind.as_str())
    .bind(account_id)
    .bind(&letter.recipient)
    .bind(&letter.subject)
    .bind(text)
    .bind(html)
    .bind(token)
    .bind(expires_at)
    .bind(now)
    .bind(language)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?)
}

/// Letters one multi-row INSERT writes: 10 bound values each, well under both backends'
/// limits on bound parameters (SQLite 32,766, PostgreSQL 65,535).
pub(super) const INSERT_BATCH: usize = 500;

/// Queues the letters of accounts created in this transaction, `INSERT_BATCH` to a
/// statement (a bulk invitation). Brand-new accounts have no older letters to supersede.
pub(super) async fn insert_letters_of_new_accounts(
    tx: &mut Transaction<'static, Any>,
    letters: &[(&NewLetter, i64)],
    now: UnixTime,
) -> StoreResult<()> {
    for chunk in letters.chunks(INSERT_BATCH) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=10).map(|k| format!("${}", i * 10 + k)).collect();
                format!("({}, 0, {})", p.join(", "), p[8])
            })
            .collect();
        let sql = format!(
            "INSERT INTO mail_queue (kind, account_id, recipient, subject, body_text, body_html,
                                     link_token, link_expires_at, created_at, language,
                                     attempts, next_attempt_at)
             VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (letter, account_id) in chunk {
            let (text, html, token, expires_at, language) = letter.body.columns();
            query = query
                .bind(letter.kind.as_str())
                .bind(*account_id)
                .bind(&letter.recipient)
                .bind(&letter.subject)
                .bind(text)
                .bind(html)
                .bind(token)
                .bind(expires_at)
                .bind(now)
                .bind(language);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Queues a letter on its own (a notice after a change already committed).
    pub async fn queue_letter(
        &self,
        letter: &NewLetter,
        account_id: Option<i64>,
        now: UnixTime,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let id = insert_letter(&mut tx, letter, account_id, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims up to `limit` letters due at `now` (only `account_id`'s, when given) for `node`
    /// until `lease_until`, counting the attempt (so a letter that crashes its sender still
    /// runs out of attempts).
    pub async fn claim_letters(
        &self,
        node: &str,
        now: UnixTime,
        lease_until: UnixTime,
        limit: i64,
        account_id: Option<i64>,
    ) -> StoreResult<Vec<Letter>> {
        let skip_locked = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE mail_queue SET lease_until = $1, leased_by = $2, attempts = attempts + 1
             WHERE id IN (SELECT id FROM mail_queue
                          WHERE {PENDING} AND next_attempt_at <= $3
                            AND (lease_until IS NULL OR lease_until <= $3)
                            AND ($5 IS NULL OR account_id = $5)
                          ORDER BY next_attempt_at, id LIMIT $4 {skip_locked})
               AND {PENDING} AND (lease_until IS NULL OR lease_until <= $3)
             RETURNING {LETTER_COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let rows = sqlx::query(&sql)
            .bind(lease_until)
            .bind(node)
            .bind(now)
            .bind(limit)
            .bind(account_id)
            .fetch_all(&mut **tx)
            .await?;
        tx.commit().await?;
        let mut letters = rows
            .iter()
            .map(letter_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        letters.sort_by_key(|l| l.id);
        Ok(letters)
    }

    /// The letter went: sent, whoever holds its lease now (it is not sent again).
    pub async fn letter_sent(&self, id: i64, now: UnixTime) -> StoreResult<()> {
        sqlx::query(
            "UPDATE mail_queue SET sent_at = $1, lease_until = NULL, last_error = NULL
             WHERE id = $2 AND sent_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *self.connection().await?)
        .await?;
        Ok(())
    }

    /// The attempt failed, if `node` still holds the letter: tried again later, or (the last
    /// attempt) a dead letter with its audit entry. False when the letter was not `node`'s.
    pub async fn letter_not_sent(
        &self,
        id: i64,
        node: &str,
        error: &str,
        now: UnixTime,
        next: NotSent,
    ) -> StoreResult<bool> {
        let (column, at, audit) = match next {
            NotSent::RetryAt(at) => ("next_attempt_at", at, None),
            NotSent::Dead(audit) => ("dead_at", now, Some(audit)),
        };
        let mut tx = self.begin().await?;
        let changed = sqlx::query(&format!(
            "UPDATE mail_queue SET lease_until = NULL, last_error = $1, {column} = $2
             WHERE id = $3 AND leased_by = $4 AND {PENDING}"
        ))
        .bind(error)
        .bind(at)
        .bind(id)
        .bind(node)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            > 0;
        if let (true, Some(audit)) = (changed, audit) {
            append(&mut tx, &self.chain, now, &audit).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// When the next letter is due (None: nothing to send).
    pub async fn next_letter_due(&self) -> StoreResult<Option<UnixTime>> {
        let row = sqlx::query(&format!(
            "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > next_attempt_at
                             THEN lease_until ELSE next_attempt_at END) AS due
             FROM mail_queue WHERE {PENDING}"
        ))
        .fetch_one(&mut *self.connection().await?)
        .await?;
        Ok(row.try_get("due")?)
    }

    /// Letters within an administrator's scope (`org_id` None: every organization; else only
    /// letters of that organization's accounts): the dead ones, newest first, when `dead` is
    /// true, else those still waiting.
    pub async fn letters_in_scope(
        &self,
        org_id: Option<i64>,
        dead: bool,
        now: UnixTime,
        limit: i64,
    ) -> StoreResult<Vec<LetterSummary>> {
        self.scoped_letters(org_id, dead, None, now, limit).await
    }

    /// A dead letter in scope, or NotFound (a letter of another organization answers as one
    /// that does not exist).
    pub async fn dead_letter_in_scope(
        &self,
        id: i64,
        org_id: Option<i64>,
        now: UnixTime,
    ) -> StoreResult<LetterSummary> {
        self.scoped_letters(org_id, true, Some(id), now, 1)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    async fn scoped_letters(
        &self,
        org_id: Option<i64>,
        dead: bool,
        id: Option<i64>,
        now: UnixTime,
        limit: i64,
    ) -> StoreResult<Vec<LetterSummary>> {
        let (state, order) = if dead {
            (
                "m.dead_at IS NOT NULL AND m.sent_at IS NULL AND m.discarded_at IS NULL",
                "m.dead_at DESC, m.id DESC",
            )
        } else {
            (
                "m.dead_at IS NULL AND m.sent_at IS NULL AND m.discarded_at IS NULL",
                "m.next_attempt_at, m.id",
            )
        };
        let rows = sqlx::query(&format!(
            "SELECT m.id, m.kind, m.account_id, o.name AS organization, m.recipient, m.subject,
                    m.attempts, m.created_at, m.next_attempt_at, m.last_error, m.dead_at,
                    m.sent_at, m.discarded_at, m.lease_until
             FROM mail_queue m
             LEFT JOIN accounts a ON a.id = m.account_id
             LEFT JOIN organizations o ON o.id = a.org_id
             WHERE {state} AND ($1 IS NULL OR a.org_id = $1) AND ($2 IS NULL OR m.id = $2)
             ORDER BY {order} LIMIT $3"
        ))
        .bind(org_id)
        .bind(id)
        .bind(limit)
        .fetch_all(&mut *self.connection().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LetterSummary {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    account_id: r.try_get("account_id")?,
                    organization: r.try_get("organization")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    attempts: r.try_get("attempts")?,
                    created_at: r.try_get("created_at")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                    last_error: r.try_get("last_error")?,
                    dead_at: r.try_get("dead_at")?,
                    state: LetterState::of(
                        r.try_get("sent_at")?,
                        r.try_get("discarded_at")?,
                        r.try_get("dead_at")?,
                        r.try_get("lease_until")?,
                        now,
                    ),
                })
            })
            .collect()
    }

    /// An administrator's Retry: the dead letter is queued again at once, with a fresh
    /// schedule. NotFound unless it is (still) dead.
    pub async fn retry_letter(&self, id: i64, now: UnixTime, audit: AuditEvent) -> StoreResult<()> {
        self.handle_dead_letter(
            "UPDATE mail_queue SET dead_at = NULL, attempts = 0, next_attempt_at = $1,
                    retried_at = $1, lease_until = NULL
             WHERE id = $2 AND dead_at IS NOT NULL AND sent_at IS NULL AND discarded_at IS NULL",
            id,
            now,
            audit,
        )
        .await
    }

    /// An administrator's Discard: the dead letter is never sent (and pruned later).
    pub async fn discard_letter(
        &self,
        id: i64,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        self.handle_dead_letter(
            "UPDATE mail_queue SET discarded_at = $1
             WHERE id = $2 AND dead_at IS NOT NULL AND sent_at IS NULL AND discarded_at IS NULL",
            id,
            now,
            audit,
        )
        .await
    }

    async fn handle_dead_letter(
        &self,
        sql: &str,
        id: i64,
        now: UnixTime,
        audit: AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let changed = sqlx::query(sql)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        append(&mut tx, &self.chain, now, &audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
