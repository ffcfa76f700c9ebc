//! Spanish (issue 17) for the administration console: a system administrator and an
//! organization administrator who pick Spanish see every console page without English
//! (`assert_all_spanish`): the accounts with their status and role, an invitation's problem,
//! a row action's confirmation and what was done, the MFA rollout, the mail queue and the
//! audit log's page. English stays as it was
//! (the console's English tests).

use tessera::domain::account::Role;
use tessera::flows::invitation::InvitationRequest;

use crate::helpers::{Backend, Browser, Page, TestApp, spawn_app};
use crate::on_both_backends;
use crate::spanish::assert_all_spanish;

const PASSWORD: &str = "harbour lantern quiet meadow";
const CLINIC: &str = "Clínica Sur";

on_both_backends!(
    a_system_administrator_uses_the_console_in_spanish,
    an_organization_administrator_locks_an_account_in_spanish,
    registering_applications_says_its_problems_in_spanish,
);

fn request(email: &str, name: &str, organization: Option<&str>, role: Role) -> InvitationRequest {
    InvitationRequest {
        email: email.into(),
        display_name: name.into(),
        organization: organization.map(str::to_string),
        role,
    }
}

/// The clinic, its administrator (signed in, Spanish picked with the switch), an active
/// person of it and an invited one.
async fn clinic(app: &TestApp) -> Browser {
    let event = tessera::audit::AuditEvent::new("organization-created", "test", CLINIC);
    app.app
        .store
        .create_org(CLINIC, app.clock_now(), event)
        .await
        .unwrap();
    let boss = request(
        "marta@sur.example.org",
        "Marta Díaz",
        Some(CLINIC),
        Role::OrgAdmin,
    );
    let boss = app.active_account(boss, PASSWORD).await;
    let lucia = request(
        "lucia@sur.example.org",
        "Lucía Pérez",
        Some(CLINIC),
        Role::User,
    );
    app.active_account(lucia, PASSWORD).await;
    app.invite_as(request(
        "tomas@sur.example.org",
        "Tomás Ruiz",
        Some(CLINIC),
        Role::User,
    ))
    .await;
    pick_spanish(&boss).await;
    boss
}

async fn pick_spanish(browser: &Browser) {
    let page = browser.get("/language?to=es").await;
    assert_eq!(page.status, 200, "{page}");
}

#[track_caller]
fn spanish(page: &Page, shows: &[&str]) {
    assert_all_spanish(page);
    for text in shows {
        page.assert_shows(text);
    }
}

/// The id of the account listed with `email` on the console.
fn account_id(page: &Page, email: &str) -> i64 {
    let row_start = page.body.find(email).unwrap();
    let rest = &page.body[row_start..];
    let at = rest.find("/admin/users/").unwrap() + "/admin/users/".len();
    rest[at..].split('/').next().unwrap().parse().unwrap()
}

async fn a_system_administrator_uses_the_console_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    clinic(&app).await;
    let root = request(
        "raul@central.example.org",
        "Raúl Gómez",
        None,
        Role::SystemAdmin,
    );
    let root = app.active_account(root, PASSWORD).await;
    pick_spanish(&root).await;

    let console = root.get("/admin").await;
    assert_eq!(console.status, 200, "{console}");
    spanish(
        &console,
        &[
            "Administración",
            "Lucía Pérez",
            "activa",
            "invitada",
            "Enviar invitación",
        ],
    );
    assert!(console.has("Importar usuarios actuales del portal"));

    // An invitation the console refuses: the same form, its problem in Spanish.
    let refused = root
        .post(
            "/admin/users",
            &[
                ("display_name", "Ana Soto"),
                ("email", "ana@sur.example.org"),
                ("role", "org-admin"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422, "{refused}");
    spanish(&refused, &["pertenece a una organización"]);
    assert!(
        refused.body.contains("value=\"Ana Soto\""),
        "what was typed stays"
    );
    let malformed = root
        .post(
            "/admin/users",
            &[("display_name", "Ana Soto"), ("email", "ana-sin-arroba")],
        )
        .await;
    assert_eq!(malformed.status, 422, "{malformed}");
    assert_all_spanish(&malformed);

    // An invitation sent, an organization created: what was done, in Spanish.
    let invited = root
        .post(
            "/admin/users",
            &[
                ("display_name", "Ana Soto"),
                ("email", "ana@sur.example.org"),
                ("organization", CLINIC),
            ],
        )
        .await;
    spanish(&invited, &["Invitación enviada"]);
    let created = root
        .post("/admin/organizations", &[("name", "Clínica Norte")])
        .await;
    spanish(&created, &["Se creó la organización."]);

    // The MFA rollout.
    let rollout = root.get("/admin/rollout").await;
    assert_eq!(rollout.status, 200, "{rollout}");
    spanish(&rollout, &["Implantación de MFA", "Avance"]);
    let sent = root.post("/admin/rollout/unfinished", &[]).await;
    spanish(&sent, &["en la cola"]);

    // The mail queue, and the audit log's filter (entries about nobody: the records
    // themselves, their subjects and details, are kept as written).
    let mail = root.get("/admin/mail").await;
    assert_eq!(mail.status, 200, "{mail}");
    spanish(&mail, &["Cola de correo", "No hay cartas sin entregar."]);
    let audit = root.get("/admin/audit?user=nadie%40sur.example.org").await;
    assert_eq!(audit.status, 200, "{audit}");
    spanish(
        &audit,
        &["Registro de auditoría", "Ninguna entrada coincide."],
    );
    assert!(
        audit.has("cuenta bloqueada por un administrador"),
        "the events, named"
    );

    // Staff sign-in providers (none registered: registering one reads a live provider). The
    // callback path it names is code.
    let providers = root.get("/admin/providers").await;
    assert_eq!(providers.status, 200, "{providers}");
    spanish(
        &without_codes(&providers),
        &["Proveedores registrados", "Registrar proveedor"],
    );

    // Protected applications (forward authentication).
    let registered = root
        .post(
            "/admin/apps",
            &[
                ("name", "Agenda de citas"),
                ("url", "https://citas.sur.example.org"),
            ],
        )
        .await;
    assert_eq!(registered.status, 200, "{registered}");
    spanish(
        &without_codes(&registered),
        &[
            "La aplicación quedó registrada",
            "Agenda de citas",
            "habilitada",
        ],
    );

    // Applications (OpenID Connect clients) and publishing the Terms of Use.
    let clients = root.get("/admin/clients").await;
    assert_eq!(clients.status, 200, "{clients}");
    spanish(
        &clients,
        &["Aplicaciones registradas", "Registrar aplicación"],
    );
    let registered = root
        .post(
            "/admin/clients",
            &[
                ("name", "Portal de pacientes"),
                (
                    "redirect_uris",
                    "https://pacientes.sur.example.org/callback",
                ),
                ("id_token_alg", "RS256"),
            ],
        )
        .await;
    assert_eq!(registered.status, 200, "{registered}");
    spanish(
        &without_codes(&registered),
        &["Aplicación registrada", "Ir a la aplicación"],
    );
    let listed = root.get("/admin/clients").await;
    spanish(
        &without_codes(&listed),
        &["Portal de pacientes", "confidencial", "activa"],
    );
    let at = listed.body.find("/admin/clients/").unwrap() + "/admin/clients/".len();
    let id: String = listed.body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let client = root.get(&format!("/admin/clients/{id}")).await;
    assert_eq!(client.status, 200, "{client}");
    spanish(
        &without_codes(&client),
        &["Renovar secreto", "Eliminar aplicación"],
    );
    // (The published text is the administrator's, in whichever language they write it.)
    let published = root
        .post(
            "/admin/terms",
            &[
                ("title", "Condiciones de uso del portal"),
                (
                    "body",
                    "Este portal guarda información de salud. Úselo con cuidado.",
                ),
            ],
        )
        .await;
    spanish(&published, &["Se publicaron los nuevos Términos de uso"]);
    let terms = root.get("/admin/terms").await;
    assert_eq!(terms.status, 200, "{terms}");
    spanish(
        &terms,
        &["Publicar nueva versión", "La versión actual es la 2."],
    );
}

async fn an_organization_administrator_locks_an_account_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    let boss = clinic(&app).await;

    let console = boss.get("/admin").await;
    assert_eq!(console.status, 200, "{console}");
    spanish(
        &console,
        &["Lucía Pérez", "Tomás Ruiz", "activa", "invitada"],
    );
    let lucia = account_id(&console, "lucia@sur.example.org");

    // The row's Lock asks first, naming the person; Confirm locks.
    let asked = boss
        .post(&format!("/admin/users/{lucia}/confirm-lock"), &[])
        .await;
    assert_eq!(asked.status, 200, "{asked}");
    spanish(
        &asked,
        &["¿Bloquear la cuenta de Lucía Pérez?", "Confirmar"],
    );
    let locked = boss.post(&format!("/admin/users/{lucia}/lock"), &[]).await;
    spanish(
        &locked,
        &["La cuenta se actualizó: Lucía Pérez (lucia@sur.example.org) está bloqueada."],
    );
    assert!(locked.has("(bloqueada)"));

    let rollout = boss.get("/admin/rollout").await;
    spanish(&rollout, &["Implantación de MFA"]);
    let mail = boss.get("/admin/mail").await;
    spanish(&mail, &["Cola de correo"]);
    let audit = boss.get("/admin/audit?event=keys-rotated").await;
    spanish(&audit, &["Registro de auditoría"]);
    let apps = boss.get("/admin/apps").await;
    assert_eq!(apps.status, 200, "{apps}");
    spanish(&without_codes(&apps), &["Aplicaciones protegidas"]);
    let clients = boss.get("/admin/clients").await;
    spanish(&clients, &["Aplicaciones registradas"]);
}

/// The page without the random identifiers and secrets it shows in `<code>`: letters, not
/// words of a language.
fn without_codes(page: &Page) -> Page {
    let mut body = page.body.clone();
    let mut from = 0;
    while let Some(start) = body[from..].find("<code").map(|at| from + at) {
        let open_end = start + body[start..].find('>').unwrap() + 1;
        let end = open_end + body[open_end..].find("</code>").unwrap();
        body.replace_range(open_end..end, "");
        from = open_end;
    }
    Page {
        status: page.status,
        url: page.url.clone(),
        body,
        headers: page.headers.clone(),
    }
}

/// What is wrong with an application's registration, said in Spanish: a redirect URI that is
/// not https, none at all, an application registered at that address already.
async fn registering_applications_says_its_problems_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = crate::admin::system_admin(&app, "root@example.org").await;
    pick_spanish(&root).await;
    for (redirect, says) in [
        ("ftp://portal.example.org/cb", "no es https"),
        ("https://portal.example.org/cb#top", "tiene un fragmento"),
        ("", "Indique al menos una URI de redirección."),
    ] {
        let refused = root
            .post(
                "/admin/clients",
                &[("name", "Portal de pacientes"), ("redirect_uris", redirect)],
            )
            .await;
        assert_eq!(refused.status, 422, "{redirect}: {refused}");
        spanish(&without_codes(&refused), &[says]);
    }
    let apps = [
        ("name", "Wiki"),
        ("url", "https://wiki.example.org"),
        ("organization", ""),
    ];
    assert_eq!(root.post("/admin/apps", &apps).await.status, 200);
    let again = root.post("/admin/apps", &apps).await;
    spanish(
        &again,
        &["Ya hay una aplicación registrada en https://wiki.example.org."],
    );
}
