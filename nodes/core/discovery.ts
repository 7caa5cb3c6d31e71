/**
 * OpenID Connect Discovery: the token endpoint read from the issuer's
 * `/.well-known/openid-configuration`, so users type the issuer once.
 * https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
import { parseEndpoint, type Settings } from './config';
import { AuthError, ConfigError, errors } from './errors';
import type { Transport } from './http';
import { cleanOnly, type Redactor } from './redact';
import { grantEndpoint, type ClientAuthMismatch } from './rules';

/** A discovery document is a few KB; anything much larger is not one. */
export const MAX_DISCOVERY_BYTES = 256 * 1024;

export interface Discovered {
  tokenEndpoint: URL;
  /** `token_endpoint_auth_methods_supported`, when the server lists them. */
  authMethods?: string[];
  /** `authorization_endpoint`, read when the grant needs it and none is typed. */
  authorizeUrl?: URL;
  /** `device_authorization_endpoint` (RFC 8628 §4), likewise. */
  deviceAuthorizationUrl?: URL;
}

/** Which discovery member holds the endpoint of a grant's property. */
const MEMBERS = {
  authorizeUrl: 'authorization_endpoint',
  deviceAuthorizationUrl: 'device_authorization_endpoint',
} as const;

/** Where the document is: the issuer with `/.well-known/openid-configuration` appended (§4). */
export function discoveryUrl(issuer: URL): URL {
  const url = new URL(issuer.href);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/.well-known/openid-configuration`;
  url.search = '';
  return url;
}

/**
 * Reads the issuer's discovery document: 200, a JSON object of bounded size,
 * `issuer` exactly the configured one (§4.3), and a `token_endpoint` that passes
 * the same https rule as a typed token URL. Errors are `DISCOVERY_FAILED`.
 */
export async function discover(
  s: Settings,
  transport: Transport,
  signal: AbortSignal,
  redact: Redactor = cleanOnly,
): Promise<Discovered> {
  const d = s.discovery;
  if (!d) throw errors.discovery('noIssuer');
  let res;
  try {
    res = await transport.send(
      {
        method: 'GET',
        url: discoveryUrl(d.issuer),
        headers: { Accept: 'application/json' },
        body: '',
      },
      s.timeoutMs,
      signal,
    );
  } catch (err) {
    const e = err instanceof AuthError ? err : undefined;
    if (e?.kind === 'closed') throw e;
    throw errors.discovery('unreachable', { code: e?.code ?? 'ENETWORK' }, e?.transient ?? true);
  }
  if (res.status !== 200) {
    throw errors.discovery(
      'status',
      { status: res.status },
      res.status >= 500 || res.status === 429,
    );
  }
  if (res.body.length > MAX_DISCOVERY_BYTES) throw errors.discovery('tooLarge');
  let doc: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(res.body.toString('utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error();
    doc = v as Record<string, unknown>;
  } catch {
    throw errors.discovery('notJson');
  }
  if (doc.issuer !== d.text) {
    // The server's text: one line, bounded, no secret (it may forge log lines otherwise).
    const claimed = typeof doc.issuer === 'string' ? redact(doc.issuer, 200) : 'none';
    throw errors.discovery('issuer', { claimed, issuer: redact(d.text, 500) });
  }
  let tokenEndpoint: URL;
  try {
    tokenEndpoint = parseEndpoint('token_endpoint', doc.token_endpoint, d.allowInsecureHttp);
  } catch (err) {
    throw errors.discovery('endpoint', {
      reason: err instanceof ConfigError ? err.message : 'missing',
    });
  }
  // The grant's other endpoint, unless typed: the same https rule as the token endpoint.
  const other = grantEndpoint(s.grantType);
  let otherUrl: URL | undefined;
  if (other && !s[other]) {
    try {
      otherUrl = parseEndpoint(MEMBERS[other], doc[MEMBERS[other]], d.allowInsecureHttp);
    } catch (err) {
      throw errors.discovery('grantEndpoint', {
        member: MEMBERS[other],
        reason: err instanceof ConfigError ? err.message : 'missing',
      });
    }
  }
  const methods = doc.token_endpoint_auth_methods_supported;
  return {
    tokenEndpoint,
    ...(otherUrl && other ? { [other]: otherUrl } : {}),
    ...(Array.isArray(methods)
      ? { authMethods: methods.filter((m): m is string => typeof m === 'string') }
      : {}),
  };
}

/** The settings with the discovered token endpoint in place (refresh URL too, unless typed). */
export function withTokenEndpoint(s: Settings, found: Discovered): Settings {
  const refreshTokenUrl =
    s.refreshTokenUrl === s.tokenUrl ? found.tokenEndpoint : s.refreshTokenUrl;
  const next: Settings = { ...s, tokenUrl: found.tokenEndpoint, refreshTokenUrl };
  if (found.authorizeUrl && !s.authorizeUrl) next.authorizeUrl = found.authorizeUrl;
  if (found.deviceAuthorizationUrl && !s.deviceAuthorizationUrl) {
    next.deviceAuthorizationUrl = found.deviceAuthorizationUrl;
  }
  delete next.discovery;
  return next;
}

/**
 * The warning for a client authentication the discovery document does not list: its key
 * under `warning.`, its values, and the English words.
 */
export function clientAuthWarning(m: ClientAuthMismatch): {
  key: 'clientAuth' | 'clientAuthUnsupported';
  params: Record<string, string>;
  text: string;
} {
  const listed = m.listed.join(', ');
  const params = { chosen: m.chosen, listed, suggestion: m.suggestion ?? '' };
  const lists = `the server lists only ${listed} among its client authentication methods, not ${m.chosen}`;
  return m.suggestion
    ? { key: 'clientAuth', params, text: `${lists}: choose ${m.suggestion}` }
    : {
        key: 'clientAuthUnsupported',
        params,
        text: `${lists}, and this node supports none of them`,
      };
}
