//! Managing the staff sign-in providers (staff single sign-on, issue 16) from the
//! administration console (`/admin/providers`) and the API (`/api/v1/providers`): list,
//! register, disable, enable, against a real OpenID Connect provider (`upstream_idp.rs`) whose
//! discovery document is read before anything is stored. System administrators only (OWASP
//! ASVS 5.0 V8.2.1): organization administrators, plain users and the signed-out are refused
//! everywhere and change nothing. The client secret is never answered back, on a page or by
//! the API (ASVS V14.2.1, V13.3.1); bad input is refused with what to fix and stores nothing
//! (ASVS V2.2.1); each change is audited with its actor (ASVS V16.2.1).

use reqwest::Method;
use serde_json::{Value, json};

use crate::admin::{org_admin, system_admin};
use crate::admin_api_helpers::{Api, MISSING, account_id, audit_about, each_by};
use crate::api::{create_token, org};
use crate::helpers::{Backend, Page, TestApp, spawn_app};
use crate::on_both_backends;
use crate::upstream_idp::{UpstreamIdp, example_config};

on_both_backends!(
    identity_providers_a_system_administrator_manages_providers_from_the_console,
    identity_providers_the_api_manages_providers_for_system_administrators,
    identity_providers_are_refused_to_organization_administrators_plain_users_and_the_signed_out,
    identity_providers_a_system_administrator_edits_a_provider_from_the_console,
    identity_providers_the_api_edits_a_provider_for_system_administrators,
);

const PASSWORD: &str = "correct horse battery staple";
const SECRET: &str = "upstream-client-secret";
/// A replacement for `SECRET`, and one typed on a refused edit (never stored).
const NEW_SECRET: &str = "rotated-upstream-secret";
const REFUSED_SECRET: &str = "refused-upstream-secret";

async fn upstream(app: &TestApp) -> UpstreamIdp {
    UpstreamIdp::start(example_config(&format!("{}/login/staff/callback", app.url))).await
}

/// The provider's id by its name (0: none).
async fn provider_id(app: &TestApp, name: &str) -> i64 {
    app.count(&format!(
        "SELECT COALESCE(MAX(id), 0) FROM identity_providers WHERE name = '{name}'"
    ))
    .await
}

async fn is_disabled(app: &TestApp, id: i64) -> bool {
    app.count(&format!(
        "SELECT COUNT(*) FROM identity_providers WHERE id = {id} AND disabled_at IS NOT NULL"
    ))
    .await
        == 1
}

/// (providers, domains) stored.
async fn stored(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT COUNT(*) FROM identity_providers").await,
        app.count("SELECT COUNT(*) FROM identity_provider_domains")
            .await,
    )
}

/// How many `idp-…` entries the audit log holds (a refusal writes none).
async fn idp_events(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_log WHERE event LIKE 'idp-%'")
        .await
}

/// The audit entries (event, actor) about one provider, oldest first.
async fn provider_audit(app: &TestApp, name: &str) -> Vec<(String, String)> {
    audit_about(app, &format!("idp:{name}")).await
}

fn every_action_by(actor: &str) -> Vec<(String, String)> {
    each_by(actor, &["idp-created", "idp-disabled", "idp-enabled"])
}

/// A provider as stored: (name, client_id, sealed secret, organization id, require_local_mfa,
/// domains sorted).
type StoredProvider = (String, String, String, Option<i64>, bool, Vec<String>);

async fn stored_provider(app: &TestApp, id: i64) -> StoredProvider {
    let p = app.app.store.provider(id).await.unwrap().expect("stored");
    let mut domains = p.domains;
    domains.sort();
    (
        p.name,
        p.client_id,
        p.sealed_secret,
        p.org_id,
        p.require_local_mfa,
        domains,
    )
}

/// The stored client secret, opened as a sign-in through the provider opens it.
fn opened(app: &TestApp, provider: &StoredProvider) -> String {
    app.app
        .sealer
        .open(tessera::sealing::Kind::ProviderSecret, &provider.2)
        .unwrap()
}

/// The `idp-changed` entries (actor, subject, detail), oldest first.
async fn idp_changes(app: &TestApp) -> Vec<(String, String, Value)> {
    let mut entries: Vec<(String, String, Value)> = app
        .app
        .store
        .recent_audit(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|(event, _, _, _)| event == "idp-changed")
        .map(|(_, actor, subject, detail)| (actor, subject, serde_json::from_str(&detail).unwrap()))
        .collect();
    entries.reverse();
    entries
}

/// No audit entry holds any of the secrets (ASVS V16.2.5: no secrets in logs).
async fn assert_no_secret_audited(app: &TestApp) {
    for (event, _, _, detail) in app.app.store.recent_audit(1000).await.unwrap() {
        for secret in [SECRET, NEW_SECRET, REFUSED_SECRET] {
            assert!(!detail.contains(secret), "{event}: {detail}");
        }
    }
}

/// The list's row that names the provider, its cells joined.
fn row_of(page: &Page, name: &str) -> Option<String> {
    page.table_rows("table.providers tbody")
        .into_iter()
        .map(|r| r.join(" | "))
        .find(|r| r.contains(name))
}

/// Never in a page: not shown, not in any attribute (a form's value), not in the source.
#[track_caller]
fn assert_no_secret(page: &Page) {
    assert!(page.lacks(SECRET), "the secret in {page}");
    assert!(!page.body.contains(SECRET), "the secret in {}", page.body);
}

/// A registration form's fields.
fn form<'a>(
    name: &'a str,
    issuer: &'a str,
    domains: &'a str,
    organization: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("name", name),
        ("issuer", issuer),
        ("client_id", "tessera"),
        ("client_secret", SECRET),
        ("domains", domains),
        ("organization", organization),
    ]
}

/// Bad registrations against a running provider with `issuer`, a provider for `corp.example`
/// registered already: (name, issuer, domains, organization, what the refusal says, status).
fn bad(
    issuer: &str,
) -> Vec<(
    &'static str,
    String,
    &'static str,
    &'static str,
    &'static str,
    u16,
)> {
    vec![
        (
            "No domain",
            issuer.to_string(),
            "",
            "",
            "Give at least one staff email domain",
            422,
        ),
        (
            "Bad domain",
            issuer.to_string(),
            "not a domain",
            "",
            "is not an email domain",
            422,
        ),
        (
            "",
            issuer.to_string(),
            "nameless.example",
            "",
            "Give the provider a name",
            422,
        ),
        // The provider's discovery document names 127.0.0.1, not localhost: not its issuer.
        (
            "Wrong issuer",
            issuer.replace("127.0.0.1", "localhost"),
            "wrong.example",
            "",
            "The provider says its issuer is",
            422,
        ),
        (
            "Down",
            "http://127.0.0.1:9".to_string(),
            "down.example",
            "",
            "could not be read",
            422,
        ),
        (
            "Not https",
            "http://idp.example.org".to_string(),
            "plain.example",
            "",
            "is not an issuer",
            422,
        ),
        (
            "Nowhere",
            issuer.to_string(),
            "nowhere.example",
            "Nowhere Clinic",
            "There is no organization named \"Nowhere Clinic\"",
            422,
        ),
        // A staff domain belongs to one provider.
        (
            "Twin",
            issuer.to_string(),
            "twin.example\nCORP.example",
            "",
            "is registered already",
            409,
        ),
    ]
}

/// The console, end to end: the link from /admin, the labelled form, register, the list,
/// bad input refused on the form with what was typed (but the secret) and nothing stored,
/// disable, enable, each audited with the system administrator as actor (ASVS V16.2.1).
async fn identity_providers_a_system_administrator_manages_providers_from_the_console(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    org(&app, "Contoso Staff").await;
    let idp = upstream(&app).await;
    let root = system_admin(&app, "root@example.org").await;
    let actor = format!("account:{}", account_id(&app, "root@example.org").await);

    let console = root.get("/admin").await;
    assert_eq!(
        console.link_named("Staff sign-in providers"),
        Some("/admin/providers".into()),
        "{console}"
    );
    let list = root.get("/admin/providers").await;
    assert_eq!(list.status, 200, "{list}");
    assert_eq!(list.heading().as_deref(), Some("Staff sign-in providers"));
    list.assert_shows("No provider is registered yet.");
    assert!(
        list.form_actions()
            .contains(&"/admin/providers".to_string())
    );
    for (label, field) in [
        ("Name", "name"),
        ("Issuer", "issuer"),
        ("Client ID", "client_id"),
        ("Client secret", "client_secret"),
        ("Staff email domains", "domains"),
        ("Organization", "organization"),
        (
            "Always ask for Tessera's own second factor",
            "require_local_mfa",
        ),
    ] {
        let found = list
            .element_with_text("label", label)
            .unwrap_or_else(|| panic!("label {label}: {list}"));
        assert_eq!(found.attr("for"), Some(field), "{label}");
        assert!(list.has_element(&format!("#{field}")), "#{field}");
    }
    let secret = list.first("#client_secret").unwrap();
    assert_eq!(secret.attr("type"), Some("password"));
    assert_eq!(secret.attr("autocomplete"), Some("off"));
    assert_eq!(
        list.first("#require_local_mfa").unwrap().attr("type"),
        Some("checkbox")
    );
    let choices: Vec<String> = list
        .select("#organization option")
        .into_iter()
        .map(|o| o.text)
        .collect();
    assert_eq!(choices, ["None", "Contoso Staff"]);

    // Register: two domains (a line each and a comma), an organization, Tessera's own factor.
    let mut fields = form(
        "Contoso",
        &idp.issuer,
        "corp.example\r\nstaff.corp.example, Corp-Two.example",
        "Contoso Staff",
    );
    fields.push(("require_local_mfa", "on"));
    let registered = root.post("/admin/providers", &fields).await;
    assert_eq!(registered.status, 200, "{registered}");
    assert!(
        registered.url.ends_with("/admin/providers?done=registered"),
        "{registered}"
    );
    registered.assert_shows("The provider is registered");
    assert_no_secret(&registered);
    let row = row_of(&registered, "Contoso").expect("listed");
    for shown in [
        idp.issuer.as_str(),
        "corp-two.example, corp.example, staff.corp.example",
        "Contoso Staff",
        "yes",
        "enabled",
    ] {
        assert!(row.contains(shown), "{shown} in {row}");
    }
    let id = provider_id(&app, "Contoso").await;
    assert!(id > 0);
    assert_eq!(stored(&app).await, (1, 3));
    // Without an organization or the checkbox.
    let second = root
        .post(
            "/admin/providers",
            &form("Fabrikam", &idp.issuer, "fabrikam.example", ""),
        )
        .await;
    assert_eq!(second.status, 200, "{second}");
    let row = row_of(&second, "Fabrikam").expect("listed");
    assert!(row.contains("None") && row.contains("| no |"), "{row}");
    // The login page offers both.
    let login = app.new_browser().get("/login").await;
    login.assert_shows("Sign in with Contoso");
    login.assert_shows("Sign in with Fabrikam");

    // Bad input: said on the form, what was typed kept but the secret, nothing stored or
    // audited.
    let before = stored(&app).await;
    let events = idp_events(&app).await;
    for (name, issuer, domains, organization, says, status) in bad(&idp.issuer) {
        let refused = root
            .post(
                "/admin/providers",
                &form(name, &issuer, domains, organization),
            )
            .await;
        assert_eq!(refused.status, status, "{name}: {refused}");
        assert!(
            refused.errors().iter().any(|e| e.contains(says)),
            "{name}: {:?}",
            refused.errors()
        );
        assert_eq!(refused.input_value("name").as_deref(), Some(name));
        assert_eq!(
            refused.input_value("issuer").as_deref(),
            Some(issuer.as_str())
        );
        assert_eq!(refused.input_value("client_id").as_deref(), Some("tessera"));
        assert_eq!(refused.input_value("client_secret").as_deref(), Some(""));
        assert_eq!(
            refused.first("#domains").unwrap().text,
            domains.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        assert_eq!(
            refused.first("#issuer").unwrap().attr("aria-describedby"),
            Some("issuer-hint provider-error"),
            "the field names its error"
        );
        assert_no_secret(&refused);
        assert_eq!(stored(&app).await, before, "{name}");
    }
    assert_eq!(idp_events(&app).await, events, "refusals are not audited");

    // Disable, enable: the list says so, the row's button changes, the login page follows.
    let disabled = root
        .post(&format!("/admin/providers/{id}/disable"), &[])
        .await;
    assert!(
        disabled.url.ends_with("/admin/providers?done=disabled"),
        "{disabled}"
    );
    disabled.assert_shows("The provider is disabled");
    assert!(is_disabled(&app, id).await);
    assert!(row_of(&disabled, "Contoso").unwrap().contains("disabled"));
    let button = disabled
        .element_with_text("button", "Enable")
        .expect("an Enable button");
    assert_eq!(button.attr("aria-label"), Some("Enable Contoso"));
    assert!(
        app.new_browser()
            .get("/login")
            .await
            .lacks("Sign in with Contoso")
    );
    let enabled = root
        .post(&format!("/admin/providers/{id}/enable"), &[])
        .await;
    enabled.assert_shows("The provider is enabled");
    assert!(!is_disabled(&app, id).await);
    assert!(row_of(&enabled, "Contoso").unwrap().contains("enabled"));
    assert_no_secret(&enabled);

    // An unknown action or provider is the missing page, and changes nothing.
    let unknown = root
        .post(&format!("/admin/providers/{id}/delete"), &[])
        .await;
    assert_eq!(unknown.status, 404);
    let missing = root
        .post(&format!("/admin/providers/{MISSING}/disable"), &[])
        .await;
    assert_eq!(missing.status, 404);
    assert!(!is_disabled(&app, id).await);

    // Every change, in order, with its actor (ASVS V16.2.1); refusals wrote nothing.
    assert_eq!(
        provider_audit(&app, "Contoso").await,
        every_action_by(&actor)
    );
}

fn registration(name: &str, issuer: &str, domains: &[&str]) -> Value {
    json!({"name": name, "issuer": issuer, "client_id": "tessera", "client_secret": SECRET,
           "domains": domains})
}

/// The API with an all-organizations token and with a system administrator's session: the
/// OpenAPI document lists every path; register (201, the summary, never the secret), list,
/// read, disable, enable (204), each audited as the token or the person (ASVS V16.2.1); bad
/// input is a problem that says what to fix and stores nothing (ASVS V2.2.1).
async fn identity_providers_the_api_manages_providers_for_system_administrators(backend: Backend) {
    let app = spawn_app(backend).await;
    org(&app, "Contoso Staff").await;
    let idp = upstream(&app).await;
    let token = create_token(&app, &["--name", "provisioning"]);
    let token_id = app
        .count("SELECT id FROM api_tokens WHERE name = 'provisioning'")
        .await;
    let api = Api::token(&app, &token).never_showing(SECRET);

    // The document lists every path (utoipa, from the handlers).
    let (_, doc) = api.call(Method::GET, "/api/v1/openapi.json", None).await;
    for (path, method) in [
        ("/api/v1/providers", "get"),
        ("/api/v1/providers", "post"),
        ("/api/v1/providers/{id}", "get"),
        ("/api/v1/providers/{id}/{action}", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["StaffProvider"].is_object());
    assert!(schemas["NewStaffProvider"]["properties"]["client_secret"].is_object());
    assert!(
        schemas["StaffProvider"]["properties"]["client_secret"].is_null(),
        "a provider's answer has no secret"
    );

    let (status, listed) = api.call(Method::GET, "/api/v1/providers", None).await;
    assert_eq!((status, listed), (200, json!([])));
    let mut body = registration(
        "Contoso",
        &idp.issuer,
        &["corp.example", "Staff.Corp.Example"],
    );
    body["organization"] = json!("Contoso Staff");
    body["require_local_mfa"] = json!(true);
    let (status, created) = api
        .call(Method::POST, "/api/v1/providers", Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["name"], "Contoso");
    assert_eq!(created["issuer"], idp.issuer.as_str());
    assert_eq!(created["client_id"], "tessera");
    assert_eq!(
        created["domains"],
        json!(["corp.example", "staff.corp.example"])
    );
    assert_eq!(created["organization"], "Contoso Staff");
    assert_eq!(created["require_local_mfa"], true);
    assert_eq!(created["disabled"], false);
    assert!(created.get("client_secret").is_none(), "{created}");

    // Bad input: a problem that says what to fix; nothing stored or audited.
    let before = stored(&app).await;
    let events = idp_events(&app).await;
    for (name, issuer, domains, organization, says, status) in bad(&idp.issuer) {
        let domains: Vec<&str> = domains.split(['\n', ',']).collect();
        let mut body = registration(name, &issuer, &domains);
        if !organization.is_empty() {
            body["organization"] = json!(organization);
        }
        let (answered, problem) = api
            .call(Method::POST, "/api/v1/providers", Some(body))
            .await;
        assert_eq!(answered, status, "{name}: {problem}");
        let code = if status == 409 { "conflict" } else { "invalid" };
        assert_eq!(problem["code"], code, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{name}: {problem}"
        );
    }
    for body in [
        json!({"name": "No domains", "issuer": idp.issuer, "client_id": "tessera", "client_secret": SECRET}),
        json!({"name": "No secret", "issuer": idp.issuer, "client_id": "tessera", "domains": ["x.example"]}),
        json!({"name": "Empty secret", "issuer": idp.issuer, "client_id": "tessera", "client_secret": "", "domains": ["y.example"]}),
    ] {
        let (status, problem) = api
            .call(Method::POST, "/api/v1/providers", Some(body))
            .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["code"], "invalid");
    }
    assert_eq!(stored(&app).await, before);
    assert_eq!(idp_events(&app).await, events);

    let (status, listed) = api.call(Method::GET, "/api/v1/providers", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed, json!([created.clone()]));
    let (status, one) = api
        .call(Method::GET, &format!("/api/v1/providers/{id}"), None)
        .await;
    assert_eq!((status, &one), (200, &created));

    let (status, _) = api
        .call(
            Method::POST,
            &format!("/api/v1/providers/{id}/disable"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert!(is_disabled(&app, id).await);
    let (_, one) = api
        .call(Method::GET, &format!("/api/v1/providers/{id}"), None)
        .await;
    assert_eq!(one["disabled"], true);
    let (status, _) = api
        .call(
            Method::POST,
            &format!("/api/v1/providers/{id}/enable"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert!(!is_disabled(&app, id).await);
    for (path, what) in [
        (
            format!("/api/v1/providers/{id}/delete"),
            "an unknown action",
        ),
        (
            format!("/api/v1/providers/{MISSING}/disable"),
            "a missing provider",
        ),
        (format!("/api/v1/providers/{MISSING}"), "a missing provider"),
    ] {
        let method = if path.ends_with(&MISSING.to_string()) {
            Method::GET
        } else {
            Method::POST
        };
        let (status, problem) = api.call(method, &path, None).await;
        assert_eq!(status, 404, "{what}: {problem}");
        assert_eq!(problem["code"], "not-found");
    }
    assert_eq!(
        provider_audit(&app, "Contoso").await,
        every_action_by(&format!("api-token:{token_id}"))
    );

    // A system administrator's session (with the page's CSRF token) does the same, as them.
    let root = system_admin(&app, "root@example.org").await;
    let actor = format!("account:{}", account_id(&app, "root@example.org").await);
    let session = Api::session(&root).await.never_showing(SECRET);
    let (status, created) = session
        .call(
            Method::POST,
            "/api/v1/providers",
            Some(registration("Fabrikam", &idp.issuer, &["fabrikam.example"])),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["organization"], Value::Null);
    assert_eq!(created["require_local_mfa"], false);
    let fabrikam = created["id"].as_i64().unwrap();
    for action in ["disable", "enable"] {
        let (status, body) = session
            .call(
                Method::POST,
                &format!("/api/v1/providers/{fabrikam}/{action}"),
                None,
            )
            .await;
        assert_eq!(status, 204, "{action}: {body}");
    }
    assert_eq!(
        provider_audit(&app, "Fabrikam").await,
        every_action_by(&actor)
    );
    // And the console lists what the API registered, without its secret.
    let page = root.get("/admin/providers").await;
    assert!(row_of(&page, "Contoso").is_some() && row_of(&page, "Fabrikam").is_some());
    assert_no_secret(&page);
}

/// An organization administrator (pages, session API and their organization's token), plain
/// users and the signed-out are refused every provider route, whatever provider is asked
/// about, the edit form and `PATCH` included, and change nothing (ASVS V8.2.1): the missing
/// page or the sign-in page on the console; 403 `forbidden` or 401 from the API. The
/// console's link is not shown to them.
async fn identity_providers_are_refused_to_organization_administrators_plain_users_and_the_signed_out(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let idp = upstream(&app).await;
    let ann = org_admin(&app, "Alpha Clinic", "ann@alpha.example.org").await;
    let plain = app
        .active_user("pat@example.org", "Pat Plain", PASSWORD)
        .await;
    let root = system_admin(&app, "root@example.org").await;
    let registered = root
        .post(
            "/admin/providers",
            &form("Contoso", &idp.issuer, "corp.example", ""),
        )
        .await;
    assert!(registered.url.ends_with("?done=registered"), "{registered}");
    let id = provider_id(&app, "Contoso").await;
    let before = stored(&app).await;
    let events = idp_events(&app).await;
    let alpha_token = create_token(&app, &["--name", "alpha sync", "--org", "Alpha Clinic"]);

    let console = ann.get("/admin").await;
    assert_eq!(console.status, 200, "{console}");
    assert_eq!(console.link_named("Staff sign-in providers"), None);

    let new = form("Sneaky", &idp.issuer, "sneaky.example", "Alpha Clinic");
    let edit = form("Sneaky", "", "sneaky.example", "Alpha Clinic");
    let pages: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/admin/providers/{id}"), edit.clone()),
        (format!("/admin/providers/{MISSING}"), edit.clone()),
        (format!("/admin/providers/{id}/disable"), vec![]),
        (format!("/admin/providers/{MISSING}/disable"), vec![]),
        (format!("/admin/providers/{id}/enable"), vec![]),
        ("/admin/providers".to_string(), new.clone()),
    ];
    for (who, browser) in [("organization administrator", &ann), ("plain user", &plain)] {
        for path in [
            "/admin/providers".to_string(),
            format!("/admin/providers/{id}"),
        ] {
            let page = browser.get(&path).await;
            assert_eq!(page.status, 404, "{who}: {path}: {page}");
            assert!(page.lacks("Contoso"), "{who}: {path}: {page}");
        }
        for (path, fields) in &pages {
            let page = browser.post(path, fields).await;
            assert_eq!(page.status, 404, "{who}: {path}: {page}");
        }
    }
    let anonymous = app.new_browser();
    for path in [
        "/admin/providers".to_string(),
        format!("/admin/providers/{id}"),
    ] {
        assert!(anonymous.get(&path).await.url.ends_with("/login"), "{path}");
    }
    for (path, fields) in &pages {
        let page = anonymous.post(path, fields).await;
        assert!(page.url.contains("/login"), "{path}: {page}");
    }

    let calls = || {
        vec![
            (Method::GET, "/api/v1/providers".to_string(), None),
            (
                Method::POST,
                "/api/v1/providers".to_string(),
                Some(registration("Sneaky", &idp.issuer, &["sneaky.example"])),
            ),
            (Method::GET, format!("/api/v1/providers/{id}"), None),
            (Method::GET, format!("/api/v1/providers/{MISSING}"), None),
            (
                Method::PATCH,
                format!("/api/v1/providers/{id}"),
                Some(json!({"name": "Sneaky", "domains": ["sneaky.example"]})),
            ),
            (
                Method::PATCH,
                format!("/api/v1/providers/{MISSING}"),
                Some(json!({"require_local_mfa": true})),
            ),
            (
                Method::POST,
                format!("/api/v1/providers/{id}/disable"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v1/providers/{id}/explode"),
                None,
            ),
        ]
    };
    for (who, api) in [
        (
            "organization administrator",
            Api::session(&ann).await.never_showing(SECRET),
        ),
        (
            "organization token",
            Api::token(&app, &alpha_token).never_showing(SECRET),
        ),
        (
            "plain user",
            Api::session(&plain).await.never_showing(SECRET),
        ),
    ] {
        for (method, path, body) in calls() {
            let (status, problem) = api.call(method.clone(), &path, body).await;
            assert_eq!(status, 403, "{who}: {method} {path}: {problem}");
            assert_eq!(problem["code"], "forbidden", "{who}: {path}");
        }
    }
    let anonymous_api = Api::session(&anonymous).await.never_showing(SECRET);
    for (method, path, body) in calls() {
        let (status, problem) = anonymous_api.call(method.clone(), &path, body).await;
        assert_eq!(status, 401, "{method} {path}: {problem}");
    }

    assert_eq!(stored(&app).await, before);
    assert_eq!(idp_events(&app).await, events, "refusals are not audited");
    assert!(!is_disabled(&app, id).await);
    assert_eq!(provider_id(&app, "Sneaky").await, 0);
    assert_eq!(provider_id(&app, "Contoso").await, id, "not renamed");
}

/// The edit form's fields (the issuer as the read-only field sends it).
fn edit_form<'a>(
    name: &'a str,
    issuer: &'a str,
    client_secret: &'a str,
    domains: &'a str,
    organization: &'a str,
    require_local_mfa: bool,
) -> Vec<(&'static str, &'a str)> {
    let mut fields = vec![
        ("name", name),
        ("issuer", issuer),
        ("client_id", "tessera-2"),
        ("client_secret", client_secret),
        ("domains", domains),
        ("organization", organization),
    ];
    if require_local_mfa {
        fields.push(("require_local_mfa", "on"));
    }
    fields
}

/// Editing from the console (issue 16: "providers … edited"): each provider's **Edit** link
/// opens its form with the stored settings (the issuer read-only with why, the secret never
/// shown: ASVS V14.2.1); saving changes name, client id, domains (the whole set),
/// organization and Tessera's own factor, a blank secret keeping the stored one and a new one
/// sealed anew (ASVS V13.3.1); a name or domain of another provider (409), bad input or a
/// changed issuer (422) is the form again with what was typed and why, and changes nothing
/// (ASVS V2.2.1); each change is audited as `idp-changed` with its actor and the changed
/// fields, never a secret (ASVS V16.2.1, V16.2.5).
async fn identity_providers_a_system_administrator_edits_a_provider_from_the_console(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    org(&app, "Contoso Staff").await;
    let idp = upstream(&app).await;
    let root = system_admin(&app, "root@example.org").await;
    let actor = format!("account:{}", account_id(&app, "root@example.org").await);
    for (name, domains) in [
        ("Contoso", "corp.example"),
        ("Fabrikam", "fabrikam.example"),
    ] {
        let registered = root
            .post("/admin/providers", &form(name, &idp.issuer, domains, ""))
            .await;
        assert!(registered.url.ends_with("?done=registered"), "{registered}");
    }
    let id = provider_id(&app, "Contoso").await;
    let fabrikam = stored_provider(&app, provider_id(&app, "Fabrikam").await).await;
    let path = format!("/admin/providers/{id}");

    // The list's Edit link, and the form with what is stored.
    let list = root.get("/admin/providers").await;
    let link = list
        .first("a[aria-label=\"Edit Contoso\"]")
        .unwrap_or_else(|| panic!("an Edit link: {list}"));
    assert_eq!(
        (link.text.as_str(), link.attr("href")),
        ("Edit", Some(path.as_str()))
    );
    let page = root.get(&path).await;
    assert_eq!(page.status, 200, "{page}");
    assert_eq!(page.heading().as_deref(), Some("Edit Contoso"));
    assert_eq!(page.form_actions(), std::slice::from_ref(&path));
    assert_eq!(page.input_value("name").as_deref(), Some("Contoso"));
    assert_eq!(page.input_value("client_id").as_deref(), Some("tessera"));
    assert_eq!(page.input_value("client_secret").as_deref(), Some(""));
    assert_eq!(page.first("#domains").unwrap().text, "corp.example");
    let issuer = page.first("#issuer").unwrap();
    assert_eq!(issuer.attr("value"), Some(idp.issuer.as_str()));
    assert!(issuer.attr("readonly").is_some(), "the issuer is read-only");
    page.assert_shows("The issuer cannot be changed");
    page.assert_shows("To use another issuer, register a new provider.");
    assert_eq!(
        page.first("#organization option[selected]").unwrap().text,
        "None"
    );
    assert!(
        page.first("#require_local_mfa")
            .unwrap()
            .attr("checked")
            .is_none()
    );
    assert_no_secret(&page);

    // Save: everything but the secret (left blank: kept).
    let registered = stored_provider(&app, id).await;
    let saved = root
        .post(
            &path,
            &edit_form(
                "Contoso Staff SSO",
                &idp.issuer,
                "",
                "corp.example\r\nStaff.Corp.Example",
                "Contoso Staff",
                true,
            ),
        )
        .await;
    assert!(
        saved.url.ends_with("/admin/providers?done=changed"),
        "{saved}"
    );
    saved.assert_shows("The provider's settings are saved");
    let row = row_of(&saved, "Contoso Staff SSO").expect("listed");
    for shown in ["corp.example, staff.corp.example", "Contoso Staff", "yes"] {
        assert!(row.contains(shown), "{shown} in {row}");
    }
    let edited = stored_provider(&app, id).await;
    assert_eq!(
        (&edited.0, &edited.1, &edited.2, edited.4, &edited.5),
        (
            &"Contoso Staff SSO".to_string(),
            &"tessera-2".to_string(),
            &registered.2,
            true,
            &vec!["corp.example".to_string(), "staff.corp.example".to_string()]
        ),
        "the secret kept as sealed"
    );
    assert!(edited.3.is_some(), "the organization set");
    assert_eq!(opened(&app, &edited), SECRET);
    assert_eq!(
        app.app
            .store
            .provider_for_domain("staff.corp.example")
            .await
            .unwrap(),
        Some((id, "Contoso Staff SSO".to_string()))
    );
    app.new_browser()
        .get("/login")
        .await
        .assert_shows("Sign in with Contoso Staff SSO");

    // A new secret, sealed anew; no organization; the checkbox cleared; a domain dropped.
    let replaced = root
        .post(
            &path,
            &edit_form(
                "Contoso Staff SSO",
                &idp.issuer,
                NEW_SECRET,
                "corp.example",
                "",
                false,
            ),
        )
        .await;
    assert!(replaced.url.ends_with("?done=changed"), "{replaced}");
    assert!(replaced.lacks(NEW_SECRET), "{replaced}");
    let rotated = stored_provider(&app, id).await;
    assert_ne!(rotated.2, edited.2, "the stored secret changed");
    assert!(
        !rotated.2.contains(NEW_SECRET),
        "sealed, not stored as typed"
    );
    assert_eq!(opened(&app, &rotated), NEW_SECRET);
    assert_eq!((rotated.3, rotated.4), (None, false));
    assert_eq!(rotated.5, ["corp.example"]);
    assert_eq!(
        app.app
            .store
            .provider_for_domain("staff.corp.example")
            .await
            .unwrap(),
        None
    );

    // Refused: the form again with what was typed (but the secret) and why; nothing changed,
    // the other provider included, and nothing audited.
    let events = idp_events(&app).await;
    let other_issuer = idp.issuer.replace("127.0.0.1", "localhost");
    for (name, issuer, domains, organization, says, status) in [
        (
            "Fabrikam",
            idp.issuer.as_str(),
            "corp.example",
            "",
            "is registered already",
            409,
        ),
        (
            "Contoso Staff SSO",
            idp.issuer.as_str(),
            "corp.example\nFabrikam.example",
            "",
            "is registered already",
            409,
        ),
        (
            "",
            idp.issuer.as_str(),
            "corp.example",
            "",
            "Give the provider a name",
            422,
        ),
        (
            "Contoso Staff SSO",
            idp.issuer.as_str(),
            "",
            "",
            "Give at least one staff email domain",
            422,
        ),
        (
            "Contoso Staff SSO",
            idp.issuer.as_str(),
            "corp.example",
            "Nowhere Clinic",
            "There is no organization named \"Nowhere Clinic\"",
            422,
        ),
        (
            "Contoso Staff SSO",
            other_issuer.as_str(),
            "corp.example",
            "",
            "register a new provider",
            422,
        ),
    ] {
        let typed = edit_form(name, issuer, REFUSED_SECRET, domains, organization, true);
        let refused = root.post(&path, &typed).await;
        assert_eq!(refused.status, status, "{name} {domains}: {refused}");
        assert!(
            refused.errors().iter().any(|e| e.contains(says)),
            "{name} {domains}: {:?}",
            refused.errors()
        );
        assert_eq!(refused.heading().as_deref(), Some("Edit Contoso Staff SSO"));
        assert_eq!(refused.input_value("name").as_deref(), Some(name));
        assert_eq!(
            refused.input_value("client_id").as_deref(),
            Some("tessera-2")
        );
        assert_eq!(refused.input_value("client_secret").as_deref(), Some(""));
        assert_eq!(
            refused.input_value("issuer").as_deref(),
            Some(idp.issuer.as_str()),
            "the provider's issuer, whatever was sent"
        );
        assert!(
            refused
                .first("#require_local_mfa")
                .unwrap()
                .attr("checked")
                .is_some()
        );
        assert!(refused.lacks(REFUSED_SECRET), "{refused}");
        assert_eq!(stored_provider(&app, id).await, rotated, "{name} {domains}");
        let other = stored_provider(&app, provider_id(&app, "Fabrikam").await).await;
        assert_eq!(other, fabrikam, "{name} {domains}");
    }
    assert_eq!(idp_events(&app).await, events, "refusals are not audited");

    // An unknown provider is the missing page, and changes nothing.
    let missing = format!("/admin/providers/{MISSING}");
    assert_eq!(root.get(&missing).await.status, 404);
    let fields = edit_form("Ghost", &idp.issuer, "", "ghost.example", "", false);
    assert_eq!(root.post(&missing, &fields).await.status, 404);
    assert_eq!(provider_id(&app, "Ghost").await, 0);

    // Each change with its actor and what changed (the secret only as replaced).
    assert_eq!(
        idp_changes(&app).await,
        [
            (
                actor.clone(),
                "idp:Contoso Staff SSO".to_string(),
                json!({"name": "Contoso Staff SSO", "previous_name": "Contoso",
                       "client_id": "tessera-2",
                       "domains": ["corp.example", "staff.corp.example"],
                       "organization": "Contoso Staff", "require_local_mfa": true}),
            ),
            (
                actor.clone(),
                "idp:Contoso Staff SSO".to_string(),
                json!({"secret_replaced": true, "domains": ["corp.example"],
                       "organization": null, "require_local_mfa": false}),
            ),
        ]
    );
    assert_no_secret_audited(&app).await;
}

/// Editing through the API: `PATCH /api/v1/providers/{id}` with any of the fields (the others
/// kept; domains replaced as a whole; organization null for none), answered with the
/// provider (never its secret: ASVS V13.3.1); a new secret is sealed anew; a name or domain
/// of another provider is 409 `conflict`, bad input, an unknown field or another issuer 422
/// `invalid`, and nothing is changed (ASVS V2.2.1); each change audited as `idp-changed` as
/// the token or the person, with the changed fields and never a secret (ASVS V16.2.1).
async fn identity_providers_the_api_edits_a_provider_for_system_administrators(backend: Backend) {
    let app = spawn_app(backend).await;
    org(&app, "Contoso Staff").await;
    let idp = upstream(&app).await;
    let token = create_token(&app, &["--name", "provisioning"]);
    let token_actor = format!(
        "api-token:{}",
        app.count("SELECT id FROM api_tokens WHERE name = 'provisioning'")
            .await
    );
    let api = Api::token(&app, &token)
        .never_showing(SECRET)
        .never_showing(NEW_SECRET)
        .never_showing(REFUSED_SECRET);

    let (_, doc) = api.call(Method::GET, "/api/v1/openapi.json", None).await;
    assert!(doc["paths"]["/api/v1/providers/{id}"]["patch"].is_object());
    let change = &doc["components"]["schemas"]["StaffProviderChange"]["properties"];
    for field in [
        "name",
        "issuer",
        "client_id",
        "client_secret",
        "domains",
        "organization",
        "require_local_mfa",
    ] {
        assert!(change[field].is_object(), "{field}");
    }

    let mut ids = Vec::new();
    for (name, domain) in [
        ("Contoso", "corp.example"),
        ("Fabrikam", "fabrikam.example"),
    ] {
        let body = registration(name, &idp.issuer, &[domain]);
        let (status, created) = api
            .call(Method::POST, "/api/v1/providers", Some(body))
            .await;
        assert_eq!(status, 201, "{created}");
        ids.push(created["id"].as_i64().unwrap());
    }
    let (id, fabrikam_id) = (ids[0], ids[1]);
    let path = format!("/api/v1/providers/{id}");
    let patch = async |body: Value| api.call(Method::PATCH, &path, Some(body)).await;
    let registered = stored_provider(&app, id).await;

    // One field: the others kept, the answer as GET reads it.
    let (status, renamed) = patch(json!({"name": "Contoso SSO"})).await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "Contoso SSO");
    assert_eq!(renamed["domains"], json!(["corp.example"]));
    assert_eq!(renamed["client_id"], "tessera");
    assert!(renamed.get("client_secret").is_none(), "{renamed}");
    assert_eq!(api.call(Method::GET, &path, None).await, (200, renamed));

    // Several: the domains as a whole set, the organization, Tessera's own factor; the issuer
    // as it is, accepted.
    let (status, changed) = patch(json!({
        "issuer": idp.issuer, "client_id": "tessera-2",
        "domains": ["corp.example", "New.Corp.Example"],
        "organization": "Contoso Staff", "require_local_mfa": true,
    }))
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed["domains"],
        json!(["corp.example", "new.corp.example"])
    );
    assert_eq!(changed["organization"], "Contoso Staff");
    assert_eq!(changed["require_local_mfa"], true);
    assert_eq!(changed["client_id"], "tessera-2");
    assert_eq!(changed["issuer"], idp.issuer.as_str());
    let kept = stored_provider(&app, id).await;
    assert_eq!(kept.2, registered.2, "no secret given: the stored one kept");
    // Null: no organization; left out: unchanged.
    let (status, unset) = patch(json!({"organization": null})).await;
    assert_eq!((status, &unset["organization"]), (200, &Value::Null));
    assert_eq!(unset["domains"], changed["domains"]);
    // A new secret, sealed anew.
    let (status, _) = patch(json!({"client_secret": NEW_SECRET})).await;
    assert_eq!(status, 200);
    let rotated = stored_provider(&app, id).await;
    assert_ne!(rotated.2, kept.2, "the stored secret changed");
    assert!(!rotated.2.contains(NEW_SECRET));
    assert_eq!(opened(&app, &rotated), NEW_SECRET);
    // Nothing given: nothing changed, nothing audited.
    let events = idp_events(&app).await;
    let (status, same) = patch(json!({})).await;
    assert_eq!((status, same), api.call(Method::GET, &path, None).await);
    assert_eq!(idp_events(&app).await, events);

    // Refused, and nothing changed, the other provider included, nor audited.
    let fabrikam = stored_provider(&app, fabrikam_id).await;
    let other_issuer = idp.issuer.replace("127.0.0.1", "localhost");
    for (body, status, code, says) in [
        (
            json!({"name": "Fabrikam"}),
            409,
            "conflict",
            "is registered already",
        ),
        (
            json!({"name": "Renamed", "domains": ["corp.example", "FABRIKAM.example"]}),
            409,
            "conflict",
            "is registered already",
        ),
        (
            json!({"issuer": other_issuer}),
            422,
            "invalid",
            "register a new provider",
        ),
        (
            json!({"organization": "Nowhere Clinic", "client_secret": REFUSED_SECRET}),
            422,
            "invalid",
            "There is no organization named \"Nowhere Clinic\"",
        ),
        (
            json!({"domains": []}),
            422,
            "invalid",
            "Give at least one staff email domain",
        ),
        (
            json!({"domains": ["not a domain"]}),
            422,
            "invalid",
            "is not an email domain",
        ),
        (
            json!({"name": " "}),
            422,
            "invalid",
            "Give the provider a name",
        ),
        (
            json!({"client_secret": ""}),
            422,
            "invalid",
            "Give the client id and client secret",
        ),
        (json!({"nmae": "Typo"}), 422, "invalid", "unknown field"),
    ] {
        let (answered, problem) = patch(body.clone()).await;
        assert_eq!(answered, status, "{body}: {problem}");
        assert_eq!(problem["code"], code, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{body}: {problem}");
        assert_eq!(stored_provider(&app, id).await, rotated, "{body}");
        assert_eq!(stored_provider(&app, fabrikam_id).await, fabrikam, "{body}");
    }
    assert_eq!(idp_events(&app).await, events, "refusals are not audited");
    let missing = format!("/api/v1/providers/{MISSING}");
    let (status, problem) = api
        .call(Method::PATCH, &missing, Some(json!({"name": "Ghost"})))
        .await;
    assert_eq!((status, &problem["code"]), (404, &json!("not-found")));

    // A system administrator's session (with the page's CSRF token) edits too, as them.
    let root = system_admin(&app, "root@example.org").await;
    let person = format!("account:{}", account_id(&app, "root@example.org").await);
    let session = Api::session(&root).await.never_showing(NEW_SECRET);
    let (status, body) = session
        .call(
            Method::PATCH,
            &path,
            Some(json!({"require_local_mfa": false})),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let subject = "idp:Contoso SSO".to_string();
    let by = |actor: &str, detail: Value| (actor.to_string(), subject.clone(), detail);
    assert_eq!(
        idp_changes(&app).await,
        [
            by(
                &token_actor,
                json!({"name": "Contoso SSO", "previous_name": "Contoso"})
            ),
            by(
                &token_actor,
                json!({"client_id": "tessera-2", "domains": ["corp.example", "new.corp.example"],
                       "organization": "Contoso Staff", "require_local_mfa": true}),
            ),
            by(&token_actor, json!({"organization": null})),
            by(&token_actor, json!({"secret_replaced": true})),
            by(&person, json!({"require_local_mfa": false})),
        ]
    );
    assert_no_secret_audited(&app).await;
}
