//! Issue 17: the operator's brand (the guide's "Atrezzo Portal"): its name in the header,
//! page titles, emails and texts, its logo and colour in the header, whom to ask for help at
//! the foot of every page; a colour too light for the header's white text is refused at start.

use crate::helpers::{Backend, Options, spawn_app, spawn_app_with};
use crate::on_both_backends;

const PASSWORD: &str = "harbour lantern quiet meadow";
const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="#fff"/></svg>"##;

fn logo_path() -> std::path::PathBuf {
    std::env::temp_dir().join("tessera-test-atrezzo-logo.svg")
}

fn atrezzo(config: &mut tessera::config::Config) {
    config.brand_name = "Atrezzo Portal".into();
    config.brand_color = "#5a1e6e".into();
    config.brand_logo = Some(logo_path());
    config.support_contact = Some("the Atrezzo help desk, 555-0100".into());
}

on_both_backends!(
    the_operators_brand_is_on_every_page_and_in_what_is_sent,
    without_a_brand_the_portal_is_tessera
);

async fn the_operators_brand_is_on_every_page_and_in_what_is_sent(backend: Backend) {
    std::fs::write(logo_path(), LOGO).unwrap();
    let app = spawn_app_with(
        backend,
        Options {
            configure: atrezzo,
            ..Options::default()
        },
    )
    .await;
    let browser = app.new_browser();
    for path in ["/login", "/login/email", "/help", "/register/trouble"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        let title = page.first("title").unwrap().text;
        assert!(title.ends_with(" · Atrezzo Portal"), "{path}: {title}");
        assert!(page.lacks("Tessera"), "{path} names Tessera: {page}");
        let header = page.first("header").unwrap();
        assert!(
            header.text.contains("Atrezzo Portal"),
            "{path}: {}",
            header.text
        );
        let logo = page
            .first("header img.logo")
            .expect("the logo in the header");
        assert_eq!(logo.attr("src"), Some("/brand/logo"));
        // The name beside it says it: the image is decoration to a screen reader.
        assert_eq!(logo.attr("alt"), Some(""));
        assert!(page.body.contains("href=\"/static/brand.css\""));
        page.assert_shows("Need help? Contact the Atrezzo help desk, 555-0100.");
    }
    assert_eq!(
        browser.get("/login").await.first("title").unwrap().text,
        "Sign in · Atrezzo Portal"
    );
    let logo = app
        .new_browser()
        .http
        .get(format!("{}/brand/logo", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(logo.status(), 200);
    assert_eq!(logo.headers()["content-type"], "image/svg+xml");
    assert_eq!(logo.text().await.unwrap(), LOGO);
    let css = browser.get("/static/brand.css").await;
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    assert!(css.body.contains("--brand: #5a1e6e;"), "{}", css.body);

    // In Spanish too.
    let spanish = crate::spanish::spanish_browser(&app).get("/login").await;
    spanish.assert_shows("¿Necesita ayuda? Comuníquese con the Atrezzo help desk, 555-0100.");
    assert!(
        spanish
            .first("title")
            .unwrap()
            .text
            .ends_with(" · Atrezzo Portal")
    );

    // What is sent: the invitation's subject, the text with a code.
    let root = crate::admin::system_admin(&app, "root@example.org").await;
    let invited = root
        .post(
            "/admin/users",
            &[("email", "ana@example.org"), ("display_name", "Ana Silva")],
        )
        .await;
    invited.assert_shows("Invitation sent");
    let invitation = app.mail.message_to("ana@example.org", 0).await;
    assert_eq!(
        invitation.subject,
        "Complete your Atrezzo Portal registration"
    );
    assert!(!invitation.text.contains("Tessera"), "{}", invitation.text);
    app.active_phone_user("pia@example.org", "Pia Lund", PASSWORD, "415 555 0161")
        .await;
    let texts = app.twilio().messages();
    let text = texts.last().expect("a text with a code");
    assert!(
        text.body
            .starts_with("Your Atrezzo Portal verification code is "),
        "{}",
        text.body
    );
}

async fn without_a_brand_the_portal_is_tessera(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.new_browser().get("/login").await;
    assert_eq!(page.first("title").unwrap().text, "Sign in · Tessera");
    assert!(page.first("header img").is_none(), "no logo configured");
    assert!(page.lacks("Need help? Contact"));
    let logo = app.new_browser().get("/brand/logo").await;
    assert_eq!(logo.status, 404);
    let css = app.new_browser().get("/static/brand.css").await;
    assert!(css.body.contains("--brand: #0d2740;"), "{}", css.body);
}

/// WCAG 1.4.3 at the operator's hand: a header colour the white text cannot be read on, a
/// logo that is not an image or cannot be read, stop the start with the reason.
#[test]
fn a_brand_the_header_cannot_carry_is_refused_at_start() {
    let refused = |name: &str, value: &str| {
        tessera::config::Config::from_sources(
            None,
            [(name.to_string(), value.to_string())].into_iter(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
    };
    assert!(refused("TESSERA_BRAND_COLOR", "#ffcc00").contains("too light"));
    assert!(refused("TESSERA_BRAND_COLOR", "purple").contains("#rrggbb"));
    assert!(refused("TESSERA_BRAND_NAME", "").contains("TESSERA_BRAND_NAME"));
    assert!(refused("TESSERA_BRAND_LOGO", "/tmp/logo.gif").contains(".svg"));
    assert!(refused("TESSERA_BRAND_COLOR", "#5a1e6e").is_empty());
}

on_both_backends!(the_staff_side_of_the_login_page_shows_once_a_provider_exists);

/// The guide's login page: Customer/Provider, and the Staff heading beside it only when the
/// company's staff can sign in here (a provider registered): no dead heading before that.
async fn the_staff_side_of_the_login_page_shows_once_a_provider_exists(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.new_browser().get("/login").await;
    let headings: Vec<String> = page.select("main h2").into_iter().map(|h| h.text).collect();
    assert_eq!(headings, ["Customer/Provider"]);
    assert!(page.lacks("Staff"));

    // Stored directly: its discovery is not what this checks.
    app.stored_provider(
        "Harbor Health",
        "https://login.harbor.example",
        "harbor.example.org",
    )
    .await;
    let page = app.new_browser().get("/login").await;
    let headings: Vec<String> = page.select("main h2").into_iter().map(|h| h.text).collect();
    assert_eq!(headings, ["Staff", "Customer/Provider"]);
    assert!(
        page.element_with_text("button", "Sign in with Harbor Health")
            .is_some()
    );
}
