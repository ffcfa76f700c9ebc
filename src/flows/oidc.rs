//! The OpenID Connect provider's flows (issue 13): an authorization request is checked,
//! answered at once for a person already signed in, or kept server-side while they go
//! through the guide and resumed afterwards; codes become tokens at the token endpoint;
//! tokens are read by userinfo and introspection, and revoked.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::app::App;
use crate::audit::{self, AuditEvent};
use crate::crypto::{Purpose, constant_time_eq, random_token};
use crate::domain::UnixTime;
use crate::domain::access::{Access, Decision, decide};
use crate::domain::authorization::{
    AuthorizationRequest, ClientFacts, Prompt, Refusal, TokenKind, check, pkce_matches,
};
use crate::domain::client::UriPurpose;
use crate::domain::jose::ID_TOKEN_TTL_SECS;
use crate::domain::session::Proofs;
use crate::flows::{Internal, session, signing_keys};
use crate::store::{
    Grant, Liveness, NewGrant, NewToken, Presented, Redeemed, RegisteredClient, SessionStanding,
};

/// How long a person may take through the guide (a registration included) before the
/// application's request is forgotten.
pub const REQUEST_TTL_SECS: i64 = 30 * 60;
/// RFC 6749 §4.1.2: short-lived; ten minutes at most is recommended, one is plenty.
pub const CODE_TTL_SECS: i64 = 60;
pub const ACCESS_TOKEN_TTL_SECS: i64 = 10 * 60;

/// What the authorization endpoint answers.
#[derive(Debug)]
pub enum Authorize {
    /// Back to the application (a code or an error), by redirect.
    Respond(String),
    /// The person signs in first, going to `to`; the handle is kept in the browser's cookie.
    SignIn { handle: String, to: String },
    /// Shown at Tessera: the application or its return address cannot be trusted.
    NotRedirectable(&'static str),
}

/// What resuming a kept request after the guide answers.
#[derive(Debug)]
pub enum Resume {
    /// Back to the application with the code (or an error).
    Respond(String),
    /// No request is waiting (none, used, or expired): the home page.
    Nothing,
    NotRedirectable(&'static str),
}

/// The request as kept while its person signs in.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kept {
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    /// The sign-in must be newer than this (`prompt=login`, `max_age`).
    signed_in_after: Option<UnixTime>,
    /// The sign-in must be phishing-resistant (`acr_values=phr`).
    #[serde(default)]
    phishing_resistant: bool,
}

/// The authorization endpoint. `params` are the request's query parameters as sent;
/// `browser` the session the browser brought, if live.
pub async fn authorize(
    app: &App,
    params: &[(String, String)],
    browser: Option<&SessionStanding>,
) -> Result<Authorize, Internal> {
    let once = |name: &str| once(params, name);
    let given_twice = |name: &str| params.iter().filter(|(n, _)| n == name).count() > 1;
    // RFC 6749 §3.1: a parameter given twice is refused; the two that decide where to
    // answer cannot be trusted to answer there.
    if given_twice("client_id") || given_twice("redirect_uri") {
        return Ok(Authorize::NotRedirectable(
            "The application's request names itself or its return address twice.",
        ));
    }
    let client = match once("client_id") {
        Some(id) => app.store.registered_client(&id).await?,
        None => None,
    };
    let redirect_uris = client
        .as_ref()
        .map(|c| c.uris(UriPurpose::Redirect))
        .unwrap_or_default();
    let facts = client.as_ref().map(|c| ClientFacts {
        public: c.is_public(),
        redirect_uris: &redirect_uris,
        disabled: c.disabled,
    });
    let (request, client) = match (check(once, facts.as_ref()), client) {
        (Ok(request), Some(client)) => (request, client),
        (Err(refusal), _) => return Ok(refused(app, refusal)),
        (Ok(_), None) => return Err(anyhow::anyhow!("an unknown client passed the check").into()),
    };
    if let Some((name, _)) = params.iter().find(|(n, _)| given_twice(n)) {
        return Ok(Authorize::Respond(error_url(
            app,
            &request.redirect_uri,
            "invalid_request",
            &format!("{name} is given more than once"),
            request.state.as_deref(),
        )));
    }
    let now = app.now();
    let ready = browser.filter(|b| signed_in(b));
    let mut signed_out = false;
    // A sign-in that does not meet the request is made again: `prompt=login`, older than
    // `max_age`, or not phishing-resistant when `acr_values` asks for it.
    let stale = |b: &SessionStanding| {
        request.prompt == Prompt::Login
            || request
                .max_age
                .is_some_and(|max| auth_time(b).is_none_or(|at| now - at > max))
            || (request.phishing_resistant && !b.session.proofs.is_phishing_resistant())
    };
    match ready {
        Some(b) if !stale(b) => {
            let kept = Kept::from_request(&request, None);
            return Ok(Authorize::Respond(
                answer(app, &client, &kept, b, None).await?,
            ));
        }
        _ if request.prompt == Prompt::None => {
            let waits = |b: &SessionStanding| {
                b.session.stage == crate::domain::session::SessionStage::Authenticated && !stale(b)
            };
            let error = if browser.is_some_and(waits) {
                // Signed in but something waits for the person (the Terms, a factor).
                "interaction_required"
            } else {
                "login_required"
            };
            return Ok(Authorize::Respond(error_url(
                app,
                &request.redirect_uri,
                error,
                "the person must sign in at Tessera",
                request.state.as_deref(),
            )));
        }
        Some(b) => {
            // `prompt=login` or `max_age` passed: this sign-in ends and a new one begins.
            session::sign_out(app, &b.session).await?;
            signed_out = true;
        }
        None => {}
    }
    let kept = Kept::from_request(&request, Some(now));
    let handle = random_token()?;
    let text = serde_json::to_string(&kept).map_err(anyhow::Error::from)?;
    app.store
        .save_authorization_request(
            &request_hash(app, &handle),
            client.id,
            &text,
            now,
            now + REQUEST_TTL_SECS,
        )
        .await?;
    // A person part-way through a journey goes on where they are (the gate knows where:
    // the factor page, the Terms); anyone else starts at the sign-in page, with the
    // application's `login_hint` as the address.
    let midway = browser.is_some_and(|b| b.account.is_some()) && !signed_out;
    let to = match (&request.login_hint, midway) {
        (_, true) => "/".to_string(),
        (Some(hint), false) => format!(
            "/login?login_hint={}",
            form_urlencoded::byte_serialize(hint.as_bytes()).collect::<String>()
        ),
        (None, false) => "/login".to_string(),
    };
    Ok(Authorize::SignIn { handle, to })
}

/// The value of a parameter sent exactly once (RFC 6749 §3.1: never one of two).
fn once(params: &[(String, String)], name: &str) -> Option<String> {
    let mut values = params.iter().filter(|(n, _)| n == name);
    match (values.next(), values.next()) {
        (Some((_, v)), None) => Some(v.clone()),
        _ => None,
    }
}

/// After the guide: the kept request (if the browser holds one) is answered for the person
/// now signed in.
pub async fn resume(
    app: &App,
    handle: Option<&str>,
    person: &SessionStanding,
) -> Result<Resume, Internal> {
    let Some(handle) = handle else {
        return Ok(Resume::Nothing);
    };
    let hash = request_hash(app, handle);
    let Some((client_id, text)) = app.store.authorization_request(&hash, app.now()).await? else {
        return Ok(Resume::Nothing);
    };
    let kept: Kept = serde_json::from_str(&text).map_err(anyhow::Error::from)?;
    let client = match app.store.registered_client(&client_id).await? {
        Some(c) if !c.disabled && c.uris(UriPurpose::Redirect).contains(&kept.redirect_uri) => c,
        _ => {
            app.store.forget_authorization_request(&hash).await?;
            return Ok(Resume::NotRedirectable(
                "The application that sent you here is no longer registered with this sign-in service.",
            ));
        }
    };
    // The gate admitted only a signed-in person who accepted the Terms (`Access::SignedIn`).
    Ok(Resume::Respond(
        answer(app, &client, &kept, person, Some(&hash)).await?,
    ))
}

/// The application's answer for a signed-in person: a code, or `access_denied` for a
/// person of another organization than the client's.
async fn answer(
    app: &App,
    client: &RegisteredClient,
    kept: &Kept,
    person: &SessionStanding,
    request_hash: Option<&[u8]>,
) -> Result<String, Internal> {
    let account = person
        .account
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("a signed-in session without an account"))?;
    let auth_time = auth_time(person).unwrap_or(person.session.times.created_at);
    let stale = kept.signed_in_after.is_some_and(|after| auth_time < after);
    let other_org = client.org_id.is_some() && client.org_id != account.org_id;
    let unmet = kept.phishing_resistant && !person.session.proofs.is_phishing_resistant();
    let sid = person.session.sid.as_deref();
    let (Some(sid), false, false, false) = (sid, stale, other_org, unmet) else {
        if let Some(hash) = request_hash {
            app.store.forget_authorization_request(hash).await?;
        }
        let (error, description) = if other_org {
            (
                "access_denied",
                "this application is not for your organization",
            )
        } else if unmet {
            // OpenID Connect Core errata: the sign-in happened, but not as asked.
            (
                "unmet_authentication_requirements",
                "this application asks for a sign-in with a passkey",
            )
        } else {
            ("login_required", "the sign-in did not complete")
        };
        return Ok(error_url(
            app,
            &kept.redirect_uri,
            error,
            description,
            kept.state.as_deref(),
        ));
    };
    let code = random_token()?;
    let code_hash = token_hash(app, &code);
    let now = app.now();
    let scopes = kept.scopes.join(" ");
    let amr = person.session.proofs.to_text();
    let grant = NewGrant {
        client: client.id,
        account_id: account.id,
        sid,
        scopes: &scopes,
        nonce: kept.nonce.as_deref(),
        auth_time,
        amr: &amr,
    };
    let token = NewToken {
        hash: &code_hash,
        kind: TokenKind::Code,
        expires_at: Some(now + CODE_TTL_SECS),
        redirect_uri: Some(&kept.redirect_uri),
        code_challenge: kept.code_challenge.as_deref(),
    };
    let who = audit::account(account.id);
    let event = AuditEvent::new("client-sign-in", who.clone(), who)
        .with("client", client.client_id.as_str())
        .with("scope", scopes.as_str());
    app.store
        .issue_authorization_code(grant, token, request_hash, now, event)
        .await?;
    let mut url = url::Url::parse(&kept.redirect_uri).map_err(anyhow::Error::from)?;
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = &kept.state {
        url.query_pairs_mut().append_pair("state", state);
    }
    url.query_pairs_mut()
        .append_pair("iss", &app.config.public_url());
    Ok(url.into())
}

impl Kept {
    fn from_request(request: &AuthorizationRequest, signed_in_after: Option<UnixTime>) -> Self {
        Self {
            redirect_uri: request.redirect_uri.clone(),
            scopes: request.scopes.clone(),
            state: request.state.clone(),
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.clone(),
            signed_in_after: signed_in_after
                .filter(|_| request.prompt == Prompt::Login || request.max_age.is_some()),
            phishing_resistant: request.phishing_resistant,
        }
    }
}

/// Signed in as the home page requires: both factors, the current Terms, not barred.
fn signed_in(standing: &SessionStanding) -> bool {
    decide(Access::SignedIn, Some(&session::access_standing(standing))) == Decision::Allow
}

fn auth_time(standing: &SessionStanding) -> Option<UnixTime> {
    standing.session.factor_verified_at
}

fn refused(app: &App, refusal: Refusal) -> Authorize {
    match refusal {
        Refusal::NotRedirectable(why) => Authorize::NotRedirectable(why),
        Refusal::Redirect {
            redirect_uri,
            error,
            description,
            state,
        } => Authorize::Respond(error_url(
            app,
            &redirect_uri,
            error,
            description,
            state.as_deref(),
        )),
    }
}

/// RFC 6749 §4.1.2.1 with RFC 9207's `iss`.
fn error_url(
    app: &App,
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> String {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        // Registered URIs were parsed when registered.
        return redirect_uri.to_string();
    };
    url.query_pairs_mut()
        .append_pair("error", error)
        .append_pair("error_description", description);
    if let Some(state) = state {
        url.query_pairs_mut().append_pair("state", state);
    }
    url.query_pairs_mut()
        .append_pair("iss", &app.config.public_url());
    url.into()
}

fn request_hash(app: &App, handle: &str) -> Vec<u8> {
    app.keys.hash(Purpose::OidcRequest, handle.as_bytes())
}

fn token_hash(app: &App, token: &str) -> Vec<u8> {
    app.keys.hash(Purpose::OidcToken, token.as_bytes())
}

/// The account's identifier for applications: stable, opaque, never the email address
/// (a keyed hash of the account's row id, so the number of accounts does not show).
pub fn subject(app: &App, account_id: i64) -> String {
    let hash = app
        .keys
        .hash(Purpose::Subject, account_id.to_string().as_bytes());
    crate::domain::jose::b64(&hash[..16])
}

// ---------------------------------------------------------------------------------------
// The token endpoint and what reads tokens.

/// How the client authenticated at the token endpoint (RFC 6749 §2.3).
#[derive(Debug, Default)]
pub struct ClientCredentials {
    /// From HTTP Basic (`client_secret_basic`).
    pub basic: Option<(String, String)>,
    /// From the form (`client_secret_post`, or a public client's `client_id` alone).
    pub form_id: Option<String>,
    pub form_secret: Option<String>,
    /// The caller's address: a failure's audit entry counts against its hourly budget, so
    /// a flood of wrong secrets cannot flood the audit log.
    pub address: String,
}

/// A refusal of the token endpoint, as RFC 6749 §5.2 names it.
#[derive(Debug)]
pub struct TokenError {
    pub error: &'static str,
    pub description: String,
    /// `invalid_client` after HTTP Basic answers 401 with a challenge.
    pub basic_challenge: bool,
}

impl TokenError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
            basic_challenge: false,
        }
    }

    pub fn is_client_error(&self) -> bool {
        self.error == "invalid_client"
    }
}

pub enum TokenFailure {
    Refused(TokenError),
    Internal(Internal),
}

impl From<Internal> for TokenFailure {
    fn from(e: Internal) -> Self {
        Self::Internal(e)
    }
}

impl From<crate::store::StoreError> for TokenFailure {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Internal(e.into())
    }
}

impl From<anyhow::Error> for TokenFailure {
    fn from(e: anyhow::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// Finds and authenticates the client: a confidential client by its secret (compared as
/// keyed hashes, in constant time), a public one by its identifier alone.
pub async fn authenticate_client(
    app: &App,
    credentials: &ClientCredentials,
) -> Result<RegisteredClient, TokenFailure> {
    let basic = credentials.basic.is_some();
    let refuse = |description: &str| {
        TokenFailure::Refused(TokenError {
            basic_challenge: basic,
            ..TokenError::new("invalid_client", description)
        })
    };
    let (id, secret) = match (&credentials.basic, &credentials.form_id) {
        (Some(_), Some(_)) if credentials.form_secret.is_some() => {
            return Err(TokenFailure::Refused(TokenError::new(
                "invalid_request",
                "use one client authentication method, not two",
            )));
        }
        (Some((id, secret)), _) => (id.clone(), Some(secret.clone())),
        (None, Some(id)) => (id.clone(), credentials.form_secret.clone()),
        (None, None) => return Err(refuse("client authentication is required")),
    };
    let client = app.store.registered_client(&id).await?;
    let authentic = match (&client, &secret) {
        (Some(c), Some(secret)) => c.secret_hash.as_deref().is_some_and(|stored| {
            constant_time_eq(
                stored,
                &app.keys.hash(Purpose::ClientSecret, secret.as_bytes()),
            )
        }),
        (Some(c), None) => c.is_public(),
        (None, _) => false,
    };
    match client {
        Some(c) if authentic && !c.disabled => Ok(c),
        _ => {
            let event = AuditEvent::new(
                "client-authentication-failed",
                "anonymous",
                format!("client:{id}"),
            );
            crate::flows::audit_budget::record_unauthenticated(app, &credentials.address, event)
                .await?;
            Err(refuse(
                "the client is unknown, disabled, or its secret is wrong",
            ))
        }
    }
}

/// The token endpoint's answer (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Serialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    pub id_token: String,
    pub scope: String,
}

/// `grant_type=authorization_code` and `refresh_token`.
pub async fn token(
    app: &App,
    client: &RegisteredClient,
    form: &[(String, String)],
) -> Result<Tokens, TokenFailure> {
    let field = |name: &str| {
        form.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let refuse = |error: &'static str, description: &str| {
        TokenFailure::Refused(TokenError::new(error, description))
    };
    // RFC 6749 §3.2: a parameter sent twice is refused, not read one way or the other.
    if let Some((name, _)) = form
        .iter()
        .find(|(name, _)| form.iter().filter(|(n, _)| n == name).count() > 1)
    {
        return Err(refuse(
            "invalid_request",
            &format!("{name} is given more than once"),
        ));
    }
    let (presented, kind) = match field("grant_type") {
        Some("authorization_code") => (field("code"), TokenKind::Code),
        Some("refresh_token") => (field("refresh_token"), TokenKind::Refresh),
        Some(_) => {
            return Err(refuse(
                "unsupported_grant_type",
                "use authorization_code or refresh_token",
            ));
        }
        None => return Err(refuse("invalid_request", "grant_type is required")),
    };
    let Some(presented) = presented.filter(|p| !p.is_empty()) else {
        return Err(refuse(
            "invalid_request",
            "the code or refresh token is missing",
        ));
    };
    let now = app.now();
    let access = random_token()?;
    let refresh = random_token()?;
    let (access_hash, refresh_hash) = (token_hash(app, &access), token_hash(app, &refresh));
    let live = liveness(app);
    // A refresh token ends with the session it came from (the store sets its expiry).
    let replacements = [
        NewToken::new(
            &access_hash,
            TokenKind::Access,
            Some(now + ACCESS_TOKEN_TTL_SECS),
        ),
        NewToken::new(&refresh_hash, TokenKind::Refresh, None),
    ];
    let redirect_uri = field("redirect_uri");
    let verifier = field("code_verifier");
    // The code's redirect URI must be repeated exactly, and its PKCE challenge met
    // (RFC 6749 §4.1.3, RFC 7636 §4.6); a verifier without a challenge is refused too.
    let bound = |stored_uri: Option<&str>, challenge: Option<&str>| match kind {
        TokenKind::Code => {
            stored_uri == redirect_uri
                && match (challenge, verifier) {
                    (Some(c), Some(v)) => pkce_matches(v, c),
                    (None, None) => true,
                    _ => false,
                }
        }
        _ => true,
    };
    let reused = |account_id: i64| {
        let who = audit::account(account_id);
        AuditEvent::new("token-reuse-detected", "anonymous", who)
            .with("client", client.client_id.as_str())
            .with("kind", kind.as_str())
    };
    let presented = Presented {
        hash: &token_hash(app, presented),
        kind,
        client: client.id,
        live,
        replacements: &replacements,
    };
    let redeemed = app.store.redeem(presented, bound, reused).await?;
    let grant = match redeemed {
        Redeemed::Good(grant) => *grant,
        Redeemed::Reused => {
            return Err(refuse(
                "invalid_grant",
                "this grant was used before; every token from it is revoked",
            ));
        }
        Redeemed::Invalid => {
            return Err(refuse(
                "invalid_grant",
                "the code or refresh token is unknown, expired, used, or not this client's",
            ));
        }
    };
    let id_token = id_token(app, client, &grant, &access).await?;
    Ok(Tokens {
        access_token: access,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_TTL_SECS,
        refresh_token: refresh,
        id_token,
        scope: grant.scopes.clone(),
    })
}

fn liveness(app: &App) -> Liveness {
    Liveness::at(app.now(), &app.config.policy)
}

/// The ID token (OIDC Core §2), signed with the client's algorithm.
async fn id_token(
    app: &App,
    client: &RegisteredClient,
    grant: &Grant,
    access_token: &str,
) -> Result<String, Internal> {
    let now = app.now();
    let proofs = Proofs::parse(&grant.amr);
    let mut claims = json!({
        "iss": app.config.public_url(),
        "sub": subject(app, grant.account_id),
        "aud": client.client_id,
        "exp": now + ID_TOKEN_TTL_SECS,
        "iat": now,
        "auth_time": grant.auth_time,
        "sid": grant.sid,
        "amr": proofs.amr(),
        "at_hash": at_hash(access_token),
    });
    if let Some(acr) = proofs.acr() {
        claims["acr"] = json!(acr);
    }
    if let Some(nonce) = &grant.nonce {
        claims["nonce"] = json!(nonce);
    }
    add_person_claims(app, grant, &mut claims).await?;
    signing_keys::sign(app, client.id_token_alg, &claims).await
}

/// OIDC Core §3.1.3.6: the left half of the access token's SHA-256 (both RS256 and ES256
/// use SHA-256).
fn at_hash(access_token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(access_token.as_bytes());
    crate::domain::jose::b64(&digest[..16])
}

/// `name` with `profile`; `email` and `email_verified` with `email` (Tessera verifies every
/// address before it signs anyone in).
async fn add_person_claims(app: &App, grant: &Grant, claims: &mut Value) -> Result<(), Internal> {
    let scopes: Vec<&str> = grant.scopes.split(' ').collect();
    if !scopes.contains(&"profile") && !scopes.contains(&"email") {
        return Ok(());
    }
    let account = app.store.account_by_id(grant.account_id).await?;
    if scopes.contains(&"profile") {
        claims["name"] = json!(account.display_name.as_str());
    }
    if scopes.contains(&"email") {
        claims["email"] = json!(account.email.as_str());
        claims["email_verified"] = json!(true);
    }
    Ok(())
}

/// Userinfo (OIDC Core §5.3): the claims of a live access token, or None.
pub async fn userinfo(app: &App, access_token: &str) -> Result<Option<Value>, Internal> {
    let Some(grant) = app
        .store
        .token_grant(
            &token_hash(app, access_token),
            TokenKind::Access,
            liveness(app),
        )
        .await?
    else {
        return Ok(None);
    };
    let mut claims = json!({ "sub": subject(app, grant.account_id) });
    add_person_claims(app, &grant, &mut claims).await?;
    Ok(Some(claims))
}

/// RFC 7662: what a client may learn of one of its own tokens.
pub async fn introspect(
    app: &App,
    client: &RegisteredClient,
    token: &str,
) -> Result<Value, Internal> {
    let hash = token_hash(app, token);
    for kind in [TokenKind::Access, TokenKind::Refresh] {
        let Some(grant) = app.store.token_grant(&hash, kind, liveness(app)).await? else {
            continue;
        };
        if grant.client != client.id {
            break;
        }
        let exp = match kind {
            TokenKind::Refresh => grant.session_expires_at,
            _ => grant.expires_at,
        };
        return Ok(json!({
            "active": true,
            "scope": grant.scopes,
            "client_id": client.client_id,
            "sub": subject(app, grant.account_id),
            "exp": exp,
            "iss": app.config.public_url(),
            "token_type": if kind == TokenKind::Access { "Bearer" } else { "refresh_token" },
        }));
    }
    Ok(json!({ "active": false }))
}

/// RFC 7009: revokes one of the client's tokens (a refresh token takes its whole grant).
pub async fn revoke(app: &App, client: &RegisteredClient, token: &str) -> Result<(), Internal> {
    let audit = |account_id: i64, kind: TokenKind| {
        let who = audit::account(account_id);
        AuditEvent::new("token-revoked", format!("client:{}", client.client_id), who)
            .with("kind", kind.as_str())
    };
    app.store
        .revoke_token(&token_hash(app, token), client.id, app.now(), audit)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).

/// What the end-session endpoint answers.
#[derive(Debug)]
pub enum EndSession {
    /// Signed out (or nobody was signed in): on to `to`.
    Done {
        to: String,
    },
    /// The request did not prove it comes for this person's session (no `id_token_hint`, or
    /// one of someone else): the person is asked, with a Sign out button (ASVS 10.6.2: no
    /// forced logout by a crafted link).
    Confirm(LogoutReturn),
    NotRedirectable(&'static str),
}

/// Where the person goes after signing out, as the confirmation form carries it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogoutReturn {
    pub client_id: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

/// The end-session endpoint: `params` as sent, `browser` the live session, if any.
pub async fn end_session(
    app: &App,
    params: &[(String, String)],
    browser: Option<&SessionStanding>,
) -> Result<EndSession, Internal> {
    let once = |name: &str| once(params, name).filter(|v| !v.is_empty());
    let hint = match once("id_token_hint") {
        // An expired hint still names the session (the specification allows it).
        Some(token) => match signing_keys::verify(app, &token).await? {
            Some(claims) if claims["iss"].as_str() == Some(app.config.public_url().as_str()) => {
                Some(claims)
            }
            _ => {
                return Ok(EndSession::NotRedirectable(
                    "The application's sign-out request carries a token this service did not issue.",
                ));
            }
        },
        None => None,
    };
    let hinted_client = hint.as_ref().and_then(|h| match &h["aud"] {
        Value::String(aud) => Some(aud.clone()),
        Value::Array(auds) => auds.first().and_then(|a| a.as_str()).map(str::to_string),
        _ => None,
    });
    let client_id = match (hinted_client, once("client_id")) {
        (Some(a), Some(b)) if a != b => {
            return Ok(EndSession::NotRedirectable(
                "The application's sign-out request names two different applications.",
            ));
        }
        (a, b) => a.or(b),
    };
    let back = LogoutReturn {
        client_id,
        post_logout_redirect_uri: once("post_logout_redirect_uri"),
        state: once("state"),
    };
    let to = match logout_destination(app, &back).await? {
        Ok(to) => to,
        Err(why) => return Ok(EndSession::NotRedirectable(why)),
    };
    let Some((person, account)) = browser.and_then(|b| b.account.as_ref().map(|a| (b, a))) else {
        return Ok(EndSession::Done { to });
    };
    let same_person = hint
        .as_ref()
        .is_some_and(|h| h["sub"].as_str() == Some(subject(app, account.id).as_str()));
    if !same_person {
        return Ok(EndSession::Confirm(back));
    }
    session::sign_out(app, &person.session).await?;
    Ok(EndSession::Done { to })
}

/// The person pressed Sign out on the confirmation page: their session ends and they go
/// where the (checked again) return says.
pub async fn confirm_end_session(
    app: &App,
    back: &LogoutReturn,
    browser: Option<&crate::store::Session>,
) -> Result<Result<String, &'static str>, Internal> {
    let to = logout_destination(app, back).await?;
    if to.is_ok()
        && let Some(session) = browser
    {
        session::sign_out(app, session).await?;
    }
    Ok(to)
}

/// Tessera's own signed-out page, or the client's registered post-logout URI with `state`;
/// a URI the client did not register (or no client to check it against) is refused.
async fn logout_destination(
    app: &App,
    back: &LogoutReturn,
) -> Result<Result<String, &'static str>, Internal> {
    let Some(uri) = &back.post_logout_redirect_uri else {
        return Ok(Ok("/login?notice=signed-out".to_string()));
    };
    let client = match &back.client_id {
        Some(id) => app.store.registered_client(id).await?,
        None => None,
    };
    let registered = client
        .as_ref()
        .is_some_and(|c| c.uris(UriPurpose::PostLogout).contains(uri));
    if !registered {
        return Ok(Err(
            "The address the application asked to return to after signing out is not registered for it.",
        ));
    }
    let mut url = url::Url::parse(uri).map_err(anyhow::Error::from)?;
    if let Some(state) = &back.state {
        url.query_pairs_mut().append_pair("state", state);
    }
    Ok(Ok(url.into()))
}
