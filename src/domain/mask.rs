//! Masked forms of destinations, for pages, emails and the audit log.

/// `jane.doe@example.org` becomes `j***@example.org`.
pub fn email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_keeps_only_the_first_letter_and_the_domain() {
        assert_eq!(super::email("jane.doe@example.org"), "j***@example.org");
        assert_eq!(super::email("nonsense"), "***");
    }
}
