/**
 * The edges of the delegated grants' sign-in steps (issue #19): the size limits of what a
 * provider answers and what the editor sends, the characters a device code may hold, and
 * the parameters an authorization request leaves out.
 */
import { expect } from 'chai';
import { validateSettings } from '../../nodes/core/config';
import {
  authorizationUrl,
  checkRedirectUri,
  parseDeviceAuthorization,
  whoFromIdToken,
} from '../../nodes/core/delegated';
import type { HttpResponse } from '../../nodes/core/token-response';

const raw = (body: string): HttpResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(body),
});
const answer = (o: unknown) => raw(JSON.stringify(o));
const good = {
  device_code: 'dc',
  user_code: 'WDJB-MJHT',
  verification_uri: 'https://idp.example.com/device',
  expires_in: 900,
};
const settings = (extra: Record<string, unknown> = {}) =>
  validateSettings(
    {
      grantType: 'authorization_code',
      tokenUrl: 'https://idp.example.com/token',
      authorizeUrl: 'https://idp.example.com/authorize',
      clientAuth: 'none',
      ...extra,
    },
    { clientId: 'app' },
  );
const request = {
  redirectUri: 'https://nr.example.com/auth-objects/callback',
  state: 's',
  challenge: 'c',
};
/** A URL of exactly `length` characters ending with `tail`. */
const urlOf = (length: number, head: string, tail: string) =>
  head + 'a'.repeat(length - head.length - tail.length) + tail;

describe('delegated sign-in edges', () => {
  describe('redirect URI (RFC 6749 §3.1.2)', () => {
    it('accepts a redirect URI of 2048 characters and refuses a longer one', () => {
      const at = urlOf(2048, 'https://nr.example.com/', '/auth-objects/callback');
      expect(checkRedirectUri(at)?.href).to.equal(at);
      const over = urlOf(2049, 'https://nr.example.com/', '/auth-objects/callback');
      expect(checkRedirectUri(over)).to.equal(undefined);
    });

    it('accepts plain http on any host: the editor of a Node-RED on the LAN is often http', () => {
      expect(checkRedirectUri('http://nodered.lan:1880/auth-objects/callback')?.href).to.equal(
        'http://nodered.lan:1880/auth-objects/callback',
      );
    });

    it('refuses a redirect URI ending with a bare "?", as one with a query', () => {
      expect(checkRedirectUri('https://nr.example.com/auth-objects/callback?')).to.equal(undefined);
    });
  });

  describe('authorization request (RFC 6749 §4.1.1)', () => {
    it('sends no scope parameter when no scope is configured (the provider default applies)', () => {
      const url = authorizationUrl(settings({ scope: '' }), request);
      expect(url.searchParams.has('scope')).to.equal(false);
      expect(url.searchParams.get('state')).to.equal('s');
    });

    it('says that there is no authorization endpoint when none is configured', () => {
      const s = { ...settings(), authorizeUrl: undefined };
      expect(() => authorizationUrl(s, request)).to.throw('no authorization endpoint');
    });
  });

  describe('device authorization answer (RFC 8628 §3.2)', () => {
    it('passes on the verification URI with the user code in it (verification_uri_complete)', () => {
      const complete = 'https://idp.example.com/device?user_code=WDJB-MJHT';
      const d = parseDeviceAuthorization(
        answer({ ...good, verification_uri_complete: complete }),
        false,
      );
      expect(d?.verificationUriComplete).to.equal(complete);
    });

    it('reads an answer of 64 KiB and refuses a longer one', () => {
      const text = JSON.stringify(good);
      const at = text + ' '.repeat(64 * 1024 - text.length);
      expect(parseDeviceAuthorization(raw(at), false)?.deviceCode).to.equal('dc');
      expect(parseDeviceAuthorization(raw(at + ' '), false)).to.equal(undefined);
    });

    it('refuses an answer of JSON null without throwing', () => {
      expect(parseDeviceAuthorization(raw('null'), false)).to.equal(undefined);
    });

    it('accepts a device code of 4096 characters and refuses a longer one', () => {
      const at = 'd'.repeat(4096);
      expect(
        parseDeviceAuthorization(answer({ ...good, device_code: at }), false)?.deviceCode,
      ).to.equal(at);
      expect(parseDeviceAuthorization(answer({ ...good, device_code: at + 'd' }), false)).to.equal(
        undefined,
      );
    });

    it('refuses a device code with a control character anywhere (it goes into the poll request)', () => {
      for (const code of ['\ndc', 'd\nc', 'dc\r\n', 'd c']) {
        expect(
          parseDeviceAuthorization(answer({ ...good, device_code: code }), false),
          JSON.stringify(code),
        ).to.equal(undefined);
      }
    });

    it('refuses a user code longer than 64 characters (a person types it)', () => {
      const at = 'A'.repeat(64);
      expect(
        parseDeviceAuthorization(answer({ ...good, user_code: at }), false)?.userCode,
      ).to.equal(at);
      expect(parseDeviceAuthorization(answer({ ...good, user_code: at + 'A' }), false)).to.equal(
        undefined,
      );
      expect(
        parseDeviceAuthorization(answer({ ...good, user_code: '\u0007WDJB' }), false),
      ).to.equal(undefined);
    });

    it('accepts a verification URI of 2048 characters and refuses a longer one', () => {
      const at = urlOf(2048, 'https://idp.example.com/device/', '');
      expect(
        parseDeviceAuthorization(answer({ ...good, verification_uri: at }), false)?.verificationUri,
      ).to.equal(at);
      expect(
        parseDeviceAuthorization(answer({ ...good, verification_uri: at + 'a' }), false),
      ).to.equal(undefined);
    });
  });

  describe('who signed in', () => {
    it('reads an ID token of 16384 characters and ignores a longer one', () => {
      const head = `e30.${Buffer.from(JSON.stringify({ preferred_username: 'ann' })).toString('base64url')}.`;
      const at = urlOf(16384, head, '');
      expect(whoFromIdToken(at)).to.equal('ann');
      expect(whoFromIdToken(at + 'a')).to.equal(undefined);
    });
  });
});
