import { expect } from 'chai';
import { validateSettings } from '../../nodes/core/config';
import { discover } from '../../nodes/core/discovery';
import { AuthError } from '../../nodes/core/errors';
import type { Transport } from '../../nodes/core/http';
import type { HttpResponse } from '../../nodes/core/token-response';

const ISSUER = 'https://login.example.com/tenant';
const settings = () =>
  validateSettings(
    { grantType: 'client_credentials', issuer: ISSUER },
    { clientId: 'c', clientSecret: 's' },
  );
const answering = (reply: HttpResponse | Error): Transport => ({
  send: () => (reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply)),
  close() {},
});
const doc = (extra: Record<string, unknown>): HttpResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ issuer: ISSUER, ...extra })),
});
async function failure(reply: HttpResponse | Error): Promise<AuthError> {
  try {
    await discover(settings(), answering(reply), new AbortController().signal);
  } catch (e) {
    expect(e).to.be.instanceOf(AuthError);
    return e as AuthError;
  }
  throw new Error('expected discovery to fail');
}

describe('discovery failures', () => {
  it('takes a transport failure that is not an AuthError as a transient network error', async () => {
    const e = await failure(new Error('socket hang up'));
    expect(e).to.include({
      code: 'DISCOVERY_FAILED',
      key: 'discovery.unreachable',
      transient: true,
    });
    expect(e.params).to.deep.equal({ code: 'ENETWORK' });
  });

  it('says the token endpoint is missing, or why the one named is refused', async () => {
    const missing = await failure(doc({}));
    expect(missing).to.include({ key: 'discovery.endpoint', transient: false });
    expect(missing.params).to.deep.include({ reason: 'token_endpoint is required' });

    const insecure = await failure(doc({ token_endpoint: 'http://login.example.com/token' }));
    expect(insecure.params).to.deep.include({
      reason:
        'token_endpoint must use https (http is allowed only for loopback addresses or with "allow insecure http")',
    });
  });
});
