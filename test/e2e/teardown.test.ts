/**
 * The e2e and browser suites' shared setup (test/helpers/teardown.ts, `startPacked`): what a
 * setup started is closed even when the setup fails half way.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { startPacked } from '../helpers/node-red-process';
import { Teardown } from '../helpers/teardown';

const userDir = path.resolve(__dirname, `../../test-output/e2e-teardown-${process.pid}`);

/** This process's children that Node-RED named `node-red` (its process title; Linux /proc). */
function nodeRedChildren(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return (
          ppid === process.pid &&
          fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('node-red')
        );
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

describe('the shared setup of the end-to-end suites', function () {
  this.timeout(120_000);
  const teardown = new Teardown();
  // Whatever a failed assertion leaves running.
  after(() => teardown.run());

  it('runs every teardown step, last added first, even after one fails, and then reports it', async () => {
    const steps = new Teardown();
    const ran: string[] = [];
    steps.add(() => ran.push('first'));
    steps.closes({ close: () => ran.push('closed') });
    steps.add(() => {
      throw new Error('browser gone');
    });
    steps.add(async () => ran.push('last'));
    const err = await steps.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ran).to.deep.equal(['last', 'closed', 'first']);
    expect((err as Error).message).to.equal('browser gone');
    // Steps run once: a second run has nothing left to do.
    await steps.run();
    expect(ran).to.have.length(3);
  });

  it('stops Node-RED and removes its user folder when the setup fails after the start', async () => {
    const earlier = nodeRedChildren();
    // Nobody may deploy: the deploy after the start is refused (401), so the setup throws
    // with Node-RED running.
    const failed = await startPacked(teardown, {
      userDir,
      users: { reader: 'read' },
      flows: [],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failed as Error).message).to.match(/deploy failed: 401/);
    expect(nodeRedChildren(), 'Node-RED running before the teardown').to.have.length(
      earlier.length + 1,
    );
    await teardown.run();
    expect(nodeRedChildren(), 'Node-RED still running').to.deep.equal(earlier);
    expect(fs.existsSync(userDir), 'user folder left').to.equal(false);
  });
});
