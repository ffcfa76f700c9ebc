//! The HTTP status of every problem a flow reports, in one place: flows know no HTTP, and
//! each page answers a problem of one type with the same status. `Problem` sorts the problems
//! a page shows from those that leave it (the session ended, a failure of ours).

use axum::http::StatusCode;

use crate::flows::Internal;

use crate::flows::account::ChangeProblem;
use crate::flows::app_factor::AppCodeProblem;
use crate::flows::email_code::{SendProblem, VerifyProblem};
use crate::flows::phone_code::{PhoneSendProblem, Undelivered};
use crate::flows::recovery::{NewPasswordProblem, RecoveryProblem};
use crate::flows::recovery_codes::RecoveryCodeUseProblem;
use crate::flows::sign_in::SignInProblem;
use crate::flows::step_up::CodeSendProblem;

/// A problem's status on the page that shows it.
pub trait Status {
    fn status(&self) -> StatusCode;
}

/// What a page does with a flow's problem.
pub enum Triage<P> {
    /// The session is gone: the person starts again elsewhere.
    SessionEnded,
    /// A failure of ours: the error page with an operation id.
    Internal(Internal),
    /// Something the person can act on: the page again, saying it.
    Shown(P),
}

/// A problem a page either shows (its text, with its status) or leaves for.
pub trait Problem: Status + std::fmt::Display + Sized {
    fn triage(self) -> Triage<Self>;
}

/// The problems whose `SessionEnded` and `Internal` leave the page; every other one is shown.
macro_rules! leaves_when_ended_or_internal {
    ($($problem:ty),+) => {$(
        impl Problem for $problem {
            fn triage(self) -> Triage<Self> {
                match self {
                    Self::SessionEnded => Triage::SessionEnded,
                    Self::Internal(e) => Triage::Internal(e),
                    problem => Triage::Shown(problem),
                }
            }
        }
    )+};
}

leaves_when_ended_or_internal!(
    AppCodeProblem,
    SendProblem,
    PhoneSendProblem,
    VerifyProblem,
    RecoveryProblem,
    NewPasswordProblem,
    RecoveryCodeUseProblem
);

impl Problem for CodeSendProblem {
    fn triage(self) -> Triage<Self> {
        match self {
            Self::Email(p) => p.triage().map(Self::Email),
            Self::Phone(p) => p.triage().map(Self::Phone),
            problem => Triage::Shown(problem),
        }
    }
}

impl Problem for ChangeProblem {
    fn triage(self) -> Triage<Self> {
        match self {
            Self::Internal(e) => Triage::Internal(e),
            Self::Send(p) => p.triage().map(Self::Send),
            Self::Code(p) => p.triage().map(Self::Code),
            problem => Triage::Shown(problem),
        }
    }
}

impl<P> Triage<P> {
    fn map<Q>(self, shown: impl FnOnce(P) -> Q) -> Triage<Q> {
        match self {
            Self::SessionEnded => Triage::SessionEnded,
            Self::Internal(e) => Triage::Internal(e),
            Self::Shown(p) => Triage::Shown(shown(p)),
        }
    }
}

impl Status for SignInProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            // Not the person's doing: the password hashing queue is full (see
            // `crypto::PasswordHasher`). Nothing was counted against the address.
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }
}

impl Status for SendProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::CoolingDown { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotDelivered => StatusCode::BAD_GATEWAY,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

impl Status for PhoneSendProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::Number(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::CoolingDown { .. } | Self::CapReached { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotDelivered {
                why: Undelivered::NumberRefused,
                ..
            } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotDelivered { .. } => StatusCode::BAD_GATEWAY,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

impl Status for VerifyProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl Status for AppCodeProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl Status for RecoveryCodeUseProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl Status for CodeSendProblem {
    fn status(&self) -> StatusCode {
        if self.too_many() {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::FORBIDDEN
        }
    }
}

impl Status for RecoveryProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::Email(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooMany { .. } | Self::CoolingDown { .. } => StatusCode::TOO_MANY_REQUESTS,
            // Not the person's doing: the password hashing queue is full.
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

impl Status for NewPasswordProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl Status for ChangeProblem {
    fn status(&self) -> StatusCode {
        match self {
            Self::EmailTaken => StatusCode::CONFLICT,
            Self::WrongPassword => StatusCode::UNAUTHORIZED,
            Self::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Send(p) if p.too_many() => StatusCode::TOO_MANY_REQUESTS,
            Self::Code(p) => p.status(),
            Self::MethodNotAllowed(_) => StatusCode::FORBIDDEN,
            Self::AlreadyHeld(_) | Self::LastFactor => StatusCode::CONFLICT,
            Self::NoSuchFactor => StatusCode::NOT_FOUND,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}
