//! Finding the browser's session and ending it.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::Purpose;
use crate::domain::access::{AccountStanding, Standing};
use crate::domain::account::Account;
use crate::domain::factor::FactorKind;
use crate::domain::session::SessionStage;
use crate::flows::Internal;
use crate::store::{Session, SessionStanding};

/// The live session behind a cookie value, if any: revoked, idle and expired sessions are
/// none. Use is recorded (at most once a minute) for the idle time-out.
pub async fn current(app: &App, cookie: Option<&str>) -> Result<Option<Session>, Internal> {
    let Some(hash) = cookie_hash(app, cookie) else {
        return Ok(None);
    };
    let Some(session) = app.store.session(&hash).await? else {
        return Ok(None);
    };
    live(app, session).await
}

/// The live session behind a cookie value with what the access rule needs of it (its
/// account, the Terms, the organization's factors); one query. Use is recorded as by
/// [`current`].
pub async fn standing(
    app: &App,
    cookie: Option<&str>,
) -> Result<Option<SessionStanding>, Internal> {
    let Some(hash) = cookie_hash(app, cookie) else {
        return Ok(None);
    };
    let Some(found) = app.store.session_standing(&hash).await? else {
        return Ok(None);
    };
    Ok(live(app, found.session.clone()).await?.map(|_| found))
}

/// The access rule's view of a session (`domain::access`).
pub fn access_standing(found: &SessionStanding) -> Standing {
    Standing {
        stage: found.session.stage,
        account: found.account.as_ref().map(|a| AccountStanding {
            status: a.status,
            method: a.mfa_method,
            held: found.held,
            must_enrol_passkey: found.require_passkey.applies_to(a.role)
                && !found.held.allows(FactorKind::Passkey),
            disabled: a.disabled,
            locked: a.locked,
            allowed: found.allowed,
        }),
        terms_accepted: found.terms_accepted,
    }
}

fn cookie_hash(app: &App, cookie: Option<&str>) -> Option<Vec<u8>> {
    let token = cookie.filter(|t| !t.is_empty() && t.len() <= 64)?;
    Some(app.keys.hash(Purpose::Session, token.as_bytes()))
}

/// The session if it is still live by the clock, its use recorded for the idle time-out.
async fn live(app: &App, session: Session) -> Result<Option<Session>, Internal> {
    let now = app.now();
    if !session.times.is_live(now, &app.config.policy) {
        return Ok(None);
    }
    if session.times.needs_touch(now) {
        app.store.touch_session(&session.id_hash, now).await?;
    }
    Ok(Some(session))
}

/// The session's account while the session is at `stage`; none at any other stage.
pub async fn account_at(
    app: &App,
    session: &Session,
    stage: SessionStage,
) -> Result<Option<Account>, Internal> {
    match session.account_id.filter(|_| session.stage == stage) {
        Some(id) => Ok(Some(app.store.account_by_id(id).await?)),
        None => Ok(None),
    }
}

/// The session's own account from what was read with it: none unless it is that session's.
pub fn its_account<'a>(session: &Session, account: Option<&'a Account>) -> Option<&'a Account> {
    account.filter(|a| session.account_id == Some(a.id))
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
        Ok(()) => {
            // Applications this session signed into hear of it now (`flows::backchannel`).
            app.logout_wakeup.notify_one();
            Ok(())
        }
        Err(crate::store::StoreError::NotFound) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The session by its identifier hash, re-read after a change.
/// The code the session waits for, read afresh (a problem may have withdrawn it).
pub async fn live_code(
    app: &App,
    session: &Session,
) -> Result<Option<crate::store::LiveCode>, Internal> {
    Ok(app.store.live_code(&session.id_hash).await?)
}

pub async fn current_by_hash(app: &App, hash: &[u8]) -> Result<Option<Session>, Internal> {
    Ok(app.store.session(hash).await?)
}

/// The person's own signed-in sessions (OWASP ASVS 7.5.2), live by the clock, newest first;
/// the flag marks the one asking.
pub async fn mine(
    app: &App,
    current: &Session,
) -> Result<Vec<(crate::store::SessionInfo, bool)>, Internal> {
    let Some(account_id) = current.account_id else {
        return Ok(Vec::new());
    };
    let now = app.now();
    Ok(app
        .store
        .signed_in_sessions(account_id)
        .await?
        .into_iter()
        .filter(|(_, info)| {
            let times = crate::domain::session::SessionTimes {
                created_at: info.created_at,
                last_seen_at: info.last_seen_at,
                expires_at: info.expires_at,
            };
            times.is_live(now, &app.config.policy)
        })
        .map(|(hash, info)| (info, hash == current.id_hash))
        .collect())
}

/// Ends one of the person's own sessions, named by its reference.
pub async fn end_mine(app: &App, current: &Session, reference: &str) -> Result<bool, Internal> {
    let Some(account_id) = current.account_id else {
        return Ok(false);
    };
    let sessions = app.store.signed_in_sessions(account_id).await?;
    let Some((hash, _)) = sessions
        .into_iter()
        .find(|(_, info)| info.reference == reference)
    else {
        return Ok(false);
    };
    let who = audit::account(account_id);
    let event = AuditEvent::new("session-ended", who.clone(), who).with("by", "owner");
    match app.store.end_session(&hash, app.now(), event).await {
        Ok(()) => Ok(true),
        Err(crate::store::StoreError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// "Sign out everywhere else": every other session of the person ends.
pub async fn end_others(app: &App, current: &Session) -> Result<u64, Internal> {
    let Some(account_id) = current.account_id else {
        return Ok(0);
    };
    let who = audit::account(account_id);
    let event = AuditEvent::new("sessions-ended", who.clone(), who).with("by", "owner");
    Ok(app
        .store
        .end_sessions_of(account_id, Some(&current.id_hash), app.now(), event)
        .await?)
}
