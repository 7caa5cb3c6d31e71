import { expect } from 'chai';
import { validateSettings } from '../../nodes/core/config';
import {
  MAX_DISCOVERY_BYTES,
  clientAuthWarning,
  discover,
  discoveryUrl,
  withTokenEndpoint,
} from '../../nodes/core/discovery';
import { AuthError, errors } from '../../nodes/core/errors';
import type { Transport } from '../../nodes/core/http';
import { probeToken } from '../../nodes/core/probe';
import type { TokenRequest } from '../../nodes/core/token-request';
import type { HttpResponse } from '../../nodes/core/token-response';

const ISSUER = 'https://login.example.com/tenant';
const creds = { clientId: 'c', clientSecret: 's3cret-Value' };
const settings = (extra: Record<string, unknown> = {}) =>
  validateSettings({ grantType: 'client_credentials', issuer: ISSUER, ...extra }, creds);

/** Answers each request with the next reply; records requests. */
function transport(...replies: (HttpResponse | AuthError)[]) {
  const requests: TokenRequest[] = [];
  const t: Transport = {
    send(req) {
      requests.push(req);
      const r = replies.length > 1 ? replies.shift()! : replies[0]!;
      return r instanceof AuthError ? Promise.reject(r) : Promise.resolve(r);
    },
    close() {},
  };
  return { t, requests };
}
const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});
const doc = (extra: Record<string, unknown> = {}) =>
  json(200, { issuer: ISSUER, token_endpoint: 'https://login.example.com/token', ...extra });
const signal = new AbortController().signal;
const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).to.be.instanceOf(AuthError);
  return e as AuthError;
};

describe('OpenID discovery', () => {
  it('reads the document under the issuer, without its query, with a GET', async () => {
    expect(discoveryUrl(new URL('https://a.example/x/')).href).to.equal(
      'https://a.example/x/.well-known/openid-configuration',
    );
    expect(discoveryUrl(new URL('https://a.example/?q=1')).href).to.equal(
      'https://a.example/.well-known/openid-configuration',
    );
    const { t, requests } = transport(doc({ token_endpoint_auth_methods_supported: ['a', 1] }));
    const found = await discover(settings(), t, signal);
    expect(found.tokenEndpoint.href).to.equal('https://login.example.com/token');
    expect(found.authMethods).to.deep.equal(['a']);
    expect(requests).to.have.length(1);
    expect(requests[0]).to.include({ method: 'GET', body: '' });
    expect(requests[0]!.url.href).to.equal(`${ISSUER}/.well-known/openid-configuration`);
    expect(requests[0]!.headers).to.deep.equal({ Accept: 'application/json' });
  });

  it('leaves authMethods out when the server lists none', async () => {
    const found = await discover(settings(), transport(doc()).t, signal);
    expect(found).to.not.have.property('authMethods');
  });

  it('refuses settings without an issuer', async () => {
    const s = validateSettings(
      { grantType: 'client_credentials', tokenUrl: 'https://a.example/token' },
      creds,
    );
    expect((await failure(discover(s, transport(doc()).t, signal))).message).to.contain(
      'no issuer',
    );
  });

  it('says the issuer is unreachable, transient unless the transport said otherwise', async () => {
    const net = await failure(
      discover(settings(), transport(errors.network('ECONNREFUSED')).t, signal),
    );
    expect(net).to.include({ code: 'DISCOVERY_FAILED', transient: true });
    expect(net.message).to.contain('ECONNREFUSED');
    const tls = await failure(
      discover(settings(), transport(errors.tls('CERT_HAS_EXPIRED')).t, signal),
    );
    expect(tls).to.include({ code: 'DISCOVERY_FAILED', transient: false });
    expect(tls.message).to.contain('CERT_HAS_EXPIRED');
    const closed = await failure(discover(settings(), transport(errors.closed()).t, signal));
    expect(closed.code).to.equal('CLOSED');
  });

  it('takes a 5xx or 429 as transient and other statuses as permanent', async () => {
    for (const [status, transient] of [
      [500, true],
      [503, true],
      [429, true],
      [404, false],
      [499, false],
      [302, false],
    ] as const) {
      const e = await failure(discover(settings(), transport(json(status, {})).t, signal));
      expect(e, String(status)).to.include({ code: 'DISCOVERY_FAILED', transient });
      expect(e.message).to.contain(String(status));
    }
  });

  it('refuses a document that is too large, not a JSON object, or from another issuer', async () => {
    const big = json(200, 'x'.repeat(MAX_DISCOVERY_BYTES + 1));
    expect((await failure(discover(settings(), transport(big).t, signal))).message).to.contain(
      'too large',
    );
    // Exactly the limit is read (and then fails for another reason).
    const edge = json(200, ' '.repeat(MAX_DISCOVERY_BYTES));
    expect((await failure(discover(settings(), transport(edge).t, signal))).message).to.contain(
      'not a JSON object',
    );
    for (const body of ['[]', 'null', '"x"', '{']) {
      const e = await failure(discover(settings(), transport(json(200, body)).t, signal));
      expect(e.message, body).to.contain('not a JSON object');
    }
    const other = await failure(
      discover(settings(), transport(doc({ issuer: 'https://evil.example' })).t, signal),
    );
    expect(other.message).to.contain('https://evil.example');
    expect(other.transient).to.equal(false);
    const none = await failure(discover(settings(), transport(doc({ issuer: 5 })).t, signal));
    expect(none.message).to.contain('none');
  });

  it('refuses a token endpoint that breaks the https rule or is missing', async () => {
    const http = await failure(
      discover(
        settings(),
        transport(doc({ token_endpoint: 'http://login.example.com/t' })).t,
        signal,
      ),
    );
    expect(http.message).to.contain('token_endpoint');
    const missing = await failure(
      discover(settings(), transport(doc({ token_endpoint: undefined })).t, signal),
    );
    expect(missing.code).to.equal('DISCOVERY_FAILED');
  });

  it('puts the discovered endpoint in place of the issuer, for refresh too unless typed', () => {
    const found = { tokenEndpoint: new URL('https://login.example.com/token') };
    const s = withTokenEndpoint(settings(), found);
    expect(s.tokenUrl.href).to.equal('https://login.example.com/token');
    expect(s.refreshTokenUrl.href).to.equal('https://login.example.com/token');
    expect(s).to.not.have.property('discovery');
    const typed = withTokenEndpoint(
      settings({ refreshTokenUrl: 'https://login.example.com/refresh' }),
      found,
    );
    expect(typed.refreshTokenUrl.href).to.equal('https://login.example.com/refresh');
  });

  it('words the warning for a client authentication the server does not list', () => {
    expect(
      clientAuthWarning({
        chosen: 'client_secret_basic',
        listed: ['a', 'client_secret_post'],
        suggestion: 'client_secret_post',
      }),
    ).to.deep.equal({
      key: 'clientAuth',
      params: {
        chosen: 'client_secret_basic',
        listed: 'a, client_secret_post',
        suggestion: 'client_secret_post',
      },
      text: 'the server lists only a, client_secret_post among its client authentication methods, not client_secret_basic: choose client_secret_post',
    });
    expect(clientAuthWarning({ chosen: 'x', listed: ['a'] })).to.deep.equal({
      key: 'clientAuthUnsupported',
      params: { chosen: 'x', listed: 'a', suggestion: '' },
      text: 'the server lists only a among its client authentication methods, not x, and this node supports none of them',
    });
  });
});

describe('Test connection probe', () => {
  const token = (extra: Record<string, unknown> = {}) =>
    json(200, { access_token: 'A', token_type: 'Bearer', expires_in: 600, ...extra });

  it('reports the token type, lifetime, scope and endpoint, never the token', async () => {
    const { t, requests } = transport(
      doc({ token_endpoint_auth_methods_supported: ['private_key_jwt'] }),
      token({ scope: 'read', refresh_token: 'R' }),
    );
    const r = await probeToken(settings({ scope: 'read write' }), t);
    expect(r).to.deep.include({
      ok: true,
      tokenType: 'Bearer',
      scope: 'read',
      scopeStated: true,
      requestedScope: 'read write',
      refreshToken: true,
      tokenEndpoint: 'https://login.example.com/token',
    });
    expect(r.ok && r.expiresIn).to.be.within(598, 600);
    expect(r.ok && r.clientAuth).to.deep.include({ chosen: 'client_secret_basic' });
    expect(JSON.stringify(r)).to.not.contain('"A"');
    expect(requests).to.have.length(2);
  });

  it('makes one attempt only, and reports the error', async () => {
    const { t, requests } = transport(json(503, 'busy'));
    const r = await probeToken(
      validateSettings({ grantType: 'client_credentials', tokenUrl: 'https://a.example/t' }, creds),
      t,
    );
    expect(r.ok).to.equal(false);
    expect(!r.ok && r.error?.code).to.equal('HTTP_503');
    expect(requests).to.have.length(1);
    expect(r).to.not.have.property('clientAuth');
  });

  it('sends nothing to the token endpoint when admit says no', async () => {
    const { t, requests } = transport(doc(), token());
    const seen: string[] = [];
    const r = await probeToken(settings(), t, async (url) => {
      seen.push(url.href);
      return false;
    });
    expect(r).to.deep.equal({ ok: false, turnedAway: true });
    expect(seen).to.deep.equal(['https://login.example.com/token']);
    expect(requests).to.have.length(1);
  });

  it('turns a failure that is not an AuthError into EUNKNOWN', async () => {
    const r = await probeToken(settings(), transport(doc()).t, () => {
      throw new Error('boom with secret');
    });
    expect(!r.ok && r.error?.code).to.equal('EUNKNOWN');
  });
});
