/**
 * The editor in a real browser: Debian's chromium driven by playwright-core,
 * against a real Node-RED with the packed package and a real OAuth 2.0 server.
 * Screenshots of each step go to test-output/browser-shots/.
 */
import { expect } from 'chai';
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  addAuthObject,
  dropAndEdit,
  editConfig,
  numberedShots,
  startEditor,
} from '../helpers/browser';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { handlers, startRawServer, type RawServer } from '../fixtures/raw-server';
import type { NodeRed } from '../helpers/node-red-process';
import { Teardown } from '../helpers/teardown';

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

/**
 * How far apart two CSS colours (`rgb(r, g, b)`) look to someone with deuteranopia or
 * protanopia: each simulated (Machado, Oliveira and Fernandes 2009, severity 1), then
 * compared in CIELAB (ΔE 1976; about 2.3 is the smallest difference anyone sees).
 */
const CVD: Record<'deuteranopia' | 'protanopia', number[][]> = {
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
};
function cvdDistance(a: string, b: string, m: number[][]): number {
  const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const lab = (css: string) => {
    const rgb = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => linear(Number(c) / 255));
    const [r, g, bl] = m.map((row) =>
      Math.min(1, Math.max(0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2])),
    );
    const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
    const x = f((0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047);
    const y = f(0.2126 * r + 0.7152 * g + 0.0722 * bl);
    const z = f((0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883);
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
  };
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

describe('the editor in a real browser', function () {
  this.timeout(180_000);
  let nr: NodeRed;
  let server: OAuthServer;
  // An OpenID issuer whose discovery document names the OAuth server's token endpoint.
  let issuer: RawServer;
  let page: Page;
  let pageErrors: string[];
  let snap: ReturnType<typeof numberedShots>;
  const teardown = new Teardown();
  const shot = (name: string) => snap(page, name);

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

  /**
   * The validator's reason Node-RED shows in a popover on hover of an invalid field. A hover
   * that lands while an earlier popover is still settling can be missed: move away and hover
   * again, at most 3 times.
   */
  const reasonOnHover = async (selector: string, text: string) => {
    const tip = page.locator('.red-ui-popover', { hasText: text });
    for (let i = 0; i < 3 && !(await tip.isVisible()); i++) {
      await page.mouse.move(0, 0);
      await page.hover(selector);
      await tip.waitFor({ state: 'visible', timeout: 5000 }).catch(() => undefined);
    }
    await tip.waitFor({ state: 'visible', timeout: 1000 });
    return tip;
  };

  const cancelEdit = async () => {
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-tokenUrl', { state: 'detached' });
  };
  /** Cancels the form of a deployed object: that leaves nothing to deploy. */
  const cancelDeployedEdit = async () => {
    await cancelEdit();
    const dirty = await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      return RED.nodes.dirty();
    });
    expect(dirty, 'the cancelled edit left changes to deploy').to.equal(false);
  };

  before(async () => {
    snap = numberedShots(shots);
    console.log(`      screenshots: ${shots}`);
    server = teardown.closes(await startOAuthServer());
    const notFound = handlers.text(404, 'not found');
    issuer = teardown.closes(await startRawServer(notFound));
    const discovery = handlers.json(200, { issuer: issuer.url, token_endpoint: server.tokenUrl });
    issuer.setHandler((req, res, body, n) =>
      (req.url === '/.well-known/openid-configuration' ? discovery : notFound)(req, res, body, n),
    );
    ({ nr, page, pageErrors } = await startEditor(teardown, { userDir }));
  });
  after(() => teardown.run());
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
    await dropAndEdit(page, 'auth-get-token', { x: 300, y: 200 });
    await addAuthObject(page, 'tokenUrl');
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

  it("shows each object's token in the sidebar: idle while nobody used it, valid until once a message took one", async () => {
    const flows = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const get = flows.find((n) => n.type === 'auth-get-token')!;
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.sidebar.show('auth-objects');
    });
    await page.click('.auth-objects-filter[data-filter="all"]');
    const tokens = page.locator('.auth-objects-list .auth-objects-item .auth-objects-token');
    await page.waitForFunction(
      () => document.querySelectorAll('.auth-objects-list .auth-objects-token').length === 3,
    );
    expect(await tokens.evaluateAll((els) => els.map((e) => e.textContent))).to.deep.equal([
      'token: idle',
      'token: idle',
      'token: idle',
    ]);
    expect(await tokens.first().getAttribute('data-token-state')).to.equal('idle');
    await shot('sidebar-token-idle');

    // An inject node in front of get token; its button sends one message.
    const before = server.requests.length;
    await page.evaluate((getId) => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      // Straight into the flow: the view's import would leave it hanging on the mouse pointer.
      RED.nodes.import([
        {
          id: 'b0000000000000b1',
          type: 'inject',
          z: RED.workspaces.active(),
          x: 120,
          y: 320,
          props: [{ p: 'payload' }],
          payload: '',
          payloadType: 'date',
          repeat: '',
          once: false,
          wires: [[]],
        },
      ]);
      const inject = RED.nodes.filterNodes({ type: 'inject' })[0];
      RED.nodes.addLink({ source: inject, sourcePort: 0, target: RED.nodes.node(getId) });
      RED.nodes.dirty(true);
      RED.view.redraw(true);
    }, get.id as string);
    await deploy();
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('.auth-objects-list .auth-objects-token')).every(
        (e) => e.getAttribute('data-token-state') === 'idle',
      ),
    );
    const deployed = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const inject = deployed.find((n) => n.type === 'inject')!;
    expect(inject.wires).to.deep.equal([[get.id]]);
    const injected = await page.evaluate(async (id) => {
      const res = await fetch(`inject/${id}`, { method: 'POST' });
      return res.status;
    }, inject.id as string);
    expect(injected).to.equal(200);
    // The sidebar reloads by itself when get token's status changes.
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('.auth-objects-list .auth-objects-token')).length ===
          3 &&
        Array.from(document.querySelectorAll('.auth-objects-list .auth-objects-token')).every(
          (e) => e.getAttribute('data-token-state') === 'valid',
        ),
      undefined,
      { timeout: 15_000 },
    );
    const texts = await tokens.evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    for (const text of texts)
      expect(text).to.match(/^token: valid until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d$/);
    expect(server.requests.length - before).to.equal(1);
    const sidebarText = (await page.textContent('.auth-objects-sidebar')) ?? '';
    for (const t of server.issuedAccessTokens) expect(sidebarText).to.not.contain(t);
    await shot('sidebar-token-valid');
  });

  it('asks to type the stored secrets again when the token URL changed, and sends nothing', async () => {
    const flows = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const id = flows.find((n) => n.type === 'auth-object')!.id as string;
    await page.waitForSelector('#node-config-input-tokenUrl', { state: 'detached' });
    await editConfig(page, 'auth-object', id, 'tokenUrl');
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

    await cancelDeployedEdit();
    expect(server.requests.length, 'a token request was sent').to.equal(before);
  });

  it('shows the algorithm, key ID and private key for private_key_jwt, and no secret', async () => {
    const flows = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const id = flows.find((n) => n.type === 'auth-object')!.id as string;
    await editConfig(page, 'auth-object', id, 'tokenUrl');
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

    await cancelDeployedEdit();
  });
  // Two more deployed objects: a long name without any expiry date, and an expired entry
  // for a parameter the user named.
  const LONG_NAME = `An-auth-object-whose-name-has-no-space-to-break-at-${'x'.repeat(60)}`;
  const TYPED_PARAM = `aParameterNameTheUserTyped${'Y'.repeat(50)}`;

  const editObject = async (name: string) => {
    const flows = (await (await fetch(`${nr.url}/flows`)).json()) as Record<string, unknown>[];
    const id = flows.find((n) => n.type === 'auth-object' && n.name === name)!.id as string;
    await editConfig(page, 'auth-object', id, 'tokenUrl');
    // The tray has finished opening: its buttons are there.
    await page.waitForSelector('#node-config-dialog-ok', { state: 'visible' });
  };
  const deploy = async () => {
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      return !RED.nodes.dirty();
    });
  };

  it('shows an auth object without expiry dates as "no dates", in a list that never scrolls sideways', async () => {
    const object = (id: string, name: string, expiries: unknown[]) => ({
      id,
      type: 'auth-object',
      name,
      grantType: 'client_credentials',
      tokenUrl: server.tokenUrl,
      clientAuth: 'none',
      expiries,
      credentials: { clientId: 'browser-test' },
    });
    const objects = [
      object('b0000000000000a1', LONG_NAME, []),
      object('b0000000000000a2', 'Typed parameter object', [
        {
          expiresAt: localDate(-2),
          appliesTo: [TYPED_PARAM, 'clientCertificate'],
          note: TYPED_PARAM,
        },
      ]),
    ];
    await page.evaluate((nodes) => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.view.importNodes(nodes);
    }, objects);
    await deploy();
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.sidebar.show('auth-objects');
    });
    await page.click('.auth-objects-filter[data-filter="all"]');
    const none = page.locator('.auth-objects-item[data-severity="none"]');
    await none.waitFor();
    expect(await none.locator('.auth-objects-name').textContent()).to.equal(LONG_NAME);
    expect(await none.locator('.auth-objects-severity').textContent()).to.equal('no dates');
    expect(
      await none.locator('.auth-objects-severity').evaluate((el) => getComputedStyle(el).color),
      'a grey label',
    ).to.equal('rgb(66, 66, 66)');
    expect(await page.textContent('.auth-objects-sidebar')).to.not.contain('auth-objects-sidebar.');
    // Neither the tab nor its list nor any row is wider than the sidebar.
    const overflowing = await page.$$eval(
      '.auth-objects-sidebar, .auth-objects-scroller, .auth-objects-sidebar .red-ui-sidebar-header, .auth-objects-item, .auth-objects-item *',
      (els) =>
        els
          .filter((e) => e.scrollWidth > e.clientWidth)
          .map((e) => `${e.className}: ${e.scrollWidth} > ${e.clientWidth}`),
    );
    expect(overflowing).to.deep.equal([]);
    await shot('sidebar-no-dates-long-name');
  });

  it('names parameters by their labels and tells severities apart in words and in colours red-green colour blind readers can tell apart', async () => {
    const rows = page.locator('.auth-objects-list .auth-objects-item');
    const seen = await rows.evaluateAll((els) =>
      els.map((e) => ({
        severity: e.getAttribute('data-severity'),
        word: e.querySelector('.auth-objects-severity')?.textContent,
        color: getComputedStyle(e.querySelector('.auth-objects-severity')!).backgroundColor,
        when: e.querySelector('.auth-objects-when')?.textContent ?? '',
      })),
    );
    const bySeverity = Object.fromEntries(seen.map((r) => [r.severity, r]));
    for (const [severity, word] of Object.entries({
      expired: 'expired',
      critical: 'critical',
      warning: 'warning',
      ok: 'ok',
      none: 'no dates',
    })) {
      expect(bySeverity[severity]?.word, severity).to.equal(word);
    }
    // The labels people read, and a name the user typed as typed.
    expect(bySeverity.critical.when).to.contain('Client secret').and.not.contain('clientSecret');
    expect(bySeverity.warning.when).to.contain('Password').and.not.contain('password');
    expect(bySeverity.ok.when).to.contain('Refresh token').and.not.contain('refreshToken');
    expect(bySeverity.expired.when).to.contain(`${TYPED_PARAM}, Client certificate`);
    const severities = ['expired', 'critical', 'warning', 'ok'];
    for (const [name, matrix] of Object.entries(CVD)) {
      for (const [i, a] of severities.entries()) {
        for (const b of severities.slice(i + 1)) {
          const d = cvdDistance(bySeverity[a].color, bySeverity[b].color, matrix);
          expect(d, `${a} and ${b} under ${name}`).to.be.above(20);
        }
      }
    }
    await shot('sidebar-labels-and-colours');
  });

  it('gives the sidebar tab and its menu entry one name', async () => {
    const tab = (await page.textContent('#red-ui-tab-auth-objects'))?.trim();
    const menu = await page.evaluate(
      () => document.querySelector('#menu-item-view-menu-auth-objects')?.textContent?.trim() ?? '',
    );
    expect(tab).to.equal('Auth objects');
    expect(menu).to.equal(tab);
  });

  it("keeps the browser's password manager out of the form: no secret saved or filled in", async () => {
    await editObject('Browser test object');
    // A filled-in token URL or secret would send a stored secret to another server.
    const fields = await page.$$eval('.red-ui-tray input[id^="node-config-input-"]', (els) =>
      (els as HTMLInputElement[])
        .filter((e) => e.type === 'password' || e.type === 'text')
        .map((e) => ({ id: e.id, type: e.type, autocomplete: e.getAttribute('autocomplete') })),
    );
    expect(fields.filter((f) => f.type === 'password').length).to.be.greaterThan(3);
    for (const f of fields) {
      // Node-RED marks every input of the form "off"; browsers ignore that for passwords.
      expect(f.autocomplete, f.id).to.equal(f.type === 'password' ? 'new-password' : 'off');
    }
    await cancelEdit();
  });

  it('hides the test result once any field of the form is edited', async () => {
    await editObject('Browser test object');
    const result = page.locator('#auth-object-test-result');
    // The deployed settings and stored secrets: the test passes.
    await page.click('#auth-object-test-button');
    await page.waitForSelector('#auth-object-test-result[data-result="success"]');
    await page.fill('#node-config-input-scope', 'read write');
    expect(await result.isVisible(), 'result after editing the scope').to.equal(false);
    await shot('test-result-cleared-by-scope');
    await page.fill('#node-config-input-scope', 'read');
    await page.click('#auth-object-test-button');
    await page.waitForSelector('#auth-object-test-result[data-result="success"]');
    // A field on another tab, with no bearing on the token request, counts too.
    await openTab('expiries');
    await page.fill('#node-config-input-notify', 'someone@example.com');
    await openTab('connection');
    expect(await result.isVisible(), 'result after editing Notify').to.equal(false);
    await cancelEdit();
  });

  it('says the server stated no scope, and shows the warning of the answer on its own line', async () => {
    // A server that accepts only public clients and names no scope in its token response.
    const raw = await startRawServer(handlers.text(404, 'not found'));
    try {
      const discovery = handlers.json(200, {
        issuer: raw.url,
        token_endpoint: raw.tokenUrl,
        token_endpoint_auth_methods_supported: ['none'],
      });
      const token = handlers.json(200, {
        access_token: 'raw-token',
        token_type: 'Bearer',
        expires_in: 3600,
      });
      raw.setHandler((req, res, body, n) =>
        (req.url === '/.well-known/openid-configuration' ? discovery : token)(req, res, body, n),
      );
      await editObject('Browser test object');
      await page.selectOption('#node-config-input-grantType', 'client_credentials');
      await page.fill('#node-config-input-tokenUrl', '');
      await page.fill('#node-config-input-issuer', raw.url);
      await page.fill('#node-config-input-scope', 'read');
      await page.fill('#node-config-input-clientSecret', conf.clientSecret);
      await page.locator('#node-config-input-clientSecret').blur();
      // The form must be what the test typed before it is sent: the token URL empty, so the
      // issuer's discovery document names the endpoint.
      const form = () =>
        page.evaluate(() => ({
          tokenUrl: (document.getElementById('node-config-input-tokenUrl') as HTMLInputElement)
            .value,
          issuer: (document.getElementById('node-config-input-issuer') as HTMLInputElement).value,
        }));
      expect(await form()).to.deep.equal({ tokenUrl: '', issuer: raw.url });
      await page.click('#auth-object-test-button');
      await page.waitForSelector('#auth-object-test-result:not([data-result="pending"])');
      const text = (await page.textContent('#auth-object-test-result')) ?? '';
      const seen = `${text} | form ${JSON.stringify(await form())} | raw server saw ${JSON.stringify(
        raw.requests.map((r) => `${r.method} ${r.url}`),
      )}`;
      expect(await page.getAttribute('#auth-object-test-result', 'data-result')).to.equal(
        'success',
        seen,
      );
      expect(text, seen).to.contain('the server did not state a scope (requested: read)');
      expect(text).to.not.contain('scope "read"');
      const warning = page.locator('#auth-object-test-result .auth-object-test-warning');
      expect(await warning.isVisible()).to.equal(true);
      expect(await warning.textContent()).to.match(/^Warning: .*\bnone\b/);
      await shot('test-connection-scope-not-stated-warning');
      await cancelEdit();
    } finally {
      await raw.close();
    }
  });

  it('shows a warning beside a failed test too, and no scope claim without scopeStated', async () => {
    // The display alone, with answers as the runtime gives them.
    const answers = [
      {
        ok: false,
        code: 'invalid_client',
        message: 'Token endpoint refused the request: invalid_client',
        warning: 'the server lists only none among its client authentication methods; try none',
      },
      { ok: true, tokenType: 'Bearer', expiresIn: 60, scope: 'read' },
    ];
    await page.route('**/auth-objects/test', (route) =>
      route.fulfill({ status: 200, json: answers.shift() }),
    );
    try {
      await editObject('Browser test object');
      await page.click('#auth-object-test-button');
      await page.waitForSelector('#auth-object-test-result[data-result="failure"]');
      const lines = page.locator('#auth-object-test-result > div');
      expect(await lines.allTextContents()).to.deep.equal([
        'Failed (invalid_client): Token endpoint refused the request: invalid_client',
        'Warning: the server lists only none among its client authentication methods; try none',
      ]);
      await shot('test-connection-failure-warning');
      // An answer without scopeStated reads as before.
      await page.click('#auth-object-test-button');
      await page.waitForSelector('#auth-object-test-result[data-result="success"]');
      expect(await page.textContent('#auth-object-test-result')).to.contain('scope "read"');
      expect(await page.locator('.auth-object-test-warning').count()).to.equal(0);
      await cancelEdit();
    } finally {
      await page.unroute('**/auth-objects/test');
    }
  });

  it('marks the header of a tab holding an invalid field, and shows why Notify is invalid', async () => {
    await editObject('Browser test object');
    const header = (tab: string) => page.locator(`#red-ui-tab-auth-object-tab-${tab}`);
    const marked = async (tab: string) =>
      (await header(tab).getAttribute('class'))?.includes('auth-object-tab-invalid') === true &&
      (await header(tab).locator('.auth-object-tab-marker').isVisible());
    await openTab('expiries');
    await page.fill('#node-config-input-notify', 'not-an-email');
    await page.locator('#node-config-input-notify').blur();
    expect(await page.getAttribute('#node-config-input-notify', 'class')).to.contain('input-error');
    // Node-RED shows the validator's message.
    await reasonOnHover('#node-config-input-notify', 'Enter e-mail addresses');
    await shot('notify-invalid');
    await page.mouse.move(0, 0);

    await openTab('connection');
    await page.waitForFunction(() =>
      document
        .querySelector('#red-ui-tab-auth-object-tab-expiries')
        ?.classList.contains('auth-object-tab-invalid'),
    );
    expect(await marked('expiries'), 'Expiries').to.equal(true);
    expect(await marked('connection'), 'Connection').to.equal(false);
    expect(await marked('advanced'), 'Advanced').to.equal(false);
    expect(
      await header('expiries').locator('.auth-object-tab-marker').getAttribute('title'),
    ).to.contain('Notify');
    await shot('tab-marked-expiries');

    // An empty token URL, seen from the Advanced tab.
    await page.fill('#node-config-input-tokenUrl', '');
    await page.locator('#node-config-input-tokenUrl').blur();
    await openTab('advanced');
    await page.waitForFunction(() =>
      document
        .querySelector('#red-ui-tab-auth-object-tab-connection')
        ?.classList.contains('auth-object-tab-invalid'),
    );
    expect(await marked('connection'), 'Connection').to.equal(true);
    await shot('tab-marked-connection');

    // Fixed: the marker goes.
    await openTab('expiries');
    await page.fill('#node-config-input-notify', 'owner@example.com');
    await page.locator('#node-config-input-notify').blur();
    await page.waitForFunction(
      () =>
        !document
          .querySelector('#red-ui-tab-auth-object-tab-expiries')
          ?.classList.contains('auth-object-tab-invalid'),
    );
    expect(await header('expiries').locator('.auth-object-tab-marker').count()).to.equal(0);
    await cancelEdit();
  });

  it('marks the schedule 61 9 * * * of an expiry check as invalid, with its reason', async () => {
    await dropAndEdit(page, 'auth-expiry-check', { x: 300, y: 400 });
    await page.waitForSelector('#node-input-schedule', { state: 'visible' });
    await page.fill('#node-input-schedule', '0 9 * * *');
    await page.locator('#node-input-schedule').blur();
    expect((await page.getAttribute('#node-input-schedule', 'class')) ?? '').to.not.contain(
      'input-error',
    );
    await page.fill('#node-input-schedule', '61 9 * * *');
    await page.locator('#node-input-schedule').blur();
    expect(await page.getAttribute('#node-input-schedule', 'class')).to.contain('input-error');
    const tip = await reasonOnHover('#node-input-schedule', 'Not a cron expression');
    expect(await tip.textContent()).to.contain('minute');
    await shot('expiry-check-schedule-invalid');
    await page.mouse.move(0, 0);
    await page.click('#node-dialog-cancel');
  });
});
