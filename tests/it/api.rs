//! The JSON API: API tokens scoped to an organization, problem details, the OpenAPI document.

use serde_json::Value;

use crate::helpers::{Backend, SECRET_KEY, TestApp, spawn_app};
use crate::on_both_backends;

fn create_token(app: &TestApp, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["admin", "create-token"])
        .args(args)
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn org(app: &TestApp, name: &str) {
    let event = tessera::audit::AuditEvent::new("organization-created", "test", name);
    app.app
        .store
        .create_org(name, app.clock_now(), event)
        .await
        .unwrap();
}

async fn an_organization_token_manages_only_its_organization(backend: Backend) {
    let app = spawn_app(backend).await;
    org(&app, "North").await;
    org(&app, "South").await;
    let north = create_token(&app, &["--name", "north sync", "--org", "North"]);
    let south = create_token(&app, &["--name", "south sync", "--org", "South"]);
    assert!(north.starts_with("tsr_"));
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", app.url);

    let created = http
        .post(api("/users"))
        .bearer_auth(&north)
        .json(&serde_json::json!({"email": "ann@north.example.org", "display_name": "Ann North"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    let ann = body["id"].as_i64().unwrap();
    assert!(
        app.mail
            .message_to("ann@north.example.org", 0)
            .await
            .link()
            .contains("/register/")
    );

    let list: Value = http
        .get(api("/users"))
        .bearer_auth(&north)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["users"][0]["email"], "ann@north.example.org");
    assert_eq!(list["users"][0]["status"], "invited");
    assert_eq!(list["users"][0]["organization"], "North");
    let other: Value = http
        .get(api("/users"))
        .bearer_auth(&south)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other["total"], 0, "the other organization sees nothing");

    for action in ["resend", "disable", "enable", "lock", "unlock", "reset-mfa"] {
        let refused = http
            .post(api(&format!("/users/{ann}/{action}")))
            .bearer_auth(&south)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 404, "{action}");
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(problem["code"], "not-found");
        assert_eq!(problem["status"], 404);
    }
    assert_eq!(
        http.post(api(&format!("/users/{ann}/disable")))
            .bearer_auth(&north)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let audit = http
        .get(api("/audit?event=account-disabled"))
        .bearer_auth(&north)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line: Value = serde_json::from_str(audit.lines().next().expect("an audit line")).unwrap();
    assert_eq!(line["event"], "account-disabled");
    assert!(
        line["actor"].as_str().unwrap().starts_with("api-token:"),
        "{line}"
    );
}

async fn missing_wrong_expired_and_invalid_requests_get_problem_details(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = create_token(&app, &["--name", "all", "--days", "1"]);
    let http = reqwest::Client::new();
    let users = format!("{}/api/v1/users", app.url);
    for auth in [None, Some("tsr_not-a-real-token")] {
        let mut request = http.get(&users);
        if let Some(t) = auth {
            request = request.bearer_auth(t);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "unauthorized");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("Authorization: Bearer")
        );
    }
    let bad = http
        .post(&users)
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "not-an-email", "display_name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(problem["code"], "invalid");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("name@example.com")
    );
    // The CLI stamps the token with the wall clock, a moment after the test's
    // clock started: a day and a minute is past its expiry on either clock.
    app.clock.advance(86_400 + 60);
    assert_eq!(
        http.get(&users)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "an expired token"
    );
}

async fn the_openapi_document_describes_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/users",
        "/api/v1/users/{id}/{action}",
        "/api/v1/audit",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} in {doc}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

on_both_backends!(
    an_organization_token_manages_only_its_organization,
    missing_wrong_expired_and_invalid_requests_get_problem_details,
    the_openapi_document_describes_the_api,
);

async fn bulk_create_checks_every_row_first(backend: Backend) {
    let app = spawn_app(backend).await;
    org(&app, "North").await;
    let token = create_token(&app, &["--name", "north", "--org", "North"]);
    let http = reqwest::Client::new();
    let bulk = format!("{}/api/v1/users/bulk", app.url);
    let bad = "email,display_name,organization\nok@example.org,Okay One,\nnot-an-email,Bad,\nx@example.org,Elsewhere,South\n";
    let response = http
        .post(&bulk)
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    let lines: Vec<i64> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts").await,
        0,
        "nobody was created"
    );
    // Fixing the format reveals the scope problem, still creating nobody.
    let other_org = "email,display_name,organization\nok@example.org,Okay One,\nx@example.org,Elsewhere,South\n";
    let problem: Value = http
        .post(&bulk)
        .bearer_auth(&token)
        .body(other_org)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("only into your own organization"),
        "{problem}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 0);

    let mut good = String::from("email,display_name\n");
    for i in 0..30 {
        good.push_str(&format!("bulk{i}@example.org,Bulk Person {i}\n"));
    }
    let response = http
        .post(&bulk)
        .bearer_auth(&token)
        .body(good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let done: Value = response.json().await.unwrap();
    assert_eq!(done["created"], 30);
    assert!(
        app.mail
            .message_to("bulk29@example.org", 0)
            .await
            .link()
            .contains("/register/")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE status = 'invited' AND org_id IS NOT NULL")
            .await,
        30
    );
}

on_both_backends!(bulk_create_checks_every_row_first);

async fn revoked_tokens_and_revoked_invitations_stop_working(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = create_token(&app, &["--name", "short-lived"]);
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", app.url);
    let created: Value = http
        .post(api("/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "gone@example.org", "display_name": "Gone Soon"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let link = app.mail.message_to("gone@example.org", 0).await.link();
    assert_eq!(
        http.post(api(&format!("/users/{id}/revoke")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        app.new_browser().get_absolute(&link).await.status,
        410,
        "the revoked invitation's link no longer works"
    );
    let sorted: Value = http
        .get(api("/users?sort=email"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sorted["total"], 0);

    let token_id = {
        let list = app.app.store.recent_audit(20).await.unwrap();
        let issued = list.iter().find(|e| e.0 == "api-token-issued").unwrap();
        serde_json::from_str::<Value>(&issued.3).unwrap()["token_id"]
            .as_i64()
            .unwrap()
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["admin", "revoke-token", "--id", &token_id.to_string()])
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        http.get(api("/users"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

on_both_backends!(revoked_tokens_and_revoked_invitations_stop_working);
