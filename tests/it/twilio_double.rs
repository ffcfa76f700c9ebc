//! A Twilio stand-in for integration tests, written from Twilio's published REST API (2010-04-01):
//! it accepts Messages and Calls with HTTP Basic auth, answers with Twilio-shaped JSON, records
//! what was sent, can fail on demand, and sends signed webhooks (key presses, call status) the
//! way Twilio does. It signs with its own HMAC-SHA1 code, never tessera's, so a mistake in
//! tessera's signature check shows up here instead of being shared by both sides.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use serde_json::json;
use tessera::delivery::twilio::TwilioConfig;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    pub to: String,
    pub from: String,
    pub body: String,
    pub sid: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedCall {
    pub to: String,
    pub from: String,
    /// The inline TwiML (`Twiml`); empty when the call was placed with `Url`.
    pub twiml: String,
    /// `StatusCallback`; empty when none was given.
    pub status_callback: String,
    /// Every `StatusCallbackEvent` value, in order.
    pub status_callback_events: Vec<String>,
    pub timeout: Option<String>,
    pub sid: String,
}

/// What the next API request does instead of its work.
enum Failure {
    /// Answer this Twilio error: HTTP status, Twilio error code, message.
    Error(u16, i64, String),
    /// Hold the request this long before doing its work (a provider that does not answer in time).
    Stall(Duration),
}

/// A call ended through the REST API (`POST …/Calls/{CallSid}.json` with `Status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedCall {
    pub sid: String,
    /// `completed` (hang up, even in progress) or `canceled` (only queued or ringing).
    pub status: String,
}

#[derive(Default)]
struct Recorded {
    messages: Vec<SentSms>,
    calls: Vec<PlacedCall>,
    ended: Vec<EndedCall>,
    /// How many requests reached the REST API, whatever their answer.
    requests: usize,
    failures: VecDeque<Failure>,
}

type Shared = Arc<Mutex<Recorded>>;

#[derive(Clone)]
pub struct TwilioDouble {
    pub base_url: String,
    recorded: Shared,
    http: reqwest::Client,
}

impl PlacedCall {
    /// The absolute URL the call's `<Gather>` posts the key press to.
    pub fn action_url(&self) -> String {
        gather_action(&self.twiml)
    }
}

impl TwilioDouble {
    pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
    pub const AUTH_TOKEN: &str = "test-auth-token-0123456789abcdef";
    /// Twilio's magic test number that always sends successfully.
    pub const FROM: &str = "+15005550006";

    pub async fn start() -> Self {
        let recorded = Shared::default();
        let app = Router::new()
            .route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                post(create_message),
            )
            .route("/2010-04-01/Accounts/{sid}/Calls.json", post(create_call))
            .route("/2010-04-01/Accounts/{sid}/Calls/{call}", post(update_call))
            .fallback(not_found)
            .with_state(recorded.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the Twilio double");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        tessera::crypto::install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            // The status code the application answered with is what tests look at.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("TwilioProxy/1.1")
            .build()
            .unwrap();
        Self {
            base_url,
            recorded,
            http,
        }
    }

    /// A configuration that points tessera's Twilio client at this double.
    pub fn config(&self) -> TwilioConfig {
        TwilioConfig {
            api_base: self.base_url.clone(),
            account_sid: Self::ACCOUNT_SID.into(),
            auth_token: Self::AUTH_TOKEN.into(),
            from: Self::FROM.into(),
            timeout: Duration::from_secs(5),
        }
    }

    /// How many requests reached the REST API (Messages and Calls), refused ones included.
    pub fn requests(&self) -> usize {
        self.recorded.lock().unwrap().requests
    }

    pub fn messages(&self) -> Vec<SentSms> {
        self.recorded.lock().unwrap().messages.clone()
    }

    pub fn calls(&self) -> Vec<PlacedCall> {
        self.recorded.lock().unwrap().calls.clone()
    }

    /// The calls ended through the REST API, in order.
    pub fn ended_calls(&self) -> Vec<EndedCall> {
        self.recorded.lock().unwrap().ended.clone()
    }

    /// Message number `nth` (from 0) to `to`, waiting up to 5 s for it.
    pub async fn wait_for_message_to(&self, to: &str, nth: usize) -> SentSms {
        for _ in 0..100 {
            if let Some(m) = self.messages().into_iter().filter(|m| m.to == to).nth(nth) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the Twilio double received no SMS number {nth} (from 0) to {to} within 5 s; it has: {:?}",
            self.messages()
        );
    }

    /// Call number `nth` (from 0) to `to`, waiting up to 5 s for it.
    pub async fn wait_for_call_to(&self, to: &str, nth: usize) -> PlacedCall {
        for _ in 0..100 {
            if let Some(c) = self.calls().into_iter().filter(|c| c.to == to).nth(nth) {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the Twilio double received no call number {nth} (from 0) to {to} within 5 s; it has: {:?}",
            self.calls()
        );
    }

    /// The next API request answers `status` with Twilio's error JSON and records nothing.
    /// Calling it again queues another failure.
    pub fn fail_next(&self, status: u16) {
        let failure = match status {
            401 => Failure::Error(401, 20003, "Authenticate".into()),
            _ => {
                let reason = StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Error");
                // Twilio's generic codes are 20000 + the HTTP status (20404, 20429, 20500, …).
                Failure::Error(status, 20000 + i64::from(status), reason.into())
            }
        };
        self.recorded.lock().unwrap().failures.push_back(failure);
    }

    /// The next API request answers Twilio's error `code` with its documented message, e.g.
    /// 400 / 21211 "The 'To' number … is not a valid phone number.", and records nothing.
    pub fn refuse_next(&self, status: u16, code: i64, message: &str) {
        let failure = Failure::Error(status, code, message.into());
        self.recorded.lock().unwrap().failures.push_back(failure);
    }

    /// The next API request is held for `delay` before Twilio does its work: longer than the
    /// client waits, it is a provider that does not answer in time.
    pub fn stall_next(&self, delay: Duration) {
        let failure = Failure::Stall(delay);
        self.recorded.lock().unwrap().failures.push_back(failure);
    }

    /// The callee presses `digits` during the call's `<Gather>`: Twilio posts them, signed, to
    /// the Gather's `action` URL.
    pub async fn press_key(&self, call: &PlacedCall, digits: &str) -> reqwest::StatusCode {
        let url = gather_action(&call.twiml);
        let params = [
            ("AccountSid", Self::ACCOUNT_SID),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", &call.sid),
            ("CallStatus", "in-progress"),
            ("Called", &call.to),
            ("Caller", &call.from),
            ("Digits", digits),
            ("Direction", "outbound-api"),
            // Empty because numDigits ended the input, not a finishing key; still signed.
            ("FinishedOnKey", ""),
            ("From", &call.from),
            ("To", &call.to),
        ];
        let signature = Self::sign(&url, &params);
        self.post_with_signature(&url, &params, &signature).await
    }

    /// Twilio reports the call's progress (`ringing`, `no-answer`, `busy`, `failed`,
    /// `completed`, …), signed, to its `StatusCallback`.
    pub async fn send_status(&self, call: &PlacedCall, call_status: &str) -> reqwest::StatusCode {
        assert!(
            !call.status_callback.is_empty(),
            "call {} was placed without a StatusCallback",
            call.sid
        );
        let params = [
            ("AccountSid", Self::ACCOUNT_SID),
            ("ApiVersion", "2010-04-01"),
            ("CallSid", &call.sid),
            ("CallStatus", call_status),
            ("CallbackSource", "call-progress-events"),
            ("Called", &call.to),
            ("Caller", &call.from),
            ("Direction", "outbound-api"),
            ("From", &call.from),
            ("To", &call.to),
        ];
        let signature = Self::sign(&call.status_callback, &params);
        self.post_with_signature(&call.status_callback, &params, &signature)
            .await
    }

    /// A forged webhook without `X-Twilio-Signature`.
    pub async fn post_unsigned(&self, url: &str, params: &[(&str, &str)]) -> reqwest::StatusCode {
        self.post_form(url, params, None).await
    }

    /// A webhook with any `X-Twilio-Signature`, e.g. one made for another URL or token.
    pub async fn post_with_signature(
        &self,
        url: &str,
        params: &[(&str, &str)],
        signature: &str,
    ) -> reqwest::StatusCode {
        self.post_form(url, params, Some(signature)).await
    }

    /// The signature Twilio would send for this URL and parameters under [`Self::AUTH_TOKEN`].
    pub fn sign(url: &str, params: &[(&str, &str)]) -> String {
        independent_signature(Self::AUTH_TOKEN, url, params)
    }

    async fn post_form(
        &self,
        url: &str,
        params: &[(&str, &str)],
        signature: Option<&str>,
    ) -> reqwest::StatusCode {
        let mut request = self.http.post(url).form(params);
        if let Some(signature) = signature {
            request = request.header("X-Twilio-Signature", signature);
        }
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("the webhook to {url} failed: {e}"))
            .status()
    }
}

/// Twilio's request signature, written from its documentation without tessera's code:
/// the URL, then each parameter's name and value sorted by name (then value), as one string,
/// HMAC-SHA1 with the auth token, base64 with padding.
pub fn independent_signature(auth_token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut pairs = params.to_vec();
    pairs.sort_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.cmp(b.1)));
    let mut data = String::from(url);
    for (name, value) in pairs {
        data.push_str(name);
        data.push_str(value);
    }
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The `action` URL of the first `<Gather>` in `twiml`, XML-unescaped.
fn gather_action(twiml: &str) -> String {
    let start = twiml
        .find("<Gather")
        .unwrap_or_else(|| panic!("the call's TwiML has no <Gather>: {twiml}"));
    let tag = &twiml[start..];
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let value = tag
        .split_once(" action=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(value, _)| value)
        .unwrap_or_else(|| panic!("the call's <Gather> has no action URL: {tag}"));
    let url = xml_unescape(value);
    assert!(
        url.starts_with("http://") || url.starts_with("https://"),
        "the <Gather> action must be an absolute URL (inline TwiML has no base), got {url}"
    );
    url
}

fn xml_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .unwrap_or_else(|| panic!("unterminated XML entity in {text}"));
        let entity = &after[..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .unwrap_or_else(|| panic!("unknown XML entity &{entity}; in {text}"))
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    out
}

// ----- the REST side -----

fn twilio_error(status: u16, code: i64, message: &str) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status,
    });
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

/// The answer to a request that may not proceed: an injected failure, or failed
/// authentication. Every request is counted; a stalled one waits here first.
async fn refusal(recorded: &Shared, sid: &str, headers: &HeaderMap) -> Option<Response> {
    let failure = {
        let mut recorded = recorded.lock().unwrap();
        recorded.requests += 1;
        recorded.failures.pop_front()
    };
    match failure {
        Some(Failure::Error(status, code, message)) => {
            return Some(twilio_error(status, code, &message));
        }
        Some(Failure::Stall(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    let credentials = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let expected = format!("{}:{}", TwilioDouble::ACCOUNT_SID, TwilioDouble::AUTH_TOKEN);
    if credentials.as_deref() != Some(expected.as_str()) || sid != TwilioDouble::ACCOUNT_SID {
        return Some(twilio_error(401, 20003, "Authenticate"));
    }
    None
}

fn form(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The first non-empty value of `name`; Twilio treats an empty parameter as missing.
fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.clone())
}

fn new_sid(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).unwrap();
    format!("{prefix}{}", hex::encode(bytes))
}

fn now_rfc2822() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap()
}

async fn create_message(
    State(recorded): State<Shared>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = refusal(&recorded, &sid, &headers).await {
        return refusal;
    }
    let fields = form(&body);
    let Some(to) = field(&fields, "To") else {
        return twilio_error(400, 21604, "A 'To' phone number is required.");
    };
    let Some(from) = field(&fields, "From") else {
        return twilio_error(400, 21603, "A 'From' phone number is required.");
    };
    let Some(text) = field(&fields, "Body") else {
        return twilio_error(400, 21602, "Message body is required.");
    };
    let message_sid = new_sid("SM");
    let now = now_rfc2822();
    recorded.lock().unwrap().messages.push(SentSms {
        to: to.clone(),
        from: from.clone(),
        body: text.clone(),
        sid: message_sid.clone(),
    });
    let resource = json!({
        "sid": message_sid,
        "account_sid": sid,
        "api_version": "2010-04-01",
        "to": to,
        "from": from,
        "body": text,
        "status": "queued",
        "direction": "outbound-api",
        "num_segments": "1",
        "num_media": "0",
        "price": null,
        "price_unit": "USD",
        "error_code": null,
        "error_message": null,
        "messaging_service_sid": null,
        "date_created": now,
        "date_updated": now,
        "date_sent": null,
        "uri": format!("/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json"),
    });
    (StatusCode::CREATED, axum::Json(resource)).into_response()
}

async fn create_call(
    State(recorded): State<Shared>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = refusal(&recorded, &sid, &headers).await {
        return refusal;
    }
    let fields = form(&body);
    let Some(to) = field(&fields, "To") else {
        return twilio_error(400, 21201, "No 'To' number is specified");
    };
    let Some(from) = field(&fields, "From") else {
        return twilio_error(400, 21213, "No 'From' number is specified");
    };
    let twiml = field(&fields, "Twiml");
    if twiml.is_none() && field(&fields, "Url").is_none() {
        return twilio_error(
            400,
            21205,
            "Either a 'Url', 'Twiml' or 'ApplicationSid' parameter is required.",
        );
    }
    let call_sid = new_sid("CA");
    let now = now_rfc2822();
    recorded.lock().unwrap().calls.push(PlacedCall {
        to: to.clone(),
        from: from.clone(),
        twiml: twiml.unwrap_or_default(),
        status_callback: field(&fields, "StatusCallback").unwrap_or_default(),
        status_callback_events: fields
            .iter()
            .filter(|(k, _)| k == "StatusCallbackEvent")
            .map(|(_, v)| v.clone())
            .collect(),
        timeout: field(&fields, "Timeout"),
        sid: call_sid.clone(),
    });
    let resource = json!({
        "sid": call_sid,
        "account_sid": sid,
        "api_version": "2010-04-01",
        "to": to,
        "to_formatted": to,
        "from": from,
        "from_formatted": from,
        "status": "queued",
        "direction": "outbound-api",
        "parent_call_sid": null,
        "start_time": null,
        "end_time": null,
        "duration": null,
        "price": null,
        "date_created": now,
        "date_updated": now,
        "uri": format!("/2010-04-01/Accounts/{sid}/Calls/{call_sid}.json"),
    });
    (StatusCode::CREATED, axum::Json(resource)).into_response()
}

/// Updates a call: only `Status` (`canceled` or `completed`), which is how an application
/// hangs up. An unknown call is Twilio's 404 (20404); any other status its 400 (21218).
async fn update_call(
    State(recorded): State<Shared>,
    Path((sid, call)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refusal) = refusal(&recorded, &sid, &headers).await {
        return refusal;
    }
    let Some(call_sid) = call.strip_suffix(".json") else {
        return not_found().await;
    };
    let fields = form(&body);
    let status = field(&fields, "Status").unwrap_or_default();
    if !matches!(status.as_str(), "canceled" | "completed") {
        return twilio_error(400, 21218, "Invalid call status");
    }
    let (to, from) = {
        let mut recorded = recorded.lock().unwrap();
        let Some(placed) = recorded.calls.iter().find(|c| c.sid == call_sid).cloned() else {
            drop(recorded);
            return twilio_error(404, 20404, "The requested resource was not found");
        };
        recorded.ended.push(EndedCall {
            sid: call_sid.to_string(),
            status: status.clone(),
        });
        (placed.to, placed.from)
    };
    let now = now_rfc2822();
    let resource = json!({
        "sid": call_sid,
        "account_sid": sid,
        "api_version": "2010-04-01",
        "to": to,
        "from": from,
        "status": status,
        "direction": "outbound-api",
        "date_updated": now,
        "end_time": now,
        "uri": format!("/2010-04-01/Accounts/{sid}/Calls/{call_sid}.json"),
    });
    (StatusCode::OK, axum::Json(resource)).into_response()
}

async fn not_found() -> Response {
    twilio_error(404, 20404, "The requested resource was not found")
}

// ----- tests of the double, through tessera's client -----

mod tests {
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::routing::post;
    use tessera::delivery::twilio::{
        Twilio, TwilioConfig, TwilioError, gather_twiml, signature, signature_is_valid,
    };

    use super::{TwilioDouble, independent_signature};

    const PHONE: &str = "+15005550009";

    fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
        params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[tokio::test]
    async fn send_sms_returns_a_message_sid_and_is_recorded() {
        let double = TwilioDouble::start().await;
        let twilio = Twilio::new(double.config()).unwrap();
        let sid = twilio
            .send_sms(PHONE, "Your Tessera code is 123456")
            .await
            .unwrap();
        assert!(sid.starts_with("SM") && sid.len() == 34, "{sid}");
        let sms = double.wait_for_message_to(PHONE, 0).await;
        assert_eq!(sms.sid, sid);
        assert_eq!(sms.to, PHONE);
        assert_eq!(sms.from, TwilioDouble::FROM);
        assert_eq!(sms.body, "Your Tessera code is 123456");
        assert_eq!(double.messages().len(), 1);
    }

    #[tokio::test]
    async fn a_wrong_token_is_refused_with_20003() {
        let double = TwilioDouble::start().await;
        let twilio = Twilio::new(TwilioConfig {
            auth_token: "not-the-token".into(),
            ..double.config()
        })
        .unwrap();
        let error = twilio.send_sms(PHONE, "hello").await.unwrap_err();
        assert!(
            matches!(
                error,
                TwilioError::Rejected {
                    status: 401,
                    code: Some(20003),
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(!error.to_string().contains("not-the-token"));
        assert!(double.messages().is_empty());
    }

    #[tokio::test]
    async fn missing_fields_are_refused_like_twilio() {
        let double = TwilioDouble::start().await;
        let twilio = Twilio::new(double.config()).unwrap();
        let error = twilio.send_sms("", "hello").await.unwrap_err();
        assert!(
            matches!(
                error,
                TwilioError::Rejected {
                    status: 400,
                    code: Some(21604),
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(double.messages().is_empty());
    }

    #[tokio::test]
    async fn injected_failures_are_twilio_errors_and_then_pass() {
        let double = TwilioDouble::start().await;
        let twilio = Twilio::new(double.config()).unwrap();
        double.fail_next(500);
        double.fail_next(429);
        let first = twilio.send_sms(PHONE, "one").await.unwrap_err();
        assert!(
            matches!(
                first,
                TwilioError::Rejected {
                    status: 500,
                    code: Some(20500),
                    ..
                }
            ),
            "{first:?}"
        );
        let second = twilio
            .start_call(PHONE, "<Response/>", "http://127.0.0.1:9/status")
            .await
            .unwrap_err();
        assert!(
            matches!(
                second,
                TwilioError::Rejected {
                    status: 429,
                    code: Some(20429),
                    ..
                }
            ),
            "{second:?}"
        );
        assert!(double.messages().is_empty() && double.calls().is_empty());
        twilio.send_sms(PHONE, "three").await.unwrap();
        assert_eq!(double.wait_for_message_to(PHONE, 0).await.body, "three");
    }

    #[tokio::test]
    async fn start_call_records_the_twiml_and_callback() {
        let double = TwilioDouble::start().await;
        let twilio = Twilio::new(double.config()).unwrap();
        let twiml = gather_twiml("Press the pound key.", "https://portal.test/voice?a=1&b=2");
        let sid = twilio
            .start_call(PHONE, &twiml, "https://portal.test/voice/status")
            .await
            .unwrap();
        assert!(sid.starts_with("CA") && sid.len() == 34, "{sid}");
        let call = double.wait_for_call_to(PHONE, 0).await;
        assert_eq!(call.sid, sid);
        assert_eq!(call.from, TwilioDouble::FROM);
        assert_eq!(call.twiml, twiml);
        assert_eq!(call.status_callback, "https://portal.test/voice/status");
        assert_eq!(
            call.status_callback_events,
            ["initiated", "ringing", "answered", "completed"]
        );
        assert_eq!(call.timeout.as_deref(), Some("30"));
        assert_eq!(
            super::gather_action(&call.twiml),
            "https://portal.test/voice?a=1&b=2"
        );
    }

    #[test]
    fn tessera_signature_agrees_with_the_independent_one() {
        let doc = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ];
        let doc_url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert_eq!(
            independent_signature("12345", doc_url, &doc),
            "GvWf1cFY/Q7PnoempGyD5oXAezc="
        );

        let url = "https://portal.example.org/voice/gather?session=abc&attempt=2";
        let params = [
            ("To", "+15005550009"),
            ("Digits", "#"),
            ("AccountSid", TwilioDouble::ACCOUNT_SID),
            ("FinishedOnKey", ""),
            ("Event", "b"),
            ("Event", "a"),
            ("Caller", "Zoë + friends & co"),
        ];
        let ours = signature(TwilioDouble::AUTH_TOKEN, url, &owned(&params));
        assert_eq!(ours, TwilioDouble::sign(url, &params));
        assert!(signature_is_valid(
            TwilioDouble::AUTH_TOKEN,
            url,
            &owned(&params),
            &TwilioDouble::sign(url, &params)
        ));
    }

    /// What an application's webhook endpoint saw: full URL, parameters, signature verdict.
    type Seen = Arc<Mutex<Vec<(String, Vec<(String, String)>, bool)>>>;

    /// A stand-in application that checks `X-Twilio-Signature` with tessera's function.
    async fn start_webhook_receiver() -> (String, Seen) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Seen::default();
        let app = Router::new()
            .route("/voice/{*rest}", post(receive))
            .with_state((base.clone(), seen.clone()));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (base, seen)
    }

    async fn receive(
        State((base, seen)): State<(String, Seen)>,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let url = format!("{base}{uri}");
        let params = super::form(&body);
        let header = headers
            .get("X-Twilio-Signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let valid = signature_is_valid(TwilioDouble::AUTH_TOKEN, &url, &params, header);
        seen.lock().unwrap().push((url, params, valid));
        if valid {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        }
    }

    fn param<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {params:?}"))
    }

    #[tokio::test]
    async fn webhooks_are_signed_like_twilio_and_forgeries_are_not() {
        let double = TwilioDouble::start().await;
        let (base, seen) = start_webhook_receiver().await;
        let twilio = Twilio::new(double.config()).unwrap();
        let action = format!("{base}/voice/gather?session=abc&attempt=1");
        let callback = format!("{base}/voice/status?session=abc");
        twilio
            .start_call(PHONE, &gather_twiml("Press pound.", &action), &callback)
            .await
            .unwrap();
        let call = double.wait_for_call_to(PHONE, 0).await;

        assert_eq!(double.press_key(&call, "#").await, StatusCode::OK);
        assert_eq!(double.send_status(&call, "no-answer").await, StatusCode::OK);
        {
            let seen = seen.lock().unwrap();
            let (url, params, _) = &seen[0];
            assert_eq!(url, &action);
            assert_eq!(param(params, "Digits"), "#");
            assert_eq!(param(params, "CallSid"), call.sid);
            assert_eq!(param(params, "To"), PHONE);
            assert_eq!(param(params, "CallStatus"), "in-progress");
            let (url, params, _) = &seen[1];
            assert_eq!(url, &callback);
            assert_eq!(param(params, "CallStatus"), "no-answer");
        }

        let forged = [("CallSid", call.sid.as_str()), ("Digits", "#")];
        assert_eq!(
            double.post_unsigned(&action, &forged).await,
            StatusCode::FORBIDDEN
        );
        // Signed for the status URL, replayed to the gather URL.
        let elsewhere = TwilioDouble::sign(&callback, &forged);
        assert_eq!(
            double
                .post_with_signature(&action, &forged, &elsewhere)
                .await,
            StatusCode::FORBIDDEN
        );
        let wrong_token = independent_signature("another-token", &action, &forged);
        assert_eq!(
            double
                .post_with_signature(&action, &forged, &wrong_token)
                .await,
            StatusCode::FORBIDDEN
        );
        let valid = TwilioDouble::sign(&action, &forged);
        assert_eq!(
            double.post_with_signature(&action, &forged, &valid).await,
            StatusCode::OK
        );
    }
}
