import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import expiryCheck from '../../nodes/auth-expiry-check';
import { startOidcProvider, type OidcServer } from '../fixtures/oidc-provider';
import { makeTestCa, type Pem, type TestCa } from '../fixtures/test-ca';
import {
  coreNodes,
  expectNoSecrets,
  flowOf,
  helper,
  load,
  type FlowNode,
  type Loaded,
} from '../helpers/runtime';

describe('tls_client_auth (RFC 8705) against oidc-provider over https', function () {
  this.timeout(30_000);
  let pki: TestCa;
  let server: OidcServer;
  let loaded: Loaded | undefined;

  before(async () => {
    pki = makeTestCa();
    server = await startOidcProvider(
      [
        {
          client_id: 'mtls-client',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: 'CN=node-red-client',
        },
      ],
      { ...pki.server, ca: pki.ca },
    );
  });
  after(() => server.close());
  afterEach(async () => {
    try {
      if (loaded) expectNoSecrets(loaded, [pki.client.key, pki.expiredClient.key]);
    } finally {
      loaded = undefined;
      await helper.unload();
    }
  });

  /** The object with a tls-config node holding the CA and, optionally, a client certificate. */
  function mtlsFlow(client: Pem | undefined, extra: FlowNode[] = []) {
    const flow: FlowNode[] = [
      ...flowOf({
        grantType: 'client_credentials',
        tokenUrl: server.tokenUrl,
        clientAuth: 'tls_client_auth',
        scope: 'api:read',
        tls: 'tls',
      }),
      { id: 'tls', type: 'tls-config', cert: '', key: '', ca: '', verifyservercert: true },
      ...extra,
    ];
    const tls: Record<string, string> = { cadata: pki.ca };
    if (client) Object.assign(tls, { certdata: client.cert, keydata: client.key });
    return { flow, creds: { auth: { clientId: 'mtls-client' }, tls } };
  }

  it('gets a token with the client certificate and sends no secret', async () => {
    const { flow, creds } = mtlsFlow(pki.client);
    loaded = await load(flow, creds, [coreNodes.tls]);
    loaded.send();
    await loaded.settled(1);
    expect(loaded.errors).to.deep.equal([]);
    expect(loaded.out[0]!.token).to.have.property('scope', 'api:read');
  });

  it('refuses at deploy a TLS configuration without a client certificate', async () => {
    const { flow, creds } = mtlsFlow(undefined);
    loaded = await load(flow, creds, [coreNodes.tls]);
    loaded.send();
    await loaded.settled(1);
    const error = loaded.errors[0]!.error as { code: string; message: string };
    expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.message).to.match(/client certificate/);
  });

  it('fails with CLIENT_CERT_EXPIRED, without a request, when the certificate has expired', async () => {
    const { flow, creds } = mtlsFlow(pki.expiredClient);
    loaded = await load(flow, creds, [coreNodes.tls]);
    loaded.send();
    await loaded.settled(1);
    const error = loaded.errors[0]!.error as { code: string; message: string };
    expect(error.code).to.equal('CLIENT_CERT_EXPIRED');
    expect(error.message).to.include('2021-01-01T00:00:00.000Z');
  });

  it("puts the certificate's notAfter into the expiry check as clientCertificate", async () => {
    const { flow, creds } = mtlsFlow(pki.client, [
      {
        id: 'check',
        type: 'auth-expiry-check',
        z: 'tab',
        x: 100,
        y: 300,
        warnDays: 60,
        wires: [['out'], []],
      },
    ]);
    loaded = await load(flow, creds, [coreNodes.tls, expiryCheck]);
    (helper.getNode('check') as unknown as { receive(m: object): void }).receive({});
    await loaded.settled(1);
    const expiry = loaded.out[0]!.expiry as Record<string, unknown>;
    const notAfter = new Date(new X509Certificate(pki.client.cert).validTo).toISOString();
    expect(expiry).to.deep.include({
      appliesTo: ['clientCertificate'],
      expiresAt: notAfter,
      severity: 'warning',
    });
    expect(expiry.daysLeft).to.be.within(29, 30);
  });
});
