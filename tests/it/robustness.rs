//! Outside input through the real router: arbitrary field values and bytes to every POST form,
//! the JSON API and the Twilio webhooks get a 4xx with a message or a normal page, never a
//! 500, a panic or a dropped connection; oversized bodies and over-long fields are refused
//! with a clear message and store nothing.
//!
//! The cases are random (proptest strategies); `PROPTEST_CASES=100000` runs more of them.

use proptest::prelude::*;
use tessera::domain::account::Role;
use tessera::flows::invitation::InvitationRequest;

use crate::helpers::{Backend, Browser, SECRET_KEY, TestApp, spawn_app};
use crate::on_both_backends;
use crate::snapshot::{cases, differences, sample, snapshot};
use crate::twilio_double::TwilioDouble;

on_both_backends!(
    proptest_arbitrary_form_posts_never_cause_a_server_error,
    proptest_arbitrary_api_requests_get_problems_not_server_errors,
    proptest_arbitrary_twilio_webhooks_are_refused,
    oversized_bodies_and_over_long_fields_are_refused_and_store_nothing,
);

const PASSWORD: &str = "correct horse battery staple";

/// Every POST form of `web::router`, with the fields its handler reads. `{}` in a path is
/// filled with an arbitrary segment.
const FORMS: &[(&str, &[&str])] = &[
    ("/login", &["email", "password", "method"]),
    ("/logout", &[]),
    (
        "/register",
        &[
            "display_name",
            "email",
            "password",
            "password_confirmation",
            "mfa_method",
        ],
    ),
    ("/verify/email/send", &[]),
    ("/verify/email/check", &["code"]),
    ("/verify/phone/send", &["country_code", "phone", "action"]),
    ("/verify/phone/check", &["code"]),
    ("/verify/recovery-code", &["code"]),
    ("/verify/phone/call/complete", &[]),
    ("/terms", &["agree", "version"]),
    ("/password/forgot", &["email"]),
    ("/password/forgot/resend", &[]),
    ("/password/forgot/check", &["code"]),
    ("/password/new", &["password", "password_confirmation"]),
    ("/register/reset", &["username"]),
    ("/register/trouble", &["email", "password"]),
    (
        "/account/password",
        &["password", "new_password", "password_confirmation"],
    ),
    ("/account/recovery-codes", &["password"]),
    ("/sessions/end-others", &[]),
    ("/sessions/{}/end", &[]),
    (
        "/admin/users",
        &["email", "display_name", "organization", "role"],
    ),
    ("/admin/users/bulk", &["csv"]),
    ("/admin/import", &["csv"]),
    ("/admin/users/{}/{}", &[]),
    ("/admin/terms", &["title", "body"]),
    (
        "/admin/clients",
        &[
            "name",
            "redirect_uris",
            "post_logout_redirect_uris",
            "backchannel_logout_uri",
            "public",
            "organization",
            "id_token_alg",
        ],
    ),
    (
        "/admin/clients/{}/uris",
        &[
            "redirect_uris",
            "post_logout_redirect_uris",
            "backchannel_logout_uri",
        ],
    ),
    ("/admin/clients/{}/secret", &[]),
    ("/admin/clients/{}/{}", &[]),
    ("/admin/apps", &["name", "url", "organization"]),
    ("/admin/apps/{}/{}", &[]),
    (
        "/admin/providers",
        &[
            "name",
            "issuer",
            "client_id",
            "client_secret",
            "domains",
            "organization",
            "require_local_mfa",
        ],
    ),
    (
        "/admin/providers/{}",
        &[
            "name",
            "issuer",
            "client_id",
            "client_secret",
            "domains",
            "organization",
            "require_local_mfa",
        ],
    ),
    ("/admin/providers/{}/{}", &[]),
];

/// Forms that end the browser's own session: sent only by the signed-out browser, so the
/// signed-in ones keep exercising the rest.
const SELF_ENDING: &[&str] = &["/logout", "/sessions/end-others"];

/// Sends a text or call: the provider may honestly fail (502), which is not our error.
const DELIVERY: &[&str] = &[
    "/verify/email/send",
    "/verify/phone/send",
    "/password/forgot",
    "/password/forgot/resend",
    "/register/reset",
    "/register/trouble",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[a-z0-9@. +()-]{0,40}",
        1 => "[0-9]{1,30}",
        1 => Just(String::new()),
        1 => Just("phone".to_string()),
        1 => Just("email".to_string()),
        1 => Just("sms".to_string()),
        1 => Just("call".to_string()),
        1 => "\\PC{300,2000}",
    ]
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{1,25}",
        "-?[0-9]{1,4}",
        Just("disable".to_string()),
        Just("reset-mfa".to_string()),
    ]
    .prop_map(|s| {
        let encoded: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
        // "" and dot segments never reach the server as a segment: the client folds them away.
        if encoded.is_empty() || encoded == "." || encoded == ".." {
            "x".into()
        } else {
            encoded
        }
    })
}

#[derive(Debug, Clone)]
enum Body {
    /// Known and unknown field names with arbitrary values.
    Fields(Vec<(String, String)>),
    /// Arbitrary bytes, with the CSRF token appended so the handler sees them.
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone)]
struct FormCase {
    form: usize,
    browser: usize,
    segments: (String, String),
    body: Body,
    content_type: bool,
}

fn form_case() -> impl Strategy<Value = FormCase> {
    let fields = proptest::collection::vec(
        (
            prop_oneof![
                3 => (0usize..6).prop_map(|i| ["email", "password", "code", "phone", "display_name", "csv"][i].to_string()),
                1 => any::<String>(),
            ],
            value(),
        ),
        0..6,
    );
    let body = prop_oneof![
        3 => fields.prop_map(Body::Fields),
        1 => proptest::collection::vec(any::<u8>(), 0..1500).prop_map(Body::Bytes),
    ];
    (
        0..FORMS.len(),
        0usize..4,
        (segment(), segment()),
        body,
        proptest::bool::weighted(0.9),
    )
        .prop_map(|(form, browser, segments, body, content_type)| FormCase {
            form,
            browser,
            segments,
            body,
            content_type,
        })
}

/// Browsers at each stage the forms expect: signed out, mid-registration, an active user, a
/// system administrator.
async fn browsers(app: &TestApp) -> Vec<(Browser, String)> {
    let anonymous = app.new_browser();
    let link = app.invite("rae@example.org", "Rae Moss").await;
    let registering = app.new_browser();
    registering.get_absolute(&link).await;
    let user = app
        .active_user("una@example.org", "Una Park", PASSWORD)
        .await;
    let admin = app
        .active_account(
            InvitationRequest {
                email: "root@example.org".into(),
                display_name: "Root Admin".into(),
                organization: None,
                role: Role::SystemAdmin,
            },
            PASSWORD,
        )
        .await;
    let mut out = Vec::new();
    for browser in [anonymous, registering, user, admin] {
        let token = browser.csrf().await;
        out.push((browser, token));
    }
    out
}

fn fill(path: &str, segments: &(String, String)) -> String {
    path.replacen("{}", &segments.0, 1)
        .replacen("{}", &segments.1, 1)
}

/// A refusal says what went wrong in words, not an empty body.
fn assert_answered(what: &str, status: u16, body: &str, delivery: bool) {
    assert!(
        status < 500 || (delivery && status == 502),
        "{what} → {status}: {body}"
    );
    if status >= 400 {
        assert!(
            body.trim().len() >= 10,
            "{what} → {status} without a message: {body:?}"
        );
    }
}

async fn proptest_arbitrary_form_posts_never_cause_a_server_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let browsers = browsers(&app).await;
    let mut statuses = std::collections::BTreeMap::new();
    for case in sample(form_case(), cases(120)) {
        let (path, known) = FORMS[case.form];
        // Forms that end the browser's own session use the signed-out browser.
        let index = if SELF_ENDING.contains(&path) {
            0
        } else {
            case.browser
        };
        let (browser, token) = &browsers[index];
        let url = format!("{}{}", app.url, fill(path, &case.segments));
        let body: Vec<u8> = match &case.body {
            Body::Fields(fields) => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                for name in known.iter() {
                    if let Some((_, v)) = fields.iter().find(|(n, _)| n == name) {
                        form.append_pair(name, v);
                    }
                }
                for (name, v) in fields {
                    form.append_pair(name, v);
                }
                form.append_pair("csrf_token", token);
                form.finish().into_bytes()
            }
            Body::Bytes(bytes) => {
                let mut b = bytes.clone();
                b.extend_from_slice(format!("&csrf_token={token}").as_bytes());
                b
            }
        };
        let mut request = browser.http.post(&url).body(body);
        if case.content_type {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{case:?}: no answer ({e})"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        *statuses.entry(status).or_insert(0) += 1;
        assert_answered(
            &format!("POST {url} {case:?}"),
            status,
            &text,
            DELIVERY.contains(&path),
        );
    }
    // Most cases get past the CSRF check and the form parser to a handler.
    let handled: usize = statuses
        .iter()
        .filter(|(s, _)| ![403, 415].contains(*s))
        .map(|(_, n)| n)
        .sum();
    assert!(handled * 2 > cases(120), "{statuses:?}");
    // Arbitrary query strings on the pages that read one.
    let queries = sample(
        proptest::collection::vec((value(), value()), 0..4),
        cases(40),
    );
    for (i, pairs) in queries.iter().enumerate() {
        let path = [
            "/login/email",
            "/admin",
            "/admin/audit",
            "/admin/audit/export",
            "/password/forgot",
        ][i % 5];
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            let k = [
                "notice", "page", "q", "status", "from", "before", "format", k,
            ][k.len() % 8];
            query.append_pair(k, v);
        }
        let url = format!("{}{path}?{}", app.url, query.finish());
        let (browser, _) = &browsers[3];
        let response = browser.http.get(&url).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        assert_answered(&format!("GET {url}"), status, &text, false);
    }
}

fn create_token(app: &TestApp) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["admin", "create-token", "--name", "fuzz"])
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[derive(Debug, Clone)]
struct ApiCase {
    target: usize,
    segments: (String, String),
    body: Vec<u8>,
    content_type: usize,
    token: usize,
}

fn json_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..1000),
        (value(), value(), value()).prop_map(|(email, name, org)| serde_json::to_vec(
            &serde_json::json!({"email": email, "display_name": name, "organization": org})
        )
        .unwrap()),
        (value(), any::<i64>(), any::<bool>()).prop_map(|(email, n, b)| serde_json::to_vec(
            &serde_json::json!({"email": email, "display_name": n, "role": b, "extra": [n]})
        )
        .unwrap()),
        "[{}\\[\\]\":,a-z0-9 ]{0,200}".prop_map(String::into_bytes),
    ]
}

fn api_case() -> impl Strategy<Value = ApiCase> {
    (
        0usize..13,
        (segment(), segment()),
        json_body(),
        0usize..3,
        prop_oneof![4 => Just(0usize), 1 => Just(1usize), 1 => Just(2usize)],
    )
        .prop_map(|(target, segments, body, content_type, token)| ApiCase {
            target,
            segments,
            body,
            content_type,
            token,
        })
}

async fn proptest_arbitrary_api_requests_get_problems_not_server_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = create_token(&app);
    let http = reqwest::Client::new();
    // Extremes first: a page number this large once overflowed the list's offset (a panic).
    for path in [
        "/api/v1/users?page=9223372036854775807",
        "/api/v1/users?page=-9223372036854775808",
        "/api/v1/audit?before=-9223372036854775808",
        "/api/v1/audit?before=9223372036854775807",
    ] {
        let response = http
            .get(format!("{}{path}", app.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: no answer ({e})"));
        let status = response.status().as_u16();
        assert_answered(path, status, &response.text().await.unwrap(), false);
    }
    for case in sample(api_case(), cases(120)) {
        let (method, path) = [
            ("POST", "/api/v1/users"),
            ("POST", "/api/v1/users/bulk"),
            ("POST", "/api/v1/import"),
            ("POST", "/api/v1/users/{}/{}"),
            ("GET", "/api/v1/users?q={}&status={}&page={}"),
            ("GET", "/api/v1/audit?user={}&from={}&before={}"),
            ("POST", "/api/v1/clients"),
            ("POST", "/api/v1/clients/{}/{}"),
            ("POST", "/api/v1/apps"),
            ("POST", "/api/v1/apps/{}/{}"),
            ("POST", "/api/v1/providers"),
            ("POST", "/api/v1/providers/{}/{}"),
            ("PATCH", "/api/v1/providers/{}"),
        ][case.target];
        let path = fill(path, &case.segments).replacen("{}", &case.segments.0, 1);
        let url = format!("{}{path}", app.url);
        let mut request = match method {
            "POST" => http.post(&url).body(case.body.clone()),
            "PATCH" => http.patch(&url).body(case.body.clone()),
            _ => http.get(&url),
        };
        request = match case.content_type {
            0 => request.header("content-type", "application/json"),
            1 => request.header("content-type", "text/csv"),
            _ => request,
        };
        request = match case.token {
            0 => request.bearer_auth(&token),
            1 => request.bearer_auth(
                case.body[..case.body.len().min(40)]
                    .iter()
                    .map(|b| char::from(b'!' + b % 90))
                    .collect::<String>(),
            ),
            _ => request,
        };
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{case:?}: no answer ({e})"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("").to_string())
            .unwrap_or_default();
        let text = response.text().await.unwrap_or_default();
        assert_answered(&format!("{method} {url} {case:?}"), status, &text, false);
        // Every refusal is RFC 9457 problem details, whatever was wrong with the request.
        if status >= 400 {
            assert_eq!(
                content_type, "application/problem+json",
                "{method} {url} {case:?}: {status} {text}"
            );
        }
        if case.token != 0 {
            assert_eq!(status, 401, "{method} {url} without a valid token: {text}");
        }
    }
}

async fn proptest_arbitrary_twilio_webhooks_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let http = reqwest::Client::new();
    let params = proptest::collection::vec((value(), value()), 0..8);
    let signature = prop_oneof![
        Just(None),
        "[A-Za-z0-9+/=]{0,60}".prop_map(Some),
        any::<String>().prop_map(Some),
    ];
    let case = (segment(), any::<bool>(), params, signature, any::<bool>());
    for (token, status_callback, params, signature, genuine) in sample(case, cases(120)) {
        let path = if status_callback {
            format!("/twilio/voice/{token}/status")
        } else {
            format!("/twilio/voice/{token}")
        };
        let url = format!("{}{path}", app.url);
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut request = http.post(&url).form(&pairs);
        // Signed as Twilio would sign them, arbitrary parameters reach the handler; otherwise
        // the signature is arbitrary and must be refused before anything else.
        let signed = genuine.then(|| TwilioDouble::sign(&url, &pairs));
        if let Some(sig) = signed.clone().or(signature.clone())
            && let Ok(v) = reqwest::header::HeaderValue::from_str(&sig)
        {
            request = request.header("X-Twilio-Signature", v);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let what = format!("POST {url} {params:?} signature {signature:?} genuine {genuine}");
        if signed.is_some() {
            assert_answered(&what, status, &text, false);
        } else {
            assert_eq!(status, 403, "{what}: {text}");
        }
    }
}

/// Who sends what where, and words the refusal must contain.
type Refusal<'a> = (&'a Browser, &'a str, Vec<(&'a str, &'a str)>, &'a str);

/// Each form family: a body over the 64 KiB limit is refused with "Too much data" (413), and
/// fields past their limits with the reason (4xx); the database is unchanged either way.
async fn oversized_bodies_and_over_long_fields_are_refused_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let browsers = browsers(&app).await;
    let (anonymous, registering, user, admin) = (
        &browsers[0].0,
        &browsers[1].0,
        &browsers[2].0,
        &browsers[3].0,
    );
    let huge = "a".repeat(70 * 1024);
    let long = "b".repeat(5_000);
    let long_email = format!("{}@example.org", "c".repeat(5_000));
    let api = create_token(&app);
    // Password accepted, code not yet entered.
    let second_factor = &app.new_browser();
    second_factor.sign_in("una@example.org", PASSWORD).await;
    // Registered for the phone factor, at the page that asks for the number.
    let phone = &app
        .registered_for_phone("pia@example.org", "Pia Lund", PASSWORD)
        .await;
    // Forgot your password: one browser at the emailed code, one past it at the new password.
    let recovering = &app.new_browser();
    recovering
        .post("/password/forgot", &[("email", "una@example.org")])
        .await;
    let resetting = &app.new_browser();
    resetting
        .post("/password/forgot", &[("email", "una@example.org")])
        .await;
    let code = app.latest_code("una@example.org").await;
    let page = resetting
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    assert!(
        page.url.ends_with("/password/forgot/verified"),
        "{}",
        page.url
    );
    let before = snapshot(&app.db.url).await;

    // Over the body limit: every form, as any browser.
    for (path, known) in FORMS {
        let path = fill(path, &("1".into(), "disable".into()));
        let field = known.first().copied().unwrap_or("filler");
        for browser in [anonymous, admin] {
            let page = browser.post(&path, &[(field, &huge)]).await;
            assert_eq!(page.status, 413, "{path}: {page}");
            assert!(page.has("Too much data"), "{path}: {page}");
        }
    }
    for path in ["/api/v1/users", "/api/v1/users/bulk"] {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", app.url))
            .bearer_auth(&api)
            .header("content-type", "application/json")
            // Past even the bulk file limit (8 MiB).
            .body(format!("{{\"email\": \"{}\"}}", huge.repeat(120)))
            .send()
            .await;
        // The server answers 413 as soon as the limit is passed and closes the connection
        // (RFC 9110 9.3.3 lets it): a client still writing megabytes may see its write fail
        // before it reads the answer. Either way nothing was taken (checked below).
        match response {
            Ok(response) => assert_eq!(response.status().as_u16(), 413, "{path}"),
            Err(e) => assert!(
                format!("{e:?}").contains("BodyWrite"),
                "{path}: only the rest of the body may be refused: {e:?}"
            ),
        }
    }

    // Over-long fields, within the body limit: refused with the reason.
    let digits = "9".repeat(5_000);
    let long_csv = format!("email,display_name\n{long_email},{long}\n");
    let refused: Vec<Refusal> = vec![
        (
            registering,
            "/register",
            vec![
                ("display_name", &long),
                ("password", &long),
                ("password_confirmation", &long),
                ("mfa_method", "email"),
            ],
            "too long",
        ),
        (
            registering,
            "/register",
            vec![
                ("display_name", "Rae Moss"),
                ("password", &long),
                ("password_confirmation", &long),
                ("mfa_method", "email"),
            ],
            "at most 256 characters",
        ),
        (
            anonymous,
            "/password/forgot",
            vec![("email", &long_email)],
            "too long",
        ),
        (
            admin,
            "/admin/users",
            vec![("email", &long_email), ("display_name", "Long Mail")],
            "too long",
        ),
        (
            admin,
            "/admin/users",
            vec![("email", "ok@example.org"), ("display_name", &long)],
            "too long",
        ),
        (
            admin,
            "/admin/terms",
            vec![("title", &long), ("body", "Some terms.")],
            "at most 200 characters",
        ),
        (
            admin,
            "/admin/users/bulk",
            vec![("csv", &long_csv)],
            "too long",
        ),
        (
            second_factor,
            "/verify/email/check",
            vec![("code", &long)],
            "6-digit",
        ),
        (
            user,
            "/terms",
            vec![("agree", "yes"), ("version", &long)],
            // Not a number: the unreadable-form page names the field.
            "version: invalid digit",
        ),
        (
            phone,
            "/verify/phone/send",
            vec![
                ("country_code", "+1"),
                ("phone", &digits),
                ("action", "sms"),
            ],
            "10-digit direct line",
        ),
        (
            phone,
            "/verify/phone/send",
            vec![
                ("country_code", &digits),
                ("phone", "415 555 0132"),
                ("action", "sms"),
            ],
            "country code",
        ),
        (
            phone,
            "/verify/phone/check",
            vec![("code", &long)],
            "6-digit",
        ),
        (
            recovering,
            "/password/forgot/check",
            vec![("code", &long)],
            "6-digit",
        ),
        (
            resetting,
            "/password/new",
            vec![("password", &long), ("password_confirmation", &long)],
            "at most 256 characters",
        ),
    ];
    for (browser, path, fields, reason) in refused {
        let page = browser.post(path, &fields).await;
        assert!((400..500).contains(&page.status), "{path}: {page}",);
        assert!(page.has(reason), "{path}: expected {reason:?} in {page}",);
    }
    // Signing in with an over-long address is the same refusal as a wrong password, and
    // nothing is counted against an address that cannot exist.
    let page = anonymous.sign_in(&long_email, &long).await;
    assert_eq!(page.status, 401, "{page}");
    let page = anonymous
        .post(
            "/register/trouble",
            &[("email", &long_email), ("password", &long)],
        )
        .await;
    assert!(page.status < 500, "{page}");

    let api_refusals = [
        serde_json::json!({"email": long_email, "display_name": "A B"}),
        serde_json::json!({"email": "fine@example.org", "display_name": long}),
    ];
    for body in api_refusals {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/users", app.url))
            .bearer_auth(&api)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!((400..500).contains(&status), "{status} {text}");
        assert!(text.contains("too long"), "{text}");
    }

    let after = snapshot(&app.db.url).await;
    let changed = differences(&before, &after);
    assert!(changed.is_empty(), "stored: {changed:#?}");
}
