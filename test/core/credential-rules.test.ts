/**
 * The input rules of the static kinds and the grants, on their own: the editor and the
 * runtime share them, so a parity test cannot notice a rule that is wrong in both.
 */
import { expect } from 'chai';
import {
  JWT_BEARER_GRANT,
  checkApiKeyName,
  checkBasicPart,
  endpointLabel,
  expiryParameters,
  isHeaderSecret,
  isNotifyList,
  needsClientCertificate,
  usesClientAuth,
} from '../../nodes/core/rules';

describe('credential rules', () => {
  describe('the name an API key is sent under', () => {
    it('is required', () => {
      for (const where of ['header', 'query']) {
        expect(checkApiKeyName('', where)).to.deep.equal({ problem: 'required' });
        expect(checkApiKeyName('  ', where)).to.deep.equal({ problem: 'required' });
      }
    });

    it('as a header: an RFC 9110 token of at most 256 characters', () => {
      expect(checkApiKeyName(' X-Api-Key ', 'header')).to.deep.equal({ name: 'X-Api-Key' });
      expect(checkApiKeyName('x'.repeat(256), 'header')).to.deep.equal({ name: 'x'.repeat(256) });
      for (const bad of ['X Key', 'X:Key', 'Ké', 'a(b)', 'x'.repeat(257)]) {
        expect(checkApiKeyName(bad, 'header'), bad).to.deep.equal({ problem: 'header-name' });
      }
    });

    it('as a header: never one the HTTP client sets itself, in any casing', () => {
      for (const h of ['Host', 'CONTENT-TYPE', 'content-length', 'Cookie', 'Connection']) {
        expect(checkApiKeyName(h, 'header'), h).to.deep.equal({ problem: 'header-reserved' });
      }
      expect(checkApiKeyName('Authorization', 'header')).to.deep.equal({ name: 'Authorization' });
    });

    it('as a query parameter: any text of at most 256 characters without control characters or #', () => {
      for (const ok of ['api key', 'Ké', 'a:b', 'Host', 'x'.repeat(256)]) {
        expect(checkApiKeyName(ok, 'query'), ok).to.deep.equal({ name: ok });
      }
      for (const bad of ['a#b', 'a\u0001b', 'a\u007fb', 'x'.repeat(257)]) {
        expect(checkApiKeyName(bad, 'query'), bad).to.deep.equal({ problem: 'query-name' });
      }
    });
  });

  it('a header secret is visible ASCII without spaces, at most 16384 characters', () => {
    for (const ok of ['abc', 'ghp_A1.b-c~d+e/f=', '!', '~'.repeat(16384)]) {
      expect(isHeaderSecret(ok), ok.slice(0, 20)).to.equal(true);
    }
    for (const bad of [
      '',
      ' abc',
      'abc ',
      'a b',
      'a\tb',
      'ké',
      'a\nb',
      'x'.repeat(16385),
      42,
      null,
    ]) {
      expect(isHeaderSecret(bad), String(bad).slice(0, 20)).to.equal(false);
    }
  });

  it('a Basic user may not contain a colon, a password may; neither control characters', () => {
    expect(checkBasicPart('username', 'a:b')).to.equal('colon');
    expect(checkBasicPart('password', 'a:b')).to.equal(undefined);
    expect(checkBasicPart('username', 'zoë')).to.equal(undefined);
    expect(checkBasicPart('username', 'a\u0000b')).to.equal('control');
    expect(checkBasicPart('password', 'a\u007f')).to.equal('control');
    expect(checkBasicPart('password', undefined)).to.equal(undefined);
  });

  it('only tls_client_auth needs a client certificate, and not with the JWT bearer grant', () => {
    expect(needsClientCertificate('tls_client_auth')).to.equal(true);
    expect(needsClientCertificate('tls_client_auth', 'client_credentials')).to.equal(true);
    expect(needsClientCertificate('tls_client_auth', JWT_BEARER_GRANT)).to.equal(false);
    expect(needsClientCertificate('client_secret_basic', 'client_credentials')).to.equal(false);
    expect(needsClientCertificate('private_key_jwt', 'password')).to.equal(false);
  });

  it('every grant but the JWT bearer grant sends client authentication', () => {
    expect(usesClientAuth('password')).to.equal(true);
    expect(usesClientAuth('client_credentials')).to.equal(true);
    expect(usesClientAuth(JWT_BEARER_GRANT)).to.equal(false);
  });

  it('the expiry list offers the secrets each kind holds', () => {
    expect(expiryParameters('apiKey')).to.deep.equal(['apiKey']);
    expect(expiryParameters('basic')).to.deep.equal(['password']);
    expect(expiryParameters('bearer')).to.deep.equal(['token']);
    const oauth = ['clientSecret', 'password', 'refreshToken', 'clientCertificate', 'privateKey'];
    expect(expiryParameters('oauth2')).to.deep.equal(oauth);
    expect(expiryParameters('')).to.deep.equal(oauth);
  });

  it('labels a JWT bearer object jwt-bearer, not by its URN', () => {
    expect(
      endpointLabel({ grantType: JWT_BEARER_GRANT, tokenUrl: 'https://idp.example/token' }),
    ).to.equal('jwt-bearer @ idp.example');
    expect(endpointLabel({ grantType: JWT_BEARER_GRANT })).to.equal('jwt-bearer');
  });

  describe('owner addresses', () => {
    it('takes addresses of several characters, bare or in angle brackets', () => {
      for (const ok of [
        'ops@example.com',
        'a@b',
        'Ops Team <ops@example.com>',
        '<ab@cd>',
        'ops@example.com, Sec <sec@example.com>',
      ]) {
        expect(isNotifyList(ok), ok).to.equal(true);
      }
    });

    it('refuses text around or inside a bracketed address', () => {
      for (const bad of [
        'Ops <ops@example.com> later',
        'a<b> <ops@example.com>',
        'Ops <ops team@example.com>',
        'ops@exa mple.com',
        'ops',
        '@example.com',
        'ops@',
      ]) {
        expect(isNotifyList(bad), bad).to.equal(false);
      }
    });
  });
});
