//! Current portal users (guide: "Current Portal Users"): accounts of the older system come
//! in with their password hashes. Every row is validated first; nothing is imported unless
//! every row is good.

use std::collections::HashMap;

use crate::app::App;
use crate::audit::AuditEvent;
use crate::domain::import::{ImportRow, RowProblem, parse_users};
use crate::flows::Internal;
use crate::store::ImportedAccount;

#[derive(Debug, thiserror::Error)]
pub enum ImportProblem {
    /// Rows that are not valid, each with its line number; nothing was imported.
    #[error("{} row(s) are not valid; nothing was imported", .0.len())]
    Rows(Vec<RowProblem>),
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// Validates and imports; `progress(done, total)` is called as rows are written.
pub async fn import_users(
    app: &App,
    reader: impl std::io::Read + Send + 'static,
    actor: &str,
    progress: impl Fn(usize, usize),
) -> Result<usize, ImportProblem> {
    // Reading and checking a large file is CPU work: off the async runtime.
    let rows = tokio::task::spawn_blocking(move || parse_users(reader))
        .await
        .map_err(|e| Internal::Other(e.into()))?
        .map_err(ImportProblem::Rows)?;
    let orgs = organizations(app, &rows).await?;
    let mut problems: Vec<RowProblem> = rows
        .iter()
        .filter_map(|row| {
            let name = row.organization.as_deref()?;
            (!orgs.contains_key(name)).then(|| RowProblem {
                line: row.line,
                message: format!("there is no organization named {name:?}; create it first"),
            })
        })
        .collect();
    let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    let taken = app
        .store
        .existing_emails(&emails)
        .await
        .map_err(Internal::from)?;
    problems.extend(
        rows.iter()
            .filter(|r| taken.iter().any(|t| t == r.email.as_str()))
            .map(|r| RowProblem {
                line: r.line,
                message: format!(
                    "an account with the email address {} already exists",
                    r.email
                ),
            }),
    );
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(ImportProblem::Rows(problems));
    }
    let accounts: Vec<ImportedAccount<'_>> = rows
        .iter()
        .map(|r| ImportedAccount {
            email: r.email.as_str(),
            display_name: r.display_name.as_str(),
            password_hash: &r.password_hash,
            org_id: r.organization.as_deref().and_then(|n| orgs.get(n).copied()),
            role: r.role.as_str(),
        })
        .collect();
    let total = accounts.len();
    let event = AuditEvent::new("accounts-imported", actor, "import");
    let written = app
        .store
        .import_accounts(&accounts, app.now(), event, |done| progress(done, total))
        .await
        .map_err(Internal::from)?;
    Ok(written)
}

async fn organizations(app: &App, rows: &[ImportRow]) -> Result<HashMap<String, i64>, Internal> {
    let mut found = HashMap::new();
    for name in rows.iter().filter_map(|r| r.organization.as_deref()) {
        if !found.contains_key(name) {
            if let Some(id) = app.store.org_by_name(name).await? {
                found.insert(name.to_string(), id);
            }
        }
    }
    Ok(found)
}
