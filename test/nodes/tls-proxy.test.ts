import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { coreNodes, expectNoSecrets, flowOf, helper, load, type Loaded } from '../helpers/runtime';

const creds = { auth: { ...DEMO.confidential } };

/** A self-signed certificate for 127.0.0.1, made with openssl. */
function selfSigned(): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('get token over TLS and through a proxy', function () {
  this.timeout(30_000);
  let loaded: Loaded | undefined;
  afterEach(async () => {
    try {
      if (loaded) expectNoSecrets(loaded, [DEMO.confidential.clientSecret]);
    } finally {
      loaded = undefined;
      await helper.unload();
    }
  });

  describe('a token endpoint with a self-signed certificate', () => {
    let server: https.Server;
    let url: string;
    let connections = 0;
    let tokenRequests = 0;
    let pem: { cert: string; key: string };

    before(async () => {
      pem = selfSigned();
      server = https.createServer(pem, (_req, res) => {
        tokenRequests++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ access_token: 'tls-token', token_type: 'Bearer', expires_in: 60 }),
        );
      });
      server.on('connection', () => connections++);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/token`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    beforeEach(() => {
      connections = 0;
      tokenRequests = 0;
    });

    it('is refused by default with the certificate error, tried once', async () => {
      loaded = await load(flowOf({ grantType: 'client_credentials', tokenUrl: url }), creds);
      loaded.send();
      await loaded.settled(1);
      expect(loaded.errors[0]!.error).to.include({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect(connections).to.equal(1);
      expect(tokenRequests).to.equal(0);
    });

    it('is accepted with a tls-config node that trusts the certificate', async () => {
      const flow = flowOf({ grantType: 'client_credentials', tokenUrl: url, tls: 'tls' });
      flow.push({
        id: 'tls',
        type: 'tls-config',
        cert: '',
        key: '',
        ca: '',
        verifyservercert: true,
      });
      loaded = await load(flow, { ...creds, tls: { cadata: pem.cert } }, [coreNodes.tls]);
      loaded.send();
      await loaded.settled(1);
      expect(loaded.errors).to.have.length(0);
      expect((loaded.out[0]!.token as { access_token: string }).access_token).to.equal('tls-token');
    });
  });

  describe('an http proxy node', () => {
    let oauth: OAuthServer;
    let proxy: http.Server;
    let proxyUrl: string;
    const connects: string[] = [];
    const sockets = new Set<net.Socket>();

    before(async () => {
      oauth = await startOAuthServer();
      // A CONNECT proxy that records where each tunnel goes.
      proxy = http.createServer((_req, res) => res.writeHead(405).end());
      proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
        connects.push(String(req.url));
        const [host, port] = String(req.url).split(':');
        const upstream = net.connect(Number(port), host, () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => s.destroy());
          s.on('close', () => sockets.delete(s));
        }
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
      await oauth.close();
    });
    beforeEach(() => (connects.length = 0));

    const withProxy = (noproxy: string[]) => {
      const flow = flowOf({
        grantType: 'client_credentials',
        tokenUrl: oauth.tokenUrl,
        proxy: 'px',
      });
      flow.push({ id: 'px', type: 'http proxy', url: proxyUrl, noproxy });
      return flow;
    };

    it('sends token requests through the proxy', async () => {
      loaded = await load(withProxy([]), creds, [coreNodes.proxy]);
      loaded.send();
      await loaded.settled(1);
      expect(loaded.errors).to.have.length(0);
      expect(connects).to.deep.equal([new URL(oauth.tokenUrl).host]);
      expect(oauth.requests).to.have.length(1);
    });

    it("goes direct to hosts on the proxy node's ignore list", async () => {
      loaded = await load(withProxy(['127.0.0.1']), creds, [coreNodes.proxy]);
      loaded.send();
      await loaded.settled(1);
      expect(loaded.errors).to.have.length(0);
      expect(connects).to.have.length(0);
    });
  });
});
