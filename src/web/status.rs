//! The HTTP status of every problem a flow reports, in one place: flows know no HTTP, and
//! each page answers a problem of one type with the same status.

use axum::http::StatusCode;

use crate::flows::account::ChangeProblem;
use crate::flows::email_code::{SendProblem, VerifyProblem};
use crate::flows::phone_code::{PhoneSendProblem, Undelivered};
use crate::flows::recovery::{NewPasswordProblem, RecoveryProblem};
use crate::flows::sign_in::SignInProblem;
use crate::flows::step_up::CodeSendProblem;

/// A problem's status on the page that shows it.
pub trait Status {
    fn status(&self) -> StatusCode;
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
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}
