import { expect } from 'chai';
import { validateObject, type StaticSettings } from '../../nodes/core/config';
import { ConfigError } from '../../nodes/core/errors';
import { isHeaderValue } from '../../nodes/core/rules';
import * as editor from '../../nodes/editor/auth-object-validation';

const inHeader = { kind: 'apiKey', apiKeyName: 'Authorization', apiKeyIn: 'header' };

function verdicts(key: string): { runtime: string; editor: string } {
  let runtime = 'valid';
  try {
    validateObject(inHeader, { apiKey: key });
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    runtime = (e as ConfigError).reason;
  }
  const v = editor.checkCredentialField('apiKey', key, '', '', 'apiKey', 'header');
  return { runtime, editor: v ? v.key : 'valid' };
}

describe('an API key with its own scheme in a header (Okta SSWS, Token, Klaviyo-API-Key)', () => {
  it('goes in the header as typed, spaces inside and all', () => {
    for (const key of ['SSWS 00Qw8Hk_d', 'Token 9944b09199c62bcf', 'Klaviyo-API-Key pk_1a2b']) {
      const s = validateObject(inHeader, { apiKey: key }).settings as StaticSettings;
      expect(s.applied).to.deep.equal({ in: 'header', name: 'Authorization', value: key });
      expect(verdicts(key)).to.deep.equal({ runtime: 'valid', editor: 'valid' });
    }
  });

  it('is refused with spaces around it, a tab, a line break or a character beyond ASCII, by both', () => {
    for (const key of [' SSWS x', 'SSWS x ', ' ', 'SSWS\tx', 'SSWS\r\nx', 'clé 1']) {
      expect(verdicts(key), JSON.stringify(key)).to.deep.equal({
        runtime: 'header-value',
        editor: 'validation.headerSecret',
      });
    }
  });

  it('a header value is visible ASCII with single or repeated spaces inside, at most 16384 characters', () => {
    for (const ok of ['a', 'a b', 'a  b', '!~', `a${' '.repeat(10)}b`, 'x'.repeat(16384)]) {
      expect(isHeaderValue(ok), ok.slice(0, 20)).to.equal(true);
    }
    for (const bad of ['', ' a', 'a ', 'a\tb', 'a\u0000b', 'é', 'x'.repeat(16385), 42, null]) {
      expect(isHeaderValue(bad), String(bad).slice(0, 20)).to.equal(false);
    }
  });

  it('a bearer token still has no spaces: the node writes "Bearer " itself', () => {
    expect(() => validateObject({ kind: 'bearer' }, { token: 'two words' })).to.throw(ConfigError);
    expect(editor.checkCredentialField('token', 'two words', '', '', 'bearer')).to.deep.equal({
      key: 'validation.headerSecret',
    });
  });
});
