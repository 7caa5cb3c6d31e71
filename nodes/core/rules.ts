/**
 * Every rule a user's input must follow, written once and used by the runtime
 * (config.ts, the expiry check, the admin routes) and by the editor, which is
 * bundled from the same source. Browser-safe: no Node.js import here or in what
 * this module imports.
 */

/** RFC 7523 §2.1: a signed JWT exchanged for a token (e.g. a Google service account). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** RFC 8628 §3.4: what a device flow sends; the property value is `device_code`. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export type GrantType =
  | 'password'
  | 'client_credentials'
  | typeof JWT_BEARER_GRANT
  | 'authorization_code'
  | 'device_code'
  | 'refresh_token';
/**
 * Grants that act for a person who signed in (or pasted a refresh token): the token is
 * renewed only with a refresh token, never by repeating a grant.
 */
export type DelegatedGrant = 'authorization_code' | 'device_code' | 'refresh_token';
export const DELEGATED_GRANTS: readonly DelegatedGrant[] = [
  'authorization_code',
  'device_code',
  'refresh_token',
];
export const isDelegatedGrant = (grant: string): grant is DelegatedGrant =>
  (DELEGATED_GRANTS as readonly string[]).includes(grant);
/** Grants a person signs in for from the editor; the sign-in result is stored encrypted. */
export const isSignInGrant = (grant: string): boolean =>
  grant === 'authorization_code' || grant === 'device_code';
export type ClientAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'none' | 'private_key_jwt' | 'tls_client_auth';
export type AssertionAlg = 'RS256' | 'ES256';

export const GRANT_TYPES: readonly GrantType[] = [
  'password',
  'client_credentials',
  JWT_BEARER_GRANT,
  'authorization_code',
  'device_code',
  'refresh_token',
];

/**
 * What an auth object holds: OAuth 2.0 (a token fetched and renewed), or a static
 * credential applied as it is: an API key, HTTP Basic (RFC 7617), a bearer token.
 */
export type Kind = 'oauth2' | 'apiKey' | 'basic' | 'bearer';
export const KINDS: readonly Kind[] = ['oauth2', 'apiKey', 'basic', 'bearer'];
/** Flows saved before `kind` existed hold OAuth 2.0 objects. */
export const DEFAULT_KIND: Kind = 'oauth2';
export type ApiKeyIn = 'header' | 'query';
export const API_KEY_IN: readonly ApiKeyIn[] = ['header', 'query'];
export const DEFAULT_API_KEY_IN: ApiKeyIn = 'header';

/** The kind a stored value means: empty or missing is `oauth2`; anything else as written. */
export const kindOf = (v: unknown): string => text(v) || DEFAULT_KIND;
/** Whether the kind is a static credential (no token request). */
export const isStaticKind = (kind: string): boolean =>
  kind === 'apiKey' || kind === 'basic' || kind === 'bearer';
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'none',
  'private_key_jwt',
  'tls_client_auth',
];
/** The order in which a client authentication the server lists is suggested. */
export const CLIENT_AUTH_PREFERENCE: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'none',
];
export const ASSERTION_ALGS: readonly AssertionAlg[] = ['RS256', 'ES256'];
export const DEFAULT_GRANT: GrantType = 'client_credentials';
export const DEFAULT_CLIENT_AUTH: ClientAuthMethod = 'client_secret_basic';

/** Body parameters the node sets itself; an extra parameter may not override them. */
export const RESERVED_PARAMS: ReadonlySet<string> = new Set([
  'grant_type',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'username',
  'password',
  'refresh_token',
  'scope',
]);

/**
 * Authorization request parameters the node sets itself (RFC 6749 §4.1.1, RFC 7636 §4.3,
 * OpenID Connect `nonce`); an `authorizeParams` entry may not override them.
 */
export const RESERVED_AUTHORIZE_PARAMS: ReadonlySet<string> = new Set([
  'response_type',
  'client_id',
  'redirect_uri',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
  'scope',
]);

/**
 * The endpoint besides the token endpoint a grant needs: typed, or from discovery
 * (`authorization_endpoint`, `device_authorization_endpoint`) when an issuer is set.
 */
export function grantEndpoint(
  grant: string,
): 'authorizeUrl' | 'deviceAuthorizationUrl' | undefined {
  if (grant === 'authorization_code') return 'authorizeUrl';
  if (grant === 'device_code') return 'deviceAuthorizationUrl';
  return undefined;
}

/** A number setting: its range and the value an empty field means. */
export interface NumberRule {
  min: number;
  max: number;
  default: number;
}

/** Seconds settings of an auth object. */
export const SECONDS: Readonly<Record<'timeout' | 'refreshBefore' | 'cooldown', NumberRule>> = {
  timeout: { min: 1, max: 300, default: 10 },
  refreshBefore: { min: 0, max: 86400, default: 60 },
  cooldown: { min: 0, max: 86400, default: 300 },
};

/** Settings of the expiry check: days, and hours for `remindEvery`. */
export const CHECK_NUMBERS: Readonly<
  Record<'warnDays' | 'criticalDays' | 'remindEvery', NumberRule>
> = {
  warnDays: { min: 0, max: 3650, default: 30 },
  criticalDays: { min: 0, max: 3650, default: 7 },
  remindEvery: { min: 0, max: 8760, default: 24 },
};

/** Thresholds where nobody chose them (the sidebar, the admin list). */
export const THRESHOLDS = {
  warnDays: CHECK_NUMBERS.warnDays.default,
  criticalDays: CHECK_NUMBERS.criticalDays.default,
} as const;

/**
 * Node-RED replaces a field whose whole value is `${NAME}` (or the older `$(NAME)`)
 * when the flow starts; the same pattern as its runtime's.
 */
export function isWholeEnv(v: unknown): boolean {
  return typeof v === 'string' && /^\$\{\S+\}$|^\$\(\S+\)$/.test(v.trim());
}

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '[::1]' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Text as every rule reads a field: a string, trimmed; anything else is empty. */
export const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

export type EndpointProblem = 'required' | 'url' | 'userinfo' | 'fragment' | 'insecure';

/**
 * An endpoint URL: http(s) only, no user info (credentials belong in the
 * credential fields), no fragment (RFC 6749 §3.2), https unless loopback or
 * explicitly allowed. The parsed URL, or what is wrong.
 */
export function checkEndpoint(
  value: unknown,
  allowInsecureHttp: boolean,
): { url: URL } | { problem: EndpointProblem } {
  const s = text(value);
  if (!s) return { problem: 'required' };
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return { problem: 'url' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'url' };
  if (url.username || url.password) return { problem: 'userinfo' };
  if (url.hash || s.includes('#')) return { problem: 'fragment' };
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    return { problem: 'insecure' };
  }
  return { url };
}

/** The issuer: an endpoint as {@link checkEndpoint}, without a query (discovery appends a path). */
export function checkIssuer(
  value: unknown,
  allowInsecureHttp: boolean,
): { url: URL } | { problem: EndpointProblem | 'query' } {
  const r = checkEndpoint(value, allowInsecureHttp);
  return 'url' in r && r.url.search ? { problem: 'query' } : r;
}

export type ParamProblem =
  { problem: 'param-name' } | { problem: 'param-reserved' | 'param-value'; name: string };

/**
 * Extra body parameters as `[name, value]` pairs, or the first problem: each needs a
 * name the node does not set itself, and a text value. Anything but a list means none.
 */
export function checkExtraParams(
  list: unknown,
  reserved: ReadonlySet<string> = RESERVED_PARAMS,
): { params: [string, string][] } | ParamProblem {
  const params: [string, string][] = [];
  for (const p of Array.isArray(list) ? (list as unknown[]) : []) {
    const item = (p ?? {}) as { name?: unknown; value?: unknown };
    const name = text(item.name);
    if (!name) return { problem: 'param-name' };
    if (reserved.has(name)) return { problem: 'param-reserved', name };
    const value = item.value;
    if (value !== undefined && value !== null && typeof value !== 'string') {
      return { problem: 'param-value', name };
    }
    params.push([name, value ?? '']);
  }
  return { params };
}

/** `authorizeParams`: the rule of {@link checkExtraParams}, with the authorization request's own names reserved. */
export const checkAuthorizeParams = (list: unknown) =>
  checkExtraParams(list, RESERVED_AUTHORIZE_PARAMS);

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The scope's tokens, or undefined when one has a character a scope may not have. */
export function scopeTokens(value: unknown): string[] | undefined {
  const tokens = text(value).split(/\s+/).filter(Boolean);
  return tokens.every((t) => SCOPE_TOKEN.test(t)) ? tokens : undefined;
}

/** The number a field holds (empty: the default), or undefined when it is out of range. */
export function checkNumber(value: unknown, rule: NumberRule): number | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && !value.trim())) {
    return rule.default;
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= rule.min && n <= rule.max ? n : undefined;
}

export type CredentialName =
  | 'clientId'
  | 'clientSecret'
  | 'username'
  | 'password'
  | 'privateKey'
  | 'apiKey'
  | 'token'
  | 'refreshToken';

/** Credential fields that hold a secret (password fields in the editor). */
export const SECRET_CREDENTIALS = [
  'clientSecret',
  'password',
  'privateKey',
  'apiKey',
  'token',
  'refreshToken',
] as const;
export type SecretCredential = (typeof SECRET_CREDENTIALS)[number];

/**
 * The credentials a kind needs (for OAuth 2.0: its grant and client authentication), in
 * the order the editor shows them. The JWT bearer grant signs with the private key and
 * uses no client authentication: the assertion is the proof (RFC 7523 §2.1).
 */
export function credentialsNeeded(
  grantType: string,
  clientAuth: string,
  kind: string = DEFAULT_KIND,
): CredentialName[] {
  switch (kindOf(kind)) {
    case 'apiKey':
      return ['apiKey'];
    case 'basic':
      return ['username', 'password'];
    case 'bearer':
      return ['token'];
  }
  if (grantType === JWT_BEARER_GRANT) return ['clientId', 'privateKey'];
  const needed: CredentialName[] = [];
  // A delegated grant always names its client, a public one (`none`) too; the refresh
  // token is typed only for `refresh_token`: signing in obtains the others'.
  if (!(grantType === 'password' && clientAuth === 'none')) needed.push('clientId');
  if (clientAuth === 'client_secret_basic' || clientAuth === 'client_secret_post') {
    needed.push('clientSecret');
  }
  if (clientAuth === 'private_key_jwt') needed.push('privateKey');
  if (grantType === 'password') needed.push('username', 'password');
  if (grantType === 'refresh_token') needed.push('refreshToken');
  return needed;
}

/**
 * A credential the kind uses that may be left empty: HTTP Basic's password (RFC 7617 §2,
 * `password = *TEXT`; Stripe, Chargebee and Close take an API key as the user name).
 */
export const mayBeEmpty = (field: CredentialName, kind: string = DEFAULT_KIND): boolean =>
  kindOf(kind) === 'basic' && field === 'password';

/** The secrets a kind (grant and client authentication) sends or signs with. */
export function secretsNeeded(
  grantType: string,
  clientAuth: string,
  kind: string = DEFAULT_KIND,
): SecretCredential[] {
  return credentialsNeeded(grantType, clientAuth, kind).filter((c): c is SecretCredential =>
    (SECRET_CREDENTIALS as readonly string[]).includes(c),
  );
}

/**
 * Whether the client authenticates with the TLS configuration's certificate (RFC 8705 §2);
 * the JWT bearer grant uses no client authentication.
 */
export function needsClientCertificate(clientAuth: string, grantType = ''): boolean {
  return clientAuth === 'tls_client_auth' && grantType !== JWT_BEARER_GRANT;
}

/** Whether the grant sends the client authentication at all. */
export const usesClientAuth = (grantType: string): boolean => grantType !== JWT_BEARER_GRANT;

/**
 * A private key as a PEM parser reads it: trimmed; copied with its JSON quotes, unquoted;
 * line breaks written `\n` (an environment variable, the `private_key` of a JSON key) made
 * real. A PEM holds no backslash or quote, so nothing else of it changes.
 */
export function pemText(value: unknown): string {
  let s = text(value);
  if (!s.includes('-----BEGIN')) return s;
  if (s.length > 1 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim();
  return s.replace(/\\r\\n|\\n/g, '\n').trim();
}

export type PemProblem = 'key' | 'key-encrypted' | 'key-json';

/**
 * Why a text is no private key the node can use: encrypted (it holds no passphrase), a
 * whole JSON key (its Service account key field takes those), or no private key at all.
 */
export function pemProblem(pem: string): PemProblem {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    return 'key-encrypted';
  }
  if (pem.startsWith('{') && pem.includes('private_key')) return 'key-json';
  return 'key';
}

/** Parameters an expiry is usually about; users may name others. */
export const KNOWN_PARAMETERS = [
  'clientSecret',
  'password',
  'refreshToken',
  'clientCertificate',
  'privateKey',
  'apiKey',
  'token',
];

/** The parameters the expiry list offers for a kind (the others stay as typed). */
export function expiryParameters(kind: string): string[] {
  switch (kindOf(kind)) {
    case 'apiKey':
      return ['apiKey'];
    case 'basic':
      return ['password'];
    case 'bearer':
      return ['token'];
    default:
      return ['clientSecret', 'password', 'refreshToken', 'clientCertificate', 'privateKey'];
  }
}

// RFC 9110 §5.6.2: field-name = token = 1*tchar.
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers an API key may not be put in: the transport or Node-RED's http request sets them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'cookie',
]);

export type ApiKeyNameProblem = 'required' | 'header-name' | 'header-reserved' | 'query-name';

/**
 * The name an API key is sent under: a header name (an RFC 9110 token, not one the
 * transport sets), or a query parameter name (any text without control characters or `#`).
 */
export function checkApiKeyName(
  value: unknown,
  apiKeyIn: string,
): { name: string } | { problem: ApiKeyNameProblem } {
  const name = text(value);
  if (!name) return { problem: 'required' };
  if (apiKeyIn === 'query') {
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u001f\u007f#]/.test(name) || name.length > 256
      ? { problem: 'query-name' }
      : { name };
  }
  if (!TCHAR.test(name) || name.length > 256) return { problem: 'header-name' };
  if (RESERVED_HEADERS.has(name.toLowerCase())) return { problem: 'header-reserved' };
  return { name };
}

/**
 * Whether a static secret can go in an HTTP header as typed: visible ASCII, no spaces
 * (RFC 9110 field values; RFC 6750 b64token for bearer tokens is a subset of what
 * real tokens use, so only what breaks a header is refused). A query value may be any text.
 */
export function isHeaderSecret(value: unknown): boolean {
  return typeof value === 'string' && /^[\x21-\x7e]+$/.test(value) && value.length <= 16384;
}

/**
 * Whether an API key can go in a header as typed: an RFC 9110 field value of visible
 * ASCII with spaces inside (a scheme and a key: Okta's `SSWS <token>`, `Token <key>`), none
 * around it (HTTP drops them). A bearer token has none: {@link isHeaderSecret}.
 */
export function isHeaderValue(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value) &&
    value.length <= 16384
  );
}

/** A bearer token pasted with the `Bearer ` the node writes itself (from curl, Postman, docs). */
export const hasBearerPrefix = (value: unknown): boolean =>
  typeof value === 'string' && /^bearer\s+\S/i.test(value);

export type BasicProblem = 'colon' | 'control';

/**
 * RFC 7617 §2: the user-id may not contain a colon, and neither part control characters.
 * Undefined when both are fine.
 */
export function checkBasicPart(
  field: 'username' | 'password',
  value: unknown,
): BasicProblem | undefined {
  const v = typeof value === 'string' ? value : '';
  if (field === 'username' && v.includes(':')) return 'colon';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) return 'control';
  return undefined;
}

/**
 * Owner addresses: comma-separated, each `x@y` or `Name <x@y>`. Lenient: the
 * e-mail node has the last word. Empty and `${NAME}` are fine.
 */
export function isNotifyList(value: unknown): boolean {
  const v = text(value);
  if (!v || isWholeEnv(v)) return true;
  const parts = v
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return (
    parts.length > 0 &&
    parts.every((p) => /^[^\s@<>]+@[^\s@<>]+$/.test(p) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(p))
  );
}

/** The short name of a grant in labels: the JWT bearer grant's URN is long. */
const grantLabel = (grant: string) => (grant === JWT_BEARER_GRANT ? 'jwt-bearer' : grant);

/**
 * The default label of an auth object: `<grant> @ <token host>`; for a static kind
 * `<kind> @ <test URL host>`, or the kind alone without a test URL.
 */
export function endpointLabel(config: {
  kind?: unknown;
  grantType?: unknown;
  tokenUrl?: unknown;
  issuer?: unknown;
  testUrl?: unknown;
}): string {
  const kind = kindOf(config.kind);
  const what = isStaticKind(kind) ? kind : grantLabel(text(config.grantType) || DEFAULT_GRANT);
  const where = isStaticKind(kind)
    ? text(config.testUrl)
    : text(config.tokenUrl) || text(config.issuer);
  try {
    return `${what} @ ${new URL(String(where)).host}`;
  } catch {
    return what;
  }
}

/**
 * Where an auth object's tokens come from, for people: the typed token URL, or the issuer
 * it is discovered from, without query (it may carry a key) or fragment. Undefined when
 * neither is a URL.
 */
export function tokenServer(config: {
  tokenUrl?: unknown;
  issuer?: unknown;
}): { tokenUrl: string } | { issuer: string } | undefined {
  const show = (v: string) => {
    try {
      const u = new URL(v);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
      return `${u.protocol}//${u.host}${u.pathname}`;
    } catch {
      return undefined;
    }
  };
  const typed = text(config.tokenUrl);
  if (typed) {
    const url = show(typed);
    return url ? { tokenUrl: url } : undefined;
  }
  const issuer = show(text(config.issuer));
  return issuer ? { issuer } : undefined;
}

/** What a server's list of client authentication methods says about the chosen one. */
export interface ClientAuthMismatch {
  chosen: string;
  /** The names the server lists (plain names only, at most 12). */
  listed: string[];
  /** The first listed method this package supports, by {@link CLIENT_AUTH_PREFERENCE}. */
  suggestion?: ClientAuthMethod;
}

/**
 * The chosen client authentication against `token_endpoint_auth_methods_supported`:
 * undefined when the server lists it, or lists nothing readable (no list, an empty one:
 * nothing to go by), else what it lists and which of those to choose.
 */
export function clientAuthMismatch(
  chosen: string,
  listed: readonly string[] | undefined,
): ClientAuthMismatch | undefined {
  if (!listed || listed.includes(chosen)) return undefined;
  const names = [...new Set(listed.filter((m) => /^[\w.:-]{1,64}$/.test(m)))].slice(0, 12);
  if (names.length === 0) return undefined;
  const suggestion = CLIENT_AUTH_PREFERENCE.find((m) => names.includes(m));
  return { chosen, listed: names, ...(suggestion ? { suggestion } : {}) };
}
