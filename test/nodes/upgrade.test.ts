/**
 * A flow saved before auth objects had a `kind` (0.1.0 and earlier) loads and behaves as
 * before: an OAuth 2.0 object, the same msg.token and header, the same Test connection.
 */
import { expect } from 'chai';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { expectNoSecrets, helper, load, type FlowNode } from '../helpers/runtime';

const conf = DEMO.confidential;
const user = DEMO.user;

/** As the editor of 0.1.0 saved it: every property of its time, no `kind`, no `fromMessage`. */
function savedBeforeKinds(tokenUrl: string): FlowNode[] {
  return [
    { id: 'tab', type: 'tab', label: 'saved by 0.1.0' },
    {
      id: 'auth',
      type: 'auth-object',
      name: 'Old object',
      grantType: 'password',
      tokenUrl,
      allowInsecureHttp: false,
      refreshTokenUrl: '',
      scope: 'read',
      clientAuth: 'client_secret_basic',
      assertionAlg: 'RS256',
      keyId: '',
      issuer: '',
      extraParams: [],
      tls: '',
      proxy: '',
      timeout: 10,
      refreshBefore: 60,
      cooldown: 300,
      expiries: [{ expiresAt: '2030-01-01', appliesTo: ['password'] }],
      notify: 'owner@example.com',
    },
    {
      id: 'get',
      type: 'auth-get-token',
      z: 'tab',
      x: 100,
      y: 100,
      name: '',
      auth: 'auth',
      property: 'token',
      setHeader: true,
      wires: [['out']],
    },
    { id: 'out', type: 'helper', z: 'tab', x: 300, y: 100 },
    {
      id: 'catch',
      type: 'catch',
      z: 'tab',
      x: 100,
      y: 200,
      scope: null,
      uncaught: false,
      wires: [['caught']],
    },
    { id: 'caught', type: 'helper', z: 'tab', x: 300, y: 200 },
  ];
}

describe('a flow saved before credential kinds existed', function () {
  this.timeout(20_000);
  let server: OAuthServer;

  beforeEach(async () => {
    server = await startOAuthServer();
  });
  afterEach(async () => {
    await helper.unload();
    await server.close();
  });

  it('loads as OAuth 2.0 and gives the same msg.token and header, ignoring a msg.authObject', async () => {
    const loaded = await load(savedBeforeKinds(server.tokenUrl), { auth: { ...conf, ...user } });
    loaded.send({ authObject: 'some other object' });
    await loaded.settled(1);
    expect(loaded.errors).to.deep.equal([]);
    const msg = loaded.out[0]!;
    expect(msg.token).to.have.all.keys(
      'access_token',
      'token_type',
      'expires_in',
      'expires_at',
      'scope',
    );
    expect((msg.headers as Record<string, string>).Authorization).to.equal(
      `Bearer ${server.issuedAccessTokens[0]}`,
    );
    expect(server.requests[0]!.grantType).to.equal('password');
    expect(loaded.statuses().some((s) => s.fill === 'green')).to.equal(true);
    expectNoSecrets(loaded, [conf.clientSecret, user.password]);
  });

  it('tests its connection with the stored secrets from a form without kind', async () => {
    await load(savedBeforeKinds(server.tokenUrl), { auth: { ...conf, ...user } });
    const flow = savedBeforeKinds(server.tokenUrl)[1]!;
    const res = await helper
      .request()
      .post('/auth-objects/test')
      .send({
        ...flow,
        credentials: {
          clientId: conf.clientId,
          clientSecret: '__PWRD__',
          username: user.username,
          password: '__PWRD__',
        },
      })
      .expect(200);
    expect(res.body).to.include({ ok: true, tokenType: 'Bearer' });
  });

  it('tests its connection from a form the new editor sends, with kind oauth2 filled in', async () => {
    await load(savedBeforeKinds(server.tokenUrl), { auth: { ...conf, ...user } });
    const flow = savedBeforeKinds(server.tokenUrl)[1]!;
    const res = await helper
      .request()
      .post('/auth-objects/test')
      .send({
        ...flow,
        kind: 'oauth2',
        apiKeyIn: 'header',
        apiKeyName: '',
        testUrl: '',
        credentials: {
          clientId: conf.clientId,
          clientSecret: '__PWRD__',
          username: user.username,
          password: '__PWRD__',
          apiKey: '',
          token: '',
        },
      })
      .expect(200);
    expect(res.body).to.include({ ok: true, tokenType: 'Bearer' });
  });
});
