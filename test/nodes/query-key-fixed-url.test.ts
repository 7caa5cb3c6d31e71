/**
 * An http request node with a URL of its own ignores msg.url: a query API key that get
 * token put there never reaches the API. get token says so at deploy.
 */
import { expect } from 'chai';
import {
  apiFlow,
  coreNodes,
  emitted,
  helper,
  load,
  type FlowNode,
  type Loaded,
} from '../helpers/runtime';
import { requireFromNodeRed } from '../helpers/node-red-version';

const httpRequest = requireFromNodeRed('@node-red/nodes/core/network/21-httprequest.js');

const KEY = 'q-Key_0123456789-secret';

/** auth → get token → (link out → link in) → http request with `url` → out. */
function flow(url: string, via = false): FlowNode[] {
  const f = apiFlow(
    { kind: 'apiKey', apiKeyName: 'api_key', apiKeyIn: 'query' },
    via ? { wires: [['lo']] } : {},
    { url, name: 'call the API' },
  );
  if (via) {
    f.push(
      { id: 'lo', type: 'link out', z: 'tab', x: 150, y: 100, links: ['li'], wires: [] },
      { id: 'li', type: 'link in', z: 'tab', x: 100, y: 200, links: ['lo'], wires: [['req']] },
    );
  }
  return f;
}

const warnings = (l: Loaded) =>
  emitted(l)
    .split('\n')
    .filter((line) => line.includes('warnings.fixedUrl'));

describe('a query API key in front of an http request node with its own URL', function () {
  this.timeout(20_000);
  let loaded: Loaded | undefined;
  afterEach(async () => {
    loaded = undefined;
    await helper.unload();
  });

  it('warns at deploy, once, through link nodes, and never shows the key', async () => {
    loaded = await load(flow('https://api.example.com/things', true), { auth: { apiKey: KEY } }, [
      httpRequest,
      coreNodes.link,
    ]);
    const found = warnings(loaded);
    expect(found, 'one warning').to.have.length(1);
    expect(emitted(loaded)).to.not.contain(KEY);
  });

  it('says nothing when the http request node takes its URL from msg.url', async () => {
    loaded = await load(flow(''), { auth: { apiKey: KEY } }, [httpRequest]);
    expect(warnings(loaded)).to.deep.equal([]);
  });

  it('says nothing for an API key sent in a header', async () => {
    const f = flow('https://api.example.com/things');
    const auth = f.find((n) => n.type === 'auth-object')!;
    auth.apiKeyIn = 'header';
    auth.apiKeyName = 'X-API-Key';
    loaded = await load(f, { auth: { apiKey: KEY } }, [httpRequest]);
    expect(warnings(loaded)).to.deep.equal([]);
  });
});
