// Compiles the runtime (nodes/**/*.ts but the editor) to dist/, bundles each editor
// (nodes/editor/<name>.ts with the core rules it imports) into dist/<name>.html after
// its template, and copies what Node-RED looks for beside each .js: locales/ and icons/.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const editor = path.join(root, 'nodes', 'editor');

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], {
  stdio: 'inherit',
});
for (const file of fs.readdirSync(editor)) {
  if (!file.endsWith('.html')) continue;
  const name = file.slice(0, -'.html'.length);
  const template = fs.readFileSync(path.join(editor, file), 'utf8').trimEnd();
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [path.join(editor, `${name}.ts`)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // The browsers Node-RED 3.1 supports.
    target: ['es2019'],
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'error',
  });
  // A "</script>" in the code would end the element early.
  const code = outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
  fs.writeFileSync(
    path.join(dist, file),
    `${template}\n\n<script type="text/javascript">\n${code}</script>\n`,
  );
}
for (const dir of ['locales', 'icons']) {
  fs.cpSync(path.join(root, dir), path.join(dist, dir), { recursive: true });
}
