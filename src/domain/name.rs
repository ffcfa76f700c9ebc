//! Display names, as an administrator or the user types them.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct DisplayName(String);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    #[error("{}", crate::i18n::say("display-name-problem-empty"))]
    Empty,
    #[error("{}", crate::i18n::say("display-name-problem-too-long"))]
    TooLong,
    #[error("{}", crate::i18n::say("display-name-problem-characters"))]
    ForbiddenCharacters,
}

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, NameProblem> {
        // Inner runs of white space collapse to one space.
        let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return Err(NameProblem::Empty);
        }
        if text.chars().count() > 100 {
            return Err(NameProblem::TooLong);
        }
        if text
            .chars()
            .any(|c| c.is_control() || "<>\"\\{}".contains(c))
        {
            return Err(NameProblem::ForbiddenCharacters);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DisplayName({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_any_script_is_welcome() {
        assert_eq!(
            DisplayName::parse("  José   Núñez ").unwrap().as_str(),
            "José Núñez"
        );
        assert_eq!(DisplayName::parse("李小龙").unwrap().as_str(), "李小龙");
    }

    #[test]
    fn empty_long_and_markup_names_are_refused() {
        assert_eq!(DisplayName::parse(" "), Err(NameProblem::Empty));
        assert_eq!(
            DisplayName::parse(&"a".repeat(101)),
            Err(NameProblem::TooLong)
        );
        assert_eq!(
            DisplayName::parse("<script>"),
            Err(NameProblem::ForbiddenCharacters)
        );
    }
}

/// Whatever is typed into Display Name: never a panic; an accepted name is trimmed, collapsed,
/// free of markup characters, at most 100 characters, and parses to itself.
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::proptest_config(1024))]

        #[test]
        fn display_name_parse_never_panics_and_is_idempotent(raw in any::<String>()) {
            if let Ok(name) = DisplayName::parse(&raw) {
                let text = name.as_str();
                prop_assert!(!text.is_empty() && text.chars().count() <= 100);
                prop_assert_eq!(text, text.trim());
                let forbidden = |c: char| c.is_control() || "<>\"\\{}".contains(c);
                prop_assert!(!text.chars().any(forbidden), "markup in {:?}", text);
                prop_assert_eq!(DisplayName::parse(text).unwrap(), name.clone());
            }
        }

        #[test]
        fn display_name_oversized_is_refused(word in "\\PC{1,5}", extra in 101usize..20_000) {
            let raw: String = word.chars().filter(|c| !c.is_whitespace()).cycle().take(extra).collect();
            prop_assume!(raw.chars().count() == extra);
            prop_assert!(DisplayName::parse(&raw).is_err());
        }
    }
}
