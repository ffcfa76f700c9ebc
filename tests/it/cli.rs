//! The `tessera` binary: `admin create-org`, `admin create-user` (beside a running server,
//! on the same database) and `audit verify`.

use std::process::{Command, Output};

use crate::helpers::{Backend, SECRET_KEY, spawn_app};
use crate::on_both_backends;

pub(crate) fn tessera(app: &crate::helpers::TestApp, args: &[&str]) -> Output {
    command_for(app, args).output().expect("run tessera")
}

/// The `tessera` command with `args`, configured for `app`'s database, mail and address.
fn command_for(app: &crate::helpers::TestApp, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command
        .args(args)
        .env("TESSERA_DATABASE_URL", &app.db.url)
        .env(
            "TESSERA_SMTP_URL",
            format!("smtp://127.0.0.1:{}", app.mail.port),
        )
        .env("TESSERA_MAIL_FROM", "Tessera <no-reply@portal.test>")
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .env("TESSERA_PUBLIC_URL", &app.url);
    command
}

pub(crate) fn text(o: &Output) -> String {
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

/// Issue 12: the invitation is queued with the account. The command cannot send it while the
/// mail server is unreachable, says so, and leaves it queued; the running server's worker
/// delivers it, once, when its retry is due.
async fn an_unreachable_mail_server_keeps_the_invitation_queued_for_the_server(backend: Backend) {
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
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("could not be sent now") && text(&out).contains("stays queued"),
        "{}",
        text(&out)
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM mail_queue WHERE recipient = 'lost@example.org'
             AND attempts = 1 AND sent_at IS NULL AND dead_at IS NULL AND last_error IS NOT NULL"
        )
        .await,
        1,
        "queued, one attempt failed"
    );
    assert!(app.mail.messages_to("lost@example.org").await.is_empty());
    // The server (whose mail server answers) sends it once its retry is due.
    app.clock.advance(app.app.config.mail_retry_first_secs + 1);
    tessera::flows::mail_queue::deliver_due(&app.app)
        .await
        .unwrap();
    let mail = app.mail.message_to("lost@example.org", 0).await;
    assert!(mail.link().contains("/register/"), "{}", mail.text);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.mail.messages_to("lost@example.org").await.len(), 1);
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

/// The head `tessera audit verify` prints (`SEQ:HASH`), for an operator to record.
fn printed_head(out: &Output) -> String {
    text(out)
        .lines()
        .find_map(|l| l.strip_prefix("Head: "))
        .unwrap_or_else(|| panic!("verify prints the head: {}", text(out)))
        .trim()
        .to_string()
}

/// What someone with write access to the database, but not the server's key, can do: change
/// entry `seq`'s detail, then recompute (with `hash`) that entry's hash, every following one
/// and the head, so that each entry links to the one before.
async fn rewrite_chain_from(
    app: &crate::helpers::TestApp,
    seq: i64,
    hash: impl Fn(&str) -> String,
) {
    sql(
        app,
        &format!("UPDATE audit_log SET detail = '{{\"ip\":\"203.0.113.9\"}}' WHERE seq = {seq}"),
    )
    .await;
    rehash_chain_from(app, seq, hash).await;
}

/// Recomputes with `hash` (given the entry's encoding, a JSON array of the hash before it and
/// the entry's fields) every entry's hash from `seq` on, and the head's.
async fn rehash_chain_from(app: &crate::helpers::TestApp, seq: i64, hash: impl Fn(&str) -> String) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    let rows = sqlx::query(
        "SELECT seq, at, event, actor, subject, detail, prev_hash FROM audit_log WHERE seq >= $1 ORDER BY seq",
    )
    .bind(seq)
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut prev: String = rows[0].try_get("prev_hash").unwrap();
    for row in &rows {
        let encoded = serde_json::json!([
            prev,
            row.try_get::<i64, _>("seq").unwrap(),
            row.try_get::<i64, _>("at").unwrap(),
            row.try_get::<String, _>("event").unwrap(),
            row.try_get::<String, _>("actor").unwrap(),
            row.try_get::<String, _>("subject").unwrap(),
            row.try_get::<String, _>("detail").unwrap(),
        ])
        .to_string();
        let new = hash(&encoded);
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&new)
            .bind(row.try_get::<i64, _>("seq").unwrap())
            .execute(&pool)
            .await
            .unwrap();
        prev = new;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// Plain SHA-256, as anyone can compute it (and as entries were hashed before they were keyed).
fn sha256(encoded: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(encoded.as_bytes()))
}

async fn sql(app: &crate::helpers::TestApp, statement: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    sqlx::query(statement).execute(&pool).await.unwrap();
    pool.close().await;
}

async fn last_entry(app: &crate::helpers::TestApp) -> (i64, String, String, String) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    let row =
        sqlx::query("SELECT seq, event, detail, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    (
        row.try_get("seq").unwrap(),
        row.try_get("event").unwrap(),
        row.try_get("detail").unwrap(),
        row.try_get("hash").unwrap(),
    )
}

/// An active user's journey leaves a dozen or so entries; returns the head verify printed.
async fn a_journey_verified(app: &crate::helpers::TestApp) -> String {
    app.active_user("audit@example.org", "Audra Day", "marmalade orbit kettle")
        .await;
    let out = tessera(app, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    printed_head(&out)
}

/// OWASP ASVS 5.0 16.4.2 and 16.4.3, HIPAA 164.312(b) (security review finding 9): an entry
/// edited by someone who can write the database, with every following hash and the head
/// recomputed the way the chain used to be built (plain SHA-256), is found and named: without
/// the server's key nobody can re-seal the chain.
async fn asvs_16_4_2_an_entry_edited_and_rehashed_without_the_key_is_named(backend: Backend) {
    let app = spawn_app(backend).await;
    a_journey_verified(&app).await;
    rewrite_chain_from(&app, 3, sha256).await;
    let out = tessera(&app, &["audit", "verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("entry 3 was altered"), "{}", text(&out));
}

/// OWASP ASVS 5.0 16.4.2, HIPAA 164.312(b): the right formula (HMAC-SHA-256 over the entry)
/// under any key but the server's does not pass either.
async fn asvs_16_4_2_a_chain_resealed_under_another_key_is_refused(backend: Backend) {
    use hmac::{KeyInit, Mac};
    let app = spawn_app(backend).await;
    a_journey_verified(&app).await;
    rewrite_chain_from(&app, 2, |encoded| {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&[42; 32]).unwrap();
        mac.update(encoded.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    })
    .await;
    let out = tessera(&app, &["audit", "verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("entry 2 was altered"), "{}", text(&out));
}

/// OWASP ASVS 5.0 16.4.3, HIPAA 164.312(b): the last entries deleted and the head row made to
/// point at the new last one leave a chain that is consistent in itself, so plain verify
/// cannot know; a head recorded outside the database before (`--expect-head`) shows it.
async fn asvs_16_4_3_a_cut_tail_fails_against_a_head_recorded_before(backend: Backend) {
    let app = spawn_app(backend).await;
    let recorded = a_journey_verified(&app).await;
    let (seq, _) = recorded.split_once(':').unwrap();
    let last: i64 = seq.parse().unwrap();
    assert!(last > 5, "{recorded}");

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(last - 2)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1) WHERE id = 1",
    )
    .bind(last - 2)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let out = tessera(&app, &["audit", "verify"]);
    assert!(out.status.success(), "consistent in itself: {}", text(&out));
    assert_eq!(
        printed_head(&out).split_once(':').unwrap().0,
        (last - 2).to_string()
    );

    let out = tessera(&app, &["audit", "verify", "--expect-head", &recorded]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "entry {last}, recorded earlier as the head, is missing"
        )),
        "{}",
        text(&out)
    );

    // A head that was never the chain's is refused too (a re-sealed or rewritten chain).
    let forged = format!("{}:{}", last - 3, "ab".repeat(32));
    let out = tessera(&app, &["audit", "verify", "--expect-head", &forged]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "entry {} does not have the hash recorded",
            last - 3
        )),
        "{}",
        text(&out)
    );
}

/// OWASP ASVS 5.0 16.4.3, HIPAA 164.312(b): an untouched chain verifies and prints its head;
/// the running server writes the same head to its log (outside the database), and verify
/// against it passes.
async fn hipaa_164_312_b_an_intact_chain_verifies_and_matches_the_head_in_the_servers_log(
    backend: Backend,
) {
    use std::io::{BufRead, BufReader};
    let app = spawn_app(backend).await;
    let before = a_journey_verified(&app).await;
    let out = tessera(&app, &["audit", "verify", "--expect-head", &before]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("The audit log is intact"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains(&format!("{before} is still in the chain")),
        "{}",
        text(&out)
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("serve")
        .envs(crate::helpers::server_environment(&app.db, &app.mail))
        .env("TESSERA_LOG", "info")
        .env("TESSERA_LOG_FORMAT", "json")
        .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
        .env("TESSERA_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env_remove("TESSERA_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = server.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut logged = None;
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(20)) {
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if let Some(head) = entry["fields"]["audit_head"].as_str() {
            logged = Some(head.to_string());
            break;
        }
    }
    let logged = logged.expect("the server logs the audit head at start-up");

    let out = tessera(&app, &["audit", "verify", "--expect-head", &logged]);
    let _ = server.kill();
    let _ = server.wait();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        printed_head(&out),
        logged,
        "nothing was appended since the log line"
    );
}

/// The upgrade (security review finding 9): a database whose entries were hashed before they
/// were keyed (plain SHA-256) is verified as it was written and sealed under the key at the
/// new binary's first start, once, with an audit entry saying so; the portal then carries on.
async fn an_older_unkeyed_chain_is_sealed_once_under_the_key_and_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("old@example.org", "Olga Dunn", "marmalade orbit kettle")
        .await;
    rehash_chain_from(&app, 1, sha256).await;
    let (old_last, _, _, old_hash) = last_entry(&app).await;

    let out = tessera(&app, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    let head = printed_head(&out);
    let (seq, event, detail, hash) = last_entry(&app).await;
    assert_eq!((seq, event.as_str()), (old_last + 1, "audit-chain-sealed"));
    assert_eq!(head, format!("{seq}:{hash}"));
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["entries"], old_last);
    assert_eq!(detail["unkeyed_head"], format!("{old_last}:{old_hash}"));

    // Once: the next start finds a keyed chain and leaves it be.
    let out = tessera(&app, &["audit", "verify", "--expect-head", &head]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(printed_head(&out), head);

    // The portal appends after it under the same key.
    app.new_browser()
        .sign_in("old@example.org", "marmalade orbit kettle")
        .await;
    let out = tessera(&app, &["audit", "verify", "--expect-head", &head]);
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(printed_head(&out), head);
}

/// An older chain that does not verify as it was written is not sealed (that would hide the
/// tampering): the command stops and names the entry, and nothing changes.
async fn an_older_chain_that_does_not_verify_is_not_sealed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_user("old@example.org", "Olga Dunn", "marmalade orbit kettle")
        .await;
    rehash_chain_from(&app, 1, sha256).await;
    sql(&app, "UPDATE audit_log SET detail = '{}' WHERE seq = 4").await;
    let before = last_entry(&app).await;

    let out = tessera(&app, &["audit", "verify"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("does not verify as it was written: entry 4 was altered")
            && text(&out).contains("It was not sealed under the key"),
        "{}",
        text(&out)
    );
    assert_eq!(last_entry(&app).await, before, "nothing was sealed");
}

on_both_backends!(
    an_older_unkeyed_chain_is_sealed_once_under_the_key_and_recorded,
    an_older_chain_that_does_not_verify_is_not_sealed,
    admin_create_user_emails_a_link_that_the_running_portal_accepts,
    an_unreachable_mail_server_keeps_the_invitation_queued_for_the_server,
    audit_verify_proves_the_chain_and_names_the_altered_entry,
    asvs_16_4_2_an_entry_edited_and_rehashed_without_the_key_is_named,
    asvs_16_4_2_a_chain_resealed_under_another_key_is_refused,
    asvs_16_4_3_a_cut_tail_fails_against_a_head_recorded_before,
    hipaa_164_312_b_an_intact_chain_verifies_and_matches_the_head_in_the_servers_log,
    the_command_line_follows_the_consoles_rules_and_audits_as_cli,
    create_user_in_another_terminal_links_to_the_running_server,
    appends_beside_another_process_and_after_a_rollback_stay_one_chain,
);

/// Issue 18: the portal appends in one statement after the head it last appended, so the
/// statement must refuse a guess that is no longer the head: here another process (the
/// command line, as a second node would) appends between the portal's appends, both append at
/// once, and an entry the portal appended is rolled back (its transaction failed after the
/// append). Every entry must still link to the one before it, with no seq twice or skipped,
/// and the head must name the last (ASVS 16.4.2, HIPAA 164.312(b)).
async fn appends_beside_another_process_and_after_a_rollback_stay_one_chain(backend: Backend) {
    use tessera::{audit::AuditEvent, clock::Clock};
    let app = spawn_app(backend).await;
    let store = &app.app.store;
    let now = app.clock.now();
    let note = |n: i64| AuditEvent::new("account-invited", "test", "chain").with("n", n);
    store.record(now, note(1)).await.unwrap();
    let invited = tessera(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "cli@example.org",
            "--name",
            "Cli Node",
        ],
    );
    assert!(invited.status.success(), "{}", text(&invited));
    // The portal's remembered head is now one behind.
    store.record(now, note(2)).await.unwrap();
    let (after_cli, event, _, _) = last_entry(&app).await;
    assert_eq!(event, "account-invited");

    // As a rolled-back transaction leaves it: the portal remembers an entry that is not there.
    store.record(now, note(3)).await.unwrap();
    let (rolled_back, _, _, _) = last_entry(&app).await;
    assert_eq!(rolled_back, after_cli + 1);
    sql(
        &app,
        &format!("DELETE FROM audit_log WHERE seq = {rolled_back}"),
    )
    .await;
    sql(
        &app,
        &format!(
            "UPDATE audit_head SET seq = {after_cli}, hash = (SELECT hash FROM audit_log WHERE seq = {after_cli}) WHERE id = 1"
        ),
    )
    .await;
    store.record(now, note(4)).await.unwrap();
    assert_eq!(
        last_entry(&app).await.0,
        rolled_back,
        "the next entry takes its place"
    );

    // Both at once: twenty appends in the portal while the command line appends too.
    let portal = futures_util::future::join_all((10..30).map(|n| store.record(now, note(n))));
    let mut command = command_for(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "two@example.org",
            "--name",
            "Two Nodes",
        ],
    );
    let cli = tokio::task::spawn_blocking(move || command.output().unwrap());
    for appended in portal.await {
        appended.unwrap();
    }
    let cli = cli.await.unwrap();
    assert!(cli.status.success(), "{}", text(&cli));

    let out = tessera(&app, &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("The audit log is intact"),
        "{}",
        text(&out)
    );
    let (last, _, _, hash) = last_entry(&app).await;
    assert_eq!(printed_head(&out), format!("{last}:{hash}"));
    // One entry per seq, from 1 to the last, none twice (the verifier checks the links).
    let (entries, distinct, first) = (
        app.count("SELECT COUNT(*) FROM audit_log").await,
        app.count("SELECT COUNT(DISTINCT seq) FROM audit_log").await,
        app.count("SELECT MIN(seq) FROM audit_log").await,
    );
    assert_eq!(
        (entries, distinct, first),
        (last, last, 1),
        "one entry per seq"
    );
    // Every append is there: 20 from the portal, besides what came before and the command's.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE subject = 'chain'")
            .await,
        3 + 20,
        "notes 1, 2 and 4, and the twenty"
    );
}

/// Issue 17, problem 11: an operator who runs `tessera admin create-user` in a second terminal
/// without repeating `TESSERA_PUBLIC_URL` gets links to the running server (the public URL it
/// recorded at its start), not to the default 127.0.0.1:8080, and the command says which
/// address its links carry; an explicit `TESSERA_PUBLIC_URL` still wins.
async fn create_user_in_another_terminal_links_to_the_running_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut server = crate::helpers::ServerProcess::spawn(crate::helpers::server_environment(
        &app.db, &app.mail,
    ));
    server.ready().await;
    let second_terminal = |email: &str, public_url: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
        command
            .args([
                "admin",
                "create-user",
                "--email",
                email,
                "--name",
                "Nia Okafor",
            ])
            .envs(crate::helpers::server_environment(&app.db, &app.mail))
            .env_remove("TESSERA_PUBLIC_URL")
            .env_remove("TESSERA_CONFIG");
        if let Some(url) = public_url {
            command.env("TESSERA_PUBLIC_URL", url);
        }
        command.output().expect("run tessera")
    };

    let out = second_terminal("nia@example.org", None);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "Links point to {} (the public URL the server started with).",
            server.base
        )),
        "{}",
        text(&out)
    );
    let link = app.mail.message_to("nia@example.org", 0).await.link();
    assert!(link.starts_with(&format!("{}/", server.base)), "{link}");
    let opened = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&link)
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 303, "the running server accepts the link");
    assert!(
        opened.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/register"),
        "{:?}",
        opened.headers()
    );

    let out = second_terminal("omar@example.org", Some("https://portal.example.org"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Links point to https://portal.example.org (TESSERA_PUBLIC_URL)."),
        "{}",
        text(&out)
    );
}

/// Issue 12: the command line goes through the same flows as the console and the API, with
/// an explicit principal: it used to skip "an organization administrator needs an
/// organization" and wrote its own audit entries.
async fn the_command_line_follows_the_consoles_rules_and_audits_as_cli(backend: Backend) {
    let app = spawn_app(backend).await;
    let out = tessera(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "boss@example.org",
            "--name",
            "No Org",
            "--role",
            "org-admin",
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("organization"),
        "says what is missing: {}",
        text(&out)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE email = 'boss@example.org'")
            .await,
        0,
        "nothing was created"
    );
    let out = tessera(&app, &["admin", "create-org", "--name", "  "]);
    assert!(!out.status.success(), "{}", text(&out));
    let out = tessera(&app, &["admin", "create-org", "--name", "Harbor"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = tessera(&app, &["admin", "create-org", "--name", "Harbor"]);
    assert!(text(&out).contains("already exists"), "{}", text(&out));
    let out = tessera(
        &app,
        &["admin", "set-factors", "--org", "Harbor", "--email", "off"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = tessera(
        &app,
        &["admin", "set-factors", "--org", "Harbor", "--phone", "off"],
    );
    assert!(!out.status.success(), "at least one factor: {}", text(&out));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE actor = 'cli' AND event IN ('organization-created', 'factor-policy-changed')")
            .await,
        2
    );
}

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
        if let Some(start) = line.find("http://")
            && line.contains("/register/")
        {
            link = Some(line[start..].trim().to_string());
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

/// The factor rows, as (account's email, kind, secret), and the organizations' allowed kinds.
async fn factor_rows(
    app: &crate::helpers::TestApp,
) -> (Vec<(String, String, Option<String>)>, Vec<(String, String)>) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    let factors = sqlx::query(
        "SELECT a.email, f.kind, f.secret FROM account_factors f JOIN accounts a ON a.id = f.account_id
         ORDER BY a.email, f.kind",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("email"), r.get("kind"), r.get("secret")))
    .collect();
    let policies = sqlx::query(
        "SELECT o.name, f.kind FROM organization_factors f JOIN organizations o ON o.id = f.org_id
         ORDER BY o.name, f.kind",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("name"), r.get("kind")))
    .collect();
    pool.close().await;
    (factors, policies)
}

/// Issue 12: factors became rows (kind, sealed secret) and an organization's allowed factors
/// rows too. A database as the release before left it (the columns `email_factor`,
/// `phone_factor`, `phone_e164`) is upgraded by `tessera migrate` to exactly the rows the new
/// release writes itself, and its people sign in as before: the phone user by a text to the
/// number on file.
async fn an_upgrade_turns_factor_columns_into_rows_and_people_sign_in_as_before(backend: Backend) {
    use tessera::domain::account::Role;
    use tessera::flows::invitation::InvitationRequest;
    const PASSWORD: &str = "marmalade orbit kettle";
    let app = spawn_app(backend).await;
    let out = tessera(&app, &["admin", "create-org", "--name", "Strict Clinic"]);
    assert!(out.status.success(), "{}", text(&out));
    app.active_phone_user("pat@example.org", "Pat Phone", PASSWORD, "415 555 0172")
        .await;
    app.active_account(
        InvitationRequest {
            email: "eve@strict.example.org".into(),
            display_name: "Eve Email".into(),
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
            "--phone",
            "off",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let written = factor_rows(&app).await;
    assert_eq!(written.0.len(), 2, "one factor each: {:?}", written.0);
    // The stronger factors (issue 14) stay allowed, as for every organization.
    assert_eq!(
        written.1,
        ["app", "email", "passkey"]
            .map(|kind| ("Strict Clinic".to_string(), kind.to_string()))
            .to_vec()
    );

    // Back to the older shape, with the values where that release kept them.
    for statement in [
        "ALTER TABLE accounts ADD COLUMN phone_e164 TEXT",
        "UPDATE accounts SET phone_e164 = (SELECT f.secret FROM account_factors f
             WHERE f.account_id = accounts.id AND f.kind = 'phone')",
        "ALTER TABLE organizations ADD COLUMN email_factor BIGINT NOT NULL DEFAULT 1",
        "ALTER TABLE organizations ADD COLUMN phone_factor BIGINT NOT NULL DEFAULT 1",
        "UPDATE organizations SET phone_factor = 0",
        "DROP TABLE account_factors",
        "DROP TABLE organization_factors",
        "DELETE FROM _sqlx_migrations WHERE version = 10",
        // And before the stronger factors (issue 14), which build on those tables.
        "DROP TABLE recovery_codes",
        "DROP TABLE ceremonies",
        "ALTER TABLE organizations DROP COLUMN require_passkey",
        "DELETE FROM _sqlx_migrations WHERE version = 17",
    ] {
        sql(&app, statement).await;
    }

    let out = tessera(&app, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        factor_rows(&app).await,
        written,
        "the upgrade wrote the same rows"
    );

    // The phone user signs in by a text to the number kept through the upgrade.
    let browser = app.new_browser();
    let page = browser.sign_in("pat@example.org", PASSWORD).await;
    assert!(page.url.ends_with("/verify/phone"), "{}", page.url);
    assert!(page.has("0172"), "the masked number on file: {}", page.body);
    let before = app
        .twilio()
        .messages()
        .iter()
        .filter(|m| m.to == "+14155550172")
        .count();
    browser
        .post("/verify/phone/send", &[("action", "sms")])
        .await;
    let sms = app
        .twilio()
        .wait_for_message_to("+14155550172", before)
        .await;
    let page = browser
        .post(
            "/verify/phone/check",
            &[("code", &crate::helpers::sms_code(&sms.body))],
        )
        .await;
    assert!(page.has("Welcome, Pat Phone"), "{}", page.body);
    // The email user's organization still allows only the email factor.
    let page = app
        .new_browser()
        .sign_in("eve@strict.example.org", PASSWORD)
        .await;
    assert!(page.url.ends_with("/verify/email"), "{}", page.url);
}

on_both_backends!(an_upgrade_turns_factor_columns_into_rows_and_people_sign_in_as_before);

/// Account lifecycle from the command line (PRODUCT.md): `disable-user`, `enable-user`,
/// `lock-user`, `unlock-user` by email, through the console's flow (sessions end when a flag
/// goes on; audited as `cli`); an unknown address is an error that changes nothing.
async fn the_command_line_disables_enables_locks_and_unlocks_people(backend: Backend) {
    let app = spawn_app(backend).await;
    let password = "Three-Lighthouses-One-Harbour-58";
    let browser = app
        .active_user("vera@example.org", "Vera Ek", password)
        .await;
    let signed_in = || async { browser.get("/").await.has("Welcome, Vera Ek") };
    assert!(signed_in().await);

    for (command, says, column, on) in [
        ("disable-user", "disabled", "disabled_at", true),
        ("enable-user", "enabled", "disabled_at", false),
        ("lock-user", "locked", "locked_at", true),
        ("unlock-user", "unlocked", "locked_at", false),
    ] {
        let out = tessera(&app, &["admin", command, "--email", "vera@example.org"]);
        assert!(out.status.success(), "{command}: {}", text(&out));
        assert!(text(&out).contains(says), "{command}: {}", text(&out));
        let set = app
            .count(&format!(
                "SELECT COUNT(*) FROM accounts WHERE email = 'vera@example.org' AND {column} IS NOT NULL"
            ))
            .await;
        assert_eq!(set == 1, on, "{command}");
        if on {
            assert!(!signed_in().await, "{command} ends the sessions");
            let page = app
                .new_browser()
                .sign_in("vera@example.org", password)
                .await;
            assert!(
                !page.url.ends_with("/verify/email"),
                "{command}: {}",
                page.url
            );
        } else {
            let page = app
                .new_browser()
                .sign_in("vera@example.org", password)
                .await;
            assert!(
                page.url.ends_with("/verify/email"),
                "{command}: {}",
                page.url
            );
        }
    }
    let events = app.audit_events().await;
    for event in [
        "account-disabled",
        "account-enabled",
        "account-locked-by-admin",
        "account-unlocked",
    ] {
        assert!(events.contains(&event.to_string()), "{event}: {events:?}");
    }
    let out = tessera(
        &app,
        &["admin", "disable-user", "--email", "nobody@example.org"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("no account"), "{}", text(&out));
}

on_both_backends!(the_command_line_disables_enables_locks_and_unlocks_people);

/// `tessera migrate --check` (issue 19) run by the real binary on a database URL alone.
fn migrate_check(url: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["migrate", "--check"])
        .env("TESSERA_DATABASE_URL", url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .env_remove("TESSERA_CONFIG")
        .output()
        .expect("run tessera");
    (out.status.code(), text(&out))
}

async fn applied_versions(url: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    count
}

/// What a rollout script reads before starting a new release's nodes: expand steps pending
/// (10, older nodes may keep serving), a contract step pending (11, stop them first), up to
/// date (0); and the check itself changes nothing.
async fn migrate_check_tells_a_rollout_what_is_pending_and_changes_nothing(backend: Backend) {
    use tessera::store::Store;
    let chain = || {
        tessera::audit::ChainKey::derive(&tessera::crypto::Keys::from_base64(SECRET_KEY).unwrap())
    };
    let db = crate::helpers::TestDatabase::new(backend).await;
    let store = Store::open_migrated_to(&db.url, chain(), 22).await.unwrap();
    store.close().await;

    let (code, out) = migrate_check(&db.url);
    assert_eq!(code, Some(10), "{out}");
    for says in [
        "database: version 22",
        "this binary: carries migrations up to 2",
        "pending: 0023 schema compatibility (expand)",
        "Expand steps only: safe to run `tessera migrate`",
    ] {
        assert!(out.contains(says), "{says}: {out}");
    }
    assert_eq!(applied_versions(&db.url).await, 22, "--check migrated");

    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("migrate")
        .env("TESSERA_DATABASE_URL", &db.url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .env_remove("TESSERA_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let (code, out) = migrate_check(&db.url);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Up to date"), "{out}");
    // Migration 0011 (a contract step) set what binaries must carry.
    assert!(
        out.contains("a binary carrying migration 11 or later (set by migration 11 mail_links)"),
        "{out}"
    );

    // A database from before migration 0010, which dropped columns older releases read.
    let old = crate::helpers::TestDatabase::new(backend).await;
    Store::open_migrated_to(&old.url, chain(), 9)
        .await
        .unwrap()
        .close()
        .await;
    let (code, out) = migrate_check(&old.url);
    assert_eq!(code, Some(11), "{out}");
    assert!(
        out.contains("A contract step is pending (migration 10 factors): stop every node older than this release first"),
        "{out}"
    );
    assert!(out.contains("pending: 0010 factors (contract)"), "{out}");
    assert_eq!(applied_versions(&old.url).await, 9);
}

/// A database a newer release migrated: compatible (12) while it only expanded, incompatible
/// (13) after a contract step, when this binary also refuses to migrate or start on it.
async fn migrate_check_tells_whether_this_binary_runs_on_a_newer_database(backend: Backend) {
    let app = spawn_app(backend).await;
    crate::upgrades::migrate_as_a_newer_release(
        &app.db,
        "CREATE TABLE future_notes (id BIGINT PRIMARY KEY)",
        false,
    )
    .await;
    let carried = tessera::store::migrations::latest(match backend {
        Backend::Sqlite => tessera::store::Backend::Sqlite,
        Backend::Postgres => tessera::store::Backend::Postgres,
    });
    let (code, out) = migrate_check(&app.db.url);
    assert_eq!(code, Some(12), "{out}");
    assert!(
        out.contains(&format!("database: version {}", carried + 1)) && out.contains("compatible"),
        "{out}"
    );
    let migrated = tessera(&app, &["migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated));

    crate::upgrades::migrate_as_a_newer_release(&app.db, "DROP TABLE future_notes", true).await;
    let (code, out) = migrate_check(&app.db.url);
    assert_eq!(code, Some(13), "{out}");
    let needs = format!(
        "needs a Tessera release that carries migration {} or later",
        carried + 2
    );
    assert!(out.contains(&needs), "{out}");
    let refused = tessera(&app, &["migrate"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused).contains(&needs), "{}", text(&refused));
}

/// No database to read: exit 1, and a missing SQLite file is not created by the check.
async fn migrate_check_exits_1_when_the_database_cannot_be_reached(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("missing.db");
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}", file.display()),
        Backend::Postgres => "postgres://postgres@127.0.0.1:1/tessera".to_string(),
    };
    let (code, out) = migrate_check(&url);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("cannot open the database"), "{out}");
    assert!(!file.exists(), "the check created {}", file.display());
    if backend == Backend::Postgres {
        // An empty database: nothing runs on it yet, so creating the schema breaks no one.
        let empty = crate::helpers::TestDatabase::new(backend).await;
        let (code, out) = migrate_check(&empty.url);
        assert_eq!(code, Some(10), "{out}");
        assert!(out.contains("The database is empty"), "{out}");
    }
}

on_both_backends!(
    migrate_check_tells_a_rollout_what_is_pending_and_changes_nothing,
    migrate_check_tells_whether_this_binary_runs_on_a_newer_database,
    migrate_check_exits_1_when_the_database_cannot_be_reached,
);
