import { expect } from 'chai';
import { AuthError } from '../../nodes/core/errors';
import type { ManagerState } from '../../nodes/core/token-manager';
import { tokenView } from '../../nodes/core/token-view';

const AT = Date.UTC(2027, 0, 10, 12, 0, 0);
const ISO = '2027-01-10T12:00:00.000Z';

describe('token view for the sidebar', () => {
  it('says idle for an object that has no token, whether it never had one or it lapsed', () => {
    expect(tokenView({ state: 'idle' })).to.deep.equal({ state: 'idle' });
    const lapsed: ManagerState = { state: 'lapsed', expiresAt: AT };
    expect(tokenView(lapsed)).to.deep.equal({ state: 'idle' });
  });

  it('gives valid and refreshing with the expiry of the token handed out', () => {
    expect(tokenView({ state: 'valid', expiresAt: AT })).to.deep.equal({
      state: 'valid',
      expiresAt: ISO,
    });
    expect(tokenView({ state: 'refreshing', expiresAt: AT })).to.deep.equal({
      state: 'refreshing',
      expiresAt: ISO,
    });
    expect(tokenView({ state: 'requesting' })).to.deep.equal({ state: 'requesting' });
  });

  it('shows a static credential as ready, with its expiry when the object states one', () => {
    expect(tokenView({ state: 'ready', tokenType: 'ApiKey' })).to.deep.equal({ state: 'ready' });
    expect(tokenView({ state: 'ready', tokenType: 'Bearer', expiresAt: AT })).to.deep.equal({
      state: 'ready',
      expiresAt: ISO,
    });
  });

  it("gives an error's code and times, never its message", () => {
    const error = new AuthError('oauth', 'invalid_grant', 'the server said: secret-words', {
      params: { description: 'secret-words' },
    });
    const states: ManagerState[] = [
      { state: 'error', error },
      { state: 'error', error, pausedUntil: AT },
      { state: 'error', error, expiresAt: AT },
    ];
    const views = states.map(tokenView);
    expect(views).to.deep.equal([
      { state: 'error', code: 'invalid_grant' },
      { state: 'error', code: 'invalid_grant', pausedUntil: ISO },
      { state: 'error', code: 'invalid_grant', expiresAt: ISO },
    ]);
    expect(JSON.stringify(views)).to.not.contain('secret-words');
  });
});
