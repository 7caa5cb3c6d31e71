/**
 * One token request for the editor's Test connection: no retries, no pause
 * afterwards, and a result that says what happened without the token.
 */
import { applyTo } from './apply';
import type { Settings, StaticSettings } from './config';
import { AuthError, errors } from './errors';
import type { Transport } from './http';
import type { ClientAuthMismatch } from './rules';
import { TokenManager } from './token-manager';

/** What both outcomes may carry: discovery's view of the chosen client authentication. */
interface Findings {
  /** Set when discovery ran and the server does not list the chosen client authentication. */
  clientAuth?: ClientAuthMismatch;
}

export type ProbeResult =
  | ({
      ok: true;
      tokenType: string;
      expiresIn: number;
      /** As on `msg.token.scope`: the stated scope, or the requested one when none was stated. */
      scope: string;
      /** Whether the server stated a scope; without one, `scope` is only `requestedScope`. */
      scopeStated: boolean;
      /** The scope the request asked for, normalised (empty: none). */
      requestedScope: string;
      refreshToken: boolean;
      /** The token endpoint used: typed, or discovered from the issuer. */
      tokenEndpoint: string;
    } & Findings)
  | ({ ok: false; error: AuthError } & Findings)
  /** `admit` said no: nothing was sent to the token endpoint. */
  | { ok: false; error?: undefined; turnedAway: true };

/**
 * `admit` is asked with the final token endpoint (after discovery) before anything
 * is sent to it; false stops the test there.
 */
export async function probeToken(
  settings: Settings,
  transport: Transport,
  admit: (endpoint: URL) => Promise<boolean> = async () => true,
): Promise<ProbeResult> {
  const manager = new TokenManager({
    settings: { ...settings, cooldownMs: 0 },
    transport,
    retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  });
  const findings = (): Findings => {
    const clientAuth = manager.clientAuthMismatch();
    return clientAuth ? { clientAuth } : {};
  };
  try {
    const endpoint = await manager.endpoint();
    if (!(await admit(endpoint))) return { ok: false, turnedAway: true };
    const t = await manager.getToken();
    return {
      ok: true,
      tokenType: manager.redact(t.token_type),
      expiresIn: Math.round((t.expiresAtMs - Date.now()) / 1000),
      scope: t.scope,
      scopeStated: t.scopeStated,
      requestedScope: settings.scope,
      refreshToken: manager.hasRefreshToken,
      tokenEndpoint: manager.redact(endpoint.href, 2000),
      ...findings(),
    };
  } catch (err) {
    const error = err instanceof AuthError ? err : errors.unknown();
    return { ok: false, error, ...findings() };
  } finally {
    manager.close();
  }
}

/** Test connection of a static kind: the test URL's status, or that there is none to call. */
export type StaticProbeResult =
  | { ok: true; static: true; status?: number }
  | { ok: false; static: true; status: number }
  | { ok: false; error: AuthError }
  | { ok: false; error?: undefined; turnedAway: true };

/**
 * One GET of the test URL with the credential applied as get token applies it; no
 * redirect followed (the credential would go on), the body read up to the transport's
 * bound and dropped. `admit` is asked before anything is sent, as for a token request.
 */
export async function probeStatic(
  settings: StaticSettings,
  transport: Transport,
  admit: (endpoint: URL) => Promise<boolean> = async () => true,
): Promise<StaticProbeResult> {
  const url = settings.testUrl;
  if (!url) return { ok: true, static: true };
  const abort = new AbortController();
  try {
    if (!(await admit(url))) return { ok: false, turnedAway: true };
    const msg: Record<string, unknown> = { url: url.href, headers: {} };
    applyTo(msg, settings.applied);
    const res = await transport.send(
      {
        method: 'GET',
        url: new URL(String(msg.url)),
        headers: { Accept: '*/*', ...(msg.headers as Record<string, string>) },
        body: '',
      },
      settings.timeoutMs,
      abort.signal,
    );
    return res.status >= 200 && res.status < 300
      ? { ok: true, static: true, status: res.status }
      : { ok: false, static: true, status: res.status };
  } catch (err) {
    return { ok: false, error: err instanceof AuthError ? err : errors.unknown() };
  } finally {
    transport.close();
  }
}

/** Test connection of a delegated grant: the endpoints it would use; no token request. */
export type DelegatedProbeResult =
  | {
      ok: true;
      delegated: true;
      tokenEndpoint: string;
      authorizeEndpoint?: string;
      deviceAuthorizationEndpoint?: string;
    }
  | { ok: false; error: AuthError };

/**
 * A delegated grant has nothing to test without a person signing in, and a refresh with
 * a pasted token would rotate it away from the deployed object; so only discovery runs
 * (when the endpoints come from the issuer), and the answer names the endpoints.
 */
export async function probeDelegated(
  settings: Settings,
  transport: Transport,
): Promise<DelegatedProbeResult> {
  const manager = new TokenManager({
    settings: { ...settings, cooldownMs: 0 },
    transport,
    retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  });
  try {
    const token = await manager.endpoint();
    const s = manager.settings;
    const show = (u: URL) => manager.redact(u.href, 2000);
    return {
      ok: true,
      delegated: true,
      tokenEndpoint: show(token),
      ...(s.authorizeUrl ? { authorizeEndpoint: show(s.authorizeUrl) } : {}),
      ...(s.deviceAuthorizationUrl
        ? { deviceAuthorizationEndpoint: show(s.deviceAuthorizationUrl) }
        : {}),
    };
  } catch (err) {
    return { ok: false, error: err instanceof AuthError ? err : errors.unknown() };
  } finally {
    manager.close();
  }
}
