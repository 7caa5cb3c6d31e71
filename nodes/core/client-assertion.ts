/**
 * `private_key_jwt` client authentication: a short-lived JWT signed with the
 * client's private key, fresh for every attempt (a new `jti` each time, so a
 * retry is never taken for a replay).
 * https://www.rfc-editor.org/rfc/rfc7523#section-2.2,
 * https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 */
import { randomUUID } from 'node:crypto';
import type { Settings } from './config';
import { errors } from './errors';
import { JWT_BEARER_GRANT } from './rules';
import type { TokenRequest } from './token-request';

/** Lifetime of an assertion: long enough for one attempt, short enough to be useless later. */
export const ASSERTION_LIFETIME_S = 60;

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
let jose: Promise<Jose> | undefined;

/**
 * The request with a freshly signed `client_assertion` when the object uses
 * `private_key_jwt`, or a freshly signed `assertion` for the JWT bearer grant
 * (RFC 7523 §2.1); otherwise the request as is. `aud` is the URL the request
 * goes to (the token endpoint, RFC 7523 §3 point 3) unless the grant names
 * another audience; a JWT bearer grant's `sub` is the issuer unless it names a
 * subject, and its `scope` claim the object's scope (Google reads it there).
 */
export async function authenticate(
  s: Settings,
  req: TokenRequest,
  nowMs: number,
): Promise<TokenRequest> {
  const a = s.assertion;
  if (!a) return req;
  try {
    // ESM-only package: loaded only when an object uses private_key_jwt.
    const { SignJWT } = await (jose ??= import('jose'));
    const iat = Math.floor(nowMs / 1000);
    const id = s.credentials.clientId;
    const body = new URLSearchParams(req.body);
    const grant = body.get('grant_type') === JWT_BEARER_GRANT;
    if (s.grantType === JWT_BEARER_GRANT && !grant) return req;
    const jwt = await new SignJWT(grant && s.scope ? { scope: s.scope } : {})
      .setProtectedHeader({ alg: a.alg, typ: 'JWT', ...(a.keyId ? { kid: a.keyId } : {}) })
      .setIssuer(id)
      .setSubject(grant ? (a.subject ?? id) : id)
      .setAudience(grant ? (a.audience ?? req.url.href) : req.url.href)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME_S)
      .sign(a.key);
    body.set(grant ? 'assertion' : 'client_assertion', jwt);
    return { ...req, body: body.toString() };
  } catch {
    // Never pass the library's error on: it could describe the key.
    throw errors.assertionFailed();
  }
}
