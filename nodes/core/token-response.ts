/**
 * Turns a token endpoint's answer into a token set or a classified error.
 * https://www.rfc-editor.org/rfc/rfc6749#section-5.1 (success),
 * https://www.rfc-editor.org/rfc/rfc6749#section-5.2 (error).
 */
import { OAuthResponseError, errors, type BadResponse } from './errors';
import { cleanOnly, type Redactor } from './redact';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface TokenSet {
  accessToken: string;
  /** As the server sent it; only the Authorization header is normalised. */
  tokenType: string;
  /** Absolute expiry, epoch ms, recorded when the response arrived. */
  expiresAt: number;
  /** Lifetime the server granted, seconds (after fallback and cap). */
  lifetime: number;
  /** The scope the server stated, or the requested one when it stated none (RFC 6749 §5.1). */
  scope: string;
  /** Whether the response had a `scope`: without one, `scope` is only what was asked for. */
  scopeStated: boolean;
  refreshToken?: string;
  /**
   * Seconds the refresh token is good for, when the server says (`refresh_expires_in`:
   * Keycloak; `refresh_token_expires_in`: Microsoft, GitHub).
   */
  refreshExpiresIn?: number;
  /** An OpenID Connect ID token, only read for who signed in; never handed out. */
  idToken?: string;
}

/** Lifetime assumed when the server sends no `expires_in`, seconds. */
export const FALLBACK_LIFETIME = 300;
/** Longest lifetime honoured, seconds: timers overflow past about 24.8 days. */
export const MAX_LIFETIME = 24 * 86400;
/** Longest `Retry-After` honoured, ms. */
export const MAX_RETRY_AFTER_MS = 60_000;

function header(h: HttpResponse['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `Retry-After` as seconds or an HTTP date, capped; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function describe(res: HttpResponse, redact: Redactor): string {
  const type = header(res.headers, 'content-type')?.split(';')[0]?.trim();
  if (!type) return '(no content type)';
  // Only a well-formed media type is repeated: the header is the server's text.
  if (!/^[\w.+-]{1,40}\/[\w.+-]{1,80}$/.test(type)) return '(unusual content type)';
  return redact(type) === type ? `(${type})` : '(unusual content type)';
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Longest scope repeated to flows and Test connection, characters. */
const MAX_SCOPE = 4096;

function oauthError(
  obj: Record<string, unknown>,
  status: number,
  redact: Redactor,
  retryAfterMs?: number,
) {
  let code = str(obj.error);
  if (!code || !/^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$/.test(code)) return undefined;
  // A server that echoes what it was sent must not put a secret into logs or msg.error.
  if (redact(code) !== code) code = 'server_error';
  const description = redact(str(obj.error_description) ?? '') || undefined;
  const uri = str(obj.error_uri);
  const transient =
    status === 429 || status >= 500 || code === 'temporarily_unavailable' || code === 'slow_down';
  return new OAuthResponseError(
    code,
    description,
    uri === undefined ? undefined : redact(uri),
    status,
    {
      transient,
      retryAfterMs,
    },
  );
}

/** Validates a token endpoint response; throws an {@link AuthError} for anything but a usable token. */
export function processTokenResponse(
  res: HttpResponse,
  now: number,
  requestedScope: string,
  redact: Redactor = cleanOnly,
): TokenSet {
  const { status } = res;
  const retryAfterMs = parseRetryAfter(header(res.headers, 'retry-after'), now);
  const obj = parseJsonObject(res.body);

  if (status >= 300 && status < 400) throw errors.redirect(status);
  if (obj && obj.error !== undefined) {
    const err = oauthError(obj, status, redact, retryAfterMs);
    if (err) throw err;
  }
  if (status < 200 || status >= 300) {
    const transient = status === 429 || status >= 500 || status === 408;
    throw errors.http(status, describe(res, redact), { transient, retryAfterMs });
  }
  if (!obj) throw errors.badResponse('notJson', { status, type: describe(res, redact) }, status);
  const bad = (what: BadResponse) => errors.badResponse(what, {}, status);

  const accessToken = obj.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw bad(accessToken === undefined ? 'noAccessToken' : 'accessTokenType');
  }
  // It goes into an HTTP header: only visible ASCII is safe there.
  if (!/^[\x21-\x7e]+$/.test(accessToken)) throw bad('accessTokenChars');
  const tokenType = obj.token_type === undefined ? 'Bearer' : obj.token_type;
  // It goes into the Authorization header: a type holding a secret would carry it along.
  if (
    typeof tokenType !== 'string' ||
    !/^[\x21-\x7e]{1,100}$/.test(tokenType) ||
    redact(tokenType) !== tokenType
  ) {
    throw bad('tokenType');
  }
  let lifetime: number;
  const e = obj.expires_in;
  if (e === undefined || e === null) lifetime = FALLBACK_LIFETIME;
  else {
    const n = typeof e === 'number' ? e : typeof e === 'string' && e.trim() ? Number(e) : NaN;
    if (!Number.isFinite(n) || n < 0) throw bad('expiresIn');
    lifetime = Math.min(n, MAX_LIFETIME);
  }
  const granted = obj.scope === undefined ? requestedScope : obj.scope;
  if (typeof granted !== 'string') throw bad('scope');
  const scope = redact(granted, MAX_SCOPE);
  const refreshToken = obj.refresh_token;
  if (refreshToken !== undefined && (typeof refreshToken !== 'string' || !refreshToken)) {
    throw bad('refreshToken');
  }
  const rexp = [obj.refresh_expires_in, obj.refresh_token_expires_in]
    .map((v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v))
    .find((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  const idToken = typeof obj.id_token === 'string' ? obj.id_token : undefined;
  return {
    accessToken,
    tokenType,
    expiresAt: now + lifetime * 1000,
    lifetime,
    scope,
    scopeStated: obj.scope !== undefined,
    ...(refreshToken ? { refreshToken } : {}),
    ...(rexp !== undefined ? { refreshExpiresIn: rexp } : {}),
    ...(idToken ? { idToken } : {}),
  };
}
