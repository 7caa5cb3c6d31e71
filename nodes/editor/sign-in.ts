/**
 * Signing an auth object in from its form: the redirect URI to register, **Sign in**
 * (authorization code: the provider's page in a pop-up, the outcome by postMessage from
 * the callback page), **Sign in with a code** (device flow: the code and the page to enter
 * it), and the object's sign-in state. Every request goes to the admin routes of
 * nodes/admin-routes.ts; no token ever reaches this page.
 */
import type { SignInView } from '../core/sign-in-view';
import { formatLocal } from '../core/time';
import type { Params } from './red';

/** GET auth-objects/sign-in/:id, and `signIn` of each object in GET auth-objects/expiries. */
export type SignInState = SignInView;

/** POST auth-objects/device. */
interface DeviceAnswer {
  user_code?: unknown;
  verification_uri?: unknown;
  verification_uri_complete?: unknown;
  expires_in?: unknown;
}

/** An admin route's error answer. */
interface RouteError {
  code?: string;
  message?: string;
}

/** What the callback page posts to this window (its origin is checked). */
interface CallbackMessage {
  type?: unknown;
  id?: unknown;
  ok?: unknown;
  code?: unknown;
  message?: unknown;
}

type Translate = (key: string, opts?: Params) => string;

export const MESSAGE_TYPE = 'auth-objects-sign-in';
/** How often the sign-in state is asked for while a sign-in runs. */
export const POLL_MS = 2000;
/** The longest a pop-up sign-in is waited for: as long as the runtime keeps its `state`. */
const POPUP_WAIT_MS = 10 * 60_000;
/** Polls after the pop-up was seen closed before saying so (its outcome may still come). */
const AFTER_CLOSE_POLLS = 3;

/** The redirect URI to register: this editor's own callback route. */
export function redirectUri(): string {
  return new URL('auth-objects/callback', `${location.origin}${location.pathname}`).href;
}

/** A sign-in state in words, for the form and the sidebar. */
export function describeSignIn(s: SignInState, t: Translate): string {
  const when = (iso: string | undefined) => {
    const ms = iso === undefined ? NaN : Date.parse(iso);
    return Number.isFinite(ms) ? formatLocal(ms) : '';
  };
  if (s.state === 'signed-in') {
    const at = when(s.at);
    let line = s.who
      ? t('signIn.state.signedInWho', { who: s.who, when: at })
      : at
        ? t('signIn.state.signedInWhen', { when: at })
        : t('signIn.state.signed-in');
    const expires = when(s.refreshExpiresAt);
    if (expires) line += ` ${t('signIn.state.refreshExpires', { when: expires })}`;
    // Signed in, with a caveat (e.g. no refresh token was issued).
    if (s.message) line += ` ${s.message}`;
    return line;
  }
  const known = ['none', 'pending', 'required', 'denied', 'expired', 'error'];
  if (!known.includes(s.state)) return t('signIn.state.error', { message: String(s.state) });
  const line = t(`signIn.state.${s.state}`, { message: s.message ?? '' });
  // The runtime's reason, where the state's own words do not already carry it.
  return s.message && s.state !== 'error' ? `${line} ${s.message}` : line;
}

/** Whether a state asks a person to act: it stands out in the sidebar. */
export const needsSignIn = (s: SignInState | undefined): boolean =>
  s !== undefined && ['none', 'required', 'denied', 'expired', 'error'].includes(s.state);

// ------------------------------------------------------------------------------------

/** Counts sign-ins: a newer one, or closing the form, makes an older one's answers stale. */
let run = 0;
const timers = new Set<ReturnType<typeof setTimeout>>();
let listener: ((e: MessageEvent) => void) | undefined;

/** Stops what a sign-in waits for: polls and the message listener. */
export function stopSignIn(): void {
  run++;
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  if (listener) window.removeEventListener('message', listener);
  listener = undefined;
}

function later(fn: () => void, ms: number): void {
  const timer = setTimeout(() => {
    timers.delete(timer);
    fn();
  }, ms);
  timers.add(timer);
}

type Tone = 'ok' | 'error' | 'info';

/** Shows a line under the sign-in buttons. */
function show(tone: Tone, message: string, state?: string): void {
  const colors: Record<Tone, { background: string; color: string }> = {
    // Fixed light colours behind fixed dark text: readable in any editor theme.
    ok: { background: '#e6f4e6', color: '#1d5e1d' },
    error: { background: '#fbe9e9', color: '#8a1f1f' },
    info: { background: 'none', color: '' },
  };
  $('#auth-object-signin-result')
    .text(message)
    .attr({ 'data-result': tone, 'data-state': state ?? '' })
    .css({ display: 'block', ...colors[tone] })
    .show();
  RED.tray.resize();
}

function toneOf(s: SignInState): Tone {
  if (s.state === 'signed-in') return 'ok';
  return s.state === 'pending' || s.state === 'none' ? 'info' : 'error';
}

function routeError(xhr: JQuery.jqXHR): { code: string; message: string } {
  const r = (xhr.responseJSON || {}) as RouteError;
  return {
    code: r.code || `HTTP_${xhr.status}`,
    message: r.message || xhr.statusText || String(xhr.status),
  };
}

function fetchState(id: string): JQuery.jqXHR<SignInState> {
  return $.getJSON(`auth-objects/sign-in/${encodeURIComponent(id)}`) as JQuery.jqXHR<SignInState>;
}

/** Shows the object's sign-in state when the form opens (a deployed delegated object). */
export function showCurrentState(id: string, t: Translate): void {
  const mine = run;
  fetchState(id).done((s) => {
    if (mine !== run || !s || typeof s.state !== 'string') return;
    show(toneOf(s), describeSignIn(s, t), s.state);
  });
}

/**
 * What the form says before a sign-in: "deploy first" when the object is not deployed as
 * the form shows it (the runtime signs in the deployed object only).
 */
export interface SignInContext {
  id: string;
  t: Translate;
  /** True when the object is not deployed, or the form differs from what was deployed. */
  deployFirst: () => boolean;
}

function refuseUndeployed(ctx: SignInContext): boolean {
  if (!ctx.deployFirst()) return false;
  $('#auth-object-signin-deploy').show();
  show('error', ctx.t('signIn.deployFirstForm'), 'deploy-first');
  return true;
}

function failed(ctx: SignInContext, code: string, message: string): void {
  if (code === 'DEPLOY_FIRST') {
    $('#auth-object-signin-deploy').show();
    show('error', ctx.t('signIn.deployFirstForm'), 'deploy-first');
    return;
  }
  show('error', ctx.t('signIn.failed', { code, message }), 'error');
}

/**
 * Sign in (authorization code). The pop-up is opened at once, in the click, so no pop-up
 * blocker stops it; it gets the provider's address when the runtime has made it. The
 * outcome comes as a message from the callback page, or (when the provider cut the link
 * between the windows, as Cross-Origin-Opener-Policy does) from polling the state.
 */
export function signInWithPopup(ctx: SignInContext): void {
  stopSignIn();
  $('#auth-object-device-code').hide();
  if (refuseUndeployed(ctx)) return;
  const mine = run;
  const started = Date.now();
  const popup = window.open('', 'auth-objects-sign-in', 'popup,width=520,height=720');
  if (!popup) {
    show('error', ctx.t('signIn.popupBlocked'), 'blocked');
    return;
  }
  show('info', ctx.t('signIn.starting'), 'starting');
  // The sign-in held before this one: while it shows, this one has not finished.
  let before: string | undefined;
  fetchState(ctx.id).done((s) => {
    if (s?.state === 'signed-in') before = s.at;
  });
  const finish = (s: SignInState) => {
    if (mine !== run) return;
    stopSignIn();
    show(toneOf(s), describeSignIn(s, ctx.t), s.state);
    if (!popup.closed) popup.close();
  };
  listener = (e: MessageEvent) => {
    const data = (e.data ?? {}) as CallbackMessage;
    if (e.origin !== location.origin || data.type !== MESSAGE_TYPE || data.id !== ctx.id) return;
    if (data.ok === true) {
      // Who signed in, and when: the state route says it (the message carries no token).
      fetchState(ctx.id)
        .done((s) => finish(s && typeof s.state === 'string' ? s : { state: 'signed-in' }))
        .fail(() => finish({ state: 'signed-in' }));
    } else {
      const code = typeof data.code === 'string' ? data.code : 'SIGN_IN_FAILED';
      const message = typeof data.message === 'string' ? data.message : '';
      if (mine !== run) return;
      stopSignIn();
      if (!popup.closed) popup.close();
      // The runtime's view of it (refused, failed) where it has one; else the message's words.
      fetchState(ctx.id)
        .done((s) => {
          if (s && (s.state === 'denied' || s.state === 'error')) {
            show('error', describeSignIn(s, ctx.t), s.state);
          } else failed(ctx, code, message);
        })
        .fail(() => failed(ctx, code, message));
    }
  };
  window.addEventListener('message', listener);
  $.ajax({
    url: 'auth-objects/authorize',
    type: 'POST',
    contentType: 'application/json',
    data: JSON.stringify({ id: ctx.id, redirectUri: redirectUri() }),
    dataType: 'json',
  })
    .done((r: { url?: unknown }) => {
      if (mine !== run) return;
      if (typeof r?.url !== 'string' || !/^https?:\/\//i.test(r.url)) {
        popup.close();
        stopSignIn();
        failed(ctx, 'BAD_ANSWER', '');
        return;
      }
      popup.location.href = r.url;
      show('info', ctx.t('signIn.waiting'), 'waiting');
      let closedPolls = 0;
      const poll = () => {
        if (mine !== run) return;
        if (Date.now() - started > POPUP_WAIT_MS) {
          stopSignIn();
          show('info', ctx.t('signIn.timeout'), 'timeout');
          return;
        }
        if (popup.closed) closedPolls++;
        fetchState(ctx.id)
          .done((s) => {
            if (mine !== run || !s) return;
            const at = s.at ? Date.parse(s.at) : NaN;
            // Only a sign-in that happened after this one began is its outcome.
            if (s.state === 'signed-in' && s.at !== before && at >= started - 5000) {
              return finish(s);
            }
            if (closedPolls > AFTER_CLOSE_POLLS) {
              stopSignIn();
              show('error', ctx.t('signIn.closed'), 'closed');
              return;
            }
            later(poll, POLL_MS);
          })
          .fail(() => later(poll, POLL_MS));
      };
      later(poll, POLL_MS);
    })
    .fail((xhr: JQuery.jqXHR) => {
      if (mine !== run) return;
      popup.close();
      stopSignIn();
      const e = routeError(xhr);
      failed(ctx, e.code, e.message);
    });
}

/**
 * Sign in with a code (device flow): shows the code and the page to enter it, then asks
 * for the state every 2 s while it is pending, at most until the code expires.
 */
export function signInWithCode(ctx: SignInContext): void {
  stopSignIn();
  const box = $('#auth-object-device-code').hide();
  if (refuseUndeployed(ctx)) return;
  const mine = run;
  show('info', ctx.t('signIn.starting'), 'starting');
  $.ajax({
    url: 'auth-objects/device',
    type: 'POST',
    contentType: 'application/json',
    data: JSON.stringify({ id: ctx.id }),
    dataType: 'json',
  })
    .done((r: DeviceAnswer) => {
      if (mine !== run) return;
      const code = typeof r?.user_code === 'string' ? r.user_code : '';
      const page =
        typeof r?.verification_uri_complete === 'string'
          ? r.verification_uri_complete
          : typeof r?.verification_uri === 'string'
            ? r.verification_uri
            : '';
      if (!code || !/^https?:\/\//i.test(page)) {
        failed(ctx, 'BAD_ANSWER', '');
        return;
      }
      const seconds =
        typeof r.expires_in === 'number' && r.expires_in > 0 ? Math.min(r.expires_in, 3600) : 600;
      $('#auth-object-device-prompt').text(ctx.t('signIn.deviceEnter'));
      $('#auth-object-device-user-code').text(code);
      $('#auth-object-device-link')
        .attr('href', page)
        .text(typeof r.verification_uri === 'string' ? r.verification_uri : page);
      $('#auth-object-device-expires').text(
        ctx.t('signIn.deviceExpires', { minutes: Math.max(1, Math.round(seconds / 60)) }),
      );
      box.show();
      show('info', ctx.t('signIn.state.pending'), 'pending');
      // Bounded: the code's lifetime, and a few polls more for the runtime's last answer.
      let left = Math.ceil((seconds * 1000) / POLL_MS) + 5;
      const poll = () => {
        if (mine !== run) return;
        if (left-- <= 0) {
          stopSignIn();
          box.hide();
          show('info', ctx.t('signIn.timeout'), 'timeout');
          return;
        }
        fetchState(ctx.id)
          .done((s) => {
            if (mine !== run || !s) return;
            if (s.state === 'pending') return later(poll, POLL_MS);
            stopSignIn();
            box.hide();
            show(toneOf(s), describeSignIn(s, ctx.t), s.state);
          })
          .fail(() => later(poll, POLL_MS));
      };
      later(poll, POLL_MS);
    })
    .fail((xhr: JQuery.jqXHR) => {
      if (mine !== run) return;
      const e = routeError(xhr);
      failed(ctx, e.code, e.message);
    });
}

/** The redirect URI row: the URI, and a button that copies it. */
export function prepareRedirectUri(t: Translate): void {
  const field = $('#auth-object-redirect-uri').val(redirectUri());
  const button = $('#auth-object-redirect-copy');
  button.on('click', () => {
    const uri = redirectUri();
    const done = () => {
      button.find('span').text(t('signIn.copied'));
      setTimeout(() => button.find('span').text(t('signIn.copy')), 1500);
    };
    if (navigator.clipboard?.writeText) {
      navigator.clipboard.writeText(uri).then(done, () => {
        field.trigger('select');
        document.execCommand('copy');
        done();
      });
    } else {
      field.trigger('select');
      document.execCommand('copy');
      done();
    }
  });
}
