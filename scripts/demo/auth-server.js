// The demo's authorization server and protected API, on 127.0.0.1 only.
// A real OAuth 2.0 server (@node-oauth/oauth2-server) with an in-memory store:
// password, client_credentials and refresh_token grants, short-lived tokens so the
// auth objects' background refresh shows within a minute.
//
//   POST /token            token endpoint (RFC 6749 §4.3, §4.4, §6)
//   GET  /api/hello        protected API: needs a bearer token with scope "read" (RFC 6750)
//   GET  /                 a page listing what the flows asked for, newest first
//   GET  /demo/stats       the same as JSON (tests read it)
//   POST /demo/revoke      revokes every token issued so far, to see a flow recover from a 401
//   /oidc/...              an OpenID provider for signing in as a person (scripts/demo/oidc.js):
//                          authorization code with PKCE, device flow, rotating refresh tokens
//
// checkAccessToken(token) on the returned server tells whether it issued `token` and the
// token is still valid: the demo inbox asks it when a flow logs in with SMTP AUTH XOAUTH2.
const http = require('node:http');
const { createHash, randomBytes } = require('node:crypto');
const { URLSearchParams } = require('node:url');
const { Buffer } = require('node:buffer');
const OAuth2Server = require('@node-oauth/oauth2-server');
const { createOidcProvider } = require('./oidc');

// Demo-only credentials, printed in the banner and filled into the demo's auth objects.
const DEMO = {
  app: { clientId: 'demo-app', clientSecret: 'demo-app-secret' },
  service: { clientId: 'demo-service', clientSecret: 'demo-service-secret' },
  user: { username: 'demo-user', password: 'demo-password' },
};

const CLIENTS = [
  { id: DEMO.app.clientId, secret: DEMO.app.clientSecret, grants: ['password', 'refresh_token'] },
  { id: DEMO.service.clientId, secret: DEMO.service.clientSecret, grants: ['client_credentials'] },
];
// mail.send: what the demo's mail auth object asks for (a real mail provider has its own
// scope for SMTP, e.g. Microsoft 365's https://outlook.office365.com/.default).
const SCOPES = ['read', 'write', 'mail.send'];
const KEEP = 500; // records kept for the page and /demo/stats

function formDecode(s) {
  try {
    return decodeURIComponent(String(s).replace(/\+/g, ' '));
  } catch {
    return String(s);
  }
}

function escapeHtml(s) {
  return String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

function readBody(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function headerRecord(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * A short fingerprint of an access token: the token server's records and the demo inbox
 * show it, so a mail can be matched with the token request it logged in with, without
 * either showing the token itself.
 */
function tokenId(accessToken) {
  return createHash('sha256').update(accessToken).digest('hex').slice(0, 12);
}

function basicClientId(header) {
  const m = /^\s*basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? undefined : formDecode(decoded.slice(0, i));
}

/**
 * Starts the server. Resolves once it listens; rejects with the listen error
 * (err.code 'EADDRINUSE' when the port is taken).
 * @param {{port?: number, host?: string, tokenLifetime?: number, nodeRedPorts?: number[]}} [options]
 *   nodeRedPorts: the Node-RED ports whose editor may sign in (its redirect URI on localhost)
 */
async function startAuthServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const tokenLifetime = options.tokenLifetime ?? 60;
  const refreshTokenLifetime = 24 * 3600;
  const accessTokens = new Map();
  const refreshTokens = new Map();
  const tokenRequests = [];
  const apiRequests = [];

  const record = (list, entry) => {
    list.push({ at: new Date().toISOString(), ...entry });
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  };

  const pruneExpired = () => {
    const now = Date.now();
    for (const [k, t] of accessTokens)
      if (t.accessTokenExpiresAt.getTime() < now) accessTokens.delete(k);
    for (const [k, t] of refreshTokens) {
      if (t.refreshTokenExpiresAt && t.refreshTokenExpiresAt.getTime() < now)
        refreshTokens.delete(k);
    }
  };

  const model = {
    async getClient(clientId, clientSecret) {
      const id = formDecode(clientId);
      const client = CLIENTS.find((c) => c.id === clientId || c.id === id);
      if (!client) return false;
      if (clientSecret === undefined || clientSecret === null) return false;
      return clientSecret === client.secret || formDecode(clientSecret) === client.secret
        ? client
        : false;
    },
    async getUser(username, password) {
      return username === DEMO.user.username && password === DEMO.user.password
        ? { id: username, username }
        : false;
    },
    async getUserFromClient(client) {
      return { id: `service:${client.id}`, username: `service:${client.id}` };
    },
    async validateScope(_user, _client, scope) {
      const requested = (scope ?? []).filter((s) => s !== '');
      if (requested.length === 0) return ['read'];
      return requested.every((s) => SCOPES.includes(s)) ? requested : false;
    },
    async verifyScope(token, required) {
      const granted = token.scope ?? [];
      return required.every((s) => granted.includes(s));
    },
    async generateAccessToken() {
      return `demo-at-${randomBytes(24).toString('base64url')}`;
    },
    async generateRefreshToken() {
      return `demo-rt-${randomBytes(24).toString('base64url')}`;
    },
    async saveToken(token, client, user) {
      pruneExpired();
      const saved = { ...token, client, user };
      accessTokens.set(saved.accessToken, saved);
      if (saved.refreshToken) refreshTokens.set(saved.refreshToken, saved);
      return saved;
    },
    async getAccessToken(accessToken) {
      return accessTokens.get(accessToken) ?? false;
    },
    async getRefreshToken(refreshToken) {
      return refreshTokens.get(refreshToken) ?? false;
    },
    async revokeToken(token) {
      return refreshTokens.delete(token.refreshToken);
    },
  };

  const oauth = new OAuth2Server({ model });

  function send(res, status, headers, body) {
    if (res.headersSent || res.destroyed) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type':
        typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  async function handleToken(req, res, url) {
    const raw = await readBody(req);
    const isForm = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
    const body = isForm ? Object.fromEntries(new URLSearchParams(raw)) : {};
    const entry = {
      grantType: body.grant_type ?? '',
      clientId: basicClientId(req.headers.authorization) ?? body.client_id ?? '',
      username: body.username,
    };
    const request = new OAuth2Server.Request({
      headers: headerRecord(req.headers),
      method: req.method ?? 'GET',
      query: Object.fromEntries(url.searchParams),
      body,
    });
    const response = new OAuth2Server.Response({ headers: {} });
    try {
      await oauth.token(request, response, {
        accessTokenLifetime: tokenLifetime,
        refreshTokenLifetime,
        alwaysIssueNewRefreshToken: true,
      });
      // The library derives expires_in from the clock, one second short; send the lifetime.
      const at = String(response.body?.access_token ?? '');
      record(tokenRequests, {
        ...entry,
        scope: String(response.body?.scope ?? ''),
        tokenId: tokenId(at),
        status: 200,
      });
      send(res, 200, response.headers ?? {}, { ...response.body, expires_in: tokenLifetime });
    } catch (err) {
      const status =
        typeof err.code === 'number' && err.code >= 400 && err.code < 600 ? err.code : 500;
      const error = typeof err.name === 'string' ? err.name : 'server_error';
      record(tokenRequests, { ...entry, status, error });
      send(res, status, response.headers ?? {}, {
        error,
        error_description: String(err.message ?? 'error'),
      });
    }
  }

  /**
   * A bearer token the OpenID provider issued to a signed-in person, with scope read, as the
   * API needs it; undefined for any other (the OAuth server then decides).
   */
  async function signedInToken(authorization) {
    const m = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m || !oidc) return undefined;
    const t = await oidc.checkAccessToken(m[1]);
    if (!t || !t.scope.split(' ').includes('read')) return undefined;
    return {
      client: { id: t.clientId },
      user: { username: t.user },
      scope: t.scope.split(' '),
      accessTokenExpiresAt: new Date(t.expiresAt),
    };
  }

  async function handleApi(req, res, url) {
    await readBody(req);
    const request = new OAuth2Server.Request({
      headers: headerRecord(req.headers),
      method: req.method ?? 'GET',
      query: Object.fromEntries(url.searchParams),
      body: {},
    });
    const response = new OAuth2Server.Response({ headers: {} });
    try {
      const signedIn = await signedInToken(req.headers.authorization);
      const token = signedIn ?? (await oauth.authenticate(request, response, { scope: ['read'] }));
      record(apiRequests, { clientId: token.client.id, user: token.user.username, status: 200 });
      send(
        res,
        200,
        {},
        {
          message: `Hello, ${token.user.username}!`,
          user: token.user.username,
          client: token.client.id,
          scope: token.scope,
          tokenExpiresAt: token.accessTokenExpiresAt.toISOString(),
        },
      );
    } catch (err) {
      const status = err.code === 403 ? 403 : 401;
      const error = typeof err.name === 'string' ? err.name : 'invalid_token';
      record(apiRequests, { status, error });
      send(
        res,
        status,
        {
          'www-authenticate':
            response.get('www-authenticate') ?? 'Bearer realm="Service",error="invalid_token"',
        },
        { error, error_description: String(err.message ?? 'unauthorized') },
      );
    }
  }

  function page(base) {
    const rows = (list, cells) =>
      list
        .slice()
        .reverse()
        .slice(0, 50)
        .map(
          (e) =>
            `<tr>${cells(e)
              .map((c) => `<td>${escapeHtml(c)}</td>`)
              .join('')}</tr>`,
        )
        .join('\n');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo authorization server</title>
<meta http-equiv="refresh" content="5">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
code{background:#f3f3f3;padding:0 .2em}.ok{color:#070}.bad{color:#a00}
</style></head><body>
<h1>Demo authorization server</h1>
<p>Local OAuth 2.0 server for the node-red-contrib-auth-objects demo. Access tokens live
${tokenLifetime} s, so the auth objects renew them in the background every ${Math.round(tokenLifetime / 2)} s.</p>
<ul>
<li>Token URL: <code>${escapeHtml(base)}/token</code> (password, client_credentials, refresh_token)</li>
<li>Protected API: <code>GET ${escapeHtml(base)}/api/hello</code> (bearer token with scope <code>read</code>)</li>
<li>Password grant: client <code>${DEMO.app.clientId}</code> / <code>${DEMO.app.clientSecret}</code>,
user <code>${DEMO.user.username}</code> / <code>${DEMO.user.password}</code></li>
<li>Client credentials: client <code>${DEMO.service.clientId}</code> / <code>${DEMO.service.clientSecret}</code></li>
<li>Signing in as a person (authorization code with PKCE, device flow): OpenID issuer
<code>${escapeHtml(base)}/oidc</code>, public client <code>${oidc.clientId}</code> (no secret),
user <code>${DEMO.user.username}</code> (the development sign-in page takes any password), scope
<code>openid offline_access read</code>; device codes are entered at
<a href="${escapeHtml(oidc.devicePage)}">${escapeHtml(oidc.devicePage)}</a>. Refresh tokens
rotate: each refresh returns a new one and ends the old one.</li>
<li>The demo mail inbox accepts SMTP AUTH XOAUTH2 with any access token issued here that
has not expired (the mail example asks for scope <code>mail.send</code>).</li>
</ul>
<form method="post" action="/demo/revoke"><button>Revoke every token issued so far</button>
(the next API call answers 401; the client-credentials example then retries once with a new token)</form>
<h2>Token requests (newest first)</h2>
<table><tr><th>time</th><th>grant</th><th>client</th><th>user</th><th>scope</th><th>token id</th><th>status</th></tr>
${rows(tokenRequests, (e) => [e.at, e.grantType, e.clientId, e.username ?? '', e.scope ?? '', e.tokenId ?? '', e.error ? `${e.status} ${e.error}` : e.status])}
</table>
<h2>API calls (newest first)</h2>
<table><tr><th>time</th><th>client</th><th>user</th><th>status</th></tr>
${rows(apiRequests, (e) => [e.at, e.clientId ?? '', e.user ?? '', e.error ? `${e.status} ${e.error}` : e.status])}
</table>
</body></html>
`;
  }

  let base = '';
  let oidc;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const route = `${req.method} ${url.pathname}`;
    if (oidc && (url.pathname === '/oidc' || url.pathname.startsWith('/oidc/'))) {
      oidc.handle(req, res);
      return;
    }
    const work =
      url.pathname === '/token'
        ? handleToken(req, res, url)
        : url.pathname === '/api/hello'
          ? handleApi(req, res, url)
          : route === 'GET /'
            ? Promise.resolve(send(res, 200, {}, page(base)))
            : route === 'GET /demo/stats'
              ? Promise.resolve(send(res, 200, {}, { tokenLifetime, tokenRequests, apiRequests }))
              : route === 'POST /demo/revoke'
                ? Promise.resolve().then(() => {
                    accessTokens.clear();
                    refreshTokens.clear();
                    send(res, 303, { location: '/' }, { revoked: true });
                  })
                : Promise.resolve(send(res, 404, {}, { error: 'not_found' }));
    work.catch((err) => send(res, err.status ?? 500, {}, { error: 'server_error' }));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8090, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  base = `http://${host}:${port}`;
  oidc = await createOidcProvider({
    base,
    user: DEMO.user,
    nodeRedPorts: options.nodeRedPorts ?? [1880],
    tokenLifetime,
    record: (entry) => record(tokenRequests, entry),
  });

  return {
    url: base,
    tokenUrl: `${base}/token`,
    apiUrl: `${base}/api/hello`,
    port,
    /** The OpenID provider for signing in: issuer, client, endpoints, device page. */
    signIn: {
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      authorizeUrl: oidc.authorizeUrl,
      tokenUrl: oidc.tokenUrl,
      deviceAuthorizationUrl: oidc.deviceAuthorizationUrl,
      devicePage: oidc.devicePage,
    },
    /**
     * What this server knows of `token` if it issued it and it is still valid (not
     * expired, not revoked): `{clientId, user, scope, expiresAt, tokenId}`; else undefined.
     * @param {string} token
     */
    checkAccessToken(token) {
      const t = typeof token === 'string' ? accessTokens.get(token) : undefined;
      if (!t || t.accessTokenExpiresAt.getTime() <= Date.now()) return undefined;
      return {
        clientId: t.client.id,
        user: t.user.username,
        scope: Array.isArray(t.scope) ? t.scope.join(' ') : String(t.scope ?? ''),
        expiresAt: t.accessTokenExpiresAt.toISOString(),
        tokenId: tokenId(token),
      };
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

module.exports = { startAuthServer, DEMO };
