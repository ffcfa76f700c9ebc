//! Issue 17: an administration console that fits its work. Its sections link to each other
//! from every page of it (each administrator sees the sections they may use), the accounts
//! come first, and a refused invitation comes back on the same form with what was typed
//! (problem 10's dead end).

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::admin::{org_admin, system_admin};
use crate::axe::{resize, take_over};
use crate::browser::{chrome, click, field, type_into, wait_for_text};
use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

const PASSWORD: &str = "harbour lantern quiet meadow";

on_both_backends!(
    every_console_page_links_to_the_sections_its_administrator_may_use,
    a_refused_invitation_comes_back_on_its_form_with_what_was_typed_in_chromium
);

async fn every_console_page_links_to_the_sections_its_administrator_may_use(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = system_admin(&app, "root@example.org").await;
    let boss = org_admin(&app, "Harbor Clinic", "boss@harbor.example.org").await;
    let everything = [
        ("Accounts", "/admin"),
        ("MFA rollout", "/admin/rollout"),
        ("Applications (OpenID Connect clients)", "/admin/clients"),
        (
            "Protected applications (forward authentication)",
            "/admin/apps",
        ),
        ("Staff sign-in providers", "/admin/providers"),
        ("Publish Terms of Use", "/admin/terms"),
        ("Mail queue", "/admin/mail"),
        ("Audit log", "/admin/audit"),
    ];
    let sections = |page: &crate::helpers::Page| -> Vec<(String, String)> {
        page.select("nav.console-nav a")
            .into_iter()
            .map(|a| (a.text.clone(), a.attr("href").unwrap().to_string()))
            .collect()
    };
    for (_, path) in everything {
        let page = root.get(path).await;
        assert_eq!(page.status, 200, "{path}: {page}");
        let shown = sections(&page);
        let expected: Vec<(String, String)> = everything
            .iter()
            .map(|(l, h)| (l.to_string(), h.to_string()))
            .collect();
        assert_eq!(shown, expected, "{path}");
        let current = page.select("nav.console-nav a[aria-current=page]");
        assert_eq!(current.len(), 1, "{path}: one section is the current one");
        assert_eq!(current[0].attr("href"), Some(path));
        let nav = page.first("nav.console-nav").unwrap();
        assert_eq!(nav.attr("aria-label"), Some("Administration sections"));
    }
    // An organization administrator is offered only what they may open.
    let theirs = [
        "/admin",
        "/admin/rollout",
        "/admin/clients",
        "/admin/apps",
        "/admin/mail",
        "/admin/audit",
    ];
    for path in theirs {
        let page = boss.get(path).await;
        assert_eq!(page.status, 200, "{path}: {page}");
        let hrefs: Vec<String> = sections(&page).into_iter().map(|(_, h)| h).collect();
        assert_eq!(hrefs, theirs.map(String::from).to_vec(), "{path}");
    }
    for path in ["/admin/providers", "/admin/terms"] {
        assert_eq!(boss.get(path).await.status, 404, "{path}");
    }

    // The accounts come first: the list, then the forms that add to it.
    let console = root.get("/admin").await;
    let at = |needle: &str| {
        console
            .body
            .find(needle)
            .unwrap_or_else(|| panic!("{needle}"))
    };
    assert!(at("id=\"accounts-heading\"") < at("id=\"invite-heading\""));
}

/// The value, `aria-invalid` and description of the field labelled `label`.
async fn field_state(c: &Client, label: &str) -> (String, Option<String>, String) {
    let input = c.find(Locator::XPath(&field(label))).await.unwrap();
    let value = input.prop("value").await.unwrap().unwrap_or_default();
    let invalid = input.attr("aria-invalid").await.unwrap();
    let mut described = String::new();
    if let Some(ids) = input.attr("aria-describedby").await.unwrap() {
        for id in ids.split_whitespace() {
            described.push_str(&c.find(Locator::Id(id)).await.unwrap().text().await.unwrap());
        }
    }
    (value, invalid, described)
}

async fn focused_class_and_text(c: &Client) -> (String, String) {
    let mut focused = (String::new(), String::new());
    for _ in 0..30 {
        let active = c.active_element().await.unwrap();
        focused = (
            active.attr("class").await.unwrap().unwrap_or_default(),
            active.text().await.unwrap(),
        );
        if focused.0.contains("error-summary") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    focused
}

async fn a_refused_invitation_comes_back_on_its_form_with_what_was_typed_in_chromium(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let root = system_admin(&app, "root@example.org").await;
    org_admin(&app, "Harbor Clinic", "boss@harbor.example.org").await;
    app.active_user("alice@example.org", "Alice Example", PASSWORD)
        .await;
    let accounts = "SELECT COUNT(*) FROM accounts";
    let letters = "SELECT COUNT(*) FROM mail_queue";
    let (before, queued) = (app.count(accounts).await, app.count(letters).await);
    let chrome = chrome().await;
    let c = &chrome.client;
    take_over(c, &app, &root).await;
    resize(c, 320, 800).await;

    for (address, says) in [
        (
            "alice@example.org",
            "An account with this email address already exists.",
        ),
        (
            "ana.at.example.org",
            "Enter the email address in the form name@example.com.",
        ),
    ] {
        c.goto(&format!("{}/admin", app.url)).await.unwrap();
        wait_for_text(c, "Invite a person").await;
        type_into(c, "Display Name", "Ana Again").await;
        c.execute(
            "document.getElementById('email').type = 'text';", // let the server judge it
            vec![],
        )
        .await
        .unwrap();
        type_into(c, "Email", address).await;
        type_into(c, "Organization", "Harbor Clinic").await;
        click(c, "Send invitation").await;
        wait_for_text(c, "There is a problem").await;

        let (class, text) = focused_class_and_text(c).await;
        assert!(
            class.contains("error-summary") && text.contains(says),
            "focus on the problem ({class:?}, {text:?}), which says {says:?}"
        );
        assert!(c.title().await.unwrap().starts_with("Error:"));
        let (email, invalid, described) = field_state(c, "Email").await;
        assert_eq!(email, address, "what was typed is still there");
        assert_eq!(invalid.as_deref(), Some("true"));
        assert!(described.contains(says), "{described:?}");
        assert_eq!(field_state(c, "Display Name").await.0, "Ana Again");
        assert_eq!(field_state(c, "Organization").await.0, "Harbor Clinic");
        // Nothing was created or sent, and the page still fits a phone.
        assert_eq!(app.count(accounts).await, before);
        assert_eq!(app.count(letters).await, queued);
        let widths = c
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .unwrap();
        assert!(widths[0].as_u64() <= widths[1].as_u64(), "{widths}");
    }

    // Corrected in place, it goes.
    let email = c.find(Locator::XPath(&field("Email"))).await.unwrap();
    email.clear().await.unwrap();
    type_into(c, "Email", "ana@example.org").await;
    c.find(Locator::XPath(&field("Organization")))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    click(c, "Send invitation").await;
    wait_for_text(c, "Invitation sent").await;
    assert_eq!(app.count(accounts).await, before + 1);
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(the_rollout_counts_where_everyone_stands_and_sends_new_links_within_scope);

/// The rollout's figures, as the page's table shows them (row heading → count).
fn rollout_figures(page: &crate::helpers::Page) -> std::collections::BTreeMap<String, i64> {
    page.table_rows("table.counts tbody")
        .into_iter()
        .filter_map(|cells| Some((cells.first()?.clone(), cells.get(1)?.parse().ok()?)))
        .collect()
}

async fn the_rollout_counts_where_everyone_stands_and_sends_new_links_within_scope(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let event = tessera::audit::AuditEvent::new("organization-created", "test", "Harbor Clinic");
    app.app
        .store
        .create_org("Harbor Clinic", app.clock_now(), event)
        .await
        .unwrap();
    let invite_to = |email: &'static str, name: &'static str, org: Option<&'static str>, role| {
        let app = &app;
        async move {
            app.invite_as(tessera::flows::invitation::InvitationRequest {
                email: email.into(),
                display_name: name.into(),
                organization: org.map(String::from),
                role,
            })
            .await
        }
    };
    use tessera::domain::account::Role;
    let old_link = invite_to(
        "olga@harbor.example.org",
        "Olga Old",
        Some("Harbor Clinic"),
        Role::User,
    )
    .await;
    let outside_link = invite_to("otto@example.org", "Otto Outside", None, Role::User).await;
    let csv = "email,display_name,password_hash,organization\n\
               imre@harbor.example.org,Imre Imported,$2b$04$abcdefghijklmnopqrstuuLTyEZD9vTf1R1Kd1sYhDyLPDvMJfM2q,Harbor Clinic\n";
    tessera::flows::import::import_users(&app.app, std::io::Cursor::new(csv), "test", |_, _| {})
        .await
        .unwrap();
    // Two days on, those links have expired; the invitations below have not.
    app.clock.advance(49 * 3600);
    let root = system_admin(&app, "root@example.org").await;
    let boss = app
        .active_account(
            tessera::flows::invitation::InvitationRequest {
                email: "boss@harbor.example.org".into(),
                display_name: "Admin of Harbor Clinic".into(),
                organization: Some("Harbor Clinic".into()),
                role: Role::OrgAdmin,
            },
            PASSWORD,
        )
        .await;
    let alice = app
        .active_user("alice@example.org", "Alice Example", PASSWORD)
        .await;
    invite_to(
        "ivy@harbor.example.org",
        "Ivy Invited",
        Some("Harbor Clinic"),
        Role::User,
    )
    .await;
    let rae_link = invite_to(
        "rae@harbor.example.org",
        "Rae Registering",
        Some("Harbor Clinic"),
        Role::User,
    )
    .await;
    let rae = app.new_browser();
    rae.get_absolute(&rae_link).await;
    rae.register("Rae Registering", PASSWORD, PASSWORD, "email")
        .await;

    let everyone = root.get("/admin/rollout").await;
    assert_eq!(everyone.status, 200, "{everyone}");
    let figures = rollout_figures(&everyone);
    assert_eq!(figures["Invited (no password set yet)"], 3, "{figures:?}");
    assert_eq!(figures["Registering (second factor not verified yet)"], 1);
    assert_eq!(figures["Imported, not signed in to register yet"], 1);
    assert_eq!(figures["Invitation links expired"], 2, "Olga's and Otto's");
    // root, boss and Alice registered with the emailed code.
    assert_eq!(figures["Active with Email"], 3, "{figures:?}");
    everyone.assert_shows("3 of 8 accounts have registered for multi-factor authentication (37%).");

    // The organization administrator sees their organization only: boss, Olga, Imre, Ivy, Rae.
    let theirs = boss.get("/admin/rollout").await;
    let figures = rollout_figures(&theirs);
    assert_eq!(figures["Invited (no password set yet)"], 2, "{figures:?}");
    assert_eq!(figures["Invitation links expired"], 1, "Olga's");
    theirs.assert_shows("1 of 5 accounts have registered for multi-factor authentication (20%).");

    // Their mailing reaches their organization's expired links only, through the mail queue.
    app.mail_settled().await;
    let letters_before = app.mail.all_messages().len();
    let sent = boss.post("/admin/rollout/expired-links", &[]).await;
    assert_eq!(sent.status, 200, "{sent}");
    sent.assert_shows("1 new registration link queued");
    let olga = app.mail.message_to("olga@harbor.example.org", 1).await;
    assert_ne!(olga.link(), old_link);
    assert!(
        app.mail.messages_to("otto@example.org").await.len() == 1,
        "Otto is not theirs"
    );
    assert_eq!(
        app.mail.messages_to("ivy@harbor.example.org").await.len(),
        1
    );
    assert_eq!(app.mail.all_messages().len(), letters_before + 1);
    let fresh = app.new_browser().get_absolute(&olga.link()).await;
    assert!(
        fresh.url.ends_with("/register"),
        "the new link works: {}",
        fresh.url
    );
    let boss_id = app
        .count("SELECT id FROM accounts WHERE email = 'boss@harbor.example.org'")
        .await;
    let resent = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE event = 'registration-link-sent' AND actor = '{}'",
            tessera::audit::account(boss_id)
        ))
        .await;
    assert_eq!(resent, 1, "each letter is audited with its administrator");
    assert_eq!(
        rollout_figures(&boss.get("/admin/rollout").await)["Invitation links expired"],
        0
    );

    // The reminder goes to everyone in scope who has not finished, each with a new link.
    let reminded = root.post("/admin/rollout/unfinished", &[]).await;
    reminded.assert_shows("reminders with a new registration link queued");
    let otto = app.mail.message_to("otto@example.org", 1).await;
    assert_ne!(otto.link(), outside_link);
    assert_eq!(
        app.new_browser().get_absolute(&outside_link).await.status,
        410
    );

    // Nobody else may look or send, and an unknown mailing is missing. The reminders still on
    // their way are counted first: only Otto's letter was awaited.
    app.mail_settled().await;
    let before = app.mail.all_messages().len();
    for path in ["/admin/rollout"] {
        assert_eq!(alice.get(path).await.status, 404);
    }
    for path in ["/admin/rollout/expired-links", "/admin/rollout/unfinished"] {
        assert_eq!(alice.post(path, &[]).await.status, 404, "{path}");
    }
    assert_eq!(root.post("/admin/rollout/everyone", &[]).await.status, 404);
    let stranger = app.new_browser();
    let asked = stranger.post("/admin/rollout/unfinished", &[]).await;
    assert!(asked.url.contains("/login"), "signed out: {}", asked.url);
    // Anything queued by a refused request would be sent by now.
    app.mail_settled().await;
    assert_eq!(app.mail.all_messages().len(), before);
}
