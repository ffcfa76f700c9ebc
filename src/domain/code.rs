//! One-time verification codes: six digits from the operating system's CSPRNG (NIST SP
//! 800-63B 5.1.3.2 wants at least 20 bits; six digits give 19.9 and the 5-try limit makes up
//! the rest), never stored in clear.

use std::fmt;

use super::session::SessionStage;

pub const DIGITS: usize = 6;

/// A code as generated or as typed. Debug never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeFormatProblem {
    #[error("{}", crate::i18n::say("code-not-six-digits"))]
    NotSixDigits,
}

impl OneTimeCode {
    /// A uniformly random six-digit code (rejection sampling, so no digit is favoured).
    pub fn generate() -> Result<Self, getrandom::Error> {
        const LIMIT: u32 = u32::MAX - (u32::MAX % 1_000_000);
        loop {
            let mut bytes = [0u8; 4];
            getrandom::fill(&mut bytes)?;
            let n = u32::from_le_bytes(bytes);
            if n < LIMIT {
                return Ok(Self(format!("{:06}", n % 1_000_000)));
            }
        }
    }

    /// Reads a typed or pasted code; spaces and dashes between digits are forgiven.
    pub fn parse(raw: &str) -> Result<Self, CodeFormatProblem> {
        let digits: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.len() == DIGITS && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(CodeFormatProblem::NotSixDigits)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(<redacted>)")
    }
}

/// Why a submitted code did not sign the user in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// No code was requested in this session, or it was replaced by a newer one.
    NoneSent,
    Expired,
    Wrong {
        tries_left: i64,
    },
    /// Too many wrong tries: the code is dead.
    TooManyTries,
    /// Another submission of the same code won.
    AlreadyUsed,
}

text_enum!(
    /// What a code is for. A code only ever does the one thing it was sent for: a code sent to a
    /// new address confirms that address and can never pass as the second factor.
    CodePurpose {
        /// The second factor at sign-in, and the codes of password recovery.
        SignIn => "sign-in",
        /// The second factor again, in place, for a signed-in session (step-up).
        StepUp => "step-up",
        /// Confirms a new email address before it replaces the old one.
        NewEmail => "new-email",
        /// Confirms a new phone number before it replaces the old one (or becomes the factor).
        NewPhone => "new-phone",
    }
);

impl CodePurpose {
    /// Whether a session at this stage may ask for such a code: sign-in codes belong to the
    /// stages that wait for one, the others to a signed-in session.
    pub fn allowed_at(self, stage: SessionStage) -> bool {
        match self {
            Self::SignIn => stage.awaits_code(),
            Self::StepUp | Self::NewEmail | Self::NewPhone => stage == SessionStage::Authenticated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_codes_and_signed_in_codes_belong_to_different_stages() {
        assert!(CodePurpose::SignIn.allowed_at(SessionStage::SecondFactor));
        assert!(!CodePurpose::SignIn.allowed_at(SessionStage::Authenticated));
        for purpose in [
            CodePurpose::StepUp,
            CodePurpose::NewEmail,
            CodePurpose::NewPhone,
        ] {
            assert!(purpose.allowed_at(SessionStage::Authenticated));
            assert!(!purpose.allowed_at(SessionStage::SecondFactor));
            assert!(!purpose.allowed_at(SessionStage::Recovery));
        }
    }

    #[test]
    fn generated_codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..200)
            .map(|_| OneTimeCode::generate().unwrap().expose().to_string())
            .collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.chars().all(|d| d.is_ascii_digit()))
        );
        assert!(
            codes.len() > 190,
            "200 codes from a CSPRNG should rarely repeat"
        );
    }

    #[test]
    fn typed_codes_forgive_spaces_and_dashes_only() {
        assert_eq!(OneTimeCode::parse(" 123 456 ").unwrap().expose(), "123456");
        assert_eq!(OneTimeCode::parse("123-456").unwrap().expose(), "123456");
        for bad in ["12345", "1234567", "12a456", "", "١٢٣٤٥٦"] {
            assert_eq!(
                OneTimeCode::parse(bad),
                Err(CodeFormatProblem::NotSixDigits),
                "{bad}"
            );
        }
    }
}

/// Whatever is typed into the code box: never a panic; only six ASCII digits are accepted,
/// and an accepted code parses to itself.
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::proptest_config(2048))]

        #[test]
        fn code_parse_never_panics_and_accepts_only_six_digits(
            raw in prop_oneof![any::<String>(), "[0-9 -]{0,12}", "[0-9]{0,10000}"],
        ) {
            if let Ok(code) = OneTimeCode::parse(&raw) {
                let digits = code.expose();
                prop_assert!(digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(OneTimeCode::parse(digits).unwrap(), code.clone());
                let shown = format!("{code:?}");
                prop_assert!(!shown.contains(digits), "Debug shows the code");
            }
        }

        #[test]
        fn code_generated_codes_parse(_n in 0u8..4) {
            let code = OneTimeCode::generate().unwrap();
            prop_assert_eq!(OneTimeCode::parse(code.expose()).unwrap(), code);
        }
    }
}
