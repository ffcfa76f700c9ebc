//! A company's identity provider for the staff sign-in tests: the npm package `oidc-provider`
//! (a certified OpenID Connect implementation), run by Node from tests/upstream-idp/provider.mjs
//! on a loopback port. Its login page has a **Username** field (an account's `sub` or email, no
//! password) and a **Sign in** button; consent is granted without a screen.
//!
//! ```ignore
//! let idp = UpstreamIdp::start(serde_json::json!({
//!     "client": { "client_id": "tessera", "client_secret": "…", "redirect_uris": ["http://…/cb"] },
//!     "accounts": [{ "sub": "alice", "email": "alice@corp.example", "email_verified": true,
//!                    "name": "Alice", "amr": ["pwd", "mfa"] }],
//!     "tamper_id_token": null,   // or "signature" | "audience" | "expired" | "issuer" | "nonce"
//!     "slow_token_ms": 0,        // the token endpoint answers this late
//! })).await;
//! idp.issuer // "http://127.0.0.1:PORT"
//! idp.rotate_key().await;   // a new signing key (new kid), the old one gone from the JWKS
//! idp.reads().await         // (discovery reads, JWKS reads) so far
//! ```
//!
//! The self-tests below prove the harness: discovery, a whole code flow with PKCE verified by the
//! `openidconnect` crate, and each broken ID token refused by it.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, HttpRequest,
    HttpResponse, IssuerUrl, Nonce, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

/// The provider's process (killed with its process group when dropped) and its issuer URL.
pub(crate) struct UpstreamIdp {
    pub(crate) issuer: String,
    child: Child,
    // Held open: the provider exits when its stdin closes, should this process die unannounced.
    _stdin: ChildStdin,
}

impl Drop for UpstreamIdp {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl UpstreamIdp {
    /// Starts the provider on a free loopback port with this configuration (the shape is in the
    /// module's documentation) and waits until it listens.
    pub(crate) async fn start(config: serde_json::Value) -> Self {
        // reqwest's rustls needs its crypto provider (for https; the provider is plain http).
        tessera::crypto::install_tls_provider();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/upstream-idp");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the upstream identity provider's packages are not installed: run \
             `npm ci --prefix tests/upstream-idp` (./scripts/test does)"
        );
        // Once in a full run on two busy cores, a start never announced itself; a second
        // start is tried before the test fails (and the first one is killed).
        for attempt in 1..=2 {
            if let Some(idp) = Self::launch(&dir, &config).await {
                return idp;
            }
            eprintln!("the upstream identity provider did not start in 30 s (attempt {attempt})");
        }
        panic!("the upstream identity provider was not ready within two tries of 30 s");
    }

    /// One start: the provider, once it says it listens; None when it did not within 30 s.
    async fn launch(dir: &std::path::Path, config: &serde_json::Value) -> Option<Self> {
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .arg("0")
            .env("UPSTREAM_CONFIG", config.to_string())
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect(
                "node is not installed: run `apt-get install -y nodejs npm` (./scripts/test does)",
            );
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (ready, issuer) = tokio::sync::oneshot::channel();
        // Reads the READY line, then drains stdout for the provider's life.
        std::thread::spawn(move || {
            let mut ready = Some(ready);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(issuer) = line.strip_prefix("READY ")
                    && let Some(ready) = ready.take()
                {
                    let _ = ready.send(issuer.trim().to_string());
                }
            }
        });
        let mut idp = Self {
            issuer: String::new(),
            child,
            _stdin: stdin,
        };
        match tokio::time::timeout(Duration::from_secs(30), issuer).await {
            Ok(Ok(issuer)) => idp.issuer = issuer,
            Ok(Err(_)) => panic!(
                "the upstream identity provider exited before it was ready ({:?}); its errors are \
                 above (missing packages: run `npm ci --prefix tests/upstream-idp`)",
                idp.child.try_wait()
            ),
            // Dropped here: killed with its process group.
            Err(_) => return None,
        }
        Some(idp)
    }

    /// Changes the refusal knobs of the running provider: `tamper_id_token`, `slow_token_ms`.
    pub(crate) async fn set_knobs(&self, knobs: serde_json::Value) {
        let response = reqwest::Client::new()
            .put(format!("{}/test-control", self.issuer))
            .json(&knobs)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204, "setting the knobs {knobs}");
    }

    /// Retires the provider's signing key for a new one with a new `kid`, as a provider's key
    /// rotation does: the JWKS lists only the new key, and ID tokens are signed with it.
    pub(crate) async fn rotate_key(&self) {
        self.set_knobs(serde_json::json!({ "rotate_key": true }))
            .await;
    }

    /// How often the discovery document and the JWKS have been read: (discovery, JWKS).
    pub(crate) async fn reads(&self) -> (u64, u64) {
        let reads: serde_json::Value = reqwest::get(format!("{}/test-control", self.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            reads["discovery_reads"].as_u64().unwrap(),
            reads["jwks_reads"].as_u64().unwrap(),
        )
    }

    /// A user agent for [`Self::sign_in`]: cookies kept (the provider's session), redirects not
    /// followed.
    pub(crate) fn browser() -> reqwest::Client {
        tessera::crypto::install_tls_provider();
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Goes from an authorization URL of this provider to the redirect back to the relying
    /// party, signing in as `username` (a `sub` or an email) at the login form if it is shown.
    /// Returns that redirect's URL (`redirect_uri?code=…&state=…&iss=…`, or an error).
    pub(crate) async fn sign_in(
        &self,
        browser: &reqwest::Client,
        authorization_url: &str,
        username: &str,
    ) -> String {
        let mut url = url::Url::parse(authorization_url).unwrap();
        let mut response = browser.get(url.clone()).send().await.unwrap();
        for _ in 0..10 {
            if response.status().is_redirection() {
                let location = response.headers()["location"].to_str().unwrap();
                url = url.join(location).unwrap();
                if !url.as_str().starts_with(&format!("{}/", self.issuer)) {
                    return url.into();
                }
                response = browser.get(url.clone()).send().await.unwrap();
                continue;
            }
            let status = response.status();
            let body = response.text().await.unwrap();
            let action = scraper::Html::parse_document(&body)
                .select(&scraper::Selector::parse("form[method=post]").unwrap())
                .next()
                .and_then(|form| form.attr("action").map(str::to_string));
            let (true, Some(action)) =
                (status == 200 && body.contains(">Username</label>"), action)
            else {
                panic!("the upstream provider answered {status} at {url}:\n{body}");
            };
            url = url.join(&action).unwrap();
            response = browser
                .post(url.clone())
                .form(&[("username", username)])
                .send()
                .await
                .unwrap();
        }
        panic!("the upstream provider kept redirecting (last at {url})");
    }
}

/// A configuration with a client `tessera` and three accounts: alice (a second factor upstream),
/// bob (a password only), carol (an unverified email).
pub(crate) fn example_config(redirect_uri: &str) -> serde_json::Value {
    serde_json::json!({
        "client": {
            "client_id": "tessera",
            "client_secret": "upstream-client-secret",
            "redirect_uris": [redirect_uri],
        },
        "accounts": [
            { "sub": "alice-0001", "email": "alice@corp.example", "email_verified": true,
              "name": "Alice Example", "amr": ["pwd", "mfa"] },
            { "sub": "bob-0002", "email": "bob@corp.example", "email_verified": true,
              "name": "Bob Example", "amr": ["pwd"] },
            { "sub": "carol-0003", "email": "carol@corp.example", "email_verified": false,
              "name": "Carol Example", "amr": ["pwd"] },
        ],
    })
}

// ---------------------------------------------------------------------------------------------
// Self-tests: a relying party on the `openidconnect` crate against the harness.

const REDIRECT_URI: &str = "http://127.0.0.1:9/staff/callback";

/// The relying party's own HTTP for `openidconnect`: no cookies, no redirects followed
/// (RFC 6749 §5).
async fn http(
    request: HttpRequest,
) -> Result<HttpResponse, tessera::flows::staff_sign_in::HttpError> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    tessera::flows::staff_sign_in::send(client, request).await
}

/// Discovery, a code flow with PKCE, state and nonce signed in as `username`, the code exchanged
/// with client_secret_basic; then the ID token's verification (signature, issuer, audience,
/// expiry, nonce). Errors: the token request's, or the verifier's refusal (`Debug`).
async fn code_flow(idp: &UpstreamIdp, username: &str) -> Result<CoreIdTokenClaims, String> {
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(idp.issuer.clone()).unwrap(), &http)
            .await
            .expect("discovery and the key set");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("tessera".into()),
        Some(ClientSecret::new("upstream-client-secret".into())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    let back = idp
        .sign_in(&UpstreamIdp::browser(), url.as_str(), username)
        .await;
    let back = url::Url::parse(&back).unwrap();
    assert!(back.as_str().starts_with(REDIRECT_URI), "{back}");
    let param = |name: &str| {
        back.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no {name} in {back}"))
    };
    assert_eq!(&param("state"), state.secret());
    assert_eq!(param("iss"), idp.issuer);

    let tokens = client
        .exchange_code(AuthorizationCode::new(param("code")))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .map_err(|e| format!("token request: {e:?}"))?;
    let id_token = tokens.id_token().expect("an ID token");
    id_token
        .claims(&client.id_token_verifier(), &nonce)
        .cloned()
        .map_err(|e: ClaimsVerificationError| format!("{e:?}"))
}

fn amr_of(claims: &CoreIdTokenClaims) -> Vec<String> {
    claims
        .auth_method_refs()
        .expect("amr")
        .iter()
        .map(|a| a.as_str().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_idp_answers_discovery_with_its_issuer() {
    let idp = UpstreamIdp::start(example_config(REDIRECT_URI)).await;
    assert!(
        idp.issuer.starts_with("http://127.0.0.1:"),
        "{}",
        idp.issuer
    );
    let doc: serde_json::Value =
        reqwest::get(format!("{}/.well-known/openid-configuration", idp.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(doc["issuer"], idp.issuer.as_str());
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(
        doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&"client_secret_basic".into()),
        "{doc}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_idp_signs_in_with_code_and_pkce_and_its_id_token_verifies() {
    let idp = UpstreamIdp::start(example_config(REDIRECT_URI)).await;

    // By sub, with a second factor upstream.
    let alice = code_flow(&idp, "alice-0001")
        .await
        .expect("a valid ID token");
    assert_eq!(alice.issuer().as_str(), idp.issuer);
    assert_eq!(alice.subject().as_str(), "alice-0001");
    assert_eq!(alice.email().unwrap().as_str(), "alice@corp.example");
    assert_eq!(alice.email_verified(), Some(true));
    let name = alice.name().unwrap().get(None).unwrap();
    assert_eq!(name.as_str(), "Alice Example");
    assert_eq!(amr_of(&alice), ["pwd", "mfa"]);

    // By email, a password only; and an unverified address said so.
    let bob = code_flow(&idp, "bob@corp.example").await.unwrap();
    assert_eq!(bob.subject().as_str(), "bob-0002");
    assert_eq!(amr_of(&bob), ["pwd"]);
    let carol = code_flow(&idp, "carol@corp.example").await.unwrap();
    assert_eq!(carol.email_verified(), Some(false));

    // PKCE is required: an authorization request without it is refused, back at the client.
    let browser = UpstreamIdp::browser();
    let url = format!(
        "{}/auth?client_id=tessera&response_type=code&scope=openid&state=s&nonce=n&redirect_uri={}",
        idp.issuer, REDIRECT_URI
    );
    let back = idp.sign_in(&browser, &url, "alice-0001").await;
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    assert!(back.contains("error=invalid_request"), "{back}");
    assert!(back.contains("PKCE"), "{back}");
    assert!(!back.contains("code="), "{back}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_idp_broken_id_tokens_are_refused_by_the_verifier() {
    let idp = UpstreamIdp::start(example_config(REDIRECT_URI)).await;
    for (mode, refused) in [
        ("signature", "SignatureVerification"),
        ("audience", "InvalidAudience"),
        ("expired", "Expired"),
        ("issuer", "InvalidIssuer"),
        ("nonce", "InvalidNonce"),
    ] {
        idp.set_knobs(serde_json::json!({ "tamper_id_token": mode }))
            .await;
        let error = code_flow(&idp, "alice-0001")
            .await
            .expect_err(&format!("a {mode} tampered ID token must be refused"));
        assert!(error.starts_with(refused), "{mode}: refused as {error}");
    }
    // And set right again, the same provider's tokens verify.
    idp.set_knobs(serde_json::json!({ "tamper_id_token": null }))
        .await;
    code_flow(&idp, "alice-0001").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_idp_slow_token_endpoint_times_the_client_out() {
    let mut config = example_config(REDIRECT_URI);
    // Longer than the relying party's 2-s time-out in `http`.
    config["slow_token_ms"] = 3000.into();
    let idp = UpstreamIdp::start(config).await;
    let error = code_flow(&idp, "alice-0001")
        .await
        .expect_err("the code exchange must time out");
    assert!(
        error.starts_with("token request: ") && error.contains("timed out"),
        "{error}"
    );
}
