//! Recovery codes (issue 14; PRODUCT.md "Stronger factors"): NIST SP 800-63B 5.1.2 look-up
//! secrets and OWASP ASVS 5.0 6.5. Ten codes shown once with a download, each stored as a
//! keyed hash, each used once however many submissions race, **Use a recovery code** on every
//! second-factor page, a notice email at every use, a new set kills the old, the number left
//! on Your account, and an MFA reset forgets them.

use std::time::Duration;

use crate::helpers::{Backend, Browser, Page, TestApp, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    nist_5_1_2_ten_codes_are_shown_once_with_a_download_and_stored_only_as_keyed_hashes,
    asvs_6_5_1_a_recovery_code_signs_in_once_and_its_owner_is_told,
    nist_5_1_2_fifty_simultaneous_submissions_of_one_recovery_code_make_exactly_one_session,
    asvs_6_5_1_new_recovery_codes_kill_the_old_set,
    nist_5_2_2_wrong_recovery_codes_count_toward_the_lock_out,
    reset_mfa_forgets_the_recovery_codes,
    a_recovery_code_is_the_second_proof_of_forgot_your_password,
    the_recovery_code_page_serves_only_a_waiting_second_step,
    recovery_codes_never_count_as_the_last_factor,
);

/// In Chromium, under the portal's CSP: the download link saves the codes (SQLite only: the
/// download is the browser's, whatever the database).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recovery_codes_download_in_chromium() {
    the_codes_download_in_chromium(Backend::Sqlite).await
}

const PASSWORD: &str = "correct horse battery staple";
const USED_NOTICE: &str = "A recovery code was used on your portal account";

async fn account_id(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("SELECT id FROM accounts WHERE email = '{email}'"))
        .await
}

async fn signed_in_sessions(app: &TestApp, email: &str) -> i64 {
    let id = account_id(app, email).await;
    app.count(&format!(
        "SELECT COUNT(*) FROM sessions WHERE account_id = {id} AND stage = 'authenticated' AND revoked_at IS NULL"
    ))
    .await
}

/// Generate recovery codes on Your account (the factor was just passed): the page showing them.
async fn generate(browser: &Browser) -> (Page, Vec<String>) {
    let page = browser
        .post("/account/recovery-codes", &[("password", PASSWORD)])
        .await;
    assert_eq!(page.status, 200, "{page}");
    let codes = page
        .select("#recovery-codes code")
        .into_iter()
        .map(|c| c.text)
        .collect();
    (page, codes)
}

/// The number Your account says is left.
async fn left_on_account(browser: &Browser) -> String {
    let page = browser.get("/account").await;
    page.first("#recovery-codes-left")
        .unwrap_or_else(|| panic!("Your account shows the codes left: {page}"))
        .text
}

/// An active user with a fresh set of codes, signed out; and the codes.
async fn holder_of_codes(app: &TestApp, email: &str) -> Vec<String> {
    let browser = app.active_user(email, "Rec Holder", PASSWORD).await;
    let (_, codes) = generate(&browser).await;
    assert_eq!(codes.len(), 10);
    browser.post("/logout", &[]).await;
    codes
}

/// A browser whose password was accepted: at the second step.
async fn at_second_step(app: &TestApp, email: &str) -> Browser {
    let browser = app.new_browser();
    let page = browser.sign_in(email, PASSWORD).await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    browser
}

async fn notices_of_use(app: &TestApp, email: &str) -> Vec<String> {
    app.mail
        .messages_to(email)
        .await
        .into_iter()
        .filter(|m| m.subject == USED_NOTICE)
        .map(|m| m.text)
        .collect()
}

async fn wait_for_notices(app: &TestApp, email: &str, n: usize) -> Vec<String> {
    for _ in 0..100 {
        let found = notices_of_use(app, email).await;
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no notice of a used recovery code reached {email}");
}

/// NIST SP 800-63B 5.1.2.1 / ASVS 6.5.2, 6.5.3: ten codes from the CSPRNG, shown once (never
/// on a later page) with a download, kept only as keyed hashes; Your account counts them.
async fn nist_5_1_2_ten_codes_are_shown_once_with_a_download_and_stored_only_as_keyed_hashes(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let email = "rena@example.org";
    let browser = app.active_user(email, "Rena Codes", PASSWORD).await;
    let account = browser.get("/account").await;
    account.assert_shows("Recovery codes");
    assert!(
        account
            .element_with_text("button", "Generate recovery codes")
            .is_some(),
        "{account}"
    );
    assert_eq!(left_on_account(&browser).await, "0");

    let (page, codes) = generate(&browser).await;
    assert_eq!(codes.len(), 10, "{page}");
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);
    for code in &codes {
        assert_eq!(code.len(), 19, "{code}");
        assert_eq!(code.matches('-').count(), 3, "{code}");
    }
    let download = page
        .first("a[download]")
        .unwrap_or_else(|| panic!("a download link: {page}"));
    assert_eq!(
        download.attr("download"),
        Some("tessera-recovery-codes.txt")
    );
    let href = download.attr("href").unwrap();
    assert!(href.starts_with("data:text/plain"), "{href}");
    assert!(codes.iter().all(|c| href.contains(c.as_str())));

    // Shown once: no later page has them, and the database holds only 32-byte keyed hashes.
    let account = browser.get("/account").await;
    assert!(codes.iter().all(|c| account.lacks(c)));
    assert_eq!(left_on_account(&browser).await, "10");
    assert!(
        account
            .element_with_text("button", "Generate new recovery codes")
            .is_some()
    );
    let id = account_id(&app, email).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = {id} AND LENGTH(code_hash) = 32 AND used_at IS NULL"
        ))
        .await,
        10
    );
    let tables = crate::snapshot::snapshot(&app.db.url).await;
    for rows in tables.values() {
        for row in rows {
            for code in &codes {
                let bare = code.replace('-', "");
                assert!(
                    !row.contains(code.as_str()) && !row.contains(&bare),
                    "a code in the clear: {row}"
                );
            }
        }
    }
    assert!(
        app.audit_events()
            .await
            .contains(&"recovery-codes-generated".to_string())
    );
    let told = app
        .mail
        .messages_to(email)
        .await
        .iter()
        .any(|m| m.subject == "New recovery codes for your portal account");
    let told = told || {
        tokio::time::sleep(Duration::from_secs(2)).await;
        app.mail
            .messages_to(email)
            .await
            .iter()
            .any(|m| m.subject == "New recovery codes for your portal account")
    };
    assert!(told, "the person is told of the new set");
}

/// ASVS 6.5.1 / NIST 5.1.2.2: **Use a recovery code** on the second-factor page passes the
/// step once; the owner is told by email with the number left; the same code again is refused.
async fn asvs_6_5_1_a_recovery_code_signs_in_once_and_its_owner_is_told(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "ula@example.org";
    let codes = holder_of_codes(&app, email).await;
    let browser = at_second_step(&app, email).await;
    let factor_page = browser.get("/verify/email").await;
    let link = factor_page
        .link_named("Use a recovery code")
        .unwrap_or_else(|| panic!("every second-factor page offers it: {factor_page}"));
    assert_eq!(link, "/verify/recovery-code");
    let page = browser.get(&link).await;
    assert_eq!(page.heading().as_deref(), Some("Use a recovery code"));
    // Typed as a person might: capitals and spaces.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let page = browser
        .post("/verify/recovery-code", &[("code", &typed)])
        .await;
    assert!(browser.get("/").await.has("Welcome"), "{page}");
    assert_eq!(signed_in_sessions(&app, email).await, 1);
    let id = account_id(&app, email).await;
    let signed_in_by_code = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE event = 'signed-in' AND subject = 'account:{id}' AND detail LIKE '%recovery-code%'"
        ))
        .await;
    assert_eq!(signed_in_by_code, 1);
    let notices = wait_for_notices(&app, email, 1).await;
    assert!(
        notices[0].contains("9 recovery codes left"),
        "{}",
        notices[0]
    );
    assert_eq!(left_on_account(&browser).await, "9");

    // The same code again, from a new sign-in: refused, not counted as a guess.
    browser.post("/logout", &[]).await;
    let again = at_second_step(&app, email).await;
    let page = again
        .post("/verify/recovery-code", &[("code", &codes[3])])
        .await;
    assert_eq!(page.status, 422, "{page}");
    page.assert_shows("used already");
    assert_eq!(signed_in_sessions(&app, email).await, 0);
    let page = again
        .post("/verify/recovery-code", &[("code", "abcd-efgh")])
        .await;
    assert_eq!(page.status, 422);
    page.assert_shows("16 letters and digits");
}

/// Sends one form to the second step with exactly these cookies, without following redirects
/// or taking a new cookie: the answer's status and where it sends the browser.
async fn submit(
    http: &reqwest::Client,
    url: &str,
    cookies: &str,
    csrf: &str,
    code: &str,
) -> (u16, String) {
    let response = http
        .post(url)
        .header("cookie", cookies)
        .form(&[("code", code), ("csrf_token", csrf)])
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

fn cookies_of(browser: &Browser) -> String {
    use reqwest::cookie::CookieStore;
    let url: reqwest::Url = browser.base.parse().unwrap();
    browser
        .jar
        .cookies(&url)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

/// Issue 14's race (NIST 5.1.2.2: a look-up secret is used once; ASVS 6.5.1): fifty
/// simultaneous submissions of one code make exactly one session, whether they share one
/// waiting session (fifty clicks) or come from fifty sessions that each passed the password.
async fn nist_5_1_2_fifty_simultaneous_submissions_of_one_recovery_code_make_exactly_one_session(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let email = "race@example.org";
    let codes = holder_of_codes(&app, email).await;
    let id = account_id(&app, email).await;
    let url = format!("{}/verify/recovery-code", app.url);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Fifty submissions with one session cookie.
    let browser = at_second_step(&app, email).await;
    let csrf = browser.csrf().await;
    let cookies = cookies_of(&browser);
    let answers = futures_util::future::join_all(
        (0..50).map(|_| submit(&http, &url, &cookies, &csrf, &codes[0])),
    )
    .await;
    let passed = answers
        .iter()
        .filter(|(s, to)| *s == 303 && to == "/verify/done")
        .count();
    assert_eq!(passed, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, _)| matches!(s, 303 | 422)),
        "{answers:?}"
    );
    assert_eq!(signed_in_sessions(&app, email).await, 1);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = {id} AND used_at IS NOT NULL"
        ))
        .await,
        1
    );

    // Fifty sessions that each passed the password, one code.
    let mut waiting = Vec::new();
    for _ in 0..50 {
        let browser = at_second_step(&app, email).await;
        let csrf = browser.csrf().await;
        waiting.push((cookies_of(&browser), csrf));
    }
    let answers = futures_util::future::join_all(
        waiting
            .iter()
            .map(|(cookies, csrf)| submit(&http, &url, cookies, csrf, &codes[1])),
    )
    .await;
    let passed = answers
        .iter()
        .filter(|(s, to)| *s == 303 && to == "/verify/done")
        .count();
    assert_eq!(passed, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, _)| matches!(s, 303 | 422)),
        "{answers:?}"
    );
    assert_eq!(signed_in_sessions(&app, email).await, 2);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = {id} AND used_at IS NOT NULL"
        ))
        .await,
        2
    );
    // One notice per use, not per submission.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(wait_for_notices(&app, email, 2).await.len(), 2);
}

/// ASVS 6.5.1: regenerating replaces the whole set; the old codes stop working at once.
async fn asvs_6_5_1_new_recovery_codes_kill_the_old_set(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "newset@example.org";
    let browser = app.active_user(email, "New Set", PASSWORD).await;
    let (_, old) = generate(&browser).await;
    let (_, new) = generate(&browser).await;
    assert!(old.iter().all(|c| !new.contains(c)));
    let id = account_id(&app, email).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = {id}"
        ))
        .await,
        10
    );
    browser.post("/logout", &[]).await;
    let browser = at_second_step(&app, email).await;
    let page = browser
        .post("/verify/recovery-code", &[("code", &old[0])])
        .await;
    assert_eq!(page.status, 422);
    page.assert_shows("not one of your recovery codes");
    browser
        .post("/verify/recovery-code", &[("code", &new[0])])
        .await;
    assert!(browser.get("/").await.has("Welcome"));
}

/// NIST SP 800-63B 5.2.2 (rate limiting): a wrong recovery code counts toward the second
/// step's lock-out, and a locked account's right code waits too (and is not used up).
async fn nist_5_2_2_wrong_recovery_codes_count_toward_the_lock_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "guess@example.org";
    let codes = holder_of_codes(&app, email).await;
    let browser = at_second_step(&app, email).await;
    let threshold = app.app.config.policy.lockout_threshold;
    let mut locked_after = None;
    for attempt in 1..=threshold + 1 {
        let page = browser
            .post("/verify/recovery-code", &[("code", "0000-0000-0000-0000")])
            .await;
        if page.status == 429 {
            page.assert_shows("Too many failed attempts");
            locked_after = Some(attempt);
            break;
        }
        assert_eq!(page.status, 422, "{page}");
    }
    assert!(locked_after.is_some(), "locked within {threshold} tries");
    let page = browser
        .post("/verify/recovery-code", &[("code", &codes[0])])
        .await;
    assert_eq!(page.status, 429, "{page}");
    assert_eq!(signed_in_sessions(&app, email).await, 0);
    let id = account_id(&app, email).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = {id} AND used_at IS NULL"
        ))
        .await,
        10
    );
    assert!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE event = 'code-refused' AND detail LIKE '%recovery-code%'"
        )
        .await
            >= 1
    );
}

/// An administrator's Reset MFA forgets the recovery codes with the factors, in its one
/// transaction: none stands in for a factor the person must register again.
async fn reset_mfa_forgets_the_recovery_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "reset@example.org";
    let codes = holder_of_codes(&app, email).await;
    let id = account_id(&app, email).await;
    let admin = crate::admin::system_admin(&app, "root@example.org").await;
    admin
        .post(&format!("/admin/users/{id}/reset-mfa"), &[])
        .await;
    assert!(app.audit_events().await.contains(&"mfa-reset".to_string()));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = {id}"
        ))
        .await,
        0
    );
    let browser = app.new_browser();
    browser.sign_in(email, PASSWORD).await;
    let page = browser
        .post("/verify/recovery-code", &[("code", &codes[0])])
        .await;
    assert!(!page.url.ends_with("/verify/recovery-code"), "{}", page.url);
    assert_eq!(signed_in_sessions(&app, email).await, 0);
}

/// Forgot your password of an account holding another factor than its address: after the
/// emailed code, a recovery code stands in for that factor (the phone here), and the person
/// goes on to the new password; the notice says what it was used for.
async fn a_recovery_code_is_the_second_proof_of_forgot_your_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "phil@example.org";
    let browser = app
        .active_phone_user(email, "Phil Phone", PASSWORD, "415 555 0142")
        .await;
    let (_, codes) = generate(&browser).await;
    browser.post("/logout", &[]).await;
    let recovering = app.new_browser();
    recovering
        .post("/password/forgot", &[("email", email)])
        .await;
    let code = app.latest_code(email).await;
    let page = recovering
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    assert!(
        page.url.ends_with("/password/forgot/verified"),
        "{}",
        page.url
    );
    let phone_page = recovering.get("/verify/phone").await;
    assert!(
        phone_page.link_named("Use a recovery code").is_some(),
        "{phone_page}"
    );
    let page = recovering
        .post("/verify/recovery-code", &[("code", &codes[0])])
        .await;
    assert!(page.url.ends_with("/password/new"), "{} {page}", page.url);
    let notices = wait_for_notices(&app, email, 1).await;
    assert!(
        notices[0].contains("resetting your password"),
        "{}",
        notices[0]
    );
    assert_eq!(
        signed_in_sessions(&app, email).await,
        0,
        "not yet signed in"
    );
}

/// The access rule: the page serves only a session waiting at a second step (the walk in
/// access.rs tries every stage; here the plain cases, and that a code moves nothing there).
async fn the_recovery_code_page_serves_only_a_waiting_second_step(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "gate@example.org";
    let codes = holder_of_codes(&app, email).await;
    let stranger = app.new_browser();
    let page = stranger
        .post("/verify/recovery-code", &[("code", &codes[0])])
        .await;
    assert!(page.url.contains("/login"), "{}", page.url);
    let signed_in = app
        .active_user("other@example.org", "Other Person", PASSWORD)
        .await;
    let page = signed_in.get("/verify/recovery-code").await;
    assert!(!page.url.ends_with("/verify/recovery-code"), "{}", page.url);
    // A recovery that has not yet proved the address cannot use one either.
    let recovering = app.new_browser();
    recovering
        .post("/password/forgot", &[("email", email)])
        .await;
    let page = recovering
        .post("/verify/recovery-code", &[("code", &codes[0])])
        .await;
    assert!(page.url.ends_with("/password/forgot/code"), "{}", page.url);
    let id = account_id(&app, email).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = {id} AND used_at IS NULL"
        ))
        .await,
        10
    );
}

/// Chromium with downloads going to `dir` (chromedriver allows them in headless mode when
/// the directory is set).
async fn chrome_downloading_to(dir: &std::path::Path) -> crate::browser::Chrome {
    crate::browser::chrome_with_prefs(serde_json::json!({
        "download.default_directory": dir.display().to_string(),
        "download.prompt_for_download": false,
    }))
    .await
}

async fn the_codes_download_in_chromium(backend: Backend) {
    use fantoccini::Locator;
    let app = spawn_app(backend).await;
    let email = "dora@example.org";
    app.active_user(email, "Dora Load", PASSWORD).await;
    app.clock
        .advance(app.app.config.policy.code_resend_cooldown_secs + 1);
    let downloads = tempfile::tempdir().unwrap();
    let chrome = chrome_downloading_to(downloads.path()).await;
    let c = &chrome.client;
    c.goto(&format!("{}/login/email", app.url)).await.unwrap();
    crate::browser::type_into(c, "Email address", email).await;
    crate::browser::type_into(c, "Password", PASSWORD).await;
    crate::browser::click(c, "Sign in").await;
    crate::browser::wait_for_text(c, "Email Verification").await;
    crate::browser::click(c, "Send Verification Code").await;
    crate::browser::wait_for_text(c, "We sent a verification code").await;
    let code = app.latest_code(email).await;
    crate::browser::type_into(c, "Verification code", &code).await;
    crate::browser::click(c, "Verify Code").await;
    crate::browser::wait_for_text(c, "Your email address has been verified.").await;
    c.goto(&format!("{}/account", app.url)).await.unwrap();
    c.find(Locator::Id("recovery_password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    crate::browser::click(c, "Generate recovery codes").await;
    crate::browser::wait_for_text(c, "Your recovery codes").await;
    let mut codes = Vec::new();
    for element in c
        .find_all(Locator::Css("#recovery-codes code"))
        .await
        .unwrap()
    {
        codes.push(element.text().await.unwrap());
    }
    assert_eq!(codes.len(), 10);
    c.find(Locator::LinkText("Download the codes"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let file = downloads.path().join("tessera-recovery-codes.txt");
    let mut saved = String::new();
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(&file)
            && codes.iter().all(|c| text.contains(c.as_str()))
        {
            saved = text;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        codes.iter().all(|c| saved.contains(c.as_str())),
        "the download holds the ten codes: {saved:?}"
    );
    chrome.client.clone().close().await.unwrap();
}

/// PRODUCT.md: recovery codes do not count as the last factor. A person holding only the
/// email factor and a set of codes still cannot remove the email factor.
async fn recovery_codes_never_count_as_the_last_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "last@example.org";
    let browser = app.active_user(email, "Last Factor", PASSWORD).await;
    generate(&browser).await;
    let id = account_id(&app, email).await;
    let factor = app
        .count(&format!(
            "SELECT id FROM account_factors WHERE account_id = {id} AND kind = 'email'"
        ))
        .await;
    let page = browser
        .post(
            &format!("/account/factors/{factor}/remove"),
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 409, "{page}");
    page.assert_shows("your last one");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM account_factors WHERE account_id = {id}"
        ))
        .await,
        1
    );
    assert_eq!(left_on_account(&browser).await, "10");
}
