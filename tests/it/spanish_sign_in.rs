//! Spanish (issue 17) from the login page to home: the sign-in form, the second step by email,
//! text, call and authenticator app, every problem on the way, and what is sent to the person
//! (the emailed code, the text, the call) in their language; English exactly as before.

use crate::helpers::{Backend, Browser, Page, spawn_app};
use crate::on_both_backends;
use crate::spanish::{assert_all_spanish, spanish_browser};

const PASSWORD: &str = "harbour lantern quiet meadow";

on_both_backends!(
    a_spanish_browser_signs_in_by_email_in_spanish,
    a_spanish_browser_passes_the_phone_step_in_spanish,
    a_spanish_browser_passes_the_authenticator_app_step_in_spanish,
    english_stays_english_and_a_recorded_pick_is_followed
);

/// The code in an emailed code's text, in whichever language.
fn emailed_code(text: &str) -> String {
    let start = text
        .find(|c: char| c.is_ascii_digit())
        .expect("a code in the email");
    text[start..].chars().take(6).collect()
}

/// An email's HTML body as a page, to check its words like a page's.
fn as_page(html: &str) -> Page {
    Page {
        status: 200,
        url: "mailto:code".into(),
        body: html.to_string(),
        headers: Default::default(),
    }
}

/// A code of six digits that is not `right`.
fn wrong_for(right: &str) -> &'static str {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
}

async fn sign_in_by(browser: &Browser, email: &str, password: &str, method: &str) -> Page {
    browser
        .post(
            "/login",
            &[("email", email), ("password", password), ("method", method)],
        )
        .await
}

async fn a_spanish_browser_signs_in_by_email_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("lucia@example.org", "Lucía Flores", PASSWORD)
        .await;
    let browser = spanish_browser(&app);

    let page = browser.get("/login/email").await;
    assert_all_spanish(&page);
    assert_eq!(
        page.heading().as_deref(),
        Some("Iniciar sesión con correo electrónico")
    );
    assert!(page.has("Correo electrónico") && page.has("Contraseña"));

    // A wrong password: the problem, its summary and the title say it in Spanish.
    let page = sign_in_by(&browser, "lucia@example.org", "not the password", "email").await;
    assert_eq!(page.status, 401);
    assert_all_spanish(&page);
    page.assert_shows("Hay un problema");
    page.assert_shows("El correo electrónico o la contraseña no son correctos.");
    assert!(
        page.body
            .contains("<title>Error: Iniciar sesión con correo electrónico")
    );

    let page = sign_in_by(&browser, "lucia@example.org", PASSWORD, "email").await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
    assert_all_spanish(&page);
    page.assert_shows("Verificación por correo electrónico");
    page.assert_shows("Enviar código de verificación");

    let before = app.mail.messages_to("lucia@example.org").await.len();
    let page = browser.post("/verify/email/send", &[]).await;
    assert_all_spanish(&page);
    page.assert_shows("Enviamos un código de verificación a");
    page.assert_shows("Vence en 30 segundos.");
    page.assert_shows("Verificar código");

    // The code email in Spanish: subject, text and HTML.
    let mail = app.mail.message_to("lucia@example.org", before).await;
    assert!(
        mail.subject.starts_with("Su código de verificación: "),
        "{}",
        mail.subject
    );
    assert!(
        mail.text.starts_with("Hola, Lucía Flores:"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("Su código de verificación es: "));
    assert!(mail.text.contains("Vence en 30 segundos"), "{}", mail.text);
    assert!(!mail.text.contains("Hello") && !mail.text.contains("expires"));
    assert_all_spanish(&as_page(&mail.html));
    let code = emailed_code(&mail.text);
    assert!(mail.subject.ends_with(&code));

    // A wrong code: said in Spanish, with the tries left.
    let page = browser
        .post("/verify/email/check", &[("code", wrong_for(&code))])
        .await;
    assert_all_spanish(&page);
    page.assert_shows("Ese código no es correcto. Revise el correo más reciente");
    page.assert_shows("le quedan");
    let page = browser.post("/verify/email/check", &[("code", "12")]).await;
    assert_all_spanish(&page);
    page.assert_shows("Escriba el código de 6 dígitos del mensaje que le enviamos.");

    let page = browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    assert_all_spanish(&page);
    page.assert_shows("Verificación completa");
    let page = browser.get("/").await;
    assert_all_spanish(&page);
    page.assert_shows("Bienvenido, Lucía Flores");
    page.assert_shows("Cerrar sesión");

    // Signed out: the login page says so in Spanish.
    let page = browser.post("/logout", &[]).await;
    assert_all_spanish(&page);
    page.assert_shows("Ha cerrado sesión.");

    // The portal's own error pages too.
    let page = browser.get("/no-such-page").await;
    assert_eq!(page.status, 404);
    assert_all_spanish(&page);
    page.assert_shows("Página no encontrada");
    let page = browser
        .post_raw(
            "/login",
            &[("email", "lucia@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 403);
    assert_all_spanish(&page);
    page.assert_shows("Este formulario venció");
}

async fn a_spanish_browser_passes_the_phone_step_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = "(415) 555-0142";
    let e164 = "+14155550142";
    // Registered in English: the text that verified the number was English.
    let first = app
        .active_phone_user("pablo@example.org", "Pablo Ruiz", PASSWORD, phone)
        .await;
    let registration_text = app.twilio().messages().pop().unwrap();
    assert!(
        registration_text
            .body
            .starts_with("Your Tessera verification code is "),
        "{}",
        registration_text.body
    );
    first.post("/logout", &[]).await;

    let browser = spanish_browser(&app);
    let page = sign_in_by(&browser, "pablo@example.org", PASSWORD, "phone").await;
    assert!(page.url.ends_with("/verify/phone"), "{}", page.url);
    assert_all_spanish(&page);
    page.assert_shows("Verificación por teléfono");
    assert!(page.has("Enviar código") && page.has("Llamarme"));

    let sent = app.twilio().messages().len();
    let page = browser
        .post("/verify/phone/send", &[("action", "sms")])
        .await;
    assert_all_spanish(&page);
    page.assert_shows("Enviamos un código de verificación por mensaje de texto");
    let sms = app.twilio().wait_for_message_to(e164, 1).await;
    assert_eq!(app.twilio().messages().len(), sent + 1);
    assert!(
        sms.body
            .starts_with("Su código de verificación de Tessera es "),
        "{}",
        sms.body
    );
    assert!(
        sms.body
            .contains("Vence en 10 minutos. No lo comparta nunca."),
        "{}",
        sms.body
    );
    let code = crate::helpers::sms_code(&sms.body);

    let page = browser
        .post("/verify/phone/check", &[("code", wrong_for(&code))])
        .await;
    assert_all_spanish(&page);
    page.assert_shows("Ese código no es correcto. Revise el mensaje de texto más reciente");
    let page = browser
        .post("/verify/phone/check", &[("code", &code)])
        .await;
    assert_all_spanish(&page);
    page.assert_shows("Bienvenido, Pablo Ruiz");
    browser.post("/logout", &[]).await;

    // Call Me: the page while it rings, and the call itself speak Spanish.
    app.clock
        .advance(app.app.config.policy.code_resend_cooldown_secs);
    sign_in_by(&browser, "pablo@example.org", PASSWORD, "phone").await;
    let page = browser
        .post("/verify/phone/send", &[("action", "call")])
        .await;
    assert_all_spanish(&page);
    page.assert_shows("Llamando a su teléfono");
    page.assert_shows("Lo estamos llamando ahora");
    let call = app.twilio().wait_for_call_to(e164, 0).await;
    assert!(
        call.twiml.contains(
            r#"<Say language="es-MX">Le habla el portal Tessera. Para confirmar su inicio de sesión, oprima ahora la tecla numeral.</Say>"#
        ),
        "{}",
        call.twiml
    );
    assert!(!call.twiml.contains("press"), "{}", call.twiml);

    // Asking again too soon: told to wait, in Spanish.
    let page = browser
        .post("/verify/phone/send", &[("action", "sms")])
        .await;
    assert_all_spanish(&page);

    // The callee presses #: the call thanks them in Spanish, and the page moves on.
    let said = press_pound(&call).await;
    assert!(
        said.contains(r#"<Say language="es-MX">Gracias. Ha iniciado sesión. Hasta luego.</Say>"#),
        "{said}"
    );
    let page = browser.get("/verify/phone/call").await;
    assert_all_spanish(&page);
    page.assert_shows("Llamada contestada");
    let page = browser.post("/verify/phone/call/complete", &[]).await;
    assert_all_spanish(&page);
    page.assert_shows("Bienvenido, Pablo Ruiz");
}

/// Twilio posts the callee's # to the call's Gather action, signed; returns the TwiML answer.
async fn press_pound(call: &crate::twilio_double::PlacedCall) -> String {
    use crate::twilio_double::TwilioDouble;
    let url = call.action_url();
    let params = [
        ("AccountSid", TwilioDouble::ACCOUNT_SID),
        ("CallSid", call.sid.as_str()),
        ("CallStatus", "in-progress"),
        ("Digits", "#"),
        ("From", call.from.as_str()),
        ("To", call.to.as_str()),
    ];
    let signature = TwilioDouble::sign(&url, &params);
    let response = reqwest::Client::new()
        .post(&url)
        .header("X-Twilio-Signature", signature)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The code an authenticator app shows at `time` for the secret as the page printed it.
fn app_code(secret_text: &str, time: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_text.replace(' ', "")).unwrap();
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .unwrap()
        .generate(time as u64)
        .to_string()
}

async fn a_spanish_browser_passes_the_authenticator_app_step_in_spanish(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .active_user("otto@example.org", "Otto App", PASSWORD)
        .await;
    let page = first.post("/account/app/start", &[]).await;
    let secret = page.first("#secret").expect("the key as text").text;
    let page = first
        .post(
            "/account/app",
            &[
                ("code", &app_code(&secret, app.clock_now())),
                ("password", PASSWORD),
            ],
        )
        .await;
    page.assert_shows("Your authenticator app is added");
    first.post("/logout", &[]).await;
    // The next time step: the code used to enrol is spent.
    app.clock.advance(30);

    let browser = spanish_browser(&app);
    let page = sign_in_by(&browser, "otto@example.org", PASSWORD, "email").await;
    assert_all_spanish(&page);
    page.assert_shows("Otras formas de confirmar que es usted");
    let offer = page
        .link_named("Usar la aplicación de autenticación en su lugar")
        .expect("the app offered in Spanish");
    let page = browser.get(&offer).await;
    assert!(page.url.ends_with("/verify/app"), "{}", page.url);
    assert_all_spanish(&page);
    page.assert_shows("Aplicación de autenticación");
    page.assert_shows("Código de su aplicación");
    page.assert_shows("Usar el correo electrónico en su lugar");

    let right = app_code(&secret, app.clock_now());
    let page = browser
        .post("/verify/app", &[("code", wrong_for(&right))])
        .await;
    assert_all_spanish(&page);
    page.assert_shows("Ese código no es correcto. Revise la hora de su teléfono");
    let page = browser.post("/verify/app", &[("code", "abc")]).await;
    assert_all_spanish(&page);
    let page = browser.post("/verify/app", &[("code", &right)]).await;
    assert_all_spanish(&page);
    page.assert_shows("Verificación completa");
    let page = browser.get("/").await;
    assert_all_spanish(&page);
    page.assert_shows("Bienvenido, Otto App");
}

async fn english_stays_english_and_a_recorded_pick_is_followed(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .active_user("ana@example.org", "Ana Silva", PASSWORD)
        .await;
    first.post("/logout", &[]).await;

    // Someone who never picked Spanish, in an English browser: English, word for word.
    let browser = app.new_browser();
    let page = browser.get("/login/email").await;
    assert_eq!(page.heading().as_deref(), Some("Login With Email"));
    let page = sign_in_by(&browser, "ana@example.org", "wrong", "email").await;
    page.assert_shows("There is a problem");
    page.assert_shows("The email address or password is not right. Check both and try again.");
    let page = sign_in_by(&browser, "ana@example.org", PASSWORD, "email").await;
    page.assert_shows("Email Verification");
    let before = app.mail.messages_to("ana@example.org").await.len();
    let page = browser.post("/verify/email/send", &[]).await;
    page.assert_shows("It expires in 30 seconds.");
    let mail = app.mail.message_to("ana@example.org", before).await;
    let code = mail.code();
    assert_eq!(mail.subject, format!("Your verification code: {code}"));
    // The mail's lines end in CRLF on the wire.
    let text = mail.text.replace("\r\n", "\n");
    assert!(
        text.starts_with("Hello Ana Silva,\n\nYour verification code is: "),
        "{text:?}"
    );
    assert!(
        mail.text.contains("It expires in 30 seconds ("),
        "{}",
        mail.text
    );
    assert!(mail.html.contains("<html lang=\"en\">"));
    let page = browser
        .post("/verify/email/check", &[("code", wrong_for(&code))])
        .await;
    page.assert_shows(
        "That code is not right. Check the latest email and try again (4 tries left).",
    );
    let page = browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    page.assert_shows("Your email address has been verified.");
    let page = browser.get("/").await;
    page.assert_shows("Welcome, Ana Silva");

    // She picks Spanish while signed in: recorded on her account.
    browser.get("/language?to=es").await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE email = 'ana@example.org' AND language = 'es'"
        )
        .await,
        1
    );
    browser.post("/logout", &[]).await;

    // From another, English browser: English pages, but the code she is sent is Spanish.
    let english = app.new_browser();
    sign_in_by(&english, "ana@example.org", PASSWORD, "email").await;
    let before = app.mail.messages_to("ana@example.org").await.len();
    let page = english.post("/verify/email/send", &[]).await;
    page.assert_shows("We sent a verification code to");
    let mail = app.mail.message_to("ana@example.org", before).await;
    assert!(
        mail.subject.starts_with("Su código de verificación: "),
        "{}",
        mail.subject
    );
    assert!(mail.text.starts_with("Hola, Ana Silva:"), "{}", mail.text);
    assert_all_spanish(&as_page(&mail.html));

    // A call to someone who never picked Spanish, from an English browser: as before.
    let (_, call) = app
        .phone_user_being_called("sam@example.org", "Sam Lee", PASSWORD, "(415) 555-0177")
        .await;
    assert!(
        call.twiml.contains(
            "<Say>This is the Tessera portal. To confirm your sign-in, press the pound key now.</Say></Gather><Say>We did not receive your key press. Goodbye.</Say></Response>"
        ),
        "{}",
        call.twiml
    );
    assert_eq!(
        press_pound(&call).await,
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thank you. You are signed in. Goodbye.</Say></Response>"#
    );
}

/// A problem with a plural says it in both languages' forms.
#[test]
fn tries_left_take_the_plural_of_each_language() {
    use tessera::i18n::{Language, say_in};
    let said = |language, n: i64| say_in(language, "code-wrong-sms", &[("tries", n.into())]);
    assert_eq!(
        said(Language::English, 1),
        "That code is not right. Check the latest text message and try again (1 try left)."
    );
    assert_eq!(
        said(Language::English, 3),
        "That code is not right. Check the latest text message and try again (3 tries left)."
    );
    assert!(said(Language::Spanish, 1).ends_with("(le queda 1 intento)."));
    assert!(said(Language::Spanish, 3).ends_with("(le quedan 3 intentos)."));
}

/// Every page of signing in and of the second step, in each of its states, rendered in
/// Spanish: no English left, whichever the journey (passkeys, calls, staff sign-in, the pages
/// on the way to an application and out of it).
#[tokio::test]
async fn every_page_of_signing_in_renders_in_spanish() {
    use minijinja::context;
    use tessera::i18n::{Language, say, speaking};
    use tessera::templates::render;

    let pages = speaking(Language::Spanish, async {
        let ways = || {
            vec![
                context! { href => "/verify/email", offer => say("other-ways-use-email") },
                context! { href => "/verify/phone", offer => say("other-ways-use-phone") },
                context! { href => "/verify/app", offer => say("other-ways-use-app") },
                context! { href => "/verify/passkey", offer => say("other-ways-use-passkey") },
            ]
        };
        let frame = |more: minijinja::Value| context! { csrf_token => "t", page_path => "/", ..more };
        let mut pages: Vec<(String, String)> = Vec::new();
        let mut page = |name: &str, more: minijinja::Value| {
            let body = render(name, frame(more)).unwrap_or_else(|e| panic!("{name}: {e}"));
            pages.push((name.to_string(), body));
        };
        for method in ["email", "phone", "first-login"] {
            page(
                "pages/sign_in.html",
                context! {
                    title => say("login-with-email"), method, email => "ana@example.org",
                    notice => say("notice-timed-out"),
                    error => say("sign-in-invalid"), error_fields => ["email", "password"],
                },
            );
        }
        for (sent, retry_in, expires_in) in [(false, 0, 0), (true, 20, 30), (true, 0, 0)] {
            let state = context! {
                email => "ana@example.org", registering => false, lifetime => "10 minutos",
                sent_to => sent.then_some("a•••@example.org"), retry_in, expires_in,
            };
            page(
                "pages/verify_email.html",
                context! { state, other_ways => ways(), error => say("code-exhausted"), error_fields => ["code"] },
            );
        }
        for on_file in [Some("+1 ••• ••• 0142"), None] {
            let state = context! {
                registering => on_file.is_none(), on_file, lifetime => "10 minutos",
                sent_to => "+1 ••• ••• 0142", retry_in => 20, expires_in => 0,
            };
            page(
                "pages/verify_phone.html",
                context! { state, other_ways => ways(), country_code => "+1", phone => "" },
            );
        }
        for state in ["waiting", "pressed", "failed", "ended"] {
            for called in [Some("+1 ••• ••• 0142"), None] {
                page(
                    "pages/calling.html",
                    context! { state, phone => context! { called, retry_in => 20 } },
                );
            }
        }
        page(
            "pages/verify_app.html",
            context! { state => (), other_ways => ways(), error => say("app-code-wrong") },
        );
        for enrol in [true, false] {
            page(
                "pages/verify_passkey.html",
                context! { state => (), other_ways => ways(), enrol, default_name => tessera::flows::passkey::default_name() },
            );
        }
        page("pages/verified.html", context! { next => "/" });
        page("pages/continue.html", context! { url => "https://app.example.org/" });
        page(
            "pages/terms.html",
            context! { title => "Términos", body => "Texto.", version => 1, error => say("terms-not-agreed") },
        );
        for apps in [vec![], vec![context! { name => "Nómina", url => "https://nomina.example.org/" }]] {
            page(
                "pages/home.html",
                context! { name => "Ana Silva", email => "ana@example.org", apps, role => "org-admin" },
            );
        }
        page(
            "pages/message.html",
            context! { title => say("error-page-internal-title"), message => say("error-page-internal"),
                operation => "abc123", reset => true, next_href => "/login", next_label => say("error-page-to-sign-in") },
        );
        for name in [Some("Nómina"), None] {
            page("pages/no_access.html", context! { name });
        }
        page("pages/no_access_redirect.html", context! { to => "/no-access" });
        page("pages/return_bounced.html", context! { url => "https://app.example.org/" });
        page(
            "pages/staff_redirect.html",
            context! { provider => "Contoso", url => "https://idp.example.org/" },
        );
        page(
            "pages/staff_route.html",
            context! { provider => "Contoso", domain => "contoso.mx", id => 1 },
        );
        page("pages/oidc_logout.html", context! { action => "/oidc/logout", state => "s" });
        page("pages/oidc_signed_out.html", context! { url => "https://app.example.org/" });
        pages
    })
    .await;

    for (name, body) in pages {
        // The setting a Portal Administrator changes is named as it is spelt.
        let body = body.replace("<code>TESSERA_COOKIE_DOMAIN</code>", "");
        assert_all_spanish(&Page {
            status: 200,
            url: name,
            body,
            headers: Default::default(),
        });
    }
}
