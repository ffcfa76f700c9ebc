//! The OpenID Connect authorization request (issue 13): what a client may ask, checked before
//! anything is stored, and where each refusal goes. An unknown client or a redirect URI it
//! did not register is answered on Tessera's own page and never by a redirect (RFC 6749
//! §4.1.2.1, OIDC Core §3.1.2.6): sending a person to an unverified address would make
//! Tessera an open redirector. Every other problem goes back to the client's registered URI
//! with `error`, `state` and `iss` (RFC 9207).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The scopes Tessera knows (PRODUCT.md); others are ignored, as OIDC Core §3.1.2.1 allows.
pub const SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// What the client's registration says, as the check needs it.
#[derive(Debug, Clone)]
pub struct ClientFacts<'a> {
    pub public: bool,
    pub redirect_uris: &'a [String],
    pub disabled: bool,
}

/// A request that may proceed: kept server-side until the person has signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub redirect_uri: String,
    /// The known scopes asked for, `openid` first, each once.
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// `acr_values` names `phr`: the client asks for a phishing-resistant sign-in (a
    /// passkey). Other values are voluntary and ignored (OIDC Core §3.1.2.1).
    pub phishing_resistant: bool,
}

/// What `prompt` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prompt {
    #[default]
    Default,
    /// Answer at once: `login_required` when nobody is signed in.
    None,
    /// Sign in again, whoever is signed in.
    Login,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Shown on Tessera's page: the client or the return address cannot be trusted.
    NotRedirectable(&'static str),
    /// Sent back to the client's registered redirect URI.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: &'static str,
        state: Option<String>,
    },
}

text_enum!(
    /// What a stored token is.
    TokenKind {
        /// An authorization code: exchanged once, within a minute.
        Code => "code",
        /// An access token: read by userinfo and introspection.
        Access => "access",
        /// A refresh token: used once, replaced by the next.
        Refresh => "refresh",
    }
);

/// Checks an authorization request's parameters (already decoded; a parameter given twice is
/// refused by the caller, RFC 6749 §3.1) against the client's registration.
pub fn check(
    param: impl Fn(&str) -> Option<String>,
    client: Option<&ClientFacts<'_>>,
) -> Result<AuthorizationRequest, Refusal> {
    let Some(client) = client else {
        return Err(Refusal::NotRedirectable(
            "The application that sent you here is not registered with this sign-in service.",
        ));
    };
    let redirect_uri = match param("redirect_uri") {
        // Exactly as registered: no prefix, no normalising (OAuth 2.0 Security BCP §4.1.3).
        Some(uri) if client.redirect_uris.contains(&uri) => uri,
        Some(_) => {
            return Err(Refusal::NotRedirectable(
                "The address the application asked to return to is not registered for it.",
            ));
        }
        // OIDC Core makes redirect_uri required.
        None => {
            return Err(Refusal::NotRedirectable(
                "The application did not say where to return to.",
            ));
        }
    };
    let state = param("state");
    let refuse = |error, description| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description,
        state: state.clone(),
    };
    if client.disabled {
        return Err(refuse(
            "unauthorized_client",
            "this application is disabled",
        ));
    }
    match param("response_type").as_deref() {
        Some("code") => {}
        Some(_) => {
            return Err(refuse(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
        None => return Err(refuse("invalid_request", "response_type is required")),
    }
    let asked = param("scope").unwrap_or_default();
    let asked: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
    if !asked.contains(&"openid") {
        return Err(refuse("invalid_scope", "the openid scope is required"));
    }
    let scopes = SCOPES
        .iter()
        .filter(|s| asked.contains(s))
        .map(|s| s.to_string())
        .collect();
    let code_challenge = match (
        param("code_challenge"),
        param("code_challenge_method").as_deref(),
    ) {
        (Some(challenge), Some("S256")) if is_s256_challenge(&challenge) => Some(challenge),
        (Some(_), Some("S256")) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge must be 43 base64url characters (S256)",
            ));
        }
        (Some(_), _) => {
            return Err(refuse(
                "invalid_request",
                "code_challenge_method must be S256; plain is not accepted",
            ));
        }
        (None, Some(_)) => {
            return Err(refuse("invalid_request", "code_challenge is missing"));
        }
        (None, None) if client.public => {
            return Err(refuse(
                "invalid_request",
                "a public client must use PKCE (code_challenge with S256)",
            ));
        }
        (None, None) => None,
    };
    let prompt = match param("prompt").as_deref() {
        None | Some("") => Prompt::Default,
        Some("none") => Prompt::None,
        Some("login") => Prompt::Login,
        // `consent` and `select_account`: first-party clients, one account per browser.
        Some("consent") | Some("select_account") => Prompt::Default,
        Some(_) => return Err(refuse("invalid_request", "prompt is not understood")),
    };
    let max_age = match param("max_age") {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(secs) if secs >= 0 => Some(secs),
            _ => {
                return Err(refuse(
                    "invalid_request",
                    "max_age must be a number of seconds",
                ));
            }
        },
    };
    if param("request").is_some() || param("request_uri").is_some() {
        return Err(refuse(
            "request_not_supported",
            "request objects are not supported",
        ));
    }
    let bounded = |name: &str| param(name).filter(|v| v.len() <= 512 && !v.is_empty());
    Ok(AuthorizationRequest {
        redirect_uri,
        scopes,
        state,
        nonce: bounded("nonce"),
        code_challenge,
        prompt,
        max_age,
        login_hint: bounded("login_hint"),
        phishing_resistant: param("acr_values").is_some_and(|values| {
            values
                .split(' ')
                .any(|v| v == super::session::PHISHING_RESISTANT)
        }),
    })
}

/// RFC 7636 §4.2: `BASE64URL(SHA256(verifier)) == challenge`. The verifier must be 43 to 128
/// unreserved characters (§4.1).
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let valid = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    valid && {
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        subtle::ConstantTimeEq::ct_eq(computed.as_bytes(), challenge.as_bytes()).into()
    }
}

fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const REDIRECT: &str = "https://portal.example.org/callback";
    /// RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn client(public: bool) -> (bool, Vec<String>) {
        (public, vec![REDIRECT.to_string()])
    }

    fn run(pairs: &[(&str, &str)], public: bool) -> Result<AuthorizationRequest, Refusal> {
        let params: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (public, uris) = client(public);
        let facts = ClientFacts {
            public,
            redirect_uris: &uris,
            disabled: false,
        };
        check(|name| params.get(name).cloned(), Some(&facts))
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid email unknown"),
            ("state", "s1"),
            ("nonce", "n1"),
        ]
    }

    fn error_of(result: Result<AuthorizationRequest, Refusal>) -> &'static str {
        match result {
            Err(Refusal::Redirect { error, state, .. }) => {
                assert_eq!(state.as_deref(), Some("s1"), "state goes back");
                error
            }
            other => panic!("expected a redirected refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_pkce_example_of_rfc_7636_matches_and_nothing_else_does() {
        assert!(pkce_matches(VERIFIER, CHALLENGE));
        assert!(!pkce_matches(
            VERIFIER,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_matches("short", CHALLENGE));
        assert!(!pkce_matches(&format!("{VERIFIER} "), CHALLENGE));
    }

    #[test]
    fn a_good_request_keeps_the_known_scopes_and_its_values() {
        let request = run(&good(), false).unwrap();
        assert_eq!(request.scopes, vec!["openid", "email"]);
        assert_eq!(request.state.as_deref(), Some("s1"));
        assert_eq!(request.nonce.as_deref(), Some("n1"));
        assert_eq!(request.prompt, Prompt::Default);
    }

    #[test]
    fn an_unknown_client_or_an_unregistered_return_address_is_never_redirected_to() {
        let params: HashMap<String, String> = HashMap::new();
        assert!(matches!(
            check(|n| params.get(n).cloned(), None),
            Err(Refusal::NotRedirectable(_))
        ));
        for uri in [
            "https://portal.example.org/callback/",
            "https://portal.example.org/callback?x=1",
            "https://evil.example/callback",
            "https://portal.example.org/CALLBACK",
        ] {
            let mut pairs = good();
            pairs[1] = ("redirect_uri", uri);
            assert!(
                matches!(run(&pairs, false), Err(Refusal::NotRedirectable(_))),
                "{uri}"
            );
        }
        let mut pairs = good();
        pairs.remove(1);
        assert!(matches!(
            run(&pairs, false),
            Err(Refusal::NotRedirectable(_))
        ));
    }

    #[test]
    fn other_problems_go_back_to_the_client_with_their_error_code() {
        let with = |name: &'static str, value: &'static str| {
            let mut pairs = good();
            pairs.retain(|(n, _)| *n != name);
            if !value.is_empty() {
                pairs.push((name, value));
            }
            pairs
        };
        for (name, value, error) in [
            ("response_type", "token", "unsupported_response_type"),
            ("response_type", "", "invalid_request"),
            ("scope", "profile email", "invalid_scope"),
            ("prompt", "sometimes", "invalid_request"),
            ("max_age", "-1", "invalid_request"),
            ("request", "eyJ...", "request_not_supported"),
        ] {
            assert_eq!(
                error_of(run(&with(name, value), false)),
                error,
                "{name}={value}"
            );
        }
        let mut plain = good();
        plain.push(("code_challenge", VERIFIER));
        plain.push(("code_challenge_method", "plain"));
        assert_eq!(
            error_of(run(&plain, false)),
            "invalid_request",
            "plain PKCE"
        );
        let mut no_method = good();
        no_method.push(("code_challenge", CHALLENGE));
        assert_eq!(error_of(run(&no_method, false)), "invalid_request");
    }

    #[test]
    fn a_public_client_must_use_pkce_and_a_confidential_one_may() {
        assert_eq!(error_of(run(&good(), true)), "invalid_request");
        let mut pkce = good();
        pkce.push(("code_challenge", CHALLENGE));
        pkce.push(("code_challenge_method", "S256"));
        assert_eq!(
            run(&pkce, true).unwrap().code_challenge.as_deref(),
            Some(CHALLENGE)
        );
        assert_eq!(run(&good(), false).unwrap().code_challenge, None);
    }

    #[test]
    fn prompt_and_max_age_are_read() {
        let mut pairs = good();
        pairs.push(("prompt", "login"));
        pairs.push(("max_age", "300"));
        let request = run(&pairs, false).unwrap();
        assert_eq!(
            (request.prompt, request.max_age),
            (Prompt::Login, Some(300))
        );
    }
}
