//! The applications that sign people in through Tessera (OpenID Connect clients, issue 13):
//! what a registration must hold before anything is stored. Redirect URIs are matched exactly
//! later, so they are checked strictly now (RFC 6749 §3.1.2; OAuth 2.0 Security BCP §4.1).

use super::jose::SigningAlg;
use crate::i18n::{say, say_with};

/// Where a client may send people back to, or be told of a logout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientUri(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientUriProblem {
    #[error("{}", say_with("client-uri-not-absolute", &[("uri", format!("{:?}", .0).into())]))]
    NotAbsolute(String),
    #[error("{}", say_with("client-uri-fragment", &[("uri", format!("{:?}", .0).into())]))]
    Fragment(String),
    #[error("{}", say_with("client-uri-not-https", &[("uri", format!("{:?}", .0).into())]))]
    NotHttps(String),
    #[error("{}", say_with("client-uri-credentials", &[("uri", format!("{:?}", .0).into())]))]
    Credentials(String),
}

impl ClientUri {
    /// An absolute `https` URL without fragment or credentials; `http` only on a loopback
    /// host, or anywhere when the portal itself is served over `http` (development).
    pub fn parse(text: &str, portal_is_http: bool) -> Result<Self, ClientUriProblem> {
        let text = text.trim();
        let url = url::Url::parse(text)
            .ok()
            .filter(|u| u.has_host())
            .ok_or_else(|| ClientUriProblem::NotAbsolute(text.to_string()))?;
        if url.fragment().is_some() || text.contains('#') {
            return Err(ClientUriProblem::Fragment(text.to_string()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ClientUriProblem::Credentials(text.to_string()));
        }
        let loopback = matches!(url.host(), Some(url::Host::Domain("localhost")))
            || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if loopback || portal_is_http => {}
            _ => return Err(ClientUriProblem::NotHttps(text.to_string())),
        }
        // Kept as typed (trimmed): matching is exact, character for character.
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_enum!(
    /// What a client URI is for.
    UriPurpose {
        /// Where the authorization response goes.
        Redirect => "redirect",
        /// Where RP-initiated logout may return.
        PostLogout => "post-logout",
        /// Where back-channel logout tokens are posted.
        BackchannelLogout => "backchannel-logout",
        /// Where the application starts its own sign-in: the link on people's home pages
        /// (like OpenID Connect Registration's `initiate_login_uri`).
        Start => "start",
    }
);

/// A client as an administrator registers it.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    /// Confidential clients hold a secret; public ones (native and browser apps) cannot and
    /// must use PKCE.
    pub public: bool,
    /// Only this organization's people may use it (None: everyone's).
    pub org_id: Option<i64>,
    pub id_token_alg: SigningAlg,
    pub uris: Vec<(UriPurpose, ClientUri)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientProblem {
    #[error("{}", say("client-problem-name"))]
    Name,
    #[error("{}", say("client-problem-no-redirect"))]
    NoRedirect,
    #[error("{}", say("client-problem-several-backchannel"))]
    SeveralBackchannel,
    #[error("{}", say("client-problem-several-start"))]
    SeveralStart,
    #[error("{0}")]
    Uri(#[from] ClientUriProblem),
}

impl NewClient {
    /// Checks a registration: a name, at least one redirect URI, every URI valid, at most one
    /// back-channel logout URI. Duplicate URIs are kept once.
    pub fn parse(
        name: &str,
        public: bool,
        org_id: Option<i64>,
        id_token_alg: SigningAlg,
        uris: &[(UriPurpose, &str)],
        portal_is_http: bool,
    ) -> Result<Self, ClientProblem> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(ClientProblem::Name);
        }
        Ok(Self {
            name: name.to_string(),
            public,
            org_id,
            id_token_alg,
            uris: parse_uris(uris, portal_is_http)?,
        })
    }
}

/// A client's whole set of URIs, as registered or as replaced later: every URI valid, at
/// least one redirect URI, at most one back-channel logout URI. Duplicates are kept once.
pub fn parse_uris(
    uris: &[(UriPurpose, &str)],
    portal_is_http: bool,
) -> Result<Vec<(UriPurpose, ClientUri)>, ClientProblem> {
    let mut parsed: Vec<(UriPurpose, ClientUri)> = Vec::new();
    for (purpose, text) in uris {
        let uri = ClientUri::parse(text, portal_is_http)?;
        if !parsed.iter().any(|(p, u)| p == purpose && *u == uri) {
            parsed.push((*purpose, uri));
        }
    }
    let count = |purpose| parsed.iter().filter(|(p, _)| *p == purpose).count();
    if count(UriPurpose::Redirect) == 0 {
        return Err(ClientProblem::NoRedirect);
    }
    if count(UriPurpose::BackchannelLogout) > 1 {
        return Err(ClientProblem::SeveralBackchannel);
    }
    if count(UriPurpose::Start) > 1 {
        return Err(ClientProblem::SeveralStart);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted_as_typed() {
        for ok in [
            "https://portal.example.org/callback",
            "https://portal.example.org:8443/cb?tenant=a",
            "http://127.0.0.1:9000/cb",
            "http://localhost/cb",
            "http://[::1]:8080/cb",
        ] {
            assert_eq!(ClientUri::parse(ok, false).unwrap().as_str(), ok);
        }
        assert!(ClientUri::parse("http://portal.example.org/cb", true).is_ok());
    }

    #[test]
    fn fragments_credentials_relative_and_plain_http_are_refused() {
        use ClientUriProblem::*;
        let refused = |text: &str| ClientUri::parse(text, false).unwrap_err();
        assert!(matches!(refused("https://p.example.org/cb#x"), Fragment(_)));
        assert!(matches!(refused("https://p.example.org/cb#"), Fragment(_)));
        assert!(matches!(
            refused("https://u:p@p.example.org/cb"),
            Credentials(_)
        ));
        assert!(matches!(refused("/callback"), NotAbsolute(_)));
        assert!(matches!(refused("javascript:alert(1)"), NotAbsolute(_)));
        assert!(matches!(
            refused("http://portal.example.org/cb"),
            NotHttps(_)
        ));
        assert!(matches!(
            refused("ftp://portal.example.org/cb"),
            NotHttps(_)
        ));
        assert!(matches!(
            refused("http://127.0.0.1.evil.example/cb"),
            NotHttps(_)
        ));
    }

    #[test]
    fn a_client_needs_a_name_and_a_redirect_uri() {
        let parse = |name: &str, uris: &[(UriPurpose, &str)]| {
            NewClient::parse(name, false, None, SigningAlg::Rs256, uris, false)
        };
        let redirect = (UriPurpose::Redirect, "https://p.example.org/cb");
        assert_eq!(parse(" ", &[redirect]).unwrap_err(), ClientProblem::Name);
        assert_eq!(
            parse(
                "Portal",
                &[(UriPurpose::PostLogout, "https://p.example.org/")]
            )
            .unwrap_err(),
            ClientProblem::NoRedirect
        );
        let backchannel = |path: &'static str| (UriPurpose::BackchannelLogout, path);
        assert_eq!(
            parse(
                "Portal",
                &[
                    redirect,
                    backchannel("https://p.example.org/a"),
                    backchannel("https://p.example.org/b")
                ]
            )
            .unwrap_err(),
            ClientProblem::SeveralBackchannel
        );
        let client = parse("Portal", &[redirect, redirect]).unwrap();
        assert_eq!(client.uris.len(), 1, "a URI given twice is kept once");
    }

    #[test]
    fn a_replaced_set_of_uris_follows_the_registrations_rules() {
        let post_logout = (UriPurpose::PostLogout, "https://p.example.org/");
        assert_eq!(
            parse_uris(&[post_logout], false).unwrap_err(),
            ClientProblem::NoRedirect
        );
        assert!(matches!(
            parse_uris(&[(UriPurpose::Redirect, "https://p.example.org/#x")], false),
            Err(ClientProblem::Uri(ClientUriProblem::Fragment(_)))
        ));
        let set = parse_uris(
            &[(UriPurpose::Redirect, " https://p.example.org/cb ")],
            false,
        );
        assert_eq!(set.unwrap()[0].1.as_str(), "https://p.example.org/cb");
    }
}
