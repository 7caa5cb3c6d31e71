import { expect } from 'chai';
import { validateObject } from '../../nodes/core/config';
import { ConfigError } from '../../nodes/core/errors';

/** Node-RED leaves `${NAME}` as typed when NAME is not set: it would be sent as the secret. */
function refusal(raw: Record<string, unknown>, creds: Record<string, string>): ConfigError {
  try {
    validateObject(raw, creds);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('taken');
}

const OAUTH = {
  grantType: 'client_credentials',
  tokenUrl: 'https://idp.example.com/token',
  clientAuth: 'client_secret_post',
};

describe('a credential whose environment variable is not set', () => {
  it('is refused at deploy naming the field, for every kind, never sending ${NAME} as the secret', () => {
    const cases: [Record<string, unknown>, Record<string, string>, string][] = [
      [{ kind: 'apiKey', apiKeyName: 'X-Key' }, { apiKey: '${API_KEY}' }, 'apiKey'],
      [{ kind: 'apiKey', apiKeyName: 'k', apiKeyIn: 'query' }, { apiKey: '$(API_KEY)' }, 'apiKey'],
      [{ kind: 'bearer' }, { token: '${GITHUB_TOKEN}' }, 'token'],
      [{ kind: 'basic' }, { username: 'ann', password: '${API_PASSWORD}' }, 'password'],
      [{ kind: 'basic' }, { username: '${API_USER}', password: 'pw' }, 'username'],
      [OAUTH, { clientId: 'app', clientSecret: '${CLIENT_SECRET}' }, 'clientSecret'],
      [OAUTH, { clientId: ' ${CLIENT_ID} ', clientSecret: 's' }, 'clientId'],
    ];
    for (const [raw, creds, field] of cases) {
      const e = refusal(raw, creds);
      expect(e.field, field).to.equal(field);
      expect(e.reason, field).to.equal('env');
      expect(e.message, field).to.contain('environment variable');
      expect(e.message, field).not.to.match(/API_|GITHUB|CLIENT_/);
    }
  });

  it('leaves a secret that only holds a $ or braces alone', () => {
    expect(() => validateObject({ kind: 'bearer' }, { token: 'a${B}c' })).not.to.throw();
    expect(() =>
      validateObject({ kind: 'basic' }, { username: 'ann', password: '$ {X}' }),
    ).not.to.throw();
  });
});
