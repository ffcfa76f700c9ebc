//! Secrets: random tokens, keyed hashes, and Argon2id password hashing.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use std::sync::Mutex;

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

/// 256 bits from the operating system's CSPRNG, URL-safe (links, session cookies, CSRF).
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What a keyed hash is for; a hash made for one purpose never matches another's.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    Session,
    Link,
    Code,
    Csrf,
    Throttle,
    /// Derives the default key for encryption at rest.
    Encryption,
    /// Derives the key that seals the audit chain (`audit::ChainKey`).
    AuditChain,
    /// OpenID Connect client secrets.
    ClientSecret,
    /// Authorization codes, access and refresh tokens.
    OidcToken,
    /// The handle of an authorization request waiting for its person.
    OidcRequest,
    /// The account identifier applications see (`sub`).
    Subject,
    /// Recovery codes (`domain::recovery_code`), looked up by this hash alone.
    RecoveryCode,
    /// The handle of a ceremony kept server-side without a session (a passkey sign-in).
    Ceremony,
    /// The user handle a passkey stores for its account (WebAuthn `user.id`).
    PasskeyUser,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Session => b"tessera/session",
            Self::Link => b"tessera/link",
            Self::Code => b"tessera/code",
            Self::Csrf => b"tessera/csrf",
            Self::Throttle => b"tessera/throttle",
            Self::Encryption => b"tessera/encryption",
            Self::AuditChain => b"tessera/audit-chain",
            Self::ClientSecret => b"tessera/client-secret",
            Self::OidcToken => b"tessera/oidc-token",
            Self::OidcRequest => b"tessera/oidc-request",
            Self::Subject => b"tessera/subject",
            Self::RecoveryCode => b"tessera/recovery-code",
            Self::Ceremony => b"tessera/ceremony",
            Self::PasskeyUser => b"tessera/passkey-user",
        }
    }
}

/// The server's secret key. Tokens, codes and session identifiers are stored only as
/// HMAC-SHA-256 under it, so a stolen database does not let anyone guess a 6-digit code.
#[derive(Clone)]
pub struct Keys {
    secret: Arc<[u8]>,
}

impl Keys {
    pub fn from_bytes(secret: &[u8]) -> anyhow::Result<Self> {
        if secret.len() < 32 {
            anyhow::bail!("the secret key must be at least 32 bytes");
        }
        Ok(Self {
            secret: secret.into(),
        })
    }

    pub fn from_base64(text: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim()))
            .map_err(|_| anyhow::anyhow!("TESSERA_SECRET_KEY is not base64"))?;
        Self::from_bytes(&bytes)
    }

    /// Reads the key file, or creates it (readable by the owner only) on first start.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut secret = [0u8; 32];
                getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
                write_private(path, &STANDARD.encode(secret))?;
                tracing::warn!(path = %path.display(), "created a new secret key file; keep it safe and share it between nodes");
                Self::from_bytes(&secret)
            }
            Err(e) => anyhow::bail!("cannot read the secret key file {}: {e}", path.display()),
        }
    }

    pub fn hash(&self, purpose: Purpose, data: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose.label());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// A stateless CSRF token bound to the browser's CSRF cookie (OWASP "signed double submit").
    pub fn csrf_token(&self, cookie: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.hash(Purpose::Csrf, cookie.as_bytes()))
    }

    pub fn csrf_token_matches(&self, cookie: &str, submitted: &str) -> bool {
        constant_time_eq(self.csrf_token(cookie).as_bytes(), submitted.as_bytes())
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            anyhow::anyhow!("cannot create the secret key file {}: {e}", path.display())
        })?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text)?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("too many sign-ins are waiting; try again in a few seconds")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// Argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1), computed on the blocking
/// pool. A semaphore lets only a few run at once, so a burst of sign-ins queues instead of
/// exhausting memory; past a queue limit it refuses at once.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Argon2's 19 MiB working memory, one per permit, made on first use and then reused.
    /// Allocating it for every hash left a copy in each blocking thread's malloc arena
    /// (resident memory grew from 13 to over 500 MiB under load) and paid for 19 MiB of fresh
    /// pages every time.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    concurrency: usize,
    waiting: Arc<AtomicUsize>,
    queue_limit: usize,
    /// Verified when the account is unknown, so the answer takes as long as for a known one.
    dummy_hash: Arc<str>,
    /// CPU time spent hashing and verifying, in nanoseconds (each hash's thread clock), for
    /// `tessera_password_hash_cpu_seconds_total`: what share of the portal's CPU is Argon2.
    cpu_ns: Arc<AtomicU64>,
    /// The longest an imported (bcrypt, PBKDF2) hash has taken to check, in microseconds:
    /// every check lasts at least this long, so the time of a wrong password does not tell an
    /// imported account from any other (issue 11, finding 10; ASVS 6.3.8 level 3).
    slowest_imported_us: Arc<AtomicU64>,
}

/// NIST SP 800-63B-4 3.1.1.2: a password is NFKC-normalised before it is hashed, so the same
/// password typed on another keyboard or system (composed or decomposed accents, full-width
/// digits) still matches.
fn normalized(password: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    password.nfkc().collect()
}

/// Memory blocks (1 KiB each) of Tessera's parameters.
const BLOCKS: usize = 19 * 1024;

fn argon2() -> Argon2<'static> {
    let params = Params::new(BLOCKS as u32, 2, 1, None)
        .unwrap_or_else(|_| unreachable!("OWASP's Argon2 parameters are valid"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn failed(e: impl fmt::Display) -> HashError {
    HashError::Failed(e.to_string())
}

/// What `Argon2::hash_password` does, in memory we keep: a 128-bit salt from the OS CSPRNG,
/// a 256-bit output, the PHC string.
fn hash_with(memory: &mut [Block], password: &[u8]) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(failed)?;
    let mut out = [0u8; 32];
    let argon2 = argon2();
    argon2
        .hash_password_into_with_memory(password, &salt, &mut out, memory)
        .map_err(failed)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.into(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(failed)?,
        salt: Some(Salt::new(&salt).map_err(failed)?),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(phc.to_string())
}

/// What `Argon2::verify_password` does, in memory we keep when the stored hash has our
/// parameters (an imported Argon2 hash with others gets memory of its own size).
fn verify_with(memory: &mut [Block], password: &[u8], stored: &str) -> Result<bool, HashError> {
    let parsed = PasswordHash::new(stored).map_err(failed)?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(failed("the stored hash has no salt or output"));
    };
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(failed)?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(failed)?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(failed)?;
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    if blocks == memory.len() {
        argon2.hash_password_into_with_memory(password, salt, &mut out, memory)
    } else {
        argon2.hash_password_into(password, salt, &mut out)
    }
    .map_err(failed)?;
    Ok(constant_time_eq(&out, expected.as_bytes()))
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> anyhow::Result<Self> {
        let dummy = argon2()
            .hash_password(b"tessera dummy password for unknown accounts")
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
            .to_string();
        let concurrency = concurrency.max(1);
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            memory: Arc::new(Mutex::new(Vec::new())),
            concurrency,
            waiting: Arc::new(AtomicUsize::new(0)),
            queue_limit: 64 * concurrency,
            dummy_hash: dummy.into(),
            slowest_imported_us: Arc::new(AtomicU64::new(0)),
            cpu_ns: Arc::new(AtomicU64::new(0)),
        })
    }

    /// CPU seconds spent hashing so far (`tessera_password_hash_cpu_seconds_total`).
    pub fn cpu_seconds(&self) -> f64 {
        self.cpu_ns.load(Ordering::Relaxed) as f64 / 1e9
    }

    /// Hashes waiting for a permit (the `tessera_password_hash_queue_depth` gauge).
    pub fn queue_depth(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Takes every permit and fills the queue, as a burst of sign-ins would, until
    /// `Saturated::release`: lets a test show the refusal without timing anything.
    #[doc(hidden)]
    pub async fn saturate(&self) -> Saturated {
        let all = u32::try_from(self.concurrency).unwrap_or(u32::MAX);
        let permits = match self.permits.clone().acquire_many_owned(all).await {
            Ok(permits) => permits,
            Err(_) => unreachable!("the semaphore is never closed"),
        };
        let waiting = (0..self.queue_limit)
            .map(|_| {
                let hasher = self.clone();
                tokio::spawn(async move { hasher.hash("one of a burst").await.map(drop) })
            })
            .collect();
        while self.queue_depth() < self.queue_limit {
            tokio::task::yield_now().await;
        }
        Saturated {
            _permits: permits,
            waiting,
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = normalized(password);
        self.run(move |memory| hash_with(memory, password.as_bytes()))
            .await?
    }

    /// True when the password matches, whatever the algorithm of the stored hash (Argon2 with
    /// any parameters, or an imported bcrypt or PBKDF2 hash). With no stored hash (unknown
    /// account, or no password yet) it still does the same work and answers false.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashError> {
        let started = Instant::now();
        let imported = stored.is_some_and(|h| !h.starts_with("$argon2"));
        let matched = self.compare(password, stored).await?;
        // Waiting, not working: the sleep holds no permit and no core.
        let elapsed = started.elapsed().as_micros().min(u128::from(u64::MAX)) as u64;
        let slowest = if imported {
            self.slowest_imported_us
                .fetch_max(elapsed, Ordering::Relaxed)
                .max(elapsed)
        } else {
            self.slowest_imported_us.load(Ordering::Relaxed)
        };
        if slowest > elapsed {
            tokio::time::sleep(Duration::from_micros(slowest - elapsed)).await;
        }
        Ok(matched)
    }

    /// Learns how long an imported hash takes to check (at start-up, from a sample of the
    /// stored ones), so that even the first sign-in of an imported account is not the slower.
    pub async fn calibrate(&self, imported_hash: &str) -> Result<(), HashError> {
        self.verify("calibration: not anyone's password", Some(imported_hash))
            .await
            .map(|_| ())
    }

    async fn compare(&self, password: &str, stored: Option<&str>) -> Result<bool, HashError> {
        let (typed, normal) = (password.to_string(), normalized(password));
        let (hash, real) = match stored {
            Some(h) => (h.to_string(), true),
            None => (self.dummy_hash.to_string(), false),
        };
        self.run(move |memory| {
            if !hash.starts_with("$argon2") {
                // An imported hash (bcrypt, PBKDF2): verified once, then replaced. The older
                // system hashed the password as typed.
                return crate::legacy::verify(&typed, &hash)
                    .map(|ok| ok && real)
                    .map_err(|e| HashError::Failed(e.to_string()));
            }
            let password = if crate::legacy::is_current(&hash) {
                normal
            } else {
                typed
            };
            Ok(verify_with(memory, password.as_bytes(), &hash)? && real)
        })
        .await?
    }

    /// Runs `work` on the blocking pool with a permit and a working memory of its own.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        // Refused before anything is allocated: a burst past the limit costs nothing.
        let place = QueuePlace::take(&self.waiting, self.queue_limit).ok_or(HashError::Busy)?;
        let permit = self.permits.clone().acquire_owned().await;
        drop(place);
        let permit = permit.map_err(|_| HashError::Failed("hasher closed".into()))?;
        let (pool, cpu_ns) = (self.memory.clone(), self.cpu_ns.clone());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            // Never more than one memory per permit: each is returned before the permit.
            let taken = pool.lock().ok().and_then(|mut p| p.pop());
            let mut memory = taken.unwrap_or_else(|| vec![Block::default(); BLOCKS]);
            let started = thread_cpu_ns();
            let result = work(&mut memory);
            cpu_ns.fetch_add(thread_cpu_ns().saturating_sub(started), Ordering::Relaxed);
            if let Ok(mut p) = pool.lock() {
                p.push(memory);
            }
            result
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))
    }
}

/// The CPU time this thread has used, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    u64::try_from(now.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(now.tv_nsec).unwrap_or(0)
}

/// A hasher with every permit taken and its queue full (see `PasswordHasher::saturate`).
#[doc(hidden)]
pub struct Saturated {
    _permits: tokio::sync::OwnedSemaphorePermit,
    waiting: Vec<tokio::task::JoinHandle<Result<(), HashError>>>,
}

impl Saturated {
    /// The burst passes: the waiting requests give up (as when browsers go away), then the
    /// permits are free again. Returns once every place in the queue has been given back.
    pub async fn release(self) {
        for task in &self.waiting {
            task.abort();
        }
        for task in self.waiting {
            let _ = task.await;
        }
    }
}

/// A place in the hasher's queue, given back when dropped, so a request abandoned while it
/// waits (the browser went away and its handler was dropped) does not keep its place for
/// ever; otherwise enough of them would leave every later sign-in `Busy`.
struct QueuePlace<'a>(&'a AtomicUsize);

impl<'a> QueuePlace<'a> {
    fn take(waiting: &'a AtomicUsize, limit: usize) -> Option<Self> {
        let ahead = waiting.fetch_add(1, Ordering::SeqCst);
        // Refused or not, the place is given back when `place` drops.
        let place = Self(waiting);
        (ahead < limit).then_some(place)
    }
}

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// TLS for outgoing HTTPS (the SMS and voice provider) uses rustls with the ring provider,
/// the same one lettre and sqlx use, so no second crypto library is built. Idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hashes_depend_on_key_and_purpose() {
        let a = Keys::from_bytes(&[1; 32]).unwrap();
        let b = Keys::from_bytes(&[2; 32]).unwrap();
        assert_eq!(
            a.hash(Purpose::Code, b"123456"),
            a.hash(Purpose::Code, b"123456")
        );
        assert_ne!(
            a.hash(Purpose::Code, b"123456"),
            b.hash(Purpose::Code, b"123456")
        );
        assert_ne!(
            a.hash(Purpose::Code, b"123456"),
            a.hash(Purpose::Link, b"123456")
        );
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(Keys::from_bytes(&[0; 16]).is_err());
    }

    #[test]
    fn csrf_tokens_match_only_their_cookie() {
        let keys = Keys::from_bytes(&[7; 32]).unwrap();
        let token = keys.csrf_token("cookie-a");
        assert!(keys.csrf_token_matches("cookie-a", &token));
        assert!(!keys.csrf_token_matches("cookie-b", &token));
        assert!(!keys.csrf_token_matches("cookie-a", ""));
    }

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let a = random_token().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, random_token().unwrap());
    }

    #[tokio::test]
    async fn owasp_argon2id_hashes_verify_and_unknown_accounts_never_match() {
        let hasher = PasswordHasher::new(2).unwrap();
        let hash = hasher.hash("correct horse battery staple").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery staple", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("correct horse battery stapler", Some(&hash))
                .await
                .unwrap()
        );
        let dummy_password = "tessera dummy password for unknown accounts";
        assert!(!hasher.verify(dummy_password, None).await.unwrap());
    }

    #[tokio::test]
    async fn passwords_match_in_any_unicode_normal_form_nist_3_1_1_2() {
        let hasher = PasswordHasher::new(1).unwrap();
        // Composed é and full-width digits at registration ...
        let hash = hasher
            .hash("Caf\u{e9} au lait \u{ff11}\u{ff12}")
            .await
            .unwrap();
        // ... decomposed e + combining acute and ASCII digits at sign-in.
        let typed = "Cafe\u{301} au lait 12";
        assert!(hasher.verify(typed, Some(&hash)).await.unwrap());
        assert!(!hasher.verify("Cafe au lait 12", Some(&hash)).await.unwrap());
    }

    /// Our reused-memory hashing writes and reads standard PHC strings: the argon2 crate's own
    /// verifier accepts ours, and we accept its hashes with other variants and parameters.
    #[tokio::test]
    async fn hashes_interoperate_with_the_argon2_crate_in_both_directions() {
        use argon2::password_hash::PasswordVerifier as _;
        let hasher = PasswordHasher::new(1).unwrap();
        let ours = hasher.hash("Lanterns over the harbour").await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2()
                .verify_password(b"Lanterns over the harbour", &parsed)
                .is_ok()
        );
        assert!(
            argon2()
                .verify_password(b"Lanterns over the harbor", &parsed)
                .is_err()
        );
        for (algorithm, m) in [(Algorithm::Argon2id, 4096), (Algorithm::Argon2i, 8192)] {
            let params = Params::new(m, 3, 1, None).unwrap();
            let theirs = Argon2::new(algorithm, Version::V0x13, params)
                .hash_password(b"Lanterns over the harbour")
                .unwrap()
                .to_string();
            assert!(
                hasher
                    .verify("Lanterns over the harbour", Some(&theirs))
                    .await
                    .unwrap(),
                "{theirs}"
            );
            assert!(
                !hasher
                    .verify("Lanterns over the harbor", Some(&theirs))
                    .await
                    .unwrap()
            );
        }
        // The same memory, reused, still gives the right answers.
        assert!(
            hasher
                .verify("Lanterns over the harbour", Some(&ours))
                .await
                .unwrap()
        );
    }

    /// A burst of sign-ins cannot exhaust memory (ASVS 2.4.1, OWASP's Argon2id memory cost):
    /// with every permit taken and the queue full, the next hash is refused at once, before
    /// any working memory is allocated; the queue holds futures, not 19 MiB buffers.
    #[tokio::test]
    async fn past_the_queue_limit_a_hash_is_refused_at_once_without_allocating() {
        use futures_util::FutureExt as _;
        let hasher = PasswordHasher::new(1).unwrap();
        let burst = hasher.saturate().await;
        assert_eq!(hasher.queue_depth(), hasher.queue_limit);

        // Answered on the first poll: no waiting, no hashing.
        let refused = hasher.verify("one too many", None).now_or_never();
        assert!(matches!(refused, Some(Err(HashError::Busy))), "{refused:?}");
        assert!(matches!(
            hasher.hash("one too many").now_or_never(),
            Some(Err(HashError::Busy))
        ));
        assert_eq!(
            hasher.queue_depth(),
            hasher.queue_limit,
            "refusals take no place"
        );
        assert!(
            hasher.memory.lock().unwrap().is_empty(),
            "nothing queued or refused has working memory"
        );

        // Requests abandoned while they wait give their places back (a dropped handler, when
        // its browser goes away) ...
        burst.release().await;
        assert_eq!(hasher.queue_depth(), 0);
        // ... and once a permit is free, hashing works, in one reused working memory.
        let hash = hasher.hash("after the burst").await.unwrap();
        assert!(hasher.verify("after the burst", Some(&hash)).await.unwrap());
        assert_eq!(hasher.memory.lock().unwrap().len(), 1);
    }
}
