/**
 * The checks behind the auth object form's fields. Each takes what the field holds and
 * answers undefined (valid) or the message to show, as a key under `auth-object.` in
 * locales/<lang>/auth-object.json with its parameters.
 *
 * The rules themselves are those of the runtime (core/rules.ts, core/expiry.ts); this
 * module only maps their answers to messages. No RED, no jQuery, no DOM, no side effect:
 * a Node.js test can import it and compare its verdicts with the runtime's.
 */
import { parseExpiryDate } from '../core/expiry';
import {
  API_KEY_IN,
  ASSERTION_ALGS,
  CLIENT_AUTH_METHODS,
  DEFAULT_API_KEY_IN,
  DEFAULT_KIND,
  GRANT_TYPES,
  KINDS,
  SECONDS,
  checkApiKeyName,
  checkBasicPart,
  mayBeEmpty,
  hasBearerPrefix,
  isHeaderSecret,
  isHeaderValue,
  kindOf,
} from '../core/rules';
import type { CredentialName, EndpointProblem } from '../core/rules';
import {
  checkAuthorizeParams,
  checkEndpoint,
  checkExtraParams,
  checkIssuer,
  checkNumber,
  credentialsNeeded,
  isNotifyList,
  isWholeEnv,
  needsClientCertificate,
  scopeTokens,
  text,
} from '../core/rules';

/**
 * What is wrong with a field: a message key relative to `auth-object.` (for example
 * `validation.url`) and its parameters; undefined when the field is valid. A `field`
 * parameter names a setting or credential (`clientId`): the editor shows its label.
 */
export type Verdict = { key: string; params?: Record<string, string | number> } | undefined;

const ENDPOINT_KEYS: Record<EndpointProblem, string> = {
  required: 'validation.tokenUrlRequired',
  url: 'validation.url',
  userinfo: 'validation.userinfo',
  fragment: 'validation.fragment',
  insecure: 'validation.https',
};

/**
 * A token, issuer or refresh URL. Empty is an error only when `required`. A whole
 * `${NAME}` is replaced by Node-RED when the flow starts and checked then; a `${NAME}`
 * inside a longer value is never replaced, so it is refused here.
 */
export function checkUrlField(
  value: unknown,
  allowInsecureHttp: boolean,
  required: boolean,
): Verdict {
  const s = text(value);
  if (s === '') return required ? { key: ENDPOINT_KEYS.required } : undefined;
  if (isWholeEnv(s)) return undefined;
  if (s.includes('${')) return { key: 'validation.envPartial' };
  const r = checkEndpoint(s, allowInsecureHttp);
  return 'problem' in r ? { key: ENDPOINT_KEYS[r.problem] } : undefined;
}

/** The issuer: a URL as {@link checkUrlField}, and no query (discovery appends a path to it). */
export function checkIssuerField(value: unknown, allowInsecureHttp: boolean): Verdict {
  const verdict = checkUrlField(value, allowInsecureHttp, false);
  if (verdict || isWholeEnv(value) || !text(value)) return verdict;
  const r = checkIssuer(value, allowInsecureHttp);
  return 'problem' in r && r.problem === 'query' ? { key: 'validation.issuerQuery' } : undefined;
}

/** Space-separated scope tokens (RFC 6749 §3.3). */
export function checkScopeField(value: unknown): Verdict {
  if (isWholeEnv(value) || scopeTokens(value)) return undefined;
  return { key: 'validation.scope' };
}

/** A number of seconds in the setting's range; empty means the default. */
export function checkSecondsField(
  field: 'timeout' | 'refreshBefore' | 'cooldown',
  value: unknown,
): Verdict {
  const rule = SECONDS[field];
  if (isWholeEnv(value) || checkNumber(value, rule) !== undefined) return undefined;
  return { key: 'validation.seconds', params: { min: rule.min, max: rule.max } };
}

/** The choices of a select, as the runtime takes them: empty means its default. */
const OPTIONS: Record<
  'grantType' | 'clientAuth' | 'assertionAlg' | 'kind' | 'apiKeyIn',
  readonly string[]
> = {
  grantType: GRANT_TYPES,
  clientAuth: CLIENT_AUTH_METHODS,
  assertionAlg: ASSERTION_ALGS,
  kind: KINDS,
  apiKeyIn: API_KEY_IN,
};

/** The kind, grant, client authentication, assertion algorithm or where an API key goes. */
export function checkOptionField(field: keyof typeof OPTIONS, value: unknown): Verdict {
  const v = text(value);
  if (v === '' || OPTIONS[field].includes(v)) return undefined;
  return { key: 'validation.option', params: { options: OPTIONS[field].join(', ') } };
}

/** Secrets the runtime sends exactly as typed: surrounding spaces are part of them. */
const SENT_AS_TYPED: readonly CredentialName[] = ['clientSecret', 'password', 'apiKey', 'token'];

/** Node-RED's stand-in for a stored secret the form did not change. */
const STORED = '__PWRD__';

/**
 * A credential, required when the kind (for OAuth 2.0: the grant and client
 * authentication) uses it, and sendable as the kind sends it. A stored secret shows as
 * Node-RED's placeholder `__PWRD__`, which counts as present (it was checked when typed).
 */
export function checkCredentialField(
  field: CredentialName,
  value: unknown,
  grantType: string,
  clientAuth: string,
  kind: string = DEFAULT_KIND,
  apiKeyIn: string = DEFAULT_API_KEY_IN,
): Verdict {
  if (!credentialsNeeded(grantType, clientAuth, kind).includes(field)) return undefined;
  const present =
    typeof value === 'string' &&
    (SENT_AS_TYPED.includes(field) ? value !== '' : value.trim() !== '');
  if (value === '' && mayBeEmpty(field, kind)) return undefined;
  if (!present) return { key: 'validation.credentialRequired', params: { field } };
  if (value === STORED || isWholeEnv(value)) return undefined;
  const k = kindOf(kind);
  const keyInHeader = field === 'apiKey' && (text(apiKeyIn) || 'header') === 'header';
  if (field === 'token' && hasBearerPrefix(value)) return { key: 'validation.bearerPrefix' };
  if (field === 'token' && !isHeaderSecret(value)) return { key: 'validation.headerSecret' };
  if (keyInHeader && !isHeaderValue(value)) return { key: 'validation.headerSecret' };
  if (k === 'basic' && (field === 'username' || field === 'password')) {
    const problem = checkBasicPart(field, value);
    if (problem)
      return { key: problem === 'colon' ? 'validation.basicColon' : 'validation.basicControl' };
  }
  return undefined;
}

/** The header or query parameter name of an API key. */
export function checkApiKeyNameField(value: unknown, apiKeyIn: string): Verdict {
  if (isWholeEnv(value)) return undefined;
  const where = text(apiKeyIn) || DEFAULT_API_KEY_IN;
  const r = checkApiKeyName(value, where);
  if (!('problem' in r)) return undefined;
  if (r.problem === 'required')
    return { key: 'validation.credentialRequired', params: { field: 'apiKeyName' } };
  return { key: where === 'query' ? 'validation.apiKeyNameQuery' : 'validation.apiKeyName' };
}

/**
 * The TLS configuration (its node id, empty for none): tls_client_auth authenticates
 * the client with the certificate of a TLS configuration (RFC 8705 §2).
 */
export function checkTlsField(value: unknown, clientAuth: string): Verdict {
  if (!needsClientCertificate(clientAuth) || text(value) !== '') return undefined;
  return { key: 'validation.tlsRequired' };
}

const PARAM_KEYS = {
  'param-name': 'validation.paramName',
  'param-reserved': 'validation.paramReserved',
  'param-value': 'validation.paramValue',
} as const;

/** Extra body parameters: each has a name the node does not set itself, and a text value. */
export function checkExtraParamsField(list: unknown): Verdict {
  const r = checkExtraParams(list);
  if (!('problem' in r)) return undefined;
  return { key: PARAM_KEYS[r.problem], ...('name' in r ? { params: { name: r.name } } : {}) };
}

/** Authorization request parameters: the rule of extra parameters, with their own reserved names. */
export function checkAuthorizeParamsField(list: unknown): Verdict {
  const r = checkAuthorizeParams(list);
  if (!('problem' in r)) return undefined;
  return { key: PARAM_KEYS[r.problem], ...('name' in r ? { params: { name: r.name } } : {}) };
}

/** Whether an entry's `appliesTo` names at least one parameter, and nothing but names. */
function isAppliesTo(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((name: unknown) => typeof name === 'string' && name.trim() !== '')
  );
}

/**
 * The expiry list: each entry an object with a date the expiry check can read and at
 * least one parameter it applies to. Rows count from 1, as the form shows them.
 */
export function checkExpiriesField(list: unknown): Verdict {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) return { key: 'validation.expiries' };
  for (const [i, e] of (list as unknown[]).entries()) {
    const index = i + 1;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) {
      return { key: 'validation.expiryEntry', params: { index } };
    }
    const entry = e as { expiresAt?: unknown; appliesTo?: unknown };
    if (!parseExpiryDate(entry.expiresAt).ok) {
      return { key: 'validation.expiryDate', params: { index } };
    }
    if (!isAppliesTo(entry.appliesTo)) {
      return { key: 'validation.expiryAppliesTo', params: { index } };
    }
  }
  return undefined;
}

/** The owners' e-mail addresses, comma-separated; empty is fine. */
export function checkNotifyField(value: unknown): Verdict {
  return isNotifyList(value) ? undefined : { key: 'validation.notify' };
}
