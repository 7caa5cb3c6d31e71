// The demo's OpenID provider for delegated access (sign in as a person), served by the
// demo authorization server under /oidc: oidc-provider (a certified OpenID Provider) with
// its development sign-in and consent pages, the authorization code grant with PKCE
// required, the device flow (its code entry page is /oidc/device), and refresh tokens that
// rotate at every use. In memory only: a restart of the demo forgets every sign-in at the
// provider, so the auth objects must sign in again.
const { generateKeyPairSync, randomBytes } = require('node:crypto');

/** The public client the delegated examples use (no secret: PKCE protects the code). */
const SIGNIN_CLIENT = 'demo-signin';

/** A page of the device flow: plain, offline (no web fonts), the provider's form inside. */
function devicePage(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:16px/1.4 system-ui,sans-serif;max-width:22em;margin:3em auto;color:#222;text-align:center}
input[type=text]{font:1.4em monospace;text-transform:uppercase;text-align:center;width:100%;box-sizing:border-box;padding:.3em}
button{font-size:1em;margin:.8em .3em;padding:.4em 1.2em}code{font-size:1.6em}
</style></head><body><h1>${title}</h1>${body}</body></html>`;
}

// The device flow's pages: enter the code, confirm it, done. The provider passes its own
// form (with its CSRF token); these pages only wrap it.
const deviceFlowPages = {
  async userCodeInputSource(ctx, form, _out, err) {
    const note = err
      ? '<p style="color:#a00">That code is not valid (or has expired). Try again.</p>'
      : '<p>Enter the code the Node-RED editor shows.</p>';
    ctx.body = devicePage(
      'Demo device sign-in',
      `${note}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`,
    );
  },
  async userCodeConfirmSource(ctx, form, client, _deviceInfo, userCode) {
    ctx.body = devicePage(
      'Confirm the code',
      `<p>Sign in <b>${client.clientId}</b> with the code</p><p><code>${userCode}</code></p>
<p>Continue only if the Node-RED editor shows this code.</p>${form}
<button autofocus type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>`,
    );
  },
  async successSource(ctx) {
    ctx.body = devicePage(
      'Signed in',
      '<p>You can close this page: the Node-RED editor shows who signed in.</p>',
    );
  },
};

/**
 * The provider, not yet listening: `handle(req, res)` serves a request whose path starts
 * with `/oidc` (the prefix is the provider's mount path).
 * @param {{base: string, user: {username: string}, nodeRedPorts: number[], tokenLifetime: number,
 *   record: (entry: object) => void}} options
 */
async function createOidcProvider({ base, user, nodeRedPorts, tokenLifetime, record }) {
  const { default: Provider } = await import('oidc-provider');
  const issuer = `${base}/oidc`;
  // The editor's redirect URI is <editor URL>/auth-objects/callback. As a native client,
  // any port on 127.0.0.1 is accepted (RFC 8252 §7.3); localhost needs the port named.
  const redirectUris = [
    'http://127.0.0.1/auth-objects/callback',
    ...nodeRedPorts.map((p) => `http://localhost:${p}/auth-objects/callback`),
  ];
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'jwk',
  });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: SIGNIN_CLIENT,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: [
          'authorization_code',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:device_code',
        ],
        response_types: ['code'],
        redirect_uris: redirectUris,
      },
    ],
    jwks: { keys: [{ ...key, use: 'sig', alg: 'RS256', kid: 'demo' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true, ...deviceFlowPages },
      revocation: { enabled: true },
    },
    pkce: { required: () => true },
    // A new refresh token at every refresh; the old one stops working.
    rotateRefreshToken: true,
    scopes: ['openid', 'offline_access', 'profile', 'email', 'read'],
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name'],
      email: ['email'],
    },
    // Only the demo user can sign in: another name brings the sign-in page back.
    async findAccount(_ctx, sub) {
      if (sub !== user.username) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, preferred_username: sub, name: 'Demo User', email: `${sub}@demo.local` };
        },
      };
    },
    // A refresh token always, for every grant that signs a person in.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: tokenLifetime,
      IdToken: 3600,
      AuthorizationCode: 60,
      DeviceCode: 600,
      RefreshToken: 14 * 86400,
      Grant: 14 * 86400,
      Session: 14 * 86400,
      Interaction: 3600,
    },
  });
  provider.on('server_error', () => {});
  provider.on('grant.success', (ctx) => {
    const grant = String(ctx.oidc.params?.grant_type ?? '');
    record({
      grantType: grant.replace('urn:ietf:params:oauth:grant-type:', ''),
      clientId: ctx.oidc.client?.clientId ?? '',
      username: ctx.oidc.entities?.Account?.accountId ?? ctx.oidc.account?.accountId,
      scope: String(ctx.body?.scope ?? ''),
      status: 200,
    });
  });
  provider.on('grant.error', (ctx, err) => {
    const grant = String(ctx.oidc?.params?.grant_type ?? '');
    // The device flow's "not yet" is part of the flow, not a failure worth a row.
    if (err?.error === 'authorization_pending' || err?.error === 'slow_down') return;
    record({
      grantType: grant.replace('urn:ietf:params:oauth:grant-type:', ''),
      clientId: ctx.oidc?.client?.clientId ?? '',
      status: err?.statusCode ?? 400,
      error: String(err?.error ?? 'invalid_request'),
    });
  });
  const callback = provider.callback();

  return {
    issuer,
    clientId: SIGNIN_CLIENT,
    authorizeUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    deviceAuthorizationUrl: `${issuer}/device/auth`,
    devicePage: `${issuer}/device`,
    handle(req, res) {
      // oidc-provider finds its mount path from originalUrl and the remaining url.
      req.originalUrl = req.url;
      req.url = req.url.slice('/oidc'.length) || '/';
      callback(req, res);
    },
    /**
     * What the provider knows of an access token it issued and that is still valid:
     * `{clientId, user, scope, expiresAt}`; else undefined.
     * @param {string} token
     */
    async checkAccessToken(token) {
      const at = typeof token === 'string' ? await provider.AccessToken.find(token) : undefined;
      if (!at || at.isExpired) return undefined;
      return {
        clientId: at.clientId,
        user: at.accountId,
        scope: String(at.scope ?? ''),
        expiresAt: new Date(at.exp * 1000).toISOString(),
      };
    },
  };
}

module.exports = { createOidcProvider, SIGNIN_CLIENT };
