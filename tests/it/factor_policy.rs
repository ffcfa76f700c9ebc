//! An organization may require a passkey, the phishing-resistant factor (NIST SP 800-63B
//! 5.2.5; issue 14), of its administrators or of everyone: `tessera admin set-factors --org
//! ORG --require-passkey admins|everyone|off`. People it applies to who hold none are led to
//! enrol one at their next sign-in: every signed-in page but Your account (and confirming it
//! is them) waits, in the gate, for pages and the API alike.

use tessera::domain::account::Role;
use tessera::flows::invitation::InvitationRequest;

use crate::admin::org_admin;
use crate::cli::{tessera, text};
use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

const PASSWORD: &str = "marmalade orbit kettle";

async fn a_required_passkey_leads_its_people_to_enrol_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let boss = org_admin(&app, "Strict Clinic", "boss@strict.example.org").await;
    let user = app
        .active_account(
            InvitationRequest {
                email: "una@strict.example.org".into(),
                display_name: "Una User".into(),
                organization: Some("Strict Clinic".into()),
                role: Role::User,
            },
            PASSWORD,
        )
        .await;
    let out = tessera(
        &app,
        &[
            "admin",
            "set-factors",
            "--org",
            "Strict Clinic",
            "--require-passkey",
            "admins",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("passkey required of administrators"),
        "{}",
        text(&out)
    );
    // The administrator, already signed in, is held at Your account from the next request.
    for path in ["/", "/sessions", "/admin"] {
        let page = boss.get(path).await;
        assert!(
            page.url.ends_with("/account?enrol=passkey"),
            "{path} → {}",
            page.url
        );
        page.assert_shows("Your organization requires a passkey");
    }
    let api = boss.get("/api/v1/users").await;
    assert_eq!(api.status, 403, "{}", api.body);
    assert!(api.body.contains("passkey-required"), "{}", api.body);
    // Confirming it is them stays open (enrolling asks a fresh factor).
    let page = boss.get("/verify/again?next=/account").await;
    assert!(page.url.contains("/verify/again"), "{}", page.url);
    // A plain user of the organization is not asked.
    let page = user.get("/").await;
    assert!(page.has("Welcome, Una User"), "{page}");

    let out = tessera(
        &app,
        &[
            "admin",
            "set-factors",
            "--org",
            "Strict Clinic",
            "--require-passkey",
            "everyone",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let page = user.get("/").await;
    assert!(page.url.ends_with("/account?enrol=passkey"), "{}", page.url);

    // Passkeys cannot be turned off while required.
    let out = tessera(
        &app,
        &[
            "admin",
            "set-factors",
            "--org",
            "Strict Clinic",
            "--passkey",
            "off",
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("only while passkeys are allowed"),
        "{}",
        text(&out)
    );

    let out = tessera(
        &app,
        &[
            "admin",
            "set-factors",
            "--org",
            "Strict Clinic",
            "--require-passkey",
            "off",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let page = user.get("/").await;
    assert!(page.has("Welcome, Una User"), "{page}");
    assert!(
        app.audit_events()
            .await
            .iter()
            .filter(|e| *e == "factor-policy-changed")
            .count()
            >= 3
    );
}

on_both_backends!(a_required_passkey_leads_its_people_to_enrol_one);
