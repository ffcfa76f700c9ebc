//! Recovery codes (issue 14; PRODUCT.md "Stronger factors"): NIST SP 800-63B 5.1.2 look-up
//! secrets and OWASP ASVS 5.0 6.5. Ten per set, each 16 characters of a 32-letter alphabet
//! drawn from the operating system's CSPRNG (6.5.3), so 80 bits each:
//!
//! - above 800-63B 5.1.2.2's 64 bits, under which a verifier must rely on its rate limit (it
//!   has one anyway: a wrong code counts toward the second step's lock-out), and far above
//!   ASVS 6.5.4's 20;
//! - under ASVS 6.5.2's 112 bits, so the stored form must resist an offline attack: each is
//!   stored only as HMAC-SHA-256 under the server's secret key (`Purpose::RecoveryCode`),
//!   which is not in the database, so a stolen dump alone cannot test a single guess, and
//!   with the key too 2^80 tries per code stay out of reach;
//! - short enough to copy by hand: `xxxx-xxxx-xxxx-xxxx`.
//!
//! The alphabet is Crockford's base 32 in lower case: no i, l, o or u, so nothing reads as
//! another; typed input forgives case, spaces, dashes, and i/l for 1 and o for 0.

use std::fmt;

/// How many codes a set has.
pub const SET_SIZE: usize = 10;
/// Characters per code (5 bits each: 80 bits).
pub const LENGTH: usize = 16;
const GROUP: usize = 4;
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// One recovery code, normalized (16 characters of the alphabet, no dashes). Never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(…)")
    }
}

/// Why typed text is not a recovery code; each says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryCodeProblem {
    #[error("Enter one of your recovery codes. Each looks like abcd-efgh-2345-6789.")]
    Empty,
    #[error(
        "A recovery code has 16 letters and digits (four groups of four); you typed {0}. Check you copied the whole code."
    )]
    Length(usize),
    #[error(
        "A recovery code has only letters and digits; \"{0}\" is not one of them. Type the code as it is written."
    )]
    Character(char),
}

impl RecoveryCode {
    /// A new set of distinct codes from the OS CSPRNG (ASVS 6.5.3).
    pub fn generate_set() -> Result<Vec<Self>, getrandom::Error> {
        let mut set: Vec<Self> = Vec::with_capacity(SET_SIZE);
        while set.len() < SET_SIZE {
            let code = Self::generate()?;
            // A repeat (odds 2^-80) would leave the set one short: draw again.
            if !set.contains(&code) {
                set.push(code);
            }
        }
        Ok(set)
    }

    fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; LENGTH];
        getrandom::fill(&mut bytes)?;
        // 256 is a multiple of 32: the low five bits of a uniform byte are uniform.
        Ok(Self(
            bytes
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
                .collect(),
        ))
    }

    /// Reads a typed code: case, spaces and dashes do not matter, nor i/l for 1 or o for 0.
    pub fn parse(typed: &str) -> Result<Self, RecoveryCodeProblem> {
        let mut code = String::with_capacity(LENGTH);
        for c in typed.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let c = match c.to_ascii_lowercase() {
                'i' | 'l' => '1',
                'o' => '0',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(RecoveryCodeProblem::Character(c));
            }
            code.push(c);
        }
        match code.chars().count() {
            0 => Err(RecoveryCodeProblem::Empty),
            LENGTH => Ok(Self(code)),
            n => Err(RecoveryCodeProblem::Length(n)),
        }
    }

    /// What is hashed and looked up: the normalized characters.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// As shown to the person: four groups of four.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(GROUP)
            .map(|g| String::from_utf8_lossy(g).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nist_5_1_2_a_set_is_ten_distinct_codes_of_80_bits() {
        let set = RecoveryCode::generate_set().unwrap();
        assert_eq!(set.len(), SET_SIZE);
        for (i, code) in set.iter().enumerate() {
            assert_eq!(code.as_bytes().len(), LENGTH);
            assert!(code.as_bytes().iter().all(|b| ALPHABET.contains(b)));
            assert!(!set[..i].contains(code));
        }
        // 32 symbols, 5 bits each.
        assert_eq!(ALPHABET.len(), 32);
        assert_eq!(LENGTH * 5, 80);
        let mut unique = ALPHABET.to_vec();
        unique.dedup();
        assert_eq!(unique.len(), 32);
    }

    #[test]
    fn asvs_6_5_3_codes_come_from_the_csprng_and_do_not_repeat() {
        // Two sets share no code; and each alphabet symbol turns up over many draws.
        let a = RecoveryCode::generate_set().unwrap();
        let b = RecoveryCode::generate_set().unwrap();
        assert!(a.iter().all(|c| !b.contains(c)));
        let mut seen = [false; 32];
        for _ in 0..20 {
            for code in RecoveryCode::generate_set().unwrap() {
                for byte in code.as_bytes() {
                    let i = ALPHABET.iter().position(|a| a == byte).unwrap();
                    seen[i] = true;
                }
            }
        }
        assert!(seen.iter().all(|s| *s), "3200 symbols cover the alphabet");
    }

    #[test]
    fn shown_in_four_groups_and_read_back_however_typed() {
        let code = RecoveryCode::generate_set().unwrap().remove(0);
        let shown = code.display();
        assert_eq!(shown.len(), 19);
        assert_eq!(shown.matches('-').count(), 3);
        assert_eq!(RecoveryCode::parse(&shown), Ok(code.clone()));
        assert_eq!(
            RecoveryCode::parse(&format!("  {} ", shown.to_uppercase().replace('-', " "))),
            Ok(code)
        );
        // Look-alikes read as the digits they resemble.
        assert_eq!(
            RecoveryCode::parse("OIL0-abcd-efgh-jkmn").unwrap(),
            RecoveryCode::parse("0110abcdefghjkmn").unwrap()
        );
    }

    #[test]
    fn typing_mistakes_say_what_to_do() {
        assert_eq!(RecoveryCode::parse(" - "), Err(RecoveryCodeProblem::Empty));
        assert_eq!(
            RecoveryCode::parse("abcd-efgh-jkmn"),
            Err(RecoveryCodeProblem::Length(12))
        );
        assert_eq!(
            RecoveryCode::parse("abcd-efgh-jkmn-pqrs-t"),
            Err(RecoveryCodeProblem::Length(17))
        );
        assert_eq!(
            RecoveryCode::parse("abcd-efgh-jkmn-pqru"),
            Err(RecoveryCodeProblem::Character('u'))
        );
        assert_eq!(
            RecoveryCode::parse("abcd-efgh-jkmn-pq!s"),
            Err(RecoveryCodeProblem::Character('!'))
        );
        let problem = RecoveryCode::parse("abc").unwrap_err().to_string();
        assert!(problem.contains("16 letters and digits"), "{problem}");
    }

    #[test]
    fn a_code_never_reaches_a_log() {
        let code = RecoveryCode::parse("abcd-efgh-jkmn-pqrs").unwrap();
        assert_eq!(format!("{code:?}"), "RecoveryCode(…)");
    }
}
