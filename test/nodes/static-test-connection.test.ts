/**
 * Test connection of the static kinds: one GET of the optional test URL with the
 * credential, reporting the HTTP status; stored secrets only for the deployed URL.
 */
import { expect } from 'chai';
import { handlers, startRawServer, type RawServer } from '../fixtures/raw-server';
import { flowOf, helper, load } from '../helpers/runtime';
import { leaks } from '../helpers/secret-forms';

const PASSWORD = 'basic-Pw-ü:93';
const TOKEN = 'glpat-Secret0Token1';

describe('Test connection of API key, Basic and bearer objects', function () {
  this.timeout(20_000);
  let api: RawServer;
  const answers: string[] = [];

  beforeEach(async () => {
    api = await startRawServer((req, res) => {
      const ok =
        req.headers.authorization === `Bearer ${TOKEN}` ||
        req.headers.authorization ===
          `Basic ${Buffer.from(`ann:${PASSWORD}`, 'utf8').toString('base64')}` ||
        new URL(req.url ?? '/', 'http://x').searchParams.get('key') === TOKEN;
      handlers.text(ok ? 200 : 401, ok ? 'hello' : 'who are you')(req, res, '', 0);
    });
    await load(
      [
        ...flowOf({ kind: 'basic', testUrl: `${api.url}/me` }),
        { id: 'patobj', type: 'auth-object', name: 'pat', kind: 'bearer' },
      ],
      { auth: { username: 'ann', password: PASSWORD }, patobj: { token: TOKEN } },
    );
  });
  afterEach(async () => {
    await helper.unload();
    await api.close();
  });
  after(() => {
    expect(leaks(answers.join('\n'), [PASSWORD, TOKEN], 'ann')).to.deep.equal([]);
  });

  async function test(body: Record<string, unknown>) {
    const res = await helper.request().post('/auth-objects/test').send(body).expect(200);
    answers.push(res.text);
    return res.body as Record<string, unknown>;
  }
  const basicForm = (extra: Record<string, unknown> = {}, creds: Record<string, string> = {}) => ({
    id: 'auth',
    kind: 'basic',
    testUrl: `${api.url}/me`,
    credentials: { username: 'ann', password: '__PWRD__', ...creds },
    ...extra,
  });

  it('calls the test URL with the stored password when nothing that routes it changed', async () => {
    expect(await test(basicForm())).to.deep.equal({ ok: true, static: true, status: 200 });
    expect(api.requests).to.have.length(1);
    expect(api.requests[0]!.method).to.equal('GET');
  });

  it('reports the status of a refused credential, typed in the form', async () => {
    const r = await test(basicForm({}, { password: 'wrong' }));
    expect(r).to.include({ ok: false, static: true, status: 401, code: 'HTTP_401' });
    expect(String(r.message)).to.contain('401');
  });

  it('asks for the password again for another test URL, sending nothing', async () => {
    const r = await test(basicForm({ testUrl: `${api.url}/elsewhere` }));
    expect(r).to.deep.include({ ok: false, code: 'SECRET_REQUIRED', fields: ['password'] });
    expect(api.requests).to.have.length(0);
  });

  it('says the settings are complete when there is no test URL, calling nothing', async () => {
    const r = await test({ id: 'patobj', kind: 'bearer', credentials: { token: '__PWRD__' } });
    expect(r).to.deep.equal({ ok: true, static: true });
    expect(api.requests).to.have.length(0);
  });

  it('puts a typed query API key into the test URL', async () => {
    const r = await test({
      kind: 'apiKey',
      apiKeyName: 'key',
      apiKeyIn: 'query',
      testUrl: `${api.url}/q?x=1`,
      credentials: { apiKey: TOKEN },
    });
    expect(r).to.deep.equal({ ok: true, static: true, status: 200 });
    expect(api.requests[0]!.url).to.equal(`/q?x=1&key=${TOKEN}`);
  });

  it('names the field of a static kind the form gets wrong, sending nothing', async () => {
    const r = await test({ kind: 'apiKey', apiKeyName: 'bad name', credentials: { apiKey: 'k' } });
    expect(r).to.include({ ok: false, code: 'CONFIG_INVALID', field: 'apiKeyName' });
    expect(api.requests).to.have.length(0);
  });

  it('counts refused tests of a test URL in the same budgets: the sixth 401 in a row is not sent', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await test(basicForm({}, { password: `wrong-${i}` }));
      expect(r).to.include({ ok: false, status: 401 });
    }
    const res = await helper
      .request()
      .post('/auth-objects/test')
      .send(basicForm({}, { password: 'wrong-6' }))
      .expect(429);
    answers.push(res.text);
    expect(res.body).to.include({ code: 'RATE_LIMITED', limit: 'refusedUser' });
    expect(api.requests).to.have.length(5);
  });

  it('does not count a test the API accepted as a refusal', async () => {
    for (let i = 0; i < 8; i++) {
      expect(await test(basicForm())).to.include({ ok: true, status: 200 });
    }
    expect(api.requests).to.have.length(8);
  });

  it('lists static objects in the sidebar with their kind and test URL host', async () => {
    const res = await helper.request().get('/auth-objects/expiries').expect(200);
    answers.push(res.text);
    const objects = (res.body as { objects: { id: string; endpoint: string }[] }).objects;
    expect(objects).to.deep.include({
      id: 'auth',
      name: 'test object',
      endpoint: `basic @ ${new URL(api.url).host}`,
      token: { state: 'ready' },
    });
    expect(objects).to.deep.include({
      id: 'patobj',
      name: 'pat',
      endpoint: 'bearer',
      token: { state: 'ready' },
    });
  });
});
