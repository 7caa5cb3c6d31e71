/**
 * Token requests in proportion to use, in a real Node-RED runtime against a real OAuth
 * server with 2 s tokens: an object nobody uses asks for nothing, one used once asks once
 * and lets its token lapse, and get token then shows "idle" rather than a stale "valid
 * until". Counts at the server, no timing assertions.
 */
import { expect } from 'chai';
import type { AuthObjectNode } from '../../nodes/auth-object-api';
import type { ManagerState } from '../../nodes/core/token-manager';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { english } from '../helpers/english';
import { flowOf, helper, load } from '../helpers/runtime';

const ccCreds = { auth: { ...DEMO.confidential } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LIFETIME_S = 2;

describe('an idle auth object', function () {
  this.timeout(30_000);
  let server: OAuthServer;

  beforeEach(async () => {
    server = await startOAuthServer({ accessTokenLifetime: LIFETIME_S });
  });
  afterEach(async () => {
    await helper.unload();
    await server.close();
  });

  const deploy = () =>
    load(flowOf({ grantType: 'client_credentials', tokenUrl: server.tokenUrl }), ccCreds);

  it('makes no token request after deploy while no message uses it', async () => {
    const l = await deploy();
    await sleep(3 * LIFETIME_S * 1000);
    expect(server.requests).to.have.length(0);
    expect(l.statuses().filter((s) => s.text)).to.deep.equal([]);
  });

  it('used once: one request, no renewal, then "idle" until the next message, which asks once', async () => {
    const l = await deploy();
    const states: ManagerState[] = [];
    (l.node('auth') as AuthObjectNode).subscribe((s) => states.push(s));
    l.send();
    await l.settled(1);
    await sleep(3 * LIFETIME_S * 1000);
    expect(server.requests).to.have.length(1);
    expect(states.map((s) => s.state)).to.deep.equal(['idle', 'requesting', 'valid', 'lapsed']);
    const last = l.statuses().at(-1)!;
    expect(last).to.include({ fill: 'grey', shape: 'ring' });
    // The test runtime's RED._ gives the key back; the locale says "idle".
    expect(last.text).to.equal('auth-get-token.status.idle');
    expect(english('auth-get-token.status.idle')).to.equal('idle');

    l.send();
    l.send();
    await l.settled(3);
    expect(l.errors).to.have.length(0);
    expect(server.requests).to.have.length(2);
  });

  it('used twice: the second message takes the cached token, and it is renewed once', async () => {
    const l = await deploy();
    l.send();
    await l.settled(1);
    l.send();
    await l.settled(2);
    await sleep(3 * LIFETIME_S * 1000);
    expect(server.requests).to.have.length(2);
    expect(l.errors).to.have.length(0);
  });
});
