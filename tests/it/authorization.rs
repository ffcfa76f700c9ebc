//! Function- and data-level authorization (OWASP ASVS 8.2.1, 8.2.2; issue 5): every
//! administrator route and API call, read from the router's sources, is tried signed out, as
//! plain users, as organization A's administrator and with A's API token against
//! organization B's accounts, invitation, organization and token, and against the actions for
//! system administrators only. Every such call is refused and changes nothing (every table
//! compared after each call; refusals write no audit entry). Against B's objects the answer is
//! exactly the answer for objects that do not exist, so nothing of B can be learned. The same
//! calls made by a system administrator succeed, so the refusals are not broken requests.

use reqwest::Method;
use serde_json::{Value, json};
use tessera::domain::account::Role;
use tessera::flows::invitation::{self, InvitationRequest};

use crate::admin::{multipart_form, org_admin, system_admin};
use crate::api::create_token;
use crate::helpers::{Backend, Browser, TestApp, declared_routes, spawn_app};
use crate::on_both_backends;
use crate::snapshot::{Tables, differences};

on_both_backends!(no_administrator_call_reaches_another_organization_or_a_plain_user);

const PASSWORD: &str = "correct horse battery staple";

/// Every administrative route of the router (method, template): the web pages under `/admin`
/// and the API under `/api/v1` but its OpenAPI document. `calls` says how each is called; the
/// test below fails when the sources have a route missing here, or this list one they lack.
const ADMIN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin"),
    ("POST", "/admin/users"),
    ("POST", "/admin/users/bulk"),
    ("POST", "/admin/users/upload"),
    ("POST", "/admin/organizations"),
    ("POST", "/admin/organizations/{id}/factors"),
    ("POST", "/admin/import"),
    ("POST", "/admin/users/{id}/{action}"),
    ("GET", "/admin/terms"),
    ("POST", "/admin/terms"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/audit/export"),
    ("GET", "/admin/mail"),
    ("POST", "/admin/mail/{id}/{action}"),
    ("GET", "/admin/rollout"),
    ("POST", "/admin/rollout/{mailing}"),
    ("POST", "/admin/rollout/deadline"),
    ("POST", "/admin/rollout/deadline/remove"),
    ("GET", "/admin/clients"),
    ("POST", "/admin/clients"),
    ("GET", "/admin/clients/{id}"),
    ("POST", "/admin/clients/{id}/uris"),
    ("POST", "/admin/clients/{id}/secret"),
    ("POST", "/admin/clients/{id}/{action}"),
    ("GET", "/admin/apps"),
    ("POST", "/admin/apps"),
    // Delete last: the application is gone afterwards.
    ("POST", "/admin/apps/{id}/{action}"),
    ("GET", "/admin/providers"),
    ("POST", "/admin/providers"),
    ("GET", "/admin/providers/{id}"),
    ("POST", "/admin/providers/{id}"),
    ("POST", "/admin/providers/{id}/{action}"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("POST", "/api/v1/users/bulk"),
    ("POST", "/api/v1/import"),
    ("POST", "/api/v1/users/{id}/{action}"),
    ("PUT", "/api/v1/users/{id}/role"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/organizations"),
    ("POST", "/api/v1/organizations"),
    ("GET", "/api/v1/organizations/{id}/factors"),
    ("PUT", "/api/v1/organizations/{id}/factors"),
    ("POST", "/api/v1/terms"),
    ("GET", "/api/v1/tokens"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{id}"),
    ("GET", "/api/v1/clients"),
    ("POST", "/api/v1/clients"),
    ("GET", "/api/v1/clients/{id}"),
    ("PUT", "/api/v1/clients/{id}/uris"),
    ("POST", "/api/v1/clients/{id}/secret"),
    ("POST", "/api/v1/clients/{id}/{action}"),
    ("GET", "/api/v1/apps"),
    ("POST", "/api/v1/apps"),
    ("GET", "/api/v1/apps/{id}"),
    ("POST", "/api/v1/apps/{id}/{action}"),
    ("GET", "/api/v1/providers"),
    ("POST", "/api/v1/providers"),
    ("GET", "/api/v1/providers/{id}"),
    ("PATCH", "/api/v1/providers/{id}"),
    ("POST", "/api/v1/providers/{id}/{action}"),
    // Last: the client and the application are gone afterwards.
    ("DELETE", "/api/v1/clients/{id}"),
    ("DELETE", "/api/v1/apps/{id}"),
];

/// The administrative routes the sources declare (`helpers::declared_routes`).
fn declared_admin_routes() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = declared_routes()
        .into_iter()
        .filter(|(template, _)| {
            template == "/admin"
                || template.starts_with("/admin/")
                || (template.starts_with("/api/v1/") && template != "/api/v1/openapi.json")
        })
        .flat_map(|(template, methods)| {
            methods
                .into_iter()
                .map(move |m| (m.to_string(), template.clone()))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_authorization_route_list_matches_the_router() {
    let mut listed: Vec<(String, String)> = ADMIN_ROUTES
        .iter()
        .map(|(m, t)| (m.to_string(), t.to_string()))
        .collect();
    listed.sort();
    assert_eq!(
        declared_admin_routes(),
        listed,
        "an administrative route was added or removed: list it in ADMIN_ROUTES and say in `calls` how it is called"
    );
}

/// The objects a call is aimed at: organization B's, or ones that do not exist.
struct Targets {
    org_id: i64,
    org_name: &'static str,
    user_id: i64,
    user_email: &'static str,
    /// Unused invitations: one for the pages, one for the API (a system administrator
    /// revokes each once at the end).
    web_invitation: i64,
    api_invitation: i64,
    token_id: i64,
    /// Two dead letters of the organization's member: one to retry, one to discard.
    dead_letters: (i64, i64),
    /// OpenID Connect clients of the organization: one for the pages, one for the API (a
    /// system administrator deletes each at the end).
    web_client: i64,
    api_client: i64,
    /// Protected applications (forward authentication) of the organization, likewise.
    web_app: i64,
    api_app: i64,
    /// Staff sign-in providers creating the organization's staff accounts, likewise (system
    /// administrators only, whatever the organization), and the issuer of the running
    /// provider their registrations name.
    web_provider: i64,
    api_provider: i64,
    issuer: &'static str,
}

const MISSING: Targets = Targets {
    org_id: 999_001,
    org_name: "Nowhere Clinic",
    user_id: 999_002,
    user_email: "nobody@nowhere.example.org",
    web_invitation: 999_003,
    api_invitation: 999_004,
    token_id: 999_005,
    dead_letters: (999_006, 999_007),
    web_client: 999_008,
    api_client: 999_009,
    web_app: 999_010,
    api_app: 999_011,
    web_provider: 999_012,
    api_provider: 999_013,
    issuer: "http://127.0.0.1:9",
};

enum Payload {
    None,
    /// Form fields; the caller's `csrf_token` is added.
    Form(Vec<(&'static str, String)>),
    /// A CSV file uploaded as `multipart/form-data`, with the caller's `csrf_token`.
    Upload(String),
    Json(Value),
    Csv(String),
}

struct Call {
    method: Method,
    path: String,
    payload: Payload,
}

fn call(method: Method, path: String, payload: Payload) -> Call {
    Call {
        method,
        path,
        payload,
    }
}

/// Whether only a system administrator may make the call, whatever it is aimed at: every
/// change but the account actions an organization administrator has on their own people
/// (every invitation above appoints an organization administrator), and reading the Terms
/// form and the tokens.
fn system_only(call: &Call) -> bool {
    let action = call.path.rsplit('/').next().unwrap_or_default();
    // Organization administrators manage their own organization's clients.
    if call.path.starts_with("/admin/clients") || call.path.starts_with("/api/v1/clients") {
        return false;
    }
    // And their own organization's protected applications.
    if call.path.starts_with("/admin/apps") || call.path.starts_with("/api/v1/apps") {
        return false;
    }
    // A staff sign-in provider serves every organization's login page: reading them too.
    if call.path.starts_with("/admin/providers") || call.path.starts_with("/api/v1/providers") {
        return true;
    }
    if call.method == Method::GET {
        call.path == "/admin/terms" || call.path == "/api/v1/tokens"
    } else {
        !(["resend", "revoke", "retry", "discard"].contains(&action)
            || ACCOUNT_ACTIONS.contains(&action))
    }
}

/// A CSV of current portal users, with a password hash as an old portal stored it.
fn import_csv(email: &str) -> String {
    let hash = bcrypt::hash("old bcrypt password", 4).unwrap();
    format!("email,display_name,password_hash\n{email},Old Timer,{hash}\n")
}

/// What an organization administrator does to their own people (besides resend and revoke
/// of an invitation), on the pages and the API alike.
const ACCOUNT_ACTIONS: &[&str] = &[
    "disable",
    "enable",
    "lock",
    "unlock",
    "reset-mfa",
    "end-sessions",
];

/// The pages' role changes (the API has `PUT /api/v1/users/{id}/role`).
const ROLE_ACTIONS: &[&str] = &["make-org-admin", "make-user"];

/// How each administrative route is called, aimed at `t`: a plausible, valid request (a system
/// administrator's succeeds), one per action for the `{action}` routes.
fn calls(method: &str, template: &str, t: &Targets) -> Vec<Call> {
    let org = t.org_name;
    let verb = Method::from_bytes(method.as_bytes()).unwrap();
    // One call of the route's method: at `path`, or at the template itself when None.
    let one = |path: Option<String>, payload: Payload| {
        vec![call(
            verb.clone(),
            path.unwrap_or_else(|| template.to_string()),
            payload,
        )]
    };
    let form = |fields: &[(&'static str, &str)]| {
        Payload::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
    };
    // Every invitation appoints an organization administrator (system administrators only).
    let new_admin = |email: &str| {
        format!("email,display_name,organization,role\n{email},New Admin,{org},org-admin\n")
    };
    let user_actions = |prefix: &str, invitation: i64, role_actions: &[&str]| {
        let at = |id: i64, action: &str| {
            call(
                Method::POST,
                format!("{prefix}/{id}/{action}"),
                Payload::None,
            )
        };
        let mut out = vec![at(invitation, "resend"), at(invitation, "revoke")];
        out.extend(
            ACCOUNT_ACTIONS
                .iter()
                .chain(role_actions)
                .map(|a| at(t.user_id, a)),
        );
        out
    };
    let audit_filter = format!("user={}&organization={org}", t.user_email);
    match (method, template) {
        ("GET", "/admin") => one(Some(format!("/admin?org={org}&q=b1")), Payload::None),
        ("POST", "/admin/users") => one(
            None,
            form(&[
                ("email", "new.web@beta.example.org"),
                ("display_name", "New Web"),
                ("organization", org),
                ("role", "org-admin"),
            ]),
        ),
        ("POST", "/admin/users/bulk") => one(
            None,
            form(&[("csv", &new_admin("new.bulk@beta.example.org"))]),
        ),
        ("POST", "/admin/users/upload") => one(
            None,
            Payload::Upload(new_admin("new.upload@beta.example.org")),
        ),
        ("POST", "/admin/organizations") => one(None, form(&[("name", "Gamma Web Clinic")])),
        ("POST", "/admin/organizations/{id}/factors") => one(
            Some(format!("/admin/organizations/{}/factors", t.org_id)),
            form(&[("email", "on")]),
        ),
        ("POST", "/admin/import") => one(None, Payload::Upload(import_csv("old.web@example.org"))),
        ("POST", "/admin/users/{id}/{action}") => {
            user_actions("/admin/users", t.web_invitation, ROLE_ACTIONS)
        }
        ("GET", "/admin/terms" | "/api/v1/organizations" | "/api/v1/tokens") => {
            one(None, Payload::None)
        }
        ("POST", "/admin/terms") => one(
            None,
            form(&[
                ("title", "Terms of Use 2"),
                ("body", "Be kind to patients."),
            ]),
        ),
        ("GET", "/admin/mail" | "/admin/rollout") => one(None, Payload::None),
        // A mailing or a deadline names no organization to aim at another's: it is the
        // caller's own. console.rs checks that scope and the refusals; access.rs walks every
        // stage.
        (
            "POST",
            "/admin/rollout/{mailing}"
            | "/admin/rollout/deadline"
            | "/admin/rollout/deadline/remove",
        ) => Vec::new(),
        ("POST", "/admin/mail/{id}/{action}") => vec![
            call(
                Method::POST,
                format!("/admin/mail/{}/retry", t.dead_letters.0),
                Payload::None,
            ),
            call(
                Method::POST,
                format!("/admin/mail/{}/discard", t.dead_letters.1),
                Payload::None,
            ),
        ],
        ("GET", "/admin/clients" | "/api/v1/clients") => one(None, Payload::None),
        ("POST", "/admin/clients") => one(
            None,
            form(&[
                ("name", "Beta web portal"),
                ("redirect_uris", "https://web.beta.example.org/cb"),
                ("organization", org),
                ("id_token_alg", "RS256"),
            ]),
        ),
        ("GET", "/admin/clients/{id}") => one(
            Some(format!("/admin/clients/{}", t.web_client)),
            Payload::None,
        ),
        ("POST", "/admin/clients/{id}/uris") => one(
            Some(format!("/admin/clients/{}/uris", t.web_client)),
            form(&[("redirect_uris", "https://evil.example.net/cb")]),
        ),
        ("POST", "/admin/clients/{id}/secret") => one(
            Some(format!("/admin/clients/{}/secret", t.web_client)),
            Payload::None,
        ),
        // Delete last: the client is gone afterwards.
        ("POST", "/admin/clients/{id}/{action}") => ["disable", "enable", "delete"]
            .iter()
            .map(|a| {
                let path = format!("/admin/clients/{}/{a}", t.web_client);
                call(Method::POST, path, Payload::None)
            })
            .collect(),
        ("POST", "/api/v1/clients") => one(
            None,
            Payload::Json(json!({
                "name": "Beta api portal", "redirect_uris": ["https://api.beta.example.org/cb"],
                "organization": org,
            })),
        ),
        ("GET" | "DELETE", "/api/v1/clients/{id}") => one(
            Some(format!("/api/v1/clients/{}", t.api_client)),
            Payload::None,
        ),
        ("PUT", "/api/v1/clients/{id}/uris") => one(
            Some(format!("/api/v1/clients/{}/uris", t.api_client)),
            Payload::Json(json!({"redirect_uris": ["https://evil.example.net/cb"]})),
        ),
        ("POST", "/api/v1/clients/{id}/secret") => one(
            Some(format!("/api/v1/clients/{}/secret", t.api_client)),
            Payload::None,
        ),
        ("POST", "/api/v1/clients/{id}/{action}") => ["disable", "enable"]
            .iter()
            .map(|a| {
                let path = format!("/api/v1/clients/{}/{a}", t.api_client);
                call(Method::POST, path, Payload::None)
            })
            .collect(),
        ("GET", "/admin/apps" | "/api/v1/apps") => one(None, Payload::None),
        ("POST", "/admin/apps") => one(
            None,
            form(&[
                ("name", "Beta web intranet"),
                ("url", "https://intranet-web.beta.example.org"),
                ("organization", org),
            ]),
        ),
        // Delete last: the application is gone afterwards.
        ("POST", "/admin/apps/{id}/{action}") => ["disable", "enable", "delete"]
            .iter()
            .map(|a| {
                let path = format!("/admin/apps/{}/{a}", t.web_app);
                call(Method::POST, path, Payload::None)
            })
            .collect(),
        ("POST", "/api/v1/apps") => one(
            None,
            Payload::Json(json!({
                "name": "Beta api intranet", "url": "https://intranet-api.beta.example.org",
                "organizations": [org],
            })),
        ),
        ("GET" | "DELETE", "/api/v1/apps/{id}") => {
            one(Some(format!("/api/v1/apps/{}", t.api_app)), Payload::None)
        }
        ("POST", "/api/v1/apps/{id}/{action}") => ["disable", "enable"]
            .iter()
            .map(|a| {
                let path = format!("/api/v1/apps/{}/{a}", t.api_app);
                call(Method::POST, path, Payload::None)
            })
            .collect(),
        ("GET", "/admin/providers" | "/api/v1/providers") => one(None, Payload::None),
        ("POST", "/admin/providers") => one(
            None,
            form(&[
                ("name", "Beta web staff"),
                ("issuer", t.issuer),
                ("client_id", "tessera"),
                ("client_secret", "upstream-client-secret"),
                ("domains", "web-staff.beta.example.org"),
                ("organization", org),
                ("require_local_mfa", "on"),
            ]),
        ),
        ("GET", "/admin/providers/{id}") => one(
            Some(format!("/admin/providers/{}", t.web_provider)),
            Payload::None,
        ),
        // A real change (Tessera's own factor asked for) of the provider's settings.
        ("POST", "/admin/providers/{id}") => one(
            Some(format!("/admin/providers/{}", t.web_provider)),
            form(&[
                ("name", "Beta web"),
                ("client_id", "tessera"),
                ("domains", "web.beta-staff.example.org"),
                ("organization", org),
                ("require_local_mfa", "on"),
            ]),
        ),
        ("POST", "/admin/providers/{id}/{action}") => ["disable", "enable"]
            .iter()
            .map(|a| {
                let path = format!("/admin/providers/{}/{a}", t.web_provider);
                call(Method::POST, path, Payload::None)
            })
            .collect(),
        ("POST", "/api/v1/providers") => one(
            None,
            Payload::Json(json!({
                "name": "Beta api staff", "issuer": t.issuer, "client_id": "tessera",
                "client_secret": "upstream-client-secret",
                "domains": ["api-staff.beta.example.org"], "organization": org,
            })),
        ),
        ("GET", "/api/v1/providers/{id}") => one(
            Some(format!("/api/v1/providers/{}", t.api_provider)),
            Payload::None,
        ),
        ("PATCH", "/api/v1/providers/{id}") => one(
            Some(format!("/api/v1/providers/{}", t.api_provider)),
            Payload::Json(json!({"require_local_mfa": true, "organization": org})),
        ),
        ("POST", "/api/v1/providers/{id}/{action}") => ["disable", "enable"]
            .iter()
            .map(|a| {
                let path = format!("/api/v1/providers/{}/{a}", t.api_provider);
                call(Method::POST, path, Payload::None)
            })
            .collect(),
        ("GET", "/admin/audit") => one(Some(format!("/admin/audit?{audit_filter}")), Payload::None),
        ("GET", "/admin/audit/export") => one(
            Some(format!("/admin/audit/export?format=csv&{audit_filter}")),
            Payload::None,
        ),
        ("GET", "/api/v1/users") => one(
            Some(format!("/api/v1/users?organization={org}&q=b1")),
            Payload::None,
        ),
        ("POST", "/api/v1/users") => one(
            None,
            Payload::Json(json!({
                "email": "new.api@beta.example.org", "display_name": "New Api",
                "organization": org, "role": "org-admin",
            })),
        ),
        ("POST", "/api/v1/users/bulk") => one(
            None,
            Payload::Csv(new_admin("new.apibulk@beta.example.org")),
        ),
        ("POST", "/api/v1/import") => one(None, Payload::Csv(import_csv("old.api@example.org"))),
        ("POST", "/api/v1/users/{id}/{action}") => {
            user_actions("/api/v1/users", t.api_invitation, &[])
        }
        ("PUT", "/api/v1/users/{id}/role") => one(
            Some(format!("/api/v1/users/{}/role", t.user_id)),
            Payload::Json(json!({"role": "org-admin"})),
        ),
        ("GET", "/api/v1/audit") => one(
            Some(format!("/api/v1/audit?user={}", t.user_email)),
            Payload::None,
        ),
        ("POST", "/api/v1/organizations") => {
            one(None, Payload::Json(json!({"name": "Gamma Api Clinic"})))
        }
        ("GET", "/api/v1/organizations/{id}/factors") => one(
            Some(format!("/api/v1/organizations/{}/factors", t.org_id)),
            Payload::None,
        ),
        ("PUT", "/api/v1/organizations/{id}/factors") => one(
            Some(format!("/api/v1/organizations/{}/factors", t.org_id)),
            Payload::Json(json!({"email": true, "phone": false})),
        ),
        ("POST", "/api/v1/terms") => one(
            None,
            Payload::Json(json!({"title": "Terms of Use 3", "body": "Be kinder still."})),
        ),
        ("POST", "/api/v1/tokens") => one(
            None,
            Payload::Json(json!({"name": "beta reports", "organization": org, "days": 30})),
        ),
        ("DELETE", "/api/v1/tokens/{id}") => one(
            Some(format!("/api/v1/tokens/{}", t.token_id)),
            Payload::None,
        ),
        _ => panic!("no calls for {method} {template}: say in `calls` how it is called"),
    }
}

/// Who makes a call: a browser (with its cookies and CSRF token), and perhaps an API token.
struct Caller {
    name: &'static str,
    browser: Browser,
    csrf: String,
    bearer: Option<String>,
}

impl Caller {
    async fn new(name: &'static str, browser: Browser, bearer: Option<String>) -> Self {
        let csrf = browser.csrf().await;
        Self {
            name,
            browser,
            csrf,
            bearer,
        }
    }

    /// The answer: status, final address (redirects followed) and body.
    async fn send(&self, call: &Call) -> (u16, String, String) {
        let mut request = self.browser.http.request(
            call.method.clone(),
            format!("{}{}", self.browser.base, call.path),
        );
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if call.path.starts_with("/api/") {
            // A page's script sends its CSRF token with every API call of the session.
            request = request.header("x-csrf-token", &self.csrf);
        }
        request = match &call.payload {
            Payload::None if call.path.starts_with("/api/") || call.method == Method::GET => {
                request
            }
            Payload::None => request.form(&[("csrf_token", &self.csrf)]),
            Payload::Form(fields) => {
                let mut fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                fields.push(("csrf_token", &self.csrf));
                request.form(&fields)
            }
            Payload::Upload(csv) => {
                let (content_type, body) = multipart_form(Some(&self.csrf), csv);
                request.header("content-type", content_type).body(body)
            }
            Payload::Json(value) => request.json(value),
            Payload::Csv(csv) => request.header("content-type", "text/csv").body(csv.clone()),
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        // Where the answer came from: the address asked, or the one redirected to.
        let asked = call.path.split('?').next().unwrap_or_default();
        let url = match response.url().path() {
            path if path == asked => "(as asked)".to_string(),
            path => path.to_string(),
        };
        let body = response.text().await.unwrap();
        (status, url, body)
    }
}

/// A change refused: 403 or 404 (as if missing), or 422 for a file whose rows are refused.
fn assert_refused(who: &Caller, call: &Call, status: u16, url: &str, body: &str) {
    assert!(
        [403, 404, 422].contains(&status),
        "{}: {} {} was not refused: {status} at {url}: {body}",
        who.name,
        call.method,
        call.path
    );
}

/// The body with the per-browser CSRF token blanked and B's names written as the missing
/// ones', to compare an answer about B with the answer about nothing.
fn comparable(body: &str, t: &Targets) -> String {
    let page = crate::helpers::Page {
        status: 0,
        url: String::new(),
        body: body.to_string(),
        headers: Default::default(),
    };
    // As written, and as a query string writes it (the pages echo their filters).
    let encoded = |s: &str| s.replace('@', "%40").replace(' ', "+");
    page.body_without_csrf()
        .replace(t.org_name, MISSING.org_name)
        .replace(t.user_email, MISSING.user_email)
        .replace(&encoded(t.org_name), &encoded(MISSING.org_name))
        .replace(&encoded(t.user_email), &encoded(MISSING.user_email))
}

async fn id_of(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

/// An account of the organization with the plain role.
fn in_organization(org: &str, email: &str) -> InvitationRequest {
    InvitationRequest {
        email: email.into(),
        display_name: format!("Member of {org}"),
        organization: Some(org.into()),
        role: Role::User,
    }
}

async fn member(app: &TestApp, org: &str, email: &str) -> Browser {
    app.active_account(in_organization(org, email), PASSWORD)
        .await
}

async fn invitation_in(app: &TestApp, org: &str, email: &str) -> i64 {
    invitation::invite(&app.app, in_organization(org, email), "test")
        .await
        .unwrap()
        .account_id
}

/// A notice to `email` the mail server would not take: a dead letter of its organization.
async fn dead_letter(app: &TestApp, email: &str) -> i64 {
    let account = id_of(
        app,
        &format!("SELECT id FROM accounts WHERE email = '{email}'"),
    )
    .await;
    let message = tessera::delivery::EmailMessage {
        to: email.into(),
        subject: "A notice".into(),
        text: "A notice.".into(),
        html: "<p>A notice.</p>".into(),
    };
    let letter = tessera::flows::mail_queue::letter(
        &app.app,
        tessera::domain::mail_queue::LetterKind::Notice,
        &message,
    );
    let now = app.clock_now();
    let id = app
        .app
        .store
        .queue_letter(&letter, Some(account), now + 3_600)
        .await
        .unwrap();
    // Queued for an hour later (nothing sends it), then given up.
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    sqlx::query(&format!(
        "UPDATE mail_queue SET attempts = 20, dead_at = {now}, last_error = '550 Mailbox unavailable' WHERE id = {id}"
    ))
    .execute(&mut db)
    .await
    .unwrap();
    id
}

/// A confidential client of the organization, registered from the command line.
async fn client_of(app: &TestApp, org: &str, name: &str) -> i64 {
    let request = tessera::flows::clients::ClientRequest {
        name: name.into(),
        organization: Some(org.into()),
        redirect_uris: vec!["https://portal.beta.example.org/cb".into()],
        ..Default::default()
    };
    tessera::flows::clients::create(&app.app, &tessera::flows::admin::Admin::cli(), request)
        .await
        .unwrap()
        .id
}

/// A protected application (forward authentication) of the organization, registered from the
/// command line.
async fn app_of(app: &TestApp, org: &str, name: &str, url: &str) -> i64 {
    let request = tessera::flows::apps::AppRequest {
        name: name.into(),
        url: url.into(),
        organizations: vec![org.into()],
    };
    tessera::flows::apps::create(&app.app, &tessera::flows::admin::Admin::cli(), request)
        .await
        .unwrap()
        .id
}

/// A staff sign-in provider creating the organization's staff accounts, registered from the
/// command line (its discovery document is read first).
async fn provider_of(
    app: &tessera::app::App,
    org: &str,
    name: &str,
    issuer: &str,
    domain: &str,
) -> i64 {
    let request = tessera::flows::staff_sso::ProviderRequest {
        name: name.into(),
        issuer: issuer.into(),
        client_id: "tessera".into(),
        client_secret: "upstream-client-secret".into(),
        domains: vec![domain.into()],
        organization: Some(org.into()),
        require_local_mfa: false,
    };
    tessera::flows::staff_sso::create(app, &tessera::flows::admin::Admin::cli(), request)
        .await
        .unwrap()
}

async fn no_administrator_call_reaches_another_organization_or_a_plain_user(backend: Backend) {
    let started = std::time::Instant::now();
    let app = spawn_app(backend).await;
    let idp = crate::upstream_idp::UpstreamIdp::start(crate::upstream_idp::example_config(
        &format!("{}/login/staff/callback", app.url),
    ))
    .await;
    let issuer: &'static str = Box::leak(idp.issuer.clone().into_boxed_str());
    let root = system_admin(&app, "root@example.org").await;
    let alpha_admin = org_admin(&app, "Alpha Clinic", "ann@alpha.example.org").await;
    let _beta_admin = org_admin(&app, "Beta Clinic", "ben@beta.example.org").await;
    let a1 = member(&app, "Alpha Clinic", "a1@alpha.example.org").await;
    let _b1 = member(&app, "Beta Clinic", "b1@beta.example.org").await;
    let beta = Targets {
        org_id: id_of(
            &app,
            "SELECT id FROM organizations WHERE name = 'Beta Clinic'",
        )
        .await,
        org_name: "Beta Clinic",
        user_id: id_of(
            &app,
            "SELECT id FROM accounts WHERE email = 'b1@beta.example.org'",
        )
        .await,
        user_email: "b1@beta.example.org",
        web_invitation: invitation_in(&app, "Beta Clinic", "invited.web@beta.example.org").await,
        api_invitation: invitation_in(&app, "Beta Clinic", "invited.api@beta.example.org").await,
        token_id: {
            create_token(&app, &["--name", "beta sync", "--org", "Beta Clinic"]);
            id_of(&app, "SELECT id FROM api_tokens WHERE name = 'beta sync'").await
        },
        dead_letters: (
            dead_letter(&app, "b1@beta.example.org").await,
            dead_letter(&app, "b1@beta.example.org").await,
        ),
        web_client: client_of(&app, "Beta Clinic", "Beta web").await,
        api_client: client_of(&app, "Beta Clinic", "Beta api").await,
        web_app: app_of(
            &app,
            "Beta Clinic",
            "Beta web",
            "https://web.beta.example.org",
        )
        .await,
        api_app: app_of(
            &app,
            "Beta Clinic",
            "Beta api",
            "https://api.beta.example.org",
        )
        .await,
        web_provider: provider_of(
            &app.app,
            "Beta Clinic",
            "Beta web",
            issuer,
            "web.beta-staff.example.org",
        )
        .await,
        api_provider: provider_of(
            &app.app,
            "Beta Clinic",
            "Beta api",
            issuer,
            "api.beta-staff.example.org",
        )
        .await,
        issuer,
    };
    let alpha_token = create_token(&app, &["--name", "alpha sync", "--org", "Alpha Clinic"]);
    let plain = app
        .active_user("pat@example.org", "Pat Plain", PASSWORD)
        .await;

    let anonymous = Caller::new("signed out", app.new_browser(), None).await;
    let plain = Caller::new("plain user", plain, None).await;
    let a1 = Caller::new("A's plain user", a1, None).await;
    let alpha_admin = Caller::new("A's administrator", alpha_admin, None).await;
    let alpha_token = Caller::new("A's token", app.new_browser(), Some(alpha_token)).await;
    let root = Caller::new("system administrator", root, None).await;

    let tables = Tables::connect(&app.db.url).await;
    let before = tables.snapshot().await;
    let unchanged = |who: &str, call: &Call, after: &crate::snapshot::Snapshot| {
        let changed = differences(&before, after);
        assert!(
            changed.is_empty(),
            "{who}: {} {} changed: {changed:#?}",
            call.method,
            call.path
        );
    };
    // A's administrator, and on the API A's token too (pages do not read tokens).
    let a_side = |api: bool| {
        if api {
            vec![&alpha_admin, &alpha_token]
        } else {
            vec![&alpha_admin]
        }
    };
    let mut made = 0;
    for (method, template) in ADMIN_ROUTES {
        let api = template.starts_with("/api/");
        for (aimed, missing) in calls(method, template, &beta)
            .iter()
            .zip(calls(method, template, &MISSING))
        {
            let what = format!("{} {}", aimed.method, aimed.path);
            // Signed out, and an API token on a page (pages do not read tokens): the sign-in
            // page (or the missing page); the API: 401.
            for who in [&anonymous, &alpha_token]
                .into_iter()
                .filter(|c| !api || c.bearer.is_none())
            {
                let (status, url, body) = who.send(aimed).await;
                if api {
                    assert_eq!(status, 401, "{}: {what}: {body}", who.name);
                } else {
                    assert!(
                        url == "/login" || status == 404,
                        "{}: {what}: {status} at {url}",
                        who.name
                    );
                }
                unchanged(who.name, aimed, &tables.snapshot().await);
                made += 1;
            }
            // Plain users (of no organization, and of A): the missing page, or 403
            // `forbidden` from the API (with the session and its CSRF token, as the pages'
            // script calls it).
            for who in [&plain, &a1] {
                let (status, url, body) = who.send(aimed).await;
                if api {
                    assert_eq!(status, 403, "{}: {what}: {body}", who.name);
                    assert!(body.contains("\"code\":\"forbidden\""), "{what}: {body}");
                } else {
                    assert_eq!(status, 404, "{}: {what}: {status} at {url}", who.name);
                }
                unchanged(who.name, aimed, &tables.snapshot().await);
                made += 1;
            }
            // A's administrator (and, on the API, A's token) aimed at B: exactly the answer
            // about objects that do not exist; a change is refused.
            for who in a_side(api) {
                let (status, url, body) = who.send(aimed).await;
                unchanged(who.name, aimed, &tables.snapshot().await);
                let (missing_status, missing_url, missing_body) = who.send(&missing).await;
                unchanged(who.name, &missing, &tables.snapshot().await);
                made += 2;
                assert_eq!(
                    (status, url.as_str(), comparable(&body, &beta)),
                    (
                        missing_status,
                        missing_url.as_str(),
                        comparable(&missing_body, &MISSING)
                    ),
                    "{}: {what} answers otherwise than about nothing",
                    who.name
                );
                if aimed.method != Method::GET {
                    assert_refused(who, aimed, status, &url, &body);
                } else {
                    // B's administrator and invitations are named in no filter: never shown.
                    assert!(
                        !body.contains("ben@beta") && !body.contains("invited."),
                        "{}: {what} shows B's people: {body}",
                        who.name
                    );
                }
            }
        }
    }
    // No escalation within one's own organization: the calls for system administrators only,
    // aimed at A's own organization and member, are refused to A's administrator and token.
    let own = Targets {
        org_id: id_of(
            &app,
            "SELECT id FROM organizations WHERE name = 'Alpha Clinic'",
        )
        .await,
        org_name: "Alpha Clinic",
        user_id: id_of(
            &app,
            "SELECT id FROM accounts WHERE email = 'a1@alpha.example.org'",
        )
        .await,
        user_email: "a1@alpha.example.org",
        ..MISSING
    };
    let mut escalations = 0;
    for (method, template) in ADMIN_ROUTES {
        let api = template.starts_with("/api/");
        for aimed in calls(method, template, &own)
            .iter()
            .filter(|c| system_only(c))
        {
            for who in a_side(api) {
                let (status, url, body) = who.send(aimed).await;
                assert_refused(who, aimed, status, &url, &body);
                unchanged(who.name, aimed, &tables.snapshot().await);
                escalations += 1;
            }
        }
    }
    made += escalations;

    // Refusals write nothing, not even an audit entry: the last compare holds for the lot.
    assert_eq!(
        differences(&before, &tables.snapshot().await),
        Vec::<String>::new()
    );

    // The same calls made by a system administrator succeed: they were valid requests, refused
    // for who made them. Terms last: a new version is accepted at the next sign-in.
    let mut all: Vec<Call> = ADMIN_ROUTES
        .iter()
        .flat_map(|(m, t)| calls(m, t, &beta))
        .collect();
    all.sort_by_key(|c| c.path.ends_with("/terms") && c.method != Method::GET);
    for aimed in &all {
        let (status, url, body) = root.send(aimed).await;
        assert!(
            (200..300).contains(&status) && url != "/login",
            "system administrator: {} {}: {status} at {url}: {body}",
            aimed.method,
            aimed.path
        );
    }
    eprintln!(
        "{} administrative routes, {made} refused calls ({escalations} within A), {} accepted; {:?}",
        ADMIN_ROUTES.len(),
        all.len(),
        started.elapsed()
    );
}
