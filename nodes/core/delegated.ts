/**
 * The sign-in steps of the delegated grants, without I/O: PKCE (RFC 7636), the
 * authorization request (RFC 6749 §4.1.1), the device authorization request and its
 * answer (RFC 8628 §3.1-3.2), and what a device poll's answer means (§3.5).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Settings } from './config';
import { AuthError, OAuthResponseError } from './errors';
import { checkEndpoint, scopeTokens } from './rules';
import type { HttpResponse } from './token-response';

const b64url = (b: Buffer) => b.toString('base64url');

/** 256 bits from the system's CSPRNG, base64url: a `state`, a `nonce`, a verifier. */
export const randomToken = (): string => b64url(randomBytes(32));

/**
 * RFC 7636 §4.1-4.2: a 43-character verifier (32 random octets, base64url) and its
 * S256 challenge. `plain` is never used.
 */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomToken();
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

/** The path every redirect URI ends with: the package's callback route. */
export const CALLBACK_PATH = '/auth-objects/callback';

/**
 * The redirect URI the editor computed: http(s), no user info, query or fragment, and a
 * path ending with the callback route. Undefined when it is none of that.
 */
export function checkRedirectUri(value: unknown): URL | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  const r = checkEndpoint(value, true);
  if (!('url' in r)) return undefined;
  const url = r.url;
  if (url.search || value.includes('?')) return undefined;
  return url.pathname.endsWith(CALLBACK_PATH) ? url : undefined;
}

/** Whether the scope asks for OpenID Connect (then a `nonce` goes along). */
export const isOpenId = (scope: string): boolean => (scopeTokens(scope) ?? []).includes('openid');

/**
 * The provider's authorization URL: the configured endpoint (its own query kept), the
 * request's parameters, then `authorizeParams` (which may not repeat a reserved one).
 */
export function authorizationUrl(
  s: Settings,
  p: { redirectUri: string; state: string; challenge: string; nonce?: string },
): URL {
  if (!s.authorizeUrl) throw new Error('no authorization endpoint');
  const url = new URL(s.authorizeUrl.href);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', s.credentials.clientId);
  q.set('redirect_uri', p.redirectUri);
  if (s.scope) q.set('scope', s.scope);
  q.set('state', p.state);
  q.set('code_challenge', p.challenge);
  q.set('code_challenge_method', 'S256');
  if (p.nonce) q.set('nonce', p.nonce);
  for (const [name, value] of s.authorizeParams) q.append(name, value);
  return url;
}

/** What the device authorization endpoint answered (RFC 8628 §3.2), bounded. */
export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Seconds the codes are valid, capped at {@link MAX_DEVICE_SECONDS}. */
  expiresIn: number;
  /** Seconds between polls: 5 when the server says nothing (§3.2), at least 1. */
  interval: number;
}

/** Longest a device flow is polled, whatever the server says: 30 minutes. */
export const MAX_DEVICE_SECONDS = 1800;
/** Longest interval honoured between polls, seconds (slow_down included). */
export const MAX_INTERVAL_SECONDS = 60;

const printable = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max && /^[\x21-\x7e]+$/.test(v);

/**
 * Reads a device authorization answer; undefined for anything else (an error answer
 * is classified by the caller). A verification URI must be http(s), https unless the
 * server is on loopback or insecure http is allowed: users open it.
 */
export function parseDeviceAuthorization(
  res: HttpResponse,
  allowInsecureHttp: boolean,
): DeviceAuthorization | undefined {
  if (res.status !== 200 || res.body.length > 64 * 1024) return undefined;
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(res.body.toString('utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    o = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!printable(o.device_code, 4096)) return undefined;
  // A user code is typed by a person: short, and shown as it is (spaces allowed, §6.1).
  if (typeof o.user_code !== 'string' || !/^[\x20-\x7e]{1,64}$/.test(o.user_code)) {
    return undefined;
  }
  const uri = (v: unknown) => {
    if (typeof v !== 'string' || v.length > 2048) return undefined;
    const r = checkEndpoint(v, allowInsecureHttp);
    return 'url' in r ? r.url.href : undefined;
  };
  const verificationUri = uri(o.verification_uri ?? o.verification_url);
  if (!verificationUri) return undefined;
  const complete = uri(o.verification_uri_complete);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const expiresIn = num(o.expires_in);
  if (expiresIn === undefined || expiresIn <= 0) return undefined;
  const interval = num(o.interval) ?? 5;
  return {
    deviceCode: o.device_code,
    userCode: o.user_code,
    verificationUri,
    ...(complete ? { verificationUriComplete: complete } : {}),
    expiresIn: Math.min(Math.ceil(expiresIn), MAX_DEVICE_SECONDS),
    interval: Math.min(Math.max(Math.ceil(interval), 1), MAX_INTERVAL_SECONDS),
  };
}

/** What one device poll's failure means for the flow (RFC 8628 §3.5). */
export type PollVerdict =
  | { next: 'wait'; interval: number }
  | { next: 'denied' }
  | { next: 'expired' }
  | { next: 'error'; error: AuthError };

/**
 * `authorization_pending`: poll again; `slow_down`: poll again, 5 s slower (for this
 * and every later poll); `access_denied`, `expired_token`: stop. Transient failures (a
 * 503, a timeout) wait one interval too; anything else stops with the error.
 */
export function pollVerdict(err: AuthError, interval: number): PollVerdict {
  if (err instanceof OAuthResponseError) {
    switch (err.error) {
      case 'authorization_pending':
        return { next: 'wait', interval };
      case 'slow_down':
        return { next: 'wait', interval: Math.min(interval + 5, MAX_INTERVAL_SECONDS) };
      case 'access_denied':
        return { next: 'denied' };
      case 'expired_token':
        return { next: 'expired' };
    }
  }
  if (err.transient && err.kind !== 'closed') return { next: 'wait', interval };
  return { next: 'error', error: err };
}

/**
 * The signed-in person's name from an ID token's claims, without checking its signature:
 * it is only shown to the editor's users, never trusted for anything. Undefined when
 * the token is no JWT or names nobody.
 */
export function whoFromIdToken(idToken: string | undefined): string | undefined {
  if (!idToken || idToken.length > 16384) return undefined;
  const part = idToken.split('.')[1];
  if (!part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    for (const k of ['preferred_username', 'email', 'sub']) {
      const v = claims[k];
      // eslint-disable-next-line no-control-regex
      if (typeof v === 'string' && /^[^\u0000-\u001f\u007f]{1,200}$/.test(v)) return v;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
