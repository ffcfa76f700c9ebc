//! Encryption at rest for personal data the portal must read back (phone numbers, the bodies
//! of queued mail) and for the ID-token signing keys:
//! AES-256-GCM with a random 96-bit nonce per value, the kind of value as associated data,
//! and the key's id in the stored text, so keys can be rotated (`tessera keys rotate`).
//! Stored form: `enc:{key id}:{base64(nonce ‖ ciphertext ‖ tag)}`.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::crypto::Keys;

const PREFIX: &str = "enc:";

/// What a value is: bound into its ciphertext, so a sealed value cannot be moved to another use.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    PhoneNumber,
    /// The text and HTML bodies of a queued letter (they hold one-time registration links).
    MailBody,
    /// An ID-token signing key's private half (PKCS#8, base64).
    SigningKey,
    /// An authenticator app's TOTP secret (base32), and a pending enrolment's state.
    FactorSecret,
    /// A staff identity provider's client secret.
    ProviderSecret,
    /// The address a new registrant signs in with, carried to the sign-in form in its URL:
    /// sealed, so no address is written to proxies' logs or the browser's history.
    AddressHint,
}

impl Kind {
    fn aad(self) -> &'static [u8] {
        match self {
            Self::PhoneNumber => b"tessera/phone-number",
            Self::MailBody => b"tessera/mail-body",
            Self::SigningKey => b"tessera/signing-key",
            Self::FactorSecret => b"tessera/factor-secret",
            Self::ProviderSecret => b"tessera/provider-secret",
            Self::AddressHint => b"tessera/address-hint",
        }
    }
}

#[derive(Clone)]
pub struct Sealer {
    /// (id, key); the first seals, all open.
    keys: Vec<(String, [u8; 32])>,
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the value was sealed with key {0:?}, which is not configured")]
    UnknownKey(String),
    #[error("the sealed value is damaged or was sealed for another use")]
    Damaged,
    #[error("TESSERA_ENCRYPTION_KEYS: {0}")]
    Config(String),
}

impl Sealer {
    /// Keys from `encryption_keys` (`id:base64key, …`, the first one current). The key derived
    /// from the secret key (id `0`) is always there to open older values, and seals when no
    /// key is configured.
    pub fn new(configured: Option<&str>, keys: &Keys) -> Result<Self, SealError> {
        let mut list = Vec::new();
        for entry in configured
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (id, key) = entry
                .split_once(':')
                .ok_or_else(|| SealError::Config("each key is id:base64".into()))?;
            if id.is_empty() || id == "0" || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(SealError::Config(format!(
                    "key id {id:?} must be letters and digits, not 0"
                )));
            }
            let bytes = STANDARD
                .decode(key)
                .or_else(|_| URL_SAFE_NO_PAD.decode(key))
                .map_err(|_| SealError::Config(format!("key {id} is not base64")))?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|_| SealError::Config(format!("key {id} must be 32 bytes")))?;
            list.push((id.to_string(), key));
        }
        let derived: [u8; 32] = keys
            .hash(crate::crypto::Purpose::Encryption, b"at-rest")
            .try_into()
            .map_err(|_| SealError::Config("the derived key is not 32 bytes".into()))?;
        list.push(("0".to_string(), derived));
        Ok(Self { keys: list })
    }

    fn current(&self) -> &(String, [u8; 32]) {
        &self.keys[0]
    }

    pub fn seal(&self, kind: Kind, plaintext: &str) -> String {
        let (id, key) = self.current();
        let cipher = Aes256Gcm::new(key.into());
        let mut nonce = [0u8; 12];
        // A failing OS random source is unrecoverable; never seal with a fixed nonce.
        if let Err(e) = getrandom::fill(&mut nonce) {
            panic!("no randomness for a nonce: {e}");
        }
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: kind.aad(),
                },
            )
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption of a short value cannot fail"));
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{id}:{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Opens a sealed value; a value stored before sealing existed comes back as it is.
    pub fn open(&self, kind: Kind, stored: &str) -> Result<String, SealError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let (id, data) = rest.split_once(':').ok_or(SealError::Damaged)?;
        let (_, key) = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .ok_or_else(|| SealError::UnknownKey(id.to_string()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(data)
            .map_err(|_| SealError::Damaged)?;
        if bytes.len() < 12 + 16 {
            return Err(SealError::Damaged);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = Aes256Gcm::new(key.into())
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: kind.aad(),
                },
            )
            .map_err(|_| SealError::Damaged)?;
        String::from_utf8(plain).map_err(|_| SealError::Damaged)
    }

    /// True when the stored value is not sealed with the current key (rotation's work).
    pub fn needs_resealing(&self, stored: &str) -> bool {
        !stored.starts_with(&format!("{PREFIX}{}:", self.current().0))
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "Sealer(keys {ids:?})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::from_bytes(&[9; 32]).unwrap()
    }

    #[test]
    fn sealed_values_open_and_hide_the_plaintext() {
        let sealer = Sealer::new(None, &keys()).unwrap();
        let sealed = sealer.seal(Kind::PhoneNumber, "+14155550132");
        assert!(
            sealed.starts_with("enc:0:") && !sealed.contains("4155550132"),
            "{sealed}"
        );
        assert_ne!(
            sealed,
            sealer.seal(Kind::PhoneNumber, "+14155550132"),
            "a fresh nonce each time"
        );
        assert_eq!(
            sealer.open(Kind::PhoneNumber, &sealed).unwrap(),
            "+14155550132"
        );
        assert_eq!(
            sealer.open(Kind::PhoneNumber, "+14155550132").unwrap(),
            "+14155550132",
            "values from before sealing"
        );
    }

    #[test]
    fn tampering_is_detected() {
        let sealer = Sealer::new(None, &keys()).unwrap();
        let sealed = sealer.seal(Kind::PhoneNumber, "+14155550132");
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(matches!(
            sealer.open(Kind::PhoneNumber, &tampered),
            Err(SealError::Damaged)
        ));
    }

    #[test]
    fn rotation_seals_with_the_new_key_and_still_opens_the_old() {
        let old = Sealer::new(None, &keys()).unwrap();
        let sealed_before = old.seal(Kind::PhoneNumber, "+442079460958");
        let new_key = STANDARD.encode([7u8; 32]);
        let rotated = Sealer::new(Some(&format!("k2:{new_key}")), &keys()).unwrap();
        assert!(rotated.needs_resealing(&sealed_before));
        assert_eq!(
            rotated.open(Kind::PhoneNumber, &sealed_before).unwrap(),
            "+442079460958"
        );
        let resealed = rotated.seal(Kind::PhoneNumber, "+442079460958");
        assert!(resealed.starts_with("enc:k2:") && !rotated.needs_resealing(&resealed));
        assert!(matches!(
            old.open(Kind::PhoneNumber, &resealed),
            Err(SealError::UnknownKey(_))
        ));
    }

    #[test]
    fn bad_key_lists_are_refused() {
        assert!(Sealer::new(Some("nokey"), &keys()).is_err());
        assert!(Sealer::new(Some("k1:c2hvcnQ="), &keys()).is_err());
        assert!(Sealer::new(Some("0:AAAA"), &keys()).is_err());
    }
}
