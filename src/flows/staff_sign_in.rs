//! A staff member signs in through the company's identity provider (issue 16): Tessera is an
//! OpenID Connect relying party (the `openidconnect` crate): discovery, the code flow with
//! PKCE (S256), `state` bound to the browser and `nonce`, `client_secret_basic`, and the ID
//! token's signature, issuer, audience, expiry and nonce checked by the crate.
//!
//! The account is found by the provider's `iss` and `sub` once linked; the first time, by the
//! email the provider states as verified, and only in one of the provider's own domains (a
//! provider cannot speak for other people's addresses). Linking removes the account's local
//! password: staff have none. A disabled or locked account is refused whatever the provider
//! says. The provider's second factor is accepted when its `amr` shows one, unless the
//! provider is registered with `--require-local-mfa`; otherwise the person passes Tessera's own
//! second factor next. Every refusal is audited with the provider's name.
//!
//! The discovery document is read at each start; the provider's keys are kept on each node
//! (`provider_discovery`) and read again when an ID token is signed by a key they do not list.

use std::future::Future;
use std::pin::Pin;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, HttpRequest,
    HttpResponse, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    SignatureVerificationError, TokenResponse,
};
use serde::{Deserialize, Serialize};

use super::Internal;
use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{Purpose, random_token};
use crate::domain::account::{Account, AccountStatus};
use crate::domain::email::Email;
use crate::domain::factor::FactorKind;
use crate::domain::name::DisplayName;
use crate::domain::session::{Proofs, SessionStage, SessionTimes};
use crate::domain::staff::{domain_of, upstream_second_factor};
use crate::flows::provider_discovery::Freshness;
use crate::i18n::{say, say_with};
use crate::sealing::Kind;
use crate::store::{FederatedSignIn, RegisteredProvider, Session, StoreError};

/// Where the provider sends the browser back.
pub const CALLBACK_PATH: &str = "/login/staff/callback";
const CEREMONY: &str = "staff-sign-in";
/// How long a person may take at the provider.
pub const CEREMONY_SECS: i64 = 600;

/// Why a sign-in through the provider did not happen: each is a page that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StaffProblem {
    #[error("{}", say("staff-unknown-provider"))]
    UnknownProvider,
    #[error("{}", say("staff-expired"))]
    Expired,
    #[error("{}", say_with("staff-unreachable", &[("provider", .0.as_str().into())]))]
    Unreachable(String),
    #[error("{}", say_with("staff-refused", &[("provider", .0.as_str().into())]))]
    Refused(String),
    #[error("{}", say_with("staff-unverified", &[("provider", provider.as_str().into()), ("email", email.as_str().into())]))]
    Unverified { provider: String, email: String },
    #[error("{}", say_with("staff-other-domain", &[("provider", provider.as_str().into()), ("email", email.as_str().into())]))]
    OtherDomain { provider: String, email: String },
    #[error("{}", say_with("staff-no-account", &[("email", .0.as_str().into())]))]
    NoAccount(String),
    #[error("{}", say("sign-in-disabled"))]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] Internal),
}

impl From<StoreError> for StaffProblem {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

/// A sign-in sent to the provider: the handle the browser keeps (a cookie, checked against
/// `state` on the way back) and where to send it.
pub struct Started {
    pub handle: String,
    pub url: String,
    pub provider: String,
}

/// What waits server-side between the two steps.
#[derive(Serialize, Deserialize)]
struct Waiting {
    provider: i64,
    nonce: String,
    verifier: String,
}

/// The first step: the provider's authorization URL, with PKCE, state and nonce kept for one
/// use.
pub async fn start(app: &App, provider_id: i64) -> Result<Started, StaffProblem> {
    let provider = usable(app, provider_id).await?;
    let client = relying_party(app, &provider, Freshness::Document).await?;
    let handle = random_token().map_err(Internal::from)?;
    let nonce = random_token().map_err(Internal::from)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = handle.clone();
    let (url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(state),
            {
                let nonce = nonce.clone();
                move || Nonce::new(nonce)
            },
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let waiting = Waiting {
        provider: provider.id,
        nonce,
        verifier: verifier.secret().clone(),
    };
    let waiting = serde_json::to_string(&waiting).map_err(|e| Internal::Other(e.into()))?;
    app.store
        .put_ceremony(crate::store::NewCeremony {
            handle_hash: &app.keys.hash(Purpose::Ceremony, handle.as_bytes()),
            purpose: CEREMONY,
            account_id: None,
            state: &app.sealer.seal(Kind::FactorSecret, &waiting),
            expires_at: app.now() + CEREMONY_SECS,
        })
        .await?;
    Ok(Started {
        handle,
        url: url.to_string(),
        provider: provider.name,
    })
}

/// The provider's answer, as it arrived at the callback.
#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub error: String,
    /// RFC 9207: the issuer of the answer, when the provider says (a mix-up defence).
    #[serde(default)]
    pub iss: String,
}

/// Where a finished sign-in goes.
pub enum Finished {
    /// Signed in (the provider's second factor accepted): the Terms, then home.
    SignedIn { token: String },
    /// Tessera's own second factor next, with this factor.
    SecondFactor { token: String, factor: FactorKind },
}

/// The second step: the browser's handle must be the `state` that comes back; the ceremony is
/// taken once; the code is exchanged and the ID token checked; the account found or linked.
pub async fn finish(
    app: &App,
    handle: Option<&str>,
    answer: &Answer,
    previous: Option<&Session>,
    client_address: &str,
) -> Result<Finished, StaffProblem> {
    let waiting = take_waiting(app, handle, answer, client_address).await?;
    let provider = usable(app, waiting.provider).await?;
    let refusals = Refusals {
        app,
        provider: &provider,
        client_address,
    };
    let person = match identify(app, &provider, waiting, answer).await {
        Ok(person) => person,
        Err((reason, problem)) => return Err(refusals.record(&reason, problem).await),
    };
    let account = match account_for(app, &provider, &person).await {
        Ok(account) => account,
        Err((reason, problem)) => return Err(refusals.record(reason, problem).await),
    };
    sign_in(app, &provider, account, &person, previous).await
}

/// The sign-in waiting for this answer, taken once.
async fn take_waiting(
    app: &App,
    handle: Option<&str>,
    answer: &Answer,
    client_address: &str,
) -> Result<Waiting, StaffProblem> {
    // OAuth 2.0 Security BCP 4.7: the state is bound to this browser, so another browser's
    // answer (a login CSRF) finds nothing; a replayed one finds its ceremony taken. Nobody is
    // known yet: audited within the client's audit budget.
    let Some(handle) = handle.filter(|h| {
        !h.is_empty() && crate::crypto::constant_time_eq(h.as_bytes(), answer.state.as_bytes())
    }) else {
        return Err(expired(app, client_address, "state-not-this-browsers").await?);
    };
    let Some((_, sealed)) = app
        .store
        .take_ceremony(
            &app.keys.hash(Purpose::Ceremony, handle.as_bytes()),
            CEREMONY,
            app.now(),
        )
        .await?
    else {
        return Err(expired(app, client_address, "expired-or-used").await?);
    };
    app.sealer
        .open(Kind::FactorSecret, &sealed)
        .ok()
        .and_then(|w| serde_json::from_str(&w).ok())
        .ok_or(StaffProblem::Expired)
}

/// Who the provider says signed in, from its checked ID token.
struct Person {
    issuer: String,
    subject: String,
    email: String,
    email_verified: bool,
    name: String,
    amr: Vec<String>,
}

/// A refusal: the reason audited, and the page shown.
type Refusal = (String, StaffProblem);

/// The provider's answer turned into a checked identity: the code exchanged (with the PKCE
/// verifier) at the token endpoint, the ID token's signature, issuer, audience, expiry and
/// nonce checked. A token signed by a key the cached key set lacks re-reads it once.
async fn identify(
    app: &App,
    provider: &RegisteredProvider,
    waiting: Waiting,
    answer: &Answer,
) -> Result<Person, Refusal> {
    let refused = |reason: &str| {
        (
            reason.to_string(),
            StaffProblem::Refused(provider.name.clone()),
        )
    };
    let unreachable = |reason: &str| {
        (
            reason.to_string(),
            StaffProblem::Unreachable(provider.name.clone()),
        )
    };
    // RFC 9207: an answer that names another issuer is another provider's (a mix-up).
    if !answer.iss.is_empty() && answer.iss != provider.issuer {
        return Err(refused("issuer-mix-up"));
    }
    if !answer.error.is_empty() || answer.code.is_empty() {
        let error: String = answer.error.chars().take(64).collect();
        return Err(refused(&format!("provider-error: {error}")));
    }
    let client = relying_party(app, provider, Freshness::Kept)
        .await
        .map_err(|_| unreachable("discovery"))?;
    let request = client
        .exchange_code(AuthorizationCode::new(answer.code.clone()))
        .map_err(|e| {
            tracing::warn!(provider = %provider.name, error = %e, "no token endpoint");
            unreachable("token-endpoint")
        })?;
    let tokens = request
        .set_pkce_verifier(PkceCodeVerifier::new(waiting.verifier))
        .request_async(&http_client(app))
        .await
        .map_err(|e| {
            tracing::warn!(provider = %provider.name, error = %e, "token exchange failed");
            unreachable("token-exchange")
        })?;
    let id_token = tokens.id_token().ok_or_else(|| refused("no-id-token"))?;
    let nonce = Nonce::new(waiting.nonce);
    let checked = match id_token.claims(&client.id_token_verifier(), &nonce) {
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => {
            // OpenID Connect Core 10.1.1: the provider signs with a new key; read its keys again.
            let reread = relying_party(app, provider, Freshness::Keys)
                .await
                .map_err(|_| unreachable("discovery"))?;
            id_token
                .claims(&reread.id_token_verifier(), &nonce)
                .cloned()
        }
        checked => checked.cloned(),
    };
    let claims = checked.map_err(|e| {
        tracing::warn!(provider = %provider.name, error = %e, "ID token refused");
        refused(
            &format!("id-token: {e}")
                .chars()
                .take(120)
                .collect::<String>(),
        )
    })?;
    Ok(Person {
        issuer: claims.issuer().as_str().to_string(),
        subject: claims.subject().as_str().to_string(),
        email: claims
            .email()
            .map(|e| e.as_str().to_string())
            .unwrap_or_default(),
        email_verified: claims.email_verified() == Some(true)
            || entra_domain_verified(&id_token.to_string()),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        amr: claims
            .auth_method_refs()
            .map(|v| v.iter().map(|a| a.as_str().to_string()).collect())
            .unwrap_or_default(),
    })
}

/// Microsoft Entra ID states no `email_verified`; its optional claim `xms_edov` ("email domain
/// owner verified") says the same of a tenant's own domain. Read from the token whose
/// signature was just checked.
fn entra_domain_verified(jwt: &str) -> bool {
    use base64::Engine as _;
    let claims = jwt.split('.').nth(1).and_then(|payload| {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()?;
        serde_json::from_slice::<serde_json::Value>(&bytes).ok()
    });
    match claims.as_ref().and_then(|c| c.get("xms_edov")) {
        Some(serde_json::Value::Bool(verified)) => *verified,
        Some(serde_json::Value::String(v)) => v == "1" || v.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The account this person signs in to: the one linked to their `iss` and `sub`; the first
/// time, the one with the address the provider verified, in one of the provider's domains; or
/// a new one in the provider's organization.
async fn account_for(
    app: &App,
    provider: &RegisteredProvider,
    person: &Person,
) -> Result<Account, (&'static str, StaffProblem)> {
    if let Some(id) = app
        .store
        .linked_account(&person.issuer, &person.subject)
        .await
        .map_err(internal)?
    {
        return app.store.account_by_id(id).await.map_err(internal);
    }
    let email = person.email.clone();
    if !domain_of(&email).is_some_and(|d| provider.domains.contains(&d)) {
        let problem = StaffProblem::OtherDomain {
            provider: provider.name.clone(),
            email,
        };
        return Err(("email-outside-domains", problem));
    }
    if !person.email_verified {
        let problem = StaffProblem::Unverified {
            provider: provider.name.clone(),
            email,
        };
        return Err(("email-not-verified", problem));
    }
    // Addresses are kept as `Email` makes them (lower case), whatever the provider's spelling,
    // so the account is one whichever way it is looked up later.
    let Ok(address) = Email::parse(&email) else {
        return Err(("email-malformed", StaffProblem::NoAccount(email)));
    };
    if let Some((account, _)) = app
        .store
        .account_by_email(&address)
        .await
        .map_err(internal)?
    {
        return Ok(account);
    }
    // The first sign-in of a new staff member: an account in the provider's organization,
    // named as the provider names them.
    let name = DisplayName::parse(&person.name)
        .or_else(|_| DisplayName::parse(address.local_part()))
        .map_err(|_| ("name-unusable", StaffProblem::NoAccount(email.clone())))?;
    let event = AuditEvent::new(
        "staff-account-created",
        format!("idp:{}", provider.name),
        "",
    )
    .with("email", address.as_str());
    let created = app
        .store
        .create_staff_account(
            address.as_str(),
            name.as_str(),
            provider.org_id,
            app.now(),
            event,
        )
        .await;
    match created {
        Ok(id) => app.store.account_by_id(id).await.map_err(internal),
        Err(StoreError::Conflict) => Err((
            "account-created-meanwhile",
            StaffProblem::Refused(provider.name.clone()),
        )),
        Err(e) => Err(internal(e)),
    }
}

fn internal(e: StoreError) -> (&'static str, StaffProblem) {
    ("", e.into())
}

/// Refusals of one provider's answer, audited with its name before the page is shown.
struct Refusals<'a> {
    app: &'a App,
    provider: &'a RegisteredProvider,
    client_address: &'a str,
}

impl Refusals<'_> {
    async fn record(&self, reason: &str, problem: StaffProblem) -> StaffProblem {
        if matches!(problem, StaffProblem::Internal(_)) {
            return problem;
        }
        let event = AuditEvent::new(
            "staff-sign-in-refused",
            "anonymous",
            format!("idp:{}", self.provider.name),
        )
        .with("reason", reason.to_string())
        .with("client", self.client_address);
        match self.app.store.record(self.app.now(), event).await {
            Ok(()) => problem,
            Err(e) => e.into(),
        }
    }
}

/// An answer that is not this browser's, or whose sign-in is gone: audited about nobody.
async fn expired(
    app: &App,
    client_address: &str,
    reason: &'static str,
) -> Result<StaffProblem, StaffProblem> {
    let event = AuditEvent::new("staff-sign-in-refused", "anonymous", "anonymous")
        .with("reason", reason)
        .with("client", client_address);
    super::audit_budget::record_unauthenticated(app, client_address, event).await?;
    Ok(StaffProblem::Expired)
}

/// The session the provider's answer earns: signed in when its second factor is accepted,
/// else at Tessera's own second factor. An account invited or registering is active from now:
/// its provider is how it signs in, so its registration link (which would set a password) is
/// void. An account with no factor of Tessera's own is given the address the provider verified
/// (a code is sent there; stronger ones are added on Your account).
async fn sign_in(
    app: &App,
    provider: &RegisteredProvider,
    account: Account,
    person: &Person,
    previous: Option<&Session>,
) -> Result<Finished, StaffProblem> {
    let now = app.now();
    let who = audit::account(account.id);
    let refused = |reason: &str| {
        AuditEvent::new("staff-sign-in-refused", "anonymous", who.clone())
            .with("provider", provider.name.as_str())
            .with("reason", reason.to_string())
    };
    if account.disabled || account.locked {
        app.store.record(now, refused("disabled or locked")).await?;
        return Err(StaffProblem::Unavailable);
    }
    let upstream = upstream_second_factor(&person.amr) && !provider.require_local_mfa;
    let held = app.store.held_factors(account.id).await?;
    let factor = account
        .mfa_method
        .filter(|m| held.allows(*m))
        .or_else(|| held.kinds().next());
    let stage = if upstream {
        SessionStage::Authenticated
    } else {
        SessionStage::SecondFactor
    };
    let token = random_token().map_err(Internal::from)?;
    let event = AuditEvent::new("signed-in", who.clone(), who.clone())
        .with("provider", provider.name.as_str())
        .with("provider_amr", person.amr.clone())
        .with("next", stage.as_str());
    let signed_in = app
        .store
        .sign_in_federated(
            FederatedSignIn {
                previous: previous.map(|s| s.id_hash.as_slice()),
                id_hash: &app.keys.hash(Purpose::Session, token.as_bytes()),
                account_id: account.id,
                provider: provider.id,
                issuer: &person.issuer,
                subject: &person.subject,
                activate: account.status != AccountStatus::Active,
                email_factor: factor.is_none(),
                stage,
                proofs: Proofs::federated(upstream),
                times: SessionTimes::new(now, &app.config.policy, None),
            },
            now,
            event,
        )
        .await;
    match signed_in {
        Ok(()) if upstream => Ok(Finished::SignedIn { token }),
        Ok(()) => Ok(Finished::SecondFactor {
            token,
            factor: factor.unwrap_or(FactorKind::Email),
        }),
        Err(StoreError::Barred) => {
            app.store.record(now, refused("disabled or locked")).await?;
            Err(StaffProblem::Unavailable)
        }
        Err(StoreError::Conflict) => {
            app.store
                .record(now, refused("identity-linked-elsewhere"))
                .await?;
            Err(StaffProblem::Refused(provider.name.clone()))
        }
        Err(e) => Err(e.into()),
    }
}

/// An enabled provider.
async fn usable(app: &App, id: i64) -> Result<RegisteredProvider, StaffProblem> {
    match app.store.provider(id).await? {
        Some(p) if !p.disabled => Ok(p),
        _ => Err(StaffProblem::UnknownProvider),
    }
}

type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The provider's client, from its discovery document and keys (`provider_discovery`).
async fn relying_party(
    app: &App,
    provider: &RegisteredProvider,
    freshness: Freshness,
) -> Result<Client, StaffProblem> {
    let metadata = app
        .provider_discovery
        .metadata(app, &provider.issuer, freshness)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %provider.name, error = %e, "discovery failed");
            StaffProblem::Unreachable(provider.name.clone())
        })?;
    let secret = app
        .sealer
        .open(Kind::ProviderSecret, &provider.sealed_secret)
        .map_err(|e| Internal::Other(anyhow::anyhow!("provider secret: {e}")))?;
    let redirect = RedirectUrl::new(app.url(CALLBACK_PATH))
        .map_err(|e| Internal::Other(anyhow::anyhow!("redirect URI: {e}")))?;
    Ok(CoreClient::from_provider_metadata(
        (*metadata).clone(),
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(redirect))
}

/// The portal's HTTP client for `openidconnect`: time-limited, no redirects followed.
pub(crate) fn http_client(
    app: &App,
) -> impl Fn(HttpRequest) -> Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send>> + use<>
{
    let http = app.http.clone();
    move |request| Box::pin(send(http.clone(), request))
}

/// A failed HTTP exchange with a provider (a time-out says so).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// One request of `openidconnect` through a reqwest client (the library leaves HTTP to its
/// user; the tests' relying parties use it too). Redirects follow the client's policy.
pub async fn send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let mut outgoing = http.request(parts.method, parts.uri.to_string()).body(body);
    for (name, value) in &parts.headers {
        outgoing = outgoing.header(name, value);
    }
    let response = outgoing.send().await.map_err(|e| {
        HttpError(if e.is_timeout() {
            "timed out".into()
        } else {
            e.without_url().to_string()
        })
    })?;
    let mut builder = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    builder
        .body(body.to_vec())
        .map_err(|e| HttpError(e.to_string()))
}
