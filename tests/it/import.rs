//! Current portal users: `tessera admin import` brings in accounts with their existing
//! password hashes (bcrypt, PBKDF2-SHA256, Argon2), and each signs in once with the old
//! password, then registers like a new user.

use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use crate::admin::{org_admin, system_admin, upload_to};
use crate::api::org as create_org;
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
    // PHP's password_hash writes bcrypt as $2y$.
    let bcrypt_2y = bcrypt::hash_with_result("old php password", 4)
        .unwrap()
        .format_for_version(bcrypt::Version::TwoY);
    // passlib: $pbkdf2-sha256$<rounds>$<salt>$<hash>, base64 with `.` for `+`, unpadded.
    let passlib_salt = b"passlib-salt\xfb\xef";
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"old passlib password", passlib_salt, 1000, &mut out);
    let ab64 = |bytes: &[u8]| STANDARD_NO_PAD.encode(bytes).replace('+', ".");
    let passlib = format!("$pbkdf2-sha256$1000${}${}", ab64(passlib_salt), ab64(&out));
    vec![
        ("old bcrypt password", bcrypt),
        ("old pbkdf2 password", phc),
        ("old django password", django),
        ("old argon2 password", argon),
        ("old php password", bcrypt_2y),
        ("old passlib password", passlib),
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
        first_login_with_the_old_password(
            &app,
            &format!("user{i}@example.org"),
            password,
            &format!("Legacy User {i}"),
        )
        .await;
    }
}

/// An imported person follows the login page's first-login link: the old password (not a
/// wrong one) signs them in to registration, where they set a new password; the old hash is
/// replaced by Argon2id and the old password no longer works.
async fn first_login_with_the_old_password(
    app: &crate::helpers::TestApp,
    email: &str,
    password: &str,
    name: &str,
) {
    let browser = app.new_browser();
    let page = browser.get("/register/first-login").await;
    assert!(page.has("existing portal email address and password"));
    let wrong = browser
        .post(
            "/login",
            &[
                ("email", email),
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
                ("email", email),
                ("password", password),
                ("method", "first-login"),
            ],
        )
        .await;
    assert!(
        page.url.ends_with("/register"),
        "{email} with {password}: {page}",
    );
    assert_eq!(page.input_value("display_name").as_deref(), Some(name));
    let page = browser
        .register(
            name,
            "fresh meadow lantern",
            "fresh meadow lantern",
            "email",
        )
        .await;
    assert!(
        page.url
            .contains("/login/email?notice=registered&login_hint="),
        "{page}"
    );
    let hash: String = {
        use sqlx::Row;
        let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
        let row = sqlx::query("SELECT password_hash FROM accounts WHERE email = $1")
            .bind(email)
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
        browser.sign_in(email, password).await.status,
        401,
        "the old password no longer works"
    );
}

/// A file with every kind of bad row, in the form the older system might export it.
async fn file_with_every_kind_of_bad_row(app: &crate::helpers::TestApp) -> String {
    app.active_user(
        "taken@example.org",
        "Already Here",
        "marmalade orbit kettle",
    )
    .await;
    create_org(app, "North Clinic").await;
    let (_, good) = legacy_hashes().remove(0);
    format!(
        "email,display_name,password_hash,organization\n\
         ok@example.org,Okay Person,{good},North Clinic\n\
         not-an-email,Bad Email,{good},\n\
         empty@example.org,,{good},\n\
         hash@example.org,Bad Hash,$md5$nope,\n\
         taken@example.org,Taken Person,{good},\n\
         org@example.org,No Org,{good},Nowhere Clinic\n\
         OK@example.org,Okay Again,{good},\n\
         both@example.org,Two Problems,$md5$nope,Elsewhere Clinic\n\
         fine@example.org,Fine Person,{good},\n"
    )
}

/// Line by line, what a report must say about `file_with_every_kind_of_bad_row`: the format
/// errors, the address repeated within the file, the address already registered and the
/// unknown organizations, all in one run.
const EVERY_BAD_LINE: &[&str] = &[
    "line 3: email: Enter the email address in the form name@example.com.",
    "line 4: display_name: Enter a display name.",
    "line 5: password_hash: unknown password hash format",
    "line 6: email: an account with the email address taken@example.org already exists; remove the row",
    "line 7: organization: there is no organization named \"Nowhere Clinic\"; create it first, or correct the name",
    "line 8: email: the same address is on line 2",
    "line 9: password_hash: unknown password hash format",
    "line 9: organization: there is no organization named \"Elsewhere Clinic\"; create it first, or correct the name",
];

/// One run names every bad line, whatever its problem (the database checks are not left for
/// a second run), and imports nothing; the good lines 2 and 10 are not named.
async fn a_file_with_bad_rows_imports_nothing_and_names_each_line(backend: Backend) {
    let app = spawn_app(backend).await;
    let csv = file_with_every_kind_of_bad_row(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users.csv");
    std::fs::write(&path, csv).unwrap();
    let before = app.count("SELECT COUNT(*) FROM accounts").await;
    let out = import(&app, &path);
    assert!(!out.status.success());
    let report = text(&out);
    let named: Vec<&str> = report.lines().filter(|l| l.starts_with("line ")).collect();
    assert_eq!(named, EVERY_BAD_LINE, "{report}");
    assert!(
        report.contains("7 row(s) are not valid; no users were imported"),
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
    create_org(&app, "North").await;
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
    assert!(page.url.ends_with("/register"), "{page}");
}

on_both_backends!(system_administrators_import_through_the_api_and_nobody_else);

/// The same file of current portal users through the administrator pages: a CSV file
/// uploaded as a browser sends it (`multipart/form-data`), larger than a form's 64 KiB, with
/// every kind of old hash; the people sign in with their old passwords.
async fn an_administrator_uploads_current_portal_users_on_the_page_and_they_sign_in(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let root = system_admin(&app, "root@example.org").await;
    create_org(&app, "North Clinic").await;
    let page = root.get("/admin").await;
    assert!(
        page.has_element(
            "form[method=\"post\"][action=\"/admin/import\"][enctype=\"multipart/form-data\"]"
        ) && page.has_element("[src=\"/static/upload.js\"]")
            && page.has("Upload and import"),
        "the form posts a file without script; the script adds progress"
    );

    let hashes = legacy_hashes();
    let mut csv = String::from("email,display_name,password_hash,organization,role\n");
    for i in 0..1_200 {
        let (_, hash) = &hashes[i % hashes.len()];
        let organization = if i % 2 == 0 { "North Clinic" } else { "" };
        csv.push_str(&format!(
            "page{i}@example.org,\"Page User {i}\",\"{hash}\",{organization},user\n"
        ));
    }
    assert!(csv.len() > 64 * 1024, "more than a form may send");
    let before = app.count("SELECT COUNT(*) FROM accounts").await;
    let token = root.csrf().await;

    let page = upload_to(&root, "/admin/import", None, &csv).await;
    assert_eq!(page.status, 403, "without the form's CSRF token");
    let page = upload_to(&root, "/admin/import", Some(&token), "").await;
    assert_eq!(page.status, 422);
    page.assert_shows("Choose the CSV file of current portal users, then Upload and import.");
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, before);

    let page = upload_to(&root, "/admin/import", Some(&token), &csv).await;
    assert_eq!(page.status, 200, "{page}");
    assert!(
        page.has("Import done") && page.has("1200 current portal users were imported"),
        "{page}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE status = 'imported'")
            .await,
        1_200
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts a JOIN organizations o ON o.id = a.org_id \
             WHERE a.status = 'imported' AND o.name = 'North Clinic'"
        )
        .await,
        600
    );
    assert!(
        app.audit_events()
            .await
            .contains(&"accounts-imported".to_string())
    );

    // bcrypt $2b$ and $2y$, PBKDF2-SHA256 as PHC, passlib and Django, and Argon2 PHC.
    for (i, (password, _)) in hashes.iter().enumerate() {
        first_login_with_the_old_password(
            &app,
            &format!("page{i}@example.org"),
            password,
            &format!("Page User {i}"),
        )
        .await;
    }
}

/// A bad file through the page: one answer names every bad line, and nobody is imported.
/// Organization administrators do not import at all (the import is for system
/// administrators: the API refuses an organization's token the same way).
async fn a_bad_file_uploaded_on_the_page_names_each_line_and_imports_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = system_admin(&app, "root@example.org").await;
    let csv = file_with_every_kind_of_bad_row(&app).await;
    let before = app.count("SELECT COUNT(*) FROM accounts").await;
    let token = root.csrf().await;
    let page = upload_to(&root, "/admin/import", Some(&token), &csv).await;
    assert_eq!(page.status, 422, "{page}");
    assert!(
        page.has("Nobody was imported")
            && page.has("These rows are not valid. Fix them and send the whole file again.")
            && page.has("Back to administration"),
        "{page}"
    );
    for line in EVERY_BAD_LINE {
        assert!(page.has(line), "{line} in {page}");
    }
    assert_eq!(
        page.body.matches("<li>").count(),
        EVERY_BAD_LINE.len(),
        "the good lines are not named: {page}",
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, before);

    let boss = org_admin(&app, "South Clinic", "boss@south.example.org").await;
    assert!(
        boss.get("/admin")
            .await
            .lacks("Import current portal users"),
        "not offered to an organization administrator"
    );
    let before = app.count("SELECT COUNT(*) FROM accounts").await;
    let (_, hash) = legacy_hashes().remove(0);
    let own = format!(
        "email,display_name,password_hash,organization\nold@south.example.org,Old Timer,{hash},South Clinic\n"
    );
    let token = boss.csrf().await;
    let page = upload_to(&boss, "/admin/import", Some(&token), &own).await;
    assert_eq!(page.status, 404, "{page}");
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, before);
}

on_both_backends!(
    an_administrator_uploads_current_portal_users_on_the_page_and_they_sign_in,
    a_bad_file_uploaded_on_the_page_names_each_line_and_imports_nothing,
);
