//! Current portal users (guide: "Current Portal Users"): accounts of the older system come
//! in with their password hashes. Every row is validated first; nothing is imported unless
//! every row is good.

use std::collections::{HashMap, HashSet};

use crate::app::App;
use crate::audit::AuditEvent;
use crate::domain::import::{RowNames, RowProblem, bad_lines, check_users};
use crate::flows::Internal;
use crate::i18n;
use crate::store::{ImportedAccount, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ImportProblem {
    /// Rows that are not valid, each with its line number; nothing was imported.
    #[error("{} row(s) are not valid; nothing was imported", bad_lines(.0))]
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
    // The problems are said in the request's language, which a blocking thread is not in.
    let language = i18n::current();
    let file = tokio::task::spawn_blocking(move || {
        i18n::speaking_blocking(language, || check_users(reader))
    })
    .await
    .map_err(|e| Internal::Other(e.into()))?;
    // The database checks cover the bad rows too, so one run names every bad line: an
    // administrator fixes the file once, not once per kind of problem.
    let orgs = organizations(app, &file.names).await?;
    let taken = registered(app, &file.names).await?;
    let mut problems = file.problems;
    for named in &file.names {
        if let Some(email) = named.email.as_ref().filter(|e| taken.contains(e.as_str())) {
            problems.push(RowProblem {
                line: named.line,
                message: format!(
                    "email: {}",
                    i18n::say_with(
                        "import-problem-email-exists",
                        &[("email", email.as_str().into())]
                    )
                ),
            });
        }
        if let Some(name) = named
            .organization
            .as_deref()
            .filter(|n| !orgs.contains_key(*n))
        {
            problems.push(RowProblem {
                line: named.line,
                message: format!(
                    "organization: {}",
                    i18n::say_with(
                        "import-problem-no-organization",
                        &[("name", format!("{name:?}").into())]
                    )
                ),
            });
        }
    }
    if !problems.is_empty() {
        // Stable: a line's own problems stay in column order.
        problems.sort_by_key(|p| p.line);
        return Err(ImportProblem::Rows(problems));
    }
    let accounts: Vec<ImportedAccount<'_>> = file
        .rows
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
    match app
        .store
        .import_accounts(&accounts, app.now(), event, |done| progress(done, total))
        .await
    {
        Ok(written) => Ok(written),
        // Someone registered an address of the file after the check: still all or nothing.
        Err(StoreError::Conflict) => Err(ImportProblem::Rows(vec![RowProblem {
            line: 1,
            message: i18n::say("import-problem-raced"),
        }])),
        Err(e) => Err(Internal::from(e).into()),
    }
}

/// The organizations the file names that exist, by name.
async fn organizations(app: &App, names: &[RowNames]) -> Result<HashMap<String, i64>, Internal> {
    let wanted: HashSet<&str> = names
        .iter()
        .filter_map(|n| n.organization.as_deref())
        .collect();
    let mut found = HashMap::new();
    for name in wanted {
        if let Some(id) = app.store.org_by_name(name).await? {
            found.insert(name.to_string(), id);
        }
    }
    Ok(found)
}

/// The addresses the file names that already have an account.
async fn registered(app: &App, names: &[RowNames]) -> Result<HashSet<String>, Internal> {
    let emails: Vec<&str> = names
        .iter()
        .filter_map(|n| n.email.as_ref().map(|e| e.as_str()))
        .collect();
    Ok(app
        .store
        .existing_emails(&emails)
        .await?
        .into_iter()
        .collect())
}
