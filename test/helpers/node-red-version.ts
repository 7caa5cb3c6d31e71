/**
 * The Node-RED the tests run against: the `node-red` package folder named by
 * NODE_RED_PATH (the version matrix, scripts/matrix.sh), else the devDependency.
 *
 * Mocha loads this module first (.mocharc.json), so every runtime test uses that
 * Node-RED, whichever way it imports node-red-node-test-helper.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import helper from 'node-red-node-test-helper';

const named = process.env.NODE_RED_PATH;

/** Folder of the `node-red` package in use. */
export const nodeRedDir = named
  ? path.resolve(named)
  : path.dirname(require.resolve('node-red/package.json'));

/** `require` as that Node-RED sees it: its own `@node-red/nodes`, `bcryptjs`, … */
export const requireFromNodeRed = createRequire(path.join(nodeRedDir, 'package.json'));

export const nodeRedVersion: string = (requireFromNodeRed('./package.json') as { version: string })
  .version;

if (named) {
  // The helper logs and carries on with the devDependency when init fails: check it took.
  helper.init(requireFromNodeRed.resolve('./'));
  const red = (helper as unknown as { _RED?: { version(): string } })._RED;
  // Node-RED adds "-git" to its version when it finds a .git folder above it.
  const running = red?.version().replace(/-git$/, '');
  if (running !== nodeRedVersion) {
    throw new Error(
      `NODE_RED_PATH=${named}: test helper runs Node-RED ${running}, not ${nodeRedVersion}`,
    );
  }
}
