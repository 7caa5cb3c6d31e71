/**
 * get token taking the auth object from msg.authObject (a deployed object's name or id):
 * each message gets its object's credential, and OAuth objects still share one token.
 */
import { expect } from 'chai';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { expectNoSecrets, flowOf, helper, load, type FlowNode } from '../helpers/runtime';

const conf = DEMO.confidential;
const API_KEY = 'tenant-c-Key-77';

describe('get token choosing the auth object per message', function () {
  this.timeout(30_000);
  let a: OAuthServer;
  let b: OAuthServer;

  beforeEach(async () => {
    a = await startOAuthServer();
    b = await startOAuthServer();
  });
  afterEach(async () => {
    await helper.unload();
    await a.close();
    await b.close();
  });

  /** Tenant A and B: OAuth on two servers; tenant C: an API key. */
  function flow(get: Record<string, unknown> = {}, extra: FlowNode[] = []): FlowNode[] {
    return [
      ...flowOf(
        { name: 'tenant-a', grantType: 'client_credentials', tokenUrl: a.tokenUrl },
        { auth: '', fromMessage: true, ...get },
      ),
      {
        id: 'objB',
        type: 'auth-object',
        name: 'tenant-b',
        grantType: 'client_credentials',
        tokenUrl: b.tokenUrl,
      },
      {
        id: 'objC',
        type: 'auth-object',
        name: 'tenant-c',
        kind: 'apiKey',
        apiKeyName: 'X-Tenant-Key',
      },
      ...extra,
    ];
  }
  const creds = { auth: { ...conf }, objB: { ...conf }, objC: { apiKey: API_KEY } };

  it('puts the right credential on each of 1,000 interleaved messages, with one token request per OAuth object', async () => {
    const loaded = await load(flow(), creds);
    const choices = ['tenant-a', 'objB', 'tenant-c', 'auth', 'tenant-b', 'objC'];
    const expected = ['a', 'b', 'c', 'a', 'b', 'c'];
    for (let i = 0; i < 1000; i++) {
      loaded.send({ authObject: choices[i % choices.length], n: i });
    }
    await loaded.settled(1000);
    expect(loaded.errors).to.have.length(0);
    expect(a.requests).to.have.length(1);
    expect(b.requests).to.have.length(1);
    const tokenA = `Bearer ${a.issuedAccessTokens[0]}`;
    const tokenB = `Bearer ${b.issuedAccessTokens[0]}`;
    expect(tokenA).to.not.equal(tokenB);
    const seen = new Set<number>();
    for (const msg of loaded.out) {
      const n = msg.n as number;
      seen.add(n);
      const headers = msg.headers as Record<string, string>;
      const want = expected[n % expected.length];
      if (want === 'a') expect(headers.Authorization, `message ${n}`).to.equal(tokenA);
      if (want === 'b') expect(headers.Authorization, `message ${n}`).to.equal(tokenB);
      if (want === 'c') {
        expect(headers['X-Tenant-Key'], `message ${n}`).to.equal(API_KEY);
        expect(headers.Authorization, `message ${n}`).to.equal(undefined);
      }
    }
    expect(seen.size).to.equal(1000);
    expectNoSecrets(loaded, [conf.clientSecret, API_KEY]);
  });

  it('fails UNKNOWN_AUTH_OBJECT for a name or id nothing deployed has, and for anything but text', async () => {
    const loaded = await load(flow(), creds);
    for (const authObject of ['tenant-x', 'get', 'out', { apiKey: 'smuggled' }, 42]) {
      loaded.send({ authObject });
    }
    loaded.send({});
    await loaded.settled(6);
    expect(loaded.out).to.have.length(0);
    expect(loaded.errors).to.have.length(6);
    for (const e of loaded.errors) {
      const error = e.error as { code?: string; message: string };
      expect(error.code).to.equal('UNKNOWN_AUTH_OBJECT');
      expect(error.message).not.to.contain('smuggled');
    }
    expect(a.requests.length + b.requests.length).to.equal(0);
  });

  it('fails AMBIGUOUS_AUTH_OBJECT for a name two objects have, and takes either by its id', async () => {
    const twin: FlowNode = {
      id: 'objD',
      type: 'auth-object',
      name: 'tenant-b',
      grantType: 'client_credentials',
      tokenUrl: a.tokenUrl,
    };
    const loaded = await load(flow({}, [twin]), { ...creds, objD: { ...conf } });
    loaded.send({ authObject: 'tenant-b' });
    await loaded.settled(1);
    const error = loaded.errors[0]!.error as { code?: string; message: string };
    expect(error.code).to.equal('AMBIGUOUS_AUTH_OBJECT');
    loaded.send({ authObject: 'objD' });
    await loaded.settled(2);
    expect((loaded.out[0]!.headers as Record<string, string>).Authorization).to.equal(
      `Bearer ${a.issuedAccessTokens[0]}`,
    );
  });

  it('takes only the allowed objects: another one is unknown, by name or id', async () => {
    const loaded = await load(flow({ allowed: ['objC', 'auth'] }), creds);
    loaded.send({ authObject: 'tenant-c' });
    loaded.send({ authObject: 'tenant-a' });
    loaded.send({ authObject: 'tenant-b' });
    loaded.send({ authObject: 'objB' });
    await loaded.settled(4);
    expect(loaded.out).to.have.length(2);
    expect(loaded.errors).to.have.length(2);
    for (const e of loaded.errors) {
      expect((e.error as { code?: string }).code).to.equal('UNKNOWN_AUTH_OBJECT');
    }
    expect(b.requests).to.have.length(0);
  });

  it('uses the configured object for a message without msg.authObject', async () => {
    const loaded = await load(flow({ auth: 'objC' }), creds);
    loaded.send({});
    loaded.send({ authObject: 'tenant-a' });
    await loaded.settled(2);
    expect(loaded.errors).to.have.length(0);
    const byKey = loaded.out.filter(
      (m) => (m.headers as Record<string, string>)['X-Tenant-Key'] === API_KEY,
    );
    expect(byKey).to.have.length(1);
  });

  it('ignores msg.authObject when the node is not set to take it from the message', async () => {
    const loaded = await load(flow({ auth: 'objC', fromMessage: false }), creds);
    loaded.send({ authObject: 'tenant-a' });
    await loaded.settled(1);
    expect((loaded.out[0]!.headers as Record<string, string>)['X-Tenant-Key']).to.equal(API_KEY);
    expect(a.requests).to.have.length(0);
  });
});
