/**
 * Mail for end-to-end tests: Node-RED's e-mail node installed the way the palette
 * manager would (it is not a dependency of the package), and a real SMTP server
 * on 127.0.0.1 whose mails are parsed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const cache = path.resolve(__dirname, '../../test-output/cache/email');

/** Path of node-red-node-email 5, installed once into a cache folder. */
export function emailNodePackage(): string {
  const dir = path.join(cache, 'node_modules', 'node-red-node-email');
  if (!fs.existsSync(path.join(dir, 'package.json'))) {
    fs.mkdirSync(cache, { recursive: true });
    fs.writeFileSync(path.join(cache, 'package.json'), '{"private":true}\n');
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', 'node-red-node-email@5'],
      { cwd: cache, stdio: 'inherit' },
    );
  }
  return dir;
}

/** Links the e-mail node into a Node-RED user folder. */
export function installEmailNode(userDir: string): void {
  const link = path.join(userDir, 'node_modules', 'node-red-node-email');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(emailNodePackage(), link, 'dir');
}

/**
 * An `e-mail` node on tab `tab` sending to this machine's SMTP server without login,
 * its To field empty so `msg.to` decides the recipients.
 */
export function emailNode(port: number, tab = 'tab'): Record<string, unknown> {
  return {
    id: 'mail',
    type: 'e-mail',
    z: tab,
    server: '127.0.0.1',
    port: String(port),
    secure: false,
    tls: false,
    authtype: 'NONE',
    name: '',
    credentials: { userid: 'node-red@example.com', password: '' },
    x: 500,
    y: 100,
    wires: [],
  };
}

export interface MailServer {
  port: number;
  mails: ParsedMail[];
  /** Resolves once at least `n` mails arrived; fails after 20 s, naming what came. */
  received(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startMailServer(): Promise<MailServer> {
  const mails: ParsedMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          for (const w of waiters.splice(0)) w();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    port,
    mails,
    received: async (n) => {
      const deadline = Date.now() + 20_000;
      while (mails.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) {
          const subjects = mails.map((m) => m.subject).join(' | ');
          throw new Error(`expected ${n} mails, got ${mails.length}: ${subjects}`);
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
