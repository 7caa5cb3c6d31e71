import { expect } from 'chai';
import fc from 'fast-check';
import { AuthError, OAuthResponseError } from '../../nodes/core/errors';
import {
  FALLBACK_LIFETIME,
  MAX_LIFETIME,
  parseRetryAfter,
  processTokenResponse,
  type HttpResponse,
} from '../../nodes/core/token-response';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const json = (status: number, body: unknown, headers: HttpResponse['headers'] = {}) => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});
const codeOf = (res: HttpResponse) => {
  try {
    processTokenResponse(res, NOW, '');
  } catch (e) {
    expect(e).to.be.instanceOf(AuthError);
    return e as AuthError;
  }
  throw new Error('expected an error');
};

/**
 * The class the spec gives a response (DESIGN: transient = 429, 5xx, or the OAuth errors
 * temporarily_unavailable and slow_down; 408 without an OAuth body; everything else
 * permanent), worked out from the input alone.
 */
function expectedClass(status: number, body: Buffer): 'transient' | 'permanent' | 'success' {
  if (status >= 300 && status < 400) return 'permanent';
  let error: unknown;
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) error = (v as { error?: unknown }).error;
  } catch {
    // not JSON: judged by the status alone
  }
  const oauth = typeof error === 'string' && /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$/.test(error);
  if (status === 429 || status >= 500) return 'transient';
  if (oauth)
    return error === 'temporarily_unavailable' || error === 'slow_down' ? 'transient' : 'permanent';
  if (status === 408) return 'transient';
  if (status < 200 || status >= 300) return 'permanent';
  // A 2xx is a token or a permanent BAD_RESPONSE.
  return 'success';
}

describe('token response', () => {
  it('records the absolute expiry when the response arrives', () => {
    const set = processTokenResponse(
      json(200, { access_token: 'abc', token_type: 'bearer', expires_in: 120, scope: 'read' }),
      NOW,
      'read write',
    );
    expect(set).to.include({ accessToken: 'abc', tokenType: 'bearer', scope: 'read' });
    expect(set.expiresAt).to.equal(NOW + 120_000);
  });

  it('accepts expires_in as a numeric string', () => {
    const set = processTokenResponse(json(200, { access_token: 'a', expires_in: '3600' }), NOW, '');
    expect(set.lifetime).to.equal(3600);
  });

  it('uses the documented fallback lifetime when expires_in is missing', () => {
    const set = processTokenResponse(
      json(200, { access_token: 'a', token_type: 'Bearer' }),
      NOW,
      '',
    );
    expect(set.lifetime).to.equal(FALLBACK_LIFETIME);
  });

  it('takes expires_in null as not stated: the fallback lifetime, not a bad response', () => {
    const set = processTokenResponse(json(200, { access_token: 'a', expires_in: null }), NOW, '');
    expect(set.lifetime).to.equal(FALLBACK_LIFETIME);
    expect(set.expiresAt).to.equal(NOW + FALLBACK_LIFETIME * 1000);
  });

  for (const [what, value] of [
    ['an empty string', ''],
    ['a blank string', '  '],
    ['a word', 'soon'],
    ['a boolean', true],
    ['an object', {}],
    ['Infinity as text', 'Infinity'],
  ] as const) {
    it(`refuses expires_in as ${what} as BAD_RESPONSE`, () => {
      const e = codeOf(json(200, { access_token: 'a', expires_in: value }));
      expect(e).to.include({ code: 'BAD_RESPONSE', transient: false });
    });
  }

  it('accepts expires_in 0 as a token that is already due', () => {
    const set = processTokenResponse(json(200, { access_token: 'a', expires_in: 0 }), NOW, '');
    expect(set.lifetime).to.equal(0);
  });

  it('says which part of a 200 is unusable', () => {
    const key = (body: unknown) => codeOf(json(200, body)).key;
    expect(key({ token_type: 'Bearer' })).to.equal('badResponse.noAccessToken');
    expect(key({ access_token: '' })).to.equal('badResponse.accessTokenType');
    expect(key({ access_token: 5 })).to.equal('badResponse.accessTokenType');
    expect(key({ access_token: 'a b' })).to.equal('badResponse.accessTokenChars');
    expect(key({ access_token: 'a', token_type: 'x'.repeat(101) })).to.equal(
      'badResponse.tokenType',
    );
    expect(key({ access_token: 'a', token_type: '' })).to.equal('badResponse.tokenType');
    expect(key({ access_token: 'a', scope: 5 })).to.equal('badResponse.scope');
    expect(key({ access_token: 'a', refresh_token: '' })).to.equal('badResponse.refreshToken');
    expect(key([{ access_token: 'a' }])).to.equal('badResponse.notJson');
    expect(key('null')).to.equal('badResponse.notJson');
    expect(key('{')).to.equal('badResponse.notJson');
    expect(codeOf(json(200, '[]')).status).to.equal(200);
    // Exactly 100 characters of token type is fine.
    const set = processTokenResponse(
      json(200, { access_token: 'a', token_type: 'x'.repeat(100), expires_in: ' 60 ' }),
      NOW,
      '',
    );
    expect(set.lifetime).to.equal(60);
    expect(set).to.not.have.property('refreshToken');
  });

  it('refuses a token type that would carry a secret into the header', () => {
    const e = (() => {
      try {
        processTokenResponse(
          json(200, { access_token: 'a', token_type: 'SECRETX' }),
          NOW,
          '',
          (t) => t.replace('SECRETX', '[redacted]'),
        );
      } catch (x) {
        return x as AuthError;
      }
      throw new Error('expected an error');
    })();
    expect(e.key).to.equal('badResponse.tokenType');
  });

  it('describes the content type of an unusable answer without repeating odd text', () => {
    const describe = (type: string | undefined, redact = (t: string) => t) => {
      const headers = type === undefined ? {} : { 'content-type': type };
      try {
        processTokenResponse({ status: 200, headers, body: Buffer.from('<p>') }, NOW, '', redact);
      } catch (e) {
        return (e as AuthError).params.type;
      }
      throw new Error('expected an error');
    };
    expect(describe('text/html; charset=utf-8')).to.equal('(text/html)');
    expect(describe(' application/xhtml+xml ')).to.equal('(application/xhtml+xml)');
    expect(describe(undefined)).to.equal('(no content type)');
    expect(describe('')).to.equal('(no content type)');
    expect(describe('text/html x')).to.equal('(unusual content type)');
    expect(describe('x/html\nForged: line')).to.equal('(unusual content type)');
    expect(describe('text')).to.equal('(unusual content type)');
    expect(describe(`text/${'h'.repeat(81)}`)).to.equal('(unusual content type)');
    expect(describe('text/secret', (t) => t.replace('secret', '[redacted]'))).to.equal(
      '(unusual content type)',
    );
  });

  it('reads an RFC 6749 error only when its code is plain text, and hides a code that is a secret', () => {
    expect(codeOf(json(400, { error: 'bad"quote' })).code).to.equal('HTTP_400');
    expect(codeOf(json(400, { error: '' })).code).to.equal('HTTP_400');
    expect(codeOf(json(400, { error: 'x'.repeat(101) })).code).to.equal('HTTP_400');
    expect(codeOf(json(400, { error: 5 })).code).to.equal('HTTP_400');
    const hidden = (() => {
      try {
        processTokenResponse(
          json(400, {
            error: 'pw123',
            error_description: 'not pw123',
            error_uri: 'https://x/pw123',
          }),
          NOW,
          '',
          (t) => t.replace(/pw123/g, '[redacted]'),
        );
      } catch (x) {
        return x as OAuthResponseError;
      }
      throw new Error('expected an error');
    })();
    expect(hidden).to.include({
      code: 'server_error',
      error_description: 'not [redacted]',
      error_uri: 'https://x/[redacted]',
    });
    const noDescription = codeOf(json(400, { error: 'invalid_grant', error_description: '' }));
    expect((noDescription as OAuthResponseError).error_description).to.equal(undefined);
  });

  it('takes every 3xx as a redirect and a 2xx other than 200 as an answer', () => {
    expect(codeOf(json(300, {})).code).to.equal('HTTP_300');
    expect(codeOf(json(399, {})).code).to.equal('HTTP_399');
    expect(codeOf(json(301, { error: 'invalid_grant' })).code).to.equal('HTTP_301');
    expect(processTokenResponse(json(201, { access_token: 'a' }), NOW, '').accessToken).to.equal(
      'a',
    );
    expect(codeOf(json(199, { access_token: 'a' })).code).to.equal('HTTP_199');
    expect(codeOf(json(400, { access_token: 'a' })).code).to.equal('HTTP_400');
  });

  it('caps very large lifetimes so timers cannot overflow', () => {
    const set = processTokenResponse(json(200, { access_token: 'a', expires_in: 1e12 }), NOW, '');
    expect(set.lifetime).to.equal(MAX_LIFETIME);
    expect(set.lifetime * 1000).to.be.below(2 ** 31 - 1);
  });

  it('keeps the requested scope when the server does not echo one (RFC 6749 §5.1), and says so', () => {
    const set = processTokenResponse(json(200, { access_token: 'a' }), NOW, 'read write');
    expect(set).to.include({ scope: 'read write', scopeStated: false });
    const stated = processTokenResponse(json(200, { access_token: 'a', scope: '' }), NOW, 'read');
    expect(stated).to.include({ scope: '', scopeStated: true });
  });

  it('keeps the token type as sent', () => {
    const set = processTokenResponse(json(200, { access_token: 'a', token_type: 'DPoP' }), NOW, '');
    expect(set.tokenType).to.equal('DPoP');
  });

  for (const [what, body] of [
    ['negative expires_in', { access_token: 'a', expires_in: -1 }],
    ['non-numeric expires_in', { access_token: 'a', expires_in: 'soon' }],
    ['missing access_token', { token_type: 'Bearer' }],
    ['access_token as a number', { access_token: 42 }],
    ['empty access_token', { access_token: '' }],
    ['access_token with a line break', { access_token: 'a\r\nX-Evil: 1' }],
    ['refresh_token as a number', { access_token: 'a', refresh_token: 7 }],
    ['a JSON array', [1, 2]],
  ] as const) {
    it(`refuses ${what} as BAD_RESPONSE`, () => {
      expect(codeOf(json(200, body)).code).to.equal('BAD_RESPONSE');
    });
  }

  it('refuses an HTML page with 200 as BAD_RESPONSE naming the content type', () => {
    const e = codeOf({
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: Buffer.from('<html><body>Login</body></html>'),
    });
    expect(e.code).to.equal('BAD_RESPONSE');
    expect(e.message).to.contain('text/html');
    expect(e.transient).to.equal(false);
  });

  it('turns an RFC 6749 error body into that error, permanent', () => {
    const e = codeOf(json(400, { error: 'invalid_grant', error_description: 'Bad password' }));
    expect(e).to.be.instanceOf(OAuthResponseError);
    expect(e.code).to.equal('invalid_grant');
    expect(e.status).to.equal(400);
    expect(e.transient).to.equal(false);
    expect((e as OAuthResponseError).error_description).to.equal('Bad password');
  });

  it('treats a 200 carrying an error field as that error', () => {
    expect(codeOf(json(200, { error: 'invalid_client' })).code).to.equal('invalid_client');
  });

  it('treats an HTML 500 page as a transient HTTP_500', () => {
    const e = codeOf({
      status: 500,
      headers: { 'content-type': 'text/html' },
      body: Buffer.from('<h1>oops</h1>'),
    });
    expect(e).to.include({ code: 'HTTP_500', transient: true });
  });

  for (const error of ['server_error', 'temporarily_unavailable', 'invalid_request']) {
    it(`treats a 503 with the OAuth error ${error} as that error, transient`, () => {
      const e = codeOf(json(503, { error }, { 'retry-after': '2' }));
      expect(e).to.be.instanceOf(OAuthResponseError);
      expect(e).to.include({ code: error, transient: true, status: 503, retryAfterMs: 2000 });
    });
  }

  for (const error of ['temporarily_unavailable', 'slow_down']) {
    it(`treats the OAuth error ${error} as transient whatever the status`, () => {
      expect(codeOf(json(400, { error }))).to.include({ code: error, transient: true });
      expect(codeOf(json(200, { error }))).to.include({ code: error, transient: true });
    });
  }

  it('treats a 429 with an OAuth error body as transient', () => {
    expect(codeOf(json(429, { error: 'too_many' }))).to.include({
      code: 'too_many',
      transient: true,
    });
  });

  it('treats a 408 without an OAuth body as transient, and a 499 as permanent', () => {
    expect(codeOf(json(408, 'slow'))).to.include({ code: 'HTTP_408', transient: true });
    expect(codeOf(json(499, 'gone'))).to.include({ code: 'HTTP_499', transient: false });
  });

  it('treats 429 as transient and reads Retry-After', () => {
    const e = codeOf({ status: 429, headers: { 'retry-after': '7' }, body: Buffer.alloc(0) });
    expect(e).to.include({ code: 'HTTP_429', transient: true, retryAfterMs: 7000 });
  });

  it('treats a redirect as a permanent HTTP_3xx', () => {
    const e = codeOf({
      status: 302,
      headers: { location: 'https://elsewhere' },
      body: Buffer.alloc(0),
    });
    expect(e).to.include({ code: 'HTTP_302', transient: false });
  });

  it('treats other 4xx without an OAuth body as permanent', () => {
    expect(codeOf(json(404, 'not found'))).to.include({ code: 'HTTP_404', transient: false });
  });

  it('reads Retry-After as seconds or an HTTP date, capped at 60 s', () => {
    expect(parseRetryAfter('3', NOW)).to.equal(3000);
    expect(parseRetryAfter(new Date(NOW + 10_000).toUTCString(), NOW)).to.equal(10_000);
    expect(parseRetryAfter('86400', NOW)).to.equal(60_000);
    expect(parseRetryAfter(new Date(NOW - 10_000).toUTCString(), NOW)).to.equal(0);
    expect(parseRetryAfter('soon', NOW)).to.equal(undefined);
    expect(parseRetryAfter(' 3 ', NOW)).to.equal(3000);
    expect(parseRetryAfter('12', NOW)).to.equal(12_000);
    expect(parseRetryAfter('0', NOW)).to.equal(0);
    // Not whole seconds: read as a date, which it is not.
    expect(parseRetryAfter('x3', NOW)).to.equal(undefined);
    expect(parseRetryAfter('3s', NOW)).to.equal(undefined);
    expect(parseRetryAfter('', NOW)).to.equal(undefined);
    expect(parseRetryAfter(undefined, NOW)).to.equal(undefined);
  });

  it('never throws anything but a classified error, whatever the server sends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.json().map((s) => Buffer.from(s)),
          fc
            .record({
              access_token: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)),
              token_type: fc.oneof(fc.string(), fc.constant(undefined)),
              expires_in: fc.oneof(fc.double(), fc.string(), fc.constant(undefined)),
              error: fc.oneof(
                fc.string(),
                fc.constant(undefined),
                fc.constantFrom('temporarily_unavailable', 'slow_down', 'invalid_grant'),
              ),
            })
            .map((o) => Buffer.from(JSON.stringify(o))),
        ),
        fc.option(fc.string(), { nil: undefined }),
        (status, body, retryAfter) => {
          try {
            const set = processTokenResponse(
              { status, headers: { 'retry-after': retryAfter }, body },
              NOW,
              '',
            );
            expect(status).to.be.within(200, 299);
            expect(set.accessToken.length).to.be.above(0);
            expect(Number.isFinite(set.expiresAt)).to.equal(true);
          } catch (e) {
            expect(e).to.be.instanceOf(AuthError);
            expect((e as AuthError).code).to.match(/^[\w.-]+$|^[\x20-\x7e]+$/);
            // A 2xx that is no token is a permanent BAD_RESPONSE.
            expect((e as AuthError).transient, `${status} ${body.toString()}`).to.equal(
              expectedClass(status, body) === 'transient',
            );
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
