import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { expect } from 'chai';
import { jwtClient, startOidcProvider, type OidcServer } from '../fixtures/oidc-provider';
import { expectNoSecrets, flowOf, helper, load, type Loaded } from '../helpers/runtime';

const pem = (k: KeyObject) => k.export({ format: 'pem', type: 'pkcs8' }) as string;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const small = generateKeyPairSync('rsa', { modulusLength: 1024 });

describe('private_key_jwt client authentication against oidc-provider', function () {
  this.timeout(30_000);
  let server: OidcServer;
  let loaded: Loaded | undefined;

  before(async () => {
    server = await startOidcProvider([
      jwtClient('rs-client', rsa.publicKey, 'RS256', 'rs-1'),
      jwtClient('es-client', ec.publicKey, 'ES256', 'es-1'),
    ]);
  });
  after(() => server.close());
  afterEach(async () => {
    try {
      if (loaded) expectNoSecrets(loaded, [pem(rsa.privateKey), pem(ec.privateKey)]);
    } finally {
      loaded = undefined;
      await helper.unload();
    }
  });

  const flow = (auth: Record<string, unknown>) =>
    flowOf({
      grantType: 'client_credentials',
      tokenUrl: server.tokenUrl,
      clientAuth: 'private_key_jwt',
      scope: 'api:read',
      ...auth,
    });

  it('gets a token with an RS256 assertion, a fresh one per request', async () => {
    loaded = await load(flow({ keyId: 'rs-1' }), {
      auth: { clientId: 'rs-client', privateKey: pem(rsa.privateKey) },
    });
    loaded.send();
    await loaded.settled(1);
    // A second token needs a second assertion: oidc-provider refuses a replayed jti.
    loaded.send({ forceRefresh: true });
    await loaded.settled(2);
    expect(loaded.errors).to.deep.equal([]);
    const tokens = loaded.out.map((m) => (m.token as { access_token: string }).access_token);
    expect(tokens[0]).to.be.a('string').and.not.equal(tokens[1]);
    expect((loaded.out[0]!.token as { scope: string }).scope).to.equal('api:read');
  });

  it('gets a token with an ES256 assertion and no key id', async () => {
    loaded = await load(flow({ assertionAlg: 'ES256' }), {
      auth: { clientId: 'es-client', privateKey: pem(ec.privateKey) },
    });
    loaded.send();
    await loaded.settled(1);
    expect(loaded.errors).to.deep.equal([]);
    expect(loaded.out[0]!.headers)
      .to.have.property('Authorization')
      .that.match(/^Bearer \S+$/);
  });

  it('a key the server does not know gives invalid_client', async () => {
    loaded = await load(flow({ keyId: 'rs-1' }), {
      auth: { clientId: 'rs-client', privateKey: pem(other.privateKey) },
    });
    loaded.send();
    await loaded.settled(1);
    const error = loaded.errors[0]!.error as { code: string; message: string };
    expect(error.code).to.equal('invalid_client');
    expect(error.message).to.match(/invalid_client/);
    expectNoSecrets(loaded, [pem(other.privateKey)]);
  });

  for (const [what, auth, creds, reason] of [
    ['a missing key', {}, {}, /Private key|privateKey/],
    ['text that is no key', {}, { privateKey: 'not a key' }, /not a PEM private key/],
    ['an EC key for RS256', {}, { privateKey: pem(ec.privateKey) }, /does not fit RS256/],
    [
      'an RSA key for ES256',
      { assertionAlg: 'ES256' },
      { privateKey: pem(rsa.privateKey) },
      /ES256/,
    ],
    ['a 1024-bit RSA key', {}, { privateKey: pem(small.privateKey) }, /2048/],
    [
      'an unknown algorithm',
      { assertionAlg: 'HS256' },
      { privateKey: pem(rsa.privateKey) },
      /RS256, ES256/,
    ],
  ] as const) {
    it(`refuses ${what} at deploy with CONFIG_INVALID`, async () => {
      loaded = await load(flow(auth), { auth: { clientId: 'rs-client', ...creds } });
      loaded.send();
      await loaded.settled(1);
      const error = loaded.errors[0]!.error as { code: string; message: string };
      expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.message).to.match(reason);
    });
  }
});
