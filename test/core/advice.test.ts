import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import {
  ADVICE,
  AuthError,
  ConfigError,
  OAuthResponseError,
  adviceFor,
  errors,
} from '../../nodes/core/errors';

const catalogue = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../locales/en-US/auth-object.json'), 'utf8'),
)['auth-object'] as { advice: Record<string, string> };

const oauth = (code: string) => new OAuthResponseError(code, undefined, undefined, 400);

describe('advice for an error', () => {
  const table: [string, AuthError, string | undefined][] = [
    ['invalid_client', oauth('invalid_client'), 'invalid_client'],
    ['invalid_grant', oauth('invalid_grant'), 'invalid_grant'],
    ['unauthorized_client', oauth('unauthorized_client'), 'unauthorized_client'],
    ['unsupported_grant_type', oauth('unsupported_grant_type'), 'unsupported_grant_type'],
    ['invalid_scope', oauth('invalid_scope'), 'invalid_scope'],
    ['an OAuth error without advice', oauth('server_error'), undefined],
    ['an OAuth error named like a package code', oauth('CONFIG_INVALID'), undefined],
    ['an OAuth error named like an object key', oauth('constructor'), undefined],
    ['CONFIG_INVALID', new ConfigError('tokenUrl', 'url', 'x'), 'CONFIG_INVALID'],
    ['HTTP_301', errors.redirect(301), 'HTTP_3xx'],
    ['HTTP_308', errors.redirect(308), 'HTTP_3xx'],
    ['HTTP_404', errors.http(404, '(text/plain)', { transient: false }), 'HTTP_404'],
    ['HTTP_500', errors.http(500, '(text/html)', { transient: true }), undefined],
    [
      'BAD_RESPONSE with an HTML page',
      errors.badResponse('notJson', { status: 200, type: '(text/html)' }),
      'BAD_RESPONSE_HTML',
    ],
    [
      'BAD_RESPONSE with text',
      errors.badResponse('notJson', { status: 200, type: '(text/plain)' }),
      undefined,
    ],
    ['BAD_RESPONSE without access_token', errors.badResponse('noAccessToken'), undefined],
    ['DISCOVERY_FAILED', errors.discovery('status', { status: 404 }), 'DISCOVERY_FAILED'],
    ['CLIENT_CERT_EXPIRED', errors.clientCertExpired(0), 'CLIENT_CERT_EXPIRED'],
    ['ASSERTION_FAILED', errors.assertionFailed(), 'ASSERTION_FAILED'],
    ['SELF_SIGNED_CERT_IN_CHAIN', errors.tls('SELF_SIGNED_CERT_IN_CHAIN'), 'TLS'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', errors.tls('DEPTH_ZERO_SELF_SIGNED_CERT'), 'TLS'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', errors.tls('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'TLS'],
    ['CERT_HAS_EXPIRED', errors.tls('CERT_HAS_EXPIRED'), 'TLS'],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      errors.tls('ERR_TLS_CERT_ALTNAME_INVALID'),
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ],
    ['ETIMEDOUT', errors.timeout(10_000), 'ETIMEDOUT'],
    ['ECONNREFUSED', errors.network('ECONNREFUSED'), 'NETWORK'],
    ['ENOTFOUND', errors.network('ENOTFOUND'), 'NETWORK'],
    ['ECONNRESET', errors.reset(), undefined],
    ['CLOSED', errors.closed(), undefined],
    ['EUNKNOWN', errors.unknown(), undefined],
  ];
  for (const [what, err, key] of table) {
    it(`${key ? `advises ${key}` : 'gives no advice'} for ${what}`, () => {
      expect(adviceFor(err)?.key).to.equal(key);
    });
  }

  it('has each English fallback in the catalogue, word for word, and nothing else', () => {
    for (const [key, text] of Object.entries(ADVICE)) {
      expect(catalogue.advice[key], key).to.equal(text);
    }
    const own = Object.keys(catalogue.advice).filter((k) => k !== 'format');
    expect(own).to.have.members(Object.keys(ADVICE));
  });
});
