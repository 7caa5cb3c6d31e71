/**
 * Test connection: which form values count as the deployed ones. A value equal to the
 * deployed one (after defaults and blanks are evened out) uses what deploy resolved and
 * keeps the stored secrets usable; a different one is taken as typed.
 */
import { expect } from 'chai';
import { resolveTestForm, type DeployedObject } from '../../nodes/core/test-form';

/** What Node-RED's editor sends for a password field the user did not touch. */
const PLACEHOLDER = '__PWRD__';

const oauth = (raw: DeployedObject['raw']): DeployedObject => ({
  raw: { tokenUrl: '${TOKEN_URL}', ...raw },
  resolved: { tokenUrl: 'https://idp.example.com/token', ...raw },
  rawCredentials: { clientId: 'app', clientSecret: '${SECRET}' },
  resolvedCredentials: { clientId: 'app', clientSecret: 'from-env' },
});

describe('Test connection form: unchanged values', () => {
  it("takes Node-RED's __PWRD__ for an untouched secret and uses the stored one", () => {
    const d = oauth({ grantType: 'client_credentials' });
    const r = resolveTestForm({ ...d.raw }, { clientId: 'app', clientSecret: PLACEHOLDER }, d);
    expect(r).to.deep.include({ ok: true });
    expect(r.ok && r.credentials.clientSecret).to.equal('from-env');
    const fresh = resolveTestForm(
      { ...d.resolved },
      { clientId: 'app', clientSecret: PLACEHOLDER },
      undefined,
    );
    expect(fresh).to.deep.include({ ok: false, code: 'SECRET_REQUIRED', fields: ['clientSecret'] });
  });

  it('takes a kind, grant or client authentication left empty as its default', () => {
    // A flow saved before kinds existed has no kind; the form sends the default by name.
    for (const [stored, sent] of [
      [{ grantType: 'client_credentials' }, { grantType: 'client_credentials', kind: 'oauth2' }],
      [{ grantType: '' }, { grantType: 'client_credentials' }],
      [
        { grantType: 'client_credentials', clientAuth: '' },
        { grantType: 'client_credentials', clientAuth: 'client_secret_basic' },
      ],
    ]) {
      const d = oauth(stored!);
      const r = resolveTestForm(
        { ...d.raw, ...sent },
        { clientId: 'app', clientSecret: PLACEHOLDER },
        d,
      );
      expect(r, JSON.stringify(sent)).to.deep.include({ ok: true });
      expect(r.ok && r.credentials.clientSecret).to.equal('from-env');
    }
  });

  it('uses the stored client secret when the client authentication is left at its default', () => {
    const d = oauth({ grantType: 'client_credentials' });
    const r = resolveTestForm({ ...d.raw }, { clientId: 'app', clientSecret: PLACEHOLDER }, d);
    expect(r.ok && r.credentials.clientSecret).to.equal('from-env');
  });

  it('takes an API key placement left empty as header', () => {
    const d: DeployedObject = {
      raw: { kind: 'apiKey', apiKeyName: 'X-Key', testUrl: 'https://api.example.com/me' },
      resolved: { kind: 'apiKey', apiKeyName: 'X-Key', testUrl: 'https://api.example.com/me' },
      rawCredentials: { apiKey: '${KEY}' },
      resolvedCredentials: { apiKey: 'key-from-env' },
    };
    const r = resolveTestForm({ ...d.raw, apiKeyIn: 'header' }, { apiKey: PLACEHOLDER }, d);
    expect(r).to.deep.include({ ok: true });
    expect(r.ok && r.credentials.apiKey).to.equal('key-from-env');
  });

  it('takes an extra parameter without a value as one with an empty value, and no list as an empty one', () => {
    const d = oauth({
      grantType: 'client_credentials',
      extraParams: [
        { name: 'resource', value: '' },
        { name: 'audience', value: '${AUD}' },
      ],
    });
    d.resolved.extraParams = [
      { name: 'resource', value: '' },
      { name: 'audience', value: 'https://api.example.com' },
    ];
    const r = resolveTestForm(
      { ...d.raw, extraParams: [{ name: 'resource' }, { name: 'audience', value: '${AUD}' }] },
      { clientId: 'app', clientSecret: PLACEHOLDER },
      d,
    );
    expect(r).to.deep.include({ ok: true });
    expect(r.ok && r.settings.extraParams).to.deep.equal(d.resolved.extraParams);
    expect(r.ok && r.credentials.clientSecret).to.equal('from-env');

    const none = oauth({ grantType: 'client_credentials' });
    const r2 = resolveTestForm(
      { ...none.raw, extraParams: [] },
      { clientId: 'app', clientSecret: PLACEHOLDER },
      none,
    );
    expect(r2).to.deep.include({ ok: true });
    expect(r2.ok && r2.credentials.clientSecret).to.equal('from-env');
  });

  it('sends extra parameters typed in the form as they are, and refuses a ${NAME} in one', () => {
    const form = {
      grantType: 'client_credentials',
      tokenUrl: 'https://idp.example.com/token',
      extraParams: [{ name: 'audience', value: 'api' }],
    };
    const creds = { clientId: 'app', clientSecret: 'typed' };
    const r = resolveTestForm(form, creds, undefined);
    expect(r).to.deep.include({ ok: true });
    expect(r.ok && r.settings.extraParams).to.deep.equal([{ name: 'audience', value: 'api' }]);
    const env = resolveTestForm(
      { ...form, extraParams: [{ name: 'audience', value: '${AUD}' }] },
      creds,
      undefined,
    );
    expect(env).to.deep.equal({ ok: false, code: 'ENV_UNRESOLVED', field: 'extraParams' });
  });
});
