/**
 * The transport on its own, against servers on 127.0.0.1: the deadline per attempt, the
 * cancellation on close, and what each kind of network failure is classified as.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AuthError } from '../../nodes/core/errors';
import { MAX_BODY_BYTES, classifyTransportError, createTransport } from '../../nodes/core/http';
import type { TokenRequest } from '../../nodes/core/token-request';
import { within } from '../helpers/within';

/** A server whose handler decides; counts connections the client closed before an answer. */
async function server(handler: http.RequestListener) {
  const sockets = new Set<Socket>();
  let clientClosed = 0;
  const s = http.createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) clientClosed++;
    });
    handler(req, res);
  });
  s.on('connection', (c: Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/token`);
  return {
    url,
    clientClosed: () => clientClosed,
    close: () =>
      new Promise<void>((r) => {
        for (const c of sockets) c.destroy();
        s.close(() => r());
      }),
  };
}

const request = (url: URL): TokenRequest => ({
  url,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials',
});

describe('transport', () => {
  const transports: ReturnType<typeof createTransport>[] = [];
  afterEach(() => {
    for (const t of transports.splice(0)) t.close();
  });
  const transport = () => {
    const t = createTransport();
    transports.push(t);
    return t;
  };

  for (const [what, handler] of [
    ['never answers', () => undefined],
    [
      'sends headers and never ends the body',
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"access_token":"partial');
      },
    ],
  ] as const) {
    it(`cuts an attempt whose server ${what} at its timeout with ETIMEDOUT, transient`, async () => {
      const srv = await server(handler);
      try {
        const err = await within(
          transport()
            .send(request(srv.url), 200, new AbortController().signal)
            .then(
              () => undefined,
              (e: unknown) => e,
            ),
          // Far beyond 200 ms, far below mocha's limit.
          5000,
          'a 200 ms attempt',
        );
        expect(err).to.be.instanceOf(AuthError);
        expect(err).to.include({ code: 'ETIMEDOUT', transient: true });
        expect((err as AuthError).message).to.equal('token endpoint did not answer within 0.2 s');
        // The client gave up: the server saw its connection close before it answered.
        await within(
          (async () => {
            for (let i = 0; i < 100 && srv.clientClosed() === 0; i++) {
              await new Promise((r) => setTimeout(r, 10));
            }
          })(),
          5000,
          'the server seeing the close',
        );
        expect(srv.clientClosed()).to.equal(1);
      } finally {
        await srv.close();
      }
    });
  }

  it('rejects with CLOSED, not a timeout, when the object closes during an attempt', async () => {
    const srv = await server(() => undefined);
    try {
      const ac = new AbortController();
      const p = transport()
        .send(request(srv.url), 10_000, ac.signal)
        .catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
      const err = await within(p, 5000, 'a cancelled attempt');
      expect(err).to.include({ code: 'CLOSED', message: 'token request cancelled' });
    } finally {
      await srv.close();
    }
  });

  it('sends the request as given and returns status, headers and body without following a redirect', async () => {
    let seen: { method?: string; type?: string; body: string } = { body: '' };
    const srv = await server((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { method: req.method, type: req.headers['content-type'], body };
        res.writeHead(302, { location: '/elsewhere', 'x-test': 'yes' });
        res.end('moved');
      });
    });
    try {
      const res = await transport().send(request(srv.url), 2000, new AbortController().signal);
      expect(res.status).to.equal(302);
      expect(res.headers['x-test']).to.equal('yes');
      expect(res.body.toString()).to.equal('moved');
      expect(seen).to.deep.equal({
        method: 'POST',
        type: 'application/x-www-form-urlencoded',
        body: 'grant_type=client_credentials',
      });
    } finally {
      await srv.close();
    }
  });

  it('sends a GET without a body', async () => {
    let seen = { method: '', body: 'unset' };
    const srv = await server((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { method: req.method ?? '', body };
        res.end('{}');
      });
    });
    try {
      await transport().send(
        { ...request(srv.url), method: 'GET' },
        2000,
        new AbortController().signal,
      );
      expect(seen).to.deep.equal({ method: 'GET', body: '' });
    } finally {
      await srv.close();
    }
  });

  it('classifies each kind of network failure', () => {
    const c = (err: unknown) => {
      const e = classifyTransportError(err, 3000);
      return { code: e.code, transient: e.transient };
    };
    expect(c({ code: 'ECONNREFUSED' })).to.deep.equal({ code: 'ECONNREFUSED', transient: true });
    expect(c({ code: 'ECONNABORTED' })).to.deep.equal({ code: 'ETIMEDOUT', transient: true });
    expect(c({ code: 'ETIMEDOUT' })).to.deep.equal({ code: 'ETIMEDOUT', transient: true });
    expect(c({ code: 'ERR_BAD_RESPONSE' })).to.deep.equal({ code: 'ECONNRESET', transient: true });
    expect(c({ code: 'ERR_BAD_RESPONSE', cause: { code: 'Z_BUF_ERROR' } })).to.deep.equal({
      code: 'ECONNRESET',
      transient: true,
    });
    expect(c({ code: 'ERR_BAD_RESPONSE', cause: { code: 'Z_DATA_ERROR' } })).to.deep.equal({
      code: 'BAD_RESPONSE',
      transient: false,
    });
    expect(c({ code: 'ERR_BAD_RESPONSE', cause: { code: 'ECONNREFUSED' } })).to.deep.equal({
      code: 'ECONNREFUSED',
      transient: true,
    });
    for (const tls of [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'CERT_HAS_EXPIRED',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'ERR_SSL_WRONG_VERSION_NUMBER',
      'EPROTO',
    ]) {
      expect(c({ code: tls }), tls).to.deep.equal({ code: tls, transient: false });
    }
    // Not a TLS code merely because it contains the letters.
    expect(c({ code: 'XEPROTO' })).to.deep.equal({ code: 'XEPROTO', transient: true });
    for (const code of ['XERR_TLS_X', 'XERR_SSL_X', 'EPROTO_X']) {
      expect(c({ code }), code).to.deep.equal({ code, transient: true });
    }
    // Only a whole identifier of 2 to 40 characters is repeated.
    for (const code of ['lower ECONNX', 'ECONNX lower', `E${'X'.repeat(40)}`]) {
      expect(c({ code }), code).to.deep.equal({ code: 'ENETWORK', transient: true });
    }
    expect(c({ code: `E${'X'.repeat(39)}` })).to.deep.equal({
      code: `E${'X'.repeat(39)}`,
      transient: true,
    });
    expect(c({ message: 'maxContentLength size of 1048576 exceeded' })).to.deep.equal({
      code: 'BAD_RESPONSE',
      transient: false,
    });
    expect(classifyTransportError({ message: 'maxContentLength' }, 1).message).to.contain(
      String(MAX_BODY_BYTES),
    );
    // A code that is not a plain identifier is not repeated (it is the foreign error's text).
    expect(c({ code: 'weird code; secret=1' })).to.deep.equal({
      code: 'ENETWORK',
      transient: true,
    });
    expect(c({ code: 'X' })).to.deep.equal({ code: 'ENETWORK', transient: true });
    expect(c({ code: 7 })).to.deep.equal({ code: 'ENETWORK', transient: true });
    expect(c({})).to.deep.equal({ code: 'ENETWORK', transient: true });
    const own = new AuthError('closed', 'CLOSED', 'closed');
    expect(classifyTransportError(own, 1)).to.equal(own);
  });
});
