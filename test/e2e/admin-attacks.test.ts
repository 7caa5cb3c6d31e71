/**
 * Test connection attacked as the least-privileged user who can reach it: `tester` may read
 * flows and press Test connection (`auth-object.write`) but can neither deploy nor read
 * credentials. A real Node-RED with adminAuth runs the packed package; an "attacker" server
 * records everything it gets, an echoing token server sends back what it was sent. Every
 * socket is on 127.0.0.1.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { handlers, startRawServer, type RawServer } from '../fixtures/raw-server';
import { deploy, startPacked, type PackedNodeRed } from '../helpers/node-red-process';
import { leaks } from '../helpers/secret-forms';
import { Teardown } from '../helpers/teardown';

const userDir = path.resolve(__dirname, '../../test-output/e2e-admin-attacks');
/** `tester` and `tester2` may read flows and press Test connection, nothing else. */
const USERS = {
  admin: '*',
  reader: 'read',
  tester: ['flows.read', 'auth-object.write'],
  tester2: ['flows.read', 'auth-object.write'],
};
const conf = DEMO.confidential;
const user = DEMO.user;
const PROXY_PW = 'proxy-Secret-77!';
const MQTT_PW = 'mqtt-Secret-55?';
/** In Node-RED's environment only: no request may get it out. */
const ENV_VALUE = 'env-Secret-V4lue!';
const UNCHANGED = '__PWRD__';
/** The deployed API key object's key: it may go only to its test URL. */
const API_KEY = 'api-Key-Secret-31!';
const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
/** Every secret stored in the deployed flow, with the id it travels with. */
const STORED: [string, string][] = [
  [conf.clientId, conf.clientSecret],
  [user.username, user.password],
  ['proxy-user', PROXY_PW],
  ['mq', MQTT_PW],
  ['', ENV_VALUE],
  ['', privateKey.split('\n')[1]!],
  ['', API_KEY],
];

type Json = Record<string, unknown>;

describe('admin routes under attack by a user who may only test', function () {
  this.timeout(120_000);
  let nr: PackedNodeRed;
  let server: OAuthServer;
  let attacker: RawServer;
  let echo: RawServer;
  let evil: RawServer;
  /** The API the deployed API key object's test URL names: 200 for its key, else 401. */
  let api: RawServer;
  const tokens: Record<string, string> = {};
  const answers: string[] = [];
  const teardown = new Teardown();

  before(async () => {
    server = teardown.closes(await startOAuthServer());
    attacker = teardown.closes(
      await startRawServer((req, res) => {
        // Plays along: a discovery document naming itself, and a token for anything else.
        const self = `http://${req.headers.host}`;
        if (req.url?.includes('/.well-known/')) {
          const issuer = `${self}${req.url.split('/.well-known/')[0]}`;
          handlers.json(200, { issuer, token_endpoint: `${self}/token` })(req, res, '', 0);
        } else handlers.json(200, { access_token: 'stolen', expires_in: 60 })(req, res, '', 0);
      }),
    );
    echo = teardown.closes(await startRawServer(echoing));
    evil = teardown.closes(
      await startRawServer((req, res) => {
        // A discovery document whose issuer would write a forged line into the log.
        const forged = `http://${req.headers.host}\n30 Nov 00:00:00 - [error] forged line\u001b[31m`;
        handlers.json(200, { issuer: forged, token_endpoint: `http://${req.headers.host}/t` })(
          req,
          res,
          '',
          0,
        );
      }),
    );
    api = teardown.closes(
      await startRawServer((req, res) => {
        if (req.url?.startsWith('/moved')) {
          res.writeHead(302, { location: `${attacker.url}/stolen` });
          res.end();
        } else if (req.headers['x-api-key'] === API_KEY) handlers.text(200, 'ok')(req, res, '', 0);
        else handlers.text(401, 'no')(req, res, '', 0);
      }),
    );
    process.env.AO_E2E_ENV_SECRET = ENV_VALUE;
    process.env.AO_E2E_USER_PW = user.password;
    nr = await startPacked(teardown, { userDir, users: USERS });
    Object.assign(tokens, nr.tokens);
    await deployAsAdmin();
  });

  after(async () => {
    delete process.env.AO_E2E_ENV_SECRET;
    delete process.env.AO_E2E_USER_PW;
    await teardown.run();
    const seen = answers.join('\n') + (nr?.output() ?? '');
    for (const [id, secret] of STORED) {
      expect(leaks(seen, [secret], id), 'an answer or log line holds a secret').to.deep.equal([]);
    }
  });

  afterEach(() => {
    // Nothing a test sends may reach the attacker with a secret in it, in any form.
    const got = attacker.requests.map((r) => JSON.stringify(r)).join('\n');
    for (const [id, secret] of STORED) expect(leaks(got, [secret], id)).to.deep.equal([]);
  });

  /** The token server that echoes the request back, in the way `scope` asks for. */
  function echoing(
    req: Parameters<Parameters<typeof startRawServer>[0]>[0],
    res: Parameters<Parameters<typeof startRawServer>[0]>[1],
    body: string,
  ) {
    const form = new URLSearchParams(body);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const pair = Buffer.from(basic, 'base64').toString();
    const secret = decodeURIComponent(pair.split(':')[1]?.replace(/\+/g, ' ') ?? '');
    const all = `body=${body} auth=${req.headers.authorization} json=${JSON.stringify(Object.fromEntries(form))}`;
    const mode = form.get('scope');
    if (mode === 'echo-type') {
      const type = `application/x.${Buffer.from(secret).toString('base64url')}`;
      return handlers.text(415, 'unsupported', type)(req, res, body, 0);
    }
    if (mode === 'echo-scope') {
      const scope = `echo:${form.get('password')} ${Buffer.from(secret).toString('base64')}`;
      return handlers.json(200, { access_token: 'echo-token', expires_in: 60, scope })(
        req,
        res,
        body,
        0,
      );
    }
    if (mode === 'echo-code') {
      return handlers.json(400, { error: form.get('password'), error_description: all })(
        req,
        res,
        body,
        0,
      );
    }
    handlers.json(400, {
      error: 'invalid_request',
      error_description: `${all} twice ${all}`,
      error_uri: `https://example.com/?p=${encodeURIComponent(form.get('password') ?? '')}`,
    })(req, res, body, 0);
  }

  async function deployAsAdmin() {
    const object = (id: string, extra: Json, credentials: Json) => ({
      id,
      type: 'auth-object',
      // A name equal to the id would make Node-RED take it for a reference to itself.
      name: `${id} object`,
      grantType: 'password',
      tokenUrl: server.tokenUrl,
      clientAuth: 'client_secret_basic',
      scope: 'read',
      extraParams: [],
      credentials,
      ...extra,
    });
    const flows = [
      { id: 'tab', type: 'tab', label: 'attacks' },
      object('guarded', {}, { ...conf, ...user }),
      object('envobj', {}, { ...conf, username: user.username, password: '${AO_E2E_USER_PW}' }),
      object(
        'jwtobj',
        { grantType: 'client_credentials', clientAuth: 'private_key_jwt' },
        { clientId: conf.clientId, privateKey },
      ),
      object('echoed', { tokenUrl: echo.tokenUrl, scope: 'echo-desc' }, { ...conf, ...user }),
      object('echoscope', { tokenUrl: echo.tokenUrl, scope: 'echo-scope' }, { ...conf, ...user }),
      object('injected', { tokenUrl: '', issuer: evil.url }, { ...conf, ...user }),
      object(
        'keyobj',
        { kind: 'apiKey', apiKeyName: 'X-API-Key', apiKeyIn: 'header', testUrl: `${api.url}/me` },
        { apiKey: API_KEY },
      ),
      object(
        'movedobj',
        {
          kind: 'apiKey',
          apiKeyName: 'X-API-Key',
          apiKeyIn: 'header',
          testUrl: `${api.url}/moved`,
        },
        { apiKey: API_KEY },
      ),
      {
        id: 'proxyNode',
        type: 'http proxy',
        url: attacker.url,
        noproxy: [],
        credentials: { username: 'proxy-user', password: PROXY_PW },
      },
      {
        id: 'mqttNode',
        type: 'mqtt-broker',
        broker: '127.0.0.1',
        port: '9',
        autoConnect: false,
        credentials: { user: 'mq', password: MQTT_PW },
      },
      { id: 'tlsNode', type: 'tls-config', verifyservercert: true },
      // Each object used once by a flow, so its errors and tokens reach the log.
      ...['echoed', 'echoscope', 'injected'].flatMap((auth, i) => [
        {
          id: `inject-${auth}`,
          type: 'inject',
          z: 'tab',
          x: 100,
          y: 100 + i * 100,
          once: true,
          onceDelay: 0.2,
          repeat: '',
          props: [{ p: 'payload' }],
          payload: '',
          payloadType: 'date',
          wires: [[`get-${auth}`]],
        },
        {
          id: `get-${auth}`,
          type: 'auth-get-token',
          z: 'tab',
          x: 300,
          y: 100 + i * 100,
          auth,
          wires: [[`debug-${auth}`]],
        },
        {
          id: `debug-${auth}`,
          type: 'debug',
          z: 'tab',
          x: 500,
          y: 100 + i * 100,
          active: true,
          tosidebar: true,
          console: true,
          complete: 'true',
        },
      ]),
      {
        id: 'catch',
        type: 'catch',
        z: 'tab',
        x: 100,
        y: 500,
        scope: null,
        uncaught: false,
        wires: [['debug-catch']],
      },
      {
        id: 'debug-catch',
        type: 'debug',
        z: 'tab',
        x: 300,
        y: 500,
        active: true,
        tosidebar: true,
        console: true,
        complete: 'error',
      },
    ];
    await deploy(nr, flows, tokens.admin);
    // The deploy answers before the nodes run: wait for the three flows to have logged.
    for (let i = 0; i < 100 && (nr.output().match(/\[debug:debug-/g) ?? []).length < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function post(body: unknown, who = 'tester', contentType = 'application/json') {
    const res = await fetch(`${nr.url}/auth-objects/test`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${tokens[who]}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    answers.push(text);
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      // Node-RED's own error page for bodies it could not parse
    }
    return { status: res.status, json, text };
  }

  /** The deployed `guarded` object's form as the editor sends it, secrets unchanged. */
  const form = (extra: Json = {}, credentials: Json = {}) => ({
    id: 'guarded',
    grantType: 'password',
    tokenUrl: server.tokenUrl,
    issuer: '',
    refreshTokenUrl: '',
    allowInsecureHttp: false,
    scope: 'read',
    clientAuth: 'client_secret_basic',
    extraParams: [],
    tls: '',
    proxy: '',
    ...extra,
    credentials: {
      clientId: conf.clientId,
      clientSecret: UNCHANGED,
      username: user.username,
      password: UNCHANGED,
      ...credentials,
    },
  });

  async function alive() {
    const res = await fetch(`${nr.url}/settings`, {
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(res.status, nr.output().slice(-2000)).to.equal(200);
  }

  it('positive control: an unchanged form is tested with the stored secrets', async () => {
    const before = server.requests.length;
    const r = await post(form());
    expect(r.json).to.include({ ok: true, tokenType: 'Bearer' });
    expect(server.requests.length).to.equal(before + 1);
    expect(server.requests.at(-1)!.body.password).to.equal(user.password);
  });

  it('positive control: a stored ${NAME} secret is resolved as the deployed object resolves it', async () => {
    const r = await post(form({ id: 'envobj' }));
    expect(r.json).to.include({ ok: true });
    expect(server.requests.at(-1)!.body.password).to.equal(user.password);
  });

  it('survives bodies built to crash it, answering each with a 4xx', async () => {
    const deep = `{"a":${'['.repeat(6000)}${']'.repeat(6000)}}`;
    const wide = JSON.stringify({ ...form(), extraParams: new Array(50_000).fill({ name: 'a' }) });
    const cases: [unknown, string?][] = [
      [deep],
      [`{"credentials":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`],
      [wide],
      [{ ...form(), scope: 'x'.repeat(200_000) }],
      ['[1,2,3]'],
      ['"text"'],
      ['null'],
      ['{"id":'],
      [
        `a${'[b]'.repeat(40)}=1&credentials[password]=__PWRD__`,
        'application/x-www-form-urlencoded',
      ],
      ['x'.repeat(6 * 1024 * 1024), 'text/plain'],
    ];
    for (const [body, type] of cases) {
      const r = await post(body, 'tester', type);
      expect(r.status, `${String(body).slice(0, 40)} → ${r.text.slice(0, 200)}`).to.be.within(
        400,
        499,
      );
      await alive();
    }
    expect(attacker.requests).to.have.length(0);
  });

  const destinations: [string, () => Json, Json?][] = [
    ['tokenUrl', () => ({ tokenUrl: attacker.tokenUrl })],
    ['issuer', () => ({ tokenUrl: '', issuer: attacker.url })],
    ['refreshTokenUrl', () => ({ refreshTokenUrl: attacker.tokenUrl })],
    ['clientAuth', () => ({ clientAuth: 'client_secret_post' })],
    ['proxy', () => ({ proxy: 'proxyNode' })],
    ['tls', () => ({ tls: 'tlsNode' })],
    ['allowInsecureHttp', () => ({ allowInsecureHttp: true })],
    ['extraParams', () => ({ extraParams: [{ name: 'audience', value: 'x' }] })],
    ['grantType', () => ({ grantType: 'client_credentials' })],
    ['clientId', () => ({}), { clientId: 'attacker-app' }],
  ];
  for (const [field, change, creds] of destinations) {
    it(`sends no stored secret anywhere once ${field} differs from the deployed object`, async () => {
      const before = server.requests.length;
      const r = await post(form(change(), creds));
      expect(r.json).to.include({ ok: false, code: 'SECRET_REQUIRED' });
      // Clearing the token URL to use an issuer changes both.
      expect(r.json.changed).to.deep.equal(field === 'issuer' ? ['tokenUrl', 'issuer'] : [field]);
      expect(r.json.fields).to.include('clientSecret');
      expect(attacker.requests).to.have.length(0);
      expect(server.requests.length).to.equal(before);
    });
  }

  /** The deployed `keyobj` (an API key) as the editor sends it, the key unchanged. */
  const keyForm = (extra: Json = {}, credentials: Json = {}) => ({
    id: 'keyobj',
    kind: 'apiKey',
    apiKeyName: 'X-API-Key',
    apiKeyIn: 'header',
    testUrl: `${api.url}/me`,
    allowInsecureHttp: false,
    tls: '',
    proxy: '',
    ...extra,
    credentials: { apiKey: UNCHANGED, ...credentials },
  });

  it("positive control: an API key object's unchanged form calls its test URL with the stored key", async () => {
    const before = api.requests.length;
    const r = await post(keyForm());
    expect(r.json).to.deep.equal({ ok: true, static: true, status: 200 });
    expect(api.requests.length).to.equal(before + 1);
    expect(api.requests.at(-1)!.headers['x-api-key']).to.equal(API_KEY);
  });

  const keyDestinations: [string, () => Json, string[], Json?][] = [
    ['testUrl', () => ({ testUrl: `${attacker.url}/echo` }), ['testUrl']],
    ['apiKeyIn', () => ({ apiKeyIn: 'query' }), ['apiKeyIn']],
    ['apiKeyName', () => ({ apiKeyName: 'X-Logged-Header' }), ['apiKeyName']],
    ['kind', () => ({ kind: 'bearer' }), ['kind'], { token: UNCHANGED }],
    ['proxy', () => ({ proxy: 'proxyNode' }), ['proxy']],
    ['allowInsecureHttp', () => ({ allowInsecureHttp: true }), ['allowInsecureHttp']],
  ];
  for (const [field, change, changed, creds] of keyDestinations) {
    it(`sends no stored API key anywhere once ${field} differs from the deployed object`, async () => {
      const before = api.requests.length;
      const r = await post(keyForm(change(), creds));
      expect(r.json).to.include({ ok: false, code: 'SECRET_REQUIRED' });
      expect(r.json.changed).to.deep.equal(changed);
      expect(attacker.requests).to.have.length(0);
      expect(api.requests.length).to.equal(before);
    });
  }

  it('sends no stored OAuth secret to a test URL by switching an OAuth object to a static kind', async () => {
    const before = server.requests.length;
    const r = await post(form({ kind: 'basic', testUrl: `${attacker.url}/basic` }));
    expect(r.json).to.include({ ok: false, code: 'SECRET_REQUIRED' });
    expect(r.json.changed).to.include('kind');
    expect(r.json.fields).to.deep.equal(['password']);
    expect(attacker.requests).to.have.length(0);
    expect(server.requests.length).to.equal(before);
  });

  it("follows no redirect of a static kind's test URL: the key stays with the deployed URL", async () => {
    const r = await post({ ...keyForm({ testUrl: `${api.url}/moved` }), id: 'movedobj' });
    expect(r.json).to.include({ ok: false, static: true, status: 302, code: 'HTTP_302' });
    expect(attacker.requests).to.have.length(0);
  });

  it('tests a typed key against any test URL, with the typed key only', async () => {
    const r = await post(keyForm({ testUrl: `${attacker.url}/typed` }, { apiKey: 'typed-key' }));
    expect(r.json).to.include({ ok: true, static: true, status: 200 });
    expect(attacker.requests.at(-1)!.headers['x-api-key']).to.equal('typed-key');
    attacker.requests.length = 0;
  });

  it('signs no client assertion for an audience or issuer the caller chose', async () => {
    const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    for (const [extra, creds] of [
      [{ tokenUrl: attacker.tokenUrl }, {}],
      [{}, { clientId: 'attacker-app' }],
      // The same key signing a JWT bearer grant: an assertion good for a token, not a client.
      [{ grantType: JWT_BEARER }, {}],
      [{ grantType: JWT_BEARER, assertionAudience: attacker.url }, {}],
      [{ grantType: JWT_BEARER, assertionSubject: 'admin@example.com' }, {}],
    ] as const) {
      const r = await post(
        form(
          {
            id: 'jwtobj',
            grantType: 'client_credentials',
            clientAuth: 'private_key_jwt',
            assertionAudience: '',
            assertionSubject: '',
            ...extra,
          },
          { clientSecret: '', password: '', privateKey: UNCHANGED, ...creds },
        ),
      );
      expect(r.json).to.include({ ok: false, code: 'SECRET_REQUIRED' });
      expect(r.json.fields).to.deep.equal(['privateKey']);
    }
    expect(attacker.requests).to.have.length(0);
  });

  it("never reads another node's credentials: an http proxy or an MQTT broker id gets nothing", async () => {
    for (const id of ['proxyNode', 'mqttNode', 'tab', 'no-such-node']) {
      const r = await post({
        id,
        grantType: 'password',
        tokenUrl: attacker.tokenUrl,
        clientAuth: 'none',
        credentials: { username: 'proxy-user', password: UNCHANGED, clientSecret: UNCHANGED },
      });
      expect(r.json).to.include({ ok: false, code: 'SECRET_REQUIRED' });
      expect(r.json.changed).to.deep.equal([]);
    }
    expect(attacker.requests).to.have.length(0);
  });

  it('resolves no ${NAME} the request brings, and echoes no option value', async () => {
    const cases: [Json, Json][] = [
      [{ grantType: '${AO_E2E_ENV_SECRET}' }, {}],
      [{ clientAuth: '$(AO_E2E_ENV_SECRET)' }, {}],
      [{ scope: '${AO_E2E_ENV_SECRET}' }, {}],
      [{ tokenUrl: '${AO_E2E_ENV_SECRET}' }, {}],
      [{ tokenUrl: attacker.tokenUrl }, { password: '${AO_E2E_ENV_SECRET}', clientSecret: 'x' }],
      [{ tokenUrl: attacker.tokenUrl }, { clientSecret: '${AO_E2E_ENV_SECRET}' }],
    ];
    for (const [extra, creds] of cases) {
      const r = await post(form(extra, creds));
      expect(r.json).to.include({ ok: false, code: 'ENV_UNRESOLVED' });
      expect(r.text).to.not.contain(ENV_VALUE);
    }
    const odd = await post(
      form({ grantType: 'option-value-Qx7' }, { clientSecret: 'typed', password: 'typed' }),
    );
    expect(odd.json).to.include({ ok: false, code: 'CONFIG_INVALID', field: 'grantType' });
    expect(odd.text).to.not.contain('option-value-Qx7');
    // Not a whole ${NAME}: sent as typed, never substituted.
    await post(
      form(
        { tokenUrl: `${attacker.url}/\${AO_E2E_ENV_SECRET}` },
        { clientSecret: 'typed', password: 'typed' },
      ),
    );
    expect(attacker.requests).to.have.length(1);
    expect(JSON.stringify(attacker.requests)).to.not.contain(ENV_VALUE);
    attacker.requests.length = 0;
  });

  it('shows nothing of the stored secrets a token server echoes back, in any encoding', async () => {
    for (const scope of ['echo-desc', 'echo-type', 'echo-scope', 'echo-code']) {
      const r = await post(form({ id: 'echoed', tokenUrl: echo.tokenUrl, scope }));
      expect(r.status).to.equal(200);
      if (scope === 'echo-scope') expect(r.json).to.include({ ok: true });
      else expect(r.json).to.include({ ok: false });
      if (scope === 'echo-code') expect(r.json.code).to.equal('server_error');
      for (const [id, secret] of STORED) expect(leaks(r.text, [secret], id)).to.deep.equal([]);
    }
    // The server did get the secrets, so the echo had something to show.
    expect(echo.requests.map((q) => q.body).join()).to.contain(encodeURIComponent('Qq93$'));
  });

  it('keeps echoed secrets out of msg.error, msg.token and the log of a deployed object', () => {
    const log = nr.output();
    expect(log).to.match(/\[debug:debug-catch\][\s\S]*invalid_request/);
    expect(log).to.match(/\[debug:debug-echoscope\][\s\S]*echo:/);
    for (const [id, secret] of STORED) expect(leaks(log, [secret], id)).to.deep.equal([]);
  });

  it('writes no forged line and no terminal escape into the log from a discovery document', async () => {
    const r = await post(form({ id: 'injected', tokenUrl: '', issuer: evil.url }, {}));
    expect(r.json).to.include({ ok: false, code: 'DISCOVERY_FAILED' });
    expect(r.text).to.not.match(/\\n|\\u001b/);
    const log = nr.output();
    expect(log).to.contain('forged line');
    // Only inside a quoted issuer, never as a log line of its own.
    expect(log).to.match(/issuer "[^"\n]*\[error\] forged line/);
    expect(log).to.not.match(/^\d\d \w{3} [\d:]+ - \[error\] forged line/m);
    expect(log).to.not.match(/^30 Nov 00:00:00/m);
    expect(log).to.not.contain('\u001b[31m');
  });

  it('counts refused tests per token endpoint, however many issuers lead to it', async () => {
    // Four issuers (four host:port keys) whose discovery documents name one token endpoint.
    const issuers = await Promise.all(
      [1, 2, 3, 4].map(() =>
        startRawServer((req, res) => {
          const issuer = `http://${req.headers.host}`;
          handlers.json(200, { issuer, token_endpoint: server.tokenUrl })(req, res, '', 0);
        }),
      ),
    );
    try {
      const before = server.requests.length;
      const limits: unknown[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await post(
          form(
            { id: '', tokenUrl: '', issuer: issuers[i % 4]!.url },
            { clientSecret: conf.clientSecret, password: 'wrong-pw' },
          ),
        );
        if (r.status === 429) limits.push(r.json.limit);
        else expect(r.json).to.include({ ok: false, code: 'invalid_grant' });
      }
      expect(server.requests.length - before).to.equal(5);
      expect(limits).to.deep.equal(['refusedUser', 'refusedUser', 'refusedUser']);
    } finally {
      await Promise.all(issuers.map((i) => i.close()));
    }
  });

  it("cannot lock another user out: the admin's tests still run", async () => {
    const r = await post(form(), 'admin');
    expect(r.json).to.include({ ok: true });
  });

  it('takes no budget for a test it turns away', async () => {
    const other = await startOAuthServer();
    try {
      const wrong = form(
        { id: '', tokenUrl: other.tokenUrl },
        { clientSecret: conf.clientSecret, password: 'wrong-pw' },
      );
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await post(wrong, 'tester2')).status);
      expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 429, 429, 429]);
      // 5 of tester2's 20 tests a minute are used; the 3 turned away took none.
      const more: number[] = [];
      for (let i = 0; i < 16; i++) more.push((await post(form(), 'tester2')).status);
      expect(more.slice(0, 15)).to.deep.equal(new Array(15).fill(200));
      const last = await post(form(), 'tester2');
      expect(last.status).to.equal(429);
      expect(last.json.limit).to.equal('user');
      expect(String(last.json.message)).to.match(/try again in \d+ s/);
    } finally {
      await other.close();
    }
  });
});
