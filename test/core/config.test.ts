import { expect } from 'chai';
import fc from 'fast-check';
import { validateSettings, type Credentials, type RawSettings } from '../../nodes/core/config';
import { isLoopbackHost } from '../../nodes/core/rules';
import { ConfigError } from '../../nodes/core/errors';
import { grantRequest, refreshRequest } from '../../nodes/core/token-request';

const creds = {
  clientId: 'my client',
  clientSecret: 'p:ss%w rd',
  username: 'alice',
  password: 'pw',
};
const base: RawSettings = { grantType: 'password', tokenUrl: 'https://login.example.com/token' };
const fieldOf = (raw: RawSettings, c: Credentials = creds) => {
  try {
    validateSettings(raw, c);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    expect((e as ConfigError).code).to.equal('CONFIG_INVALID');
    return (e as ConfigError).field;
  }
  return undefined;
};

describe('settings validation', () => {
  it('accepts a complete password grant with defaults', () => {
    const s = validateSettings(base, creds);
    expect(s.clientAuth).to.equal('client_secret_basic');
    expect(s.timeoutMs).to.equal(10_000);
    expect(s.refreshBeforeMs).to.equal(60_000);
    expect(s.cooldownMs).to.equal(300_000);
    expect(s.refreshTokenUrl.href).to.equal(s.tokenUrl.href);
  });

  it('requires https except for loopback hosts or when insecure http is allowed', () => {
    expect(fieldOf({ ...base, tokenUrl: 'http://login.example.com/token' })).to.equal('tokenUrl');
    expect(fieldOf({ ...base, tokenUrl: 'http://127.0.0.1:8080/token' })).to.equal(undefined);
    expect(fieldOf({ ...base, tokenUrl: 'http://auth.localhost/token' })).to.equal(undefined);
    expect(fieldOf({ ...base, tokenUrl: 'http://[::1]:9/token' })).to.equal(undefined);
    expect(
      fieldOf({ ...base, tokenUrl: 'http://login.example.com/token', allowInsecureHttp: true }),
    ).to.equal(undefined);
  });

  it('names the field for bad URLs, user info and fragments', () => {
    expect(fieldOf({ ...base, tokenUrl: 'not a url' })).to.equal('tokenUrl');
    expect(fieldOf({ ...base, tokenUrl: 'ftp://x/token' })).to.equal('tokenUrl');
    expect(fieldOf({ ...base, tokenUrl: 'https://u:p@x/token' })).to.equal('tokenUrl');
    expect(fieldOf({ ...base, tokenUrl: 'https://x/token#frag' })).to.equal('tokenUrl');
    expect(fieldOf({ ...base, tokenUrl: '' })).to.equal('tokenUrl');
    expect(fieldOf({ ...base, refreshTokenUrl: 'http://example.com/r' })).to.equal(
      'refreshTokenUrl',
    );
  });

  it('requires the credentials of the chosen grant', () => {
    expect(fieldOf(base, { ...creds, password: '' })).to.equal('password');
    expect(fieldOf(base, { ...creds, username: ' ' })).to.equal('username');
    expect(fieldOf(base, { ...creds, clientSecret: '' })).to.equal('clientSecret');
    expect(
      fieldOf({ ...base, grantType: 'client_credentials' }, { ...creds, clientId: '' }),
    ).to.equal('clientId');
    expect(fieldOf({ ...base, clientAuth: 'none' }, { username: 'a', password: 'b' })).to.equal(
      undefined,
    );
    expect(
      fieldOf({ ...base, grantType: 'client_credentials' }, { clientId: 'c', clientSecret: 's' }),
    ).to.equal(undefined);
  });

  for (const [field, min, max] of [
    ['timeout', 1, 300],
    ['refreshBefore', 0, 86400],
    ['cooldown', 0, 86400],
  ] as const) {
    it(`reports a bad ${field} under ${field}, and takes ${min} to ${max} seconds`, () => {
      for (const bad of [min - 1, max + 1, 'ten', NaN, Infinity, [], {}, true]) {
        expect(fieldOf({ ...base, [field]: bad }), `${field}: ${String(bad)}`).to.equal(field);
      }
      let e: unknown;
      try {
        validateSettings({ ...base, [field]: 'x' }, creds);
      } catch (err) {
        e = err;
      }
      expect((e as Error).message).to.equal(`${field} must be a number from ${min} to ${max}`);
      const ms = (v: unknown) => {
        const s = validateSettings({ ...base, [field]: v }, creds);
        return { timeout: s.timeoutMs, refreshBefore: s.refreshBeforeMs, cooldown: s.cooldownMs }[
          field
        ];
      };
      expect(ms(min)).to.equal(min * 1000);
      expect(ms(max)).to.equal(max * 1000);
      expect(ms(` ${max} `)).to.equal(max * 1000);
      expect(ms(1.5)).to.equal(1500);
    });
  }

  it('refuses unknown options, bad numbers, bad scopes and reserved extra parameters', () => {
    expect(fieldOf({ ...base, grantType: 'implicit' })).to.equal('grantType');
    expect(fieldOf({ ...base, clientAuth: 'magic' })).to.equal('clientAuth');
    expect(fieldOf({ ...base, timeout: 'ten' })).to.equal('timeout');
    expect(fieldOf({ ...base, timeout: 0 })).to.equal('timeout');
    expect(fieldOf({ ...base, refreshBefore: -1 })).to.equal('refreshBefore');
    expect(fieldOf({ ...base, scope: 'read "write"' })).to.equal('scope');
    expect(fieldOf({ ...base, extraParams: [{ name: 'grant_type', value: 'x' }] })).to.equal(
      'extraParams',
    );
    expect(fieldOf({ ...base, extraParams: [{ name: '', value: 'x' }] })).to.equal('extraParams');
    expect(fieldOf({ ...base, extraParams: [{ name: 'audience', value: 3 }] })).to.equal(
      'extraParams',
    );
  });

  it('knows loopback hosts', () => {
    for (const h of [
      'localhost',
      'LOCALHOST',
      'a.b.localhost',
      '127.0.0.1',
      '127.255.0.9',
      '[::1]',
    ]) {
      expect(isLoopbackHost(h), h).to.equal(true);
    }
    for (const h of [
      'localhost.example.com',
      '128.0.0.1',
      '10.0.0.1',
      'example.com',
      '127.0.0.1.nip.io',
    ]) {
      expect(isLoopbackHost(h), h).to.equal(false);
    }
  });

  it('never throws anything but a ConfigError for arbitrary settings', () => {
    fc.assert(
      fc.property(
        fc.record({
          grantType: fc.oneof(fc.constantFrom('password', 'client_credentials'), fc.anything()),
          tokenUrl: fc.oneof(fc.webUrl(), fc.string(), fc.anything()),
          scope: fc.oneof(fc.string(), fc.anything()),
          clientAuth: fc.oneof(
            fc.constantFrom('client_secret_basic', 'client_secret_post', 'none'),
            fc.anything(),
          ),
          extraParams: fc.oneof(
            fc.array(fc.record({ name: fc.string(), value: fc.anything() })),
            fc.anything(),
          ),
          timeout: fc.anything(),
          refreshBefore: fc.anything(),
        }),
        fc.record({
          clientId: fc.string(),
          clientSecret: fc.string(),
          username: fc.string(),
          password: fc.string(),
        }),
        (raw, c) => {
          try {
            const s = validateSettings(raw as RawSettings, c);
            expect(['https:', 'http:']).to.include(s.tokenUrl.protocol);
          } catch (e) {
            expect(e).to.be.instanceOf(ConfigError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('token request', () => {
  it('sends the client in a form-encoded Basic header (RFC 6749 §2.3.1)', () => {
    const req = grantRequest(validateSettings({ ...base, scope: 'read  write' }, creds));
    const basic = Buffer.from(req.headers.Authorization!.slice(6), 'base64').toString();
    expect(basic).to.equal('my+client:p%3Ass%25w+rd');
    const body = new URLSearchParams(req.body);
    expect(Object.fromEntries(body)).to.deep.equal({
      grant_type: 'password',
      username: 'alice',
      password: 'pw',
      scope: 'read write',
    });
  });

  it('puts the client in the body for client_secret_post and only the id for a public client', () => {
    const post = grantRequest(
      validateSettings({ ...base, clientAuth: 'client_secret_post' }, creds),
    );
    expect(post.headers.Authorization).to.equal(undefined);
    expect(new URLSearchParams(post.body).get('client_secret')).to.equal(creds.clientSecret);
    const pub = grantRequest(validateSettings({ ...base, clientAuth: 'none' }, creds));
    expect(new URLSearchParams(pub.body).get('client_id')).to.equal('my client');
    expect(new URLSearchParams(pub.body).has('client_secret')).to.equal(false);
  });

  it('sends a form with JSON accepted, and exactly the fields of each client authentication', () => {
    const cc = (clientAuth: string, c: Credentials = creds) =>
      grantRequest(validateSettings({ ...base, grantType: 'client_credentials', clientAuth }, c));
    const basic = cc('client_secret_basic');
    expect(basic.headers).to.deep.equal({
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      Authorization: `Basic ${Buffer.from('my+client:p%3Ass%25w+rd').toString('base64')}`,
    });
    expect(basic.body).to.equal('grant_type=client_credentials');
    expect(basic.url.href).to.equal('https://login.example.com/token');
    expect(Object.fromEntries(new URLSearchParams(cc('client_secret_post').body))).to.deep.equal({
      grant_type: 'client_credentials',
      client_id: 'my client',
      client_secret: 'p:ss%w rd',
    });
    // A public client without an id sends no client_id at all.
    const anonymous = grantRequest(
      validateSettings({ ...base, clientAuth: 'none' }, { username: 'a', password: 'b' }),
    );
    expect(new URLSearchParams(anonymous.body).has('client_id')).to.equal(false);
    expect(Object.fromEntries(new URLSearchParams(anonymous.body))).to.deep.equal({
      grant_type: 'password',
      username: 'a',
      password: 'b',
    });
  });

  it('sends the password only for the password grant, and a scope only when one is set', () => {
    const cc = grantRequest(
      validateSettings({ ...base, grantType: 'client_credentials', scope: '' }, creds),
    );
    expect([...new URLSearchParams(cc.body).keys()]).to.deep.equal(['grant_type']);
  });

  it('adds extra parameters and refreshes at the refresh token URL without scope', () => {
    const s = validateSettings(
      {
        ...base,
        grantType: 'client_credentials',
        scope: 'read',
        refreshTokenUrl: 'https://login.example.com/refresh',
        extraParams: [{ name: 'audience', value: 'https://api' }],
      },
      creds,
    );
    expect(new URLSearchParams(grantRequest(s).body).get('audience')).to.equal('https://api');
    const r = refreshRequest(s, 'rt-1');
    expect(r.url.pathname).to.equal('/refresh');
    expect(Object.fromEntries(new URLSearchParams(r.body))).to.deep.equal({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      audience: 'https://api',
    });
  });
});
