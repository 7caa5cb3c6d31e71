/** Debian's chromium for editor tests, with the flags this machine's closed network needs. */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPacked, type PackedNodeRed, type PackedOptions } from './node-red-process';
import type { Teardown } from './teardown';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Drags a node type from the palette onto the workspace at `at`. */
export async function dropNode(page: Page, type: string, at: { x: number; y: number }) {
  await page.dragAndDrop(
    `.red-ui-palette-node[data-palette-type="${type}"]`,
    '#red-ui-workspace-chart',
    {
      targetPosition: at,
    },
  );
}

/**
 * Waits until the top edit tray has taken the focus. Node-RED focuses the first field of a
 * tray 150 ms after it starts to slide in (later on a busy machine), after the form is
 * visible: a fill before that can send its Delete or its text to that first field, leaving
 * the intended field as it was. Bounded: a tray whose form was built after that moment takes
 * no focus, and then nothing can steal it.
 */
export async function trayOpened(page: Page): Promise<void> {
  await page
    .waitForFunction(
      () => {
        const trays = document.querySelectorAll('#red-ui-editor-stack .red-ui-tray');
        const body = trays[trays.length - 1]?.querySelector('.red-ui-tray-body');
        return !!body && body.contains(document.activeElement);
      },
      undefined,
      { timeout: 5000 },
    )
    .catch(() => undefined);
}

/** Opens a deployed config node's form and waits until it is ready to type into. */
export async function editConfig(page: Page, type: string, id: string, field: string) {
  await page.evaluate(
    ([t, objectId]) => {
      const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
      RED.editor.editConfig('', t, objectId, '');
    },
    [type, id] as const,
  );
  await page.waitForSelector(`#node-config-input-${field}`, { state: 'visible' });
  await trayOpened(page);
}

/** Drops a node of `type` and opens its edit tray, without a double click. */
export async function dropAndEdit(page: Page, type: string, at: { x: number; y: number }) {
  await dropNode(page, type, at);
  await page.evaluate((t) => {
    const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
    RED.editor.edit(RED.nodes.filterNodes({ type: t })[0]);
  }, type);
  await trayOpened(page);
}

/**
 * Presses "add new auth object" (Node-RED 4: a + button; 3.x: the pencil) in an open get
 * token form until `field` of the new object's form shows. A click while the tray is still
 * sliding in can be lost: try again, a bounded few times.
 */
export async function addAuthObject(page: Page, field: string): Promise<void> {
  const addConfig = '#node-input-btn-auth-add, #node-input-lookup-auth';
  await page.waitForSelector(addConfig);
  for (let attempt = 1; ; attempt++) {
    await page.click(addConfig);
    try {
      await page.waitForSelector(`#node-config-input-${field}`, {
        state: 'visible',
        timeout: 5000,
      });
      await trayOpened(page);
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

export interface Editor {
  nr: PackedNodeRed;
  browser: Browser;
  /** One page for the whole suite: its tests build on what the ones before them did. */
  page: Page;
  /** Uncaught errors in the page so far. */
  pageErrors: string[];
}

/**
 * Node-RED with the packed package (telemetry off), chromium, and a page on the editor,
 * loaded once our palette shows; all closed at teardown.
 */
export async function startEditor(
  teardown: Teardown,
  o: PackedOptions & { locale?: string },
): Promise<Editor> {
  const nr = await startPacked(teardown, {
    ...o,
    settings: { telemetry: { enabled: false }, ...o.settings },
  });
  const browser = await launchChromium();
  teardown.add(() => browser.close());
  const page = await browser.newPage({
    viewport: { width: 1400, height: 1000 },
    ...(o.locale ? { locale: o.locale } : {}),
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(nr.url);
  await page.waitForSelector('.red-ui-palette-node[data-palette-type="auth-get-token"]');
  return { nr, browser, page, pageErrors };
}

/** Numbered screenshots, `01-name.png` on, in `dir`, which is emptied first. */
export function numberedShots(dir: string): (page: Page, name: string) => Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let step = 0;
  return async (page, name) => {
    step++;
    await page.screenshot({ path: path.join(dir, `${String(step).padStart(2, '0')}-${name}.png`) });
  };
}
