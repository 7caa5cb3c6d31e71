import { expect } from 'chai';
import { validateObject } from '../../nodes/core/config';
import { ConfigError } from '../../nodes/core/errors';
import * as editor from '../../nodes/editor/auth-object-validation';

function refusal(token: string): ConfigError {
  try {
    validateObject({ kind: 'bearer' }, { token });
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('the token was taken');
}

describe('a bearer token pasted with its "Bearer " in front', () => {
  it('is refused saying to type the token alone, never quoting it', () => {
    for (const token of ['Bearer ghp_Secret123', 'bearer ghp_Secret123', 'BEARER  ghp_Secret123']) {
      const e = refusal(token);
      expect(e.field).to.equal('token');
      expect(e.reason).to.equal('bearer-prefix');
      expect(e.message).to.contain('without "Bearer "');
      expect(e.message).not.to.contain('ghp_');
      expect(editor.checkCredentialField('token', token, '', '', 'bearer')).to.deep.equal({
        key: 'validation.bearerPrefix',
      });
    }
  });

  it('other tokens with a space keep the general header message', () => {
    expect(refusal('two words').reason).to.equal('header-value');
    expect(editor.checkCredentialField('token', 'two words', '', '', 'bearer')).to.deep.equal({
      key: 'validation.headerSecret',
    });
  });

  it('a token that only begins with the letters "Bearer" is a token', () => {
    expect(() => validateObject({ kind: 'bearer' }, { token: 'BearerXyz' })).not.to.throw();
  });
});
