import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { deploy, installPacked, startNodeRed, type NodeRed } from '../helpers/node-red-process';

const userDir = path.resolve(__dirname, '../../test-output/e2e-user');
const conf = DEMO.confidential;
const user = DEMO.user;
const WRONG = 'wrong-e2e-Pw!77';

/** Deploys start asynchronously: the http in routes appear a moment later. */
async function until200(url: string, nr: NodeRed): Promise<Response> {
  for (let i = 0; i < 50; i++) {
    const res = await fetch(url);
    if (res.status !== 404) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} stayed 404:\n${nr.output()}`);
}

describe('the packed package in a real Node-RED', function () {
  this.timeout(120_000);
  let nr: NodeRed;
  let server: OAuthServer;

  before(async () => {
    fs.rmSync(userDir, { recursive: true, force: true });
    installPacked(userDir);
    server = await startOAuthServer();
    nr = await startNodeRed(userDir);
  });
  after(async () => {
    await nr?.stop();
    await server?.close();
  });

  it('registers both node types from the installed package without errors', async () => {
    const res = await fetch(`${nr.url}/nodes`, { headers: { accept: 'application/json' } });
    const sets = (await res.json()) as {
      module: string;
      types: string[];
      enabled: boolean;
      err?: string;
    }[];
    const ours = sets.filter((s) => s.module === 'node-red-contrib-auth-objects');
    expect(ours.flatMap((s) => s.types)).to.have.members(['auth-object', 'auth-get-token']);
    for (const s of ours) {
      expect(s.enabled).to.equal(true);
      expect(s.err).to.equal(undefined);
    }
  });

  it('serves the icons, labels and help of the nodes', async () => {
    const icons = (await (await fetch(`${nr.url}/icons`)).json()) as Record<string, string[]>;
    expect(icons['node-red-contrib-auth-objects']).to.include.members([
      'auth-object.svg',
      'auth-get-token.svg',
    ]);
    const svg = await fetch(`${nr.url}/icons/node-red-contrib-auth-objects/auth-get-token.svg`);
    expect(await svg.text()).to.contain('<svg');
    const html = await (
      await fetch(`${nr.url}/nodes`, { headers: { accept: 'text/html' } })
    ).text();
    expect(html).to.contain('data-help-name="auth-object"');
    expect(html).to.contain('data-help-name="auth-get-token"');
    expect(html).to.contain('data-template-name="auth-object"');
    const messages = (await (await fetch(`${nr.url}/nodes/messages?lng=en-US`)).json()) as Record<
      string,
      Record<string, { label?: Record<string, string> }>
    >;
    const catalog = JSON.stringify(messages);
    expect(catalog).to.contain('"tokenUrl":"Token URL"');
    expect(catalog).to.contain('"paletteLabel":"get token"');
  });

  it('puts a token on the message in front of an http request node, and leaks no secret', async () => {
    await deploy(nr, [
      { id: 'tab', type: 'tab', label: 'e2e' },
      {
        id: 'auth',
        type: 'auth-object',
        name: 'e2e object',
        grantType: 'password',
        tokenUrl: server.tokenUrl,
        scope: 'read',
        credentials: { ...conf, ...user },
      },
      {
        id: 'bad',
        type: 'auth-object',
        name: 'wrong password',
        grantType: 'password',
        tokenUrl: server.tokenUrl,
        credentials: { ...conf, username: user.username, password: WRONG },
      },
      {
        id: 'in1',
        type: 'http in',
        z: 'tab',
        url: '/e2e',
        method: 'get',
        x: 100,
        y: 100,
        wires: [['get1']],
      },
      {
        id: 'get1',
        type: 'auth-get-token',
        z: 'tab',
        auth: 'auth',
        x: 300,
        y: 100,
        wires: [['req']],
      },
      {
        id: 'req',
        type: 'http request',
        z: 'tab',
        method: 'GET',
        url: server.apiUrl,
        ret: 'obj',
        x: 500,
        y: 100,
        wires: [['res1']],
      },
      { id: 'res1', type: 'http response', z: 'tab', x: 700, y: 100, wires: [] },
      {
        id: 'in2',
        type: 'http in',
        z: 'tab',
        url: '/e2e-bad',
        method: 'get',
        x: 100,
        y: 200,
        wires: [['get2']],
      },
      { id: 'get2', type: 'auth-get-token', z: 'tab', auth: 'bad', x: 300, y: 200, wires: [[]] },
      { id: 'catch', type: 'catch', z: 'tab', scope: ['get2'], x: 100, y: 300, wires: [['fmt']] },
      {
        id: 'fmt',
        type: 'change',
        z: 'tab',
        rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' }],
        x: 300,
        y: 300,
        wires: [['res2']],
      },
      { id: 'res2', type: 'http response', z: 'tab', x: 500, y: 300, wires: [] },
    ]);

    const ok = await until200(`${nr.url}/e2e`, nr);
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.include({ ok: true });
    expect(server.apiRequests.at(-1)!.authorization).to.match(/^Bearer /);

    const bad = (await (await fetch(`${nr.url}/e2e-bad`)).json()) as {
      code: string;
      message: string;
    };
    expect(bad.code).to.equal('invalid_grant');
    expect(bad.message).to.contain('invalid_grant');

    const flows = await (await fetch(`${nr.url}/flows`)).text();
    const creds = await (await fetch(`${nr.url}/credentials/auth-object/auth`)).text();
    expect(JSON.parse(creds)).to.include({ clientId: conf.clientId, has_password: true });
    const onDisk = ['flows.json', 'flows_cred.json'].map((f) =>
      fs.readFileSync(path.join(userDir, f), 'utf8'),
    );
    const secrets = [conf.clientSecret, user.password, WRONG, ...server.issuedRefreshTokens];
    for (const [where, text] of Object.entries({
      flows,
      creds,
      disk: onDisk.join('\n'),
      log: nr.output(),
    })) {
      for (const s of secrets)
        expect(text.includes(s), `${where} contains a secret`).to.equal(false);
    }
    // The access token travels only on the message, never into the log.
    for (const token of server.issuedAccessTokens) expect(nr.output()).to.not.contain(token);
  });
});
