//! CSRF, headers, cookies and request limits (OWASP ASVS 3.3–3.5), and docs/security.md
//! naming only tests that exist.

use crate::helpers::{Backend, Options, TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;

const PASSWORD: &str = "marmalade orbit kettle";
const HTTPS_PORTAL: &str = "https://portal.example.org";

/// The portal with an https public URL (the test server itself speaks plain HTTP on loopback,
/// which browsers and the test client treat as a secure context).
async fn https_app(backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            public_url: Some(HTTPS_PORTAL.into()),
            ..Options::default()
        },
    )
    .await
}

async fn forms_without_a_valid_csrf_token_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("csrf@example.org", "Cas Ruiz", "marmalade orbit kettle")
        .await;
    let browser = app.new_browser();
    let token = browser.csrf().await;
    let second_factor = "SELECT COUNT(*) FROM sessions WHERE stage = 'second-factor'";
    let before = app.count(second_factor).await;

    let missing = browser
        .post_raw(
            "/login",
            &[
                ("email", "csrf@example.org"),
                ("password", "marmalade orbit kettle"),
            ],
        )
        .await;
    assert_eq!(missing.status, 403);
    assert!(
        missing.has("This form has expired") && missing.has("reload the page"),
        "{missing}"
    );

    let forged = browser
        .post_raw(
            "/login",
            &[
                ("email", "csrf@example.org"),
                ("password", "marmalade orbit kettle"),
                ("csrf_token", "forged"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);

    // Another browser's token does not fit this browser's cookie.
    let other = app.new_browser();
    other.csrf().await;
    let stolen = other
        .post_raw(
            "/login",
            &[
                ("email", "csrf@example.org"),
                ("password", "marmalade orbit kettle"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(stolen.status, 403);

    // A request the browser marks as cross-site is refused even with a token.
    let response = browser
        .http
        .post(format!("{}/login", app.url))
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("email", "csrf@example.org"),
            ("password", "marmalade orbit kettle"),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(
        app.count(second_factor).await,
        before,
        "none of them signed in"
    );

    // The real form works.
    let page = browser
        .post_raw(
            "/login",
            &[
                ("email", "csrf@example.org"),
                ("password", "marmalade orbit kettle"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert!(page.url.ends_with("/verify/email"));
}

async fn pages_carry_security_headers_and_no_store(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app.new_browser();
    let response = browser
        .http
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
    let csrf_cookie = headers["set-cookie"].to_str().unwrap();
    assert!(
        csrf_cookie.starts_with("tessera_csrf=")
            && csrf_cookie.contains("HttpOnly")
            && csrf_cookie.contains("SameSite=Strict"),
        "{csrf_cookie}"
    );

    let page = browser.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.has("Page not found") && page.has("sign-in page"));

    let big = "x".repeat(70 * 1024);
    let response = browser
        .http
        .post(format!("{}/login", app.url))
        .form(&[("email", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

async fn over_https_cookies_are_host_prefixed_and_secure(backend: Backend) {
    let app = https_app(backend).await;
    let response = reqwest::Client::new()
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("__Host-tessera_csrf=")
            && cookie.contains("Secure")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain="));
    let hsts = response.headers()["strict-transport-security"]
        .to_str()
        .unwrap();
    assert!(hsts.contains("max-age=31536000") && hsts.contains("includeSubDomains"));
    // Links use the public URL, never the Host the request came to.
    let link = app.invite("tls@example.org", "Tee Ellis").await;
    assert!(
        link.starts_with(&format!("{HTTPS_PORTAL}/register/")),
        "{link}"
    );
}

/// The session cookie a response sets, with its attributes (the `Set-Cookie` line).
fn session_set_cookie(response: &reqwest::Response) -> String {
    let lines: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .filter(|v| v.contains("tessera_session="))
        .collect();
    assert_eq!(lines.len(), 1, "one session cookie: {lines:?}");
    lines[0].to_string()
}

/// Over https the session cookie is `__Host-tessera_session`: Secure, HttpOnly, Path=/ and no
/// Domain, so only this origin over TLS ever receives it and no sibling host can set or
/// shadow it (ASVS 3.3.1, 3.3.3, 3.3.4). Checked at both sign-in steps that issue one.
async fn over_https_the_session_cookie_is_host_prefixed_secure_and_host_only(backend: Backend) {
    let app = https_app(backend).await;
    let email = "tess@example.org";
    let link = app.invite(email, "Tess Layer").await;
    let path = link
        .strip_prefix(HTTPS_PORTAL)
        .expect("a link to the public URL");
    let browser = app.new_browser();
    browser.get(path).await;
    let page = browser
        .register("Tess Layer", PASSWORD, PASSWORD, "email")
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{}",
        page.url
    );

    let raw = browser.not_following_redirects();
    let csrf = browser.csrf().await;
    let password_step = raw
        .post(format!("{}/login", app.url))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(password_step.status(), 303);
    let at_second_factor = session_set_cookie(&password_step);
    browser.post("/verify/email/send", &[]).await;
    let code = app.latest_code(email).await;
    let code_step = raw
        .post(format!("{}/verify/email/check", app.url))
        .form(&[("code", code.as_str()), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    let authenticated = session_set_cookie(&code_step);
    for set_cookie in [&at_second_factor, &authenticated] {
        let mut attributes = set_cookie.split(';').map(str::trim);
        let (name, value) = attributes.next().unwrap().split_once('=').unwrap();
        assert_eq!(name, "__Host-tessera_session", "{set_cookie}");
        assert!(value.len() >= 22, "128 bits or more: {set_cookie}");
        let attributes: Vec<String> = attributes.map(str::to_ascii_lowercase).collect();
        for wanted in ["secure", "httponly", "path=/", "samesite=lax"] {
            assert!(
                attributes.iter().any(|a| a == wanted),
                "{wanted}: {set_cookie}"
            );
        }
        assert!(
            !attributes.iter().any(|a| a.starts_with("domain")),
            "host-only: {set_cookie}"
        );
    }
    assert_ne!(
        at_second_factor, authenticated,
        "rotated once both factors passed"
    );
    assert!(
        browser.cookie("tessera_session").is_none(),
        "never the plain name"
    );
    browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    assert!(browser.get("/").await.has("Welcome, Tess Layer"));
}

/// Links in mail are built from TESSERA_PUBLIC_URL only: a request whose Host and forwarding
/// headers name another site still gets a link to the portal, so a forged request cannot make
/// the portal mail a person a link to an attacker's site (password-reset poisoning; ASVS
/// 13.1/OWASP "Host header injection").
async fn emailed_links_ignore_forged_host_headers(backend: Backend) {
    let app = https_app(backend).await;
    let email = "hosted@example.org";
    app.invite(email, "Hos Ted").await;
    let browser = app.new_browser();
    let csrf = browser.csrf().await;
    let response = browser
        .http
        .post(format!("{}/register/reset", app.url))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "http")
        .header("x-forwarded-server", "evil.example")
        .header("forwarded", "host=evil.example;proto=http")
        .form(&[("username", email), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("we have emailed it a new registration link"),
        "{body}"
    );
    assert!(!body.contains("evil.example"), "{body}");
    let mail = app.mail.message_to(email, 1).await;
    assert!(
        mail.link()
            .starts_with(&format!("{HTTPS_PORTAL}/register/")),
        "{}",
        mail.link()
    );
    for part in [&mail.subject, &mail.text, &mail.html] {
        assert!(!part.contains("evil.example"), "{part}");
    }
    let html = mail.html.replace("&#x2f;", "/");
    assert!(
        html.contains(&format!("{HTTPS_PORTAL}/register/")),
        "{html}"
    );
}

/// A form the portal cannot read (a value of the wrong kind, or no form at all) gets the
/// portal's own error page, saying what to do, never a framework's plain text (ASVS 16.5.1).
async fn unreadable_forms_get_a_page_that_says_what_to_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .active_user("form@example.org", "Fay Orm", "marmalade orbit kettle")
        .await;
    let token = browser.csrf().await;
    let page = browser
        .post_raw(
            "/terms",
            &[("agree", "yes"), ("version", "one"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(page.status, 422, "{page}");
    assert!(
        page.has("We could not read this form")
            && page.has("version: invalid digit")
            && page.has("reload the page"),
        "{page}"
    );
    let response = browser
        .http
        .post(format!("{}/verify/email/check", app.url))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"code\": \"123456\", \"csrf_token\": \"{token}\"}}"
        ))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert!(
        (400..500).contains(&status) && body.contains("<html"),
        "{status}: {body}"
    );
}

on_both_backends!(
    unreadable_forms_get_a_page_that_says_what_to_do,
    forms_without_a_valid_csrf_token_are_refused,
    pages_carry_security_headers_and_no_store,
    over_https_cookies_are_host_prefixed_and_secure,
    over_https_the_session_cookie_is_host_prefixed_secure_and_host_only,
    emailed_links_ignore_forged_host_headers,
);

/// docs/security.md names tests as proof: each name in its tables' last column must be a test
/// function (or a test module) that exists, so the page cannot claim a proof that is gone.
#[test]
fn security_doc_names_only_tests_that_exist() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/security.md")).unwrap();
    let mut sources = String::new();
    let mut dirs = vec![
        std::path::PathBuf::from(format!("{root}/src")),
        std::path::PathBuf::from(format!("{root}/tests")),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut named = 0;
    for line in doc.lines().filter(|l| l.starts_with('|')) {
        let proof = line.trim_end_matches('|').rsplit('|').next().unwrap();
        for (i, token) in proof.split('`').enumerate() {
            let is_name = i % 2 == 1
                && token.contains('_')
                && token
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !is_name {
                continue;
            }
            named += 1;
            assert!(
                sources.contains(&format!("fn {token}("))
                    || sources.contains(&format!("fn {token}<"))
                    || sources.contains(&format!("mod {token};")),
                "docs/security.md names `{token}`, which is no test"
            );
        }
    }
    assert!(
        named > 40,
        "only {named} test names found in docs/security.md"
    );
}
