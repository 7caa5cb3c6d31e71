/**
 * What the editor may know of an object's token: its state and times, never the token.
 * Browser-safe: the admin route makes it, the sidebar reads it.
 */

/**
 * A token manager's state (`ManagerState` of token-manager.ts fits), written out so that the
 * editor's bundle does not reach the manager and its Node.js imports.
 */
export type StateOfToken =
  | { state: 'idle' | 'lapsed' | 'requesting' }
  | { state: 'refreshing' | 'valid'; expiresAt: number }
  | { state: 'ready'; tokenType?: string; expiresAt?: number }
  | { state: 'error'; error: { code: string }; expiresAt?: number; pausedUntil?: number };

/** The token state as `GET /auth-objects/expiries` answers it; times are ISO 8601. */
export type TokenView =
  /** No token held: none fetched since deploy, or the last one ran out unused. */
  | { state: 'idle' }
  | { state: 'requesting' }
  | { state: 'refreshing'; expiresAt: string }
  | { state: 'valid'; expiresAt: string }
  /** A static credential (API key, Basic, bearer): applied as it is; its expiry when known. */
  | { state: 'ready'; expiresAt?: string }
  /** `expiresAt`: the current token still lasts; `pausedUntil`: cooling down after a refusal. */
  | { state: 'error'; code: string; expiresAt?: string; pausedUntil?: string };

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The view of a manager state: the state, its times and an error's code (already stripped
 * of anything a server echoed, as in the status). An error's message is left out.
 */
export function tokenView(s: StateOfToken): TokenView {
  switch (s.state) {
    case 'idle':
    case 'lapsed':
      return { state: 'idle' };
    case 'requesting':
      return { state: 'requesting' };
    case 'refreshing':
    case 'valid':
      return { state: s.state, expiresAt: iso(s.expiresAt) };
    case 'ready':
      return s.expiresAt !== undefined
        ? { state: 'ready', expiresAt: iso(s.expiresAt) }
        : { state: 'ready' };
    case 'error':
      return {
        state: 'error',
        code: s.error.code,
        ...(s.expiresAt !== undefined ? { expiresAt: iso(s.expiresAt) } : {}),
        ...(s.pausedUntil !== undefined ? { pausedUntil: iso(s.pausedUntil) } : {}),
      };
  }
}
