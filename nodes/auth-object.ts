import type { Node, NodeAPI } from 'node-red';
import { registerAdminRoutes } from './admin-routes';
import type {
  AuthObjectNode,
  SignInHandle,
  StateListener,
  StaticCredential,
} from './auth-object-api';
import {
  validateObject,
  type Credentials,
  type Settings,
  type StaticSettings,
} from './core/config';
import { CODES, ConfigError, type AuthError } from './core/errors';
import { whoFromIdToken } from './core/delegated';
import type { SignInView } from './core/sign-in-view';
import { credentialExpiry, parseEntryDate, type ExpiryEntry } from './core/expiry';
import { planEntries } from './core/expiry-report';
import { clientCertNotAfter } from './core/certificate';
import { createTransport, type TransportOptions } from './core/http';
import { TokenManager, type ManagerState } from './core/token-manager';
import type { TokenSet } from './core/token-response';
import {
  credentialsNeeded,
  endpointLabel,
  isDelegatedGrant,
  kindOf,
  text,
  tokenServer,
} from './core/rules';
import { createSupport, type AuthObjectDef } from './runtime-support';
import { registerSignInRoutes } from './signin-routes';
import { SignInStore, fingerprint, type SignInRecord } from './signin-store';

/**
 * The secret Node-RED encrypts credentials with: `credentialSecret` of the settings,
 * `false` when encryption is off, else the one it generated (`_credentialSecret`).
 */
function credentialSecret(RED: NodeAPI): string | false | undefined {
  const get = (name: string): unknown => {
    try {
      return (RED.settings as unknown as { get(n: string): unknown }).get(name);
    } catch {
      return undefined;
    }
  };
  // settings.js values are properties of RED.settings; the generated one only via get().
  const direct = (RED.settings as unknown as { credentialSecret?: unknown }).credentialSecret;
  const own = direct !== undefined ? direct : get('credentialSecret');
  if (own === false) return false;
  if (typeof own === 'string' && own) return own;
  const generated = get('_credentialSecret');
  return typeof generated === 'string' && generated ? generated : undefined;
}

export = function (RED: NodeAPI) {
  const support = createSupport(RED);
  const { t, describe, userError, clientAuthWarning } = support;
  const userDir = (RED.settings as unknown as { userDir?: unknown }).userDir;
  const store = new SignInStore({
    userDir: typeof userDir === 'string' && userDir ? userDir : undefined,
    secret: () => credentialSecret(RED),
    warn: (what) =>
      RED.log.warn(
        t(`signIn.store.${what}`, {}, `auth objects: could not ${what} the sign-in store`),
      ),
  });

  function AuthObject(this: Node, config: AuthObjectDef) {
    RED.nodes.createNode(this, config);
    const node = this as AuthObjectNode;
    const listeners = new Set<StateListener>();
    let state: ManagerState = { state: 'idle' };
    let manager: TokenManager | undefined;
    let fixed: StaticSettings | undefined;
    let configError: ConfigError | undefined;
    let signIn: SignInHandle | undefined;
    /** The stored sign-in of a delegated object. */
    let record: SignInRecord | undefined;
    /** A sign-in under way, or its outcome without tokens; cleared by the next success. */
    let outcome: SignInView | undefined;
    /** When a `pending` outcome ends by itself (the state's lifetime: nobody came back). */
    let outcomeUntil: number | undefined;
    let onEntries = () => {};
    // Only a delegated object has sign-ins to abort: 10,000 others need no controller.
    let closing: AbortController | undefined;

    const setState = (s: ManagerState) => {
      state = s;
      for (const l of listeners) l(s);
    };

    let certNotAfter: number | undefined;
    try {
      const transportOptions = support.transportOptions(config);
      certNotAfter = clientCertNotAfter(transportOptions.tls);
      const validated = validateObject(config, this.credentials as Credentials, {
        clientCertNotAfter: certNotAfter,
      });
      // A static credential: nothing to fetch, only to apply.
      if (validated.kind === 'static') fixed = validated.settings;
      else startManager(validated.settings, transportOptions);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      configError = err;
      state = { state: 'error', error: err };
      this.error(describe(err));
    }

    function startManager(settings: Settings, transportOptions: TransportOptions) {
      const delegated = isDelegatedGrant(settings.grantType);
      if (!delegated) store.delete(node.id);
      let signingIn: TokenSet | undefined;
      if (delegated) {
        const pasted = settings.credentials.refreshToken;
        const fp = fingerprint({
          grantType: settings.grantType,
          tokenUrl: text(config.tokenUrl),
          issuer: text(config.issuer),
          clientId: settings.credentials.clientId,
          refreshTokenUrl: text(config.refreshTokenUrl),
          ...(pasted ? { pasted } : {}),
        });
        record = store.get(node.id);
        // Another token endpoint, client or grant (or a newly pasted token): that sign-in is void.
        if (record && record.fp !== fp) {
          store.delete(node.id);
          record = undefined;
        }
        const save = (r: SignInRecord) => {
          record = r;
          store.set(node.id, r);
          onEntries();
        };
        const m = new TokenManager({
          settings,
          transport: createTransport(transportOptions),
          onState: setState,
          onDiscovered: () => {
            const mismatch = m.clientAuthMismatch();
            if (mismatch) node.warn(clientAuthWarning(mismatch));
          },
          delegated: {
            refreshToken: record ? record.refreshToken : pasted,
            refused: record?.refused === true,
            onRefreshToken(refreshToken, refreshExpiresAt, set) {
              const fresh = signingIn === set;
              const now = new Date().toISOString();
              const who = fresh ? whoFromIdToken(set.idToken) : record?.who;
              save({
                fp,
                refreshToken,
                at: fresh ? now : (record?.at ?? now),
                ...(who ? { who } : {}),
                ...(refreshExpiresAt !== undefined ? { refreshExpiresAt } : {}),
              });
            },
            onRefused() {
              outcome = undefined;
              save({
                ...(record ?? { fp, at: new Date().toISOString() }),
                refreshToken: undefined,
                refused: true,
                refusedAt: new Date().toISOString(),
              });
            },
          },
        });
        manager = m;
        signIn = {
          grantType: settings.grantType,
          ...(text(config.issuer) ? { issuer: text(config.issuer) } : {}),
          settings: async () => {
            await m.endpoint();
            return m.settings;
          },
          exchange: (req) => m.exchange(req),
          send: (req) => m.send(req),
          complete(set) {
            signingIn = set;
            outcomeUntil = undefined;
            outcome = undefined;
            try {
              m.signIn(set);
            } finally {
              signingIn = undefined;
            }
            // Without a refresh token (none asked for, none kept from before) the token
            // lasts only until it expires: say so where the sign-in's outcome is read.
            if (!m.hasRefreshToken) {
              outcome = {
                state: 'signed-in',
                at: new Date().toISOString(),
                ...(whoFromIdToken(set.idToken) ? { who: whoFromIdToken(set.idToken) } : {}),
                code: 'NO_REFRESH_TOKEN',
                message: t(
                  'signIn.noRefreshToken',
                  {},
                  'signed in, but the provider issued no refresh token: the token lasts until it expires (ask for offline access: scope offline_access, or access_type=offline)',
                ),
              };
            }
          },
          outcome(v, untilMs) {
            outcome = v;
            // A failed attempt beside a working sign-in is news for a while, not for good.
            outcomeUntil =
              untilMs ??
              (v.state !== 'pending' && m.hasRefreshToken ? Date.now() + 120_000 : undefined);
          },
          view: () => signInView(),
          signal: (closing ??= new AbortController()).signal,
          redact: (s, max) => m.redact(s, max),
        };
        const none = m.signInError();
        // Shown at once: no message has to fail first to tell the user.
        if (none) state = { state: 'error', error: none };
        if (settings.discovery) {
          m.endpoint().catch((err: unknown) => {
            if (state.state === 'idle' || m.signInError()) {
              setState({ state: 'error', error: err as AuthError });
            }
          });
        }
        return;
      }
      manager = new TokenManager({
        settings,
        transport: createTransport(transportOptions),
        onState: setState,
        // Once per deploy: discovery runs once. What is sent stays as configured.
        onDiscovered: () => {
          const mismatch = manager?.clientAuthMismatch();
          if (mismatch) node.warn(clientAuthWarning(mismatch));
        },
      });
      if (settings.discovery) {
        // At deploy, so a wrong issuer shows red at once; the result is kept for every request.
        manager.endpoint().catch((err: unknown) => {
          if (state.state === 'idle') setState({ state: 'error', error: err as AuthError });
        });
      }
    }

    const signInView = (): SignInView => {
      if (outcome && (outcomeUntil === undefined || Date.now() < outcomeUntil)) return outcome;
      const iso = (ms: number | undefined) =>
        ms === undefined ? {} : { refreshExpiresAt: new Date(ms).toISOString() };
      if (record?.refreshToken) {
        return {
          state: 'signed-in',
          ...(record.who ? { who: record.who } : {}),
          at: record.at,
          ...iso(record.refreshExpiresAt),
        };
      }
      if (record?.refused) return { state: 'required', code: CODES.SIGN_IN_REQUIRED };
      if (manager?.hasRefreshToken) return { state: 'signed-in' };
      return { state: 'none' };
    };
    const typed: ExpiryEntry[] = Array.isArray(config.expiries) ? config.expiries : [];
    // The client certificate's notAfter is an expiry like any other, without typing it.
    const entries: ExpiryEntry[] =
      certNotAfter === undefined
        ? typed
        : [
            ...typed,
            {
              expiresAt: new Date(certNotAfter).toISOString(),
              appliesTo: ['clientCertificate'],
              note: t(
                'expiry.certificate',
                {},
                'client certificate of the TLS configuration (read from the certificate)',
              ),
            },
          ];
    entries.forEach((e, i) => {
      // Remembered per entry: the expiry checks after this deploy do not parse it again.
      const parsed = parseEntryDate(e);
      if (!parsed.ok) {
        const value = String((e as Partial<ExpiryEntry> | null)?.expiresAt ?? '');
        this.warn(t('errors.expiry', { row: i + 1, value, reason: parsed.reason }, parsed.reason));
      }
    });
    let staticCredential: StaticCredential | undefined;
    if (fixed) {
      const expiresAtMs = credentialExpiry(entries, credentialsNeeded('', '', kindOf(config.kind)));
      staticCredential = Object.freeze({
        applied: fixed.applied,
        token_type: fixed.tokenType,
        ...(expiresAtMs !== undefined
          ? { expiresAtMs, expires_at: new Date(expiresAtMs).toISOString() }
          : {}),
      });
      state = {
        state: 'ready',
        tokenType: fixed.tokenType,
        ...(expiresAtMs !== undefined ? { expiresAt: expiresAtMs } : {}),
      };
    }
    node.staticCredential = () => staticCredential;
    const endpoint = endpointLabel(config);
    const server = tokenServer(config);
    const base = {
      id: this.id,
      name: config.name || endpoint,
      endpoint,
      ...(server ? { server } : {}),
      notify: typeof config.notify === 'string' ? config.notify.trim() : '',
    };
    // A delegated object's refresh token adds its own entry: its expiry as the server
    // said, or "sign in again" (expired) once the server refused it.
    const signInEntries = (): ExpiryEntry[] => {
      if (!signIn) return [];
      if (record?.refused) {
        return [
          {
            expiresAt: record.refusedAt ?? new Date().toISOString(),
            appliesTo: ['refreshToken'],
            note: t('signIn.againNote', {}, 'sign in again: the server refused the refresh token'),
          },
        ];
      }
      if (record?.refreshToken && record.refreshExpiresAt !== undefined) {
        return [
          {
            expiresAt: new Date(record.refreshExpiresAt).toISOString(),
            appliesTo: ['refreshToken'],
            note: t(
              'signIn.expiryNote',
              {},
              'refresh token (expiry stated by the server): sign in again before then',
            ),
          },
        ];
      }
      return [];
    };
    const makeInfo = () => {
      const all = [...entries, ...signInEntries()];
      // The entries change only on deploy or sign-in: every check reads them from here.
      return { ...base, entries: all, plan: planEntries(this.id, all) };
    };
    let info = makeInfo();
    onEntries = () => {
      info = makeInfo();
    };
    node.expiryInfo = () => info;
    node.signIn = () => signIn;
    const deployed = Object.freeze({ ...config });
    node.deployedConfig = () => deployed;

    node.current = () => manager?.current();
    node.getToken = (forceRefresh) => {
      if (!manager) return Promise.reject(userError(configError));
      return manager.getToken(forceRefresh).catch((err: unknown) => {
        throw userError(err);
      });
    };
    node.tokenState = () => state;
    node.subscribe = (listener) => {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    };
    node.describe = describe;

    this.on('close', (removed: boolean, done: () => void) => {
      closing?.abort();
      // A deleted object's sign-in goes with it; a redeploy or restart keeps it.
      if (removed) store.delete(node.id);
      manager?.close();
      listeners.clear();
      done();
    });
  }

  registerAdminRoutes(RED, support);
  registerSignInRoutes(RED, support);

  RED.nodes.registerType('auth-object', AuthObject, {
    credentials: {
      clientId: { type: 'text' },
      clientSecret: { type: 'password' },
      username: { type: 'text' },
      password: { type: 'password' },
      privateKey: { type: 'password' },
      apiKey: { type: 'password' },
      token: { type: 'password' },
      refreshToken: { type: 'password' },
    },
  });
};
