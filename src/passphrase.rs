//! Secrets sealed under an operator's passphrase (the keys inside a backup): a key derived
//! with Argon2id (RFC 9106's second recommended set: 64 MiB, 3 passes, 4 lanes) from the
//! passphrase and a random salt, then AES-256-GCM with a random nonce. The parameters travel
//! with the sealed value, so stronger ones later still open older backups.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// NIST SP 800-63B 3.1.1.2 asks at least 15 characters of a password used alone; a backup's
/// passphrase guards every key of the portal, offline, so no less.
pub const MIN_CHARS: usize = 15;

const M_COST_KIB: u32 = 64 * 1024;
const T_COST: u32 = 3;
const P_COST: u32 = 4;

/// A passphrase, never shown in a log.
pub struct Passphrase(String);

impl Passphrase {
    /// The text as given, less one trailing newline (a file written by `echo`).
    pub fn parse(text: &str) -> Result<Self, PassphraseError> {
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        if text.chars().count() < MIN_CHARS {
            return Err(PassphraseError::TooShort);
        }
        Ok(Self(text.to_string()))
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PassphraseError {
    #[error("the backup passphrase must be at least {MIN_CHARS} characters")]
    TooShort,
    /// Wrong passphrase, or the sealed value or what it is bound to was changed: AES-GCM
    /// cannot tell which, and neither should we.
    #[error(
        "the passphrase does not open the keys in this backup (a wrong passphrase, or a damaged backup)"
    )]
    WrongOrDamaged,
    #[error("the sealed keys are not in a form this version reads: {0}")]
    Format(String),
    #[error("no randomness: {0}")]
    Random(String),
}

/// A value sealed under a passphrase, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sealed {
    pub kdf: String,
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
    pub salt: String,
    pub nonce: String,
    pub ciphertext: String,
}

/// Seals `plaintext` under `passphrase`; `bound_to` (the backup's manifest) is authenticated
/// with it, so the keys cannot be moved under another manifest, nor the manifest changed.
pub fn seal(
    passphrase: &Passphrase,
    plaintext: &[u8],
    bound_to: &[u8],
) -> Result<Sealed, PassphraseError> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    for buf in [&mut salt[..], &mut nonce[..]] {
        getrandom::fill(buf).map_err(|e| PassphraseError::Random(e.to_string()))?;
    }
    let key = derive(passphrase, &salt, M_COST_KIB, T_COST, P_COST)?;
    let ciphertext = Aes256Gcm::new(&key.into())
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: bound_to,
            },
        )
        .map_err(|_| PassphraseError::Format("encryption failed".into()))?;
    Ok(Sealed {
        kdf: "argon2id".into(),
        m_cost_kib: M_COST_KIB,
        t_cost: T_COST,
        p_cost: P_COST,
        salt: STANDARD.encode(salt),
        nonce: STANDARD.encode(nonce),
        ciphertext: STANDARD.encode(ciphertext),
    })
}

/// Opens what `seal` made, with the same `bound_to`.
pub fn open(
    passphrase: &Passphrase,
    sealed: &Sealed,
    bound_to: &[u8],
) -> Result<Vec<u8>, PassphraseError> {
    if sealed.kdf != "argon2id" {
        return Err(PassphraseError::Format(format!("kdf {:?}", sealed.kdf)));
    }
    // Bounds so a forged header cannot ask for gigabytes of memory or hours of work.
    if sealed.m_cost_kib > 4 * 1024 * 1024 || sealed.t_cost > 64 || sealed.p_cost > 64 {
        return Err(PassphraseError::Format("parameters out of range".into()));
    }
    let decode = |text: &str| {
        STANDARD
            .decode(text)
            .map_err(|_| PassphraseError::Format("not base64".into()))
    };
    let (salt, nonce, ciphertext) = (
        decode(&sealed.salt)?,
        decode(&sealed.nonce)?,
        decode(&sealed.ciphertext)?,
    );
    if nonce.len() != 12 {
        return Err(PassphraseError::Format("nonce length".into()));
    }
    let key = derive(
        passphrase,
        &salt,
        sealed.m_cost_kib,
        sealed.t_cost,
        sealed.p_cost,
    )?;
    Aes256Gcm::new(&key.into())
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: bound_to,
            },
        )
        .map_err(|_| PassphraseError::WrongOrDamaged)
}

fn derive(
    passphrase: &Passphrase,
    salt: &[u8],
    m: u32,
    t: u32,
    p: u32,
) -> Result<[u8; 32], PassphraseError> {
    let params =
        Params::new(m, t, p, Some(32)).map_err(|e| PassphraseError::Format(e.to_string()))?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.0.as_bytes(), salt, &mut key)
        .map_err(|e| PassphraseError::Format(e.to_string()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phrase(text: &str) -> Passphrase {
        Passphrase::parse(text).unwrap()
    }

    #[test]
    fn nist_800_63b_a_passphrase_shorter_than_15_characters_is_refused() {
        assert_eq!(
            Passphrase::parse("fourteen-chars").unwrap_err(),
            PassphraseError::TooShort
        );
        // Characters, not bytes; the newline a file ends with is not part of it.
        assert!(Passphrase::parse("ñandú-ñandú-ñan\n").is_ok());
        assert!(Passphrase::parse("fourteen-chars\n").is_err());
    }

    #[test]
    fn sealed_keys_open_only_with_the_passphrase_and_the_same_manifest() {
        let right = phrase("correct horse battery staple");
        let sealed = seal(&right, b"the keys", b"manifest").unwrap();
        assert_eq!(open(&right, &sealed, b"manifest").unwrap(), b"the keys");
        let wrong = phrase("correct horse battery stapler");
        assert_eq!(
            open(&wrong, &sealed, b"manifest").unwrap_err(),
            PassphraseError::WrongOrDamaged
        );
        assert_eq!(
            open(&right, &sealed, b"another manifest").unwrap_err(),
            PassphraseError::WrongOrDamaged
        );
        // A fresh salt and nonce each time: the same keys never seal to the same text.
        let again = seal(&right, b"the keys", b"manifest").unwrap();
        assert_ne!((again.salt, again.nonce), (sealed.salt, sealed.nonce));
    }
}
