/**
 * The sign-in routes of the delegated grants (README, Delegated access):
 * - POST /auth-objects/authorize   (auth-object.write) the provider's authorization URL
 * - GET  /auth-objects/callback    (anonymous) the provider sends the browser back here
 * - POST /auth-objects/device      (auth-object.write) starts a device flow, polls it
 * - GET  /auth-objects/sign-in/:id (auth-object.read) the object's sign-in state
 * None answers, logs or puts in a URL a token, a code or a verifier. The callback is the
 * only anonymous route: it acts only on a `state` this runtime issued (single use, ten
 * minutes), and the token request it makes goes only where the deployed object sends
 * its tokens requests, with the verifier only this runtime knows (RFC 7636).
 */
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import type { SignInHandle } from './auth-object-api';
import { exceeds } from './core/bounded';
import {
  authorizationUrl,
  checkRedirectUri,
  isOpenId,
  parseDeviceAuthorization,
  pkcePair,
  pollVerdict,
  randomToken,
  MAX_DEVICE_SECONDS,
} from './core/delegated';
import { AuthError, CODES, errors } from './core/errors';
import { RateLimiter, type Budget } from './core/rate-limit';
import type { SignInView } from './core/sign-in-view';
import { codeRequest, deviceAuthorizationRequest, deviceTokenRequest } from './core/token-request';
import { processTokenResponse } from './core/token-response';
import { authObjects, type Support } from './runtime-support';

const MINUTE = 60_000;

/** Sign-ins waiting for their callback, all users together, and per user. */
export const MAX_PENDING = 50;
export const MAX_PENDING_PER_USER = 10;

/** Sign-in starts (authorize and device) per user and of all users together. */
export const SIGN_IN_LIMITS = {
  user: { limit: 10, windowMs: MINUTE },
  all: { limit: 30, windowMs: MINUTE },
} as const;

/**
 * `secondMs`: the length of a second for the device flow's polling; `stateTtlMs`: how long
 * an authorization request may take, from the editor's click to the callback (ten
 * minutes). Only tests change them (oidc-provider asks for RFC 8628's 5 s between polls).
 */
export const SIGN_IN_TIMING = { secondMs: 1000, stateTtlMs: 10 * MINUTE };

/** A small JSON body: an id and a URL. */
const BODY_BOUNDS = { maxDepth: 3, maxValues: 20, maxChars: 8 * 1024 };

interface Pending {
  id: string;
  user: string;
  redirectUri: string;
  verifier: string;
  nonce?: string;
  expiresAt: number;
  /** The deployed object it was issued for: a redeploy in between voids the state. */
  handle: SignInHandle;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter?: number;
}

type Req = Request & { user?: { username?: unknown } };
const userOf = (req: Req) => {
  const u = req.user?.username;
  return typeof u === 'string' ? u : '';
};

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export function registerSignInRoutes(RED: NodeAPI, support: Support): void {
  const t = support.t;
  const limiter = new RateLimiter();
  const pending = new Map<string, Pending>();
  /** Running device flows by object id: a new start stops the old one. */
  const devices = new Map<string, AbortController>();

  const fail = (status: number, code: string, message: string, extra = {}): Answer => ({
    status,
    body: { code, message, ...extra },
  });

  /** The deployed delegated object with this id and grant, or undefined. */
  function handleOf(id: unknown, grant?: string): SignInHandle | undefined {
    if (typeof id !== 'string' || !id || id.length > 256) return undefined;
    const live = authObjects(RED, [id])[0];
    const h = live && typeof live.signIn === 'function' ? live.signIn() : undefined;
    return h && (!grant || h.grantType === grant) ? h : undefined;
  }

  const deployFirst = (grant: string) =>
    fail(
      409,
      CODES.DEPLOY_FIRST,
      t(
        'signIn.deployFirst',
        { grant },
        `deploy the auth object with the grant ${grant} first, then sign in`,
      ),
    );

  function budgets(user: string): Budget[] {
    return [
      { name: 'user', key: `user ${user}`, ...SIGN_IN_LIMITS.user },
      { name: 'all', key: 'all', ...SIGN_IN_LIMITS.all },
    ];
  }

  function limited(req: Req): Answer | undefined {
    const r = limiter.reserve(budgets(userOf(req)));
    if (r.ok) return undefined;
    const seconds = Math.ceil(r.waitMs / 1000);
    return {
      ...fail(
        429,
        CODES.RATE_LIMITED,
        t('signIn.limit', { seconds }, `too many sign-ins; try again in ${seconds} s`),
      ),
      retryAfter: seconds,
    };
  }

  /** The JSON object the editor sent, or the answer refusing it. */
  function jsonBody(req: Req): Record<string, unknown> | Answer {
    const body: unknown = req.is('application/json') ? req.body : undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return fail(400, CODES.BAD_REQUEST, 'expected a JSON object');
    }
    if (exceeds(body, BODY_BOUNDS)) return fail(413, CODES.BAD_REQUEST, 'request too large');
    return body as Record<string, unknown>;
  }
  const isAnswer = (v: unknown): v is Answer =>
    typeof v === 'object' && v !== null && 'status' in v && 'body' in v;

  /** A provider's failure, in the user's words, never with what it echoed unredacted. */
  function upstream(err: unknown): Answer {
    const e = err instanceof AuthError ? err : errors.unknown();
    return fail(502, e.code, support.describe(e));
  }

  function sweep(now: number): void {
    for (const [k, p] of pending) if (p.expiresAt <= now) pending.delete(k);
  }

  async function authorize(req: Req): Promise<Answer> {
    const body = jsonBody(req);
    if (isAnswer(body)) return body;
    const redirect = checkRedirectUri(body.redirectUri);
    if (!redirect) {
      return fail(
        400,
        CODES.BAD_REQUEST,
        t(
          'signIn.redirectUri',
          {},
          'the redirect URI must be an http(s) URL ending with /auth-objects/callback',
        ),
      );
    }
    const handle = handleOf(body.id, 'authorization_code');
    if (!handle) return deployFirst('authorization_code');
    const user = userOf(req);
    const now = Date.now();
    sweep(now);
    let mine = 0;
    for (const p of pending.values()) if (p.user === user) mine++;
    if (pending.size >= MAX_PENDING || mine >= MAX_PENDING_PER_USER) {
      // Until the oldest state that counts here runs out.
      let oldest = Infinity;
      for (const p of pending.values()) {
        if (pending.size >= MAX_PENDING || p.user === user) oldest = Math.min(oldest, p.expiresAt);
      }
      return {
        ...fail(
          429,
          CODES.RATE_LIMITED,
          t('signIn.tooManyPending', {}, 'too many sign-ins are waiting; finish or wait for them'),
        ),
        retryAfter: Math.max(1, Math.ceil((oldest - now) / 1000)),
      };
    }
    const turned = limited(req);
    if (turned) return turned;
    let settings;
    try {
      settings = await handle.settings();
    } catch (err) {
      return upstream(err);
    }
    const { verifier, challenge } = pkcePair();
    const state = randomToken();
    const nonce = isOpenId(settings.scope) ? randomToken() : undefined;
    const redirectUri = redirect.href;
    pending.set(state, {
      id: body.id as string,
      user,
      redirectUri,
      verifier,
      ...(nonce ? { nonce } : {}),
      expiresAt: now + SIGN_IN_TIMING.stateTtlMs,
      handle,
    });
    const url = authorizationUrl(settings, {
      redirectUri,
      state,
      challenge,
      ...(nonce ? { nonce } : {}),
    });
    // Beside a working sign-in the sidebar keeps showing it: a pop-up may be abandoned.
    if (handle.view().state !== 'signed-in') {
      handle.outcome({ state: 'pending' }, now + SIGN_IN_TIMING.stateTtlMs);
    }
    return { status: 200, body: { url: url.href } };
  }

  /** The callback's page: the outcome in words, and a message to the editor that opened it. */
  function page(
    res: Response,
    status: number,
    ok: boolean,
    text: string,
    notify?: { id: string; origin: string; code?: string; message?: string },
  ): void {
    const nonce = randomToken();
    const title = ok
      ? t('signIn.page.okTitle', {}, 'Signed in')
      : t('signIn.page.failedTitle', {}, 'Sign-in failed');
    const close = t('signIn.page.close', {}, 'You can close this window.');
    const data = notify
      ? {
          origin: notify.origin,
          msg: {
            type: 'auth-objects-sign-in',
            id: notify.id,
            ok,
            ...(notify.code ? { code: notify.code } : {}),
            ...(notify.message ? { message: notify.message } : {}),
          },
        }
      : undefined;
    // JSON in a script: `<` escaped, so nothing in it can close the element.
    const script = data
      ? `<script nonce="${nonce}">(function(){var d=${JSON.stringify(data)
          .replace(/</g, '\\u003c')
          .replace(/\u2028/g, '\\u2028')
          .replace(
            /\u2029/g,
            '\\u2029',
          )};try{if(window.opener){window.opener.postMessage(d.msg,d.origin);}}catch(e){}})();</script>`
      : '';
    res.status(status);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    res.end(
      `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title>` +
        `<style nonce="${nonce}">body{font-family:sans-serif;margin:3em auto;max-width:36em;color:#333}h1{font-size:1.4em}</style></head>` +
        `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p>${escapeHtml(close)}</p>${script}</body></html>`,
    );
  }

  const param = (v: unknown, max: number): string | undefined =>
    typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;

  async function callback(req: Req, res: Response): Promise<void> {
    const q = req.query as Record<string, unknown>;
    const state = param(q.state, 512);
    const entry = state ? pending.get(state) : undefined;
    // Single use: whatever happens next, this state is spent.
    if (state) pending.delete(state);
    const invalid = () =>
      page(
        res,
        400,
        false,
        t(
          'signIn.page.invalidState',
          {},
          'This sign-in is unknown, was already used or has expired. Start it again from the auth object in the Node-RED editor.',
        ),
      );
    if (!entry || entry.expiresAt <= Date.now()) return invalid();
    const notify = (code?: string, message?: string) => ({
      id: entry.id,
      origin: new URL(entry.redirectUri).origin,
      ...(code ? { code } : {}),
      ...(message ? { message } : {}),
    });
    const handle = handleOf(entry.id, 'authorization_code');
    if (handle !== entry.handle) {
      const message = t(
        'signIn.redeployed',
        {},
        'the auth object was redeployed during the sign-in; sign in again',
      );
      return page(res, 409, false, message, notify(CODES.DEPLOY_FIRST, message));
    }
    // RFC 9207: an answer naming another issuer is a mix-up; other parameters are ignored.
    const iss = q.iss;
    if (iss !== undefined && handle.issuer && iss !== handle.issuer) {
      const message = t(
        'signIn.issuer',
        {},
        'the answer came from another issuer than the auth object names; nothing was stored',
      );
      handle.outcome({ state: 'error', code: CODES.SIGN_IN_FAILED, message });
      return page(res, 400, false, message, notify(CODES.SIGN_IN_FAILED, message));
    }
    const error = param(q.error, 200);
    if (error || !param(q.code, 4096)) {
      // RFC 6749 §4.1.2.1: the provider's error; its words are its own, redacted and bounded.
      const code =
        error && /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$/.test(error) ? error : 'invalid_request';
      const described = param(q.error_description, 1000);
      const message = t(
        'signIn.refused',
        { code, description: described ? handle.redact(described, 300) : '' },
        `the provider refused the sign-in: ${code}`,
      ).trim();
      handle.outcome({
        state: code === 'access_denied' ? 'denied' : 'error',
        code,
        message,
      });
      return page(res, 400, false, message, notify(code, message));
    }
    try {
      const settings = await handle.settings();
      const set = await handle.exchange(
        codeRequest(settings, q.code as string, entry.verifier, entry.redirectUri),
      );
      if (entry.nonce && set.idToken && nonceOf(set.idToken) !== entry.nonce) {
        throw errors.signInFailed('nonce');
      }
      handle.complete(set);
      const view = handle.view();
      const message = view.who
        ? t('signIn.page.okWho', { who: view.who }, `Signed in as ${view.who}.`)
        : t('signIn.page.ok', {}, 'Signed in.');
      return page(res, 200, true, message, notify());
    } catch (err) {
      const e = err instanceof AuthError ? err : errors.unknown();
      const message = support.describe(e);
      handle.outcome({ state: 'error', code: e.code, message });
      return page(res, 502, false, message, notify(e.code, message));
    }
  }

  async function device(req: Req): Promise<Answer> {
    const body = jsonBody(req);
    if (isAnswer(body)) return body;
    const handle = handleOf(body.id, 'device_code');
    if (!handle) return deployFirst('device_code');
    const turned = limited(req);
    if (turned) return turned;
    let settings;
    let started;
    try {
      settings = await handle.settings();
      const res = await handle.send(deviceAuthorizationRequest(settings));
      // An http:// verification page only where the token endpoint is http:// too (this
      // machine, or "allow http://" ticked); users open it.
      started = parseDeviceAuthorization(res, settings.tokenUrl.protocol === 'http:');
      if (!started) {
        // An error answer is classified as a token endpoint's (RFC 8628 §3.2 uses §5.2).
        processTokenResponse(res, Date.now(), '', (s, max) => handle.redact(s, max));
        throw errors.signInFailed('device');
      }
    } catch (err) {
      const e = err instanceof AuthError ? err : errors.signInFailed('device');
      handle.outcome({ state: 'error', code: e.code, message: support.describe(e) });
      return upstream(e);
    }
    const id = body.id as string;
    devices.get(id)?.abort();
    const stop = new AbortController();
    devices.set(id, stop);
    handle.outcome({ state: 'pending' });
    void poll(handle, settings, started, stop.signal).finally(() => {
      if (devices.get(id) === stop) devices.delete(id);
    });
    return {
      status: 200,
      body: {
        user_code: started.userCode,
        verification_uri: started.verificationUri,
        ...(started.verificationUriComplete
          ? { verification_uri_complete: started.verificationUriComplete }
          : {}),
        expires_in: started.expiresIn,
        interval: started.interval,
      },
    };
  }

  /** RFC 8628 §3.4-3.5: polls until tokens, a refusal, or the codes' end; bounded. */
  async function poll(
    handle: SignInHandle,
    settings: Awaited<ReturnType<SignInHandle['settings']>>,
    d: NonNullable<ReturnType<typeof parseDeviceAuthorization>>,
    stop: AbortSignal,
  ): Promise<void> {
    const second = SIGN_IN_TIMING.secondMs;
    let left = d.expiresIn * second;
    let interval = d.interval;
    // Every poll waits at least a second: at most MAX_DEVICE_SECONDS polls.
    for (let i = 0; i < MAX_DEVICE_SECONDS + 1; i++) {
      const wait = interval * second;
      if (!(await sleep(wait, stop, handle.signal))) return;
      left -= wait;
      if (left < 0) {
        handle.outcome({
          state: 'expired',
          code: 'expired_token',
          message: t('signIn.deviceExpired', {}, 'the code expired before anyone entered it'),
        });
        return;
      }
      try {
        const set = await handle.exchange(deviceTokenRequest(settings, d.deviceCode));
        if (stop.aborted || handle.signal.aborted) return;
        handle.complete(set);
        return;
      } catch (err) {
        if (stop.aborted || handle.signal.aborted) return;
        const e = err instanceof AuthError ? err : errors.unknown();
        const v = pollVerdict(e, interval);
        if (v.next === 'wait') {
          interval = v.interval;
          continue;
        }
        if (v.next === 'denied') {
          handle.outcome({
            state: 'denied',
            code: 'access_denied',
            message: t('signIn.deviceDenied', {}, 'the sign-in was refused'),
          });
        } else if (v.next === 'expired') {
          handle.outcome({
            state: 'expired',
            code: 'expired_token',
            message: t('signIn.deviceExpired', {}, 'the code expired before anyone entered it'),
          });
        } else {
          handle.outcome({
            state: 'error',
            code: v.error.code,
            message: support.describe(v.error),
          });
        }
        return;
      }
    }
  }

  function send(res: Response, a: Answer): void {
    if (a.retryAfter) res.setHeader('Retry-After', String(a.retryAfter));
    res.setHeader('Cache-Control', 'no-store');
    res.status(a.status).json(a.body);
  }
  const crashed = (res: Response) => () => {
    if (!res.headersSent) {
      res.status(500).json({ code: CODES.EUNKNOWN, message: t('errors.unknown', {}, 'failed') });
    }
  };

  RED.httpAdmin.post(
    '/auth-objects/authorize',
    RED.auth.needsPermission('auth-object.write'),
    (req: Request, res: Response) => {
      authorize(req as Req).then((a) => send(res, a), crashed(res));
    },
  );

  RED.httpAdmin.get('/auth-objects/callback', (req: Request, res: Response) => {
    callback(req as Req, res).catch(() => {
      if (!res.headersSent) page(res, 500, false, t('errors.unknown', {}, 'Sign-in failed.'));
    });
  });

  RED.httpAdmin.post(
    '/auth-objects/device',
    RED.auth.needsPermission('auth-object.write'),
    (req: Request, res: Response) => {
      device(req as Req).then((a) => send(res, a), crashed(res));
    },
  );

  RED.httpAdmin.get(
    '/auth-objects/sign-in/:id',
    RED.auth.needsPermission('auth-object.read'),
    (req: Request, res: Response) => {
      const handle = handleOf(req.params.id);
      if (!handle) {
        return send(
          res,
          fail(
            404,
            CODES.DEPLOY_FIRST,
            t('signIn.notDelegated', {}, 'no deployed auth object with a sign-in has this id'),
          ),
        );
      }
      const v: SignInView = handle.view();
      send(res, { status: 200, body: { ...v } });
    },
  );
}

/** The `nonce` claim of an ID token (not verified: only compared with ours). */
function nonceOf(idToken: string): string | undefined {
  try {
    const claims = JSON.parse(
      Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { nonce?: unknown };
    return typeof claims.nonce === 'string' ? claims.nonce : undefined;
  } catch {
    return undefined;
  }
}

/** Waits `ms`; false when stopped first. */
function sleep(ms: number, ...signals: AbortSignal[]): Promise<boolean> {
  return new Promise((resolve) => {
    if (signals.some((s) => s.aborted)) return resolve(false);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', stopped);
      resolve(ok);
    };
    const stopped = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    timer.unref();
    for (const s of signals) s.addEventListener('abort', stopped, { once: true });
  });
}
