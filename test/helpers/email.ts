/**
 * Mail for end-to-end tests: Node-RED's e-mail node installed the way the palette
 * manager would (it is not a dependency of the package), and a real SMTP server
 * on 127.0.0.1 whose mails are parsed.
 */
import type net from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { cacheDir, installNode } from './palette';
import { installedSync } from '../../scripts/palette';

/**
 * Path of hoodiecrow-imap 2, a scriptable IMAP server for client tests with an XOAUTH2
 * plugin, installed once into a cache folder (a test-time tool, not a dependency).
 */
export function hoodiecrowPackage(): string {
  return installedSync(cacheDir, 'hoodiecrow');
}

/** Links the e-mail node into a Node-RED user folder. */
export function installEmailNode(userDir: string): void {
  installNode(userDir, 'email');
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
  /** each mail as it came over the wire, headers and body, in order of arrival */
  raw: string[];
  /** every XOAUTH2 login: the user, the token and whether it was accepted */
  logins: { user: string; token: string; ok: boolean }[];
  /** Resolves once at least `n` mails arrived; fails after 20 s, naming what came. */
  received(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1 that takes every mail without login, or, with `xoauth2`,
 * only after an XOAUTH2 login (RFC 7628 style, as Gmail and Microsoft 365 do it) whose
 * access token `xoauth2(user, token)` accepts.
 */
export async function startMailServer(
  opts: { xoauth2?: (user: string, token: string) => boolean } = {},
): Promise<MailServer> {
  const mails: ParsedMail[] = [];
  const raw: string[] = [];
  const logins: MailServer['logins'] = [];
  const waiters: (() => void)[] = [];
  const check = opts.xoauth2;
  const server = new SMTPServer({
    ...(check
      ? {
          authMethods: ['XOAUTH2'],
          authOptional: false,
          allowInsecureAuth: true,
          disabledCommands: ['STARTTLS'],
          onAuth(auth, _session, callback) {
            const user = auth.username ?? '';
            const token = auth.accessToken ?? '';
            const ok = auth.method === 'XOAUTH2' && check(user, token);
            logins.push({ user, token, ok });
            if (ok) callback(null, { user });
            else callback(null, { data: { status: '401', schemes: 'bearer' } });
          },
        }
      : { authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] }),
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => raw.push(Buffer.concat(chunks).toString('utf8')));
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
    raw,
    logins,
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
