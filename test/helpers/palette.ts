/**
 * Node-RED nodes the package does not depend on, installed for a test's Node-RED user
 * folder as the palette manager would (scripts/palette.js), cached in test-output/cache/.
 */
import path from 'node:path';
import { installedSync, linkInto, PACKAGES, type PackageKey } from '../../scripts/palette';

export const cacheDir = path.resolve(__dirname, '../../test-output/cache');

/** Installs package `key` once into the cache and links it into `userDir`'s node_modules. */
export function installNode(userDir: string, key: PackageKey): void {
  linkInto(userDir, PACKAGES[key].name, installedSync(cacheDir, key));
}

/** FlowFuse Dashboard 2.0 (`@flowfuse/node-red-dashboard`) for `userDir`'s Node-RED. */
export function installDashboard(userDir: string): void {
  installNode(userDir, 'dashboard');
}
