import { expect } from 'chai';
import { validateObject, validateSettings, type StaticSettings } from '../../nodes/core/config';
import { AuthError, errors } from '../../nodes/core/errors';
import type { Transport } from '../../nodes/core/http';
import { probeStatic, probeToken } from '../../nodes/core/probe';
import type { TokenRequest } from '../../nodes/core/token-request';
import type { HttpResponse } from '../../nodes/core/token-response';

/** Answers every request with `reply`; records requests and whether it was closed. */
function transport(reply: HttpResponse | AuthError | Error) {
  const requests: TokenRequest[] = [];
  let closed = 0;
  const t: Transport = {
    send(req) {
      requests.push(req);
      return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
    },
    close() {
      closed++;
    },
  };
  return { t, requests, closed: () => closed };
}
const status = (s: number): HttpResponse => ({ status: s, headers: {}, body: Buffer.from('') });

const staticSettings = (raw: Record<string, unknown>, creds: Record<string, string>) => {
  const o = validateObject(raw, creds);
  if (o.kind !== 'static') throw new Error('not static');
  return o.settings as StaticSettings;
};
const apiKeyInQuery = staticSettings(
  {
    kind: 'apiKey',
    apiKeyIn: 'query',
    apiKeyName: 'key',
    testUrl: 'https://api.example.com/me?x=1',
  },
  { apiKey: 'K-123' },
);
const bearer = staticSettings(
  { kind: 'bearer', testUrl: 'https://api.example.com/me' },
  { token: 'T-456' },
);

describe('test connection of a static credential', () => {
  it('GETs the test URL once with the credential in the header and an empty body', async () => {
    const { t, requests } = transport(status(204));
    const r = await probeStatic(bearer, t);
    expect(r).to.deep.equal({ ok: true, static: true, status: 204 });
    expect(requests).to.have.length(1);
    const req = requests[0]!;
    expect(req.method).to.equal('GET');
    expect(req.url.href).to.equal('https://api.example.com/me');
    expect(req.headers).to.deep.equal({ Accept: '*/*', Authorization: 'Bearer T-456' });
    expect(req.body).to.equal('');
  });

  it('puts a query API key on the test URL, keeping its other parameters', async () => {
    const { t, requests } = transport(status(200));
    const r = await probeStatic(apiKeyInQuery, t);
    expect(r).to.deep.equal({ ok: true, static: true, status: 200 });
    const url = requests[0]!.url;
    expect(url.searchParams.get('key')).to.equal('K-123');
    expect(url.searchParams.get('x')).to.equal('1');
    expect(requests[0]!.headers).to.deep.equal({ Accept: '*/*' });
  });

  it('counts 200 to 299 as success and any other status as failure, with the status', async () => {
    const seen: Record<number, boolean> = {};
    for (const s of [199, 200, 201, 299, 300, 301, 401, 403, 500]) {
      const r = await probeStatic(bearer, transport(status(s)).t);
      expect(r, String(s)).to.deep.include({ static: true, status: s });
      seen[s] = r.ok;
    }
    expect(seen).to.deep.equal({
      199: false,
      200: true,
      201: true,
      299: true,
      300: false,
      301: false,
      401: false,
      403: false,
      500: false,
    });
  });

  it('says there is nothing to call, sending nothing, when no test URL is set', async () => {
    const { t, requests } = transport(status(200));
    const noUrl = staticSettings({ kind: 'bearer' }, { token: 'T' });
    expect(await probeStatic(noUrl, t)).to.deep.equal({ ok: true, static: true });
    expect(requests).to.have.length(0);
  });

  it('sends nothing when admit says no, after asking with the test URL', async () => {
    const { t, requests, closed } = transport(status(200));
    const asked: string[] = [];
    const r = await probeStatic(bearer, t, async (u) => {
      asked.push(u.href);
      return false;
    });
    expect(r).to.deep.equal({ ok: false, turnedAway: true });
    expect(asked).to.deep.equal(['https://api.example.com/me']);
    expect(requests).to.have.length(0);
    expect(closed()).to.equal(1);
  });

  it('reports a transport error as it is, and anything else as EUNKNOWN', async () => {
    const timeout = errors.timeout(10);
    expect(await probeStatic(bearer, transport(timeout).t)).to.deep.equal({
      ok: false,
      error: timeout,
    });
    const r = await probeStatic(bearer, transport(new Error('boom T-456')).t);
    expect(!r.ok && 'error' in r && r.error?.code).to.equal('EUNKNOWN');
    expect(JSON.stringify(r)).to.not.contain('T-456');
  });

  it('closes the transport after each test, whatever the outcome', async () => {
    for (const reply of [status(200), status(500), errors.timeout(10)]) {
      const tr = transport(reply);
      await probeStatic(bearer, tr.t);
      expect(tr.closed()).to.equal(1);
    }
  });
});

describe('test connection of an OAuth 2.0 object', () => {
  it('closes the transport after the probe, whatever the outcome', async () => {
    const s = validateSettings(
      { grantType: 'client_credentials', tokenUrl: 'https://a.example/t' },
      { clientId: 'c', clientSecret: 's' },
    );
    const okBody = JSON.stringify({ access_token: 'A', token_type: 'Bearer', expires_in: 60 });
    for (const reply of [
      { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(okBody) },
      status(503),
    ]) {
      const tr = transport(reply);
      await probeToken(s, tr.t);
      expect(tr.closed()).to.be.at.least(1);
    }
  });
});
