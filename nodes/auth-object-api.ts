/** What the `auth-object` config node offers the nodes that use it. */
import type { Node } from 'node-red';
import type { Applied } from './core/apply';
import type { Settings } from './core/config';
import type { SignInView } from './core/sign-in-view';
import type { TokenRequest } from './core/token-request';
import type { HttpResponse, TokenSet } from './core/token-response';
import type { CheckedObject } from './core/expiry-report';
import type { AccessToken, ManagerState } from './core/token-manager';

export type StateListener = (state: ManagerState) => void;

/** A static credential as get token applies it; the secret only in `applied.value`. */
export interface StaticCredential {
  readonly applied: Applied;
  readonly token_type: string;
  /** The earliest expiry entered for the credential, when there is one. */
  readonly expires_at?: string;
  readonly expiresAtMs?: number;
}

export interface AuthObjectNode extends Node {
  /** For an API key, Basic or bearer object: what to apply; undefined for OAuth (or invalid). */
  staticCredential(): StaticCredential | undefined;
  /** The cached token without waiting, or undefined. */
  current(): AccessToken | undefined;
  /** A usable token; rejects with an Error whose `code` says why, its message translated. */
  getToken(forceRefresh: boolean): Promise<AccessToken>;
  /** The token's state now (no token in it). */
  tokenState(): ManagerState;
  /** Calls `listener` now with the current state and on every change; returns the unsubscribe. */
  subscribe(listener: StateListener): () => void;
  /** The user-facing text for a state's error. */
  describe(error: unknown): string;
  /** Name, owner and expiry entries, for the expiry check; no secrets. */
  expiryInfo(): CheckedObject;
  /** The settings as deploy resolved them (`${NAME}` substituted), for Test connection. */
  deployedConfig(): Readonly<Record<string, unknown>>;
  /** For a delegated grant (valid settings): its sign-in; undefined otherwise. */
  signIn?(): SignInHandle | undefined;
}

/** What the sign-in routes may do with a deployed delegated object; never read a token. */
export interface SignInHandle {
  grantType: string;
  /** The issuer as typed, when the object has one: a callback's `iss` must be it (RFC 9207). */
  issuer?: string;
  /** The settings, discovery run first when the endpoints come from the issuer. */
  settings(): Promise<Settings>;
  /** One token request of a sign-in (code exchange, device poll), not retried. */
  exchange(req: TokenRequest): Promise<TokenSet>;
  /** One request with the client's authentication whose answer is not a token. */
  send(req: TokenRequest): Promise<HttpResponse>;
  /** A sign-in succeeded: the token set goes to the object, its refresh token to the store. */
  complete(set: TokenSet): void;
  /** A sign-in is under way (until `untilMs`, when given), or ended without tokens. */
  outcome(view: SignInView, untilMs?: number): void;
  view(): SignInView;
  /** Aborted when the object stops (redeploy, shutdown). */
  signal: AbortSignal;
  /** The manager's redactor, for provider text shown to users. */
  redact(text: string, max?: number): string;
}
