//! Staff single sign-on (issue 16) with Tessera on both sides: one Tessera, the UPSTREAM, is
//! the company's OpenID Connect provider (issue 13) and signs its staff in to another, the
//! DOWNSTREAM portal, end to end over real HTTP, on both backends.
//!
//! Both are started in-process by `spawn_app`, as the suite starts every server it does not
//! have to kill (`tests/it/nodes.rs`, `crash.rs` and `mail_queue.rs` start real `tessera serve`
//! processes only for what needs a process: several nodes, SIGKILL, restarts): the router,
//! the mail worker and the back-channel worker that `tessera serve` runs, each with its own
//! database and SMTP sink, on a loopback port of its own. The upstream's ID-token signing
//! keys are made as `tessera serve` makes them at start (`signing_keys::ensure`).
//!
//! One browser (one cookie jar, one client that follows redirects across both servers) goes
//! through both, as a person's does. Cookies do not depend on the port (RFC 6265 §8.5) and both
//! Tesseras use the same cookie names, so on one host the upstream's session cookie would
//! overwrite the downstream's: the upstream's public URL (its issuer) is
//! `http://localhost:PORT`, the downstream's `http://127.0.0.1:PORT`, two hosts as in any real
//! deployment. Both are loopback issuers and redirect URIs, which the contract accepts.
//!
//! The set-up is the README's "Staff single sign-on" verbatim, through the command line: the
//! downstream registered at the upstream with `tessera admin create-client --redirect-uri
//! {downstream}/login/staff/callback`, the upstream at the downstream with `tessera admin
//! create-idp --issuer {upstream}`.

use tessera::config::Config;
use tessera::flows::staff_sign_in::{CALLBACK_PATH, StaffProblem};

use crate::cli::{tessera, text};
use crate::helpers::{Backend, Browser, Options, Page, TestApp, spawn_app, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(
    a_new_staff_member_signs_in_through_an_upstream_tessera,
    later_sign_ins_follow_the_link_and_the_upstream_session_and_local_mfa_is_asked,
    an_existing_account_is_linked_at_the_first_sign_in_and_its_password_goes,
    a_person_disabled_at_the_upstream_gets_nothing_downstream,
    a_downstream_account_disabled_there_is_refused_whatever_the_upstream_says,
);

/// The upstream as the downstream's login page names it: **Sign in with Corp**.
const PROVIDER: &str = "Corp";
const DOMAIN: &str = "corp.example";
/// The downstream organization new staff accounts are made in (`create-idp --org`).
const ORG: &str = "Corp Staff";
/// Everyone's password at the upstream.
const PASSWORD: &str = "quiet harbour lantern";

/// The company's Tessera and the portal its staff sign in to.
struct Pair {
    upstream: TestApp,
    downstream: TestApp,
}

/// The upstream answers at `http://localhost:PORT` (its issuer): a host of its own.
fn on_localhost(config: &mut Config) {
    config.public_url = Some(format!("http://localhost:{}", config.listen.port()));
}

async fn pair(backend: Backend) -> Pair {
    let mut upstream = spawn_app_with(
        backend,
        Options {
            configure: on_localhost,
            ..Options::default()
        },
    )
    .await;
    // Its browsers, links and command line all use the public URL.
    upstream.url = upstream.app.url("");
    tessera::flows::signing_keys::ensure(&upstream.app)
        .await
        .unwrap();
    let downstream = spawn_app(backend).await;
    Pair {
        upstream,
        downstream,
    }
}

/// `tessera` on `app`'s database, off the runtime's worker (the command may call back into
/// the servers this runtime serves: create-idp reads the upstream's discovery document).
fn cli(app: &TestApp, args: &[&str]) -> String {
    let out = tokio::task::block_in_place(|| tessera(app, args));
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Single sign-on set up as the README says: the downstream is a client of the upstream whose
/// redirect URI is its callback, and the upstream is the downstream's provider for
/// corp.example, new staff made in "Corp Staff". `flags`: more `create-idp` options.
async fn connect(pair: &Pair, flags: &[&str]) {
    let callback = format!("{}{CALLBACK_PATH}", pair.downstream.url);
    let printed = cli(
        &pair.upstream,
        &[
            "admin",
            "create-client",
            "--name",
            "Staff portal",
            "--redirect-uri",
            &callback,
        ],
    );
    let value = |name: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in {printed}"))
            .to_string()
    };
    // Pasted as the README shows (`--client-id VALUE`): one base64url value in 64 begins
    // with `-`, which create-idp takes as a value.
    let client_id = value("client_id");
    let secret = value("client_secret");
    cli(&pair.downstream, &["admin", "create-org", "--name", ORG]);
    let mut args = vec![
        "admin",
        "create-idp",
        "--name",
        PROVIDER,
        "--issuer",
        &pair.upstream.url,
        "--client-id",
        &client_id,
        "--client-secret",
        &secret,
        "--domain",
        DOMAIN,
        "--org",
        ORG,
    ];
    args.extend_from_slice(flags);
    let printed = cli(&pair.downstream, &args);
    assert_eq!(printed.trim(), format!("idp: {PROVIDER}"));
}

/// One browser seen at both servers: `down` at the downstream, `up` at the upstream.
struct Staff {
    down: Browser,
    up: Browser,
}

impl Staff {
    /// A new browser.
    fn new(pair: &Pair) -> Self {
        Self::of(pair, &pair.downstream.new_browser())
    }

    /// The browser `browser` is (its cookies, e.g. a session at the upstream).
    fn of(pair: &Pair, browser: &Browser) -> Self {
        let at = |base: &str| Browser {
            base: base.to_string(),
            http: browser.http.clone(),
            jar: browser.jar.clone(),
        };
        Self {
            down: at(&pair.downstream.url),
            up: at(&pair.upstream.url),
        }
    }
}

/// **Sign in with Corp** on the downstream's login page: the address of the upstream's
/// authorization endpoint the downstream sends the browser to (not yet opened), checked for
/// the code flow with PKCE S256, `state`, `nonce` and the registered callback.
async fn click_sign_in_with_corp(pair: &Pair, staff: &Staff) -> String {
    let login = staff.down.get("/login").await;
    let button = format!("Sign in with {PROVIDER}");
    let forms = login.select("form[action=\"/login/staff\"]");
    let ids = login.select("form[action=\"/login/staff\"] input[name=\"provider\"]");
    let (_, id) = forms
        .iter()
        .zip(&ids)
        .find(|(form, _)| form.text == button)
        .unwrap_or_else(|| panic!("no {button} on {login}"));
    let page = staff
        .down
        .post("/login/staff", &[("provider", id.attr("value").unwrap())])
        .await;
    assert_eq!(page.status, 200, "{page}");
    let to = page
        .link_named(&format!("Continue to {PROVIDER}"))
        .unwrap_or_else(|| panic!("no way on to the upstream on {page}"));
    assert!(
        to.starts_with(&format!("{}/oidc/authorize?", pair.upstream.url)),
        "{to}"
    );
    let url = url::Url::parse(&to).unwrap();
    let param = |name: &str| {
        url.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(param("response_type"), "code");
    assert_eq!(
        param("redirect_uri"),
        format!("{}{CALLBACK_PATH}", pair.downstream.url)
    );
    assert_eq!(param("code_challenge_method"), "S256");
    assert!(!param("code_challenge").is_empty() && !param("state").is_empty());
    assert!(!param("nonce").is_empty());
    to
}

/// The upstream's answer to an authorization request when it has nothing to ask (single
/// sign-on): not followed, so the test sees it went straight back to the downstream.
async fn straight_back(pair: &Pair, staff: &Staff, to: &str) -> String {
    let response = staff
        .down
        .not_following_redirects()
        .get(to)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "{to}");
    let back = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        back.starts_with(&format!("{}{CALLBACK_PATH}?code=", pair.downstream.url)),
        "the upstream asked nothing and answered with a code: {back}"
    );
    back
}

/// A page's **Continue** (a form that gets its next page), followed.
async fn press_continue(browser: &Browser, page: &Page) -> Page {
    let form = page
        .element_with_text("form", "Continue")
        .unwrap_or_else(|| panic!("no Continue on {page}"));
    browser.get(form.attr("action").unwrap_or("/")).await
}

/// Email code sign-in at `app` in `browser`, already past the password (at `/verify/email`):
/// **Send Verification Code**, the code `app` emailed, **Verify Code**, **Continue**.
async fn emailed_code(app: &TestApp, browser: &Browser, email: &str) -> Page {
    browser.post("/verify/email/send", &[]).await;
    let code = app.latest_code(email).await;
    let page = browser
        .post("/verify/email/check", &[("code", &code)])
        .await;
    press_continue(browser, &page).await
}

/// The whole staff sign-in for someone not signed in at the upstream: **Sign in with Corp**;
/// at the upstream's login page, **Login With Email** with the email and password, then the
/// code the upstream emailed; the upstream hands the browser back with a code. The page the
/// downstream's callback ends on.
async fn staff_sign_in(pair: &Pair, staff: &Staff, email: &str) -> Page {
    let to = click_sign_in_with_corp(pair, staff).await;
    let page = staff.down.get_absolute(&to).await;
    assert_eq!(page.url, format!("{}/login", pair.upstream.url), "{page}");
    staff.up.get("/login/email").await;
    let page = staff.up.sign_in(email, PASSWORD).await;
    assert!(page.url.ends_with("/verify/email"), "{page}");
    let page = emailed_code(&pair.upstream, &staff.up, email).await;
    // The upstream's own page sends the browser on (no redirect after a form post).
    assert!(page.url.ends_with("/oidc/continue"), "{page}");
    let back = page
        .link_named("Continue to the application")
        .unwrap_or_else(|| panic!("no way back on {page}"));
    assert!(
        back.starts_with(&format!("{}{CALLBACK_PATH}?code=", pair.downstream.url)),
        "{back}"
    );
    // RFC 9207: the answer names its issuer, which the downstream compares.
    assert!(
        url::Url::parse(&back)
            .unwrap()
            .query_pairs()
            .any(|(n, v)| n == "iss" && v == pair.upstream.url.as_str()),
        "{back}"
    );
    staff.down.get_absolute(&back).await
}

/// The audit entries of `event` at `app`, oldest first: (actor, subject, detail).
async fn entries(app: &TestApp, event: &str) -> Vec<(String, String, serde_json::Value)> {
    let mut found: Vec<_> = app
        .app
        .store
        .recent_audit(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|(e, ..)| e == event)
        .map(|(_, actor, subject, detail)| (actor, subject, serde_json::from_str(&detail).unwrap()))
        .collect();
    found.reverse();
    found
}

/// How many verification codes `app` has emailed to `email` (notices left out).
async fn codes_to(app: &TestApp, email: &str) -> usize {
    app.mail
        .messages_to(email)
        .await
        .iter()
        .filter(|m| m.subject.starts_with("Your verification code"))
        .count()
}

async fn id_of(app: &TestApp, email: &str) -> i64 {
    app.count(&format!("SELECT id FROM accounts WHERE email = '{email}'"))
        .await
}

/// The downstream's link of `account` to the upstream's `iss` and `sub` for `email` there.
async fn linked(pair: &Pair, account: i64, email: &str) -> i64 {
    let upstream_id = id_of(&pair.upstream, email).await;
    let sub = tessera::flows::oidc::subject(&pair.upstream.app, upstream_id);
    pair.downstream
        .count(&format!(
            "SELECT COUNT(*) FROM account_links WHERE issuer = '{}' AND subject = '{sub}'
             AND account_id = {account}",
            pair.upstream.url
        ))
        .await
}

/// Issue 16 against Tessera's own provider; NIST SP 800-63C (federation: the IdP's
/// authentication accepted at the RP through a signed assertion, the subscriber provisioned
/// just in time); OWASP ASVS 5.0 V10 as an OIDC client (10.2.1 PKCE and `state`, 10.2.2 RFC
/// 9207 `iss`, 10.5.1 `nonce`) and 6.8.4 (the IdP's `amr` read for the strength asked).
/// A staff member with an account at the upstream (password and emailed code) clicks **Sign
/// in with Corp**, signs in at the upstream and is signed in at the downstream: a new account
/// there in the provider's organization, with no password; the upstream's `amr` (`pwd otp
/// mfa`) counts as the second factor, so the downstream sends no code of its own; audited as
/// `staff-account-created` and `signed-in` with the provider.
async fn a_new_staff_member_signs_in_through_an_upstream_tessera(backend: Backend) {
    let pair = pair(backend).await;
    let erin = "erin@corp.example";
    pair.upstream
        .active_user(erin, "Erin Staff", PASSWORD)
        .await;
    connect(&pair, &[]).await;

    let staff = Staff::new(&pair);
    let page = staff_sign_in(&pair, &staff, erin).await;
    assert!(
        page.url.ends_with("/terms"),
        "a new account accepts the Terms of Use first: {page}"
    );
    staff
        .down
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    let home = staff.down.get("/").await;
    assert_eq!(home.url, format!("{}/", pair.downstream.url), "{home}");
    home.assert_shows("Welcome, Erin Staff");

    let id = id_of(&pair.downstream, erin).await;
    assert_eq!(
        pair.downstream
            .count(&format!(
                "SELECT COUNT(*) FROM accounts a JOIN organizations o ON o.id = a.org_id
                 WHERE a.id = {id} AND o.name = '{ORG}' AND a.status = 'active'
                 AND a.password_hash IS NULL"
            ))
            .await,
        1,
        "made in the provider's organization, with no password"
    );
    assert_eq!(linked(&pair, id, erin).await, 1, "linked to iss and sub");
    assert_eq!(
        pair.downstream
            .count(&format!(
                "SELECT COUNT(*) FROM sessions WHERE account_id = {id}
                 AND stage = 'authenticated' AND revoked_at IS NULL AND amr = 'fed mfa'"
            ))
            .await,
        1,
        "the upstream's second factor is this session's"
    );
    assert!(
        pair.downstream.mail.messages_to(erin).await.is_empty(),
        "no code of the downstream's own"
    );

    let created = entries(&pair.downstream, "staff-account-created").await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0].0, format!("idp:{PROVIDER}"));
    assert_eq!(created[0].2["email"], erin);
    let signed_in = entries(&pair.downstream, "signed-in").await;
    assert_eq!(signed_in.len(), 1, "{signed_in:?}");
    let (_, subject, detail) = &signed_in[0];
    assert_eq!(subject, &format!("account:{id}"));
    assert_eq!(detail["provider"], PROVIDER);
    assert_eq!(
        detail["provider_amr"],
        serde_json::json!(["pwd", "otp", "mfa"])
    );
    assert_eq!(detail["next"], "authenticated");
    // The upstream answered the downstream as one of its clients.
    assert_eq!(entries(&pair.upstream, "client-sign-in").await.len(), 1);
}

/// Issue 16 and the README: "from then on the provider's `iss` and `sub` find it, never the
/// email alone" (OWASP ASVS 5.0 10.5.2 and 6.8.1: the user identified by `iss` and `sub`);
/// single sign-on at the upstream (NIST SP 800-63C: the IdP's session serves the RP);
/// `--require-local-mfa` (NIST SP 800-63B AAL2 kept by the portal itself). The
/// provider is registered with `--require-local-mfa`: after the upstream, the downstream asks
/// for its own code, emailed by the downstream to the account's verified address. The
/// person's address then changes at the upstream; the second sign-in needs nothing at the
/// upstream (it answers at once with a code) and lands in the same account, found by the
/// link, with the downstream's own code again.
async fn later_sign_ins_follow_the_link_and_the_upstream_session_and_local_mfa_is_asked(
    backend: Backend,
) {
    let pair = pair(backend).await;
    let erin = "erin@corp.example";
    let renamed = "erin.new@corp.example";
    pair.upstream
        .active_user(erin, "Erin Staff", PASSWORD)
        .await;
    connect(&pair, &["--require-local-mfa"]).await;

    let staff = Staff::new(&pair);
    let page = staff_sign_in(&pair, &staff, erin).await;
    assert!(
        page.url.ends_with("/verify/email"),
        "the downstream's own factor: {page}"
    );
    assert_eq!(codes_to(&pair.downstream, erin).await, 0);
    let page = emailed_code(&pair.downstream, &staff.down, erin).await;
    assert_eq!(
        codes_to(&pair.downstream, erin).await,
        1,
        "the code came from the downstream"
    );
    assert!(page.url.ends_with("/terms"), "{page}");
    staff
        .down
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    staff
        .down
        .get("/")
        .await
        .assert_shows("Welcome, Erin Staff");
    let id = id_of(&pair.downstream, erin).await;
    assert_eq!(linked(&pair, id, erin).await, 1);
    staff.down.post("/logout", &[]).await;
    assert!(staff.down.get("/").await.url.ends_with("/login"));

    // At the upstream, still signed in there, the person's address changes.
    let page = staff
        .up
        .post(
            "/account/email/send",
            &[("password", PASSWORD), ("email", renamed)],
        )
        .await;
    assert_eq!(page.status, 200, "{page}");
    let code = pair.upstream.latest_code(renamed).await;
    let page = staff
        .up
        .post("/account/email/check", &[("code", &code)])
        .await;
    assert!(page.url.ends_with("/account?done=email"), "{page}");
    let upstream_codes =
        codes_to(&pair.upstream, erin).await + codes_to(&pair.upstream, renamed).await;

    // Single sign-on: the upstream asks nothing and answers with a code.
    let to = click_sign_in_with_corp(&pair, &staff).await;
    let back = straight_back(&pair, &staff, &to).await;
    let page = staff.down.get_absolute(&back).await;
    assert!(
        page.url.ends_with("/verify/email"),
        "the downstream's own factor again: {page}"
    );
    let page = emailed_code(&pair.downstream, &staff.down, erin).await;
    assert_eq!(codes_to(&pair.downstream, erin).await, 2);
    page.assert_shows("Welcome, Erin Staff");
    assert_eq!(
        codes_to(&pair.upstream, erin).await + codes_to(&pair.upstream, renamed).await,
        upstream_codes,
        "no password and no code at the upstream"
    );

    // The same account, found by iss and sub although the upstream now says another address.
    assert_eq!(id_of(&pair.downstream, erin).await, id);
    assert_eq!(
        pair.downstream
            .count(&format!(
                "SELECT COUNT(*) FROM accounts WHERE email LIKE '%@{DOMAIN}'"
            ))
            .await,
        1,
        "no account for {renamed}"
    );
    assert_eq!(
        pair.downstream
            .count("SELECT COUNT(*) FROM account_links")
            .await,
        1
    );
    assert_eq!(linked(&pair, id, renamed).await, 1);
    let signed_in = entries(&pair.downstream, "signed-in").await;
    let federated: Vec<_> = signed_in
        .iter()
        .filter(|(_, subject, detail)| {
            subject == &format!("account:{id}") && detail["provider"] == PROVIDER
        })
        .map(|(_, _, detail)| detail["next"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(federated, ["second-factor", "second-factor"]);
    assert_eq!(
        entries(&pair.downstream, "staff-account-created")
            .await
            .len(),
        1
    );
}

/// Issue 16: "The first sign-in links the existing account with that email" and "Linking
/// removes the account's local password: staff have none" (NIST SP 800-63C: the RP's
/// subscriber account bound to the IdP's identifier, with no local authenticator around it).
/// A downstream account made before single sign-on, with a password, is linked at the first
/// staff sign-in (the same account, its name and Terms kept); afterwards its old password
/// signs in no more: the address is sent to the provider, no password checked.
async fn an_existing_account_is_linked_at_the_first_sign_in_and_its_password_goes(
    backend: Backend,
) {
    let pair = pair(backend).await;
    let dana = "dana@corp.example";
    let old_password = "downstream ferry quarters";
    let local = pair
        .downstream
        .active_user(dana, "Dana Local", old_password)
        .await;
    local.post("/logout", &[]).await;
    let id = id_of(&pair.downstream, dana).await;
    pair.upstream
        .active_user(dana, "Dana Upstream", PASSWORD)
        .await;
    connect(&pair, &[]).await;

    let staff = Staff::new(&pair);
    let page = staff_sign_in(&pair, &staff, dana).await;
    assert!(page.url.starts_with(&pair.downstream.url), "{page}");
    page.assert_shows("Welcome, Dana Local");
    assert_eq!(
        pair.downstream
            .count(&format!(
                "SELECT COUNT(*) FROM accounts WHERE email = '{dana}' AND id = {id}
                 AND password_hash IS NULL"
            ))
            .await,
        1,
        "the same account, its password gone"
    );
    assert_eq!(linked(&pair, id, dana).await, 1);
    assert!(
        entries(&pair.downstream, "staff-account-created")
            .await
            .is_empty()
    );

    // The old password at Login With Email: sent to the provider, nothing checked.
    let other = pair.downstream.new_browser();
    let page = other.sign_in(dana, old_password).await;
    assert!(!page.url.contains("/verify/"), "{page}");
    page.assert_shows(&format!("{PROVIDER} signs in the addresses of {DOMAIN}"));
    assert!(page.has(&format!("Sign in with {PROVIDER}")), "{page}");
    assert!(other.get("/").await.url.ends_with("/login"));
    assert!(
        entries(&pair.downstream, "sign-in-failed").await.is_empty(),
        "no password was checked"
    );
}

/// Issue 16 with the upstream refusing (NIST SP 800-63C: the RP relies on the IdP's
/// authentication; a subscriber the IdP disabled gets no assertion). The person is signed
/// in at the upstream when an upstream administrator disables them (`tessera admin
/// disable-user`): their upstream session ends, the upstream refuses their password, the
/// browser never comes back with a code, and nothing is made or signed in downstream.
async fn a_person_disabled_at_the_upstream_gets_nothing_downstream(backend: Backend) {
    let pair = pair(backend).await;
    let gil = "gil@corp.example";
    let browser = pair.upstream.active_user(gil, "Gil Gone", PASSWORD).await;
    connect(&pair, &[]).await;
    cli(&pair.upstream, &["admin", "disable-user", "--email", gil]);

    let staff = Staff::of(&pair, &browser);
    let to = click_sign_in_with_corp(&pair, &staff).await;
    let page = staff.down.get_absolute(&to).await;
    assert_eq!(
        page.url,
        format!("{}/login", pair.upstream.url),
        "the upstream session ended: {page}"
    );
    let page = staff.up.sign_in(gil, PASSWORD).await;
    assert!(page.url.starts_with(&pair.upstream.url), "{page}");
    assert!(!page.url.contains("/verify/"), "{page}");
    page.assert_shows("This account is disabled or locked by your Portal Administrator.");
    let refused = entries(&pair.upstream, "sign-in-refused").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(entries(&pair.upstream, "client-sign-in").await.is_empty());

    for (table, sql) in [
        (
            "accounts",
            format!("SELECT COUNT(*) FROM accounts WHERE email LIKE '%@{DOMAIN}'"),
        ),
        ("links", "SELECT COUNT(*) FROM account_links".to_string()),
        (
            "sessions",
            "SELECT COUNT(*) FROM sessions WHERE account_id IS NOT NULL".to_string(),
        ),
    ] {
        assert_eq!(pair.downstream.count(&sql).await, 0, "downstream {table}");
    }
    for event in ["staff-account-created", "signed-in"] {
        assert!(entries(&pair.downstream, event).await.is_empty(), "{event}");
    }
}

/// Issue 16 and PRODUCT.md: "A disabled or locked account is refused whatever the provider
/// says, and disabling ends its open sessions" (ASVS 5.0 7.4.2, sessions end when the
/// account is disabled; NIST SP 800-63C: the RP's own account standing decides). A staff
/// member signed in through the upstream is disabled by a downstream administrator: their
/// downstream session ends; the upstream, whose session is alive, answers the next sign-in
/// at once with a code and `amr` mfa, and the downstream refuses it with the page of
/// `StaffProblem::Unavailable`, audited as `staff-sign-in-refused`.
async fn a_downstream_account_disabled_there_is_refused_whatever_the_upstream_says(
    backend: Backend,
) {
    let pair = pair(backend).await;
    let hal = "hal@corp.example";
    pair.upstream.active_user(hal, "Hal Staff", PASSWORD).await;
    connect(&pair, &[]).await;
    let staff = Staff::new(&pair);
    staff_sign_in(&pair, &staff, hal).await;
    staff
        .down
        .post("/terms", &[("agree", "yes"), ("version", "1")])
        .await;
    staff.down.get("/").await.assert_shows("Welcome, Hal Staff");
    let id = id_of(&pair.downstream, hal).await;

    cli(&pair.downstream, &["admin", "disable-user", "--email", hal]);
    assert!(
        staff.down.get("/").await.url.ends_with("/login"),
        "disabling ended the downstream session"
    );

    let to = click_sign_in_with_corp(&pair, &staff).await;
    let back = straight_back(&pair, &staff, &to).await;
    let page = staff.down.get_absolute(&back).await;
    assert_eq!(page.status, 403, "{page}");
    assert_eq!(
        page.heading().as_deref(),
        Some("Sign-in through your company did not work")
    );
    page.assert_shows(&StaffProblem::Unavailable.to_string());
    assert!(staff.down.get("/").await.url.ends_with("/login"));
    assert_eq!(
        pair.downstream
            .count(&format!(
                "SELECT COUNT(*) FROM sessions WHERE account_id = {id}
                 AND stage = 'authenticated' AND revoked_at IS NULL"
            ))
            .await,
        0
    );
    let refused = entries(&pair.downstream, "staff-sign-in-refused").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    let (_, subject, detail) = &refused[0];
    assert_eq!(subject, &format!("account:{id}"));
    assert_eq!(detail["provider"], PROVIDER);
    assert_eq!(detail["reason"], "disabled or locked");
    assert_eq!(entries(&pair.downstream, "signed-in").await.len(), 1);
    // The upstream did answer: twice a code for the downstream.
    assert_eq!(entries(&pair.upstream, "client-sign-in").await.len(), 2);
}
