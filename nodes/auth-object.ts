import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { AuthObjectNode, StateListener } from './auth-object-api';
import { validateSettings, type Credentials, type RawSettings } from './core/config';
import { AuthError, ConfigError, OAuthResponseError } from './core/errors';
import { parseExpiryDate, type ExpiryEntry } from './core/expiry';
import { createTransport, type ProxyOptions, type TlsOptions } from './core/http';
import { TokenManager, type ManagerState } from './core/token-manager';

interface AuthObjectDef extends NodeDef, RawSettings {
  tls?: string;
  proxy?: string;
  expiries?: unknown;
  notify?: unknown;
}

interface TlsConfigNode extends Node {
  addTLSOptions(opts: TlsOptions): TlsOptions;
}

interface ProxyConfigNode extends Node<{ username?: string; password?: string }> {
  url?: string;
  noproxy?: string[];
}

export = function (RED: NodeAPI) {
  /** Translates a key, falling back to the core's English text where no catalogue is loaded. */
  function t(key: string, params: Record<string, string | number>, fallback: string): string {
    const text = RED._(`auth-object.${key}`, params);
    return text && text !== `auth-object.${key}` ? text : fallback;
  }

  function describe(err: unknown): string {
    if (!(err instanceof AuthError)) return t('errors.unknown', {}, 'token request failed');
    if (err instanceof ConfigError) {
      const field = t(`label.${err.field}`, {}, err.field);
      const params = { ...err.params, field, name: err.field };
      return t(`errors.config.${err.reason}`, params, err.message);
    }
    const params = {
      code: err.code,
      status: err.status ?? '',
      description: err instanceof OAuthResponseError ? (err.error_description ?? '') : '',
    };
    // HTTP statuses and bad responses keep the core's specific wording.
    if (err.kind === 'http' || err.kind === 'bad-response') return err.message;
    return t(`errors.${err.kind}`, params, err.message);
  }

  /** A fresh Error per failure, carrying only the code and the words: never the request. */
  function userError(err: unknown): Error {
    const e = new Error(describe(err)) as Error & { code: string };
    e.code = err instanceof AuthError ? err.code : 'EUNKNOWN';
    return e;
  }

  function proxyOptions(node: ProxyConfigNode): ProxyOptions {
    const url = new URL(String(node.url ?? ''));
    const c = node.credentials;
    if (c?.username) {
      url.username = encodeURIComponent(c.username);
      url.password = encodeURIComponent(c.password ?? '');
    }
    return { url: url.href, noProxy: Array.isArray(node.noproxy) ? node.noproxy : [] };
  }

  /** The default label, as in the editor: `<grant> @ <token host>`. */
  function endpointLabel(config: AuthObjectDef): string {
    const grant =
      typeof config.grantType === 'string' && config.grantType
        ? config.grantType
        : 'client_credentials';
    try {
      return `${grant} @ ${new URL(String(config.tokenUrl)).host}`;
    } catch {
      return grant;
    }
  }

  function AuthObject(this: Node, config: AuthObjectDef) {
    RED.nodes.createNode(this, config);
    const node = this as AuthObjectNode;
    const listeners = new Set<StateListener>();
    let state: ManagerState = { state: 'idle' };
    let manager: TokenManager | undefined;
    let configError: ConfigError | undefined;

    const setState = (s: ManagerState) => {
      state = s;
      for (const l of listeners) l(s);
    };

    try {
      const settings = validateSettings(config, this.credentials as Credentials);
      let tls: TlsOptions | undefined;
      if (config.tls) {
        const tlsNode = RED.nodes.getNode(config.tls) as TlsConfigNode | null;
        if (!tlsNode) throw new ConfigError('tls', 'reference', 'the TLS configuration is missing');
        tls = tlsNode.addTLSOptions({});
      }
      let proxy: ProxyOptions | undefined;
      if (config.proxy) {
        const proxyNode = RED.nodes.getNode(config.proxy) as ProxyConfigNode | null;
        if (!proxyNode)
          throw new ConfigError('proxy', 'reference', 'the proxy configuration is missing');
        try {
          proxy = proxyOptions(proxyNode);
        } catch {
          throw new ConfigError('proxy', 'url', 'the proxy URL is not valid');
        }
      }
      manager = new TokenManager({
        settings,
        transport: createTransport({ ...(tls ? { tls } : {}), ...(proxy ? { proxy } : {}) }),
        onState: setState,
      });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      configError = err;
      state = { state: 'error', error: err };
      this.error(describe(err));
    }

    const entries: ExpiryEntry[] = Array.isArray(config.expiries) ? config.expiries : [];
    entries.forEach((e, i) => {
      const parsed = parseExpiryDate((e as Partial<ExpiryEntry> | null)?.expiresAt);
      if (!parsed.ok) {
        const value = String((e as Partial<ExpiryEntry> | null)?.expiresAt ?? '');
        this.warn(t('errors.expiry', { row: i + 1, value, reason: parsed.reason }, parsed.reason));
      }
    });
    const endpoint = endpointLabel(config);
    const info = {
      id: this.id,
      name: config.name || endpoint,
      endpoint,
      notify: typeof config.notify === 'string' ? config.notify.trim() : '',
      entries,
    };
    node.expiryInfo = () => info;

    node.current = () => manager?.current();
    node.getToken = (forceRefresh) => {
      if (!manager) return Promise.reject(userError(configError));
      return manager.getToken(forceRefresh).catch((err: unknown) => {
        throw userError(err);
      });
    };
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

  RED.nodes.registerType('auth-object', AuthObject, {
    credentials: {
      clientId: { type: 'text' },
      clientSecret: { type: 'password' },
      username: { type: 'text' },
      password: { type: 'password' },
    },
  });
};
