import { expect } from 'chai';
import fc from 'fast-check';
import { cleanOnly, cleanText, createRedactor } from '../../nodes/core/redact';
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
  // Each echo below is matched by exactly one of the forms the redactor derives.
  for (const [what, secret, echo] of [
    [
      'every byte percent-encoded but the unreserved ones, a byte below 0x10 included',
      '\t*a',
      '%09%2Aa',
    ],
    ['encodeURIComponent-encoded, with a lone surrogate sent as U+FFFD', '\ud800!', '%EF%BF%BD!'],
    ['form-encoded with spaces written as %20', 'a b*!', 'a%20b*%21'],
    ['in JSON with escaped slashes', 'x/y', 'x\\/y'],
    ['in ASCII-only JSON with escaped slashes', 'é/x', '\\u00e9\\/x'],
    ['in base64url with its padding kept', '!!>a', 'ISE-YQ=='],
    ['in base64 with its padding', '!!>a', 'ISE+YQ=='],
  ] as const) {
    it(`removes the whole of a secret echoed ${what}`, () => {
      const redact = createRedactor({ secrets: [secret] });
      expect(redact(`sent ${echo} here`)).to.equal('sent [redacted] here');
    });
  }

  it('removes the Basic credentials of an id and secret each encoded with encodeURIComponent', () => {
    const redact = createRedactor({ secrets: ['s!'], pairs: [['my client', 's!']] });
    const echo = Buffer.from('my%20client:s!').toString('base64');
    expect(redact(`Basic ${echo}`)).to.equal('Basic [redacted]');
  });

  it('only cleans when it knows no secret', () => {
    const text = 'invalid_grant: user "bob" unknown';
    expect(cleanOnly(text)).to.equal(text);
    expect(createRedactor({ secrets: [undefined, ''], pairs: [['id', undefined]] })(text)).to.equal(
      text,
    );
  });

  it('removes secrets without a marker when every marker holds one of them', () => {
    const redact = createRedactor({ secrets: ['e', '*', '#', '~', '_'] });
    expect(redact('a*b#c~d_f')).to.equal('abcdf');
  });

  it('keeps text of exactly the bound whole, and shows only the ellipsis for a bound of 0', () => {
    const text = 'x'.repeat(300);
    expect(cleanText(text, 300)).to.equal(text);
    expect(cleanText(`${text}y`, 300)).to.equal(`${'x'.repeat(299)}…`);
    expect(cleanText('abc', 0)).to.equal('…');
  });
  it('removes the Basic credentials of a secret sent without an id', () => {
    const redact = createRedactor({ secrets: ['s3cret'], pairs: [[undefined, 's3cret']] });
    expect(redact(`Basic ${Buffer.from(':s3cret').toString('base64')}`)).to.equal(
      'Basic [redacted]',
    );
  });
});
