/**
 * One token request for the editor's Test connection: no retries, no pause
 * afterwards, and a result that says what happened without the token.
 */
import type { Settings } from './config';
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
