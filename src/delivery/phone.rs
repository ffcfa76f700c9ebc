//! Texts and calls: through Twilio's REST API, or to the development outbox.

use super::twilio::{Twilio, TwilioError};
use super::{DeliveryError, outbox};
use crate::domain::UnixTime;
use crate::store::Store;

pub enum Phone {
    Twilio(Twilio),
    /// No Twilio settings: texts and calls are printed and kept for the outbox page, where a
    /// call's "press #" is a button.
    Outbox(Store),
}

impl Phone {
    /// Sends a text; returns the provider's message id, if there is a provider.
    pub async fn send_sms(
        &self,
        to: &str,
        body: &str,
        now: UnixTime,
    ) -> Result<Option<String>, DeliveryError> {
        match self {
            Self::Twilio(twilio) => twilio.send_sms(to, body).await.map(Some).map_err(provider),
            Self::Outbox(store) => {
                outbox::keep(store, "sms", to, "Text message", body, None, now).await?;
                Ok(None)
            }
        }
    }

    /// Places a call that reads `prompt` and waits for a key; `press_token` names the call in
    /// the key-press and status webhook URLs.
    pub async fn start_call(
        &self,
        to: &str,
        prompt: &str,
        press_url: &str,
        status_url: &str,
        press_token: &str,
        now: UnixTime,
    ) -> Result<Option<String>, DeliveryError> {
        match self {
            Self::Twilio(twilio) => {
                let twiml = super::twilio::gather_twiml(prompt, press_url);
                twilio
                    .start_call(to, &twiml, status_url)
                    .await
                    .map(Some)
                    .map_err(provider)
            }
            Self::Outbox(store) => {
                let body = format!(
                    "Voice call saying: \"{prompt}\"\nThe callee presses # on the outbox page."
                );
                outbox::keep(
                    store,
                    "voice",
                    to,
                    "Voice call",
                    &body,
                    Some(press_token),
                    now,
                )
                .await?;
                Ok(None)
            }
        }
    }
}

impl Phone {
    /// Hangs up a call the person gave up on; the outbox's calls have nothing to hang up.
    pub async fn end_call(&self, provider_sid: &str) -> Result<(), DeliveryError> {
        match self {
            Self::Twilio(twilio) => twilio.end_call(provider_sid).await.map_err(provider),
            Self::Outbox(_) => Ok(()),
        }
    }
}

fn provider(e: TwilioError) -> DeliveryError {
    DeliveryError::Provider(e)
}
