import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { adviceFor, errors } from '../../nodes/core/errors';

const catalogue = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../locales/en-US/auth-object.json'), 'utf8'),
)['auth-object'] as { errors: Record<string, unknown> };

describe('error words', () => {
  it('a connection broken mid-response is worded by its own message', () => {
    const e = errors.reset();
    expect(e.key).to.equal('reset');
    expect(catalogue.errors[e.key]).to.be.a('string').that.contains('broke mid-response');
    expect(e.message).to.equal('connection to the token endpoint broke mid-response');
  });

  it('a failure nothing explains still says that the token request failed', () => {
    expect(errors.unknown()).to.include({
      code: 'EUNKNOWN',
      message: 'token request failed unexpectedly',
    });
  });

  it('advises on an HTML page only where a token response was expected and HTML came', () => {
    const html = errors.badResponse('notJson', { type: '(text/html)' }, 200);
    expect(adviceFor(html)?.key).to.equal('BAD_RESPONSE_HTML');
    expect(adviceFor(errors.badResponse('notJson', { type: '(text/plain)' }, 200))).to.equal(
      undefined,
    );
    expect(adviceFor(errors.badResponse('noAccessToken', { type: '(text/html)' }, 200))).to.equal(
      undefined,
    );
  });
});
