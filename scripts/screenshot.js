// Takes the README's pictures of the demo: docs/demo-flow.png (the editor) and
// docs/expiry-dashboard.png (the expiry dashboard, example 10, at /dashboard).
// Starts the demo (scripts/start.js) in a temporary user folder on free ports,
// runs the example flows, and photographs them with Debian's chromium
// (apt-get install chromium) driven by playwright-core.
//   node scripts/build.js && node scripts/screenshot.js [out.png]
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const root = path.resolve(__dirname, '..');
const out = path.resolve(process.argv[2] || path.join(root, 'docs', 'demo-flow.png'));
const dashboardOut = path.join(path.dirname(out), 'expiry-dashboard.png');
const browserPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-objects-shot-'));
  const ports = {
    PORT: await freePort(),
    DEMO_AUTH_PORT: await freePort(),
    DEMO_SMTP_PORT: await freePort(),
    DEMO_MAIL_PORT: await freePort(),
  };
  const env = { ...process.env, NODE_RED_USER_DIR: userDir };
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  const demo = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let log = '';
  demo.stdout.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => demo.once('exit', resolve));
  let browser;
  try {
    for (let i = 0; i < 600 && !log.includes('Ctrl-C'); i++) {
      if (demo.exitCode !== null) throw new Error(`the demo stopped:\n${log}`);
      await sleep(200);
    }
    if (!log.includes('Ctrl-C')) throw new Error(`the demo did not start:\n${log}`);
    const editor = `http://127.0.0.1:${ports.PORT}`;

    browser = await chromium.launch({
      executablePath: browserPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.goto(editor);
    await page.locator('.red-ui-flow-node-group').first().waitFor();
    await page.evaluate("RED.sidebar.show('debug')");
    // Run the two token flows while the editor listens, so the debug sidebar shows answers.
    for (const id of ['a1e0c0de00000102', 'a1e0c0de00000202']) {
      const res = await fetch(`${editor}/inject/${id}`, { method: 'POST' });
      if (!res.ok) throw new Error(`inject ${id}: HTTP ${res.status}`);
      await sleep(500);
    }
    await page.locator('.red-ui-debug-msg').nth(1).waitFor();
    // The expiry check runs 5 s after deploy; wait for its status.
    await page
      .getByText(/critical/)
      .first()
      .waitFor({ timeout: 20_000 });
    await page.getByText('sending').waitFor({ state: 'detached', timeout: 20_000 });
    await page.mouse.click(5, 890); // nothing selected
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    console.log(`wrote ${path.relative(process.cwd(), out)}`);

    // The dashboard as the people who renew secrets see it, after its check on deploy.
    const dashboard = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await dashboard.goto(`${editor}/dashboard`);
    await dashboard.locator('.nrdb-ui-table tbody tr td').nth(1).waitFor();
    await dashboard.locator('.nrdb-ui-chart canvas').first().waitFor();
    await sleep(1000); // the chart's bars grow in
    await dashboard.screenshot({ path: dashboardOut });
    console.log(`wrote ${path.relative(process.cwd(), dashboardOut)}`);
  } finally {
    if (browser) await browser.close();
    demo.kill('SIGINT');
    await exited;
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
