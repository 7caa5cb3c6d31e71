import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { validateSettings } from '../../nodes/core/config';

describe('a pasted private key', () => {
  it('is read with the blank lines and spaces a paste brings around it', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const s = validateSettings(
      {
        grantType: 'client_credentials',
        tokenUrl: 'https://idp.example/token',
        clientAuth: 'private_key_jwt',
        assertionAlg: 'ES256',
      },
      { clientId: 'c', privateKey: `\n  ${pem}  \n\n` },
    );
    expect(s.assertion?.alg).to.equal('ES256');
    expect(s.assertion?.key.asymmetricKeyType).to.equal('ec');
  });
});
