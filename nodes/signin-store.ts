/**
 * Where a delegated object's sign-in lives between restarts: one file in Node-RED's user
 * directory, `.auth-objects-signins.json`, one entry per auth object id. Node-RED saves
 * credentials only on deploy, while a refresh token changes on every rotation, so it
 * cannot live in the flow's credentials.
 *
 * Each entry is AES-256-GCM encrypted (the object id is its additional data, so entries
 * cannot be swapped) with a key derived by HKDF-SHA256 from the secret Node-RED encrypts
 * credentials with: `credentialSecret` from the settings, else the `_credentialSecret`
 * Node-RED generated and keeps in `.config.runtime.json`. When credential encryption is
 * off (`credentialSecret: false`) or no secret exists yet, a key file of our own,
 * `.auth-objects-signins.key` (mode 0600), is used. Each entry records which key it
 * used; one that no longer decrypts (the secret changed) is dropped: sign in again.
 * Writes are atomic and synchronous: a temporary file (mode 0600) renamed over the old one.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const STORE_FILE = '.auth-objects-signins.json';
export const KEY_FILE = '.auth-objects-signins.key';

/** What one object's sign-in holds (decrypted). */
export interface SignInRecord {
  /** {@link fingerprint} of what the sign-in is good for. */
  fp: string;
  /** Absent after the server refused it (`refused`), until the next sign-in. */
  refreshToken?: string;
  refused?: boolean;
  /** ISO time of the sign-in. */
  at: string;
  /** Who signed in (from the ID token), when known. */
  who?: string;
  /** Epoch ms the refresh token expires, when the server said. */
  refreshExpiresAt?: number;
  /** ISO time the server refused the refresh token. */
  refusedAt?: string;
}

interface Sealed {
  v: 1;
  /** Which key: derived from Node-RED's credential secret, or our key file. */
  k: 'secret' | 'file';
  iv: string;
  tag: string;
  data: string;
}

/**
 * What a sign-in is good for: the token endpoint (typed, or the issuer, and a typed refresh
 * URL: where the refresh token goes), the client ID and the grant; for a pasted refresh token also a hash of it, so pasting a new one wins
 * over the stored rotation of the old one. A deploy that changes any drops the sign-in.
 */
export function fingerprint(parts: {
  grantType: string;
  tokenUrl: string;
  issuer: string;
  clientId: string;
  /** Where refreshes go when not to the token URL: the refresh token's destination too. */
  refreshTokenUrl?: string;
  pasted?: string;
}): string {
  const pasted = parts.pasted ? createHash('sha256').update(parts.pasted).digest('hex') : '';
  return createHash('sha256')
    .update(
      JSON.stringify([
        parts.grantType,
        parts.tokenUrl,
        parts.issuer,
        parts.clientId,
        parts.refreshTokenUrl ?? '',
        pasted,
      ]),
    )
    .digest('hex');
}

const SALT = Buffer.from('node-red-contrib-auth-objects sign-in store');

export interface StoreOptions {
  /** Node-RED's user directory; without one, sign-ins last until the runtime stops. */
  userDir?: string;
  /** Node-RED's credential secret: a text, `false` when encryption is off, else undefined. */
  secret: () => string | false | undefined;
  /** Reports a failure to read or write the file (never with its content). */
  warn?: (message: string) => void;
}

export class SignInStore {
  private readonly file: string | undefined;
  private readonly keyFile: string | undefined;
  private sealed: Record<string, Sealed> = {};
  private loaded = false;
  private fileKey: Buffer | undefined;

  constructor(private readonly opts: StoreOptions) {
    this.file = opts.userDir ? path.join(opts.userDir, STORE_FILE) : undefined;
    this.keyFile = opts.userDir ? path.join(opts.userDir, KEY_FILE) : undefined;
  }

  /** The file the entries are kept in, when there is a user directory. */
  get path(): string | undefined {
    return this.file;
  }

  /** The object's sign-in, or undefined (none, or it no longer decrypts). */
  get(id: string): SignInRecord | undefined {
    this.load();
    const e = this.sealed[id];
    if (!e) return undefined;
    try {
      const key = this.key(e.k, false);
      if (!key) throw new Error('no key');
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(e.iv, 'base64'));
      d.setAAD(aad(id));
      d.setAuthTag(Buffer.from(e.tag, 'base64'));
      const text = Buffer.concat([d.update(Buffer.from(e.data, 'base64')), d.final()]);
      const rec = JSON.parse(text.toString('utf8')) as SignInRecord;
      return rec && typeof rec.fp === 'string' ? rec : undefined;
    } catch {
      // Another secret (or a damaged entry): this sign-in is gone; sign in again.
      delete this.sealed[id];
      this.save();
      return undefined;
    }
  }

  /** Replaces the object's sign-in; the file is written at once (atomically). */
  set(id: string, rec: SignInRecord): void {
    this.load();
    const secret = this.opts.secret();
    const k: Sealed['k'] = typeof secret === 'string' && secret ? 'secret' : 'file';
    const key = this.key(k, true)!;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(aad(id));
    const data = Buffer.concat([c.update(JSON.stringify(rec), 'utf8'), c.final()]);
    this.sealed[id] = {
      v: 1,
      k,
      iv: iv.toString('base64'),
      tag: c.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    this.save();
  }

  delete(id: string): void {
    this.load();
    if (!(id in this.sealed)) return;
    delete this.sealed[id];
    this.save();
  }

  /** Writes are synchronous: kept for callers that wait for them. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.file) return;
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT') this.warn('read');
      return;
    }
    try {
      const v: unknown = JSON.parse(text);
      const entries = (v as { entries?: unknown })?.entries;
      if (!entries || typeof entries !== 'object' || Array.isArray(entries)) throw new Error();
      for (const [id, e] of Object.entries(entries as Record<string, unknown>)) {
        const s = e as Partial<Sealed>;
        if (
          s &&
          s.v === 1 &&
          (s.k === 'secret' || s.k === 'file') &&
          typeof s.iv === 'string' &&
          typeof s.tag === 'string' &&
          typeof s.data === 'string'
        ) {
          this.sealed[id] = s as Sealed;
        }
      }
    } catch {
      this.warn('read');
    }
  }

  private key(k: Sealed['k'], create: boolean): Buffer | undefined {
    if (k === 'secret') {
      const secret = this.opts.secret();
      if (typeof secret !== 'string' || !secret) return undefined;
      return Buffer.from(hkdfSync('sha256', secret, SALT, 'entries v1', 32));
    }
    if (!this.fileKey) {
      const raw = this.readKeyFile(create);
      if (!raw) return undefined;
      this.fileKey = Buffer.from(hkdfSync('sha256', raw, SALT, 'key file v1', 32));
    }
    return this.fileKey;
  }

  /** The key file's 32 random bytes; created (mode 0600, never overwritten) when asked to. */
  private readKeyFile(create: boolean): Buffer | undefined {
    if (!this.keyFile) {
      // No user directory: a key for this process only, like the entries.
      return create ? randomBytes(32) : undefined;
    }
    try {
      const b = Buffer.from(fs.readFileSync(this.keyFile, 'utf8').trim(), 'base64');
      if (b.length === 32) return b;
    } catch {
      // none yet
    }
    if (!create) return undefined;
    const b = randomBytes(32);
    try {
      fs.writeFileSync(this.keyFile, b.toString('base64'), { mode: 0o600, flag: 'wx' });
      return b;
    } catch {
      // Another process wrote it first: use that one.
      try {
        const other = Buffer.from(fs.readFileSync(this.keyFile, 'utf8').trim(), 'base64');
        if (other.length === 32) return other;
      } catch {
        // fall through
      }
      this.warn('key');
      return b;
    }
  }

  /**
   * Synchronous on purpose: the file is small, writes are rare (a sign-in, a rotation),
   * and a rotated refresh token must be on disk before anything else happens, a
   * shutdown included; an asynchronous write could be lost and leave a token the server
   * already replaced.
   */
  private save(): void {
    const file = this.file;
    if (!file) return;
    const text = `${JSON.stringify({ version: 1, entries: this.sealed }, null, 1)}\n`;
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      fs.writeFileSync(tmp, text, { mode: 0o600 });
      fs.renameSync(tmp, file);
    } catch {
      this.warn('write');
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // nothing more to do
      }
    }
  }

  private warn(what: 'read' | 'write' | 'key'): void {
    this.opts.warn?.(what);
  }
}

const aad = (id: string) => Buffer.from(`auth-objects sign-in ${id}`);
