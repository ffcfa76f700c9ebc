//! End to end in Debian's headless Chromium, driven by the guide's labels: registration by
//! the email factor, Terms of Use, home, Sign out, and back in with Login With Email. Each
//! journey runs in English and in Spanish (issue 17): the labels pressed are the messages of
//! the language (`Person`), and every Spanish page reached is checked for English.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use tessera::i18n::{Arg, Language, say_in};

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

/// Waits (up to 10 s) for the page with a field labelled `label`. A click navigates
/// asynchronously, and a lookup that meets the navigation is refused ("aborted by
/// navigation"): tried again, as a person would look again once the page is there.
pub(crate) async fn wait_for_field(c: &Client, label: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        match c.find(Locator::XPath(&field(label))).await {
            Ok(_) => return,
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no field labelled {label} appeared: {last}");
}

/// Chromium whose language is `lang`: it asks for Spanish the way a browser in Mexico does
/// (`Accept-Language`), so the portal picks the language itself, as for a person.
pub(crate) async fn chrome_in(lang: Language) -> Chrome {
    match lang {
        Language::English => chrome().await,
        Language::Spanish => {
            chrome_with_prefs(serde_json::json!({"intl": {"accept_languages": "es-MX,es"}})).await
        }
    }
}

/// A person at Chromium who reads the portal in `lang`: the labels they press and the texts
/// they wait for are the portal's messages in that language (the guide's words in English),
/// and every page they reach in Spanish is checked for English left in it.
pub(crate) struct Person<'a> {
    pub(crate) c: &'a Client,
    pub(crate) lang: Language,
    /// What the test itself put on the pages (names of people, organizations): data, not
    /// the portal's words, so not checked for English.
    data: Vec<String>,
}

impl<'a> Person<'a> {
    pub(crate) fn new(c: &'a Client, lang: Language) -> Self {
        Self {
            c,
            lang,
            data: Vec::new(),
        }
    }

    /// Names the test put on the pages, left out of the check for English.
    pub(crate) fn with_data(mut self, data: &[&str]) -> Self {
        self.data.extend(data.iter().map(|d| d.to_string()));
        self
    }

    /// The message `id` in the person's language, up to its first argument (the part that is
    /// the same for everyone): "We sent a verification code to" without the address.
    pub(crate) fn says(&self, id: &str) -> String {
        const MARK: &str = "\u{1}";
        let (_, names) = tessera::i18n::messages_of(self.lang)
            .into_iter()
            .find(|(message, _)| message == id)
            .unwrap_or_else(|| panic!("no message {id} in locales/{}", self.lang.as_str()));
        let args: Vec<(&str, Arg)> = names.iter().map(|n| (n.as_str(), MARK.into())).collect();
        let text = say_in(self.lang, id, &args);
        let before = text.split(MARK).next().unwrap_or_default();
        before.trim_end().to_string()
    }

    /// The message `id` in the person's language with these arguments.
    pub(crate) fn says_with(&self, id: &str, args: &[(&str, Arg)]) -> String {
        say_in(self.lang, id, args)
    }

    pub(crate) async fn click(&self, id: &str) {
        click(self.c, &self.says(id)).await;
    }

    pub(crate) async fn type_into(&self, id: &str, text: &str) {
        type_into(self.c, &self.says(id), text).await;
    }

    pub(crate) async fn clear_and_type(&self, id: &str, text: &str) {
        clear_and_type(self.c, &self.says(id), text).await;
    }

    /// The radio button or checkbox whose label reads the message `id`.
    pub(crate) async fn choose(&self, id: &str) {
        let label = self.says(id);
        self.c
            .find(Locator::XPath(&format!(
                "//label[normalize-space()='{label}']/input[@type='radio' or @type='checkbox']"
            )))
            .await
            .unwrap_or_else(|e| panic!("no choice {label}: {e}"))
            .click()
            .await
            .unwrap();
    }

    pub(crate) async fn follow(&self, id: &str) {
        follow(self.c, &self.says(id)).await;
    }

    /// Waits for the page that shows the message `id`, and checks its language.
    pub(crate) async fn sees(&self, id: &str) {
        self.sees_text(&self.says(id)).await;
    }

    /// Waits for the page that shows `text`, and checks its language.
    pub(crate) async fn sees_text(&self, text: &str) {
        wait_for_text(self.c, text).await;
        self.reads_its_language().await;
    }

    /// The page on screen is in the person's language: a Spanish page shows no English
    /// (`spanish::assert_all_spanish_html` on the document Chromium holds now).
    pub(crate) async fn reads_its_language(&self) {
        if let Some(problem) = self.not_in_its_language().await {
            panic!("{problem}");
        }
    }

    /// What on the page on screen is not in the person's language; None when it all is.
    pub(crate) async fn not_in_its_language(&self) -> Option<String> {
        let url = self.c.current_url().await.unwrap().to_string();
        let mut html = self.c.source().await.unwrap();
        for data in &self.data {
            html = html.replace(data.as_str(), "");
        }
        match self.lang {
            Language::Spanish => crate::spanish::english_in(&url, &html),
            Language::English => (!html.contains("<html lang=\"en\""))
                .then(|| format!("{url} is not marked English")),
        }
    }

    /// The value of the field whose label reads the message `id`.
    pub(crate) async fn value_of(&self, id: &str) -> Option<String> {
        self.c
            .find(Locator::XPath(&field(&self.says(id))))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
    }

    /// The code of the newest verification email to `email` (waiting for one if none came
    /// yet), which must be in the person's language: its subject is the language's.
    pub(crate) async fn latest_code(&self, app: &TestApp, email: &str) -> String {
        let subjects = [
            self.says("code-email-subject"),
            self.says("reset-code-subject"),
        ];
        for _ in 0..100 {
            let all = app.mail.messages_to(email).await;
            let newest = all
                .iter()
                .rev()
                .find(|m| subjects.iter().any(|s| m.subject.starts_with(s.as_str())));
            if let Some(mail) = newest {
                let code = mail.subject.rsplit(' ').next().unwrap_or_default();
                assert_eq!(code.len(), 6, "a code in {:?}", mail.subject);
                return code.to_string();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no verification code in {} came to {email}",
            self.lang.as_str()
        );
    }

    pub(crate) async fn wait_for_field(&self, id: &str) {
        wait_for_field(self.c, &self.says(id)).await;
    }
}

/// A journey run for English and for Spanish (each on both backends): `english` keeps the
/// English test's name, `spanish` is the same journey in Spanish.
macro_rules! in_english_and_spanish {
    ($journey:ident => $english:ident, $spanish:ident) => {
        async fn $english(backend: Backend) {
            $journey(backend, Language::English).await
        }
        async fn $spanish(backend: Backend) {
            $journey(backend, Language::Spanish).await
        }
        on_both_backends!($english, $spanish);
    };
}

async fn registers_and_signs_back_in_by_the_guide(backend: Backend, lang: Language) {
    let app = spawn_app(backend).await;
    let link = app.invite("grace@example.org", "Grace Hopper").await;
    let chrome = chrome_in(lang).await;
    let p = Person::new(&chrome.client, lang);
    let c = p.c;
    let password = "cobol nanosecond compiler";

    // "Click the link to begin the MFA registration process."
    c.goto(&link).await.unwrap();
    p.sees("register-title").await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/register")
    );
    assert_eq!(
        p.value_of("register-display-name").await.as_deref(),
        Some("Grace Hopper")
    );
    assert_eq!(
        p.value_of("register-email").await.as_deref(),
        Some("grace@example.org")
    );
    p.type_into("register-new-password", password).await;
    p.type_into("register-confirm-password", password).await;
    p.choose("register-method-email").await;
    p.click("register-submit").await;

    // "Enter your work email address and newly created password, then click Sign in."
    p.sees("notice-registered-email").await;
    p.clear_and_type("field-email-address", "grace@example.org")
        .await;
    p.type_into("field-password", password).await;
    p.click("sign-in-button").await;
    p.sees("verify-email-title").await;

    // "Click Send Verification Code … Enter the code … click verify code."
    p.click("verify-email-send").await;
    p.sees("verify-email-sent").await;
    let code = p.latest_code(&app, "grace@example.org").await;
    p.type_into("field-verification-code", &code).await;
    p.click("verify-code-button").await;
    p.sees("verified-email").await;
    p.click("button-continue").await;

    // "Check the box at the bottom to agree to Terms of Use, then click Continue."
    p.sees("terms-title").await;
    p.choose("terms-agree").await;
    p.click("button-continue").await;
    let welcome = p.says_with("home-welcome", &[("name", "Grace Hopper".into())]);
    p.sees_text(&welcome).await;

    // Sign out, then "Login With Email".
    p.click("sign-out-button").await;
    p.sees("login-customer-provider").await;
    p.click("login-with-email").await;
    p.sees("login-with-email").await;
    p.wait_for_field("field-password").await;
    p.type_into("field-email-address", "grace@example.org")
        .await;
    p.type_into("field-password", password).await;
    p.click("sign-in-button").await;
    p.sees("verify-email-title").await;
    assert_eq!(
        p.value_of("field-email-address").await.as_deref(),
        Some("grace@example.org")
    );
    p.click("verify-email-send").await;
    p.sees("verify-email-sent").await;
    let code = p.latest_code(&app, "grace@example.org").await;
    // Pasted, as from the email (WCAG 2.2 3.3.8): the field takes the whole code at once.
    p.type_into("field-verification-code", &code).await;
    p.click("verify-code-button").await;
    p.sees("verified-email").await;
    p.click("button-continue").await;
    p.sees_text(&welcome).await;
    chrome.client.clone().close().await.unwrap();
}

in_english_and_spanish!(registers_and_signs_back_in_by_the_guide =>
    a_person_registers_and_signs_back_in_by_the_guide_in_chromium,
    a_person_registers_and_signs_back_in_by_the_guide_in_chromium_in_spanish);

pub(crate) async fn clear_and_type(c: &Client, label: &str, text: &str) {
    let input = c.find(Locator::XPath(&field(label))).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn registers_by_text_and_signs_back_in_by_call_me(backend: Backend, lang: Language) {
    let app = spawn_app(backend).await;
    let link = app.invite("ada@example.org", "Ada Lovelace").await;
    let chrome = chrome_in(lang).await;
    let p = Person::new(&chrome.client, lang);
    let c = p.c;
    let password = "analytical engine notes";

    c.goto(&link).await.unwrap();
    p.sees("register-title").await;
    p.type_into("register-new-password", password).await;
    p.type_into("register-confirm-password", password).await;
    p.choose("register-method-phone").await;
    p.click("register-submit").await;
    p.sees("notice-registered-phone").await;
    p.clear_and_type("field-email-address", "ada@example.org")
        .await;
    p.type_into("field-password", password).await;
    p.click("sign-in-button").await;

    // "Enter your country code and phone number, then select Send Code or Call Me."
    p.sees("verify-phone-title").await;
    p.clear_and_type("field-country-code", "+1").await;
    p.type_into("field-phone-number", "(415) 555-0188").await;
    p.click("verify-phone-send-code").await;
    p.sees("verify-phone-sent").await;
    let sms = app.twilio().wait_for_message_to("+14155550188", 0).await;
    p.type_into(
        "field-verification-code",
        &crate::helpers::sms_code(&sms.body),
    )
    .await;
    p.click("verify-code-button").await;
    p.sees("terms-title").await;
    p.choose("terms-agree").await;
    p.click("button-continue").await;
    let welcome = p.says_with("home-welcome", &[("name", "Ada Lovelace".into())]);
    p.sees_text(&welcome).await;

    // Login With Phone, Call Me: the callee presses # and the page reaches home by itself.
    // Later than the resend cool-down, which holds per account across sign-ins.
    app.clock
        .advance(app.app.config.policy.code_resend_cooldown_secs);
    p.click("sign-out-button").await;
    p.sees("login-customer-provider").await;
    p.click("login-with-phone").await;
    p.wait_for_field("field-password").await;
    p.type_into("field-email-address", "ada@example.org").await;
    p.type_into("field-password", password).await;
    p.click("sign-in-button").await;
    p.sees_text("+1 (***) ***-0188").await;
    p.click("verify-phone-call-me").await;
    p.sees("call-waiting").await;
    let call = app.twilio().wait_for_call_to("+14155550188", 0).await;
    assert_eq!(app.twilio().press_key(&call, "#").await, 200);
    p.sees_text(&welcome).await;
    chrome.client.clone().close().await.unwrap();
}

in_english_and_spanish!(registers_by_text_and_signs_back_in_by_call_me =>
    a_person_registers_by_text_and_signs_back_in_by_call_me_in_chromium,
    a_person_registers_by_text_and_signs_back_in_by_call_me_in_chromium_in_spanish);

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
async fn forgot_your_password(backend: Backend, lang: Language) {
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
    let chrome = chrome_in(lang).await;
    let p = Person::new(&chrome.client, lang);
    let c = p.c;

    for (email, name, phone) in [
        ("liz@example.org", "Liz Bennet", None),
        ("tom@example.org", "Tom Sawyer", Some("+14155550190")),
    ] {
        c.goto(&format!("{}/login", app.url)).await.unwrap();
        p.click(if phone.is_some() {
            "login-with-phone"
        } else {
            "login-with-email"
        })
        .await;
        c.wait()
            .for_element(Locator::LinkText(&p.says("sign-in-forgot")))
            .await
            .unwrap();
        p.follow("sign-in-forgot").await;
        p.sees("forgot-intro").await;
        p.type_into("forgot-email", email).await;
        p.click("forgot-send-code").await;
        p.sees("forgot-code-sent").await;
        let code = p.latest_code(&app, email).await;
        p.type_into("forgot-code", &code).await;
        p.click("forgot-verify-code").await;
        p.sees("verified-email").await;
        p.click("button-continue").await;
        if let Some(number) = phone {
            // "Phone users will be prompted to select Send Code for an SMS text or Call Me."
            p.sees("verify-phone-title").await;
            p.click("verify-phone-call-me").await;
            p.sees("call-waiting").await;
            let calls = app
                .twilio()
                .calls()
                .into_iter()
                .filter(|call| call.to == number)
                .count();
            let call = app.twilio().wait_for_call_to(number, calls - 1).await;
            app.twilio().press_key(&call, "#").await;
        }
        p.sees("new-password-title").await;
        p.type_into("new-password-password", "brand new harbour light")
            .await;
        p.type_into("new-password-confirm", "brand new harbour light")
            .await;
        p.click("new-password-continue").await;
        p.sees_text(&p.says_with("home-welcome", &[("name", name.into())]))
            .await;
        p.click("sign-out-button").await;
        p.sees("login-customer-provider").await;
    }
    chrome.client.clone().close().await.unwrap();
}

in_english_and_spanish!(forgot_your_password =>
    forgot_your_password_in_chromium,
    forgot_your_password_in_chromium_in_spanish);

/// An organization administrator invites a person from the console, and the person registers.
async fn an_organization_administrator_invites(backend: Backend, lang: Language) {
    let app = spawn_app(backend).await;
    crate::admin::org_admin(&app, "Harbor Clinic", "boss@harbor.example.org").await;
    let chrome = chrome_in(lang).await;
    let p = Person::new(&chrome.client, lang).with_data(&["Admin of Harbor Clinic"]);
    let c = p.c;
    let password = "marmalade orbit kettle";

    c.goto(&format!("{}/login", app.url)).await.unwrap();
    p.click("login-with-email").await;
    p.wait_for_field("field-password").await;
    p.type_into("field-email-address", "boss@harbor.example.org")
        .await;
    p.type_into("field-password", password).await;
    p.click("sign-in-button").await;
    p.sees("verify-email-title").await;
    p.click("verify-email-send").await;
    p.sees("verify-email-sent").await;
    p.type_into(
        "field-verification-code",
        &p.latest_code(&app, "boss@harbor.example.org").await,
    )
    .await;
    p.click("verify-code-button").await;
    p.sees("verified-email").await;
    p.click("button-continue").await;
    p.sees_text(&p.says_with("home-welcome", &[("name", "Admin of Harbor Clinic".into())]))
        .await;
    p.follow("home-administration").await;
    p.sees("admin-invite-heading").await;
    p.type_into("admin-display-name", "Hal Harbor").await;
    p.type_into("admin-email", "hal@harbor.example.org").await;
    p.click("admin-send-invitation").await;
    p.sees("admin-done-invited").await;
    p.sees_text("hal@harbor.example.org").await;
    c.goto(&format!("{}/", app.url)).await.unwrap();
    p.click("sign-out-button").await;
    p.sees("login-customer-provider").await;

    let link = app
        .mail
        .message_to("hal@harbor.example.org", 0)
        .await
        .link();
    c.goto(&link).await.unwrap();
    p.sees("register-title").await;
    assert_eq!(
        p.value_of("register-display-name").await.as_deref(),
        Some("Hal Harbor")
    );
    p.type_into("register-new-password", "lantern quiet meadow")
        .await;
    p.type_into("register-confirm-password", "lantern quiet meadow")
        .await;
    p.choose("register-method-email").await;
    p.click("register-submit").await;
    p.sees("notice-registered-email").await;
    chrome.client.clone().close().await.unwrap();
}

in_english_and_spanish!(an_organization_administrator_invites =>
    an_organization_administrator_invites_in_chromium,
    an_organization_administrator_invites_in_chromium_in_spanish);

/// Login With Email up to the guide's confirmation ("Your email address has been verified.").
async fn sign_in_by_email(p: &Person<'_>, app: &TestApp, email: &str, password: &str) {
    p.c.goto(&format!("{}/login/email", app.url)).await.unwrap();
    p.type_into("field-email-address", email).await;
    p.type_into("field-password", password).await;
    p.click("sign-in-button").await;
    p.sees("verify-email-title").await;
    p.click("verify-email-send").await;
    p.sees("verify-email-sent").await;
    let code = p.latest_code(app, email).await;
    p.type_into("field-verification-code", &code).await;
    p.click("verify-code-button").await;
    p.sees("verified-email").await;
}

/// Issue 5: the console's CSV upload goes up in the background with a progress bar, and the
/// result shows in place (the address stays /admin: the script, not a page load, did it).
async fn an_administrator_uploads_a_csv_file_with_progress(backend: Backend, lang: Language) {
    let app = spawn_app(backend).await;
    crate::admin::org_admin(&app, "Bay Clinic", "boss@bay.example.org").await;
    let chrome = chrome_in(lang).await;
    let p = Person::new(&chrome.client, lang).with_data(&["Admin of Bay Clinic", "Upload Person"]);
    let c = p.c;
    sign_in_by_email(&p, &app, "boss@bay.example.org", "marmalade orbit kettle").await;

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
    p.sees("admin-bulk-heading").await;
    c.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    p.click("admin-upload-and-create").await;
    p.sees_text(&p.says_with("admin-bulk-done-message", &[("n", 20.into())]))
        .await;
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

in_english_and_spanish!(an_administrator_uploads_a_csv_file_with_progress =>
    an_administrator_uploads_a_csv_file_with_progress_in_chromium,
    an_administrator_uploads_a_csv_file_with_progress_in_chromium_in_spanish);

/// Current portal users through the administration page: the import file goes up in the
/// background, the status line says what is happening (the upload's progress, then the check
/// of every row), and the result shows in place; a bad file lists each bad line the same way.
async fn an_administrator_imports_current_portal_users_with_progress(
    backend: Backend,
    lang: Language,
) {
    let app = spawn_app(backend).await;
    crate::admin::system_admin(&app, "root@example.org").await;
    let chrome = chrome_in(lang).await;
    let p = Person::new(&chrome.client, lang).with_data(&["Legacy Person", "System Admin"]);
    let c = p.c;
    sign_in_by_email(&p, &app, "root@example.org", "marmalade orbit kettle").await;

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
    p.sees("admin-import-heading").await;
    c.execute(watch, vec![]).await.unwrap();
    c.find(Locator::Id("import-file"))
        .await
        .unwrap()
        .send_keys(&upload("bad.csv", &bad))
        .await
        .unwrap();
    p.click("admin-upload-and-import").await;
    p.sees("admin-import-failed").await;
    p.sees_text(&p.says_with(
        "import-problem-on-line",
        &[("line", 3.into()), ("problem", "email:".into())],
    ))
    .await;
    p.sees_text(
        &p.says_with(
            "import-problem-on-line",
            &[
                ("line", 4.into()),
                (
                    "problem",
                    format!(
                        "email: {}",
                        p.says_with(
                            "import-problem-email-exists",
                            &[("email", "root@example.org".into())],
                        )
                    )
                    .into(),
                ),
            ],
        ),
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE status = 'imported'")
            .await,
        0
    );

    c.goto(&format!("{}/admin", app.url)).await.unwrap();
    p.sees("admin-import-heading").await;
    c.execute(watch, vec![]).await.unwrap();
    c.find(Locator::Id("import-file"))
        .await
        .unwrap()
        .send_keys(&upload("users.csv", &good))
        .await
        .unwrap();
    p.click("admin-upload-and-import").await;
    p.sees_text(&p.says_with("admin-import-done-message", &[("n", 3000.into())]))
        .await;
    assert!(
        c.current_url().await.unwrap().as_str().ends_with("/admin"),
        "shown in place by the script"
    );
    let seen = c.execute("return window.seen;", vec![]).await.unwrap();
    let seen: Vec<String> = serde_json::from_value(seen).unwrap();
    let uploading = p.says("admin-upload-sending");
    assert!(
        seen.iter().any(|s| s.starts_with(&uploading))
            && seen.contains(&p.says("admin-import-progress")),
        "the status line followed the upload: {seen:?}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE status = 'imported'")
            .await,
        3_000
    );
    chrome.client.clone().close().await.unwrap();
}

in_english_and_spanish!(an_administrator_imports_current_portal_users_with_progress =>
    an_administrator_imports_current_portal_users_with_progress_in_chromium,
    an_administrator_imports_current_portal_users_with_progress_in_chromium_in_spanish);

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
