import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { validateSettings } from '../../nodes/core/config';
import { ConfigError } from '../../nodes/core/errors';
import { pemText } from '../../nodes/core/rules';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const body = pem.split('\n')[1]!;

const jwtBearer = (key: string) =>
  validateSettings(
    {
      grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      tokenUrl: 'https://oauth2.googleapis.com/token',
    },
    { clientId: 'svc@project.iam.gserviceaccount.com', privateKey: key },
  );

function refusal(key: string): ConfigError {
  try {
    jwtBearer(key);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('the key was taken');
}

describe('a private key in the forms users paste it', () => {
  it('takes a key whose line breaks are written \\n, as an environment variable or the JSON key holds it', () => {
    const escaped = pem.replace(/\n/g, '\\n');
    expect(escaped).not.to.contain('\n');
    expect(jwtBearer(escaped).assertion?.key.asymmetricKeyType).to.equal('rsa');
    expect(jwtBearer(pem.replace(/\n/g, '\\r\\n')).assertion?.key.asymmetricKeyType).to.equal(
      'rsa',
    );
  });

  it('takes the value copied with its JSON quotes', () => {
    expect(jwtBearer(JSON.stringify(pem)).assertion?.key.asymmetricKeyType).to.equal('rsa');
  });

  it('takes a PKCS#1 "BEGIN RSA PRIVATE KEY" key and one with CR LF line ends', () => {
    const pkcs1 = privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
    expect(jwtBearer(pkcs1).assertion?.key.asymmetricKeyType).to.equal('rsa');
    expect(jwtBearer(pem.replace(/\n/g, '\r\n')).assertion?.key.asymmetricKeyType).to.equal('rsa');
  });

  it('leaves a key with real line breaks as it is', () => {
    expect(pemText(`  ${pem}\n`)).to.equal(pem.trim());
    expect(pemText(undefined)).to.equal('');
  });

  it('says an encrypted key must be decrypted first, never quoting it', () => {
    const encrypted = privateKey.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: 'pass phrase',
    }) as string;
    const pkcs1 = privateKey.export({
      format: 'pem',
      type: 'pkcs1',
      cipher: 'aes-256-cbc',
      passphrase: 'pass phrase',
    }) as string;
    for (const key of [encrypted, pkcs1]) {
      const e = refusal(key);
      expect(e.field).to.equal('privateKey');
      expect(e.reason).to.equal('key-encrypted');
      expect(e.message).to.contain('encrypted');
      expect(e.message).not.to.contain(key.split('\n')[2]!.slice(0, 20));
    }
  });

  it('says a whole JSON key belongs in the Service account key field, never quoting it', () => {
    const json = JSON.stringify({
      type: 'service_account',
      client_email: 'svc@project.iam.gserviceaccount.com',
      private_key: pem,
    });
    const e = refusal(json);
    expect(e.field).to.equal('privateKey');
    expect(e.reason).to.equal('key-json');
    expect(e.message).to.contain('Service account key');
    expect(e.message).not.to.contain(body.slice(0, 20));
  });

  it('still says a text that is no key at all is not a PEM private key', () => {
    expect(refusal('not a key').reason).to.equal('key');
    expect(refusal(body).reason).to.equal('key');
  });
});
