//! Item 8 (issue 18): how many statements one journey sends to PostgreSQL, counted by the
//! database itself with `pg_stat_statements`, so nothing the portal sends is missed (its
//! background jobs included, as a deployment pays for them too). Each journey is run alone,
//! one after another, on the bench's own database; the mailbox reads codes under a role of its
//! own, whose statements are left out.

use sqlx::{AnyPool, Row};

/// The role the mailbox's connections take (`SET ROLE`), so its polling is not counted.
pub const MAILBOX_ROLE: &str = "tessera_bench_mailbox";

/// The most statements each kind of journey may send every time (issue 18): the figures
/// reached, so a change that adds a statement to every sign-in fails the bench (and CI's smoke
/// run) until the statement goes or its budget is raised here on purpose. A background job's
/// statement, or a retry that only some journeys make, is not every time and does not count.
pub const BUDGETS: &[(&str, u64)] = &[
    ("complete sign-in", 28),
    ("signed-in page view (`GET /`)", 1),
    ("complete OIDC sign-in (item 6)", 54),
    ("token refresh", 11),
    ("forward-auth check (item 7)", 1),
];

/// What one kind of journey cost the database.
pub struct Counted {
    pub journeys: usize,
    /// Statements per journey, `BEGIN` and `COMMIT` included.
    pub per_journey: f64,
    /// Of them, transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`).
    pub transaction_control: f64,
    /// The database's execution time per journey, in milliseconds.
    pub exec_ms: f64,
    /// Each statement's calls per journey, the most frequent first.
    pub by_statement: Vec<(f64, String)>,
}

/// Makes the statements countable on the bench's database: the extension's view, and the
/// mailbox's role with the one read it needs. An error says why they cannot be counted.
pub async fn prepare(db: &AnyPool) -> Result<(), String> {
    let setup = async {
        sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .execute(db)
            .await?;
        // Roles belong to the whole server, so an earlier run may have made it.
        sqlx::query(&format!(
            "DO $$ BEGIN CREATE ROLE {MAILBOX_ROLE} NOLOGIN; \
             EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ))
        .execute(db)
        .await?;
        sqlx::query(&format!("GRANT SELECT ON dev_outbox TO {MAILBOX_ROLE}"))
            .execute(db)
            .await?;
        sqlx::query("SELECT pg_stat_statements_reset()")
            .execute(db)
            .await
    };
    setup.await.map(|_| ()).map_err(|e| {
        let e = e.to_string();
        if e.contains("shared_preload_libraries") {
            "not counted: PostgreSQL was started without pg_stat_statements in \
             shared_preload_libraries (`ALTER SYSTEM SET shared_preload_libraries = \
             'pg_stat_statements'`, then restart it)"
                .to_string()
        } else {
            format!("not counted: {e}")
        }
    })
}

/// Runs `journey` `n` times, one after another, and reads what the database counted for
/// this database meanwhile (the mailbox's role left out).
pub async fn count(
    db: &AnyPool,
    n: usize,
    mut journey: impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Counted> {
    sqlx::query(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database
                                             WHERE datname = current_database()), 0)",
    )
    .execute(db)
    .await?;
    for _ in 0..n {
        journey().await?;
    }
    let rows = sqlx::query(&format!(
        "SELECT query, CAST(calls AS BIGINT) AS calls, total_exec_time
           FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND userid <> (SELECT oid FROM pg_roles WHERE rolname = '{MAILBOX_ROLE}')
            AND query NOT LIKE '%pg_stat_statements_reset%'
          ORDER BY calls DESC, query"
    ))
    .fetch_all(db)
    .await?;
    let per = |x: f64| x / n.max(1) as f64;
    let mut counted = Counted {
        journeys: n,
        per_journey: 0.0,
        transaction_control: 0.0,
        exec_ms: 0.0,
        by_statement: Vec::new(),
    };
    for row in rows {
        let query: String = row.try_get("query")?;
        let calls = per(row.try_get::<i64, _>("calls")? as f64);
        counted.per_journey += calls;
        counted.exec_ms += per(row.try_get::<f64, _>("total_exec_time")?);
        if ["BEGIN", "COMMIT", "ROLLBACK"].contains(&query.trim()) {
            counted.transaction_control += calls;
        }
        counted.by_statement.push((calls, one_line(&query)));
    }
    Ok(counted)
}

impl Counted {
    /// The statements every journey sent: each statement's calls per journey, rounded down
    /// (`BEGIN` and `COMMIT` included).
    pub fn every_journey(&self) -> u64 {
        self.by_statement
            .iter()
            .map(|(calls, _)| calls.floor() as u64)
            .sum()
    }
}

/// The budget of a kind of journey, by its name in the report.
pub fn budget(journey: &str) -> Option<u64> {
    BUDGETS
        .iter()
        .find(|(name, _)| *name == journey)
        .map(|(_, budget)| *budget)
}

/// Each journey counted above its budget in `BUDGETS` (or without one), said in a line.
pub fn over_budget(counts: &[(&'static str, Counted)]) -> Vec<String> {
    counts
        .iter()
        .filter_map(|(journey, counted)| {
            let Some(budget) = budget(journey) else {
                return Some(format!(
                    "{journey} has no statement budget in bench/statements.rs"
                ));
            };
            let sent = counted.every_journey();
            (sent > budget).then(|| {
                format!(
                    "every {journey} sent {sent} statements, over its budget of {budget} \
                     (bench/statements.rs)"
                )
            })
        })
        .collect()
}

/// A statement on one line, whitespace runs made one space.
fn one_line(query: &str) -> String {
    query.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(by_statement: &[(f64, &str)]) -> Counted {
        Counted {
            journeys: 20,
            per_journey: by_statement.iter().map(|(calls, _)| calls).sum(),
            transaction_control: 0.0,
            exec_ms: 0.0,
            by_statement: by_statement
                .iter()
                .map(|(calls, query)| (*calls, query.to_string()))
                .collect(),
        }
    }

    #[test]
    fn background_statements_and_occasional_retries_are_not_every_journey() {
        let sign_in = counted(&[
            (6.0, "SELECT session"),
            (3.05, "INSERT audit"),
            (0.05, "SELECT apps"),
        ]);
        assert_eq!(sign_in.every_journey(), 9);
    }

    #[test]
    fn a_journey_over_its_budget_is_named_and_one_within_it_is_not() {
        let mut statements: Vec<(f64, &str)> = vec![(1.0, "SELECT session")];
        let within = counted(&statements);
        statements.push((1.0, "UPDATE sessions SET last_seen_at"));
        let over = counted(&statements);
        assert!(over_budget(&[("forward-auth check (item 7)", within)]).is_empty());
        let said = over_budget(&[("forward-auth check (item 7)", over)]);
        assert_eq!(said.len(), 1);
        assert!(
            said[0].contains("sent 2 statements, over its budget of 1"),
            "{}",
            said[0]
        );
    }

    #[test]
    fn a_journey_without_a_budget_is_named() {
        let said = over_budget(&[("password reset", counted(&[(1.0, "SELECT session")]))]);
        assert_eq!(
            said,
            ["password reset has no statement budget in bench/statements.rs"]
        );
    }
}
