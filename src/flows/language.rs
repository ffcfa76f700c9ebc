//! The language a person picked: recorded on their account once they are signed in, so what
//! is sent to them later is in it.

use super::Internal;
use crate::app::App;
use crate::domain::session::SessionStage;
use crate::i18n::Language;

/// Records `language` on the account of the session behind `cookie`, if it is signed in
/// (both factors passed) and the account has another on record. A session on its way in
/// (the password alone, a recovery, a registration) changes nothing of the account's: the
/// browser's cookie is its pick.
pub async fn record(app: &App, cookie: Option<&str>, language: Language) -> Result<(), Internal> {
    let Some(standing) = super::session::standing(app, cookie).await? else {
        return Ok(());
    };
    match standing.account {
        Some(account)
            if standing.session.stage == SessionStage::Authenticated
                && account.language != Some(language) =>
        {
            app.store.set_language(account.id, language).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}
