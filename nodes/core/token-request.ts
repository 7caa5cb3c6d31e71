/**
 * Builds token requests: the grant's body parameters plus the client
 * authentication method, one small strategy per method.
 * https://www.rfc-editor.org/rfc/rfc6749#section-4.3 (password),
 * https://www.rfc-editor.org/rfc/rfc6749#section-4.4 (client credentials),
 * https://www.rfc-editor.org/rfc/rfc6749#section-6 (refresh).
 */
import type { ClientAuthMethod, Settings } from './config';
import { DEVICE_CODE_GRANT, JWT_BEARER_GRANT } from './rules';

export interface TokenRequest {
  /** POST unless said otherwise (discovery reads with GET). */
  method?: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body: string;
}

type ClientAuth = (
  body: URLSearchParams,
  headers: Record<string, string>,
  id: string,
  secret: string,
) => void;

/**
 * RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding,
 * which servers decode; sending them raw breaks secrets with `:` or `%`.
 */
const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

const CLIENT_AUTH: Record<ClientAuthMethod, ClientAuth> = {
  client_secret_basic(_body, headers, id, secret) {
    const pair = `${formEncode(id)}:${formEncode(secret)}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  },
  client_secret_post(body, _headers, id, secret) {
    body.set('client_id', id);
    body.set('client_secret', secret);
  },
  none(body, _headers, id) {
    if (id) body.set('client_id', id);
  },
  // RFC 8705 §2.1: the certificate in the TLS handshake is the proof; client_id says who.
  tls_client_auth(body, _headers, id) {
    body.set('client_id', id);
  },
  // RFC 7523 §2.2: the assertion itself is signed per attempt, see client-assertion.ts.
  private_key_jwt(body, _headers, id) {
    body.set('client_id', id);
    body.set('client_assertion_type', JWT_BEARER);
  },
};

/** https://www.rfc-editor.org/rfc/rfc7523#section-2.2 */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The full grant: `password`, `client_credentials`, or the JWT bearer grant, whose
 * `assertion` is signed per attempt (client-assertion.ts).
 */
export function grantRequest(s: Settings): TokenRequest {
  const body = new URLSearchParams({ grant_type: s.grantType });
  if (s.grantType === 'password') {
    body.set('username', s.credentials.username ?? '');
    body.set('password', s.credentials.password ?? '');
  }
  if (s.scope) body.set('scope', s.scope);
  return finish(s, s.tokenUrl, body);
}

/**
 * A refresh. Scope is left out so the server grants the scope of the original
 * token (RFC 6749 §6).
 */
export function refreshRequest(s: Settings, refreshToken: string): TokenRequest {
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  return finish(s, s.refreshTokenUrl, body);
}

/**
 * RFC 6749 §4.1.3 with RFC 7636 §4.5: the code, the verifier and the same redirect URI,
 * with the client's authentication.
 */
export function codeRequest(
  s: Settings,
  code: string,
  verifier: string,
  redirectUri: string,
): TokenRequest {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  return finish(s, s.tokenUrl, body);
}

/** RFC 8628 §3.1: the device authorization request, scope and `authorizeParams` included. */
export function deviceAuthorizationRequest(s: Settings): TokenRequest {
  const body = new URLSearchParams();
  if (s.scope) body.set('scope', s.scope);
  for (const [name, value] of s.authorizeParams) body.append(name, value);
  return finish(s, s.deviceAuthorizationUrl!, body, false);
}

/** RFC 8628 §3.4: one poll of the token endpoint with the device code. */
export function deviceTokenRequest(s: Settings, deviceCode: string): TokenRequest {
  const body = new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode });
  return finish(s, s.tokenUrl, body);
}

function finish(s: Settings, url: URL, body: URLSearchParams, extra = true): TokenRequest {
  if (extra) for (const [name, value] of s.extraParams) body.append(name, value);
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  // RFC 7523 §2.1: the assertion authenticates; the grant sends no client credentials.
  if (s.grantType === JWT_BEARER_GRANT) return { url, headers, body: body.toString() };
  CLIENT_AUTH[s.clientAuth](
    body,
    headers,
    s.credentials.clientId,
    s.credentials.clientSecret ?? '',
  );
  return { url, headers, body: body.toString() };
}
