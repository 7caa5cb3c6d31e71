import { expect } from 'chai';
import { OAuthResponseError, adviceFor } from '../../nodes/core/errors';
import { JWT_BEARER_GRANT } from '../../nodes/core/rules';
import { TokenManager } from '../../nodes/core/token-manager';
import { validateSettings } from '../../nodes/core/config';
import { generateKeyPairSync } from 'node:crypto';
import type { Transport } from '../../nodes/core/http';

const refused = (code: string, grant?: string) => {
  const e = new OAuthResponseError(code, undefined, undefined, 400);
  if (grant !== undefined) e.params.grant = grant;
  return e;
};

describe('advice for invalid_grant by the grant that was refused', () => {
  it('speaks of the key, clock and subject for the JWT bearer grant', () => {
    expect(adviceFor(refused('invalid_grant', JWT_BEARER_GRANT))?.key).to.equal(
      'invalid_grant_jwt',
    );
  });

  it('keeps the username and password advice for the password grant, and without a grant', () => {
    expect(adviceFor(refused('invalid_grant', 'password'))?.key).to.equal('invalid_grant');
    expect(adviceFor(refused('invalid_grant'))?.key).to.equal('invalid_grant');
  });

  it('gives a server error named invalid_grant_jwt no advice', () => {
    expect(adviceFor(refused('invalid_grant_jwt'))).to.equal(undefined);
    expect(adviceFor(refused('invalid_grant_jwt', JWT_BEARER_GRANT))).to.equal(undefined);
  });

  it('the token manager names the grant of the refused request on the error', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const settings = validateSettings(
      { grantType: JWT_BEARER_GRANT, tokenUrl: 'https://oauth2.googleapis.com/token', cooldown: 0 },
      {
        clientId: 'svc@p.iam.gserviceaccount.com',
        privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      },
    );
    const transport: Transport = {
      send: async () => ({
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'invalid_grant' }),
      }),
      close: () => {},
    } as unknown as Transport;
    const manager = new TokenManager({
      settings,
      transport,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    try {
      const err = await manager.getToken(false).then(
        () => undefined,
        (e: unknown) => e as OAuthResponseError,
      );
      expect(err?.code).to.equal('invalid_grant');
      expect(adviceFor(err!)?.key).to.equal('invalid_grant_jwt');
    } finally {
      manager.close();
    }
  });
});
