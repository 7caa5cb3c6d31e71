/**
 * Every form a value may take when a server echoes it back: raw, percent- and
 * form-encoded (either case of hex digits, `+` or `%20`), JSON-escaped (plain and
 * ASCII-only), and base64 (standard and URL-safe, padded or not) of the value alone
 * and of `id:value` as HTTP Basic carries it. Written independently of the package's
 * redaction, so tests of it are not circular.
 */
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const wellFormed = (s: string) =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const uri = (s: string) => encodeURIComponent(wellFormed(s));
const form = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
const strictPercent = (s: string) =>
  uri(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const everyByte = (s: string) =>
  [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const json = (s: string) => JSON.stringify(s).slice(1, -1);
// As Python's json.dumps writes it by default (ensure_ascii), with upper-case hex digits.
const asciiJson = (s: string) =>
  json(s).replace(
    /[^\u0000-\u007f]/g, // eslint-disable-line no-control-regex
    (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
const base64Variants = (s: string) => {
  const std = b64(s);
  return [
    std,
    std.replace(/=+$/, ''),
    b64url(s),
    b64url(s) + '='.repeat((4 - (b64url(s).length % 4)) % 4),
  ];
};

export function encodings(secret: string, id: string): string[] {
  return [
    secret,
    uri(secret),
    lowerHex(uri(secret)),
    form(secret),
    form(secret).replace(/\+/g, '%20'),
    lowerHex(form(secret)),
    strictPercent(secret),
    everyByte(secret),
    json(secret),
    asciiJson(secret),
    json(secret).replace(/\//g, '\\/'),
    ...base64Variants(secret),
    ...base64Variants(`${id}:${secret}`),
    ...base64Variants(`${form(id)}:${form(secret)}`),
  ].filter((e) => e.length > 0);
}

/** Every form of every secret that occurs in `text`, for failure messages. */
export function leaks(text: string, secrets: readonly string[], id = ''): string[] {
  return secrets.flatMap((s) => encodings(s, id).filter((e) => text.includes(e)));
}
