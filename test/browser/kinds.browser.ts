/**
 * Every credential kind in the editor, in Debian's chromium against a real Node-RED with
 * the packed package: pick the kind, see only its fields, fill them, Test connection
 * against a real server on 127.0.0.1, deploy; and a Google service account key pasted
 * into a JWT bearer object.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { addAuthObject, dropNode, numberedShots, startEditor } from '../helpers/browser';
import { handlers, startRawServer, type RawServer } from '../fixtures/raw-server';
import {
  JWT_BEARER,
  startJwtBearerServer,
  type JwtBearerServer,
} from '../fixtures/jwt-bearer-server';
import type { NodeRed } from '../helpers/node-red-process';
import { Teardown } from '../helpers/teardown';

const root = path.resolve(__dirname, '../..');
const userDir = path.join(root, `test-output/browser-kinds-${process.pid}`);
const shots = path.join(root, 'test-output/browser-shots-kinds');
const KEY = 'browser-Api-Key-1';
const TOKEN = 'ghp_BrowserToken0000';
const PASSWORD = 'browser-Pw-ä';
const EMAIL = 'robot@demo-project.iam.gserviceaccount.com';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** The OAuth-only fields: hidden for every static kind. */
const OAUTH_FIELDS = ['grantType', 'tokenUrl', 'issuer', 'scope', 'clientId', 'clientAuth'];

describe('every credential kind in the editor', function () {
  this.timeout(180_000);
  let nr: NodeRed;
  let api: RawServer;
  let jwt: JwtBearerServer;
  let page: Page;
  let pageErrors: string[];
  let snap: ReturnType<typeof numberedShots>;
  const teardown = new Teardown();
  const shot = (name: string) => snap(page, name);
  const visible = (field: string) => page.isVisible(`#node-config-input-${field}`);

  before(async () => {
    snap = numberedShots(shots);
    api = teardown.closes(
      await startRawServer((req, res) => {
        const basic = `Basic ${Buffer.from(`ann:${PASSWORD}`, 'utf8').toString('base64')}`;
        const ok =
          req.headers['x-api-key'] === KEY ||
          req.headers.authorization === `Bearer ${TOKEN}` ||
          req.headers.authorization === basic;
        handlers.text(ok ? 200 : 401, ok ? 'ok' : 'no')(req, res, '', 0);
      }),
    );
    jwt = teardown.closes(
      await startJwtBearerServer([
        { iss: EMAIL, publicKey: rsa.publicKey, alg: 'RS256', kid: 'kid-9' },
      ]),
    );
    ({ nr, page, pageErrors } = await startEditor(teardown, { userDir }));
  });
  after(() => teardown.run());
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await shot(`FAILED-${this.currentTest.title.slice(0, 40)}`);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  /** A new get token node, and a new auth object from its form. */
  async function newObject(y: number) {
    await dropNode(page, 'auth-get-token', { x: 300, y });
    // The node just dropped: the one without an auth object yet.
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      const fresh = RED.nodes
        .filterNodes({ type: 'auth-get-token' })
        .filter((n: { auth?: string }) => !n.auth);
      RED.editor.edit(fresh[0]);
    });
    await addAuthObject(page, 'kind');
  }
  async function testConnection(expected: RegExp) {
    await page.click('#auth-object-test-button');
    await page.waitForSelector('#auth-object-test-result[data-result="success"]', {
      timeout: 15_000,
    });
    expect(await page.locator('#auth-object-test-result').textContent()).to.match(expected);
  }
  async function save() {
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-dialog-ok', { state: 'detached' });
  }

  it('API key: only its fields, the header name validated, Test connection calls the test URL', async () => {
    await newObject(100);
    await page.selectOption('#node-config-input-kind', 'apiKey');
    for (const f of OAUTH_FIELDS) expect(await visible(f), f).to.equal(false);
    for (const f of ['apiKeyName', 'apiKeyIn', 'apiKey', 'testUrl'])
      expect(await visible(f), f).to.equal(true);
    expect(await visible('token')).to.equal(false);
    expect(await visible('password')).to.equal(false);
    await page.fill('#node-config-input-apiKeyName', 'X API Key');
    await page.locator('#node-config-input-apiKeyName').blur();
    expect(await page.getAttribute('#node-config-input-apiKeyName', 'class')).to.contain(
      'input-error',
    );
    await page.fill('#node-config-input-name', 'Key object');
    await page.fill('#node-config-input-apiKeyName', 'X-API-Key');
    await page.fill('#node-config-input-apiKey', KEY);
    await page.fill('#node-config-input-testUrl', `${api.url}/me`);
    await page.locator('#node-config-input-testUrl').blur();
    expect(await page.getAttribute('#node-config-input-apiKeyName', 'class')).to.not.contain(
      'input-error',
    );
    await testConnection(/HTTP 200/);
    expect(api.requests.at(-1)!.headers['x-api-key']).to.equal(KEY);
    await shot('api-key');
    await save();
  });

  it('Basic: username and password only, Test connection with the UTF-8 pair', async () => {
    await newObject(200);
    await page.selectOption('#node-config-input-kind', 'basic');
    for (const f of OAUTH_FIELDS) expect(await visible(f), f).to.equal(false);
    expect(await visible('username')).to.equal(true);
    expect(await visible('password')).to.equal(true);
    expect(await visible('apiKey')).to.equal(false);
    await page.fill('#node-config-input-name', 'Basic object');
    await page.fill('#node-config-input-username', 'ann');
    await page.fill('#node-config-input-password', PASSWORD);
    await page.fill('#node-config-input-testUrl', `${api.url}/basic`);
    await testConnection(/HTTP 200/);
    await shot('basic');
    await save();
  });

  it('Bearer token: the token field, its expiry offered in the expiry list, Test connection', async () => {
    await newObject(300);
    await page.selectOption('#node-config-input-kind', 'bearer');
    expect(await visible('token')).to.equal(true);
    expect(await visible('username')).to.equal(false);
    await page.fill('#node-config-input-name', 'PAT object');
    await page.fill('#node-config-input-token', TOKEN);
    await page.fill('#node-config-input-testUrl', `${api.url}/user`);
    await testConnection(/HTTP 200/);
    await page.click('#red-ui-tab-auth-object-tab-expiries a');
    await page.click('#auth-object-tab-expiries .red-ui-editableList-addButton');
    const row = page.locator('#node-config-input-expiries-container > li').last();
    const offered = await row
      .locator('.auth-object-expiry-param-label:visible')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-param')));
    expect(offered).to.deep.equal(['token']);
    await row.locator('.auth-object-expiry-date').fill('2030-01-31');
    await row.locator('.auth-object-expiry-param[value="token"]').check();
    await shot('bearer-expiry');
    await page.click('#red-ui-tab-auth-object-tab-connection a');
    await save();
  });

  it('JWT bearer: a pasted service account key fills the fields, is kept only as the private key, and Test connection gets a token', async () => {
    await newObject(400);
    expect(await page.inputValue('#node-config-input-kind')).to.equal('oauth2');
    await page.selectOption('#node-config-input-grantType', JWT_BEARER);
    expect(await visible('clientAuth')).to.equal(false);
    expect(await visible('clientSecret')).to.equal(false);
    expect(await visible('privateKey')).to.equal(true);
    const key = {
      type: 'service_account',
      project_id: 'demo-project',
      private_key_id: 'kid-9',
      private_key: PRIVATE_KEY,
      client_email: EMAIL,
      client_id: '1234567890',
      token_uri: jwt.tokenUrl,
    };
    await page.fill('#auth-object-service-account', JSON.stringify(key));
    await page.waitForSelector('#auth-object-service-account-result:visible');
    expect(await page.inputValue('#auth-object-service-account')).to.equal('');
    expect(await page.inputValue('#node-config-input-clientId')).to.equal(EMAIL);
    expect(await page.inputValue('#node-config-input-keyId')).to.equal('kid-9');
    expect(await page.inputValue('#node-config-input-tokenUrl')).to.equal(jwt.tokenUrl);
    expect(await page.inputValue('#node-config-input-privateKey')).to.equal(PRIVATE_KEY);
    // No empty line for a discovered endpoint: it shows only after a test found one.
    expect(await page.isVisible('#auth-object-discovered')).to.equal(false);
    await page.fill('#node-config-input-name', 'Service account');
    await page.fill('#node-config-input-scope', 'https://www.googleapis.com/auth/cloud-platform');
    await testConnection(/Bearer/);
    expect(jwt.accepted.at(-1)).to.include({ iss: EMAIL, aud: jwt.tokenUrl });
    await shot('jwt-bearer');
    await save();
  });

  it('deploys every kind, with its settings in the flow and no secret in it', async () => {
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      return !RED.nodes.dirty();
    });
    await shot('deployed');
    const flows = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const objects = flows.filter((n) => n.type === 'auth-object');
    const byName = Object.fromEntries(objects.map((o) => [o.name, o]));
    expect(byName['Key object']).to.include({
      kind: 'apiKey',
      apiKeyName: 'X-API-Key',
      apiKeyIn: 'header',
    });
    expect(byName['Basic object']).to.include({ kind: 'basic' });
    expect(byName['PAT object']).to.include({ kind: 'bearer' });
    expect((byName['PAT object']!.expiries as unknown[])[0]).to.deep.include({
      appliesTo: ['token'],
    });
    expect(byName['Service account']).to.include({
      kind: 'oauth2',
      grantType: JWT_BEARER,
      keyId: 'kid-9',
    });
    const text = JSON.stringify(flows);
    for (const secret of [KEY, TOKEN, PASSWORD, PRIVATE_KEY.split('\n')[1]!]) {
      expect(text.includes(secret), secret.slice(0, 6)).to.equal(false);
    }
    const gets = flows.filter((n) => n.type === 'auth-get-token');
    expect(gets).to.have.length(4);
    expect(new Set(gets.map((g) => g.auth)).size).to.equal(4);
    // The runtime took each object as deployed: Test connection of the deployed objects
    // with their stored secrets succeeds.
    for (const o of objects.filter((x) => x.kind !== 'oauth2')) {
      const res = await fetch(`${nr.url}/auth-objects/test`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          ...o,
          credentials: {
            apiKey: '__PWRD__',
            token: '__PWRD__',
            username: 'ann',
            password: '__PWRD__',
          },
        }),
      });
      expect(await res.json(), String(o.name)).to.include({ ok: true, status: 200 });
    }
  });

  it('takes the auth object from msg.authObject, limited to the objects ticked', async () => {
    await dropNode(page, 'auth-get-token', { x: 300, y: 500 });
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      const fresh = RED.nodes
        .filterNodes({ type: 'auth-get-token' })
        .filter((n: { auth?: string }) => !n.auth);
      RED.editor.edit(fresh[0]);
    });
    await page.waitForSelector('#node-input-fromMessage', { state: 'visible' });
    expect(await page.isVisible('#auth-get-token-allowed')).to.equal(false);
    await page.check('#node-input-fromMessage');
    await page.waitForSelector('#auth-get-token-allowed', { state: 'visible' });
    const listed = await page.$$eval('#auth-get-token-allowed label', (els) =>
      els.map((e) => e.textContent?.trim()),
    );
    expect(listed).to.include.members([
      'Key object',
      'Basic object',
      'PAT object',
      'Service account',
    ]);
    await page
      .locator('#auth-get-token-allowed label', { hasText: 'Key object' })
      .locator('input')
      .check();
    await page
      .locator('#auth-get-token-allowed label', { hasText: 'PAT object' })
      .locator('input')
      .check();
    await shot('from-message');
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-dialog-ok', { state: 'detached' });
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      return !RED.nodes.dirty();
    });
    const flows = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const ids = Object.fromEntries(
      flows.filter((n) => n.type === 'auth-object').map((o) => [o.name, o.id]),
    );
    const get = flows.find((n) => n.type === 'auth-get-token' && n.fromMessage === true)!;
    expect(get.allowed).to.have.members([ids['Key object'], ids['PAT object']]);
  });
});
