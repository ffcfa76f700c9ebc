//! Backups and a proven restore (issue 19). HIPAA 164.308(a)(7)(ii)(A) asks for a data backup
//! plan ("retrievable exact copies of electronic protected health information") and
//! 164.308(a)(7)(ii)(B) for a disaster recovery plan ("restore any loss of data"): here a
//! real `tessera serve` is backed up while people sign in and fail passwords, the database
//! and its key are wiped, the backup is restored, and the portal works as it did at the
//! backup: a person signs in with their factor, an earlier session is still signed in, and
//! the audit log verifies against the head the manifest recorded. The refusals keep a
//! restore from ever making things worse: nothing is written unless everything checks.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::helpers::{
    Backend, Browser, MailSink, ServerProcess, TestDatabase, postgres_admin_url, server_environment,
};
use crate::on_both_backends;

on_both_backends!(hipaa_164_308_a_7_a_backup_made_under_load_restores_to_a_working_portal);

const PASSPHRASE: &str = "lantern harbour quiet meadow 7";
/// `TESSERA_ENCRYPTION_KEYS`: phone numbers and authenticator secrets are sealed under it.
const ENCRYPTION_KEYS: &str = "k1:YmFja3VwLXRlc3QtZW5jcnlwdGlvbi1rZXktMzJieXQ=";
/// Another portal's secret key.
const OTHER_KEY: &str = "YW5vdGhlci1wb3J0YWxzLWtleS1hbm90aGVyLXBvcnRhbHMta2V5";
const PASSWORD: &str = "Copper-Kettles-Hum-At-Dawn-42";
const ADA: &str = "ada.north@example.org";
const OTTO: &str = "otto.vale@example.org";

fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The `tessera` command with exactly this environment.
fn tessera(env: &[(&'static str, String)], args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

fn with(
    env: &[(&'static str, String)],
    more: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut env: Vec<_> = env
        .iter()
        .filter(|(k, _)| !more.iter().any(|(m, _)| m == k))
        .cloned()
        .collect();
    env.extend(more.iter().map(|(k, v)| (*k, v.to_string())));
    env
}

fn without(env: &[(&'static str, String)], name: &str) -> Vec<(&'static str, String)> {
    env.iter().filter(|(k, _)| *k != name).cloned().collect()
}

/// The value of a `  name: value` line of the command's report.
fn reported(out: &Output, name: &str) -> String {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(&format!("{name}: "))
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no {name:?} in: {text}"))
}

/// The SQLite file of a test database, and the key file `tessera serve` makes beside it.
fn sqlite_file(db: &TestDatabase) -> PathBuf {
    PathBuf::from(db.url.strip_prefix("sqlite://").unwrap())
}

/// The code an authenticator app shows now.
fn app_code(secret: &str, time: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).unwrap();
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

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The newest verification code mailed to `to` after the first `before` messages.
async fn code_after(mail: &MailSink, to: &str, before: usize) -> String {
    for _ in 0..100 {
        let codes: Vec<_> = mail
            .messages_to(to)
            .await
            .into_iter()
            .skip(before)
            .filter(|m| m.subject.starts_with("Your verification code"))
            .collect();
        if let Some(m) = codes.last() {
            return m.code();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no verification code reached {to}");
}

/// Signs in with the password and an emailed code; the browser ends at `/verify/done`.
async fn sign_in_by_email(browser: &Browser, mail: &MailSink, email: &str) -> String {
    browser.sign_in(email, PASSWORD).await;
    let before = mail.messages_to(email).await.len();
    browser.post("/verify/email/send", &[]).await;
    let code = code_after(mail, email, before).await;
    browser
        .post("/verify/email/check", &[("code", &code)])
        .await
        .url
}

/// Invited from the command line, registered with the email factor, signed in, terms accepted.
async fn active_person(
    server: &ServerProcess,
    mail: &MailSink,
    email: &str,
    name: &str,
) -> Browser {
    let out = server.cli(&["admin", "create-user", "--email", email, "--name", name]);
    assert!(out.status.success(), "{}", output_text(&out));
    let link = mail.message_to(email, 0).await.link();
    let browser = Browser::new(&server.base);
    browser.get_absolute(&link).await;
    browser.register(name, PASSWORD, PASSWORD, "email").await;
    let url = sign_in_by_email(&browser, mail, email).await;
    assert!(url.ends_with("/verify/done"), "{url}");
    browser
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    assert!(browser.get("/").await.has(&format!("Welcome, {name}")));
    browser
}

/// Adds an authenticator app from Your account; returns its secret and when it was confirmed.
async fn add_app(browser: &Browser) -> (String, i64) {
    let page = browser.post("/account/app/start", &[]).await;
    let secret = page.first("#secret").expect("the key as text").text;
    let at = unix_now();
    let page = browser
        .post(
            "/account/app",
            &[("code", &app_code(&secret, at)), ("password", PASSWORD)],
        )
        .await;
    page.assert_shows("Your authenticator app is added");
    (secret, at)
}

/// People signing in and out, and failing passwords, until `stop`; counts what they did.
fn load(
    base: &str,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..3)
        .map(|n| {
            let (base, stop, done) = (base.to_string(), stop.clone(), done.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let browser = Browser::new(&base);
                    let page = browser.sign_in(ADA, PASSWORD).await;
                    assert!(page.url.contains("/verify/"), "{}", page.url);
                    browser.post("/logout", &[]).await;
                    Browser::new(&base)
                        .sign_in(&format!("nobody{n}@example.org"), "not the password")
                        .await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect()
}

/// The database and the key file gone, as after the loss of the machine: an empty place
/// (for PostgreSQL, an empty database of the same name, as `createdb` makes).
async fn wipe(db: &TestDatabase, backend: Backend, key_file: &Path) {
    std::fs::remove_file(key_file).unwrap();
    match backend {
        Backend::Sqlite => {
            let file = sqlite_file(db);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            assert!(!file.exists());
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let name = db.url.rsplit('/').next().unwrap();
            let mut conn = sqlx::PgConnection::connect(&postgres_admin_url())
                .await
                .unwrap();
            for sql in [
                format!("DROP DATABASE {name} WITH (FORCE)"),
                format!("CREATE DATABASE {name}"),
            ] {
                sqlx::query(&sql).execute(&mut conn).await.unwrap();
            }
        }
    }
}

async fn hipaa_164_308_a_7_a_backup_made_under_load_restores_to_a_working_portal(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let mail = MailSink::start();
    let dir = tempfile::tempdir().unwrap();
    // The secret key in a key file, as deploy/ installs it: beside the SQLite database by
    // default; named for PostgreSQL.
    let mut env = without(&server_environment(&db, &mail), "TESSERA_SECRET_KEY");
    let key_file = match backend {
        Backend::Sqlite => PathBuf::from(format!("{}.key", sqlite_file(&db).display())),
        Backend::Postgres => {
            let path = dir.path().join("tessera.key");
            env.push(("TESSERA_SECRET_KEY_FILE", path.display().to_string()));
            path
        }
    };
    env.push(("TESSERA_ENCRYPTION_KEYS", ENCRYPTION_KEYS.into()));
    let mut server = ServerProcess::spawn(env.clone());
    server.ready().await;
    assert!(key_file.exists(), "the server made its key file");

    // Ada with the email factor, signed in (her session must survive); Otto with an
    // authenticator app (its secret is sealed under the encryption keys), signed out.
    let ada = active_person(&server, &mail, ADA, "Ada North").await;
    let otto = active_person(&server, &mail, OTTO, "Otto Vale").await;
    let (secret, enrolled_at) = add_app(&otto).await;
    otto.post("/logout", &[]).await;

    // The backup, while three clients sign in and out and fail passwords.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let clients = load(&server.base, stop.clone(), done.clone());
    while done.load(Ordering::Relaxed) < 3 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let file = dir.path().join("tessera-backup.db");
    let backup_env = with(&env, &[("TESSERA_BACKUP_PASSPHRASE", PASSPHRASE)]);
    let to = file.display().to_string();
    let during = done.load(Ordering::Relaxed);
    let out = tokio::task::spawn_blocking(move || tessera(&backup_env, &["backup", "--to", &to]))
        .await
        .unwrap();
    let after = done.load(Ordering::Relaxed);
    while done.load(Ordering::Relaxed) < after + 3 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    assert!(out.status.success(), "{}", output_text(&out));
    eprintln!("{} sign-in rounds while the backup ran", after - during);
    assert!(after > during, "people signed in while the backup ran");
    let head = reported(&out, "audit head");
    assert_eq!(
        reported(&out, "keys"),
        "included, sealed under the passphrase (Argon2id, AES-256-GCM)"
    );
    let backup_mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(
        backup_mode, 0o600,
        "the backup is readable by its owner only"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no staged files left: {leftovers:?}");
    // The live log went on after the copy, and records the backup with the copy's head.
    let live = server.cli(&["audit", "verify"]);
    assert!(live.status.success(), "{}", output_text(&live));
    let live_head = String::from_utf8_lossy(&live.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Head: ").map(str::to_string))
        .unwrap();
    let seq = |h: &str| h.split(':').next().unwrap().parse::<i64>().unwrap();
    assert!(seq(&live_head) > seq(&head), "{live_head} after {head}");
    let recorded = count(
        &db.url,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE event = 'backup-made' AND detail LIKE '%{head}%'"
        ),
    )
    .await;
    assert_eq!(recorded, 1, "the live log records the backup and its head");

    // The machine is lost: the portal stops, the database and the key file are gone.
    server.kill();
    wipe(&db, backend, &key_file).await;

    // Restored on a new machine that has the passphrase but not TESSERA_ENCRYPTION_KEYS.
    let restore_env = with(
        &without(&env, "TESSERA_ENCRYPTION_KEYS"),
        &[("TESSERA_BACKUP_PASSPHRASE", PASSPHRASE)],
    );
    let out = tessera(
        &restore_env,
        &["restore", "--from", &file.display().to_string()],
    );
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(reported(&out, "audit head"), head);
    let key_mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(key_mode, 0o600, "the restored key file is the owner's only");
    let keys_file = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("- Set TESSERA_ENCRYPTION_KEYS from ")
                .and_then(|rest| rest.split(" (").next())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| {
            panic!(
                "the restore says where the encryption keys are: {}",
                output_text(&out)
            )
        });
    assert_eq!(
        std::fs::read_to_string(&keys_file).unwrap().trim(),
        format!("TESSERA_ENCRYPTION_KEYS={ENCRYPTION_KEYS}")
    );

    // The portal starts on what was restored, with the keys set from that file.
    server.restart().await;
    // Ada's session from before the backup is still signed in.
    assert!(
        ada.get("/").await.has("Welcome, Ada North"),
        "the earlier session cookie still works"
    );
    // Otto signs in with his authenticator app (a new time step: each is accepted once).
    while unix_now() / 30 == enrolled_at / 30 {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let browser = Browser::new(&server.base);
    let page = browser.sign_in(OTTO, PASSWORD).await;
    assert!(page.url.contains("/verify/"), "{}", page.url);
    let page = browser
        .post("/verify/app", &[("code", &app_code(&secret, unix_now()))])
        .await;
    assert!(page.url.ends_with("/verify/done"), "{}: {page}", page.url);
    // Ada signs in afresh with a code by email.
    let url = sign_in_by_email(&Browser::new(&server.base), &mail, ADA).await;
    assert!(url.ends_with("/verify/done"), "{url}");
    // The audit log holds the manifest's head, unchanged, and everything since verifies.
    let out = server.cli(&["audit", "verify", "--expect-head", &head]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(&format!("The recorded head {head} is still in the chain")),
        "{}",
        output_text(&out)
    );
    assert_eq!(
        count(
            &db.url,
            "SELECT COUNT(*) FROM audit_log WHERE event = 'backup-restored'"
        )
        .await,
        1
    );
}

async fn count(url: &str, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let n = sqlx::query(sql)
        .fetch_one(&pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .try_get::<i64, _>(0)
        .unwrap();
    pool.close().await;
    n
}

/// A small portal on SQLite made by the command line alone: its database, key file beside it.
struct SmallPortal {
    dir: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
}

impl SmallPortal {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let env = vec![
            (
                "TESSERA_DATABASE_URL",
                format!("sqlite://{}", dir.path().join("tessera.db").display()),
            ),
            ("TESSERA_LOG", "warn".to_string()),
        ];
        let portal = Self { dir, env };
        for args in [
            &["migrate"][..],
            &["admin", "create-org", "--name", "Clinic"],
        ] {
            let out = portal.run(args, &[]);
            assert!(out.status.success(), "{}", output_text(&out));
        }
        portal
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn database(&self) -> PathBuf {
        self.path("tessera.db")
    }

    fn key_file(&self) -> PathBuf {
        self.path("tessera.db.key")
    }

    fn run(&self, args: &[&str], more: &[(&'static str, &str)]) -> Output {
        tessera(&with(&self.env, more), args)
    }

    fn backup(&self, name: &str) -> PathBuf {
        let file = self.path(name);
        let out = self.run(
            &["backup", "--to", &file.display().to_string()],
            &[("TESSERA_BACKUP_PASSPHRASE", PASSPHRASE)],
        );
        assert!(out.status.success(), "{}", output_text(&out));
        file
    }

    fn restore(&self, file: &Path, passphrase: Option<&str>) -> Output {
        let more: Vec<_> = passphrase
            .map(|p| ("TESSERA_BACKUP_PASSPHRASE", p))
            .into_iter()
            .collect();
        self.run(&["restore", "--from", &file.display().to_string()], &more)
    }

    /// The database (with its write-ahead log) and its key file gone; the backups stay.
    fn wipe(&self) {
        for path in [self.database(), self.key_file()] {
            std::fs::remove_file(path).unwrap();
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.database().display()));
        }
    }

    /// Every file in the directory, with a digest of its content: what "nothing was written"
    /// compares. SQLite's shared-memory file, and a write-ahead log with nothing in it,
    /// come and go as connections open and close, and hold no data. The log is checkpointed
    /// first: whether the last command's close had moved it into the database (seen both
    /// ways) is SQLite's housekeeping, while anything written since still shows as changed.
    fn files(&self) -> Vec<(String, String)> {
        use sha2::Digest;
        if self.database().exists() {
            let out = std::process::Command::new("sqlite3")
                .arg(self.database())
                .arg("PRAGMA wal_checkpoint(TRUNCATE);")
                .output()
                .expect("the sqlite3 shell (scripts/test installs it)");
            assert!(out.status.success(), "{}", output_text(&out));
        }
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let bytes = std::fs::read(e.path()).unwrap();
                (
                    e.file_name().to_string_lossy().to_string(),
                    hex::encode(sha2::Sha256::digest(&bytes)),
                    bytes.is_empty(),
                )
            })
            .filter(|(name, _, empty)| {
                let noise = name.ends_with("-shm") || (name.ends_with("-wal") && *empty);
                !noise
            })
            .map(|(name, digest, _)| (name, digest))
            .collect();
        files.sort();
        files
    }
}

fn refused(out: &Output, says: &str) {
    assert!(
        !out.status.success(),
        "expected a refusal: {}",
        output_text(out)
    );
    assert!(
        output_text(out).contains(says),
        "expected {says:?} in: {}",
        output_text(out)
    );
}

/// HIPAA 164.308(a)(7)(ii)(B): a restore never replaces a database, nor a key, that is
/// already there; it says why and writes nothing.
#[tokio::test]
async fn hipaa_164_308_a_7_restore_refuses_a_place_that_holds_data_or_another_key() {
    let portal = SmallPortal::new();
    let file = portal.backup("backup.db");
    let before = portal.files();
    refused(
        &portal.restore(&file, Some(PASSPHRASE)),
        "already exists and holds data",
    );
    assert_eq!(portal.files(), before, "nothing was written");

    // The database moved away, but another portal's key file left in its place.
    std::fs::rename(portal.database(), portal.path("old.db")).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", portal.database().display()));
    }
    std::fs::write(portal.key_file(), OTHER_KEY).unwrap();
    let before = portal.files();
    refused(
        &portal.restore(&file, Some(PASSPHRASE)),
        "holds another key than the backup's",
    );
    assert_eq!(portal.files(), before, "nothing was written");
}

/// A wrong passphrase, or none, opens nothing and writes nothing (NIST SP 800-63B: the keys
/// are as strong as the passphrase; AES-GCM refuses a wrong one outright).
#[tokio::test]
async fn a_wrong_passphrase_writes_nothing() {
    let portal = SmallPortal::new();
    let file = portal.backup("backup.db");
    portal.wipe();
    let before = portal.files();
    refused(
        &portal.restore(&file, Some("lantern harbour quiet meadow 8")),
        "the passphrase does not open the keys in this backup",
    );
    assert_eq!(portal.files(), before, "nothing was written");
    refused(&portal.restore(&file, None), "sealed under a passphrase");
    assert_eq!(portal.files(), before, "nothing was written");
    // The right one restores, here from a file as a backup job keeps it (its newline is not
    // part of it).
    let phrase_file = portal.path("passphrase");
    std::fs::write(&phrase_file, format!("{PASSPHRASE}\n")).unwrap();
    let out = portal.run(
        &[
            "restore",
            "--from",
            &file.display().to_string(),
            "--passphrase-file",
            &phrase_file.display().to_string(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", output_text(&out));
}

/// A backup does not pretend to be complete without the keys: without a passphrase it is
/// refused, unless the operator leaves them out knowingly, and then it says which to keep
/// apart and where they are; restoring it needs the key put back first.
#[tokio::test]
async fn without_a_passphrase_the_keys_are_left_out_only_knowingly() {
    let portal = SmallPortal::new();
    let to = portal.path("backup.db").display().to_string();
    let before = portal.files();
    refused(&portal.run(&["backup", "--to", &to], &[]), "--without-keys");
    refused(
        &portal.run(
            &["backup", "--to", &to],
            &[("TESSERA_BACKUP_PASSPHRASE", "too short 14ch")],
        ),
        "at least 15 characters",
    );
    assert_eq!(portal.files(), before, "no backup file, no staged file");

    let out = portal.run(&["backup", "--to", &to, "--without-keys"], &[]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(reported(&out, "keys"), "NOT included");
    let text = output_text(&out);
    assert!(
        text.contains(&format!(
            "the secret key: the file {}",
            portal.key_file().display()
        )),
        "{text}"
    );
    // The same name again: an existing backup is never replaced.
    refused(
        &portal.run(&["backup", "--to", &to, "--without-keys"], &[]),
        "already exists: a backup never replaces a file",
    );

    let key = std::fs::read(portal.key_file()).unwrap();
    portal.wipe();
    let before = portal.files();
    refused(
        &portal.restore(Path::new(&to), None),
        &format!(
            "put the portal's secret key at {}",
            portal.key_file().display()
        ),
    );
    assert_eq!(portal.files(), before, "nothing was written");
    // Another key: the audit chain does not verify under it, so it is refused.
    std::fs::write(portal.key_file(), OTHER_KEY).unwrap();
    refused(
        &portal.restore(Path::new(&to), None),
        "is it this portal's key?",
    );
    assert!(!portal.database().exists());
    std::fs::write(portal.key_file(), key).unwrap();
    let out = portal.restore(Path::new(&to), None);
    assert!(out.status.success(), "{}", output_text(&out));
}

/// A damaged backup is refused before anything is written: cut short, its manifest edited
/// (the sealed keys are bound to it), an audit entry rewritten, or not a backup at all.
#[tokio::test]
async fn a_truncated_or_altered_backup_is_refused() {
    use sqlx::Connection;
    let portal = SmallPortal::new();
    let file = portal.backup("backup.db");
    let bytes = std::fs::read(&file).unwrap();
    portal.wipe();

    let truncated = portal.path("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let garbage = portal.path("garbage.db");
    std::fs::write(&garbage, b"not a database at all, not even close").unwrap();
    let edit = |name: &str, sql: &'static str| {
        let path = portal.path(name);
        std::fs::write(&path, &bytes).unwrap();
        async move {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
            path
        }
    };
    let manifest_edited = edit(
        "manifest.db",
        "UPDATE tessera_backup SET value = replace(value, '\"format\":1', '\"format\":1 ') WHERE name = 'manifest'",
    )
    .await;
    let log_edited = edit(
        "log.db",
        "UPDATE audit_log SET actor = 'someone else' WHERE seq = 1",
    )
    .await;
    let plain = edit("plain.db", "DROP TABLE tessera_backup").await;
    let before = portal.files();
    for (file, says) in [
        (&truncated, "nothing was written"),
        (&garbage, "is not a readable Tessera backup"),
        (&manifest_edited, "the passphrase does not open the keys"),
        (&log_edited, "does not verify"),
        (&plain, "has no Tessera backup manifest"),
    ] {
        refused(&portal.restore(file, Some(PASSPHRASE)), says);
        assert_eq!(
            portal.files(),
            before,
            "nothing was written for {}",
            file.display()
        );
    }
}

/// PostgreSQL: a restore goes only into an empty database, and a wrong passphrase leaves it
/// empty and writes no key (HIPAA 164.308(a)(7)(ii)(B)).
#[tokio::test]
async fn hipaa_164_308_a_7_postgres_restore_refuses_a_database_with_tables_and_a_wrong_passphrase()
{
    let db = TestDatabase::new(Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("tessera.key");
    let env = vec![
        ("TESSERA_DATABASE_URL", db.url.clone()),
        ("TESSERA_SECRET_KEY_FILE", key_file.display().to_string()),
        ("TESSERA_LOG", "warn".to_string()),
    ];
    let phrase = [("TESSERA_BACKUP_PASSPHRASE", PASSPHRASE)];
    for args in [
        &["migrate"][..],
        &["admin", "create-org", "--name", "Clinic"],
    ] {
        let out = tessera(&env, args);
        assert!(out.status.success(), "{}", output_text(&out));
    }
    let file = dir.path().join("backup.db").display().to_string();
    let out = tessera(&with(&env, &phrase), &["backup", "--to", &file]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(reported(&out, "database").starts_with("postgres, schema version "));

    let orgs = || count(&db.url, "SELECT COUNT(*) FROM organizations");
    let before = orgs().await;
    refused(
        &tessera(&with(&env, &phrase), &["restore", "--from", &file]),
        "already holds tables",
    );
    assert_eq!(orgs().await, before, "nothing was written");

    wipe(&db, Backend::Postgres, &key_file).await;
    refused(
        &tessera(
            &with(
                &env,
                &[(
                    "TESSERA_BACKUP_PASSPHRASE",
                    "lantern harbour quiet meadow 8",
                )],
            ),
            &["restore", "--from", &file],
        ),
        "the passphrase does not open the keys",
    );
    assert!(!key_file.exists(), "no key written");
    assert_eq!(
        count(
            &db.url,
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        .await,
        0,
        "the database is still empty"
    );
    let out = tessera(&with(&env, &phrase), &["restore", "--from", &file]);
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(orgs().await, before);

    // A backup without its keys, restored under another portal's key: refused before
    // anything is restored.
    let bare = dir.path().join("bare.db").display().to_string();
    let out = tessera(&env, &["backup", "--to", &bare, "--without-keys"]);
    assert!(out.status.success(), "{}", output_text(&out));
    wipe(&db, Backend::Postgres, &key_file).await;
    std::fs::write(&key_file, OTHER_KEY).unwrap();
    refused(
        &tessera(&env, &["restore", "--from", &bare]),
        "is it this portal's key?",
    );
    assert_eq!(
        count(
            &db.url,
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        .await,
        0,
        "the database is still empty"
    );
}

/// A backup under a key that is not the database's could never be restored to a working
/// portal: refused when it is made, not found out at the restore.
#[tokio::test]
async fn a_backup_under_another_key_than_the_databases_is_refused() {
    let portal = SmallPortal::new();
    let to = portal.path("backup.db").display().to_string();
    let before = portal.files();
    refused(
        &portal.run(
            &["backup", "--to", &to],
            &[
                ("TESSERA_BACKUP_PASSPHRASE", PASSPHRASE),
                ("TESSERA_SECRET_KEY", OTHER_KEY),
            ],
        ),
        "is not this database's key",
    );
    assert_eq!(portal.files(), before, "no backup file, no staged file");
    // Nor is a missing database backed up as an empty one.
    std::fs::rename(portal.database(), portal.path("elsewhere.db")).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", portal.database().display()));
    refused(
        &portal.run(
            &["backup", "--to", &to],
            &[("TESSERA_BACKUP_PASSPHRASE", PASSPHRASE)],
        ),
        "there is no database",
    );
    assert!(!portal.database().exists(), "no empty database was made");
}
