import { expect } from 'chai';
import {
  OAUTH_DESTINATION_FIELDS,
  UNCHANGED,
  resolveTestForm,
  type DeployedObject,
  type FormValues,
} from '../../nodes/core/test-form';

const settings = {
  grantType: 'password',
  issuer: '',
  refreshTokenUrl: '',
  clientAuth: 'client_secret_basic',
  allowInsecureHttp: false,
  tls: '',
  proxy: '',
  extraParams: [{ name: 'audience', value: 'api' }],
  scope: 'read',
};
const secrets = { clientId: 'app', clientSecret: 's3cret', username: 'ann' };

/** A deployed password-grant object whose token URL and password come from the environment. */
const deployed: DeployedObject = {
  raw: { ...settings, tokenUrl: '${TOKEN_URL}' },
  resolved: { ...settings, tokenUrl: 'https://idp.example.com/token' },
  rawCredentials: { ...secrets, password: '${PW}' },
  resolvedCredentials: { ...secrets, password: 'from-env' },
};
const unchangedCreds = {
  clientId: 'app',
  clientSecret: UNCHANGED,
  username: 'ann',
  password: UNCHANGED,
};
const form = (change: FormValues = {}): FormValues => ({ ...deployed.raw, ...change });

/** A different value for each destination field. */
const CHANGES: Record<
  (typeof OAUTH_DESTINATION_FIELDS)[number],
  FormValues | { clientId: string }
> = {
  kind: { kind: 'basic' },
  assertionAudience: { assertionAudience: 'https://attacker.example' },
  assertionSubject: { assertionSubject: 'someone-else' },
  grantType: { grantType: 'client_credentials' },
  tokenUrl: { tokenUrl: 'https://attacker.example/token' },
  issuer: { issuer: 'https://attacker.example' },
  refreshTokenUrl: { refreshTokenUrl: 'https://attacker.example/refresh' },
  clientAuth: { clientAuth: 'client_secret_post' },
  clientId: { clientId: 'other-app' },
  allowInsecureHttp: { allowInsecureHttp: true },
  tls: { tls: 'another-tls-node' },
  proxy: { proxy: 'another-proxy-node' },
  extraParams: { extraParams: [{ name: 'audience', value: 'attacker' }] },
  deviceAuthorizationUrl: { deviceAuthorizationUrl: 'https://attacker.example/device' },
};

describe('Test connection form', () => {
  it('uses the stored secrets, as deploy resolved them, when nothing that routes them changed', () => {
    const r = resolveTestForm(form({ scope: 'read write', timeout: 5 }), unchangedCreds, deployed);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(r.credentials).to.include({ clientSecret: 's3cret', password: 'from-env' });
    expect(r.settings.tokenUrl).to.equal('https://idp.example.com/token');
    expect(r.settings.scope).to.equal('read write');
  });

  for (const [field, change] of Object.entries(CHANGES)) {
    it(`asks for the secrets again, and names ${field}, when ${field} changed`, () => {
      const creds = 'clientId' in change ? { ...unchangedCreds, ...change } : unchangedCreds;
      const settings = 'clientId' in change ? form() : form(change as FormValues);
      const r = resolveTestForm(settings, creds, deployed);
      expect(r).to.deep.include({ ok: false, code: 'SECRET_REQUIRED', changed: [field] });
      if (r.ok || r.code !== 'SECRET_REQUIRED') return;
      // client_credentials needs only the client secret; the password grant both; Basic the password.
      expect(r.fields).to.include(field === 'kind' ? 'password' : 'clientSecret');
    });
  }

  describe('of a static kind', () => {
    const apiKeyObject: DeployedObject = {
      raw: { kind: 'apiKey', apiKeyName: 'X-Key', apiKeyIn: 'header', testUrl: '${API}' },
      resolved: {
        kind: 'apiKey',
        apiKeyName: 'X-Key',
        apiKeyIn: 'header',
        testUrl: 'https://api.example.com/me',
      },
      rawCredentials: { apiKey: '${KEY}' },
      resolvedCredentials: { apiKey: 'key-from-env' },
    };
    it('uses the stored key, as deploy resolved it, for the deployed test URL', () => {
      const r = resolveTestForm({ ...apiKeyObject.raw }, { apiKey: UNCHANGED }, apiKeyObject);
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(r.credentials.apiKey).to.equal('key-from-env');
      expect(r.settings.testUrl).to.equal('https://api.example.com/me');
    });
    for (const change of [
      { testUrl: 'https://attacker.example/echo' },
      { apiKeyIn: 'query' },
      { apiKeyName: 'X-Other' },
      { kind: 'bearer' },
      { allowInsecureHttp: true },
      { proxy: 'another-proxy' },
    ] as FormValues[]) {
      it(`asks for the key again when ${Object.keys(change)[0]} changed`, () => {
        const creds = { apiKey: UNCHANGED, token: UNCHANGED };
        const r = resolveTestForm({ ...apiKeyObject.raw, ...change }, creds, apiKeyObject);
        expect(r).to.deep.include({ ok: false, code: 'SECRET_REQUIRED' });
        if (r.ok || r.code !== 'SECRET_REQUIRED') return;
        expect(r.changed).to.include(Object.keys(change)[0]);
      });
    }
  });

  it('leaves an OAuth object alone when only fields of the static kinds changed', () => {
    const r = resolveTestForm(
      form({ testUrl: 'https://elsewhere.example/', apiKeyName: 'X', apiKeyIn: 'query' }),
      unchangedCreds,
      deployed,
    );
    expect(r.ok).to.equal(true);
  });

  it('asks for every stored secret an object not deployed yet would need', () => {
    const r = resolveTestForm(
      form({ tokenUrl: 'https://idp.example.com/token' }),
      unchangedCreds,
      undefined,
    );
    expect(r).to.deep.equal({
      ok: false,
      code: 'SECRET_REQUIRED',
      fields: ['clientSecret', 'password'],
      changed: [],
    });
  });

  it('tests a changed destination with secrets typed in the form', () => {
    const r = resolveTestForm(
      form({ tokenUrl: 'https://other.example/token' }),
      { clientId: 'app', clientSecret: 'typed', username: 'ann', password: 'typed-pw' },
      deployed,
    );
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.credentials).to.include({ clientSecret: 'typed', password: 'typed-pw' });
  });

  it('ignores an unchanged secret the grant does not send', () => {
    const r = resolveTestForm(
      form({ grantType: 'client_credentials', clientAuth: 'none' }),
      unchangedCreds,
      deployed,
    );
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.credentials.password).to.equal(undefined);
  });

  it('never resolves a ${NAME} the request brings, in settings or credentials', () => {
    for (const [settings, creds, field] of [
      [form({ tokenUrl: '${HOME}' }), unchangedCreds, 'tokenUrl'],
      [form({ grantType: '$(PATH)' }), unchangedCreds, 'grantType'],
      [form({ extraParams: [{ name: 'a', value: '${PW}' }] }), unchangedCreds, 'extraParams'],
      [form(), { ...unchangedCreds, password: '${PW}' }, 'password'],
      [form(), { ...unchangedCreds, clientId: '${CLIENT}' }, 'clientId'],
    ] as const) {
      expect(resolveTestForm(settings, creds, deployed)).to.deep.equal({
        ok: false,
        code: 'ENV_UNRESOLVED',
        field,
      });
    }
  });

  it("takes Node-RED's placeholder for an unchanged password", () => {
    expect(UNCHANGED).to.equal('__PWRD__');
  });

  it('counts blanks, defaults and types that mean the same as unchanged', () => {
    const same: FormValues[] = [
      { grantType: ' password ' },
      { clientAuth: '' },
      { clientAuth: undefined },
      { allowInsecureHttp: 'false' },
      { allowInsecureHttp: undefined },
      { tls: null },
      { proxy: undefined },
      { tokenUrl: ' ${TOKEN_URL} ' },
      { extraParams: [{ name: ' audience ', value: 'api' }] },
    ];
    for (const change of same) {
      const r = resolveTestForm(form(change), unchangedCreds, deployed);
      expect(r.ok, JSON.stringify(change)).to.equal(true);
      if (r.ok) expect(r.credentials.password).to.equal('from-env');
    }
  });

  it('counts a value that means something else as changed', () => {
    const changed: FormValues[] = [
      // An empty grant is the default grant, client_credentials.
      { grantType: '' },
      { allowInsecureHttp: 'true' },
      { tls: 5 },
      { extraParams: [] },
      { extraParams: 'audience=api' },
      { extraParams: [{ name: 'audience', value: 5 }] },
      { extraParams: [{ name: 'audience' }] },
      { extraParams: [{ name: 'audience', value: 'api' }, null] },
    ];
    for (const change of changed) {
      const r = resolveTestForm(form(change), unchangedCreds, deployed);
      expect(r, JSON.stringify(change)).to.deep.include({ ok: false, code: 'SECRET_REQUIRED' });
    }
    const bothFalse = {
      ...deployed,
      raw: { ...deployed.raw, allowInsecureHttp: true },
    };
    expect(
      resolveTestForm(form({ allowInsecureHttp: true }), unchangedCreds, bothFalse).ok,
    ).to.equal(true);
    expect(
      resolveTestForm(form({ allowInsecureHttp: 'true' }), unchangedCreds, bothFalse).ok,
    ).to.equal(true);
  });

  it('uses the deployed value of an unchanged non-secret credential, as deploy resolved it', () => {
    const withEnvId: DeployedObject = {
      ...deployed,
      rawCredentials: { ...deployed.rawCredentials, clientId: '${CLIENT_ID}' },
      resolvedCredentials: { ...deployed.resolvedCredentials, clientId: 'real-id' },
    };
    const r = resolveTestForm(form(), { ...unchangedCreds, clientId: '${CLIENT_ID}' }, withEnvId);
    expect(r.ok && r.credentials.clientId).to.equal('real-id');
    const typed = resolveTestForm(form(), { ...unchangedCreds, clientId: 'typed' }, deployed);
    expect(typed).to.deep.include({ ok: false, code: 'SECRET_REQUIRED' });
  });

  it('finds a ${NAME} in any extra parameter, not only the first', () => {
    for (const extraParams of [
      [
        { name: 'a', value: 'x' },
        { name: 'b', value: '${PW}' },
      ],
      [null, { name: '${N}', value: 'x' }],
      ['${PW}', { name: 'c', value: '${PW}' }],
    ]) {
      expect(resolveTestForm(form({ extraParams }), unchangedCreds, deployed)).to.deep.equal({
        ok: false,
        code: 'ENV_UNRESOLVED',
        field: 'extraParams',
      });
    }
    expect(
      resolveTestForm(form({ extraParams: ['${PW}'] }), unchangedCreds, deployed),
    ).to.deep.include({ code: 'SECRET_REQUIRED' });
  });

  it('takes fields of any type without throwing', () => {
    const odd: unknown[] = [42, null, [], {}, true, '  ', { toString: 1 }];
    for (const v of odd) {
      const settings = Object.fromEntries(Object.keys(deployed.raw).map((k) => [k, v]));
      const creds = { clientId: v, clientSecret: v, password: v, username: v, privateKey: v };
      expect(() => resolveTestForm(settings, creds, deployed)).to.not.throw();
      expect(() => resolveTestForm(settings, creds, undefined)).to.not.throw();
    }
  });
});
