/**
 * The words and parameters of each configuration error: the editor, the node status and
 * Catch nodes show them, and the adapters translate them through `key` and `params`.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { validateSettings, type Credentials, type RawSettings } from '../../nodes/core/config';
import { ConfigError } from '../../nodes/core/errors';

const base: RawSettings = { grantType: 'password', tokenUrl: 'https://login.example.com/token' };
const creds: Credentials = { clientId: 'c', clientSecret: 's', username: 'u', password: 'p' };

function problem(raw: RawSettings, c: Credentials = creds, tls = {}) {
  try {
    validateSettings(raw, c, tls);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    const { field, reason, message, params } = e as ConfigError;
    return { field, reason, message, params };
  }
  throw new Error('expected a ConfigError');
}

const pem = (type: 'rsa' | 'ec', opt: object): string => {
  const { privateKey } = generateKeyPairSync(type as 'rsa', opt as { modulusLength: number });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
};

const GRANTS =
  'password, client_credentials, urn:ietf:params:oauth:grant-type:jwt-bearer, authorization_code, device_code, refresh_token';

describe('configuration error messages', () => {
  it('names the choices of an unknown option, never the value', () => {
    expect(problem({ ...base, grantType: 'implicit' })).to.deep.equal({
      field: 'grantType',
      reason: 'option',
      message: `grantType must be one of ${GRANTS}`,
      params: {
        code: 'CONFIG_INVALID',
        options: GRANTS,
        name: 'grantType',
      },
    });
  });

  it('says what is wrong with a URL, and names the field', () => {
    expect(problem({ ...base, tokenUrl: 'nope' })).to.deep.include({
      field: 'tokenUrl',
      reason: 'url',
      message: 'tokenUrl is not a valid http or https URL',
    });
    expect(
      problem({ ...base, issuer: 'https://idp.example.com/?a=1', tokenUrl: '' }),
    ).to.deep.include({
      field: 'issuer',
      reason: 'query',
      message: 'issuer must not contain a query',
    });
    expect(problem({ ...base, issuer: 'http://idp.example.com', tokenUrl: '' })).to.deep.include({
      field: 'issuer',
      reason: 'insecure',
      message:
        'issuer must use https (http is allowed only for loopback addresses or with "allow insecure http")',
    });
  });

  it('allows http to any host only when allowInsecureHttp is true or "true"', () => {
    const url = { ...base, tokenUrl: 'http://idp.example.com/token' };
    expect(validateSettings({ ...url, allowInsecureHttp: true }, creds).tokenUrl.protocol).to.equal(
      'http:',
    );
    expect(
      validateSettings({ ...url, allowInsecureHttp: 'true' }, creds).tokenUrl.protocol,
    ).to.equal('http:');
    expect(problem({ ...url, allowInsecureHttp: 'yes' }).reason).to.equal('insecure');
  });

  it('discovers only when no token URL is typed, and keeps a typed one', () => {
    const issuer = 'https://idp.example.com';
    expect(validateSettings({ ...base, tokenUrl: '', issuer }, creds).discovery?.text).to.equal(
      issuer,
    );
    const typed = validateSettings({ ...base, issuer }, creds);
    expect(typed).to.not.have.property('discovery');
    expect(typed.tokenUrl.href).to.equal('https://login.example.com/token');
  });

  it('words scope, extra parameter and credential problems', () => {
    expect(problem({ ...base, scope: 'a "b"' }).message).to.equal(
      'scope contains characters a scope may not have',
    );
    expect(problem({ ...base, extraParams: [{ name: '', value: 'x' }] })).to.deep.include({
      field: 'extraParams',
      message: 'an extra parameter has no name',
    });
    expect(problem({ ...base, extraParams: [{ name: 'grant_type', value: 'x' }] })).to.deep.equal({
      field: 'extraParams',
      reason: 'param-reserved',
      message: 'extra parameter "grant_type" is set by the node itself',
      params: { code: 'CONFIG_INVALID', param: 'grant_type', name: 'extraParams' },
    });
    for (const [name, c] of [
      ['clientId', { ...creds, clientId: '' }],
      ['clientSecret', { ...creds, clientSecret: '' }],
      ['username', { ...creds, username: '' }],
      ['password', { ...creds, password: '' }],
    ] as const) {
      expect(problem(base, c)).to.deep.include({
        field: name,
        reason: 'required',
        message: `${name} is required`,
      });
    }
  });

  it('says the range of a number', () => {
    expect(problem({ ...base, timeout: 0 }).params).to.deep.equal({
      code: 'CONFIG_INVALID',
      min: 1,
      max: 300,
      name: 'timeout',
    });
  });

  it('needs a client certificate for tls_client_auth, and keeps its expiry', () => {
    const tlsAuth = { ...base, grantType: 'client_credentials', clientAuth: 'tls_client_auth' };
    expect(problem(tlsAuth, { clientId: 'c' })).to.deep.include({
      field: 'tls',
      reason: 'client-cert',
      message: 'tls_client_auth needs a TLS configuration with a client certificate and its key',
    });
    const s = validateSettings(tlsAuth, { clientId: 'c' }, { clientCertNotAfter: 123 });
    expect(s.clientCertNotAfter).to.equal(123);
    expect(validateSettings(base, creds)).to.not.have.property('clientCertNotAfter');
    expect(validateSettings(base, creds, { clientCertNotAfter: 5 }).clientCertNotAfter).to.equal(5);
  });

  describe('private_key_jwt', () => {
    const jwt = { ...base, grantType: 'client_credentials', clientAuth: 'private_key_jwt' };
    const rsa2048 = pem('rsa', { modulusLength: 2048 });
    const p256 = pem('ec', { namedCurve: 'prime256v1' });

    it('takes an RSA key of 2048 bits for RS256 (the default) and a P-256 key for ES256', () => {
      const rs = validateSettings(jwt, { clientId: 'c', privateKey: rsa2048 });
      expect(rs.assertion).to.deep.include({ alg: 'RS256', keyId: '' });
      const es = validateSettings(
        { ...jwt, assertionAlg: 'ES256', keyId: ' k1 ' },
        { clientId: 'c', privateKey: `\n${p256}\n` },
      );
      expect(es.assertion).to.deep.include({ alg: 'ES256', keyId: 'k1' });
    });

    it('refuses a missing key, a key that is no PEM, and a key that does not fit the algorithm', () => {
      expect(problem(jwt, { clientId: 'c', privateKey: '  ' })).to.deep.include({
        field: 'privateKey',
        reason: 'required',
        message: 'privateKey is required',
      });
      expect(problem(jwt, { clientId: 'c', privateKey: 'not a key' })).to.deep.equal({
        field: 'privateKey',
        reason: 'key',
        message: 'privateKey is not a PEM private key',
        params: { code: 'CONFIG_INVALID', alg: 'RS256', name: 'privateKey' },
      });
      const misfit = {
        field: 'privateKey',
        reason: 'key-alg',
        message:
          'privateKey does not fit RS256 (RS256 needs an RSA key of at least 2048 bits, ES256 a P-256 key)',
        params: { code: 'CONFIG_INVALID', alg: 'RS256', name: 'privateKey' },
      };
      expect(problem(jwt, { clientId: 'c', privateKey: p256 })).to.deep.equal(misfit);
      expect(
        problem(jwt, { clientId: 'c', privateKey: pem('rsa', { modulusLength: 1024 }) }),
      ).to.deep.equal(misfit);
      expect(
        problem({ ...jwt, assertionAlg: 'ES256' }, { clientId: 'c', privateKey: rsa2048 }).reason,
      ).to.equal('key-alg');
      expect(
        problem(
          { ...jwt, assertionAlg: 'ES256' },
          { clientId: 'c', privateKey: pem('ec', { namedCurve: 'secp384r1' }) },
        ).reason,
      ).to.equal('key-alg');
      expect(
        problem({ ...jwt, assertionAlg: 'HS256' }, { clientId: 'c', privateKey: rsa2048 }),
      ).to.deep.include({
        field: 'assertionAlg',
        reason: 'option',
        message: 'assertionAlg must be one of RS256, ES256',
      });
    });
  });
});
