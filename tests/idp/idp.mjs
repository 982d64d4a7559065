// Local OIDC issuer for the netinvite tests (oidc-provider 9.13.3).
//
// Listens on 127.0.0.1 only. With IDP_PORT unset (or 0) the kernel picks a free
// port; once the issuer is ready, exactly one line is printed to stdout:
//
//     listening on http://127.0.0.1:<port>
//
// Everything else (request log, oidc-provider warnings) goes to stderr.
//
// Environment (all optional):
//   IDP_PORT          port to listen on (default 0 = any free port)
//   IDP_KID           kid of the RS256 signing key (default netinvite-test-1)
//   IDP_AUTO_LOGIN    account logged in by the auto-approve handler (default alice)
//   IDP_ACCOUNT_FILE  file holding the account to log in; read (and trimmed) at
//                     EACH interaction, so one issuer signs in several people in
//                     turn: write `bob`, run a flow, write `dave`, ... Missing or
//                     empty: IDP_AUTO_LOGIN.
//   IDP_ADMINS        comma-separated subs that get system_role system-admin;
//                     when set, everyone else gets `user`
//   IDP_EMAIL         email claim (default <sub>@netinvite.test); with
//                     IDP_ACCOUNT_FILE or IDP_ADMINS it is always <sub>@example.com,
//                     a domain the backend's email validation accepts (it refuses
//                     special-use ones such as .test in invitations)
//   IDP_SYSTEM_ROLE   system_role claim for everyone when IDP_ADMINS is unset
//                     (default system-admin)
//   IDP_ACCESS_TTL    access token lifetime, seconds (default 300)
//   IDP_ID_TTL        ID token lifetime, seconds (default 300)
//   IDP_REFRESH_TTL   refresh token lifetime, seconds (default 86400)
//   IDP_DEVICE_TTL    device code lifetime, seconds (default 600)
//   IDP_EXIT_WITH_PARENT  1 (default): exit when the parent process goes away
//                     (so a killed test never leaves an issuer behind); 0: don't.
//
// Clients (all public, native, PKCE required, loopback redirect on any port):
//   netinvite        normal client
//   netinvite-other  normal client (tokens with a different audience)
//   netinvite-deny   every interaction ends with error=access_denied
//
// The issuer stops at once on SIGTERM / SIGINT.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

function envInt(name, def) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`idp: ${name} must be a non-negative integer, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}

function envStr(name, def) {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? def : raw;
}

const PORT = envInt('IDP_PORT', 0);
const KID = envStr('IDP_KID', 'netinvite-test-1');
const AUTO_LOGIN = envStr('IDP_AUTO_LOGIN', 'alice');
const SYSTEM_ROLE = envStr('IDP_SYSTEM_ROLE', 'system-admin');
const ACCOUNT_FILE = envStr('IDP_ACCOUNT_FILE', '');
const ADMINS_RAW = envStr('IDP_ADMINS', '');
const ADMINS = ADMINS_RAW === ''
  ? null
  : new Set(ADMINS_RAW.split(',').map((s) => s.trim()).filter((s) => s !== ''));
// Several people: every account gets its own address on a real-looking domain.
const PER_PERSON = ACCOUNT_FILE !== '' || ADMINS !== null;
const ACCESS_TTL = envInt('IDP_ACCESS_TTL', 300);
const ID_TTL = envInt('IDP_ID_TTL', 300);
const REFRESH_TTL = envInt('IDP_REFRESH_TTL', 86400);
const DEVICE_TTL = envInt('IDP_DEVICE_TTL', 600);
const EXIT_WITH_PARENT = envStr('IDP_EXIT_WITH_PARENT', '1') !== '0';

const DENY_CLIENT = 'netinvite-deny';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

// Exit when orphaned (the test process that spawned us died without killing us).
// (process.ppid is fixed at startup in Node 20, so ask the kernel each time.)
function currentParent() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
if (EXIT_WITH_PARENT) {
  const parent = currentParent() ?? process.ppid;
  setInterval(() => {
    const now = currentParent();
    if (now !== undefined ? now !== parent : !alive(parent)) process.exit(0);
  }, 500).unref();
}
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// ---- HTTP server first: bind, learn the real port, then build the Provider.
const server = http.createServer();
server.on('error', (err) => {
  process.stderr.write(`idp: cannot listen on 127.0.0.1:${PORT}: ${err.message}\n`);
  process.exit(1);
});
await new Promise((resolve) => server.listen(PORT, '127.0.0.1', resolve));
const { port } = server.address();
const ISSUER = `http://127.0.0.1:${port}`;

// ---- Signing key, generated per run.
// Generated as PEM and read back into a key object of its own before the JWK export.
// Exporting the KeyObject that generateKeyPairSync returns can deadlock Node 20: the
// export holds the key's mutex while allocating, a garbage collection then may destroy
// the finished key-generation job, whose destructor takes the same (shared) mutex. The
// issuer then hangs before it announces its URL, idle, for good.
const { privateKey: pem } = crypto.generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const privateKey = crypto.createPrivateKey(pem);
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' };

function client(clientId) {
  return {
    client_id: clientId,
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
    id_token_signed_response_alg: 'RS256',
  };
}

const provider = new Provider(ISSUER, {
  clients: [client('netinvite'), client('netinvite-other'), client(DENY_CLIENT)],
  jwks: { keys: [jwk] },
  // IDP_JWKS_ROUTE=/jwks publishes the keys elsewhere, as Keycloak or Okta do.
  routes: { jwks: envStr('IDP_JWKS_ROUTE', '/.well-known/jwks.json') },
  scopes: ['openid', 'offline_access', 'email'],
  claims: {
    openid: ['sub', 'system_role'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false,
  // Refresh tokens for every client allowed the refresh_token grant, also in the
  // code flow (where offline_access is dropped unless prompt=consent).
  issueRefreshToken: async (_ctx, c) => c.grantTypeAllowed('refresh_token'),
  // Refresh tokens live for IDP_REFRESH_TTL, independent of the browser session.
  expiresWithSession: async () => false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
  },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  ttl: {
    AccessToken: ACCESS_TTL,
    IdToken: ID_TTL,
    RefreshToken: REFRESH_TTL,
    DeviceCode: DEVICE_TTL,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 86400,
    Grant: Math.max(REFRESH_TTL, 86400),
  },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: PER_PERSON ? `${sub}@example.com` : envStr('IDP_EMAIL', `${sub}@netinvite.test`),
          email_verified: true,
          system_role: ADMINS ? (ADMINS.has(sub) ? 'system-admin' : 'user') : SYSTEM_ROLE,
        };
      },
    };
  },
});

// The account to sign in now: IDP_ACCOUNT_FILE's content, trimmed, else IDP_AUTO_LOGIN.
function currentAccount() {
  if (ACCOUNT_FILE !== '') {
    try {
      const name = fs.readFileSync(ACCOUNT_FILE, 'utf8').trim();
      if (name !== '') return name;
    } catch (err) {
      process.stderr.write(`idp: cannot read IDP_ACCOUNT_FILE (${err.code}); signing in ${AUTO_LOGIN}\n`);
    }
  }
  return AUTO_LOGIN;
}

// ---- Auto-approve: GET /interaction/:uid logs in the current account (see
// currentAccount) and grants the requested OIDC scopes in one step (or denies,
// for the deny client).
const INTERACTION = /^\/interaction\/([^/]+)\/?$/;
provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !INTERACTION.test(ctx.path)) {
    return next();
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { params } = details;
  let result;
  if (params.client_id === DENY_CLIENT) {
    result = { error: 'access_denied', error_description: 'The user denied the request' };
  } else {
    const accountId = currentAccount();
    // A grant found through the session may belong to whoever signed in
    // before: only reuse one of this account.
    let grant;
    if (details.grantId) grant = await provider.Grant.find(details.grantId);
    if (!grant || grant.accountId !== accountId) {
      grant = new provider.Grant({ accountId, clientId: params.client_id });
    }
    if (params.scope) grant.addOIDCScope(params.scope);
    const grantId = await grant.save();
    result = { login: { accountId }, consent: { grantId } };
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
  return undefined;
});

// ---- Request log: method, path (never the query string), status.
const handler = provider.callback();
server.on('request', (req, res) => {
  const path = (req.url || '/').split('?')[0];
  res.on('finish', () => {
    process.stderr.write(`idp: ${req.method} ${path} ${res.statusCode}\n`);
  });
  handler(req, res);
});

provider.on('server_error', (_ctx, err) => {
  process.stderr.write(`idp: server_error: ${err && err.stack ? err.stack : err}\n`);
});

process.stdout.write(`listening on ${ISSUER}\n`);
