import type { Node, NodeAPI } from 'node-red';
import { registerAdminRoutes } from './admin-routes';
import type { AuthObjectNode, StateListener, StaticCredential } from './auth-object-api';
import {
  validateObject,
  type Credentials,
  type Settings,
  type StaticSettings,
} from './core/config';
import { ConfigError, type AuthError } from './core/errors';
import { credentialExpiry, parseEntryDate, type ExpiryEntry } from './core/expiry';
import { planEntries } from './core/expiry-report';
import { clientCertNotAfter } from './core/certificate';
import { createTransport, type TransportOptions } from './core/http';
import { TokenManager, type ManagerState } from './core/token-manager';
import { credentialsNeeded, endpointLabel, kindOf, tokenServer } from './core/rules';
import { createSupport, type AuthObjectDef } from './runtime-support';

export = function (RED: NodeAPI) {
  const support = createSupport(RED);
  const { t, describe, userError, clientAuthWarning } = support;

  function AuthObject(this: Node, config: AuthObjectDef) {
    RED.nodes.createNode(this, config);
    const node = this as AuthObjectNode;
    const listeners = new Set<StateListener>();
    let state: ManagerState = { state: 'idle' };
    let manager: TokenManager | undefined;
    let fixed: StaticSettings | undefined;
    let configError: ConfigError | undefined;

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
    const info = {
      id: this.id,
      name: config.name || endpoint,
      endpoint,
      ...(server ? { server } : {}),
      notify: typeof config.notify === 'string' ? config.notify.trim() : '',
      entries,
      // The entries do not change until the next deploy: every check reads them from here.
      plan: planEntries(this.id, entries),
    };
    node.expiryInfo = () => info;
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

    this.on('close', (_removed: boolean, done: () => void) => {
      manager?.close();
      listeners.clear();
      done();
    });
  }

  registerAdminRoutes(RED, support);

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
