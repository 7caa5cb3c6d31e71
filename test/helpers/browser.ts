/** Debian's chromium for editor tests, with the flags this machine's closed network needs. */
import { chromium, type Browser, type Page } from 'playwright-core';

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

/** Drops a node of `type` and opens its edit tray, without a double click. */
export async function dropAndEdit(page: Page, type: string, at: { x: number; y: number }) {
  await dropNode(page, type, at);
  await page.evaluate((t) => {
    const RED = (window as unknown as { RED: any }).RED; // eslint-disable-line @typescript-eslint/no-explicit-any
    RED.editor.edit(RED.nodes.filterNodes({ type: t })[0]);
  }, type);
}
