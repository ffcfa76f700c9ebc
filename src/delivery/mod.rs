//! Delivery of messages to people: email by SMTP, or the development outbox.

mod outbox;
mod phone;
mod smtp;
pub mod twilio;

pub use phone::Phone;
pub use smtp::SmtpMailer;

use crate::domain::UnixTime;
use crate::store::Store;

/// An email with a text and an HTML body; links and codes are always in the text body.
#[derive(Clone)]
pub struct EmailMessage {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl std::fmt::Debug for EmailMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bodies hold links and codes: never in a log.
        f.debug_struct("EmailMessage")
            .field("to", &crate::domain::mask::email(&self.to))
            .field("subject", &self.subject)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("the mail server refused or could not be reached: {0}")]
    Smtp(String),
    #[error("the SMS and voice provider: {0}")]
    Provider(String),
    #[error("the outbox could not keep the message: {0}")]
    Outbox(#[from] crate::store::StoreError),
}

pub enum Mailer {
    Smtp(SmtpMailer),
    /// No SMTP server configured: messages are printed and kept in the database.
    Outbox(Store),
}

impl Mailer {
    pub async fn send(&self, message: &EmailMessage, now: UnixTime) -> Result<(), DeliveryError> {
        match self {
            Self::Smtp(smtp) => smtp.send(message).await,
            Self::Outbox(store) => {
                outbox::keep(
                    store,
                    "email",
                    &message.to,
                    &message.subject,
                    &message.text,
                    None,
                    now,
                )
                .await
            }
        }
    }
}
