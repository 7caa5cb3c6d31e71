// Starts a local Node-RED on 127.0.0.1 with this package loaded from the
// working tree. The user folder is .node-red/ in the repository (ignored by git).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const userDir = path.join(root, '.node-red');
const port = Number(process.env.PORT || 1880);
const modules = path.join(userDir, 'node_modules');
const link = path.join(modules, 'node-red-contrib-auth-objects');

fs.mkdirSync(modules, { recursive: true });
if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
const settings = path.join(userDir, 'settings.js');
if (!fs.existsSync(settings)) {
  fs.writeFileSync(
    settings,
    `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: process.env.PORT || 1880,
  flowFile: 'flows.json',
  // Encrypts flows_cred.json; change it for anything but a local try-out.
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || 'local-demo-only',
  editorTheme: { tours: false },
};
`,
  );
}

const child = spawn(
  process.execPath,
  [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', settings],
  { stdio: 'inherit' },
);
console.log(`Node-RED with node-red-contrib-auth-objects: http://127.0.0.1:${port}`);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
