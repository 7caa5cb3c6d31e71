import { expect } from 'chai';
import { clientAuthMismatch, tokenServer } from '../../nodes/core/rules';

describe('rules', () => {
  describe('client authentication against the methods a server lists', () => {
    it('is quiet when the server lists the chosen one, or lists nothing readable', () => {
      expect(clientAuthMismatch('client_secret_basic', ['client_secret_basic'])).to.equal(
        undefined,
      );
      expect(clientAuthMismatch('client_secret_basic', undefined)).to.equal(undefined);
      expect(clientAuthMismatch('client_secret_basic', [])).to.equal(undefined);
      expect(clientAuthMismatch('none', ['<b>x</b>', 'a'.repeat(65)])).to.equal(undefined);
    });

    it('suggests the first listed one in the order basic, post, private_key_jwt, tls, none', () => {
      const pick = (listed: string[]) => clientAuthMismatch('client_secret_basic', listed);
      expect(pick(['none'])).to.deep.equal({
        chosen: 'client_secret_basic',
        listed: ['none'],
        suggestion: 'none',
      });
      expect(pick(['none', 'tls_client_auth', 'private_key_jwt'])?.suggestion).to.equal(
        'private_key_jwt',
      );
      expect(pick(['tls_client_auth', 'client_secret_post'])?.suggestion).to.equal(
        'client_secret_post',
      );
      expect(clientAuthMismatch('none', ['client_secret_post', 'client_secret_basic'])).to.include({
        suggestion: 'client_secret_basic',
      });
    });

    it('lists what the server lists, plain names only, without a suggestion when none is supported', () => {
      expect(
        clientAuthMismatch('client_secret_basic', [
          'self_signed_tls_client_auth',
          'self_signed_tls_client_auth',
          'a b',
        ]),
      ).to.deep.equal({ chosen: 'client_secret_basic', listed: ['self_signed_tls_client_auth'] });
      const many = Array.from({ length: 40 }, (_, i) => `m${i}`);
      expect(clientAuthMismatch('none', many)?.listed).to.have.length(12);
    });
  });

  describe('the server a reminder names', () => {
    it('is the typed token URL without query or fragment', () => {
      expect(
        tokenServer({ tokenUrl: ' https://login.example.com/t/oauth2/token?key=abc ' }),
      ).to.deep.equal({ tokenUrl: 'https://login.example.com/t/oauth2/token' });
    });

    it('is the issuer when the token URL is discovered', () => {
      expect(
        tokenServer({ tokenUrl: '', issuer: 'https://idp.example.com/realms/r' }),
      ).to.deep.equal({ issuer: 'https://idp.example.com/realms/r' });
    });

    it('is nothing for a setting that is no http(s) URL', () => {
      expect(tokenServer({ tokenUrl: 'not a url', issuer: 'https://idp.example.com' })).to.equal(
        undefined,
      );
      expect(tokenServer({ tokenUrl: 'ftp://example.com/token' })).to.equal(undefined);
      expect(tokenServer({})).to.equal(undefined);
    });
  });
});
