//! Every row of every table as text, to show that a request changed nothing (or only what it
//! should), and a sampler that draws proptest inputs for async tests.

use std::collections::BTreeMap;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use sqlx::Row;

/// Columns that a read refreshes by design, left out of every comparison: a request in a
/// session moves its idle time-out on (`store::sessions::touch_session`).
pub const TOUCH_COLUMNS: &[(&str, &str)] = &[("sessions", "last_seen_at")];

/// Table name → its rows (each row its columns quoted and joined), sorted.
pub type Snapshot = BTreeMap<String, Vec<String>>;

pub async fn snapshot(database_url: &str) -> Snapshot {
    let db = Tables::connect(database_url).await;
    let out = db.snapshot().await;
    db.pool.close().await;
    out
}

/// A connection and one query per table, for taking many snapshots quickly.
pub struct Tables {
    pool: sqlx::AnyPool,
    queries: Vec<(String, String)>,
}

impl Tables {
    pub async fn connect(database_url: &str) -> Self {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(database_url).await.unwrap();
        let queries = row_queries(&pool, database_url.starts_with("sqlite:")).await;
        Self { pool, queries }
    }

    pub async fn snapshot(&self) -> Snapshot {
        let mut out = Snapshot::new();
        for (table, sql) in &self.queries {
            let mut rows: Vec<String> = sqlx::query(sql)
                .fetch_all(&self.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>(0))
                .collect();
            rows.sort();
            out.insert(table.clone(), rows);
        }
        out
    }
}

/// For each table, a query giving each row as one text.
async fn row_queries(pool: &sqlx::AnyPool, sqlite: bool) -> Vec<(String, String)> {
    let tables_sql = if sqlite {
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'"
    } else {
        "SELECT table_name::text FROM information_schema.tables
          WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'"
    };
    let tables: Vec<String> = sqlx::query(tables_sql)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    let mut out = Vec::new();
    for table in tables {
        let columns_sql = if sqlite {
            format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
        } else {
            format!(
                "SELECT column_name::text FROM information_schema.columns
                  WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"
            )
        };
        let columns: Vec<String> = sqlx::query(&columns_sql)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .filter(|c| !TOUCH_COLUMNS.contains(&(table.as_str(), c.as_str())))
            .collect();
        let quoted: Vec<String> = columns
            .iter()
            .map(|c| {
                if sqlite {
                    format!("'{c}=' || quote({c})")
                } else {
                    format!("'{c}=' || quote_nullable({c})")
                }
            })
            .collect();
        let row_sql = format!(
            "SELECT {} FROM {table}",
            if sqlite {
                quoted.join(" || ' | ' || ")
            } else {
                format!("concat_ws(' | ', {})::text", quoted.join(", "))
            }
        );
        out.push((table, row_sql));
    }
    out
}

/// The rows that differ between two snapshots, table by table, for a readable failure.
pub fn differences(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut found = Vec::new();
    for (table, rows) in after {
        let old = before.get(table).cloned().unwrap_or_default();
        for row in rows.iter().filter(|r| !old.contains(r)) {
            found.push(format!("{table}: + {row}"));
        }
        for row in old.iter().filter(|r| !rows.contains(r)) {
            found.push(format!("{table}: - {row}"));
        }
    }
    found
}

/// How many random cases a property test through HTTP tries: `default`, or PROPTEST_CASES.
pub fn cases(default: usize) -> usize {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Draws `n` values from a proptest strategy (no shrinking: async tests print the failing
/// input instead).
pub fn sample<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::default();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}
