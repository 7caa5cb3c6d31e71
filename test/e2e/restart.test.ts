import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { emailNode, installEmailNode, startMailServer, type MailServer } from '../helpers/email';
import {
  deploy,
  fetchRouted,
  packedUserDir,
  startNodeRed,
  type NodeRed,
} from '../helpers/node-red-process';
import { Teardown } from '../helpers/teardown';

const userDir = path.resolve(__dirname, '../../test-output/e2e-restart');
const conf = DEMO.confidential;
const settings = { contextStorage: { default: { module: 'localfilesystem' } } };

function dateIn(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

describe('restarts with a persistent context store', function () {
  this.timeout(120_000);
  let nr: NodeRed | undefined;
  let server: OAuthServer;
  let smtp: MailServer;

  const flows = (responseName: string) => [
    { id: 'tab', type: 'tab', label: 'restart' },
    {
      id: 'o1',
      type: 'auth-object',
      name: 'Soon',
      grantType: 'client_credentials',
      tokenUrl: server.tokenUrl,
      notify: 'owner@example.com',
      expiries: [
        { expiresAt: dateIn(3), appliesTo: ['clientSecret'] },
        { expiresAt: dateIn(20), appliesTo: ['refreshToken'] },
      ],
      credentials: { ...conf },
    },
    {
      id: 'in1',
      type: 'http in',
      z: 'tab',
      url: '/check',
      method: 'get',
      x: 100,
      y: 100,
      wires: [['chk']],
    },
    { id: 'chk', type: 'auth-expiry-check', z: 'tab', x: 300, y: 100, wires: [['mail'], ['res1']] },
    emailNode(smtp.port),
    { id: 'res1', type: 'http response', z: 'tab', name: responseName, x: 500, y: 160, wires: [] },
    {
      id: 'in2',
      type: 'http in',
      z: 'tab',
      url: '/token',
      method: 'get',
      x: 100,
      y: 240,
      wires: [['get']],
    },
    { id: 'get', type: 'auth-get-token', z: 'tab', auth: 'o1', x: 300, y: 240, wires: [['res2']] },
    { id: 'res2', type: 'http response', z: 'tab', x: 500, y: 240, wires: [] },
  ];

  const teardown = new Teardown();

  before(async () => {
    packedUserDir(teardown, userDir, [installEmailNode]);
    server = teardown.closes(await startOAuthServer());
    smtp = teardown.closes(await startMailServer());
    // The test starts Node-RED, twice: stop the one running at the end.
    teardown.add(() => nr?.stop());
  });
  after(() => teardown.run());

  const quiet = async (n: number) => {
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.mails).to.have.length(n);
  };

  it('keeps configuration, credentials and reminder memory across a partial redeploy and a restart', async () => {
    nr = await startNodeRed(userDir, settings);
    await deploy(nr, flows('first'));
    expect((await fetchRouted(nr, '/check')).status).to.equal(200);
    await smtp.received(2);
    expect((await fetchRouted(nr, '/token')).status).to.equal(200);

    // Only a changed node is redeployed: the check node keeps its memory.
    const res = await fetch(`${nr.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'nodes' },
      body: JSON.stringify(
        flows('renamed').map((n) =>
          n.id === 'o1' || n.id === 'mail' ? { ...n, credentials: undefined } : n,
        ),
      ),
    });
    expect(res.status).to.equal(204);
    // The deploy answers before the changed nodes are started again; a message meanwhile
    // would meet a stopped http response node.
    await new Promise((r) => setTimeout(r, 500));
    await fetchRouted(nr, '/check');
    await quiet(2);

    await nr.stop();
    nr = await startNodeRed(userDir, settings);
    const flowsAfter = (await (await fetch(`${nr.url}/flows`)).json()) as {
      id: string;
      name?: string;
    }[];
    expect(flowsAfter.find((n) => n.id === 'res1')?.name).to.equal('renamed');
    await fetchRouted(nr, '/check');
    await quiet(2);
    // Credentials came back from flows_cred.json: a token without redeploying.
    const token = await fetchRouted(nr, '/token');
    expect(token.status).to.equal(200);
    expect(fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8')).to.not.contain(
      conf.clientSecret,
    );
  });
});
