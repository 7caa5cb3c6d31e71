/**
 * API key, HTTP Basic and bearer token objects: get token puts each on the message,
 * and Node-RED's own http request node carries it to a real server on 127.0.0.1, which
 * records what it received.
 */
import { expect } from 'chai';
import { startRawServer, type RawServer } from '../fixtures/raw-server';
import {
  apiFlow,
  catchCopiesCode,
  emitted,
  expectNoSecrets,
  flowOf,
  helper,
  load,
  type Loaded,
} from '../helpers/runtime';
import { leaks } from '../helpers/secret-forms';
import { requireFromNodeRed } from '../helpers/node-red-version';
import stubMail from '../helpers/stub-nodes';

const httpRequest = requireFromNodeRed('@node-red/nodes/core/network/21-httprequest.js');

const KEY = 'k3y-Secret_value.42';
const TOKEN = 'ghp_Pat0000Secret1111Token2222';
const PASSWORD = 'pä:ss wörd!';

describe('static credential kinds against a real API', function () {
  this.timeout(20_000);
  let api: RawServer;
  let loaded: Loaded | undefined;
  let secrets: string[] = [];

  beforeEach(async () => {
    api = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  afterEach(async () => {
    try {
      if (loaded) {
        expectNoSecrets(loaded, secrets);
        const text = emitted(loaded);
        expect(leaks(text, secrets, 'user')).to.deep.equal([]);
        for (const m of loaded.out) {
          expect(leaks(JSON.stringify(m.token), secrets, 'user'), 'msg.token').to.deep.equal([]);
        }
      }
    } finally {
      loaded = undefined;
      secrets = [];
      await helper.unload();
      await api.close();
    }
  });

  it('sends an API key in the header it names, replacing one of any casing', async () => {
    secrets = [KEY];
    loaded = await load(
      apiFlow({ kind: 'apiKey', apiKeyName: 'X-API-Key', apiKeyIn: 'header' }),
      { auth: { apiKey: KEY } },
      [httpRequest],
    );
    loaded.send({ url: `${api.url}/things`, headers: { 'x-api-key': 'old', 'x-keep': '1' } });
    await loaded.settled(1);
    expect(api.requests).to.have.length(1);
    expect(api.requests[0]!.headers['x-api-key']).to.equal(KEY);
    expect(api.requests[0]!.headers['x-keep']).to.equal('1');
    expect(loaded.out[0]!.token).to.deep.equal({
      token_type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
  });

  it('leaves one header of the name on the message, whatever casing the incoming one had', async () => {
    secrets = [KEY, TOKEN];
    loaded = await load(flowOf({ kind: 'apiKey', apiKeyName: 'X-API-Key' }), {
      auth: { apiKey: KEY },
    });
    loaded.send({ headers: { 'x-api-key': 'old', 'X-API-KEY': 'older', Accept: 'text/plain' } });
    await loaded.settled(1);
    expect(loaded.out[0]!.headers).to.deep.equal({ Accept: 'text/plain', 'X-API-Key': KEY });
  });

  it('sends an API key as a query parameter of msg.url, keeping the others and replacing its own', async () => {
    const key = 'a b&c=d/é';
    secrets = [key];
    loaded = await load(
      apiFlow({ kind: 'apiKey', apiKeyName: 'api_key', apiKeyIn: 'query' }),
      { auth: { apiKey: key } },
      [httpRequest],
    );
    loaded.send({ url: `${api.url}/search?q=node%20red&api_key=old` });
    await loaded.settled(1);
    const url = new URL(api.requests[0]!.url, api.url);
    expect(url.searchParams.get('q')).to.equal('node red');
    expect(url.searchParams.getAll('api_key')).to.deep.equal([key]);
    expect(api.requests[0]!.headers.authorization).to.equal(undefined);
    expect(loaded.out[0]!.token).to.deep.equal({
      token_type: 'apiKey',
      in: 'query',
      name: 'api_key',
    });
  });

  it('fails NO_URL, sending nothing, when a query API key finds no absolute msg.url', async () => {
    secrets = [KEY];
    loaded = await load(
      apiFlow({ kind: 'apiKey', apiKeyName: 'api_key', apiKeyIn: 'query' }),
      { auth: { apiKey: KEY } },
      [httpRequest],
    );
    loaded.send({});
    loaded.send({ url: '/relative/path' });
    await loaded.settled(2);
    expect(api.requests).to.have.length(0);
    expect(loaded.errors).to.have.length(2);
    for (const e of loaded.errors) {
      const error = e.error as { code?: string; message: string };
      if (catchCopiesCode) expect(error.code).to.equal('NO_URL');
      expect(error.message).to.contain('msg.url');
    }
    expect(loaded.errors[1]!.url).to.equal('/relative/path');
  });

  it('sends HTTP Basic with the UTF-8 bytes of username and password (RFC 7617)', async () => {
    secrets = [PASSWORD];
    loaded = await load(
      apiFlow({ kind: 'basic' }),
      {
        auth: { username: 'Jürgen', password: PASSWORD },
      },
      [httpRequest],
    );
    loaded.send({ url: `${api.url}/basic`, headers: { AUTHORIZATION: 'Bearer old' } });
    await loaded.settled(1);
    const header = api.requests[0]!.headers.authorization!;
    expect(header).to.match(/^Basic [A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(header.slice(6), 'base64').toString('utf8')).to.equal(`Jürgen:${PASSWORD}`);
    expect(loaded.out[0]!.token).to.deep.equal({
      token_type: 'Basic',
      in: 'header',
      name: 'Authorization',
    });
    // The one Authorization header of the message is ours.
    const headers = loaded.out[0]!.headers as Record<string, unknown> | undefined;
    expect(
      Object.keys(headers ?? {}).filter((k) => k.toLowerCase() === 'authorization'),
    ).to.have.length.at.most(1);
  });

  it('sends a bearer token, with the expiry typed for it on msg.token', async () => {
    secrets = [TOKEN];
    const expiresAt = new Date(Date.now() + 40 * 86_400_000).toISOString();
    loaded = await load(
      apiFlow({
        kind: 'bearer',
        expiries: [
          { expiresAt: '2099-01-01', appliesTo: ['somethingElse'] },
          { expiresAt, appliesTo: ['token'], note: 'GitHub PAT' },
        ],
      }),
      { auth: { token: TOKEN } },
      [httpRequest],
    );
    loaded.send({ url: `${api.url}/user` });
    await loaded.settled(1);
    expect(api.requests[0]!.headers.authorization).to.equal(`Bearer ${TOKEN}`);
    const token = loaded.out[0]!.token as Record<string, unknown>;
    expect(token).to.have.all.keys('token_type', 'in', 'name', 'expires_at', 'expires_in');
    expect(token.expires_at).to.equal(expiresAt);
    expect(token.expires_in).to.be.within(40 * 86_400 - 60, 40 * 86_400);
    const status = loaded.statuses().find((s) => s.fill === 'green');
    expect(String(status?.text)).to.match(/^auth-get-token\.status\.valid|valid until/);
  });

  it('turns its status to expired when the typed expiry date passes, without a deploy', async () => {
    secrets = [TOKEN];
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    loaded = await load(
      flowOf({ kind: 'bearer', expiries: [{ expiresAt, appliesTo: ['token'] }] }),
      { auth: { token: TOKEN } },
    );
    const expired = (s: Record<string, unknown>) =>
      s.fill === 'yellow' && /expired/.test(String(s.text));
    expect(loaded.statuses().at(-1)?.fill).to.equal('green');
    // Bounded wait: the date passes in 1.5 s, nothing is deployed or sent meanwhile.
    for (let i = 0; i < 100 && !loaded.statuses().some(expired); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(loaded.statuses().at(-1), 'status after the date').to.satisfy(expired);
  });

  it('keeps a status for an expiry date decades away without re-drawing it', async () => {
    secrets = [TOKEN];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      loaded = await load(
        flowOf({ kind: 'bearer', expiries: [{ expiresAt: '2099-01-01', appliesTo: ['token'] }] }),
        { auth: { token: TOKEN } },
      );
      const before = loaded.statuses().length;
      await new Promise((r) => setTimeout(r, 300));
      expect(loaded.statuses().length, 'statuses drawn after load').to.equal(before);
      expect(warnings).to.not.include('TimeoutOverflowWarning');
    } finally {
      process.removeListener('warning', onWarning);
    }
  });

  it('shows a ready status without an expiry, and never the secret', async () => {
    secrets = [TOKEN];
    loaded = await load(flowOf({ kind: 'bearer' }), { auth: { token: TOKEN } });
    expect(
      loaded.statuses().some((s) => s.fill === 'green' && String(s.text).includes('ready')),
    ).to.equal(true);
  });

  const invalid: [string, Record<string, unknown>, Record<string, string>, string][] = [
    [
      'a Basic username with a colon',
      { kind: 'basic' },
      { username: 'a:b', password: PASSWORD },
      'username',
    ],
    // A missing Basic password is allowed (RFC 7617): credential-kinds-edges.test.ts.
    [
      'a Basic password with a line break',
      { kind: 'basic' },
      { username: 'ann', password: 'pass\nword' },
      'password',
    ],
    ['an API key missing', { kind: 'apiKey', apiKeyName: 'X-Key' }, {}, 'apiKey'],
    [
      'an invalid header name',
      { kind: 'apiKey', apiKeyName: 'X Key' },
      { apiKey: KEY },
      'apiKeyName',
    ],
    [
      'Host as the header name',
      { kind: 'apiKey', apiKeyName: 'host' },
      { apiKey: KEY },
      'apiKeyName',
    ],
    ['a token with a space', { kind: 'bearer' }, { token: 'two words' }, 'token'],
    ['an unknown kind', { kind: 'ntlm' }, { token: TOKEN }, 'kind'],
    [
      'an insecure test URL',
      { kind: 'bearer', testUrl: 'http://api.example.com/' },
      { token: TOKEN },
      'testUrl',
    ],
  ];
  for (const [what, auth, creds, field] of invalid) {
    it(`fails CONFIG_INVALID naming the field for ${what}, sending nothing`, async () => {
      secrets = Object.values(creds).filter((v) => v.length > 4);
      loaded = await load(apiFlow(auth), { auth: creds }, [httpRequest]);
      loaded.send({ url: `${api.url}/x` });
      await loaded.settled(1);
      expect(api.requests).to.have.length(0);
      const error = loaded.errors[0]!.error as { code?: string; message: string };
      if (catchCopiesCode) expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.message).to.contain(field);
      expect(
        loaded.statuses().some((s) => s.fill === 'red' && s.text === 'CONFIG_INVALID'),
      ).to.equal(true);
    });
  }

  it('never sets a static header on a route to an e-mail node, and removes one the message brings', async () => {
    secrets = [TOKEN];
    const flow = flowOf({ kind: 'bearer' }, { wires: [['mail']] });
    flow.push({ id: 'mail', type: 'e-mail', z: 'tab', x: 300, y: 300, wires: [['out']] });
    loaded = await load(flow, { auth: { token: TOKEN } }, [stubMail]);
    loaded.send({ headers: { authorization: 'Bearer other' } });
    await loaded.settled(1);
    const headers = (loaded.out[0]!.headers ?? {}) as Record<string, unknown>;
    expect(JSON.stringify(headers)).not.to.contain(TOKEN);
    expect(Object.keys(headers).map((k) => k.toLowerCase())).not.to.include('authorization');
    expect((loaded.out[0]!.token as { in: string }).in).to.equal('none');
  });
});
