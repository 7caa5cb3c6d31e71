/**
 * Puts a credential on a message: a header (`Authorization`, or an API key's own header)
 * or a query parameter of `msg.url`. One place for every kind, so OAuth tokens and
 * static credentials replace an existing header the same way. Pure: it works on the
 * message's plain `headers` and `url`.
 */
import { errors } from './errors';

/** Where and what get token puts on a message. */
export interface Applied {
  in: 'header' | 'query';
  /** The header or query parameter name. */
  name: string;
  /** What goes there: a secret. Never on `msg.token`. */
  value: string;
}

/** Removes every header named `name`, in any casing. */
export function dropHeader(headers: unknown, name: string): void {
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return;
  const lower = name.toLowerCase();
  for (const k of Object.keys(headers)) {
    if (k.toLowerCase() === lower) delete (headers as Record<string, unknown>)[k];
  }
}

/** The message's headers object, made one when it has none (or something else). */
function headersOf(msg: Record<string, unknown>): Record<string, unknown> {
  let headers = msg.headers as Record<string, unknown> | undefined;
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) {
    headers = msg.headers = {};
  }
  return headers;
}

/**
 * Applies the credential. A query parameter needs `msg.url` to be an absolute http(s)
 * URL (the `http request` node's URL left empty); otherwise `NO_URL`, and the message is
 * left as it was. A parameter of that name already in the URL is replaced.
 */
export function applyTo(msg: Record<string, unknown>, applied: Applied): void {
  if (applied.in === 'header') {
    const headers = headersOf(msg);
    dropHeader(headers, applied.name);
    headers[applied.name] = applied.value;
    return;
  }
  let url: URL | undefined;
  try {
    url = typeof msg.url === 'string' ? new URL(msg.url.trim()) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw errors.noUrl(applied.name);
  }
  url.search = withParam(url.search, applied.name, applied.value);
  msg.url = url.href;
}

/** A query parameter's name as a server reads it: form decoding, or as written when malformed. */
function paramName(pair: string): string {
  const raw = pair.split('=', 1)[0]!.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The query with `name=value` where the parameter first was (or at the end), its repeats
 * dropped. The other parameters keep their bytes: `URLSearchParams` would re-encode them
 * (`,` `~` `/` `:` escaped, `%20` to `+`, a bare `flag` to `flag=`, non-UTF-8 escapes to
 * U+FFFD), which changes what some APIs read and breaks signed URLs. `encodeURIComponent`
 * writes space as `%20` and `+` as `%2B`: form and RFC 3986 readers get the same key.
 */
function withParam(search: string, name: string, value: string): string {
  const own = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  const out: string[] = [];
  let placed = false;
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (!pair) continue;
    if (paramName(pair) !== name) out.push(pair);
    else if (!placed) {
      out.push(own);
      placed = true;
    }
  }
  if (!placed) out.push(own);
  return `?${out.join('&')}`;
}

/** RFC 7617 §2 with the UTF-8 charset of §2.1: `Basic base64(utf8(user ":" password))`. */
export function basicValue(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}
