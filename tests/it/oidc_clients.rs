//! Managing OpenID Connect clients (issue 13) from the administration console
//! (`/admin/clients`) and the API (`/api/v1/clients`): list, register, change the URIs,
//! rotate the secret, disable, enable, delete. Each action is audited with its actor
//! (ASVS 16.2.1); organization administrators see and touch only their
//! organization's clients, and another organization's client answers exactly like one that
//! does not exist (ASVS 8.2.2, 8.4.1); secrets are shown once and kept only as keyed hashes
//! (ASVS 13.3.1); redirect URIs are checked strictly before anything is stored
//! (ASVS 10.4.1: exact, registered redirect URIs).

use reqwest::Method;
use serde_json::{Value, json};
use tessera::crypto::Purpose;
use tessera::domain::client::UriPurpose;
use tessera::flows::admin::Admin;
use tessera::flows::clients::{self, ClientRequest};
use tessera::store::RegisteredClient;

use crate::admin::{org_admin, system_admin};
use crate::admin_api_helpers::{Api, MISSING, account_id, audit_about, each_by};
use crate::api::{create_token, org};
use crate::helpers::{Backend, Page, TestApp, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    a_system_administrator_manages_a_client_from_the_console,
    an_organization_administrator_manages_only_their_organizations_clients,
    the_api_manages_clients_with_a_token_and_refuses_everyone_else,
);

const PASSWORD: &str = "correct horse battery staple";

/// The client as the protocol endpoints read it (None once deleted).
async fn registered(app: &TestApp, client_id: &str) -> Option<RegisteredClient> {
    app.app.store.registered_client(client_id).await.unwrap()
}

/// Whether `secret` is the client's secret, checked as the token endpoint checks it: the
/// keyed hash of what the client sends against the stored hash.
async fn secret_works(app: &TestApp, client_id: &str, secret: &str) -> bool {
    let client = registered(app, client_id).await.expect("the client exists");
    client.secret_hash == Some(app.app.keys.hash(Purpose::ClientSecret, secret.as_bytes()))
}

async fn row_id(app: &TestApp, client_id: &str) -> i64 {
    app.count(&format!(
        "SELECT id FROM oidc_clients WHERE client_id = '{client_id}'"
    ))
    .await
}

/// The audit entries (event, actor) about one client, oldest first.
async fn client_audit(app: &TestApp, client_id: &str) -> Vec<(String, String)> {
    audit_about(app, &format!("client:{client_id}")).await
}

/// A client registered from the command line, as `tessera admin create-client` does.
async fn cli_client(app: &TestApp, name: &str, organization: Option<&str>) -> (String, String) {
    let created = clients::create(
        &app.app,
        &Admin::cli(),
        ClientRequest {
            name: name.into(),
            organization: organization.map(str::to_string),
            redirect_uris: vec![format!(
                "https://{}.example.org/cb",
                name.to_lowercase().replace(' ', "-")
            )],
            ..ClientRequest::default()
        },
    )
    .await
    .unwrap();
    (created.client_id, created.client_secret.unwrap())
}

fn code(page: &Page, id: &str) -> String {
    page.first(&format!("#{id}"))
        .unwrap_or_else(|| panic!("no #{id}; {page}"))
        .text
}

/// The page without its CSRF token, and with `from`'s number written as `to`'s: the answer
/// about another organization's client against the answer about no client at all.
fn comparable(page: &Page, from: i64, to: i64) -> (u16, String) {
    (
        page.status,
        page.body_without_csrf()
            .replace(&format!("/{from}"), &format!("/{to}")),
    )
}

/// The console, end to end: register (the secret on that page only, ASVS 13.3.1), list,
/// replace the URIs (bad ones refused with the reason, nothing changed: ASVS 10.4.1), rotate
/// (the old secret dead at once), disable, enable, delete (the URIs cascade), each audited
/// with the system administrator as actor (ASVS 16.2.1); a public client has no secret.
async fn a_system_administrator_manages_a_client_from_the_console(backend: Backend) {
    let app = spawn_app(backend).await;
    org(&app, "Northside Clinic").await;
    let root = system_admin(&app, "root@example.org").await;
    let actor = format!("account:{}", account_id(&app, "root@example.org").await);

    let console = root.get("/admin").await;
    assert_eq!(
        console.link_named("Applications (OpenID Connect clients)"),
        Some("/admin/clients".into()),
        "{console}"
    );
    let list = root.get("/admin/clients").await;
    assert_eq!(list.status, 200, "{list}");
    assert!(list.form_actions().contains(&"/admin/clients".to_string()));
    for label in [
        "Name",
        "Redirect URIs (one a line)",
        "Post-logout redirect URIs (one a line, optional)",
        "Back-channel logout URI (optional)",
        "Organization (optional: only its people may use the application)",
        "ID token algorithm",
    ] {
        assert!(
            list.element_with_text("label", label).is_some(),
            "label {label}: {}",
            list.body
        );
    }

    // Register: the secret is on this page and nowhere else, ever (ASVS 13.3.1).
    let created = root
        .post(
            "/admin/clients",
            &[
                ("name", "Patient portal"),
                (
                    "redirect_uris",
                    "https://portal.example.org/callback\r\nhttp://127.0.0.1:9000/callback\r\n",
                ),
                ("post_logout_redirect_uris", "https://portal.example.org/"),
                (
                    "backchannel_logout_uri",
                    "https://portal.example.org/logout/backchannel",
                ),
                ("organization", "Northside Clinic"),
                ("id_token_alg", "ES256"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{created}");
    created.assert_shows("shown only once");
    assert_eq!(
        created
            .headers
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    let client_id = code(&created, "client-id");
    let secret = code(&created, "client-secret");
    assert!(client_id.len() >= 20 && secret.len() >= 40, "{created}");
    assert!(secret_works(&app, &client_id, &secret).await);
    let client = registered(&app, &client_id).await.unwrap();
    assert_eq!(client.uris(UriPurpose::Redirect).len(), 2);
    assert_eq!(
        client.uris(UriPurpose::BackchannelLogout),
        vec!["https://portal.example.org/logout/backchannel".to_string()]
    );
    assert!(client.org_id.is_some());

    let list = root.get("/admin/clients").await;
    let rows = list.table_rows("table.clients tbody");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = rows[0].join(" | ");
    for shown in [
        "Patient portal",
        client_id.as_str(),
        "Northside Clinic",
        "confidential",
        "active",
    ] {
        assert!(row.contains(shown), "{shown} in {row}");
    }
    assert!(list.lacks(&secret), "the secret is never shown again");
    let id = row_id(&app, &client_id).await;
    let detail_path = format!("/admin/clients/{id}");
    assert_eq!(list.link_named("Patient portal"), Some(detail_path.clone()));

    let detail = root.get(&detail_path).await;
    assert_eq!(detail.status, 200, "{detail}");
    assert!(detail.lacks(&secret));
    assert!(code(&detail, "redirect_uris").contains("https://portal.example.org/callback"));
    for action in ["uris", "secret", "disable", "delete"] {
        assert!(
            detail
                .form_actions()
                .contains(&format!("{detail_path}/{action}")),
            "{action}: {:?}",
            detail.form_actions()
        );
    }

    // Invalid URIs: said plainly, with what to do, and nothing changes.
    for (redirect, says) in [
        ("https://portal.example.org/cb#top", "fragment"),
        ("ftp://portal.example.org/cb", "is not https"),
        ("", "Give at least one redirect URI"),
    ] {
        let refused = root
            .post(
                &format!("{detail_path}/uris"),
                &[
                    ("redirect_uris", redirect),
                    ("post_logout_redirect_uris", ""),
                    ("backchannel_logout_uri", ""),
                ],
            )
            .await;
        assert_eq!(refused.status, 422, "{redirect}: {refused}");
        assert!(
            refused.errors().iter().any(|e| e.contains(says)),
            "{redirect}: {refused}"
        );
        assert_eq!(
            code(&refused, "redirect_uris"),
            redirect,
            "the typed value is kept"
        );
        assert_eq!(
            registered(&app, &client_id).await.unwrap().uris,
            client.uris
        );
    }

    // Replace the whole set.
    let changed = root
        .post(
            &format!("{detail_path}/uris"),
            &[
                ("redirect_uris", "https://portal.example.org/new-callback"),
                ("post_logout_redirect_uris", ""),
                ("backchannel_logout_uri", ""),
            ],
        )
        .await;
    assert_eq!(changed.status, 200, "{changed}");
    changed.assert_shows("The URIs were saved");
    let client = registered(&app, &client_id).await.unwrap();
    assert_eq!(
        client.uris,
        vec![(
            UriPurpose::Redirect,
            "https://portal.example.org/new-callback".to_string()
        )]
    );

    // Rotate: the new secret shown once, the old one dead at once.
    let rotated = root.post(&format!("{detail_path}/secret"), &[]).await;
    assert_eq!(rotated.status, 200, "{rotated}");
    let new_secret = code(&rotated, "client-secret");
    assert_eq!(code(&rotated, "client-id"), client_id);
    assert_ne!(new_secret, secret);
    assert!(!secret_works(&app, &client_id, &secret).await);
    assert!(secret_works(&app, &client_id, &new_secret).await);
    assert!(root.get(&detail_path).await.lacks(&new_secret));

    // Disable, enable.
    let disabled = root.post(&format!("{detail_path}/disable"), &[]).await;
    disabled.assert_shows("The application is disabled");
    assert!(registered(&app, &client_id).await.unwrap().disabled);
    assert!(
        disabled
            .form_actions()
            .contains(&format!("{detail_path}/enable"))
    );
    let list = root.get("/admin/clients").await;
    assert!(
        list.table_rows("table.clients tbody")[0]
            .join(" ")
            .contains("disabled")
    );
    let enabled = root.post(&format!("{detail_path}/enable"), &[]).await;
    enabled.assert_shows("The application is enabled");
    assert!(!registered(&app, &client_id).await.unwrap().disabled);

    // Delete: the client and its URIs go (whatever references it cascades).
    let deleted = root.post(&format!("{detail_path}/delete"), &[]).await;
    assert_eq!(deleted.status, 200, "{deleted}");
    assert!(
        deleted.url.ends_with("/admin/clients?done=deleted"),
        "{deleted}"
    );
    deleted.assert_shows("The application was deleted");
    assert!(registered(&app, &client_id).await.is_none());
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM oidc_client_uris WHERE client = {id}"
        ))
        .await,
        0
    );
    assert_eq!(root.get(&detail_path).await.status, 404);

    // Every action, in order, with its actor (ASVS 16.2.1); refusals wrote nothing.
    let expected = every_action_by(&actor);
    assert_eq!(client_audit(&app, &client_id).await, expected);

    // A public client: no secret to rotate, said so.
    let public = root
        .post(
            "/admin/clients",
            &[
                ("name", "Mobile app"),
                ("redirect_uris", "http://localhost:7000/cb"),
                ("public", "on"),
                ("id_token_alg", "RS256"),
            ],
        )
        .await;
    assert_eq!(public.status, 200, "{public}");
    assert!(public.first("#client-secret").is_none(), "{public}");
    let public_id = code(&public, "client-id");
    let public_row = row_id(&app, &public_id).await;
    let refused = root
        .post(&format!("/admin/clients/{public_row}/secret"), &[])
        .await;
    assert_eq!(refused.status, 422, "{refused}");
    refused.assert_shows("public client has no secret");
    assert!(registered(&app, &public_id).await.unwrap().is_public());

    // A registration with a bad URI is refused with the form kept, and stores nothing.
    let before = app.count("SELECT COUNT(*) FROM oidc_clients").await;
    let bad = root
        .post(
            "/admin/clients",
            &[
                ("name", "Leaky portal"),
                ("redirect_uris", "https://leaky.example.org/cb#x"),
                ("id_token_alg", "RS256"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{bad}");
    assert!(bad.errors().iter().any(|e| e.contains("fragment")), "{bad}");
    assert_eq!(bad.input_value("name"), Some("Leaky portal".into()));
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_clients").await, before);
}

/// An organization administrator registers and manages their organization's clients, on the
/// pages and the API, and another organization's client answers every page and call exactly
/// as a missing one, and is left untouched (ASVS 8.2.2, 8.4.1).
async fn an_organization_administrator_manages_only_their_organizations_clients(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = org_admin(&app, "Alpha Clinic", "ann@alpha.example.org").await;
    org(&app, "Beta Clinic").await;
    let actor = format!(
        "account:{}",
        account_id(&app, "ann@alpha.example.org").await
    );
    let (beta_client, beta_secret) = cli_client(&app, "Beta portal", Some("Beta Clinic")).await;
    let (global_client, _) = cli_client(&app, "Everyone portal", None).await;
    let beta = row_id(&app, &beta_client).await;
    let beta_before = registered(&app, &beta_client).await.unwrap();

    // The console: the form has no organization field (the client is always theirs).
    let list = ann.get("/admin/clients").await;
    assert_eq!(list.status, 200, "{list}");
    assert!(!list.has_element("#organization"), "{}", list.body);
    for other in [
        "Beta portal",
        beta_client.as_str(),
        "Everyone portal",
        global_client.as_str(),
    ] {
        assert!(list.lacks(other), "{other} shown to A's administrator");
    }
    let created = ann
        .post(
            "/admin/clients",
            &[
                ("name", "Alpha portal"),
                ("redirect_uris", "https://alpha.example.org/cb"),
                ("id_token_alg", "RS256"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{created}");
    let alpha_client = code(&created, "client-id");
    let alpha = row_id(&app, &alpha_client).await;
    let alpha_org = app
        .count("SELECT id FROM organizations WHERE name = 'Alpha Clinic'")
        .await;
    assert_eq!(
        registered(&app, &alpha_client).await.unwrap().org_id,
        Some(alpha_org)
    );
    let list = ann.get("/admin/clients").await;
    let rows = list.table_rows("table.clients tbody");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].join(" ").contains("Alpha portal"));

    // B's client on every page and action: exactly the answer about no client (ASVS 8.4.1).
    let asked = ann.get(&format!("/admin/clients/{beta}")).await;
    let missing = ann.get(&format!("/admin/clients/{MISSING}")).await;
    assert_eq!(asked.status, 404);
    assert_eq!(
        comparable(&asked, beta, MISSING),
        comparable(&missing, MISSING, MISSING)
    );
    for (action, fields) in [
        (
            "uris",
            vec![("redirect_uris", "https://evil.example.org/cb")],
        ),
        ("secret", vec![]),
        ("disable", vec![]),
        ("enable", vec![]),
        ("delete", vec![]),
    ] {
        let asked = ann
            .post(&format!("/admin/clients/{beta}/{action}"), &fields)
            .await;
        let missing = ann
            .post(&format!("/admin/clients/{MISSING}/{action}"), &fields)
            .await;
        assert_eq!(asked.status, 404, "{action}: {asked}");
        assert_eq!(
            comparable(&asked, beta, MISSING),
            comparable(&missing, MISSING, MISSING),
            "{action}"
        );
        assert!(asked.lacks(&beta_secret));
    }
    // Registering for another organization, or one that does not exist: one answer.
    let for_beta = ann
        .post(
            "/admin/clients",
            &[
                ("name", "Sneaky"),
                ("redirect_uris", "https://sneaky.example.org/cb"),
                ("organization", "Beta Clinic"),
            ],
        )
        .await;
    let for_nobody = ann
        .post(
            "/admin/clients",
            &[
                ("name", "Sneaky"),
                ("redirect_uris", "https://sneaky.example.org/cb"),
                ("organization", "Nowhere Clinic"),
            ],
        )
        .await;
    assert_eq!(for_beta.status, 422, "{for_beta}");
    assert_eq!(for_beta.errors(), for_nobody.errors());

    // The API with the session (and the page's CSRF token), likewise.
    let api = Api::session(&ann).await;
    let (status, listed) = api.call(Method::GET, "/api/v1/clients", None).await;
    assert_eq!(status, 200, "{listed}");
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Alpha portal"]);
    let uris = json!({"redirect_uris": ["https://evil.example.org/cb"]});
    for (method, suffix, body) in [
        (Method::GET, "", None),
        (Method::PUT, "/uris", Some(uris.clone())),
        (Method::POST, "/secret", None),
        (Method::POST, "/disable", None),
        (Method::POST, "/enable", None),
        (Method::DELETE, "", None),
    ] {
        let asked = api
            .call(
                method.clone(),
                &format!("/api/v1/clients/{beta}{suffix}"),
                body.clone(),
            )
            .await;
        let missing = api
            .call(
                method.clone(),
                &format!("/api/v1/clients/{MISSING}{suffix}"),
                body,
            )
            .await;
        assert_eq!(asked.0, 404, "{method} {suffix}: {}", asked.1);
        assert_eq!(asked, missing, "{method} {suffix}");
    }
    let (status, refused) = api
        .call(
            Method::POST,
            "/api/v1/clients",
            Some(json!({"name": "Sneaky", "redirect_uris": ["https://sneaky.example.org/cb"], "organization": "Beta Clinic"})),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["code"], "invalid");

    // B's client is as it was, and nothing was audited about it but its registration.
    let beta_after = registered(&app, &beta_client).await.unwrap();
    assert_eq!(beta_after.uris, beta_before.uris);
    assert_eq!(beta_after.secret_hash, beta_before.secret_hash);
    assert!(!beta_after.disabled);
    assert_eq!(
        client_audit(&app, &beta_client).await,
        vec![("client-created".to_string(), "cli".to_string())]
    );

    // Their own client, through the API: every action, audited as them.
    let (status, changed) = api
        .call(
            Method::PUT,
            &format!("/api/v1/clients/{alpha}/uris"),
            Some(json!({
                "redirect_uris": ["https://alpha.example.org/cb2"],
                "post_logout_redirect_uris": ["https://alpha.example.org/"],
                "backchannel_logout_uri": "https://alpha.example.org/bc",
            })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed["redirect_uris"],
        json!(["https://alpha.example.org/cb2"])
    );
    assert_eq!(
        changed["backchannel_logout_uri"],
        "https://alpha.example.org/bc"
    );
    let (status, rotated) = api
        .call(
            Method::POST,
            &format!("/api/v1/clients/{alpha}/secret"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    assert!(
        secret_works(
            &app,
            &alpha_client,
            rotated["client_secret"].as_str().unwrap()
        )
        .await
    );
    for action in ["disable", "enable"] {
        let (status, body) = api
            .call(
                Method::POST,
                &format!("/api/v1/clients/{alpha}/{action}"),
                None,
            )
            .await;
        assert_eq!(status, 204, "{action}: {body}");
    }
    let (status, body) = api
        .call(Method::DELETE, &format!("/api/v1/clients/{alpha}"), None)
        .await;
    assert_eq!(status, 204, "{body}");
    assert!(registered(&app, &alpha_client).await.is_none());
    let events = every_action_by(&actor);
    assert_eq!(client_audit(&app, &alpha_client).await, events);
}

/// The API with an all-organizations token: the OpenAPI document lists every client path;
/// every action works and is audited as the token (ASVS 16.2.1); invalid URIs are problems
/// that say what to fix; plain users (403) and the signed-out (401, or the sign-in page) are
/// refused and change nothing (ASVS 8.2.1).
async fn the_api_manages_clients_with_a_token_and_refuses_everyone_else(backend: Backend) {
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
        ("/api/v1/clients", "get"),
        ("/api/v1/clients", "post"),
        ("/api/v1/clients/{id}", "get"),
        ("/api/v1/clients/{id}", "delete"),
        ("/api/v1/clients/{id}/uris", "put"),
        ("/api/v1/clients/{id}/secret", "post"),
        ("/api/v1/clients/{id}/{action}", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }

    // Invalid: a clear problem, nothing stored.
    let (status, problem) = api
        .call(
            Method::POST,
            "/api/v1/clients",
            Some(json!({"name": "Portal", "redirect_uris": ["ftp://portal.example.org/cb"]})),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("is not https"),
        "{problem}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM oidc_clients").await, 0);

    let (status, created) = api
        .call(
            Method::POST,
            "/api/v1/clients",
            Some(json!({
                "name": "Patient portal",
                "redirect_uris": ["https://portal.example.org/cb"],
                "post_logout_redirect_uris": ["https://portal.example.org/"],
                "organization": "Northside Clinic",
                "id_token_alg": "ES256",
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let client_id = created["client_id"].as_str().unwrap().to_string();
    let secret = created["client_secret"].as_str().unwrap().to_string();
    let id = created["id"].as_i64().unwrap();
    assert!(secret_works(&app, &client_id, &secret).await);

    let (status, listed) = api.call(Method::GET, "/api/v1/clients", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let entry = &listed[0];
    assert_eq!(entry["client_id"], client_id.as_str());
    assert_eq!(entry["organization"], "Northside Clinic");
    assert_eq!(entry["id_token_alg"], "ES256");
    assert_eq!(entry["public"], false);
    assert_eq!(entry["disabled"], false);
    assert_eq!(
        entry["post_logout_redirect_uris"],
        json!(["https://portal.example.org/"])
    );
    assert!(!listed.to_string().contains(&secret), "never shown again");
    let (status, one) = api
        .call(Method::GET, &format!("/api/v1/clients/{id}"), None)
        .await;
    assert_eq!((status, &one), (200, entry));

    // Invalid URIs: a problem that says what to fix; nothing changed.
    for (body, says) in [
        (
            json!({"redirect_uris": []}),
            "Give at least one redirect URI",
        ),
        (
            json!({"redirect_uris": ["https://portal.example.org/cb#x"]}),
            "fragment",
        ),
        (
            json!({"redirect_uris": ["https://portal.example.org/cb"], "backchannel_logout_uri": "/relative"}),
            "not an absolute URL",
        ),
    ] {
        let (status, problem) = api
            .call(
                Method::PUT,
                &format!("/api/v1/clients/{id}/uris"),
                Some(body),
            )
            .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["code"], "invalid");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    let (_, unchanged) = api
        .call(Method::GET, &format!("/api/v1/clients/{id}"), None)
        .await;
    assert_eq!(&unchanged, entry);

    let (status, rotated) = api
        .call(Method::POST, &format!("/api/v1/clients/{id}/secret"), None)
        .await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert!(
        !secret_works(&app, &client_id, &secret).await,
        "the old secret stops at once"
    );
    assert!(secret_works(&app, &client_id, new_secret).await);

    let (status, _) = api
        .call(Method::POST, &format!("/api/v1/clients/{id}/disable"), None)
        .await;
    assert_eq!(status, 204);
    assert!(registered(&app, &client_id).await.unwrap().disabled);
    let (_, one) = api
        .call(Method::GET, &format!("/api/v1/clients/{id}"), None)
        .await;
    assert_eq!(one["disabled"], true);
    let (status, _) = api
        .call(Method::POST, &format!("/api/v1/clients/{id}/enable"), None)
        .await;
    assert_eq!(status, 204);
    assert!(!registered(&app, &client_id).await.unwrap().disabled);
    let (status, _) = api
        .call(Method::POST, &format!("/api/v1/clients/{id}/explode"), None)
        .await;
    assert_eq!(status, 404, "an unknown action");

    // A public client has no secret to rotate: said plainly.
    let (status, public) = api
        .call(
            Method::POST,
            "/api/v1/clients",
            Some(json!({"name": "Mobile app", "redirect_uris": ["http://localhost:7000/cb"], "public": true})),
        )
        .await;
    assert_eq!(status, 201, "{public}");
    assert!(
        public.get("client_secret").is_none_or(Value::is_null),
        "{public}"
    );
    let (status, problem) = api
        .call(
            Method::POST,
            &format!("/api/v1/clients/{}/secret", public["id"]),
            None,
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("public client has no secret"),
        "{problem}"
    );

    // Plain users and the signed-out are refused, and change nothing.
    let plain = app
        .active_user("pat@example.org", "Pat Plain", PASSWORD)
        .await;
    assert_eq!(plain.get("/admin/clients").await.status, 404);
    assert_eq!(plain.get(&format!("/admin/clients/{id}")).await.status, 404);
    let refused = plain
        .post(&format!("/admin/clients/{id}/delete"), &[])
        .await;
    assert_eq!(refused.status, 404);
    let plain_api = Api::session(&plain).await;
    for (method, path) in [
        (Method::GET, "/api/v1/clients".to_string()),
        (Method::POST, format!("/api/v1/clients/{id}/secret")),
        (Method::DELETE, format!("/api/v1/clients/{id}")),
    ] {
        let (status, problem) = plain_api.call(method, &path, None).await;
        assert_eq!(status, 403, "{path}: {problem}");
        assert_eq!(problem["code"], "forbidden");
    }
    let anonymous = app.new_browser();
    assert!(
        anonymous
            .get("/admin/clients")
            .await
            .url
            .ends_with("/login")
    );
    let page = anonymous
        .post(&format!("/admin/clients/{id}/delete"), &[])
        .await;
    assert!(page.url.contains("/login"), "{page}");
    let (status, _) = Api::session(&anonymous)
        .await
        .call(Method::DELETE, &format!("/api/v1/clients/{id}"), None)
        .await;
    assert_eq!(status, 401);
    assert!(registered(&app, &client_id).await.is_some());

    let (status, _) = api
        .call(Method::DELETE, &format!("/api/v1/clients/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert!(registered(&app, &client_id).await.is_none());
    let (status, _) = api
        .call(Method::DELETE, &format!("/api/v1/clients/{id}"), None)
        .await;
    assert_eq!(status, 404, "gone");

    let events: Vec<(String, String)> = [
        "client-created",
        "client-secret-rotated",
        "client-disabled",
        "client-enabled",
        "client-deleted",
    ]
    .iter()
    .map(|e| (e.to_string(), actor.clone()))
    .collect();
    assert_eq!(client_audit(&app, &client_id).await, events);
}

/// A client's whole life, each step audited with its actor, in order.
fn every_action_by(actor: &str) -> Vec<(String, String)> {
    each_by(
        actor,
        &[
            "client-created",
            "client-uris-changed",
            "client-secret-rotated",
            "client-disabled",
            "client-enabled",
            "client-deleted",
        ],
    )
}
