/**
 * Node-RED-aware helpers shared by the auth-object node and its admin routes:
 * wording of errors from the locale catalogue, and TLS/proxy options from
 * Node-RED's own `tls-config` and `http proxy` config nodes.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { RawSettings } from './core/config';
import { AuthError, ConfigError } from './core/errors';
import type { ProxyOptions, TlsOptions, TransportOptions } from './core/http';

export interface AuthObjectDef extends NodeDef, RawSettings {
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

export interface Support {
  /** Translates an `auth-object.*` key, falling back to `fallback` where no catalogue is loaded. */
  t(key: string, params: Record<string, string | number>, fallback: string): string;
  /** The user-facing words for any error of the core. */
  describe(err: unknown): string;
  /** A fresh Error carrying only the code and the words: never the request. */
  userError(err: unknown): Error & { code: string };
  /** TLS and proxy options from the referenced config nodes; throws a ConfigError. */
  transportOptions(config: { tls?: unknown; proxy?: unknown }): TransportOptions;
}

export function createSupport(RED: NodeAPI): Support {
  function t(key: string, params: Record<string, string | number>, fallback: string): string {
    const text = RED._(`auth-object.${key}`, params);
    return text && text !== `auth-object.${key}` ? text : fallback;
  }

  /** The user's words for an error: its key in the catalogue, the core's English without one. */
  function describe(err: unknown): string {
    if (!(err instanceof AuthError)) return t('errors.unknown', {}, 'token request failed');
    const params =
      err instanceof ConfigError
        ? { ...err.params, field: t(`label.${err.field}`, {}, err.field) }
        : err.params;
    return t(`errors.${err.key}`, params, err.message);
  }

  function userError(err: unknown): Error & { code: string } {
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

  function transportOptions(config: { tls?: unknown; proxy?: unknown }): TransportOptions {
    const opts: TransportOptions = {};
    if (typeof config.tls === 'string' && config.tls) {
      const tlsNode = RED.nodes.getNode(config.tls) as TlsConfigNode | null;
      if (!tlsNode) throw new ConfigError('tls', 'reference', 'the TLS configuration is missing');
      opts.tls = tlsNode.addTLSOptions({});
    }
    if (typeof config.proxy === 'string' && config.proxy) {
      const proxyNode = RED.nodes.getNode(config.proxy) as ProxyConfigNode | null;
      if (!proxyNode) {
        throw new ConfigError('proxy', 'reference', 'the proxy configuration is missing');
      }
      try {
        opts.proxy = proxyOptions(proxyNode);
      } catch {
        throw new ConfigError('proxy', 'url', 'the proxy URL is not valid');
      }
    }
    return opts;
  }

  return { t, describe, userError, transportOptions };
}
