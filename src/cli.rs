//! The `tessera` command: `serve`, `migrate`, `admin …` and `audit verify`, each a thin
//! front door onto the same flows as the web pages.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::config::Config;
use crate::domain::account::Role;
use crate::domain::factor::{FactorKind, PasskeyRequirement};
use crate::flows::invitation;
use crate::flows::{self, human_time};
use crate::store::AccountFlag;

#[derive(Parser, Debug)]
#[command(
    name = "tessera",
    version,
    about = "Self-hosted multi-factor sign-in portal"
)]
pub struct Cli {
    /// TOML configuration file; every key can also be set as a TESSERA_* variable.
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the portal.
    Serve,
    /// Create or update the database schema, then exit.
    Migrate {
        /// Change nothing: print the database's version, this binary's, what is pending and
        /// whether it is expand-only, and exit with a code a rollout script branches on:
        /// 0 up to date; 10 expand steps pending (safe to run while older nodes serve);
        /// 11 a contract step pending (stop older nodes first); 12 the database is newer than
        /// this binary but compatible; 13 newer and incompatible (this binary would refuse to
        /// start); 14 a migration failed part-way; 1 the database cannot be reached.
        #[arg(long)]
        check: bool,
    },
    /// Administer organizations and users.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Work with the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Work with the encryption keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Copy the database while the portal runs, with a manifest and, sealed under a
    /// passphrase, the keys that are not in the database (docs/operations.md, "Backups").
    Backup {
        /// The backup file to make (it must not exist yet).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        /// A file holding the passphrase (at least 15 characters); or TESSERA_BACKUP_PASSPHRASE.
        #[arg(long, value_name = "PATH")]
        passphrase_file: Option<PathBuf>,
        /// Leave the keys out (the command says which to back up apart, and where they are).
        #[arg(long)]
        without_keys: bool,
    },
    /// Restore a backup into an empty place, and verify its audit log (docs/operations.md).
    Restore {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// A file holding the backup's passphrase; or TESSERA_BACKUP_PASSPHRASE.
        #[arg(long, value_name = "PATH")]
        passphrase_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an invited account and email its registration link.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The organization's name (see create-org).
        #[arg(long)]
        org: Option<String>,
        #[arg(long, default_value = "user", value_parser = ["user", "org-admin"])]
        role: String,
    },
    /// Import current portal users from a CSV file (columns email, display_name,
    /// password_hash, and optionally organization, role). Every row is checked first;
    /// nothing is imported if any row is bad.
    Import {
        #[arg(long)]
        file: PathBuf,
    },
    /// List accounts with their status, factor and last sign-in (tab-separated).
    ListUsers {
        /// Only this organization's accounts.
        #[arg(long)]
        org: Option<String>,
        /// invited, registering, active or imported.
        #[arg(long)]
        status: Option<String>,
        /// Part of the email address or name.
        #[arg(long, default_value = "")]
        search: String,
    },
    /// Issue an API token for /api/v1 (shown once). With --org it acts only within that
    /// organization, as its administrators do; without, on every organization.
    CreateToken {
        #[arg(long)]
        name: String,
        #[arg(long)]
        org: Option<String>,
        /// Lifetime in days (1 to 366).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Register an application that signs people in through Tessera (an OpenID Connect
    /// client). Prints `client_id: VALUE` and, unless --public, `client_secret: VALUE` (shown
    /// only now).
    CreateClient {
        #[arg(long)]
        name: String,
        /// Where the sign-in returns (matched exactly); give one or more.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        #[arg(long = "backchannel-logout-uri")]
        backchannel_logout_uri: Option<String>,
        /// Where people start the application: listed on their Tessera home page.
        #[arg(long = "start-url")]
        start_url: Option<String>,
        /// A client that cannot keep a secret (it must use PKCE).
        #[arg(long)]
        public: bool,
        /// Only this organization's people may use it.
        #[arg(long)]
        org: Option<String>,
        #[arg(long = "id-token-alg", value_parser = ["RS256", "ES256"])]
        id_token_alg: Option<String>,
    },
    /// Register an application a reverse proxy protects with forward authentication
    /// (`/authz/auth-request`, `/authz/forward-auth`); `/login?rd=` returns only to these.
    /// Prints `app: ORIGIN`.
    CreateApp {
        #[arg(long)]
        name: String,
        /// Its origin, such as https://portal.example.org.
        #[arg(long)]
        url: String,
        /// Only this organization's people may use it (repeat for several; none: everyone's).
        #[arg(long = "org")]
        orgs: Vec<String>,
    },
    /// Register the company's own OpenID Connect provider for staff single sign-on. Its
    /// discovery document is read first: it must name exactly this issuer. Prints `idp: NAME`.
    CreateIdp {
        /// Shown on the login page as "Sign in with NAME".
        #[arg(long)]
        name: String,
        #[arg(long)]
        issuer: String,
        /// Ids and secrets may begin with `-` (base64url ones do): taken as values.
        #[arg(long = "client-id", allow_hyphen_values = true)]
        client_id: String,
        /// Stored sealed; never shown again.
        #[arg(long = "client-secret", allow_hyphen_values = true)]
        client_secret: String,
        /// A staff email domain sent to this provider (repeat for several).
        #[arg(long = "domain", required = true)]
        domains: Vec<String>,
        /// The organization new staff accounts are created in.
        #[arg(long)]
        org: Option<String>,
        /// Ask for Tessera's own second factor even when the provider asked for one.
        #[arg(long = "require-local-mfa")]
        require_local_mfa: bool,
    },
    /// Revoke an API token at once.
    RevokeToken {
        #[arg(long)]
        id: i64,
    },
    /// Allow or refuse the email factor or the phone factor (SMS and voice) for an organization.
    SetFactors {
        #[arg(long)]
        org: String,
        #[arg(long, value_parser = ["on", "off"])]
        email: Option<String>,
        #[arg(long, value_parser = ["on", "off"])]
        phone: Option<String>,
        /// Authenticator apps (TOTP).
        #[arg(long, value_parser = ["on", "off"])]
        app: Option<String>,
        #[arg(long, value_parser = ["on", "off"])]
        passkey: Option<String>,
        /// Require a passkey of the organization's administrators, of everyone, or of nobody;
        /// people without one are led to enrol one at their next sign-in.
        #[arg(long = "require-passkey", value_parser = ["admins", "everyone", "off"])]
        require_passkey: Option<String>,
    },
    /// Create an organization.
    CreateOrg {
        #[arg(long)]
        name: String,
    },
    /// Disable an account: it cannot sign in, and its sessions end.
    DisableUser {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account again.
    EnableUser {
        #[arg(long)]
        email: String,
    },
    /// Lock an account: it cannot sign in until unlocked, and its sessions end.
    LockUser {
        #[arg(long)]
        email: String,
    },
    /// Unlock a locked account.
    UnlockUser {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Re-encrypt every stored phone number under the current key (the first of
    /// TESSERA_ENCRYPTION_KEYS). Keep the older keys listed until this has run; it can run
    /// while the portal serves.
    Rotate,
    /// Make a new ID-token signing key of each algorithm: published at once, signing an hour
    /// later; the keys it replaces stay published until their last tokens expire.
    RotateSigning,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain under the server's key; names the first broken entry and prints
    /// the head (SEQ:HASH) to record outside the database.
    Verify {
        /// A head recorded earlier (printed by verify, or from the server's log): its entry
        /// must still be in the chain with that hash, which finds entries cut from the end.
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<crate::audit::ChainHead>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate { check: true } => check_migrations(&config).await,
        Command::Migrate { check: false } => {
            App::build(config).await?.store.close().await;
            println!("The database is up to date.");
            Ok(())
        }
        Command::Admin(command) => admin(config, command).await,
        Command::Audit(AuditCommand::Verify { expect_head }) => {
            audit_verify(config, expect_head).await
        }
        Command::Keys(KeysCommand::Rotate) => rotate_keys(config).await,
        Command::Keys(KeysCommand::RotateSigning) => rotate_signing_keys(config).await,
        Command::Backup {
            to,
            passphrase_file,
            without_keys,
        } => backup(config, &to, passphrase_file, without_keys).await,
        Command::Restore {
            from,
            passphrase_file,
        } => restore(config, &from, passphrase_file).await,
    }
}

/// `tessera migrate --check`: reads, never writes, and exits with the verdict's code.
async fn check_migrations(config: &Config) -> anyhow::Result<()> {
    use crate::store::migrations::{self, Verdict, exit};
    let (backend, applied) = match crate::store::read_migrations(&config.database_url).await {
        Ok(read) => read,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(exit::CANNOT_CHECK.into());
        }
    };
    let verdict = Verdict::of(backend, &applied);
    let carried = migrations::latest(backend);
    println!("database: version {}", applied.version());
    println!("this binary: carries migrations up to {carried}");
    if applied.floor.needs_version > 0 {
        println!(
            "the database needs: a binary carrying migration {} or later (set by migration {} {})",
            applied.floor.needs_version,
            applied.floor.contract_version,
            applied.floor.contract_name
        );
    }
    if let Verdict::Pending { pending, .. } = &verdict {
        for step in pending {
            println!(
                "pending: {:04} {} ({})",
                step.version,
                step.name,
                step.kind()
            );
        }
    }
    println!("{}", verdict.advice(backend));
    // The code is the answer: `process::exit` rather than an error, which would print "error:"
    // and exit 1. Nothing is left to flush or close (the pool closed above).
    std::process::exit(verdict.exit_code().into())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    tracing::info!(config = ?app.config, "starting");
    // For `tessera admin` in another terminal (`App::build_for_command_line`).
    app.store
        .record_setting(
            crate::store::settings::PUBLIC_URL,
            &app.config.public_url(),
            app.now(),
        )
        .await?;
    if let Some((link, expires_at)) = invitation::first_administrator_link(&app).await? {
        println!(
            "\nNo system administrator is registered yet. Open this one-time link to register the first one\n(it works once, until {}):\n\n    {link}\n",
            human_time(expires_at)
        );
    }
    if let Some(messages) = app.config.outbox_messages() {
        if app.config.dev_outbox_page() {
            println!(
                "Development outbox for {messages}: {}",
                app.url("/dev/outbox")
            );
        } else {
            // Codes and links on a page others could reach: printed here only.
            println!(
                "Development outbox for {messages}: printed here only (its page exists only in development, when the public URL is an http loopback address and no proxy is trusted)"
            );
            tracing::warn!(
                messages,
                "in production these messages are not delivered: configure them, or turn the factor off for every organization"
            );
        }
    }
    // Before the first request: an RSA key takes a moment to make.
    flows::signing_keys::ensure(&app).await?;
    let listener = tokio::net::TcpListener::bind(app.config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", app.config.listen))?;
    println!(
        "Tessera is listening on {} (public URL {})",
        app.config.listen,
        app.config.public_url()
    );
    let calibrating = app.clone();
    tokio::spawn(async move {
        if let Err(e) = flows::sign_in::calibrate_timing(&calibrating).await {
            tracing::warn!(error = %e, "imported hashes not timed; their first check may be slower");
        }
    });
    let heads = tokio::spawn(crate::flows::audit_log::log_head_periodically(app.clone()));
    let retention = tokio::spawn(crate::flows::retention::prune_periodically(app.clone()));
    let mail = tokio::spawn(crate::flows::mail_queue::deliver_continuously(app.clone()));
    let reminders = tokio::spawn(crate::flows::rollout::remind_periodically(app.clone()));
    let logouts = tokio::spawn(crate::flows::backchannel::deliver_continuously(app.clone()));
    let metrics = tokio::spawn(crate::metrics::keep_up_periodically());
    let router = crate::web::router(app.clone());
    let limits = crate::web::ConnectionLimits::from_config(&app.config);
    crate::web::serve(listener, router, limits, shutdown_signal()).await?;
    heads.abort();
    retention.abort();
    mail.abort();
    reminders.abort();
    logouts.abort();
    metrics.abort();
    crate::flows::audit_log::log_head(&app).await;
    app.store.close().await;
    Ok(())
}

/// Disable, enable, lock or unlock the account of `email`, as the console does.
async fn set_flag(
    app: &App,
    cli: &flows::admin::Admin,
    email: &str,
    flag: AccountFlag,
    on: bool,
) -> anyhow::Result<()> {
    let unknown = || anyhow::anyhow!("there is no account with the email address {email:?}");
    let address = crate::domain::email::Email::parse(email).map_err(|_| unknown())?;
    let Some((account, _)) = app.store.account_by_email(&address).await? else {
        return Err(unknown());
    };
    flows::admin::set_flag(app, cli, account.id, flag, on)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let done = match (flag, on) {
        (AccountFlag::Disabled, true) => "disabled; its sessions ended",
        (AccountFlag::Disabled, false) => "enabled",
        (AccountFlag::Locked, true) => "locked; its sessions ended",
        (AccountFlag::Locked, false) => "unlocked",
    };
    println!("{} {done}.", address.as_str());
    Ok(())
}

/// SIGTERM or Ctrl-C: stop accepting, finish the requests in flight, then exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

async fn admin(config: Config, command: AdminCommand) -> anyhow::Result<()> {
    let (app, source) = App::build_for_command_line(config).await?;
    // What the command sends (an invitation) bears the brand, as the server's letters do.
    crate::templates::branded(app.brand.clone(), admin_command(app, source, command)).await
}

async fn admin_command(
    app: std::sync::Arc<App>,
    source: crate::app::PublicUrlSource,
    command: AdminCommand,
) -> anyhow::Result<()> {
    if matches!(
        command,
        AdminCommand::CreateUser { .. } | AdminCommand::Import { .. }
    ) {
        // Links in letters must reach the running server: say which address they carry.
        eprintln!(
            "Links point to {} ({}).",
            app.config.public_url(),
            source.describe()
        );
    }
    let cli = flows::admin::Admin::cli();
    let result = match command {
        AdminCommand::CreateUser {
            email,
            name,
            org,
            role,
        } => {
            // The same flow, rules and audit as the console and the API (an organization
            // administrator needs an organization), with the command line as the principal.
            let role = Role::parse(&role).unwrap_or(Role::User);
            let invited = flows::admin::invite(&app, &cli, &email, &name, org.as_deref(), role)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            // The email is queued with the account; the command has no worker, so it sends
            // its own letter now. One the mail server cannot take stays queued for
            // `tessera serve`, which retries it.
            let delivery = flows::mail_queue::deliver_for(&app, invited.account_id).await?;
            println!(
                "{} {} (account {}). The registration link works once, until {}.",
                if invited.resent {
                    "Sent a new registration link to the invited account"
                } else {
                    "Invited"
                },
                crate::domain::mask::email(
                    &app.store
                        .account_by_id(invited.account_id)
                        .await?
                        .email
                        .to_string()
                ),
                invited.account_id,
                human_time(invited.expires_at)
            );
            if let Some(error) = delivery.last_error {
                println!(
                    "The registration email could not be sent now ({error}). It stays queued: `tessera serve` retries it, and one that still cannot be sent is listed for administrators at /admin/mail."
                );
            }
            Ok(())
        }
        AdminCommand::Import { file } => import(&app, &file).await,
        AdminCommand::RevokeToken { id } => {
            match flows::admin::revoke_token(&app, &cli, id).await {
                Ok(()) => {
                    println!("API token {id} revoked.");
                    Ok(())
                }
                Err(flows::admin::AdminRefusal::NotFound) => {
                    Err(anyhow::anyhow!("there is no live API token {id}"))
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        AdminCommand::DisableUser { email } => {
            set_flag(&app, &cli, &email, AccountFlag::Disabled, true).await
        }
        AdminCommand::EnableUser { email } => {
            set_flag(&app, &cli, &email, AccountFlag::Disabled, false).await
        }
        AdminCommand::LockUser { email } => {
            set_flag(&app, &cli, &email, AccountFlag::Locked, true).await
        }
        AdminCommand::UnlockUser { email } => {
            set_flag(&app, &cli, &email, AccountFlag::Locked, false).await
        }
        AdminCommand::SetFactors {
            org,
            email,
            phone,
            app: app_factor,
            passkey,
            require_passkey,
        } => {
            let Some(org_id) = app.store.org_by_name(&org).await? else {
                return Err(anyhow::anyhow!("there is no organization named {org:?}"));
            };
            let on = |value: Option<String>| value.map(|v| v == "on");
            let change = flows::admin::PolicyChange {
                kinds: vec![
                    (FactorKind::Email, on(email)),
                    (FactorKind::Phone, on(phone)),
                    (FactorKind::App, on(app_factor)),
                    (FactorKind::Passkey, on(passkey)),
                ],
                require_passkey: require_passkey
                    .as_deref()
                    .and_then(PasskeyRequirement::parse),
            };
            let policy = flows::admin::set_factor_policy(&app, &cli, org_id, &change)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let on = |kind| {
                if policy.allowed.allows(kind) {
                    "on"
                } else {
                    "off"
                }
            };
            println!(
                "{org}: email factor {}, phone factor {}, authenticator app {}, passkey {}; passkey required of {}.",
                on(FactorKind::Email),
                on(FactorKind::Phone),
                on(FactorKind::App),
                on(FactorKind::Passkey),
                match policy.require_passkey {
                    PasskeyRequirement::Off => "nobody",
                    PasskeyRequirement::Admins => "administrators",
                    PasskeyRequirement::Everyone => "everyone",
                }
            );
            Ok(())
        }
        AdminCommand::CreateClient {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            start_url,
            public,
            org,
            id_token_alg,
        } => {
            let request = flows::clients::ClientRequest {
                name,
                public,
                organization: org,
                id_token_alg,
                redirect_uris,
                post_logout_redirect_uris,
                backchannel_logout_uri,
                start_url,
            };
            let created = flows::clients::create(&app, &cli, request)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("client_id: {}", created.client_id);
            if let Some(secret) = created.client_secret {
                println!("client_secret: {secret}");
                eprintln!(
                    "The client secret is shown only now; Tessera keeps only a keyed hash of it."
                );
            }
            Ok(())
        }
        AdminCommand::CreateApp { name, url, orgs } => {
            let request = flows::apps::AppRequest {
                name,
                url,
                organizations: orgs,
            };
            let created = flows::apps::create(&app, &cli, request)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("app: {}", created.url);
            Ok(())
        }
        AdminCommand::CreateIdp {
            name,
            issuer,
            client_id,
            client_secret,
            domains,
            org,
            require_local_mfa,
        } => {
            let request = flows::staff_sso::ProviderRequest {
                name: name.clone(),
                issuer,
                client_id,
                client_secret,
                domains,
                organization: org,
                require_local_mfa,
            };
            flows::staff_sso::create(&app, &cli, request)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("idp: {}", name.trim());
            Ok(())
        }
        AdminCommand::CreateToken { name, org, days } => {
            match flows::admin::issue_token(&app, &cli, &name, org.as_deref(), days).await {
                Ok(crate::flows::admin::IssuedToken { id, token, .. }) => {
                    println!("{token}");
                    eprintln!(
                        "API token {id} issued; it is shown only now and expires in {days} days. Send it as: Authorization: Bearer <token>"
                    );
                    Ok(())
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        AdminCommand::ListUsers {
            org,
            status,
            search,
        } => list_users(&app, org, status, search).await,
        AdminCommand::CreateOrg { name } => {
            match flows::admin::create_organization(&app, &cli, &name).await {
                Ok(org) => {
                    println!("Created organization {:?} (id {}).", org.name, org.id);
                    Ok(())
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
    };
    app.store.close().await;
    result
}

async fn audit_verify(
    config: Config,
    expect: Option<crate::audit::ChainHead>,
) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    let verified = crate::flows::audit_log::verify_chain(&app, expect.as_ref()).await;
    app.store.close().await;
    match verified? {
        Ok(verified) => {
            let head = verified.head;
            println!(
                "The audit log is intact: {} entries, each linked to the one before and sealed under the server's key.",
                verified.entries
            );
            println!("Head: {head}");
            if let Some(expect) = expect {
                println!("The recorded head {expect} is still in the chain.");
            }
            println!(
                "Keep the head outside the database; `tessera audit verify --expect-head {head}` later shows that the entries up to it are still there, unchanged."
            );
            Ok(())
        }
        Err(problem) => Err(anyhow::anyhow!(
            "the audit log has been tampered with: {problem}"
        )),
    }
}

async fn import(app: &App, path: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    eprintln!("Checking every row of {} …", path.display());
    let started = std::time::Instant::now();
    let last_shown = std::sync::atomic::AtomicUsize::new(0);
    let progress = |done: usize, total: usize| {
        // A progress bar on standard error: 40 characters, redrawn every few percent.
        let percent = done * 100 / total.max(1);
        if percent >= last_shown.load(std::sync::atomic::Ordering::Relaxed) + 5 || done == total {
            last_shown.store(percent, std::sync::atomic::Ordering::Relaxed);
            let filled = percent * 40 / 100;
            eprint!(
                "\rImporting [{}{}] {done}/{total} ({percent}%)",
                "#".repeat(filled),
                "-".repeat(40 - filled)
            );
            let _ = std::io::stderr().flush();
        }
    };
    match crate::flows::import::import_users(app, std::io::BufReader::new(file), "cli", progress)
        .await
    {
        Ok(n) => {
            eprintln!();
            println!(
                "Imported {n} users in {:.1} s. They sign in once with their old password (\"first login with multi-factor authentication\" on the login page), then set a new one and register a factor.",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(crate::flows::import::ImportProblem::Rows(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            anyhow::bail!(
                "{} row(s) are not valid; no users were imported. Fix them and run the import again.",
                crate::domain::import::bad_lines(&problems)
            )
        }
        Err(crate::flows::import::ImportProblem::Internal(e)) => Err(e.into()),
    }
}

async fn list_users(
    app: &App,
    org: Option<String>,
    status: Option<String>,
    search: String,
) -> anyhow::Result<()> {
    let org_id = match &org {
        Some(name) => Some(
            app.store
                .org_by_name(name)
                .await?
                .ok_or_else(|| anyhow::anyhow!("there is no organization named {name:?}"))?,
        ),
        None => None,
    };
    if let Some(s) = &status
        && crate::domain::account::AccountStatus::parse(s).is_none()
    {
        anyhow::bail!("--status must be invited, registering, active or imported");
    }
    println!("id\temail\tname\torganization\trole\tstatus\tmethod\tlast sign-in");
    let mut page = 0;
    loop {
        let filter = crate::store::ListFilter {
            org_id,
            search: search.clone(),
            status: status.clone(),
            page,
            per_page: 1000,
            sort: crate::store::Sort::Email,
        };
        let list = app.store.list_accounts(&filter).await?;
        for a in &list.accounts {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}{}{}\t{}\t{}",
                a.id,
                a.email,
                a.display_name,
                a.organization.as_deref().unwrap_or("-"),
                a.role.as_str(),
                a.status.as_str(),
                if a.disabled { " (disabled)" } else { "" },
                if a.locked { " (locked)" } else { "" },
                a.mfa_method.map_or("-", FactorKind::as_str),
                a.last_sign_in_at
                    .map_or_else(|| "never".to_string(), human_time),
            );
        }
        if list.accounts.len() < 1000 {
            break;
        }
        page += 1;
    }
    Ok(())
}

async fn rotate_signing_keys(config: Config) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    let made = flows::signing_keys::rotate(&app, "cli").await;
    app.store.close().await;
    for key in made? {
        println!(
            "{} key {}: published now, signs from {}",
            key.alg.as_str(),
            key.kid,
            human_time(key.signs_from)
        );
    }
    Ok(())
}

async fn rotate_keys(config: Config) -> anyhow::Result<()> {
    use crate::sealing::Kind;
    let app = App::build(config).await?;
    let sealer = app.sealer.clone();
    let reseal = move |kind: Kind, stored: &str| -> anyhow::Result<Option<String>> {
        if !sealer.needs_resealing(stored) {
            return Ok(None);
        }
        let plain = sealer.open(kind, stored)?;
        Ok(Some(sealer.seal(kind, &plain)))
    };
    let event = crate::audit::AuditEvent::new("keys-rotated", "cli", "encryption");
    let changed = app.store.reseal_values(reseal, app.now(), event).await;
    app.store.close().await;
    let changed = changed?;
    println!(
        "Re-encrypted {changed} stored values (phone numbers, signing keys, queued mail) under the current key."
    );
    Ok(())
}

/// The backup passphrase from `--passphrase-file`, else `TESSERA_BACKUP_PASSPHRASE`.
fn backup_passphrase(
    file: Option<PathBuf>,
) -> anyhow::Result<Option<crate::passphrase::Passphrase>> {
    let text = match file {
        Some(path) => Some(std::fs::read_to_string(&path).map_err(|e| {
            anyhow::anyhow!("cannot read the passphrase file {}: {e}", path.display())
        })?),
        None => std::env::var("TESSERA_BACKUP_PASSPHRASE").ok(),
    };
    Ok(text
        .map(|t| crate::passphrase::Passphrase::parse(&t))
        .transpose()?)
}

async fn backup(
    config: Config,
    to: &std::path::Path,
    passphrase_file: Option<PathBuf>,
    without_keys: bool,
) -> anyhow::Result<()> {
    use flows::backup::KeysChoice;
    let choice = match (backup_passphrase(passphrase_file)?, without_keys) {
        (_, true) => KeysChoice::Without,
        (Some(phrase), false) => KeysChoice::Sealed(phrase),
        (None, false) => anyhow::bail!(
            "a backup without the keys cannot be restored to a working portal: give --passphrase-file PATH or set TESSERA_BACKUP_PASSPHRASE to seal them into it, or --without-keys to back them up apart yourself; no backup was made"
        ),
    };
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    let done = flows::backup::backup(&config, to, choice, now).await?;
    println!("{}", flows::backup::report::backup(&done));
    Ok(())
}

async fn restore(
    config: Config,
    from: &std::path::Path,
    passphrase_file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let phrase = backup_passphrase(passphrase_file)?;
    let now = crate::clock::Clock::now(&crate::clock::SystemClock);
    let done = flows::backup::restore(&config, from, phrase, now).await?;
    println!("{}", flows::backup::report::restore(&done));
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{AdminCommand, Cli, Command};

    /// `create-client` prints base64url ids and secrets, about one in 64 starting with `-`:
    /// pasted into `create-idp` of another Tessera, they are values, not options.
    #[test]
    fn create_idp_takes_an_id_and_a_secret_that_begin_with_a_hyphen() {
        let cli = Cli::try_parse_from([
            "tessera",
            "admin",
            "create-idp",
            "--name",
            "Corp",
            "--issuer",
            "https://idp.example",
            "--client-id",
            "-K5Asa6",
            "--client-secret",
            "-s3cret",
            "--domain",
            "corp.example",
        ])
        .expect("parsed");
        let Command::Admin(AdminCommand::CreateIdp {
            client_id,
            client_secret,
            ..
        }) = cli.command
        else {
            panic!("not create-idp");
        };
        assert_eq!(
            (client_id.as_str(), client_secret.as_str()),
            ("-K5Asa6", "-s3cret")
        );
    }
}
