/**
 * Example 10, the expiry dashboard, as the people who renew secrets see it: a real
 * Node-RED with the packed package and FlowFuse Dashboard 2.0 (installed at test time,
 * as the palette manager would), the page at /dashboard in Debian's chromium.
 * Screenshots land in test-output/dashboard-shots/.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { deploy, installPacked, startNodeRed, type NodeRed } from '../helpers/node-red-process';
import { installDashboard } from '../helpers/palette';
import { SEVERITY_COLORS } from '../../nodes/core/expiry-report';

const root = path.resolve(__dirname, '../..');
const userDir = path.join(root, `test-output/dashboard-user-${process.pid}`);
const shots = path.join(root, 'test-output/dashboard-shots');
const EXAMPLE = path.join(root, 'examples/10 - Expiry dashboard.json');
const DAY = 86_400_000;

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** `YYYY-MM-DD`, the local date `days` from today: a date-only expiry. */
function localDate(days: number): string {
  const t = new Date();
  const d = new Date(t.getFullYear(), t.getMonth(), t.getDate() + days);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Days left of a date-only expiry `days` ahead, as the check computes it (ceil). */
function daysLeft(days: number): number {
  const t = new Date();
  const at = new Date(t.getFullYear(), t.getMonth(), t.getDate() + days).getTime();
  return Math.ceil((at - Date.now()) / DAY);
}

/** An auth object of its own per expiry, named after how far ahead it expires. */
function object(id: string, days: number): FlowNode {
  return {
    id,
    type: 'auth-object',
    name: `Expires ${days}`,
    grantType: 'client_credentials',
    tokenUrl: 'https://login.example.com/token',
    expiries: [{ expiresAt: localDate(days), appliesTo: ['clientSecret'], note: `note ${days}` }],
    credentials: { clientId: 'client', clientSecret: 'secret' },
  };
}

describe('the expiry dashboard (example 10) in Dashboard 2.0', function () {
  this.timeout(180_000);
  let nr: NodeRed;
  let browser: Browser;
  let page: Page;
  /** A second viewer, in a browser context of its own (another operator's browser). */
  let other: Page;
  /** How much Node-RED had logged before the deploy (its start-up notes). */
  let started = 0;
  const pageErrors: string[] = [];
  const example = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
  const check = example.find((n) => n.type === 'auth-expiry-check')!;

  /**
   * The example on a tab of its own, with four auth objects. Its schedule runs every
   * 2 seconds here (every 5 minutes in the example), so "the next check" comes soon.
   */
  const flows = (last: number): FlowNode[] => [
    { id: 'tab', type: 'tab', label: 'dashboard' },
    object('o1', -2),
    object('o2', 3),
    object('o3', 20),
    object('o4', last),
    ...example.map((n) => ({
      ...n,
      ...(n.z === '' ? { z: 'tab' } : {}),
      ...(n.id === check.id ? { schedule: '*/2 * * * * *' } : {}),
    })),
  ];

  const table = example.find((n) => n.type === 'ui-table')!;
  /** The table messages each viewer received over the socket, newest last. */
  const received = new Map<Page, { at: number; rows: { object: string }[] }[]>();
  let frames = 0;
  /** Records the table messages `p` receives (socket.io frames `42["msg-input:<table>",…]`). */
  const watchTable = (p: Page) => {
    received.set(p, []);
    p.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const text = typeof payload === 'string' ? payload : payload.toString();
        if (!text.startsWith(`42["msg-input:${table.id}"`)) return;
        const [, msg] = JSON.parse(text.slice(2)) as [string, { payload: { object: string }[] }];
        received.get(p)!.push({ at: ++frames, rows: msg.payload });
      }),
    );
  };

  /** The table's rows, each as its cells' text, and the colour of its colour spot. */
  const rows = (p: Page = page) =>
    p.$$eval('.nrdb-ui-table tbody tr', (trs) =>
      trs
        .map((tr) => ({
          cells: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent!.trim()),
          spot: (() => {
            const spot = tr.querySelector('.nrdb-ui-table-cell-color-spot');
            return spot ? getComputedStyle(spot).backgroundColor : '';
          })(),
        }))
        .filter((r) => r.cells.length > 1),
    );

  /** The rows once `want` holds for them; polled, bounded, failing with what was seen. */
  const rowsWhen = async (
    what: string,
    want: (r: Awaited<ReturnType<typeof rows>>) => boolean,
    p: Page = page,
  ) => {
    let seen: Awaited<ReturnType<typeof rows>> = [];
    for (let i = 0; i < 100; i++) {
      seen = await rows(p);
      if (want(seen)) return seen;
      await p.waitForTimeout(200);
    }
    throw new Error(`${what}: the table shows ${JSON.stringify(seen.map((r) => r.cells))}`);
  };
  const objects = (r: Awaited<ReturnType<typeof rows>>) => r.map((x) => x.cells[0]);
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });
  const choose = (label: string, p: Page = page) =>
    p.getByRole('button', { name: label, exact: true }).click();
  /** The flow variable `expiryHorizons` (socket id → filter), as the admin API shows it. */
  const horizons = async (): Promise<Record<string, unknown>> => {
    const res = await fetch(`${nr.url}/context/flow/tab`);
    const ctx = (await res.json()) as { memory?: Record<string, { msg: string }> };
    const v = ctx.memory?.expiryHorizons;
    return v ? (JSON.parse(v.msg) as Record<string, unknown>) : {};
  };
  /** The label of the filter button `p` shows as chosen. */
  const chosen = (p: Page) =>
    p.$$eval('.nrdb-ui-button-group-wrapper .v-btn--active', (bs) =>
      bs.map((b) => b.textContent!.trim()),
    );
  /** The first `count` table messages `p` receives after frame number `after`; polled, bounded. */
  const tables = async (p: Page, after: number, count = 1) => {
    for (let i = 0; i < 150; i++) {
      const next = received.get(p)!.filter((f) => f.at > after);
      if (next.length >= count) return next.slice(0, count);
      await p.waitForTimeout(200);
    }
    throw new Error(`fewer than ${count} table messages arrived`);
  };

  before(async () => {
    fs.rmSync(userDir, { recursive: true, force: true });
    fs.rmSync(shots, { recursive: true, force: true });
    fs.mkdirSync(shots, { recursive: true });
    installPacked(userDir);
    installDashboard(userDir);
    nr = await startNodeRed(userDir, { telemetry: { enabled: false } });
    started = nr.output().length;
    await deploy(nr, flows(90));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    other = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    for (const p of [page, other]) {
      p.on('pageerror', (e) => pageErrors.push(e.message));
      watchTable(p);
    }
  });
  after(async () => {
    await browser?.close();
    await nr?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot(`FAILED-${this.currentTest.title}`);
  });

  it('deploys without errors or warnings next to the package', () => {
    expect(nr.output().slice(started)).to.not.match(/\[error\]|\[warn\]/);
  });

  it('shows every expiry at /dashboard in date order, with days left and the severity as a mark, a word and a colour; counts at the top', async () => {
    const res = await fetch(`${nr.url}/dashboard`);
    expect(res.status).to.equal(200);
    await page.goto(`${nr.url}/dashboard`);
    const shown = await rowsWhen('four rows', (r) => r.length === 4);
    expect(shown.map((r) => r.cells)).to.deep.equal(
      [-2, 3, 20, 90].map((d, i) => [
        `Expires ${d}`,
        'client secret',
        localDate(d),
        String(daysLeft(d)),
        '',
        ['✖ expired', '▲ critical', '● warning', '✓ ok'][i],
        `note ${d}`,
      ]),
    );
    const rgb = (hex: string) =>
      `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    expect(shown.map((r) => r.spot)).to.deep.equal(
      (['expired', 'critical', 'warning', 'ok'] as const).map((s) => rgb(SEVERITY_COLORS[s])),
    );
    const counts = await page.$$eval('.expiry-count', (els) =>
      els.map((e) => [e.getAttribute('data-severity'), e.textContent!.replace(/\s+/g, ' ').trim()]),
    );
    expect(counts).to.deep.equal([
      ['expired', '✖ 1 expired'],
      ['critical', '▲ 1 critical'],
      ['warning', '● 1 warning'],
      ['ok', '✓ 1 ok'],
    ]);
    // The chart of expiries per week is drawn.
    await page.locator('.nrdb-ui-chart canvas, .nrdb-ui-chart svg').first().waitFor();
    await shot('01-all');
  });

  it("filters by horizon for the viewer who chose: 7 days shows the expired and the critical row, Expired only the expired; another viewer's table keeps every row", async () => {
    await other.goto(`${nr.url}/dashboard`);
    await rowsWhen('four rows for the other viewer', (r) => r.length === 4, other);
    const before = frames;
    await choose('7 days');
    const week = await rowsWhen('two rows', (r) => r.length === 2);
    expect(objects(week)).to.deep.equal(['Expires -2', 'Expires 3']);
    await shot('02-seven-days');
    // The next table message the other viewer gets (the next check, at the latest) still
    // has all four rows, and so has its table.
    const [next] = await tables(other, before);
    expect(next.rows.map((r) => r.object)).to.have.length(4);
    expect(await chosen(page)).to.deep.equal(['7 days']);
    expect(await chosen(other)).to.deep.equal(['All']);
    expect(objects(await rows(other))).to.deep.equal([
      'Expires -2',
      'Expires 3',
      'Expires 20',
      'Expires 90',
    ]);
    await choose('Expired');
    expect(objects(await rowsWhen('one row', (r) => r.length === 1))).to.deep.equal(['Expires -2']);
    await choose('30 days');
    expect(objects(await rowsWhen('three rows', (r) => r.length === 3))).to.deep.equal([
      'Expires -2',
      'Expires 3',
      'Expires 20',
    ]);
    await choose('7 days');
    await rowsWhen('two rows again', (r) => r.length === 2);
    // A choice of the other viewer's changes its table only.
    await choose('Expired', other);
    await rowsWhen('one row for the other viewer', (r) => r.length === 1, other);
    await choose('All', other);
    await rowsWhen('four rows for the other viewer again', (r) => r.length === 4, other);
    // …and the first viewer's stays under 7 days, at the checks that came since too.
    expect(objects(await rowsWhen('still two rows', (r) => r.length === 2))).to.deep.equal([
      'Expires -2',
      'Expires 3',
    ]);
  });

  it("after a deploy that moves a date, shows the new date at the next check to every viewer, in date order, each under the viewer's filter", async () => {
    // Only the changed auth object restarts; the expiry check keeps its schedule.
    const res = await fetch(`${nr.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'nodes' },
      body: JSON.stringify(flows(5)),
    });
    expect(res.ok).to.equal(true);
    const moved = await rowsWhen('the moved expiry within 7 days', (r) => r.length === 3);
    expect(moved.map((r) => [r.cells[0], r.cells[3], r.cells[5]])).to.deep.equal([
      ['Expires -2', String(daysLeft(-2)), '✖ expired'],
      ['Expires 3', String(daysLeft(3)), '▲ critical'],
      ['Expires 5', String(daysLeft(5)), '▲ critical'],
    ]);
    expect(moved[2]!.cells[2]).to.equal(localDate(5));
    await shot('03-moved');
    // At each check the filtered viewer gets every row (the message all viewers get) and
    // then its own: in that order, so its table ends under its filter.
    // (The first message may still be the end of the check that just showed.)
    const checks = (await tables(page, frames, 5)).map((f) => f.rows.length);
    expect(checks.slice(checks[0] === 3 ? 1 : 0).slice(0, 4)).to.deep.equal([4, 3, 4, 3]);
    await rowsWhen('three rows after those checks', (r) => r.length === 3);
    const everyRow = await rowsWhen(
      'the moved expiry for the other viewer, under All',
      (r) => objects(r).includes('Expires 5'),
      other,
    );
    expect(objects(everyRow)).to.deep.equal(['Expires -2', 'Expires 3', 'Expires 5', 'Expires 20']);
    // A viewer who opens the page now sees every row.
    const late = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await late.goto(`${nr.url}/dashboard`);
    expect(
      objects(await rowsWhen('four rows for a new viewer', (r) => r.length === 4, late)),
    ).to.deep.equal(['Expires -2', 'Expires 3', 'Expires 5', 'Expires 20']);
    expect(await chosen(late)).to.deep.equal(['All']);
    expect(await chosen(page)).to.deep.equal(['7 days']);
    await late.close();
    // The flow keeps a filter per viewer who chose one and forgets it once the viewer leaves.
    expect(Object.values(await horizons())).to.deep.equal([7, 'all']);
    await other.close();
    for (let i = 0; i < 100 && Object.keys(await horizons()).length !== 1; i++) {
      await page.waitForTimeout(200);
    }
    expect(Object.values(await horizons())).to.deep.equal([7]);
    await choose('All');
    expect(objects(await rowsWhen('four rows', (r) => r.length === 4))).to.deep.equal([
      'Expires -2',
      'Expires 3',
      'Expires 5',
      'Expires 20',
    ]);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
    // Viewers coming, choosing and going left no error in Node-RED's log.
    expect(nr.output().slice(started)).to.not.match(/\[error\]|\[warn\]/);
  });
});
