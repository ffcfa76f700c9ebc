//! Configuration: defaults, then the TOML file given with `--config`, then `TESSERA_*` variables.
//! Every key of the file has a variable of the same name in upper case behind `TESSERA_`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `TESSERA_LISTEN`: address to listen on.
    pub listen: SocketAddr,
    /// `TESSERA_PUBLIC_URL`: the URL users reach the portal at; every link is built from it.
    pub public_url: Option<String>,
    /// `TESSERA_DATABASE_URL`: `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// `TESSERA_SMTP_URL`: unset means the development outbox.
    pub smtp_url: Option<String>,
    /// `TESSERA_MAIL_FROM`.
    pub mail_from: String,
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<String>,
    pub twilio_from: Option<String>,
    pub twilio_api_base: String,
    /// `TESSERA_TWILIO_TIMEOUT_SECS`: how long a text or call waits for Twilio's answer before
    /// the page says it could not be sent (1 to 30; default 5).
    pub twilio_timeout_secs: u64,
    /// `TESSERA_SECRET_KEY`: base64 of at least 32 random bytes; the key of every keyed hash.
    /// Unset: read from (or created in) `secret_key_file`.
    pub secret_key: Option<String>,
    /// `TESSERA_SECRET_KEY_FILE`: default `<sqlite file>.key`, or `tessera.key` for PostgreSQL.
    pub secret_key_file: Option<PathBuf>,
    /// `TESSERA_ENCRYPTION_KEYS`: keys for encryption at rest, `id:base64(32 bytes), …`, the
    /// first one current. Unset: a key derived from the secret key.
    pub encryption_keys: Option<String>,
    /// `TESSERA_TRUSTED_PROXIES`: comma-separated IP addresses of the reverse proxies in front
    /// of the portal, whose `X-Forwarded-For` names the client for per-client limits.
    pub trusted_proxies: String,
    /// `TESSERA_COOKIE_DOMAIN`: the parent domain the session cookie is sent to (the portal
    /// and Tessera on sibling hosts, for forward authentication). Unset: host-only cookies,
    /// `__Host-` prefixed on https.
    pub cookie_domain: Option<String>,
    /// `TESSERA_HEADER_READ_TIMEOUT_SECS`: how long a client may take to send a request's
    /// headers, and how long a kept-alive connection may wait idle for its next request.
    pub header_read_timeout_secs: u64,
    /// `TESSERA_REQUEST_BODY_TIMEOUT_SECS`: how long a request's body may take to arrive.
    pub request_body_timeout_secs: u64,
    /// `TESSERA_MAX_CONNECTIONS`: connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// `TESSERA_RETENTION_INTERVAL_SECS`: how often a node prunes what the retention
    /// settings no longer keep (one node of several at a time; 60 to 86400).
    pub retention_interval_secs: u64,
    /// `TESSERA_MAIL_POLL_SECS`: how often a node's mail worker looks for queued letters
    /// that are due when nothing woke it (a letter queued on another node, a retry's time);
    /// 1 to 3600. A letter queued on this node wakes it at once.
    pub mail_poll_secs: u64,
    /// `TESSERA_MAIL_RETRY_FIRST_SECS`: the wait after a letter's first failed attempt; each
    /// further failure doubles it, up to `TESSERA_MAIL_RETRY_MAX_SECS`.
    pub mail_retry_first_secs: i64,
    pub mail_retry_max_secs: i64,
    /// `TESSERA_MAIL_MAX_ATTEMPTS`: attempts before a letter is dead (shown to administrators).
    pub mail_max_attempts: i64,
    /// `TESSERA_MAIL_MAX_AGE_SECS`: a letter that could not be sent for this long is dead.
    pub mail_max_age_secs: i64,
    /// `TESSERA_BRAND_NAME`: the portal's name in the header, page titles, emails and texts.
    pub brand_name: String,
    /// `TESSERA_BRAND_COLOR`: the header's colour, `#rrggbb`, dark enough for white text.
    pub brand_color: String,
    /// `TESSERA_BRAND_LOGO`: an .svg, .png, .webp or .jpg file shown in the header (read at
    /// start; at most 256 KiB).
    pub brand_logo: Option<PathBuf>,
    /// `TESSERA_SUPPORT_CONTACT`: whom people ask for help, shown at the foot of every page.
    pub support_contact: Option<String>,
    #[serde(flatten)]
    pub policy: crate::domain::policy::Policy,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            database_url: "sqlite://tessera.db".into(),
            smtp_url: None,
            mail_from: "Tessera <no-reply@localhost>".into(),
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_from: None,
            twilio_api_base: "https://api.twilio.com".into(),
            twilio_timeout_secs: 5,
            secret_key: None,
            secret_key_file: None,
            encryption_keys: None,
            trusted_proxies: String::new(),
            cookie_domain: None,
            header_read_timeout_secs: 10,
            request_body_timeout_secs: 60,
            max_connections: 1024,
            retention_interval_secs: 600,
            mail_poll_secs: 30,
            mail_retry_first_secs: 60,
            mail_retry_max_secs: 3_600,
            mail_max_attempts: 20,
            mail_max_age_secs: 172_800,
            brand_name: "Tessera".into(),
            brand_color: crate::domain::brand::DEFAULT_COLOR.into(),
            brand_logo: None,
            support_contact: None,
            policy: Default::default(),
        }
    }
}

impl Config {
    /// Loads defaults, then the optional TOML file, then `TESSERA_*` variables.
    pub fn load(file: Option<&std::path::Path>) -> anyhow::Result<Self> {
        let vars = std::env::vars().filter(|(k, _)| k.starts_with("TESSERA_"));
        let text = match file {
            Some(file) => Some(std::fs::read_to_string(file).map_err(|e| {
                anyhow::anyhow!("cannot read configuration file {}: {e}", file.display())
            })?),
            None => None,
        };
        Self::from_sources(text.as_deref(), vars)
    }

    /// Layers the sources over the defaults. Keys are known by the defaults, so a misspelt key
    /// in the file is an error; a variable's text is read as the type its key has (a phone
    /// number such as `+15005550006` stays text).
    pub fn from_sources(
        toml_text: Option<&str>,
        vars: impl Iterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let Value::Object(mut merged) = serde_json::to_value(Config::default())? else {
            anyhow::bail!("configuration defaults are not a table");
        };
        let known: Vec<String> = merged.keys().cloned().collect();
        if let Some(text) = toml_text {
            let table: Map<String, Value> = toml::from_str(text)
                .map_err(|e| anyhow::anyhow!("invalid configuration file: {e}"))?;
            for (key, value) in table {
                if !known.contains(&key) {
                    anyhow::bail!("unknown configuration key {key:?}");
                }
                merged.insert(key, value);
            }
        }
        for (name, raw) in vars {
            let key = name.trim_start_matches("TESSERA_").to_ascii_lowercase();
            let Some(default) = merged.get(&key) else {
                continue; // e.g. TESSERA_CONFIG, or variables of the test harness
            };
            let value =
                match default {
                    Value::Number(_) => Value::Number(raw.trim().parse().map_err(|_| {
                        anyhow::anyhow!("{name} must be a whole number, not {raw:?}")
                    })?),
                    Value::Bool(_) => Value::Bool(match raw.trim() {
                        "true" | "1" | "yes" => true,
                        "false" | "0" | "no" => false,
                        _ => anyhow::bail!("{name} must be true or false, not {raw:?}"),
                    }),
                    _ => Value::String(raw),
                };
            merged.insert(key, value);
        }
        let config: Config = serde_json::from_value(Value::Object(merged))
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        use crate::domain::brand;
        brand::check_name(&self.brand_name)?;
        brand::check_color(&self.brand_color)?;
        if let Some(support) = &self.support_contact {
            brand::check_support(support)?;
        }
        if let Some(logo) = &self.brand_logo {
            brand::logo_type(&logo.to_string_lossy())?;
        }
        let public = self.public_url();
        let parsed = url::Url::parse(&public)
            .map_err(|e| anyhow::anyhow!("TESSERA_PUBLIC_URL {public:?} is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            anyhow::bail!("TESSERA_PUBLIC_URL must start with http:// or https://");
        }
        for entry in self.trusted_proxy_entries() {
            entry.parse::<std::net::IpAddr>().map_err(|_| {
                anyhow::anyhow!("TESSERA_TRUSTED_PROXIES: {entry:?} is not an IP address")
            })?;
        }
        if let Some(domain) = self.cookie_domain() {
            check_cookie_domain(domain, parsed.host_str().unwrap_or_default())?;
        }
        if !(1..=30).contains(&self.twilio_timeout_secs) {
            anyhow::bail!("TESSERA_TWILIO_TIMEOUT_SECS must be between 1 and 30");
        }
        if !(1..=300).contains(&self.header_read_timeout_secs) {
            anyhow::bail!("TESSERA_HEADER_READ_TIMEOUT_SECS must be between 1 and 300");
        }
        if !(1..=3600).contains(&self.request_body_timeout_secs) {
            anyhow::bail!("TESSERA_REQUEST_BODY_TIMEOUT_SECS must be between 1 and 3600");
        }
        if self.max_connections == 0 {
            anyhow::bail!("TESSERA_MAX_CONNECTIONS must be at least 1");
        }
        if !(60..=86_400).contains(&self.retention_interval_secs) {
            anyhow::bail!("TESSERA_RETENTION_INTERVAL_SECS must be between 60 and 86400");
        }
        if !(1..=3_600).contains(&self.mail_poll_secs) {
            anyhow::bail!("TESSERA_MAIL_POLL_SECS must be between 1 and 3600");
        }
        if self.mail_retry_first_secs < 1 || self.mail_retry_max_secs < self.mail_retry_first_secs {
            anyhow::bail!(
                "TESSERA_MAIL_RETRY_FIRST_SECS must be at least 1, and TESSERA_MAIL_RETRY_MAX_SECS at least as long"
            );
        }
        if self.mail_max_attempts < 1 || self.mail_max_age_secs < 1 {
            anyhow::bail!(
                "TESSERA_MAIL_MAX_ATTEMPTS and TESSERA_MAIL_MAX_AGE_SECS must be at least 1"
            );
        }
        self.policy.validate()
    }

    /// When the mail queue tries a letter again, and when it gives up (`domain::mail_queue`).
    pub fn mail_retry_schedule(&self) -> crate::domain::mail_queue::RetrySchedule {
        crate::domain::mail_queue::RetrySchedule {
            first_delay_secs: self.mail_retry_first_secs,
            max_delay_secs: self.mail_retry_max_secs,
            max_attempts: self.mail_max_attempts,
            max_age_secs: self.mail_max_age_secs,
        }
    }

    /// The public URL without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }

    /// The reverse proxies trusted to name the client (checked at load).
    pub fn trusted_proxies(&self) -> Vec<std::net::IpAddr> {
        self.trusted_proxy_entries()
            .filter_map(|e| e.parse().ok())
            .collect()
    }

    fn trusted_proxy_entries(&self) -> impl Iterator<Item = &str> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
    }

    /// The parent domain of the session cookie, when one is set (checked at load).
    pub fn cookie_domain(&self) -> Option<&str> {
        self.cookie_domain
            .as_deref()
            .map(|d| d.trim().trim_start_matches('.'))
            .filter(|d| !d.is_empty())
    }

    /// Asked on every request (cookie names), so it reads the setting without building the URL.
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }

    /// Which messages go to the development outbox instead of being delivered, and why; None
    /// when SMTP and Twilio are both configured.
    pub fn outbox_messages(&self) -> Option<&'static str> {
        match (self.smtp_url.is_some(), self.twilio_account_sid.is_some()) {
            (false, false) => {
                Some("emails, texts and calls (no SMTP server and no Twilio account configured)")
            }
            (false, true) => Some("emails (no SMTP server configured)"),
            (true, false) => Some("texts and calls (no Twilio account configured)"),
            (true, true) => None,
        }
    }

    /// The development outbox page (codes in plain sight) exists only in development: some
    /// messages go to the outbox (no SMTP server, or no Twilio account), and nobody but this
    /// machine can reach the portal: it listens on a loopback address, its public URL is a
    /// plain-http loopback one, and no reverse proxy is trusted. A loopback listener behind a
    /// proxy is the documented production set-up, so loopback alone is not enough (issue 11,
    /// finding 8).
    pub fn dev_outbox_page(&self) -> bool {
        self.outbox_messages().is_some()
            && self.listen.ip().is_loopback()
            && self.public_url_is_loopback()
            && self.trusted_proxy_entries().next().is_none()
    }

    fn public_url_is_loopback(&self) -> bool {
        let Ok(url) = url::Url::parse(&self.public_url()) else {
            return false;
        };
        url.scheme() == "http"
            && match url.host() {
                Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            }
    }
}

/// Secrets never reach a log: Debug names them only as set or unset.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn redacted(v: &Option<String>) -> &'static str {
            if v.is_some() { "<redacted>" } else { "<unset>" }
        }
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url())
            .field("database_url", &redact_url(&self.database_url))
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("twilio_account_sid", &self.twilio_account_sid)
            .field("twilio_auth_token", &redacted(&self.twilio_auth_token))
            .field("twilio_from", &self.twilio_from)
            .field("twilio_api_base", &self.twilio_api_base)
            .field("twilio_timeout_secs", &self.twilio_timeout_secs)
            .field("secret_key", &redacted(&self.secret_key))
            .field("secret_key_file", &self.secret_key_file)
            .field("encryption_keys", &redacted(&self.encryption_keys))
            .field("trusted_proxies", &self.trusted_proxies)
            .field("cookie_domain", &self.cookie_domain)
            .field("header_read_timeout_secs", &self.header_read_timeout_secs)
            .field("request_body_timeout_secs", &self.request_body_timeout_secs)
            .field("max_connections", &self.max_connections)
            .field("retention_interval_secs", &self.retention_interval_secs)
            .field("mail_poll_secs", &self.mail_poll_secs)
            .field("mail_retry", &self.mail_retry_schedule())
            .field("policy", &self.policy)
            .finish()
    }
}

/// A cookie domain must hold the public URL's host (else the browser refuses the cookie and
/// nobody can sign in) and be a name of at least two labels (a browser refuses `com` too).
fn check_cookie_domain(domain: &str, host: &str) -> anyhow::Result<()> {
    let domain = domain.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    if host
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_ok()
    {
        anyhow::bail!(
            "TESSERA_COOKIE_DOMAIN needs TESSERA_PUBLIC_URL on a host name, not an IP address"
        );
    }
    let valid = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !valid {
        anyhow::bail!("TESSERA_COOKIE_DOMAIN {domain:?} is not a domain name such as example.org");
    }
    if host != domain && !host.ends_with(&format!(".{domain}")) {
        anyhow::bail!(
            "TESSERA_COOKIE_DOMAIN {domain:?} must be the host of TESSERA_PUBLIC_URL ({host}) or a parent domain of it"
        );
    }
    Ok(())
}

/// Hides the password of a URL such as `postgres://user:secret@host/db`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("redacted"));
            url.to_string()
        }
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_product_contract() {
        let config = Config::default();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url(), "http://127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://tessera.db");
        assert_eq!(config.mail_from, "Tessera <no-reply@localhost>");
        assert_eq!(config.twilio_api_base, "https://api.twilio.com");
        assert!(config.dev_outbox_page());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = Config {
            secret_key: Some("c2VjcmV0".into()),
            twilio_auth_token: Some("tok3n".into()),
            smtp_url: Some("smtp://user:hunter2@mail.example.com".into()),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("c2VjcmV0"));
        assert!(!shown.contains("tok3n"));
        assert!(!shown.contains("hunter2"));
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn variables_override_the_file_and_keep_their_type() {
        let file = "listen = \"127.0.0.1:9000\"\nemail_login_code_ttl_secs = 45\n";
        let config = Config::from_sources(
            Some(file),
            vars(&[
                ("TESSERA_TWILIO_FROM", "+15005550006"),
                ("TESSERA_EMAIL_LOGIN_CODE_TTL_SECS", "60"),
                ("TESSERA_PUBLIC_URL", "https://portal.example.org/"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(config.twilio_from.as_deref(), Some("+15005550006"));
        assert_eq!(config.policy.email_login_code_ttl_secs, 60);
        assert_eq!(config.public_url(), "https://portal.example.org");
        assert!(config.is_https());
    }

    /// The outbox page shows people's codes and links: never on an address others can reach,
    /// and never once every message is really delivered.
    #[test]
    fn the_outbox_page_exists_only_on_loopback_while_messages_go_to_the_outbox() {
        let on = |listen: &str, smtp: bool, twilio: bool| Config {
            listen: listen.parse().unwrap(),
            smtp_url: smtp.then(|| "smtp://mail.example.org".into()),
            twilio_account_sid: twilio.then(|| "AC123".into()),
            ..Config::default()
        };
        for listen in ["127.0.0.1:8080", "[::1]:8080"] {
            assert!(on(listen, false, false).dev_outbox_page(), "{listen}");
            assert!(on(listen, true, false).dev_outbox_page(), "{listen}");
            assert!(on(listen, false, true).dev_outbox_page(), "{listen}");
            assert!(!on(listen, true, true).dev_outbox_page(), "{listen}");
        }
        for listen in [
            "0.0.0.0:8080",
            "[::]:8080",
            "192.0.2.10:8080",
            "[2001:db8::1]:8080",
        ] {
            for (smtp, twilio) in [(false, false), (true, false), (false, true), (true, true)] {
                assert!(!on(listen, smtp, twilio).dev_outbox_page(), "{listen}");
            }
        }
    }

    /// Issue 11, finding 8: SMTP configured, Twilio not, on the documented loopback listener
    /// behind a reverse proxy: the page showed every text's code to the world.
    #[test]
    fn behind_a_proxy_or_on_a_public_url_there_is_no_outbox_page() {
        let production = |public_url: Option<&str>, proxies: &str| Config {
            listen: "127.0.0.1:8080".parse().unwrap(),
            public_url: public_url.map(str::to_string),
            smtp_url: Some("smtp://mail.example.org".into()),
            trusted_proxies: proxies.into(),
            ..Config::default()
        };
        assert!(production(None, "").dev_outbox_page(), "development");
        assert!(production(Some("http://localhost:8080"), "").dev_outbox_page());
        for (url, proxies) in [
            (Some("https://portal.example.org"), ""),
            (Some("http://portal.example.org"), ""),
            (Some("https://localhost:8443"), ""),
            (None, "127.0.0.1"),
            (Some("http://127.0.0.1:8080"), "127.0.0.1"),
        ] {
            assert!(
                !production(url, proxies).dev_outbox_page(),
                "{url:?} {proxies:?}"
            );
        }
    }

    #[test]
    fn the_outbox_is_described_by_what_goes_there() {
        let with = |smtp: bool, twilio: bool| Config {
            smtp_url: smtp.then(|| "smtp://mail.example.org".into()),
            twilio_account_sid: twilio.then(|| "AC123".into()),
            ..Config::default()
        };
        assert_eq!(
            with(false, true).outbox_messages(),
            Some("emails (no SMTP server configured)")
        );
        assert_eq!(
            with(true, false).outbox_messages(),
            Some("texts and calls (no Twilio account configured)")
        );
        let both = with(false, false).outbox_messages().unwrap();
        assert!(
            both.contains("no SMTP server and no Twilio account"),
            "{both}"
        );
        assert_eq!(with(true, true).outbox_messages(), None);
    }

    #[test]
    fn misspelt_keys_and_bad_numbers_are_refused() {
        let err = Config::from_sources(Some("lissen = \"x\""), vars(&[])).unwrap_err();
        assert!(err.to_string().contains("lissen"));
        let err =
            Config::from_sources(None, vars(&[("TESSERA_CODE_TTL_SECS", "ten")])).unwrap_err();
        assert!(err.to_string().contains("TESSERA_CODE_TTL_SECS"));
    }

    #[test]
    fn a_cookie_domain_must_hold_the_public_host() {
        let with = |url: &str, domain: &str| {
            Config::from_sources(
                None,
                vars(&[
                    ("TESSERA_PUBLIC_URL", url),
                    ("TESSERA_COOKIE_DOMAIN", domain),
                ]),
            )
        };
        let config = with("https://auth.example.org", ".example.org").unwrap();
        assert_eq!(config.cookie_domain(), Some("example.org"));
        assert!(with("https://auth.example.org", "auth.example.org").is_ok());
        for (url, domain) in [
            ("https://auth.example.org", "other.org"),
            ("https://auth.example.org", "ample.org"),
            ("https://auth.example.org", "org"),
            ("https://auth.example.org", "example.org/x"),
            ("http://127.0.0.1:8080", "0.0.1"),
        ] {
            let err = with(url, domain).unwrap_err().to_string();
            assert!(
                err.contains("TESSERA_COOKIE_DOMAIN"),
                "{url} {domain}: {err}"
            );
        }
    }
}
