//! The email factor (guide: "Email Verification" and "Login With Email"): Send
//! Verification Code, then Verify Code. The code is bound to the session that asked for it.

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{Purpose, constant_time_eq, random_token};
use crate::delivery::EmailMessage;
use crate::domain::account::{Account, AccountStatus};
use crate::domain::code::{CodeFormatProblem, CodePurpose, CodeRefusal, OneTimeCode};
use crate::domain::mask;
use crate::domain::session::SessionStage;
use crate::flows::{Internal, human_duration, human_duration_in, human_time, lockout};
use crate::i18n::{self, say, say_with};
use crate::store::{CodeCheck, CodeIssue, CodeOutcome, CodeToSend, LiveCode, Session};

/// What the verification page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CodePage {
    /// The address on file, shown filled in.
    pub email: String,
    /// Registration (verify the address for the first time) or sign-in.
    pub registering: bool,
    /// Set once a code was sent: where to (masked), and for how much longer it works.
    pub sent_to: Option<String>,
    pub expires_in: Option<i64>,
    pub lifetime: String,
    /// Seconds until another code may be sent.
    pub retry_in: i64,
}

/// `account` and `live`: the session's account and live code, as read with it.
pub async fn page(
    app: &App,
    session: &Session,
    account: Option<&Account>,
    live: Option<&LiveCode>,
) -> Result<CodePage, Internal> {
    let account = super::session::its_account(session, account)
        .ok_or_else(|| anyhow::anyhow!("second-factor session without account"))?;
    let now = app.now();
    let registering = account.status == AccountStatus::Registering;
    let expires_at = live.map(|c| c.expires_at);
    let retry_in = app
        .config
        .policy
        .resend_in(session.code_sent_at, expires_at, now);
    Ok(CodePage {
        email: account.email.to_string(),
        registering,
        sent_to: live.map(|c| mask::email(&c.destination)),
        expires_in: live.map(|c| (c.expires_at - now).max(0)),
        lifetime: human_duration(code_lifetime(app, registering)),
        retry_in,
    })
}

/// The guide's emailed login code lives 30 seconds; the first verification at registration
/// gets the general code lifetime (10 minutes), as the person may be new to all this.
fn code_lifetime(app: &App, registering: bool) -> i64 {
    if registering {
        app.config.policy.code_ttl_secs
    } else {
        app.config.policy.email_login_code_ttl_secs
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendProblem {
    #[error("{}", say_with("code-cooling-down", &[("wait", human_duration(*.retry_in).into())]))]
    CoolingDown { retry_in: i64 },
    #[error("{}", say("code-exhausted"))]
    Exhausted,
    #[error("{}", say("code-session-ended-send"))]
    SessionEnded,
    #[error("{}", say("code-email-not-delivered"))]
    NotDelivered,
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// `account`: the session's, as read with it.
pub async fn send(
    app: &App,
    session: &Session,
    account: Option<&Account>,
) -> Result<(), SendProblem> {
    let account = super::session::its_account(session, account)
        .filter(|_| session.stage == SessionStage::SecondFactor)
        .ok_or(SendProblem::SessionEnded)?;
    let registering = account.status == AccountStatus::Registering;
    let ttl = code_lifetime(app, registering);
    let to = account.email.to_string();
    send_code_email(
        app,
        &session.id_hash,
        account,
        &to,
        ttl,
        CodePurpose::SignIn,
    )
    .await
}

/// Emails a code to `to`, bound to the session and good only for `purpose`: the sign-in
/// factor, the same again in place (step-up), or a new address being confirmed.
pub(crate) async fn send_code_email(
    app: &App,
    session_hash: &[u8],
    account: &Account,
    to: &str,
    ttl: i64,
    purpose: CodePurpose,
) -> Result<(), SendProblem> {
    let account_id = account.id;
    let code = OneTimeCode::generate()
        .map_err(|e| Internal::Other(anyhow::anyhow!("no randomness: {e}")))?;
    let now = app.now();
    let destination = to;
    let event = AuditEvent::new(
        "code-sent",
        audit::account(account_id),
        audit::account(account_id),
    )
    .with("channel", "email")
    .with("destination", mask::email(destination));
    let issued = issue_email_code(app, session_hash, purpose, destination, &code, ttl, event)
        .await
        .map_err(Internal::from)?;
    let code_id = match issued {
        CodeIssue::Issued { code_id, .. } => code_id,
        CodeIssue::CoolingDown { retry_at } => {
            return Err(SendProblem::CoolingDown {
                retry_in: (retry_at - now).max(1),
            });
        }
        CodeIssue::Exhausted => return Err(SendProblem::Exhausted),
        // No caps are passed for email, so none can be reached.
        CodeIssue::NoSession | CodeIssue::CapReached { .. } => {
            return Err(SendProblem::SessionEnded);
        }
    };
    // In the person's language: the one they picked, else the page's they asked from.
    let language = i18n::of_person(account.language);
    let context = minijinja::context! {
        name => account.display_name.as_str(),
        code => code.expose(),
        lifetime => human_duration_in(language, ttl),
        expires => human_time(now + ttl),
        // A new address gets words of its own: it was not used to sign in.
        new_address => purpose == CodePurpose::NewEmail,
        lang => language.as_str(),
    };
    let message = EmailMessage {
        to: destination.to_string(),
        subject: i18n::say_in(
            language,
            "code-email-subject",
            &[("code", code.expose().into())],
        ),
        text: crate::templates::render("email/code.txt", &context).map_err(Internal::from)?,
        html: crate::templates::render("email/code.html", &context).map_err(Internal::from)?,
    };
    if let Err(e) = app.mailer.send(&message, now).await {
        tracing::warn!(error = %e, account_id, "verification code email not sent");
        let event = AuditEvent::new("code-not-delivered", "system", audit::account(account_id))
            .with("channel", "email");
        app.store
            .withdraw_code(code_id, session_hash, &[], app.now(), event)
            .await
            .map_err(Internal::from)?;
        return Err(SendProblem::NotDelivered);
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyProblem {
    #[error("{0}")]
    Format(CodeFormatProblem),
    #[error("{}", refusal_text(.0, *.1))]
    Refused(CodeRefusal, Factor),
    #[error("{}", say_with("code-locked", &[("until", human_time(*.until).into())]))]
    Locked { until: i64 },
    #[error("{}", say("code-session-ended"))]
    SessionEnded,
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// The factor a typed code came by: the words of its page differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Email,
    Sms,
    /// The emailed code of Forgot your password, whose button the guide spells
    /// "Send verification code".
    RecoveryEmail,
}

impl Factor {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Email | Self::RecoveryEmail => "email",
            Self::Sms => "sms",
        }
    }

    /// The button that sends a code, in the page's words.
    fn send_button(self) -> String {
        say(match self {
            Self::Email => "code-send-button-email",
            Self::RecoveryEmail => "code-send-button-recovery",
            Self::Sms => "code-send-button-sms",
        })
    }

    /// "That code is not right", naming the message it came in.
    fn wrong_code(self) -> &'static str {
        match self {
            Self::Email | Self::RecoveryEmail => "code-wrong-email",
            Self::Sms => "code-wrong-sms",
        }
    }
}

fn refusal_text(refusal: &CodeRefusal, factor: Factor) -> String {
    let send = || [("send", factor.send_button().into())];
    match refusal {
        CodeRefusal::NoneSent => say_with("code-none-sent", &send()),
        CodeRefusal::Expired => say_with("code-expired", &send()),
        CodeRefusal::Wrong { tries_left } => {
            say_with(factor.wrong_code(), &[("tries", (*tries_left).into())])
        }
        // A password reset has no sign-in to go back to: it starts again from its first page.
        CodeRefusal::TooManyTries if factor == Factor::RecoveryEmail => {
            say("code-too-many-tries-recovery")
        }
        CodeRefusal::TooManyTries => say("code-too-many-tries"),
        CodeRefusal::AlreadyUsed => say("code-already-used"),
    }
}

/// Checks the code; a right one ends the session and starts one at the next stage
/// (authenticated, or the next step of password recovery), whose cookie value is returned.
/// `account`: the session's, as read with it (none for a recovery of an unknown address).
pub async fn verify(
    app: &App,
    session: &Session,
    account: Option<&Account>,
    typed: &str,
    factor: Factor,
) -> Result<(String, SessionStage), VerifyProblem> {
    if !session.stage.awaits_code() {
        return Err(VerifyProblem::SessionEnded);
    }
    let code = OneTimeCode::parse(typed).map_err(VerifyProblem::Format)?;
    // Failures count against the address: the account's, or (a password reset for an
    // address without an account) the one typed, so both behave alike.
    let address = match super::session::its_account(session, account) {
        Some(account) => account.email.to_string(),
        None if session.account_id.is_some() => return Err(VerifyProblem::SessionEnded),
        None => match app
            .store
            .live_code(&session.id_hash)
            .await
            .map_err(Internal::from)?
        {
            Some(code) => code.destination,
            None => return Err(VerifyProblem::Refused(CodeRefusal::NoneSent, factor)),
        },
    };
    // A recovery's codes count apart from the second factor's (`flows::lockout`); the
    // check refuses while the counter is locked.
    let key = lockout::code_counter(app, &address, session.stage);
    let now = app.now();
    let submitted = app.keys.hash(Purpose::Code, code.expose().as_bytes());
    let new_token = random_token().map_err(Internal::from)?;
    let who = session
        .account_id
        .map_or_else(|| "anonymous".to_string(), audit::account);
    // A text's entries name the number it went to, masked, like every phone event.
    let texted_to = match factor {
        Factor::Sms => app
            .store
            .live_code(&session.id_hash)
            .await
            .map_err(Internal::from)?
            .map(|c| crate::flows::phone_code::masked(app, &c.destination)),
        _ => None,
    };
    let with_number = |event: AuditEvent| match &texted_to {
        Some(number) => event.with("destination", number.as_str()),
        None => event,
    };
    let outcome = app
        .store
        .check_code(
            CodeCheck {
                session_hash: &session.id_hash,
                account_id: session.account_id,
                stage: session.stage,
                new_session_hash: &app.keys.hash(Purpose::Session, new_token.as_bytes()),
                throttle_key: &key,
                now,
                policy: &app.config.policy,
            },
            |stored| constant_time_eq(stored, &submitted),
            |_| {
                with_number(
                    AuditEvent::new("signed-in", who.clone(), who.clone())
                        .with("factor", factor.name()),
                )
            },
            |_, refusal| {
                with_number(
                    AuditEvent::new("code-refused", who.clone(), who.clone())
                        .with("channel", factor.name())
                        .with("reason", format!("{refusal:?}")),
                )
            },
        )
        .await
        .map_err(Internal::from)?;
    match outcome {
        CodeOutcome::Verified { stage, .. } => Ok((new_token, stage)),
        CodeOutcome::SessionEnded => Err(VerifyProblem::SessionEnded),
        CodeOutcome::Locked { until } => Err(VerifyProblem::Locked { until }),
        CodeOutcome::Refused(refusal, throttle) => match throttle.locked_at(now) {
            Some(until) => Err(VerifyProblem::Locked { until }),
            None => Err(VerifyProblem::Refused(refusal, factor)),
        },
    }
}

/// Stores an emailed code for the session (its earlier code dies), unless the resend
/// cool-down holds; the second factor, a change of address and password recovery alike.
pub(crate) async fn issue_email_code(
    app: &App,
    session_hash: &[u8],
    purpose: CodePurpose,
    to: &str,
    code: &OneTimeCode,
    ttl: i64,
    event: AuditEvent,
) -> Result<CodeIssue, crate::store::StoreError> {
    let code = CodeToSend {
        session_hash,
        purpose,
        channel: "email",
        destination: to,
        code_hash: &app.keys.hash(Purpose::Code, code.expose().as_bytes()),
        ttl,
        caps: &[],
    };
    app.store
        .issue_code(code, app.now(), &app.config.policy, event)
        .await
}
