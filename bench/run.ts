/**
 * `npm run bench`: the token path and the expiry check measured in a real Node-RED
 * runtime against a real OAuth 2.0 server on 127.0.0.1. Prints a table, one JSON line
 * per figure and a summary line. See bench/README.md.
 *
 *   npm run bench                      every scenario
 *   npm run bench -- cached burst      only those
 *   npm run bench -- --strict          exit 1 when a target is missed
 *
 * Exit code: 0 when every scenario ran, whether or not each target was met (the summary
 * line says so); 1 when a scenario broke, the bench overran its time limit, or a target
 * was missed under --strict.
 */
import { startOAuthServer, type OAuthServer } from '../test/fixtures/oauth-server';
import { print, type Figure } from './report';
import { startRuntime, type Runtime } from './runtime';
import { SCENARIOS } from './scenarios';

/** The whole run stops by itself well inside five minutes. */
const TIME_LIMIT_MS = 280_000;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const strict = args.includes('--strict');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length) {
    process.stderr.write(
      `unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}\n`,
    );
    return 2;
  }
  const selected = names.length ? names : Object.keys(SCENARIOS);
  const figures: Figure[] = [];
  const errors: string[] = [];

  const watchdog = setTimeout(() => {
    print(figures, [...errors, `did not finish within ${TIME_LIMIT_MS / 1000} s`]);
    process.exit(1);
  }, TIME_LIMIT_MS);
  watchdog.unref();

  let server: OAuthServer | undefined;
  let runtime: Runtime | undefined;
  try {
    server = await startOAuthServer();
    runtime = await startRuntime();
    for (const name of selected) {
      const t0 = Date.now();
      process.stderr.write(`${name}...`);
      try {
        figures.push(...(await SCENARIOS[name]!({ server, runtime })));
      } catch (err) {
        errors.push(`${name}: ${(err as Error).message}`);
      }
      process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  } catch (err) {
    errors.push((err as Error).message);
  } finally {
    await runtime?.stop().catch(() => {});
    await server?.close();
  }
  const pass = print(figures, errors);
  if (errors.length) return 1;
  return strict && !pass ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
