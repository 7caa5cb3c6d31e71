import { expect } from 'chai';
import { AuthError, OAuthResponseError } from '../../nodes/core/errors';
import { processTokenResponse, type HttpResponse } from '../../nodes/core/token-response';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const res = (status: number, body: string, type = 'application/json'): HttpResponse => ({
  status,
  headers: { 'content-type': type },
  body: Buffer.from(body),
});
const errorOf = (r: HttpResponse): AuthError => {
  try {
    processTokenResponse(r, NOW, '');
  } catch (e) {
    expect(e).to.be.instanceOf(AuthError);
    return e as AuthError;
  }
  throw new Error('expected an error');
};

describe('token responses of unusual shapes', () => {
  it('reports JSON that is not an object (a number, text, a list, null, true) as not a JSON object', () => {
    for (const body of ['5', '"a-token"', '["a-token"]', 'null', 'true']) {
      expect(errorOf(res(200, body)).key, body).to.equal('badResponse.notJson');
    }
  });

  it('reports an error status whose body is not JSON as an HTTP error', () => {
    const e = errorOf(res(400, 'Bad Request', 'text/plain'));
    expect(e).to.include({ code: 'HTTP_400', transient: false });
    expect(e.params).to.deep.include({ type: '(text/plain)' });
  });

  it('repeats only a well-formed content type', () => {
    expect(errorOf(res(502, 'x', 'text html/plain')).params).to.deep.include({
      type: '(unusual content type)',
    });
  });

  it('leaves error_description out when the server sent none', () => {
    const e = errorOf(res(400, JSON.stringify({ error: 'invalid_client' })));
    expect(e).to.be.instanceOf(OAuthResponseError);
    expect((e as OAuthResponseError).error_description).to.equal(undefined);
    expect(JSON.parse(JSON.stringify(e))).to.not.have.property('error_description');
  });

  it('retries an OAuth error that comes with status 500', () => {
    const e = errorOf(res(500, JSON.stringify({ error: 'invalid_request' })));
    expect(e).to.include({ code: 'invalid_request', transient: true });
  });
});
