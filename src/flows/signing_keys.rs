//! The ID-token signing keys (issue 13): one current key per algorithm, shared by every node
//! through the database, its private half sealed. `tessera keys rotate-signing` makes new
//! keys that are published at once and sign only after `jose::SIGNING_KEY_LEAD_SECS`, so a
//! relying party knows a key before it sees a token signed with it; the keys they follow stay
//! published while a token they signed may live.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::app::App;
use crate::audit::AuditEvent;
use crate::domain::UnixTime;
use crate::domain::jose::{Jwk, JwkSet, KeyLife, SigningAlg};
use crate::flows::Internal;
use crate::sealing::Kind;
use crate::signing::{SigningKey, generate};
use crate::store::StoredKey;

/// A key just made, as the command line reports it.
#[derive(Debug, Clone)]
pub struct MadeKey {
    pub kid: String,
    pub alg: SigningAlg,
    pub signs_from: UnixTime,
}

/// Makes the first key of every algorithm that has none (at `serve` start; two nodes
/// starting together make one each, and one of them is kept).
pub async fn ensure(app: &App) -> Result<Vec<MadeKey>, Internal> {
    let have = app.store.signing_keys().await?;
    let mut made = Vec::new();
    for &alg in SigningAlg::ALL {
        if have.iter().any(|k| k.alg == alg) {
            continue;
        }
        let key = new_key(app, alg, KeyLife::first(app.now())).await?;
        let audit = event(&key, "system");
        if app.store.add_signing_key(&key, None, audit).await? {
            made.push(made_key(&key));
        }
    }
    Ok(made)
}

/// Makes a new key of every algorithm: published now, signing after the lead time; the
/// keys they follow stay published until their last tokens expire.
pub async fn rotate(app: &App, actor: &str) -> Result<Vec<MadeKey>, Internal> {
    let mut made = Vec::new();
    for &alg in SigningAlg::ALL {
        let key = new_key(app, alg, KeyLife::rotated(app.now())).await?;
        let predecessor_until = KeyLife::retired_by(key.life.signs_from);
        let added = app
            .store
            .add_signing_key(&key, Some(predecessor_until), event(&key, actor))
            .await?;
        if !added {
            return Err(anyhow::anyhow!(
                "another {} key was made at the same moment; run the rotation again",
                alg.as_str()
            )
            .into());
        }
        made.push(made_key(&key));
    }
    Ok(made)
}

/// The keys a relying party may meet: every key still published, signing or about to (none
/// before the first is made, which `serve` does at start and the first signature would).
pub async fn published(app: &App) -> Result<JwkSet, Internal> {
    let now = app.now();
    let keys = app
        .store
        .signing_keys()
        .await?
        .into_iter()
        .filter(|k| k.life.is_published(now))
        .map(|k| serde_json::from_str::<Jwk>(&k.public_jwk))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::from)?;
    Ok(JwkSet { keys })
}

/// Signs `claims` as a compact JWS with the key of `alg` that signs now: the newest whose
/// lead time has passed.
pub async fn sign(
    app: &App,
    alg: SigningAlg,
    claims: &serde_json::Value,
) -> Result<String, Internal> {
    sign_typed(app, alg, "JWT", claims).await
}

/// As `sign`, with the JWS header's `typ` (`logout+jwt` for a back-channel logout token).
pub async fn sign_typed(
    app: &App,
    alg: SigningAlg,
    typ: &str,
    claims: &serde_json::Value,
) -> Result<String, Internal> {
    let now = app.now();
    let keys = stored(app).await?;
    let current = keys
        .iter()
        .filter(|k| k.alg == alg && k.life.signs_from <= now && k.life.is_published(now))
        .max_by_key(|k| k.life.signs_from)
        .ok_or_else(|| anyhow::anyhow!("no {} signing key signs now", alg.as_str()))?;
    let pkcs8 = STANDARD
        .decode(
            app.sealer
                .open(Kind::SigningKey, &current.private_key)
                .map_err(anyhow::Error::from)?,
        )
        .map_err(anyhow::Error::from)?;
    Ok(SigningKey::from_pkcs8(alg, &pkcs8)?.sign(&current.kid, typ, claims)?)
}

/// The claims of a token Tessera signed with a key it still publishes (an `id_token_hint`),
/// else None.
pub async fn verify(app: &App, token: &str) -> Result<Option<serde_json::Value>, Internal> {
    let published = published(app).await?;
    let Some((header, ..)) = crate::domain::jose::parts(token) else {
        return Ok(None);
    };
    Ok(published
        .keys
        .iter()
        .find(|k| header["kid"].as_str() == Some(k.kid.as_str()))
        .and_then(|key| crate::signing::verify(key, token)))
}

/// The stored keys, the first of each algorithm made if missing (a portal that has not
/// passed `serve`'s start, as in tests).
async fn stored(app: &App) -> Result<Vec<StoredKey>, Internal> {
    let keys = app.store.signing_keys().await?;
    if SigningAlg::ALL
        .iter()
        .all(|alg| keys.iter().any(|k| k.alg == *alg))
    {
        return Ok(keys);
    }
    ensure(app).await?;
    Ok(app.store.signing_keys().await?)
}

/// A key made off the async threads (an RSA key takes a while), sealed for the database.
async fn new_key(app: &App, alg: SigningAlg, life: KeyLife) -> Result<StoredKey, Internal> {
    let new = tokio::task::spawn_blocking(move || generate(alg))
        .await
        .map_err(anyhow::Error::from)??;
    Ok(StoredKey {
        kid: new.jwk.kid.clone(),
        alg,
        private_key: app
            .sealer
            .seal(Kind::SigningKey, &STANDARD.encode(&new.pkcs8)),
        public_jwk: serde_json::to_string(&new.jwk).map_err(anyhow::Error::from)?,
        life,
    })
}

fn event(key: &StoredKey, actor: &str) -> AuditEvent {
    AuditEvent::new("signing-key-created", actor, format!("key:{}", key.kid))
        .with("alg", key.alg.as_str())
        .with("signs_from", key.life.signs_from)
}

fn made_key(key: &StoredKey) -> MadeKey {
    MadeKey {
        kid: key.kid.clone(),
        alg: key.alg,
        signs_from: key.life.signs_from,
    }
}
