/**
 * The secret-leak scan for every kind: every encoding of every secret (test/helpers/
 * secret-forms.ts) is absent from statuses, the log (debug nodes writing to it included),
 * errors, msg.token, the deployed flow and the admin routes' answers.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import {
  JWT_BEARER,
  startJwtBearerServer,
  type JwtBearerServer,
} from '../fixtures/jwt-bearer-server';
import { startRawServer, type RawServer } from '../fixtures/raw-server';
import { emitted, flowOf, helper, load, type FlowNode } from '../helpers/runtime';
import { requireFromNodeRed } from '../helpers/node-red-version';
import { leaks } from '../helpers/secret-forms';

const debugNode = requireFromNodeRed('@node-red/nodes/core/common/21-debug.js');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const EMAIL = 'leak-test@project.iam.gserviceaccount.com';

interface Case {
  kind: string;
  auth: () => Record<string, unknown>;
  creds: Record<string, string>;
  /** What the secrets are, each with the id it could travel with in HTTP Basic. */
  secrets: [string, string][];
  /** A message that fails after the object was chosen, or undefined. */
  failing?: Record<string, unknown>;
}

describe('no secret of any kind leaks', function () {
  this.timeout(30_000);
  let api: RawServer;
  let jwt: JwtBearerServer;

  before(async () => {
    // An API that echoes what it got, in the body and a header: the flow shows the answer.
    api = await startRawServer((req, res) => {
      res.writeHead(401, {
        'content-type': 'text/plain',
        'x-echo': String(req.headers.authorization ?? ''),
      });
      res.end(`you sent ${JSON.stringify(req.headers)} ${req.url}`);
    });
    jwt = await startJwtBearerServer([{ iss: EMAIL, publicKey: rsa.publicKey, alg: 'RS256' }]);
  });
  after(async () => {
    await api.close();
    await jwt.close();
  });
  afterEach(() => helper.unload());

  const cases: Case[] = [
    {
      kind: 'apiKey in a header',
      auth: () => ({ kind: 'apiKey', apiKeyName: 'X-Key', testUrl: `${api.url}/me` }),
      creds: { apiKey: 'hdr-Key/+=é 1'.replace(' ', '') },
      secrets: [['', 'hdr-Key/+=é1']],
    },
    {
      kind: 'apiKey in the query',
      auth: () => ({
        kind: 'apiKey',
        apiKeyName: 'key',
        apiKeyIn: 'query',
        testUrl: `${api.url}/q`,
      }),
      creds: { apiKey: 'qry Key&=/é' },
      secrets: [['', 'qry Key&=/é']],
      failing: { url: 'not a url' },
    },
    {
      kind: 'basic',
      auth: () => ({ kind: 'basic', testUrl: `${api.url}/me` }),
      creds: { username: 'Jürgen', password: 'bäsic Pw:+/' },
      secrets: [['Jürgen', 'bäsic Pw:+/']],
    },
    {
      kind: 'bearer',
      auth: () => ({ kind: 'bearer', testUrl: `${api.url}/me` }),
      creds: { token: 'ghp_LeakTest0123456789' },
      secrets: [['', 'ghp_LeakTest0123456789']],
    },
    {
      kind: 'the JWT bearer grant',
      auth: () => ({ grantType: JWT_BEARER, tokenUrl: jwt.tokenUrl, scope: 'x' }),
      creds: { clientId: EMAIL, privateKey: PEM },
      secrets: [
        ['', PEM.split('\n')[1]!],
        ['', PEM.split('\n')[5]!],
      ],
    },
  ];

  for (const c of cases) {
    it(`keeps ${c.kind} out of status, log, debug, errors, msg.token, the flow and admin answers`, async () => {
      const flow: FlowNode[] = flowOf(c.auth(), { wires: [['out', 'dbg']] });
      flow.push(
        {
          id: 'dbg',
          type: 'debug',
          z: 'tab',
          x: 500,
          y: 100,
          active: true,
          tosidebar: true,
          console: true,
          complete: 'token',
        },
        {
          id: 'dbgErr',
          type: 'debug',
          z: 'tab',
          x: 500,
          y: 200,
          active: true,
          tosidebar: true,
          console: true,
          complete: 'error',
        },
      );
      (flow.find((n) => n.id === 'catch') as unknown as { wires: string[][] }).wires = [
        ['caught', 'dbgErr'],
      ];
      const loaded = await load(flow, { auth: c.creds }, [debugNode]);
      loaded.send({ url: `${api.url}/data` });
      if (c.failing) loaded.send(c.failing);
      await loaded.settled(c.failing ? 2 : 1);
      const answers: string[] = [];
      const test = await helper
        .request()
        .post('/auth-objects/test')
        .send({
          id: 'auth',
          ...c.auth(),
          credentials: Object.fromEntries(
            Object.keys(c.creds).map((k) => [
              k,
              k === 'username' || k === 'clientId' ? c.creds[k] : '__PWRD__',
            ]),
          ),
        })
        .expect(200);
      answers.push(test.text);
      answers.push((await helper.request().get('/auth-objects/expiries').expect(200)).text);
      expect(test.body.ok, test.text).to.be.a('boolean');
      const tokens = loaded.out.map((m) => JSON.stringify(m.token));
      const text = [emitted(loaded), ...answers, ...tokens].join('\n');
      for (const [id, secret] of c.secrets) {
        expect(leaks(text, [secret], id), c.kind).to.deep.equal([]);
      }
    });
  }
});
