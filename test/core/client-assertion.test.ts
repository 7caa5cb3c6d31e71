import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { ASSERTION_LIFETIME_S, authenticate } from '../../nodes/core/client-assertion';
import { validateSettings } from '../../nodes/core/config';
import { grantRequest, JWT_BEARER } from '../../nodes/core/token-request';

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as object;

describe('client assertion (RFC 7523 §2.2)', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const settings = validateSettings(
    {
      tokenUrl: 'https://idp.example/oauth/token',
      clientAuth: 'private_key_jwt',
      assertionAlg: 'ES256',
      keyId: 'key-7',
    },
    {
      clientId: 'my-client',
      privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    },
  );

  it('signs iss = sub = client id, aud = token endpoint, a fresh jti, 60 s life', async () => {
    const now = Date.UTC(2026, 0, 1);
    const req = grantRequest(settings);
    const a = new URLSearchParams((await authenticate(settings, req, now)).body);
    const b = new URLSearchParams((await authenticate(settings, req, now)).body);
    expect(a.get('client_assertion_type')).to.equal(JWT_BEARER);
    expect(a.get('client_id')).to.equal('my-client');
    expect(a.has('client_secret')).to.equal(false);
    const [header, payload] = a.get('client_assertion')!.split('.') as [string, string];
    expect(decode(header)).to.deep.equal({ alg: 'ES256', typ: 'JWT', kid: 'key-7' });
    const claims = decode(payload) as Record<string, unknown>;
    expect(claims).to.include({
      iss: 'my-client',
      sub: 'my-client',
      aud: 'https://idp.example/oauth/token',
      iat: now / 1000,
      exp: now / 1000 + ASSERTION_LIFETIME_S,
    });
    const other = decode(b.get('client_assertion')!.split('.')[1]!) as { jti: string };
    expect(claims.jti).to.be.a('string').and.not.equal(other.jti);
    // The request built once stays without an assertion: it is signed per attempt.
    expect(new URLSearchParams(req.body).has('client_assertion')).to.equal(false);
  });
});
