/**
 * The tarball users get. `npm pack` must hold exactly what runs, and a Node-RED started
 * from a fresh user folder with only that tarball installed (by npm, as the palette
 * manager installs it) must offer every node, the sidebar plugin, their icons, help,
 * messages and examples.
 *
 * That Node-RED is the one NODE_RED_PATH names (scripts/matrix.sh), else the
 * devDependency. Its user folder is outside the repository, so nothing resolves from our
 * node_modules; `node-red-node-email` is not installed (it is not a dependency); and the
 * runtime language is German, which the package ships no messages for.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRoute, errorRoute } from '../helpers/flows';
import { deploy, startNodeRed, type NodeRed } from '../helpers/node-red-process';
import { nodeRedVersion } from '../helpers/node-red-version';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  'node-red': { nodes: Record<string, string>; plugins: Record<string, string> };
};
const MODULE = pkg.name;
const TYPES = ['auth-object', 'auth-get-token', 'auth-expiry-check'];
const PLUGIN = `${MODULE}/auth-objects-sidebar`;
const catchCopiesCode = Number(nodeRedVersion.split('.')[0]) >= 4;

/** Every file below `dir`, relative to it, with `/` separators. */
function filesIn(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'));
}

/** What the tarball must hold, derived from the sources: what `scripts/build.js` makes of them. */
function expectedFiles(): string[] {
  const nodes = path.join(root, 'nodes');
  return [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    // The runtime compiles file by file; each editor is bundled into its node's .html.
    ...filesIn(nodes)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('editor/'))
      .map((f) => `dist/${f.replace(/\.ts$/, '.js')}`),
    ...fs
      .readdirSync(path.join(nodes, 'editor'))
      .filter((f) => f.endsWith('.html'))
      .map((f) => `dist/${f}`),
    ...filesIn(path.join(root, 'locales')).map((f) => `dist/locales/${f}`),
    ...filesIn(path.join(root, 'icons')).map((f) => `dist/icons/${f}`),
    ...filesIn(path.join(root, 'examples')).map((f) => `examples/${f}`),
  ].sort();
}

/**
 * Runs the user's npm as they would. Not the one `npm test` puts first on PATH from
 * node_modules/.bin (Node-RED brings an older npm, whose `pack` runs `prepare` despite
 * --ignore-scripts), and without the npm_* variables that name this repository as the project.
 */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')),
  );
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((p) => !/node_modules[\\/]\.bin$/.test(p))
    .join(path.delimiter);
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 180_000 });
}

async function getJson<T>(nr: NodeRed, route: string): Promise<T> {
  const res = await fetch(`${nr.url}${route}`, { headers: { accept: 'application/json' } });
  expect(res.status, route).to.equal(200);
  return (await res.json()) as T;
}

async function getText(nr: NodeRed, route: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${nr.url}${route}`, { headers: { accept: 'text/html', ...headers } });
  expect(res.status, route).to.equal(200);
  return res.text();
}

/**
 * Log lines since `from` at [error] level, or at [warn] level about this package or its
 * nodes. (Node-RED itself warns at every start that projects are off and, in a new user
 * folder, that there are no credentials yet.)
 */
function problems(nr: NodeRed, from = 0): string[] {
  return nr
    .output()
    .slice(from)
    .split('\n')
    .filter((l) => /\[error\]/.test(l) || (/\[warn\]/.test(l) && /auth-/.test(l)));
}

/** Deploys start asynchronously: an http in route appears a moment later. */
async function whenRouted(nr: NodeRed, route: string): Promise<Response> {
  for (let i = 0; i < 50; i++) {
    // A flow that never answers fails the test instead of holding it for minutes.
    const res = await fetch(`${nr.url}${route}`, { signal: AbortSignal.timeout(15_000) });
    if (res.status !== 404) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${route} stayed 404:\n${nr.output()}`);
}

describe(`the npm tarball installed into Node-RED ${nodeRedVersion}`, function () {
  this.timeout(240_000);
  let tmp: string;
  let userDir: string;
  let packed: string[];
  let nr: NodeRed;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-objects-tarball-'));
    // The working tree as `npm test` built it; `prepare` would rebuild dist/ under other tests.
    const [info] = JSON.parse(
      npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root),
    ) as { filename: string }[];
    const tarball = path.join(tmp, path.basename(info!.filename));
    packed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''))
      .sort();

    userDir = path.join(tmp, 'user');
    fs.mkdirSync(userDir);
    // What Node-RED writes into a new user folder, then the palette manager's npm install.
    fs.writeFileSync(
      path.join(userDir, 'package.json'),
      JSON.stringify({ name: 'node-red-project', version: '0.0.1', private: true }),
    );
    npm(
      [
        'install',
        '--no-audit',
        '--no-update-notifier',
        '--no-fund',
        '--save',
        '--save-prefix=~',
        '--omit=dev',
        '--engine-strict',
        '--prefer-offline',
        '--loglevel=error',
        tarball,
      ],
      userDir,
    );
    nr = await startNodeRed(userDir, { lang: 'de' });
  });
  after(async () => {
    await nr?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('packs the built nodes, editor files, locales, icons, examples and docs, and nothing else', () => {
    expect(packed).to.deep.equal(expectedFiles());
    for (const js of [
      ...Object.values(pkg['node-red'].nodes),
      ...Object.values(pkg['node-red'].plugins),
    ]) {
      expect(packed).to.include.members([js, js.replace(/\.js$/, '.html')]);
    }
    expect(
      packed.filter((f) =>
        /\.(ts|map)$|^(test|nodes|scripts|bench|docs)\/|node_modules|\.node-red/.test(f),
      ),
    ).to.deep.equal([]);
  });

  it('installs with npm from the tarball and the registry alone, without the e-mail node', () => {
    const modules = path.join(userDir, 'node_modules');
    const installed = JSON.parse(
      fs.readFileSync(path.join(modules, MODULE, 'package.json'), 'utf8'),
    ) as { version: string };
    expect(installed.version).to.equal(pkg.version);
    for (const dep of Object.keys(pkg.dependencies)) {
      expect(fs.existsSync(path.join(modules, dep, 'package.json')), dep).to.equal(true);
    }
    expect(fs.existsSync(path.join(modules, 'node-red-node-email'))).to.equal(false);
  });

  it('starts that Node-RED with the package loaded, logging no error or warning', async () => {
    const settings = await getJson<{ version: string }>(nr, '/settings');
    expect(settings.version.replace(/-git$/, '')).to.equal(nodeRedVersion);
    expect(nr.output()).to.contain(MODULE);
    expect(problems(nr)).to.deep.equal([]);
  });

  it('registers the three node types, enabled, without the e-mail node or Dashboard 2.0', async () => {
    const sets = await getJson<
      { module: string; types: string[]; enabled: boolean; err?: string }[]
    >(nr, '/nodes');
    const ours = sets.filter((s) => s.module === MODULE);
    expect(ours.flatMap((s) => s.types)).to.have.members(TYPES);
    for (const s of ours) {
      expect(s.enabled, s.types.join()).to.equal(true);
      expect(s.err, s.types.join()).to.equal(undefined);
    }
    expect(sets.filter((s) => s.module === 'node-red-node-email')).to.have.length(0);
    // The dashboard example needs Dashboard 2.0; the package itself does not.
    expect(sets.filter((s) => s.module === '@flowfuse/node-red-dashboard')).to.have.length(0);
  });

  it('registers the sidebar plugin with its editor code', async () => {
    const plugins = await getJson<{ id: string; module: string; enabled: boolean; err?: string }[]>(
      nr,
      '/plugins',
    );
    const sidebar = plugins.filter((p) => p.id === PLUGIN);
    expect(sidebar, JSON.stringify(plugins)).to.have.length(1);
    expect(sidebar[0]).to.include({ module: MODULE, enabled: true });
    expect(sidebar[0]!.err).to.equal(undefined);
    const html = await getText(nr, '/plugins');
    expect(html).to.contain('registerPlugin');
    expect(html).to.contain('auth-objects-sidebar');
  });

  it('serves every node icon', async () => {
    const icons = await getJson<Record<string, string[]>>(nr, '/icons');
    expect(icons[MODULE]).to.have.members(TYPES.map((t) => `${t}.svg`));
    for (const t of TYPES) {
      const svg = await getText(nr, `/icons/${MODULE}/${t}.svg`);
      expect(svg, t).to.contain('<svg');
    }
  });

  for (const lang of ['en-US', 'de']) {
    it(`serves the editor forms and help of every node to an editor in ${lang}`, async () => {
      const html = await getText(nr, '/nodes', { 'accept-language': lang });
      for (const t of TYPES) {
        expect(html, t).to.contain(`data-template-name="${t}"`);
        expect(html, t).to.contain(`data-help-name="${t}"`);
      }
      // English help, not an empty block: the get token help names its output.
      const help = html.slice(html.indexOf('data-help-name="auth-get-token"'));
      expect(help).to.contain('msg.token');
    });
  }

  it('answers an editor in a language we do not ship, which then shows the en-US text', async () => {
    // The editor asks for its language and for its fallback, en-US, and i18next takes each
    // text from the first that has it. For de and fr the catalogs of our namespaces must
    // be there (no error, nothing half-translated) and empty; en-US must be complete.
    const english = {
      nodes: JSON.stringify(await getJson<unknown>(nr, '/nodes/messages?lng=en-US')),
      plugins: JSON.stringify(await getJson<unknown>(nr, '/plugins/messages?lng=en-US')),
    };
    expect(english.nodes).to.contain('"tokenUrl":"Token URL"');
    expect(english.nodes).to.contain('"paletteLabel":"get token"');
    expect(english.nodes).to.contain('"paletteLabel":"expiry check"');
    // The sidebar's name as the package's catalogue has it, whatever its wording.
    const sidebar = JSON.parse(
      fs.readFileSync(path.join(root, 'locales/en-US/auth-sidebar.json'), 'utf8'),
    ) as { 'auth-objects-sidebar': { name: string } };
    expect(english.plugins).to.contain(
      JSON.stringify({ name: sidebar['auth-objects-sidebar'].name }).slice(1, -1),
    );
    for (const [route, namespaces] of [
      ['/nodes/messages?lng=de', TYPES.map((t) => `${MODULE}/${t}`)],
      ['/plugins/messages?lng=fr', [PLUGIN]],
      ['/nodes/messages?lng=fr', TYPES.map((t) => `${MODULE}/${t}`)],
      ['/plugins/messages?lng=de', [PLUGIN]],
    ] as const) {
      const catalogs = await getJson<Record<string, unknown>>(nr, route);
      const ours = Object.keys(catalogs).filter((ns) => ns.startsWith(`${MODULE}/`));
      expect(ours, route).to.have.members([...namespaces]);
      for (const ns of ours) expect(catalogs[ns], `${route} ${ns}`).to.deep.equal({});
    }
  });

  it('offers the example flows in Import → Examples', async () => {
    const modules = await getJson<string[]>(nr, '/library/examples/flows/');
    expect(modules).to.include(MODULE);
    const listed = await getJson<{ fn: string }[]>(
      nr,
      `/library/examples/flows/${encodeURIComponent(MODULE)}`,
    );
    const files = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.json'));
    expect(listed.map((e) => e.fn)).to.have.members(files.map((f) => f.replace(/\.json$/, '')));
    const used = new Set<string>();
    for (const { fn } of listed) {
      const flow = await getJson<{ type: string }[]>(
        nr,
        `/library/examples/flows/${encodeURIComponent(MODULE)}/${encodeURIComponent(fn)}`,
      );
      expect(flow, fn).to.be.an('array');
      expect(flow.length, fn).to.be.greaterThan(0);
      for (const n of flow) used.add(n.type);
    }
    expect([...used]).to.include.members(TYPES);
  });

  it('runs an expiry check without the e-mail node, in English, with no error or warning', async () => {
    const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
    const from = nr.output().length;
    await deploy(nr, [
      { id: 'tab', type: 'tab', label: 'expiry' },
      {
        id: 'obj',
        type: 'auth-object',
        name: 'Partner API',
        grantType: 'client_credentials',
        tokenUrl: 'https://login.example.com/token',
        notify: 'owner@example.com',
        expiries: [
          { expiresAt: inDays(3), appliesTo: ['clientSecret'], note: 'rotate in the portal' },
          { expiresAt: inDays(200), appliesTo: ['clientCertificate'] },
        ],
        credentials: { clientId: 'id', clientSecret: 'secret' },
      },
      ...checkRoute({
        z: 'tab',
        route: '/check',
        reminders: 'mail',
        check: { authObjects: ['obj'] },
      }),
      // Where the e-mail node would be: a debug node writing each reminder to the log.
      {
        id: 'mail',
        type: 'debug',
        z: 'tab',
        active: true,
        tosidebar: false,
        console: true,
        complete: 'true',
        x: 500,
        y: 100,
        wires: [],
      },
    ]);
    const res = await whenRouted(nr, '/check');
    const summary = (await res.json()) as { severity: string }[];
    expect(summary.map((i) => i.severity)).to.deep.equal(['critical', 'ok']);
    // The reminder is sent before the summary, so it is in the log by now.
    const log = nr.output().slice(from);
    expect(log).to.contain('[critical] Partner API: client secret expires in 3 days');
    expect(log).to.contain(
      `'The client secret of the authentication object "Partner API" expires on`,
    );
    expect(log).to.contain('owner@example.com');
    expect(log, 'an untranslated message').to.not.match(/auth-expiry-check\.|__\w+__/);
    expect(problems(nr, from)).to.deep.equal([]);
  });

  it(`gives a Catch node the error ${catchCopiesCode ? 'with' : 'without'} msg.error.code on Node-RED ${nodeRedVersion}`, async () => {
    await deploy(nr, [
      { id: 'tab', type: 'tab', label: 'errors' },
      {
        id: 'bad',
        type: 'auth-object',
        name: 'bad URL',
        grantType: 'client_credentials',
        tokenUrl: 'not a url',
        credentials: { clientId: 'id', clientSecret: 'secret' },
      },
      ...errorRoute({ z: 'tab', route: '/token', auth: 'bad', prefix: 'e', y: 100 }),
    ]);
    const error = (await (await whenRouted(nr, '/token')).json()) as {
      code?: string;
      message: string;
      source: { type: string };
    };
    expect(error.source.type).to.equal('auth-get-token');
    expect(error.message).to.contain('tokenUrl');
    // Node-RED 4.0 started copying err.code; 3.x Catch nodes see message, source and stack only.
    expect(error.code).to.equal(catchCopiesCode ? 'CONFIG_INVALID' : undefined);
  });
});
