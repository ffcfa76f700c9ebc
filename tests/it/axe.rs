//! Accessibility in Debian's headless Chromium (issue 17): axe-core, the npm package at the
//! version of `tests/axe/package-lock.json` (`npm ci --prefix tests/axe`, which `scripts/test`
//! runs), on every page and state a visitor, a person and an administrator reach, at 1280 and
//! 320 CSS px, with zero violations and no sideways scrolling of the page; then what a person
//! checks of each fixed problem (the console's tables, its row actions, the focus ring, the
//! controls' font and size, the headings at 320 px). The walk and the style checks run on
//! SQLite only (the pages are the same on PostgreSQL, which the journeys of `browser.rs` walk);
//! the row actions, which change accounts, run on both backends.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::Value;

use tessera::i18n::Language;

use crate::browser::{Person, chrome, chrome_in, click, wait_for_text};
use crate::helpers::{Backend, Browser, Options, TestApp, spawn_app, spawn_app_with};

const PASSWORD: &str = "marmalade orbit kettle";

/// The rules run: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
const RUN: &str =
    "{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}";

/// The violations accepted, each with its reason: (path of the page, rule id, why). Any other
/// violation fails the walk. None today.
const KNOWN: &[(&str, &str, &str)] = &[];

/// The widths every page is checked at: a desktop, and the narrowest phone WCAG 1.4.10 asks for.
const WIDTHS: [(u32, u32); 2] = [(1280, 900), (320, 720)];

fn axe_source() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/axe/node_modules/axe-core/axe.min.js"
    );
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{path}: {e}; install axe-core with `npm ci --prefix tests/axe` (scripts/test does)")
    })
}

/// The browser's viewport set to `width` × `height` CSS px (the window's frame, if any, added).
pub(crate) async fn resize(c: &Client, width: u32, height: u32) {
    c.set_window_size(width, height).await.unwrap();
    let inner = c
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap() as u32;
    if inner != width {
        c.set_window_size(width + (width - inner.min(width)), height)
            .await
            .unwrap();
    }
    let inner = c
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap() as u32;
    assert_eq!(
        inner, width,
        "Chromium's viewport would not be {width} px wide"
    );
}

/// Chromium takes over the session of the HTTP `browser`: its cookies, on the app's origin.
pub(crate) async fn take_over(c: &Client, app: &TestApp, browser: &Browser) {
    use reqwest::cookie::CookieStore;
    c.goto(&format!("{}/help", app.url)).await.unwrap();
    c.delete_all_cookies().await.unwrap();
    let url: reqwest::Url = app.url.parse().unwrap();
    let header = browser
        .jar
        .cookies(&url)
        .expect("the browser holds cookies");
    for pair in header.to_str().unwrap().split("; ") {
        let (name, value) = pair.split_once('=').unwrap();
        let mut cookie = fantoccini::cookies::Cookie::new(name.to_string(), value.to_string());
        cookie.set_path("/");
        cookie.set_domain(url.host_str().unwrap().to_string());
        // Not fantoccini's default of None, which Chromium refuses without Secure.
        cookie.set_same_site(axum_extra::extract::cookie::SameSite::Lax);
        c.add_cookie(cookie).await.unwrap();
    }
}

/// Waits (up to 10 s) for an error message on the page (`.error`, or `role="alert"`).
async fn wait_for_error(c: &Client) {
    for _ in 0..100 {
        if c.find(Locator::Css(".error, [role=alert]")).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no error shown at {}", c.current_url().await.unwrap());
}

/// The textarea whose <label> reads `label`.
fn text_area(label: &str) -> String {
    format!("//textarea[@id=//label[normalize-space()='{label}']/@for]")
}

/// The outermost elements that reach past the window's right edge (what makes a page scroll
/// sideways).
const WIDEST: &str = "return Array.from(document.body.querySelectorAll('*')).filter(function (e) { \
    var edge = window.innerWidth + 1; \
    return e.getBoundingClientRect().right > edge && e.parentElement.getBoundingClientRect().right <= edge; \
  }).slice(0, 5).map(function (e) { return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().right) + ' px'; });";

/// Every page checked, and what was wrong with them.
struct Walk<'a> {
    c: &'a Client,
    /// Who reads the pages: each is checked to be in their language.
    person: &'a Person<'a>,
    axe: String,
    checked: Vec<String>,
    problems: Vec<String>,
}

impl<'a> Walk<'a> {
    fn new(person: &'a Person<'a>) -> Self {
        Self {
            c: person.c,
            person,
            axe: axe_source(),
            checked: Vec::new(),
            problems: Vec::new(),
        }
    }

    async fn visit(&mut self, app: &TestApp, path: &str) {
        self.c.goto(&format!("{}{path}", app.url)).await.unwrap();
        self.check(path).await;
    }

    /// The page on screen, at each width: axe-core's violations, and sideways scrolling.
    async fn check(&mut self, label: &str) {
        let c = self.c;
        let path = c.current_url().await.unwrap().path().to_string();
        if let Some(problem) = self.person.not_in_its_language().await {
            self.problems.push(format!("{label} ({path}): {problem}"));
        }
        for (width, height) in WIDTHS {
            resize(c, width, height).await;
            let sizes = c
                .execute(
                    "return [document.documentElement.scrollWidth, window.innerWidth];",
                    vec![],
                )
                .await
                .unwrap();
            let (scroll, inner) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
            if scroll > inner {
                let wide = js(c, WIDEST).await;
                self.problems.push(format!(
                    "{label} ({path}) at {width} px: the page is {scroll} px wide and scrolls sideways: {wide}"
                ));
            }
            for v in run_axe(c, &self.axe).await {
                let id = v["id"].as_str().unwrap_or("?");
                if KNOWN.iter().any(|(p, rule, _)| *p == path && *rule == id) {
                    continue;
                }
                let targets: Vec<String> = v["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|n| format!("{} {}", n["target"], n["summary"].as_str().unwrap_or("")))
                    .collect();
                self.problems.push(format!(
                    "{label} ({path}) at {width} px: {id} ({}): {}\n      {}",
                    v["impact"].as_str().unwrap_or(""),
                    v["help"].as_str().unwrap_or(""),
                    targets.join("\n      ")
                ));
            }
        }
        resize(c, WIDTHS[0].0, WIDTHS[0].1).await;
        self.checked.push(format!("{label} ({path})"));
    }

    fn assert_clean(&self) {
        assert!(
            self.problems.is_empty(),
            "{} problems on the {} pages checked:\n  {}",
            self.problems.len(),
            self.checked.len(),
            self.problems.join("\n  ")
        );
    }
}

/// axe-core's violations on the page on screen (id, impact, help, nodes' targets).
async fn run_axe(c: &Client, source: &str) -> Vec<Value> {
    let loaded = c
        .execute("return typeof window.axe !== 'undefined';", vec![])
        .await
        .unwrap();
    if loaded != Value::Bool(true) {
        c.execute(source, vec![]).await.unwrap();
    }
    let script = format!(
        "const done = arguments[arguments.length - 1];
         axe.run(document, {RUN}).then(function (r) {{
           done(r.violations.map(function (v) {{
             return {{id: v.id, impact: v.impact, help: v.help,
                      nodes: v.nodes.map(function (n) {{ return {{target: n.target, summary: n.failureSummary}}; }})}};
           }}));
         }}, function (e) {{ done([{{id: 'axe-error', help: String(e), nodes: []}}]); }});"
    );
    let found = c.execute_async(&script, vec![]).await.unwrap();
    found.as_array().cloned().unwrap_or_default()
}

/// Every page and state, at 1280 and 320 px: axe-core finds nothing, and no page scrolls
/// sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_core_and_fits_at_1280_and_320_px_in_chromium() {
    walk_every_page(Language::English).await;
}

/// The same walk in Spanish, whose words are longer (320 px is where they would not fit), and
/// every page of it in Spanish (`spanish::english_in`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_core_and_fits_at_1280_and_320_px_in_chromium_in_spanish() {
    walk_every_page(Language::Spanish).await;
}

/// Names the walk puts on pages: data, not the portal's words.
const WALK_DATA: &[&str] = &[
    "Admin of Harbor Clinic",
    "System Admin",
    "Mail Refused",
    "Ann Example",
    "Ann Again",
    "Pat Phone",
    "Tia Terms",
    "Ivy Invited",
    "Uma Used",
    "Rex Register",
    "Otto Outbox",
    "Harbor Records",
    "Harbor Wiki",
    // The Terms of Use an administrator published, shown as they wrote them.
    "Terms of Use",
    "Version two.",
];

async fn walk_every_page(lang: Language) {
    let started = std::time::Instant::now();
    let app = spawn_app_with(
        Backend::Sqlite,
        Options {
            configure: |c| c.mail_max_attempts = 2,
            ..Options::default()
        },
    )
    .await;
    let root = crate::admin::system_admin(&app, "root@example.org").await;
    crate::admin::org_admin(&app, "Harbor Clinic", "boss@harbor.example.org").await;
    let ann = app
        .active_user("ann@example.org", "Ann Example", PASSWORD)
        .await;
    app.active_phone_user("pat@example.org", "Pat Phone", PASSWORD, "415 555 0177")
        .await;
    let tia = app
        .active_user("tia@example.org", "Tia Terms", PASSWORD)
        .await;
    app.invite("ivy@example.org", "Ivy Invited").await;
    let used = app.invite("uma@example.org", "Uma Used").await;
    let uma = app.new_browser();
    uma.get_absolute(&used).await;
    uma.register("Uma Used", PASSWORD, PASSWORD, "email").await;
    // The mail queue: a dead letter (two attempts refused) and one waiting for its retry.
    for to in ["dora@example.org", "wes@example.org"] {
        app.mail.refuse(to);
        let request = tessera::flows::invitation::InvitationRequest {
            email: to.into(),
            display_name: "Mail Refused".into(),
            organization: None,
            role: tessera::domain::account::Role::User,
        };
        // Queued from a page in the walk's language, so the letter is in it too.
        tessera::i18n::speaking(
            lang,
            tessera::flows::invitation::invite(&app.app, request, "test"),
        )
        .await
        .unwrap();
        app.wait_for_count(
            &format!(
                "SELECT COUNT(*) FROM mail_queue WHERE recipient = '{to}' AND attempts >= 1 AND lease_until IS NULL"
            ),
            1,
        )
        .await;
        if to.starts_with("dora") {
            app.clock.advance(app.app.config.mail_retry_first_secs);
            tessera::flows::mail_queue::deliver_due(&app.app)
                .await
                .unwrap();
        }
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM mail_queue WHERE dead_at IS NOT NULL")
            .await,
        1
    );
    let chrome = chrome_in(lang).await;
    // The terms an administrator edits are the stored text (the portal's first, in English).
    let stored_terms = tessera::i18n::say_in(Language::English, "terms-default-body", &[]);
    let p = Person::new(&chrome.client, lang)
        .with_data(WALK_DATA)
        .with_data(&[&stored_terms]);
    let c = p.c;
    let mut walk = Walk::new(&p);

    // A visitor.
    for path in [
        "/login",
        "/login/email",
        "/login/phone",
        "/register/first-login",
        "/password/forgot",
        "/register/reset",
        "/register/trouble",
        "/help",
        "/register/not-a-link",
    ] {
        walk.visit(&app, path).await;
    }
    c.goto(&used).await.unwrap();
    walk.check("a registration link used already").await;
    c.goto(&format!("{}/login/email", app.url)).await.unwrap();
    p.type_into("field-email-address", "ann@example.org").await;
    p.type_into("field-password", "not the password at all")
        .await;
    p.click("sign-in-button").await;
    wait_for_error(c).await;
    walk.check("Login With Email, a wrong password").await;
    c.goto(&format!("{}/password/forgot", app.url))
        .await
        .unwrap();
    p.type_into("forgot-email", "ann@example.org").await;
    p.click("forgot-send-code").await;
    p.sees("forgot-code-sent").await;
    walk.check("Forgot your password, the code page").await;
    p.type_into("forgot-code", "000000").await;
    p.click("forgot-verify-code").await;
    wait_for_error(c).await;
    walk.check("Forgot your password, a wrong code").await;

    // A registration link, and its errors.
    let link = app.invite("rex@example.org", "Rex Register").await;
    c.delete_all_cookies().await.unwrap();
    c.goto(&link).await.unwrap();
    p.sees("register-title").await;
    walk.check("a registration link").await;
    p.type_into("register-new-password", PASSWORD).await;
    p.type_into("register-confirm-password", "a different password entirely")
        .await;
    p.click("register-submit").await;
    wait_for_error(c).await;
    walk.check("Create a New Account, passwords that differ")
        .await;

    // A person half signed in: the verify pages (Ann holds recovery codes: "other ways" shows).
    ann.post("/account/recovery-codes", &[]).await;
    let half = app.new_browser();
    half.sign_in("ann@example.org", PASSWORD).await;
    take_over(c, &app, &half).await;
    walk.visit(&app, "/verify/email").await;
    p.click("verify-email-send").await;
    p.sees("verify-email-sent").await;
    walk.check("Email Verification, code sent").await;
    p.type_into("field-verification-code", "000000").await;
    p.click("verify-code-button").await;
    wait_for_error(c).await;
    walk.check("Email Verification, a wrong code").await;
    walk.visit(&app, "/verify/recovery-code").await;
    walk.visit(&app, "/verify/email").await;
    p.click("verify-email-send").await;
    p.sees("verify-email-sent").await;
    let code = p.latest_code(&app, "ann@example.org").await;
    p.type_into("field-verification-code", &code).await;
    p.click("verify-code-button").await;
    p.sees("verified-email").await;
    walk.check("Email Verification, verified").await;
    let phone = app.new_browser();
    phone
        .post(
            "/login",
            &[
                ("email", "pat@example.org"),
                ("password", PASSWORD),
                ("method", "phone"),
            ],
        )
        .await;
    take_over(c, &app, &phone).await;
    walk.visit(&app, "/verify/phone").await;
    p.click("verify-phone-call-me").await;
    p.sees("call-waiting").await;
    walk.check("Call Me, the call under way").await;

    // A person signed in: home, Your account, sessions (two of them), Terms of Use.
    app.new_browser().sign_in("ann@example.org", PASSWORD).await;
    take_over(c, &app, &ann).await;
    for path in ["/", "/account", "/account/app", "/sessions"] {
        walk.visit(&app, path).await;
    }
    // Change password: "Confirm it is you" first.
    walk.visit(&app, "/account/password").await;
    p.sees("verify-again-title").await;
    // Later than the resend cool-down, which holds per account (Ann had a code above).
    app.clock
        .advance(app.app.config.policy.code_resend_cooldown_secs);
    p.click("verify-again-send-verification-code").await;
    p.sees("verify-again-sent").await;
    walk.check("Confirm it is you, code sent").await;
    let code = p.latest_code(&app, "ann@example.org").await;
    p.type_into("verify-again-code", &code).await;
    p.click("verify-again-verify-code").await;
    p.sees("change-password-title").await;
    walk.check("Change password").await;

    // The administration console, with a company provider registered (stored directly: its
    // discovery is not what this walk checks) for its row and its edit page.
    let provider = app
        .stored_provider("Contoso", "https://login.contoso.example", "corp.example")
        .await;
    take_over(c, &app, &root).await;
    let provider_page = format!("/admin/providers/{provider}");
    for path in [
        "/admin",
        "/admin/audit",
        "/admin/audit?event=signed-in",
        "/admin/mail",
        "/admin/providers",
        provider_page.as_str(),
        "/admin/terms",
        "/admin/apps",
        "/admin/rollout",
    ] {
        walk.visit(&app, path).await;
    }
    c.goto(&format!("{}/admin/mail", app.url)).await.unwrap();
    c.find(Locator::XPath(&format!(
        "//button[normalize-space()='{}']",
        p.says("mail-retry")
    )))
    .await
    .expect("the mail queue showed its dead letter");
    // The invitation form with an error: the address is someone's already.
    c.goto(&format!("{}/admin", app.url)).await.unwrap();
    p.type_into("admin-display-name", "Ann Again").await;
    p.type_into("admin-email", "ann@example.org").await;
    p.click("admin-send-invitation").await;
    wait_for_error(c).await;
    walk.check("an invitation with an error").await;
    // A row's destructive action: its confirmation, then its outcome.
    c.goto(&format!("{}/admin?q=ann", app.url)).await.unwrap();
    let ann_is = "Ann Example (ann@example.org)";
    let for_ann = p.says_with(
        "admin-for-whom",
        &[
            ("name", "Ann Example".into()),
            ("email", "ann@example.org".into()),
        ],
    );
    click(c, &format!("{} {for_ann}", p.says("admin-lock"))).await;
    p.sees_text(&p.says_with("admin-confirm-lock", &[("name", "Ann Example".into())]))
        .await;
    walk.check("the confirmation of Lock").await;
    p.click("admin-confirm").await;
    p.sees_text(&p.says_with(
        "admin-done-updated",
        &[("who", ann_is.into()), ("state", "locked".into())],
    ))
    .await;
    walk.check("the console after Lock").await;
    // An application registered: its secret, its page, and the list.
    c.goto(&format!("{}/admin/clients", app.url)).await.unwrap();
    walk.check("Applications, none yet").await;
    p.type_into("clients-name", "Harbor Records").await;
    c.find(Locator::XPath(&text_area(&p.says("clients-redirect-uris"))))
        .await
        .unwrap()
        .send_keys("https://records.example.org/callback")
        .await
        .unwrap();
    p.click("clients-register").await;
    p.sees("client-secret-copy-now").await;
    walk.check("a new application's secret").await;
    p.follow("client-secret-go").await;
    p.sees("client-rotate-secret").await;
    walk.check("an application's page").await;
    walk.visit(&app, "/admin/clients").await;
    c.goto(&format!("{}/admin/apps", app.url)).await.unwrap();
    p.type_into("clients-name", "Harbor Wiki").await;
    p.type_into("apps-url", "https://wiki.example.org").await;
    p.click("clients-register").await;
    p.sees_text("Harbor Wiki").await;
    walk.check("Protected applications, one registered").await;

    // An organization administrator's console.
    let boss = app.new_browser();
    boss.sign_in("boss@harbor.example.org", PASSWORD).await;
    boss.post("/verify/email/send", &[]).await;
    let code = app.latest_code("boss@harbor.example.org").await;
    boss.post("/verify/email/check", &[("code", &code)]).await;
    take_over(c, &app, &boss).await;
    walk.visit(&app, "/admin").await;
    walk.visit(&app, "/admin/audit").await;
    walk.visit(&app, "/admin/rollout").await;

    // The development outbox, where mail goes when no SMTP server is configured.
    let dev = spawn_app_with(
        Backend::Sqlite,
        Options {
            smtp: false,
            ..Options::default()
        },
    )
    .await;
    tessera::i18n::speaking(
        lang,
        dev.invite_to_outbox("otto@example.org", "Otto Outbox"),
    )
    .await;
    walk.visit(&dev, "/dev/outbox").await;
    assert!(walk.checked.last().unwrap().ends_with("(/dev/outbox)"));

    // New Terms of Use, shown to the person at their next page.
    app.publish_new_terms().await;
    take_over(c, &app, &tia).await;
    walk.visit(&app, "/terms").await;
    assert!(
        c.current_url().await.unwrap().path().ends_with("/terms"),
        "the Terms of Use were shown"
    );

    println!(
        "checked in {:.0?} ({}):\n  {}",
        started.elapsed(),
        lang.as_str(),
        walk.checked.join("\n  ")
    );
    walk.assert_clean();
    assert!(walk.checked.len() >= 45, "{:?}", walk.checked);
    chrome.client.clone().close().await.unwrap();
}

/// `script`'s answer (a JSON value) on the page on screen.
async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

/// How wide the page is, and how wide the window.
async fn page_width(c: &Client) -> (u64, u64) {
    let sizes = js(
        c,
        "return [document.documentElement.scrollWidth, window.innerWidth];",
    )
    .await;
    (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap())
}

/// Problem 6: the audit log's long JSON detail wraps at 1280 px, and the console's tables fit
/// the page at 390 and 320 px: each scrolls sideways in its own box, named by its visible
/// heading and reachable by keyboard, while the page itself does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_and_the_console_tables_fit_at_1280_390_and_320_px_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let root = crate::admin::system_admin(&app, "root@example.org").await;
    // An entry whose detail is one long word of JSON, as a user agent or a URI list makes.
    let long = tessera::audit::AuditEvent::new("organization-created", "test", "Long Clinic")
        .with("note", "x".repeat(400));
    app.app
        .store
        .create_org("Long Clinic", app.clock_now(), long)
        .await
        .unwrap();
    app.active_user("ann@example.org", "Ann Example", PASSWORD)
        .await;
    app.invite("ivy@example.org", "Ivy Invited").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    take_over(c, &app, &root).await;

    resize(c, 1280, 900).await;
    c.goto(&format!("{}/admin/audit", app.url)).await.unwrap();
    wait_for_text(c, "Long Clinic").await;
    let (scroll, inner) = page_width(c).await;
    assert!(
        scroll <= inner,
        "the audit log is {scroll} px wide at {inner}"
    );
    let table = js(
        c,
        "var r = document.querySelector('table.audit').closest('.table-scroll'); \
         var code = Array.from(document.querySelectorAll('td.detail code')).find(function (e) { return e.textContent.indexOf('xxxx') >= 0; }); \
         return [r.scrollWidth, r.clientWidth, code.getBoundingClientRect().height, parseFloat(getComputedStyle(code).lineHeight) || 20];",
    )
    .await;
    assert!(
        table[0].as_f64().unwrap() <= table[1].as_f64().unwrap(),
        "the audit table scrolls at 1280 px: {table}"
    );
    assert!(
        table[2].as_f64().unwrap() > 2.0 * table[3].as_f64().unwrap(),
        "the long detail wraps over several lines: {table}"
    );

    // At 1280 px no table needs its own scroll bar either.
    for path in [
        "/admin",
        "/admin/apps",
        "/admin/clients",
        "/admin/providers",
    ] {
        c.goto(&format!("{}{path}", app.url)).await.unwrap();
        let scrolling = js(
            c,
            "return Array.from(document.querySelectorAll('.table-scroll')).filter(function (r) { return r.scrollWidth > r.clientWidth; }).map(function (r) { return [r.getAttribute('aria-label') || r.getAttribute('aria-labelledby'), r.scrollWidth, r.clientWidth]; });",
        )
        .await;
        assert_eq!(scrolling, Value::Array(vec![]), "{path} at 1280 px");
    }

    for width in [390, 320] {
        resize(c, width, 800).await;
        for (path, heading) in [
            ("/admin", "Accounts ("),
            ("/admin/audit", "Entries"),
            ("/admin/apps", "Registered applications"),
            ("/admin/clients", "Registered applications"),
            ("/admin/providers", "Registered providers"),
        ] {
            c.goto(&format!("{}{path}", app.url)).await.unwrap();
            let (scroll, inner) = page_width(c).await;
            assert!(
                scroll <= inner,
                "{path} is {scroll} px wide at {inner} px: {}",
                js(c, WIDEST).await
            );
            let region = js(
                c,
                "return Array.from(document.querySelectorAll('.table-scroll')).map(function (r) { \
                   var by = r.getAttribute('aria-labelledby'); \
                   var name = by ? document.getElementById(by).textContent.trim() : r.getAttribute('aria-label'); \
                   var heading = r.closest('section').querySelector('h2'); \
                   var box = heading.getBoundingClientRect(); \
                   return {role: r.getAttribute('role'), tabindex: r.tabIndex, name: name, heading: heading.textContent.trim(), \
                           labelShown: box.width > 0 && box.right <= window.innerWidth, \
                           right: r.getBoundingClientRect().right, overflow: getComputedStyle(r).overflowX}; });",
            )
            .await;
            let regions = region.as_array().unwrap();
            assert!(
                regions
                    .iter()
                    .any(|r| r["heading"].as_str().unwrap().starts_with(heading)),
                "{path}: no table box named {heading:?}: {region}"
            );
            for r in regions {
                assert_eq!(r["role"], "region", "{path}: {r}");
                assert_eq!(r["tabindex"], 0, "{path}: reachable by keyboard: {r}");
                assert_eq!(r["labelShown"], true, "{path}: its heading is visible: {r}");
                let (name, shown) = (r["name"].as_str().unwrap(), r["heading"].as_str().unwrap());
                assert!(
                    name.to_lowercase().contains(&shown.to_lowercase()),
                    "{path}: the box is named after the heading shown above it: {r}"
                );
                assert_eq!(r["overflow"], "auto", "{path}: {r}");
                assert!(
                    r["right"].as_f64().unwrap() <= f64::from(width),
                    "{path}: the box fits: {r}"
                );
            }
        }
    }
    chrome.client.clone().close().await.unwrap();
}

/// The buttons of the console's row about `email`: their text (with what only screen readers
/// read), aria-label, and size.
async fn row_buttons(c: &Client, email: &str) -> Vec<Value> {
    c.execute(
        "var email = arguments[0]; \
         var row = Array.from(document.querySelectorAll('table.accounts tbody tr')).find(function (tr) { return tr.cells[1] && tr.cells[1].textContent.trim() === email; }); \
         return Array.from(row.querySelectorAll('button')).map(function (b) { var r = b.getBoundingClientRect(); \
           return {text: b.textContent.replace(/\\s+/g, ' ').trim(), label: b.getAttribute('aria-label'), width: r.width, height: r.height}; });",
        vec![Value::from(email)],
    )
    .await
    .unwrap()
    .as_array()
    .cloned()
    .unwrap()
}

async fn locked_and_disabled(app: &TestApp, email: &str) -> (i64, i64) {
    (
        app.count(&format!(
            "SELECT CASE WHEN locked_at IS NULL THEN 0 ELSE 1 END FROM accounts WHERE email = '{email}'"
        ))
        .await,
        app.count(&format!(
            "SELECT CASE WHEN disabled_at IS NULL THEN 0 ELSE 1 END FROM accounts WHERE email = '{email}'"
        ))
        .await,
    )
}

/// Problem 7: every row action names its person and is at least 24 × 24 px (WCAG 2.5.8);
/// Lock, Disable, Reset MFA and Revoke invitation ask again on a page naming the person, and
/// Cancel changes nothing (the account and the audit log as they were); the outcome names
/// the person. Asking is scoped as acting is: another organization's account is missing.
async fn row_actions_name_the_person_are_24_px_and_destructive_ones_are_confirmed_in_chromium(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let root = crate::admin::system_admin(&app, "root@example.org").await;
    app.active_user("alice@example.org", "Alice Example", PASSWORD)
        .await;
    app.invite("ivy@example.org", "Ivy Invited").await;
    let alice = app
        .count("SELECT id FROM accounts WHERE email = 'alice@example.org'")
        .await;
    let boss = crate::admin::org_admin(&app, "Harbor Clinic", "boss@harbor.example.org").await;
    let entries = app.count("SELECT COUNT(*) FROM audit_log").await;
    for action in ["confirm-lock", "confirm-disable", "confirm-reset-mfa"] {
        let outside = boss
            .post(&format!("/admin/users/{alice}/{action}"), &[])
            .await;
        let missing = boss
            .post(&format!("/admin/users/999999/{action}"), &[])
            .await;
        assert_eq!(outside.status, 404, "{action}: {outside}");
        assert_eq!(outside.body_without_csrf(), missing.body_without_csrf());
        assert!(outside.lacks("Alice Example"));
    }
    let not_asked = root
        .post(&format!("/admin/users/{alice}/confirm-enable"), &[])
        .await;
    assert_eq!(
        not_asked.status, 404,
        "only destructive actions are asked again"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, entries);
    let chrome = chrome().await;
    let c = &chrome.client;
    take_over(c, &app, &root).await;
    resize(c, 1280, 900).await;

    c.goto(&format!("{}/admin", app.url)).await.unwrap();
    for (email, name) in [
        ("alice@example.org", "Alice Example"),
        ("ivy@example.org", "Ivy Invited"),
    ] {
        let buttons = row_buttons(c, email).await;
        assert!(buttons.len() >= 3, "{buttons:?}");
        for b in &buttons {
            let text = b["text"].as_str().unwrap();
            assert!(
                text.ends_with(&format!(" for {name} ({email})")) && b["label"].is_null(),
                "the button's name says whom it acts on: {b}"
            );
            assert!(
                b["width"].as_f64().unwrap() >= 24.0 && b["height"].as_f64().unwrap() >= 24.0,
                "at least 24 × 24 px: {b}"
            );
        }
    }
    // What screen readers read is the text: the person is in it, shown to them only.
    let hidden = js(
        c,
        "var s = document.querySelector('table.accounts button .visually-hidden'); var r = s.getBoundingClientRect(); return [r.width, r.height];",
    )
    .await;
    assert!(hidden[0].as_f64().unwrap() <= 1.0, "{hidden}");

    let audit = "SELECT COUNT(*) FROM audit_log";
    for (button, question, done) in [
        (
            "Lock for Alice Example (alice@example.org)",
            "Lock the account of Alice Example?",
            "The account was updated: Alice Example (alice@example.org) is locked.",
        ),
        (
            "Disable for Alice Example (alice@example.org)",
            "Disable the account of Alice Example?",
            "The account was updated: Alice Example (alice@example.org) is disabled.",
        ),
        (
            "Reset MFA for Alice Example (alice@example.org)",
            "Reset the MFA of Alice Example?",
            "MFA was reset for Alice Example (alice@example.org)",
        ),
    ] {
        let (entries, state) = (
            app.count(audit).await,
            locked_and_disabled(&app, "alice@example.org").await,
        );
        c.goto(&format!("{}/admin", app.url)).await.unwrap();
        click(c, button).await;
        wait_for_text(c, question).await;
        wait_for_text(c, "alice@example.org").await;
        assert_eq!(app.count(audit).await, entries, "asking changed nothing");
        assert_eq!(locked_and_disabled(&app, "alice@example.org").await, state);
        c.find(Locator::LinkText("Cancel"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for_text(c, "Invite a person").await;
        assert_eq!(app.count(audit).await, entries, "Cancel changed nothing");
        assert_eq!(locked_and_disabled(&app, "alice@example.org").await, state);
        click(c, button).await;
        wait_for_text(c, question).await;
        click(c, "Confirm").await;
        wait_for_text(c, done).await;
        assert!(app.count(audit).await > entries, "Confirm acted");
        let notice = c
            .find(Locator::Css("p.notice[role=status]"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(notice.starts_with(done), "{notice}");
    }
    assert_eq!(locked_and_disabled(&app, "alice@example.org").await, (1, 1));

    // Unlock is not destructive: one click, and the outcome names the person.
    click(c, "Unlock for Alice Example (alice@example.org)").await;
    wait_for_text(
        c,
        "The account was updated: Alice Example (alice@example.org) is unlocked.",
    )
    .await;
    // Revoking an invitation asks again too.
    click(c, "Revoke invitation for Ivy Invited (ivy@example.org)").await;
    wait_for_text(c, "Revoke the invitation of Ivy Invited?").await;
    click(c, "Confirm").await;
    wait_for_text(c, "The invitation was revoked").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE email = 'ivy@example.org'")
            .await,
        0
    );
    chrome.client.clone().close().await.unwrap();
}

crate::on_both_backends!(
    row_actions_name_the_person_are_24_px_and_destructive_ones_are_confirmed_in_chromium
);

/// The contrast ratio of two colours given as CSS `rgb(…)` / `rgba(…)` (WCAG 2's formula).
fn contrast(a: &str, b: &str) -> f64 {
    fn luminance(css: &str) -> f64 {
        let inside = css
            .split_once('(')
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(inside, _)| inside)
            .unwrap_or_else(|| panic!("not an rgb colour: {css}"));
        let channels: Vec<f64> = inside
            .split(',')
            .take(3)
            .map(|c| c.trim().parse::<f64>().unwrap() / 255.0)
            .map(|c| {
                if c <= 0.04045 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            })
            .collect();
        0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    }
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// Problem 10's styles: the focus ring 3:1 against white and the page's background; buttons
/// and fields in the text's font; radio buttons and checkboxes 24 px; headings that wrap
/// within a 320 px screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn focus_ring_fonts_choices_and_headings_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let root = crate::admin::system_admin(&app, "root@example.org").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    resize(c, 1280, 900).await;

    c.goto(&format!("{}/login/email", app.url)).await.unwrap();
    let page = js(c, "return getComputedStyle(document.body).backgroundColor;").await;
    let body_font = js(c, "return getComputedStyle(document.body).fontFamily;").await;
    for selector in [
        "input[type=email]",
        "button[type=submit]",
        "a[href='/help']",
    ] {
        let ring = c
            .execute(
                "var e = document.querySelector(arguments[0]); e.focus(); var s = getComputedStyle(e); \
                 return [document.activeElement === e, s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor, s.fontFamily];",
                vec![Value::from(selector)],
            )
            .await
            .unwrap();
        assert_eq!(ring[0], true, "{selector} took the focus");
        assert_eq!(ring[1], "solid", "{selector}: {ring}");
        assert!(ring[2].as_f64().unwrap() >= 2.0, "{selector}: {ring}");
        let colour = ring[3].as_str().unwrap();
        for background in ["rgb(255, 255, 255)", page.as_str().unwrap()] {
            let ratio = contrast(colour, background);
            assert!(
                ratio >= 3.0,
                "{selector}: the focus ring {colour} is {ratio:.2}:1 against {background}"
            );
        }
        if selector != "a[href='/help']" {
            assert_eq!(ring[4], body_font, "{selector} is in the text's font");
        }
    }

    // The radio buttons of registration, the checkboxes of the console.
    let link = app.invite("rex@example.org", "Rex Register").await;
    c.goto(&link).await.unwrap();
    wait_for_text(c, "Create a New Account").await;
    let sizes = js(
        c,
        "return Array.from(document.querySelectorAll('input[type=radio], input[type=checkbox]')).map(function (e) { var r = e.getBoundingClientRect(); return [e.type, r.width, r.height]; });",
    )
    .await;
    assert!(!sizes.as_array().unwrap().is_empty());
    take_over(c, &app, &root).await;
    c.goto(&format!("{}/admin/clients", app.url)).await.unwrap();
    let more = js(
        c,
        "return Array.from(document.querySelectorAll('input[type=radio], input[type=checkbox]')).map(function (e) { var r = e.getBoundingClientRect(); return [e.type, r.width, r.height]; });",
    )
    .await;
    for s in sizes
        .as_array()
        .unwrap()
        .iter()
        .chain(more.as_array().unwrap())
    {
        assert!(
            s[1].as_f64().unwrap() >= 24.0 && s[2].as_f64().unwrap() >= 24.0,
            "at least 24 px: {s}"
        );
    }
    assert!(more.as_array().unwrap().iter().any(|s| s[0] == "checkbox"));
    assert!(sizes.as_array().unwrap().iter().any(|s| s[0] == "radio"));

    // Headings at 320 px: "authentication" wraps inside the screen.
    resize(c, 320, 720).await;
    for path in ["/help", "/admin/apps", "/admin"] {
        c.goto(&format!("{}{path}", app.url)).await.unwrap();
        let spilled = js(
            c,
            "return Array.from(document.querySelectorAll('h1, h2, h3')).filter(function (h) { \
               return h.scrollWidth > h.clientWidth || h.getBoundingClientRect().right > window.innerWidth; \
             }).map(function (h) { return h.textContent; });",
        )
        .await;
        assert_eq!(spilled, Value::Array(vec![]), "{path}: headings spill out");
        let (scroll, inner) = page_width(c).await;
        assert!(scroll <= inner, "{path} is {scroll} px wide at {inner}");
    }
    chrome.client.clone().close().await.unwrap();
}
