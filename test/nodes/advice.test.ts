/**
 * The advice README's Troubleshooting table gives, worded from the locale catalogue:
 * after the error's message in Test connection and in msg.error.message, never in the
 * short node status.
 */
import { expect } from 'chai';
import net from 'node:net';
import authObject from '../../nodes/auth-object';
import getToken from '../../nodes/auth-get-token';
import { handlers, startRawServer, type RawHandler, type RawServer } from '../fixtures/raw-server';
import { inEnglish } from '../helpers/english';
import { requireFromNodeRed } from '../helpers/node-red-version';
import { flowOf, helper } from '../helpers/runtime';

const catchNode = requireFromNodeRed('@node-red/nodes/core/common/25-catch.js');
const creds = { clientId: 'cid', clientSecret: 'advice-secret-3Jd' };

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe('advice after the error, in English from the catalogue', function () {
  this.timeout(20_000);
  let raw: RawServer;

  beforeEach(async () => {
    raw = await startRawServer(handlers.json(200, { access_token: 'x' }));
  });
  afterEach(async () => {
    await helper.unload();
    await raw.close();
  });

  const loadFlow = (auth: Record<string, unknown> = {}) =>
    helper.load(
      [inEnglish(authObject), inEnglish(getToken), catchNode],
      flowOf({ grantType: 'client_credentials', tokenUrl: raw.tokenUrl, cooldown: 0, ...auth }),
      { auth: creds },
    );

  /** One message into the loaded get token: the error its Catch node got, every status. */
  async function sendOne() {
    const caught = new Promise<{ error: { message: string; code?: string } }>((resolve) =>
      (helper.getNode('caught') as unknown as NodeJS.EventEmitter).on('input', resolve),
    );
    const statuses: { text?: string }[] = [];
    const get = helper.getNode('get') as unknown as NodeJS.EventEmitter;
    get.on('call:status', (c: { args: { text?: string }[] }) => statuses.push(c.args[0]!));
    (helper.getNode('get') as unknown as { receive(m: object): void }).receive({ payload: 'go' });
    const { error } = await caught;
    return { error, statuses };
  }

  async function testConnection(form: Record<string, unknown>, handler?: RawHandler) {
    if (handler) raw.setHandler(handler);
    await loadFlow();
    const res = await helper
      .request()
      .post('/auth-objects/test')
      .send({
        grantType: 'client_credentials',
        tokenUrl: raw.tokenUrl,
        clientAuth: 'client_secret_basic',
        timeout: 1,
        credentials: creds,
        ...form,
      })
      .expect(200);
    return res.body as { ok: boolean; code: string; message: string };
  }

  const cases: [string, Record<string, unknown>, RawHandler | undefined, string, RegExp][] = [
    [
      'unsupported_grant_type',
      {},
      handlers.json(400, { error: 'unsupported_grant_type' }),
      'unsupported_grant_type',
      /\. The grant is not enabled for this client at the server \(Keycloak/,
    ],
    [
      'unauthorized_client',
      {},
      handlers.json(400, { error: 'unauthorized_client' }),
      'unauthorized_client',
      /\. The grant is not enabled for this client/,
    ],
    [
      'invalid_client',
      {},
      handlers.json(401, { error: 'invalid_client', error_description: 'Client unknown.' }),
      'invalid_client',
      /^Token endpoint refused the request: invalid_client Client unknown\. Check the client ID and secret.*switch between client_secret_basic and client_secret_post/,
    ],
    [
      'invalid_grant',
      { grantType: 'password', credentials: { ...creds, username: 'u', password: 'p' } },
      handlers.json(400, { error: 'invalid_grant' }),
      'invalid_grant',
      /\. Check the username and password/,
    ],
    [
      'invalid_scope',
      { scope: 'nope' },
      handlers.json(400, { error: 'invalid_scope' }),
      'invalid_scope',
      /\/\.default for client credentials\.$/,
    ],
    [
      'HTTP 404 as text',
      {},
      handlers.text(404, 'Not Found'),
      'HTTP_404',
      /^Token endpoint answered HTTP 404 \(text\/plain\)\. Wrong tenant, realm or path in the token URL\.$/,
    ],
    [
      'a redirect',
      {},
      handlers.redirect('https://login.example.com/', 302),
      'HTTP_302',
      /^Token endpoint answered with a redirect \(HTTP 302\)\. Redirects are not followed: .*curl -i -X POST/,
    ],
    [
      'an HTML page with 200',
      {},
      handlers.html(200),
      'BAD_RESPONSE',
      /\(text\/html\)\. The URL is a web page: .*openid-configuration\.$/,
    ],
    [
      'a token URL to another host over http',
      { tokenUrl: 'http://example.com/token' },
      undefined,
      'CONFIG_INVALID',
      /^Token URL \(tokenUrl\) must use https:\/\/.*\. Nothing was sent: correct this setting/,
    ],
    [
      'a discovery document that is not JSON',
      { tokenUrl: '', issuer: 'ISSUER' },
      handlers.text(200, 'hello'),
      'DISCOVERY_FAILED',
      /^OpenID discovery failed: the document is not a JSON object\. Check the Issuer URL/,
    ],
    [
      'a server that does not answer',
      {},
      handlers.hang(),
      'ETIMEDOUT',
      /\. A slow server: raise Timeout\. Behind a proxy/,
    ],
  ];

  for (const [what, form, handler, code, says] of cases) {
    it(`adds the advice for ${what} (${code}) to Test connection's message`, async () => {
      const f = form.issuer === 'ISSUER' ? { ...form, issuer: raw.url } : form;
      const r = await testConnection(f, handler);
      expect(r).to.include({ ok: false, code });
      expect(r.message).to.match(says);
      expect(r.message).to.not.match(/__\w+__|auth-object\./);
    });
  }

  it('adds the advice for a refused connection (ECONNREFUSED)', async () => {
    const port = await closedPort();
    const r = await testConnection({ tokenUrl: `http://127.0.0.1:${port}/token` });
    expect(r).to.include({ ok: false, code: 'ECONNREFUSED' });
    expect(r.message).to.match(
      /^Could not connect to the token endpoint \(ECONNREFUSED\)\. Check the host and port of the URL\. Behind a proxy/,
    );
  });

  it('adds it to msg.error.message too, and keeps the node status to the code', async () => {
    raw.setHandler(handlers.json(400, { error: 'unsupported_grant_type' }));
    await loadFlow();
    const { error, statuses } = await sendOne();
    // Node-RED gives a Catch node the error as text: "Error: " and its message.
    expect(error.message).to.match(
      /Token endpoint refused the request: unsupported_grant_type\. The grant is not enabled/,
    );
    expect(statuses.at(-1)).to.deep.equal({
      fill: 'red',
      shape: 'ring',
      text: 'unsupported_grant_type',
    });
  });

  it('words SIGN_IN_REQUIRED with its advice, and the status says to sign in', async () => {
    await loadFlow({
      grantType: 'authorization_code',
      authorizeUrl: `${raw.url}/authorize`,
      clientAuth: 'none',
    });
    const { error, statuses } = await sendOne();
    expect(error.message).to.match(
      /Nobody has signed in yet: open the auth object in the editor and sign in \(SIGN_IN_REQUIRED\)\. Open the auth object in the editor and press Sign in/,
    );
    expect(statuses.at(-1)).to.deep.equal({
      fill: 'red',
      shape: 'ring',
      text: 'sign in required',
    });
    expect(raw.requests).to.have.length(0);
  });
});
