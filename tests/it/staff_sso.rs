//! Staff single sign-on (issue 16), first part: registering the company's own OpenID Connect
//! provider with `tessera admin create-idp`, against a real provider (`oidc-provider`, started
//! by `upstream_idp.rs`). The sign-in through it comes next.

use tessera::flows::admin::{Admin, AdminRefusal};
use tessera::flows::staff_sso::{self, ProviderRequest};
use tessera::store::ProviderStanding;

use crate::cli::{tessera, text};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;
use crate::upstream_idp::{UpstreamIdp, example_config};

on_both_backends!(
    create_idp_registers_a_provider_whose_discovery_names_its_issuer,
    a_provider_that_cannot_be_checked_or_clashes_is_refused_and_nothing_is_stored,
    only_system_administrators_manage_providers,
);

const SECRET: &str = "upstream-client-secret";

async fn upstream(app: &TestApp) -> UpstreamIdp {
    UpstreamIdp::start(example_config(&format!("{}/login/staff/callback", app.url))).await
}

async fn organization(app: &TestApp, name: &str) {
    let event = tessera::audit::AuditEvent::new("organization-created", "test", name);
    app.app
        .store
        .create_org(name, app.clock_now(), event)
        .await
        .unwrap();
}

/// The contract's `tessera admin create-idp`: the provider's discovery document is read and
/// must name exactly the issuer given; the client secret is stored sealed (OWASP ASVS 5.0
/// 13.3.1, secrets protected at rest) and re-sealed by `tessera keys rotate`; audited.
async fn create_idp_registers_a_provider_whose_discovery_names_its_issuer(backend: Backend) {
    let app = spawn_app(backend).await;
    organization(&app, "Contoso Staff").await;
    let idp = upstream(&app).await;
    let out = tessera(
        &app,
        &[
            "admin",
            "create-idp",
            "--name",
            "Contoso",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "tessera",
            "--client-secret",
            SECRET,
            "--domain",
            "Corp.Example",
            "--domain",
            "staff.corp.example",
            "--org",
            "Contoso Staff",
            "--require-local-mfa",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "idp: Contoso");

    let listed = staff_sso::list(&app.app, &Admin::cli()).await.unwrap();
    assert_eq!(listed.len(), 1);
    let contoso = &listed[0];
    assert_eq!(contoso.issuer, idp.issuer);
    assert_eq!(contoso.client_id, "tessera");
    assert_eq!(contoso.domains, ["corp.example", "staff.corp.example"]);
    assert_eq!(contoso.organization.as_deref(), Some("Contoso Staff"));
    assert!(contoso.require_local_mfa && !contoso.disabled);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM identity_providers WHERE client_secret LIKE '%{SECRET}%'"
        ))
        .await,
        0,
        "the secret is sealed"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE event = 'idp-created' AND actor = 'cli'
             AND subject = 'idp:Contoso'"
        )
        .await,
        1
    );

    // `tessera keys rotate` re-seals it under the new key.
    use base64::Engine;
    let new_key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["keys", "rotate"])
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SECRET_KEY", crate::helpers::SECRET_KEY)
        .env("TESSERA_ENCRYPTION_KEYS", format!("k9:{new_key}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM identity_providers WHERE client_secret LIKE 'enc:k9:%'")
            .await,
        1
    );
}

/// Bad input gets a clear error and stores nothing: an issuer the provider does not state, a
/// provider that does not answer, a domain another provider has, an unknown organization, a
/// malformed domain or issuer.
async fn a_provider_that_cannot_be_checked_or_clashes_is_refused_and_nothing_is_stored(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let idp = upstream(&app).await;
    let request = |issuer: &str, domain: &str| ProviderRequest {
        name: "Contoso".into(),
        issuer: issuer.into(),
        client_id: "tessera".into(),
        client_secret: SECRET.into(),
        domains: vec![domain.into()],
        ..Default::default()
    };
    let cli = Admin::cli();
    let create = |r: ProviderRequest| staff_sso::create(&app.app, &cli, r);
    create(request(&idp.issuer, "corp.example")).await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let renamed = |mut r: ProviderRequest| {
        r.name = "Fabrikam".into();
        r
    };
    for (r, says) in [
        (
            renamed(request(
                &format!("{}/tenant", idp.issuer),
                "fabrikam.example",
            )),
            "could not be read",
        ),
        (
            renamed(request(
                &format!("http://127.0.0.1:{closed}"),
                "fabrikam.example",
            )),
            "could not be read",
        ),
        (
            renamed(request(&idp.issuer, "CORP.example")),
            "registered already",
        ),
        (request(&idp.issuer, "other.example"), "registered already"),
        (
            renamed(request(&idp.issuer, "not a domain")),
            "not an email domain",
        ),
        (
            renamed(request("http://idp.example.org", "fabrikam.example")),
            "not an issuer",
        ),
        (
            ProviderRequest {
                organization: Some("Nowhere".into()),
                ..renamed(request(&idp.issuer, "fabrikam.example"))
            },
            "Nowhere",
        ),
    ] {
        let refusal = create(r.clone()).await.unwrap_err().to_string();
        assert!(refusal.contains(says), "{r:?}: {refusal}");
    }
    // The issuer exactly: a trailing slash is another issuer (OpenID Connect Discovery 4.3).
    let refusal = create(renamed(request(
        &format!("{}/", idp.issuer),
        "fabrikam.example",
    )))
    .await
    .unwrap_err()
    .to_string();
    assert!(refusal.contains("says its issuer is"), "{refusal}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM identity_providers").await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM identity_provider_domains")
            .await,
        1
    );
}

/// OWASP ASVS 5.0 8.2.1: a provider's domains reach every organization's login page, so only
/// system administrators register, list, disable and enable providers.
async fn only_system_administrators_manage_providers(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = upstream(&app).await;
    let request = ProviderRequest {
        name: "Contoso".into(),
        issuer: idp.issuer.clone(),
        client_id: "tessera".into(),
        client_secret: SECRET.into(),
        domains: vec!["corp.example".into()],
        ..Default::default()
    };
    organization(&app, "Clinic A").await;
    // An organization's administrator, by its API token.
    let out = tessera(
        &app,
        &[
            "admin",
            "create-token",
            "--name",
            "clinic",
            "--org",
            "Clinic A",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let org_admin = tessera::flows::admin::authorize_token(&app.app, &token)
        .await
        .unwrap();
    assert!(!org_admin.is_system());
    for refused in [
        staff_sso::create(&app.app, &org_admin, request.clone())
            .await
            .map(|_| ()),
        staff_sso::list(&app.app, &org_admin).await.map(|_| ()),
        staff_sso::set_standing(&app.app, &org_admin, 1, ProviderStanding::Disabled).await,
    ] {
        assert!(
            matches!(refused, Err(AdminRefusal::SystemAdministratorsOnly)),
            "{refused:?}"
        );
    }
    let id = staff_sso::create(&app.app, &Admin::cli(), request)
        .await
        .unwrap();
    staff_sso::set_standing(&app.app, &Admin::cli(), id, ProviderStanding::Disabled)
        .await
        .unwrap();
    assert!(staff_sso::list(&app.app, &Admin::cli()).await.unwrap()[0].disabled);
    staff_sso::set_standing(&app.app, &Admin::cli(), id, ProviderStanding::Enabled)
        .await
        .unwrap();
    assert!(!staff_sso::list(&app.app, &Admin::cli()).await.unwrap()[0].disabled);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE event IN ('idp-disabled', 'idp-enabled')")
            .await,
        2
    );
}
