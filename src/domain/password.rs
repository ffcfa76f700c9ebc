//! The password rules of NIST SP 800-63B 3.1.1.2: length, no composition rules, and a
//! blocklist of common, guessable and context-specific values, refused with the reason.

use std::fmt;

use zxcvbn::{Score, zxcvbn};

pub const MIN_CHARS: usize = 8;
/// NIST asks that at least 64 be accepted; we take 256 and never truncate.
pub const MAX_CHARS: usize = 256;

/// A password that passed the policy. Debug never shows it.
pub struct NewPassword(String);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("{}", crate::i18n::say("password-problem-mismatch"))]
    Mismatch,
    #[error("{}", crate::i18n::say("password-problem-too-short"))]
    TooShort,
    #[error("{}", crate::i18n::say("password-problem-too-long"))]
    TooLong,
    #[error("{}", crate::i18n::say("password-problem-personal"))]
    ContainsPersonalDetails,
    /// With the message id of zxcvbn's reason, when it gave one.
    #[error("{}", too_guessable(*.0))]
    TooGuessable(Option<&'static str>),
}

fn too_guessable(reason: Option<&str>) -> String {
    let reason = reason.map_or_else(String::new, |id| format!(" ({})", crate::i18n::say(id)));
    crate::i18n::say_with("password-problem-guessable", &[("reason", reason.into())])
}

/// zxcvbn's reasons, which it words in English only, as messages of every language.
fn reason_id(warning: zxcvbn::feedback::Warning) -> &'static str {
    use zxcvbn::feedback::Warning as W;
    match warning {
        W::StraightRowsOfKeysAreEasyToGuess => "password-reason-straight-rows",
        W::ShortKeyboardPatternsAreEasyToGuess => "password-reason-keyboard-patterns",
        W::RepeatsLikeAaaAreEasyToGuess => "password-reason-repeats",
        W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => "password-reason-repeated-groups",
        W::ThisIsATop10Password => "password-reason-top-10",
        W::ThisIsATop100Password => "password-reason-top-100",
        W::ThisIsACommonPassword => "password-reason-common",
        W::ThisIsSimilarToACommonlyUsedPassword => "password-reason-similar",
        W::SequencesLikeAbcAreEasyToGuess => "password-reason-sequences",
        W::RecentYearsAreEasyToGuess => "password-reason-recent-years",
        W::AWordByItselfIsEasyToGuess => "password-reason-word",
        W::DatesAreOftenEasyToGuess => "password-reason-dates",
        W::NamesAndSurnamesByThemselvesAreEasyToGuess => "password-reason-names",
        W::CommonNamesAndSurnamesAreEasyToGuess => "password-reason-common-names",
    }
}

/// What the password must not be built from: the user's own details.
pub struct PasswordContext<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
}

impl NewPassword {
    pub fn parse(
        password: &str,
        confirmation: &str,
        context: &PasswordContext<'_>,
    ) -> Result<Self, PasswordProblem> {
        if password != confirmation {
            return Err(PasswordProblem::Mismatch);
        }
        let chars = password.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        let lowered = password.to_lowercase();
        if personal_words(context)
            .iter()
            .any(|word| lowered.contains(word.as_str()))
        {
            return Err(PasswordProblem::ContainsPersonalDetails);
        }
        // zxcvbn's cost grows with length; a long password is not guessable by its dictionary.
        let sample: String = password.chars().take(64).collect();
        let inputs = [
            context.email,
            context.display_name,
            "tessera",
            "portal",
            "atrezzo",
        ];
        let estimate = zxcvbn(&sample, &inputs);
        if estimate.score() < Score::Two {
            let reason = estimate.feedback().and_then(|f| f.warning()).map(reason_id);
            return Err(PasswordProblem::TooGuessable(reason));
        }
        Ok(Self(password.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The whole email, its local part and each word of the name, when long enough to matter.
fn personal_words(context: &PasswordContext<'_>) -> Vec<String> {
    let email = context.email.to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_string();
    let mut words = vec![email.clone(), local];
    words.extend(
        context
            .display_name
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase),
    );
    words.retain(|w| w.chars().count() >= 4);
    words
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JANE: PasswordContext<'static> = PasswordContext {
        email: "jane.doe@example.org",
        display_name: "Jane Doe",
    };

    fn check(pw: &str) -> Result<NewPassword, PasswordProblem> {
        NewPassword::parse(pw, pw, &JANE)
    }

    #[test]
    fn nist_800_63b_accepts_long_unicode_passphrases_without_composition_rules() {
        assert!(check("correct horse battery staple").is_ok());
        assert!(check("ünïcödé pässwörd wïth späces ☃").is_ok());
        let sixty_four: String = "river otter lantern ".repeat(4).chars().take(64).collect();
        assert!(check(&sixty_four).is_ok());
        assert!(
            check(&"plum kettle orbit ".repeat(14)).is_ok(),
            "252 characters"
        );
    }

    #[test]
    fn nist_800_63b_length_limits() {
        assert_eq!(check("x7#kQ2p").unwrap_err(), PasswordProblem::TooShort);
        assert_eq!(
            check(&"abcd efgh ".repeat(26)).unwrap_err(),
            PasswordProblem::TooLong
        );
    }

    #[test]
    fn nist_800_63b_refuses_common_and_context_passwords() {
        assert!(matches!(
            check("password1"),
            Err(PasswordProblem::TooGuessable(_))
        ));
        assert!(matches!(
            check("qwertyuiop"),
            Err(PasswordProblem::TooGuessable(_))
        ));
        assert_eq!(
            check("Jane.Doe@example.org!").unwrap_err(),
            PasswordProblem::ContainsPersonalDetails
        );
        assert_eq!(
            check("iamjanedoe2024").unwrap_err(),
            PasswordProblem::ContainsPersonalDetails
        );
        assert_eq!(
            check("jane.doe1234").unwrap_err(),
            PasswordProblem::ContainsPersonalDetails
        );
    }

    #[test]
    fn the_confirmation_must_match() {
        let err = NewPassword::parse("correct horse battery", "correct horse batterY", &JANE);
        assert_eq!(err.unwrap_err(), PasswordProblem::Mismatch);
    }

    #[test]
    fn debug_never_shows_the_password() {
        let pw = check("correct horse battery staple").unwrap();
        assert!(!format!("{pw:?}").contains("horse"));
    }
}

/// Whatever is typed into the password boxes: never a panic; too short and too long are
/// refused by length alone (counted in characters, never truncated); the Debug is redacted.
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    const CONTEXT: PasswordContext<'static> = PasswordContext {
        email: "pat.kim@example.org",
        display_name: "Pat Kim",
    };

    proptest! {
        // zxcvbn takes milliseconds a password: fewer cases.
        #![proptest_config(crate::proptest_config(128))]

        #[test]
        fn password_parse_never_panics_and_bounds_hold(raw in any::<String>()) {
            let chars = raw.chars().count();
            match NewPassword::parse(&raw, &raw, &CONTEXT) {
                Ok(password) => {
                    prop_assert!((MIN_CHARS..=MAX_CHARS).contains(&chars));
                    prop_assert_eq!(password.expose(), raw.as_str());
                    let shown = format!("{password:?}");
                    prop_assert!(!shown.contains(&raw), "Debug shows the password");
                }
                Err(PasswordProblem::TooShort) => prop_assert!(chars < MIN_CHARS),
                Err(PasswordProblem::TooLong) => prop_assert!(chars > MAX_CHARS),
                Err(_) => prop_assert!((MIN_CHARS..=MAX_CHARS).contains(&chars)),
            }
        }

        #[test]
        fn password_oversized_is_refused(unit in "\\PC", extra in 1usize..10_000) {
            let raw = unit.repeat(MAX_CHARS + extra);
            prop_assert_eq!(
                NewPassword::parse(&raw, &raw, &CONTEXT).err(),
                Some(PasswordProblem::TooLong)
            );
        }

        #[test]
        fn password_mismatch_is_refused_first(a in any::<String>(), b in any::<String>()) {
            prop_assume!(a != b);
            prop_assert_eq!(NewPassword::parse(&a, &b, &CONTEXT).err(), Some(PasswordProblem::Mismatch));
        }
    }

    #[test]
    fn zxcvbns_reasons_keep_their_english_words_and_have_spanish_ones() {
        use zxcvbn::feedback::Warning as W;
        for warning in [
            W::StraightRowsOfKeysAreEasyToGuess,
            W::ShortKeyboardPatternsAreEasyToGuess,
            W::RepeatsLikeAaaAreEasyToGuess,
            W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
            W::ThisIsATop10Password,
            W::ThisIsATop100Password,
            W::ThisIsACommonPassword,
            W::ThisIsSimilarToACommonlyUsedPassword,
            W::SequencesLikeAbcAreEasyToGuess,
            W::RecentYearsAreEasyToGuess,
            W::AWordByItselfIsEasyToGuess,
            W::DatesAreOftenEasyToGuess,
            W::NamesAndSurnamesByThemselvesAreEasyToGuess,
            W::CommonNamesAndSurnamesAreEasyToGuess,
        ] {
            let id = reason_id(warning);
            let english = crate::i18n::say_in(crate::i18n::Language::English, id, &[]);
            assert_eq!(
                english,
                warning.to_string().trim_end_matches('.').to_lowercase(),
                "{id}"
            );
            let spanish = crate::i18n::say_in(crate::i18n::Language::Spanish, id, &[]);
            assert_ne!(spanish, english, "{id}");
        }
    }
}
