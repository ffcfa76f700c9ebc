//! Spanish (issue 17) for registration, recovery and the person's own account: the pages of
//! these journeys show no English to a Spanish browser (`assert_all_spanish`), their problems
//! are said in Spanish, and the emails about them are in the recipient's language: the one
//! they picked, else the page they acted from (an invitation: the inviting page's; from the
//! CLI, English).

use tessera::domain::account::Role;
use tessera::flows::invitation::{self, InvitationRequest};
use tessera::i18n::{self, Language};

use crate::helpers::{Backend, Browser, Mail, Page, TestApp, spawn_app};
use crate::on_both_backends;
use crate::spanish::{assert_all_spanish, spanish_browser};

const PASSWORD: &str = "harbour lantern quiet meadow";
const NEW_PASSWORD: &str = "copper violin autumn river";

on_both_backends!(
    a_spanish_invitation_leads_to_a_spanish_registration,
    a_reminder_is_in_the_language_the_person_picked,
    a_spanish_person_resets_a_forgotten_password_in_spanish,
    reset_trouble_and_help_speak_spanish,
    a_signed_in_spanish_person_manages_the_account_in_spanish,
);

/// The newest email to `to`, once `before` others had come.
async fn next_mail(app: &TestApp, to: &str, before: usize) -> Mail {
    app.mail.message_to(to, before).await
}

/// The 6-digit code of an email, in whichever language it is written.
fn code_of(mail: &Mail) -> String {
    mail.text
        .split(|c: char| !c.is_ascii_digit())
        .find(|digits| digits.len() == 6)
        .unwrap_or_else(|| panic!("a code in {}", mail.text))
        .to_string()
}

/// The page without the recovery codes it lists: random letters, not words of a language.
fn without_codes(page: &Page) -> Page {
    let start = page.body.find("<ol class=\"recovery-codes\"").unwrap();
    let end = start + page.body[start..].find("</ol>").unwrap();
    Page {
        status: page.status,
        url: page.url.clone(),
        body: format!("{}{}", &page.body[..start], &page.body[end..]),
        headers: page.headers.clone(),
    }
}

/// Signs the browser's person in Spanish with the switch: the browser keeps it, the account
/// records it.
async fn pick_spanish(browser: &Browser) {
    let page = browser.get("/language?to=es").await;
    assert_eq!(page.status, 200, "{page}");
}

async fn a_spanish_invitation_leads_to_a_spanish_registration(backend: Backend) {
    let app = spawn_app(backend).await;

    // An administrator working in Spanish invites a new person: the letter, queued and
    // rendered later by the worker, is in the page's language.
    let request = InvitationRequest {
        email: "lucia@example.org".into(),
        display_name: "Lucía Flores".into(),
        organization: None,
        role: Role::User,
    };
    i18n::speaking(
        Language::Spanish,
        invitation::invite(&app.app, request, "test"),
    )
    .await
    .expect("invitation");
    let letter = next_mail(&app, "lucia@example.org", 0).await;
    assert_eq!(letter.subject, "Complete su registro en Tessera");
    assert!(
        letter.text.starts_with("Hola, Lucía Flores:"),
        "{}",
        letter.text
    );
    assert!(
        letter.text.contains("vence en 2 días") && letter.text.contains("Restablecer"),
        "{}",
        letter.text
    );
    assert!(
        !letter.text.contains("Portal Administrator"),
        "{}",
        letter.text
    );
    assert!(
        letter.html.contains("<html lang=\"es\">"),
        "{}",
        letter.html
    );
    assert!(
        letter.html.contains("Completar mi registro"),
        "{}",
        letter.html
    );

    // A bulk invitation from a Spanish page: its letters are made off the request's task,
    // in the page's language all the same.
    let many = vec![tessera::domain::account::NewAccount {
        email: tessera::domain::email::Email::parse("bruno@example.org").unwrap(),
        display_name: tessera::domain::name::DisplayName::parse("Bruno Paz").unwrap(),
        org_id: None,
        role: Role::User,
    }];
    let audit = tessera::audit::AuditEvent::new("accounts-imported", "test", "import");
    i18n::speaking(
        Language::Spanish,
        invitation::invite_many(&app.app, many, audit),
    )
    .await
    .expect("bulk invitation");
    let letter_of_many = next_mail(&app, "bruno@example.org", 0).await;
    assert_eq!(letter_of_many.subject, "Complete su registro en Tessera");
    assert!(
        letter_of_many.text.starts_with("Hola, Bruno Paz:"),
        "{}",
        letter_of_many.text
    );

    // From the CLI (no page), an invitation is in English, word for word as before.
    app.invite("ana@example.org", "Ana Ruiz").await;
    let english = next_mail(&app, "ana@example.org", 0).await;
    assert_eq!(english.subject, "Complete your Tessera registration");
    assert!(
        english.text.starts_with("Hello Ana Ruiz,")
            && english.text.contains("Your Portal Administrator has created your account. Open this link to complete your registration:"),
        "{}",
        english.text
    );
    assert!(english.html.contains("<html lang=\"en\">"));

    // The registration page, in Spanish.
    let browser = spanish_browser(&app);
    let page = browser.get_absolute(&letter.link()).await;
    assert!(page.url.ends_with("/register"), "{}", page.url);
    page.assert_shows("Crear una cuenta nueva");
    page.assert_shows("Método de autenticación multifactor");
    assert_eq!(
        page.first("button.primary").map(|b| b.text),
        Some("Enviar".into())
    );
    assert_all_spanish(&page);

    // Its problems, in Spanish with the error summary.
    let page = browser
        .register("Lucía Flores", PASSWORD, "harbour lantern quiet", "email")
        .await;
    assert_eq!(page.status, 422, "{page}");
    page.assert_shows("Hay un problema");
    page.assert_shows("Las contraseñas no coinciden.");
    assert_all_spanish(&page);
    let page = browser
        .register("Lucía Flores", "corta", "corta", "email")
        .await;
    page.assert_shows("La contraseña es demasiado corta: use al menos 8 caracteres.");
    assert_all_spanish(&page);
    let page = browser
        .register("Lucía Flores", "password1", "password1", "email")
        .await;
    // zxcvbn's reason too, in Spanish.
    page.assert_shows(
        "Esta contraseña es demasiado común o fácil de adivinar (es una contraseña muy común).",
    );
    assert_all_spanish(&page);
    let page = browser
        .register("Lucía Flores", PASSWORD, PASSWORD, "")
        .await;
    page.assert_shows("Elija cómo verificará su identidad: Teléfono o Correo electrónico.");
    assert_all_spanish(&page);
    let page = browser.register("", PASSWORD, PASSWORD, "email").await;
    page.assert_shows("Escriba un nombre para mostrar.");
    assert_all_spanish(&page);

    // Submitted: on to sign in (the sign-in pages' words are theirs).
    let page = browser
        .register("Lucía Flores", PASSWORD, PASSWORD, "email")
        .await;
    assert!(
        page.url.contains("/login/email?notice=registered"),
        "{}",
        page.url
    );
    assert_all_spanish(&page);
}

async fn a_reminder_is_in_the_language_the_person_picked(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "marta@example.org";
    app.invite(email, "Marta Gil").await;
    let account = app
        .app
        .store
        .account_by_email(&tessera::domain::email::Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .0;
    app.app
        .store
        .set_language(account.id, Language::Spanish)
        .await
        .unwrap();

    // Invited again from outside any page (the CLI): her recorded pick decides.
    app.invite(email, "Marta Gil").await;
    let reminder = next_mail(&app, email, 1).await;
    assert_eq!(reminder.subject, "Complete su registro en Tessera");
    assert!(
        reminder.text.starts_with("Hola, Marta Gil:"),
        "{}",
        reminder.text
    );
}

async fn a_spanish_person_resets_a_forgotten_password_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "sofia@example.org";
    let signed_in = app.active_user(email, "Sofía Ríos", PASSWORD).await;
    pick_spanish(&signed_in).await;

    // Forgot your password, from a Spanish browser.
    let browser = spanish_browser(&app);
    let page = browser.get("/password/forgot").await;
    page.assert_shows("¿Olvidó su contraseña?");
    page.assert_shows("Enviar código de verificación");
    assert_all_spanish(&page);
    let page = browser.post("/password/forgot", &[("email", "nada")]).await;
    page.assert_shows("Escriba la dirección de correo electrónico con el formato");
    assert_all_spanish(&page);

    let before = app.mail.messages_to(email).await.len();
    let page = browser.post("/password/forgot", &[("email", email)]).await;
    assert!(page.url.ends_with("/password/forgot/code"), "{}", page.url);
    page.assert_shows("Si alguna cuenta usa s***@example.org");
    assert_all_spanish(&page);

    // The code's email is in her language.
    let mail = next_mail(&app, email, before).await;
    let code = code_of(&mail);
    assert_eq!(
        mail.subject,
        format!("Su código de verificación para restablecer su contraseña: {code}")
    );
    assert!(mail.text.starts_with("Hola, Sofía Ríos:"), "{}", mail.text);
    assert!(mail.text.contains("Vence en "), "{}", mail.text);
    assert!(mail.html.contains("<html lang=\"es\">"));

    // The code passes (the page that says so is sign-in's).
    let page = browser
        .post("/password/forgot/check", &[("code", &code)])
        .await;
    assert_all_spanish(&page);

    // The new password: its problems in Spanish, then the change and its notice.
    let page = browser.get("/password/new").await;
    page.assert_shows("Elija una contraseña nueva");
    assert_all_spanish(&page);
    let page = browser
        .post(
            "/password/new",
            &[
                ("password", NEW_PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{page}");
    page.assert_shows("Las contraseñas no coinciden.");
    assert_all_spanish(&page);
    let before = app.mail.messages_to(email).await.len();
    let page = browser
        .post(
            "/password/new",
            &[
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ],
        )
        .await;
    assert_all_spanish(&page);
    let notice = next_mail(&app, email, before).await;
    assert_eq!(notice.subject, "Se cambió su contraseña de Tessera");
    assert!(
        notice.text.contains("¿Olvidó su contraseña?"),
        "{}",
        notice.text
    );

    // She picked Spanish: even asked for from an English page, her code comes in Spanish.
    let english = app.new_browser();
    let page = english.get("/password/forgot").await;
    page.assert_shows("Forgot your password");
    page.assert_shows("Send verification code");
    let before = app.mail.messages_to(email).await.len();
    english.post("/password/forgot", &[("email", email)]).await;
    let mail = next_mail(&app, email, before).await;
    assert!(
        mail.subject
            .starts_with("Su código de verificación para restablecer su contraseña"),
        "{}",
        mail.subject
    );
}

async fn reset_trouble_and_help_speak_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = spanish_browser(&app);

    let page = browser.get("/register/reset").await;
    page.assert_shows("Restablecer el registro");
    page.assert_shows("Nombre de usuario");
    assert_all_spanish(&page);
    let page = browser
        .post("/register/reset", &[("username", "nadie@example.org")])
        .await;
    page.assert_shows("Si coincide con una cuenta cuyo registro no está terminado");
    assert_all_spanish(&page);

    let page = browser.get("/register/trouble").await;
    page.assert_shows("¿Tiene problemas para iniciar sesión?");
    page.assert_shows("Haga clic aquí para enviar un enlace");
    assert_all_spanish(&page);

    let page = browser.get("/help").await;
    page.assert_shows("Ayuda con la autenticación multifactor");
    page.assert_shows("Olvidé mi contraseña");
    assert_all_spanish(&page);

    // A person who asks for a fresh link from a Spanish page gets it in Spanish.
    app.invite("pablo@example.org", "Pablo Vega").await;
    let page = browser
        .post("/register/reset", &[("username", "pablo@example.org")])
        .await;
    assert_all_spanish(&page);
    let mail = next_mail(&app, "pablo@example.org", 1).await;
    assert_eq!(mail.subject, "Complete su registro en Tessera");
    assert!(
        mail.text
            .contains("Pidió un nuevo enlace para completar su registro"),
        "{}",
        mail.text
    );
}

async fn a_signed_in_spanish_person_manages_the_account_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = "elena@example.org";
    let browser = app.active_user(email, "Elena Mora", PASSWORD).await;
    pick_spanish(&browser).await;

    // Su cuenta.
    let page = browser.get("/account").await;
    page.assert_shows("Su cuenta");
    page.assert_shows("Sus métodos de verificación");
    page.assert_shows("Códigos de recuperación");
    assert_all_spanish(&page);

    // Recovery codes: the page that shows them, and the notice, in Spanish.
    let before = app.mail.messages_to(email).await.len();
    let page = browser
        .post("/account/recovery-codes", &[("password", PASSWORD)])
        .await;
    assert_eq!(page.status, 200, "{page}");
    page.assert_shows("Sus códigos de recuperación");
    let codes: Vec<String> = page
        .select("#recovery-codes code")
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(codes.len(), 10);
    let download = page
        .first("a[download]")
        .and_then(|a| a.attr("href").map(str::to_string))
        .unwrap();
    assert!(
        download.contains("C%C3%B3digos%20de%20recuperaci%C3%B3n%20de%20Tessera"),
        "{download}"
    );
    assert_all_spanish(&without_codes(&page));
    let notice = next_mail(&app, email, before).await;
    assert_eq!(
        notice.subject,
        "Nuevos códigos de recuperación para su cuenta del portal"
    );
    assert!(
        notice.text.contains("Los anteriores ya no funcionan."),
        "{}",
        notice.text
    );
    let page = browser.get("/account").await;
    page.assert_shows("Le quedan 10 códigos de recuperación sin usar.");
    assert_all_spanish(&page);

    // A wrong current password is said in Spanish.
    let page = browser
        .post(
            "/account/recovery-codes",
            &[("password", "not my password")],
        )
        .await;
    page.assert_shows("Esa no es su contraseña actual.");
    assert_all_spanish(&page);

    // Sus sesiones.
    let page = browser.get("/sessions").await;
    page.assert_shows("Sus sesiones");
    page.assert_shows("(este navegador)");
    assert_all_spanish(&page);

    // An authenticator app's setup.
    let page = browser.get("/account/app").await;
    page.assert_shows("Configurar una aplicación de autenticación");
    assert_all_spanish(&page);

    // Change password: Confirm it is you first, then the form, its problems and the notice.
    let page = browser.get("/account/password").await;
    assert!(page.url.contains("/verify/again"), "{}", page.url);
    page.assert_shows("Confirme que es usted");
    assert_all_spanish(&page);
    let before = app.mail.messages_to(email).await.len();
    let page = browser
        .post("/verify/again/send", &[("next", "/account/password")])
        .await;
    page.assert_shows("Enviamos un código de verificación a e***@example.org.");
    assert_all_spanish(&page);
    let code = code_of(&next_mail(&app, email, before).await);
    let page = browser
        .post(
            "/verify/again/check",
            &[("code", &code), ("next", "/account/password")],
        )
        .await;
    assert!(page.url.ends_with("/account/password"), "{}", page.url);
    page.assert_shows("Cambiar la contraseña");
    assert_all_spanish(&page);
    let change = |current: &'static str, new: &'static str, again: &'static str| {
        let browser = browser.clone();
        async move {
            browser
                .post(
                    "/account/password",
                    &[
                        ("password", current),
                        ("new_password", new),
                        ("password_confirmation", again),
                    ],
                )
                .await
        }
    };
    let page = change(PASSWORD, NEW_PASSWORD, PASSWORD).await;
    page.assert_shows("Las contraseñas no coinciden.");
    assert_all_spanish(&page);
    let page = change(PASSWORD, PASSWORD, PASSWORD).await;
    page.assert_shows("Esa ya es su contraseña.");
    assert_all_spanish(&page);
    let before = app.mail.messages_to(email).await.len();
    let page = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD).await;
    page.assert_shows("Su contraseña cambió.");
    assert_all_spanish(&page);
    let notice = next_mail(&app, email, before).await;
    assert_eq!(notice.subject, "Se cambió su contraseña del portal");
    assert!(
        notice
            .text
            .contains("La contraseña de su cuenta del portal se cambió el"),
        "{}",
        notice.text
    );
    assert!(notice.html.contains("<html lang=\"es\">"));

    // A recovery code at the second step, from another Spanish browser.
    let other = spanish_browser(&app);
    other.sign_in(email, NEW_PASSWORD).await;
    let page = other.get("/verify/recovery-code").await;
    assert_eq!(
        page.heading().as_deref(),
        Some("Usar un código de recuperación")
    );
    page.assert_shows("Por ejemplo abcd-efgh-2345-6789.");
    assert_all_spanish(&page);
    let wrong: String = codes[0].chars().rev().collect();
    let page = other
        .post("/verify/recovery-code", &[("code", &wrong)])
        .await;
    assert_eq!(page.status, 422, "{page}");
    page.assert_shows("Ese no es uno de sus códigos de recuperación.");
    let before = app.mail.messages_to(email).await.len();
    other
        .post("/verify/recovery-code", &[("code", &codes[0])])
        .await;
    let notice = next_mail(&app, email, before).await;
    assert_eq!(
        notice.subject,
        "Se usó un código de recuperación en su cuenta del portal"
    );
    assert!(
        notice.text.contains("Le quedan 9 códigos de recuperación."),
        "{}",
        notice.text
    );
}
