//! Email over SMTP with lettre: `smtp://host:port` (plain, for local servers),
//! `smtp://host?tls=required` (STARTTLS) or `smtps://host` (TLS from the start).

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{DeliveryError, EmailMessage};

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("TESSERA_SMTP_URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("TESSERA_MAIL_FROM {from:?} is not an address: {e}"))?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, message: &EmailMessage) -> Result<(), DeliveryError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| DeliveryError::Smtp(format!("recipient: {e}")))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                message.html.clone(),
            ))
            .map_err(|e| DeliveryError::Smtp(e.to_string()))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| DeliveryError::Smtp(e.to_string()))
    }
}
