// Compiles nodes/*.ts to dist/ and copies what Node-RED looks for beside each
// node's .js file: the editor .html, locales/ and icons/.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], {
  stdio: 'inherit',
});
for (const file of fs.readdirSync(path.join(root, 'nodes'))) {
  if (file.endsWith('.html')) {
    fs.copyFileSync(path.join(root, 'nodes', file), path.join(dist, file));
  }
}
for (const dir of ['locales', 'icons']) {
  fs.cpSync(path.join(root, dir), path.join(dist, dir), { recursive: true });
}
