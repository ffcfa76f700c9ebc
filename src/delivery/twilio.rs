//! SMS and voice calls through Twilio's REST API (2010-04-01), the TwiML that asks the callee
//! to press a key, and the `X-Twilio-Signature` check every webhook from Twilio must pass.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Where and as whom to reach Twilio. `api_base` is `https://api.twilio.com` in production and
/// the test double's address in tests.
#[derive(Clone)]
pub struct TwilioConfig {
    pub api_base: String,
    pub account_sid: String,
    pub auth_token: String,
    /// The Twilio number messages and calls come from, in E.164.
    pub from: String,
    /// How long to wait for Twilio's answer: a hung provider must not hang the page.
    pub timeout: Duration,
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The auth token both sends messages and signs webhooks: never in a log.
        f.debug_struct("TwilioConfig")
            .field("api_base", &self.api_base)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TwilioError {
    /// Twilio answered, and not with success: nothing was sent.
    #[error("Twilio refused the request (HTTP {status}{}): {message}", error_code(*.code))]
    Rejected {
        status: u16,
        code: Option<i64>,
        message: String,
    },
    /// No usable answer (time-out, connection failure, unreadable success): the message may or
    /// may not have gone out.
    #[error("Twilio could not be reached: {0}")]
    Unreachable(String),
}

/// Twilio's error codes that say the number itself cannot be texted or called: invalid
/// 'To' number (21211), not a mobile number (21614), a region not enabled for messages
/// (21408) or calls (21215), a recipient that replied STOP (21610), an invalid number to call (13224).
const NUMBER_REFUSED: [i64; 6] = [21211, 21614, 21408, 21215, 21610, 13224];

impl TwilioError {
    /// Twilio refused the destination number: trying again will not help.
    pub fn number_refused(&self) -> bool {
        matches!(self, Self::Rejected { code: Some(code), .. } if NUMBER_REFUSED.contains(code))
    }

    /// No answer: the message may or may not have gone out.
    pub fn unanswered(&self) -> bool {
        matches!(self, Self::Unreachable(_))
    }
}

fn error_code(code: Option<i64>) -> String {
    code.map(|c| format!(", error {c}")).unwrap_or_default()
}

/// Twilio's error body, e.g. `{"code":20003,"message":"Authenticate","more_info":…,"status":401}`.
#[derive(serde::Deserialize)]
struct ErrorBody {
    code: Option<i64>,
    message: Option<String>,
    status: Option<u16>,
    more_info: Option<String>,
}

/// The one field of a created Message or Call resource we need.
#[derive(serde::Deserialize)]
struct Created {
    sid: String,
}

/// A Twilio REST client for one account.
pub struct Twilio {
    http: reqwest::Client,
    config: TwilioConfig,
}

impl fmt::Debug for Twilio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Twilio")
            .field("config", &self.config)
            .finish()
    }
}

impl Twilio {
    pub fn new(config: TwilioConfig) -> anyhow::Result<Self> {
        crate::crypto::install_tls_provider();
        let base = url::Url::parse(&config.api_base).map_err(|e| {
            anyhow::anyhow!(
                "the Twilio API base {:?} is not a URL: {e}",
                config.api_base
            )
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            anyhow::bail!("the Twilio API base must start with http:// or https://");
        }
        // The SID becomes a path segment of every request URL.
        if config.account_sid.is_empty()
            || !config
                .account_sid
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        {
            anyhow::bail!("the Twilio account SID must be letters and digits (AC…)");
        }
        if config.auth_token.is_empty() {
            anyhow::bail!("the Twilio auth token is empty");
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            // A retried POST could send a second code or ring the phone twice.
            .retry(reqwest::retry::never())
            // Twilio's API does not redirect; following one would only send credentials astray.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { http, config })
    }

    /// Sends a text message; returns the Message SID (`SM…`).
    pub async fn send_sms(&self, to_e164: &str, body: &str) -> Result<String, TwilioError> {
        self.create(
            "Messages.json",
            &[("To", to_e164), ("From", &self.config.from), ("Body", body)],
        )
        .await
    }

    /// Places a call that runs `twiml`; Twilio reports its progress to `status_callback`.
    /// Returns the Call SID (`CA…`).
    pub async fn start_call(
        &self,
        to_e164: &str,
        twiml: &str,
        status_callback: &str,
    ) -> Result<String, TwilioError> {
        self.create(
            "Calls.json",
            &[
                ("To", to_e164),
                ("From", &self.config.from),
                ("Twiml", twiml),
                ("StatusCallback", status_callback),
                // Repeated field: Twilio reads every value.
                ("StatusCallbackEvent", "initiated"),
                ("StatusCallbackEvent", "ringing"),
                ("StatusCallbackEvent", "answered"),
                ("StatusCallbackEvent", "completed"),
                ("Timeout", "30"),
            ],
        )
        .await
    }

    /// Hangs up a call placed by `start_call`: `Status=completed` ends it whether it still
    /// rings or was answered (`canceled` would leave an answered call running).
    pub async fn end_call(&self, call_sid: &str) -> Result<(), TwilioError> {
        // The SID becomes a path segment; Twilio's are `CA` and hex.
        if call_sid.is_empty() || !call_sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(TwilioError::Unreachable(format!(
                "not a call SID: {call_sid:?}"
            )));
        }
        self.create(
            &format!("Calls/{call_sid}.json"),
            &[("Status", "completed")],
        )
        .await
        .map(|_| ())
    }

    /// Posts to a resource under the account (creating it, or updating it when it names
    /// one) and returns its SID.
    async fn create(&self, resource: &str, form: &[(&str, &str)]) -> Result<String, TwilioError> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/{resource}",
            self.config.api_base.trim_end_matches('/'),
            self.config.account_sid
        );
        let response = self
            .http
            .post(url)
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .form(form)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        if status.is_success() {
            let created: Created = response.json().await.map_err(unreachable)?;
            return Ok(created.sid);
        }
        let text = response.text().await.unwrap_or_default();
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => {
                tracing::debug!(status = ?body.status, code = ?body.code, more_info = ?body.more_info, "Twilio error");
                (body.code, body.message)
            }
            Err(_) => (None, None),
        };
        Err(TwilioError::Rejected {
            status: status.as_u16(),
            code,
            message: message.unwrap_or_else(|| {
                status
                    .canonical_reason()
                    .unwrap_or("no reason given")
                    .to_owned()
            }),
        })
    }
}

fn unreachable(e: reqwest::Error) -> TwilioError {
    // Without the URL: the cause is what matters, and it keeps the message short.
    TwilioError::Unreachable(e.without_url().to_string())
}

/// TwiML that reads `prompt` and waits 15 s for one key, posted to `action_url`. With
/// `finishOnKey=""` the pound key is an ordinary digit, so it arrives as `Digits=#`.
///
/// It speaks the current language (`i18n::current`: the flow places the call in the
/// callee's): the goodbye in its words, and every `<Say>` in its voice (`language=`), except
/// English, Twilio's own default.
pub fn gather_twiml(prompt: &str, action_url: &str) -> String {
    let language = crate::i18n::current();
    let say = say_tag(language);
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
            r#"<Gather numDigits="1" finishOnKey="" action="{}" method="POST" timeout="15">"#,
            r#"{}{}</Say></Gather>"#,
            r#"{}{}</Say></Response>"#
        ),
        xml_escape(action_url),
        say,
        xml_escape(prompt),
        say,
        xml_escape(&crate::i18n::say_in(language, "phone-call-no-key", &[])),
    )
}

/// The opening `<Say>` for `language`: its voice named, unless it is English.
pub fn say_tag(language: crate::i18n::Language) -> String {
    match language {
        crate::i18n::Language::English => "<Say>".to_string(),
        other => format!(r#"<Say language="{}">"#, other.voice()),
    }
}

/// Text or an attribute value for TwiML, its XML specials escaped.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Twilio's webhook signature: base64 of HMAC-SHA1 (key: the auth token) over the full URL
/// followed by every POST parameter's name and value, sorted by name, then value.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(auth_token.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `header` (the request's `X-Twilio-Signature`) is Twilio's signature of this request.
pub fn signature_is_valid(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: &str,
) -> bool {
    if header.is_empty() {
        return false;
    }
    let expected = signature(auth_token, url, params);
    expected.as_bytes().ct_eq(header.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_TOKEN: &str = "12345";
    const DOC_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const DOC_SIGNATURE: &str = "GvWf1cFY/Q7PnoempGyD5oXAezc=";

    fn doc_params() -> Vec<(String, String)> {
        // Deliberately not in sorted order: the signature must sort them.
        [
            ("To", "+18005551212"),
            ("CallSid", "CA1234567890ABCDE"),
            ("Digits", "1234"),
            ("Caller", "+14158675310"),
            ("From", "+14158675310"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn twilio_documented_example_signature() {
        assert_eq!(signature(DOC_TOKEN, DOC_URL, &doc_params()), DOC_SIGNATURE);
        assert!(signature_is_valid(
            DOC_TOKEN,
            DOC_URL,
            &doc_params(),
            DOC_SIGNATURE
        ));
    }

    #[test]
    fn tampering_fails_validation() {
        let mut params = doc_params();
        params[2].1 = "1235".into();
        assert!(!signature_is_valid(
            DOC_TOKEN,
            DOC_URL,
            &params,
            DOC_SIGNATURE
        ));

        let mut extra = doc_params();
        extra.push(("Evil".into(), "1".into()));
        assert!(!signature_is_valid(
            DOC_TOKEN,
            DOC_URL,
            &extra,
            DOC_SIGNATURE
        ));

        let other_url = "https://mycompany.com/myapp.php?foo=1&bar=3";
        assert!(!signature_is_valid(
            DOC_TOKEN,
            other_url,
            &doc_params(),
            DOC_SIGNATURE
        ));
        assert!(!signature_is_valid(
            "12346",
            DOC_URL,
            &doc_params(),
            DOC_SIGNATURE
        ));
    }

    #[test]
    fn empty_or_wrong_header_fails_validation() {
        assert!(!signature_is_valid(DOC_TOKEN, DOC_URL, &doc_params(), ""));
        assert!(!signature_is_valid(
            DOC_TOKEN,
            DOC_URL,
            &doc_params(),
            "GvWf1cFY/Q7PnoempGyD5oXAez"
        ));
        assert!(!signature_is_valid(DOC_TOKEN, DOC_URL, &[], DOC_SIGNATURE));
    }

    #[test]
    fn repeated_names_sort_by_value() {
        let a = vec![
            ("E".to_string(), "b".to_string()),
            ("E".to_string(), "a".to_string()),
        ];
        let b = vec![
            ("E".to_string(), "a".to_string()),
            ("E".to_string(), "b".to_string()),
        ];
        assert_eq!(
            signature("t", "https://x.test/", &a),
            signature("t", "https://x.test/", &b)
        );
    }

    #[test]
    fn gather_twiml_escapes_and_asks_for_one_key() {
        let twiml = gather_twiml(
            "Press <pound> & hang up",
            r#"https://portal.test/voice?a=1&b="><Hangup/><x y='"#,
        );
        assert!(twiml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><Response><Gather "#));
        assert!(twiml.contains(r#"numDigits="1""#));
        assert!(twiml.contains(r#"finishOnKey="""#));
        assert!(twiml.contains(
            r#"action="https://portal.test/voice?a=1&amp;b=&quot;&gt;&lt;Hangup/&gt;&lt;x y=&apos;""#
        ));
        assert!(twiml.contains("<Say>Press &lt;pound&gt; &amp; hang up</Say>"));
        assert!(!twiml.contains("<Hangup/>"));
        assert!(
            twiml.ends_with("<Say>We did not receive your key press. Goodbye.</Say></Response>")
        );
    }

    #[tokio::test]
    async fn a_call_placed_in_spanish_speaks_it_in_its_voice() {
        use crate::i18n::{Language, speaking};
        let twiml = speaking(Language::Spanish, async {
            gather_twiml("Le habla el portal.", "https://portal.test/voice")
        })
        .await;
        assert!(twiml.contains(r#"<Say language="es-MX">Le habla el portal.</Say></Gather>"#));
        assert!(twiml.ends_with(
            r#"<Say language="es-MX">No recibimos ninguna tecla. Hasta luego.</Say></Response>"#
        ));
        // English, Twilio's default voice, names none (as before languages).
        assert!(!gather_twiml("Hello.", "https://portal.test/voice").contains("language="));
    }

    #[test]
    fn the_auth_token_stays_out_of_debug_and_errors() {
        let config = TwilioConfig {
            api_base: "https://api.twilio.com".into(),
            account_sid: "AC123".into(),
            auth_token: "s3cret-token".into(),
            from: "+15005550006".into(),
            timeout: Duration::from_secs(5),
        };
        assert!(!format!("{config:?}").contains("s3cret-token"));
        let twilio = Twilio::new(config).unwrap();
        assert!(!format!("{twilio:?}").contains("s3cret-token"));

        let rejected = TwilioError::Rejected {
            status: 401,
            code: Some(20003),
            message: "Authenticate".into(),
        };
        assert_eq!(
            rejected.to_string(),
            "Twilio refused the request (HTTP 401, error 20003): Authenticate"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable() {
        // Bind then drop, so nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let twilio = Twilio::new(TwilioConfig {
            api_base: format!("http://127.0.0.1:{port}"),
            account_sid: "AC123".into(),
            auth_token: "s3cret-token".into(),
            from: "+15005550006".into(),
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        let error = twilio.send_sms("+15005550009", "hello").await.unwrap_err();
        assert!(matches!(error, TwilioError::Unreachable(_)), "{error:?}");
        assert!(!error.to_string().contains("s3cret-token"));
    }
}
