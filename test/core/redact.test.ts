import { expect } from 'chai';
import fc from 'fast-check';
import { cleanText, createRedactor } from '../../nodes/core/redact';
import { encodings } from '../helpers/secret-forms';

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
    const header = `Basic ${Buffer.from('my+client:s3cr3t%3A%25%2B').toString('base64')}`;
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
