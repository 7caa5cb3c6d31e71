/**
 * Owns one authentication object's token: cache, single flight, background
 * refresh ahead of expiry while the object is in use, refresh-token use with
 * fallback to the full grant, retries of transient failures, and a pause after
 * permanent failures so a wrong password is not tried again and again (accounts
 * get locked).
 *
 * Token requests in proportion to use: a token is renewed ahead of its expiry only
 * when a message took it from the cache since it arrived (or since the last renewal
 * attempt started); the messages that waited for a token do not count, they are what
 * it was fetched for. A token nobody took lapses: at the end of its usable life the
 * state becomes `lapsed` and the next message fetches a new one (one round trip, once).
 * So after the last use there is at most one renewal, then none.
 */
import { authenticate } from './client-assertion';
import type { Settings } from './config';
import { discover, withTokenEndpoint, type Discovered } from './discovery';
import { AuthError, errors } from './errors';
import type { Transport } from './http';
import type { HttpResponse } from './token-response';
import { createRedactor, type Redactor } from './redact';
import { clientAuthMismatch, usesClientAuth, type ClientAuthMismatch } from './rules';
import { grantRequest, refreshRequest, type TokenRequest } from './token-request';
import { processTokenResponse, type TokenSet } from './token-response';

export interface Clock {
  now(): number;
  /**
   * Runs `fn` after `ms` of this clock's time; the manager's only timers (renewal, lapse,
   * retry backoff). Without it, the system's timers (unref'd), which suits `Date.now`.
   */
  setTimer?(fn: () => void, ms: number): Timer;
}

export interface Timer {
  cancel(): void;
}

export interface RetryPolicy {
  /** Attempts per token request, the first included. */
  attempts: number;
  /** Backoff before the second attempt, doubled for each later one (with jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000 };

/** What a flow gets: everything but the refresh token. Shared, never mutate. */
export interface AccessToken {
  readonly access_token: string;
  readonly token_type: string;
  /** The scope the server stated, or the requested one when it stated none (RFC 6749 §5.1). */
  readonly scope: string;
  /** Whether the server stated the scope; not on `msg.token`. */
  readonly scopeStated: boolean;
  /** ISO 8601. */
  readonly expires_at: string;
  readonly expiresAtMs: number;
  /** Value for the Authorization header: `Bearer` for any casing of it, other types as sent. */
  readonly authorization: string;
}

export type ManagerState =
  /** No token yet. */
  | { state: 'idle' }
  /** The last token ran out unused: no renewal; the next message fetches one. */
  | { state: 'lapsed'; expiresAt: number }
  | { state: 'requesting' }
  | { state: 'refreshing'; expiresAt: number }
  | { state: 'valid'; expiresAt: number }
  /** A static credential (API key, Basic, bearer): always there; its expiry when known. */
  | { state: 'ready'; tokenType: string; expiresAt?: number }
  | { state: 'error'; error: AuthError; pausedUntil?: number; expiresAt?: number };

export interface TokenManagerOptions {
  settings: Settings;
  transport: Transport;
  clock?: Clock;
  retry?: RetryPolicy;
  random?: () => number;
  onState?: (state: ManagerState) => void;
  /** Called once, when discovery has read the issuer's document. */
  onDiscovered?: (found: Discovered) => void;
  /** Present for the delegated grants: renewal only by refresh token, never by a grant. */
  delegated?: DelegatedOptions;
}

/**
 * A delegated grant's refresh token: where it starts, and where each new one goes. The
 * manager never repeats a grant: without a refresh token every request fails at once
 * with `SIGN_IN_REQUIRED`, and so does every one after the server refused it.
 */
export interface DelegatedOptions {
  /** The stored (or pasted) refresh token; none until someone signs in. */
  refreshToken?: string;
  /** The server refused the stored one: "sign in again" rather than "sign in". */
  refused?: boolean;
  /** A new refresh token (sign-in or rotation), with its expiry (epoch ms) when the server says. */
  onRefreshToken(refreshToken: string, refreshExpiresAt: number | undefined, set: TokenSet): void;
  /** The server refused the refresh token (`invalid_grant`). */
  onRefused(): void;
}

interface Cached {
  pub: AccessToken;
  /** Background refresh starts here. */
  refreshAt: number;
  /** Handed out until here; a little before the real expiry for clock skew and transit. */
  usableUntil: number;
}

const systemClock: Clock = { now: () => Date.now() };

function systemTimer(fn: () => void, ms: number): Timer {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}

export class TokenManager {
  /** HTTP attempts made, for tests and benchmarks. */
  requests = 0;
  /** Replaced once, when discovery finds the token endpoint. */
  private s: Settings;
  private discovering: Promise<URL> | undefined;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly onState: (state: ManagerState) => void;
  private readonly onDiscovered: (found: Discovered) => void;
  private found: Discovered | undefined;
  private readonly abort = new AbortController();
  private token: Cached | undefined;
  private refreshToken: string | undefined;
  /** The last access token issued, redacted even after `forceRefresh` or a lapse dropped it. */
  private lastAccessToken: string | undefined;
  private inflight: Promise<AccessToken> | undefined;
  private paused: { error: AuthError; until: number } | undefined;
  private nextBackgroundAt = 0;
  /** A message took the cached token since it arrived or since the last renewal started. */
  private used = false;
  private timer: Timer | undefined;
  private readonly setTimer: (fn: () => void, ms: number) => Timer;
  private closed = false;
  private readonly delegated: DelegatedOptions | undefined;
  /** The server refused this delegated object's refresh token. */
  private refused = false;
  /** Counts sign-ins: a renewal that started before one must not undo it. */
  private signIns = 0;

  constructor(opts: TokenManagerOptions) {
    this.s = opts.settings;
    this.transport = opts.transport;
    this.clock = opts.clock ?? systemClock;
    const clock = this.clock;
    this.setTimer = clock.setTimer ? (fn, ms) => clock.setTimer!(fn, ms) : systemTimer;
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.random = opts.random ?? Math.random;
    this.onState = opts.onState ?? (() => {});
    this.onDiscovered = opts.onDiscovered ?? (() => {});
    this.delegated = opts.delegated;
    if (this.delegated) {
      this.refreshToken = this.delegated.refreshToken || undefined;
      this.refused = !this.refreshToken && this.delegated.refused === true;
    }
  }

  /** The settings as they are now: the discovered endpoints in place once discovery ran. */
  get settings(): Settings {
    return this.s;
  }

  /**
   * A delegated object without a usable refresh token: the error every message gets,
   * without a request. Undefined when it has one (or is no delegated object).
   */
  signInError(): AuthError | undefined {
    return this.delegated && !this.refreshToken ? errors.signInRequired(this.refused) : undefined;
  }

  /**
   * The token set a sign-in obtained (code exchange or device flow): cached and handed
   * out like any token, its refresh token kept for renewals (and passed to the store).
   */
  signIn(set: TokenSet): AccessToken {
    if (this.closed) throw closedError();
    this.refused = false;
    this.token = undefined;
    this.paused = undefined;
    this.signIns++;
    return this.store(set, true);
  }

  /**
   * One token request of a sign-in (a code exchange, a device poll): once, never
   * retried (a code is single use), with the client's authentication.
   */
  exchange(req: TokenRequest): Promise<TokenSet> {
    if (this.closed) return Promise.reject(closedError());
    return this.request(req, 1);
  }

  /**
   * One request with the client's authentication whose answer is not a token response
   * (the device authorization request); the caller reads the answer.
   */
  async send(req: TokenRequest): Promise<HttpResponse> {
    if (this.closed) throw closedError();
    this.requests++;
    const sent = this.s.assertion ? await authenticate(this.s, req, this.clock.now()) : req;
    if (this.closed) throw closedError();
    return this.transport.send(sent, this.s.timeoutMs, this.abort.signal);
  }

  /** What discovery found, once it has run; undefined for a typed token URL. */
  get discovered(): Discovered | undefined {
    return this.found;
  }

  /**
   * Once discovery has run: whether the server's `token_endpoint_auth_methods_supported`
   * leaves out the configured client authentication, with the names it lists (a name
   * that holds a secret is left out) and the one to choose. Nothing sent changes.
   */
  clientAuthMismatch(): ClientAuthMismatch | undefined {
    if (!usesClientAuth(this.s.grantType)) return undefined;
    const m = clientAuthMismatch(this.s.clientAuth, this.found?.authMethods);
    if (!m) return undefined;
    const listed = m.listed.filter((name) => this.redact(name) === name);
    return listed.length ? { ...m, listed } : undefined;
  }

  /** The token endpoint: typed, or discovered; undefined while discovery is pending. */
  get tokenUrl(): URL | undefined {
    return this.s.discovery ? undefined : this.s.tokenUrl;
  }

  /**
   * The token endpoint, read once from the issuer's discovery document when no
   * token URL was typed. A failed discovery is tried again by the next call.
   */
  endpoint(): Promise<URL> {
    if (!this.s.discovery) return Promise.resolve(this.s.tokenUrl);
    this.discovering ??= discover(this.s, this.transport, this.abort.signal, this.redactor()).then(
      (found) => {
        this.s = withTokenEndpoint(this.s, found);
        this.found = found;
        try {
          this.onDiscovered(found);
        } catch {
          // A listener's failure is not discovery's.
        }
        return found.tokenEndpoint;
      },
      (err: unknown) => {
        this.discovering = undefined;
        throw err;
      },
    );
    return this.discovering;
  }

  /** Whether the server issued a refresh token (its value never leaves the manager). */
  get hasRefreshToken(): boolean {
    return this.refreshToken !== undefined;
  }

  /**
   * The cached token when it is still usable, without waiting; marks the object in
   * use, and starts a background refresh when one is due. The fast path for every message.
   */
  current(): AccessToken | undefined {
    const t = this.token;
    if (!t) return undefined;
    const now = this.clock.now();
    if (now >= t.usableUntil) return undefined;
    this.used = true;
    if (now >= t.refreshAt && !this.inflight && now >= this.nextBackgroundAt) {
      this.background();
    }
    return t.pub;
  }

  /**
   * A usable token: the cached one, the one being fetched, or a new one.
   * `forceRefresh` discards the cached access token first (after a 401).
   */
  getToken(forceRefresh = false): Promise<AccessToken> {
    if (this.closed) return Promise.reject(closedError());
    if (forceRefresh) this.token = undefined;
    const t = this.current();
    if (t) return Promise.resolve(t);
    if (this.inflight) return this.inflight;
    const p = this.paused;
    if (p && this.clock.now() < p.until) return Promise.reject(p.error);
    this.paused = undefined;
    return this.start();
  }

  /** Cancels requests and timers; the manager is unusable afterwards. */
  close(): void {
    this.closed = true;
    this.abort.abort();
    this.timer?.cancel();
    this.timer = undefined;
    this.transport.close();
  }

  private start(): Promise<AccessToken> {
    const p = this.acquire();
    this.inflight = p;
    const clear = () => {
      if (this.inflight === p) this.inflight = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private background(): void {
    if (this.paused && this.clock.now() < this.paused.until) return;
    // Use from here on is what a further renewal (a retry) needs.
    this.used = false;
    // Errors are reported through onState; a failed background refresh keeps the current token.
    this.start().catch(() => {});
  }

  private async acquire(): Promise<AccessToken> {
    const none = this.signInError();
    if (none) {
      // Nothing to send: no request, no pause, the same answer for every message.
      this.onState({ state: 'error', error: none });
      throw none;
    }
    const had = this.token;
    this.onState(
      had ? { state: 'refreshing', expiresAt: had.pub.expiresAtMs } : { state: 'requesting' },
    );
    const signIns = this.signIns;
    // A sign-in while this renewal was under way wins: its token stands, whatever came back.
    const overtaken = () => (this.signIns !== signIns && this.token ? this.token.pub : undefined);
    try {
      if (this.s.discovery) await this.endpoint();
      let set: TokenSet | undefined;
      if (this.refreshToken) {
        try {
          set = await this.request(refreshRequest(this.s, this.refreshToken));
          const newer = overtaken();
          if (newer) return newer;
        } catch (err) {
          const newer = overtaken();
          if (newer) return newer;
          const e = toAuthError(err);
          // A refused refresh token falls back to the full grant; an outage does not.
          if (e.transient || e.kind === 'closed') throw e;
          if (this.delegated) {
            // Only `invalid_grant` says the refresh token itself is no good (RFC 6749 §5.2).
            if (e.code !== 'invalid_grant') throw e;
            this.refreshToken = undefined;
            this.refused = true;
            this.token = undefined;
            try {
              this.delegated.onRefused();
            } catch {
              // The store's failure is not the token's.
            }
            throw errors.signInRequired(true);
          }
          this.refreshToken = undefined;
        }
      }
      set ??= await this.request(grantRequest(this.s));
      return this.store(set);
    } catch (err) {
      const e = toAuthError(err);
      if (e.kind === 'closed') throw e;
      const now = this.clock.now();
      let pausedUntil: number | undefined;
      if (!e.transient && this.s.cooldownMs > 0 && e.kind !== 'sign-in') {
        pausedUntil = now + this.s.cooldownMs;
        this.paused = { error: e, until: pausedUntil };
      }
      const still = this.token && now < this.token.usableUntil ? this.token : undefined;
      if (still && e.transient) {
        // Try again while the current token lasts, without making messages wait.
        const wait = Math.min(30_000, Math.max(1000, (still.usableUntil - now) / 2));
        this.nextBackgroundAt = now + wait;
        this.schedule(this.nextBackgroundAt);
      }
      this.onState({
        state: 'error',
        error: e,
        ...(pausedUntil ? { pausedUntil } : {}),
        ...(still ? { expiresAt: still.pub.expiresAtMs } : {}),
      });
      throw e;
    }
  }

  /** One token request with retries of transient failures. */
  private async request(req: TokenRequest, attempts = this.retry.attempts): Promise<TokenSet> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw closedError();
      try {
        this.requests++;
        const notAfter = this.s.clientCertNotAfter;
        if (notAfter !== undefined && this.clock.now() >= notAfter) {
          // A configuration problem to fix (renew the certificate), not a server's verdict.
          throw errors.clientCertExpired(notAfter);
        }
        // Signed per attempt: a client assertion is single use.
        const sent = this.s.assertion ? await authenticate(this.s, req, this.clock.now()) : req;
        if (this.closed) throw closedError();
        const res = await this.transport.send(sent, this.s.timeoutMs, this.abort.signal);
        return processTokenResponse(res, this.clock.now(), this.s.scope, this.redactor(sent));
      } catch (err) {
        const e = toAuthError(err);
        // The advice for a server's error depends on what was asked (a password, an assertion).
        if (e.kind === 'oauth')
          e.params.grant = new URLSearchParams(req.body).get('grant_type') ?? '';
        if (!e.transient || attempt >= attempts || this.closed) throw e;
        await this.sleep(e.retryAfterMs ?? this.backoff(attempt));
      }
    }
  }

  /**
   * Redacts every form of every secret this object sends (and its current access
   * token) from server text, strips control characters and bounds the length.
   */
  redact(text: string, max?: number): string {
    return this.redactor()(text, max);
  }

  /** A redactor for what a server must not get to echo: the secrets `sent` carried included. */
  private redactor(sent?: TokenRequest): Redactor {
    const c = this.s.credentials;
    const secrets = [c.password, c.clientSecret, this.refreshToken, this.lastAccessToken];
    if (sent) {
      const body = new URLSearchParams(sent.body);
      for (const name of [
        'refresh_token',
        'client_assertion',
        'assertion',
        'code',
        'code_verifier',
        'device_code',
      ]) {
        secrets.push(body.get(name) ?? '');
      }
    }
    return createRedactor({
      secrets,
      pairs: [
        [c.clientId, c.clientSecret],
        [c.username, c.password],
      ],
    });
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return cap / 2 + (this.random() * cap) / 2;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.abort.signal;
      const done = () => {
        t.cancel();
        reject(closedError());
      };
      const t = this.setTimer(() => {
        signal.removeEventListener('abort', done);
        resolve();
      }, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private store(set: TokenSet, signedIn = false): AccessToken {
    if (set.refreshToken) {
      const rotated = set.refreshToken !== this.refreshToken;
      this.refreshToken = set.refreshToken;
      // A sign-in is recorded even when the server handed back the same refresh token.
      if (this.delegated && (rotated || signedIn || set.refreshExpiresIn !== undefined)) {
        const at =
          set.refreshExpiresIn !== undefined
            ? set.expiresAt - set.lifetime * 1000 + set.refreshExpiresIn * 1000
            : undefined;
        try {
          // Each new refresh token replaces the stored one at once: the old one may be void.
          this.delegated.onRefreshToken(set.refreshToken, at, set);
        } catch {
          // The store's failure is not the token's; it reports it itself.
        }
      }
    }
    this.lastAccessToken = set.accessToken;
    const lifetimeMs = set.lifetime * 1000;
    const lead = Math.min(this.s.refreshBeforeMs, lifetimeMs / 2);
    const skew = Math.min(5000, lifetimeMs / 10);
    const pub: AccessToken = Object.freeze({
      access_token: set.accessToken,
      token_type: set.tokenType,
      scope: set.scope,
      scopeStated: set.scopeStated,
      expires_at: new Date(set.expiresAt).toISOString(),
      expiresAtMs: set.expiresAt,
      authorization: `${/^bearer$/i.test(set.tokenType) ? 'Bearer' : set.tokenType} ${set.accessToken}`,
    });
    this.token = { pub, refreshAt: set.expiresAt - lead, usableUntil: set.expiresAt - skew };
    this.paused = undefined;
    this.nextBackgroundAt = 0;
    this.used = false;
    this.schedule(this.token.refreshAt);
    this.onState({ state: 'valid', expiresAt: set.expiresAt });
    return pub;
  }

  /**
   * At `at` (refresh time, or a retry while the token is valid): renew when the token
   * was used, otherwise let it lapse at the end of its usable life.
   */
  private schedule(at: number): void {
    this.setAlarm(at, () => {
      const t = this.token;
      if (!t || this.inflight) return;
      if (this.used) this.background();
      else this.setAlarm(t.usableUntil, () => this.lapse(t));
    });
  }

  /** The token ran out unused: drop it and say so; the next message fetches a new one. */
  private lapse(t: Cached): void {
    if (this.token !== t || this.inflight) return;
    this.token = undefined;
    this.nextBackgroundAt = 0;
    this.onState({ state: 'lapsed', expiresAt: t.pub.expiresAtMs });
  }

  private setAlarm(at: number, fn: () => void): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.closed) return;
    const timer = this.setTimer(
      () => {
        if (this.timer === timer) this.timer = undefined;
        if (!this.closed) fn();
      },
      Math.max(0, at - this.clock.now()),
    );
    this.timer = timer;
  }
}

const closedError = () => errors.closed();

function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  // Never pass a foreign error on: it may carry request data.
  return errors.unknown();
}
