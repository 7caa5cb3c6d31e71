/**
 * Validation of an authentication object's settings, before any request is
 * made. Produces the normalised settings the token manager runs on, or the
 * first problem as a {@link ConfigError} naming the field.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ConfigError } from './errors';
import { basicValue, type Applied } from './apply';
import {
  API_KEY_IN,
  ASSERTION_ALGS,
  DEFAULT_API_KEY_IN,
  JWT_BEARER_GRANT,
  KINDS,
  checkApiKeyName,
  checkBasicPart,
  hasBearerPrefix,
  isHeaderSecret,
  isHeaderValue,
  isWholeEnv,
  isStaticKind,
  kindOf,
  mayBeEmpty,
  CLIENT_AUTH_METHODS,
  DEFAULT_CLIENT_AUTH,
  DEFAULT_GRANT,
  GRANT_TYPES,
  SECONDS,
  checkEndpoint,
  checkAuthorizeParams,
  checkExtraParams,
  checkIssuer,
  grantEndpoint,
  checkNumber,
  credentialsNeeded,
  needsClientCertificate,
  pemProblem,
  pemText,
  scopeTokens,
  text,
  type ApiKeyIn,
  type CredentialName,
  type AssertionAlg,
  type ClientAuthMethod,
  type GrantType,
  type Kind,
  type NumberRule,
} from './rules';

export type { AssertionAlg, ClientAuthMethod, GrantType, Kind } from './rules';

export interface Credentials {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  /** PEM private key for `private_key_jwt` and the JWT bearer grant. */
  privateKey?: string;
  /** The `apiKey` kind's key. */
  apiKey?: string;
  /** The `bearer` kind's token (e.g. a personal access token). */
  token?: string;
  /** The `refresh_token` grant's pasted refresh token. */
  refreshToken?: string;
}

/** Settings as they come from the editor (any field may be missing or of the wrong type). */
export interface RawSettings {
  grantType?: unknown;
  tokenUrl?: unknown;
  allowInsecureHttp?: unknown;
  refreshTokenUrl?: unknown;
  scope?: unknown;
  clientAuth?: unknown;
  extraParams?: unknown;
  timeout?: unknown;
  refreshBefore?: unknown;
  cooldown?: unknown;
  assertionAlg?: unknown;
  keyId?: unknown;
  issuer?: unknown;
  kind?: unknown;
  apiKeyName?: unknown;
  apiKeyIn?: unknown;
  testUrl?: unknown;
  assertionAudience?: unknown;
  assertionSubject?: unknown;
  authorizeUrl?: unknown;
  deviceAuthorizationUrl?: unknown;
  authorizeParams?: unknown;
}

/**
 * How a `private_key_jwt` client signs its assertions (RFC 7523 §2.2), or the JWT bearer
 * grant its authorization grant (§2.1).
 */
export interface AssertionSettings {
  alg: AssertionAlg;
  keyId: string;
  key: KeyObject;
  /** JWT bearer grant: `aud` when the server wants other than the token URL (Salesforce). */
  audience?: string;
  /** JWT bearer grant: `sub` when not the issuer (a user to act for). */
  subject?: string;
}

export interface Settings {
  grantType: GrantType;
  tokenUrl: URL;
  refreshTokenUrl: URL;
  scope: string;
  clientAuth: ClientAuthMethod;
  extraParams: [string, string][];
  timeoutMs: number;
  refreshBeforeMs: number;
  cooldownMs: number;
  /**
   * Present when the token endpoint is to be discovered from `issuer` (no token
   * URL typed); `tokenUrl` then holds the issuer until discovery replaces it.
   */
  discovery?: { issuer: URL; text: string; allowInsecureHttp: boolean };
  /**
   * When the TLS configuration has a client certificate: its `notAfter` (epoch
   * ms); a token request after it fails at once with `CLIENT_CERT_EXPIRED`.
   */
  clientCertNotAfter?: number;
  /** Present exactly when `clientAuth` is `private_key_jwt`. */
  assertion?: AssertionSettings;
  /**
   * `authorization_code`: the authorization endpoint; `device_code`: the device
   * authorization endpoint. Typed, or (with `discovery`) filled in by discovery.
   */
  authorizeUrl?: URL;
  deviceAuthorizationUrl?: URL;
  /** Added to the authorization (or device authorization) request. */
  authorizeParams: [string, string][];
  credentials: Required<Pick<Credentials, 'clientId'>> & Credentials;
}

/** Seconds an empty field means. */
export const DEFAULTS = {
  timeout: SECONDS.timeout.default,
  refreshBefore: SECONDS.refreshBefore.default,
  cooldown: SECONDS.cooldown.default,
} as const;

/** An unknown option: the message names the choices, never the value (it may be anything). */
function optionError(field: string, options: readonly string[]): ConfigError {
  return new ConfigError(field, 'option', `${field} must be one of ${options.join(', ')}`, {
    options: options.join(', '),
  });
}

const ENDPOINT_MESSAGES = {
  required: 'is required',
  url: 'is not a valid http or https URL',
  userinfo: 'must not contain a user name or password; use the credential fields',
  fragment: 'must not contain a #fragment',
  insecure:
    'must use https (http is allowed only for loopback addresses or with "allow insecure http")',
} as const;

const AUTHORIZE_MESSAGES = {
  'param-name': () => 'an authorization parameter has no name',
  'param-reserved': (name: string) => `authorization parameter "${name}" is set by the node itself`,
  'param-value': (name: string) => `authorization parameter "${name}" must be text`,
} as const;

const PARAM_MESSAGES = {
  'param-name': () => 'an extra parameter has no name',
  'param-reserved': (name: string) => `extra parameter "${name}" is set by the node itself`,
  'param-value': (name: string) => `extra parameter "${name}" must be text`,
} as const;

/** An endpoint URL by the rule of {@link checkEndpoint}; throws a ConfigError naming `field`. */
export function parseEndpoint(field: string, value: unknown, allowInsecureHttp: boolean): URL {
  const r = checkEndpoint(value, allowInsecureHttp);
  if ('url' in r) return r.url;
  throw new ConfigError(field, r.problem, `${field} ${ENDPOINT_MESSAGES[r.problem]}`);
}

function seconds(field: keyof typeof SECONDS) {
  return (value: unknown) => {
    const rule: NumberRule = SECONDS[field];
    const n = checkNumber(value, rule);
    if (n === undefined) {
      throw new ConfigError(
        field,
        'number',
        `${field} must be a number from ${rule.min} to ${rule.max}`,
        { min: rule.min, max: rule.max },
      );
    }
    return n * 1000;
  };
}

/** What the TLS configuration offers, as far as validation needs to know. */
export interface TlsContext {
  /** `notAfter` (epoch ms) of the client certificate, when there is one with its key. */
  clientCertNotAfter?: number;
}

/** A static credential (API key, Basic, bearer token): applied as it is, never fetched. */
export interface StaticSettings {
  kind: Exclude<Kind, 'oauth2'>;
  /** What get token puts on each message. */
  applied: Applied;
  /** `msg.token.token_type`: `Basic`, `Bearer` or `apiKey`. */
  tokenType: string;
  /** Test connection calls it with the credential; undefined when none is set. */
  testUrl?: URL;
  timeoutMs: number;
  /** The secrets, for redaction of what a test server answers. */
  secrets: string[];
  /** `[id, secret]` pairs whose base64 a server could echo (HTTP Basic). */
  pairs: [string | undefined, string | undefined][];
}

export type ObjectSettings =
  { kind: 'oauth2'; settings: Settings } | { kind: 'static'; settings: StaticSettings };

/**
 * Validates an auth object of any kind; throws the first problem as a ConfigError.
 * Flows saved before `kind` existed have none: they are OAuth 2.0, checked as before.
 */
export function validateObject(
  raw: RawSettings,
  creds: Credentials | undefined,
  tls: TlsContext = {},
): ObjectSettings {
  const kind = kindOf(raw.kind) as Kind;
  if (!KINDS.includes(kind)) throw optionError('kind', KINDS);
  if (!isStaticKind(kind)) return { kind: 'oauth2', settings: validateSettings(raw, creds, tls) };
  return {
    kind: 'static',
    settings: validateStatic(kind as StaticSettings['kind'], raw, creds ?? {}),
  };
}

const HEADER_MESSAGES = {
  required: 'is required',
  'header-name': 'is not a valid HTTP header name',
  'header-reserved': 'is a header the HTTP client sets itself',
  'query-name': 'must not contain control characters or #',
} as const;

function validateStatic(
  kind: StaticSettings['kind'],
  raw: RawSettings,
  c: Credentials,
): StaticSettings {
  const insecure = raw.allowInsecureHttp === true || raw.allowInsecureHttp === 'true';
  const testUrl = text(raw.testUrl) ? parseEndpoint('testUrl', raw.testUrl, insecure) : undefined;
  const timeoutMs = seconds('timeout')(raw.timeout);
  const base = { kind, ...(testUrl ? { testUrl } : {}), timeoutMs };
  checkEnvResolved(c, credentialsNeeded('', '', kind));
  // Every credential is checked as stored: surrounding spaces are part of a secret.
  if (kind === 'apiKey') {
    const where = (text(raw.apiKeyIn) || DEFAULT_API_KEY_IN) as ApiKeyIn;
    if (!API_KEY_IN.includes(where)) throw optionError('apiKeyIn', API_KEY_IN);
    const name = checkApiKeyName(raw.apiKeyName, where);
    if ('problem' in name) {
      throw new ConfigError(
        'apiKeyName',
        name.problem,
        `apiKeyName ${HEADER_MESSAGES[name.problem]}`,
      );
    }
    const key = c.apiKey ?? '';
    if (!key) throw new ConfigError('apiKey', 'required', 'apiKey is required');
    if (where === 'header' && !isHeaderValue(key)) {
      throw new ConfigError('apiKey', 'header-value', 'apiKey cannot be sent in a header as typed');
    }
    return {
      ...base,
      applied: { in: where, name: name.name, value: key },
      tokenType: 'apiKey',
      secrets: [key],
      pairs: [],
    };
  }
  if (kind === 'basic') {
    const username = c.username ?? '';
    const password = c.password ?? '';
    if (!text(username)) throw new ConfigError('username', 'required', 'username is required');
    if (!password && !mayBeEmpty('password', kind)) {
      throw new ConfigError('password', 'required', 'password is required');
    }
    for (const [field, v] of [
      ['username', username],
      ['password', password],
    ] as const) {
      const problem = checkBasicPart(field, v);
      if (problem) {
        throw new ConfigError(field, problem, `${field} ${BASIC_MESSAGES[problem]}`);
      }
    }
    return {
      ...base,
      applied: { in: 'header', name: 'Authorization', value: basicValue(username, password) },
      tokenType: 'Basic',
      // Without a password the user name is the secret (an API key); `user:` for its base64.
      secrets: password ? [password] : [username, `${username}:`],
      pairs: [[username, password]],
    };
  }
  const token = c.token ?? '';
  if (!token) throw new ConfigError('token', 'required', 'token is required');
  if (hasBearerPrefix(token)) {
    throw new ConfigError(
      'token',
      'bearer-prefix',
      'token must be typed without "Bearer ": the node writes it itself',
    );
  }
  if (!isHeaderSecret(token)) {
    throw new ConfigError('token', 'header-value', 'token cannot be sent in a header as typed');
  }
  return {
    ...base,
    applied: { in: 'header', name: 'Authorization', value: `Bearer ${token}` },
    tokenType: 'Bearer',
    secrets: [token],
    pairs: [],
  };
}

/**
 * Node-RED replaces a credential's `${NAME}` at deploy, and leaves it as typed when NAME is
 * not set: it would go to the server as the secret. The message does not repeat the name.
 */
function checkEnvResolved(c: Credentials, needed: readonly CredentialName[]): void {
  for (const field of needed) {
    if (isWholeEnv(c[field])) {
      throw new ConfigError(
        field,
        'env',
        `${field} is a \${NAME} whose environment variable is not set`,
      );
    }
  }
}

const PEM_MESSAGES = {
  key: 'is not a PEM private key',
  'key-encrypted':
    'is encrypted: store it decrypted (openssl pkey -in key.pem -out plain.pem); the node holds no passphrase',
  'key-json':
    'holds a whole JSON key: paste that into the Service account key field, which takes the private key from it',
} as const;

const BASIC_MESSAGES = {
  colon: 'must not contain a colon (RFC 7617)',
  control: 'must not contain control characters',
} as const;

/** Validates OAuth 2.0 settings and credentials; throws the first problem as a ConfigError. */
export function validateSettings(
  raw: RawSettings,
  creds: Credentials | undefined,
  tls: TlsContext = {},
): Settings {
  const grantType = (text(raw.grantType) || DEFAULT_GRANT) as GrantType;
  if (!GRANT_TYPES.includes(grantType)) {
    throw optionError('grantType', GRANT_TYPES);
  }
  let clientAuth = (text(raw.clientAuth) || DEFAULT_CLIENT_AUTH) as ClientAuthMethod;
  if (!CLIENT_AUTH_METHODS.includes(clientAuth)) {
    throw optionError('clientAuth', CLIENT_AUTH_METHODS);
  }
  // RFC 7523 §2.1: the signed assertion is the grant and the proof; no client authentication.
  if (grantType === JWT_BEARER_GRANT) clientAuth = 'none';
  const insecure = raw.allowInsecureHttp === true || raw.allowInsecureHttp === 'true';
  const issuerText = text(raw.issuer);
  let issuer: URL | undefined;
  if (issuerText) {
    const r = checkIssuer(issuerText, insecure);
    if ('problem' in r) {
      const message =
        r.problem === 'query' ? 'must not contain a query' : ENDPOINT_MESSAGES[r.problem];
      throw new ConfigError('issuer', r.problem, `issuer ${message}`);
    }
    issuer = r.url;
  }
  // A typed token URL wins; without one the issuer's discovery document names it.
  const discovery =
    issuer && !text(raw.tokenUrl)
      ? { issuer, text: issuerText, allowInsecureHttp: insecure }
      : undefined;
  const tokenUrl = discovery ? issuer! : parseEndpoint('tokenUrl', raw.tokenUrl, insecure);
  const refreshTokenUrl = text(raw.refreshTokenUrl)
    ? parseEndpoint('refreshTokenUrl', raw.refreshTokenUrl, insecure)
    : tokenUrl;

  const scope = scopeTokens(raw.scope);
  if (!scope) {
    throw new ConfigError('scope', 'scope', 'scope contains characters a scope may not have');
  }

  const extra = checkExtraParams(raw.extraParams);
  if ('problem' in extra) {
    const name = 'name' in extra ? extra.name : '';
    throw new ConfigError('extraParams', extra.problem, PARAM_MESSAGES[extra.problem](name), {
      param: name,
    });
  }
  const extraParams = extra.params;

  // The grant's other endpoint: typed, or discovered from the issuer when left empty.
  const other = grantEndpoint(grantType);
  let otherUrl: URL | undefined;
  if (other && (text(raw[other]) || !issuer)) otherUrl = parseEndpoint(other, raw[other], insecure);
  let authorizeParams: [string, string][] = [];
  if (other) {
    const r = checkAuthorizeParams(raw.authorizeParams);
    if ('problem' in r) {
      const name = 'name' in r ? r.name : '';
      throw new ConfigError('authorizeParams', r.problem, AUTHORIZE_MESSAGES[r.problem](name), {
        param: name,
      });
    }
    authorizeParams = r.params;
  }

  const c = creds ?? {};
  const needed = credentialsNeeded(grantType, clientAuth, 'oauth2');
  checkEnvResolved(c, needed);
  const clientId = text(c.clientId);
  if (needed.includes('clientId') && !clientId) {
    throw new ConfigError('clientId', 'required', 'clientId is required');
  }
  let assertion: AssertionSettings | undefined;
  if (needed.includes('privateKey')) {
    assertion = assertionSettings(raw, c.privateKey);
    if (grantType === JWT_BEARER_GRANT) {
      const audience = text(raw.assertionAudience);
      const subject = text(raw.assertionSubject);
      assertion = {
        ...assertion,
        ...(audience ? { audience } : {}),
        ...(subject ? { subject } : {}),
      };
    }
  }
  // RFC 8705 §2: with tls_client_auth the TLS handshake authenticates the client.
  if (needsClientCertificate(clientAuth, grantType) && tls.clientCertNotAfter === undefined) {
    throw new ConfigError(
      'tls',
      'client-cert',
      'tls_client_auth needs a TLS configuration with a client certificate and its key',
    );
  }
  if (needed.includes('clientSecret') && !c.clientSecret) {
    throw new ConfigError('clientSecret', 'required', 'clientSecret is required');
  }
  if (needed.includes('username') && !text(c.username)) {
    throw new ConfigError('username', 'required', 'username is required');
  }
  if (needed.includes('password') && !c.password) {
    throw new ConfigError('password', 'required', 'password is required');
  }
  if (needed.includes('refreshToken') && !text(c.refreshToken)) {
    throw new ConfigError('refreshToken', 'required', 'refreshToken is required');
  }

  return {
    grantType,
    tokenUrl,
    refreshTokenUrl,
    scope: scope.join(' '),
    clientAuth,
    extraParams,
    timeoutMs: seconds('timeout')(raw.timeout),
    refreshBeforeMs: seconds('refreshBefore')(raw.refreshBefore),
    cooldownMs: seconds('cooldown')(raw.cooldown),
    ...(assertion ? { assertion } : {}),
    ...(discovery ? { discovery } : {}),
    ...(otherUrl ? { [other!]: otherUrl } : {}),
    authorizeParams,
    ...(tls.clientCertNotAfter !== undefined ? { clientCertNotAfter: tls.clientCertNotAfter } : {}),
    credentials: {
      clientId,
      clientSecret: c.clientSecret,
      username: c.username,
      password: c.password,
      ...(grantType === 'refresh_token' && text(c.refreshToken)
        ? { refreshToken: text(c.refreshToken) }
        : {}),
    },
  };
}

/**
 * The key and algorithm of a `private_key_jwt` client, checked at deploy: the
 * PEM must parse as a private key of the algorithm's type (RSA of at least
 * 2048 bits for RS256, P-256 for ES256). Errors never quote the key.
 * https://www.rfc-editor.org/rfc/rfc7518#section-3.1
 */
function assertionSettings(raw: RawSettings, pem: string | undefined): AssertionSettings {
  const alg = (text(raw.assertionAlg) || 'RS256') as AssertionAlg;
  if (!ASSERTION_ALGS.includes(alg)) {
    throw optionError('assertionAlg', ASSERTION_ALGS);
  }
  const typed = pemText(pem);
  if (!typed) {
    throw new ConfigError('privateKey', 'required', 'privateKey is required');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: typed, format: 'pem' });
  } catch {
    const problem = pemProblem(typed);
    throw new ConfigError('privateKey', problem, `privateKey ${PEM_MESSAGES[problem]}`, { alg });
  }
  const d = key.asymmetricKeyDetails;
  const fits =
    alg === 'RS256'
      ? key.asymmetricKeyType === 'rsa' && (d?.modulusLength ?? 0) >= 2048
      : key.asymmetricKeyType === 'ec' && d?.namedCurve === 'prime256v1';
  if (!fits) {
    throw new ConfigError(
      'privateKey',
      'key-alg',
      `privateKey does not fit ${alg} (RS256 needs an RSA key of at least 2048 bits, ES256 a P-256 key)`,
      { alg },
    );
  }
  return { alg, keyId: text(raw.keyId), key };
}
