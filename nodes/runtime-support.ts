/**
 * Node-RED-aware helpers shared by the auth-object node and its admin routes:
 * wording of errors from the locale catalogue, and TLS/proxy options from
 * Node-RED's own `tls-config` and `http proxy` config nodes.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { AuthObjectNode } from './auth-object-api';
import type { RawSettings } from './core/config';
import { clientAuthWarning as mismatchWarning } from './core/discovery';
import { AuthError, CODES, ConfigError, adviceFor } from './core/errors';
import type { ProxyOptions, TlsOptions, TransportOptions } from './core/http';
import type { ClientAuthMismatch } from './core/rules';

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
  /** The user-facing words for any error of the core, with the advice for its cause. */
  describe(err: unknown): string;
  /** A fresh Error carrying only the code and the words: never the request. */
  userError(err: unknown): Error & { code: string };
  /** The warning for a client authentication the server's discovery document does not list. */
  clientAuthWarning(m: ClientAuthMismatch): string;
  /** TLS and proxy options from the referenced config nodes; throws a ConfigError. */
  transportOptions(config: { tls?: unknown; proxy?: unknown }): TransportOptions;
}

/** An Error with a `code` a flow can branch on (`msg.error.code`) and nothing else. */
export function codedError(message: string, code: string): Error & { code: string } {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}

/**
 * The running auth objects with these ids, or every deployed one when `ids` is empty;
 * ids that name no running auth object are left out.
 */
export function authObjects(RED: NodeAPI, ids: readonly string[] = []): AuthObjectNode[] {
  const list = [...ids];
  if (list.length === 0) {
    RED.nodes.eachNode((n) => {
      if (n.type === 'auth-object') list.push(n.id);
    });
  }
  const out: AuthObjectNode[] = [];
  for (const id of list) {
    const live = RED.nodes.getNode(id) as AuthObjectNode | null;
    if (live && live.type === 'auth-object' && typeof live.expiryInfo === 'function') {
      out.push(live);
    }
  }
  return out;
}

export function createSupport(RED: NodeAPI): Support {
  function t(key: string, params: Record<string, string | number>, fallback: string): string {
    const text = RED._(`auth-object.${key}`, params);
    return text && text !== `auth-object.${key}` ? text : fallback;
  }

  /**
   * The user's words for an error: its key in the catalogue, the core's English without
   * one, followed by the one line of advice README's Troubleshooting table gives for it.
   */
  function describe(err: unknown): string {
    if (!(err instanceof AuthError)) return t('errors.unknown', {}, 'token request failed');
    const params =
      err instanceof ConfigError
        ? { ...err.params, field: t(`label.${err.field}`, {}, err.field) }
        : err.params;
    const message = t(`errors.${err.key}`, params, err.message);
    const advice = adviceFor(err);
    if (!advice) return message;
    // The message's own full stop, if it has one, is the format's.
    const bare = message.replace(/[.\s]+$/, '');
    const text = t(`advice.${advice.key}`, {}, advice.text);
    return t('advice.format', { message: bare, advice: text }, `${bare}. ${text}`);
  }

  function clientAuthWarning(m: ClientAuthMismatch): string {
    const w = mismatchWarning(m);
    return t(`warning.${w.key}`, w.params, w.text);
  }

  function userError(err: unknown): Error & { code: string } {
    return codedError(describe(err), err instanceof AuthError ? err.code : CODES.EUNKNOWN);
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

  return { t, describe, userError, clientAuthWarning, transportOptions };
}
