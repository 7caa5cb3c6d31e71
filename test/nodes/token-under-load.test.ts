/**
 * The counts `npm run bench` relies on, as ordinary tests: no message fails while a cached
 * token is valid, even when the server is down; a refresh is one request however many
 * messages arrive meanwhile; retries during an outage stop where the policy says.
 * Counts only, no timing assertions.
 */
import { expect } from 'chai';
import type { AuthObjectNode } from '../../nodes/auth-object-api';
import { DEFAULT_RETRY, type ManagerState } from '../../nodes/core/token-manager';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { flowOf, helper, load, type Loaded } from '../helpers/runtime';

const ccCreds = { auth: { ...DEMO.confidential } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `ok` every 10 ms, at most `ms`. */
async function until(ok: () => boolean, ms: number): Promise<void> {
  for (let waited = 0; !ok(); waited += 10) {
    if (waited >= ms) throw new Error(`condition not met within ${ms} ms`);
    await sleep(10);
  }
}

const tokenOf = (m: Record<string, unknown>) => (m.token as { access_token: string }).access_token;

describe('get token under load', function () {
  this.timeout(30_000);
  let server: OAuthServer;
  let loaded: Loaded | undefined;

  beforeEach(async () => {
    server = await startOAuthServer();
  });
  afterEach(async () => {
    loaded = undefined;
    await helper.unload();
    await server.close();
  });

  async function start(lifetime: number) {
    server.setLifetime(lifetime);
    loaded = await load(
      flowOf({ grantType: 'client_credentials', tokenUrl: server.tokenUrl }),
      ccCreds,
    );
    loaded.send();
    await loaded.settled(1);
    const auth = loaded.node('auth') as AuthObjectNode;
    const states: ManagerState[] = [];
    auth.subscribe((s) => states.push(s));
    return { l: loaded, auth, states };
  }

  it('fails no message while the cached token is valid during a server outage', async () => {
    const { l, auth, states } = await start(3);
    const before = server.requests.length;
    server.failNext(1_000_000, 503);
    // Send while the object still hands out its token (bounded: the token lasts 3 s), and
    // stop half a second before it expires: a message sent at the very end would reach the
    // node after the token stopped being handed out (0.3 s before expiry), and wait for the
    // failing refresh instead.
    const usable = () => {
      const t = auth.current();
      return t !== undefined && t.expiresAtMs - Date.now() > 500;
    };
    let sent = 1;
    for (let i = 0; i < 400 && usable(); i++) {
      l.send({ payload: i });
      sent++;
      await sleep(20);
    }
    await l.settled(sent);
    expect(sent).to.be.greaterThan(20);
    expect(l.errors).to.have.length(0);
    expect(new Set(l.out.map(tokenOf)).size).to.equal(1);

    // The refresh started ahead of expiry gives up after the attempts the policy allows.
    await until(() => states.some((s) => s.state === 'error'), 15_000);
    expect(server.requests.length - before).to.equal(DEFAULT_RETRY.attempts);
    expect(server.requests.slice(before).every((r) => r.status === 503)).to.equal(true);

    // Once the server is back, the next message gets a new token.
    server.failNext(0, 503);
    l.send();
    await l.settled(sent + 1);
    expect(l.errors).to.have.length(0);
    expect(tokenOf(l.out.at(-1)!)).to.not.equal(tokenOf(l.out[0]!));
  });

  it('hands the current token to a burst during a background refresh, with no second request', async () => {
    const { l, states } = await start(2);
    server.setLatency(500);
    // In use: a message takes the cached token (an unused one is not renewed).
    l.send();
    await l.settled(2);
    // The refresh starts at half the lifetime, ahead of expiry.
    await until(() => states.some((s) => s.state === 'refreshing'), 5_000);
    for (let i = 0; i < 500; i++) l.send({ payload: i });
    await l.settled(502);
    expect(l.errors).to.have.length(0);
    expect(new Set(l.out.map(tokenOf))).to.deep.equal(new Set([tokenOf(l.out[0]!)]));
    await until(() => states.at(-1)!.state === 'valid', 5_000);
    expect(server.requests).to.have.length(2);
    l.send();
    await l.settled(503);
    expect(tokenOf(l.out.at(-1)!)).to.not.equal(tokenOf(l.out[0]!));
    expect(server.requests).to.have.length(2);
  });

  it('answers a burst waiting for the first token together: one call into the auth object, in order', async () => {
    server.setLatency(200);
    const l = await load(
      flowOf({ grantType: 'client_credentials', tokenUrl: server.tokenUrl }),
      ccCreds,
    );
    const auth = l.node('auth') as AuthObjectNode;
    const getToken = auth.getToken.bind(auth);
    let calls = 0;
    auth.getToken = (force) => {
      calls++;
      return getToken(force);
    };
    for (let i = 0; i < 1000; i++) l.send({ payload: i });
    await l.settled(1000);
    expect(l.errors).to.have.length(0);
    expect(calls).to.equal(1);
    expect(server.requests).to.have.length(1);
    expect(l.out.map((m) => m.payload)).to.deep.equal([...Array(1000).keys()]);
    expect(new Set(l.out.map(tokenOf)).size).to.equal(1);
  });

  it('fails every message of a waiting burst with the error of its one request', async () => {
    server.failNext(1, 400);
    const l = await load(
      flowOf({ grantType: 'client_credentials', tokenUrl: server.tokenUrl }),
      ccCreds,
    );
    for (let i = 0; i < 100; i++) l.send({ payload: i });
    await l.settled(100);
    expect(l.out).to.have.length(0);
    expect(l.errors).to.have.length(100);
    expect(server.requests).to.have.length(1);
    expect(new Set(l.errors.map((m) => (m.error as { code?: string }).code))).to.have.length(1);
  });
});
