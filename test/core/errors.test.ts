import { expect } from 'chai';
import {
  AuthError,
  ConfigError,
  OAuthResponseError,
  adviceFor,
  errors,
} from '../../nodes/core/errors';

/** What an adapter and a Catch node see of an error. */
const seen = (e: AuthError) => ({
  name: e.name,
  kind: e.kind,
  code: e.code,
  message: e.message,
  transient: e.transient,
  key: e.key,
  params: e.params,
  status: e.status,
  retryAfterMs: e.retryAfterMs,
});

describe('errors', () => {
  it('describes an HTTP status with its code, words, message key and parameters', () => {
    expect(
      seen(errors.http(503, '(text/html)', { transient: true, retryAfterMs: 2000 })),
    ).to.deep.equal({
      name: 'AuthError',
      kind: 'http',
      code: 'HTTP_503',
      message: 'token endpoint answered HTTP 503 (text/html)',
      transient: true,
      key: 'http',
      params: { code: 'HTTP_503', status: 503, type: '(text/html)' },
      status: 503,
      retryAfterMs: 2000,
    });
  });

  it('describes a redirect as permanent, with its status', () => {
    expect(seen(errors.redirect(302))).to.deep.equal({
      name: 'AuthError',
      kind: 'http',
      code: 'HTTP_302',
      message: 'token endpoint answered with a redirect (HTTP 302)',
      transient: false,
      key: 'redirect',
      params: { code: 'HTTP_302', status: 302 },
      status: 302,
      retryAfterMs: undefined,
    });
  });

  it('describes a bad response with its own key, and the status only when there was one', () => {
    const withStatus = seen(errors.badResponse('expiresIn', {}, 200));
    expect(withStatus).to.deep.include({
      kind: 'bad-response',
      code: 'BAD_RESPONSE',
      key: 'badResponse.expiresIn',
      status: 200,
      transient: false,
    });
    expect(withStatus.message).to.match(/^token response .*expires_in/);
    expect(errors.badResponse('tooLarge', { max: 5 }).status).to.equal(undefined);
    expect(errors.badResponse('tooLarge', { max: 5 }).params).to.deep.equal({
      code: 'BAD_RESPONSE',
      max: 5,
    });
  });

  it('says a stopped object was redeployed unless told otherwise', () => {
    expect(errors.closed().message).to.equal('authentication object was stopped (redeployed)');
    expect(errors.closed('cancelled').message).to.equal('cancelled');
    expect(errors.closed()).to.include({ code: 'CLOSED', kind: 'closed', transient: false });
  });

  it('keeps an OAuth error, its description and uri, and names it', () => {
    const e = new OAuthResponseError('invalid_grant', 'Bad password', 'https://x/e', 400, {
      retryAfterMs: 5,
    });
    expect(e.name).to.equal('OAuthResponseError');
    expect(e.message).to.equal('token endpoint refused the request: invalid_grant (Bad password)');
    expect(e).to.include({
      error: 'invalid_grant',
      error_description: 'Bad password',
      error_uri: 'https://x/e',
      status: 400,
      retryAfterMs: 5,
      kind: 'oauth',
      transient: false,
    });
    expect(e.params).to.deep.equal({ code: 'invalid_grant', description: 'Bad password' });
    const bare = new OAuthResponseError('invalid_client', undefined, undefined, 401);
    expect(bare.message).to.equal('token endpoint refused the request: invalid_client');
    expect(bare.params).to.deep.equal({ code: 'invalid_client', description: '' });
    expect(bare.error_description).to.equal(undefined);
    expect(bare.error_uri).to.equal(undefined);
  });

  it('names the field of a configuration error in its key and parameters', () => {
    const e = new ConfigError('cooldown', 'number', 'cooldown must be a number', { min: 0 });
    expect(e.name).to.equal('ConfigError');
    expect(e).to.include({
      field: 'cooldown',
      reason: 'number',
      code: 'CONFIG_INVALID',
      kind: 'config',
      key: 'config.number',
    });
    expect(e.params).to.deep.equal({ code: 'CONFIG_INVALID', min: 0, name: 'cooldown' });
  });

  it('advises on redirects only for 3xx statuses, and on OAuth codes only by their exact name', () => {
    const http = (status: number) => adviceFor(errors.http(status, '', { transient: false }))?.key;
    expect(http(300)).to.equal('HTTP_3xx');
    expect(http(399)).to.equal('HTTP_3xx');
    expect(http(299)).to.equal(undefined);
    expect(http(400)).to.equal(undefined);
    expect(http(404)).to.equal('HTTP_404');
    const oauth = (code: string) => adviceFor(new OAuthResponseError(code, '', '', 400))?.key;
    expect(oauth('invalid_grant')).to.equal('invalid_grant');
    expect(oauth('constructor')).to.equal(undefined);
    expect(oauth('CONFIG_INVALID')).to.equal(undefined);
    expect(oauth('xinvalid_grant')).to.equal(undefined);
    expect(oauth('HTTP_3xx')).to.equal(undefined);
    expect(adviceFor(errors.closed())).to.equal(undefined);
    expect(adviceFor(errors.badResponse('tooLarge'))).to.equal(undefined);
  });
  it('says in words what failed, with the code, and which failures are worth retrying', () => {
    const d = (e: AuthError) => ({ code: e.code, transient: e.transient, message: e.message });
    expect(d(errors.tls('CERT_HAS_EXPIRED'))).to.deep.equal({
      code: 'CERT_HAS_EXPIRED',
      transient: false,
      message: 'TLS connection to the token endpoint failed (CERT_HAS_EXPIRED)',
    });
    expect(d(errors.network('ECONNREFUSED'))).to.deep.equal({
      code: 'ECONNREFUSED',
      transient: true,
      message: 'could not reach the token endpoint (ECONNREFUSED)',
    });
    expect(d(errors.reset())).to.deep.equal({
      code: 'ECONNRESET',
      transient: true,
      message: 'connection to the token endpoint broke mid-response',
    });
    expect({ ...d(errors.timeout(2500)), params: errors.timeout(2500).params }).to.deep.equal({
      code: 'ETIMEDOUT',
      transient: true,
      message: 'token endpoint did not answer within 2.5 s',
      params: { code: 'ETIMEDOUT', seconds: 2.5 },
    });
    const unreachable = errors.discovery('unreachable', { code: 'ECONNREFUSED' }, true);
    expect({ ...d(unreachable), key: unreachable.key }).to.deep.equal({
      code: 'DISCOVERY_FAILED',
      transient: true,
      message: 'OpenID discovery failed: the issuer could not be reached (ECONNREFUSED)',
      key: 'discovery.unreachable',
    });
    expect(errors.discovery('noIssuer').transient).to.equal(false);
    const cert = errors.clientCertExpired(Date.UTC(2026, 0, 2));
    expect({ ...d(cert), params: cert.params }).to.deep.equal({
      code: 'CLIENT_CERT_EXPIRED',
      transient: false,
      message:
        'the client certificate of the TLS configuration expired on 2026-01-02T00:00:00.000Z',
      params: { code: 'CLIENT_CERT_EXPIRED', date: '2026-01-02T00:00:00.000Z' },
    });
    expect(d(errors.assertionFailed())).to.deep.equal({
      code: 'ASSERTION_FAILED',
      transient: false,
      message: 'could not sign the client assertion',
    });
  });
  it('says where an API key should go when msg.url is no URL, and advises how to set it', () => {
    const e = errors.noUrl('api_key');
    expect({ code: e.code, kind: e.kind, key: e.key, transient: e.transient }).to.deep.equal({
      code: 'NO_URL',
      kind: 'message',
      key: 'noUrl',
      transient: false,
    });
    expect(e.params).to.include({ name: 'api_key' });
    expect(e.message).to.equal(
      'the API key goes in the query parameter "api_key" of msg.url, and msg.url is not an absolute http(s) URL',
    );
    expect(adviceFor(e)?.key).to.equal('NO_URL');
  });
});
