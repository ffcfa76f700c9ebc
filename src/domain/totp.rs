//! Authenticator apps (issue 14; PRODUCT.md "Stronger factors"): TOTP per RFC 6238 with
//! SHA-1, 6 digits, 30-second steps and one step of clock skew, a secret of 160 bits, each
//! time step accepted once, and the enrolment's `otpauth://` URI as a QR code in SVG. The
//! HOTP arithmetic is `totp-rs`'s; this module fixes the parameters and the once-only rule.
//! Enrolment and the second step are `flows::app_factor`.

use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Algorithm, Totp};

use super::UnixTime;

/// 160 bits (RFC 4226 §4 recommends it; PRODUCT.md asks at least that).
pub const SECRET_BYTES: usize = 20;
const STEP_SECS: u64 = 30;
const DIGITS: u8 = 6;
const SKEW_STEPS: u16 = 1;
/// The issuer an authenticator app shows beside the code.
const ISSUER: &str = "Tessera";

/// A person's authenticator-app secret (to be sealed before it is stored).
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpProblem {
    #[error("an authenticator-app secret must be {SECRET_BYTES} bytes")]
    SecretLength,
    #[error("the authenticator app's address could not be made: {0}")]
    Uri(String),
}

impl TotpSecret {
    /// A new secret from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = vec![0; SECRET_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// A stored secret, read back.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpProblem> {
        if bytes.len() != SECRET_BYTES {
            return Err(TotpProblem::SecretLength);
        }
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, account: &str) -> Result<Totp, TotpProblem> {
        totp_rs::Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_step_duration(STEP_SECS)
            .with_skew(SKEW_STEPS)
            .with_secret(self.0.clone())
            .with_issuer(Some(ISSUER))
            .with_account_name(account)
            .build()
            .map_err(|e| TotpProblem::Uri(e.to_string()))
    }

    /// The `otpauth://totp/…` URI an authenticator app reads from the QR code, with the
    /// secret in base32.
    pub fn uri(&self, account: &str) -> Result<String, TotpProblem> {
        self.totp(account)?
            .to_url()
            .map_err(|e| TotpProblem::Uri(e.to_string()))
    }

    /// The secret as text, for typing into an app that cannot scan (base32, in groups of
    /// four).
    pub fn as_text(&self) -> String {
        let base32 = totp_rs::Secret::from(self.0.clone()).to_base32();
        base32
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The time step a typed code matches at `now` (this step or one either side), if it is
    /// later than `last_step`, the step last accepted: each step is accepted once (RFC 6238
    /// §5.2), so a code seen over a shoulder or replayed is refused.
    pub fn check(&self, code: &str, now: UnixTime, last_step: Option<u64>) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let now = u64::try_from(now).ok()?;
        let step = self.totp("").ok()?.check(&code, now)?;
        last_step.is_none_or(|last| step > last).then_some(step)
    }
}

/// The enrolment's QR code as an SVG image (rendered here: no image crates), with a text
/// alternative for screen readers.
pub fn qr_svg(uri: &str) -> Result<String, TotpProblem> {
    let code = QrCode::new(uri.as_bytes()).map_err(|e| TotpProblem::Uri(e.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    #[test]
    fn the_rfc_6238_sha1_vectors_pass_as_six_digits() {
        // Appendix B's 8-digit values; an app shows their last six digits.
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let six = &eight[2..];
            let step = (time / 30) as u64;
            assert_eq!(
                rfc_secret().check(six, time, None),
                Some(step),
                "T = {time}"
            );
        }
    }

    #[test]
    fn one_step_of_skew_either_side_and_no_more() {
        let secret = rfc_secret();
        // "287082" is the code of the step holding T = 59 (step 1).
        assert_eq!(
            secret.check("287082", 59 + 30, None),
            Some(1),
            "a step late"
        );
        assert_eq!(
            secret.check("287082", 59 - 30, None),
            Some(1),
            "a step early"
        );
        assert_eq!(
            secret.check("287082", 59 + 60, None),
            None,
            "two steps late"
        );
        assert_eq!(
            secret.check("287 082", 59, None),
            Some(1),
            "spaces as typed"
        );
        assert_eq!(secret.check("287083", 59, None), None, "a wrong code");
        assert_eq!(secret.check("", 59, None), None);
    }

    #[test]
    fn each_step_is_accepted_once() {
        let secret = rfc_secret();
        assert_eq!(secret.check("287082", 59, Some(0)), Some(1));
        assert_eq!(secret.check("287082", 59, Some(1)), None, "replayed");
        assert_eq!(
            secret.check("287082", 59, Some(2)),
            None,
            "older than the last"
        );
    }

    #[test]
    fn a_new_secret_has_160_bits_and_an_app_can_read_it() {
        let secret = TotpSecret::generate().unwrap();
        assert_eq!(secret.as_bytes().len(), 20);
        assert_ne!(
            secret.as_bytes(),
            TotpSecret::generate().unwrap().as_bytes()
        );
        let uri = secret.uri("ana@example.org").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Tessera:ana%40example.org?"),
            "{uri}"
        );
        let base32 = secret.as_text().replace(' ', "");
        assert_eq!(base32.len(), 32, "160 bits in base32");
        assert!(uri.contains(&format!("secret={base32}")), "{uri}");
        assert!(uri.contains("issuer=Tessera"), "{uri}");
        let svg = qr_svg(&uri).unwrap();
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg"),
            "{svg:.80}"
        );
        assert!(
            TotpSecret::from_bytes(vec![1; 10]).is_err(),
            "a short secret is refused"
        );
    }
}
