//! A relying party built on an independent library (the `openidconnect` crate), as a
//! portal behind Tessera would use it: it knows only the issuer URL, its client id and
//! secret, and finds everything else through discovery.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata, CoreTokenResponse,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessToken, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, Scope, TokenResponse,
};

use crate::helpers::TestApp;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The relying party's own HTTP: no cookies, no redirects followed (RFC 6749 §5).
/// The relying party's own HTTP for `openidconnect`: no cookies, no redirects followed
/// (RFC 6749 §5).
async fn http(
    request: HttpRequest,
) -> Result<HttpResponse, tessera::flows::staff_sign_in::HttpError> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    tessera::flows::staff_sign_in::send(client, request).await
}

pub struct RelyingParty {
    pub client: Client,
    pub client_id: String,
    pub secret: Option<String>,
    pub redirect_uri: String,
}

/// One authorization request the relying party started: what it keeps to check the answer.
pub struct Started {
    pub url: String,
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub verifier: PkceCodeVerifier,
}

impl RelyingParty {
    /// Discovery from the issuer URL alone, then the registered client.
    pub async fn discover(
        app: &TestApp,
        client_id: &str,
        secret: Option<&str>,
        redirect_uri: &str,
    ) -> Self {
        // The signing keys `tessera serve` makes at start (the test app does not run serve).
        tessera::flows::signing_keys::ensure(&app.app)
            .await
            .unwrap();
        let issuer = IssuerUrl::new(app.url.clone()).unwrap();
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .expect("discovery and the key set");
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(client_id.into()),
            secret.map(|s| ClientSecret::new(s.into())),
        )
        .set_redirect_uri(RedirectUrl::new(redirect_uri.into()).unwrap());
        Self {
            client,
            client_id: client_id.into(),
            secret: secret.map(str::to_string),
            redirect_uri: redirect_uri.into(),
        }
    }

    /// An authorization request with PKCE (S256), a state and a nonce.
    pub fn start(&self, scopes: &[&str]) -> Started {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in scopes {
            request = request.add_scope(Scope::new(scope.to_string()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Started {
            url: url.to_string(),
            state,
            nonce,
            verifier,
        }
    }

    /// The code from the authorization response, after checking `state` and `iss`.
    pub fn code_from(&self, app: &TestApp, started: &Started, response: &str) -> String {
        let url = url::Url::parse(response).unwrap();
        assert!(
            response.starts_with(&self.redirect_uri),
            "answered at {response}"
        );
        let param = |name: &str| {
            url.query_pairs()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(param("error"), None, "{response}");
        assert_eq!(
            param("state").as_deref(),
            Some(started.state.secret().as_str())
        );
        assert_eq!(param("iss").as_deref(), Some(app.url.as_str()), "RFC 9207");
        param("code").expect("a code")
    }

    /// The token endpoint, with the PKCE verifier.
    pub async fn exchange(
        &self,
        code: &str,
        verifier: PkceCodeVerifier,
    ) -> Result<CoreTokenResponse, String> {
        self.client
            .exchange_code(AuthorizationCode::new(code.into()))
            .expect("a token endpoint")
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .map_err(|e| format!("{e:?}"))
    }

    /// The ID token's claims, checked as the library checks them: signature with the
    /// published key, issuer, audience, expiry, nonce, and the access token's hash.
    pub fn verified_claims(&self, tokens: &CoreTokenResponse, nonce: &Nonce) -> CoreIdTokenClaims {
        let id_token = tokens.id_token().expect("an ID token");
        let verifier = self.client.id_token_verifier();
        let claims = id_token.claims(&verifier, nonce).expect("a valid ID token");
        let expected = openidconnect::AccessTokenHash::from_token(
            tokens.access_token(),
            id_token.signing_alg().unwrap(),
            id_token.signing_key(&verifier).unwrap(),
        )
        .unwrap();
        assert_eq!(claims.access_token_hash(), Some(&expected), "at_hash");
        claims.clone()
    }

    /// The code exchanged with the request's verifier, and the ID token's claims as checked.
    pub async fn claims_for(
        &self,
        code: &str,
        started: Started,
    ) -> (CoreTokenResponse, CoreIdTokenClaims) {
        let tokens = self.exchange(code, started.verifier).await.expect("tokens");
        let claims = self.verified_claims(&tokens, &started.nonce);
        (tokens, claims)
    }

    pub async fn userinfo(&self, access: &AccessToken) -> Result<CoreUserInfoClaims, String> {
        self.client
            .user_info(access.clone(), None)
            .expect("a userinfo endpoint")
            .request_async(&http)
            .await
            .map_err(|e| format!("{e:?}"))
    }

    pub async fn refresh(&self, token: &RefreshToken) -> Result<CoreTokenResponse, String> {
        self.client
            .exchange_refresh_token(token)
            .expect("a token endpoint")
            .request_async(&http)
            .await
            .map_err(|e| format!("{e:?}"))
    }
}
