/**
 * The HTTP transport for token requests: axios with keep-alive agents, no
 * redirects, a capped body, a deadline per attempt, optional TLS settings and
 * proxy. Axios errors carry the request (with credentials), so they never
 * leave this module: they are turned into coded {@link AuthError}s.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError } from 'axios';
import { getProxyForUrl } from 'proxy-from-env';
import { AuthError, CODES, errors } from './errors';
import type { TokenRequest } from './token-request';
import type { HttpResponse } from './token-response';

/** Largest token response accepted, after decompression. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export interface ProxyOptions {
  /** Proxy URL, user info included when the proxy needs authentication. */
  url: string;
  /** Host names (or `.suffix`es) that bypass the proxy. */
  noProxy: string[];
}

export interface TransportOptions {
  tls?: TlsOptions;
  /** A proxy; when absent, HTTP(S)_PROXY and NO_PROXY from the environment apply. */
  proxy?: ProxyOptions;
}

export interface Transport {
  send(req: TokenRequest, timeoutMs: number, signal: AbortSignal): Promise<HttpResponse>;
  close(): void;
}

const TLS_CODE =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|^ERR_TLS|^ERR_SSL|^EPROTO$/;

function bypassed(host: string, noProxy: string[]): boolean {
  const h = host.toLowerCase();
  return noProxy.some((entry) => {
    const e = entry.trim().toLowerCase().replace(/^\*/, '');
    if (!e) return false;
    return e.startsWith('.') ? h.endsWith(e) || h === e.slice(1) : h === e || h.endsWith(`.${e}`);
  });
}

/** Describes a failed attempt without anything from the request. */
export function classifyTransportError(err: unknown, timeoutMs: number): AuthError {
  if (err instanceof AuthError) return err;
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const causeCode = typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const c = code && code !== 'ERR_BAD_RESPONSE' ? code : (causeCode ?? code ?? 'ENETWORK');
  const message = typeof e.message === 'string' ? e.message : '';
  if (/maxContentLength/.test(message))
    return errors.badResponse('tooLarge', { max: MAX_BODY_BYTES });
  if (TLS_CODE.test(c)) return errors.tls(c);
  if (c === 'ETIMEDOUT' || c === 'ECONNABORTED') return errors.timeout(timeoutMs);
  // The server sent a body that is not what its Content-Encoding says.
  if (c === 'Z_DATA_ERROR') return errors.badResponse('undecodable');
  // Aborted or corrupt body: the connection broke mid-response.
  if (c === 'ERR_BAD_RESPONSE' || c === 'Z_BUF_ERROR') return errors.reset();
  return errors.network(/^[A-Z0-9_]{2,40}$/.test(c) ? c : CODES.ENETWORK);
}

/** Creates the transport one authentication object uses for all its requests. */
export function createTransport(opts: TransportOptions = {}): Transport {
  const tls = opts.tls ?? {};
  // Made at the first request: an agent pair is about 2.7 KB, and many objects are deployed
  // only for their expiry dates or are used rarely.
  let httpAgent: http.Agent | undefined;
  let httpsAgent: https.Agent | undefined;
  const proxyAgents = new Map<string, http.Agent>();

  async function agentFor(url: URL): Promise<http.Agent> {
    let proxyUrl = '';
    if (opts.proxy) {
      if (!bypassed(url.hostname, opts.proxy.noProxy)) proxyUrl = opts.proxy.url;
    } else {
      proxyUrl = getProxyForUrl(url.href);
    }
    if (!proxyUrl) {
      if (url.protocol === 'https:') {
        return (httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 4, ...tls }));
      }
      return (httpAgent ??= new http.Agent({ keepAlive: true, maxSockets: 4 }));
    }
    let agent = proxyAgents.get(proxyUrl);
    if (!agent) {
      // ESM-only package: loaded only when a proxy is in use.
      const { HttpsProxyAgent } = await import('https-proxy-agent');
      agent = new HttpsProxyAgent(proxyUrl, { keepAlive: true, ...tls }) as unknown as http.Agent;
      proxyAgents.set(proxyUrl, agent);
    }
    return agent;
  }

  return {
    async send(req, timeoutMs, signal) {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      const onAbort = () => deadline.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const agent = await agentFor(req.url);
        const res = await axios.request<Buffer>({
          url: req.url.href,
          method: req.method ?? 'POST',
          headers: req.headers,
          ...(req.method === 'GET' ? {} : { data: req.body }),
          responseType: 'arraybuffer',
          transformResponse: [(d: Buffer) => d],
          validateStatus: () => true,
          maxRedirects: 0,
          maxContentLength: MAX_BODY_BYTES,
          decompress: true,
          proxy: false,
          httpAgent: agent,
          httpsAgent: agent,
          signal: deadline.signal,
        });
        return {
          status: res.status,
          headers: res.headers as HttpResponse['headers'],
          body: Buffer.isBuffer(res.data) ? res.data : Buffer.from(res.data ?? ''),
        };
      } catch (err) {
        if (signal.aborted) throw errors.closed('token request cancelled');
        if (deadline.signal.aborted || (err instanceof AxiosError && err.code === 'ERR_CANCELED')) {
          throw classifyTransportError({ code: 'ETIMEDOUT' }, timeoutMs);
        }
        throw classifyTransportError(err, timeoutMs);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      }
    },
    close() {
      httpAgent?.destroy();
      httpsAgent?.destroy();
      for (const a of proxyAgents.values()) a.destroy();
      proxyAgents.clear();
    },
  };
}
