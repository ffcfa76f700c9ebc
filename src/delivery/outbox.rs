use super::DeliveryError;
use crate::domain::UnixTime;
use crate::store::{OutboxMessage, Store};

/// Prints the message for the developer at the console and keeps it for the outbox page.
pub(super) async fn keep(
    store: &Store,
    channel: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    press_token: Option<&str>,
    now: UnixTime,
) -> Result<(), DeliveryError> {
    println!(
        "\n--- development outbox: {channel} to {recipient} ---\nSubject: {subject}\n\n{body}\n--- end ---\n"
    );
    store
        .put_in_outbox(&OutboxMessage {
            created_at: now,
            channel: channel.into(),
            recipient: recipient.into(),
            subject: subject.into(),
            body: body.into(),
            press_token: press_token.map(Into::into),
        })
        .await?;
    Ok(())
}
