/**
 * The sign-in store: encrypted entries in one file of the user directory, keyed by
 * Node-RED's credential secret (or a key file of its own), written atomically.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  KEY_FILE,
  STORE_FILE,
  SignInStore,
  fingerprint,
  type SignInRecord,
} from '../../nodes/signin-store';
import { leaks } from '../helpers/secret-forms';

const RT = 'refresh-Token-8d1f0c2b7e';
const rec = (extra: Partial<SignInRecord> = {}): SignInRecord => ({
  fp: 'fp-1',
  refreshToken: RT,
  at: '2026-11-30T10:00:00.000Z',
  who: 'ann@example.com',
  ...extra,
});

describe('sign-in store', () => {
  let dir: string;
  const warnings: string[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-store-'));
    warnings.length = 0;
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = (secret: string | false | undefined) =>
    new SignInStore({ userDir: dir, secret: () => secret, warn: (w) => warnings.push(w) });
  const file = () => fs.readFileSync(path.join(dir, STORE_FILE), 'utf8');

  it('keeps entries across instances, encrypted with a key from the credential secret', async () => {
    const a = store('node-red-secret');
    a.set('obj1', rec());
    await a.flush();
    expect(store('node-red-secret').get('obj1')).to.deep.equal(rec());
    expect(leaks(file(), [RT, 'ann@example.com'])).to.deep.equal([]);
    expect(fs.existsSync(path.join(dir, KEY_FILE))).to.equal(false);
    expect(JSON.parse(file()).entries.obj1.k).to.equal('secret');
  });

  it('drops an entry another credential secret cannot read: sign in again', async () => {
    const a = store('secret-one');
    a.set('obj1', rec());
    await a.flush();
    const b = store('secret-two');
    expect(b.get('obj1')).to.equal(undefined);
    await b.flush();
    expect(JSON.parse(file()).entries).to.deep.equal({});
  });

  it('uses a key file of its own, mode 0600, when credential encryption is off', async () => {
    const a = store(false);
    a.set('obj1', rec());
    await a.flush();
    const key = path.join(dir, KEY_FILE);
    expect(fs.statSync(key).mode & 0o777).to.equal(0o600);
    expect(fs.statSync(path.join(dir, STORE_FILE)).mode & 0o777).to.equal(0o600);
    expect(JSON.parse(file()).entries.obj1.k).to.equal('file');
    expect(store(false).get('obj1')?.refreshToken).to.equal(RT);
    // A secret set later does not lose it: the entry says which key it used.
    expect(store('new-secret').get('obj1')?.refreshToken).to.equal(RT);
    fs.writeFileSync(key, Buffer.alloc(32, 7).toString('base64'));
    expect(store(false).get('obj1')).to.equal(undefined);
  });

  it('binds each entry to its object: an entry copied to another id does not decrypt', async () => {
    const a = store('s');
    a.set('obj1', rec());
    await a.flush();
    const doc = JSON.parse(file());
    doc.entries.obj2 = doc.entries.obj1;
    fs.writeFileSync(path.join(dir, STORE_FILE), JSON.stringify(doc));
    const b = store('s');
    expect(b.get('obj2')).to.equal(undefined);
    expect(b.get('obj1')?.refreshToken).to.equal(RT);
  });

  it('survives a damaged file with a warning, and replaces it on the next write', async () => {
    fs.writeFileSync(path.join(dir, STORE_FILE), '{not json');
    const a = store('s');
    expect(a.get('obj1')).to.equal(undefined);
    expect(warnings).to.deep.equal(['read']);
    a.set('obj1', rec());
    await a.flush();
    expect(store('s').get('obj1')?.refreshToken).to.equal(RT);
  });

  it('writes through a temporary file renamed over the old one, the last write winning', async () => {
    const a = store('s');
    for (let i = 0; i < 20; i++) a.set('obj1', rec({ refreshToken: `rt-${i}` }));
    a.delete('nothing');
    await a.flush();
    expect(store('s').get('obj1')?.refreshToken).to.equal('rt-19');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    a.delete('obj1');
    await a.flush();
    expect(store('s').get('obj1')).to.equal(undefined);
  });

  it('keeps sign-ins in memory only without a user directory', () => {
    const a = new SignInStore({ secret: () => undefined });
    a.set('obj1', rec());
    expect(a.get('obj1')?.refreshToken).to.equal(RT);
    expect(a.path).to.equal(undefined);
  });

  it('fingerprints token endpoint, client, grant and a pasted token', () => {
    const base = {
      grantType: 'authorization_code',
      tokenUrl: 'https://a/t',
      issuer: '',
      clientId: 'c',
    };
    const fp = fingerprint(base);
    expect(fingerprint({ ...base })).to.equal(fp);
    for (const change of [
      { grantType: 'device_code' },
      { tokenUrl: 'https://b/t' },
      { issuer: 'https://a' },
      { clientId: 'd' },
      { refreshTokenUrl: 'https://elsewhere/t' },
      { pasted: 'rt' },
    ]) {
      expect(fingerprint({ ...base, ...change }), JSON.stringify(change)).to.not.equal(fp);
    }
    expect(fingerprint({ ...base, pasted: 'secret-rt' })).to.not.contain('secret-rt');
  });
});
