//! The composition root: configuration turned into the ports the flows use. The web server
//! and the CLI both build one `App` and call the same flows on it.

use std::path::PathBuf;
use std::sync::Arc;

use crate::audit::ChainKey;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::{Keys, PasswordHasher};
use crate::delivery::twilio::{Twilio, TwilioConfig};
use crate::delivery::{MailTransport, Mailer, Phone, SmtpMailer};
use crate::store::Store;

pub struct App {
    pub config: Config,
    pub store: Store,
    pub mailer: Mailer,
    pub phone: Phone,
    pub keys: Keys,
    /// Encryption at rest of phone numbers.
    pub sealer: crate::sealing::Sealer,
    pub hasher: PasswordHasher,
    pub clock: Arc<dyn Clock>,
    /// Wakes this node's mail worker (`flows::mail_queue`) when a letter is queued, so a
    /// queued letter normally goes within milliseconds.
    pub mail_wakeup: tokio::sync::Notify,
    /// Wakes this node's back-channel logout worker (`flows::backchannel`) when a session
    /// is ended here, so applications hear of it at once.
    pub logout_wakeup: tokio::sync::Notify,
    /// Calls to applications' back-channel logout URIs: short time-outs, no redirects (a
    /// redirect would carry the logout token elsewhere), no retries (the queue retries).
    pub http: reqwest::Client,
    /// This process among the nodes sharing the database (the holder of a job's lease):
    /// its process id and a random part, different at every start.
    pub node: String,
    /// Which forward-authentication refusals this node writes to the audit log.
    pub refusals: crate::flows::forward_auth::RefusalSampler,
    /// The applications behind forward authentication, as this node's checks read them.
    pub forward_apps: crate::flows::forward_auth::AppsCache,
    /// The company providers' discovery documents and keys, as this node's staff sign-ins
    /// read them.
    pub provider_discovery: crate::flows::provider_discovery::DiscoveryCache,
    /// The operator's brand, as every page and message shows it (its logo read at start).
    pub brand: Arc<crate::domain::brand::Brand>,
}

impl App {
    pub async fn build(config: Config) -> anyhow::Result<Arc<Self>> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Arc<Self>> {
        crate::crypto::install_tls_provider();
        let keys = load_keys(&config)?;
        let brand = Arc::new(brand_of(&config)?);
        let sealer = crate::sealing::Sealer::new(config.encryption_keys.as_deref(), &keys)?;
        let store = Store::open(&config.database_url, ChainKey::derive(&keys)).await?;
        // Part of the upgrade, after the SQL migrations: SQL cannot compute the keyed hashes.
        store.seal_legacy_audit_chain(clock.now()).await?;
        let mailer = match &config.smtp_url {
            Some(url) => Mailer::new(MailTransport::Smtp(SmtpMailer::new(
                url,
                &config.mail_from,
            )?)),
            None => Mailer::new(MailTransport::Outbox(store.clone())),
        };
        let phone = match (
            &config.twilio_account_sid,
            &config.twilio_auth_token,
            &config.twilio_from,
        ) {
            (Some(sid), Some(token), Some(from)) => Phone::Twilio(Twilio::new(TwilioConfig {
                api_base: config.twilio_api_base.trim_end_matches('/').to_string(),
                account_sid: sid.clone(),
                auth_token: token.clone(),
                from: from.clone(),
                timeout: std::time::Duration::from_secs(config.twilio_timeout_secs),
            })?),
            (None, None, None) => Phone::Outbox(store.clone()),
            _ => anyhow::bail!(
                "set all of TESSERA_TWILIO_ACCOUNT_SID, TESSERA_TWILIO_AUTH_TOKEN and TESSERA_TWILIO_FROM, or none"
            ),
        };
        Ok(Arc::new(Self {
            sealer,
            phone,
            hasher: PasswordHasher::new(config.policy.hash_concurrency())?,
            config,
            store,
            mailer,
            mail_wakeup: tokio::sync::Notify::new(),
            logout_wakeup: tokio::sync::Notify::new(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .retry(reqwest::retry::never())
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION")))
                .build()?,
            keys,
            clock,
            node: format!(
                "{}-{}",
                std::process::id(),
                &crate::crypto::random_token()?[..8]
            ),
            refusals: Default::default(),
            forward_apps: Default::default(),
            provider_discovery: Default::default(),
            brand,
        }))
    }

    /// The portal for a command of `tessera admin`, run perhaps in another terminal than the
    /// server's: without a public URL of its own, it takes the one the running server recorded
    /// at its start, so the links it makes reach that server (issue 17, problem 11).
    pub async fn build_for_command_line(
        config: Config,
    ) -> anyhow::Result<(Arc<Self>, PublicUrlSource)> {
        if config.public_url.is_some() {
            return Ok((Self::build(config).await?, PublicUrlSource::Configured));
        }
        let mut app = Self::build(config).await?;
        let recorded = app
            .store
            .setting(crate::store::settings::PUBLIC_URL)
            .await?;
        let Some(url) = recorded else {
            return Ok((app, PublicUrlSource::Default));
        };
        // Nothing built above depends on the public URL (links are made from it when asked).
        let Some(unshared) = Arc::get_mut(&mut app) else {
            anyhow::bail!("the command's portal was shared before its public URL was set");
        };
        unshared.config.public_url = Some(url);
        Ok((app, PublicUrlSource::Recorded))
    }

    pub fn now(&self) -> crate::domain::UnixTime {
        self.clock.now()
    }

    /// An absolute URL on the public address (never the request's Host header).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.public_url())
    }
}

/// Where a command's public URL came from, as the command says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicUrlSource {
    /// `TESSERA_PUBLIC_URL` or the configuration file.
    Configured,
    /// Recorded by the running server at its start.
    Recorded,
    /// Neither: the listen address.
    Default,
}

impl PublicUrlSource {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Configured => "TESSERA_PUBLIC_URL",
            Self::Recorded => "the public URL the server started with",
            Self::Default => {
                "no server has started on this database yet and TESSERA_PUBLIC_URL is not set"
            }
        }
    }
}

/// The key from `TESSERA_SECRET_KEY`, else from the key file (created on first start).
fn load_keys(config: &Config) -> anyhow::Result<Keys> {
    if let Some(secret) = &config.secret_key {
        return Keys::from_base64(secret);
    }
    let path = config.secret_key_file.clone().unwrap_or_else(|| {
        match config
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| config.database_url.strip_prefix("sqlite:"))
        {
            Some(rest) => {
                let file = rest.split('?').next().unwrap_or("tessera.db");
                PathBuf::from(format!("{file}.key"))
            }
            None => PathBuf::from("tessera.key"),
        }
    });
    Keys::load_or_create(&path)
}

/// The brand the configuration describes, its logo read now: a logo that cannot be read
/// stops the start with the reason, rather than a broken image on every page.
fn brand_of(config: &Config) -> anyhow::Result<crate::domain::brand::Brand> {
    use crate::domain::brand::{self, Brand, BrandProblem, Logo};
    let logo = match &config.brand_logo {
        Some(path) => {
            let content_type = brand::logo_type(&path.to_string_lossy())?;
            let bytes = std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("TESSERA_BRAND_LOGO {} cannot be read: {e}", path.display())
            })?;
            if bytes.len() > brand::LOGO_MAX_BYTES {
                return Err(BrandProblem::LogoSize.into());
            }
            Some(Logo {
                bytes,
                content_type,
            })
        }
        None => None,
    };
    Ok(Brand {
        name: config.brand_name.clone(),
        color: config.brand_color.clone(),
        support: config.support_contact.clone(),
        logo,
    })
}
