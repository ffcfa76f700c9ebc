//! A real relying party (issue 13): Apache httpd with Debian's mod_auth_openidc protects a
//! small page, configured by `deploy/apache-mod-auth-openidc.conf` exactly as an operator
//! would use it (docs/connect-your-portal.md shows that file), and Chromium signs a person in
//! through Tessera's pages: the claims reach the page; the page's sign-out link ends both the
//! Apache session and the Tessera session; signing out at Tessera ends the Apache session.
//!
//! `scripts/test` installs Apache and the module (`apache2`, `libapache2-mod-auth-openidc`)
//! when they are missing; without them these tests fail, they never skip.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, Locator};
use tessera::flows::admin::Admin;
use tessera::flows::clients::{self, ClientRequest};

use crate::browser::{chrome, click, type_into, wait_for_field, wait_for_text};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";
/// The configuration an operator copies (docs/connect-your-portal.md shows it).
const OPERATOR_CONF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/deploy/apache-mod-auth-openidc.conf"
);
const PASSWORD: &str = "lighthouse keeper ledger";

/// The portal's one page: what mod_auth_openidc hands the application (in the environment
/// of the request, here read by server-side includes, which escape for HTML), and the
/// sign-out link (`logout=` on the redirect URI, then Tessera's end_session_endpoint).
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Patient portal</title></head>
<body>
<h1>The protected page</h1>
<dl>
<dt>REMOTE_USER</dt><dd id="remote_user"><!--#echo var="REMOTE_USER" --></dd>
<dt>sub</dt><dd id="sub"><!--#echo var="OIDC_CLAIM_sub" --></dd>
<dt>iss</dt><dd id="iss"><!--#echo var="OIDC_CLAIM_iss" --></dd>
<dt>email</dt><dd id="email"><!--#echo var="OIDC_CLAIM_email" --></dd>
<dt>email_verified</dt><dd id="email_verified"><!--#echo var="OIDC_CLAIM_email_verified" --></dd>
<dt>name</dt><dd id="name"><!--#echo var="OIDC_CLAIM_name" --></dd>
<dt>amr</dt><dd id="amr"><!--#echo var="OIDC_CLAIM_amr" --></dd>
<dt>acr</dt><dd id="acr"><!--#echo var="OIDC_CLAIM_acr" --></dd>
</dl>
<p><a href="/protected/redirect_uri?logout=LOGOUT_TO">Sign out of the portal</a></p>
</body></html>
"#;

const SIGNED_OUT: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Signed out</title></head>
<body><h1>You have signed out of the portal</h1></body></html>
"#;

/// Apache httpd in the foreground, a child of the test, with its own server root in a
/// temporary directory; stopped (SIGTERM, its workers with it) when dropped.
struct Apache {
    child: Child,
    dir: tempfile::TempDir,
    /// `http://localhost:PORT`: another host than Tessera's 127.0.0.1, so neither reads the
    /// other's cookies, as on two real sites.
    url: String,
}

/// Where a protected application lives, and the client registered for it.
struct Portal {
    url: String,
    port: u16,
}

impl Portal {
    fn new() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self {
            url: format!("http://localhost:{port}"),
            port,
        }
    }

    fn redirect_uri(&self) -> String {
        format!("{}/protected/redirect_uri", self.url)
    }

    fn signed_out(&self) -> String {
        format!("{}/signed-out.html", self.url)
    }

    /// mod_auth_openidc takes back-channel logout tokens at its redirect URI.
    fn backchannel_logout(&self) -> String {
        format!("{}?logout=backchannel", self.redirect_uri())
    }
}

fn preflight() {
    for needed in [APACHE.to_string(), format!("{MODULES}/mod_auth_openidc.so")] {
        assert!(
            Path::new(&needed).exists(),
            "{needed} is missing: Apache httpd and mod_auth_openidc are needed by the relying-party \
             tests; run scripts/test, which installs them (apt-get install -y apache2 \
             libapache2-mod-auth-openidc)"
        );
    }
}

impl Apache {
    async fn start(portal: &Portal, issuer: &str, client_id: &str, secret: &str) -> Self {
        preflight();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // Apache's workers run as www-data when the test runs as root: they read the pages.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir_all(root.join("run")).unwrap();
        std::fs::create_dir_all(root.join("htdocs/protected")).unwrap();
        let logout_to: String =
            url::form_urlencoded::byte_serialize(portal.signed_out().as_bytes()).collect();
        std::fs::write(
            root.join("htdocs/protected/index.shtml"),
            PAGE.replace("LOGOUT_TO", &logout_to),
        )
        .unwrap();
        std::fs::write(root.join("htdocs/signed-out.html"), SIGNED_OUT).unwrap();
        let as_root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
        let user = if as_root {
            "User www-data\nGroup www-data\n"
        } else {
            ""
        };
        let passphrase = tessera::crypto::random_token().unwrap();
        let root_s = root.display();
        let port = portal.port;
        let portal_url = &portal.url;
        let conf = format!(
            r#"# The test's server around the operator's configuration.
ServerRoot "{root_s}"
DefaultRuntimeDir "{root_s}/run"
PidFile "{root_s}/run/httpd.pid"
ErrorLog "{root_s}/error.log"
LogLevel warn auth_openidc:info
Listen 127.0.0.1:{port}
ServerName localhost:{port}
{user}
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule mime_module {MODULES}/mod_mime.so
LoadModule dir_module {MODULES}/mod_dir.so
LoadModule include_module {MODULES}/mod_include.so
LoadModule auth_openidc_module {MODULES}/mod_auth_openidc.so
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MaxRequestWorkers 16
MinSpareThreads 4
MaxSpareThreads 32
TypesConfig /etc/mime.types
DocumentRoot "{root_s}/htdocs"
DirectoryIndex index.shtml index.html
<Directory "{root_s}/htdocs">
    Require all granted
</Directory>
<Directory "{root_s}/htdocs/protected">
    Options +Includes
    AddType text/html .shtml
    AddOutputFilter INCLUDES .shtml
</Directory>

Define TESSERA_ISSUER {issuer}
Define PORTAL_URL {portal_url}
Define OIDC_CLIENT_ID {client_id}
Define OIDC_CLIENT_SECRET {secret}
Define OIDC_PASSPHRASE {passphrase}
Include "{OPERATOR_CONF}"
"#
        );
        let conf_path = root.join("httpd.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let stderr = std::fs::File::create(root.join("stderr.log")).unwrap();
        let child = Command::new(APACHE)
            .arg("-f")
            .arg(&conf_path)
            .arg("-DFOREGROUND")
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {APACHE}: {e}; run scripts/test"));
        let mut apache = Self {
            child,
            dir,
            url: portal.url.clone(),
        };
        apache.ready(port).await;
        apache
    }

    async fn ready(&mut self, port: u16) {
        for _ in 0..200 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Apache exited at start ({status}):\n{}", self.logs());
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("Apache never listened on {port}:\n{}", self.logs());
    }

    /// Apache's error log and standard error, for a failure's message.
    fn logs(&self) -> String {
        let read =
            |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!(
            "--- Apache error.log ---\n{}--- Apache stderr ---\n{}",
            read("error.log"),
            read("stderr.log")
        )
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        // SIGTERM: the parent stops its workers (SIGKILL would leave them behind).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Tessera, a client registered for the portal, and Apache in front of the portal.
async fn tessera_and_apache(backend: Backend) -> (TestApp, Apache) {
    // The issuer is Tessera's own address (the default public URL, http://127.0.0.1:PORT):
    // what discovery says, what Chromium and Apache reach, and what mod_auth_openidc checks.
    let app = spawn_app(backend).await;
    tessera::flows::signing_keys::ensure(&app.app)
        .await
        .unwrap();
    let portal = Portal::new();
    let made = clients::create(
        &app.app,
        &Admin::cli(),
        ClientRequest {
            name: "Patient portal".into(),
            redirect_uris: vec![portal.redirect_uri()],
            post_logout_redirect_uris: vec![portal.signed_out()],
            backchannel_logout_uri: Some(portal.backchannel_logout()),
            ..ClientRequest::default()
        },
    )
    .await
    .expect("client registered");
    let secret = made.client_secret.expect("a confidential client");
    let apache = Apache::start(&portal, &app.url, &made.client_id, &secret).await;
    (app, apache)
}

/// Waits (up to 10 s) for the browser to be at an address starting with `prefix`.
async fn wait_for_url(c: &Client, apache: &Apache, prefix: &str) -> String {
    let mut at = String::new();
    for _ in 0..100 {
        if let Ok(url) = c.current_url().await {
            at = url.to_string();
            if at.starts_with(prefix) {
                return at;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let body = match c.find(Locator::Css("body")).await {
        Ok(b) => b.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    panic!(
        "never reached {prefix}; at {at}, showing:\n{body}\n{}",
        apache.logs()
    );
}

async fn text_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id} on the portal's page: {e}"))
        .text()
        .await
        .unwrap()
}

/// The person opens the portal, signs in at Tessera by the guide (Login With Email, the
/// emailed code), and is back on the portal's page.
async fn sign_in_through_apache(app: &TestApp, apache: &Apache, c: &Client, email: &str) {
    c.goto(&format!("{}/protected/", apache.url)).await.unwrap();
    let at = wait_for_url(c, apache, &format!("{}/login", app.url)).await;
    assert!(
        !at.contains("redirect_uri"),
        "the request is kept at Tessera: {at}"
    );
    click(c, "Login With Email").await;
    wait_for_field(c, "Password").await;
    type_into(c, "Email address", email).await;
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Email Verification").await;
    click(c, "Send Verification Code").await;
    wait_for_text(c, "We sent a verification code").await;
    let code = app.latest_code(email).await;
    type_into(c, "Verification code", &code).await;
    click(c, "Verify Code").await;
    wait_for_text(c, "Your email address has been verified.").await;
    click(c, "Continue").await;
    // "You are signed in" moves on to the portal by itself; mod_auth_openidc exchanges the
    // code and sends the browser back to the page first asked for.
    wait_for_url(c, apache, &format!("{}/protected/", apache.url)).await;
    wait_for_text(c, "The protected page").await;
    assert_eq!(
        c.current_url().await.unwrap().as_str(),
        format!("{}/protected/", apache.url)
    );
}

/// An active person, signed out of the browser that set them up (only Chromium's session
/// remains to count).
async fn a_person(app: &TestApp, email: &str, name: &str) -> i64 {
    let setup = app.active_user(email, name, PASSWORD).await;
    setup.post("/logout", &[]).await;
    app.count(&format!("SELECT id FROM accounts WHERE email = '{email}'"))
        .await
}

async fn signed_in_sessions(app: &TestApp, account: i64) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM sessions WHERE account_id = {account} \
         AND stage = 'authenticated' AND revoked_at IS NULL"
    ))
    .await
}

/// Sign-in through the guide, and the ID token's claims on the portal's page.
async fn apache_signs_a_person_in_through_tessera(backend: Backend) {
    let (app, apache) = tessera_and_apache(backend).await;
    let email = "nora@clinic.test";
    let account = a_person(&app, email, "Nora Quist").await;
    assert_eq!(signed_in_sessions(&app, account).await, 0);
    let chrome = chrome().await;
    let c = &chrome.client;

    sign_in_through_apache(&app, &apache, c, email).await;
    assert_eq!(text_of(c, "email").await, email);
    assert_eq!(text_of(c, "name").await, "Nora Quist");
    assert_eq!(
        text_of(c, "iss").await,
        app.url,
        "the issuer mod_auth_openidc trusts"
    );
    let sub = text_of(c, "sub").await;
    assert!(
        !sub.is_empty() && sub != "(none)" && !sub.contains('@'),
        "sub {sub:?}"
    );
    assert_eq!(
        text_of(c, "remote_user").await,
        sub,
        "REMOTE_USER is the sub"
    );
    let amr = text_of(c, "amr").await;
    let amr: Vec<&str> = amr.split(',').collect();
    assert!(
        amr.contains(&"pwd") && amr.contains(&"otp"),
        "the password and the emailed code: amr {amr:?}"
    );
    assert_eq!(text_of(c, "acr").await, "mfa");
    assert_eq!(signed_in_sessions(&app, account).await, 1);
    // mod_auth_openidc sent a PKCE challenge and a nonce, and redeemed the code.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM oidc_tokens t JOIN oidc_grants g ON g.id = t.grant_id \
             WHERE t.kind = 'code' AND t.code_challenge IS NOT NULL AND t.used_at IS NOT NULL \
             AND g.nonce IS NOT NULL"
        )
        .await,
        1
    );

    // The portal's session holds: the page again, without Tessera.
    c.goto(&format!("{}/protected/", apache.url)).await.unwrap();
    wait_for_text(c, "The protected page").await;
    assert_eq!(text_of(c, "email").await, email);
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(apache_signs_a_person_in_through_tessera);

/// The portal's sign-out link: mod_auth_openidc ends its own session, then sends the browser
/// to Tessera's end_session_endpoint with the ID token as `id_token_hint`, which ends the
/// Tessera session and returns to the registered post-logout page.
async fn apache_logout_ends_both_sessions(backend: Backend) {
    let (app, apache) = tessera_and_apache(backend).await;
    let email = "otto@clinic.test";
    let account = a_person(&app, email, "Otto Brandt").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    sign_in_through_apache(&app, &apache, c, email).await;
    assert_eq!(signed_in_sessions(&app, account).await, 1);

    c.find(Locator::LinkText("Sign out of the portal"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(c, &apache, &format!("{}/signed-out.html", apache.url)).await;
    wait_for_text(c, "You have signed out of the portal").await;
    // Apache's session is over: its cookie is gone.
    let cookies = c.get_all_cookies().await.unwrap();
    assert!(
        !cookies
            .iter()
            .any(|k| k.name() == "mod_auth_openidc_session" && !k.value().is_empty()),
        "the portal's session cookie is cleared: {cookies:?}"
    );

    // Tessera's session is over too (through its end_session_endpoint).
    let discovery: serde_json::Value =
        reqwest::get(format!("{}/.well-known/openid-configuration", app.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        discovery["end_session_endpoint"].as_str(),
        Some(format!("{}/oidc/logout", app.url).as_str()),
        "discovery advertises RP-initiated logout"
    );
    assert_eq!(
        signed_in_sessions(&app, account).await,
        0,
        "the Tessera session ended with the portal's:\n{}",
        apache.logs()
    );

    // The portal again: Tessera asks the person to sign in.
    c.goto(&format!("{}/protected/", apache.url)).await.unwrap();
    wait_for_url(c, &apache, &format!("{}/login", app.url)).await;
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(apache_logout_ends_both_sessions);

/// Signing out at Tessera ends the portal's session too: Tessera sends mod_auth_openidc a
/// back-channel logout token for the session's `sid`, and the portal asks for a sign-in again.
async fn apache_backchannel_logout_ends_the_portal_session(backend: Backend) {
    let (app, apache) = tessera_and_apache(backend).await;
    let email = "pia@clinic.test";
    let account = a_person(&app, email, "Pia Lund").await;
    let chrome = chrome().await;
    let c = &chrome.client;
    sign_in_through_apache(&app, &apache, c, email).await;

    c.goto(&format!("{}/", app.url)).await.unwrap();
    wait_for_text(c, "Welcome, Pia Lund").await;
    click(c, "Sign out").await;
    wait_for_text(c, "Customer/Provider").await;
    assert_eq!(signed_in_sessions(&app, account).await, 0);

    // Tessera notices the session's end and delivers the logout token within seconds; until
    // then the portal's own session would still show the page.
    let protected = format!("{}/protected/", apache.url);
    let login = format!("{}/login", app.url);
    let mut at = String::new();
    for _ in 0..40 {
        c.goto(&protected).await.unwrap();
        at = c.current_url().await.unwrap().to_string();
        if at.starts_with(&login) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        at.starts_with(&login),
        "the portal's session outlived Tessera's (still at {at}):\n{}",
        apache.logs()
    );
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(apache_backchannel_logout_ends_the_portal_session);

/// The guide shows the very file these tests run.
#[test]
fn apache_configuration_in_the_guide_is_the_one_ci_runs() {
    let conf = std::fs::read_to_string(OPERATOR_CONF).unwrap();
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/connect-your-portal.md"
    ))
    .unwrap();
    assert!(
        guide.contains(&format!("```apache\n{conf}```\n")),
        "docs/connect-your-portal.md must show deploy/apache-mod-auth-openidc.conf as it is"
    );
}
