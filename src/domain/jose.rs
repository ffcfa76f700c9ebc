//! JSON Web Signatures in compact form and JSON Web Keys (RFC 7515, 7517, 7518, 7638): the
//! encoding only. Keys and signatures are made by `crate::signing` with ring; this module
//! never touches a private key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::UnixTime;

text_enum!(
    /// The algorithms Tessera signs ID tokens with: RS256 by default (OpenID Connect Discovery
    /// requires it), ES256 per client.
    SigningAlg {
        Rs256 => "RS256",
        Es256 => "ES256",
    }
);

/// A new signing key is published this long before it signs, so relying parties that cache
/// the key set (mod_auth_openidc refreshes it hourly) know it before the first token.
pub const SIGNING_KEY_LEAD_SECS: i64 = 3_600;

/// An ID token lives this long; a key that stopped signing stays published this long after,
/// so every token it signed can still be checked.
pub const ID_TOKEN_TTL_SECS: i64 = 3_600;

/// A public key as published at `jwks_uri`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

impl Jwk {
    /// An RSA public key from its modulus and exponent (big-endian, no leading zeros); its
    /// `kid` is its RFC 7638 thumbprint.
    pub fn rsa(n: &[u8], e: &[u8]) -> Self {
        Self {
            n: Some(b64(strip_zeros(n))),
            e: Some(b64(strip_zeros(e))),
            ..Self::empty("RSA", SigningAlg::Rs256)
        }
        .named()
    }

    /// A P-256 public key from its coordinates; its `kid` is its RFC 7638 thumbprint.
    pub fn p256(x: &[u8], y: &[u8]) -> Self {
        Self {
            crv: Some("P-256".into()),
            x: Some(b64(x)),
            y: Some(b64(y)),
            ..Self::empty("EC", SigningAlg::Es256)
        }
        .named()
    }

    fn empty(kty: &str, alg: SigningAlg) -> Self {
        Self {
            kty: kty.into(),
            kid: String::new(),
            use_: "sig".into(),
            alg: alg.as_str().into(),
            n: None,
            e: None,
            crv: None,
            x: None,
            y: None,
        }
    }

    fn named(mut self) -> Self {
        self.kid = self.thumbprint();
        self
    }

    /// RFC 7638: SHA-256 over the required members, in lexicographic order, no white space.
    pub fn thumbprint(&self) -> String {
        let text = match self.kty.as_str() {
            "RSA" => format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                self.e.as_deref().unwrap_or_default(),
                self.n.as_deref().unwrap_or_default()
            ),
            _ => format!(
                r#"{{"crv":"{}","kty":"{}","x":"{}","y":"{}"}}"#,
                self.crv.as_deref().unwrap_or_default(),
                self.kty,
                self.x.as_deref().unwrap_or_default(),
                self.y.as_deref().unwrap_or_default()
            ),
        };
        b64(&Sha256::digest(text.as_bytes()))
    }
}

/// The key set served at `jwks_uri`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// A signing key's life: published from `created_at`, signing from `signs_from`, published
/// until `published_until` (None: still the newest of its algorithm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyLife {
    pub created_at: UnixTime,
    pub signs_from: UnixTime,
    pub published_until: Option<UnixTime>,
}

impl KeyLife {
    /// The first key of an algorithm signs at once: nothing signed before it.
    pub fn first(now: UnixTime) -> Self {
        Self {
            created_at: now,
            signs_from: now,
            published_until: None,
        }
    }

    /// A rotated key: published now, signing after the lead time.
    pub fn rotated(now: UnixTime) -> Self {
        Self {
            created_at: now,
            signs_from: now + SIGNING_KEY_LEAD_SECS,
            published_until: None,
        }
    }

    /// Until when a key whose successor signs from `successor_signs_from` stays published:
    /// as long as a token it signed may live.
    pub fn retired_by(successor_signs_from: UnixTime) -> UnixTime {
        successor_signs_from + ID_TOKEN_TTL_SECS
    }

    pub fn is_published(&self, now: UnixTime) -> bool {
        self.published_until.is_none_or(|until| now < until)
    }
}

/// The `header.payload` part of a compact JWS of type `typ` (`JWT`, or `logout+jwt` for a
/// back-channel logout token, whose type keeps it from passing for an ID token).
pub fn signing_input(alg: SigningAlg, kid: &str, typ: &str, claims: &serde_json::Value) -> String {
    let header = serde_json::json!({ "alg": alg.as_str(), "typ": typ, "kid": kid });
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// The compact JWS: the signing input and its signature.
pub fn compact(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", b64(signature))
}

/// The parts of a compact JWS: its header and claims (decoded, unverified), the signing
/// input and the signature; None when it is not one.
pub fn parts(token: &str) -> Option<(serde_json::Value, serde_json::Value, &str, Vec<u8>)> {
    let (input, signature) = token.rsplit_once('.')?;
    let (header, claims) = input.split_once('.')?;
    let decode = |part: &str| -> Option<serde_json::Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    Some((
        decode(header)?,
        decode(claims)?,
        input,
        URL_SAFE_NO_PAD.decode(signature).ok()?,
    ))
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7638 §3.1: the thumbprint of the example RSA key.
    #[test]
    fn the_rfc_7638_example_thumbprint() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let jwk = Jwk {
            n: Some(n.into()),
            e: Some("AQAB".into()),
            ..Jwk::empty("RSA", SigningAlg::Rs256)
        };
        assert_eq!(
            jwk.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn a_jwk_publishes_no_leading_zeros_and_names_itself_by_its_thumbprint() {
        let jwk = Jwk::rsa(&[0, 0, 0xc3, 0x01], &[0, 1, 0, 1]);
        assert_eq!(jwk.n.as_deref(), Some("wwE"));
        assert_eq!(jwk.e.as_deref(), Some("AQAB"));
        assert_eq!(jwk.kid, jwk.thumbprint());
        let ec = Jwk::p256(&[1; 32], &[2; 32]);
        assert_eq!(ec.crv.as_deref(), Some("P-256"));
        assert_ne!(ec.kid, jwk.kid);
    }

    #[test]
    fn a_rotated_key_is_published_before_it_signs_and_its_predecessor_after() {
        let life = KeyLife::rotated(1_000);
        assert!(life.signs_from - life.created_at >= SIGNING_KEY_LEAD_SECS);
        let old = KeyLife {
            published_until: Some(KeyLife::retired_by(life.signs_from)),
            ..KeyLife::first(0)
        };
        assert!(old.is_published(life.signs_from + ID_TOKEN_TTL_SECS - 1));
        assert!(!old.is_published(life.signs_from + ID_TOKEN_TTL_SECS));
    }

    #[test]
    fn the_signing_input_names_the_algorithm_and_key() {
        let input = signing_input(
            SigningAlg::Es256,
            "k1",
            "JWT",
            &serde_json::json!({"sub": "x"}),
        );
        let header = input.split('.').next().unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], "k1");
    }
}
