/**
 * Errors the token core raises. Every error has a stable `code` that flows can
 * branch on (`msg.error.code`) and a message that never contains request data
 * or secrets. Node-RED copies `code` and `cause` onto `msg.error`, so no error
 * here ever sets `cause`.
 */

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
      `token endpoint answered with a redirect (HTTP ${status}); redirects are not followed, check the token URL`,
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
} as const;
export type Discovery = keyof typeof DISCOVERY;

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
  | 'key-alg'
  | 'client-cert';
