//! The language a person picked: recorded on their account when they are signed in (or on
//! their way in), so what is sent to them later is in it.

use super::Internal;
use crate::app::App;
use crate::i18n::Language;

/// Records `language` on the account of the session behind `cookie`, if it has one and it
/// is another than the one on record.
pub async fn record(app: &App, cookie: Option<&str>, language: Language) -> Result<(), Internal> {
    let Some(standing) = super::session::standing(app, cookie).await? else {
        return Ok(());
    };
    match standing.account {
        Some(account) if account.language != Some(language) => {
            app.store.set_language(account.id, language).await?;
            Ok(())
        }
        _ => Ok(()),
    }
}
