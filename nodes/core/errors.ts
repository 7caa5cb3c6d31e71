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
  | 'closed';

export class AuthError extends Error {
  override name = 'AuthError';
  /** Stable code: RFC 6749 error code, `HTTP_<status>`, a Node.js error code, `BAD_RESPONSE`, `CONFIG_INVALID`. */
  readonly code: string;
  readonly kind: ErrorKind;
  /** Worth another attempt (network errors, timeouts, 429, 5xx). */
  readonly transient: boolean;
  /** HTTP status of the response, when there was one. */
  readonly status?: number;
  /** Milliseconds the server asked us to wait (`Retry-After`). */
  readonly retryAfterMs?: number;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    opts: { transient?: boolean; status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.kind = kind;
    this.code = code;
    this.transient = opts.transient ?? false;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
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
      { ...opts, status },
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
  readonly params: Record<string, string | number>;

  constructor(
    field: string,
    reason: ConfigErrorReason,
    message: string,
    params: Record<string, string | number> = {},
  ) {
    super('config', 'CONFIG_INVALID', message);
    this.field = field;
    this.reason = reason;
    this.params = params;
  }
}

export type ConfigErrorReason =
  | 'required'
  | 'url'
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
