/**
 * Broken and hostile token endpoints: each case gets a clear, coded error, a
 * bounded number of requests, no crash, no leaked secret, and normal service
 * once the server behaves again.
 */
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import { handlers, startRawServer, type RawHandler, type RawServer } from '../fixtures/raw-server';
import { expectNoSecrets, flowOf, helper, load, type Loaded } from '../helpers/runtime';
import { within } from '../helpers/within';

const SECRET = 'hostile-secret-Qw3!';
const TOKEN_IN_BAD_BODY = 'at-should-never-be-shown-9f2';
const creds = { auth: { clientId: 'cid', clientSecret: SECRET } };
const good = handlers.json(200, {
  access_token: 'recovered-token',
  token_type: 'Bearer',
  expires_in: 60,
});
const MB = 1024 * 1024;

interface Case {
  name: string;
  handler?: RawHandler;
  /** For handlers that need the server's own address. */
  make?: (raw: RawServer) => RawHandler;
  code: string | RegExp;
  /** Most requests the case may cause for one message. */
  maxRequests: number;
  /** Words the error message must contain. */
  says?: RegExp;
}

const bigBody: RawHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(MB, 0x20);
  let sent = 0;
  const pump = () => {
    while (sent < 10 && !res.destroyed) {
      sent++;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
};

const cases: Case[] = [
  { name: 'a reset mid-response', handler: handlers.destroy(), code: 'ECONNRESET', maxRequests: 4 },
  {
    name: 'a server that accepts but never answers',
    handler: handlers.hang(),
    code: 'ETIMEDOUT',
    maxRequests: 4,
    says: /within 1 s/,
  },
  {
    name: 'a 10 MB body',
    handler: bigBody,
    code: 'BAD_RESPONSE',
    maxRequests: 1,
    says: /larger than/,
  },
  {
    name: 'a gzip bomb',
    handler: handlers.gzip(200, Buffer.alloc(64 * MB, 0x20)),
    code: 'BAD_RESPONSE',
    maxRequests: 1,
    says: /larger than/,
  },
  { name: 'an HTML error page', handler: handlers.html(502), code: 'HTTP_502', maxRequests: 4 },
  {
    name: 'an XML error page',
    handler: handlers.text(400, '<?xml version="1.0"?><error>bad</error>', 'application/xml'),
    code: 'HTTP_400',
    maxRequests: 1,
    says: /application\/xml/,
  },
  {
    name: 'access_token as a number',
    handler: handlers.json(200, { access_token: 12345, token_type: 'Bearer' }),
    code: 'BAD_RESPONSE',
    maxRequests: 1,
    says: /access_token/,
  },
  {
    name: 'a negative expires_in',
    handler: handlers.json(200, { access_token: TOKEN_IN_BAD_BODY, expires_in: -5 }),
    code: 'BAD_RESPONSE',
    maxRequests: 1,
    says: /expires_in/,
  },
  {
    name: 'a 200 carrying an OAuth error',
    handler: handlers.json(200, { error: 'invalid_client', error_description: 'Client unknown' }),
    code: 'invalid_client',
    maxRequests: 1,
    says: /Client unknown/,
  },
  {
    name: 'a 401 with WWW-Authenticate',
    handler: handlers.json(
      401,
      { error: 'invalid_client' },
      { 'www-authenticate': 'Basic realm="x"' },
    ),
    code: 'invalid_client',
    maxRequests: 1,
  },
  {
    name: 'a 401 without a body',
    handler: handlers.text(401, '', 'text/plain'),
    code: 'HTTP_401',
    maxRequests: 1,
  },
  {
    name: 'a 301 redirect',
    make: (raw) => handlers.redirect(`${raw.url}/elsewhere`, 301),
    code: 'HTTP_301',
    maxRequests: 1,
    says: /redirect/,
  },
  {
    name: 'garbage bytes',
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]));
    },
    code: 'BAD_RESPONSE',
    maxRequests: 1,
  },
];

describe('hostile and broken token endpoints', function () {
  this.timeout(30_000);
  let raw: RawServer;
  let loaded: Loaded | undefined;

  beforeEach(async () => {
    raw = await startRawServer(good);
  });
  afterEach(async () => {
    try {
      if (loaded) expectNoSecrets(loaded, [SECRET, TOKEN_IN_BAD_BODY]);
    } finally {
      loaded = undefined;
      await helper.unload();
      await raw.close();
    }
  });

  // cooldown 0 so recovery shows at once; the pause itself is tested elsewhere.
  const settings = (extra: Record<string, unknown> = {}) => ({
    grantType: 'client_credentials',
    tokenUrl: raw.tokenUrl,
    timeout: 1,
    cooldown: 0,
    ...extra,
  });

  for (const c of cases) {
    it(`reports ${c.name} clearly, within bounds, and recovers`, async () => {
      raw.setHandler(c.make ? c.make(raw) : c.handler!);
      loaded = await load(flowOf(settings()), creds);
      loaded.send();
      // Four 1 s attempts and three backoffs (at most 3.5 s) end well within 20 s: a
      // deadline that does not fire fails here, not at mocha's limit.
      await within(loaded.settled(1), 20_000, `the answer to ${c.name}`);
      const err = loaded.errors[0]!.error as { code: string; message: string };
      if (typeof c.code === 'string') expect(err.code).to.equal(c.code);
      else expect(err.code).to.match(c.code);
      if (c.says) expect(err.message).to.match(c.says);
      expect(err.message.length).to.be.within(10, 400);
      const requests = raw.requests.filter((r) => r.url === '/token').length;
      expect(requests).to.be.within(1, c.maxRequests);
      expect(raw.requests.filter((r) => r.url !== '/token')).to.have.length(0);

      raw.setHandler(good);
      loaded.send();
      await loaded.settled(2);
      expect((loaded.out[0]!.token as { access_token: string }).access_token).to.equal(
        'recovered-token',
      );
    });
  }

  it('reports a refused connection and recovers when the server comes up', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    loaded = await load(flowOf(settings({ tokenUrl: `http://127.0.0.1:${port}/token` })), creds);
    loaded.send();
    await loaded.settled(1);
    expect(loaded.errors[0]!.error).to.include({ code: 'ECONNREFUSED' });
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'came-up', expires_in: 60 }));
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      loaded.send();
      await loaded.settled(2);
      expect((loaded.out[0]!.token as { access_token: string }).access_token).to.equal('came-up');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('passes a token type other than Bearer through as the server said', async () => {
    raw.setHandler(
      handlers.json(200, { access_token: 'mac-token', token_type: 'MAC', expires_in: 60 }),
    );
    loaded = await load(flowOf(settings()), creds);
    loaded.send();
    await loaded.settled(1);
    const msg = loaded.out[0]!;
    expect(msg.token).to.include({ token_type: 'MAC' });
    expect(msg.headers).to.deep.equal({ Authorization: 'MAC mac-token' });
  });

  it('accepts expires_in as "3600", caps a huge one, and falls back when it is missing', async () => {
    for (const [expires, lo, hi] of [
      ['3600', 3590, 3600],
      [1e15, 24 * 86400 - 10, 24 * 86400],
      [undefined, 290, 300],
    ] as const) {
      raw.setHandler(
        handlers.json(200, { access_token: `t-${String(expires)}`, expires_in: expires }),
      );
      loaded = await load(flowOf(settings()), creds);
      loaded.send();
      await loaded.settled(1);
      expect((loaded.out[0]!.token as { expires_in: number }).expires_in).to.be.within(lo, hi);
      await helper.unload();
    }
  });

  // Through the runtime: the date is read and the request repeated. That the wait lasts
  // until the date is asserted on a fake clock in test/core/token-manager.test.ts.
  it('honours Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 2000).toUTCString();
    raw.setHandler(
      handlers.sequence((_req, res) => {
        res.writeHead(429, { 'retry-after': at, 'content-type': 'text/plain' });
        res.end('slow down');
      }, good),
    );
    loaded = await load(flowOf(settings()), creds);
    loaded.send();
    await loaded.settled(1);
    expect(loaded.out).to.have.length(1);
    expect(raw.requests).to.have.length(2);
  });
});
