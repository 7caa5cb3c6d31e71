/**
 * How the transport reaches a token endpoint, against servers on 127.0.0.1: kept-alive
 * connections, the proxy (configured or from the environment) and who bypasses it, TLS
 * trust, compressed and oversized bodies.
 */
import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import zlib from 'node:zlib';
import { MAX_BODY_BYTES, createTransport, type TransportOptions } from '../../nodes/core/http';
import type { TokenRequest } from '../../nodes/core/token-request';
import { makeTestCa, type TestCa } from '../fixtures/test-ca';
import { within } from '../helpers/within';

interface Srv {
  port: number;
  connections: () => number;
  closedConnections: () => number;
  close: () => Promise<void>;
}

/** Tracks its sockets so that closing it never waits for a kept-alive connection. */
async function listen(s: http.Server | https.Server | net.Server): Promise<Srv> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let closed = 0;
  s.on(s instanceof https.Server ? 'secureConnection' : 'connection', (c: Socket) => {
    connections++;
    sockets.add(c);
    c.on('close', () => {
      closed++;
      sockets.delete(c);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as AddressInfo).port,
    connections: () => connections,
    closedConnections: () => closed,
    close: () =>
      new Promise<void>((r) => {
        for (const c of sockets) c.destroy();
        s.close(() => r());
      }),
  };
}

/** A token endpoint answering `{}` (or what `handler` sends). */
const endpoint = (handler?: http.RequestListener) =>
  listen(
    http.createServer(
      handler ??
        ((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        }),
    ),
  );

/**
 * An HTTP CONNECT proxy that records the authority of each tunnel asked for and connects
 * every tunnel to `targetPort` on 127.0.0.1, whatever host was named.
 */
async function proxy(targetPort: number) {
  const tunnels: string[] = [];
  const s = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  const upstream = new Set<Socket>();
  s.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const up = net.connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    upstream.add(up);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  const srv = await listen(s);
  return {
    url: `http://127.0.0.1:${srv.port}`,
    tunnels,
    close: async () => {
      for (const u of upstream) u.destroy();
      await srv.close();
    },
  };
}

const request = (url: string): TokenRequest => ({
  url: new URL(url),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials',
});

async function until(cond: () => boolean, what: string): Promise<void> {
  await within(
    (async () => {
      for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    })(),
    10_000,
    what,
  );
  expect(cond(), what).to.equal(true);
}

describe('transport routes', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  const transport = (opts?: TransportOptions) => {
    const t = createTransport(opts);
    cleanup.push(() => t.close());
    return t;
  };
  const server = async (handler?: http.RequestListener) => {
    const s = await endpoint(handler);
    cleanup.push(() => s.close());
    return s;
  };
  const proxyTo = async (port: number) => {
    const p = await proxy(port);
    cleanup.push(() => p.close());
    return p;
  };
  const send = (t: ReturnType<typeof createTransport>, url: string) =>
    within(t.send(request(url), 3000, new AbortController().signal), 5000, `a request to ${url}`);

  it('sends successive requests over one kept-alive connection', async () => {
    const srv = await server();
    const t = transport();
    for (let i = 0; i < 3; i++) {
      expect((await send(t, `http://127.0.0.1:${srv.port}/token`)).status).to.equal(200);
    }
    expect(srv.connections()).to.equal(1);
  });

  it('leaves no listener on the long-lived abort signal after its requests, whatever their outcome', async () => {
    const srv = await server((req, res) => {
      if (req.url === '/slow') return;
      res.end('{}');
    });
    const t = transport();
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++)
      await t.send(request(`http://127.0.0.1:${srv.port}/token`), 3000, signal);
    await t.send(request(`http://127.0.0.1:${srv.port}/slow`), 50, signal).catch(() => undefined);
    expect(getEventListeners(signal, 'abort')).to.have.length(0);
  });

  it('leaves no timer behind once a request has its answer', async () => {
    const s = http.createServer((_req, res) => res.end('{}'));
    // No idle timer on the server's side of the kept-alive connection either.
    s.keepAliveTimeout = 0;
    const srv = await listen(s);
    cleanup.push(() => srv.close());
    const t = transport();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const url = `http://127.0.0.1:${srv.port}/token`;
    // A first request sets up the connection; the second must add no timer to that state.
    await t.send(request(url), 60_000, new AbortController().signal);
    const before = timers();
    await t.send(request(url), 60_000, new AbortController().signal);
    expect(timers()).to.equal(before);
  });

  it('reports a refused connection as ECONNREFUSED, transient, not as a timeout', async () => {
    const srv = await server();
    const url = `http://127.0.0.1:${srv.port}/token`;
    await srv.close();
    const err = await send(transport(), url).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.include({ code: 'ECONNREFUSED', transient: true });
  });

  it('opens at most 4 connections to a server at once; further requests wait for one', async () => {
    const held: http.ServerResponse[] = [];
    let release = false;
    const srv = await server((_req, res) => {
      if (release) res.end('{}');
      else held.push(res);
    });
    const t = transport();
    const all = Promise.all(
      Array.from({ length: 6 }, () =>
        t.send(request(`http://127.0.0.1:${srv.port}/token`), 10_000, new AbortController().signal),
      ),
    );
    await until(() => held.length === 4, 'four requests arriving');
    // Time for a fifth connection, were one allowed, to arrive (not a timing assertion).
    await new Promise((r) => setTimeout(r, 100));
    expect(srv.connections()).to.equal(4);
    release = true;
    for (const res of held.splice(0)) res.end('{}');
    expect((await within(all, 15_000, 'six answers')).map((r) => r.status)).to.deep.equal(
      Array(6).fill(200),
    );
    expect(srv.connections()).to.equal(4);
  });

  it('closes its kept-alive connections when the transport is closed', async () => {
    const srv = await server();
    const t = createTransport();
    await send(t, `http://127.0.0.1:${srv.port}/token`);
    expect(srv.closedConnections()).to.equal(0);
    t.close();
    await until(() => srv.closedConnections() === 1, 'the server seeing the connection close');
  });

  it('returns an error status as a response, for the caller to read', async () => {
    const srv = await server((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"invalid_client"}');
    });
    const res = await send(transport(), `http://127.0.0.1:${srv.port}/token`);
    expect(res.status).to.equal(400);
    expect(JSON.parse(res.body.toString())).to.deep.equal({ error: 'invalid_client' });
  });

  it('returns a gzip-compressed body decompressed', async () => {
    const srv = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync('{"access_token":"abc"}'));
    });
    const res = await send(transport(), `http://127.0.0.1:${srv.port}/token`);
    expect(res.body.toString()).to.equal('{"access_token":"abc"}');
  });

  it('refuses a body over the size limit as BAD_RESPONSE, permanent', async () => {
    const srv = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.alloc(MAX_BODY_BYTES + 1, 'a'));
    });
    const err = await send(transport(), `http://127.0.0.1:${srv.port}/token`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.include({ code: 'BAD_RESPONSE', transient: false });
  });

  it('sends through the configured proxy, naming the host asked for, over one tunnel', async () => {
    const srv = await server();
    const p = await proxyTo(srv.port);
    const t = transport({ proxy: { url: p.url, noProxy: ['other.example'] } });
    // The name does not resolve: only the proxy can reach it.
    for (let i = 0; i < 2; i++) {
      expect((await send(t, `http://auth.invalid:${srv.port}/token`)).status).to.equal(200);
    }
    expect(p.tunnels).to.deep.equal([`auth.invalid:${srv.port}`]);
  });

  it('closes its proxy tunnels when the transport is closed', async () => {
    const srv = await server();
    const p = await proxyTo(srv.port);
    const t = createTransport({ proxy: { url: p.url, noProxy: [] } });
    await send(t, `http://auth.invalid:${srv.port}/token`);
    expect(srv.closedConnections()).to.equal(0);
    t.close();
    await until(() => srv.closedConnections() === 1, 'the tunnel closing');
  });

  for (const noProxy of [
    ['127.0.0.1'],
    [' 127.0.0.1 '],
    ['other.example', '127.0.0.1'],
    ['0.0.1'],
    ['.0.0.1'],
    ['*.0.0.1'],
    ['.127.0.0.1'],
  ]) {
    it(`goes direct to 127.0.0.1 when noProxy is ${JSON.stringify(noProxy)}`, async () => {
      const srv = await server();
      const p = await proxyTo(srv.port);
      const t = transport({ proxy: { url: p.url, noProxy } });
      expect((await send(t, `http://127.0.0.1:${srv.port}/token`)).status).to.equal(200);
      expect(p.tunnels).to.deep.equal([]);
    });
  }

  it('goes direct to a host named in noProxy in another letter case', async () => {
    const srv = await server();
    const p = await proxyTo(srv.port);
    const t = transport({ proxy: { url: p.url, noProxy: ['LOCALHOST'] } });
    expect((await send(t, `http://localhost:${srv.port}/token`)).status).to.equal(200);
    expect(p.tunnels).to.deep.equal([]);
  });

  for (const noProxy of [
    [],
    ['27.0.0.1'],
    ['', ' ', '*'],
    ['.1.127.0.0.1'],
    ['127.0.0.10'],
    ['127.0.0.1*'],
  ]) {
    it(`uses the proxy for 127.0.0.1 when noProxy is ${JSON.stringify(noProxy)}`, async () => {
      const srv = await server();
      const p = await proxyTo(srv.port);
      const t = transport({ proxy: { url: p.url, noProxy } });
      expect((await send(t, `http://127.0.0.1:${srv.port}/token`)).status).to.equal(200);
      expect(p.tunnels).to.deep.equal([`127.0.0.1:${srv.port}`]);
    });
  }

  describe('with a proxy in the environment', () => {
    const names = ['http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY'];
    let saved: Record<string, string | undefined> = {};
    beforeEach(() => {
      saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
      for (const n of names) delete process.env[n];
    });
    afterEach(() => {
      for (const n of names) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
    });

    it('uses HTTP_PROXY when no proxy is configured', async () => {
      const srv = await server();
      const p = await proxyTo(srv.port);
      process.env.HTTP_PROXY = p.url;
      const t = transport();
      expect((await send(t, `http://auth.invalid:${srv.port}/token`)).status).to.equal(200);
      expect(p.tunnels).to.deep.equal([`auth.invalid:${srv.port}`]);
    });

    it('ignores HTTP_PROXY for a host its proxy setting bypasses', async () => {
      const srv = await server();
      const envProxy = await proxyTo(srv.port);
      const own = await proxyTo(srv.port);
      process.env.HTTP_PROXY = envProxy.url;
      const t = transport({ proxy: { url: own.url, noProxy: ['127.0.0.1'] } });
      expect((await send(t, `http://127.0.0.1:${srv.port}/token`)).status).to.equal(200);
      expect(own.tunnels).to.deep.equal([]);
      expect(envProxy.tunnels).to.deep.equal([]);
    });
  });

  describe('over TLS', () => {
    let ca: TestCa;
    before(function () {
      this.timeout(30_000);
      ca = makeTestCa();
    });

    const tlsServer = async () => {
      const s = await listen(
        https.createServer({ ...ca.server }, (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        }),
      );
      cleanup.push(() => s.close());
      return s;
    };

    it('trusts a server certificate signed by the configured CA, over one connection', async () => {
      const srv = await tlsServer();
      const t = transport({ tls: { ca: ca.ca } });
      for (let i = 0; i < 2; i++) {
        expect((await send(t, `https://127.0.0.1:${srv.port}/token`)).status).to.equal(200);
      }
      expect(srv.connections()).to.equal(1);
    });

    it('refuses that certificate without the CA, as a permanent TLS error', async () => {
      const srv = await tlsServer();
      const err = await send(transport(), `https://127.0.0.1:${srv.port}/token`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.include({ transient: false });
      expect((err as { code: string }).code).to.match(/CERT|UNABLE_TO/);
    });

    it('closes its TLS connections when the transport is closed', async () => {
      const srv = await tlsServer();
      const t = createTransport({ tls: { ca: ca.ca } });
      await send(t, `https://127.0.0.1:${srv.port}/token`);
      t.close();
      await until(() => srv.closedConnections() === 1, 'the server seeing the connection close');
    });
  });
});
