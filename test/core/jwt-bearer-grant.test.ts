/**
 * The JWT bearer grant (RFC 7523 §2.1): the signed assertion is the grant and the client's
 * proof at once, so the request carries no client credentials.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { authenticate } from '../../nodes/core/client-assertion';
import { validateSettings, type RawSettings } from '../../nodes/core/config';
import type { Transport } from '../../nodes/core/http';
import { probeToken } from '../../nodes/core/probe';
import { JWT_BEARER_GRANT } from '../../nodes/core/rules';
import type { HttpResponse } from '../../nodes/core/token-response';
import { grantRequest, refreshRequest } from '../../nodes/core/token-request';

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('JWT bearer grant (RFC 7523 §2.1)', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const settings = (extra: RawSettings = {}) =>
    validateSettings(
      {
        grantType: JWT_BEARER_GRANT,
        tokenUrl: 'https://idp.example/oauth/token',
        assertionAlg: 'ES256',
        clientAuth: 'client_secret_basic',
        ...extra,
      },
      { clientId: 'svc@example', clientSecret: 'never-sent', privateKey: pem },
    );
  const now = Date.UTC(2026, 0, 1);
  const signed = async (extra: RawSettings = {}) => {
    const s = settings(extra);
    const body = new URLSearchParams((await authenticate(s, grantRequest(s), now)).body);
    return { body, claims: claimsOf(body.get('assertion') ?? '') };
  };

  it('uses no client authentication, whatever clientAuth says', () => {
    const s = settings();
    expect(s.clientAuth).to.equal('none');
    const req = grantRequest(s);
    expect(req.headers).to.not.have.property('Authorization');
    const body = new URLSearchParams(req.body);
    expect([...body.keys()]).to.deep.equal(['grant_type']);
    expect(body.get('grant_type')).to.equal(JWT_BEARER_GRANT);
  });

  it('sends the signed assertion as assertion, not client_assertion', async () => {
    const { body } = await signed();
    expect(body.get('assertion'))
      .to.be.a('string')
      .that.matches(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(body.has('client_assertion')).to.equal(false);
    expect(body.has('client_assertion_type')).to.equal(false);
    expect(body.has('client_secret')).to.equal(false);
  });

  it('signs sub = iss = client id and aud = token endpoint unless others are named', async () => {
    const { claims } = await signed();
    expect(claims).to.include({
      iss: 'svc@example',
      sub: 'svc@example',
      aud: 'https://idp.example/oauth/token',
    });
    const named = await signed({
      assertionAudience: 'https://oauth2.googleapis.com/token',
      assertionSubject: 'user@example.com',
    });
    expect(named.claims).to.include({
      iss: 'svc@example',
      sub: 'user@example.com',
      aud: 'https://oauth2.googleapis.com/token',
    });
  });

  it('keeps the audience and subject settings only for the JWT bearer grant', () => {
    const named = { assertionAudience: 'https://aud.example', assertionSubject: 'someone' };
    expect(settings(named).assertion).to.include({
      audience: 'https://aud.example',
      subject: 'someone',
    });
    expect(settings().assertion).to.not.have.any.keys('audience', 'subject');
    const pkj = validateSettings(
      {
        grantType: 'client_credentials',
        tokenUrl: 'https://idp.example/oauth/token',
        clientAuth: 'private_key_jwt',
        assertionAlg: 'ES256',
        ...named,
      },
      { clientId: 'c', privateKey: pem },
    );
    expect(pkj.assertion).to.not.have.any.keys('audience', 'subject');
  });

  it('puts the scope in a scope claim, and none without a scope', async () => {
    expect((await signed({ scope: 'read write' })).claims).to.include({ scope: 'read write' });
    expect((await signed()).claims).to.not.have.property('scope');
  });

  it('puts no scope claim in a private_key_jwt client assertion', async () => {
    const s = validateSettings(
      {
        grantType: 'client_credentials',
        tokenUrl: 'https://idp.example/oauth/token',
        clientAuth: 'private_key_jwt',
        assertionAlg: 'ES256',
        scope: 'read',
      },
      { clientId: 'c', privateKey: pem },
    );
    const body = new URLSearchParams((await authenticate(s, grantRequest(s), now)).body);
    expect(body.has('assertion')).to.equal(false);
    expect(claimsOf(body.get('client_assertion')!)).to.not.have.property('scope');
    expect(claimsOf(body.get('client_assertion')!)).to.include({ sub: 'c' });
  });

  it('signs nothing into a refresh: the refresh token is the grant', async () => {
    const s = settings({ scope: 'read' });
    const req = refreshRequest(s, 'R1');
    const out = await authenticate(s, req, now);
    expect(out).to.equal(req);
    const body = new URLSearchParams(out.body);
    expect(body.has('assertion')).to.equal(false);
    expect(body.has('client_secret')).to.equal(false);
  });
});

describe('JWT bearer grant with discovery', () => {
  it('warns of no client authentication mismatch: the grant sends none', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const issuer = 'https://idp.example/tenant';
    const s = validateSettings(
      { grantType: JWT_BEARER_GRANT, issuer, assertionAlg: 'ES256' },
      {
        clientId: 'svc',
        privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      },
    );
    const json = (body: object): HttpResponse => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
    });
    const replies = [
      json({
        issuer,
        token_endpoint: 'https://idp.example/token',
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      }),
      json({ access_token: 'A', token_type: 'Bearer', expires_in: 600 }),
    ];
    const transport: Transport = {
      send: () => Promise.resolve(replies.shift()!),
      close() {},
    };
    const r = await probeToken(s, transport);
    expect(r.ok).to.equal(true);
    expect(r).to.not.have.property('clientAuth');
  });
});
