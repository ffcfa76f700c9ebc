//! Managing the applications a reverse proxy protects with forward authentication (issue 15)
//! from the administration console (`/admin/apps`) and the API (`/api/v1/apps`): list,
//! register, disable, enable, delete. Each change is audited with its actor (OWASP ASVS 5.0
//! V16.2.1); organization administrators see and touch only their organization's
//! applications, and another organization's application answers exactly like one that does
//! not exist (ASVS V8.2.2, V8.4.1); plain users and the signed-out are refused (ASVS V8.2.1);
//! an address is checked strictly before anything is stored (ASVS V2.2.1: an origin only,
//! https but on loopback, never `javascript:`).

use reqwest::Method;
use serde_json::json;
use tessera::flows::admin::Admin;
use tessera::flows::apps::{self, AppRequest};

use crate::admin::{org_admin, system_admin};
use crate::admin_api_helpers::{Api, MISSING, account_id, audit_about, each_by};
use crate::api::{create_token, org};
use crate::helpers::{Backend, Options, Page, TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(
    forward_apps_a_system_administrator_manages_applications_from_the_console,
    forward_apps_an_organization_administrator_manages_only_their_organizations_applications,
    forward_apps_the_api_manages_applications_with_a_token_and_refuses_everyone_else,
);

const PASSWORD: &str = "correct horse battery staple";

/// The application's id by its origin (0: none).
async fn app_id(app: &TestApp, origin: &str) -> i64 {
    app.count(&format!(
        "SELECT COALESCE(MAX(id), 0) FROM forward_apps WHERE origin = '{origin}'"
    ))
    .await
}

async fn is_disabled(app: &TestApp, id: i64) -> bool {
    app.count(&format!(
        "SELECT COUNT(*) FROM forward_apps WHERE id = {id} AND disabled_at IS NOT NULL"
    ))
    .await
        == 1
}

async fn apps_stored(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT COUNT(*) FROM forward_apps").await,
        app.count("SELECT COUNT(*) FROM forward_app_orgs").await,
    )
}

/// The audit entries (event, actor) about one application, oldest first.
async fn app_audit(app: &TestApp, origin: &str) -> Vec<(String, String)> {
    audit_about(app, &format!("app:{origin}")).await
}

/// How many `app-…` entries the audit log holds (a refusal writes none).
async fn app_events(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_log WHERE event LIKE 'app-%'")
        .await
}

fn every_action_by(actor: &str) -> Vec<(String, String)> {
    each_by(
        actor,
        &["app-created", "app-disabled", "app-enabled", "app-deleted"],
    )
}

/// An application registered from the command line, as `tessera admin create-app` does.
async fn cli_app(app: &TestApp, name: &str, url: &str, organizations: &[&str]) -> i64 {
    apps::create(
        &app.app,
        &Admin::cli(),
        AppRequest {
            name: name.into(),
            url: url.into(),
            organizations: organizations.iter().map(|o| o.to_string()).collect(),
        },
    )
    .await
    .unwrap()
    .id
}

/// The list's row that names the application, its cells joined.
fn row_of(page: &Page, name: &str) -> Option<String> {
    page.table_rows("table.apps tbody")
        .into_iter()
        .map(|r| r.join(" | "))
        .find(|r| r.contains(name))
}

/// The page without its CSRF token, and with `from`'s number written as `to`'s: the answer
/// about another organization's application against the answer about none at all.
fn comparable(page: &Page, from: i64, to: i64) -> (u16, String, String) {
    (
        page.status,
        page.url.replace(&format!("/{from}/"), &format!("/{to}/")),
        page.body_without_csrf()
            .replace(&format!("/{from}"), &format!("/{to}")),
    )
}

/// Bad registrations: (name, url, organization, what the refusal says, status).
const BAD: &[(&str, &str, &str, &str, u16)] = &[
    (
        "",
        "https://nameless.example.org",
        "",
        "Give the application a name",
        422,
    ),
    (
        "Deep link",
        "https://deep.example.org/portal/home",
        "",
        "is not an application address",
        422,
    ),
    (
        "Script",
        "javascript:alert(1)",
        "",
        "is not an application address",
        422,
    ),
    (
        "Sneaky user",
        "https://user@sneaky.example.org",
        "",
        "is not an application address",
        422,
    ),
    (
        "Unknown place",
        "https://unknown.example.org",
        "Nowhere Clinic",
        "There is no organization named \"Nowhere Clinic\"",
        422,
    ),
    // The origin registered first, written otherwise: the same origin.
    (
        "Twin portal",
        "https://PORTAL.example.org:443/",
        "",
        "An application is registered at https://portal.example.org already.",
        409,
    ),
];

/// The console, end to end: the link from /admin, the labelled form, register (for one
/// organization, and for every organization), bad input refused on the form with what was
/// typed and nothing stored, disable, enable, delete, each audited with the system
/// administrator as actor (ASVS V16.2.1).
async fn forward_apps_a_system_administrator_manages_applications_from_the_console(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    org(&app, "Northside Clinic").await;
    let root = system_admin(&app, "root@example.org").await;
    let actor = format!("account:{}", account_id(&app, "root@example.org").await);

    let console = root.get("/admin").await;
    assert_eq!(
        console.link_named("Protected applications (forward authentication)"),
        Some("/admin/apps".into()),
        "{console}"
    );
    let list = root.get("/admin/apps").await;
    assert_eq!(list.status, 200, "{list}");
    list.assert_shows("No application is registered yet.");
    assert!(list.form_actions().contains(&"/admin/apps".to_string()));
    for (label, field) in [
        ("Name", "name"),
        ("URL (origin)", "url"),
        (
            "Organization (only its people may use the application)",
            "organization",
        ),
    ] {
        let found = list
            .element_with_text("label", label)
            .unwrap_or_else(|| panic!("label {label}: {list}"));
        assert_eq!(found.attr("for"), Some(field), "{label}");
        assert!(list.has_element(&format!("#{field}")), "#{field}");
    }
    let choices: Vec<String> = list
        .select("#organization option")
        .into_iter()
        .map(|o| o.text)
        .collect();
    assert_eq!(choices, ["Every organization", "Northside Clinic"]);

    // Register one for an organization, and one for every organization.
    let registered = root
        .post(
            "/admin/apps",
            &[
                ("name", "Patient portal"),
                ("url", "https://portal.example.org/"),
                ("organization", "Northside Clinic"),
            ],
        )
        .await;
    assert_eq!(registered.status, 200, "{registered}");
    assert!(
        registered.url.ends_with("/admin/apps?done=registered"),
        "{registered}"
    );
    registered.assert_shows("The application is registered");
    let row = row_of(&registered, "Patient portal").expect("listed");
    for shown in ["https://portal.example.org", "Northside Clinic", "enabled"] {
        assert!(row.contains(shown), "{shown} in {row}");
    }
    let wiki = root
        .post(
            "/admin/apps",
            &[
                ("name", "Staff wiki"),
                ("url", "https://wiki.example.org"),
                ("organization", ""),
            ],
        )
        .await;
    let row = row_of(&wiki, "Staff wiki").expect("listed");
    assert!(row.contains("every organization"), "{row}");
    let id = app_id(&app, "https://portal.example.org").await;
    assert!(id > 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM forward_app_orgs WHERE app = {id}"
        ))
        .await,
        1
    );

    // Bad input: said on the form, what was typed kept, nothing stored or audited.
    let stored = apps_stored(&app).await;
    let events = app_events(&app).await;
    for (name, url, organization, says, status) in BAD {
        let refused = root
            .post(
                "/admin/apps",
                &[("name", name), ("url", url), ("organization", organization)],
            )
            .await;
        assert_eq!(refused.status, *status, "{url}: {refused}");
        assert!(
            refused.errors().iter().any(|e| e.contains(says)),
            "{url}: {:?}",
            refused.errors()
        );
        assert_eq!(refused.input_value("name").as_deref(), Some(*name));
        assert_eq!(refused.input_value("url").as_deref(), Some(*url));
        assert_eq!(
            refused.first("#url").unwrap().attr("aria-describedby"),
            Some("url-hint app-error"),
            "the field names its error"
        );
        assert_eq!(apps_stored(&app).await, stored, "{url}");
    }
    assert_eq!(app_events(&app).await, events, "refusals are not audited");

    // Disable, enable: the list says so, the row's button changes.
    let disabled = root.post(&format!("/admin/apps/{id}/disable"), &[]).await;
    assert!(
        disabled.url.ends_with("/admin/apps?done=disabled"),
        "{disabled}"
    );
    disabled.assert_shows("The application is disabled");
    assert!(is_disabled(&app, id).await);
    assert!(
        row_of(&disabled, "Patient portal")
            .unwrap()
            .contains("disabled")
    );
    assert!(
        disabled
            .form_actions()
            .contains(&format!("/admin/apps/{id}/enable"))
    );
    let button = disabled
        .element_with_text("button", "Enable")
        .expect("an Enable button");
    assert_eq!(button.attr("aria-label"), Some("Enable Patient portal"));
    let enabled = root.post(&format!("/admin/apps/{id}/enable"), &[]).await;
    enabled.assert_shows("The application is enabled");
    assert!(!is_disabled(&app, id).await);
    assert!(
        row_of(&enabled, "Patient portal")
            .unwrap()
            .contains("enabled")
    );

    // An unknown action is the missing page, and changes nothing.
    let unknown = root.post(&format!("/admin/apps/{id}/explode"), &[]).await;
    assert_eq!(unknown.status, 404);

    // Delete: gone with its organizations.
    let deleted = root.post(&format!("/admin/apps/{id}/delete"), &[]).await;
    assert_eq!(deleted.status, 200, "{deleted}");
    assert!(
        deleted.url.ends_with("/admin/apps?done=deleted"),
        "{deleted}"
    );
    deleted.assert_shows("The application was deleted");
    assert!(row_of(&deleted, "Patient portal").is_none());
    assert_eq!(app_id(&app, "https://portal.example.org").await, 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM forward_app_orgs WHERE app = {id}"
        ))
        .await,
        0
    );
    let again = root.post(&format!("/admin/apps/{id}/delete"), &[]).await;
    assert_eq!(again.status, 404, "gone");

    // Every change, in order, with its actor (ASVS V16.2.1); refusals wrote nothing.
    assert_eq!(
        app_audit(&app, "https://portal.example.org").await,
        every_action_by(&actor)
    );
}

/// An organization administrator registers applications for their organization only (the
/// form has no choice), sees only those, and another organization's application (or one
/// for every organization, or shared with another) answers every action, on the pages and
/// the API, exactly as a missing one, and is left untouched (ASVS V8.2.2, V8.4.1).
async fn forward_apps_an_organization_administrator_manages_only_their_organizations_applications(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ann = org_admin(&app, "Alpha Clinic", "ann@alpha.example.org").await;
    org(&app, "Beta Clinic").await;
    let actor = format!(
        "account:{}",
        account_id(&app, "ann@alpha.example.org").await
    );
    let alpha_org = app
        .count("SELECT id FROM organizations WHERE name = 'Alpha Clinic'")
        .await;
    let foreign = [
        (
            cli_app(
                &app,
                "Beta portal",
                "https://beta.example.org",
                &["Beta Clinic"],
            )
            .await,
            "https://beta.example.org",
        ),
        (
            cli_app(&app, "Everyone wiki", "https://wiki.example.org", &[]).await,
            "https://wiki.example.org",
        ),
        (
            cli_app(
                &app,
                "Shared records",
                "https://records.example.org",
                &["Alpha Clinic", "Beta Clinic"],
            )
            .await,
            "https://records.example.org",
        ),
    ];

    // The console: no organization field; the others' applications are not shown.
    let list = ann.get("/admin/apps").await;
    assert_eq!(list.status, 200, "{list}");
    assert!(!list.has_element("#organization"), "{}", list.body);
    list.assert_shows("Only the people of your organization (Alpha Clinic)");
    for other in ["Beta portal", "Everyone wiki", "Shared records"] {
        assert!(list.lacks(other), "{other} shown to A's administrator");
    }
    let registered = ann
        .post(
            "/admin/apps",
            &[
                ("name", "Alpha portal"),
                ("url", "https://alpha.example.org"),
            ],
        )
        .await;
    assert!(
        registered.url.ends_with("/admin/apps?done=registered"),
        "{registered}"
    );
    let rows = registered.table_rows("table.apps tbody");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].join(" ").contains("Alpha Clinic"), "{rows:?}");
    let alpha = app_id(&app, "https://alpha.example.org").await;
    assert_eq!(
        app.count(&format!(
            "SELECT org_id FROM forward_app_orgs WHERE app = {alpha}"
        ))
        .await,
        alpha_org
    );

    // Another organization (a forged field), or one that does not exist: one answer, and
    // nothing stored.
    let stored = apps_stored(&app).await;
    let mut answers = Vec::new();
    for organization in ["Beta Clinic", "Nowhere Clinic"] {
        let refused = ann
            .post(
                "/admin/apps",
                &[
                    ("name", "Sneaky"),
                    ("url", "https://sneaky.example.org"),
                    ("organization", organization),
                ],
            )
            .await;
        assert_eq!(refused.status, 422, "{refused}");
        answers.push(refused.errors());
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0][0].contains("your own organization only"),
        "{answers:?}"
    );
    assert_eq!(apps_stored(&app).await, stored);

    // The others' applications on every action: exactly the answer about none.
    for (id, _) in &foreign {
        for action in ["disable", "enable", "delete"] {
            let asked = ann.post(&format!("/admin/apps/{id}/{action}"), &[]).await;
            let missing = ann
                .post(&format!("/admin/apps/{MISSING}/{action}"), &[])
                .await;
            assert_eq!(asked.status, 404, "{action}: {asked}");
            assert_eq!(
                comparable(&asked, *id, MISSING),
                comparable(&missing, MISSING, MISSING),
                "{action}"
            );
        }
    }

    // The API with the session (and the page's CSRF token), and with A's token: likewise.
    let token = create_token(&app, &["--name", "alpha sync", "--org", "Alpha Clinic"]);
    for api in [Api::session(&ann).await, Api::token(&app, &token)] {
        let (status, listed) = api.call(Method::GET, "/api/v1/apps", None).await;
        assert_eq!(status, 200, "{listed}");
        let names: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["Alpha portal"]);
        for (id, _) in &foreign {
            for (method, suffix) in [
                (Method::GET, ""),
                (Method::POST, "/disable"),
                (Method::POST, "/enable"),
                (Method::DELETE, ""),
            ] {
                let asked = api
                    .call(method.clone(), &format!("/api/v1/apps/{id}{suffix}"), None)
                    .await;
                let missing = api
                    .call(
                        method.clone(),
                        &format!("/api/v1/apps/{MISSING}{suffix}"),
                        None,
                    )
                    .await;
                assert_eq!(asked.0, 404, "{method} {suffix}: {}", asked.1);
                assert_eq!(asked, missing, "{method} {suffix}");
            }
        }
        let (status, refused) = api
            .call(
                Method::POST,
                "/api/v1/apps",
                Some(json!({"name": "Sneaky", "url": "https://sneaky.example.org", "organizations": ["Beta Clinic"]})),
            )
            .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["code"], "invalid");
    }
    assert_eq!(apps_stored(&app).await, stored);

    // The others' applications are as they were; nothing was audited about them but their
    // registration.
    for (id, origin) in &foreign {
        assert_eq!(app_id(&app, origin).await, *id);
        assert!(!is_disabled(&app, *id).await);
        assert_eq!(
            app_audit(&app, origin).await,
            vec![("app-created".to_string(), "cli".to_string())]
        );
    }

    // Their own application, through the API with the session: registered (always theirs),
    // and every action, audited as them.
    let api = Api::session(&ann).await;
    let (status, created) = api
        .call(
            Method::POST,
            "/api/v1/apps",
            Some(json!({"name": "Alpha records", "url": "https://records.alpha.example.org"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["organizations"], json!(["Alpha Clinic"]));
    let own = created["id"].as_i64().unwrap();
    for action in ["disable", "enable"] {
        let (status, body) = api
            .call(Method::POST, &format!("/api/v1/apps/{own}/{action}"), None)
            .await;
        assert_eq!(status, 204, "{action}: {body}");
    }
    let (status, body) = api
        .call(Method::DELETE, &format!("/api/v1/apps/{own}"), None)
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        app_audit(&app, "https://records.alpha.example.org").await,
        every_action_by(&actor)
    );
    // And on the console.
    for action in ["disable", "enable", "delete"] {
        let page = ann
            .post(&format!("/admin/apps/{alpha}/{action}"), &[])
            .await;
        assert_eq!(page.status, 200, "{action}: {page}");
    }
    assert_eq!(
        app_audit(&app, "https://alpha.example.org").await,
        every_action_by(&actor)
    );
}

/// The API with an all-organizations token: the OpenAPI document lists every path; every
/// action works and is audited as the token (ASVS V16.2.1); bad input is a problem that says
/// what to fix and stores nothing (http on a host that is not loopback too, when Tessera is
/// served over https); plain users (403) and the signed-out (401, or the sign-in page) are
/// refused and change nothing (ASVS V8.2.1).
async fn forward_apps_the_api_manages_applications_with_a_token_and_refuses_everyone_else(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    org(&app, "Northside Clinic").await;
    let token = create_token(&app, &["--name", "provisioning"]);
    let token_id = app
        .count("SELECT id FROM api_tokens WHERE name = 'provisioning'")
        .await;
    let actor = format!("api-token:{token_id}");
    let api = Api::token(&app, &token);

    // The document lists every path (utoipa, from the handlers).
    let (_, doc) = api.call(Method::GET, "/api/v1/openapi.json", None).await;
    for (path, method) in [
        ("/api/v1/apps", "get"),
        ("/api/v1/apps", "post"),
        ("/api/v1/apps/{id}", "get"),
        ("/api/v1/apps/{id}", "delete"),
        ("/api/v1/apps/{id}/{action}", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    assert!(doc["components"]["schemas"]["ForwardApp"].is_object());
    assert!(doc["components"]["schemas"]["NewForwardApp"].is_object());

    let (status, created) = api
        .call(
            Method::POST,
            "/api/v1/apps",
            Some(json!({
                "name": "Patient portal",
                "url": "https://portal.example.org",
                "organizations": ["Northside Clinic"],
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["name"], "Patient portal");
    assert_eq!(created["url"], "https://portal.example.org");
    assert_eq!(created["organizations"], json!(["Northside Clinic"]));
    assert_eq!(created["disabled"], false);

    // Bad input: a problem that says what to fix; nothing stored or audited.
    let stored = apps_stored(&app).await;
    let events = app_events(&app).await;
    for (name, url, organization, says, status) in BAD {
        let organizations: Vec<&str> = [*organization]
            .into_iter()
            .filter(|o| !o.is_empty())
            .collect();
        let (answered, problem) = api
            .call(
                Method::POST,
                "/api/v1/apps",
                Some(json!({"name": name, "url": url, "organizations": organizations})),
            )
            .await;
        assert_eq!(answered, *status, "{url}: {problem}");
        let code = if *status == 409 {
            "conflict"
        } else {
            "invalid"
        };
        assert_eq!(problem["code"], code, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{url}: {problem}"
        );
    }
    let (status, problem) = api
        .call(
            Method::POST,
            "/api/v1/apps",
            Some(json!({"name": "No address"})),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "invalid");
    assert_eq!(apps_stored(&app).await, stored);
    assert_eq!(app_events(&app).await, events);

    let (status, listed) = api.call(Method::GET, "/api/v1/apps", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed, json!([created.clone()]));
    let (status, one) = api
        .call(Method::GET, &format!("/api/v1/apps/{id}"), None)
        .await;
    assert_eq!((status, &one), (200, &created));

    let (status, _) = api
        .call(Method::POST, &format!("/api/v1/apps/{id}/disable"), None)
        .await;
    assert_eq!(status, 204);
    assert!(is_disabled(&app, id).await);
    let (_, one) = api
        .call(Method::GET, &format!("/api/v1/apps/{id}"), None)
        .await;
    assert_eq!(one["disabled"], true);
    let (status, _) = api
        .call(Method::POST, &format!("/api/v1/apps/{id}/enable"), None)
        .await;
    assert_eq!(status, 204);
    assert!(!is_disabled(&app, id).await);
    for action in ["explode", "delete"] {
        let (status, _) = api
            .call(Method::POST, &format!("/api/v1/apps/{id}/{action}"), None)
            .await;
        assert_eq!(status, 404, "{action}: deleting is DELETE");
    }

    // Plain users and the signed-out are refused, and change nothing.
    let plain = app
        .active_user("pat@example.org", "Pat Plain", PASSWORD)
        .await;
    assert_eq!(plain.get("/admin/apps").await.status, 404);
    let refused = plain.post(&format!("/admin/apps/{id}/delete"), &[]).await;
    assert_eq!(refused.status, 404);
    let refused = plain
        .post(
            "/admin/apps",
            &[("name", "Mine"), ("url", "https://mine.example.org")],
        )
        .await;
    assert_eq!(refused.status, 404);
    let plain_api = Api::session(&plain).await;
    for (method, path, body) in [
        (Method::GET, "/api/v1/apps".to_string(), None),
        (
            Method::POST,
            "/api/v1/apps".to_string(),
            Some(json!({"name": "Mine", "url": "https://mine.example.org"})),
        ),
        (Method::GET, format!("/api/v1/apps/{id}"), None),
        (Method::POST, format!("/api/v1/apps/{id}/disable"), None),
        (Method::DELETE, format!("/api/v1/apps/{id}"), None),
    ] {
        let (status, problem) = plain_api.call(method, &path, body).await;
        assert_eq!(status, 403, "{path}: {problem}");
        assert_eq!(problem["code"], "forbidden");
    }
    let anonymous = app.new_browser();
    assert!(anonymous.get("/admin/apps").await.url.ends_with("/login"));
    let page = anonymous
        .post(&format!("/admin/apps/{id}/delete"), &[])
        .await;
    assert!(page.url.contains("/login"), "{page}");
    let anonymous_api = Api::session(&anonymous).await;
    for (method, path) in [
        (Method::GET, "/api/v1/apps".to_string()),
        (Method::DELETE, format!("/api/v1/apps/{id}")),
    ] {
        let (status, problem) = anonymous_api.call(method, &path, None).await;
        assert_eq!(status, 401, "{path}: {problem}");
    }
    assert_eq!(apps_stored(&app).await, stored);
    assert!(!is_disabled(&app, id).await);

    let (status, _) = api
        .call(Method::DELETE, &format!("/api/v1/apps/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(app_id(&app, "https://portal.example.org").await, 0);
    let (status, _) = api
        .call(Method::DELETE, &format!("/api/v1/apps/{id}"), None)
        .await;
    assert_eq!(status, 404, "gone");
    assert_eq!(
        app_audit(&app, "https://portal.example.org").await,
        every_action_by(&actor)
    );

    // Tessera served over https: an application on http is refused but on loopback.
    let https = spawn_app_with(
        backend,
        Options {
            public_url: Some("https://auth.example.org".into()),
            ..Options::default()
        },
    )
    .await;
    let token = create_token(&https, &["--name", "provisioning"]);
    let api = Api::token(&https, &token);
    let (status, problem) = api
        .call(
            Method::POST,
            "/api/v1/apps",
            Some(json!({"name": "Plain portal", "url": "http://portal.example.org"})),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("is not https"),
        "{problem}"
    );
    assert_eq!(apps_stored(&https).await, (0, 0));
    let (status, created) = api
        .call(
            Method::POST,
            "/api/v1/apps",
            Some(json!({"name": "Local portal", "url": "http://127.0.0.1:8080"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["url"], "http://127.0.0.1:8080");
}
