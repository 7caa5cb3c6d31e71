/**
 * The one place server-provided text is made safe to show: in errors, node
 * status, the log, Test connection's answer, `scope` and content types.
 * A server may echo what it was sent, in any encoding, so every form of every
 * secret sent is removed; control characters are stripped (no forged log lines,
 * no terminal escapes) and the length is bounded.
 */

/** What a removed secret is replaced with; the next one where a secret looks like the first. */
export const REDACTED = '[redacted]';
const MARKERS = [REDACTED, '***', '###', '~~~', '___'];

/** Longest server text repeated anywhere, characters. */
export const MAX_SERVER_TEXT = 300;

/** Makes server text safe to show; `max` bounds its length. */
export type Redactor = (text: string, max?: number) => string;

export interface SecretSet {
  /** Values that must never be shown: passwords, client secrets, refresh tokens, assertions. */
  secrets: readonly (string | undefined)[];
  /** `[id, secret]` pairs that travel together, e.g. in an HTTP Basic header. */
  pairs?: readonly (readonly [string | undefined, string | undefined])[];
}

// Line breaks and tabs become spaces; C0, DEL, C1, zero-width and bidirectional controls
// and the BOM are dropped, so an echoed secret cut up by them joins again and is caught.
const BREAK = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Strips control characters and bounds the length. */
export function cleanText(text: string, max = MAX_SERVER_TEXT): string {
  const out = text.replace(BREAK, ' ').replace(CONTROL, '');
  return out.length > max ? `${out.slice(0, Math.max(0, max - 1))}…` : out;
}

const hex = (c: number) => `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** Every byte except RFC 3986 unreserved characters percent-encoded. */
function percentAll(s: string): string {
  let out = '';
  for (const b of utf8(s))
    out += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : hex(b);
  return out;
}

/** encodeURIComponent, which throws on a lone surrogate; UTF-8 sends those as U+FFFD. */
const uriEncode = (s: string) =>
  encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );

/** `application/x-www-form-urlencoded` as URLSearchParams writes it (space as `+`). */
const formEncode = (s: string) => new URLSearchParams([['', s]]).toString().slice(1);

function jsonForms(s: string): string[] {
  const plain = JSON.stringify(s).slice(1, -1);
  // Servers that write ASCII-only JSON escape every other character as \uXXXX.
  const ascii = plain.replace(
    /[^\u0000-\u007f]/g, // eslint-disable-line no-control-regex
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return [plain, ascii, plain.replace(/\//g, '\\/'), ascii.replace(/\//g, '\\/')];
}

function base64Forms(s: string): string[] {
  const std = utf8(s).toString('base64');
  const url = utf8(s).toString('base64url');
  const bare = std.replace(/=+$/, '');
  return [std, bare, url, `${url}${'='.repeat(std.length - bare.length)}`];
}

/** Every text form a value can take on its way through a request and back. */
export function secretForms(secret: string): string[] {
  const form = formEncode(secret);
  const forms = [
    secret,
    uriEncode(secret),
    form,
    form.replace(/\+/g, '%20'),
    percentAll(secret),
    [...utf8(secret)].map(hex).join(''),
    ...jsonForms(secret),
    ...base64Forms(secret),
  ];
  return forms;
}

/** The forms of an id and secret sent together: Basic credentials, raw and form-encoded. */
export function pairForms(id: string, secret: string): string[] {
  return [
    ...base64Forms(`${id}:${secret}`),
    ...base64Forms(`${formEncode(id)}:${formEncode(secret)}`),
    ...base64Forms(`${uriEncode(id)}:${uriEncode(secret)}`),
  ];
}

/** A pattern for one form; the hex digits of `%XX` and `\uXXXX` escapes match in any case. */
function pattern(form: string): string {
  return form
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%([0-9A-Fa-f])([0-9A-Fa-f])/g, (_m, a: string, b: string) => `%${ci(a)}${ci(b)}`)
    .replace(/\\\\u([0-9a-fA-F]{4})/g, (_m, h: string) => `\\\\u${[...h].map(ci).join('')}`);
}

function ci(c: string): string {
  const l = c.toLowerCase();
  const u = c.toUpperCase();
  return l === u ? c : `[${l}${u}]`;
}

/**
 * A redactor for the secrets of one request. With none it only cleans.
 * Removal repeats until nothing changes, so a form split by another is caught too.
 */
export function createRedactor(set: SecretSet): Redactor {
  const forms = new Set<string>();
  for (const s of set.secrets) if (s) for (const f of secretForms(s)) forms.add(f);
  for (const [id, s] of set.pairs ?? [])
    if (s) for (const f of pairForms(id ?? '', s)) forms.add(f);
  forms.delete('');
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  if (!sorted.length) return (text, max = MAX_SERVER_TEXT) => cleanText(text, max);
  const re = new RegExp(sorted.map(pattern).join('|'), 'g');
  const found = (text: string) => {
    re.lastIndex = 0;
    return re.test(text);
  };
  // The marker itself must not hold a form of a secret (a secret may be "redacted").
  const marker = MARKERS.find((m) => !found(m)) ?? '';
  const remove = (text: string) => {
    let out = text;
    for (let i = 0; i < 8 && found(out); i++) out = out.replace(re, marker);
    // Forms that keep reappearing around the marker: show nothing of the text.
    return found(out) ? marker : out;
  };
  // Removed before and after stripping: a control character may sit inside an echoed secret,
  // and a secret may itself hold one.
  return (text, max = MAX_SERVER_TEXT) => cleanText(remove(cleanText(remove(text), Infinity)), max);
}

/** Cleans without knowing any secret: for text from before any secret was sent. */
export const cleanOnly: Redactor = createRedactor({ secrets: [] });
