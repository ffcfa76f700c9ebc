//! `tessera-bench`: the load harness of issue 7. It starts a real `tessera serve` on a fresh
//! database, creates active users through the real pages, and measures complete sign-ins,
//! the Argon2id limit of this machine, code checks, authenticated page views beside
//! `/healthz`, resident memory, and (issue 13) complete OpenID Connect sign-ins of an
//! application with its token refreshes, and (issue 15) forward-authentication checks beside
//! `/healthz`. It writes a Markdown table to BENCHMARKS.md.
//!
//! Mail goes to the development outbox (no SMTP server), and the harness reads codes and links
//! from the `dev_outbox` table, as a person reads their mailbox.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a harness: failing loudly is right

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clap::Parser;
use sha2::{Digest, Sha256};
use sqlx::Row;
use tessera::domain::account::Role;
use tessera::flows::invitation::{self, InvitationRequest};

mod priority;
mod statements;

const SECRET_KEY: &str = "YmVuY2gta2V5LWJlbmNoLWtleS1iZW5jaC1rZXktMzJieXRlcyE=";
const PASSWORD: &str = "Measured-Throughput-Of-Lanterns-7";

#[derive(Parser, Clone)]
#[command(about = "Load harness for Tessera; writes BENCHMARKS.md")]
struct Args {
    /// The tessera binary (default: the one next to this program).
    #[arg(long)]
    tessera: Option<PathBuf>,
    /// Seconds per measured item.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Active users to create.
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Also run on PostgreSQL, on one node and on two nodes sharing the database: a server
    /// URL; a fresh database is created and dropped for each.
    #[arg(long)]
    postgres: Option<String>,
    /// Live sessions for the memory reading (item 5).
    #[arg(long, default_value_t = 10_000)]
    sessions: usize,
    /// Accounts for the memory reading (item 5).
    #[arg(long, default_value_t = 100_000)]
    accounts: usize,
    /// Where the Markdown report goes.
    #[arg(long, default_value = "BENCHMARKS.md")]
    out: PathBuf,
    /// A label for the report's heading (e.g. "smoke").
    #[arg(long, default_value = "full")]
    label: String,
    /// Fail unless item 8 was counted and within its budgets (CI's smoke run): PostgreSQL
    /// given and started with `pg_stat_statements`.
    #[arg(long)]
    require_statement_counts: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    priority::start();
    tessera::crypto::install_tls_provider();
    let tessera = match &args.tessera {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("tessera"),
    };
    if !tessera.exists() {
        bail!(
            "{} not found (build it, or pass --tessera)",
            tessera.display()
        );
    }
    let mut results = vec![run_backend(&args, &tessera, None, 1).await?];
    if let Some(pg) = &args.postgres {
        results.push(run_backend(&args, &tessera, Some(pg), 1).await?);
        results.push(run_backend(&args, &tessera, Some(pg), 2).await?);
    }
    let report = report(&args, &tessera, &results);
    std::fs::write(&args.out, &report)?;
    println!("{report}");
    let counted: Vec<_> = results
        .iter()
        .filter_map(|r| r.statements.as_ref()?.as_ref().ok())
        .collect();
    if args.require_statement_counts && counted.is_empty() {
        bail!(
            "item 8 was not counted (see its row in {})",
            args.out.display()
        );
    }
    let over: Vec<String> = counted
        .into_iter()
        .flat_map(|counts| statements::over_budget(counts))
        .collect();
    if !over.is_empty() {
        bail!("{}", over.join("\n"));
    }
    Ok(())
}

/// Argon2id hashes per second with Tessera's own hasher and parameters, every core busy.
async fn argon2_limit(duration: Duration) -> anyhow::Result<f64> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let hasher = tessera::crypto::PasswordHasher::new(cores)?;
    let stop = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cores * 2 {
        let hasher = hasher.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < stop {
                hasher.hash(PASSWORD).await.expect("hash");
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await?;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

struct BackendResult {
    backend: &'static str,
    /// The Argon2id limit, measured just before the sign-ins with the servers idle: the
    /// machine's speed drifts by several percent over a run, so each ratio compares figures
    /// taken minutes apart at most.
    argon2: f64,
    sign_ins: Rate,
    /// Sign-ins at half of `sign_ins`' rate, each request timed, with page views beside.
    paced: Paced,
    /// The servers' CPU time per complete sign-in.
    cpu_per_sign_in_ms: f64,
    /// Of it, the password hashes' (the servers' own `tessera_password_hash_cpu_seconds_total`).
    hash_cpu_per_sign_in_ms: f64,
    /// This program's CPU time per sign-in: the simulated browsers and the mailbox reader.
    clients_cpu_per_sign_in_ms: f64,
    /// PostgreSQL's processes' CPU time per sign-in (zero on SQLite, which runs in the portal).
    database_cpu_per_sign_in_ms: f64,
    checks: Rate,
    pages: Rate,
    healthz: Rate,
    /// A reverse proxy's checks with signed-in sessions, and `/healthz` in the same run.
    forward_checks: Rate,
    healthz_beside_checks: Rate,
    /// Complete OIDC sign-ins of an application, compared with the same Argon2id limit.
    oidc_sign_ins: Rate,
    /// Token refreshes of that application, each family used by one client.
    refreshes: Rate,
    /// The servers' CPU time per OIDC sign-in and per refresh.
    cpu_per_oidc_sign_in_ms: f64,
    cpu_per_refresh_ms: f64,
    /// Resident memory, summed over the nodes.
    rss_rest_kib: u64,
    rss_after_kib: u64,
    users: usize,
    /// One node only: the memory readings with many sessions and many accounts.
    scale: Option<Scale>,
    /// PostgreSQL, one node: statements per journey, each journey alone (item 8); or why
    /// they were not counted. `None` on SQLite, which runs inside the portal.
    statements: Option<Result<Vec<(&'static str, statements::Counted)>, String>>,
}

struct Scale {
    sessions: usize,
    /// One authenticated page view with each live session.
    session_pages: Rate,
    rss_sessions_kib: u64,
    accounts: usize,
    /// Rows brought in by `tessera admin import` (the accounts beyond the active users)…
    imported: usize,
    /// …and how long it took.
    import: Duration,
    /// Complete sign-ins among that many accounts.
    sign_ins: Rate,
    rss_accounts_kib: u64,
    /// The highest resident memory while the retention job deleted the ended sessions, and
    /// how many it deleted.
    rss_prune_kib: u64,
    pruned: u64,
}

/// Operations per second and latency percentiles.
#[derive(Default)]
struct Rate {
    count: usize,
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Rate {
    /// `N/s (p50 / p99 ms)`, as the report's rows write a rate.
    fn summary(&self) -> String {
        format!(
            "{:.0}/s ({:.1} / {:.1} ms)",
            self.per_sec, self.p50_ms, self.p99_ms
        )
    }

    fn from(mut latencies: Vec<Duration>, elapsed: Duration) -> Self {
        latencies.sort();
        let pct = |p: f64| {
            if latencies.is_empty() {
                return 0.0;
            }
            let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
            latencies[i].as_secs_f64() * 1000.0
        };
        Self {
            count: latencies.len(),
            per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
            p50_ms: pct(0.50),
            p99_ms: pct(0.99),
        }
    }
}

/// A running `tessera serve`, stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    base: String,
    db_url: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Server {
    async fn start(tessera: &PathBuf, db_url: Option<String>) -> anyhow::Result<Self> {
        // A directory of our own (tempfile is only a dev-dependency), removed on drop.
        let dir = std::env::temp_dir().join(format!(
            "tessera-bench-{}",
            &tessera::crypto::random_token()?[..12]
        ));
        std::fs::create_dir_all(&dir)?;
        let db_url = db_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").to_string_lossy()));
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut serve = Command::new(tessera);
        serve
            .arg("serve")
            .env_remove("TESSERA_CONFIG")
            .env_remove("TESSERA_SMTP_URL")
            .env("TESSERA_DATABASE_URL", &db_url)
            .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
            .env("TESSERA_SECRET_KEY", SECRET_KEY)
            .env("TESSERA_LOG", "warn")
            // Long enough that sessions prepared for the code-check item keep their codes.
            .env("TESSERA_EMAIL_LOGIN_CODE_TTL_SECS", "600")
            // The retention job runs as often as allowed, so item 5 reads memory while it prunes.
            .env("TESSERA_RETENTION_INTERVAL_SECS", "60")
            .stdout(Stdio::null()); // the outbox prints every message
        let child = priority::at_normal_priority(move || serve.spawn())
            .context("starting tessera serve")?;
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            db_url,
            dir,
        };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = http.get(format!("{}/readyz", server.base)).send().await
                && r.status() == 200
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("tessera serve did not become ready")
    }

    /// CPU time the server process has used (user + system), in milliseconds.
    fn cpu_ms(&self) -> f64 {
        process_cpu_ms(self.child.id())
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }
}

/// The CPU time the servers spent on password hashes so far, in milliseconds, as their
/// `/metrics` tell it.
async fn hash_cpu_ms(servers: &[Server]) -> anyhow::Result<f64> {
    let mut total = 0.0;
    for server in servers {
        let metrics = shared_http()
            .get(format!("{}/metrics", server.base))
            .send()
            .await?
            .text()
            .await?;
        total += metrics
            .lines()
            .find_map(|l| l.strip_prefix("tessera_password_hash_cpu_seconds_total "))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .context("no tessera_password_hash_cpu_seconds_total in /metrics")?
            * 1000.0;
    }
    Ok(total)
}

/// CPU time a process has used (user + system), in milliseconds, from /proc.
fn process_cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) start at the state, field 3.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    ticks(11).unwrap_or(0.0) * 10.0 + ticks(12).unwrap_or(0.0) * 10.0
}

/// CPU time of everything on the machine that is not the portal, in milliseconds: this
/// program (the load clients) and PostgreSQL's processes, whose work shares the cores.
fn others_cpu_ms() -> (f64, f64) {
    let clients = process_cpu_ms(std::process::id());
    let database = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(process_cpu_ms)
        .sum();
    (clients, database)
}

/// A browser: cookies by hand (redirect responses set them too), redirects followed by hand.
/// With two nodes each request goes to the other one, a load balancer's worst case.
#[derive(Clone)]
struct Agent {
    bases: Arc<[String]>,
    turn: usize,
    http: reqwest::Client,
    cookies: HashMap<String, String>,
    csrf: Option<String>,
    /// Each HTTP request (`POST /login`, its path without the query) and how long it took;
    /// a redirect followed is a request of its own.
    timings: Vec<(String, Duration)>,
}

/// One HTTP client for every browser (and the application's server): its connections are kept
/// and reused, as a real browser keeps its own, and no sign-in pays for building a client (TLS
/// roots and all). Redirects are followed by hand.
fn shared_http() -> reqwest::Client {
    static HTTP: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    });
    HTTP.clone()
}

impl Agent {
    fn new(bases: &Arc<[String]>) -> Self {
        Self {
            bases: bases.clone(),
            turn: 0,
            http: shared_http(),
            cookies: HashMap::new(),
            csrf: None,
            timings: Vec::new(),
        }
    }

    /// The node for the next request.
    fn base(&mut self) -> String {
        self.turn += 1;
        self.bases[self.turn % self.bases.len()].clone()
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || text.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
    }

    /// Sends, then follows redirects with GET; returns the final status, URL and body.
    async fn send(
        &mut self,
        mut request: reqwest::RequestBuilder,
    ) -> anyhow::Result<(u16, String, String)> {
        for _ in 0..10 {
            let started = Instant::now();
            let label = request
                .try_clone()
                .and_then(|r| r.build().ok())
                .map(|r| format!("{} {}", r.method(), r.url().path()))
                .unwrap_or_default();
            let response = request
                .header(reqwest::header::COOKIE, self.cookie_header())
                .send()
                .await?;
            self.keep_cookies(&response);
            let url = response.url().to_string();
            if response.status().is_redirection() {
                self.timings.push((label, started.elapsed()));
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("/")
                    .to_string();
                let next = if location.starts_with("http") {
                    location
                } else {
                    format!("{}{location}", self.base())
                };
                request = self.http.get(next);
                continue;
            }
            let status = response.status().as_u16();
            let body = response.text().await?;
            self.timings.push((label, started.elapsed()));
            return Ok((status, url, body));
        }
        bail!("too many redirects")
    }

    async fn get(&mut self, path: &str) -> anyhow::Result<(u16, String, String)> {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base())
        };
        let request = self.http.get(url);
        self.send(request).await
    }

    /// "Login With Email": the sign-in form, and its CSRF token for this browser's forms.
    async fn open_email_form(&mut self) -> anyhow::Result<()> {
        let (_, _, body) = self.get("/login/email").await?;
        self.csrf = Some(csrf_field(&body).context("no CSRF field")?);
        Ok(())
    }

    async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<(u16, String, String)> {
        if self.csrf.is_none() {
            self.open_email_form().await?;
        }
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone().unwrap_or_default();
        form.push(("csrf_token", &token));
        let url = format!("{}{path}", self.base());
        let request = self.http.post(url).form(&form);
        self.send(request).await
    }
}

fn csrf_field(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    Some(body[start..start + body[start..].find('"')?].to_string())
}

/// Reads the mailbox: the newest outbox message to `to` newer than `after`.
struct Mailbox {
    pool: sqlx::AnyPool,
}

impl Mailbox {
    async fn wait(&self, to: &str, after: i64) -> anyhow::Result<(i64, String)> {
        for _ in 0..2000 {
            let row = sqlx::query(
                "SELECT id, body FROM dev_outbox WHERE recipient = $1 AND id > $2 ORDER BY id DESC LIMIT 1",
            )
            .bind(to)
            .bind(after)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                return Ok((row.try_get("id")?, row.try_get("body")?));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        bail!("no message to {to}")
    }

    async fn code(&self, to: &str, after: i64) -> anyhow::Result<(i64, String)> {
        let (id, body) = self.wait(to, after).await?;
        let code = body
            .split("verification code is: ")
            .nth(1)
            .context("no code in the message")?
            .chars()
            .take(6)
            .collect();
        Ok((id, code))
    }
}

struct User {
    email: String,
    last_mail: i64,
}

/// Password and emailed code up to the point before the code is typed, in a fresh browser.
async fn to_code_stage(
    bases: &Arc<[String]>,
    mailbox: &Mailbox,
    user: &mut User,
) -> anyhow::Result<(Agent, String)> {
    let mut agent = Agent::new(bases);
    let code = password_and_emailed_code(&mut agent, mailbox, user).await?;
    Ok((agent, code))
}

/// The password, then Send Verification Code; the code read from the mailbox.
async fn password_and_emailed_code(
    agent: &mut Agent,
    mailbox: &Mailbox,
    user: &mut User,
) -> anyhow::Result<String> {
    let (_, url, _) = agent
        .post(
            "/login",
            &[
                ("email", &user.email),
                ("password", PASSWORD),
                ("method", "email"),
            ],
        )
        .await?;
    if !url.ends_with("/verify/email") {
        bail!("sign-in went to {url}");
    }
    agent.post("/verify/email/send", &[]).await?;
    let (id, code) = mailbox.code(&user.email, user.last_mail).await?;
    user.last_mail = id;
    Ok(code)
}

/// Types the code; for the email factor a confirmation page, then Continue to the home page.
async fn check_code(agent: &mut Agent, code: &str) -> anyhow::Result<()> {
    let (status, url, _) = agent.post("/verify/email/check", &[("code", code)]).await?;
    // A refused code renders the code page again; a good one redirects onwards.
    if status != 200 || url.ends_with("/verify/email/check") {
        bail!("code refused ({status}, {url})");
    }
    Ok(())
}

/// One complete sign-in in a fresh browser: password, emailed code, home page. The browser,
/// signed in, with its requests' timings.
async fn complete_sign_in(
    bases: &Arc<[String]>,
    mailbox: &Mailbox,
    user: &mut User,
) -> anyhow::Result<Agent> {
    let (mut agent, code) = to_code_stage(bases, mailbox, user).await?;
    check_code(&mut agent, &code).await?;
    home(&mut agent).await?;
    Ok(agent)
}

async fn home(agent: &mut Agent) -> anyhow::Result<()> {
    let (status, _, body) = agent.get("/").await?;
    if status != 200 || !body.contains("Welcome") {
        bail!("not the home page ({status})");
    }
    Ok(())
}

async fn run_backend(
    args: &Args,
    tessera: &PathBuf,
    postgres: Option<&String>,
    nodes: usize,
) -> anyhow::Result<BackendResult> {
    let backend = match (postgres.is_some(), nodes) {
        (false, _) => "SQLite",
        (true, 1) => "PostgreSQL",
        (true, _) => "PostgreSQL, two nodes",
    };
    eprintln!("== {backend}");
    sqlx::any::install_default_drivers();
    let (db_url, pg_admin) = match postgres {
        Some(admin_url) => {
            let name = format!(
                "tessera_bench_{}",
                &tessera::crypto::random_token()?[..12].to_ascii_lowercase()
            )
            .replace('-', "_");
            let admin = sqlx::AnyPool::connect(admin_url).await?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await?;
            let mut url = url::Url::parse(admin_url)?;
            url.set_path(&name);
            (Some(url.to_string()), Some((admin, name)))
        }
        None => (None, None),
    };
    let servers = if nodes == 1 {
        vec![Server::start(tessera, db_url).await?]
    } else {
        // Both nodes start together on the empty database: migrations must run once.
        let (a, b) = tokio::try_join!(
            Server::start(tessera, db_url.clone()),
            Server::start(tessera, db_url)
        )?;
        vec![a, b]
    };
    let bases: Arc<[String]> = servers.iter().map(|s| s.base.clone()).collect();
    let rss = |servers: &[Server]| servers.iter().map(Server::rss_kib).sum::<u64>();
    let rss_rest_kib = rss(&servers);
    let config = tessera::config::Config {
        database_url: servers[0].db_url.clone(),
        secret_key: Some(SECRET_KEY.into()),
        public_url: Some(servers[0].base.clone()),
        ..Default::default()
    };
    let app = tessera::app::App::build(config).await?;
    // Item 8 counts statements on PostgreSQL with one node; the mailbox then reads under a
    // role of its own, left out of the count.
    let counter = match (&pg_admin, nodes) {
        (Some(_), 1) => {
            let db = sqlx::AnyPool::connect(&servers[0].db_url).await?;
            let prepared = statements::prepare(&db).await;
            if let Err(why) = &prepared {
                eprintln!("statements {why}");
            }
            Some((db, prepared))
        }
        _ => None,
    };
    let counting = matches!(counter, Some((_, Ok(()))));
    let mailbox = Arc::new(Mailbox {
        pool: sqlx::any::AnyPoolOptions::new()
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    if counting {
                        let role = statements::MAILBOX_ROLE;
                        connection.execute(&*format!("SET ROLE {role}")).await?;
                    }
                    Ok(())
                })
            })
            .connect(&servers[0].db_url)
            .await?,
    });
    let mut counts = Vec::new();

    let users = create_users(args, &app, &bases, &mailbox).await?;
    eprintln!("{} active users", users.len());
    let duration = Duration::from_secs(args.seconds);
    let clients = args.clients.min(users.len()).max(1);
    // Each client owns a slice of the users, so one user's mail is read by one client.
    let mut slices: Vec<Vec<User>> = (0..clients).map(|_| Vec::new()).collect();
    for (i, u) in users.into_iter().enumerate() {
        slices[i % clients].push(u);
    }

    // 2. The Argon2id limit on all cores, the servers idle; then 1. complete sign-ins:
    // password, emailed code, home page; and the CPU time spent on them.
    let argon2 = argon2_limit(duration).await?;
    eprintln!("argon2id: {argon2:.1} hashes/s");
    let cpu = |servers: &[Server]| servers.iter().map(Server::cpu_ms).sum::<f64>();
    let (cpu_before, others_before) = (cpu(&servers), others_cpu_ms());
    let hash_before = hash_cpu_ms(&servers).await?;
    let (sign_ins, signed_in) = measure_sign_ins(&bases, &mailbox, &mut slices, duration).await?;
    let per_sign_in = |ms: f64| ms / sign_ins.count.max(1) as f64;
    let cpu_per_sign_in_ms = per_sign_in(cpu(&servers) - cpu_before);
    let hash_cpu_per_sign_in_ms = per_sign_in(hash_cpu_ms(&servers).await? - hash_before);
    let others = others_cpu_ms();
    let clients_cpu_per_sign_in_ms = per_sign_in(others.0 - others_before.0);
    let database_cpu_per_sign_in_ms = per_sign_in(others.1 - others_before.1);
    eprintln!("sign-ins: {:.1}/s", sign_ins.per_sec);
    if let Some((db, Ok(()))) = &counter {
        let user = &mut slices[0][0];
        let counted = statements::count(db, 20, async || {
            complete_sign_in(&bases, &mailbox, user).await.map(drop)
        })
        .await?;
        eprintln!(
            "statements per complete sign-in: {:.1}",
            counted.per_journey
        );
        counts.push(("complete sign-in", counted));
        let mut agent = signed_in[0].clone();
        let counted = statements::count(db, 100, async || home(&mut agent).await).await?;
        counts.push(("signed-in page view (`GET /`)", counted));
    }
    // 1b. Latency at ordinary load: half of the rate just measured, the clients yielding.
    let paced = priority::yielding(paced_sign_ins(
        &bases,
        &mailbox,
        &mut slices,
        &signed_in[0],
        sign_ins.per_sec / 2.0,
        duration,
    ))
    .await?;
    eprintln!(
        "at {:.1} sign-ins/s: slowest request p99 {:.1} ms, page p99 {:.1} ms",
        paced.sign_ins.per_sec, paced.slowest_request.p99_ms, paced.pages.p99_ms
    );
    // 6. Complete OIDC sign-ins right after item 1, against the same Argon2id limit; then
    // token refreshes with the refresh tokens they ended with.
    let (client_id, secret) = register_client(tessera, &servers[0].db_url)?;
    let rp = RelyingParty::new(&bases, client_id, &secret);
    let cpu_before = cpu(&servers);
    let (oidc_sign_ins, refresh_tokens) =
        measure_oidc_sign_ins(&bases, &mailbox, &rp, &mut slices, duration).await?;
    let cpu_per_oidc_sign_in_ms = (cpu(&servers) - cpu_before) / oidc_sign_ins.count.max(1) as f64;
    eprintln!("OIDC sign-ins: {:.1}/s", oidc_sign_ins.per_sec);
    if let Some((db, Ok(()))) = &counter {
        let (mut rp, user) = (rp.clone(), &mut slices[0][0]);
        let mut refresh_token = String::new();
        let counted = statements::count(db, 10, async || {
            let tokens = oidc_sign_in(&bases, &mailbox, &mut rp, user).await?;
            refresh_token = tokens.refresh_token;
            Ok(())
        })
        .await?;
        counts.push(("complete OIDC sign-in (item 6)", counted));
        let counted = statements::count(db, 100, async || {
            refresh_token = rp.refresh(&refresh_token).await?.refresh_token;
            Ok(())
        })
        .await?;
        counts.push(("token refresh", counted));
    }
    let cpu_before = cpu(&servers);
    let refreshes = measure_refreshes(&rp, refresh_tokens, duration).await?;
    let cpu_per_refresh_ms = (cpu(&servers) - cpu_before) / refreshes.count.max(1) as f64;
    eprintln!(
        "refreshes: {:.1}/s over {}",
        refreshes.per_sec, refreshes.count
    );
    // 3. Code checks with a warm session.
    let checks = code_checks(&bases, &mailbox, &mut slices, duration).await?;
    eprintln!("code checks: {:.1}/s over {}", checks.per_sec, checks.count);
    // 4. Authenticated page views and /healthz in the same run.
    let home = ("/", b"Welcome,".as_slice());
    let (pages, healthz) = beside_healthz(&bases, &signed_in, clients, duration, home).await?;
    eprintln!(
        "pages: {:.0}/s, healthz: {:.0}/s",
        pages.per_sec, healthz.per_sec
    );
    // 7. A reverse proxy's checks (nginx's auth_request) with the same sessions, beside
    // /healthz. The harness asks directly, so the application is the server's own origin.
    for server in &servers {
        register_app(tessera, &server.db_url, &server.base)?;
    }
    // A running node reads the applications again within 5 s of a change made elsewhere (the
    // command line here): `flows::forward_auth::AppsCache`.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let check = ("/authz/auth-request", b"".as_slice());
    let (forward_checks, healthz_beside_checks) =
        beside_healthz(&bases, &signed_in, clients, duration, check).await?;
    eprintln!(
        "forward-auth checks: {:.0}/s, healthz: {:.0}/s",
        forward_checks.per_sec, healthz_beside_checks.per_sec
    );
    if let Some((db, Ok(()))) = &counter {
        let mut agent = signed_in[0].clone();
        let counted = statements::count(db, 100, async || {
            let (status, _, _) = agent.get("/authz/auth-request").await?;
            if status != 200 {
                bail!("the forward-auth check answered {status}");
            }
            Ok(())
        })
        .await?;
        counts.push(("forward-auth check (item 7)", counted));
    }
    let rss_after_kib = rss(&servers);
    let users = slices.iter().map(Vec::len).sum();

    // 5. Memory with many live sessions, then with many accounts (one node).
    let scale = if nodes == 1 {
        let session_pages = live_sessions(args, &app, &bases, &slices).await?;
        let rss_sessions_kib = rss(&servers);
        eprintln!(
            "{} sessions: {:.1} MiB",
            args.sessions,
            rss_sessions_kib as f64 / 1024.0
        );
        let import = add_accounts(args, tessera, &servers[0].db_url, &app).await?;
        let (sign_ins, _) = measure_sign_ins(&bases, &mailbox, &mut slices, duration / 2).await?;
        let rss_accounts_kib = rss(&servers);
        eprintln!(
            "{} accounts: {:.1} MiB, sign-ins {:.1}/s",
            args.accounts,
            rss_accounts_kib as f64 / 1024.0,
            sign_ins.per_sec
        );
        let (rss_prune_kib, pruned) =
            memory_while_pruning(&servers[0], args.sessions as u64).await?;
        eprintln!(
            "{pruned} ended sessions pruned, peak {:.1} MiB",
            rss_prune_kib as f64 / 1024.0
        );
        Some(Scale {
            rss_prune_kib,
            pruned,
            sessions: args.sessions,
            session_pages,
            rss_sessions_kib,
            accounts: args.accounts,
            imported: args.accounts.saturating_sub(args.users),
            import,
            sign_ins,
            rss_accounts_kib,
        })
    } else {
        None
    };

    drop(servers);
    app.store.close().await;
    mailbox.pool.close().await;
    let statements = counter.map(|(db, prepared)| {
        tokio::spawn(async move { db.close().await });
        prepared.map(|()| counts)
    });
    if let Some((admin, name)) = pg_admin {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&admin)
            .await;
    }
    Ok(BackendResult {
        backend,
        argon2,
        sign_ins,
        paced,
        cpu_per_sign_in_ms,
        hash_cpu_per_sign_in_ms,
        clients_cpu_per_sign_in_ms,
        database_cpu_per_sign_in_ms,
        checks,
        pages,
        healthz,
        forward_checks,
        healthz_beside_checks,
        oidc_sign_ins,
        refreshes,
        cpu_per_oidc_sign_in_ms,
        cpu_per_refresh_ms,
        rss_rest_kib,
        rss_after_kib,
        users,
        scale,
        statements,
    })
}

/// Active users through the real pages (invitation as the CLI does it).
async fn create_users(
    args: &Args,
    app: &tessera::app::App,
    bases: &Arc<[String]>,
    mailbox: &Mailbox,
) -> anyhow::Result<Vec<User>> {
    let mut users = Vec::new();
    for i in 0..args.users {
        let email = format!("bench{i}@example.org");
        let invited = invitation::invite(
            app,
            InvitationRequest {
                email: email.clone(),
                display_name: format!("Bench Person {i}"),
                organization: None,
                role: Role::User,
            },
            "bench",
        )
        .await
        .map_err(|e| anyhow::anyhow!("invite: {e}"))?;
        // Queued; sent now, as `tessera admin create-user` does (this App runs no worker).
        tessera::flows::mail_queue::deliver_for(app, invited.account_id)
            .await
            .map_err(|e| anyhow::anyhow!("deliver: {e}"))?;
        let (id, body) = mailbox.wait(&email, 0).await?;
        let link = body
            .split_whitespace()
            .find(|w| w.starts_with("http"))
            .context("no link")?
            .to_string();
        let mut agent = Agent::new(bases);
        agent.get(&link).await?;
        let (_, url, _) = agent
            .post(
                "/register",
                &[
                    ("display_name", &format!("Bench Person {i}")),
                    ("password", PASSWORD),
                    ("password_confirmation", PASSWORD),
                    ("mfa_method", "email"),
                ],
            )
            .await?;
        if !url.contains("notice=registered") {
            bail!("registration ended at {url}");
        }
        let mut user = User {
            email,
            last_mail: id,
        };
        let (mut agent, code) = to_code_stage(bases, mailbox, &mut user).await?;
        check_code(&mut agent, &code).await?;
        agent
            .post("/terms", &[("agree", "yes"), ("version", "1")])
            .await?;
        home(&mut agent).await?;
        users.push(user);
    }
    Ok(users)
}

/// Complete sign-ins for `duration`, one client per slice; returns a few signed-in browsers.
async fn measure_sign_ins(
    bases: &Arc<[String]>,
    mailbox: &Arc<Mailbox>,
    slices: &mut Vec<Vec<User>>,
    duration: Duration,
) -> anyhow::Result<(Rate, Vec<Agent>)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut mine in std::mem::take(slices) {
        let (bases, mailbox) = (bases.clone(), mailbox.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut warm = Vec::new();
            let mut i = 0;
            while started.elapsed() < duration {
                let n = mine.len();
                let user = &mut mine[i % n];
                i += 1;
                let t = Instant::now();
                let agent = complete_sign_in(&bases, &mailbox, user).await?;
                latencies.push(t.elapsed());
                if warm.len() < 4 {
                    warm.push(agent);
                }
            }
            anyhow::Ok((mine, latencies, warm))
        }));
    }
    let mut latencies = Vec::new();
    let mut signed_in = Vec::new();
    for t in tasks {
        let (mine, l, warm) = t.await??;
        slices.push(mine);
        latencies.extend(l);
        signed_in.extend(warm);
    }
    Ok((Rate::from(latencies, started.elapsed()), signed_in))
}

/// Sessions brought to the code first (that costs the Argon2 hash), then every check fired
/// at once and timed.
async fn code_checks(
    bases: &Arc<[String]>,
    mailbox: &Arc<Mailbox>,
    slices: &mut Vec<Vec<User>>,
    duration: Duration,
) -> anyhow::Result<Rate> {
    let prepare_until = Instant::now() + duration;
    let mut tasks = Vec::new();
    for mut mine in std::mem::take(slices) {
        let (bases, mailbox) = (bases.clone(), mailbox.clone());
        tasks.push(tokio::spawn(async move {
            let mut ready = Vec::new();
            let mut i = 0;
            while Instant::now() < prepare_until {
                let n = mine.len();
                // One pending code per user, so a newer send can never void a prepared one.
                if i >= n {
                    break;
                }
                ready.push(to_code_stage(&bases, &mailbox, &mut mine[i]).await?);
                i += 1;
            }
            anyhow::Ok((mine, ready))
        }));
    }
    let mut prepared = Vec::new();
    for t in tasks {
        let (mine, ready) = t.await??;
        slices.push(mine);
        prepared.push(ready);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for ready in prepared {
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            for (mut agent, code) in ready {
                let t = Instant::now();
                check_code(&mut agent, &code).await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    Ok(Rate::from(latencies, started.elapsed()))
}

/// Half the clients GET `path` (the home page, a proxy's check) with warm sessions, checking
/// the answer holds `marker`; half ask `/healthz`.
async fn beside_healthz(
    bases: &Arc<[String]>,
    signed_in: &[Agent],
    clients: usize,
    duration: Duration,
    (path, marker): (&'static str, &'static [u8]),
) -> anyhow::Result<(Rate, Rate)> {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut page_tasks = Vec::new();
    let mut health_tasks = Vec::new();
    for k in 0..clients {
        // The same lean loop for both (the cookie header made once, the body read as bytes),
        // so the two rates compare the server's work, not the client's.
        let (bases, stop) = (bases.clone(), stop.clone());
        if k % 2 == 0 {
            let agent = &signed_in[k % signed_in.len()];
            let (http, cookie) = (agent.http.clone(), agent.cookie_header());
            let task = repeat_get(http, bases, k, path, Some(cookie), marker, stop);
            page_tasks.push(tokio::spawn(task));
        } else {
            let task = repeat_get(
                reqwest::Client::new(),
                bases,
                k,
                "/healthz",
                None,
                b"ok",
                stop,
            );
            health_tasks.push(tokio::spawn(task));
        }
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let (mut pl, mut hl) = (Vec::new(), Vec::new());
    for t in page_tasks {
        pl.extend(t.await??);
    }
    for t in health_tasks {
        hl.extend(t.await??);
    }
    Ok((Rate::from(pl, elapsed), Rate::from(hl, elapsed)))
}

/// GETs `path` until `stop`, each time on the next node, checking the answer holds `marker`;
/// the latencies.
async fn repeat_get(
    http: reqwest::Client,
    bases: Arc<[String]>,
    mut turn: usize,
    path: &'static str,
    cookie: Option<String>,
    marker: &'static [u8],
    stop: Arc<AtomicBool>,
) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        turn += 1;
        let mut request = http.get(format!("{}{path}", bases[turn % bases.len()]));
        if let Some(cookie) = &cookie {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        let t = Instant::now();
        let response = request.send().await?;
        if response.status() != 200 {
            bail!("GET {path}: {}", response.status());
        }
        let body = response.bytes().await?;
        if !marker.is_empty() && !body.windows(marker.len()).any(|w| w == marker) {
            bail!("GET {path}: not the expected page");
        }
        latencies.push(t.elapsed());
    }
    Ok(latencies)
}

/// `args.sessions` signed-in sessions of the active users, made in the database as a sign-in
/// makes them (thousands of real sign-ins would take minutes of Argon2), then one home-page
/// view with each, so the server has served every one of them.
async fn live_sessions(
    args: &Args,
    app: &tessera::app::App,
    bases: &Arc<[String]>,
    slices: &[Vec<User>],
) -> anyhow::Result<Rate> {
    use tessera::crypto::Purpose;
    use tessera::domain::session::{SessionStage, SessionTimes};
    let mut accounts = Vec::new();
    for user in slices.iter().flatten() {
        let email = tessera::domain::email::Email::parse(&user.email)?;
        let (account, _) = app
            .store
            .account_by_email(&email)
            .await?
            .context("a bench user")?;
        accounts.push(account.id);
    }
    // A session as a sign-in makes it, started at `at`; its cookie value.
    let session = async |account: i64, at: i64| -> anyhow::Result<String> {
        let token = tessera::crypto::random_token()?;
        let event = tessera::audit::AuditEvent::new("signed-in", "bench", "bench");
        app.store
            .start_session(
                None,
                &app.keys.hash(Purpose::Session, token.as_bytes()),
                Some(account),
                SessionStage::Authenticated,
                SessionTimes::new(at, &app.config.policy, None),
                event,
            )
            .await?;
        Ok(token)
    };
    let now = app.now();
    let mut cookies = Vec::new();
    for i in 0..args.sessions {
        cookies.push(session(accounts[i % accounts.len()], now).await?);
    }
    // As many sessions that ended forty days ago, past the thirty days retention keeps
    // them: the retention job's work while item 5 reads memory.
    for _ in 0..args.sessions {
        session(accounts[0], now - 40 * 86_400).await?;
    }
    let started = Instant::now();
    let per_client = cookies.len().div_ceil(args.clients.max(1)).max(1);
    let mut tasks = Vec::new();
    for (k, chunk) in cookies.chunks(per_client).enumerate() {
        let (chunk, bases) = (chunk.to_vec(), bases.clone());
        tasks.push(tokio::spawn(async move {
            let mut l = Vec::new();
            let mut agent = Agent::new(&bases);
            agent.turn = k;
            for token in chunk {
                agent.cookies.insert("tessera_session".into(), token);
                let t = Instant::now();
                home(&mut agent).await?;
                l.push(t.elapsed());
            }
            anyhow::Ok(l)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    Ok(Rate::from(latencies, started.elapsed()))
}

/// Brings the database to `args.accounts` accounts with the import of current portal users
/// (one Argon2id hash shared by all: hashing each would take a quarter of an hour).
/// Current portal users from an older system, brought in by `tessera admin import` as an
/// operator would: a CSV file of `args.accounts` rows cycling through four hash formats.
/// Returns how long the import took.
async fn add_accounts(
    args: &Args,
    tessera: &Path,
    db_url: &str,
    app: &tessera::app::App,
) -> anyhow::Result<Duration> {
    let more = args.accounts.saturating_sub(args.users);
    let argon2 = app
        .hasher
        .hash(PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let hashes = [
        // Openwall's bcrypt vector, PBKDF2-SHA256 in PHC and in Django's form, and Argon2id.
        "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        "$pbkdf2-sha256$i=1000,l=32$MDEyMzQ1Njc4OWFiY2RlZg$OxpLjaH6thXYiFWJky2cJevnQhAily1NB/RY0WhDd48",
        "pbkdf2_sha256$1000$djangosalt$ftdiTfbGTpj10mm3kKZKrdIGCcpu/nr/uYiEJoIs6dQ=",
        &argon2,
    ];
    let mut csv = String::from("email,display_name,password_hash\n");
    for i in 0..more {
        let hash = hashes[i % hashes.len()];
        csv.push_str(&format!(
            "imported{i}@example.org,Imported Person {i},\"{hash}\"\n"
        ));
    }
    let path = std::env::temp_dir().join(format!(
        "tessera-bench-import-{}.csv",
        &tessera::crypto::random_token()?[..12]
    ));
    std::fs::write(&path, csv)?;
    let started = Instant::now();
    let imported = tessera_admin(
        tessera,
        db_url,
        [OsStr::new("import"), OsStr::new("--file"), path.as_os_str()],
    );
    let took = started.elapsed();
    let _ = std::fs::remove_file(&path);
    imported?;
    Ok(took)
}

/// `tessera admin …` against the bench's database, as an operator runs it; what it printed.
fn tessera_admin<I, S>(tessera: &Path, db_url: &str, args: I) -> anyhow::Result<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<S> = args.into_iter().collect();
    let command = args
        .first()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut admin = Command::new(tessera);
    admin
        .arg("admin")
        .args(&args)
        .env_remove("TESSERA_CONFIG")
        .env("TESSERA_DATABASE_URL", db_url)
        .env("TESSERA_SECRET_KEY", SECRET_KEY)
        .env("TESSERA_LOG", "warn");
    let out = priority::at_normal_priority(move || admin.output())
        .with_context(|| format!("running tessera admin {command}"))?;
    if !out.status.success() {
        bail!(
            "tessera admin {command} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

// ---------------------------------------------------------------------------------------
// 6. Complete OpenID Connect sign-ins of an application, and its token refreshes (issue 13).

/// Where the bench's application says it receives its codes. Nothing listens there: the
/// browser stops at Tessera's continue page and the code is read from its link.
const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
const SCOPES: &str = "openid profile email offline_access";

/// Registers the bench's application, a confidential client, with the CLI as an
/// administrator does; its `client_id` and `client_secret`.
fn register_client(tessera: &Path, db_url: &str) -> anyhow::Result<(String, String)> {
    let printed = tessera_admin(
        tessera,
        db_url,
        [
            "create-client",
            "--name",
            "bench",
            "--redirect-uri",
            REDIRECT_URI,
        ],
    )?;
    let line = |name: &str| {
        printed
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .with_context(|| format!("create-client printed no {name} line: {printed}"))
    };
    Ok((line("client_id:")?, line("client_secret:")?))
}

/// Registers `origin` as an application protected by forward authentication.
fn register_app(tessera: &Path, db_url: &str, origin: &str) -> anyhow::Result<()> {
    tessera_admin(
        tessera,
        db_url,
        ["create-app", "--name", origin, "--url", origin],
    )?;
    Ok(())
}

/// A PKCE pair (RFC 7636, S256): the verifier the application keeps, the challenge it sends.
struct Pkce {
    verifier: String,
    challenge: String,
}

impl Pkce {
    fn new() -> anyhow::Result<Self> {
        // 43 characters of base64url: within the verifier's alphabet and length.
        let verifier = tessera::crypto::random_token()?;
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Ok(Self {
            verifier,
            challenge,
        })
    }
}

/// What the application keeps from the token endpoint's answer.
#[derive(serde::Deserialize)]
struct Tokens {
    access_token: String,
    refresh_token: String,
}

/// The application behind Tessera (the relying party), as its server acts: it sends browsers
/// to the authorization endpoint, exchanges codes and refresh tokens (`client_secret_basic`)
/// and reads userinfo. With two nodes each of its calls goes to the next node.
#[derive(Clone)]
struct RelyingParty {
    bases: Arc<[String]>,
    turn: usize,
    http: reqwest::Client,
    client_id: String,
    /// The `Authorization` header: RFC 6749 §2.3.1, the form-encoded identifier and secret.
    basic: String,
}

impl RelyingParty {
    fn new(bases: &Arc<[String]>, client_id: String, secret: &str) -> Self {
        let encode = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        let pair = format!("{}:{}", encode(&client_id), encode(secret));
        Self {
            bases: bases.clone(),
            turn: 0,
            http: shared_http(),
            client_id,
            basic: format!("Basic {}", STANDARD.encode(pair)),
        }
    }

    fn url(&mut self, path: &str) -> String {
        self.turn += 1;
        format!("{}{path}", self.bases[self.turn % self.bases.len()])
    }

    /// Where the application sends the browser (a path: the browser picks its node).
    fn authorize_path(&self, pkce: &Pkce, state: &str, nonce: &str) -> String {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("scope", SCOPES)
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        format!("/oidc/authorize?{query}")
    }

    async fn exchange(&mut self, code: &str, verifier: &str) -> anyhow::Result<Tokens> {
        let fields = [
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
        ];
        self.token("authorization_code", &fields).await
    }

    /// Each refresh token is used once: the answer carries its successor.
    async fn refresh(&mut self, refresh_token: &str) -> anyhow::Result<Tokens> {
        let tokens = self
            .token("refresh_token", &[("refresh_token", refresh_token)])
            .await?;
        if tokens.refresh_token == refresh_token {
            bail!("a refresh returned the refresh token it was given");
        }
        Ok(tokens)
    }

    /// The token endpoint, authenticated with `client_secret_basic`.
    async fn token(&mut self, grant_type: &str, fields: &[(&str, &str)]) -> anyhow::Result<Tokens> {
        let mut form = vec![("grant_type", grant_type)];
        form.extend_from_slice(fields);
        let url = self.url("/oidc/token");
        let response = self
            .http
            .post(url)
            .header(reqwest::header::AUTHORIZATION, &self.basic)
            .form(&form)
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        if status != 200 {
            bail!("POST /oidc/token ({grant_type}): {status} {body}");
        }
        serde_json::from_str(&body).with_context(|| format!("POST /oidc/token: {body}"))
    }

    async fn userinfo(&mut self, access_token: &str) -> anyhow::Result<serde_json::Value> {
        let url = self.url("/oidc/userinfo");
        let response = self.http.get(url).bearer_auth(access_token).send().await?;
        let status = response.status();
        let body = response.text().await?;
        if status != 200 {
            bail!("GET /oidc/userinfo: {status} {body}");
        }
        Ok(serde_json::from_str(&body)?)
    }
}

/// One complete OIDC sign-in of `user` in a fresh browser: the authorization request, the
/// login form, password and emailed code, the home page that sends the browser on to the
/// continue page, the code from its link exchanged with the PKCE verifier, and userinfo.
async fn oidc_sign_in(
    bases: &Arc<[String]>,
    mailbox: &Mailbox,
    rp: &mut RelyingParty,
    user: &mut User,
) -> anyhow::Result<Tokens> {
    let pkce = Pkce::new()?;
    let (state, nonce) = (
        tessera::crypto::random_token()?,
        tessera::crypto::random_token()?,
    );
    let mut agent = Agent::new(bases);
    let (status, url, _) = agent.get(&rp.authorize_path(&pkce, &state, &nonce)).await?;
    if status != 200 || !url.ends_with("/login") {
        bail!("the authorization request ended at {url} ({status})");
    }
    agent.open_email_form().await?;
    let code = password_and_emailed_code(&mut agent, mailbox, user).await?;
    check_code(&mut agent, &code).await?;
    let (status, url, page) = agent.get("/").await?;
    if status != 200 || !url.ends_with("/oidc/continue") {
        bail!("the home page did not send the browser on to the application ({status}, {url})");
    }
    let code = code_from_continue_page(&page, &state)?;
    let tokens = rp.exchange(&code, &pkce.verifier).await?;
    let claims = rp.userinfo(&tokens.access_token).await?;
    if claims["email"] != user.email.as_str() {
        bail!("userinfo names someone else: {claims}");
    }
    Ok(tokens)
}

/// The code in the continue page's "Continue to the application" link, whose state must be
/// the application's own.
fn code_from_continue_page(page: &str, state: &str) -> anyhow::Result<String> {
    let link = continue_link(page).context("no link on to the application")?;
    if !link.starts_with(REDIRECT_URI) {
        bail!("the continue page leads elsewhere: {link}");
    }
    let url = url::Url::parse(&link)?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        bail!(
            "the application got {error}: {}",
            param("error_description").unwrap_or_default()
        );
    }
    if param("state").as_deref() != Some(state) {
        bail!("the application's state came back changed: {link}");
    }
    param("code").context("no code in the link")
}

/// The href of the page's "Continue to the application" link, as the browser reads it.
fn continue_link(page: &str) -> Option<String> {
    let before = &page[..page.find(">Continue to the application<")?];
    let start = before.rfind("href=\"")? + "href=\"".len();
    let end = start + before[start..].find('"')?;
    Some(html_unescape(&before[start..end]))
}

/// Undoes the templates' HTML escaping (`&amp;` last, so nothing is unescaped twice).
fn html_unescape(text: &str) -> String {
    [
        ("&#x2f;", "/"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(text.to_string(), |t, (escaped, c)| t.replace(escaped, c))
}

/// Complete OIDC sign-ins for `duration`, one client per slice; the newest refresh token of
/// each client.
async fn measure_oidc_sign_ins(
    bases: &Arc<[String]>,
    mailbox: &Arc<Mailbox>,
    rp: &RelyingParty,
    slices: &mut Vec<Vec<User>>,
    duration: Duration,
) -> anyhow::Result<(Rate, Vec<String>)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (k, mut mine) in std::mem::take(slices).into_iter().enumerate() {
        let (bases, mailbox, mut rp) = (bases.clone(), mailbox.clone(), rp.clone());
        rp.turn = k;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut newest = None;
            let mut i = 0;
            while started.elapsed() < duration {
                let n = mine.len();
                let user = &mut mine[i % n];
                i += 1;
                let t = Instant::now();
                let tokens = oidc_sign_in(&bases, &mailbox, &mut rp, user).await?;
                latencies.push(t.elapsed());
                newest = Some(tokens.refresh_token);
            }
            anyhow::Ok((mine, latencies, newest))
        }));
    }
    let mut latencies = Vec::new();
    let mut refresh_tokens = Vec::new();
    for t in tasks {
        let (mine, l, newest) = t.await??;
        slices.push(mine);
        latencies.extend(l);
        refresh_tokens.extend(newest);
    }
    Ok((Rate::from(latencies, started.elapsed()), refresh_tokens))
}

/// Each client refreshes its own token family for `duration`, always with the refresh token
/// the previous refresh returned (an old one would revoke the family).
async fn measure_refreshes(
    rp: &RelyingParty,
    refresh_tokens: Vec<String>,
    duration: Duration,
) -> anyhow::Result<Rate> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (k, mut refresh_token) in refresh_tokens.into_iter().enumerate() {
        let mut rp = rp.clone();
        rp.turn = k;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < duration {
                let t = Instant::now();
                refresh_token = rp.refresh(&refresh_token).await?.refresh_token;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    Ok(Rate::from(latencies, started.elapsed()))
}

fn report(args: &Args, tessera: &std::path::Path, results: &[BackendResult]) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let profile = if tessera.to_string_lossy().contains("/release/") {
        "release"
    } else {
        "debug (figures are not representative)"
    };
    let mut out = format!(
        "# Benchmarks ({label})\n\n\
         Measured by `tessera-bench` (bench/main.rs) on this machine: {cores} cores, {model}; \
         tessera built {profile}. {seconds} s per item, {users} active users, {clients} concurrent \
         clients; mail through the development outbox; the emailed login code's lifetime raised \
         to 600 s so prepared sessions keep their codes.\n\n\
         Reproduce:\n\n```sh\ncargo build --release --bin tessera --bin tessera-bench\n\
         target/release/tessera-bench --seconds {seconds} --users {users} --clients {clients} \
         --sessions {sessions} --accounts {accounts}{pg}\n```\n\n\
         Item 2's Argon2id limit is Tessera's own hasher and parameters (m = 19 MiB, t = 2, p = 1) \
         on all cores, measured for each column just before its sign-ins. Item 8 needs PostgreSQL \
         started with `pg_stat_statements` in `shared_preload_libraries` (`.ci/run` adds it); \
         without it its rows say so. Each journey has a budget of statements it may send every \
         time (`bench/statements.rs`); the bench fails when one sends more.\n\n\
         | item | {heads} |\n| --- |{sep}\n",
        label = args.label,
        seconds = args.seconds,
        users = args.users,
        clients = args.clients,
        sessions = args.sessions,
        accounts = args.accounts,
        pg = if args.postgres.is_some() {
            " --postgres postgres://postgres@127.0.0.1:5432/postgres"
        } else {
            ""
        },
        heads = results
            .iter()
            .map(|r| r.backend)
            .collect::<Vec<_>>()
            .join(" | "),
        sep = results.iter().map(|_| " --- |").collect::<String>(),
    );
    let row = |name: &str, f: &dyn Fn(&BackendResult) -> String| {
        format!(
            "| {name} | {} |\n",
            results.iter().map(f).collect::<Vec<_>>().join(" | ")
        )
    };
    out += &row(
        "1. complete sign-ins/s (password + emailed code + home)",
        &|r| format!("{:.1}/s (n = {})", r.sign_ins.per_sec, r.sign_ins.count),
    );
    out += &row("   sign-in p50 / p99", &|r| {
        format!("{:.0} ms / {:.0} ms", r.sign_ins.p50_ms, r.sign_ins.p99_ms)
    });
    out += &row(
        "   at half that rate, paced: sign-ins/s done (asked) and sign-in p50 / p99",
        &|r| {
            format!(
                "{:.1}/s ({:.1}/s): {:.0} ms / {:.0} ms",
                r.paced.sign_ins.per_sec,
                r.paced.target_per_sec,
                r.paced.sign_ins.p50_ms,
                r.paced.sign_ins.p99_ms
            )
        },
    );
    out += &row(
        "   at half rate: a sign-in's slowest request p50 / p99 (goal p99 < 60 ms on SQLite); every request of a sign-in p50 / p99",
        &|r| {
            format!(
                "{:.1} / {:.1} ms; {:.1} / {:.1} ms (n = {})",
                r.paced.slowest_request.p50_ms,
                r.paced.slowest_request.p99_ms,
                r.paced.requests.p50_ms,
                r.paced.requests.p99_ms,
                r.paced.requests.count
            )
        },
    );
    out += &row(
        "   at half rate: signed-in page views beside them, one client (p50 / p99)",
        &|r| r.paced.pages.summary(),
    );
    out += &row("2. Argon2id limit (hashes/s, all cores)", &|r| {
        format!("{:.1}/s", r.argon2)
    });
    out += &row(
        "   ratio of sign-ins to the Argon2id limit (goal ≥ 0.8)",
        &|r| format!("{:.2}", r.sign_ins.per_sec / r.argon2),
    );
    // One hash costs `cores / limit` seconds of CPU: the rest of a sign-in's server CPU time is
    // everything else the portal does, with the load clients' own work left out.
    out += &row(
        "   server CPU per sign-in (of it, the password hash, as the server counts it) and the server-side share of the hash (goal ≥ 0.9)",
        &|r| {
            format!(
                "{:.1} ms ({:.1} ms) → {:.2}",
                r.cpu_per_sign_in_ms,
                r.hash_cpu_per_sign_in_ms,
                r.hash_cpu_per_sign_in_ms / r.cpu_per_sign_in_ms.max(f64::MIN_POSITIVE)
            )
        },
    );
    out += &row(
        "   CPU per sign-in on the machine: portal + database + load clients = total (the most sign-ins/s the cores allow)",
        &|r| {
            let total =
                r.cpu_per_sign_in_ms + r.database_cpu_per_sign_in_ms + r.clients_cpu_per_sign_in_ms;
            format!(
                "{:.1} + {:.1} + {:.1} = {:.1} ms ({:.0}/s)",
                r.cpu_per_sign_in_ms,
                r.database_cpu_per_sign_in_ms,
                r.clients_cpu_per_sign_in_ms,
                total,
                cores as f64 * 1000.0 / total.max(f64::MIN_POSITIVE)
            )
        },
    );
    out += &row("3. code checks/s, warm session (p50 / p99)", &|r| {
        format!(
            "{:.0}/s over {} checks ({:.1} / {:.1} ms)",
            r.checks.per_sec, r.checks.count, r.checks.p50_ms, r.checks.p99_ms
        )
    });
    out += &row("4. authenticated `GET /`/s (p50 / p99)", &|r| {
        r.pages.summary()
    });
    out += &row("   `/healthz`/s in the same run (p50 / p99)", &|r| {
        r.healthz.summary()
    });
    out += &row(
        "   page views ÷ healthz (goal ≥ 0.5, p99 < 5 ms on SQLite)",
        &|r| {
            format!(
                "{:.2}",
                r.pages.per_sec / r.healthz.per_sec.max(f64::MIN_POSITIVE)
            )
        },
    );
    out += &row("7. forward-auth checks/s, signed in (p50 / p99)", &|r| {
        r.forward_checks.summary()
    });
    out += &row("   `/healthz`/s in the same run (p50 / p99)", &|r| {
        r.healthz_beside_checks.summary()
    });
    out += &row(
        "   checks ÷ healthz (goal ≥ 0.5, p99 < 5 ms on SQLite)",
        &|r| {
            format!(
                "{:.2}",
                r.forward_checks.per_sec / r.healthz_beside_checks.per_sec.max(f64::MIN_POSITIVE)
            )
        },
    );
    let mib = |kib: u64| kib as f64 / 1024.0;
    out += &row(
        "5. resident memory at rest / after items 1–4 and 6 (all nodes)",
        &|r| {
            format!(
                "{:.1} MiB / {:.1} MiB ({} accounts)",
                mib(r.rss_rest_kib),
                mib(r.rss_after_kib),
                r.users
            )
        },
    );
    fn scaled(f: impl Fn(&Scale) -> String) -> impl Fn(&BackendResult) -> String {
        move |r| r.scale.as_ref().map_or("—".to_string(), &f)
    }
    out += &row(
        "   with many live sessions (one home-page view each: rate, p99)",
        &scaled(|s| {
            format!(
                "{:.1} MiB with {} sessions ({:.0}/s, p99 {:.1} ms)",
                mib(s.rss_sessions_kib),
                s.sessions,
                s.session_pages.per_sec,
                s.session_pages.p99_ms
            )
        }),
    );
    out += &row(
        "   with many accounts (complete sign-ins among them, p99)",
        &scaled(|s| {
            format!(
                "{:.1} MiB with {} accounts ({:.1}/s, p99 {:.0} ms)",
                mib(s.rss_accounts_kib),
                s.accounts,
                s.sign_ins.per_sec,
                s.sign_ins.p99_ms
            )
        }),
    );
    out += &row(
        "   the highest reading while the retention job deleted the ended sessions (goal < 100 MiB)",
        &scaled(|s| {
            format!(
                "{:.1} MiB, {} sessions deleted",
                mib(s.rss_prune_kib),
                s.pruned
            )
        }),
    );
    out += &row(
        "   import of those accounts as current portal users (`tessera admin import`, four hash formats)",
        &scaled(|s| {
            format!(
                "{} rows in {:.1} s ({:.0} rows/s)",
                s.imported,
                s.import.as_secs_f64(),
                s.imported as f64 / s.import.as_secs_f64().max(f64::MIN_POSITIVE)
            )
        }),
    );
    out += &row(
        "6. complete OIDC sign-ins/s (authorize + password + emailed code + home + code for tokens with PKCE + userinfo)",
        &|r| {
            format!(
                "{:.1}/s (n = {})",
                r.oidc_sign_ins.per_sec, r.oidc_sign_ins.count
            )
        },
    );
    out += &row("   OIDC sign-in p50 / p99", &|r| {
        format!(
            "{:.0} ms / {:.0} ms",
            r.oidc_sign_ins.p50_ms, r.oidc_sign_ins.p99_ms
        )
    });
    out += &row(
        "   ratio of OIDC sign-ins to item 2's Argon2id limit (goal ≥ 0.75)",
        &|r| format!("{:.2}", r.oidc_sign_ins.per_sec / r.argon2),
    );
    out += &row(
        "   server CPU per OIDC sign-in (per sign-in of item 1)",
        &|r| {
            format!(
                "{:.1} ms ({:.1} ms)",
                r.cpu_per_oidc_sign_in_ms, r.cpu_per_sign_in_ms
            )
        },
    );
    out += &row(
        "   token refreshes/s, one token family per client (p50 / p99)",
        &|r| {
            format!(
                "{:.0}/s over {} refreshes ({:.1} / {:.1} ms)",
                r.refreshes.per_sec, r.refreshes.count, r.refreshes.p50_ms, r.refreshes.p99_ms
            )
        },
    );
    out += &row("   server CPU per refresh", &|r| {
        format!("{:.1} ms", r.cpu_per_refresh_ms)
    });
    // 8. Statements per journey on PostgreSQL, counted by the database.
    let journeys = results
        .iter()
        .find_map(|r| match &r.statements {
            Some(Ok(counts)) => Some(counts.iter().map(|(name, _)| *name).collect::<Vec<_>>()),
            _ => None,
        })
        .unwrap_or_else(|| vec!["complete sign-in"]);
    for (i, journey) in journeys.iter().enumerate() {
        let name = if i == 0 {
            format!(
                "8. statements per {journey} on the database (of them BEGIN/COMMIT; the \
                 database's execution time) (goal ≤ 15 per complete sign-in)"
            )
        } else {
            format!("   statements per {journey}")
        };
        out += &row(&name, &|r| match &r.statements {
            None if r.backend == "SQLite" => "— (in the portal's process)".to_string(),
            None => "— (counted with one node)".to_string(),
            Some(Err(why)) => why.clone(),
            Some(Ok(counts)) => counts.iter().find(|(name, _)| name == journey).map_or(
                "—".to_string(),
                |(_, c)| {
                    format!(
                        "{:.1} ({:.1}; {:.2} ms), n = {}",
                        c.per_journey, c.transaction_control, c.exec_ms, c.journeys
                    )
                },
            ),
        });
    }
    out += "\nHow: item 1 signs in through the real pages (password, Send Verification Code, the \
            code read from the outbox, Verify Code, Continue, home). Item 5's sessions are made in \
            the database as a sign-in makes them (thousands of real sign-ins would be minutes of \
            Argon2) and each is then used for one home-page view; its accounts come in as current \
            portal users through `tessera admin import` of a CSV file (bcrypt, PBKDF2-SHA256 in PHC \
            and Django form, and Argon2id in turn), timed. \"Two nodes\" are two \
            `tessera serve` processes started together on one fresh PostgreSQL database (the \
            migrations run once), every request of a journey going to the other node than the \
            one before; its memory is the sum of both. The load clients run on the same cores as \
            the server, so item 2's ratio counts their work too; the server-side ratio (one \
            hash's CPU time, which the server measures on the hashing thread's own clock and \
            exports as `tessera_password_hash_cpu_seconds_total`, ÷ the server's CPU time per \
            sign-in, read from /proc) is what the portal itself spends beyond Argon2id. While \
            item 1's paced rows are measured, the load clients' threads run at nice 10 \
            (`bench/priority.rs`), the portal and the database at the normal priority, so those \
            latencies are the portal's and not time waiting for a simulated browser to be \
            scheduled; at the maximum rates the clients run at the normal priority and keep up. Item 6 is an application registered with \
            `tessera admin create-client` (confidential): each sign-in starts in a fresh browser \
            at the authorization endpoint (PKCE S256, state, nonce), is sent to the login page, \
            signs in as item 1 does, and the home page sends it on to the continue page, whose \
            \"Continue to the application\" link carries the code; the application's server \
            exchanges it (`client_secret_basic` and the verifier) and reads userinfo (the ID \
            token is not verified: that is the application's own work). It runs just after \
            item 1, so both compare with the same Argon2id limit. Its refreshes then use each \
            client's newest refresh token, one token family per client, each refresh with the \
            token the one before returned; with two nodes the application's calls alternate too. \
            Item 1's paced rows run right after it: each client starts a complete sign-in on a \
            fixed schedule, so that all together ask half of item 1's rate (a client that falls \
            behind starts the next at once), every HTTP request of it timed (a redirect followed is \
            a request of its own), while one more client views the home page back to back with \
            a signed-in browser. Item 5 also makes as many sessions that ended forty days ago \
            (retention keeps thirty), and, after the accounts' sign-ins, reads the server's \
            memory every 100 ms until the retention job (every 60 s in the bench) has deleted \
            them. \
            Item 8 runs each journey alone, one after another, on PostgreSQL with one node, and \
            reads what `pg_stat_statements` counted for the bench's database meanwhile (every \
            statement the portal sent, its background jobs' included, and `BEGIN`/`COMMIT`; not \
            the mailbox's reads, which take a role of their own). With SMTP instead of the \
            development outbox, a sign-in's `INSERT INTO dev_outbox` is a message sent instead.\n";
    out += "\n## Item 1 at half rate in detail: each request of a sign-in\n\n";
    out += &format!(
        "| request | {} |\n| --- |{}\n",
        results
            .iter()
            .map(|r| format!("{} p50 / p99", r.backend))
            .collect::<Vec<_>>()
            .join(" | "),
        results.iter().map(|_| " --- |").collect::<String>()
    );
    if let Some(first) = results.first() {
        for (label, _) in &first.paced.by_request {
            out += &row(&format!("`{label}`"), &|r| {
                r.paced
                    .by_request
                    .iter()
                    .find(|(l, _)| l == label)
                    .map_or("—".to_string(), |(_, rate)| {
                        format!("{:.1} / {:.1} ms", rate.p50_ms, rate.p99_ms)
                    })
            });
        }
    }
    for r in results {
        if let Some(Ok(counts)) = &r.statements {
            out += &format!(
                "\n## Item 8 in detail: each statement per journey ({})\n",
                r.backend
            );
            for (journey, c) in counts {
                let budget =
                    statements::budget(journey).map_or("none".to_string(), |b| b.to_string());
                out += &format!(
                    "\n{journey} ({:.1} statements; every journey: {}, its budget: {budget}):\n\n",
                    c.per_journey,
                    c.every_journey()
                );
                out += "| per journey | statement |\n| ---: | --- |\n";
                for (calls, query) in &c.by_statement {
                    out += &format!("| {calls:.2} | `{}` |\n", query.replace('|', "\\|"));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// 1b. Latency at ordinary load (issue 18): sign-ins paced at half the measured maximum rate,
// each of their requests timed, with signed-in page views beside them.

/// What a paced run measured.
struct Paced {
    /// The rate asked for: half of item 1's.
    target_per_sec: f64,
    /// Complete sign-ins, timed whole.
    sign_ins: Rate,
    /// Each sign-in's slowest request.
    slowest_request: Rate,
    /// Every request of every sign-in.
    requests: Rate,
    /// Each kind of request of a sign-in (`POST /login`, …), in the order of the journey.
    by_request: Vec<(String, Rate)>,
    /// Signed-in page views (`GET /`) in the same time, one client, back to back.
    pages: Rate,
}

/// Sign-ins started at `rate` per second in all (each client keeps its own schedule, and
/// one that falls behind starts the next at once), and one client viewing the home page
/// meanwhile with a signed-in browser.
async fn paced_sign_ins(
    bases: &Arc<[String]>,
    mailbox: &Arc<Mailbox>,
    slices: &mut Vec<Vec<User>>,
    signed_in: &Agent,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Paced> {
    let clients = slices.len().max(1);
    let interval = Duration::from_secs_f64(clients as f64 / rate.max(0.1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (k, mut mine) in std::mem::take(slices).into_iter().enumerate() {
        let (bases, mailbox) = (bases.clone(), mailbox.clone());
        // Spread the clients' first starts over one interval.
        let first = interval.mul_f64(k as f64 / clients as f64);
        tasks.push(tokio::spawn(async move {
            let (mut whole, mut slowest, mut requests) = (Vec::new(), Vec::new(), Vec::new());
            let mut next = started + first;
            let mut i = 0;
            while next.duration_since(started) < duration {
                tokio::time::sleep_until(next.into()).await;
                next += interval;
                let n = mine.len();
                let user = &mut mine[i % n];
                i += 1;
                let t = Instant::now();
                let agent = complete_sign_in(&bases, &mailbox, user).await?;
                whole.push(t.elapsed());
                slowest.push(
                    agent
                        .timings
                        .iter()
                        .map(|(_, d)| *d)
                        .max()
                        .unwrap_or_default(),
                );
                requests.extend(agent.timings);
            }
            anyhow::Ok((mine, whole, slowest, requests))
        }));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let pages = {
        let (http, cookie) = (signed_in.http.clone(), signed_in.cookie_header());
        let task = repeat_get(
            http,
            bases.clone(),
            0,
            "/",
            Some(cookie),
            b"Welcome,",
            stop.clone(),
        );
        tokio::spawn(task)
    };
    let (mut whole, mut slowest, mut requests) = (Vec::new(), Vec::new(), Vec::new());
    for t in tasks {
        let (mine, w, s, r) = t.await??;
        slices.push(mine);
        whole.extend(w);
        slowest.extend(s);
        requests.extend(r);
    }
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let pages = pages.await??;
    let mut by_request: Vec<(String, Vec<Duration>)> = Vec::new();
    for (label, took) in &requests {
        match by_request.iter_mut().find(|(l, _)| l == label) {
            Some((_, all)) => all.push(*took),
            None => by_request.push((label.clone(), vec![*took])),
        }
    }
    Ok(Paced {
        target_per_sec: rate,
        sign_ins: Rate::from(whole, elapsed),
        slowest_request: Rate::from(slowest, elapsed),
        by_request: by_request
            .into_iter()
            .map(|(label, all)| (label, Rate::from(all, elapsed)))
            .collect(),
        requests: Rate::from(requests.into_iter().map(|(_, d)| d).collect(), elapsed),
        pages: Rate::from(pages, elapsed),
    })
}

/// Waits until the retention job has deleted at least `ended` sessions (it runs every
/// minute in the bench), reading the servers' resident memory every 100 ms meanwhile: the
/// highest reading, and how many it deleted.
async fn memory_while_pruning(server: &Server, ended: u64) -> anyhow::Result<(u64, u64)> {
    let http = shared_http();
    let mut peak = server.rss_kib();
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        peak = peak.max(server.rss_kib());
        let metrics = http
            .get(format!("{}/metrics", server.base))
            .send()
            .await?
            .text()
            .await?;
        let deleted = metrics
            .lines()
            .find_map(|l| {
                l.strip_prefix("tessera_retention_deleted_rows_total{table=\"sessions\"} ")
            })
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0) as u64;
        if deleted >= ended {
            return Ok((peak, deleted));
        }
        if Instant::now() > deadline {
            bail!("the retention job deleted {deleted} of {ended} ended sessions in 150 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
