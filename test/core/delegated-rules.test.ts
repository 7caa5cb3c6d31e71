/**
 * The delegated grants' settings: which credentials and endpoints each needs, the
 * authorization parameters' rule, and discovery of the grant's other endpoint.
 */
import { expect } from 'chai';
import { validateSettings, type Credentials, type RawSettings } from '../../nodes/core/config';
import { discover, withTokenEndpoint } from '../../nodes/core/discovery';
import { AuthError, ConfigError } from '../../nodes/core/errors';
import type { Transport } from '../../nodes/core/http';
import {
  GRANT_TYPES,
  checkAuthorizeParams,
  credentialsNeeded,
  grantEndpoint,
  isDelegatedGrant,
  secretsNeeded,
} from '../../nodes/core/rules';

const TOKEN = 'https://idp.example.com/token';
const fieldOf = (raw: RawSettings, c: Credentials = { clientId: 'app' }) => {
  try {
    validateSettings(raw, c);
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e.field;
    throw e;
  }
};

describe('delegated grants: rules and settings', () => {
  it('offers authorization_code, device_code and refresh_token as grants', () => {
    for (const g of ['authorization_code', 'device_code', 'refresh_token']) {
      expect(GRANT_TYPES).to.include(g);
      expect(isDelegatedGrant(g)).to.equal(true);
    }
    expect(isDelegatedGrant('password')).to.equal(false);
  });

  it('needs the client ID even for a public client, and a pasted refresh token only for refresh_token', () => {
    expect(credentialsNeeded('authorization_code', 'none')).to.deep.equal(['clientId']);
    expect(credentialsNeeded('device_code', 'none')).to.deep.equal(['clientId']);
    expect(credentialsNeeded('authorization_code', 'client_secret_basic')).to.deep.equal([
      'clientId',
      'clientSecret',
    ]);
    expect(credentialsNeeded('device_code', 'private_key_jwt')).to.deep.equal([
      'clientId',
      'privateKey',
    ]);
    expect(credentialsNeeded('refresh_token', 'client_secret_post')).to.deep.equal([
      'clientId',
      'clientSecret',
      'refreshToken',
    ]);
    expect(secretsNeeded('refresh_token', 'none')).to.deep.equal(['refreshToken']);
    expect(secretsNeeded('authorization_code', 'none')).to.deep.equal([]);
  });

  it('names the endpoint each grant needs besides the token endpoint', () => {
    expect(grantEndpoint('authorization_code')).to.equal('authorizeUrl');
    expect(grantEndpoint('device_code')).to.equal('deviceAuthorizationUrl');
    expect(grantEndpoint('refresh_token')).to.equal(undefined);
    expect(grantEndpoint('password')).to.equal(undefined);
  });

  it('requires the authorize URL unless an issuer is set, with the token URL rule', () => {
    const ac = { grantType: 'authorization_code', tokenUrl: TOKEN, clientAuth: 'none' };
    expect(fieldOf(ac)).to.equal('authorizeUrl');
    expect(fieldOf({ ...ac, authorizeUrl: 'http://idp.example.com/auth' })).to.equal(
      'authorizeUrl',
    );
    expect(fieldOf({ ...ac, authorizeUrl: 'https://u:p@idp.example.com/auth' })).to.equal(
      'authorizeUrl',
    );
    expect(fieldOf({ ...ac, authorizeUrl: 'http://127.0.0.1:3000/auth' })).to.equal(undefined);
    const s = validateSettings(
      { ...ac, authorizeUrl: 'https://idp.example.com/auth?x=1' },
      {
        clientId: 'app',
      },
    );
    expect(s.authorizeUrl?.href).to.equal('https://idp.example.com/auth?x=1');
    expect(
      fieldOf({
        grantType: 'authorization_code',
        issuer: 'https://idp.example.com',
        clientAuth: 'none',
      }),
    ).to.equal(undefined);
  });

  it('requires the device authorization URL unless an issuer is set', () => {
    const dc = { grantType: 'device_code', tokenUrl: TOKEN, clientAuth: 'none' };
    expect(fieldOf(dc)).to.equal('deviceAuthorizationUrl');
    expect(fieldOf({ ...dc, deviceAuthorizationUrl: 'https://idp.example.com/device#x' })).to.equal(
      'deviceAuthorizationUrl',
    );
    expect(fieldOf({ ...dc, deviceAuthorizationUrl: 'https://idp.example.com/device' })).to.equal(
      undefined,
    );
  });

  it('refuses authorization parameters the node sets itself, and checks them only where used', () => {
    for (const name of [
      'response_type',
      'client_id',
      'redirect_uri',
      'state',
      'code_challenge',
      'code_challenge_method',
      'nonce',
      'scope',
    ]) {
      expect(checkAuthorizeParams([{ name, value: 'x' }])).to.deep.equal({
        problem: 'param-reserved',
        name,
      });
    }
    expect(checkAuthorizeParams([{ name: 'prompt', value: 'consent' }])).to.deep.equal({
      params: [['prompt', 'consent']],
    });
    expect(checkAuthorizeParams([{ name: '', value: 'x' }])).to.deep.equal({
      problem: 'param-name',
    });
    const ac = {
      grantType: 'authorization_code',
      tokenUrl: TOKEN,
      authorizeUrl: 'https://idp.example.com/auth',
      clientAuth: 'none',
    };
    expect(fieldOf({ ...ac, authorizeParams: [{ name: 'state', value: 'x' }] })).to.equal(
      'authorizeParams',
    );
    const s = validateSettings(
      { ...ac, authorizeParams: [{ name: 'access_type', value: 'offline' }] },
      { clientId: 'app' },
    );
    expect(s.authorizeParams).to.deep.equal([['access_type', 'offline']]);
    // A hidden list of another grant does not block a deploy.
    expect(
      fieldOf(
        {
          grantType: 'client_credentials',
          tokenUrl: TOKEN,
          clientAuth: 'client_secret_basic',
          authorizeParams: [{ name: 'state' }],
        },
        { clientId: 'a', clientSecret: 's' },
      ),
    ).to.equal(undefined);
  });

  it('requires the pasted refresh token for refresh_token, and keeps it only there', () => {
    const rt = { grantType: 'refresh_token', tokenUrl: TOKEN, clientAuth: 'none' };
    expect(fieldOf(rt)).to.equal('refreshToken');
    expect(fieldOf(rt, { clientId: 'app', refreshToken: '   ' })).to.equal('refreshToken');
    const s = validateSettings(rt, { clientId: 'app', refreshToken: 'rt-1' });
    expect(s.credentials.refreshToken).to.equal('rt-1');
    const ac = validateSettings(
      { ...rt, grantType: 'authorization_code', authorizeUrl: 'https://idp.example.com/a' },
      { clientId: 'app', refreshToken: 'typed-elsewhere' },
    );
    expect(ac.credentials.refreshToken).to.equal(undefined);
  });
});

describe('delegated grants: discovery', () => {
  const ISSUER = 'https://idp.example.com';
  const doc = (extra: Record<string, unknown>) => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(
      JSON.stringify({ issuer: ISSUER, token_endpoint: `${ISSUER}/token`, ...extra }),
    ),
  });
  const one = (r: ReturnType<typeof doc>): Transport => ({
    send: () => Promise.resolve(r),
    close() {},
  });
  const signal = new AbortController().signal;

  it('reads the authorization endpoint for authorization_code and fills it in', async () => {
    const s = validateSettings(
      { grantType: 'authorization_code', issuer: ISSUER, clientAuth: 'none' },
      { clientId: 'app' },
    );
    const found = await discover(s, one(doc({ authorization_endpoint: `${ISSUER}/auth` })), signal);
    expect(found.authorizeUrl?.href).to.equal(`${ISSUER}/auth`);
    expect(withTokenEndpoint(s, found).authorizeUrl?.href).to.equal(`${ISSUER}/auth`);
  });

  it('reads the device authorization endpoint for device_code; a typed one wins', async () => {
    const s = validateSettings(
      { grantType: 'device_code', issuer: ISSUER, clientAuth: 'none' },
      { clientId: 'app' },
    );
    const found = await discover(
      s,
      one(doc({ device_authorization_endpoint: `${ISSUER}/device` })),
      signal,
    );
    expect(withTokenEndpoint(s, found).deviceAuthorizationUrl?.href).to.equal(`${ISSUER}/device`);
    const typed = validateSettings(
      {
        grantType: 'device_code',
        issuer: ISSUER,
        deviceAuthorizationUrl: 'https://other.example.com/dev',
        clientAuth: 'none',
      },
      { clientId: 'app' },
    );
    const f2 = await discover(typed, one(doc({})), signal);
    expect(withTokenEndpoint(typed, f2).deviceAuthorizationUrl?.href).to.equal(
      'https://other.example.com/dev',
    );
  });

  it('fails discovery when the grant needs an endpoint the document lacks or gives over http', async () => {
    const s = validateSettings(
      { grantType: 'device_code', issuer: ISSUER, clientAuth: 'none' },
      { clientId: 'app' },
    );
    for (const extra of [{}, { device_authorization_endpoint: 'http://idp.example.com/device' }]) {
      const err = await discover(s, one(doc(extra)), signal).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AuthError);
      expect((err as AuthError).code).to.equal('DISCOVERY_FAILED');
      expect((err as AuthError).key).to.equal('discovery.grantEndpoint');
    }
  });
});
