/**
 * A person signing in at oidc-provider's development pages, over plain HTTP with a cookie
 * jar instead of a browser: follows the authorization URL's redirects, fills the sign-in
 * page (any password) and the consent page, and stops at the redirect to the client's
 * redirect URI, which it returns (with `code` and `state`, or `error`). Every loop bounded.
 */
export async function signInOverHttp(
  authorizationUrl: string,
  user: string,
  options: { consent?: boolean } = {},
): Promise<string> {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      if (i > 0) jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const provider = new URL(authorizationUrl).origin;
  let url = authorizationUrl;
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: cookie(),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form?.toString(),
      signal: AbortSignal.timeout(10_000),
    });
    remember(res);
    form = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url).href;
      // Leaving the provider: that is the redirect to the client.
      if (new URL(next).origin !== provider) return next;
      url = next;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status} at ${url}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`no sign-in form at ${url}: ${html.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    if (prompt === 'login') {
      form = new URLSearchParams({ prompt, login: user, password: 'any password' });
    } else if (options.consent === false) {
      // The consent page's other form: abort.
      url = url.replace(/\/?$/, '/abort');
      form = undefined;
    } else {
      form = new URLSearchParams({ prompt });
    }
  }
  throw new Error('the sign-in took more than 20 steps');
}
