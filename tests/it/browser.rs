//! End to end in Debian's headless Chromium, driven by the guide's labels: registration by
//! the email factor, Terms of Use, home, Sign out, and back in with Login With Email.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;

pub(crate) struct Chrome {
    driver: Child,
    pub(crate) client: Client,
    _profile: tempfile::TempDir,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        // The whole process group: chromedriver and the Chromium it started, which a test that
        // panicked before closing its session would otherwise leave running.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub(crate) async fn chrome() -> Chrome {
    chrome_with_prefs(serde_json::json!({})).await
}

/// Chromium with these preferences (a download directory, say).
pub(crate) async fn chrome_with_prefs(prefs: serde_json::Value) -> Chrome {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is not installed: run `apt-get install -y chromium chromium-driver` (.ci/run does)");
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.path().display())],
            "prefs": prefs,
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut last_error = None;
    for _ in 0..100 {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => {
                return Chrome {
                    driver,
                    client,
                    _profile: profile,
                };
            }
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not start Chromium through chromedriver: {last_error:?}");
}

/// The input whose <label> reads `label`.
pub(crate) fn field(label: &str) -> String {
    format!("//input[@id=//label[normalize-space()='{label}']/@for]")
}

fn button(text: &str) -> String {
    format!("//button[normalize-space()='{text}']")
}

pub(crate) async fn type_into(c: &Client, label: &str, text: &str) {
    c.find(Locator::XPath(&field(label)))
        .await
        .unwrap_or_else(|e| panic!("no field labelled {label}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

pub(crate) async fn click(c: &Client, text: &str) {
    c.find(Locator::XPath(&button(text)))
        .await
        .unwrap_or_else(|e| panic!("no button {text}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits (up to 10 s) for the page that shows `text`: clicks navigate asynchronously.
pub(crate) async fn wait_for_text(c: &Client, text: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        if let Ok(body) = c.find(Locator::Css("body")).await
            && let Ok(t) = body.text().await
        {
            if t.contains(text) {
                return;
            }
            seen = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {text:?}; it showed:\n{seen}");
}

async fn a_person_registers_and_signs_back_in_by_the_guide_in_chromium(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("grace@example.org", "Grace Hopper").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    let password = "cobol nanosecond compiler";

    // "Click the link to begin the MFA registration process."
    c.goto(&link).await.unwrap();
    wait_for_text(c, "Create a New Account").await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/register")
    );
    let name = c
        .find(Locator::XPath(&field("Display Name")))
        .await
        .unwrap();
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("Grace Hopper")
    );
    let email = c.find(Locator::XPath(&field("Email"))).await.unwrap();
    assert_eq!(
        email.prop("value").await.unwrap().as_deref(),
        Some("grace@example.org")
    );
    type_into(c, "New Password", password).await;
    type_into(c, "Confirm Password", password).await;
    c.find(Locator::XPath(
        "//label[normalize-space()='Email']/input[@type='radio']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    click(c, "Submit").await;

    // "Enter your work email address and newly created password, then click Sign in."
    wait_for_text(c, "Your password is set.").await;
    clear_and_type(c, "Email address", "grace@example.org").await;
    type_into(c, "Password", password).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Email Verification").await;

    // "Click Send Verification Code … Enter the code … click verify code."
    click(c, "Send Verification Code").await;
    wait_for_text(c, "We sent a verification code").await;
    let code = app.latest_code("grace@example.org").await;
    type_into(c, "Verification code", &code).await;
    click(c, "Verify Code").await;
    wait_for_text(c, "Your email address has been verified.").await;
    click(c, "Continue").await;

    // "Check the box at the bottom to agree to Terms of Use, then click Continue."
    wait_for_text(c, "Terms of Use").await;
    c.find(Locator::XPath("//input[@type='checkbox']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(c, "Continue").await;
    wait_for_text(c, "Welcome, Grace Hopper").await;

    // Sign out, then "Login With Email".
    click(c, "Sign out").await;
    wait_for_text(c, "Customer/Provider").await;
    click(c, "Login With Email").await;
    wait_for_text(c, "Login With Email").await;
    c.wait()
        .for_element(Locator::XPath(&field("Password")))
        .await
        .unwrap();
    type_into(c, "Email address", "grace@example.org").await;
    type_into(c, "Password", password).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Email Verification").await;
    let prefilled = c
        .find(Locator::XPath(&field("Email address")))
        .await
        .unwrap();
    assert_eq!(
        prefilled.prop("value").await.unwrap().as_deref(),
        Some("grace@example.org")
    );
    click(c, "Send Verification Code").await;
    wait_for_text(c, "We sent a verification code").await;
    let code = app.latest_code("grace@example.org").await;
    // Pasted, as from the email (WCAG 2.2 3.3.8): the field takes the whole code at once.
    type_into(c, "Verification code", &code).await;
    click(c, "Verify Code").await;
    wait_for_text(c, "Your email address has been verified.").await;
    click(c, "Continue").await;
    wait_for_text(c, "Welcome, Grace Hopper").await;
    chrome.client.clone().close().await.unwrap();
}

pub(crate) async fn clear_and_type(c: &Client, label: &str, text: &str) {
    let input = c.find(Locator::XPath(&field(label))).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn a_person_registers_by_text_and_signs_back_in_by_call_me_in_chromium(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("ada@example.org", "Ada Lovelace").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    let password = "analytical engine notes";

    c.goto(&link).await.unwrap();
    wait_for_text(c, "Create a New Account").await;
    type_into(c, "New Password", password).await;
    type_into(c, "Confirm Password", password).await;
    c.find(Locator::XPath(
        "//label[normalize-space()='Phone']/input[@type='radio']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    click(c, "Submit").await;
    wait_for_text(c, "Your password is set.").await;
    clear_and_type(c, "Email address", "ada@example.org").await;
    type_into(c, "Password", password).await;
    click(c, "Sign in").await;

    // "Enter your country code and phone number, then select Send Code or Call Me."
    wait_for_text(c, "Phone Verification").await;
    clear_and_type(c, "Country code", "+1").await;
    type_into(c, "Phone number", "(415) 555-0188").await;
    click(c, "Send Code").await;
    wait_for_text(c, "We sent a verification code").await;
    let sms = app.twilio().wait_for_message_to("+14155550188", 0).await;
    type_into(c, "Verification code", &crate::helpers::sms_code(&sms.body)).await;
    click(c, "Verify Code").await;
    wait_for_text(c, "Terms of Use").await;
    c.find(Locator::XPath("//input[@type='checkbox']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(c, "Continue").await;
    wait_for_text(c, "Welcome, Ada Lovelace").await;

    // Login With Phone, Call Me: the callee presses # and the page reaches home by itself.
    // Later than the resend cool-down, which holds per account across sign-ins.
    app.clock
        .advance(app.app.config.policy.code_resend_cooldown_secs);
    click(c, "Sign out").await;
    wait_for_text(c, "Customer/Provider").await;
    click(c, "Login With Phone").await;
    c.wait()
        .for_element(Locator::XPath(&field("Password")))
        .await
        .unwrap();
    type_into(c, "Email address", "ada@example.org").await;
    type_into(c, "Password", password).await;
    click(c, "Sign in").await;
    wait_for_text(c, "+1 (***) ***-0188").await;
    click(c, "Call Me").await;
    wait_for_text(c, "We are calling you now").await;
    let call = app.twilio().wait_for_call_to("+14155550188", 0).await;
    assert_eq!(app.twilio().press_key(&call, "#").await, 200);
    wait_for_text(c, "Welcome, Ada Lovelace").await;
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(a_person_registers_by_text_and_signs_back_in_by_call_me_in_chromium);

/// The link with this text.
async fn follow(c: &Client, text: &str) {
    c.find(Locator::LinkText(text))
        .await
        .unwrap_or_else(|e| panic!("no link {text}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Guide: "Forgot or Reset Password", for an email user and for a phone user.
async fn forgot_your_password_in_chromium(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("liz@example.org", "Liz Bennet", "pemberley estate walk")
        .await;
    app.active_phone_user(
        "tom@example.org",
        "Tom Sawyer",
        "mississippi raft river",
        "415 555 0190",
    )
    .await;
    let chrome = chrome().await;
    let c = &chrome.client;

    for (email, name, phone) in [
        ("liz@example.org", "Liz Bennet", None),
        ("tom@example.org", "Tom Sawyer", Some("+14155550190")),
    ] {
        c.goto(&format!("{}/login", app.url)).await.unwrap();
        click(
            c,
            if phone.is_some() {
                "Login With Phone"
            } else {
                "Login With Email"
            },
        )
        .await;
        c.wait()
            .for_element(Locator::LinkText("Forgot your password"))
            .await
            .unwrap();
        follow(c, "Forgot your password").await;
        wait_for_text(c, "We will email you a 6-digit verification code").await;
        type_into(c, "Email address", email).await;
        click(c, "Send verification code").await;
        wait_for_text(c, "we have emailed it a 6-digit verification code").await;
        let code = app.latest_code(email).await;
        type_into(c, "Verification code", &code).await;
        click(c, "Verify code").await;
        wait_for_text(c, "Your email address has been verified.").await;
        click(c, "Continue").await;
        if let Some(number) = phone {
            // "Phone users will be prompted to select Send Code for an SMS text or Call Me."
            wait_for_text(c, "Phone Verification").await;
            click(c, "Call Me").await;
            wait_for_text(c, "We are calling you now").await;
            let calls = app
                .twilio()
                .calls()
                .into_iter()
                .filter(|call| call.to == number)
                .count();
            let call = app.twilio().wait_for_call_to(number, calls - 1).await;
            app.twilio().press_key(&call, "#").await;
        }
        wait_for_text(c, "Choose a new password").await;
        type_into(c, "New Password", "brand new harbour light").await;
        type_into(c, "Confirm Password", "brand new harbour light").await;
        click(c, "Continue").await;
        wait_for_text(c, &format!("Welcome, {name}")).await;
        click(c, "Sign out").await;
        wait_for_text(c, "Customer/Provider").await;
    }
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(forgot_your_password_in_chromium);

/// An organization administrator invites a person from the console, and the person registers.
async fn an_organization_administrator_invites_in_chromium(backend: Backend) {
    let app = spawn_app(backend).await;
    crate::admin::org_admin(&app, "Harbor Clinic", "boss@harbor.example.org").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    let password = "marmalade orbit kettle";

    c.goto(&format!("{}/login", app.url)).await.unwrap();
    click(c, "Login With Email").await;
    c.wait()
        .for_element(Locator::XPath(&field("Password")))
        .await
        .unwrap();
    type_into(c, "Email address", "boss@harbor.example.org").await;
    type_into(c, "Password", password).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Email Verification").await;
    click(c, "Send Verification Code").await;
    wait_for_text(c, "We sent a verification code").await;
    type_into(
        c,
        "Verification code",
        &app.latest_code("boss@harbor.example.org").await,
    )
    .await;
    click(c, "Verify Code").await;
    wait_for_text(c, "Your email address has been verified.").await;
    click(c, "Continue").await;
    wait_for_text(c, "Welcome, Admin of Harbor Clinic").await;
    follow(c, "Administration").await;
    wait_for_text(c, "Invite a person").await;
    type_into(c, "Display Name", "Hal Harbor").await;
    type_into(c, "Email", "hal@harbor.example.org").await;
    click(c, "Send invitation").await;
    wait_for_text(c, "Invitation sent").await;
    wait_for_text(c, "hal@harbor.example.org").await;
    c.goto(&format!("{}/", app.url)).await.unwrap();
    click(c, "Sign out").await;
    wait_for_text(c, "Customer/Provider").await;

    let link = app
        .mail
        .message_to("hal@harbor.example.org", 0)
        .await
        .link();
    c.goto(&link).await.unwrap();
    wait_for_text(c, "Create a New Account").await;
    let name = c
        .find(Locator::XPath(&field("Display Name")))
        .await
        .unwrap();
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("Hal Harbor")
    );
    type_into(c, "New Password", "lantern quiet meadow").await;
    type_into(c, "Confirm Password", "lantern quiet meadow").await;
    c.find(Locator::XPath(
        "//label[normalize-space()='Email']/input[@type='radio']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    click(c, "Submit").await;
    wait_for_text(c, "Your password is set.").await;
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(an_organization_administrator_invites_in_chromium);

on_both_backends!(a_person_registers_and_signs_back_in_by_the_guide_in_chromium);

/// Login With Email up to the guide's confirmation ("Your email address has been verified.").
async fn sign_in_by_email(c: &Client, app: &TestApp, email: &str, password: &str) {
    c.goto(&format!("{}/login/email", app.url)).await.unwrap();
    type_into(c, "Email address", email).await;
    type_into(c, "Password", password).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Email Verification").await;
    click(c, "Send Verification Code").await;
    wait_for_text(c, "We sent a verification code").await;
    let code = app.latest_code(email).await;
    type_into(c, "Verification code", &code).await;
    click(c, "Verify Code").await;
    wait_for_text(c, "Your email address has been verified.").await;
}

/// Issue 5: the console's CSV upload goes up in the background with a progress bar, and the
/// result shows in place (the address stays /admin: the script, not a page load, did it).
async fn an_administrator_uploads_a_csv_file_with_progress_in_chromium(backend: Backend) {
    let app = spawn_app(backend).await;
    crate::admin::org_admin(&app, "Bay Clinic", "boss@bay.example.org").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    sign_in_by_email(c, &app, "boss@bay.example.org", "marmalade orbit kettle").await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    let mut csv = String::from("email,display_name\n");
    for i in 0..20 {
        csv.push_str(&format!(
            "upload{i:02}@bay.example.org,Upload Person {i:02}\n"
        ));
    }
    std::fs::write(&file, csv).unwrap();
    c.goto(&format!("{}/admin", app.url)).await.unwrap();
    wait_for_text(c, "Bulk create").await;
    c.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    click(c, "Upload and create").await;
    wait_for_text(c, "20 people were invited").await;
    assert!(
        c.current_url().await.unwrap().as_str().ends_with("/admin"),
        "shown in place by the script"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE email LIKE 'upload%'")
            .await,
        20
    );
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(an_administrator_uploads_a_csv_file_with_progress_in_chromium);

/// Current portal users through the administration page: the import file goes up in the
/// background, the status line says what is happening (the upload's progress, then the check
/// of every row), and the result shows in place; a bad file lists each bad line the same way.
async fn an_administrator_imports_current_portal_users_with_progress_in_chromium(backend: Backend) {
    let app = spawn_app(backend).await;
    crate::admin::system_admin(&app, "root@example.org").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    sign_in_by_email(c, &app, "root@example.org", "marmalade orbit kettle").await;

    let hash = bcrypt::hash("old bcrypt password", 4).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let upload = |name: &str, rows: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, format!("email,display_name,password_hash\n{rows}")).unwrap();
        file.display().to_string()
    };
    let good: String = (0..3_000)
        .map(|i| format!("legacy{i:04}@example.org,Legacy Person {i:04},{hash}\n"))
        .collect();
    let bad = format!(
        "ok@example.org,Okay,{hash}\nnot-an-address,Bad,{hash}\nroot@example.org,Root Again,{hash}\n"
    );
    // Every text the status line shows, kept as it changes.
    let watch = "window.seen = []; var s = document.getElementById('import-status'); \
                 new MutationObserver(function () { window.seen.push(s.textContent); }) \
                 .observe(s, {childList: true, characterData: true, subtree: true});";

    c.goto(&format!("{}/admin", app.url)).await.unwrap();
    wait_for_text(c, "Import current portal users").await;
    c.execute(watch, vec![]).await.unwrap();
    c.find(Locator::Id("import-file"))
        .await
        .unwrap()
        .send_keys(&upload("bad.csv", &bad))
        .await
        .unwrap();
    click(c, "Upload and import").await;
    wait_for_text(c, "Nobody was imported").await;
    wait_for_text(c, "line 3: email:").await;
    wait_for_text(
        c,
        "line 4: email: an account with the email address root@example.org already exists",
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE status = 'imported'")
            .await,
        0
    );

    c.goto(&format!("{}/admin", app.url)).await.unwrap();
    wait_for_text(c, "Import current portal users").await;
    c.execute(watch, vec![]).await.unwrap();
    c.find(Locator::Id("import-file"))
        .await
        .unwrap()
        .send_keys(&upload("users.csv", &good))
        .await
        .unwrap();
    click(c, "Upload and import").await;
    wait_for_text(c, "3000 current portal users were imported").await;
    assert!(
        c.current_url().await.unwrap().as_str().ends_with("/admin"),
        "shown in place by the script"
    );
    let seen = c.execute("return window.seen;", vec![]).await.unwrap();
    let seen: Vec<String> = serde_json::from_value(seen).unwrap();
    assert!(
        seen.iter().any(|s| s.starts_with("Uploading"))
            && seen
                .contains(&"Uploaded. Checking every row and importing the accounts…".to_string()),
        "the status line followed the upload: {seen:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE status = 'imported'")
            .await,
        3_000
    );
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(an_administrator_imports_current_portal_users_with_progress_in_chromium);

/// Chromium with these extra command-line arguments (e.g. `--host-resolver-rules=…`, so that
/// sibling host names reach loopback servers).
pub(crate) async fn chrome_with_args(extra: &[&str]) -> Chrome {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is not installed: run `apt-get install -y chromium chromium-driver` (.ci/run does)");
    let profile = tempfile::tempdir().unwrap();
    let mut args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-background-networking".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": "/usr/bin/chromium", "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut last_error = None;
    for _ in 0..100 {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => {
                return Chrome {
                    driver,
                    client,
                    _profile: profile,
                };
            }
            Err(e) => last_error = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not start Chromium through chromedriver: {last_error:?}");
}
