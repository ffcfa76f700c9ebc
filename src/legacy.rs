//! Password hashes imported from an older system (bcrypt, PBKDF2-SHA256, Argon2).
//!
//! An imported user signs in once with the old password; the portal then replaces the hash
//! with its own Argon2id (see `is_current`). `check_format` validates an import row without
//! running the hash function; `verify` runs it and is CPU-heavy, so callers put it on the
//! blocking pool as `crypto::PasswordHasher` does.

use std::fmt;

use argon2::password_hash::PasswordVerifier as _;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Version};
use base64::Engine;
use base64::alphabet::{Alphabet, STANDARD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use sha2::Sha256;
use subtle::ConstantTimeEq;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashScheme {
    Argon2,
    Bcrypt,
    Pbkdf2Sha256,
}

impl fmt::Display for HashScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Argon2 => "Argon2",
            Self::Bcrypt => "bcrypt",
            Self::Pbkdf2Sha256 => "PBKDF2-SHA256",
        })
    }
}

/// Why a stored hash cannot be used; the text is short enough for an import report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LegacyHashProblem {
    #[error("{}", say("legacy-hash-unknown"))]
    UnknownFormat,
    #[error("{}", say_with("legacy-hash-malformed", &[("scheme", .0.to_string().into())]))]
    Malformed(HashScheme),
    #[error("{}", say_with("legacy-hash-bad-encoding", &[("scheme", .0.to_string().into())]))]
    BadEncoding(HashScheme),
    #[error("{}", say("legacy-hash-bcrypt-cost"))]
    BcryptCost,
    #[error("{}", say("legacy-hash-pbkdf2-iterations"))]
    Pbkdf2Iterations,
    #[error("{}", say("legacy-hash-pbkdf2-length"))]
    Pbkdf2Length,
    #[error("{}", say("legacy-hash-argon2-params"))]
    Argon2Params,
}

use crate::i18n::{say, say_with};
use LegacyHashProblem as Problem;

/// The portal's own parameters (`crypto::PasswordHasher`): OWASP's Argon2id, m = 19 MiB, t = 2.
const CURRENT_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

const BCRYPT_COST: std::ops::RangeInclusive<u32> = 4..=31;
const PBKDF2_ITERATIONS: std::ops::RangeInclusive<u32> = 1_000..=10_000_000;
const PBKDF2_LENGTH: std::ops::RangeInclusive<usize> = 16..=64;
/// Argon2 work is capped at libsodium's "sensitive" preset (1 GiB, 4 passes), so one row
/// cannot make a sign-in allocate or compute without bound.
const ARGON2_MAX_KIB: u64 = 1024 * 1024;
const ARGON2_MAX_KIB_PASSES: u64 = 4 * ARGON2_MAX_KIB;

const PHC_PBKDF2: &str = "$pbkdf2-sha256$";
const DJANGO_PBKDF2: &str = "pbkdf2_sha256$";

/// Old encoders differ on padding; accepting either loses nothing, as the bytes are the same.
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const B64: GeneralPurpose = GeneralPurpose::new(&STANDARD, LENIENT);
/// passlib's "adapted base64": the standard alphabet with `.` for `+`, unpadded.
const AB64: GeneralPurpose = GeneralPurpose::new(&AB64_ALPHABET, LENIENT);
const AB64_ALPHABET: Alphabet =
    match Alphabet::new("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./") {
        Ok(alphabet) => alphabet,
        Err(_) => panic!("64 distinct printable characters"),
    };

/// Recognises the shape of a stored hash (prefix and fields), without checking parameters.
pub fn scheme_of(stored: &str) -> Option<HashScheme> {
    if ["$argon2id$", "$argon2i$", "$argon2d$"]
        .iter()
        .any(|prefix| stored.starts_with(prefix))
    {
        return Some(HashScheme::Argon2);
    }
    if is_bcrypt_shape(stored) {
        return Some(HashScheme::Bcrypt);
    }
    let pbkdf2_rest = stored
        .strip_prefix(PHC_PBKDF2)
        .or_else(|| stored.strip_prefix(DJANGO_PBKDF2));
    // Both PBKDF2 forms have three fields after the name: parameters, salt, hash.
    if pbkdf2_rest.is_some_and(|rest| rest.split('$').count() == 3) {
        return Some(HashScheme::Pbkdf2Sha256);
    }
    None
}

/// `$2a$`, `$2b$`, `$2x$` or `$2y$`, two cost digits, `$`, 22 characters of salt and 31 of hash.
fn is_bcrypt_shape(stored: &str) -> bool {
    let b = stored.as_bytes();
    b.len() == 60
        && b[0] == b'$'
        && b[1] == b'2'
        && matches!(b[2], b'a' | b'b' | b'x' | b'y')
        && b[3] == b'$'
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
        && b[6] == b'$'
        && b[7..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'/')
}

/// Parses the whole string and checks its parameters, without running the hash function,
/// so a file of thousands of rows validates quickly.
pub fn check_format(stored: &str) -> Result<HashScheme, LegacyHashProblem> {
    parse(stored).map(|parsed| parsed.scheme())
}

/// True when the password matches. Runs the hash function with the string's own parameters
/// and compares in constant time.
pub fn verify(password: &str, stored: &str) -> Result<bool, LegacyHashProblem> {
    match parse(stored)? {
        // The bcrypt crate recomputes with the stored cost and salt and compares with subtle.
        // It computes `$2x$` like `$2b$`, which is the same for passwords without 8-bit bytes.
        Parsed::Bcrypt => {
            bcrypt::verify(password, stored).map_err(|_| Problem::Malformed(HashScheme::Bcrypt))
        }
        Parsed::Pbkdf2(p) => {
            let mut derived = vec![0u8; p.hash.len()];
            pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &p.salt, p.rounds, &mut derived);
            Ok(derived.ct_eq(&p.hash).into())
        }
        // The verifier takes algorithm, version and parameters from the string; the output
        // comparison is constant-time.
        Parsed::Argon2(hash) => {
            match Argon2::default().verify_password(password.as_bytes(), &*hash) {
                Ok(()) => Ok(true),
                Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
                Err(_) => Err(Problem::Argon2Params),
            }
        }
    }
}

/// The part of a stored hash that decides how long checking it takes (scheme and cost, not
/// salt or digest): bcrypt's `$2b$12$`, PBKDF2's `$pbkdf2-sha256$i=600000,l=32$`, Django's
/// `pbkdf2_sha256$600000$`. Hashes of one class take about as long to check.
pub fn cost_class(stored: &str) -> &str {
    let fields: Vec<usize> = stored.match_indices('$').map(|(i, _)| i).collect();
    let keep = if is_bcrypt_shape(stored) { 1 } else { 2 };
    match fields.len().checked_sub(keep) {
        Some(at) if at < fields.len() => &stored[..=fields[at]],
        _ => stored,
    }
}

/// True only for hashes made with the portal's own Argon2id parameters; anything else is
/// re-hashed at the next successful sign-in.
pub fn is_current(stored: &str) -> bool {
    stored
        .strip_prefix(CURRENT_PREFIX)
        .is_some_and(|rest| rest.split('$').count() == 2)
        && check_format(stored).is_ok()
}

enum Parsed {
    Bcrypt,
    Pbkdf2(Pbkdf2Hash),
    Argon2(Box<PasswordHash>),
}

impl Parsed {
    fn scheme(&self) -> HashScheme {
        match self {
            Self::Bcrypt => HashScheme::Bcrypt,
            Self::Pbkdf2(_) => HashScheme::Pbkdf2Sha256,
            Self::Argon2(_) => HashScheme::Argon2,
        }
    }
}

struct Pbkdf2Hash {
    rounds: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

fn parse(stored: &str) -> Result<Parsed, LegacyHashProblem> {
    match scheme_of(stored).ok_or(Problem::UnknownFormat)? {
        HashScheme::Bcrypt => parse_bcrypt(stored).map(|()| Parsed::Bcrypt),
        HashScheme::Pbkdf2Sha256 => parse_pbkdf2(stored).map(Parsed::Pbkdf2),
        HashScheme::Argon2 => parse_argon2(stored).map(|hash| Parsed::Argon2(Box::new(hash))),
    }
}

fn parse_bcrypt(stored: &str) -> Result<(), LegacyHashProblem> {
    let cost: u32 = stored[4..6]
        .parse()
        .map_err(|_| Problem::Malformed(HashScheme::Bcrypt))?;
    if !BCRYPT_COST.contains(&cost) {
        return Err(Problem::BcryptCost);
    }
    // Decodes salt and hash (rejecting non-canonical final characters) without hashing.
    stored
        .parse::<bcrypt::HashParts>()
        .map(|_| ())
        .map_err(|_| Problem::BadEncoding(HashScheme::Bcrypt))
}

fn parse_pbkdf2(stored: &str) -> Result<Pbkdf2Hash, LegacyHashProblem> {
    let malformed = Problem::Malformed(HashScheme::Pbkdf2Sha256);
    let bad_encoding = Problem::BadEncoding(HashScheme::Pbkdf2Sha256);
    let (rounds, salt, hash, declared_len) = if let Some(rest) = stored.strip_prefix(DJANGO_PBKDF2)
    {
        // Django: pbkdf2_sha256$<iterations>$<salt as text>$<standard base64 hash>
        let [iterations, salt, hash] = three_fields(rest).ok_or(malformed)?;
        let rounds = iterations_of(iterations).ok_or(malformed)?;
        let hash = B64.decode(hash).map_err(|_| bad_encoding)?;
        (rounds, salt.as_bytes().to_vec(), hash, None)
    } else {
        let rest = stored.strip_prefix(PHC_PBKDF2).ok_or(malformed)?;
        let [params, salt, hash] = three_fields(rest).ok_or(malformed)?;
        if let Some(rounds) = iterations_of(params) {
            // passlib: $pbkdf2-sha256$<rounds>$<ab64 salt>$<ab64 hash>
            let salt = AB64.decode(salt).map_err(|_| bad_encoding)?;
            let hash = AB64.decode(hash).map_err(|_| bad_encoding)?;
            (rounds, salt, hash, None)
        } else {
            // PHC (RustCrypto): $pbkdf2-sha256$i=<rounds>[,l=<length>]$<b64 salt>$<b64 hash>
            let (rounds, declared_len) = phc_pbkdf2_params(params).ok_or(malformed)?;
            let salt = B64.decode(salt).map_err(|_| bad_encoding)?;
            let hash = B64.decode(hash).map_err(|_| bad_encoding)?;
            (rounds, salt, hash, declared_len)
        }
    };
    let rounds = u32::try_from(rounds)
        .ok()
        .filter(|r| PBKDF2_ITERATIONS.contains(r))
        .ok_or(Problem::Pbkdf2Iterations)?;
    if salt.is_empty() {
        return Err(malformed);
    }
    if !PBKDF2_LENGTH.contains(&hash.len()) {
        return Err(Problem::Pbkdf2Length);
    }
    if declared_len.is_some_and(|l| l != hash.len() as u64) {
        return Err(malformed);
    }
    Ok(Pbkdf2Hash { rounds, salt, hash })
}

fn three_fields(rest: &str) -> Option<[&str; 3]> {
    let mut fields = rest.split('$');
    let found = [fields.next()?, fields.next()?, fields.next()?];
    fields.next().is_none().then_some(found)
}

/// A decimal count; a number too large for u64 saturates, so it is reported as out of range.
fn iterations_of(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// `i=<rounds>` (required) and `l=<derived length>` (optional), each once, nothing else.
fn phc_pbkdf2_params(params: &str) -> Option<(u64, Option<u64>)> {
    let (mut rounds, mut length) = (None, None);
    for pair in params.split(',') {
        let (name, value) = pair.split_once('=')?;
        let slot = match name {
            "i" => &mut rounds,
            "l" => &mut length,
            _ => return None,
        };
        if slot.replace(iterations_of(value)?).is_some() {
            return None;
        }
    }
    Some((rounds?, length))
}

fn parse_argon2(stored: &str) -> Result<PasswordHash, LegacyHashProblem> {
    let malformed = Problem::Malformed(HashScheme::Argon2);
    let mut hash = PasswordHash::new(stored).map_err(|_| malformed)?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(malformed);
    }
    Algorithm::try_from(hash.algorithm.as_str()).map_err(|_| malformed)?;
    // The reference implementation reads a string without `v=` as version 1.0 (0x10); the
    // argon2 crate would assume 1.3, so the version is made explicit.
    let version = *hash.version.get_or_insert(0x10);
    Version::try_from(version).map_err(|_| Problem::Argon2Params)?;
    let params = argon2::Params::try_from(&hash).map_err(|_| Problem::Argon2Params)?;
    let (kib, passes) = (u64::from(params.m_cost()), u64::from(params.t_cost()));
    // A key id means a secret pepper this portal does not have.
    if kib > ARGON2_MAX_KIB || kib * passes > ARGON2_MAX_KIB_PASSES || !params.keyid().is_empty() {
        return Err(Problem::Argon2Params);
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {

    #[test]
    fn hashes_of_one_cost_class_share_their_scheme_and_cost() {
        let bcrypt = bcrypt::hash("a password", 4).unwrap();
        assert_eq!(cost_class(&bcrypt), "$2b$04$");
        assert_eq!(
            cost_class("$pbkdf2-sha256$i=600000,l=32$c2FsdA$aGFzaA"),
            "$pbkdf2-sha256$i=600000,l=32$"
        );
        assert_eq!(
            cost_class("pbkdf2_sha256$600000$salt$aGFzaA=="),
            "pbkdf2_sha256$600000$"
        );
    }

    use super::*;
    use argon2::password_hash::PasswordHasher as _;
    use base64::engine::general_purpose::{STANDARD as PADDED, STANDARD_NO_PAD};

    const PBKDF2_SALT: &[u8] = b"0123456789abcdef";

    fn pbkdf2_bytes(password: &str, salt: &[u8], rounds: u32) -> [u8; 32] {
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, rounds, &mut out);
        out
    }

    fn phc_pbkdf2(password: &str, rounds: u32) -> String {
        let hash = pbkdf2_bytes(password, PBKDF2_SALT, rounds);
        format!(
            "$pbkdf2-sha256$i={rounds},l=32${}${}",
            STANDARD_NO_PAD.encode(PBKDF2_SALT),
            STANDARD_NO_PAD.encode(hash)
        )
    }

    fn passlib_pbkdf2(password: &str, rounds: u32) -> String {
        let hash = pbkdf2_bytes(password, PBKDF2_SALT, rounds);
        let ab64 = |bytes: &[u8]| STANDARD_NO_PAD.encode(bytes).replace('+', ".");
        format!(
            "$pbkdf2-sha256${rounds}${}${}",
            ab64(PBKDF2_SALT),
            ab64(&hash)
        )
    }

    fn django_pbkdf2(password: &str, salt: &str, rounds: u32) -> String {
        let hash = pbkdf2_bytes(password, salt.as_bytes(), rounds);
        format!("pbkdf2_sha256${rounds}${salt}${}", PADDED.encode(hash))
    }

    fn assert_verifies(password: &str, stored: &str) {
        assert_eq!(verify(password, stored), Ok(true), "{stored}");
        assert_eq!(verify("wrong password", stored), Ok(false), "{stored}");
        let mut near = password.to_string();
        near.push('!');
        assert_eq!(verify(&near, stored), Ok(false), "{stored}");
    }

    #[test]
    fn bcrypt_hashes_from_the_bcrypt_crate_verify_in_every_prefix() {
        let fresh = bcrypt::hash("hunter2 but longer", 4).unwrap();
        assert_eq!(scheme_of(&fresh), Some(HashScheme::Bcrypt));
        assert_eq!(check_format(&fresh), Ok(HashScheme::Bcrypt));
        assert_verifies("hunter2 but longer", &fresh);

        let parts = bcrypt::hash_with_salt("Ünïcode pässword", 4, [7u8; 16]).unwrap();
        for version in [
            bcrypt::Version::TwoA,
            bcrypt::Version::TwoB,
            bcrypt::Version::TwoY,
            bcrypt::Version::TwoX,
        ] {
            let stored = parts.format_for_version(version);
            assert_eq!(check_format(&stored), Ok(HashScheme::Bcrypt));
            assert_verifies("Ünïcode pässword", &stored);
        }
    }

    #[test]
    fn openwall_bcrypt_vectors_verify_and_are_reproduced() {
        // crypt_blowfish's (and jBCrypt's) published vectors.
        let vectors = [
            (
                "U*U",
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            ),
            (
                "U*U*",
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK",
            ),
            (
                "",
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy",
            ),
            (
                "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored",
                "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui",
            ),
        ];
        for (password, stored) in vectors {
            assert_eq!(verify(password, stored), Ok(true), "{stored}");
            assert_eq!(verify("U*V", stored), Ok(false), "{stored}");
            // The same string comes out of the bcrypt crate for that salt and cost.
            let parts: bcrypt::HashParts = stored.parse().unwrap();
            let again = bcrypt::hash_with_salt(password, 5, parts.get_salt_raw()).unwrap();
            assert_eq!(again.format_for_version(bcrypt::Version::TwoA), stored);
        }
    }

    #[test]
    fn pbkdf2_in_phc_passlib_and_django_forms_verify() {
        let password = "correct horse battery staple";
        for stored in [
            phc_pbkdf2(password, 1_000),
            passlib_pbkdf2(password, 1_000),
            django_pbkdf2(password, "aB3dE5gH7jK9mN1pQ3", 1_000),
        ] {
            assert_eq!(
                scheme_of(&stored),
                Some(HashScheme::Pbkdf2Sha256),
                "{stored}"
            );
            assert_eq!(check_format(&stored), Ok(HashScheme::Pbkdf2Sha256));
            assert_verifies(password, &stored);
        }
        // A salt whose base64 has `+` shows passlib's `.` is decoded as `+`.
        let salt = [0xfbu8; 12];
        let hash = pbkdf2_bytes("pw", &salt, 1_000);
        let ab64 = |bytes: &[u8]| STANDARD_NO_PAD.encode(bytes).replace('+', ".");
        let stored = format!("$pbkdf2-sha256$1000${}${}", ab64(&salt), ab64(&hash));
        assert!(stored[15..].contains('.'), "{stored}");
        assert_eq!(verify("pw", &stored), Ok(true));
    }

    #[test]
    fn published_pbkdf2_vectors_verify_and_are_reproduced() {
        // RustCrypto's pbkdf2 crate, PHC form (P = "passwordPASSWORDpassword",
        // S = "saltSALTsaltSALTsaltSALTsaltSALTsalt", c = 4096, dkLen = 40).
        let rustcrypto = concat!(
            "$pbkdf2-sha256$i=4096,l=40",
            "$c2FsdFNBTFRzYWx0U0FMVHNhbHRTQUxUc2FsdFNBTFRzYWx0",
            "$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+HGNVGMfaxH6Q"
        );
        assert_verifies("passwordPASSWORDpassword", rustcrypto);
        let mut derived = [0u8; 40];
        pbkdf2::pbkdf2_hmac::<Sha256>(
            b"passwordPASSWORDpassword",
            b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
            4096,
            &mut derived,
        );
        assert_eq!(
            STANDARD_NO_PAD.encode(derived),
            "NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+HGNVGMfaxH6Q"
        );

        // passlib's documentation: pbkdf2_sha256.hash("toomanysecrets").
        let passlib = "$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ$1t8iyB2A.WF/Z5JZv.lfCIhXXN33N23OSgQYThBYRfk";
        assert_verifies("toomanysecrets", passlib);
        assert!(!verify("joshua", passlib).unwrap());

        // Django 3.2's test of make_password("lètmein", "seasalt", "pbkdf2_sha256") (also in
        // the djangohashers crate; Python's hashlib.pbkdf2_hmac gives the same bytes), rebuilt
        // here from pbkdf2_hmac to show the form is Django's exactly.
        let django = "pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=";
        assert_eq!(django_pbkdf2("lètmein", "seasalt", 260_000), django);
        assert_verifies("lètmein", django);
    }

    fn small_argon2(algorithm: Algorithm, password: &str) -> String {
        let params = argon2::Params::new(64, 1, 1, None).unwrap();
        Argon2::new(algorithm, Version::V0x13, params)
            .hash_password(password.as_bytes())
            .unwrap()
            .to_string()
    }

    #[test]
    fn argon2_hashes_verify_with_their_own_parameters() {
        for algorithm in [Algorithm::Argon2id, Algorithm::Argon2i, Algorithm::Argon2d] {
            let stored = small_argon2(algorithm, "open sesame");
            assert_eq!(scheme_of(&stored), Some(HashScheme::Argon2));
            assert_eq!(check_format(&stored), Ok(HashScheme::Argon2));
            assert_verifies("open sesame", &stored);
            assert!(!is_current(&stored));
        }
    }

    #[test]
    fn argon2_reference_vectors_verify() {
        // The Argon2 reference implementation's tests ("password", salt "somesalt"),
        // including a version 1.0 string that has no `v=`.
        for stored in [
            "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
            "$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E",
            "$argon2i$m=256,t=2,p=1$c29tZXNhbHQ$/U3YPXYsSb3q9XxHvc0MLxur+GP960kN9j7emXX8zwY",
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
        ] {
            assert_verifies("password", stored);
        }
        let argon2d =
            "$argon2d$v=16$m=8,t=1,p=1$ICAgICAgICA$X54KZYxUSfMUihzebb70sKbheabHilo8gsUldrVU4IU";
        assert_eq!(verify("", argon2d), Ok(true));
        assert_eq!(verify(" ", argon2d), Ok(false));
    }

    #[test]
    fn only_the_portals_own_parameters_are_current() {
        let params = argon2::Params::new(19 * 1024, 2, 1, None).unwrap();
        let own = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"pw")
            .unwrap()
            .to_string();
        assert!(own.starts_with(CURRENT_PREFIX), "{own}");
        assert!(is_current(&own));

        let other = |prefix: &str| own.replacen(CURRENT_PREFIX, prefix, 1);
        assert!(!is_current(&other("$argon2id$v=19$m=19456,t=3,p=1$")));
        assert!(!is_current(&other("$argon2id$v=19$m=65536,t=2,p=1$")));
        assert!(!is_current(&other("$argon2i$v=19$m=19456,t=2,p=1$")));
        assert!(!is_current(&other("$argon2id$v=16$m=19456,t=2,p=1$")));
        assert!(!is_current(CURRENT_PREFIX));
        assert!(!is_current(&format!("{own}$extra")));
        assert!(!is_current(&bcrypt::hash("pw", 4).unwrap()));
        assert!(!is_current(&phc_pbkdf2("pw", 1_000)));
    }

    #[test]
    fn unrecognised_strings_are_unknown() {
        for stored in [
            "",
            "hunter2",
            "5f4dcc3b5aa765d61d8327deb882cf99",
            "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
            "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
            "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
            "$pbkdf2-sha512$25000$salt$hash",
            "pbkdf2_sha1$10000$salt$hash",
            "$2b$04$tooshort",
            "$2c$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2a$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",
            "$pbkdf2-sha256$29000$N2YMIWQsBWBMae09x1jrPQ",
            "pbkdf2_sha256$260000$seasalt$hash$more",
            " $2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        ] {
            assert_eq!(scheme_of(stored), None, "{stored}");
            assert_eq!(
                check_format(stored),
                Err(Problem::UnknownFormat),
                "{stored}"
            );
            assert_eq!(
                verify("pw", stored),
                Err(Problem::UnknownFormat),
                "{stored}"
            );
        }
    }

    #[test]
    fn malformed_hashes_name_the_problem() {
        let good_pbkdf2 = phc_pbkdf2("pw", 1_000);
        let b64_hash = good_pbkdf2.rsplit('$').next().unwrap().to_string();
        let ab64_hash = passlib_pbkdf2("pw", 1_000)
            .rsplit('$')
            .next()
            .unwrap()
            .to_string();
        let b64_salt = STANDARD_NO_PAD.encode(PBKDF2_SALT);
        let cases: Vec<(String, Problem)> = vec![
            // bcrypt
            (
                "$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW".into(),
                Problem::BcryptCost,
            ),
            (
                "$2b$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW".into(),
                Problem::BcryptCost,
            ),
            // The last character carries bits beyond the 23 hash bytes.
            (
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeX".into(),
                Problem::BadEncoding(HashScheme::Bcrypt),
            ),
            // PBKDF2 bounds
            (phc_pbkdf2("pw", 999), Problem::Pbkdf2Iterations),
            (
                passlib_pbkdf2("pw", 1_000).replacen("$1000$", "$10000001$", 1),
                Problem::Pbkdf2Iterations,
            ),
            (
                format!("pbkdf2_sha256$99999999999999999999999$salt${b64_hash}"),
                Problem::Pbkdf2Iterations,
            ),
            (
                format!("$pbkdf2-sha256$i=1000,l=8${b64_salt}$AAAAAAAAAAA"),
                Problem::Pbkdf2Length,
            ),
            (
                format!("$pbkdf2-sha256$1000${b64_salt}${}", "A".repeat(88)),
                Problem::Pbkdf2Length,
            ),
            // PBKDF2 structure
            (
                format!("$pbkdf2-sha256$i=1000,l=31${b64_salt}${b64_hash}"),
                Problem::Malformed(HashScheme::Pbkdf2Sha256),
            ),
            (
                format!("$pbkdf2-sha256$i=1000,i=1000${b64_salt}${b64_hash}"),
                Problem::Malformed(HashScheme::Pbkdf2Sha256),
            ),
            (
                format!("$pbkdf2-sha256$l=32${b64_salt}${b64_hash}"),
                Problem::Malformed(HashScheme::Pbkdf2Sha256),
            ),
            (
                format!("$pbkdf2-sha256$i=1000,r=8${b64_salt}${b64_hash}"),
                Problem::Malformed(HashScheme::Pbkdf2Sha256),
            ),
            (
                format!("$pbkdf2-sha256$+1000${b64_salt}${b64_hash}"),
                Problem::Malformed(HashScheme::Pbkdf2Sha256),
            ),
            (
                format!("$pbkdf2-sha256$1000$${ab64_hash}"),
                Problem::Malformed(HashScheme::Pbkdf2Sha256),
            ),
            (
                format!("pbkdf2_sha256$ten$salt${b64_hash}"),
                Problem::Malformed(HashScheme::Pbkdf2Sha256),
            ),
            // PBKDF2 encoding
            (
                format!("$pbkdf2-sha256$i=1000,l=32${b64_salt}$not*base64"),
                Problem::BadEncoding(HashScheme::Pbkdf2Sha256),
            ),
            (
                format!("$pbkdf2-sha256$1000$a+b${b64_hash}"),
                Problem::BadEncoding(HashScheme::Pbkdf2Sha256),
            ),
            (
                "pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61Y!ArZuoApoBh9JNGYoDRBUGu6tcJQo=".into(),
                Problem::BadEncoding(HashScheme::Pbkdf2Sha256),
            ),
            // Argon2
            (
                "$argon2id$v=19$m=256,t=2,p=1".into(),
                Problem::Malformed(HashScheme::Argon2),
            ),
            (
                "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ".into(),
                Problem::Malformed(HashScheme::Argon2),
            ),
            (
                "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$***".into(),
                Problem::Malformed(HashScheme::Argon2),
            ),
            (
                "$argon2id$v=18$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
                    .into(),
                Problem::Argon2Params,
            ),
            (
                "$argon2id$v=19$m=4,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
                    .into(),
                Problem::Argon2Params,
            ),
            (
                "$argon2id$v=19$m=2097152,t=1,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
                    .into(),
                Problem::Argon2Params,
            ),
            (
                "$argon2id$v=19$m=65536,t=100,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
                    .into(),
                Problem::Argon2Params,
            ),
        ];
        for (stored, problem) in cases {
            assert_eq!(check_format(&stored), Err(problem), "{stored}");
            // verify refuses the same strings before doing any work.
            assert_eq!(verify("pw", &stored), Err(problem), "{stored}");
        }
    }

    #[test]
    fn problems_read_well_in_a_report() {
        assert_eq!(
            Problem::UnknownFormat.to_string(),
            "unknown password hash format"
        );
        assert_eq!(
            Problem::Pbkdf2Iterations.to_string(),
            "PBKDF2 iteration count out of range"
        );
        assert_eq!(
            Problem::Malformed(HashScheme::Bcrypt).to_string(),
            "malformed bcrypt hash"
        );
    }

    #[test]
    fn checking_a_format_does_not_run_the_hash_function() {
        // Ten thousand bcrypt rows at cost 31 would take years if they were hashed.
        let costly = "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        let pbkdf2 = passlib_pbkdf2("pw", 1_000).replacen("$1000$", "$10000000$", 1);
        let started = std::time::Instant::now();
        for _ in 0..10_000 {
            assert_eq!(check_format(costly), Ok(HashScheme::Bcrypt));
            assert_eq!(check_format(&pbkdf2), Ok(HashScheme::Pbkdf2Sha256));
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}

/// Whatever is in an imported password_hash cell: never a panic; a refused format refuses
/// verification too, before any hashing; well-formed PBKDF2 hashes verify their own password.
#[cfg(test)]
mod proptests {
    use super::*;
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use proptest::prelude::*;

    fn stored_hash() -> impl Strategy<Value = String> {
        let prefix = prop_oneof![
            Just(""),
            Just("$2a$"),
            Just("$2b$12$"),
            Just("$pbkdf2-sha256$"),
            Just("$pbkdf2-sha256$i="),
            Just("pbkdf2_sha256$"),
            Just("$argon2id$"),
            Just("$argon2id$v=19$m="),
            Just("$argon2i$v=16$"),
            Just("$argon2d$"),
        ];
        (
            prefix,
            prop_oneof![any::<String>(), "[A-Za-z0-9./$=,+]{0,80}"],
        )
            .prop_map(|(prefix, rest)| format!("{prefix}{rest}"))
    }

    proptest! {
        #![proptest_config(crate::proptest_config(1024))]

        #[test]
        fn legacy_hash_parser_never_panics(stored in stored_hash()) {
            let scheme = scheme_of(&stored);
            match check_format(&stored) {
                Ok(found) => prop_assert_eq!(Some(found), scheme),
                Err(problem) => {
                    // Verification refuses the same string the same way, without hashing.
                    prop_assert_eq!(verify("any password", &stored), Err(problem));
                    prop_assert!(!is_current(&stored));
                }
            }
        }

    }

    proptest! {
        // A thousand PBKDF2 rounds a case, three times: fewer cases.
        #![proptest_config(crate::proptest_config(256))]

        #[test]
        fn legacy_pbkdf2_hashes_verify_their_own_password(
            password in any::<String>(),
            other in any::<String>(),
            salt in proptest::collection::vec(any::<u8>(), 1..32),
            rounds in 1_000u32..1_100,
        ) {
            let mut hash = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, rounds, &mut hash);
            let stored = format!(
                "$pbkdf2-sha256$i={rounds},l=32${}${}",
                STANDARD_NO_PAD.encode(&salt),
                STANDARD_NO_PAD.encode(hash)
            );
            prop_assert_eq!(check_format(&stored), Ok(HashScheme::Pbkdf2Sha256));
            prop_assert_eq!(verify(&password, &stored), Ok(true));
            prop_assert_eq!(verify(&other, &stored), Ok(password == other));
        }
    }
}
