//! The audit log viewer: administrators filter and export the trail, and an organization
//! administrator sees nothing of another organization's entries.

use tessera::domain::account::Role;
use tessera::domain::email::Email;
use tessera::flows::invitation::InvitationRequest;

use crate::helpers::{Backend, Browser, Page, TestApp, spawn_app};
use crate::on_both_backends;

const PASSWORD: &str = "marmalade orbit kettle";

/// Creates an active administrator (of a new organization, or of the system), signed in.
async fn administrator(app: &TestApp, org: Option<&str>, email: &str, role: Role) -> Browser {
    if let Some(org) = org {
        let event = tessera::audit::AuditEvent::new("organization-created", "test", org);
        app.app
            .store
            .create_org(org, app.clock_now(), event)
            .await
            .unwrap();
    }
    let request = InvitationRequest {
        email: email.into(),
        display_name: "Some Administrator".into(),
        organization: org.map(str::to_string),
        role,
    };
    app.active_account(request, PASSWORD).await
}

async fn org_admin(app: &TestApp, org: &str, email: &str) -> Browser {
    administrator(app, Some(org), email, Role::OrgAdmin).await
}

async fn sign_in(app: &TestApp, browser: &Browser, email: &str) {
    browser.sign_in(email, PASSWORD).await;
    browser.post("/verify/email/send", &[]).await;
    let code = app.latest_code(email).await;
    browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
}

/// The administrator invites a person through the console, who registers and signs in.
async fn member(app: &TestApp, admin: &Browser, email: &str) -> i64 {
    admin
        .post(
            "/admin/users",
            &[("display_name", "Member Person"), ("email", email)],
        )
        .await;
    let link = app.mail.message_to(email, 0).await.link();
    let browser = app.new_browser();
    browser.get_absolute(&link).await;
    browser
        .register("Member Person", PASSWORD, PASSWORD, "email")
        .await;
    sign_in(app, &browser, email).await;
    assert!(browser.get("/").await.has("Welcome, Member Person"));
    account_id(app, email).await
}

async fn account_id(app: &TestApp, email: &str) -> i64 {
    let email = Email::parse(email).unwrap();
    app.app
        .store
        .account_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .0
        .id
}

/// The table's rows, each its cells' text (the filter form lists every event name, so the
/// whole page would not do).
fn entries(page: &Page) -> Vec<Vec<String>> {
    assert_eq!(page.status, 200, "{page}");
    let rows = page.table_rows("tbody");
    assert!(!rows.is_empty(), "expected the entries' table; {page}");
    rows
}

fn rows(page: &Page) -> usize {
    entries(page).len()
}

/// Whether a cell of the table reads `text`.
fn has_cell(table: &[Vec<String>], text: &str) -> bool {
    table.iter().flatten().any(|cell| cell == text)
}

/// The column of the entry's subject.
const SUBJECT: usize = 4;

async fn an_organization_administrator_sees_only_their_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let north = org_admin(&app, "Northside Clinic", "boss@north.example.org").await;
    let south = org_admin(&app, "Southside Clinic", "boss@south.example.org").await;
    let nora = member(&app, &north, "nora@north.example.org").await;
    let sam = member(&app, &south, "sam@south.example.org").await;
    let south_boss = account_id(&app, "boss@south.example.org").await;
    let north_boss = account_id(&app, "boss@north.example.org").await;

    assert!(north.get("/admin").await.has("Audit log"));
    let page = north.get("/admin/audit").await;
    let table = entries(&page);
    assert!(
        has_cell(&table, "account-invited") && has_cell(&table, &format!("account:{north_boss}")),
        "the invitation the administrator sent: {table:?}"
    );
    assert!(
        has_cell(&table, &format!("account:{nora}")) && has_cell(&table, "signed-in"),
        "the member's sign-in"
    );
    for other in [sam, south_boss] {
        assert!(
            !table
                .iter()
                .flatten()
                .any(|cell| cell.ends_with(&format!("account:{other}"))),
            "nothing of another organization: {table:?}"
        );
    }

    // Filters: by event, by user, by actor; a user of another organization matches nothing.
    let page = north.get("/admin/audit?event=signed-in").await;
    let table = entries(&page);
    assert!(rows(&page) >= 2);
    assert_eq!(
        table
            .iter()
            .flatten()
            .filter(|cell| *cell == "signed-in")
            .count(),
        rows(&page)
    );
    let page = north
        .get("/admin/audit?user=nora%40north.example.org")
        .await;
    assert!(rows(&page) >= 3);
    assert_eq!(
        entries(&page)
            .iter()
            .filter(|row| row.get(SUBJECT) == Some(&format!("account:{nora}")))
            .count(),
        rows(&page),
        "every entry is about Nora"
    );
    let page = north
        .get("/admin/audit?actor=boss%40north.example.org&event=account-invited")
        .await;
    assert_eq!(rows(&page), 1, "{:?}", entries(&page));
    assert!(has_cell(&entries(&page), "account-invited"));
    for query in [
        "user=sam%40south.example.org",
        "user=nobody%40example.org",
        "event=no-such-event",
        "from=yesterday",
    ] {
        let page = north.get(&format!("/admin/audit?{query}")).await;
        assert!(page.has("No entries match."), "{query}");
        assert_eq!(rows(&page), 1, "{query}");
    }
    let today = tessera::flows::audit_log::rfc3339(app.clock_now())[..10].to_string();
    let page = north
        .get(&format!("/admin/audit?from={today}&to={today}"))
        .await;
    assert!(rows(&page) > 3, "today's entries");
    let page = north.get("/admin/audit?to=2000-01-01").await;
    assert!(page.has("No entries match."));

    // Paging: 100 a page, and Older continues where the page ended.
    for _ in 0..120 {
        let event = tessera::audit::AuditEvent::new(
            "signed-out",
            tessera::audit::account(nora),
            tessera::audit::account(nora),
        );
        app.app.store.record(app.clock_now(), event).await.unwrap();
    }
    let page = north.get("/admin/audit?event=signed-out").await;
    assert_eq!(rows(&page), 100);
    let older = page
        .link_named("Older")
        .unwrap_or_else(|| panic!("expected an Older link; {page}"));
    let marker = "before=";
    let at = older.find(marker).expect("the Older link's start") + marker.len();
    let before: String = older[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let older = north
        .get(&format!("/admin/audit?event=signed-out&before={before}"))
        .await;
    assert!((20..=21).contains(&rows(&older)), "{}", rows(&older));
    assert!(older.lacks("before="), "the last page");

    // Exports: the filtered entries, as attachments.
    let csv = north
        .get("/admin/audit/export?format=csv&user=nora%40north.example.org")
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = csv.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=") && disposition.contains(".csv"),
        "{disposition}"
    );
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["seq", "time", "event", "actor", "subject", "detail"]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(records.len() > 120, "every matching entry, not one page");
    assert!(records.iter().all(|r| r[4] == format!("account:{nora}")));
    assert!(records.iter().any(|r| &r[2] == "signed-in"));
    assert!(records[0][1].ends_with('Z') && records[0][1].contains('T'));

    let jsonl = north.get("/admin/audit/export?format=jsonl").await;
    assert_eq!(jsonl.status, 200);
    assert_eq!(
        jsonl.headers["content-type"].to_str().unwrap(),
        "application/x-ndjson"
    );
    assert!(
        jsonl.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".jsonl")
    );
    let lines: Vec<serde_json::Value> = jsonl
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 120);
    assert!(
        lines
            .windows(2)
            .all(|w| w[0]["seq"].as_i64() > w[1]["seq"].as_i64()),
        "newest first"
    );
    let mentions = |who: i64| {
        let text = format!("account:{who}");
        lines
            .iter()
            .any(|l| l["subject"] == text.as_str() || l["actor"] == text.as_str())
    };
    assert!(mentions(nora) && mentions(north_boss));
    assert!(!mentions(sam) && !mentions(south_boss));
    assert_eq!(
        north.get("/admin/audit/export?format=xml").await.status,
        400
    );
}

async fn plain_users_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app
        .active_user("plain@example.org", "Plain User", PASSWORD)
        .await;
    for path in ["/admin/audit", "/admin/audit/export?format=csv"] {
        assert_eq!(user.get(path).await.status, 404, "{path}");
        let anonymous = app.new_browser().get(path).await;
        assert!(
            anonymous.url.ends_with("/login"),
            "{path}: {}",
            anonymous.url
        );
    }
}

async fn a_system_administrator_sees_every_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    let north = org_admin(&app, "Northside Clinic", "boss@north.example.org").await;
    let south = org_admin(&app, "Southside Clinic", "boss@south.example.org").await;
    let nora = member(&app, &north, "nora@north.example.org").await;
    let sam = member(&app, &south, "sam@south.example.org").await;
    let system = administrator(&app, None, "root@example.org", Role::SystemAdmin).await;

    let table = entries(&system.get("/admin/audit?event=signed-in").await);
    for who in [nora, sam] {
        assert!(has_cell(&table, &format!("account:{who}")), "{table:?}");
    }
    // A system administrator may narrow to one organization.
    let page = system
        .get("/admin/audit?organization=Southside+Clinic&event=signed-in")
        .await;
    let table = entries(&page);
    assert!(has_cell(&table, &format!("account:{sam}")));
    assert!(!has_cell(&table, &format!("account:{nora}")));
    let page = system
        .get("/admin/audit?user=sam%40south.example.org")
        .await;
    assert!(rows(&page) >= 3);

    // An organization administrator's choice of organization counts for nothing.
    let page = north
        .get("/admin/audit?organization=Southside+Clinic&event=signed-in")
        .await;
    assert!(!has_cell(&entries(&page), &format!("account:{sam}")));
}

on_both_backends!(
    an_organization_administrator_sees_only_their_organization,
    plain_users_are_refused,
    a_system_administrator_sees_every_organization,
);
