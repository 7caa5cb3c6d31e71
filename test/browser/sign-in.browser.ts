/**
 * Signing in from the auth object's form, in Debian's chromium against a real Node-RED
 * with the packed package and a real OpenID provider (oidc-provider, as the demo runs it:
 * PKCE required, device flow, rotating refresh tokens) with its development sign-in and
 * consent pages, which the test fills in the pop-up. Then a flow's messages carry the
 * signed-in person's tokens to an API that checks them with the provider.
 */
import { expect } from 'chai';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  addAuthObject,
  dropAndEdit,
  editConfig,
  numberedShots,
  startEditor,
} from '../helpers/browser';
import { fetchRouted, type NodeRed } from '../helpers/node-red-process';
import { Teardown } from '../helpers/teardown';

// The demo's authorization server: an OAuth server, its API, and the OpenID provider.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startAuthServer, DEMO } = require('../../scripts/demo/auth-server') as {
  startAuthServer(o: { port: number; tokenLifetime: number; nodeRedPorts: number[] }): Promise<{
    url: string;
    apiUrl: string;
    signIn: {
      issuer: string;
      clientId: string;
      authorizeUrl: string;
      tokenUrl: string;
      deviceAuthorizationUrl: string;
      devicePage: string;
    };
    close(): Promise<void>;
  }>;
  DEMO: { user: { username: string } };
};
type AuthServer = Awaited<ReturnType<typeof startAuthServer>>;

const root = path.resolve(__dirname, '../..');
const userDir = path.join(root, `test-output/browser-signin-${process.pid}`);
const shots = path.join(root, 'test-output/browser-shots-signin');
const TAB = 'c0de00000000a001';
const CODE_OBJECT = 'c0de00000000a0c1';
const DEVICE_OBJECT = 'c0de00000000a0d1';
const USER = DEMO.user.username;

describe('signing in from the auth object editor', function () {
  this.timeout(180_000);
  let nr: NodeRed;
  let auth: AuthServer;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  let snap: ReturnType<typeof numberedShots>;
  const teardown = new Teardown();
  const shot = (name: string, p: Page = page) => snap(p, name);

  /** An auth object of a sign-in grant, with a flow calling the API through it at GET /<route>. */
  const delegated = (id: string, grantType: string, route: string, n: number) => {
    const ids = (s: string) => `${id.slice(0, -2)}${n}${s}`;
    return [
      {
        id,
        type: 'auth-object',
        name: `${grantType} object`,
        grantType,
        tokenUrl: auth.signIn.tokenUrl,
        authorizeUrl: grantType === 'authorization_code' ? auth.signIn.authorizeUrl : '',
        deviceAuthorizationUrl:
          grantType === 'device_code' ? auth.signIn.deviceAuthorizationUrl : '',
        scope: 'openid offline_access read',
        clientAuth: 'none',
        credentials: { clientId: auth.signIn.clientId },
      },
      {
        id: ids('1'),
        type: 'http in',
        z: TAB,
        url: `/${route}`,
        method: 'get',
        x: 100,
        y: 100 * n,
        wires: [[ids('2')]],
      },
      {
        id: ids('2'),
        type: 'auth-get-token',
        z: TAB,
        auth: id,
        property: 'token',
        setHeader: true,
        x: 300,
        y: 100 * n,
        wires: [[ids('3')]],
      },
      {
        id: ids('3'),
        type: 'http request',
        z: TAB,
        method: 'GET',
        ret: 'obj',
        url: auth.apiUrl,
        x: 500,
        y: 100 * n,
        wires: [[ids('4')]],
      },
      { id: ids('4'), type: 'http response', z: TAB, x: 700, y: 100 * n, wires: [] },
      // A token error answers with its code.
      {
        id: ids('5'),
        type: 'catch',
        z: TAB,
        scope: [ids('2')],
        x: 100,
        y: 100 * n + 40,
        wires: [[ids('6')]],
      },
      {
        id: ids('6'),
        type: 'change',
        z: TAB,
        rules: [
          { t: 'set', p: 'payload', pt: 'msg', to: 'error.code', tot: 'msg' },
          { t: 'set', p: 'statusCode', pt: 'msg', to: '500', tot: 'num' },
        ],
        x: 300,
        y: 100 * n + 40,
        wires: [[ids('4')]],
      },
    ];
  };

  /** What GET /<route> answers: the API's JSON, or the token error's code. */
  const call = async (route: string) => {
    const res = await fetchRouted(nr, `/${route}`);
    const text = await res.text();
    return { status: res.status, text };
  };

  /** Opens a deployed auth object's form. */
  const openObject = async (id: string) => {
    await editConfig(page, 'auth-object', id, 'grantType');
  };
  const cancelEdit = async () => {
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-grantType', { state: 'detached' });
  };
  const resultState = () => page.getAttribute('#auth-object-signin-result', 'data-state');

  before(async () => {
    snap = numberedShots(shots);
    // Access tokens live 20 s: a used one is renewed with the refresh token after 10 s.
    // (Shorter lifetimes race the provider's whole-second expiry against the object's
    // margin of a tenth of the lifetime.)
    auth = teardown.closes(await startAuthServer({ port: 0, tokenLifetime: 20, nodeRedPorts: [] }));
    const flows = [
      { id: TAB, type: 'tab', label: 'sign-in' },
      ...delegated(CODE_OBJECT, 'authorization_code', 'code', 1),
      ...delegated(DEVICE_OBJECT, 'device_code', 'device', 2),
    ];
    ({ nr, browser, page, pageErrors } = await startEditor(teardown, { userDir, flows }));
  });
  after(() => teardown.run());
  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await shot(`FAILED-${this.currentTest.title.slice(0, 40)}`);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
  });

  it('fails every message with SIGN_IN_REQUIRED before anyone signed in', async () => {
    for (const route of ['code', 'device']) {
      const r = await call(route);
      expect(r, route).to.deep.equal({ status: 500, text: 'SIGN_IN_REQUIRED' });
    }
  });

  it('shows the fields of each sign-in grant, the redirect URI to register, Sign in, and a Test connection that checks the endpoints only', async () => {
    await openObject(CODE_OBJECT);
    const visible = (sel: string) => page.isVisible(sel);
    expect(await visible('#node-config-input-authorizeUrl')).to.equal(true);
    expect(await visible('#node-config-input-deviceAuthorizationUrl')).to.equal(false);
    expect(await visible('#node-config-input-refreshToken')).to.equal(false);
    expect(await visible('#auth-object-signin-button')).to.equal(true);
    expect(await visible('#auth-object-device-button')).to.equal(false);
    expect(await page.inputValue('#auth-object-redirect-uri')).to.equal(
      `${nr.url}/auth-objects/callback`,
    );
    // Test connection checks the endpoints only: no sign-in, no token request.
    const requests = (await (await fetch(`${auth.url}/demo/stats`)).json()) as {
      tokenRequests: unknown[];
    };
    await page.click('#auth-object-test-button');
    await page.waitForSelector('#auth-object-test-result[data-result="success"]');
    expect(await page.textContent('#auth-object-test-result')).to.contain(auth.signIn.authorizeUrl);
    const after = (await (await fetch(`${auth.url}/demo/stats`)).json()) as {
      tokenRequests: unknown[];
    };
    expect(after.tokenRequests).to.have.length(requests.tokenRequests.length);
    await shot('authorization-code-form');
    await page.selectOption('#node-config-input-grantType', 'device_code');
    expect(await visible('#node-config-input-authorizeUrl')).to.equal(false);
    expect(await visible('#node-config-input-deviceAuthorizationUrl')).to.equal(true);
    expect(await visible('#auth-object-redirect-uri')).to.equal(false);
    expect(await visible('#auth-object-device-button')).to.equal(true);
    await page.selectOption('#node-config-input-grantType', 'refresh_token');
    expect(await visible('#node-config-input-refreshToken')).to.equal(true);
    expect(await visible('#auth-object-signin-button')).to.equal(false);
    expect(await visible('#auth-object-device-button')).to.equal(false);
    expect(await visible('#auth-object-test-button')).to.equal(true);
    // A pasted refresh token is a required credential of that grant.
    expect(await page.getAttribute('#node-config-input-refreshToken', 'class')).to.contain(
      'input-error',
    );
    await cancelEdit();
  });

  it('says "deploy first" on a new auth object, and opens no sign-in window', async () => {
    let popups = 0;
    const count = () => popups++;
    page.on('popup', count);
    await dropAndEdit(page, 'auth-get-token', { x: 300, y: 400 });
    await addAuthObject(page, 'grantType');
    await page.selectOption('#node-config-input-grantType', 'authorization_code');
    await page.click('#auth-object-signin-button');
    await page.waitForSelector('#auth-object-signin-deploy', { state: 'visible' });
    expect(await resultState()).to.equal('deploy-first');
    await page.selectOption('#node-config-input-grantType', 'device_code');
    await page.click('#auth-object-device-button');
    expect(await resultState()).to.equal('deploy-first');
    expect(await page.isVisible('#auth-object-device-user-code')).to.equal(false);
    page.off('popup', count);
    expect(popups, 'no sign-in window opened').to.equal(0);
    await shot('new-object-deploy-first');
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-grantType', { state: 'detached' });
    await page.click('#node-dialog-cancel');
    // Leave nothing to deploy: the dropped get token node goes again.
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      for (const n of RED.nodes.filterNodes({ type: 'auth-get-token' })) {
        if (n.changed) RED.nodes.remove(n.id);
      }
      RED.nodes.dirty(false);
      RED.view.redraw(true);
    });
  });

  it('says "deploy first" while the form differs from the deployed object, and sends nothing', async () => {
    await openObject(CODE_OBJECT);
    await page.fill('#node-config-input-scope', 'openid offline_access read write');
    let popups = 0;
    const count = () => popups++;
    page.on('popup', count);
    await page.click('#auth-object-signin-button');
    await page.waitForSelector('#auth-object-signin-deploy', { state: 'visible' });
    expect(await resultState()).to.equal('deploy-first');
    await shot('deploy-first');
    // Back as deployed: the warning goes.
    await page.fill('#node-config-input-scope', 'openid offline_access read');
    await page.waitForSelector('#auth-object-signin-deploy', { state: 'hidden' });
    page.off('popup', count);
    expect(popups, 'no sign-in window opened').to.equal(0);
    await cancelEdit();
  });

  it('signs in with the authorization code in a pop-up (login and consent pages), then messages carry the person’s tokens, renewed with the refresh token', async () => {
    await openObject(CODE_OBJECT);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.click('#auth-object-signin-button'),
    ]);
    // The provider's development sign-in page, then its consent page.
    await popup.waitForSelector('input[name="login"]', { timeout: 30_000 });
    await shot('provider-login', popup);
    await popup.fill('input[name="login"]', USER);
    await popup.fill('input[name="password"]', 'any password');
    await popup.click('button[type="submit"]');
    await popup.waitForSelector('input[name="prompt"][value="consent"]', {
      state: 'attached',
      timeout: 30_000,
    });
    await shot('provider-consent', popup);
    await popup.click('button[type="submit"]');
    // The callback page tells this form, which asks who signed in.
    await page.waitForSelector('#auth-object-signin-result[data-state="signed-in"]', {
      timeout: 30_000,
    });
    expect(await page.textContent('#auth-object-signin-result')).to.contain(USER);
    await shot('signed-in');
    await cancelEdit();

    const first = await call('code');
    expect(first.status, first.text).to.equal(200);
    expect(JSON.parse(first.text)).to.include({ user: USER, client: auth.signIn.clientId });
    // The token was used: the object renews it in the background with the refresh token,
    // which the provider rotates. Asked for until it has (bounded: 100 × 200 ms after 10 s).
    const refreshes = async () => {
      const s = (await (await fetch(`${auth.url}/demo/stats`)).json()) as {
        tokenRequests: { grantType: string; clientId: string; status: number }[];
      };
      return s.tokenRequests.filter(
        (r) => r.grantType === 'refresh_token' && r.clientId === auth.signIn.clientId,
      );
    };
    await new Promise((r) => setTimeout(r, 10_000));
    for (let i = 0; i < 100 && (await refreshes()).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await refreshes()).map((r) => r.status)).to.deep.equal([200]);
    const second = await call('code');
    expect(second.status, second.text).to.equal(200);
    expect(JSON.parse(second.text)).to.include({ user: USER });
  });

  it('shows the sign-in state when the form of a signed-in object opens', async () => {
    await openObject(CODE_OBJECT);
    await page.waitForSelector('#auth-object-signin-result[data-state="signed-in"]');
    expect(await page.textContent('#auth-object-signin-result')).to.contain(USER);
    await cancelEdit();
  });

  it('signs in with a code: shows the code and the page, and the outcome once the person confirmed it elsewhere', async () => {
    await openObject(DEVICE_OBJECT);
    await page.click('#auth-object-device-button');
    await page.waitForSelector('#auth-object-device-user-code', { state: 'visible' });
    const code = (await page.textContent('#auth-object-device-user-code'))!.trim();
    expect(code).to.match(/^[A-Z]{4}-[A-Z]{4}$/);
    const link = (await page.getAttribute('#auth-object-device-link', 'href'))!;
    expect(link.startsWith(auth.signIn.devicePage)).to.equal(true);
    expect(await page.textContent('#auth-object-device-link')).to.equal(auth.signIn.devicePage);
    await shot('device-code');

    // Another device: the provider's page, the code, sign-in and consent.
    const phone = await browser.newPage();
    try {
      await phone.goto(auth.signIn.devicePage);
      await phone.fill('input[name="user_code"]', code);
      await phone.click('button[type="submit"]');
      await phone.click('button[autofocus]'); // "Continue" on the confirmation page
      await phone.waitForSelector('input[name="login"]');
      await phone.fill('input[name="login"]', USER);
      await phone.fill('input[name="password"]', 'any password');
      await phone.click('button[type="submit"]');
      await phone.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
      await phone.click('button[type="submit"]');
      await phone.waitForLoadState();
      await shot('device-page-done', phone);
    } finally {
      await phone.close();
    }
    await page.waitForSelector('#auth-object-signin-result[data-state="signed-in"]', {
      timeout: 30_000,
    });
    expect(await page.textContent('#auth-object-signin-result')).to.contain(USER);
    expect(await page.isVisible('#auth-object-device-user-code')).to.equal(false);
    await shot('device-signed-in');
    await cancelEdit();

    const r = await call('device');
    expect(r.status, r.text).to.equal(200);
    expect(JSON.parse(r.text)).to.include({ user: USER });
  });

  it('shows a device code refused at the provider as refused', async () => {
    await openObject(DEVICE_OBJECT);
    await page.click('#auth-object-device-button');
    await page.waitForSelector('#auth-object-device-user-code', { state: 'visible' });
    const code = (await page.textContent('#auth-object-device-user-code'))!.trim();
    const phone = await browser.newPage();
    try {
      await phone.goto(auth.signIn.devicePage);
      await phone.fill('input[name="user_code"]', code);
      await phone.click('button[type="submit"]');
      await phone.click('button[name="abort"]');
      await phone.waitForLoadState();
    } finally {
      await phone.close();
    }
    await page.waitForSelector('#auth-object-signin-result[data-state="denied"]', {
      timeout: 30_000,
    });
    await shot('device-denied');
    await cancelEdit();
  });

  it('shows who signed in each object in the Auth objects sidebar', async () => {
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.sidebar.show('auth-objects');
    });
    await page.click('.auth-objects-filter[data-filter="all"]');
    const line = page.locator(
      `.auth-objects-item[data-object="${CODE_OBJECT}"] .auth-objects-signin`,
    );
    await line.waitFor({ state: 'visible' });
    expect(await line.getAttribute('data-signin-state')).to.equal('signed-in');
    expect(await line.textContent()).to.contain(USER);
    await shot('sidebar');
  });

  it('says so when the sign-in window is closed before the sign-in finished', async () => {
    await openObject(CODE_OBJECT);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.click('#auth-object-signin-button'),
    ]);
    // The provider remembers the earlier sign-in: its consent page, or its sign-in page.
    await popup.waitForURL(/\/oidc\/interaction\//);
    await popup.close();
    // Noticed at the next polls of the state (every 2 s, a few after the close).
    await page.waitForSelector('#auth-object-signin-result[data-state="closed"]', {
      timeout: 30_000,
    });
    await cancelEdit();
  });

  it('shows a sign-in cancelled at the provider as refused', async () => {
    await openObject(CODE_OBJECT);
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.click('#auth-object-signin-button'),
    ]);
    await popup.waitForURL(/\/oidc\/interaction\//);
    // The provider sends the browser back with error=access_denied; the callback page says so.
    await popup.click('text=[ Cancel ]');
    await page.waitForSelector('#auth-object-signin-result[data-state="denied"]', {
      timeout: 30_000,
    });
    await shot('cancelled-at-provider');
    await cancelEdit();
  });
});
