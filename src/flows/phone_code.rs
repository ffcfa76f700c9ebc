//! The phone factor (guide: "Phone Verification" and "Login With Phone"): the number on
//! file, or typed at registration; Send Code (a text with a 6-digit code) or Call Me (a
//! call that asks the callee to press #, after which the page moves on by itself).

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{Purpose, random_token};
use crate::delivery::twilio::signature_is_valid;
use crate::delivery::{DeliveryError, Phone};
use crate::domain::account::{Account, AccountStatus};
use crate::domain::code::{CodePurpose, OneTimeCode};
use crate::domain::phone::{PhoneNumber, PhoneProblem, mask_e164};
use crate::domain::session::SessionStage;
use crate::flows::{Internal, human_duration, human_duration_in, human_time, lockout};
use crate::i18n::{self, say, say_with};
use crate::sealing::Kind;
use crate::store::{CodeIssue, CodeToSend, LiveCode, SendCap, Session};

/// What the phone verification page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PhonePage {
    pub registering: bool,
    /// The number on file, masked (Login With Phone); None while registering a number.
    pub on_file: Option<String>,
    /// A text was sent: where to (masked; in full while registering), and for how much
    /// longer its code works.
    pub sent_to: Option<String>,
    /// A call was placed: the number called (masked; in full while registering).
    pub called: Option<String>,
    /// While registering: the number the last code or call went to, to keep in the form.
    pub typed: Option<TypedNumber>,
    pub expires_in: Option<i64>,
    /// How long a texted code works, said before it is sent.
    pub lifetime: String,
    pub retry_in: i64,
}

/// A number being registered, as the form's fields take it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TypedNumber {
    pub country_code: String,
    pub national: String,
}

/// `live`: the session's live code, as read with it.
pub async fn page(
    app: &App,
    session: &Session,
    live: Option<&LiveCode>,
) -> Result<PhonePage, Internal> {
    let account = account_of(app, session).await?;
    let now = app.now();
    let live_expiry = live.as_ref().map(|c| c.expires_at);
    let registering = account.status == AccountStatus::Registering;
    // A registrant sees their own number in full; anyone else only its last digits.
    let typed = match &live {
        Some(code) if registering && code.channel != "email" => opened(app, &code.destination),
        _ => None,
    };
    let shown = |channel: &str| match (&live, &typed) {
        (Some(code), _) if code.channel != channel => None,
        (Some(_), Some(number)) => Some(number.shown()),
        (Some(code), None) => Some(masked(app, &code.destination)),
        (None, _) => None,
    };
    let (sent_to, called) = (shown("sms"), shown("voice"));
    let text = live.filter(|c| c.channel == "sms");
    Ok(PhonePage {
        registering,
        on_file: phone_on_file(app, &account)?.map(|p| p.masked()),
        sent_to,
        called,
        typed: typed.map(|n| TypedNumber {
            country_code: format!("+{}", n.country_code()),
            national: n.national().to_string(),
        }),
        expires_in: text.as_ref().map(|c| (c.expires_at - now).max(0)),
        lifetime: human_duration(app.config.policy.code_ttl_secs),
        retry_in: app
            .config
            .policy
            .resend_in(session.code_sent_at, live_expiry, now),
    })
}

/// A stored (sealed) number, opened.
fn opened(app: &App, stored: &str) -> Option<PhoneNumber> {
    let e164 = app.sealer.open(Kind::PhoneNumber, stored).ok()?;
    PhoneNumber::from_e164(&e164)
}

/// A stored (sealed) number, masked for the page.
pub(crate) fn masked(app: &App, stored: &str) -> String {
    match app.sealer.open(Kind::PhoneNumber, stored) {
        Ok(e164) => {
            PhoneNumber::from_e164(&e164).map_or_else(|| mask_e164(&e164, 0), |p| p.masked())
        }
        Err(_) => "your phone".to_string(),
    }
}

/// The account's verified number, opened from its sealed form.
pub(crate) fn phone_on_file(app: &App, account: &Account) -> Result<Option<PhoneNumber>, Internal> {
    let Some(stored) = account.phone.as_deref() else {
        return Ok(None);
    };
    let e164 = app
        .sealer
        .open(Kind::PhoneNumber, stored)
        .map_err(|e| Internal::Other(e.into()))?;
    Ok(PhoneNumber::from_e164(&e164))
}

async fn account_of(app: &App, session: &Session) -> Result<Account, Internal> {
    let id = session
        .account_id
        .ok_or_else(|| anyhow::anyhow!("second-factor session without account"))?;
    Ok(app.store.account_by_id(id).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Send Code: a text message with a 6-digit code.
    Sms,
    /// Call Me: a voice call; the callee presses #.
    Call,
}

#[derive(Debug, thiserror::Error)]
pub enum PhoneSendProblem {
    #[error("{0}")]
    Number(PhoneProblem),
    #[error("{}", say_with("phone-cooling-down", &[("wait", human_duration(*.retry_in).into())]))]
    CoolingDown { retry_in: i64 },
    #[error("{}", cap_reached_text(scope, *.retry_at))]
    CapReached { scope: &'static str, retry_at: i64 },
    #[error("{}", say("code-exhausted"))]
    Exhausted,
    #[error("{}", say("phone-session-ended"))]
    SessionEnded,
    #[error("{}", undelivered_text(*.channel, *.why))]
    NotDelivered { channel: Channel, why: Undelivered },
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// Why the provider did not take a text or call (nothing is retried: one click, one request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undelivered {
    /// The provider refused this number (invalid, not mobile, opted out, region closed).
    NumberRefused,
    /// No answer in time: it may or may not have gone out.
    NoAnswer,
    /// Any other refusal or failure.
    Failed,
}

fn undelivered_text(channel: Channel, why: Undelivered) -> String {
    say(match (channel, why) {
        (Channel::Sms, Undelivered::NumberRefused) => "phone-sms-refused",
        (Channel::Call, Undelivered::NumberRefused) => "phone-call-refused",
        (Channel::Sms, Undelivered::NoAnswer) => "phone-sms-no-answer",
        (Channel::Call, Undelivered::NoAnswer) => "phone-call-no-answer",
        (Channel::Sms, Undelivered::Failed) => "phone-sms-failed",
        (Channel::Call, Undelivered::Failed) => "phone-call-failed",
    })
}

/// A call's token (its webhooks' path): random, and led by the language the call speaks when
/// not English (`es.…`), so that its webhooks answer the callee in it too.
fn call_token(language: i18n::Language) -> anyhow::Result<String> {
    let random = random_token()?;
    Ok(match language {
        i18n::Language::English => random,
        other => format!("{}.{random}", other.as_str()),
    })
}

/// The language a call speaks, as its token says (`call_token`).
pub fn language_of_call(token: &str) -> i18n::Language {
    token
        .split_once('.')
        .and_then(|(code, _)| i18n::Language::parse(code))
        .unwrap_or(i18n::Language::English)
}

/// Today's cap on texts and calls is reached for `scope` (a `SendCap`'s).
fn cap_reached_text(scope: &str, retry_at: i64) -> String {
    let id = match scope {
        "account" => "phone-cap-reached-account",
        "phone number" => "phone-cap-reached-number",
        _ => "phone-cap-reached-address",
    };
    say_with(id, &[("until", human_time(retry_at).into())])
}

impl Undelivered {
    fn of(error: &DeliveryError) -> Self {
        match error {
            DeliveryError::Provider(e) if e.number_refused() => Self::NumberRefused,
            DeliveryError::Provider(e) if e.unanswered() => Self::NoAnswer,
            _ => Self::Failed,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::NumberRefused => "number-refused",
            Self::NoAnswer => "no-answer-from-provider",
            Self::Failed => "failed",
        }
    }
}

/// The number to use: the one on file; at registration, the one typed.
fn destination(
    app: &App,
    account: &Account,
    country_code: &str,
    number: &str,
) -> Result<PhoneNumber, PhoneSendProblem> {
    if let Some(on_file) = phone_on_file(app, account)? {
        return Ok(on_file);
    }
    // A typed number becomes the account's factor once its code passes: only a person
    // registering the phone factor may type one (never an email user with a password alone).
    if !account.may_register_a_number() {
        return Err(PhoneSendProblem::SessionEnded);
    }
    let allowed = app
        .config
        .policy
        .country_codes()
        .map_err(|e| Internal::Other(anyhow::anyhow!(e)))?;
    PhoneNumber::parse(country_code, number, &allowed).map_err(PhoneSendProblem::Number)
}

pub async fn send(
    app: &App,
    session: &Session,
    channel: Channel,
    country_code: &str,
    number: &str,
    client: &str,
) -> Result<(), PhoneSendProblem> {
    if !matches!(
        session.stage,
        SessionStage::SecondFactor | SessionStage::RecoveryPhone
    ) {
        return Err(PhoneSendProblem::SessionEnded);
    }
    let account = account_of(app, session).await?;
    let phone = destination(app, &account, country_code, number)?;
    send_to(
        app,
        &session.id_hash,
        &account,
        &phone,
        channel,
        CodePurpose::SignIn,
        client,
    )
    .await?;
    // "Text me instead" while the phone still rings: the text replaced the call's challenge;
    // the call itself is hung up.
    if channel == Channel::Sms {
        cancel_call(app, session, "text-instead").await?;
    }
    Ok(())
}

/// Texts a code to (or calls) `phone`, bound to the session and good only for `purpose`:
/// the sign-in factor, the same again in place (step-up), or a new number being confirmed.
/// The daily caps and the cool-downs (per session, account, number and client address, held
/// in the database) apply whatever the purpose.
pub(crate) async fn send_to(
    app: &App,
    session_hash: &[u8],
    account: &Account,
    phone: &PhoneNumber,
    channel: Channel,
    purpose: CodePurpose,
    client: &str,
) -> Result<(), PhoneSendProblem> {
    let now = app.now();
    let policy = &app.config.policy;
    let key = |scope: &str, value: &str| {
        app.keys
            .hash(Purpose::Throttle, format!("{scope}:{value}").as_bytes())
    };
    // The cool-down holds per account and per number, whichever session asks, so a new
    // sign-in or another account cannot send to the same phone again at once. Not per client
    // address: a whole office behind one NAT would wait on each other; the daily cap per
    // address bounds what one client can pump.
    let caps = [
        SendCap {
            scope: "account",
            key: key("account", &account.id.to_string()),
            per_day: policy.phone_sends_per_day_per_account,
            cool_down: true,
        },
        SendCap {
            scope: "phone number",
            key: key("number", phone.e164()),
            per_day: policy.phone_sends_per_day_per_number,
            cool_down: true,
        },
        SendCap {
            scope: "network address",
            key: key("client", client),
            per_day: policy.phone_sends_per_day_per_client,
            cool_down: false,
        },
    ];
    // In the person's language: the one they picked, else the page's they asked from.
    let language = i18n::of_person(account.language);
    let (secret, channel_name, ttl) = match channel {
        Channel::Sms => (
            OneTimeCode::generate()
                .map_err(|e| Internal::Other(anyhow::anyhow!("no randomness: {e}")))?
                .expose()
                .to_string(),
            "sms",
            policy.code_ttl_secs,
        ),
        Channel::Call => (
            call_token(language).map_err(Internal::from)?,
            "voice",
            policy.call_timeout_secs,
        ),
    };
    let who = audit::account(account.id);
    let event = AuditEvent::new(
        if channel == Channel::Sms {
            "code-sent"
        } else {
            "call-placed"
        },
        who.clone(),
        who.clone(),
    )
    .with("channel", channel_name)
    .with("destination", phone.masked());
    let refused = |reason: String| {
        AuditEvent::new("send-refused", who.clone(), who.clone())
            .with("channel", channel_name)
            .with("destination", phone.masked())
            .with("reason", reason)
    };
    let code = CodeToSend {
        session_hash,
        purpose,
        channel: channel_name,
        // Stored sealed; the account keeps this value once the number is verified.
        destination: &app.sealer.seal(Kind::PhoneNumber, phone.e164()),
        code_hash: &app.keys.hash(Purpose::Code, secret.as_bytes()),
        ttl,
        caps: &caps,
    };
    let issued = app
        .store
        .issue_code(code, now, policy, event)
        .await
        .map_err(Internal::from)?;
    let code_id = match issued {
        CodeIssue::Issued { code_id, .. } => code_id,
        CodeIssue::CoolingDown { retry_at } => {
            let event = refused("cool-down".into()).with("retry_at", retry_at);
            app.store.record(now, event).await.map_err(Internal::from)?;
            return Err(PhoneSendProblem::CoolingDown {
                retry_in: (retry_at - now).max(1),
            });
        }
        CodeIssue::CapReached { scope } => {
            let event = refused(format!("daily cap per {scope}"));
            app.store.record(now, event).await.map_err(Internal::from)?;
            return Err(PhoneSendProblem::CapReached {
                scope,
                retry_at: (now.div_euclid(86_400) + 1) * 86_400,
            });
        }
        CodeIssue::Exhausted => return Err(PhoneSendProblem::Exhausted),
        CodeIssue::NoSession => return Err(PhoneSendProblem::SessionEnded),
    };
    let sent = match channel {
        Channel::Sms => {
            let body = i18n::say_in(
                language,
                "phone-sms-body",
                &[
                    ("code", secret.as_str().into()),
                    ("lifetime", human_duration_in(language, ttl).into()),
                ],
            );
            app.phone.send_sms(phone.e164(), &body, now).await
        }
        Channel::Call => {
            let prompt = i18n::say_in(language, "phone-call-prompt", &[]);
            let press = app.url(&format!("/twilio/voice/{secret}"));
            let status = app.url(&format!("/twilio/voice/{secret}/status"));
            // The call's TwiML speaks the language it is placed in (`twilio::gather_twiml`).
            i18n::speaking(
                language,
                app.phone
                    .start_call(phone.e164(), &prompt, &press, &status, &secret, now),
            )
            .await
        }
    };
    match sent {
        Ok(Some(sid)) => app
            .store
            .set_provider_sid(code_id, &sid)
            .await
            .map_err(Internal::from)?,
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, account_id = account.id, channel = channel_name, "phone delivery failed");
            let why = Undelivered::of(&e);
            let event = AuditEvent::new("code-not-delivered", "system", who)
                .with("channel", channel_name)
                .with("destination", phone.masked())
                .with("reason", why.as_str())
                .with("error", e.to_string());
            app.store
                .withdraw_code(code_id, session_hash, &caps, app.now(), event)
                .await
                .map_err(Internal::from)?;
            return Err(PhoneSendProblem::NotDelivered { channel, why });
        }
    }
    Ok(())
}

/// How the call stands, for the waiting page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallState {
    /// Ringing or answered; no key yet.
    Waiting,
    /// The callee pressed #: the page completes the sign-in.
    Pressed,
    /// Not answered, busy, failed, or ended without a key press.
    Failed,
    /// No key press in time.
    TimedOut,
    /// No call is waiting (none placed, or a newer code replaced it).
    None,
}

pub async fn call_state(app: &App, session: &Session) -> Result<CallState, Internal> {
    Ok(match app.store.call_state(&session.id_hash).await? {
        None => CallState::None,
        Some((Some(outcome), _)) if outcome == "pressed" => CallState::Pressed,
        Some((Some(_), _)) => CallState::Failed,
        Some((None, expires_at)) if expires_at <= app.now() => CallState::TimedOut,
        Some((None, _)) => CallState::Waiting,
    })
}

/// After the key press: the session moves on (authenticated, or to the new password in
/// recovery); the new cookie value and stage are returned. None when no pressed call waits.
pub async fn complete_call(
    app: &App,
    session: &Session,
) -> Result<Option<(String, SessionStage)>, Internal> {
    let account = account_of(app, session).await?;
    let token = random_token()?;
    let who = audit::account(account.id);
    let done = app
        .store
        .complete_call(
            &session.id_hash,
            &app.keys.hash(Purpose::Session, token.as_bytes()),
            &lockout::code_counter(app, account.email.as_str(), session.stage),
            app.now(),
            &app.config.policy,
            |_, destination| {
                AuditEvent::new("signed-in", who.clone(), who.clone())
                    .with("factor", "voice")
                    .with("destination", masked(app, destination))
            },
        )
        .await?;
    Ok(done.map(|(_, stage)| (token, stage)))
}

/// Whether a webhook really comes from the provider: `X-Twilio-Signature` over the public
/// URL and the sorted POST parameters. Without a provider configured, nothing is genuine.
pub fn webhook_is_genuine(
    app: &App,
    path: &str,
    params: &[(String, String)],
    signature: Option<&str>,
) -> bool {
    match (&app.phone, &app.config.twilio_auth_token, signature) {
        (Phone::Twilio(_), Some(token), Some(signature)) => {
            signature_is_valid(token, &app.url(path), params, signature)
        }
        _ => false,
    }
}

/// The provider reports a key press on the call named by `token`. Only # confirms; a
/// replayed or late report changes nothing. Returns whether it confirmed.
pub async fn key_pressed(app: &App, token: &str, digits: &str) -> Result<bool, Internal> {
    let hash = app.keys.hash(Purpose::Code, token.as_bytes());
    if digits != "#" {
        let event = about_call(
            app,
            &hash,
            AuditEvent::new("call-key-refused", "provider", "call"),
        )
        .await?
        .with("digits_length", digits.len() as i64);
        app.store.record(app.now(), event).await?;
        return Ok(false);
    }
    let pressed = app
        .store
        .record_key_press(&hash, app.now(), |account, destination| {
            AuditEvent::new("call-key-pressed", "provider", audit::account(account))
                .with("destination", masked(app, destination))
        })
        .await?;
    if pressed.is_none() {
        let event = AuditEvent::new("call-webhook-ignored", "provider", "call")
            .with("reason", "replayed, late or unknown");
        let event = about_call(app, &hash, event).await?;
        app.store.record(app.now(), event).await?;
    }
    Ok(pressed.is_some())
}

/// The person gave up waiting for the call (`reason`: Cancel, or a text instead): its
/// challenge ends first, so a # pressed later signs nobody in whatever the provider does;
/// then the provider is asked to hang up (`completed` ends a ringing or answered call). A
/// provider that does not answer is logged: the challenge is already over.
pub async fn cancel_call(app: &App, session: &Session, reason: &str) -> Result<bool, Internal> {
    let who = session
        .account_id
        .map_or_else(|| "anonymous".to_string(), audit::account);
    let ended = app
        .store
        .cancel_waiting_call(&session.id_hash, app.now(), |destination| {
            AuditEvent::new("call-cancelled", who.clone(), who.clone())
                .with("reason", reason.to_string())
                .with("destination", masked(app, destination))
        })
        .await?;
    let Some(provider_sid) = ended else {
        return Ok(false);
    };
    if let Some(sid) = provider_sid
        && let Err(e) = app.phone.end_call(&sid).await
    {
        tracing::warn!(error = %e, "the provider did not hang up a cancelled call; its challenge is over");
    }
    Ok(true)
}

/// The provider reports how the call went; an end without a key press fails the call.
pub async fn call_status(app: &App, token: &str, status: &str) -> Result<(), Internal> {
    let failed = matches!(
        status,
        "busy" | "no-answer" | "failed" | "canceled" | "completed"
    );
    if failed {
        let hash = app.keys.hash(Purpose::Code, token.as_bytes());
        app.store
            .record_call_outcome(&hash, status, app.now(), |destination| {
                AuditEvent::new("call-ended", "provider", "call")
                    .with("status", status.to_string())
                    .with("destination", masked(app, destination))
            })
            .await?;
    }
    Ok(())
}

/// A webhook without a valid `X-Twilio-Signature` (forged, or signed for another URL):
/// refused, and audited with the call's masked number when the token names one. The token
/// itself is a secret and is not recorded.
pub async fn webhook_refused(
    app: &App,
    token: &str,
    webhook: &'static str,
    client: &str,
) -> Result<(), Internal> {
    let hash = app.keys.hash(Purpose::Code, token.as_bytes());
    let event = AuditEvent::new("call-webhook-forged", "anonymous", "call")
        .with("webhook", webhook)
        .with("reason", "missing or invalid X-Twilio-Signature");
    let event = about_call(app, &hash, event).await?;
    crate::flows::audit_budget::record_unauthenticated(app, client, event).await?;
    Ok(())
}

/// The event, about the call whose token has this keyed hash, when there is one: its
/// account as subject and its masked number.
async fn about_call(app: &App, hash: &[u8], event: AuditEvent) -> Result<AuditEvent, Internal> {
    Ok(match app.store.call_by_token(hash).await? {
        Some((account, destination)) => AuditEvent {
            subject: account.map_or(event.subject.clone(), audit::account),
            ..event
        }
        .with("destination", masked(app, &destination)),
        None => event,
    })
}
