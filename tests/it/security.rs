//! CSRF, headers, cookies and request limits (OWASP ASVS 3.3–3.5), and docs/security.md
//! naming only tests that exist.

use crate::helpers::{Backend, Options, spawn_app, spawn_app_with};
use crate::on_both_backends;

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
        "{}",
        missing.body
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
    let app = spawn_app_with(
        backend,
        Options {
            public_url: Some("https://portal.example.org".into()),
            ..Options::default()
        },
    )
    .await;
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
        link.starts_with("https://portal.example.org/register/"),
        "{link}"
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
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.has("We could not read this form")
            && page.has("version: invalid digit")
            && page.has("reload the page"),
        "{}",
        page.body
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
