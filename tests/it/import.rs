//! Current portal users: `tessera admin import` brings in accounts with their existing
//! password hashes (bcrypt, PBKDF2-SHA256, Argon2), and each signs in once with the old
//! password, then registers like a new user.

use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use crate::helpers::{Backend, SECRET_KEY, spawn_app};
use crate::on_both_backends;

/// Real hashes of four old passwords, in the forms older systems store them.
fn legacy_hashes() -> Vec<(&'static str, String)> {
    let bcrypt = bcrypt::hash("old bcrypt password", 4).unwrap();
    let salt = b"0123456789abcdef";
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"old pbkdf2 password", salt, 1000, &mut out);
    let phc = format!(
        "$pbkdf2-sha256$i=1000,l=32${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    );
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"old django password", b"djangosalt", 1000, &mut out);
    let django = format!("pbkdf2_sha256$1000$djangosalt${}", STANDARD.encode(out));
    use argon2::password_hash::PasswordHasher;
    let params = argon2::Params::new(1024, 1, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(b"old argon2 password")
        .unwrap()
        .to_string();
    vec![
        ("old bcrypt password", bcrypt),
        ("old pbkdf2 password", phc),
        ("old django password", django),
        ("old argon2 password", argon),
    ]
}

fn import(app: &crate::helpers::TestApp, file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["admin", "import", "--file"])
        .arg(file)
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn ten_thousand_users_with_mixed_hashes_come_in_and_sign_in_with_old_passwords(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let hashes = legacy_hashes();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users.csv");
    let mut csv = String::from("email,display_name,password_hash\n");
    for i in 0..10_000 {
        let (_, hash) = &hashes[i % hashes.len()];
        csv.push_str(&format!(
            "user{i}@example.org,\"Legacy User {i}\",\"{hash}\"\n"
        ));
    }
    std::fs::write(&path, csv).unwrap();

    let started = std::time::Instant::now();
    let out = import(&app, &path);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Imported 10000 users"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out)
            .contains("Importing [########################################] 10000/10000 (100%)"),
        "a progress bar: {}",
        text(&out)
    );
    eprintln!(
        "imported 10,000 users on {backend:?} in {:?} (debug build)",
        started.elapsed()
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE status = 'imported'")
            .await,
        10_000
    );

    // Each kind of old hash signs its user in, through the login page's first-login link.
    for (i, (password, _)) in hashes.iter().enumerate() {
        let email = format!("user{i}@example.org");
        let browser = app.new_browser();
        let page = browser.get("/register/first-login").await;
        assert!(page.has("existing portal email address and password"));
        let wrong = browser
            .post(
                "/login",
                &[
                    ("email", &email),
                    ("password", "not the old one"),
                    ("method", "first-login"),
                ],
            )
            .await;
        assert_eq!(wrong.status, 401, "{email}");
        let page = browser
            .post(
                "/login",
                &[
                    ("email", &email),
                    ("password", password),
                    ("method", "first-login"),
                ],
            )
            .await;
        assert!(
            page.url.ends_with("/register"),
            "{email} with {password}: {}",
            page.body
        );
        assert_eq!(
            page.input_value("display_name").as_deref(),
            Some(format!("Legacy User {i}").as_str())
        );
        let page = browser
            .register(
                &format!("Legacy User {i}"),
                "fresh meadow lantern",
                "fresh meadow lantern",
                "email",
            )
            .await;
        assert!(
            page.url.ends_with("/login/email?notice=registered"),
            "{}",
            page.body
        );
        let hash: String = {
            use sqlx::Row;
            let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
            let row = sqlx::query("SELECT password_hash FROM accounts WHERE email = $1")
                .bind(&email)
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            row.try_get("password_hash").unwrap()
        };
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "the old hash is replaced: {hash}"
        );
        assert_eq!(
            browser.sign_in(&email, password).await.status,
            401,
            "the old password no longer works"
        );
    }
}

async fn a_file_with_bad_rows_imports_nothing_and_names_each_line(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user(
        "taken@example.org",
        "Already Here",
        "marmalade orbit kettle",
    )
    .await;
    let (_, good) = legacy_hashes().remove(0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users.csv");
    let csv = format!(
        "email,display_name,password_hash,organization\n\
         ok@example.org,Okay Person,{good},\n\
         not-an-email,Bad Email,{good},\n\
         empty@example.org,,{good},\n\
         hash@example.org,Bad Hash,$md5$nope,\n\
         taken@example.org,Taken Person,{good},\n\
         org@example.org,No Org,{good},Nowhere Clinic\n"
    );
    std::fs::write(&path, csv).unwrap();
    let before = app.count("SELECT COUNT(*) FROM accounts").await;
    let out = import(&app, &path);
    assert!(!out.status.success());
    let report = text(&out);
    assert!(
        report.contains("line 3:") && report.contains("line 4:") && report.contains("line 5:"),
        "{report}"
    );
    assert!(
        !report.contains("line 2:"),
        "the good row is not reported: {report}"
    );
    assert!(report.contains("no users were imported"), "{report}");
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, before);

    // With the format errors fixed, the database checks remain: the taken address and the
    // unknown organization are reported, and still nothing is imported.
    let csv = format!(
        "email,display_name,password_hash,organization\n\
         ok@example.org,Okay Person,{good},\n\
         taken@example.org,Taken Person,{good},\n\
         org@example.org,No Org,{good},Nowhere Clinic\n"
    );
    std::fs::write(&path, csv).unwrap();
    let report = text(&import(&app, &path));
    assert!(
        report
            .contains("line 3: an account with the email address taken@example.org already exists"),
        "{report}"
    );
    assert!(
        report.contains("line 4: there is no organization named \"Nowhere Clinic\""),
        "{report}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, before);
}

on_both_backends!(
    ten_thousand_users_with_mixed_hashes_come_in_and_sign_in_with_old_passwords,
    a_file_with_bad_rows_imports_nothing_and_names_each_line,
);

async fn system_administrators_import_through_the_api_and_nobody_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let event = tessera::audit::AuditEvent::new("organization-created", "test", "North");
    app.app
        .store
        .create_org("North", app.clock_now(), event)
        .await
        .unwrap();
    let token = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(["admin", "create-token"])
            .args(args)
            .env("TESSERA_DATABASE_URL", &app.db.url)
            .env("TESSERA_SECRET_KEY", SECRET_KEY)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let all = token(&["--name", "all"]);
    let north = token(&["--name", "north", "--org", "North"]);
    let (password, hash) = legacy_hashes().remove(0);
    let csv = format!(
        "email,display_name,password_hash,organization\nold@north.example.org,Old Timer,{hash},North\n"
    );
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/import", app.url);
    let refused = http
        .post(&url)
        .bearer_auth(&north)
        .body(csv.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        403,
        "an organization's token cannot import"
    );
    let response = http
        .post(&url)
        .bearer_auth(&all)
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["imported"], 1);
    let browser = app.new_browser();
    let page = browser
        .post(
            "/login",
            &[
                ("email", "old@north.example.org"),
                ("password", password),
                ("method", "first-login"),
            ],
        )
        .await;
    assert!(page.url.ends_with("/register"), "{}", page.body);
}

on_both_backends!(system_administrators_import_through_the_api_and_nobody_else);
