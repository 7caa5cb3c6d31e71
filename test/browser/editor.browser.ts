/**
 * The editor in a real browser: Debian's chromium driven by playwright-core,
 * against a real Node-RED with the packed package and a real OAuth 2.0 server.
 * Screenshots of each step go to test-output/browser-shots/.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { handlers, startRawServer, type RawServer } from '../fixtures/raw-server';
import { installPacked, startNodeRed, type NodeRed } from '../helpers/node-red-process';

const root = path.resolve(__dirname, '../..');
const userDir = path.join(root, `test-output/browser-user-${process.pid}`);
const shots = path.join(root, 'test-output/browser-shots');
const conf = DEMO.confidential;
const user = DEMO.user;
const DAY = 86_400_000;

function localDate(days: number): string {
  const d = new Date(Date.now() + days * DAY);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

describe('the editor in a real browser', function () {
  this.timeout(180_000);
  let nr: NodeRed;
  let server: OAuthServer;
  // An OpenID issuer whose discovery document names the OAuth server's token endpoint.
  let issuer: RawServer;
  let browser: Browser;
  let page: Page;
  let step = 0;
  const pageErrors: string[] = [];

  const shot = async (name: string) => {
    step++;
    await page.screenshot({
      path: path.join(shots, `${String(step).padStart(2, '0')}-${name}.png`),
    });
  };

  /**
   * Shows a tab of the auth object form. Node-RED's tabs take a second click within 400 ms,
   * on any tab, for a double click: try again, a bounded few times.
   */
  const openTab = async (tab: 'connection' | 'advanced' | 'expiries') => {
    for (let attempt = 1; ; attempt++) {
      await page.click(`#red-ui-tab-auth-object-tab-${tab} a`);
      try {
        await page.waitForSelector(`#auth-object-tab-${tab}`, { state: 'visible', timeout: 1000 });
        return;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  };

  before(async () => {
    fs.rmSync(userDir, { recursive: true, force: true });
    fs.rmSync(shots, { recursive: true, force: true });
    fs.mkdirSync(shots, { recursive: true });
    console.log(`      screenshots: ${shots}`);
    installPacked(userDir);
    server = await startOAuthServer();
    const notFound = handlers.text(404, 'not found');
    issuer = await startRawServer(notFound);
    const discovery = handlers.json(200, { issuer: issuer.url, token_endpoint: server.tokenUrl });
    issuer.setHandler((req, res, body, n) =>
      (req.url === '/.well-known/openid-configuration' ? discovery : notFound)(req, res, body, n),
    );
    nr = await startNodeRed(userDir, { telemetry: { enabled: false } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(nr.url);
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="auth-get-token"]');
  });
  after(async () => {
    await browser?.close();
    await nr?.stop();
    await server?.close();
    await issuer?.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await shot(`FAILED-${this.currentTest.title.slice(0, 40)}`);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  it('shows the three nodes in the palette with their labels', async () => {
    const labels = await page.$$eval(
      '.red-ui-palette-node[data-palette-type^="auth-"] .red-ui-palette-label',
      (els) => els.map((e) => e.textContent?.replace(/\s+/g, ' ').trim()),
    );
    expect(labels).to.include.members(['get token', 'expiry check']);
    await shot('palette');
  });

  it('creates an auth object from a get token node and shows only the fields of the chosen grant', async () => {
    await page.dragAndDrop(
      '.red-ui-palette-node[data-palette-type="auth-get-token"]',
      '#red-ui-workspace-chart',
      { targetPosition: { x: 300, y: 200 } },
    );
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.editor.edit(RED.nodes.filterNodes({ type: 'auth-get-token' })[0]);
    });
    // "Add new auth object" next to the select (Node-RED 4: a + button; 3.x: the pencil).
    const addConfig = '#node-input-btn-auth-add, #node-input-lookup-auth';
    await page.waitForSelector(addConfig);
    // A click while the tray is still sliding in can be lost: try again, a bounded few times.
    for (let attempt = 1; ; attempt++) {
      await page.click(addConfig);
      try {
        await page.waitForSelector('#node-config-input-tokenUrl', {
          state: 'visible',
          timeout: 5000,
        });
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    await page.selectOption('#node-config-input-grantType', 'client_credentials');
    expect(await page.isVisible('#node-config-input-username')).to.equal(false);
    expect(await page.isVisible('#node-config-input-password')).to.equal(false);
    await shot('client-credentials-fields');
    await page.selectOption('#node-config-input-grantType', 'password');
    expect(await page.isVisible('#node-config-input-username')).to.equal(true);
    expect(await page.isVisible('#node-config-input-password')).to.equal(true);
    // Empty credentials the grant needs are marked.
    for (const field of ['clientId', 'clientSecret', 'username', 'password']) {
      expect(await page.getAttribute(`#node-config-input-${field}`, 'class'), field).to.contain(
        'input-error',
      );
    }
    await page.selectOption('#node-config-input-clientAuth', 'none');
    expect(await page.isVisible('#node-config-input-clientSecret')).to.equal(false);
    await page.selectOption('#node-config-input-clientAuth', 'client_secret_basic');
    expect(await page.isVisible('#node-config-input-clientSecret')).to.equal(true);
    await shot('password-fields');
  });

  it('marks an insecure token URL as invalid', async () => {
    await page.fill('#node-config-input-tokenUrl', 'http://login.example.com/token');
    await page.locator('#node-config-input-tokenUrl').blur();
    expect(await page.getAttribute('#node-config-input-tokenUrl', 'class')).to.contain(
      'input-error',
    );
    await shot('insecure-url');
  });

  it('tests the connection before deploy: success, then a wrong password', async () => {
    await page.fill('#node-config-input-name', 'Browser test object');
    await page.fill('#node-config-input-tokenUrl', server.tokenUrl);
    await page.fill('#node-config-input-scope', 'read');
    await page.fill('#node-config-input-clientId', conf.clientId);
    await page.fill('#node-config-input-clientSecret', conf.clientSecret);
    await page.fill('#node-config-input-username', user.username);
    await page.fill('#node-config-input-password', user.password);
    await page.locator('#node-config-input-password').blur();
    for (const field of ['clientId', 'clientSecret', 'username', 'password']) {
      expect(await page.getAttribute(`#node-config-input-${field}`, 'class'), field).to.not.contain(
        'input-error',
      );
    }
    await page.click('#auth-object-test-button');
    const result = page.locator('#auth-object-test-result');
    await page.waitForSelector('#auth-object-test-result[data-result="success"]');
    const ok = await result.textContent();
    expect(ok).to.contain('Bearer');
    expect(ok).to.contain('read');
    for (const t of server.issuedAccessTokens) expect(ok).to.not.contain(t);
    await shot('test-connection-success');

    await page.fill('#node-config-input-password', 'not-the-password');
    await page.click('#auth-object-test-button');
    await page.waitForSelector('#auth-object-test-result[data-result="failure"]');
    expect(await result.textContent()).to.contain('invalid_grant');
    await shot('test-connection-wrong-password');
    await page.fill('#node-config-input-password', user.password);
  });

  it('adds expiry entries with the date picker', async () => {
    await page.click('#red-ui-tab-auth-object-tab-expiries a');
    await page.fill('#node-config-input-notify', 'owner@example.com');
    const add = page.locator('#auth-object-tab-expiries .red-ui-editableList-addButton');
    for (const [days, param] of [
      [3, 'clientSecret'],
      [20, 'password'],
      [90, 'refreshToken'],
    ] as const) {
      await add.click();
      const row = page.locator('#node-config-input-expiries-container > li').last();
      await row.locator('.auth-object-expiry-date').fill(localDate(days));
      await row.locator(`.auth-object-expiry-param[value="${param}"]`).check();
    }
    await shot('expiries');
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
    await page.click('#node-dialog-ok');
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      return !RED.nodes.dirty();
    });
    await shot('deployed');
    const flows = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const obj = flows.find((n) => n.type === 'auth-object')!;
    expect(obj).to.include({
      name: 'Browser test object',
      grantType: 'password',
      notify: 'owner@example.com',
    });
    expect((obj.expiries as unknown[]).length).to.equal(3);
    expect(JSON.stringify(flows)).to.not.contain(conf.clientSecret);
  });

  it('lists the expiries in the sidebar, sorted and filtered, and opens the object on click', async () => {
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.sidebar.show('auth-objects');
    });
    const rows = page.locator('.auth-objects-list .auth-objects-item');
    await page.click('.auth-objects-filter[data-filter="all"]');
    await page.waitForFunction(
      () => document.querySelectorAll('.auth-objects-list .auth-objects-item').length === 3,
    );
    expect(
      await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-severity'))),
    ).to.deep.equal(['critical', 'warning', 'ok']);
    await shot('sidebar-all');
    await page.click('.auth-objects-filter[data-filter="week"]');
    expect(await rows.count()).to.equal(1);
    await shot('sidebar-week');
    await page.click('.auth-objects-filter[data-filter="month"]');
    expect(await rows.count()).to.equal(2);
    await page.click('.auth-objects-filter[data-filter="expired"]');
    expect(await rows.count()).to.equal(0);
    await page.click('.auth-objects-filter[data-filter="all"]');
    await rows.first().click();
    await page.waitForSelector('#node-config-input-tokenUrl', { state: 'visible' });
    expect(await page.inputValue('#node-config-input-name')).to.equal('Browser test object');
    await shot('sidebar-opens-object');
    await page.click('#node-config-dialog-cancel');
  });

  it('asks to type the stored secrets again when the token URL changed, and sends nothing', async () => {
    const flows = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const id = flows.find((n) => n.type === 'auth-object')!.id as string;
    await page.waitForSelector('#node-config-input-tokenUrl', { state: 'detached' });
    await page.evaluate((objectId) => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.editor.editConfig('', 'auth-object', objectId);
    }, id);
    await page.waitForSelector('#node-config-input-tokenUrl', { state: 'visible' });
    expect(await page.inputValue('#node-config-input-tokenUrl')).to.equal(server.tokenUrl);
    // The stored secrets stay as Node-RED's placeholder: only the destination changes.
    await page.fill('#node-config-input-tokenUrl', 'http://127.0.0.1:9/token');
    await page.locator('#node-config-input-tokenUrl').blur();
    const before = server.requests.length;
    await page.click('#auth-object-test-button');
    await page.waitForSelector('#auth-object-test-result[data-result="failure"]');
    expect(await page.textContent('#auth-object-test-result')).to.contain('SECRET_REQUIRED');
    const hints = page.locator('.auth-object-secret-hint');
    expect(
      await hints.evaluateAll((els) => els.map((e) => e.getAttribute('data-field'))),
    ).to.have.members(['clientSecret', 'password']);
    const secretHint = page.locator('.auth-object-secret-hint[data-field="clientSecret"]');
    expect(await secretHint.isVisible()).to.equal(true);
    expect(await secretHint.textContent()).to.contain(
      'Type this again to test with the changed settings',
    );
    // The hint sits in the client secret's row, and the input is marked.
    expect(
      await secretHint.evaluate(
        (el) => !!el.closest('.form-row')?.querySelector('#node-config-input-clientSecret'),
      ),
    ).to.equal(true);
    expect(await page.getAttribute('#node-config-input-clientSecret', 'class')).to.contain(
      'auth-object-secret-needed',
    );
    expect(server.requests.length, 'a token request was sent').to.equal(before);
    await shot('test-connection-secret-required');

    // Typing into a marked field clears its hint only.
    await page.fill('#node-config-input-clientSecret', conf.clientSecret);
    expect(
      await page.locator('.auth-object-secret-hint[data-field="clientSecret"]').count(),
    ).to.equal(0);
    expect(await page.getAttribute('#node-config-input-clientSecret', 'class')).to.not.contain(
      'auth-object-secret-needed',
    );
    expect(await page.locator('.auth-object-secret-hint[data-field="password"]').count()).to.equal(
      1,
    );

    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-tokenUrl', { state: 'detached' });
    const dirty = await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      return RED.nodes.dirty();
    });
    expect(dirty, 'the cancelled edit left changes to deploy').to.equal(false);
    expect(server.requests.length, 'a token request was sent').to.equal(before);
  });

  it('shows the algorithm, key ID and private key for private_key_jwt, and no secret', async () => {
    const flows = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const id = flows.find((n) => n.type === 'auth-object')!.id as string;
    await page.evaluate((objectId) => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.editor.editConfig('', 'auth-object', objectId);
    }, id);
    await page.waitForSelector('#node-config-input-tokenUrl', { state: 'visible' });
    for (const field of ['assertionAlg', 'keyId', 'privateKey']) {
      expect(await page.isVisible(`#node-config-input-${field}`), field).to.equal(false);
    }
    await page.selectOption('#node-config-input-clientAuth', 'private_key_jwt');
    for (const field of ['assertionAlg', 'keyId', 'privateKey']) {
      expect(await page.isVisible(`#node-config-input-${field}`), field).to.equal(true);
    }
    expect(await page.isVisible('#node-config-input-clientSecret')).to.equal(false);
    // The key is needed now, and there is none yet.
    expect(await page.getAttribute('#node-config-input-privateKey', 'class')).to.contain(
      'input-error',
    );
    await shot('private-key-jwt-fields');
  });

  it('hides the secret for tls_client_auth and marks the TLS configuration as needed', async () => {
    await page.selectOption('#node-config-input-clientAuth', 'tls_client_auth');
    for (const field of ['clientSecret', 'privateKey', 'assertionAlg', 'keyId']) {
      expect(await page.isVisible(`#node-config-input-${field}`), field).to.equal(false);
    }
    expect(await page.isVisible('#node-config-input-clientId')).to.equal(true);
    await openTab('advanced');
    expect(await page.getAttribute('#node-config-input-tls', 'class')).to.contain('input-error');
    await shot('tls-client-auth-needs-tls');
    // Another client authentication does not need it.
    await openTab('connection');
    await page.selectOption('#node-config-input-clientAuth', 'client_secret_basic');
    expect(await page.isVisible('#node-config-input-clientSecret')).to.equal(true);
    expect(await page.getAttribute('#node-config-input-tls', 'class')).to.not.contain(
      'input-error',
    );
  });

  it("tests the connection with the token endpoint from the issuer's discovery document", async () => {
    await page.fill('#node-config-input-tokenUrl', '');
    await page.locator('#node-config-input-tokenUrl').blur();
    // Neither a token URL nor an issuer: the token URL is required.
    expect(await page.getAttribute('#node-config-input-tokenUrl', 'class')).to.contain(
      'input-error',
    );
    await page.fill('#node-config-input-issuer', issuer.url);
    await page.locator('#node-config-input-issuer').blur();
    expect(await page.getAttribute('#node-config-input-tokenUrl', 'class')).to.not.contain(
      'input-error',
    );
    expect((await page.getAttribute('#node-config-input-issuer', 'class')) ?? '').to.not.contain(
      'input-error',
    );
    // Another destination: the stored secrets are typed again.
    await page.fill('#node-config-input-clientSecret', conf.clientSecret);
    await page.fill('#node-config-input-password', user.password);
    const before = server.requests.length;
    await page.click('#auth-object-test-button');
    await page.waitForSelector('#auth-object-test-result:not([data-result="pending"])');
    expect(await page.getAttribute('#auth-object-test-result', 'data-result')).to.equal(
      'success',
      (await page.textContent('#auth-object-test-result')) ?? '',
    );
    const discovered = page.locator('#auth-object-discovered');
    expect(await discovered.isVisible()).to.equal(true);
    expect(await discovered.textContent()).to.contain(server.tokenUrl);
    expect(issuer.requests.map((r) => r.url)).to.include('/.well-known/openid-configuration');
    expect(server.requests.length, 'token requests').to.equal(before + 1);
    await shot('test-connection-discovered');

    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-tokenUrl', { state: 'detached' });
    const dirty = await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      return RED.nodes.dirty();
    });
    expect(dirty, 'the cancelled edit left changes to deploy').to.equal(false);
  });
});
