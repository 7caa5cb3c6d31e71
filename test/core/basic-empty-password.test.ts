import { expect } from 'chai';
import { validateObject, type StaticSettings } from '../../nodes/core/config';
import { createRedactor } from '../../nodes/core/redact';
import * as editor from '../../nodes/editor/auth-object-validation';

const KEY = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';

const basic = (creds: { username?: string; password?: string } | undefined) => {
  const o = validateObject({ kind: 'basic' }, creds);
  expect(o.kind).to.equal('static');
  return o.settings as StaticSettings;
};

describe('HTTP Basic with an API key as the user name and no password (RFC 7617 allows it)', () => {
  it('sends "user:" with an empty or missing password, as Stripe, Chargebee and Close expect', () => {
    for (const creds of [{ username: KEY, password: '' }, { username: KEY }]) {
      const s = basic(creds);
      expect(s.applied).to.deep.equal({
        in: 'header',
        name: 'Authorization',
        value: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`,
      });
    }
  });

  it('treats the user name as the secret then: it is redacted in every form, the header too', () => {
    const s = basic({ username: KEY });
    const redact = createRedactor({ secrets: s.secrets, pairs: s.pairs });
    const header = Buffer.from(`${KEY}:`).toString('base64');
    const echoed = redact(`you sent ${KEY} as Basic ${header} (${encodeURIComponent(KEY)})`);
    expect(echoed).not.to.contain(KEY);
    expect(echoed).not.to.contain(header.replace(/=+$/, ''));
  });

  it('keeps the user name out of the secrets when there is a password', () => {
    expect(basic({ username: 'ann', password: 'pw' }).secrets).to.deep.equal(['pw']);
  });

  it('the editor takes an empty password for Basic, and still wants a user name', () => {
    expect(editor.checkCredentialField('password', '', '', '', 'basic')).to.equal(undefined);
    expect(editor.checkCredentialField('username', '', '', '', 'basic')).to.deep.include({
      key: 'validation.credentialRequired',
    });
    // The password grant still needs its password.
    expect(
      editor.checkCredentialField('password', '', 'password', 'none', 'oauth2'),
    ).to.deep.include({ key: 'validation.credentialRequired' });
  });
});
