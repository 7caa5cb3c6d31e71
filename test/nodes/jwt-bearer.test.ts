/**
 * The JWT bearer grant (RFC 7523 §2.1), e.g. a Google service account: a signed assertion
 * exchanged for a token, against a server that verifies signature, audience and lifetime.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { expect } from 'chai';
import {
  JWT_BEARER,
  startJwtBearerServer,
  type JwtBearerServer,
} from '../fixtures/jwt-bearer-server';
import { emitted, expectNoSecrets, flowOf, helper, load, type Loaded } from '../helpers/runtime';
import { leaks } from '../helpers/secret-forms';

const pem = (k: KeyObject) => k.export({ format: 'pem', type: 'pkcs8' }) as string;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const EMAIL = 'robot@project.iam.gserviceaccount.com';

describe('the JWT bearer grant against a token server that verifies the assertion', function () {
  this.timeout(30_000);
  let server: JwtBearerServer;
  let loaded: Loaded | undefined;

  afterEach(async () => {
    try {
      if (loaded) {
        const secrets = [pem(rsa.privateKey), pem(ec.privateKey), pem(other.privateKey)];
        expectNoSecrets(loaded, secrets);
        // No assertion either: it is a credential for its lifetime.
        const text = emitted(loaded);
        for (const body of server.bodies) {
          const assertion = new URLSearchParams(body).get('assertion') ?? '';
          expect(leaks(text, [assertion])).to.deep.equal([]);
        }
      }
    } finally {
      loaded = undefined;
      await helper.unload();
      await server.close();
    }
  });

  const flow = (auth: Record<string, unknown>) =>
    flowOf({
      grantType: JWT_BEARER,
      tokenUrl: server.tokenUrl,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      ...auth,
    });

  it('gets a token with an RS256 assertion: iss and sub the client email, aud the token URL, scope as a claim, no client authentication', async () => {
    server = await startJwtBearerServer([
      { iss: EMAIL, publicKey: rsa.publicKey, alg: 'RS256', kid: 'key-1' },
    ]);
    loaded = await load(flow({ keyId: 'key-1', clientAuth: 'client_secret_basic' }), {
      auth: { clientId: EMAIL, privateKey: pem(rsa.privateKey), clientSecret: 'unused' },
    });
    loaded.send();
    await loaded.settled(1);
    expect(loaded.errors).to.deep.equal([]);
    expect((loaded.out[0]!.headers as Record<string, string>).Authorization).to.equal(
      `Bearer ${server.issued[0]}`,
    );
    const claims = server.accepted[0]!;
    expect(claims).to.include({
      iss: EMAIL,
      sub: EMAIL,
      aud: server.tokenUrl,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
    });
    expect((claims.exp as number) - (claims.iat as number)).to.be.at.most(300);
    const body = new URLSearchParams(server.bodies[0]);
    expect([...body.keys()].sort()).to.deep.equal(['assertion', 'grant_type', 'scope']);
    expect(server.authorizations[0]).to.equal(undefined);
  });

  it('signs a fresh assertion for each token, never replaying one', async () => {
    server = await startJwtBearerServer([{ iss: EMAIL, publicKey: ec.publicKey, alg: 'ES256' }]);
    loaded = await load(flow({ assertionAlg: 'ES256' }), {
      auth: { clientId: EMAIL, privateKey: pem(ec.privateKey) },
    });
    loaded.send();
    await loaded.settled(1);
    loaded.send({ forceRefresh: true });
    await loaded.settled(2);
    expect(loaded.errors).to.deep.equal([]);
    expect(server.accepted).to.have.length(2);
    expect(server.accepted[0]!.jti).to.not.equal(server.accepted[1]!.jti);
    expect(server.refused).to.deep.equal([]);
  });

  it('uses the audience and subject the provider wants when they are set (Salesforce style)', async () => {
    server = await startJwtBearerServer(
      [{ iss: 'connected-app-id', publicKey: rsa.publicKey, alg: 'RS256' }],
      { audience: 'https://login.salesforce.com' },
    );
    loaded = await load(
      flow({
        scope: '',
        assertionAudience: 'https://login.salesforce.com',
        assertionSubject: 'integration@example.com',
      }),
      { auth: { clientId: 'connected-app-id', privateKey: pem(rsa.privateKey) } },
    );
    loaded.send();
    await loaded.settled(1);
    expect(loaded.errors).to.deep.equal([]);
    expect(server.accepted[0]).to.include({
      aud: 'https://login.salesforce.com',
      sub: 'integration@example.com',
    });
    expect(server.accepted[0]).to.not.have.property('scope');
  });

  it('a key the server does not know is refused with invalid_grant, and not retried', async () => {
    server = await startJwtBearerServer([{ iss: EMAIL, publicKey: rsa.publicKey, alg: 'RS256' }]);
    loaded = await load(flow({}), { auth: { clientId: EMAIL, privateKey: pem(other.privateKey) } });
    loaded.send();
    await loaded.settled(1);
    const error = loaded.errors[0]!.error as { code: string };
    expect(error.code).to.equal('invalid_grant');
    expect(server.refused).to.have.length(1);
    expect(server.refused[0]).to.match(/verification failed/);
  });

  it('the audience the server checks must match: another token URL is refused', async () => {
    server = await startJwtBearerServer([{ iss: EMAIL, publicKey: rsa.publicKey, alg: 'RS256' }], {
      audience: 'https://oauth2.googleapis.com/token',
    });
    loaded = await load(flow({}), { auth: { clientId: EMAIL, privateKey: pem(rsa.privateKey) } });
    loaded.send();
    await loaded.settled(1);
    expect((loaded.errors[0]!.error as { code: string }).code).to.equal('invalid_grant');
    expect(server.refused[0]).to.match(/aud/);
  });

  it('fails CONFIG_INVALID without a private key or client email, sending nothing', async () => {
    server = await startJwtBearerServer([]);
    loaded = await load(flow({}), { auth: { clientId: EMAIL } });
    loaded.send();
    await loaded.settled(1);
    const error = loaded.errors[0]!.error as { code: string; message: string };
    expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.message).to.contain('privateKey');
    expect(server.bodies).to.have.length(0);
  });
});
