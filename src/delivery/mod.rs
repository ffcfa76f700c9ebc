//! Delivery of messages to people: email by SMTP, or the development outbox.

mod outbox;
mod phone;
mod smtp;
pub mod twilio;

pub use phone::Phone;
pub use smtp::SmtpMailer;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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
    Provider(twilio::TwilioError),
    #[error("the outbox could not keep the message: {0}")]
    Outbox(#[from] crate::store::StoreError),
}

pub enum MailTransport {
    Smtp(SmtpMailer),
    /// No SMTP server configured: messages are printed and kept in the database.
    Outbox(Store),
}

/// Sends email, and knows how long a send typically takes, so a journey that must not reveal
/// whether an address has an account can spend the same time when it sends nothing.
pub struct Mailer {
    transport: MailTransport,
    typical_micros: AtomicU64,
}

impl Mailer {
    pub fn new(transport: MailTransport) -> Self {
        Self {
            transport,
            typical_micros: AtomicU64::new(20_000),
        }
    }

    pub async fn send(&self, message: &EmailMessage, now: UnixTime) -> Result<(), DeliveryError> {
        let started = Instant::now();
        let result = match &self.transport {
            MailTransport::Smtp(smtp) => smtp.send(message).await,
            MailTransport::Outbox(store) => {
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
        };
        // An exponentially weighted average of recent sends.
        let took = started.elapsed().as_micros().min(10_000_000) as u64;
        let before = self.typical_micros.load(Ordering::Relaxed);
        self.typical_micros
            .store((before * 7 + took) / 8, Ordering::Relaxed);
        result
    }

    /// Takes as long as a typical send, sending nothing.
    pub async fn simulate_send(&self) {
        let micros = self.typical_micros.load(Ordering::Relaxed);
        tokio::time::sleep(Duration::from_micros(micros)).await;
    }
}
