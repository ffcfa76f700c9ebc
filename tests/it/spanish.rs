//! Spanish (issue 17): the language is chosen by the browser's `Accept-Language` or the
//! switch at the foot of every page, remembered per person for what is sent to them, and a
//! Spanish page shows no English (`assert_all_spanish`, which every Spanish journey test calls
//! on each page it sees). English keeps the guide's labels exactly.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use crate::helpers::{Backend, Browser, Page, TestApp, spawn_app};
use crate::on_both_backends;

const PASSWORD: &str = "harbour lantern quiet meadow";

/// A browser whose language is Spanish (Chromium in Mexico sends this).
pub fn spanish_browser(app: &TestApp) -> Browser {
    tessera::crypto::install_tls_provider();
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        "es-MX,es;q=0.9,en;q=0.5".parse().unwrap(),
    );
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .default_headers(headers)
        .build()
        .unwrap();
    Browser {
        base: app.url.clone(),
        http,
        jar,
    }
}

/// Words a Spanish page may show that are also English: names, codes, technical terms
/// Spanish uses as they are.
const ALLOWED: &[&str] = &[
    "tessera", "email", "mfa", "sms", "id", "url", "utc", "ok", "totp", "web", "app", "apps",
];

/// Common English words, and every word of the English messages, that Spanish does not use.
static ENGLISH: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
    const COMMON: &str = "the a an and or to of for with from in on at by this that these those is are was \
        were be been will would can could should must may not no yes you your yours we our us it its \
        they their them he she his her who what when where which why how here there again back next \
        sign signed signing login logging log in out password passwords code codes email address phone \
        number account accounts verify verified verification submit continue cancel register \
        registration enter send sent new old first last time times minute minutes second seconds hour \
        hours day days help trouble click link links page pages please try wait later now done ok \
        use used using way ways other another method methods factor factors authenticator recovery \
        reset forgot change changed remove removed add added keep call calling text message messages \
        welcome portal staff customer provider expired expires valid invalid wrong too many error \
        sorry choose chosen confirm confirmed open close home settings session sessions passkey \
        passkeys set up name only all some any more less than then also just still yet";
    let english = words_of_locale("en");
    let spanish = words_of_locale("es");
    COMMON
        .split_whitespace()
        .map(str::to_string)
        .chain(english)
        .filter(|w| !spanish.contains(w) && !ALLOWED.contains(&w.as_str()))
        .collect()
});

/// The words of every message of `locales/LANG/*.ftl` (their text, not ids or arguments).
fn words_of_locale(language: &str) -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(language);
    let mut words = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in source.lines() {
            let line = line.trim_start();
            if line.starts_with('#') {
                continue;
            }
            // The text after `id =`, or a continuation or variant line; arguments and
            // variant keys (`{ $n }`, `[one]`) are not words of the language.
            let text = match line.split_once(" = ") {
                Some((id, text)) if !id.contains(' ') => text,
                _ => line,
            };
            let text = strip_between(&strip_between(text, '{', '}'), '[', ']');
            words.extend(words_in(&text));
        }
    }
    words
}

fn strip_between(text: &str, open: char, close: char) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = i32::max(depth - 1, 0);
        } else if depth == 0 {
            out.push(c);
        }
    }
    out
}

fn words_in(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The page is in Spanish: `<html lang="es">`, and no English word in what it shows or says
/// to a screen reader (title, labels, alternative text, the values of buttons).
#[track_caller]
pub fn assert_all_spanish(page: &Page) {
    assert_all_spanish_html(&page.url, &page.body);
}

/// Elements whose text is not the page's words: what a browser does not show, and `<code>`
/// (file formats, column names, commands, identifiers: the same in every language). Names
/// marked `translate="no"` (products) are not either.
const NOT_WORDS: [&str; 5] = ["script", "style", "template", "noscript", "code"];

/// [`assert_all_spanish`] on a page's HTML, as an HTTP client or Chromium (its document now,
/// scripts' changes included) holds it.
#[track_caller]
pub fn assert_all_spanish_html(url: &str, html: &str) {
    if let Some(problem) = english_in(url, html) {
        panic!("{problem}");
    }
}

/// What is not Spanish on the page: it is not marked `lang="es"`, or it shows English words
/// (in its text outside `<code>`, or what it says to a screen reader); None when all Spanish.
pub fn english_in(url: &str, html: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let root = document.root_element();
    if root.value().attr("lang") != Some("es") {
        return Some(format!("{url} is not marked Spanish"));
    }
    let mut said = String::new();
    for node in root.descendants() {
        let Some(text) = node.value().as_text() else {
            continue;
        };
        let skipped = node.ancestors().any(|a| {
            a.value()
                .as_element()
                .is_some_and(|e| NOT_WORDS.contains(&e.name()) || e.attr("translate") == Some("no"))
        });
        if !skipped {
            said.push_str(text);
            said.push(' ');
        }
    }
    let spoken = scraper::Selector::parse(
        "title, [aria-label], [placeholder], [alt], input[type=submit], input[type=button]",
    )
    .unwrap();
    for element in document.select(&spoken) {
        // A field for a file's lines (`translate="no"`) shows an example of them, not words.
        if element.value().attr("translate") == Some("no") {
            continue;
        }
        for attr in ["aria-label", "placeholder", "alt", "value"] {
            if let Some(v) = element.value().attr(attr) {
                said.push(' ');
                said.push_str(v);
            }
        }
    }
    // Addresses and links are the person's, not the page's words.
    let said: String = said
        .split_whitespace()
        .filter(|w| !w.contains('@') && !w.contains("://"))
        .collect::<Vec<_>>()
        .join(" ");
    let english: BTreeSet<String> = words_in(&said).filter(|w| ENGLISH.contains(w)).collect();
    (!english.is_empty())
        .then(|| format!("{url} shows English words {english:?} in Spanish: {said}"))
}

on_both_backends!(
    the_browsers_language_chooses_the_pages_language,
    the_switch_changes_the_language_and_returns_to_the_page,
    a_signed_in_persons_pick_is_recorded_on_their_account
);

async fn the_browsers_language_chooses_the_pages_language(backend: Backend) {
    let app = spawn_app(backend).await;

    // Without a preference for Spanish: English, the guide's labels exactly.
    let english = app.new_browser().get("/login").await;
    assert_eq!(english.status, 200);
    assert!(english.body.contains("<html lang=\"en\">"));
    english.assert_shows("Welcome to the portal");
    english.assert_shows("Login With Email");
    english.assert_shows("Login With Phone");
    assert_eq!(english.headers["content-language"], "en");

    let spanish = spanish_browser(&app).get("/login").await;
    assert_eq!(spanish.status, 200);
    assert_eq!(spanish.headers["content-language"], "es");
    assert!(
        spanish.headers.get_all("vary").iter().any(|v| v
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("accept-language")),
        "a cache must keep the languages apart"
    );
    spanish.assert_shows("Bienvenido al portal");
    spanish.assert_shows("Iniciar sesión con correo electrónico");
    assert!(spanish.lacks("Login With Email"));
    assert_all_spanish(&spanish);
}

async fn the_switch_changes_the_language_and_returns_to_the_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app.new_browser();
    let page = browser
        .get("/login/email?login_hint=ana%40example.org")
        .await;
    let switch = page
        .first("footer nav.languages a[hreflang]")
        .expect("a language switch at the foot of the page");
    assert_eq!(switch.attr("hreflang"), Some("es"));
    assert_eq!(switch.attr("lang"), Some("es"), "named in its own language");
    assert_eq!(switch.text, "Español");
    // The same link on every page: no page echoes its address (a token, an address) into it.
    assert_eq!(switch.attr("href"), Some("/language?to=es"));
    assert_eq!(switch.attr("referrerpolicy"), Some("same-origin"));
    assert!(
        page.select("form[action^='/language']").is_empty(),
        "a link, not a form: the page's forms are its journey's"
    );

    // The switch brings the person back to the page they were on (the Referer its link sends
    // to this portal alone), now in Spanish, and the browser keeps it.
    let from = format!("{}/login/email?login_hint=ana%40example.org", app.url);
    let spanish = browser
        .http
        .get(format!("{}/language?to=es", app.url))
        .header("referer", &from)
        .send()
        .await
        .unwrap();
    assert_eq!(spanish.status(), 200);
    assert_eq!(
        spanish.url().as_str(),
        from,
        "back on the page it was followed from"
    );
    assert!(spanish.text().await.unwrap().contains("<html lang=\"es\">"));
    let again = browser.get("/login").await;
    assert_all_spanish(&again);
    let to_english = again.first("footer nav.languages a[hreflang]").unwrap();
    assert_eq!(to_english.text, "English");
    let english = browser.get(to_english.attr("href").unwrap()).await;
    assert!(
        english.url.ends_with('/') || english.url.ends_with("/login"),
        "{}",
        english.url
    );
    browser.get("/login").await.assert_shows("Login With Email");

    // It returns only to a page of the portal, and takes no language it does not speak.
    let client = browser.not_following_redirects();
    for (to, referer) in [
        ("es", "https://evil.example/login".to_string()),
        ("es", format!("{}//evil.example/", app.url)),
        ("fr", format!("{}/login", app.url)),
        ("es", "not a url".to_string()),
    ] {
        let response = client
            .get(format!("{}/language?to={to}", app.url))
            .header("referer", &referer)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{to} {referer}");
        assert_eq!(response.headers()["location"], "/", "{to} {referer}");
    }
}

on_both_backends!(the_switch_in_chromium_returns_to_the_same_page_in_spanish);

/// What a person does: Español at the foot of the page they are on, and the same page (its
/// address and what they typed in it aside) in Spanish.
async fn the_switch_in_chromium_returns_to_the_same_page_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    let chrome = crate::browser::chrome().await;
    let c = &chrome.client;
    let page = format!("{}/login/email?login_hint=ana%40example.org", app.url);
    c.goto(&page).await.unwrap();
    c.find(fantoccini::Locator::LinkText("Español"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::browser::wait_for_text(c, "Ayuda con la autenticación multifactor").await;
    assert_eq!(c.current_url().await.unwrap().as_str(), page);
    let lang = c
        .execute("return document.documentElement.lang;", vec![])
        .await
        .unwrap();
    assert_eq!(lang, "es");
    c.find(fantoccini::Locator::LinkText("English"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::browser::wait_for_text(c, "Multi-Factor Authentication Help").await;
    assert_eq!(c.current_url().await.unwrap().as_str(), page);
    chrome.client.clone().close().await.unwrap();
}

async fn a_signed_in_persons_pick_is_recorded_on_their_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .active_user("lucia@example.org", "Lucía Flores", PASSWORD)
        .await;
    let picked =
        "SELECT COUNT(*) FROM accounts WHERE email = 'lucia@example.org' AND language = 'es'";
    assert_eq!(app.count(picked).await, 0);
    // Someone who has her password but not her second factor changes nothing of hers: the
    // browser shows them Spanish, her letters stay as they were.
    let halfway = app.new_browser();
    halfway.sign_in("lucia@example.org", PASSWORD).await;
    let page = halfway.get("/language?to=es").await;
    assert!(page.body.contains("<html lang=\"es\">"), "{page}");
    assert_eq!(
        app.count(picked).await,
        0,
        "recorded before the second factor"
    );
    let home = browser.get("/language?to=es&back=/").await;
    assert_eq!(home.status, 200);
    assert_eq!(app.count(picked).await, 1);

    // A stranger's browser picking a language records nothing on anyone.
    let stranger = app.new_browser();
    stranger.get("/language?to=en&back=/").await;
    assert_eq!(app.count(picked).await, 1);
}

/// The check itself finds English left in a Spanish page (in text, a label or the title),
/// and passes the same page translated.
#[test]
fn the_check_finds_english_left_on_a_spanish_page() {
    let page = |body: &str| Page {
        status: 200,
        url: "http://localhost/x".into(),
        body: format!(
            "<!doctype html><html lang=\"es\"><head><title>Acceso</title></head><body>{body}</body></html>"
        ),
        headers: Default::default(),
    };
    let translated = page("<p>Escriba el código que le enviamos a ana@example.org.</p>");
    assert_all_spanish(&translated);
    // A file's column names and values are code, a product's name is a name: not words.
    let columns = page(
        "<label>CSV con las columnas <code>email</code>, <code>display_name</code> (<code>role</code> opcional: <code>user</code> u <code>org-admin</code>)</label> \
         <p>Abra (<span translate=\"no\">Google Authenticator, 1Password</span>, …)</p>",
    );
    assert_all_spanish(&columns);
    for left in [
        "<p>Escriba el código. Having trouble logging in?</p>",
        "<button aria-label=\"Remove passkey\">Quitar</button>",
        "<input placeholder=\"Enter the code\">",
        // The same words outside <code> are English on a Spanish page: no longer allowed.
        "<label>CSV con las columnas email, display_name (role opcional: user u org-admin)</label>",
        "<p>Copie el secreto de cliente (client_secret) ahora.</p>",
        "<p>Abra (Google Authenticator, 1Password, …)</p>",
    ] {
        let found = std::panic::catch_unwind(|| assert_all_spanish(&page(left)));
        assert!(found.is_err(), "English not found in {left}");
    }
}

on_both_backends!(the_portals_refusals_and_the_development_outbox_are_in_spanish);

/// Pages that answer a request the portal cannot serve (a registration page without a link, a
/// form none of its pages sends, an application's unusable request, "Confirm it is you" asked
/// to go to another site) and the development outbox speak the page's language, English
/// exactly as before.
async fn the_portals_refusals_and_the_development_outbox_are_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    let visitor = spanish_browser(&app);
    let not_started = visitor.get("/register").await;
    assert_eq!(not_started.status, 403, "{not_started}");
    not_started.assert_shows("El registro no ha comenzado");
    assert!(not_started.element_with_text("a", "Restablecer").is_some());
    assert_all_spanish(&not_started);
    let english = app.new_browser().get("/register").await;
    english.assert_shows("Registration has not started");
    english.assert_shows("Open the registration link from your email to register. If the link has expired, was already used, or no longer works, click Reset to have a new one emailed to you.");

    let unusable = visitor
        .get("/oidc/authorize?client_id=nobody&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=openid")
        .await;
    assert_eq!(unusable.status, 400, "{unusable}");
    unusable.assert_shows("No se puede usar esta solicitud de inicio de sesión");
    unusable.assert_shows("La aplicación que lo envió aquí no está registrada");
    assert_all_spanish(&unusable);

    let person = app
        .active_user("rosa@example.org", "Rosa Díaz", PASSWORD)
        .await;
    assert_eq!(person.get("/language?to=es").await.status, 200);
    let elsewhere = person
        .get("/verify/again?next=https%3A%2F%2Fevil.example%2F")
        .await;
    assert_eq!(elsewhere.status, 400, "{elsewhere}");
    elsewhere.assert_shows("Esa dirección no está permitida");
    assert_all_spanish(&elsewhere);
    let token = person.csrf().await;
    let unreadable = person
        .post_raw(
            "/terms",
            &[("agree", "yes"), ("version", "one"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(unreadable.status, 422, "{unreadable}");
    unreadable.assert_shows("No pudimos leer este formulario");
    // What was wrong is the server's own reading of the form (serde's), shown as it is.
    let without_detail = Page {
        body: unreadable
            .body
            .replace("version: invalid digit found in string", ""),
        ..unreadable
    };
    assert_all_spanish(&without_detail);

    let dev = crate::helpers::spawn_app_with(
        backend,
        crate::helpers::Options {
            smtp: false,
            ..crate::helpers::Options::default()
        },
    )
    .await;
    tessera::i18n::speaking(
        tessera::i18n::Language::Spanish,
        dev.invite_to_outbox("otto@example.org", "Otto Salida"),
    )
    .await;
    let outbox = spanish_browser(&dev).get("/dev/outbox").await;
    assert_eq!(outbox.status, 200, "{outbox}");
    outbox.assert_shows("Bandeja de salida de desarrollo");
    outbox.assert_shows("Para otto@example.org por correo electrónico");
    assert_all_spanish(&outbox);
    let english = dev.new_browser().get("/dev/outbox").await;
    english.assert_shows("Development outbox");
    english.assert_shows("No SMTP server is configured, so messages are kept here (newest first). This page exists only in development.");
    english.assert_shows("To otto@example.org by email,");
}
