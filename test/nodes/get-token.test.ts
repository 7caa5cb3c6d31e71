import { expect } from 'chai';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { handlers, startRawServer, type RawServer } from '../fixtures/raw-server';
import {
  coreNodes,
  emitted,
  expectNoSecrets,
  flowOf,
  helper,
  load,
  type Loaded,
} from '../helpers/runtime';
import { leaks } from '../helpers/secret-forms';
import { within } from '../helpers/within';

const conf = DEMO.confidential;
const user = DEMO.user;
const passwordCreds = { auth: { ...conf, ...user } };
const ccCreds = { auth: { ...conf } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stand-ins for the e-mail and http request nodes, and a node that passes messages on. */
function stubNodes(RED: NodeAPI) {
  for (const type of ['e-mail', 'http request', 'stub']) {
    RED.nodes.registerType(type, function (this: Node, n: NodeDef) {
      RED.nodes.createNode(this, n);
      this.on('input', (msg, send, done) => {
        send(msg);
        done();
      });
    });
  }
}
type Token = {
  access_token: string;
  token_type: string;
  expires_in: number;
  expires_at: string;
  scope: string;
};

describe('get token with a real authorization server', function () {
  this.timeout(30_000);
  let server: OAuthServer;
  let loaded: Loaded | undefined;
  /** Secrets that must not leak, checked after every test. */
  let secrets: string[];

  beforeEach(async () => {
    server = await startOAuthServer();
    secrets = [conf.clientSecret, user.password];
  });
  afterEach(async () => {
    try {
      if (loaded) expectNoSecrets(loaded, [...secrets, ...server.issuedRefreshTokens]);
    } finally {
      loaded = undefined;
      await helper.unload();
      await server.close();
    }
  });

  it('gets a token by the password grant with HTTP Basic client authentication', async () => {
    loaded = await load(
      flowOf({ grantType: 'password', tokenUrl: server.tokenUrl }),
      passwordCreds,
    );
    loaded.send({ headers: { 'x-keep': '1', authorization: 'Basic old' } });
    await loaded.settled(1);
    const msg = loaded.out[0]!;
    const token = msg.token as Token;
    expect(token.access_token).to.equal(server.issuedAccessTokens[0]);
    expect(token.token_type).to.equal('Bearer');
    expect(token.expires_in).to.be.within(3590, 3600);
    expect(Date.parse(token.expires_at)).to.be.closeTo(Date.now() + 3600_000, 10_000);
    expect(token).to.have.all.keys(
      'access_token',
      'token_type',
      'expires_in',
      'expires_at',
      'scope',
    );
    expect(msg.headers).to.deep.equal({
      'x-keep': '1',
      Authorization: `Bearer ${token.access_token}`,
    });
    expect(server.requests).to.have.length(1);
    expect(server.requests[0]!.authorization).to.match(/^Basic /);
    expect(server.requests[0]!.body).to.not.have.property('client_secret');
  });

  it('replaces an incoming Authorization header of any casing, leaving exactly one', async () => {
    loaded = await load(
      flowOf({ grantType: 'password', tokenUrl: server.tokenUrl }),
      passwordCreds,
    );
    loaded.send({
      headers: { AUTHORIZATION: 'Basic old', AuThOrIzAtIoN: 'Bearer stale', 'x-keep': '1' },
    });
    await loaded.settled(1);
    const msg = loaded.out[0]!;
    const token = msg.token as Token;
    expect(msg.headers).to.deep.equal({
      'x-keep': '1',
      Authorization: `Bearer ${token.access_token}`,
    });
  });

  it('sends the client in the body with client_secret_post', async () => {
    loaded = await load(
      flowOf({
        grantType: 'password',
        tokenUrl: server.tokenUrl,
        clientAuth: 'client_secret_post',
      }),
      passwordCreds,
    );
    loaded.send();
    await loaded.settled(1);
    expect(loaded.errors).to.have.length(0);
    expect(server.requests[0]!.authorization).to.equal(undefined);
    expect(server.requests[0]!.body).to.include({
      client_id: conf.clientId,
      grant_type: 'password',
    });
  });

  it('works for a public client that sends only its id', async () => {
    loaded = await load(
      flowOf({ grantType: 'password', tokenUrl: server.tokenUrl, clientAuth: 'none' }),
      { auth: { clientId: DEMO.publicClient.clientId, ...user } },
    );
    loaded.send();
    await loaded.settled(1);
    expect(loaded.errors).to.have.length(0);
    expect(server.requests[0]!.body).to.include({ client_id: DEMO.publicClient.clientId });
    expect(server.requests[0]!.body).to.not.have.property('client_secret');
  });

  it('gets a token by client credentials, sending the scope and reporting the granted one', async () => {
    loaded = await load(
      flowOf(
        { grantType: 'client_credentials', tokenUrl: server.tokenUrl, scope: 'read write' },
        { property: 'auth.result' },
      ),
      ccCreds,
    );
    loaded.send();
    await loaded.settled(1);
    const token = (loaded.out[0]!.auth as { result: Token }).result;
    expect(token.scope).to.equal('read write');
    expect(server.requests[0]!.body).to.include({
      grant_type: 'client_credentials',
      scope: 'read write',
    });
  });

  it('leaves the headers alone when setHeader is off', async () => {
    loaded = await load(
      flowOf({ grantType: 'client_credentials', tokenUrl: server.tokenUrl }, { setHeader: false }),
      ccCreds,
    );
    loaded.send();
    await loaded.settled(1);
    expect(loaded.out[0]).to.not.have.property('headers');
  });

  it('sets no Authorization header on a route to an e-mail node and removes a stale one, and says so once', async () => {
    // get → out (helper) and get → fn → link out → link in → e-mail: the e-mail node
    // would mail msg.headers.
    const flow = flowOf(
      { grantType: 'client_credentials', tokenUrl: server.tokenUrl },
      { wires: [['out', 'fn']] },
    );
    flow.push(
      { id: 'fn', type: 'stub', z: 'tab', x: 300, y: 300, wires: [['lo']] },
      { id: 'lo', type: 'link out', z: 'tab', x: 400, y: 300, links: ['li'], wires: [] },
      { id: 'li', type: 'link in', z: 'tab', x: 100, y: 400, links: ['lo'], wires: [['mail']] },
      { id: 'mail', type: 'e-mail', z: 'tab', x: 300, y: 400, wires: [] },
    );
    loaded = await load(flow, ccCreds, [stubNodes, coreNodes.link]);
    loaded.send({ headers: { 'x-keep': '1', AUTHORIZATION: 'Bearer stale', authorization: 'x' } });
    loaded.send();
    await loaded.settled(2);
    expect(loaded.out[0]!.headers).to.deep.equal({ 'x-keep': '1' });
    expect(loaded.out[1]).to.not.have.property('headers');
    expect((loaded.out[0]!.token as Token).access_token).to.equal(server.issuedAccessTokens[0]);
    const warnings = emitted(loaded)
      .split('\n')
      .filter((l) => l.includes('warnings.mailRoute'));
    expect(warnings, 'one warning at deploy').to.have.length(1);
  });

  it('sets the header when an http request node stands between it and an e-mail node', async () => {
    const flow = flowOf(
      { grantType: 'client_credentials', tokenUrl: server.tokenUrl },
      { wires: [['out', 'req']] },
    );
    flow.push(
      { id: 'req', type: 'http request', z: 'tab', x: 300, y: 300, wires: [['mail']] },
      { id: 'mail', type: 'e-mail', z: 'tab', x: 500, y: 300, wires: [] },
    );
    loaded = await load(flow, ccCreds, [stubNodes]);
    loaded.send();
    await loaded.settled(1);
    expect(loaded.out[0]!.headers).to.deep.equal({
      Authorization: `Bearer ${server.issuedAccessTokens[0]}`,
    });
    expect(emitted(loaded)).to.not.contain('warnings.mailRoute');
  });

  it('refreshes with the refresh token at the refresh URL and keeps the rotated one', async () => {
    loaded = await load(
      flowOf({
        grantType: 'password',
        tokenUrl: server.tokenUrl,
        refreshTokenUrl: server.refreshUrl,
      }),
      passwordCreds,
    );
    for (let i = 1; i <= 3; i++) {
      loaded.send({ forceRefresh: i > 1 });
      await loaded.settled(i);
    }
    expect(loaded.errors).to.have.length(0);
    expect(server.requests.map((r) => [r.path, r.grantType])).to.deep.equal([
      ['/token', 'password'],
      ['/refresh', 'refresh_token'],
      ['/refresh', 'refresh_token'],
    ]);
    expect(server.requests[1]!.body.refresh_token).to.equal(server.issuedRefreshTokens[0]);
    expect(server.requests[2]!.body.refresh_token).to.equal(server.issuedRefreshTokens[1]);
    const tokens = loaded.out.map((m) => (m.token as Token).access_token);
    expect(new Set(tokens).size).to.equal(3);
    expect(loaded.out[1]).to.not.have.property('forceRefresh');
  });

  it('falls back to the password grant when the refresh token is refused', async () => {
    loaded = await load(
      flowOf({ grantType: 'password', tokenUrl: server.tokenUrl }),
      passwordCreds,
    );
    loaded.send();
    await loaded.settled(1);
    server.revokeRefreshTokens();
    loaded.send({ forceRefresh: true });
    await loaded.settled(2);
    expect(loaded.errors).to.have.length(0);
    expect(server.requests.map((r) => [r.grantType, r.status])).to.deep.equal([
      ['password', 200],
      ['refresh_token', 400],
      ['password', 200],
    ]);
  });

  it('makes exactly one request for 100 messages when the password is wrong', async () => {
    loaded = await load(flowOf({ grantType: 'password', tokenUrl: server.tokenUrl }), {
      auth: { ...conf, username: user.username, password: 'wrong-Pa55!' },
    });
    secrets.push('wrong-Pa55!');
    for (let i = 0; i < 100; i++) {
      loaded.send();
      if (i === 0) await loaded.settled(1);
    }
    await loaded.settled(100);
    expect(server.requests).to.have.length(1);
    expect(loaded.out).to.have.length(0);
    expect(loaded.errors).to.have.length(100);
    for (const e of loaded.errors)
      expect((e.error as { code: string }).code).to.equal('invalid_grant');
  });

  it('sends 1,000 messages at a cold start with exactly one token request', async () => {
    server.setLatency(100);
    loaded = await load(
      flowOf({ grantType: 'client_credentials', tokenUrl: server.tokenUrl }),
      ccCreds,
    );
    for (let i = 0; i < 1000; i++) loaded.send({ payload: i });
    await loaded.settled(1000);
    expect(loaded.out).to.have.length(1000);
    expect(loaded.errors).to.have.length(0);
    expect(server.requests).to.have.length(1);
    expect(loaded.out.map((m) => m.payload)).to.have.members([...Array(1000).keys()]);
  });

  it('refreshes before expiry so a steady stream never waits for a token request', async () => {
    const latency = 400;
    server.setLifetime(2);
    loaded = await load(
      flowOf({ grantType: 'client_credentials', tokenUrl: server.tokenUrl }),
      ccCreds,
    );
    loaded.send();
    await loaded.settled(1);
    server.setLatency(latency);
    const waits: number[] = [];
    const end = Date.now() + 6000;
    let sent = 1;
    while (Date.now() < end) {
      const start = Date.now();
      loaded.send();
      sent++;
      await loaded.settled(sent);
      waits.push(Date.now() - start);
      await sleep(20);
    }
    expect(loaded.errors).to.have.length(0);
    // Renewed about once a second (half the lifetime), never per message.
    expect(server.requests.length).to.be.within(4, 9);
    expect(new Set(loaded.out.map((m) => (m.token as Token).access_token)).size).to.be.at.least(4);
    // No message took as long as one token request: none waited for one.
    expect(Math.max(...waits)).to.be.below(latency);
  });

  it('takes the URL and the secrets from environment variables written as ${NAME}', async () => {
    process.env.AUTH_TEST_URL = server.tokenUrl;
    process.env.AUTH_TEST_SECRET = conf.clientSecret;
    try {
      loaded = await load(
        flowOf({ grantType: 'client_credentials', tokenUrl: '${AUTH_TEST_URL}' }),
        {
          auth: { clientId: conf.clientId, clientSecret: '${AUTH_TEST_SECRET}' },
        },
      );
      loaded.send();
      await loaded.settled(1);
      expect(loaded.errors).to.have.length(0);
      expect(server.requests).to.have.length(1);
    } finally {
      delete process.env.AUTH_TEST_URL;
      delete process.env.AUTH_TEST_SECRET;
    }
  });
});

describe('get token with a misbehaving server', function () {
  this.timeout(30_000);
  let raw: RawServer;
  let loaded: Loaded | undefined;
  const creds = { auth: { clientId: 'cid', clientSecret: 'raw-secret-Ab12!' } };

  beforeEach(async () => {
    raw = await startRawServer(handlers.json(200, { access_token: 'ok-token' }));
  });
  afterEach(async () => {
    try {
      if (loaded) expectNoSecrets(loaded, ['raw-secret-Ab12!']);
    } finally {
      loaded = undefined;
      await helper.unload();
      await raw.close();
    }
  });

  async function errorFor(settings: Record<string, unknown> = {}) {
    loaded = await load(
      flowOf({ grantType: 'client_credentials', tokenUrl: raw.tokenUrl, ...settings }),
      creds,
    );
    loaded.send();
    await loaded.settled(1);
    expect(loaded.out).to.have.length(0);
    return loaded.errors[0]!.error as { code: string; message: string };
  }

  it('reports an HTML 500 page as HTTP_500 after a bounded number of attempts', async () => {
    raw.setHandler(handlers.html(500));
    const e = await errorFor();
    expect(e.code).to.equal('HTTP_500');
    expect(e.message).to.contain('500');
    expect(raw.requests).to.have.length(4);
  });

  it('reports a 200 that is not JSON as BAD_RESPONSE, without retrying', async () => {
    raw.setHandler(handlers.text(200, 'hello'));
    expect((await errorFor()).code).to.equal('BAD_RESPONSE');
    expect(raw.requests).to.have.length(1);
  });

  it('reports a JSON answer without access_token as BAD_RESPONSE', async () => {
    raw.setHandler(handlers.json(200, { token_type: 'Bearer' }));
    const e = await errorFor();
    expect(e.code).to.equal('BAD_RESPONSE');
    expect(e.message).to.contain('access_token');
  });

  it('retries a 503 and then delivers the token', async () => {
    raw.setHandler(
      handlers.sequence(
        handlers.text(503, 'busy'),
        handlers.json(200, { access_token: 'tok-2', expires_in: 60 }),
      ),
    );
    loaded = await load(flowOf({ grantType: 'client_credentials', tokenUrl: raw.tokenUrl }), creds);
    loaded.send();
    await loaded.settled(1);
    expect((loaded.out[0]!.token as Token).access_token).to.equal('tok-2');
    expect(raw.requests).to.have.length(2);
  });

  it('keeps the refresh token through a refresh that fails with 503, never falling back to the password', async () => {
    let outage = false;
    raw.setHandler((req, res, body, n) => {
      const grant = new URLSearchParams(body).get('grant_type');
      if (outage && grant === 'refresh_token') return handlers.text(503, 'busy')(req, res, body, n);
      handlers.json(200, { access_token: `at-${n}`, refresh_token: 'rt-1', expires_in: 3600 })(
        req,
        res,
        body,
        n,
      );
    });
    loaded = await load(flowOf({ grantType: 'password', tokenUrl: raw.tokenUrl, cooldown: 0 }), {
      auth: { ...creds.auth, username: 'ann', password: 'ann-pw-9!' },
    });
    loaded.send();
    await loaded.settled(1);
    outage = true;
    loaded.send({ forceRefresh: true });
    await loaded.settled(2);
    expect(loaded.errors[0]!.error).to.include({ code: 'HTTP_503' });
    outage = false;
    loaded.send({ forceRefresh: true });
    await loaded.settled(3);
    const grants = raw.requests.map((r) => new URLSearchParams(r.body).get('grant_type'));
    // One password grant, four refresh attempts in the outage, then the refresh token again.
    expect(grants).to.deep.equal([
      'password',
      'refresh_token',
      'refresh_token',
      'refresh_token',
      'refresh_token',
      'refresh_token',
    ]);
    expect(new URLSearchParams(raw.requests.at(-1)!.body).get('refresh_token')).to.equal('rt-1');
    expect((loaded.out.at(-1)!.token as Token).access_token).to.equal('at-6');
  });

  it('waits as long as a 429 Retry-After asks before trying again', async () => {
    raw.setHandler(
      handlers.sequence(
        handlers.json(429, { error: 'slow_down' }, { 'retry-after': '2' }),
        handlers.json(200, { access_token: 'tok-3' }),
      ),
    );
    loaded = await load(flowOf({ grantType: 'client_credentials', tokenUrl: raw.tokenUrl }), creds);
    const start = Date.now();
    loaded.send();
    await loaded.settled(1);
    expect(loaded.out).to.have.length(1);
    expect(Date.now() - start).to.be.at.least(1900);
  });

  it('never repeats a secret a server echoes in its error', async () => {
    raw.setHandler((_req, res, body) => {
      const sent = new URLSearchParams(body);
      const secret = String(sent.get('client_secret'));
      res.writeHead(400, { 'content-type': `application/json; x=${secret}` });
      res.end(JSON.stringify({ error: secret, error_description: `bad secret ${secret}!` }));
    });
    const e = await errorFor({ clientAuth: 'client_secret_post' });
    expect(e.code).to.equal('server_error');
    expect(e.message).to.contain('[redacted]');
  });

  it('redacts each of several echoes of a secret and keeps the words around them', async () => {
    raw.setHandler(
      handlers.sequence(
        (req, res, body) => {
          const secret = String(new URLSearchParams(body).get('client_secret'));
          handlers.json(400, {
            error: 'invalid_client',
            error_description: `first ${secret} then ${secret} and ${encodeURIComponent(secret)}`,
          })(req, res, body, 0);
        },
        (req, res, body) => {
          const secret = String(new URLSearchParams(body).get('client_secret'));
          handlers.json(200, {
            access_token: 'echo-twice',
            expires_in: 60,
            scope: `read:${secret} write:${secret}`,
          })(req, res, body, 0);
        },
      ),
    );
    loaded = await load(
      flowOf({
        grantType: 'client_credentials',
        tokenUrl: raw.tokenUrl,
        clientAuth: 'client_secret_post',
        cooldown: 0,
      }),
      creds,
    );
    loaded.send();
    await loaded.settled(1);
    loaded.send();
    await loaded.settled(2);
    const e = loaded.errors[0]!.error as { code: string; message: string };
    expect(e.code).to.equal('invalid_client');
    expect(e.message).to.contain('first [redacted] then [redacted] and [redacted]');
    expect((loaded.out[0]!.token as Token).scope).to.equal('read:[redacted] write:[redacted]');
    expect(leaks(emitted(loaded), [creds.auth.clientSecret], creds.auth.clientId)).to.deep.equal(
      [],
    );
  });

  it('keeps every encoding of secrets a server echoes out of msg.error, status, log and msg.token', async () => {
    const password = 'P@ss w0rd!/é+%';
    const all = (req: { headers: Record<string, unknown> }, body: string) =>
      `${body} | ${String(req.headers.authorization)} | ${JSON.stringify(Object.fromEntries(new URLSearchParams(body)))}`;
    raw.setHandler(
      handlers.sequence(
        (req, res, body) =>
          handlers.json(400, {
            error: 'invalid_grant',
            error_description: `${all(req, body)} and again ${all(req, body)}`,
          })(req, res, body, 0),
        (req, res, body) =>
          handlers.json(200, {
            access_token: 'echo-token',
            expires_in: 60,
            scope: `echo:${new URLSearchParams(body).get('password')} ${all(req, body)}`,
          })(req, res, body, 0),
      ),
    );
    loaded = await load(flowOf({ grantType: 'password', tokenUrl: raw.tokenUrl, cooldown: 0 }), {
      auth: { ...creds.auth, username: 'ann', password },
    });
    loaded.send();
    await loaded.settled(1);
    loaded.send();
    await loaded.settled(2);
    expect(loaded.errors[0]!.error).to.include({ code: 'invalid_grant' });
    expect((loaded.out[0]!.token as { scope: string }).scope).to.match(/^echo:\[redacted\]/);
    const text = emitted(loaded);
    expect(text).to.contain('[redacted]');
    expect(leaks(text, [password], 'ann')).to.deep.equal([]);
    expect(leaks(text, [creds.auth.clientSecret], creds.auth.clientId)).to.deep.equal([]);
  });

  it('does not follow a redirect and never sends credentials to its target', async () => {
    const other = await startRawServer(handlers.json(200, { access_token: 'stolen' }));
    try {
      raw.setHandler(handlers.redirect(`${other.url}/token`));
      const e = await errorFor();
      expect(e.code).to.equal('HTTP_302');
      expect(raw.requests).to.have.length(1);
      expect(other.requests).to.have.length(0);
    } finally {
      await other.close();
    }
  });

  it('times out a response that never ends: ETIMEDOUT after four attempts of the set timeout', async () => {
    raw.setHandler(handlers.headersThenHang());
    // Four 1 s attempts and three backoffs of at most 0.5, 1 and 2 s: far less than 20 s.
    const e = await within(errorFor({ timeout: 1 }), 20_000, 'four 1 s attempts');
    expect(e.code).to.equal('ETIMEDOUT');
    expect(e.message).to.contain('1 s');
    expect(raw.requests).to.have.length(4);
  });

  it('fails every message with CONFIG_INVALID, makes no request and shows red from deploy', async () => {
    loaded = await load(
      flowOf({
        grantType: 'client_credentials',
        tokenUrl: raw.tokenUrl.replace('127.0.0.1', 'example.com'),
      }),
      creds,
    );
    const statuses = loaded.statuses();
    loaded.send();
    loaded.send();
    await loaded.settled(2);
    for (const m of loaded.errors) {
      const err = m.error as { code: string; message: string };
      expect(err.code).to.equal('CONFIG_INVALID');
      expect(err.message).to.contain('tokenUrl');
    }
    expect(raw.requests).to.have.length(0);
    expect(statuses.at(-1)).to.include({ fill: 'red', shape: 'ring' });
  });

  for (const [field, value] of [
    ['timeout', 0],
    ['refreshBefore', 'soon'],
    ['cooldown', -1],
  ] as const) {
    it(`fails with CONFIG_INVALID naming ${field} when ${field} is ${value}, making no request`, async () => {
      const e = await errorFor({ [field]: value });
      expect(e.code).to.equal('CONFIG_INVALID');
      expect(e.message).to.match(new RegExp(`\\b${field}\\b`));
      for (const other of ['timeout', 'refreshBefore', 'cooldown'].filter((f) => f !== field)) {
        expect(e.message).to.not.contain(other);
      }
      expect(raw.requests).to.have.length(0);
    });
  }

  it('fails with CONFIG_INVALID naming a missing credential', async () => {
    loaded = await load(flowOf({ grantType: 'password', tokenUrl: raw.tokenUrl }), creds);
    loaded.send();
    await loaded.settled(1);
    expect(loaded.errors[0]!.error).to.include({ code: 'CONFIG_INVALID' });
    expect((loaded.errors[0]!.error as { message: string }).message).to.contain('username');
  });
});
