/**
 * Decides what Test connection may send. The form comes from someone allowed
 * to press the button, who may not be allowed to read the stored secrets, so:
 * - a stored secret is used only for a secret field sent unchanged (Node-RED's
 *   placeholder) and only when every field that decides where or how it is sent
 *   equals the deployed object's; otherwise the answer names what to type again;
 * - `${NAME}` is resolved only where a field equals the deployed object's, and
 *   then exactly as deploy resolved it; a value the request brings is taken as is.
 */
import type { Credentials, RawSettings } from './config';
import { CODES } from './errors';
import {
  DEFAULT_API_KEY_IN,
  DEFAULT_CLIENT_AUTH,
  DEFAULT_GRANT,
  isStaticKind,
  kindOf,
  SECRET_CREDENTIALS,
  isWholeEnv,
  secretsNeeded,
  text,
  type SecretCredential,
} from './rules';

/** Node-RED sends this in place of a password field the user did not change. */
export const UNCHANGED = '__PWRD__';

/** Settings the form carries; `tls` and `proxy` are ids of Node-RED's own config nodes. */
export const FORM_SETTINGS = [
  'kind',
  'apiKeyName',
  'apiKeyIn',
  'testUrl',
  'assertionAudience',
  'assertionSubject',
  'grantType',
  'tokenUrl',
  'allowInsecureHttp',
  'refreshTokenUrl',
  'scope',
  'clientAuth',
  'extraParams',
  'timeout',
  'assertionAlg',
  'keyId',
  'issuer',
  'tls',
  'proxy',
  'authorizeUrl',
  'deviceAuthorizationUrl',
  'authorizeParams',
] as const;
export type FormSetting = (typeof FORM_SETTINGS)[number];

export const FORM_CREDENTIALS = ['clientId', 'username', ...SECRET_CREDENTIALS] as const;
type FormCredential = (typeof FORM_CREDENTIALS)[number];

/**
 * What decides where and how an OAuth object's stored secrets go; any change means typing
 * them again. For the JWT bearer grant the audience and subject say what the signed
 * assertion is good for.
 */
export const OAUTH_DESTINATION_FIELDS = [
  'kind',
  'grantType',
  'tokenUrl',
  'issuer',
  'refreshTokenUrl',
  'clientAuth',
  'clientId',
  'allowInsecureHttp',
  'tls',
  'proxy',
  'extraParams',
  'assertionAudience',
  'assertionSubject',
  // A device flow authenticates the client at this endpoint too (RFC 8628 §3.1).
  'deviceAuthorizationUrl',
] as const;

/** The same for a static kind: its secret goes to the test URL, in the header or query named. */
export const STATIC_DESTINATION_FIELDS = [
  'kind',
  'testUrl',
  'apiKeyName',
  'apiKeyIn',
  'allowInsecureHttp',
  'tls',
  'proxy',
] as const;

/** Every field that can decide where a stored secret goes, for one kind or another. */
export const DESTINATION_FIELDS = [
  ...new Set([...OAUTH_DESTINATION_FIELDS, ...STATIC_DESTINATION_FIELDS]),
] as (typeof OAUTH_DESTINATION_FIELDS)[number][] | (typeof STATIC_DESTINATION_FIELDS)[number][];

export type FormValues = Partial<Record<FormSetting, unknown>>;

/** The deployed object, as the flow holds it and as deploy resolved it. */
export interface DeployedObject {
  /** The definition as typed, `${NAME}` included. */
  raw: FormValues;
  /** The same after Node-RED's `${NAME}` substitution: what the object runs with. */
  resolved: FormValues;
  rawCredentials: Credentials;
  resolvedCredentials: Credentials;
}

export type FormResolution =
  | {
      ok: true;
      settings: RawSettings & { tls?: unknown; proxy?: unknown };
      credentials: Credentials;
    }
  /** Stored secrets would be needed but may not be used: `fields` to type, `changed` why. */
  | {
      ok: false;
      code: typeof CODES.SECRET_REQUIRED;
      fields: SecretCredential[];
      changed: string[];
    }
  /** A `${NAME}` the request brings: only deploy resolves it. */
  | { ok: false; code: typeof CODES.ENV_UNRESOLVED; field: string };

const isEnv = (v: unknown): boolean =>
  typeof v === 'string'
    ? isWholeEnv(v)
    : Array.isArray(v)
      ? v.some((p) => p && typeof p === 'object' && Object.values(p as object).some(isEnv))
      : false;

/** A field's value reduced to what changes behaviour: defaults, blanks and types evened out. */
function normal(field: string, v: unknown): string {
  switch (field) {
    case 'kind':
      return kindOf(v);
    case 'apiKeyIn':
      return text(v) || DEFAULT_API_KEY_IN;
    case 'grantType':
      return text(v) || DEFAULT_GRANT;
    case 'clientAuth':
      return text(v) || DEFAULT_CLIENT_AUTH;
    case 'allowInsecureHttp':
      return String(v === true || v === 'true');
    case 'extraParams':
    case 'authorizeParams':
      return JSON.stringify(
        (Array.isArray(v) ? (v as unknown[]) : []).map((p) => {
          const o = (p ?? {}) as { name?: unknown; value?: unknown };
          return [text(o.name), typeof o.value === 'string' ? o.value : (o.value ?? '')];
        }),
      );
    default:
      return typeof v === 'string'
        ? v.trim()
        : v === undefined || v === null
          ? ''
          : JSON.stringify(v);
  }
}

const same = (field: string, a: unknown, b: unknown) => normal(field, a) === normal(field, b);

/**
 * Resolves a Test connection form against the deployed object with that id
 * (undefined when the id names no deployed `auth-object`).
 */
export function resolveTestForm(
  form: FormValues,
  sentCredentials: Partial<Record<FormCredential, unknown>>,
  deployed: DeployedObject | undefined,
): FormResolution {
  const settings: Record<string, unknown> = {};
  for (const k of FORM_SETTINGS) {
    const sent = form[k];
    if (deployed && same(k, sent, deployed.raw[k])) settings[k] = deployed.resolved[k];
    else if (isEnv(sent)) return { ok: false, code: CODES.ENV_UNRESOLVED, field: k };
    else settings[k] = sent;
  }

  const credentials: Credentials = {};
  const placeholders: SecretCredential[] = [];
  for (const k of FORM_CREDENTIALS) {
    const sent = sentCredentials[k];
    const secret = (SECRET_CREDENTIALS as readonly string[]).includes(k);
    if (secret && sent === UNCHANGED) {
      placeholders.push(k as SecretCredential);
    } else if (!secret && deployed && same(k, sent, deployed.rawCredentials[k])) {
      credentials[k] = deployed.resolvedCredentials[k];
    } else if (isEnv(sent)) {
      return { ok: false, code: CODES.ENV_UNRESOLVED, field: k };
    } else if (typeof sent === 'string') {
      credentials[k] = sent;
    }
  }

  const needed = secretsNeeded(
    normal('grantType', settings.grantType),
    normal('clientAuth', settings.clientAuth),
    normal('kind', settings.kind),
  );
  const used = placeholders.filter((k) => needed.includes(k));
  if (used.length) {
    // The fields of both kinds when the kind itself changed: each decides for one of them.
    const kinds = [normal('kind', settings.kind), normal('kind', deployed?.raw.kind)];
    const fields = [
      ...new Set<FormSetting | 'clientId'>(
        kinds.flatMap((k) =>
          isStaticKind(k) ? STATIC_DESTINATION_FIELDS : OAUTH_DESTINATION_FIELDS,
        ),
      ),
    ];
    const changed = deployed
      ? fields.filter((k) =>
          k === 'clientId'
            ? !same(k, sentCredentials.clientId, deployed.rawCredentials.clientId)
            : !same(k, form[k as FormSetting], deployed.raw[k as FormSetting]),
        )
      : [];
    if (!deployed || changed.length) {
      return { ok: false, code: CODES.SECRET_REQUIRED, fields: used, changed };
    }
    for (const k of used) credentials[k] = deployed.resolvedCredentials[k];
  }
  return { ok: true, settings, credentials };
}
