/**
 * One token request for the editor's Test connection: no retries, no pause
 * afterwards, and a result that says what happened without the token.
 */
import type { Settings } from './config';
import { AuthError, errors } from './errors';
import type { Transport } from './http';
import { TokenManager } from './token-manager';

export type ProbeResult =
  | {
      ok: true;
      tokenType: string;
      expiresIn: number;
      scope: string;
      refreshToken: boolean;
      /** The token endpoint used: typed, or discovered from the issuer. */
      tokenEndpoint: string;
    }
  | { ok: false; error: AuthError }
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
  try {
    const endpoint = await manager.endpoint();
    if (!(await admit(endpoint))) return { ok: false, turnedAway: true };
    const t = await manager.getToken();
    return {
      ok: true,
      tokenType: manager.redact(t.token_type),
      expiresIn: Math.round((t.expiresAtMs - Date.now()) / 1000),
      scope: t.scope,
      refreshToken: manager.hasRefreshToken,
      tokenEndpoint: manager.redact(endpoint.href, 2000),
    };
  } catch (err) {
    const error = err instanceof AuthError ? err : errors.unknown();
    return { ok: false, error };
  } finally {
    manager.close();
  }
}
