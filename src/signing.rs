//! Signing keys for ID tokens: made here, signed with by ring (RS256 in constant time, and
//! ES256). ring cannot generate RSA keys, so the `rsa` crate makes them (PKCS#8) and nothing
//! else: every signature is ring's, which is why its timing advisory (RUSTSEC-2023-0071,
//! private-key operations) does not reach Tessera. See docs/security.md.

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};

use crate::domain::jose::{self, Jwk, SigningAlg};

/// RSA keys of 2048 bits: NIST SP 800-57's floor to 2030, and what relying parties expect.
const RSA_BITS: usize = 2048;

/// A private key in PKCS#8 DER (to be sealed before it is stored) and its public JWK.
pub struct NewKey {
    pub pkcs8: Vec<u8>,
    pub jwk: Jwk,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey").field("jwk", &self.jwk).finish()
    }
}

/// Makes a new key for `alg` from the OS's random numbers.
pub fn generate(alg: SigningAlg) -> anyhow::Result<NewKey> {
    let pkcs8 = match alg {
        SigningAlg::Rs256 => {
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)?;
            key.to_pkcs8_der()?.as_bytes().to_vec()
        }
        SigningAlg::Es256 => {
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| anyhow::anyhow!("could not generate a P-256 key"))?
                .as_ref()
                .to_vec()
        }
    };
    let jwk = SigningKey::from_pkcs8(alg, &pkcs8)?.jwk();
    Ok(NewKey { pkcs8, jwk })
}

/// A private key ready to sign.
pub struct SigningKey {
    alg: SigningAlg,
    pair: Pair,
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .finish()
    }
}

impl SigningKey {
    pub fn from_pkcs8(alg: SigningAlg, pkcs8: &[u8]) -> anyhow::Result<Self> {
        let pair = match alg {
            SigningAlg::Rs256 => Pair::Rsa(
                RsaKeyPair::from_pkcs8(pkcs8)
                    .map_err(|e| anyhow::anyhow!("not an RSA signing key: {e}"))?,
            ),
            SigningAlg::Es256 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    pkcs8,
                    &SystemRandom::new(),
                )
                .map_err(|e| anyhow::anyhow!("not a P-256 signing key: {e}"))?,
            ),
        };
        Ok(Self { alg, pair })
    }

    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// The public half, as published.
    pub fn jwk(&self) -> Jwk {
        match &self.pair {
            Pair::Rsa(pair) => {
                let public: ring::rsa::PublicKeyComponents<Vec<u8>> = pair.public().into();
                Jwk::rsa(&public.n, &public.e)
            }
            Pair::Ec(pair) => {
                // Uncompressed point: 0x04, then X and Y, 32 bytes each.
                let point = pair.public_key().as_ref();
                Jwk::p256(&point[1..33], &point[33..65])
            }
        }
    }

    /// A compact JWS of `claims` of type `typ`, naming this key.
    pub fn sign(&self, kid: &str, typ: &str, claims: &serde_json::Value) -> anyhow::Result<String> {
        let input = jose::signing_input(self.alg, kid, typ, claims);
        let rng = SystemRandom::new();
        let signature = match &self.pair {
            Pair::Rsa(pair) => {
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut signature)
                    .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
                signature
            }
            Pair::Ec(pair) => pair
                .sign(&rng, input.as_bytes())
                .map_err(|_| anyhow::anyhow!("ECDSA signing failed"))?
                .as_ref()
                .to_vec(),
        };
        Ok(jose::compact(&input, &signature))
    }
}

/// The claims of a compact JWS whose signature `jwk` verifies (RS256 or ES256 as the key
/// says), else None.
pub fn verify(jwk: &Jwk, token: &str) -> Option<serde_json::Value> {
    let (header, claims, input, signature) = jose::parts(token)?;
    if header["kid"].as_str() != Some(jwk.kid.as_str())
        || header["alg"].as_str() != Some(jwk.alg.as_str())
    {
        return None;
    }
    let b64 = |v: &Option<String>| {
        base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            v.as_deref()?,
        )
        .ok()
    };
    let verified = match jwk.kty.as_str() {
        "RSA" => ring::signature::RsaPublicKeyComponents {
            n: b64(&jwk.n)?,
            e: b64(&jwk.e)?,
        }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &signature,
        )
        .is_ok(),
        "EC" => {
            let mut point = vec![4];
            point.extend(b64(&jwk.x)?);
            point.extend(b64(&jwk.y)?);
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_FIXED,
                point,
            )
            .verify(input.as_bytes(), &signature)
            .is_ok()
        }
        _ => false,
    };
    verified.then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn decode(text: &Option<String>) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(text.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn both_algorithms_sign_tokens_that_their_published_key_verifies() {
        for alg in [SigningAlg::Rs256, SigningAlg::Es256] {
            let new = generate(alg).unwrap();
            let key = SigningKey::from_pkcs8(alg, &new.pkcs8).unwrap();
            assert_eq!(key.jwk(), new.jwk, "{alg:?}: the same public key again");
            let token = key
                .sign(
                    &new.jwk.kid,
                    "JWT",
                    &serde_json::json!({ "sub": "a1", "aud": "portal" }),
                )
                .unwrap();
            assert!(verify(&new.jwk, &token).is_some(), "{alg:?}");
            let parts: Vec<&str> = token.split('.').collect();
            let other_claims = jose::b64(br#"{"aud":"portal","sub":"a2"}"#);
            let forged = format!("{}.{other_claims}.{}", parts[0], parts[2]);
            assert!(
                verify(&new.jwk, &forged).is_none(),
                "{alg:?}: an altered token"
            );
            let other = generate(alg).unwrap().jwk;
            assert!(verify(&other, &token).is_none(), "{alg:?}: another key");
            assert_ne!(other.kid, new.jwk.kid);
        }
    }

    #[test]
    fn rsa_keys_are_2048_bits_with_the_usual_exponent() {
        let jwk = generate(SigningAlg::Rs256).unwrap().jwk;
        assert_eq!(decode(&jwk.n).len() * 8, RSA_BITS);
        assert_eq!(jwk.e.as_deref(), Some("AQAB"));
    }
}
