/**
 * What a static credential (API key, HTTP Basic, bearer token) deploys as: what get token
 * puts on a message, what is redacted, and the words of each configuration error.
 */
import { expect } from 'chai';
import {
  validateObject,
  type Credentials,
  type RawSettings,
  type StaticSettings,
} from '../../nodes/core/config';
import { ConfigError } from '../../nodes/core/errors';

function deployed(raw: RawSettings, creds?: Credentials): StaticSettings {
  const o = validateObject(raw, creds);
  expect(o.kind).to.equal('static');
  return o.settings as StaticSettings;
}

function problem(raw: RawSettings, creds?: Credentials) {
  try {
    validateObject(raw, creds);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    const { field, reason, message } = e as ConfigError;
    return { field, reason, message };
  }
  throw new Error('expected a ConfigError');
}

describe('static credentials as deployed', () => {
  it('an API key in a header: the key under its header name, type apiKey, the key a secret', () => {
    expect(
      deployed({ kind: 'apiKey', apiKeyName: 'X-Api-Key', apiKeyIn: 'header' }, { apiKey: 'K1' }),
    ).to.deep.equal({
      kind: 'apiKey',
      timeoutMs: 10000,
      applied: { in: 'header', name: 'X-Api-Key', value: 'K1' },
      tokenType: 'apiKey',
      secrets: ['K1'],
      pairs: [],
    });
  });

  it('an API key in the query: any printable key, even one a header could not carry', () => {
    const s = deployed(
      { kind: 'apiKey', apiKeyName: 'key', apiKeyIn: 'query' },
      { apiKey: 'with space' },
    );
    expect(s.applied).to.deep.equal({ in: 'query', name: 'key', value: 'with space' });
    expect(s.secrets).to.deep.equal(['with space']);
  });

  it('HTTP Basic: the Authorization value, type Basic, the password a secret and the pair for its base64', () => {
    expect(
      deployed({ kind: 'basic' }, { username: 'Aladdin', password: 'open sesame' }),
    ).to.deep.equal({
      kind: 'basic',
      timeoutMs: 10000,
      applied: { in: 'header', name: 'Authorization', value: 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==' },
      tokenType: 'Basic',
      secrets: ['open sesame'],
      pairs: [['Aladdin', 'open sesame']],
    });
  });

  it('a bearer token: "Bearer" and the token in Authorization, type Bearer, the token a secret', () => {
    expect(deployed({ kind: 'bearer' }, { token: 'ghp_abc' })).to.deep.equal({
      kind: 'bearer',
      timeoutMs: 10000,
      applied: { in: 'header', name: 'Authorization', value: 'Bearer ghp_abc' },
      tokenType: 'Bearer',
      secrets: ['ghp_abc'],
      pairs: [],
    });
  });

  it('keeps the test URL and the timeout', () => {
    const s = deployed(
      { kind: 'bearer', testUrl: 'https://api.example.com/me', timeout: 5 },
      { token: 'T' },
    );
    expect(s.testUrl?.href).to.equal('https://api.example.com/me');
    expect(s.timeoutMs).to.equal(5000);
  });

  it('takes a plain http test URL only with allowInsecureHttp (true or "true")', () => {
    const raw = { kind: 'bearer', testUrl: 'http://api.example.com/me' };
    expect(problem(raw, { token: 'T' })).to.deep.include({ field: 'testUrl', reason: 'insecure' });
    for (const allowInsecureHttp of [true, 'true']) {
      expect(deployed({ ...raw, allowInsecureHttp }, { token: 'T' }).testUrl?.href).to.equal(
        'http://api.example.com/me',
      );
    }
    expect(problem({ ...raw, allowInsecureHttp: 'yes' }, { token: 'T' })).to.deep.include({
      field: 'testUrl',
      reason: 'insecure',
    });
  });

  it('deploys an object without a kind, or of kind oauth2, as OAuth 2.0', () => {
    const raw = { grantType: 'client_credentials', tokenUrl: 'https://idp.example/token' };
    const creds = { clientId: 'c', clientSecret: 's' };
    for (const kind of [undefined, '', 'oauth2']) {
      const o = validateObject({ ...raw, kind }, creds);
      expect(o.kind, String(kind)).to.equal('oauth2');
      expect(o.kind === 'oauth2' && o.settings.tokenUrl.href).to.equal('https://idp.example/token');
    }
  });
});

describe('static credential configuration errors', () => {
  it('a missing credential is required, with or without a credentials object', () => {
    const key = { kind: 'apiKey', apiKeyName: 'X-Key' };
    for (const creds of [undefined, {}, { apiKey: '' }]) {
      expect(problem(key, creds)).to.deep.equal({
        field: 'apiKey',
        reason: 'required',
        message: 'apiKey is required',
      });
      expect(problem({ kind: 'bearer' }, creds)).to.deep.equal({
        field: 'token',
        reason: 'required',
        message: 'token is required',
      });
    }
    expect(problem({ kind: 'basic' }, { password: 'p' })).to.deep.equal({
      field: 'username',
      reason: 'required',
      message: 'username is required',
    });
    // A Basic password may be empty (RFC 7617): test/core/basic-empty-password.test.ts.
    expect(problem({ kind: 'basic' })).to.deep.include({ field: 'username', reason: 'required' });
  });

  it('a key or token a header cannot carry as typed is refused, naming it', () => {
    expect(
      problem({ kind: 'apiKey', apiKeyName: 'X-Key', apiKeyIn: 'header' }, { apiKey: 'a b ' }),
    ).to.deep.equal({
      field: 'apiKey',
      reason: 'header-value',
      message: 'apiKey cannot be sent in a header as typed',
    });
    expect(problem({ kind: 'bearer' }, { token: 'a\nb' })).to.deep.equal({
      field: 'token',
      reason: 'header-value',
      message: 'token cannot be sent in a header as typed',
    });
  });

  it('says what is wrong with an API key name', () => {
    expect(problem({ kind: 'apiKey', apiKeyName: 'bad name' }, { apiKey: 'K' })).to.deep.equal({
      field: 'apiKeyName',
      reason: 'header-name',
      message: 'apiKeyName is not a valid HTTP header name',
    });
  });

  it('says why a Basic user or password is refused (RFC 7617)', () => {
    expect(problem({ kind: 'basic' }, { username: 'a:b', password: 'p' })).to.deep.equal({
      field: 'username',
      reason: 'colon',
      message: 'username must not contain a colon (RFC 7617)',
    });
    expect(problem({ kind: 'basic' }, { username: 'u', password: 'p\u0000' })).to.deep.equal({
      field: 'password',
      reason: 'control',
      message: 'password must not contain control characters',
    });
  });
});
