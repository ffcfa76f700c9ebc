//! Terms of Use (guide: "check the box at the bottom to agree to Terms of Use, then click
//! Continue"): versioned, and each acceptance recorded with its time.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::flows::Internal;
use crate::store::TermsVersion;

#[derive(Debug, thiserror::Error)]
pub enum TermsProblem {
    #[error("{}", crate::i18n::say("terms-not-agreed"))]
    NotAgreed,
    #[error("{}", crate::i18n::say("terms-outdated"))]
    Outdated,
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// The version in force: the one everyone accepts.
pub async fn current(app: &App) -> Result<TermsVersion, Internal> {
    Ok(app.store.current_terms().await?)
}

/// The version the account still has to accept, if any.
pub async fn pending(app: &App, account_id: i64) -> Result<Option<TermsVersion>, Internal> {
    let current = current(app).await?;
    Ok((!app.store.has_accepted(account_id, current.version).await?).then_some(current))
}

pub async fn accept(
    app: &App,
    account_id: i64,
    version: i64,
    agreed: bool,
) -> Result<(), TermsProblem> {
    if !agreed {
        return Err(TermsProblem::NotAgreed);
    }
    let current = current(app).await?;
    if current.version != version {
        return Err(TermsProblem::Outdated);
    }
    let event = AuditEvent::new(
        "terms-accepted",
        audit::account(account_id),
        audit::account(account_id),
    );
    app.store
        .accept_terms(account_id, version, app.now(), event)
        .await
        .map_err(Internal::from)?;
    Ok(())
}
