//! The `tessera` binary: `admin create-org`, `admin create-user` (beside a running server,
//! on the same database) and `audit verify`.

use std::process::{Command, Output};

use crate::helpers::{Backend, SECRET_KEY, spawn_app};
use crate::on_both_backends;

fn tessera(app: &crate::helpers::TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env(
            "TESSERA_SMTP_URL",
            format!("smtp://127.0.0.1:{}", app.mail.port),
        )
        .env("TESSERA_MAIL_FROM", "Tessera <no-reply@portal.test>")
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .env("TESSERA_PUBLIC_URL", &app.url)
        .output()
        .expect("run tessera")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn admin_create_user_emails_a_link_that_the_running_portal_accepts(backend: Backend) {
    let app = spawn_app(backend).await;
    let out = tessera(&app, &["admin", "create-org", "--name", "Northside Clinic"]);
    assert!(out.status.success(), "{}", text(&out));

    let out = tessera(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "noor@example.org",
            "--name",
            "Noor Haddad",
            "--org",
            "Northside Clinic",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Invited"), "{}", text(&out));
    let mail = app.mail.message_to("noor@example.org", 0).await;
    let page = app.new_browser().get_absolute(&mail.link()).await;
    assert_eq!(
        page.input_value("display_name").as_deref(),
        Some("Noor Haddad")
    );

    let out = tessera(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--org",
            "Nowhere",
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("There is no organization named \"Nowhere\""),
        "{}",
        text(&out)
    );
    let out = tessera(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "not-an-email",
            "--name",
            "X",
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("Enter the email address in the form name@example.com."),
        "{}",
        text(&out)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts").await,
        1,
        "nothing half-made"
    );
}

async fn an_unreachable_mail_server_leaves_no_account_behind(backend: Backend) {
    let app = spawn_app(backend).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args([
            "admin",
            "create-user",
            "--email",
            "lost@example.org",
            "--name",
            "Lost Mail",
        ])
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SMTP_URL", format!("smtp://127.0.0.1:{closed}"))
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("could not be sent") && text(&out).contains("nothing was created"),
        "{}",
        text(&out)
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 0);
}

async fn audit_verify_proves_the_chain_and_names_the_altered_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("audit@example.org", "Audra Day", "marmalade orbit kettle")
        .await;
    let out = tessera(&app, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("The audit log is intact"));

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    sqlx::query("UPDATE audit_log SET detail = '{}' WHERE seq = 3")
        .execute(&pool)
        .await
        .unwrap();
    let out = tessera(&app, &["audit", "verify"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("entry 3 was altered"), "{}", text(&out));

    sqlx::query("DELETE FROM audit_log WHERE seq = 3")
        .execute(&pool)
        .await
        .unwrap();
    let out = tessera(&app, &["audit", "verify"]);
    assert!(
        text(&out).contains("the chain breaks at entry 4"),
        "{}",
        text(&out)
    );
    pool.close().await;
}

on_both_backends!(
    admin_create_user_emails_a_link_that_the_running_portal_accepts,
    an_unreachable_mail_server_leaves_no_account_behind,
    audit_verify_proves_the_chain_and_names_the_altered_entry,
);

/// `tessera serve` with only a database and an address configured: it migrates a fresh
/// SQLite file, prints the first administrator's link, serves the pages and the development
/// outbox, and stops cleanly on SIGTERM.
#[tokio::test]
async fn serve_on_a_fresh_database_prints_the_first_administrator_link_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("serve")
        .current_dir(dir.path())
        .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("TESSERA_DATABASE_URL")
        .env_remove("TESSERA_SMTP_URL")
        .env_remove("TESSERA_TWILIO_ACCOUNT_SID")
        .env_remove("TESSERA_TWILIO_AUTH_TOKEN")
        .env_remove("TESSERA_TWILIO_FROM")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (mut link, mut outbox) = (None, None);
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(20)) {
        if line.starts_with("Development outbox") {
            outbox = Some(line.clone());
        }
        if let Some(start) = line.find("http://") {
            if line.contains("/register/") {
                link = Some(line[start..].trim().to_string());
            }
        }
        if line.contains("Tessera is listening") {
            break;
        }
    }
    let link = link.expect("the first administrator's link is printed");
    assert_eq!(
        outbox.as_deref(),
        Some(
            format!(
                "Development outbox for emails, texts and calls (no SMTP server and no Twilio account configured): http://127.0.0.1:{port}/dev/outbox"
            )
            .as_str()
        ),
        "the console says which messages go to the outbox, and where"
    );
    assert!(
        link.starts_with(&format!("http://127.0.0.1:{port}/register/")),
        "{link}"
    );
    assert!(
        dir.path().join("tessera.db").exists(),
        "the default SQLite file is created"
    );

    let browser = crate::helpers::Browser::new(&format!("http://127.0.0.1:{port}"));
    assert_eq!(browser.get("/healthz").await.status, 200);
    let page = browser.get_absolute(&link).await;
    assert!(page.url.ends_with("/register") && page.has("Create a New Account"));
    assert_eq!(
        browser.get("/dev/outbox").await.status,
        200,
        "no SMTP and loopback: the outbox page exists"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
}
