//! The lock-out counters a flow counts on (what each counts and why: `domain::throttle`).
//! Each is a keyed hash, so the table names no address.

use crate::app::App;
use crate::crypto::Purpose;
use crate::domain::UnixTime;
use crate::domain::session::SessionStage;
use crate::domain::throttle::LockRule;
use crate::flows::Internal;

fn key(app: &App, counter: &str, value: &str) -> Vec<u8> {
    app.keys
        .hash(Purpose::Throttle, format!("{counter}\n{value}").as_bytes())
}

/// What a password typed for `email` from `client` counts on: that client's tries for the
/// address (strict), and every client's (the any-client ceiling).
pub fn password_counters(app: &App, email: &str, client: &str) -> Vec<(Vec<u8>, LockRule)> {
    let policy = &app.config.policy;
    vec![
        (
            key(app, "password-from-client", &format!("{email}\n{client}")),
            LockRule::strict(policy),
        ),
        (key(app, "password", email), LockRule::any_client(policy)),
    ]
}

/// What a wrong code for `email` at `stage` counts on: a recovery's codes apart from the
/// second factor's (and a signed-in person's re-entered password), so that strangers
/// guessing one never lock the other.
pub fn code_counter(app: &App, email: &str, stage: SessionStage) -> Vec<u8> {
    match stage {
        SessionStage::Recovery | SessionStage::RecoveryPhone => key(app, "recovery-code", email),
        _ => key(app, "code", email),
    }
}

/// A second step's counter as read before a proof other than a sent code (an app's code, a
/// recovery code, a passkey) is checked; a sent code's check reads it itself
/// (`Store::check_code`).
pub struct CodeLock {
    pub key: Vec<u8>,
    /// Set while the counter is locked: until when (the check is refused).
    pub until: Option<UnixTime>,
}

/// Refuses the proof while its counter is locked: until when, if so.
pub async fn code_lock(app: &App, email: &str, stage: SessionStage) -> Result<CodeLock, Internal> {
    let key = code_counter(app, email, stage);
    let until = app.store.throttle(&key).await?.locked_at(app.now());
    Ok(CodeLock { key, until })
}

/// Every counter of the address a new password set by recovery starts again (its owner just
/// proved the address and, where registered, the phone).
pub fn address_counters(app: &App, email: &str) -> Vec<Vec<u8>> {
    vec![
        key(app, "password", email),
        key(app, "code", email),
        key(app, "recovery-code", email),
    ]
}
