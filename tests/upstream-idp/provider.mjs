// A company's identity provider for the integration tests: `oidc-provider` (a certified OpenID
// Connect implementation) on a loopback port, started by tests/it/upstream_idp.rs.
//
//   UPSTREAM_CONFIG='{"client": {...}, "accounts": [...]}' node provider.mjs [PORT]
//
// PORT (argv or $PORT; 0 or absent: a free one) gives the issuer http://127.0.0.1:PORT, printed as
// `READY http://127.0.0.1:PORT` on stdout once listening. The process ends when its stdin closes,
// so a test runner that dies leaves no provider behind.
//
// UPSTREAM_CONFIG (JSON):
//   client:   { client_id, client_secret, redirect_uris: [...] }  (client_secret_basic, PKCE S256)
//   accounts: [{ sub, email, email_verified, xms_edov, name, amr: [...] }]  (xms_edov: as Entra ID)
//   tamper_id_token: null | "signature" | "audience" | "expired" | "issuer" | "nonce"
//   slow_token_ms:   0 | N  (the token endpoint answers N ms late)
// The knobs can also be changed while running: PUT /test-control with a JSON body holding any of
// them, and `"rotate_key": true`, which retires the signing key for a new one (a new `kid`; the
// JWKS lists the new key only, as after a provider's key rotation). GET /test-control answers
// how often the discovery document and the JWKS were read: {"discovery_reads": N, "jwks_reads": N}.
import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.UPSTREAM_CONFIG ?? '{}');
const accounts = config.accounts ?? [];
const knobs = {
  tamper_id_token: config.tamper_id_token ?? null,
  slow_token_ms: config.slow_token_ms ?? 0,
};
const TAMPERS = [null, 'signature', 'audience', 'expired', 'issuer', 'nonce'];
if (!TAMPERS.includes(knobs.tamper_id_token)) {
  throw new Error(`tamper_id_token must be one of ${TAMPERS.join(', ')}`);
}
if (!config.client?.client_id || !config.client?.client_secret || !config.client?.redirect_uris) {
  throw new Error('UPSTREAM_CONFIG.client needs client_id, client_secret and redirect_uris');
}

// Listen first: with port 0 the issuer (which names the port) is only known afterwards.
let handler = (_req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

// A fresh RSA key per run (RS256, the ID tokens' default); kept here to re-sign tampered tokens.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'upstream-test-key', alg: 'RS256', use: 'sig' };
// The key ID tokens are signed with: oidc-provider's own until a rotation replaces it.
let signing = { privateKey, kid: signingJwk.kid, rotated: false };
const reads = { discovery_reads: 0, jwks_reads: 0 };

function rotateKey() {
  const next = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  signing = { privateKey: next.privateKey, kid: `upstream-test-key-${crypto.randomUUID()}`, rotated: true };
}

const findByLogin = (login) => accounts.find((a) => a.sub === login || a.email === login);

const provider = new Provider(issuer, {
  clients: [{
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    ...config.client,
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['upstream-idp-test-cookie-key-1', 'upstream-idp-test-cookie-key-2'] },
  pkce: { required: () => true }, // v9 supports S256 only
  features: { devInteractions: { enabled: false } },
  claims: {
    acr: null,
    sid: null,
    auth_time: null,
    iss: null,
    // `amr` is only in the ID token when a scope names it (standalone, only when asked for with
    // the claims parameter); the login result's `amr` (see below) fills it.
    openid: ['sub', 'amr'],
    // `xms_edov`: Microsoft Entra ID's "email domain owner verified", in place of email_verified.
    email: ['email', 'email_verified', 'xms_edov'],
    profile: ['name'],
  },
  // By default the ID token of a code flow carries only `sub` (the rest from userinfo): put the
  // scopes' claims in the ID token too, as Entra ID, Okta and Google do.
  conformIdTokenClaims: false,
  async findAccount(_ctx, id) {
    const account = accounts.find((a) => a.sub === id);
    if (!account) return undefined;
    return {
      accountId: account.sub,
      async claims() {
        return {
          sub: account.sub,
          email: account.email,
          email_verified: account.email_verified,
          xms_edov: account.xms_edov,
          name: account.name,
        };
      },
    };
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Error</title><h1>${html(out.error)}</h1><p>${html(out.error_description ?? '')}</p>`;
  },
});
provider.on('server_error', (_ctx, err) => console.error('upstream idp server_error', err));

// The refusal knobs, around the token endpoint's answer; the key rotation, around the JWKS and
// the ID token; the read counters.
provider.use(async (ctx, next) => {
  const isToken = ctx.method === 'POST' && ctx.path === '/token';
  if (ctx.method === 'GET' && ctx.path === '/.well-known/openid-configuration') reads.discovery_reads += 1;
  if (ctx.method === 'GET' && ctx.path === '/jwks') reads.jwks_reads += 1;
  if (isToken && knobs.slow_token_ms > 0) {
    await new Promise((resolve) => { setTimeout(resolve, knobs.slow_token_ms); });
  }
  await next();
  if (ctx.method === 'GET' && ctx.path === '/jwks' && signing.rotated) {
    const { kty, n, e } = signing.privateKey.export({ format: 'jwk' });
    ctx.body = { keys: [{ kty, n, e, kid: signing.kid, alg: 'RS256', use: 'sig' }] };
  }
  if (isToken && ctx.status === 200 && ctx.body?.id_token) {
    let idToken = ctx.body.id_token;
    if (signing.rotated) idToken = resign(idToken, (claims) => claims);
    if (knobs.tamper_id_token) idToken = tamper(idToken, knobs.tamper_id_token);
    ctx.body = { ...ctx.body, id_token: idToken };
  }
});

// The token with its claims changed as `change` says, signed with the current key.
function resign(jwt, change) {
  const [header, payload] = jwt.split('.');
  const head = { ...JSON.parse(Buffer.from(header, 'base64url')), kid: signing.kid };
  const claims = change(JSON.parse(Buffer.from(payload, 'base64url')));
  const body = `${Buffer.from(JSON.stringify(head)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${crypto.sign('sha256', Buffer.from(body), signing.privateKey).toString('base64url')}`;
}

function tamper(jwt, how) {
  const [header, payload, signature] = jwt.split('.');
  if (how === 'signature') {
    const bytes = Buffer.from(signature, 'base64url');
    bytes[0] ^= 0x01;
    return `${header}.${payload}.${bytes.toString('base64url')}`;
  }
  // The other modes keep a valid signature over a wrong claim.
  return resign(jwt, (claims) => {
    if (how === 'audience') claims.aud = 'some-other-client';
    if (how === 'expired') { claims.iat -= 7200; claims.exp = Math.floor(Date.now() / 1000) - 3600; }
    if (how === 'issuer') claims.iss = `${issuer}/elsewhere`;
    if (how === 'nonce') claims.nonce = 'not-the-nonce-that-was-sent';
    return claims;
  });
}

// Interactions. oidc-provider's own dev interactions are off (their form is not stable ground for
// tests): a minimal login form instead, labelled Username and Sign in, that accepts an account's
// sub or email without a password, and consent granted at once, so no consent screen appears.
const callback = provider.callback();
handler = async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/test-control' && req.method === 'PUT') {
      const { rotate_key: rotate, ...changed } = JSON.parse(await body(req));
      Object.assign(knobs, changed);
      if (rotate) rotateKey();
      res.writeHead(204).end();
    } else if (url.pathname === '/test-control' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reads));
    } else if (/^\/interaction\/[^/]+$/.test(url.pathname) && req.method === 'GET') {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        page(res, 200, `<h1>Sign in to the company</h1>
<form method="post" action="/interaction/${html(details.uid)}/login">
  <label for="username">Username</label>
  <input id="username" name="username" autofocus>
  <button type="submit">Sign in</button>
</form>`);
      } else {
        await finish(req, res, details, {});
      }
    } else if (/^\/interaction\/[^/]+\/login$/.test(url.pathname) && req.method === 'POST') {
      const details = await provider.interactionDetails(req, res);
      const login = new URLSearchParams(await body(req)).get('username')?.trim() ?? '';
      const account = findByLogin(login);
      if (!account) {
        page(res, 200, `<h1>Sign in to the company</h1><p role="alert">Unknown user ${html(login)}.</p>
<form method="post" action="/interaction/${html(details.uid)}/login">
  <label for="username">Username</label>
  <input id="username" name="username" value="${html(login)}">
  <button type="submit">Sign in</button>
</form>`);
        return;
      }
      // `amr` given with the login result is kept on the session and reaches the ID token.
      await finish(req, res, details, { login: { accountId: account.sub, amr: account.amr } });
    } else {
      callback(req, res);
    }
  } catch (err) {
    console.error('upstream idp interaction error', err);
    if (!res.headersSent) page(res, 400, `<h1>Error</h1><p>${html(err.message)}</p>`);
  }
};

// Ends the interaction, granting whatever consent the request needs (scopes and claims).
async function finish(req, res, details, result) {
  const accountId = result.login?.accountId ?? details.session?.accountId;
  const missing = details.prompt.name === 'consent' ? details.prompt.details : {};
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(['openid', 'email', 'profile', ...(missing.missingOIDCScope ?? [])].join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { ...result, consent: { grantId } }, { mergeWithLastSubmission: true });
}

function page(res, status, content) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Company sign-in</title><body>${content}</body></html>`);
}

function body(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function html(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
console.log(`READY ${issuer}`);
