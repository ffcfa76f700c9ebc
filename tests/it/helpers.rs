//! The test harness: `spawn_app` starts Tessera in-process on port 0 with a fresh database
//! (a temporary SQLite file, or a uniquely named PostgreSQL database that is dropped
//! afterwards), a real SMTP server receiving its mail, and a manual clock. Helpers drive it
//! over HTTP the way a browser does: cookies kept, redirects followed, forms with their
//! CSRF token.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tessera::app::App;
use tessera::clock::ManualClock;
use tessera::config::Config;
use tessera::domain::account::Role;
use tessera::flows::invitation::{self, InvitationRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named story on both backends: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )+};
}

pub const SECRET_KEY: &str = "dGVzc2VyYS10ZXN0LWtleS10ZXNzZXJhLXRlc3Qta2V5LTMyYnl0ZXM=";

/// The PostgreSQL server the machine provides. Tests fail loudly when it is not there.
pub fn postgres_admin_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// An organization's factor policy: whether the email factor, and the phone factor, are allowed.
/// An organization's policy with the email and phone factors as given, and the stronger
/// factors (authenticator app, passkey) allowed, as every organization starts.
pub fn allowed(email: bool, phone: bool) -> tessera::domain::factor::AllowedFactors {
    use tessera::domain::factor::{AllowedFactors, FactorKind};
    AllowedFactors::all()
        .with(FactorKind::Email, email)
        .with(FactorKind::Phone, phone)
}

/// A fresh database URL for one test.
pub struct TestDatabase {
    pub url: String,
    backend: Backend,
    name: String,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let name = format!(
            "tessera_test_{}",
            tessera::crypto::random_token().unwrap()[..16]
                .to_lowercase()
                .replace(['-', '_'], "x")
        );
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("tessera.db").display()),
            Backend::Postgres => {
                use sqlx::Connection;
                let admin = postgres_admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL is not reachable at {admin} ({e}). Start it (see README) or set TESSERA_TEST_POSTGRES_URL.")
                });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or(admin);
                format!("{base}/{name}")
            }
        };
        Self {
            url,
            backend,
            name,
            _dir: dir,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.backend != Backend::Postgres {
            return;
        }
        let name = self.name.clone();
        // Drop runs outside any runtime's async context: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// A real SMTP server (mailin-embedded) that keeps every message it receives.
#[derive(Clone)]
pub struct MailSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<Vec<u8>>>>,
    refused: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct SinkHandler {
    messages: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Recipients answered "550 mailbox unavailable" (a mail server that will not take them).
    refused: Arc<Mutex<Vec<String>>>,
    current: Vec<u8>,
}

impl mailin_embedded::Handler for SinkHandler {
    fn rcpt(&mut self, to: &str) -> mailin_embedded::Response {
        let to = to.trim_matches(|c| c == '<' || c == '>');
        if self
            .refused
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.eq_ignore_ascii_case(to))
        {
            mailin_embedded::response::NO_MAILBOX
        } else {
            mailin_embedded::response::OK
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> mailin_embedded::Response {
        self.current.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        self.messages
            .lock()
            .unwrap()
            .push(std::mem::take(&mut self.current));
        mailin_embedded::response::OK
    }
}

impl MailSink {
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// A sink on `port` (0: any free one), e.g. where the portal's mail server was down.
    pub fn start_on(port: u16) -> Self {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(Vec::new()));
        let mut server = mailin_embedded::Server::new(SinkHandler {
            messages: messages.clone(),
            refused: refused.clone(),
            current: Vec::new(),
        });
        server
            .with_name("sink.test")
            .with_tcp_listener(listener)
            .with_num_threads(8);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self {
            port,
            messages,
            refused,
        }
    }

    /// From now on the sink refuses mail to `to` (550), until `accept`.
    pub fn refuse(&self, to: &str) {
        self.refused.lock().unwrap().push(to.to_string());
    }

    pub fn accept(&self, to: &str) {
        self.refused
            .lock()
            .unwrap()
            .retain(|r| !r.eq_ignore_ascii_case(to));
    }

    /// The newest message to `to`, waiting up to 15 s for it (a loaded CI machine sends
    /// slowly); after `skip` earlier ones.
    pub async fn message_to(&self, to: &str, nth: usize) -> Mail {
        for _ in 0..300 {
            let found: Vec<Mail> = self
                .messages
                .lock()
                .unwrap()
                .iter()
                .map(|raw| Mail::parse(raw))
                .filter(|m| m.to.eq_ignore_ascii_case(to))
                .collect();
            if let Some(m) = found.into_iter().nth(nth) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message number {nth} to {to} arrived");
    }

    /// Every message received so far, in the order they came.
    pub fn all_messages(&self) -> Vec<Mail> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .map(|raw| Mail::parse(raw))
            .collect()
    }

    pub async fn messages_to(&self, to: &str) -> Vec<Mail> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .map(|raw| Mail::parse(raw))
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    fn parse(raw: &[u8]) -> Self {
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a MIME message");
        let addr = |a: Option<&mail_parser::Address>| {
            a.and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_string()
        };
        Self {
            to: addr(message.to()),
            from: addr(message.from()),
            subject: message.subject().unwrap_or_default().to_string(),
            text: message
                .body_text(0)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            html: message
                .body_html(0)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        }
    }

    /// The first URL in the text body.
    pub fn link(&self) -> String {
        let start = self.text.find("http").expect("a link in the text body");
        self.text[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }

    /// The 6-digit code in the text body.
    pub fn code(&self) -> String {
        let after = self
            .text
            .split("verification code is: ")
            .nth(1)
            .expect("a code in the text body");
        after.chars().take(6).collect()
    }
}

pub struct TestApp {
    /// The Twilio-compatible test server, when the app was started with one.
    pub twilio: Option<crate::twilio_double::TwilioDouble>,
    pub url: String,
    pub app: Arc<App>,
    pub clock: ManualClock,
    pub mail: MailSink,
    pub db: TestDatabase,
}

pub struct Options {
    pub smtp: bool,
    pub twilio: bool,
    pub public_url: Option<String>,
    /// Changes to the configuration before the app starts (policies, trusted proxies, …).
    pub configure: fn(&mut Config),
}

impl Default for Options {
    fn default() -> Self {
        Self {
            smtp: true,
            twilio: true,
            public_url: None,
            configure: |_| {},
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Options::default()).await
}

pub fn test_config(db_url: &str, smtp_port: Option<u16>) -> Config {
    Config {
        database_url: db_url.to_string(),
        smtp_url: smtp_port.map(|p| format!("smtp://127.0.0.1:{p}")),
        secret_key: Some(SECRET_KEY.into()),
        mail_from: "Tessera <no-reply@portal.test>".into(),
        ..Config::default()
    }
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    let db = TestDatabase::new(backend).await;
    let mail = MailSink::start();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = test_config(&db.url, options.smtp.then_some(mail.port));
    config.listen = addr;
    config.public_url = options.public_url;
    let twilio = if options.twilio {
        Some(crate::twilio_double::TwilioDouble::start().await)
    } else {
        None
    };
    if let Some(double) = &twilio {
        use crate::twilio_double::TwilioDouble;
        config.twilio_api_base = double.base_url.clone();
        config.twilio_account_sid = Some(TwilioDouble::ACCOUNT_SID.into());
        config.twilio_auth_token = Some(TwilioDouble::AUTH_TOKEN.into());
        config.twilio_from = Some(TwilioDouble::FROM.into());
    }
    (options.configure)(&mut config);
    let clock = ManualClock::starting_now();
    let app = App::build_with_clock(config, Arc::new(clock.clone()))
        .await
        .expect("app starts");
    // The mail worker, as `tessera serve` runs it (queued invitations, reminders, notices).
    tokio::spawn(tessera::flows::mail_queue::deliver_continuously(
        app.clone(),
    ));
    // And the back-channel logout worker.
    tokio::spawn(tessera::flows::backchannel::deliver_continuously(
        app.clone(),
    ));
    let router = tessera::web::router(app.clone());
    let limits = tessera::web::ConnectionLimits::from_config(&app.config);
    tokio::spawn(async move {
        tessera::web::serve(listener, router, limits, std::future::pending())
            .await
            .unwrap()
    });
    let url = format!("http://{addr}");
    TestApp {
        twilio,
        url,
        app,
        clock,
        mail,
        db,
    }
}

impl TestApp {
    /// Invites a person as an administrator would; returns the emailed registration link.
    pub async fn invite(&self, email: &str, name: &str) -> String {
        self.invite_as(InvitationRequest {
            email: email.into(),
            display_name: name.into(),
            organization: None,
            role: Role::User,
        })
        .await
    }

    /// Invites as described; returns the emailed link once the queued letter is marked sent
    /// (the worker marks it just after the mail server took it), so a test that moves the
    /// clock next finds a settled queue.
    pub async fn invite_as(&self, request: InvitationRequest) -> String {
        let email = request.email.clone();
        let before = self.mail.messages_to(&email).await.len();
        let invited = invitation::invite(&self.app, request, "test")
            .await
            .expect("invitation");
        let link = self.mail.message_to(&email, before).await.link();
        let pending = format!(
            "SELECT COUNT(*) FROM mail_queue WHERE account_id = {} AND sent_at IS NULL",
            invited.account_id
        );
        for _ in 0..100 {
            if self.count(&pending).await == 0 {
                return link;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the invitation to {email} was delivered but never marked sent");
    }

    /// Waits until the mail queue holds nothing left to send (every queued invitation and
    /// notice delivered), so a test counting messages counts only what it caused next.
    pub async fn mail_settled(&self) {
        let unsent = "SELECT COUNT(*) FROM mail_queue
                      WHERE sent_at IS NULL AND dead_at IS NULL AND discarded_at IS NULL";
        for _ in 0..300 {
            if self.count(unsent).await == 0 {
                // Marked sent once the server accepted it: the sink has it.
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the mail queue did not empty");
    }

    /// A company provider stored directly, as `tessera admin create-idp` stores one once its
    /// discovery checked out (for pages that show providers, not for signing in through them).
    pub async fn stored_provider(&self, name: &str, issuer: &str, domain: &str) -> i64 {
        let provider = tessera::domain::staff::NewProvider::parse(
            name,
            issuer,
            "tessera",
            "a client secret",
            &[domain.to_string()],
            false,
        )
        .unwrap();
        let sealed = self
            .app
            .sealer
            .seal(tessera::sealing::Kind::ProviderSecret, "a client secret");
        let event = tessera::audit::AuditEvent::new("idp-created", "test", format!("idp:{name}"));
        self.app
            .store
            .create_provider(&provider, &sealed, None, self.clock_now(), event)
            .await
            .unwrap()
    }

    /// A second, independent browser.
    pub fn new_browser(&self) -> Browser {
        Browser::new(&self.url)
    }

    /// Invites, registers with the email factor, verifies, accepts the terms: an active user.
    pub async fn active_user(&self, email: &str, name: &str, password: &str) -> Browser {
        let request = InvitationRequest {
            email: email.into(),
            display_name: name.into(),
            organization: None,
            role: Role::User,
        };
        self.active_account(request, password).await
    }

    /// Invites as described, registers with the email factor, verifies, accepts the terms:
    /// an active account, signed in in the returned browser.
    pub async fn active_account(&self, request: InvitationRequest, password: &str) -> Browser {
        let (email, name) = (request.email.clone(), request.display_name.clone());
        let link = self.invite_as(request).await;
        let browser = self.new_browser();
        browser.get_absolute(&link).await;
        let page = browser.register(&name, password, password, "email").await;
        assert!(
            page.url
                .contains("/login/email?notice=registered&login_hint="),
            "{}",
            page.url
        );
        browser.sign_in(&email, password).await;
        browser.post("/verify/email/send", &[]).await;
        let code = self.latest_code(&email).await;
        browser
            .post("/verify/email/check", &[("code", &code)])
            .await;
        browser
            .post("/terms", &[("agree", "yes"), ("version", "1")])
            .await;
        browser
    }

    pub async fn latest_code(&self, email: &str) -> String {
        let all = self.mail.messages_to(email).await;
        let codes: Vec<_> = all
            .iter()
            .filter(|m| m.subject.starts_with("Your verification code"))
            .collect();
        match codes.last() {
            Some(m) => m.code(),
            None => {
                let n = all.len();
                self.mail.message_to(email, n).await.code()
            }
        }
    }

    /// Counts rows with the query (any single-count SELECT).
    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.db.url).await.unwrap();
        let n = sqlx::query(sql)
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get::<i64, _>(0)
            .unwrap();
        pool.close().await;
        n
    }

    pub async fn audit_events(&self) -> Vec<String> {
        let mut events: Vec<String> = self
            .app
            .store
            .recent_audit(1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.0)
            .collect();
        events.reverse();
        events
    }
}

/// A page as a browser received it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub url: String,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

/// An element of a page: its attributes and visible text.
#[derive(Debug, Clone)]
pub struct Element {
    pub attrs: Vec<(String, String)>,
    /// The text inside it, white space folded as a browser shows it.
    pub text: String,
}

impl Element {
    fn of(element: scraper::ElementRef<'_>) -> Self {
        Self {
            attrs: element
                .value()
                .attrs()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            text: visible_text(element),
        }
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Elements whose text a browser does not show.
const HIDDEN: [&str; 4] = ["script", "style", "template", "noscript"];

/// The text a browser shows inside `element`, white space folded.
fn visible_text(element: scraper::ElementRef<'_>) -> String {
    let mut text = String::new();
    for node in element.descendants() {
        let Some(t) = node.value().as_text() else {
            continue;
        };
        let hidden = node.ancestors().any(|a| {
            a.value()
                .as_element()
                .is_some_and(|e| HIDDEN.contains(&e.name()))
        });
        if !hidden {
            text.push_str(t);
        }
    }
    fold(&text)
}

/// White space folded to single spaces and trimmed, as a browser shows text.
fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Page {
    /// The page parsed as a browser parses it. (Parsed on each call: the parsed document
    /// is not `Send`, and a page is held across awaits.)
    pub fn document(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// The elements the CSS selector matches, in document order.
    pub fn select(&self, css: &str) -> Vec<Element> {
        let selector =
            scraper::Selector::parse(css).unwrap_or_else(|e| panic!("CSS selector {css}: {e:?}"));
        self.document().select(&selector).map(Element::of).collect()
    }

    /// The first element the CSS selector matches.
    pub fn first(&self, css: &str) -> Option<Element> {
        self.select(css).into_iter().next()
    }

    /// Whether any element matches the CSS selector.
    pub fn has_element(&self, css: &str) -> bool {
        !self.select(css).is_empty()
    }

    /// The first element the CSS selector matches whose whole text is `text`.
    pub fn element_with_text(&self, css: &str, text: &str) -> Option<Element> {
        let text = fold(text);
        self.select(css).into_iter().find(|e| e.text == text)
    }

    /// The text a browser shows (scripts and styles left out, white space folded).
    pub fn text(&self) -> String {
        visible_text(self.document().root_element())
    }

    /// Whether the page shows the text (white space folded, as a browser shows it).
    pub fn has(&self, text: &str) -> bool {
        self.text().contains(&fold(text))
    }

    /// Whether the text is nowhere in the page: not shown, and not in any attribute,
    /// script or comment either (for what must not leak).
    pub fn lacks(&self, text: &str) -> bool {
        let document = self.document();
        let folded = fold(text);
        let anywhere = document.tree.nodes().any(|node| match node.value() {
            scraper::Node::Text(t) => fold(t).contains(&folded),
            scraper::Node::Comment(c) => fold(c).contains(&folded),
            scraper::Node::Element(e) => e.attrs().any(|(_, v)| v.contains(text)),
            _ => false,
        });
        !anywhere && !self.text().contains(&folded)
    }

    /// Panics, saying what the page showed instead, unless it shows the text.
    #[track_caller]
    pub fn assert_shows(&self, text: &str) {
        assert!(self.has(text), "expected the page to show “{text}”; {self}");
    }

    /// The value attribute of the input with this id.
    pub fn input_value(&self, id: &str) -> Option<String> {
        self.first(&format!("input[id=\"{id}\"]"))?
            .attr("value")
            .map(str::to_string)
    }

    /// The CSRF token the page's forms carry.
    pub fn csrf(&self) -> Option<String> {
        self.first("input[name=\"csrf_token\"]")?
            .attr("value")
            .map(str::to_string)
    }

    /// The main heading's text.
    pub fn heading(&self) -> Option<String> {
        self.first("h1").map(|h| h.text)
    }

    /// What the page says went wrong (its alerts and error summary), one entry a message.
    pub fn errors(&self) -> Vec<String> {
        self.select("[role=\"alert\"], .error-summary .error")
            .into_iter()
            .map(|e| e.text)
            .collect()
    }

    /// The address of the first link whose text is `text`.
    pub fn link_named(&self, text: &str) -> Option<String> {
        self.select("a[href]")
            .into_iter()
            .find(|a| a.text == fold(text))
            .and_then(|a| a.attr("href").map(str::to_string))
    }

    /// The rows of the table body `css` names (`tbody` for the page's), each its cells' text.
    pub fn table_rows(&self, css: &str) -> Vec<Vec<String>> {
        let document = self.document();
        let rows = scraper::Selector::parse(&format!("{css} > tr")).expect("a CSS selector");
        let cells = scraper::Selector::parse("th, td").expect("a CSS selector");
        document
            .select(&rows)
            .map(|row| row.select(&cells).map(visible_text).collect())
            .collect()
    }

    /// The addresses the page's forms post or get to, in document order.
    pub fn form_actions(&self) -> Vec<String> {
        self.select("form[action]")
            .into_iter()
            .filter_map(|f| f.attr("action").map(str::to_string))
            .collect()
    }

    /// The body with the per-browser CSRF token blanked, to compare two browsers' pages.
    pub fn body_without_csrf(&self) -> String {
        match self.csrf() {
            Some(token) if !token.is_empty() => self.body.replace(&token, ""),
            _ => self.body.clone(),
        }
    }
}

/// What an assertion message says of a page: its status and address, its heading, what it
/// says went wrong and what it reports, or the start of a body that is not a page.
impl std::fmt::Display for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the page (status {}, {}) ", self.status, self.url)?;
        let Some(heading) = self.heading() else {
            let start: String = self.body.chars().take(300).collect();
            return write!(f, "has no heading; it begins: {start}");
        };
        write!(f, "is headed “{heading}”")?;
        for error in self.errors() {
            write!(f, "; says: “{error}”")?;
        }
        for notice in self.select("[role=\"status\"]") {
            write!(f, "; reports: “{}”", notice.text)?;
        }
        Ok(())
    }
}

/// An HTTP client that behaves like a browser: cookies, redirects, CSRF tokens from pages.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        tessera::crypto::install_tls_provider();
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .build()
            .unwrap();
        Self {
            base: base.into(),
            http,
            jar,
        }
    }

    /// A browser behind a reverse proxy that reports it as `client` in `X-Forwarded-For`.
    pub fn forwarded_for(base: &str, client: &str) -> Self {
        tessera::crypto::install_tls_provider();
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", client.parse().unwrap());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .build()
            .unwrap();
        Self {
            base: base.into(),
            http,
            jar,
        }
    }

    /// The same browser, but showing redirects instead of following them.
    pub fn not_following_redirects(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_provider(self.jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// The value of a cookie the browser holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .unwrap()
            .split("; ")
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    async fn page(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let url = response.url().to_string();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        Page {
            status,
            url,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.get_absolute(&format!("{}{path}", self.base)).await
    }

    pub async fn get_absolute(&self, url: &str) -> Page {
        Self::page(self.http.get(url).send().await.unwrap()).await
    }

    /// The CSRF token of this browser, read from a page as a form would carry it.
    pub async fn csrf(&self) -> String {
        let page = self.get("/login/email").await;
        page.csrf()
            .unwrap_or_else(|| panic!("expected a CSRF field in the sign-in form; {page}"))
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.post_raw(path, &form).await
    }

    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .post(format!("{}{path}", self.base))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn register(
        &self,
        name: &str,
        password: &str,
        confirmation: &str,
        method: &str,
    ) -> Page {
        self.post(
            "/register",
            &[
                ("display_name", name),
                ("password", password),
                ("password_confirmation", confirmation),
                ("mfa_method", method),
            ],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.post(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("method", "email"),
            ],
        )
        .await
    }
}

impl TestApp {
    /// A new version of the Terms of Use, published by nobody who signs in: everyone must
    /// accept it at their next sign-in.
    pub async fn publish_new_terms(&self) {
        self.app
            .store
            .publish_terms(
                "Terms of Use",
                "Version two.",
                None,
                self.clock_now(),
                tessera::audit::AuditEvent::new("terms-published", "test", "test"),
            )
            .await
            .unwrap();
    }

    pub fn clock_now(&self) -> i64 {
        use tessera::clock::Clock;
        self.clock.now()
    }

    /// Invites with no SMTP server configured (the development outbox), and waits until the
    /// mail worker put the queued invitation there.
    pub async fn invite_to_outbox(&self, email: &str, name: &str) {
        invitation::invite(
            &self.app,
            InvitationRequest {
                email: email.into(),
                display_name: name.into(),
                organization: None,
                role: Role::User,
            },
            "test",
        )
        .await
        .expect("invitation");
        let sql = format!("SELECT COUNT(*) FROM dev_outbox WHERE recipient = '{email}'");
        self.wait_for_count(&sql, 1).await;
    }

    /// Waits up to 60 s until `sql` counts `at_least` (queued mail is sent in the background).
    pub async fn wait_for_count(&self, sql: &str, at_least: i64) {
        let mut n = 0;
        for _ in 0..600 {
            n = self.count(sql).await;
            if n >= at_least {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{sql}: {n}, waited for {at_least}");
    }
}

impl TestApp {
    pub fn twilio(&self) -> &crate::twilio_double::TwilioDouble {
        self.twilio
            .as_ref()
            .expect("started with the Twilio test server")
    }

    /// Invites and registers with the Phone method; returns the browser at the phone page.
    pub async fn registered_for_phone(&self, email: &str, name: &str, password: &str) -> Browser {
        self.registered_for_phone_in(self.new_browser(), email, name, password)
            .await
    }

    /// As `registered_for_phone`, in the browser given (e.g. one behind a proxy).
    pub async fn registered_for_phone_in(
        &self,
        browser: Browser,
        email: &str,
        name: &str,
        password: &str,
    ) -> Browser {
        let link = self.invite(email, name).await;
        browser.get_absolute(&link).await;
        let page = browser.register(name, password, password, "phone").await;
        assert!(
            page.url
                .contains("/login/phone?notice=registered&login_hint="),
            "{page}"
        );
        let page = browser.sign_in(email, password).await;
        assert!(page.url.ends_with("/verify/phone"), "{}", page.url);
        browser
    }

    /// An active user whose factor is the phone number `phone` (+1), verified by text.
    pub async fn active_phone_user(
        &self,
        email: &str,
        name: &str,
        password: &str,
        phone: &str,
    ) -> Browser {
        let browser = self.registered_for_phone(email, name, password).await;
        let e164 = format!(
            "+1{}",
            phone
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
        );
        let before = self
            .twilio()
            .messages()
            .iter()
            .filter(|m| m.to == e164)
            .count();
        browser
            .post(
                "/verify/phone/send",
                &[("country_code", "+1"), ("phone", phone), ("action", "sms")],
            )
            .await;
        let sms = self.twilio().wait_for_message_to(&e164, before).await;
        browser
            .post("/verify/phone/check", &[("code", &sms_code(&sms.body))])
            .await;
        browser
            .post("/terms", &[("agree", "yes"), ("version", "1")])
            .await;
        assert!(browser.get("/").await.has(&format!("Welcome, {name}")));
        // The next text or call to this account may go at once: past the resend cool-down.
        self.clock
            .advance(self.app.config.policy.code_resend_cooldown_secs);
        browser
    }
}

impl TestApp {
    /// An active phone user signed in again (password accepted) who clicked Call Me: the
    /// browser, waiting for the key press, and the call the provider placed.
    pub async fn phone_user_being_called(
        &self,
        email: &str,
        name: &str,
        password: &str,
        phone: &str,
    ) -> (Browser, crate::twilio_double::PlacedCall) {
        let first = self.active_phone_user(email, name, password, phone).await;
        first.post("/logout", &[]).await;
        let browser = self.new_browser();
        browser
            .post(
                "/login",
                &[
                    ("email", email),
                    ("password", password),
                    ("method", "phone"),
                ],
            )
            .await;
        browser
            .post("/verify/phone/send", &[("action", "call")])
            .await;
        let e164 = format!(
            "+1{}",
            phone
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
        );
        let call = self.twilio().wait_for_call_to(&e164, 0).await;
        (browser, call)
    }
}

/// The 6-digit code in a text message.
pub fn sms_code(body: &str) -> String {
    let start = body
        .find(|c: char| c.is_ascii_digit())
        .expect("a code in the text");
    body[start..start + 6].to_string()
}

/// Every route the router's sources declare, with its methods: each `.route(PATH, …)` call in
/// `src/web/`, its path a literal or a `const` of the same file, its methods the `get(`,
/// `post(`, `put(` and `delete(` calls among its arguments. Read from the code so that a new
/// route cannot be forgotten by the tests that walk them (`get_routes`, `authorization`).
pub fn declared_routes() -> Vec<(String, Vec<&'static str>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        assert!(
            !source.contains(".nest(") && !source.contains(".route_service("),
            "{}: routes added another way; teach this reading about them",
            path.display()
        );
        let mut rest = source.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            // The call's arguments, up to its closing bracket.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap();
            let arguments = &rest[..end];
            let (first, handlers) = arguments.split_once(',').unwrap_or((arguments, ""));
            let template = match first.trim() {
                literal if literal.starts_with('"') => literal.trim_matches('"').to_string(),
                name => {
                    let declaration = format!("const {name}: &str = \"");
                    let at = source.find(&declaration).unwrap_or_else(|| {
                        panic!(
                            "a route whose path is neither a literal nor a const here: {arguments}"
                        )
                    }) + declaration.len();
                    source[at..at + source[at..].find('"').unwrap()].to_string()
                }
            };
            let methods: Vec<&'static str> = [
                ("get(", "GET"),
                ("post(", "POST"),
                ("put(", "PUT"),
                ("patch(", "PATCH"),
                ("delete(", "DELETE"),
            ]
            .into_iter()
            .filter(|(call, _)| {
                handlers.match_indices(call).any(|(i, _)| {
                    !handlers[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            })
            .map(|(_, method)| method)
            .collect();
            assert!(!methods.is_empty(), "a route without a method: {arguments}");
            found.push((template, methods));
        }
    }
    found.sort();
    found
}

/// The environment of a real `tessera serve` on `db` with mail to `mail` (tests add theirs).
pub fn server_environment(db: &TestDatabase, mail: &MailSink) -> Vec<(&'static str, String)> {
    vec![
        ("TESSERA_DATABASE_URL", db.url.clone()),
        (
            "TESSERA_SMTP_URL",
            format!("smtp://127.0.0.1:{}", mail.port),
        ),
        ("TESSERA_SECRET_KEY", SECRET_KEY.to_string()),
        ("TESSERA_MAIL_FROM", "Tessera <no-reply@portal.test>".into()),
        ("TESSERA_LOG", "warn".into()),
    ]
}

/// A real `tessera serve` process on a port of its own, killed with SIGKILL when dropped.
pub struct ServerProcess {
    child: Option<std::process::Child>,
    envs: Vec<(&'static str, String)>,
    pub base: String,
}

impl ServerProcess {
    /// Starts the process without waiting for it (`ready` waits), so several can start at once.
    pub fn spawn(mut envs: Vec<(&'static str, String)>) -> Self {
        tessera::crypto::install_tls_provider();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        envs.push(("TESSERA_LISTEN", format!("127.0.0.1:{port}")));
        // Nodes behind one load balancer share the public URL they are given; else their own.
        if !envs.iter().any(|(name, _)| *name == "TESSERA_PUBLIC_URL") {
            envs.push(("TESSERA_PUBLIC_URL", base.clone()));
        }
        let mut server = Self {
            child: None,
            envs,
            base,
        };
        server.child = Some(server.launch());
        server
    }

    fn launch(&self) -> std::process::Child {
        std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .arg("serve")
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .env_remove("TESSERA_CONFIG")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Waits until the server is ready (database reachable, migrations current).
    pub async fn ready(&mut self) {
        let http = reqwest::Client::new();
        for _ in 0..400 {
            if let Ok(r) = http.get(format!("{}/readyz", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("tessera serve at {} exited: {status}", self.base);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("tessera serve at {} did not become ready", self.base);
    }

    /// Starts the process again on the same address and database, and waits for it.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "still running");
        self.child = Some(self.launch());
        self.ready().await;
    }

    /// SIGKILL: no graceful shutdown, no chance to finish anything.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// The `tessera` CLI with the server's configuration.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .env_remove("TESSERA_CONFIG")
            .output()
            .unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
