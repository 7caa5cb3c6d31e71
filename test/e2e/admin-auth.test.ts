import { expect } from 'chai';
import path from 'node:path';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { startPacked, type PackedNodeRed } from '../helpers/node-red-process';
import { Teardown } from '../helpers/teardown';

const userDir = path.resolve(__dirname, '../../test-output/e2e-admin-auth');
const USERS = { admin: '*', reader: 'read' };
const conf = DEMO.confidential;
const user = DEMO.user;

describe('admin routes with adminAuth on', function () {
  this.timeout(120_000);
  let nr: PackedNodeRed;
  let server: OAuthServer;
  const tokens: Record<string, string> = {};
  const bodies: string[] = [];
  const teardown = new Teardown();

  before(async () => {
    server = teardown.closes(await startOAuthServer());
    const flows = [
      {
        id: 'auth',
        type: 'auth-object',
        name: 'guarded',
        grantType: 'password',
        tokenUrl: server.tokenUrl,
        expiries: [{ expiresAt: '2030-01-01', appliesTo: ['password'] }],
        credentials: { ...conf, ...user },
      },
    ];
    nr = await startPacked(teardown, { userDir, users: USERS, flows });
    Object.assign(tokens, nr.tokens);
  });
  after(async () => {
    await teardown.run();
    const all = bodies.join('\n') + nr?.output();
    for (const s of [conf.clientSecret, user.password]) {
      expect(all.includes(s), 'a response or log line contains a secret').to.equal(false);
    }
  });

  async function call(method: 'GET' | 'POST', route: string, who?: string) {
    const res = await fetch(`${nr.url}${route}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
      },
      ...(method === 'POST'
        ? {
            body: JSON.stringify({
              id: 'auth',
              grantType: 'password',
              tokenUrl: server.tokenUrl,
              credentials: {
                clientId: conf.clientId,
                clientSecret: '__PWRD__',
                username: user.username,
                password: '__PWRD__',
              },
            }),
          }
        : {}),
    });
    bodies.push(await res.clone().text());
    return res;
  }

  it('refuses anonymous users on every route', async () => {
    expect((await call('GET', '/auth-objects/expiries')).status).to.equal(401);
    expect((await call('POST', '/auth-objects/test')).status).to.equal(401);
    expect(server.requests).to.have.length(0);
  });

  it('lets a read-only user read the expiries but not run a test', async () => {
    // The deploy answers before the object has started: ask until it is listed.
    let items: unknown[] = [];
    for (let i = 0; i < 50 && items.length === 0; i++) {
      const list = await call('GET', '/auth-objects/expiries', 'reader');
      expect(list.status).to.equal(200);
      items = ((await list.json()) as { items: unknown[] }).items;
      if (items.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(items).to.have.length(1);
    expect((await call('POST', '/auth-objects/test', 'reader')).status).to.equal(401);
    expect(server.requests).to.have.length(0);
  });

  it('lets an admin run a test with the stored secrets', async () => {
    const res = await call('POST', '/auth-objects/test', 'admin');
    expect(res.status).to.equal(200);
    expect(await res.json()).to.include({ ok: true, tokenType: 'Bearer' });
    expect(server.requests).to.have.length(1);
  });
});
