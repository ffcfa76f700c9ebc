//! Passkeys (issue 14; PRODUCT.md "Stronger factors"): WebAuthn credentials registered from
//! Your account (discoverable, user verification required), used to sign in without a
//! password (**Sign in with a passkey**: both factors at once) or as the second factor after
//! a password. webauthn-rs checks the ceremonies; each ceremony's state is kept server-side
//! (`Store::put_ceremony`) and taken once, so a challenge is answered at most once. The
//! relying party is the host of `TESSERA_PUBLIC_URL`, and only its origin is accepted.

use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
    WebauthnError,
};

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{Purpose, random_token};
use crate::domain::UnixTime;
use crate::domain::account::{Account, AccountStatus};
use crate::domain::factor::FactorKind;
use crate::domain::mail_queue::LetterKind;
use crate::domain::session::{Proofs, SessionStage, SessionTimes};
use crate::flows::account::{ChangeProblem, fresh_account, notice, reauthenticated};
use crate::flows::{Internal, human_time, lockout, mail_queue};
use crate::i18n::{say, say_with};
use crate::store::{
    FactorClaim, FactorProof, NewCeremony, NewFactor, PasskeySignIn, ProofRefusal, Session,
    StoreError, StoredPasskey,
};

/// How long the browser has to answer a challenge (the options ask for the same).
const CEREMONY_SECS: i64 = 5 * 60;
const REGISTRATION: &str = "passkey-registration";
const SECOND_STEP: &str = "passkey-second-step";
const SIGN_IN: &str = "passkey-sign-in";
/// A passkey registered as the second step of a registration that chose one.
const FIRST_PASSKEY: &str = "passkey-first";
/// The name a passkey gets when the person gives none (in English; in the page's language,
/// [`default_name`]).
pub const DEFAULT_NAME: &str = "Passkey";

/// The name a passkey gets when the person gives none, in the page's language.
pub fn default_name() -> String {
    say("passkey-default-name")
}
const NAME_MAX: usize = 64;

/// Why a passkey ceremony did not go through; the text is what the person reads.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyProblem {
    #[error("{}", say("passkey-no-ceremony"))]
    NoCeremony,
    #[error("{}", say("passkey-not-accepted"))]
    NotAccepted,
    #[error("{}", say("passkey-unknown"))]
    UnknownPasskey,
    #[error("{}", say("passkey-possibly-cloned"))]
    PossiblyCloned,
    #[error("{}", say("sign-in-disabled"))]
    Unavailable,
    #[error("{}", say("passkey-not-allowed"))]
    NotAllowed,
    #[error("{}", say("passkey-not-registered"))]
    NotRegistered,
    #[error("{}", say("passkey-not-discoverable"))]
    NotDiscoverable,
    #[error("{}", say("passkey-bad-name"))]
    BadName,
    #[error("{}", say("passkey-already-registered"))]
    AlreadyRegistered,
    #[error("{}", say("passkey-none-yet"))]
    NoPasskeyYet,
    #[error("{}", say_with("code-locked", &[("until", human_time(*.until).into())]))]
    Locked { until: i64 },
    #[error("{}", say("sign-in-timed-out"))]
    SessionEnded,
    #[error("{0}")]
    Change(ChangeProblem),
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl From<StoreError> for PasskeyProblem {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

impl From<ChangeProblem> for PasskeyProblem {
    fn from(e: ChangeProblem) -> Self {
        match e {
            ChangeProblem::Internal(e) => Self::Internal(e),
            other => Self::Change(other),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> PasskeyProblem {
    PasskeyProblem::Internal(Internal::Other(anyhow::anyhow!("passkey: {e}")))
}

/// The relying party: the public URL's host, and its origin the only one accepted. Building
/// it parses two strings and allocates, nothing more, so it is made where needed rather than
/// kept in `App`.
fn relying_party(app: &App) -> Result<Webauthn, PasskeyProblem> {
    let public = Url::parse(&app.config.public_url()).map_err(internal)?;
    let host = public
        .host_str()
        .ok_or_else(|| internal("the public URL has no host"))?
        .to_string();
    let origin = Url::parse(&public.origin().ascii_serialization()).map_err(internal)?;
    WebauthnBuilder::new(&host, &origin)
        .and_then(|b| b.rp_name("Tessera").build())
        .map_err(internal)
}

/// The user handle the account's passkeys carry: derived under the server's key, so it says
/// nothing about the account to anyone else, and the same for each of its passkeys.
fn user_handle(app: &App, account_id: i64) -> Uuid {
    let hash = app
        .keys
        .hash(Purpose::PasskeyUser, &account_id.to_be_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    Uuid::from_bytes(bytes)
}

fn to_json(value: &impl serde::Serialize) -> Result<String, PasskeyProblem> {
    serde_json::to_string(value).map_err(internal)
}

fn credential(stored: &StoredPasskey) -> Result<Passkey, PasskeyProblem> {
    serde_json::from_str(&stored.stored).map_err(internal)
}

/// The person's name for a passkey: trimmed, at most 64 characters, no control characters;
/// "Passkey" when left empty.
pub fn passkey_name(typed: &str) -> Result<String, PasskeyProblem> {
    let name = typed.trim();
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(PasskeyProblem::BadName);
    }
    Ok(if name.is_empty() {
        default_name()
    } else {
        name.to_string()
    })
}

/// Registration's first half, from Your account: the options for
/// `navigator.credentials.create` (JSON). A factor passed within 15 minutes first
/// (`NotFresh` sends the person through step-up); the passkeys the account holds are
/// excluded, so one authenticator is not registered twice.
pub async fn start_registration(
    app: &App,
    session: &Session,
) -> Result<serde_json::Value, PasskeyProblem> {
    let account = fresh_account(app, session).await?;
    if !app
        .store
        .allowed_factors(account.id)
        .await?
        .allows(FactorKind::Passkey)
    {
        return Err(ChangeProblem::MethodNotAllowed("passkeys").into());
    }
    let exclude = app
        .store
        .passkeys_of(account.id)
        .await?
        .iter()
        .map(|p| credential(p).map(|c| c.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    creation_options(app, session, &account, exclude, REGISTRATION).await
}

/// A registration ceremony for `account`, kept for this session under `purpose`: the
/// options for `navigator.credentials.create`, requiring a discoverable key and user
/// verification.
async fn creation_options(
    app: &App,
    session: &Session,
    account: &Account,
    exclude: Vec<CredentialID>,
    purpose: &'static str,
) -> Result<serde_json::Value, PasskeyProblem> {
    let (options, state) = relying_party(app)?
        .start_passkey_registration(
            user_handle(app, account.id),
            account.email.as_str(),
            account.display_name.as_str(),
            Some(exclude),
        )
        .map_err(internal)?;
    let now = app.now();
    app.store
        .put_ceremony(NewCeremony {
            handle_hash: &session.id_hash,
            purpose,
            account_id: Some(account.id),
            state: &to_json(&state)?,
            expires_at: now + CEREMONY_SECS,
        })
        .await?;
    // webauthn-rs's passkeys only prefer a resident key; the contract requires one, so that
    // the passkey can sign in without a name typed first.
    let mut options = serde_json::to_value(options).map_err(internal)?;
    if let Some(selection) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(serde_json::Value::as_object_mut)
    {
        selection.insert("residentKey".into(), "required".into());
        selection.insert("requireResidentKey".into(), true.into());
        selection.insert("userVerification".into(), "required".into());
    }
    Ok(options)
}

/// Registration's second half: the current password again (OWASP ASVS 5.0 7.5.1), the
/// browser's answer to this session's challenge (taken once), and the person's name for it.
/// The person is told by email.
pub async fn finish_registration(
    app: &App,
    session: &Session,
    password: &str,
    name: &str,
    answer: &str,
    client: &str,
) -> Result<(), PasskeyProblem> {
    let name = passkey_name(name)?;
    let account = reauthenticated(app, session, password, client).await?;
    let now = app.now();
    let state = own_ceremony(app, session, REGISTRATION, account.id).await?;
    let who = audit::account(account.id);
    let refused = |reason: &str| {
        AuditEvent::new("factor-refused", who.clone(), who.clone())
            .with("factor", FactorKind::Passkey.as_str())
            .with("reason", reason.to_string())
    };
    let passkey = registered(app, &state, answer, now, &refused).await?;
    let message = notice(
        app,
        &account,
        account.email.as_str(),
        "A passkey was added to your portal account",
        &format!("A passkey ({name}) was added to your portal account as a verification method"),
    )?;
    let added = app
        .store
        .add_factor(
            NewFactor {
                account_id: account.id,
                session_hash: &session.id_hash,
                kind: FactorKind::Passkey,
                label: Some(&name),
                secret: Some(&to_json(&passkey)?),
                credential_id: Some(passkey.cred_id().as_slice()),
                last_step: None,
                notice: &mail_queue::letter(app, LetterKind::Notice, &message),
                now,
            },
            AuditEvent::new("factor-added", who.clone(), who.clone())
                .with("factor", FactorKind::Passkey.as_str())
                .with("name", name.clone()),
        )
        .await;
    match added {
        Ok(_) => {
            mail_queue::wake(app);
            Ok(())
        }
        Err(StoreError::Conflict) => Err(PasskeyProblem::AlreadyRegistered),
        Err(StoreError::NotFound) => Err(ChangeProblem::NotFresh.into()),
        Err(e) => Err(e.into()),
    }
}

/// Takes this session's ceremony of `purpose`, once, if it is the account's.
async fn own_ceremony(
    app: &App,
    session: &Session,
    purpose: &str,
    account_id: i64,
) -> Result<String, PasskeyProblem> {
    match app
        .store
        .take_ceremony(&session.id_hash, purpose, app.now())
        .await?
    {
        Some((Some(owner), state)) if owner == account_id => Ok(state),
        _ => Err(PasskeyProblem::NoCeremony),
    }
}

/// The passkey a registration ceremony's answer makes, checked against its kept state;
/// every refusal audited by `refused`.
async fn registered(
    app: &App,
    state: &str,
    answer: &str,
    now: UnixTime,
    refused: &impl Fn(&str) -> AuditEvent,
) -> Result<Passkey, PasskeyProblem> {
    let state: PasskeyRegistration = serde_json::from_str(state).map_err(internal)?;
    let Ok(answer) = serde_json::from_str::<RegisterPublicKeyCredential>(answer) else {
        app.store.record(now, refused("malformed")).await?;
        return Err(PasskeyProblem::NotAccepted);
    };
    // The browser's own report (unsigned: no authenticator signs it); a browser that says the
    // key is not discoverable is believed.
    if answer
        .extensions
        .cred_props
        .as_ref()
        .and_then(|p| p.rk)
        .is_some_and(|rk| !rk)
    {
        app.store.record(now, refused("not-discoverable")).await?;
        return Err(PasskeyProblem::NotDiscoverable);
    }
    match relying_party(app)?.finish_passkey_registration(&answer, &state) {
        Ok(passkey) => Ok(passkey),
        Err(e) => {
            tracing::info!(error = %e, "passkey registration refused");
            app.store.record(now, refused("invalid")).await?;
            Err(PasskeyProblem::NotAccepted)
        }
    }
}

/// Renames one of the signed-in person's passkeys.
pub async fn rename(
    app: &App,
    session: &Session,
    factor_id: i64,
    name: &str,
) -> Result<(), PasskeyProblem> {
    let name = passkey_name(name)?;
    let account_id = session.account_id.ok_or(PasskeyProblem::SessionEnded)?;
    let who = audit::account(account_id);
    let event = AuditEvent::new("factor-renamed", who.clone(), who)
        .with("factor", FactorKind::Passkey.as_str())
        .with("name", name.clone());
    if app
        .store
        .rename_passkey(account_id, factor_id, &name, app.now(), event)
        .await?
    {
        Ok(())
    } else {
        Err(ChangeProblem::NoSuchFactor.into())
    }
}

/// The account of a session at the second step of a registration that chose a passkey and
/// holds none yet: the one session that registers a passkey at `/verify/passkey` instead of
/// using one. Only an account still registering, whose chosen method is a passkey, not
/// barred, whose organization allows passkeys; never an active account (a password alone
/// must never add a factor). The store checks the same again when it records the passkey.
pub async fn enrolling(app: &App, session: &Session) -> Result<Option<Account>, PasskeyProblem> {
    let Some(account_id) = session.account_id else {
        return Ok(None);
    };
    if session.stage != SessionStage::SecondFactor {
        return Ok(None);
    }
    let account = app.store.account_by_id(account_id).await?;
    if account.status != AccountStatus::Registering
        || account.mfa_method != Some(FactorKind::Passkey)
        || account.disabled
        || account.locked
        || !app
            .store
            .allowed_factors(account_id)
            .await?
            .allows(FactorKind::Passkey)
        || !app.store.passkeys_of(account_id).await?.is_empty()
    {
        return Ok(None);
    }
    Ok(Some(account))
}

/// The second step of a registration that chose a passkey: the answer to this session's
/// registration challenge (taken once), a discoverable key with user verification, recorded
/// with the person's name for it in the transaction that passes the step (`signed-in` and
/// `factor-added` audited there). Returns the next session's cookie value and stage.
pub async fn finish_first_passkey(
    app: &App,
    session: &Session,
    account: &Account,
    answer: &str,
    name: &str,
) -> Result<(String, SessionStage), PasskeyProblem> {
    let name = passkey_name(name)?;
    let now = app.now();
    let state = own_ceremony(app, session, FIRST_PASSKEY, account.id).await?;
    let who = audit::account(account.id);
    let refused = |reason: &str| {
        AuditEvent::new("factor-refused", who.clone(), who.clone())
            .with("factor", FactorKind::Passkey.as_str())
            .with("reason", reason.to_string())
    };
    let passkey = registered(app, &state, answer, now, &refused).await?;
    // webauthn-rs keeps the backup flag inside; its serialized form shows it.
    let synced = serde_json::to_value(&passkey)
        .ok()
        .and_then(|v| {
            v.pointer("/cred/backup_eligible")
                .and_then(serde_json::Value::as_bool)
        })
        .unwrap_or(false);
    let stored = to_json(&passkey)?;
    let key = lockout::code_lock(app, account.email.as_str(), session.stage)
        .await?
        .key;
    let token = random_token().map_err(Internal::from)?;
    let proof = FactorProof {
        session_hash: &session.id_hash,
        new_session_hash: &app.keys.hash(Purpose::Session, token.as_bytes()),
        throttle_key: &key,
        account_id: account.id,
        stages: &[SessionStage::SecondFactor],
        claim: FactorClaim::NewPasskey {
            credential_id: passkey.cred_id().as_slice(),
            stored: &stored,
            label: &name,
        },
        proved: Some(FactorKind::Passkey),
        // The registration's password is carried from the session; the passkey was made
        // with the person's verification (webauthn-rs's passkeys require it).
        adds: Proofs::default().and_passkey(synced, true),
        now,
        policy: &app.config.policy,
    };
    let added = AuditEvent::new("factor-added", who.clone(), who.clone())
        .with("factor", FactorKind::Passkey.as_str())
        .with("name", name.clone());
    let passed = AuditEvent::new("signed-in", who.clone(), who.clone())
        .with("factor", FactorKind::Passkey.as_str());
    let refused = |reason: &'static str| refused(reason);
    match app
        .store
        .prove_factor_and_record(proof, Some(added), passed, refused)
        .await?
    {
        Ok(stage) => Ok((token, stage)),
        // The account changed since (no longer registering, passkeys turned off, barred, a
        // passkey recorded already) or the credential is registered already.
        Err(ProofRefusal::AlreadyUsed | ProofRefusal::Wrong(_)) => Err(PasskeyProblem::NotAccepted),
        Err(ProofRefusal::SessionEnded) => Err(PasskeyProblem::SessionEnded),
    }
}

/// The second step's challenge, for the account's own passkeys (the gate let only a holder
/// of one through); kept for this session.
pub async fn start_second_step(
    app: &App,
    session: &Session,
) -> Result<serde_json::Value, PasskeyProblem> {
    let account_id = session.account_id.ok_or(PasskeyProblem::SessionEnded)?;
    if let Some(account) = enrolling(app, session).await? {
        return creation_options(app, session, &account, Vec::new(), FIRST_PASSKEY).await;
    }
    let passkeys = app
        .store
        .passkeys_of(account_id)
        .await?
        .iter()
        .map(credential)
        .collect::<Result<Vec<_>, _>>()?;
    if passkeys.is_empty() {
        // Nothing to ask for, and nothing to register: only a registration that chose a
        // passkey registers one here (a password alone never adds a factor).
        return Err(PasskeyProblem::NoPasskeyYet);
    }
    let (options, state) = relying_party(app)?
        .start_passkey_authentication(&passkeys)
        .map_err(internal)?;
    app.store
        .put_ceremony(NewCeremony {
            handle_hash: &session.id_hash,
            purpose: SECOND_STEP,
            account_id: Some(account_id),
            state: &to_json(&state)?,
            expires_at: app.now() + CEREMONY_SECS,
        })
        .await?;
    serde_json::to_value(options).map_err(internal)
}

/// The second step passed with a passkey: the answer to this session's challenge (taken
/// once), by one of the account's passkeys, with user verification (webauthn-rs's passkey
/// policy requires it). A wrong answer counts toward the lock-out like a wrong code; a sign
/// counter that went back (a copied authenticator) is refused. Returns the next session's
/// cookie value and stage.
pub async fn finish_second_step(
    app: &App,
    session: &Session,
    answer: &str,
) -> Result<(String, SessionStage), PasskeyProblem> {
    let account_id = session.account_id.ok_or(PasskeyProblem::SessionEnded)?;
    let account = app.store.account_by_id(account_id).await?;
    let lockout::CodeLock {
        key, until: locked, ..
    } = lockout::code_lock(app, account.email.as_str(), session.stage).await?;
    if let Some(until) = locked {
        return Err(PasskeyProblem::Locked { until });
    }
    let now = app.now();
    let state = own_ceremony(app, session, SECOND_STEP, account_id).await?;
    let state: PasskeyAuthentication = serde_json::from_str(&state).map_err(internal)?;
    let who = audit::account(account_id);
    let rp = relying_party(app)?;
    let checked = serde_json::from_str::<PublicKeyCredential>(answer)
        .map_err(|e| e.to_string())
        .map(|answer| rp.finish_passkey_authentication(&answer, &state));
    let result = match checked {
        Ok(Ok(result)) => Some(result),
        Err(e) => {
            tracing::info!(error = %e, "passkey assertion unreadable");
            None
        }
        Ok(Err(WebauthnError::CredentialPossibleCompromise)) => {
            let event = AuditEvent::new("passkey-refused", who.clone(), who.clone())
                .with("reason", "sign-counter-went-back");
            app.store.record(now, event).await?;
            return Err(PasskeyProblem::PossiblyCloned);
        }
        Ok(Err(e)) => {
            tracing::info!(error = %e, "passkey assertion refused");
            None
        }
    };
    // The credential as it is now (counter, backup state), to store in the claim.
    let updated = match &result {
        Some(result) => {
            let held = app.store.passkeys_of(account_id).await?;
            let mut found = None;
            for stored in &held {
                let mut passkey = credential(stored)?;
                if passkey.cred_id() == result.cred_id() {
                    passkey.update_credential(result);
                    found = Some((stored.credential_id.clone(), to_json(&passkey)?));
                }
            }
            found
        }
        None => None,
    };
    let claim = match &updated {
        Some((credential_id, stored)) => FactorClaim::Passkey {
            credential_id,
            stored,
        },
        None => FactorClaim::Wrong,
    };
    let token = random_token().map_err(Internal::from)?;
    let proof = FactorProof {
        session_hash: &session.id_hash,
        new_session_hash: &app.keys.hash(Purpose::Session, token.as_bytes()),
        throttle_key: &key,
        account_id,
        stages: &SessionStage::SECOND_STEP,
        claim,
        proved: Some(FactorKind::Passkey),
        adds: result.as_ref().map_or_else(Proofs::default, |r| {
            Proofs::default().and_passkey(r.backup_eligible(), r.user_verified())
        }),
        now,
        policy: &app.config.policy,
    };
    let passed = AuditEvent::new("signed-in", who.clone(), who.clone())
        .with("factor", FactorKind::Passkey.as_str());
    let refused = |reason: &'static str| {
        AuditEvent::new("code-refused", who.clone(), who.clone())
            .with("channel", FactorKind::Passkey.as_str())
            .with("reason", reason)
    };
    match app.store.prove_factor(proof, passed, refused).await? {
        Ok(stage) => Ok((token, stage)),
        Err(ProofRefusal::Wrong(throttle)) => match throttle.locked_at(now) {
            Some(until) => Err(PasskeyProblem::Locked { until }),
            None => Err(PasskeyProblem::NotAccepted),
        },
        Err(ProofRefusal::AlreadyUsed) => Err(PasskeyProblem::NotAccepted),
        Err(ProofRefusal::SessionEnded) => Err(PasskeyProblem::SessionEnded),
    }
}

/// A sign-in without a password begins: a discoverable challenge (no account named yet),
/// kept under a random handle the browser sends back with its answer. Returns the options
/// for `navigator.credentials.get` and the handle.
pub async fn start_sign_in(app: &App) -> Result<(serde_json::Value, String), PasskeyProblem> {
    let (options, state) = relying_party(app)?
        .start_discoverable_authentication()
        .map_err(internal)?;
    let handle = random_token().map_err(Internal::from)?;
    app.store
        .put_ceremony(NewCeremony {
            handle_hash: &app.keys.hash(Purpose::Ceremony, handle.as_bytes()),
            purpose: SIGN_IN,
            account_id: None,
            state: &to_json(&state)?,
            expires_at: app.now() + CEREMONY_SECS,
        })
        .await?;
    let mut options = serde_json::to_value(options).map_err(internal)?;
    // webauthn-rs asks for conditional mediation (autofill); this challenge answers a button.
    if let Some(object) = options.as_object_mut() {
        object.remove("mediation");
    }
    Ok((options, handle))
}

/// A sign-in without a password ends: the answer to the handle's challenge (taken once), by a
/// registered passkey whose user handle is its account's, with user verification, for an
/// active account whose organization allows passkeys. Counts as both factors. Returns the new
/// session's cookie value.
pub async fn finish_sign_in(
    app: &App,
    handle: &str,
    answer: &str,
    previous: Option<&Session>,
    client: &str,
) -> Result<String, PasskeyProblem> {
    let now = app.now();
    let Some((_, state)) = app
        .store
        .take_ceremony(
            &app.keys.hash(Purpose::Ceremony, handle.as_bytes()),
            SIGN_IN,
            now,
        )
        .await?
    else {
        return Err(PasskeyProblem::NoCeremony);
    };
    let state: DiscoverableAuthentication = serde_json::from_str(&state).map_err(internal)?;
    let Ok(answer) = serde_json::from_str::<PublicKeyCredential>(answer) else {
        return Err(PasskeyProblem::NotAccepted);
    };
    let Some(stored) = app
        .store
        .passkey_by_credential(answer.get_credential_id())
        .await?
    else {
        // Nothing names an account: audited within the client's budget only.
        let event = AuditEvent::new("sign-in-failed", "anonymous", "anonymous")
            .with("factor", FactorKind::Passkey.as_str())
            .with("reason", "unknown-passkey");
        crate::flows::audit_budget::record_unauthenticated(app, client, event).await?;
        return Err(PasskeyProblem::UnknownPasskey);
    };
    let who = audit::account(stored.account_id);
    let failed = |reason: &'static str| {
        AuditEvent::new("sign-in-failed", "anonymous", who.clone())
            .with("factor", FactorKind::Passkey.as_str())
            .with("reason", reason)
    };
    if answer.get_user_unique_id() != Some(user_handle(app, stored.account_id).as_bytes()) {
        app.store.record(now, failed("user-handle")).await?;
        return Err(PasskeyProblem::NotAccepted);
    }
    let mut passkey = credential(&stored)?;
    let result =
        match relying_party(app)?.finish_discoverable_authentication_v2(&answer, state, &passkey) {
            Ok(result) => result,
            Err(WebauthnError::CredentialPossibleCompromise) => {
                app.store
                    .record(now, failed("sign-counter-went-back"))
                    .await?;
                return Err(PasskeyProblem::PossiblyCloned);
            }
            Err(e) => {
                tracing::info!(error = %e, "passkey sign-in refused");
                app.store.record(now, failed("invalid")).await?;
                return Err(PasskeyProblem::NotAccepted);
            }
        };
    // The policy asked for it; the contract requires it of a sign-in without a password.
    if !result.user_verified() {
        app.store
            .record(now, failed("no-user-verification"))
            .await?;
        return Err(PasskeyProblem::NotAccepted);
    }
    let account = app.store.account_by_id(stored.account_id).await?;
    if account.disabled || account.locked {
        app.store.record(now, failed("disabled or locked")).await?;
        return Err(PasskeyProblem::Unavailable);
    }
    if account.status != AccountStatus::Active {
        app.store.record(now, failed("not-registered")).await?;
        return Err(PasskeyProblem::NotRegistered);
    }
    if !app
        .store
        .allowed_factors(account.id)
        .await?
        .allows(FactorKind::Passkey)
    {
        app.store.record(now, failed("factor-not-allowed")).await?;
        return Err(PasskeyProblem::NotAllowed);
    }
    passkey.update_credential(&result);
    let token = random_token().map_err(Internal::from)?;
    let proofs = Proofs::default().and_passkey(result.backup_eligible(), true);
    let event = AuditEvent::new("signed-in", who.clone(), who.clone())
        .with("factor", FactorKind::Passkey.as_str())
        .with("next", SessionStage::Authenticated.as_str());
    let signed_in = app
        .store
        .sign_in_with_passkey(
            PasskeySignIn {
                previous: previous.map(|s| s.id_hash.as_slice()),
                id_hash: &app.keys.hash(Purpose::Session, token.as_bytes()),
                account_id: account.id,
                credential_id: &stored.credential_id,
                read: &stored.stored,
                stored: &to_json(&passkey)?,
                proofs,
                times: SessionTimes::new(now, &app.config.policy, None),
            },
            now,
            event,
        )
        .await;
    match signed_in {
        Ok(()) => Ok(token),
        Err(StoreError::Barred) => {
            app.store.record(now, failed("disabled or locked")).await?;
            Err(PasskeyProblem::Unavailable)
        }
        // Removed or used by another sign-in, or the account changed, since the lookup.
        Err(StoreError::NotFound) => Err(PasskeyProblem::NotAccepted),
        Err(e) => Err(e.into()),
    }
}
