//! Forward authentication (issue 15): the rules for the applications a reverse proxy protects
//! by asking Tessera on every request. An application is named by its origin; a return
//! address (`/login?rd=`) is followed only to a registered origin; the original request is
//! read from the proxy's headers only when the proxy is trusted.

use super::account::Role;

/// An application's origin, `scheme://host[:port]` as browsers compare them (lower-case
/// host, no default port, no path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppOrigin(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppProblem {
    #[error("Give the application a name (at most 100 characters).")]
    Name,
    #[error(
        "{0:?} is not an application address: give its origin, such as https://portal.example.org (no path, user name or query)."
    )]
    Origin(String),
    #[error(
        "{0:?} is not https. Only loopback addresses (127.0.0.1, localhost) may use http, unless Tessera's own public URL is http."
    )]
    NotHttps(String),
}

impl AppOrigin {
    /// An `http(s)` URL with a host and nothing after it but an optional `/`.
    pub fn parse(text: &str, portal_is_http: bool) -> Result<Self, AppProblem> {
        let text = text.trim();
        let bad = || AppProblem::Origin(text.to_string());
        let url = absolute(text).ok_or_else(bad)?;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(bad());
        }
        if text.ends_with('?') || text.ends_with('#') {
            return Err(bad());
        }
        if url.scheme() == "http" && !portal_is_http && !is_loopback(&url) {
            return Err(AppProblem::NotHttps(text.to_string()));
        }
        Ok(Self(url.origin().ascii_serialization()))
    }

    /// The origin of a URL a browser is at, if it is an absolute `http(s)` URL.
    pub fn of(url: &str) -> Option<Self> {
        absolute(url).map(|u| Self(u.origin().ascii_serialization()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An absolute `http(s)` URL with a host and no user name or password, as typed: no
/// whitespace, control characters or backslashes (which parsers read differently), and no
/// percent-encoded dots or slashes in the authority.
fn absolute(text: &str) -> Option<url::Url> {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    if text
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let url = url::Url::parse(text).ok()?;
    let authority = text.split_once("//")?.1;
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('%') || authority.contains('@') {
        return None;
    }
    if !url.has_host() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    Some(url)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// An application as an administrator registers it.
#[derive(Debug, Clone)]
pub struct NewApp {
    pub name: String,
    pub origin: AppOrigin,
    /// Only these organizations' people may use it (empty: everyone's).
    pub org_ids: Vec<i64>,
}

impl NewApp {
    pub fn parse(
        name: &str,
        url: &str,
        org_ids: Vec<i64>,
        portal_is_http: bool,
    ) -> Result<Self, AppProblem> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(AppProblem::Name);
        }
        let mut org_ids = org_ids;
        org_ids.sort_unstable();
        org_ids.dedup();
        Ok(Self {
            name: name.to_string(),
            origin: AppOrigin::parse(url, portal_is_http)?,
            org_ids,
        })
    }
}

/// Where `/login?rd=URL` may send the browser back to after sign-in: the URL itself when its
/// origin is one of `registered`, else nowhere (the home page).
pub fn return_address<'a>(
    rd: &str,
    registered: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let url = absolute(rd)?;
    let origin = url.origin().ascii_serialization();
    registered
        .into_iter()
        .any(|r| r == origin)
        .then(|| url.to_string())
}

/// The request the proxy is asking about, as the proxy describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalRequest {
    pub method: String,
    /// The absolute URL the browser asked for.
    pub url: String,
}

/// The headers a forward-authentication request carries, as sent.
#[derive(Debug, Default, Clone)]
pub struct ProxyHeaders<'a> {
    /// nginx `auth_request`: `X-Original-URL`, `X-Original-Method`.
    pub original_url: Option<&'a str>,
    pub original_method: Option<&'a str>,
    /// Caddy `forward_auth`, Traefik ForwardAuth: `X-Forwarded-Method`, `-Proto`, `-Host`,
    /// `-Uri`.
    pub forwarded_method: Option<&'a str>,
    pub forwarded_proto: Option<&'a str>,
    pub forwarded_host: Option<&'a str>,
    pub forwarded_uri: Option<&'a str>,
    /// The request's own method, `Host` and path, and the scheme of the public URL.
    pub own_method: &'a str,
    pub own_host: &'a str,
    pub own_path: &'a str,
    pub own_scheme: &'a str,
}

impl ProxyHeaders<'_> {
    /// The original request: from the proxy's headers when it is trusted
    /// (`TESSERA_TRUSTED_PROXIES`), else the request's own host and path, so that someone who
    /// reaches Tessera directly cannot name another application.
    pub fn original(&self, trusted: bool) -> OriginalRequest {
        let own = OriginalRequest {
            method: self.own_method.to_string(),
            url: format!("{}://{}{}", self.own_scheme, self.own_host, self.own_path),
        };
        if !trusted {
            return own;
        }
        if let Some(url) = self.original_url {
            return OriginalRequest {
                method: self.original_method.unwrap_or("GET").to_string(),
                url: url.to_string(),
            };
        }
        match (self.forwarded_proto, self.forwarded_host) {
            (Some(proto), Some(host)) => OriginalRequest {
                method: self.forwarded_method.unwrap_or("GET").to_string(),
                url: format!(
                    "{}://{}{}",
                    proto.trim().to_ascii_lowercase(),
                    host.trim(),
                    self.forwarded_uri.unwrap_or("/")
                ),
            },
            _ => own,
        }
    }
}

/// `Remote-Groups`: the organization's name, then the role.
pub fn groups(organization: Option<&str>, role: Role) -> String {
    match organization {
        Some(org) => format!("{org},{}", role.as_str()),
        None => role.as_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTAL: &str = "https://portal.example.org";

    #[test]
    fn origins_are_normalised_and_nothing_else_is_one() {
        let ok = |t: &str| AppOrigin::parse(t, false).map(|o| o.0);
        assert_eq!(ok("https://Portal.Example.org/").unwrap(), PORTAL);
        assert_eq!(ok("https://portal.example.org:443").unwrap(), PORTAL);
        assert_eq!(
            ok("https://portal.example.org:8443").unwrap(),
            "https://portal.example.org:8443"
        );
        assert_eq!(
            ok("http://127.0.0.1:9000").unwrap(),
            "http://127.0.0.1:9000"
        );
        for bad in [
            "portal.example.org",
            "https://portal.example.org/app",
            "https://portal.example.org/?x=1",
            "https://portal.example.org/#top",
            "https://user@portal.example.org",
            "ftp://portal.example.org",
            "javascript:alert(1)",
            "https://",
            "",
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            ok("http://portal.example.org"),
            Err(AppProblem::NotHttps(_))
        ));
        assert!(AppOrigin::parse("http://portal.example.org", true).is_ok());
    }

    /// OWASP ASVS 5.0 V3.7.2 (redirects only to an allow list): `rd` is followed to a
    /// registered origin only, whatever the spelling of the trick.
    #[test]
    fn asvs_3_7_2_a_return_address_must_be_on_a_registered_origin() {
        let back = |rd: &str| return_address(rd, [PORTAL, "http://127.0.0.1:9000"]);
        assert_eq!(
            back("https://portal.example.org/records/42?x=1&y=2").as_deref(),
            Some("https://portal.example.org/records/42?x=1&y=2")
        );
        assert_eq!(
            back("HTTPS://PORTAL.example.org/a").as_deref(),
            Some("https://portal.example.org/a")
        );
        assert!(back("http://127.0.0.1:9000/").is_some());
        for trick in [
            "https://evil.example.net/",
            "https://portal.example.org.evil.net/",
            "https://portal.example.org@evil.net/",
            "http://portal.example.org@evil.net/",
            "https://user:pass@portal.example.org/",
            "//evil.example.net/",
            "/\\evil.example.net",
            "https:\\\\evil.example.net",
            "https:/\\evil.example.net/",
            "javascript:alert(1)",
            "JavaScript://portal.example.org/%0aalert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https://portal.example.org%2eevil.net/",
            "https://portal.example.org%40evil.net/",
            "https://evil.net%2f@portal.example.org/",
            "https://portal.example.org\t.evil.net/",
            " https://portal.example.org/",
            "http://portal.example.org/",
            "https://portal.example.org:444/",
            "/records",
            "",
        ] {
            assert_eq!(back(trick), None, "{trick}");
        }
    }

    /// OWASP ASVS 5.0 V4.1.3 (headers set by intermediaries are not trusted from the client):
    /// only a trusted proxy names the original request.
    #[test]
    fn the_original_request_comes_from_a_trusted_proxy_only() {
        let headers = ProxyHeaders {
            original_url: Some("https://portal.example.org/records?x=1"),
            original_method: Some("POST"),
            own_method: "GET",
            own_host: "auth.example.org",
            own_path: "/authz/auth-request",
            own_scheme: "https",
            ..Default::default()
        };
        assert_eq!(
            headers.original(true),
            OriginalRequest {
                method: "POST".into(),
                url: "https://portal.example.org/records?x=1".into()
            }
        );
        assert_eq!(
            headers.original(false).url,
            "https://auth.example.org/authz/auth-request"
        );
        let caddy = ProxyHeaders {
            forwarded_method: Some("PUT"),
            forwarded_proto: Some("https"),
            forwarded_host: Some("portal.example.org"),
            forwarded_uri: Some("/records/7"),
            own_method: "GET",
            own_host: "auth.example.org",
            own_path: "/authz/forward-auth",
            own_scheme: "https",
            ..Default::default()
        };
        assert_eq!(
            caddy.original(true),
            OriginalRequest {
                method: "PUT".into(),
                url: "https://portal.example.org/records/7".into()
            }
        );
        assert_eq!(caddy.original(false).method, "GET");
    }

    #[test]
    fn groups_name_the_organization_then_the_role() {
        assert_eq!(groups(Some("Clinic A"), Role::User), "Clinic A,user");
        assert_eq!(groups(None, Role::SystemAdmin), "system-admin");
    }
}
