//! Staff single sign-on (issue 16; PRODUCT.md "Staff single sign-on"): the rules for the
//! company's own OpenID Connect providers, before anything is stored or asked of them.

/// A provider as an administrator registers it.
#[derive(Debug, Clone)]
pub struct NewProvider {
    pub name: String,
    /// The issuer exactly as the provider's discovery document states it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The staff email domains sent to this provider, lower case, at least one.
    pub domains: Vec<String>,
    /// Tessera asks for its own second factor even when the provider says it asked for one.
    pub require_local_mfa: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderProblem {
    #[error(
        "Give the provider a name (at most 60 characters): it is shown on the login page as \"Sign in with NAME\"."
    )]
    Name,
    #[error(
        "{0:?} is not an issuer: give its https URL exactly as the provider states it (http only on 127.0.0.1 or localhost), with no query or fragment."
    )]
    Issuer(String),
    #[error("Give the client id and client secret the provider issued to Tessera.")]
    Credentials,
    #[error("Give at least one staff email domain, such as example.org.")]
    NoDomain,
    #[error("{0:?} is not an email domain, such as example.org.")]
    Domain(String),
}

impl NewProvider {
    pub fn parse(
        name: &str,
        issuer: &str,
        client_id: &str,
        client_secret: &str,
        domains: &[String],
        require_local_mfa: bool,
    ) -> Result<Self, ProviderProblem> {
        let name = provider_name(name)?;
        let issuer = issuer.trim();
        if !is_issuer(issuer) {
            return Err(ProviderProblem::Issuer(issuer.to_string()));
        }
        let client_id = credential(client_id)?;
        let client_secret = credential(client_secret)?;
        let domains = staff_domains(domains)?;
        Ok(Self {
            name,
            issuer: issuer.to_string(),
            client_id,
            client_secret,
            domains,
            require_local_mfa,
        })
    }
}

/// What an administrator may change of a registered provider: everything but its issuer
/// (accounts are linked by the issuer and the provider's subject, so another issuer is
/// another provider, registered anew). Checked by the same rules as a registration.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub name: String,
    pub client_id: String,
    /// A new client secret; None keeps the one stored.
    pub client_secret: Option<String>,
    /// The whole set of staff domains, lower case, at least one.
    pub domains: Vec<String>,
    pub require_local_mfa: bool,
}

impl ProviderSettings {
    pub fn parse(
        name: &str,
        client_id: &str,
        client_secret: Option<&str>,
        domains: &[String],
        require_local_mfa: bool,
    ) -> Result<Self, ProviderProblem> {
        Ok(Self {
            name: provider_name(name)?,
            client_id: credential(client_id)?,
            client_secret: client_secret.map(credential).transpose()?,
            domains: staff_domains(domains)?,
            require_local_mfa,
        })
    }
}

/// The name shown as "Sign in with NAME": at most 60 characters, no control characters.
fn provider_name(name: &str) -> Result<String, ProviderProblem> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(ProviderProblem::Name);
    }
    Ok(name.to_string())
}

/// A client id or secret: printable, at most 1000 bytes.
fn credential(text: &str) -> Result<String, ProviderProblem> {
    let text = text.trim();
    if text.is_empty() || text.len() > 1000 || text.chars().any(char::is_control) {
        return Err(ProviderProblem::Credentials);
    }
    Ok(text.to_string())
}

/// The staff domains, lower case, each once (blank entries skipped), at least one.
fn staff_domains(domains: &[String]) -> Result<Vec<String>, ProviderProblem> {
    let mut parsed = Vec::new();
    for domain in domains.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
        let domain = email_domain(domain).ok_or_else(|| ProviderProblem::Domain(domain.into()))?;
        if !parsed.contains(&domain) {
            parsed.push(domain);
        }
    }
    if parsed.is_empty() {
        return Err(ProviderProblem::NoDomain);
    }
    Ok(parsed)
}

/// An `https` URL (or `http` on a loopback host: tests, development) with a host and no
/// query, fragment or user name. Kept exactly: OpenID Connect Discovery compares issuers
/// character for character.
fn is_issuer(text: &str) -> bool {
    let Ok(url) = url::Url::parse(text) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return false,
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    scheme_ok
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
        && !text.contains(['?', '#'])
}

/// A domain as it follows `@` in an address, lower case: two labels or more of letters,
/// digits and hyphens.
pub fn email_domain(text: &str) -> Option<String> {
    let domain = text.trim().trim_start_matches('@').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    (domain.contains('.') && domain.len() <= 253 && domain.split('.').all(label_ok))
        .then_some(domain)
}

/// The domain of an email address as typed (for routing it to its provider).
pub fn domain_of(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    email_domain(domain)
}

/// The `amr` values (RFC 8176) that show the provider asked for a second factor: PRODUCT.md's
/// list (`mfa`, `otp`, `sms`, `tel`, `hwk`, `swk`, `fpt`, `face`).
pub const SECOND_FACTOR_AMR: [&str; 8] = ["mfa", "otp", "sms", "tel", "hwk", "swk", "fpt", "face"];

/// Whether the provider's `amr` shows a second factor.
pub fn upstream_second_factor(amr: &[String]) -> bool {
    amr.iter().any(|v| SECOND_FACTOR_AMR.contains(&v.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains(list: &[&str]) -> Vec<String> {
        list.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn a_provider_needs_a_name_an_issuer_credentials_and_a_domain() {
        let ok = NewProvider::parse(
            " Contoso ",
            "https://login.microsoftonline.com/tenant/v2.0",
            "app-id",
            "s3cret",
            &domains(&["Contoso.com", "@staff.contoso.com", "contoso.com", ""]),
            true,
        )
        .unwrap();
        assert_eq!(ok.name, "Contoso");
        assert_eq!(ok.domains, ["contoso.com", "staff.contoso.com"]);
        assert!(ok.require_local_mfa);
        let parse = |name: &str, issuer: &str, id: &str, secret: &str, d: &[&str]| {
            NewProvider::parse(name, issuer, id, secret, &domains(d), false).unwrap_err()
        };
        let issuer = "https://idp.example.org";
        assert_eq!(
            parse("", issuer, "a", "b", &["x.org"]),
            ProviderProblem::Name
        );
        assert_eq!(
            parse("N", issuer, "", "b", &["x.org"]),
            ProviderProblem::Credentials
        );
        assert_eq!(
            parse("N", issuer, "a", " ", &["x.org"]),
            ProviderProblem::Credentials
        );
        assert_eq!(parse("N", issuer, "a", "b", &[]), ProviderProblem::NoDomain);
        assert!(matches!(
            parse("N", issuer, "a", "b", &["localhost"]),
            ProviderProblem::Domain(_)
        ));
        assert!(matches!(
            parse("N", issuer, "a", "b", &["x.org/evil"]),
            ProviderProblem::Domain(_)
        ));
        for bad in [
            "http://idp.example.org",
            "https://idp.example.org?tenant=1",
            "https://idp.example.org#x",
            "https://user@idp.example.org",
            "idp.example.org",
            "javascript:alert(1)",
        ] {
            assert!(
                matches!(
                    parse("N", bad, "a", "b", &["x.org"]),
                    ProviderProblem::Issuer(_)
                ),
                "{bad}"
            );
        }
        assert!(
            NewProvider::parse(
                "N",
                "http://127.0.0.1:4000",
                "a",
                "b",
                &domains(&["x.org"]),
                false
            )
            .is_ok()
        );
    }

    /// An edit is checked as a registration is (OWASP ASVS 5.0 V2.2.1); no secret keeps
    /// the stored one, a blank one is refused like a blank one at registration.
    #[test]
    fn an_edit_follows_the_registration_rules_but_the_issuer() {
        let parse = |name: &str, id: &str, secret: Option<&str>, d: &[&str]| {
            ProviderSettings::parse(name, id, secret, &domains(d), false)
        };
        let kept = parse(
            " Contoso ",
            "app-id",
            None,
            &["Corp.example", "corp.example"],
        )
        .unwrap();
        assert_eq!(kept.name, "Contoso");
        assert_eq!(kept.client_secret, None);
        assert_eq!(kept.domains, ["corp.example"]);
        let replaced = parse("Contoso", "app-id", Some(" new "), &["corp.example"]).unwrap();
        assert_eq!(replaced.client_secret.as_deref(), Some("new"));
        assert_eq!(
            parse("", "a", None, &["x.org"]).unwrap_err(),
            ProviderProblem::Name
        );
        assert_eq!(
            parse("N", " ", None, &["x.org"]).unwrap_err(),
            ProviderProblem::Credentials
        );
        assert_eq!(
            parse("N", "a", Some(""), &["x.org"]).unwrap_err(),
            ProviderProblem::Credentials
        );
        assert_eq!(
            parse("N", "a", None, &[""]).unwrap_err(),
            ProviderProblem::NoDomain
        );
        assert!(matches!(
            parse("N", "a", None, &["x.org/evil"]).unwrap_err(),
            ProviderProblem::Domain(_)
        ));
    }

    #[test]
    fn addresses_are_routed_by_their_domain() {
        assert_eq!(domain_of("Ann@Contoso.COM").as_deref(), Some("contoso.com"));
        assert_eq!(
            domain_of("odd@name@contoso.com").as_deref(),
            Some("contoso.com")
        );
        assert_eq!(domain_of("no-domain"), None);
    }

    /// PRODUCT.md: a second factor is accepted from the provider only when its `amr` shows one.
    #[test]
    fn only_a_second_factor_in_amr_counts() {
        let amr = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!upstream_second_factor(&amr(&["pwd"])));
        assert!(!upstream_second_factor(&amr(&[])));
        assert!(!upstream_second_factor(&amr(&["pwd", "kba"])));
        for second in SECOND_FACTOR_AMR {
            assert!(upstream_second_factor(&amr(&["pwd", second])), "{second}");
        }
    }
}
