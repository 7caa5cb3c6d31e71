import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { validateSettings } from '../../nodes/core/config';
import { createTransport } from '../../nodes/core/http';
import { probeToken } from '../../nodes/core/probe';
import { jwtClient, startOidcProvider, type OidcServer } from '../fixtures/oidc-provider';
import { startRawServer, type RawServer } from '../fixtures/raw-server';
import { flowOf, helper, load, type Loaded } from '../helpers/runtime';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKey = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const creds = { auth: { clientId: 'rs-client', privateKey } };

describe('OpenID discovery of the token endpoint from the issuer', function () {
  this.timeout(30_000);
  let server: OidcServer;
  let loaded: Loaded | undefined;

  before(async () => {
    server = await startOidcProvider([jwtClient('rs-client', rsa.publicKey, 'RS256')]);
  });
  after(() => server.close());
  afterEach(async () => {
    loaded = undefined;
    await helper.unload();
  });

  const flow = (auth: Record<string, unknown>) =>
    flowOf({
      grantType: 'client_credentials',
      clientAuth: 'private_key_jwt',
      scope: 'api:read',
      tokenUrl: '',
      ...auth,
    });

  it('gets a token with only the issuer set', async () => {
    loaded = await load(flow({ issuer: server.issuer }), creds);
    loaded.send();
    loaded.send();
    await loaded.settled(2);
    expect(loaded.errors).to.deep.equal([]);
    expect(loaded.out).to.have.length(2);
  });

  it('lets a typed token URL win over the issuer', async () => {
    loaded = await load(
      flow({ issuer: 'http://127.0.0.1:9/nowhere', tokenUrl: server.tokenUrl }),
      creds,
    );
    loaded.send();
    await loaded.settled(1);
    expect(loaded.errors).to.deep.equal([]);
  });

  it('refuses a document naming another issuer with DISCOVERY_FAILED and a red status', async () => {
    loaded = await load(flow({ issuer: `${server.issuer}/` }), creds);
    loaded.send();
    await loaded.settled(1);
    const error = loaded.errors[0]!.error as { code: string; message: string };
    expect(error.code).to.equal('DISCOVERY_FAILED');
    expect(error.message).to.include(`names issuer "${server.issuer}"`);
    const red = loaded.statuses().filter((s) => s.fill === 'red');
    expect(red).to.not.have.length(0);
  });

  it('reports a missing document as DISCOVERY_FAILED at deploy', async () => {
    loaded = await load(flow({ issuer: `${server.issuer}/tenant-that-does-not-exist` }), creds);
    loaded.send();
    await loaded.settled(1);
    const error = loaded.errors[0]!.error as { code: string; message: string };
    expect(error.code).to.equal('DISCOVERY_FAILED');
    expect(error.message).to.match(/HTTP 404/);
  });

  it('Test connection reports the discovered token endpoint', async () => {
    const settings = validateSettings(
      {
        issuer: server.issuer,
        clientAuth: 'private_key_jwt',
        scope: 'api:read',
      },
      { clientId: 'rs-client', privateKey },
    );
    const result = await probeToken(settings, createTransport());
    expect(result).to.include({ ok: true, tokenEndpoint: server.tokenUrl });
  });
});

describe('OpenID discovery against a broken issuer', () => {
  let raw: RawServer | undefined;
  afterEach(async () => {
    await raw?.close();
    raw = undefined;
  });

  for (const [what, body, reason] of [
    ['a document that is not JSON', '<html>hi</html>', /not a JSON object/],
    ['an http token endpoint to another host', undefined, /token_endpoint must use https/],
    ['a huge document', 'x'.repeat(300 * 1024), /too large/],
  ] as const) {
    it(`refuses ${what}`, async () => {
      raw = await startRawServer((req, res) => {
        const issuer = `http://${req.headers.host}`;
        res.setHeader('content-type', 'application/json');
        res.end(body ?? JSON.stringify({ issuer, token_endpoint: 'http://idp.example.com/token' }));
      });
      const settings = validateSettings(
        { issuer: raw.url, clientAuth: 'none', grantType: 'client_credentials' },
        { clientId: 'c' },
      );
      const result = await probeToken(settings, createTransport());
      expect(result.ok).to.equal(false);
      if (result.ok) return;
      expect(result.error?.code).to.equal('DISCOVERY_FAILED');
      expect(result.error?.message).to.match(reason);
    });
  }
});
