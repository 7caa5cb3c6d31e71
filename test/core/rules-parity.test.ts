/**
 * The editor and the runtime give the same verdict on every value: the same table goes
 * through the runtime's validation and through the editor's validators (the modules the
 * editor bundle is built from). `${NAME}` values are left out: the editor leaves them to
 * deploy, where Node-RED has replaced them.
 */
import { expect } from 'chai';
import { Cron } from 'croner';
import { validateObject, validateSettings, type RawSettings } from '../../nodes/core/config';
import { ConfigError } from '../../nodes/core/errors';
import { parseEntryDate } from '../../nodes/core/expiry';
import {
  API_KEY_IN,
  CHECK_NUMBERS,
  CLIENT_AUTH_METHODS,
  GRANT_TYPES,
  JWT_BEARER_GRANT,
  KINDS,
  checkNumber,
} from '../../nodes/core/rules';
import * as editor from '../../nodes/editor/auth-object-validation';
import * as checkEditor from '../../nodes/editor/auth-expiry-check-validation';

const BASE: RawSettings = {
  grantType: 'client_credentials',
  tokenUrl: 'https://idp.example.com/token',
  clientAuth: 'client_secret_basic',
  // Used by the delegated grants only; the other grants leave them alone.
  authorizeUrl: 'https://idp.example.com/authorize',
  deviceAuthorizationUrl: 'https://idp.example.com/device',
};
const CREDS = {
  clientId: 'app',
  clientSecret: 's3cret',
  username: 'ann',
  password: 'pw',
  refreshToken: 'rt',
};

/** The field the runtime refuses, or undefined when it accepts the settings. */
function runtimeVerdict(
  raw: RawSettings,
  creds: Record<string, string> = CREDS,
): string | undefined {
  try {
    validateSettings(raw, creds);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err.field;
    throw err;
  }
}

const valid = (v: unknown) => (v === undefined ? 'valid' : 'invalid');
const runtimeValid = (field: string | undefined, name: string) =>
  field === name ? 'invalid' : 'valid';

const URLS = [
  'https://idp.example.com/token',
  ' https://idp.example.com/token ',
  'http://127.0.0.1:8080/token',
  'http://127.200.1.2/token',
  'http://localhost/token',
  'http://auth.localhost/token',
  'http://[::1]:9000/token',
  'http://idp.example.com/token',
  'ftp://idp.example.com/token',
  'https://user:pw@idp.example.com/token',
  'https://idp.example.com/token#x',
  'https://idp.example.com/token?tenant=1',
  'not a url',
  'https://',
  '',
  '   ',
];

describe('the editor and the runtime agree', () => {
  for (const insecure of [false, true]) {
    it(`on every token URL (allow http: ${insecure})`, () => {
      for (const url of URLS) {
        const runtime = runtimeValid(
          runtimeVerdict({ ...BASE, tokenUrl: url, allowInsecureHttp: insecure }),
          'tokenUrl',
        );
        expect(valid(editor.checkUrlField(url, insecure, true)), url).to.equal(runtime);
      }
    });

    it(`on every issuer, with the token URL left empty (allow http: ${insecure})`, () => {
      for (const url of URLS.filter((u) => u.trim())) {
        const runtime = runtimeValid(
          runtimeVerdict({ ...BASE, tokenUrl: '', issuer: url, allowInsecureHttp: insecure }),
          'issuer',
        );
        expect(valid(editor.checkIssuerField(url, insecure)), url).to.equal(runtime);
      }
    });

    it(`on every refresh URL (allow http: ${insecure})`, () => {
      for (const url of URLS) {
        const runtime = runtimeValid(
          runtimeVerdict({ ...BASE, refreshTokenUrl: url, allowInsecureHttp: insecure }),
          'refreshTokenUrl',
        );
        expect(valid(editor.checkUrlField(url, insecure, false)), url).to.equal(runtime);
      }
    });
  }

  it('on every scope', () => {
    for (const scope of [
      '',
      '  ',
      'read',
      'read write',
      ' a  b ',
      'a"b',
      'a\\b',
      'é',
      'a,b',
      '\t',
    ]) {
      const runtime = runtimeValid(runtimeVerdict({ ...BASE, scope }), 'scope');
      expect(valid(editor.checkScopeField(scope)), JSON.stringify(scope)).to.equal(runtime);
    }
  });

  for (const field of ['timeout', 'refreshBefore', 'cooldown'] as const) {
    it(`on every ${field}`, () => {
      const values: unknown[] = ['', '0', '1', '10', '300', '301', '86400', '86401', '-1', 'x'];
      for (const v of [...values, ' 10 ', '1e2', '2.5', 0, 5, 2.5, -3, null]) {
        const runtime = runtimeValid(runtimeVerdict({ ...BASE, [field]: v }), field);
        expect(valid(editor.checkSecondsField(field, v)), JSON.stringify(v)).to.equal(runtime);
      }
    });
  }

  it('on the grant and the client authentication', () => {
    for (const v of ['', ...GRANT_TYPES, 'implicit', 'PASSWORD']) {
      const runtime = runtimeValid(runtimeVerdict({ ...BASE, grantType: v }), 'grantType');
      expect(valid(editor.checkOptionField('grantType', v)), v).to.equal(runtime);
    }
    for (const v of [
      '',
      ...CLIENT_AUTH_METHODS.filter((m) => m !== 'private_key_jwt' && m !== 'tls_client_auth'),
      'basic',
    ]) {
      const runtime = runtimeValid(runtimeVerdict({ ...BASE, clientAuth: v }), 'clientAuth');
      expect(valid(editor.checkOptionField('clientAuth', v)), v).to.equal(runtime);
    }
  });

  it('on which credentials each grant and client authentication need', () => {
    const fields = ['clientId', 'clientSecret', 'username', 'password', 'refreshToken'] as const;
    for (const grant of GRANT_TYPES) {
      for (const auth of ['client_secret_basic', 'client_secret_post', 'none'] as const) {
        for (const field of fields) {
          for (const value of ['', ' ', 'x', ' x ']) {
            const creds = { ...CREDS, [field]: value };
            const runtime = runtimeValid(
              runtimeVerdict({ ...BASE, grantType: grant, clientAuth: auth }, creds),
              field,
            );
            const verdict = editor.checkCredentialField(field, value, grant, auth);
            expect(valid(verdict), `${grant}/${auth}: ${field}=${JSON.stringify(value)}`).to.equal(
              runtime,
            );
          }
        }
      }
    }
  });

  /** The field validateObject refuses (any kind), or undefined. */
  function objectVerdict(raw: RawSettings, creds: Record<string, string>): string | undefined {
    try {
      validateObject(raw, creds);
      return undefined;
    } catch (err) {
      if (err instanceof ConfigError) return err.field;
      throw err;
    }
  }
  const STATIC_CREDS = { apiKey: 'k3y', token: 'tok', username: 'ann', password: 'pw' };
  const SECRETS = ['', ' ', 'x', ' x ', 'a:b', 'two words', 'é', 'tab\t', 'new\nline', '!#$~'];

  it('on the kind and where an API key goes', () => {
    for (const v of ['', ...KINDS, 'OAuth2', 'ntlm']) {
      const runtime = runtimeValid(
        objectVerdict({ ...BASE, kind: v, apiKeyName: 'X-Key' }, { ...CREDS, ...STATIC_CREDS }),
        'kind',
      );
      expect(valid(editor.checkOptionField('kind', v)), v).to.equal(runtime);
    }
    for (const v of ['', ...API_KEY_IN, 'body', 'Header']) {
      const runtime = runtimeValid(
        objectVerdict({ kind: 'apiKey', apiKeyName: 'X-Key', apiKeyIn: v }, STATIC_CREDS),
        'apiKeyIn',
      );
      expect(valid(editor.checkOptionField('apiKeyIn', v)), v).to.equal(runtime);
    }
  });

  it("on the API key's header or query parameter name", () => {
    const names = [
      'X-API-Key',
      ' X-Key ',
      'api_key',
      'X Key',
      'Host',
      'content-type',
      'Authorization',
      'a#b',
      'a\u0001b',
      'ключ',
      '',
      '  ',
      'x'.repeat(257),
    ];
    for (const where of ['header', 'query']) {
      for (const name of names) {
        const runtime = runtimeValid(
          objectVerdict({ kind: 'apiKey', apiKeyIn: where, apiKeyName: name }, STATIC_CREDS),
          'apiKeyName',
        );
        expect(
          valid(editor.checkApiKeyNameField(name, where)),
          `${where} ${JSON.stringify(name)}`,
        ).to.equal(runtime);
      }
    }
  });

  it('on the credentials of every static kind', () => {
    const cases: [string, string, readonly ('apiKey' | 'token' | 'username' | 'password')[]][] = [
      ['apiKey', 'header', ['apiKey']],
      ['apiKey', 'query', ['apiKey']],
      ['basic', 'header', ['username', 'password']],
      ['bearer', 'header', ['token']],
    ];
    for (const [kind, where, fields] of cases) {
      for (const field of fields) {
        for (const value of SECRETS) {
          const creds = { ...STATIC_CREDS, [field]: value };
          const runtime = runtimeValid(
            objectVerdict({ kind, apiKeyIn: where, apiKeyName: 'k' }, creds),
            field,
          );
          const verdict = editor.checkCredentialField(field, value, '', '', kind, where);
          expect(valid(verdict), `${kind}/${where}: ${field}=${JSON.stringify(value)}`).to.equal(
            runtime,
          );
        }
      }
    }
  });

  it('on the test URL of a static kind', () => {
    for (const url of URLS) {
      const runtime = runtimeValid(
        objectVerdict({ kind: 'bearer', testUrl: url }, STATIC_CREDS),
        'testUrl',
      );
      expect(valid(editor.checkUrlField(url, false, false)), url).to.equal(runtime);
    }
  });

  it('on which credentials the JWT bearer grant needs', () => {
    for (const field of ['clientId', 'clientSecret', 'username', 'password'] as const) {
      for (const value of ['', ' ', 'x']) {
        const creds = { ...CREDS, [field]: value };
        const raw = { ...BASE, grantType: JWT_BEARER_GRANT };
        // The private key itself is checked by the runtime only (it needs Node's crypto).
        const runtime = runtimeVerdict(raw, creds);
        const editorVerdict = editor.checkCredentialField(
          field,
          value,
          JWT_BEARER_GRANT,
          'client_secret_basic',
        );
        if (field === 'clientId') {
          expect(valid(editorVerdict), `clientId=${JSON.stringify(value)}`).to.equal(
            value.trim() ? 'valid' : 'invalid',
          );
          if (!value.trim()) expect(runtime).to.equal('clientId');
        } else {
          expect(valid(editorVerdict), `${field} is not needed`).to.equal('valid');
          expect(runtime, `${field}=${JSON.stringify(value)}`).to.equal('privateKey');
        }
      }
    }
  });

  it('on extra parameters', () => {
    const lists: unknown[] = [
      [],
      [{ name: 'audience', value: 'api' }],
      [{ name: ' resource ', value: '' }],
      [{ name: '', value: 'x' }],
      [{ value: 'x' }],
      [{ name: 'scope', value: 'x' }],
      [{ name: 'client_secret', value: 'x' }],
      [{ name: 'a', value: 5 }],
      [{ name: 'a', value: null }],
      [{ name: 'a' }],
      [null],
    ];
    for (const list of lists) {
      const runtime = runtimeValid(runtimeVerdict({ ...BASE, extraParams: list }), 'extraParams');
      expect(valid(editor.checkExtraParamsField(list)), JSON.stringify(list)).to.equal(runtime);
    }
  });

  it('on authorization parameters of the delegated grants', () => {
    const lists: unknown[] = [
      [],
      [{ name: 'access_type', value: 'offline' }],
      [
        { name: 'prompt', value: 'consent' },
        { name: 'audience', value: 'https://api' },
      ],
      [{ name: '', value: 'x' }],
      [{ name: 'state', value: 'x' }],
      [{ name: 'redirect_uri', value: 'x' }],
      [{ name: 'code_challenge_method', value: 'plain' }],
      [{ name: 'nonce', value: 'x' }],
      [{ name: 'a', value: 5 }],
      [null],
    ];
    for (const grantType of ['authorization_code', 'device_code']) {
      for (const list of lists) {
        const runtime = runtimeValid(
          runtimeVerdict({ ...BASE, grantType, authorizeParams: list }),
          'authorizeParams',
        );
        expect(valid(editor.checkAuthorizeParamsField(list)), JSON.stringify(list)).to.equal(
          runtime,
        );
      }
    }
  });

  for (const insecure of [false, true]) {
    it(`on the authorize and device authorization URLs, with and without an issuer (allow http: ${insecure})`, () => {
      const cases = [
        ['authorization_code', 'authorizeUrl'],
        ['device_code', 'deviceAuthorizationUrl'],
      ] as const;
      for (const [grantType, field] of cases) {
        for (const issuer of ['', 'https://idp.example.com']) {
          for (const url of URLS) {
            const runtime = runtimeValid(
              runtimeVerdict({
                ...BASE,
                grantType,
                issuer,
                allowInsecureHttp: insecure,
                [field]: url,
              }),
              field,
            );
            const verdict = editor.checkUrlField(url, insecure, !issuer);
            expect(valid(verdict), `${field}=${url} issuer=${issuer}`).to.equal(runtime);
          }
        }
      }
    });
  }

  it('on expiry dates: what the editor accepts, the expiry check can read', () => {
    const dates = [
      '2027-01-01',
      ' 2027-01-01 ',
      '2027-01-01T10:00',
      '2027-01-01T10:00:59',
      '2027-01-01T10:00:00.123456',
      '2027-01-01T10:00Z',
      '2027-01-01T10:00+14:00',
      '2027-01-01T10:00-23:59',
      '2027-01-01T10:00+24:00',
      '2027-02-29',
      '2028-02-29',
      '2027-13-01',
      '2027-01-01T24:00',
      '2027-01-01T10:60',
      '1969-12-31',
      '10000-01-01',
      'tomorrow',
      '',
      '2027-1-1',
    ];
    for (const expiresAt of dates) {
      const entry = { expiresAt, appliesTo: ['password'] };
      const runtime = parseEntryDate(entry).ok ? 'valid' : 'invalid';
      expect(valid(editor.checkExpiriesField([entry])), expiresAt).to.equal(runtime);
    }
  });

  for (const field of ['warnDays', 'criticalDays', 'remindEvery'] as const) {
    it(`on the expiry check's ${field}`, () => {
      for (const v of ['', '0', '1', '2.5', '3650', '3651', '8760', '8761', '-1', 'x', 7, ' 5 ']) {
        const runtime = checkNumber(v, CHECK_NUMBERS[field]) === undefined ? 'invalid' : 'valid';
        expect(valid(checkEditor.checkNumberField(field, v)), JSON.stringify(v)).to.equal(runtime);
      }
    });
  }

  it("on the expiry check's schedule", () => {
    for (const s of [
      '',
      '0 9 * * *',
      '*/5 * * * *',
      '0 9 * * 1-5',
      '@daily',
      '0 0 9 * * *',
      '61 * * * *',
      'daily',
      '* * *',
    ]) {
      let runtime = 'valid';
      if (s) {
        try {
          new Cron(s, { paused: true }).stop();
        } catch {
          runtime = 'invalid';
        }
      }
      expect(valid(checkEditor.checkScheduleField(s)), s).to.equal(runtime);
    }
  });
});
