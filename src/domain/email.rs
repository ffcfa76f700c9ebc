//! Email addresses: the account's identity and its email factor.

use std::fmt;

/// A syntactically valid address, trimmed and lower-cased so one mailbox is one account.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailProblem {
    #[error("{}", crate::i18n::say("email-address-problem-empty"))]
    Empty,
    #[error("{}", crate::i18n::say("email-address-problem-malformed"))]
    Malformed,
    #[error("{}", crate::i18n::say("email-address-problem-too-long"))]
    TooLong,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailProblem> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(EmailProblem::Empty);
        }
        if text.len() > 254 {
            return Err(EmailProblem::TooLong);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(EmailProblem::Malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !(local_ok && domain_ok) {
            return Err(EmailProblem::Malformed);
        }
        Ok(Self(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", crate::domain::mask::email(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let email = Email::parse("  Jane.Doe+portal@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "jane.doe+portal@example.org");
        assert_eq!(email.local_part(), "jane.doe+portal");
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        for bad in [
            "jane",
            "jane@",
            "@example.org",
            "jane@example",
            "ja ne@example.org",
            "jane@exa_mple.org",
            "jane..doe@example.org",
            "jane@-example.org",
            "<a>@example.org",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailProblem::Malformed), "{bad}");
        }
        assert_eq!(Email::parse("   "), Err(EmailProblem::Empty));
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailProblem::TooLong));
    }
}

/// Whatever is typed into the Email box: never a panic; an accepted address is lower-case,
/// at most 254 characters, and parses to itself again.
#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn typed_address() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ \t]{0,2}[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,70}@[A-Za-z0-9-]{1,70}(\\.[A-Za-z0-9-]{1,70}){1,4}[ \t]{0,2}",
            "[a-z]{1,10}@[a-z]{1,10}\\.[a-z]{2,5}",
        ]
    }

    proptest! {
        #![proptest_config(crate::proptest_config(1024))]

        #[test]
        fn email_parse_never_panics_and_normalising_is_idempotent(raw in typed_address()) {
            if let Ok(email) = Email::parse(&raw) {
                let text = email.as_str();
                prop_assert!(text.len() <= 254);
                prop_assert_eq!(text, text.trim());
                prop_assert_eq!(text.to_ascii_lowercase(), text);
                prop_assert_eq!(Email::parse(text).unwrap(), email.clone());
                prop_assert_eq!(Email::parse(&raw.to_uppercase()).ok(), Some(email.clone()));
            }
        }

        #[test]
        fn email_oversized_addresses_are_refused(local in "[a-z]{1,64}", extra in 0usize..5000) {
            let raw = format!("{local}@{}.org", "a".repeat(250 + extra));
            prop_assert_eq!(Email::parse(&raw), Err(EmailProblem::TooLong));
        }
    }
}
