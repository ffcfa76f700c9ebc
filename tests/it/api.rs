//! The JSON API: API tokens scoped to an organization, problem details, the OpenAPI document.

use serde_json::Value;

use tessera::domain::account::Role;
use tessera::flows::invitation::InvitationRequest;

use crate::admin::{org_admin, system_admin};
use crate::helpers::{Backend, Browser, SECRET_KEY, TestApp, allowed, spawn_app};
use crate::on_both_backends;

pub(crate) fn create_token(app: &TestApp, args: &[&str]) -> String {
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

pub(crate) async fn org(app: &TestApp, name: &str) {
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
    // Whatever is wrong with the request itself, the answer is a problem too (never axum's
    // plain text or the portal's HTML page).
    let unreadable = [
        http.post(&users)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{\"email\": "),
        http.post(&users).bearer_auth(&token).body("email=x"),
        http.post(format!("{}/api/v1/users/not-a-number/disable", app.url))
            .bearer_auth(&token),
        http.get(format!("{users}?page=many")).bearer_auth(&token),
        http.get(format!("{}/api/v1/no-such-thing", app.url))
            .bearer_auth(&token),
    ];
    for (request, (status, code)) in unreadable.into_iter().zip([
        (400, "invalid"),
        (415, "invalid"),
        (400, "invalid"),
        (400, "invalid"),
        (404, "not-found"),
    ]) {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], code, "{problem}");
        assert!(!problem["detail"].as_str().unwrap().is_empty());
    }
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
    // Every account action the console and the API share is documented.
    let action =
        doc["paths"]["/api/v1/users/{id}/{action}"]["post"]["parameters"][1]["description"]
            .as_str()
            .unwrap()
            .to_string();
    for known in tessera::flows::admin::AccountAction::ALL {
        assert!(
            action.contains(known.as_str()),
            "{} in {action}",
            known.as_str()
        );
    }
    for path in [
        "/api/v1/users",
        "/api/v1/users/{id}/{action}",
        "/api/v1/users/{id}/role",
        "/api/v1/audit",
        "/api/v1/organizations",
        "/api/v1/organizations/{id}/factors",
        "/api/v1/terms",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} in {doc}");
    }
    for (path, method) in [
        ("/api/v1/users/{id}/role", "put"),
        ("/api/v1/organizations", "get"),
        ("/api/v1/organizations", "post"),
        ("/api/v1/organizations/{id}/factors", "get"),
        ("/api/v1/organizations/{id}/factors", "put"),
        ("/api/v1/terms", "post"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["securitySchemes"]["session"].is_object());
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

const PASSWORD: &str = "marmalade orbit kettle";

/// The administrator's browser calling the API with its session cookie; `csrf` sends the
/// page's CSRF token in X-CSRF-Token.
struct SessionApi<'a> {
    browser: &'a Browser,
    base: String,
}

impl<'a> SessionApi<'a> {
    fn new(app: &TestApp, browser: &'a Browser) -> Self {
        Self {
            browser,
            base: format!("{}/api/v1", app.url),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.browser
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// A state-changing request with the CSRF header (None: without it).
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        csrf: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .browser
            .http
            .request(method, format!("{}{path}", self.base));
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// With this browser's own CSRF token.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let token = self.browser.csrf().await;
        self.send(method, path, body, Some(&token)).await
    }
}

async fn problem_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["code"].as_str().unwrap_or_default().to_string(),
    )
}

async fn a_signed_in_administrator_uses_the_api_with_the_page_csrf_token(backend: Backend) {
    use reqwest::Method;
    let app = spawn_app(backend).await;
    let root = system_admin(&app, "root@example.org").await;
    let api = SessionApi::new(&app, &root);

    let list = api.get("/users").await;
    assert_eq!(list.status(), 200, "a session reads without a CSRF header");
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["users"][0]["email"], "root@example.org");

    let orgs_before = app.count("SELECT COUNT(*) FROM organizations").await;
    let refused = api
        .send(
            Method::POST,
            "/organizations",
            Some(serde_json::json!({"name": "Forged"})),
            None,
        )
        .await;
    assert_eq!(problem_code(refused).await, (403, "csrf".to_string()));
    let wrong = api
        .send(
            Method::POST,
            "/organizations",
            Some(serde_json::json!({"name": "Forged"})),
            Some("not-the-token"),
        )
        .await;
    assert_eq!(problem_code(wrong).await, (403, "csrf".to_string()));
    // Another browser's token does not fit this browser's cookie.
    let other = app.new_browser().csrf().await;
    let foreign = api
        .send(
            Method::POST,
            "/organizations",
            Some(serde_json::json!({"name": "Forged"})),
            Some(&other),
        )
        .await;
    assert_eq!(problem_code(foreign).await, (403, "csrf".to_string()));
    let users_before = app.count("SELECT COUNT(*) FROM accounts").await;
    let invite = api
        .send(
            Method::POST,
            "/users",
            Some(serde_json::json!({"email": "forged@example.org", "display_name": "Forged"})),
            None,
        )
        .await;
    assert_eq!(problem_code(invite).await, (403, "csrf".to_string()));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM organizations").await,
        orgs_before,
        "nothing changed"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts").await,
        users_before
    );
    assert!(app.mail.messages_to("forged@example.org").await.is_empty());

    let created = api
        .call(
            Method::POST,
            "/organizations",
            Some(serde_json::json!({"name": "Harbor Clinic"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let org: Value = created.json().await.unwrap();
    assert_eq!(org["name"], "Harbor Clinic");
    let events = app.app.store.recent_audit(10).await.unwrap();
    assert!(
        events
            .iter()
            .any(|(event, actor, _, _)| event == "organization-created"
                && actor.starts_with("account:")),
        "the actor is recorded"
    );

    // A signed-in person who is no administrator, and nobody at all.
    let plain = app
        .active_user("plain@example.org", "Plain User", PASSWORD)
        .await;
    let refused = SessionApi::new(&app, &plain).get("/users").await;
    assert_eq!(problem_code(refused).await, (403, "forbidden".to_string()));
    let anonymous = app.new_browser();
    assert_eq!(
        SessionApi::new(&app, &anonymous)
            .get("/users")
            .await
            .status(),
        401
    );

    // Step-up, as on the pages: the second factor must be fresh.
    app.clock.advance(10 * 60);
    root.get("/").await;
    app.clock.advance(6 * 60);
    assert_eq!(
        problem_code(api.get("/users").await).await,
        (403, "step-up".to_string())
    );
}

async fn organization_administrators_cannot_escalate_or_reach_another_organization(
    backend: Backend,
) {
    use reqwest::Method;
    let app = spawn_app(backend).await;
    let north = org_admin(&app, "North", "boss@north.example.org").await;
    org(&app, "South").await;
    let south_id = app.app.store.org_by_name("South").await.unwrap().unwrap();
    let north_id = app.app.store.org_by_name("North").await.unwrap().unwrap();
    let api = SessionApi::new(&app, &north);
    let own_id = {
        let list: Value = api.get("/users").await.json().await.unwrap();
        list["users"][0]["id"].as_i64().unwrap()
    };

    let orgs: Value = api.get("/organizations").await.json().await.unwrap();
    assert_eq!(orgs.as_array().unwrap().len(), 1, "only their own: {orgs}");
    assert_eq!(orgs[0]["name"], "North");

    let refusals = [
        (
            Method::POST,
            "/organizations".to_string(),
            Some(serde_json::json!({"name": "Mine"})),
        ),
        (
            Method::PUT,
            format!("/users/{own_id}/role"),
            Some(serde_json::json!({"role": "user"})),
        ),
        (
            Method::PUT,
            "/users/999999/role".to_string(),
            Some(serde_json::json!({"role": "org-admin"})),
        ),
        (
            Method::POST,
            "/tokens".to_string(),
            Some(serde_json::json!({"name": "mine"})),
        ),
        (Method::DELETE, "/tokens/1".to_string(), None),
        (
            Method::POST,
            "/terms".to_string(),
            Some(serde_json::json!({"title": "T", "body": "B"})),
        ),
        (
            Method::PUT,
            format!("/organizations/{north_id}/factors"),
            Some(serde_json::json!({"email": false})),
        ),
        (
            Method::POST,
            "/users".to_string(),
            Some(
                serde_json::json!({"email": "deputy@north.example.org", "display_name": "Deputy", "role": "org-admin"}),
            ),
        ),
    ];
    for (method, path, body) in refusals {
        let response = api.call(method.clone(), &path, body).await;
        assert_eq!(
            problem_code(response).await,
            (403, "forbidden".to_string()),
            "{method} {path}"
        );
    }
    assert_eq!(
        problem_code(api.get("/tokens").await).await,
        (403, "forbidden".to_string())
    );

    // Another organization's policy answers exactly as a missing one.
    for method in [Method::GET, Method::PUT] {
        let body = Some(serde_json::json!({"email": false}));
        let other = api
            .call(
                method.clone(),
                &format!("/organizations/{south_id}/factors"),
                body.clone(),
            )
            .await;
        assert_eq!(other.status(), 404, "{method}");
        let other: Value = other.json().await.unwrap();
        let missing: Value = api
            .call(method.clone(), "/organizations/999999/factors", body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(other, missing, "{method}: as if it did not exist");
        assert_eq!(other["code"], "not-found");
    }
    let own: Value = api
        .get(&format!("/organizations/{north_id}/factors"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        own,
        serde_json::json!({"email": true, "phone": true, "app": true, "passkey": true, "require_passkey": "off"})
    );

    // An organization's token is held to the same rules.
    let token = create_token(&app, &["--name", "north sync", "--org", "North"]);
    let http = reqwest::Client::new();
    let role = http
        .put(format!("{}/api/v1/users/{own_id}/role", app.url))
        .bearer_auth(&token)
        .json(&serde_json::json!({"role": "org-admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem_code(role).await, (403, "forbidden".to_string()));

    assert_eq!(
        app.count("SELECT COUNT(*) FROM organizations").await,
        2,
        "nothing was created"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_tokens").await,
        1,
        "no token was minted"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM terms_versions").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE role = 'org-admin'")
            .await,
        1
    );
    assert_eq!(
        app.app.store.organization_factors(north_id).await.unwrap(),
        allowed(true, true)
    );
    assert!(
        app.mail
            .messages_to("deputy@north.example.org")
            .await
            .is_empty()
    );
}

async fn a_new_organization_gets_an_administrator_who_sees_only_it(backend: Backend) {
    use reqwest::Method;
    let app = spawn_app(backend).await;
    let root = system_admin(&app, "root@example.org").await;
    let api = SessionApi::new(&app, &root);
    let created = api
        .call(
            Method::POST,
            "/organizations",
            Some(serde_json::json!({"name": "East Clinic"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let again = api
        .call(
            Method::POST,
            "/organizations",
            Some(serde_json::json!({"name": "East Clinic"})),
        )
        .await;
    assert_eq!(problem_code(again).await, (409, "conflict".to_string()));
    app.invite("elsewhere@example.org", "Else Where").await;

    let request = InvitationRequest {
        email: "erin@east.example.org".into(),
        display_name: "Erin East".into(),
        organization: Some("East Clinic".into()),
        role: Role::User,
    };
    let erin = app.active_account(request, PASSWORD).await;
    let erin_api = SessionApi::new(&app, &erin);
    assert_eq!(
        problem_code(erin_api.get("/users").await).await,
        (403, "forbidden".to_string())
    );

    let found: Value = api.get("/users?q=erin").await.json().await.unwrap();
    let erin_id = found["users"][0]["id"].as_i64().unwrap();
    let appointed = api
        .call(
            Method::PUT,
            &format!("/users/{erin_id}/role"),
            Some(serde_json::json!({"role": "org-admin"})),
        )
        .await;
    assert_eq!(appointed.status(), 204);

    let seen: Value = erin_api.get("/users").await.json().await.unwrap();
    assert_eq!(seen["total"], 1, "only East Clinic: {seen}");
    assert_eq!(seen["users"][0]["email"], "erin@east.example.org");
    assert_eq!(seen["users"][0]["role"], "org-admin");
    let invited = erin_api
        .call(
            Method::POST,
            "/users",
            Some(serde_json::json!({"email": "eli@east.example.org", "display_name": "Eli East"})),
        )
        .await;
    assert_eq!(invited.status(), 201);
    let seen: Value = erin_api.get("/users").await.json().await.unwrap();
    assert_eq!(seen["total"], 2);
    assert!(
        seen["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["organization"] == "East Clinic")
    );
    assert!(erin.get("/admin").await.has("eli@east.example.org"));

    // Nobody becomes a system administrator here, and an account without an organization
    // cannot administer one.
    let root_id = {
        let found: Value = api.get("/users?q=root").await.json().await.unwrap();
        found["users"][0]["id"].as_i64().unwrap()
    };
    let loose_id = {
        let found: Value = api.get("/users?q=elsewhere").await.json().await.unwrap();
        found["users"][0]["id"].as_i64().unwrap()
    };
    for (id, role) in [
        (erin_id, "system-admin"),
        (root_id, "user"),
        (loose_id, "org-admin"),
    ] {
        let refused = api
            .call(
                Method::PUT,
                &format!("/users/{id}/role"),
                Some(serde_json::json!({"role": role})),
            )
            .await;
        assert_eq!(
            problem_code(refused).await,
            (422, "invalid".to_string()),
            "{role}"
        );
    }

    let removed = api
        .call(
            Method::PUT,
            &format!("/users/{erin_id}/role"),
            Some(serde_json::json!({"role": "user"})),
        )
        .await;
    assert_eq!(removed.status(), 204);
    assert_eq!(
        problem_code(erin_api.get("/users").await).await,
        (403, "forbidden".to_string()),
        "at once"
    );
    let changes = app
        .audit_events()
        .await
        .iter()
        .filter(|e| *e == "role-changed")
        .count();
    assert_eq!(changes, 2);
}

async fn api_tokens_are_issued_listed_and_revoked_by_a_signed_in_system_administrator(
    backend: Backend,
) {
    use reqwest::Method;
    let app = spawn_app(backend).await;
    let root = system_admin(&app, "root@example.org").await;
    let api = SessionApi::new(&app, &root);
    org(&app, "North").await;
    let issued = api
        .call(
            Method::POST,
            "/tokens",
            Some(serde_json::json!({"name": "north sync", "organization": "North", "days": 30})),
        )
        .await;
    assert_eq!(issued.status(), 201);
    assert_eq!(issued.headers()["cache-control"], "no-store");
    let issued: Value = issued.json().await.unwrap();
    let token = issued["token"].as_str().unwrap().to_string();
    let token_id = issued["id"].as_i64().unwrap();
    assert!(token.starts_with("tsr_"));
    let bad = api
        .call(
            Method::POST,
            "/tokens",
            Some(serde_json::json!({"name": "x", "organization": "Nowhere"})),
        )
        .await;
    assert_eq!(problem_code(bad).await, (422, "invalid".to_string()));

    let listed = api.get("/tokens").await.text().await.unwrap();
    assert!(!listed.contains(&token), "the value is shown once only");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "north sync");
    assert_eq!(listed[0]["organization"], "North");
    assert!(
        listed[0]["created_by"]
            .as_str()
            .unwrap()
            .starts_with("account:")
    );
    assert!(listed[0]["revoked_at"].is_null());

    let http = reqwest::Client::new();
    let users = format!("{}/api/v1/users", app.url);
    assert_eq!(
        http.get(&users)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // A token cannot mint, list or revoke tokens, not even an all-organizations one.
    let all = create_token(&app, &["--name", "everything"]);
    let minted = http
        .post(format!("{}/api/v1/tokens", app.url))
        .bearer_auth(&all)
        .json(&serde_json::json!({"name": "copy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem_code(minted).await, (403, "forbidden".to_string()));
    let listing = http
        .get(format!("{}/api/v1/tokens", app.url))
        .bearer_auth(&all)
        .send()
        .await
        .unwrap();
    assert_eq!(listing.status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 2);

    assert_eq!(
        api.call(Method::DELETE, &format!("/tokens/{token_id}"), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        http.get(&users)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "a revoked token stops at once"
    );
    let again = api
        .call(Method::DELETE, &format!("/tokens/{token_id}"), None)
        .await;
    assert_eq!(problem_code(again).await, (404, "not-found".to_string()));
    let listed: Value = api.get("/tokens").await.json().await.unwrap();
    let revoked = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == token_id)
        .unwrap();
    assert!(revoked["revoked_at"].is_i64());
    let events = app.app.store.recent_audit(50).await.unwrap();
    for name in ["api-token-issued", "api-token-revoked"] {
        assert!(
            events
                .iter()
                .any(|(event, actor, _, _)| event == name && actor.starts_with("account:")),
            "{name} with its actor"
        );
    }
}

async fn terms_published_through_the_api_are_accepted_at_next_sign_in(backend: Backend) {
    use reqwest::Method;
    let app = spawn_app(backend).await;
    let root = system_admin(&app, "root@example.org").await;
    let user = app
        .active_user("tess@example.org", "Tess Ura", PASSWORD)
        .await;
    let api = SessionApi::new(&app, &root);
    let empty = api
        .call(
            Method::POST,
            "/terms",
            Some(serde_json::json!({"title": "", "body": "x"})),
        )
        .await;
    assert_eq!(problem_code(empty).await, (422, "invalid".to_string()));
    let published = api
        .call(
            Method::POST,
            "/terms",
            Some(serde_json::json!({"title": "Terms of Use", "body": "Version two: API rules."})),
        )
        .await;
    assert_eq!(published.status(), 201);
    let published: Value = published.json().await.unwrap();
    assert_eq!(published["version"], 2);

    let page = user.get("/").await;
    assert!(
        page.url.ends_with("/terms") && page.has("Version two: API rules."),
        "{}",
        page.url
    );
    // And at a fresh sign-in.
    let fresh = app.new_browser();
    fresh.sign_in("tess@example.org", PASSWORD).await;
    fresh.post("/verify/email/send", &[]).await;
    let code = app.latest_code("tess@example.org").await;
    let page = fresh.post("/verify/email/check", &[("code", &code)]).await;
    let page = if page.url.ends_with("/terms") {
        page
    } else {
        fresh.get("/").await
    };
    assert!(page.url.ends_with("/terms"), "{}", page.url);
    let page = fresh
        .post("/terms", &[("agree", "yes"), ("version", "2")])
        .await;
    page.assert_shows("Welcome, Tess Ura");
}

async fn a_factor_policy_set_through_the_api_is_honoured_at_registration(backend: Backend) {
    use reqwest::Method;
    let app = spawn_app(backend).await;
    let root = system_admin(&app, "root@example.org").await;
    let api = SessionApi::new(&app, &root);
    let org: Value = api
        .call(
            Method::POST,
            "/organizations",
            Some(serde_json::json!({"name": "Strict Clinic"})),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = org["id"].as_i64().unwrap();
    let set = api
        .call(
            Method::PUT,
            &format!("/organizations/{id}/factors"),
            Some(serde_json::json!({"email": false})),
        )
        .await;
    assert_eq!(set.status(), 200);
    assert_eq!(
        set.json::<Value>().await.unwrap(),
        serde_json::json!({"email": false, "phone": true, "app": true, "passkey": true, "require_passkey": "off"})
    );
    let none = api
        .call(
            Method::PUT,
            &format!("/organizations/{id}/factors"),
            Some(serde_json::json!({"phone": false})),
        )
        .await;
    assert_eq!(
        problem_code(none).await,
        (422, "invalid".to_string()),
        "one factor stays"
    );
    let read: Value = api
        .get(&format!("/organizations/{id}/factors"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        read,
        serde_json::json!({"email": false, "phone": true, "app": true, "passkey": true, "require_passkey": "off"})
    );
    assert!(
        app.audit_events()
            .await
            .iter()
            .any(|e| e == "factor-policy-changed")
    );

    let invited = api
        .call(
            Method::POST,
            "/users",
            Some(serde_json::json!({"email": "new@strict.example.org", "display_name": "New Strict", "organization": "Strict Clinic"})),
        )
        .await;
    assert_eq!(invited.status(), 201);
    let link = app
        .mail
        .message_to("new@strict.example.org", 0)
        .await
        .link();
    let browser = app.new_browser();
    let page = browser.get_absolute(&link).await;
    assert!(
        page.has_element("[value=\"phone\"]") && !page.has_element("[value=\"email\"]"),
        "{page}"
    );
    let page = browser
        .register("New Strict", PASSWORD, PASSWORD, "email")
        .await;
    page.assert_shows("Your organization does not allow that method");
    let page = browser
        .register("New Strict", PASSWORD, PASSWORD, "phone")
        .await;
    assert!(
        page.url
            .contains("/login/phone?notice=registered&login_hint="),
        "{page}"
    );
}

on_both_backends!(
    a_signed_in_administrator_uses_the_api_with_the_page_csrf_token,
    organization_administrators_cannot_escalate_or_reach_another_organization,
    a_new_organization_gets_an_administrator_who_sees_only_it,
    api_tokens_are_issued_listed_and_revoked_by_a_signed_in_system_administrator,
    terms_published_through_the_api_are_accepted_at_next_sign_in,
    a_factor_policy_set_through_the_api_is_honoured_at_registration,
);
