/**
 * Errors the token core raises. Every error has a stable `code` that flows can
 * branch on (`msg.error.code`) and a message that never contains request data
 * or secrets. Node-RED copies `code` and `cause` onto `msg.error`, so no error
 * here ever sets `cause`.
 */
import { JWT_BEARER_GRANT } from './rules';

/** Why an error happened, so the adapter can word it and decide on retries. */
export type ErrorKind =
  | 'oauth' // an RFC 6749 §5.2 error response
  | 'http' // an HTTP status without an OAuth error body
  | 'network' // connection refused, reset, DNS, ...
  | 'timeout'
  | 'tls' // certificate not trusted, expired, wrong host
  | 'bad-response' // not JSON, missing access_token, too large, ...
  | 'config'
  | 'discovery' // the issuer's OpenID discovery document could not be used
  | 'client-cert' // the TLS configuration's client certificate has expired
  | 'assertion' // the private_key_jwt client assertion could not be signed
  | 'message' // the message cannot take the credential (no msg.url for a query API key)
  | 'sign-in' // a delegated grant has no usable refresh token: a person must sign in
  | 'closed'
  | 'unknown'; // none of the above: a bug, never a guess

/**
 * Every code the package sets itself. Besides these, `code` is an RFC 6749 error
 * (`invalid_grant`, ...), `HTTP_<status>`, or Node's code of a network or TLS failure
 * (`ECONNREFUSED`, `CERT_HAS_EXPIRED`, ...).
 */
export const CODES = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  BAD_RESPONSE: 'BAD_RESPONSE',
  DISCOVERY_FAILED: 'DISCOVERY_FAILED',
  CLIENT_CERT_EXPIRED: 'CLIENT_CERT_EXPIRED',
  ASSERTION_FAILED: 'ASSERTION_FAILED',
  ETIMEDOUT: 'ETIMEDOUT',
  ECONNRESET: 'ECONNRESET',
  ENETWORK: 'ENETWORK',
  CLOSED: 'CLOSED',
  EUNKNOWN: 'EUNKNOWN',
  /** Test connection: a stored secret would go where the deployed object does not send it. */
  SECRET_REQUIRED: 'SECRET_REQUIRED',
  /** Test connection: a `${NAME}` the request brings; only deploy resolves those. */
  ENV_UNRESOLVED: 'ENV_UNRESOLVED',
  RATE_LIMITED: 'RATE_LIMITED',
  BAD_REQUEST: 'BAD_REQUEST',
  /** An API key for the query, and `msg.url` is no absolute http(s) URL to put it in. */
  NO_URL: 'NO_URL',
  /** `msg.authObject` names no deployed auth object this get token may use. */
  UNKNOWN_AUTH_OBJECT: 'UNKNOWN_AUTH_OBJECT',
  /** `msg.authObject` is the name of more than one deployed auth object. */
  AMBIGUOUS_AUTH_OBJECT: 'AMBIGUOUS_AUTH_OBJECT',
  /**
   * A delegated grant without a usable refresh token: never signed in, or the server
   * refused the refresh token. Nothing is sent until someone signs in (again).
   */
  SIGN_IN_REQUIRED: 'SIGN_IN_REQUIRED',
  /** Sign-in: the object is not deployed, or deployed with another grant. */
  DEPLOY_FIRST: 'DEPLOY_FIRST',
  /** Sign-in: the provider's answer (authorization, device or token) could not be used. */
  SIGN_IN_FAILED: 'SIGN_IN_FAILED',
} as const;

interface AuthErrorOptions {
  transient?: boolean;
  status?: number;
  retryAfterMs?: number;
  /** Message key under `errors.` in the locale catalogue. */
  key?: string;
  /** Values for the message; server text in them is already redacted. */
  params?: Record<string, string | number>;
}

export class AuthError extends Error {
  override name = 'AuthError';
  /** Stable code: see {@link CODES}. */
  readonly code: string;
  readonly kind: ErrorKind;
  /** Worth another attempt (network errors, timeouts, 429, 5xx). */
  readonly transient: boolean;
  /** HTTP status of the response, when there was one. */
  readonly status?: number;
  /** Milliseconds the server asked us to wait (`Retry-After`). */
  readonly retryAfterMs?: number;
  /** Message key under `errors.`; the English `message` is the fallback. */
  readonly key: string;
  readonly params: Record<string, string | number>;

  constructor(kind: ErrorKind, code: string, message: string, opts: AuthErrorOptions = {}) {
    super(message);
    this.kind = kind;
    this.code = code;
    this.transient = opts.transient ?? false;
    this.key = opts.key ?? kind;
    this.params = { code, ...opts.params };
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}

/** One constructor per family of errors, so codes, keys and words stay together. */
export const errors = {
  /** An HTTP status without an OAuth error body; `type` describes the content type. */
  http(status: number, type: string, opts: { transient: boolean; retryAfterMs?: number }) {
    return new AuthError(
      'http',
      `HTTP_${status}`,
      `token endpoint answered HTTP ${status} ${type}`,
      {
        ...opts,
        status,
        key: 'http',
        params: { status, type },
      },
    );
  },
  redirect(status: number) {
    return new AuthError(
      'http',
      `HTTP_${status}`,
      `token endpoint answered with a redirect (HTTP ${status})`,
      { status, key: 'redirect', params: { status } },
    );
  },
  /** A response that is no usable token; `what` names the problem (a key under errors.badResponse). */
  badResponse(what: BadResponse, params: Record<string, string | number> = {}, status?: number) {
    const text = fill(BAD_RESPONSE[what], params);
    return new AuthError('bad-response', CODES.BAD_RESPONSE, `token response ${text}`, {
      ...(status !== undefined ? { status } : {}),
      key: `badResponse.${what}`,
      params,
    });
  },
  timeout(timeoutMs: number) {
    const seconds = timeoutMs / 1000;
    return new AuthError(
      'timeout',
      CODES.ETIMEDOUT,
      `token endpoint did not answer within ${seconds} s`,
      {
        transient: true,
        params: { seconds },
      },
    );
  },
  tls(code: string) {
    return new AuthError('tls', code, `TLS connection to the token endpoint failed (${code})`);
  },
  network(code: string) {
    return new AuthError('network', code, `could not reach the token endpoint (${code})`, {
      transient: true,
    });
  },
  reset() {
    return new AuthError(
      'network',
      CODES.ECONNRESET,
      'connection to the token endpoint broke mid-response',
      { transient: true, key: 'reset' },
    );
  },
  /** `why` is a key under errors.discovery. */
  discovery(why: Discovery, params: Record<string, string | number> = {}, transient = false) {
    const text = fill(DISCOVERY[why], params);
    return new AuthError('discovery', CODES.DISCOVERY_FAILED, `OpenID discovery failed: ${text}`, {
      transient,
      key: `discovery.${why}`,
      params,
    });
  },
  clientCertExpired(notAfter: number) {
    const date = new Date(notAfter).toISOString();
    return new AuthError(
      'client-cert',
      CODES.CLIENT_CERT_EXPIRED,
      `the client certificate of the TLS configuration expired on ${date}`,
      { params: { date } },
    );
  },
  assertionFailed() {
    return new AuthError(
      'assertion',
      CODES.ASSERTION_FAILED,
      'could not sign the client assertion',
    );
  },
  /** An API key goes in the query of `msg.url`, and there is no URL to put it in. */
  noUrl(name: string) {
    return new AuthError(
      'message',
      CODES.NO_URL,
      `the API key goes in the query parameter "${name}" of msg.url, and msg.url is not an absolute http(s) URL`,
      { key: 'noUrl', params: { name } },
    );
  },
  /** `again`: the server refused the refresh token; otherwise nobody signed in yet. */
  signInRequired(again: boolean) {
    return new AuthError(
      'sign-in',
      CODES.SIGN_IN_REQUIRED,
      again
        ? 'the server refused the refresh token: sign in again in the auth object'
        : 'nobody has signed in yet: sign in in the auth object',
      { key: again ? 'signInAgain' : 'signInRequired' },
    );
  },
  /**
   * A sign-in's answer could not be used: `nonce` (the ID token is not for this sign-in),
   * `device` (no device authorization answer).
   */
  signInFailed(why: 'nonce' | 'device') {
    return new AuthError(
      'bad-response',
      CODES.SIGN_IN_FAILED,
      why === 'nonce'
        ? 'the ID token of the sign-in is not for this sign-in (nonce)'
        : 'the device authorization endpoint did not answer with a device code',
      { key: `signInFailed.${why}` },
    );
  },
  closed(message = 'authentication object was stopped (redeployed)') {
    return new AuthError('closed', CODES.CLOSED, message);
  },
  /** A failure nothing else explains: never passed on as it came (it may carry the request). */
  unknown() {
    return new AuthError('unknown', CODES.EUNKNOWN, 'token request failed unexpectedly');
  },
};

/** The English words with `{name}` filled in. */
function fill(text: string, params: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

const BAD_RESPONSE = {
  notJson: 'is not a JSON object (HTTP {status} {type})',
  tooLarge: 'is larger than {max} bytes',
  undecodable: 'could not be decompressed (Content-Encoding does not match the body)',
  noAccessToken: 'has no access_token',
  accessTokenType: 'has an access_token that is not text',
  accessTokenChars: 'has an access_token with invalid characters',
  tokenType: 'has an invalid token_type',
  expiresIn: 'has an expires_in that is not a number ≥ 0',
  scope: 'has a scope that is not text',
  refreshToken: 'has an invalid refresh_token',
} as const;
export type BadResponse = keyof typeof BAD_RESPONSE;

const DISCOVERY = {
  noIssuer: 'no issuer is set',
  unreachable: 'the issuer could not be reached ({code})',
  status: 'the issuer answered HTTP {status}',
  tooLarge: 'the document is too large',
  notJson: 'the document is not a JSON object',
  issuer: 'the document names issuer "{claimed}", not "{issuer}"',
  endpoint: 'the document has no usable token_endpoint ({reason})',
  grantEndpoint: 'the document has no usable {member} ({reason}); type it',
} as const;
export type Discovery = keyof typeof DISCOVERY;

/**
 * One line of advice per cause, as README's Troubleshooting table gives it: what to
 * check or change. English fallbacks; the adapters word them with `advice.<key>`.
 */
export const ADVICE = {
  invalid_client:
    'Check the client ID and secret, and whether the secret has expired. If both are right, the server wants the other Client auth: switch between client_secret_basic and client_secret_post; a public client needs none.',
  invalid_grant:
    'Check the username and password: the account may also be locked or disabled, its password expired, or it may need multi-factor sign-in, which this grant cannot do. Fix, then deploy.',
  invalid_grant_jwt:
    "The server refused the signed assertion: check that the private key is the one registered for the Client ID (not deleted or rotated), that this machine's clock is right (the assertion is valid for 60 seconds from its time), and that the Subject may be acted for (Google: domain-wide delegation).",
  unauthorized_client:
    "The grant is not enabled for this client at the server (Keycloak: Direct access grants or Service accounts roles; Auth0: the application's grant types).",
  unsupported_grant_type:
    "The grant is not enabled for this client at the server (Keycloak: Direct access grants or Service accounts roles; Auth0: the application's grant types).",
  invalid_scope:
    "The scope is not allowed for this client; Entra ID takes one resource's /.default for client credentials.",
  CONFIG_INVALID:
    'Nothing was sent: correct this setting (a missing credential, a URL, or a ${NAME} whose environment variable is not set) and deploy.',
  HTTP_3xx:
    'Redirects are not followed: the URL is not the token endpoint but something that redirects (http:// to https://, a missing /realms/<realm> or /auth, a login page, a trailing slash). curl -i -X POST <url> shows the Location to use instead.',
  BAD_RESPONSE_HTML:
    "The URL is a web page: the issuer, the authorize URL, or a single sign-on proxy's login page. Use token_endpoint from the server's /.well-known/openid-configuration.",
  HTTP_404: 'Wrong tenant, realm or path in the token URL.',
  DISCOVERY_FAILED:
    'Check the Issuer URL, exactly as the provider writes it (trailing slash included), or type the token URL.',
  CLIENT_CERT_EXPIRED:
    'Install a new client certificate in the TLS configuration and deploy; the expiry check reminds you of its date beforehand.',
  ASSERTION_FAILED:
    'Paste the PEM private key again and check it fits the algorithm: RS256 needs an RSA key of at least 2048 bits, ES256 a P-256 key.',
  TLS: 'A private certificate authority or a TLS-inspecting proxy: give the auth object a TLS configuration with that CA certificate rather than turning verification off.',
  ERR_TLS_CERT_ALTNAME_INVALID:
    "The URL's host is not among the names in the server's certificate: use a host name the certificate names.",
  ETIMEDOUT:
    "A slow server: raise Timeout. Behind a proxy, Node-RED reaches the server only through it: pick an http proxy in the auth object, or set HTTPS_PROXY (and NO_PROXY for internal hosts) in Node-RED's environment.",
  NO_URL:
    'Set msg.url to the full https:// URL before get token and leave the URL of the http request node empty, so it takes msg.url with the key.',
  SIGN_IN_REQUIRED:
    'Open the auth object in the editor and press Sign in (on a deployed object); the refresh token it obtains is kept across restarts.',
  NETWORK:
    "Check the host and port of the URL. Behind a proxy, Node-RED reaches the server only through it: pick an http proxy in the auth object, or set HTTPS_PROXY (and NO_PROXY for internal hosts) in Node-RED's environment.",
} as const;
export type AdviceKey = keyof typeof ADVICE;

/** Content types of a web page rather than a token response. */
const HTML = /^\((text\/html|application\/xhtml\+xml)\)$/;

/**
 * What to do about an error, when the Troubleshooting table knows: its key under
 * `advice.` and the English words. Undefined for causes without one (a server's 500,
 * a reset connection, a stopped object, ...).
 */
export function adviceFor(err: AuthError): { key: AdviceKey; text: string } | undefined {
  const key = adviceKey(err);
  return key ? { key, text: ADVICE[key] } : undefined;
}

function adviceKey(err: AuthError): AdviceKey | undefined {
  switch (err.kind) {
    case 'oauth':
      if (err.code === 'invalid_grant' && err.params.grant === JWT_BEARER_GRANT) {
        return 'invalid_grant_jwt';
      }
      // A server's own `invalid_grant_jwt` is no key of ours.
      return Object.prototype.hasOwnProperty.call(ADVICE, err.code) &&
        /^[a-z_]+$/.test(err.code) &&
        err.code !== 'invalid_grant_jwt'
        ? (err.code as AdviceKey)
        : undefined;
    case 'config':
      return 'CONFIG_INVALID';
    case 'http':
      if (err.status !== undefined && err.status >= 300 && err.status < 400) return 'HTTP_3xx';
      return err.status === 404 ? 'HTTP_404' : undefined;
    case 'bad-response':
      return err.key === 'badResponse.notJson' && HTML.test(String(err.params.type ?? ''))
        ? 'BAD_RESPONSE_HTML'
        : undefined;
    case 'discovery':
      return 'DISCOVERY_FAILED';
    case 'client-cert':
      return 'CLIENT_CERT_EXPIRED';
    case 'assertion':
      return 'ASSERTION_FAILED';
    case 'message':
      return err.code === CODES.NO_URL ? 'NO_URL' : undefined;
    case 'sign-in':
      return 'SIGN_IN_REQUIRED';
    case 'tls':
      return err.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'ERR_TLS_CERT_ALTNAME_INVALID' : 'TLS';
    case 'timeout':
      return 'ETIMEDOUT';
    case 'network':
      return err.code === CODES.ECONNRESET ? undefined : 'NETWORK';
    default:
      return undefined;
  }
}

/**
 * An RFC 6749 §5.2 error response (`invalid_grant`, `invalid_client`, ...).
 * https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class OAuthResponseError extends AuthError {
  override name = 'OAuthResponseError';
  readonly error: string;
  readonly error_description?: string;
  readonly error_uri?: string;

  constructor(
    error: string,
    description: string | undefined,
    uri: string | undefined,
    status: number,
    opts: { transient?: boolean; retryAfterMs?: number } = {},
  ) {
    super(
      'oauth',
      error,
      `token endpoint refused the request: ${error}${description ? ` (${description})` : ''}`,
      { ...opts, status, params: { description: description ?? '' } },
    );
    this.error = error;
    if (description !== undefined) this.error_description = description;
    if (uri !== undefined) this.error_uri = uri;
  }
}

/** A configuration problem, found before any request is made. */
export class ConfigError extends AuthError {
  override name = 'ConfigError';
  /** The property (or credential) at fault, e.g. `tokenUrl`, `clientSecret`. */
  readonly field: string;
  /** Machine-readable reason, used as a message key by the node adapter. */
  readonly reason: ConfigErrorReason;

  constructor(
    field: string,
    reason: ConfigErrorReason,
    message: string,
    params: Record<string, string | number> = {},
  ) {
    super('config', CODES.CONFIG_INVALID, message, {
      key: `config.${reason}`,
      params: { ...params, name: field },
    });
    this.field = field;
    this.reason = reason;
  }
}

export type ConfigErrorReason =
  | 'required'
  | 'url'
  | 'query'
  | 'insecure'
  | 'userinfo'
  | 'fragment'
  | 'number'
  | 'scope'
  | 'option'
  | 'param-name'
  | 'param-reserved'
  | 'param-value'
  | 'reference'
  | 'key'
  | 'key-encrypted'
  | 'key-json'
  | 'key-alg'
  | 'client-cert'
  | 'schedule'
  | 'timezone'
  | 'header-name'
  | 'header-reserved'
  | 'query-name'
  | 'header-value'
  | 'bearer-prefix'
  | 'env'
  | 'colon'
  | 'control';
