//! The MFA rollout's deadline (issue 17: "reminder emails before a deadline through the mail
//! queue"): an administrator sets the last day and the reminder days; on each, whoever in
//! their scope has not finished registering gets one letter with the day, through the mail
//! queue, audited; imported people, who have no link, are told how to sign in and set up the
//! second step. NIST SP 800-63B 6.1 (enrolment of a second authenticator is an act the
//! subscriber completes; the portal only reminds), OWASP ASVS 5.0 V8.2.2 (an organization
//! administrator's deadline reaches their organization only).

use tessera::domain::account::Role;
use tessera::domain::rollout::Deadline;
use tessera::flows::invitation::InvitationRequest;
use tessera::flows::rollout::remind_due;

use crate::admin::system_admin;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    reminders_go_on_their_days_once_each_to_whoever_has_not_finished,
    a_deadline_the_form_cannot_take_comes_back_with_what_was_typed_and_stays_in_its_scope,
    a_reminder_a_stopped_node_left_half_done_goes_on_where_it_stopped,
);

const DAY: i64 = 86_400;
const PASSWORD: &str = "harbour lantern quiet meadow";

/// The day `days` from the app's clock, as the form takes it.
fn day_in(app: &TestApp, days: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(app.clock_now() + days * DAY).unwrap();
    format!(
        "{:04}-{:02}-{:02}",
        at.year(),
        u8::from(at.month()),
        at.day()
    )
}

/// The first second after the deadline's day.
fn ends_at(app: &TestApp, day: &str) -> i64 {
    Deadline::parse(day, "1", app.clock_now()).unwrap().ends_at
}

async fn invite(app: &TestApp, email: &str, name: &str, org: Option<&str>) -> String {
    app.invite_as(InvitationRequest {
        email: email.into(),
        display_name: name.into(),
        organization: org.map(String::from),
        role: Role::User,
    })
    .await
}

async fn harbor(app: &TestApp) {
    let event = tessera::audit::AuditEvent::new("organization-created", "test", "Harbor Clinic");
    app.app
        .store
        .create_org("Harbor Clinic", app.clock_now(), event)
        .await
        .unwrap();
}

async fn harbor_admin(app: &TestApp) -> crate::helpers::Browser {
    app.active_account(
        InvitationRequest {
            email: "boss@harbor.example.org".into(),
            display_name: "Admin of Harbor Clinic".into(),
            organization: Some("Harbor Clinic".into()),
            role: Role::OrgAdmin,
        },
        PASSWORD,
    )
    .await
}

async fn reminders_go_on_their_days_once_each_to_whoever_has_not_finished(backend: Backend) {
    let app = spawn_app(backend).await;
    harbor(&app).await;
    let olga_link = invite(
        &app,
        "olga@harbor.example.org",
        "Olga Invited",
        Some("Harbor Clinic"),
    )
    .await;
    invite(&app, "otto@example.org", "Otto Outside", None).await;
    invite(&app, "dora@example.org", "Dora Disabled", None).await;
    let csv = "email,display_name,password_hash,organization\n\
               imre@harbor.example.org,Imre Imported,$2b$04$abcdefghijklmnopqrstuuLTyEZD9vTf1R1Kd1sYhDyLPDvMJfM2q,Harbor Clinic\n";
    tessera::flows::import::import_users(&app.app, std::io::Cursor::new(csv), "test", |_, _| {})
        .await
        .unwrap();
    // Otto reads Spanish: his reminder is in it.
    let otto = app
        .count("SELECT id FROM accounts WHERE email = 'otto@example.org'")
        .await;
    app.app
        .store
        .set_language(otto, tessera::i18n::Language::Spanish)
        .await
        .unwrap();
    let root = system_admin(&app, "root@example.org").await;
    let boss = harbor_admin(&app).await;
    app.active_user("alice@example.org", "Alice Active", PASSWORD)
        .await;
    let dora = app
        .count("SELECT id FROM accounts WHERE email = 'dora@example.org'")
        .await;
    let disabled = root
        .post(&format!("/admin/users/{dora}/disable"), &[])
        .await;
    assert_eq!(disabled.status, 200, "{disabled}");

    // The portal's deadline in 20 days, reminders 7 and 1 days before; Harbor's own in 10.
    let portal_day = day_in(&app, 20);
    let set = root
        .post(
            "/admin/rollout/deadline",
            &[("day", portal_day.as_str()), ("reminder_days", "1, 7")],
        )
        .await;
    assert_eq!(set.status, 200, "{set}");
    set.assert_shows("The deadline is set.");
    set.assert_shows(&format!(
        "Everyone is asked to finish by the end of {portal_day} (UTC). Reminders go 7, 1 days before it."
    ));
    let harbor_day = day_in(&app, 10);
    let (portal_ends, harbor_ends) = (ends_at(&app, &portal_day), ends_at(&app, &harbor_day));
    let theirs = boss
        .post(
            "/admin/rollout/deadline",
            &[("day", harbor_day.as_str()), ("reminder_days", "3")],
        )
        .await;
    assert_eq!(theirs.status, 200, "{theirs}");
    theirs.assert_shows(&format!("finish by the end of {harbor_day} (UTC)"));
    let root_page = root.get("/admin/rollout").await;
    root_page.assert_shows(&format!("finish by the end of {portal_day} (UTC)"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE event = 'rollout-deadline-set'")
            .await,
        2
    );

    // Nothing is due yet, however often the job looks.
    assert_eq!(remind_due(&app.app).await.unwrap(), 0);
    app.mail_settled().await;
    let letters = app.mail.all_messages().len();

    // Three days before Harbor's day: its two unfinished people, nobody else.
    let now = app.clock_now();
    app.clock.advance(harbor_ends - 3 * DAY - now + 60);
    assert_eq!(remind_due(&app.app).await.unwrap(), 2);
    let olga = app.mail.message_to("olga@harbor.example.org", 1).await;
    assert!(
        olga.text.contains(&format!(
            "Your organization asks everyone to finish by the end of {harbor_day} (UTC)."
        )),
        "{}",
        olga.text
    );
    assert_ne!(olga.link(), olga_link, "a fresh link");
    let fresh = app.new_browser().get_absolute(&olga.link()).await;
    assert!(fresh.url.ends_with("/register"), "it works: {}", fresh.url);
    let old = app.new_browser().get_absolute(&olga_link).await;
    assert_eq!(old.status, 410, "the older link stops working");
    let imre = app.mail.message_to("imre@harbor.example.org", 0).await;
    assert_eq!(
        imre.subject,
        format!("Set up the second sign-in step of Tessera by {harbor_day}")
    );
    assert!(
        imre.text.contains(&format!("{}/login", app.url)),
        "{}",
        imre.text
    );
    assert!(imre.text.contains("your current password"), "{}", imre.text);
    app.mail_settled().await;
    assert_eq!(app.mail.all_messages().len(), letters + 2);
    // Once each: the job looking again sends nothing.
    assert_eq!(remind_due(&app.app).await.unwrap(), 0);

    // Seven days before the portal's day: Otto (no organization), in Spanish. Not Harbor's
    // people (their organization has its own), not Alice (active), not Dora (disabled).
    let now = app.clock_now();
    app.clock.advance(portal_ends - 7 * DAY - now + 60);
    assert_eq!(remind_due(&app.app).await.unwrap(), 1);
    let otto = app.mail.message_to("otto@example.org", 1).await;
    assert!(
        otto.text.contains(&format!(
            "Su organización pide a todos terminar antes del final del {portal_day} (UTC)."
        )),
        "{}",
        otto.text
    );
    assert!(app.mail.messages_to("dora@example.org").await.len() == 1);
    // Nobody else: the letters since the deadlines were set are Olga's, Imre's and Otto's.
    app.mail_settled().await;
    assert_eq!(app.mail.all_messages().len(), letters + 3);

    // The day before: Otto again; then the deadline passes and nothing more goes.
    let now = app.clock_now();
    app.clock.advance(portal_ends - DAY - now + 60);
    assert_eq!(remind_due(&app.app).await.unwrap(), 1);
    app.mail.message_to("otto@example.org", 2).await;
    let now = app.clock_now();
    app.clock.advance(portal_ends - now + 60);
    assert_eq!(remind_due(&app.app).await.unwrap(), 0);

    // Every letter is in the audit log, by the system.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE actor = 'system'
             AND (event = 'rollout-reminder-sent' OR event = 'registration-link-sent')"
        )
        .await,
        4
    );
    tessera::flows::audit_log::verify_chain(&app.app, None)
        .await
        .unwrap()
        .expect("the audit chain is intact");
}

async fn a_deadline_the_form_cannot_take_comes_back_with_what_was_typed_and_stays_in_its_scope(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    harbor(&app).await;
    let root = system_admin(&app, "root@example.org").await;
    let boss = harbor_admin(&app).await;
    let plain = app
        .active_user("pat@example.org", "Pat Plain", PASSWORD)
        .await;

    let yesterday = day_in(&app, -1);
    let next_month = day_in(&app, 30);
    for (day, days, problem, field) in [
        (
            yesterday.as_str(),
            "7",
            "The deadline must be a day after today.",
            "day",
        ),
        ("next month", "7", "Give the deadline as a date", "day"),
        (
            next_month.as_str(),
            "7, 7",
            "Give the reminder days as whole numbers from 1 to 90",
            "reminder_days",
        ),
    ] {
        let refused = root
            .post(
                "/admin/rollout/deadline",
                &[("day", day), ("reminder_days", days)],
            )
            .await;
        assert_eq!(refused.status, 422, "{refused}");
        refused.assert_shows(problem);
        let title = refused.select("title")[0].text.clone();
        assert!(title.starts_with("Error:"), "{title}");
        let input = refused.select(&format!("input#{field}"));
        assert_eq!(input[0].attr("aria-invalid"), Some("true"), "{field}");
        assert_eq!(refused.select("input#day")[0].attr("value"), Some(day));
        assert_eq!(
            refused.select("input#reminder_days")[0].attr("value"),
            Some(days)
        );
    }
    // A person who is no administrator finds no such page, and sets nothing.
    let day = day_in(&app, 30);
    let refused = plain
        .post(
            "/admin/rollout/deadline",
            &[("day", day.as_str()), ("reminder_days", "7")],
        )
        .await;
    assert_eq!(refused.status, 404, "{refused}");
    assert_eq!(app.count("SELECT COUNT(*) FROM rollout_deadlines").await, 0);

    // The organization administrator's deadline is their organization's only.
    let set = boss
        .post(
            "/admin/rollout/deadline",
            &[("day", day.as_str()), ("reminder_days", "7")],
        )
        .await;
    assert_eq!(set.status, 200, "{set}");
    root.get("/admin/rollout")
        .await
        .assert_shows("No deadline is set.");
    let portal_day = day_in(&app, 40);
    root.post(
        "/admin/rollout/deadline",
        &[("day", portal_day.as_str()), ("reminder_days", "7")],
    )
    .await
    .assert_shows("The deadline is set.");
    // Removed, their organization follows the portal's.
    let removed = boss.post("/admin/rollout/deadline/remove", &[]).await;
    assert_eq!(removed.status, 200, "{removed}");
    removed.assert_shows("The deadline is removed");
    removed.assert_shows(&format!(
        "Your organization follows the portal's deadline, the end of {portal_day} (UTC)"
    ));
    assert_eq!(app.count("SELECT COUNT(*) FROM rollout_deadlines").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE event = 'rollout-deadline-removed'")
            .await,
        1
    );
}

/// A node that stopped half-way through a reminder (its progress says the first person was
/// reached) is followed by one that writes to the others only: nobody twice, nobody left out.
async fn a_reminder_a_stopped_node_left_half_done_goes_on_where_it_stopped(backend: Backend) {
    let app = spawn_app(backend).await;
    for (email, name) in [
        ("ada@example.org", "Ada First"),
        ("ben@example.org", "Ben Second"),
        ("cy@example.org", "Cy Third"),
    ] {
        invite(&app, email, name, None).await;
    }
    let root = system_admin(&app, "root@example.org").await;
    let day = day_in(&app, 5);
    let ends = ends_at(&app, &day);
    root.post(
        "/admin/rollout/deadline",
        &[("day", day.as_str()), ("reminder_days", "2")],
    )
    .await
    .assert_shows("The deadline is set.");
    let now = app.clock_now();
    app.clock.advance(ends - 2 * DAY - now + 60);
    let ada = app
        .count("SELECT id FROM accounts WHERE email = 'ada@example.org'")
        .await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.unwrap();
    sqlx::query(
        "INSERT INTO rollout_reminders (deadline_id, days_before, started_at, last_account_id, letters)
         SELECT id, 2, $1, $2, 1 FROM rollout_deadlines",
    )
    .bind(app.clock_now())
    .bind(ada)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    assert_eq!(remind_due(&app.app).await.unwrap(), 2);
    app.mail.message_to("ben@example.org", 1).await;
    app.mail.message_to("cy@example.org", 1).await;
    assert_eq!(
        app.mail.messages_to("ada@example.org").await.len(),
        1,
        "her invitation only"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM rollout_reminders WHERE finished_at IS NOT NULL AND letters = 3"
        )
        .await,
        1
    );
    assert_eq!(remind_due(&app.app).await.unwrap(), 0);
}
