//! Finding the browser's session and ending it.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::Purpose;
use crate::flows::Internal;
use crate::store::Session;

/// The live session behind a cookie value, if any: revoked, idle and expired sessions are
/// none. Use is recorded (at most once a minute) for the idle time-out.
pub async fn current(app: &App, cookie: Option<&str>) -> Result<Option<Session>, Internal> {
    let Some(token) = cookie.filter(|t| !t.is_empty() && t.len() <= 64) else {
        return Ok(None);
    };
    let hash = app.keys.hash(Purpose::Session, token.as_bytes());
    let Some(session) = app.store.session(&hash).await? else {
        return Ok(None);
    };
    let now = app.now();
    if !session.times.is_live(now, &app.config.policy) {
        return Ok(None);
    }
    if session.times.needs_touch(now) {
        app.store.touch_session(&hash, now).await?;
    }
    Ok(Some(session))
}

/// Sign out: the session ends on the server, not just in the browser.
pub async fn sign_out(app: &App, session: &Session) -> Result<(), Internal> {
    let who = session
        .account_id
        .map_or_else(|| "anonymous".to_string(), audit::account);
    let event = AuditEvent::new("signed-out", who.clone(), who);
    match app
        .store
        .end_session(&session.id_hash, app.now(), event)
        .await
    {
        Ok(()) | Err(crate::store::StoreError::NotFound) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The session by its identifier hash, re-read after a change.
pub async fn current_by_hash(app: &App, hash: &[u8]) -> Result<Option<Session>, Internal> {
    Ok(app.store.session(hash).await?)
}
