/**
 * Edges of the static kinds and of msg.authObject a Node-RED user runs into: what the API
 * on 127.0.0.1 really receives through Node-RED's http request node, and which object a
 * message gets when its name or id is odd.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { DEMO, startOAuthServer } from '../fixtures/oauth-server';
import { handlers, startRawServer, type RawServer } from '../fixtures/raw-server';
import {
  apiFlow,
  catchCopiesCode,
  expectNoSecrets,
  flowOf,
  helper,
  load,
  type FlowNode,
} from '../helpers/runtime';
import { requireFromNodeRed } from '../helpers/node-red-version';
import { inEnglish } from '../helpers/english';
import authObject from '../../nodes/auth-object';
import getToken from '../../nodes/auth-get-token';

const httpRequest = requireFromNodeRed('@node-red/nodes/core/network/21-httprequest.js');
const catchNode = requireFromNodeRed('@node-red/nodes/core/common/25-catch.js');

/** The flow's Catch helper, whose messages carry the error. */
const caughtNode = () =>
  helper.getNode('caught') as unknown as {
    on(event: 'input', fn: (m: { error: { message: string } }) => void): void;
  };
const receiver = (id: string) =>
  helper.getNode(id) as unknown as { receive(msg: Record<string, unknown>): void };

describe('static kinds and msg.authObject at their edges', function () {
  this.timeout(20_000);
  let api: RawServer;

  beforeEach(async () => {
    api = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  afterEach(async () => {
    await helper.unload();
    await api.close();
  });

  it('a query API key reaches the API with the other parameters byte for byte as the flow wrote them', async () => {
    const loaded = await load(
      apiFlow({ kind: 'apiKey', apiKeyName: 'key', apiKeyIn: 'query' }),
      { auth: { apiKey: 'K+1 2' } },
      [httpRequest],
    );
    const rest = 'fields=id,name&q=node%20red&sig=ab%2Bc~d&since=2026-01-01T00:00:00Z&flag';
    loaded.send({ url: `${api.url}/v1/items?${rest}` });
    await loaded.settled(1);
    expect(loaded.errors).to.deep.equal([]);
    expect(api.requests[0]!.url).to.equal(`/v1/items?${rest}&key=K%2B1%202`);
  });

  it('sends HTTP Basic with an API key as the user name and no password, never showing the key', async () => {
    const key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';
    const loaded = await load(apiFlow({ kind: 'basic' }), { auth: { username: key } }, [
      httpRequest,
    ]);
    loaded.send({ url: `${api.url}/v1/charges` });
    await loaded.settled(1);
    expect(loaded.errors).to.deep.equal([]);
    const header = api.requests[0]!.headers.authorization!;
    expect(Buffer.from(header.replace(/^Basic /, ''), 'base64').toString()).to.equal(`${key}:`);
    expect(loaded.out[0]!.token).to.deep.equal({
      token_type: 'Basic',
      in: 'header',
      name: 'Authorization',
    });
    expectNoSecrets(loaded, [key, header.slice(6, 30)]);
  });

  it('sends an API key with a scheme of its own in Authorization (Okta SSWS), replacing one there', async () => {
    const key = 'SSWS 00Qw8Hk_dSecretPart';
    const loaded = await load(
      apiFlow({ kind: 'apiKey', apiKeyName: 'Authorization', apiKeyIn: 'header' }),
      { auth: { apiKey: key } },
      [httpRequest],
    );
    loaded.send({ url: `${api.url}/api/v1/users`, headers: { authorization: 'Bearer old' } });
    await loaded.settled(1);
    expect(loaded.errors).to.deep.equal([]);
    expect(api.requests[0]!.headers.authorization).to.equal(key);
    expectNoSecrets(loaded, ['00Qw8Hk_dSecretPart']);
  });

  it('fails CONFIG_INVALID naming the field when a credential is a ${NAME} that is not set, sending nothing', async () => {
    delete process.env.AUTH_OBJECTS_REVIEW_UNSET;
    const loaded = await load(
      apiFlow({ kind: 'bearer' }),
      { auth: { token: '${AUTH_OBJECTS_REVIEW_UNSET}' } },
      [httpRequest],
    );
    loaded.send({ url: `${api.url}/user` });
    await loaded.settled(1);
    expect(api.requests).to.have.length(0);
    const error = loaded.errors[0]!.error as { code?: string; message: string };
    if (catchCopiesCode) expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.message).to.contain('token');
  });

  /** get token taking its object from the message, and two API key objects. */
  function perMessage(objects: FlowNode[]): FlowNode[] {
    const flow = flowOf(
      { kind: 'apiKey', apiKeyName: 'X-Key', name: 'first' },
      {
        auth: '',
        fromMessage: true,
      },
    );
    return [...flow, ...objects];
  }

  it('finds an object whose name has spaces around it by the name as the editor shows it', async () => {
    const loaded = await load(
      perMessage([
        {
          id: 'spaced',
          type: 'auth-object',
          kind: 'apiKey',
          apiKeyName: 'X-Key',
          name: ' tenant-b ',
        },
      ]),
      { auth: { apiKey: 'key-a' }, spaced: { apiKey: 'key-b' } },
    );
    loaded.send({ authObject: 'tenant-b' });
    loaded.send({ authObject: ' tenant-b ' });
    await loaded.settled(2);
    expect(loaded.errors.map((e) => e.error)).to.deep.equal([]);
    expect(loaded.out.map((m) => (m.headers as Record<string, string>)['X-Key'])).to.deep.equal([
      'key-b',
      'key-b',
    ]);
  });

  it('does not count an object of a disabled flow: its name is not ambiguous with a running one', async () => {
    const loaded = await load(
      perMessage([
        { id: 'off', type: 'tab', label: 'off', disabled: true },
        { id: 'running', type: 'auth-object', kind: 'apiKey', apiKeyName: 'X-Key', name: 'tenant' },
        {
          id: 'parked',
          type: 'auth-object',
          z: 'off',
          kind: 'apiKey',
          apiKeyName: 'X-Key',
          name: 'tenant',
        },
      ]),
      { auth: { apiKey: 'key-a' }, running: { apiKey: 'key-r' }, parked: { apiKey: 'key-p' } },
    );
    loaded.send({ authObject: 'tenant' });
    loaded.send({ authObject: 'parked' });
    await loaded.settled(2);
    expect(loaded.out.map((m) => (m.headers as Record<string, string>)['X-Key'])).to.deep.equal([
      'key-r',
    ]);
    expect((loaded.errors[0]!.error as { code?: string }).code).to.equal('UNKNOWN_AUTH_OBJECT');
  });

  it('finds an object by its new name after a deploy of only that object renamed it', async () => {
    const flow = perMessage([
      { id: 'objT', type: 'auth-object', kind: 'apiKey', apiKeyName: 'X-Key', name: 'before' },
    ]);
    const creds = { auth: { apiKey: 'key-a' }, objT: { apiKey: 'key-t' } };
    const loaded = await load(flow, creds);
    loaded.send({ authObject: 'before' });
    await loaded.settled(1);
    const renamed = flow.map((n) => (n.id === 'objT' ? { ...n, name: 'after' } : n));
    await helper.setFlows(renamed, 'nodes', creds);
    loaded.send({ authObject: 'after' });
    loaded.send({ authObject: 'before' });
    await loaded.settled(3);
    expect(loaded.out.map((m) => (m.headers as Record<string, string>)['X-Key'])).to.deep.equal([
      'key-t',
      'key-t',
    ]);
    expect(loaded.errors.map((e) => (e.error as { code?: string }).code)).to.deep.equal([
      'UNKNOWN_AUTH_OBJECT',
    ]);
  });

  /** Object `broken` (OAuth on the raw server `api`) and `good` (OAuth on a real server). */
  async function twoOAuthObjects() {
    const idp = await startOAuthServer();
    const flow: FlowNode[] = [
      ...flowOf(
        { name: 'broken', grantType: 'client_credentials', tokenUrl: api.tokenUrl },
        { auth: '', fromMessage: true },
      ),
      {
        id: 'objGood',
        type: 'auth-object',
        name: 'good',
        grantType: 'client_credentials',
        tokenUrl: idp.tokenUrl,
      },
    ];
    const creds = { auth: { ...DEMO.confidential }, objGood: { ...DEMO.confidential } };
    return { idp, flow, creds };
  }

  it('fails only the messages of an object whose token request fails; the others get their token', async () => {
    const { idp, flow, creds } = await twoOAuthObjects();
    try {
      api.setHandler(handlers.json(400, { error: 'invalid_client' }));
      const loaded = await load(flow, creds);
      for (let i = 0; i < 40; i++) loaded.send({ authObject: i % 2 ? 'good' : 'broken', n: i });
      await loaded.settled(40);
      expect(loaded.out.map((m) => Number(m.n) % 2)).to.deep.equal(Array(20).fill(1));
      expect(loaded.errors.map((e) => Number(e.n) % 2)).to.deep.equal(Array(20).fill(0));
      for (const e of loaded.errors) {
        expect((e.error as { code?: string }).code).to.equal('invalid_client');
      }
      const auth = new Set(
        loaded.out.map((m) => (m.headers as Record<string, string>).Authorization),
      );
      expect([...auth]).to.deep.equal([`Bearer ${idp.issuedAccessTokens[0]}`]);
      expect(api.requests).to.have.length(1);
    } finally {
      await idp.close();
    }
  });

  it('ends the messages waiting for an object that is redeployed, and serves later ones with the new object', async () => {
    const { idp, flow, creds } = await twoOAuthObjects();
    try {
      api.setHandler(handlers.hang());
      const loaded = await load(flow, creds);
      for (let i = 0; i < 5; i++) loaded.send({ authObject: 'broken', n: i });
      while (api.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
      // Only the object changes ("modified nodes" deploy): get token keeps running.
      const moved = flow.map((n) => (n.id === 'auth' ? { ...n, tokenUrl: idp.tokenUrl } : n));
      await helper.setFlows(moved, 'nodes', creds);
      await loaded.settled(5);
      expect(loaded.out).to.have.length(0);
      expect(loaded.errors.map((e) => e.n)).to.have.members([0, 1, 2, 3, 4]);
      loaded.send({ authObject: 'broken', n: 5 });
      await loaded.settled(6);
      expect(loaded.out.map((m) => m.n)).to.deep.equal([5]);
      expect((loaded.out[0]!.headers as Record<string, string>).Authorization).to.equal(
        `Bearer ${idp.issuedAccessTokens[0]}`,
      );
    } finally {
      await idp.close();
    }
  });
});

describe('msg.authObject in the words of an error', function () {
  this.timeout(20_000);
  afterEach(() => helper.unload());

  it('writes no control character of msg.authObject into the error, and at most 100 of its characters', async () => {
    const flow = flowOf({ kind: 'apiKey', apiKeyName: 'X-Key' }, { auth: '', fromMessage: true });
    await helper.load([inEnglish(authObject), inEnglish(getToken), catchNode], flow, {
      auth: { apiKey: 'key-a' },
    });
    const caught: { message: string }[] = [];
    const done = new Promise<void>((resolve) => {
      caughtNode().on('input', (m: { error: { message: string } }) => {
        caught.push(m.error);
        if (caught.length === 2) resolve();
      });
    });
    const get = receiver('get');
    get.receive({ authObject: 'nobody\n23 Nov 12:00:00 - [error] forged\u001b[31m\u2028end' });
    get.receive({ authObject: 'y'.repeat(5000) });
    await done;
    const [forged, long] = caught.map((e) => e.message);
    expect(forged).to.contain('names no deployed auth object');
    expect(forged).to.contain('nobody');
    // eslint-disable-next-line no-control-regex
    expect(forged).not.to.match(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(long!.match(/y+/)![0].length).to.be.at.most(100);
  });
});

describe('advice for a JWT bearer grant the server refuses', function () {
  this.timeout(20_000);
  let idp: RawServer;
  beforeEach(async () => {
    idp = await startRawServer(
      handlers.json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }),
    );
  });
  afterEach(async () => {
    await helper.unload();
    await idp.close();
  });

  it('speaks of the key, the clock and the subject, not of a username and password', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const flow = flowOf({
      grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      tokenUrl: idp.tokenUrl,
    });
    await helper.load([inEnglish(authObject), inEnglish(getToken), catchNode], flow, {
      auth: { clientId: 'svc@project.iam.gserviceaccount.com', privateKey: pem },
    });
    const caught = new Promise<{ message: string }>((resolve) => {
      caughtNode().on('input', (m: { error: { message: string } }) => resolve(m.error));
    });
    receiver('get').receive({ payload: 1 });
    const { message } = await caught;
    expect(message).to.contain('invalid_grant');
    expect(message).to.contain('Invalid JWT Signature');
    expect(message).not.to.match(/username and password/i);
    expect(message).to.match(/key/);
    expect(message).to.match(/clock/);
  });
});
