/**
 * An editor in a language the package ships no messages for. Node-RED's own texts come in
 * that language; ours must fall back to en-US: palette labels, the config node's form, the
 * help and the sidebar tab, with no message key shown instead of a text.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { dropNode, startEditor } from '../helpers/browser';
import { Teardown } from '../helpers/teardown';

const root = path.resolve(__dirname, '../..');
const userDir = path.join(root, `test-output/browser-lang-user-${process.pid}`);
const shots = path.join(root, 'test-output/browser-shots');

for (const [locale, deploy] of [
  ['de-DE', 'Übernahme'],
  ['fr-FR', 'Déployer'],
] as const) {
  describe(`the editor in ${locale}`, function () {
    this.timeout(180_000);
    let page: Page;
    let pageErrors: string[];
    const teardown = new Teardown();

    before(async () => {
      fs.mkdirSync(shots, { recursive: true });
      ({ page, pageErrors } = await startEditor(teardown, { userDir, locale }));
    });
    after(() => teardown.run());
    afterEach(async function () {
      if (this.currentTest?.state === 'failed') {
        await page.screenshot({ path: path.join(shots, `FAILED-lang-${locale}.png`) });
      }
      expect(pageErrors, 'errors in the page').to.deep.equal([]);
    });

    it(`shows Node-RED's own texts in ${locale}`, async () => {
      expect(await page.textContent('#red-ui-header-button-deploy')).to.contain(deploy);
    });

    it('shows our palette labels in English', async () => {
      const labels = await page.$$eval(
        '.red-ui-palette-node[data-palette-type^="auth-"] .red-ui-palette-label',
        (els) => els.map((e) => e.textContent?.replace(/\s+/g, ' ').trim()),
      );
      expect(labels).to.have.members(['get token', 'expiry check']);
    });

    it('shows the sidebar tab and the auth object form in English', async () => {
      const tabs = await page.$$eval('#red-ui-sidebar .red-ui-tab', (els) =>
        els.map((e) => e.textContent?.trim() ?? ''),
      );
      expect(tabs.join('|')).to.contain('Auth objects');

      // A get token node on the workspace, then the form for a new auth object.
      await dropNode(page, 'auth-get-token', { x: 300, y: 200 });
      // What the + (or pencil) next to "Auth object" does, without a click that can land
      // while the tray still slides in.
      await page.evaluate(() => {
        const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
        const node = RED.nodes.filterNodes({ type: 'auth-get-token' })[0];
        RED.editor.edit(node);
        RED.editor.editConfig('auth', 'auth-object', '_ADD_', 'node-input', node);
      });
      await page.waitForSelector('#node-config-input-tokenUrl', { state: 'visible' });
      const tray = await page.textContent('.red-ui-tray:last-of-type');
      expect(tray).to.contain('Token URL');
      expect(tray, 'an untranslated message key').to.not.match(/auth-object\.(label|tip)\./);
      await page.screenshot({ path: path.join(shots, `lang-${locale}-auth-object.png`) });
    });

    it('shows the help of our nodes in English', async () => {
      const help = await page.evaluate(
        () => document.querySelector('script[data-help-name="auth-get-token"]')?.textContent,
      );
      expect(help).to.be.a('string');
      expect(help as string).to.contain('msg.token');
    });
  });
}
