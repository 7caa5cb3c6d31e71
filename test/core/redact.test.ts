import { expect } from 'chai';
import fc from 'fast-check';
import { cleanText, createRedactor } from '../../nodes/core/redact';

/*
 * The encodings below are written again here, independently of the implementation:
 * what an echoing server may send back of a value it received.
 */
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const wellFormed = (s: string) =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const uri = (s: string) => encodeURIComponent(wellFormed(s));
const form = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
const strictPercent = (s: string) =>
  uri(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const everyByte = (s: string) =>
  [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const json = (s: string) => JSON.stringify(s).slice(1, -1);
// As Python's json.dumps writes it by default (ensure_ascii), with upper-case hex digits.
const asciiJson = (s: string) =>
  json(s).replace(
    /[^\u0000-\u007f]/g, // eslint-disable-line no-control-regex
    (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
const base64Variants = (s: string) => {
  const std = b64(s);
  return [
    std,
    std.replace(/=+$/, ''),
    b64url(s),
    b64url(s) + '='.repeat((4 - (b64url(s).length % 4)) % 4),
  ];
};

function encodings(secret: string, id: string): string[] {
  return [
    secret,
    uri(secret),
    lowerHex(uri(secret)),
    form(secret),
    form(secret).replace(/\+/g, '%20'),
    lowerHex(form(secret)),
    strictPercent(secret),
    everyByte(secret),
    json(secret),
    asciiJson(secret),
    json(secret).replace(/\//g, '\\/'),
    ...base64Variants(secret),
    ...base64Variants(`${id}:${secret}`),
    ...base64Variants(`${form(id)}:${form(secret)}`),
  ].filter((e) => e.length > 0);
}

const secretArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
const idArb = fc.string({ unit: 'grapheme-ascii', maxLength: 8 });

describe('redaction of server text', () => {
  it('leaves no encoding of any secret in any text built from them', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 3 }),
        idArb,
        fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.nat(), fc.nat()), { maxLength: 6 }),
        (secrets, id, pieces) => {
          const all = secrets.map((s) => encodings(s, id));
          const text = pieces
            .map(([junk, which, enc]) => {
              const forms = all[which % all.length]!;
              return junk + forms[enc % forms.length]!;
            })
            .join('');
          const out = createRedactor({ secrets, pairs: secrets.map((s) => [id, s] as const) })(
            text,
            Infinity,
          );
          for (const forms of all) {
            for (const e of forms) {
              expect(
                out.includes(e),
                `${JSON.stringify(e)} survived in ${JSON.stringify(out)}`,
              ).to.equal(false);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('removes a secret the server echoed twice, and one echoed in every encoding at once', () => {
    const secret = 'P@ss w0rd!/é';
    const redact = createRedactor({ secrets: [secret], pairs: [['client 1', secret]] });
    const echoed = encodings(secret, 'client 1');
    const out = redact(`${secret} and again ${secret}; ${echoed.join(' | ')}`, Infinity);
    for (const e of echoed) expect(out).to.not.contain(e);
    expect(out).to.match(/^\[redacted\] and again \[redacted\]; /);
  });

  it('catches the Basic header a token server echoes, as this package sends it', () => {
    const redact = createRedactor({ secrets: ['s3cr3t:%+'], pairs: [['my client', 's3cr3t:%+']] });
    const header = `Basic ${b64('my+client:s3cr3t%3A%25%2B')}`;
    expect(redact(`you sent Authorization: ${header}`)).to.equal(
      'you sent Authorization: Basic [redacted]',
    );
  });

  it('strips line breaks and terminal escapes so a server cannot forge a log line', () => {
    const out = cleanText('bad issuer\n[error] [auth-object] forged\r\x1b[31mred\u202etxt\u0000');
    expect(out).to.equal('bad issuer [error] [auth-object] forged [31mredtxt');
    expect(/[\u0000-\u001f\u007f]/.test(out)).to.equal(false); // eslint-disable-line no-control-regex
  });

  it('bounds the length of what it shows', () => {
    expect(cleanText('x'.repeat(1000), 300)).to.have.length(300);
    expect(createRedactor({ secrets: ['k'] })('y'.repeat(5000))).to.have.length(300);
  });

  it('never shows a secret through its own marker, even a secret spelled "redacted"', () => {
    const redact = createRedactor({ secrets: ['redacted'] });
    const out = redact('the word redacted, twice: redacted');
    expect(out).to.not.contain('redacted');
  });

  it('leaves text without secrets as it was, apart from control characters', () => {
    const redact = createRedactor({ secrets: ['hunter22'] });
    expect(redact('invalid_grant: bad user name')).to.equal('invalid_grant: bad user name');
  });
});
