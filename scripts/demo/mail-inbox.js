// The demo's mail inbox, on 127.0.0.1 only: an SMTP server that accepts every mail
// (no TLS) and a web page listing what arrived. Logging in is optional: mail without a
// login is taken as before. With the `xoauth2` option it also offers SMTP AUTH XOAUTH2
// (as Gmail and Microsoft 365 do) and takes a login whose access token `xoauth2`
// accepts; the page shows per mail whether it came with such a login, and as whom.
//
//   GET  /            the inbox page, newest first
//   GET  /api/mails   the mails as JSON (tests read it): per mail `auth` (null without a
//                     login) and `raw`, the message as it came over the wire
//   POST /clear       empties the inbox
const http = require('node:http');
const { Buffer } = require('node:buffer');
const { SMTPServer } = require('smtp-server');
const { simpleParser } = require('mailparser');

const KEEP = 200;

function escapeHtml(s) {
  return String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

function addresses(field) {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.map((v) => v.address ?? v.name ?? ''));
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The SMTP server's login settings: none, or XOAUTH2 (optional) checked by `check`.
 * A refused token gets the XOAUTH2 error challenge, then 535, as real servers answer.
 */
function loginOptions(check) {
  if (!check) return { authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] };
  return {
    authOptional: true,
    authMethods: ['XOAUTH2'],
    // 127.0.0.1 only, and the demo has no certificate: allow a login without TLS.
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, callback) {
      let info;
      try {
        info =
          auth.method === 'XOAUTH2'
            ? check(auth.username ?? '', auth.accessToken ?? '')
            : undefined;
      } catch {
        info = undefined;
      }
      if (info) {
        callback(null, { user: { ...info, method: 'XOAUTH2', user: auth.username } });
      } else callback(null, { data: { status: '401', schemes: 'bearer' } });
    },
  };
}

/** What a mail's page entry says about its login. */
function loginText(auth) {
  if (!auth) return 'no login';
  const token = [
    auth.clientId && `client ${auth.clientId}`,
    auth.scope && `scope ${auth.scope}`,
    auth.tokenId && `token id ${auth.tokenId}`,
  ]
    .filter(Boolean)
    .join(', ');
  return `${auth.method} as ${auth.user}${token ? ` (access token of ${token})` : ''}`;
}

/**
 * Starts the SMTP server and the web page. Rejects with the listen error of the first
 * one that cannot listen (err.code 'EADDRINUSE', err.service 'smtp' or 'web'), having
 * closed the other.
 * `xoauth2(user, accessToken)` returns what to record of a valid token (e.g. `{clientId,
 * scope, tokenId}`, never the token) or undefined to refuse the login.
 * @param {{smtpPort?: number, webPort?: number, host?: string,
 *   xoauth2?: (user: string, accessToken: string) => object | undefined}} [options]
 */
async function startMailInbox(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const mails = [];
  let nextId = 1;

  const smtp = new SMTPServer({
    ...loginOptions(options.xoauth2),
    logger: false,
    size: 10 * 1024 * 1024,
    // Do not keep Ctrl-C waiting for an idle client to hang up.
    closeTimeout: 1000,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      simpleParser(stream)
        .then((mail) => {
          const auth = session.user
            ? {
                method: session.user.method,
                user: session.user.user,
                clientId: session.user.clientId,
                scope: session.user.scope,
                tokenId: session.user.tokenId,
              }
            : null;
          mails.push({
            id: nextId++,
            receivedAt: new Date().toISOString(),
            from: addresses(mail.from).join(', ') || session.envelope.mailFrom?.address || '',
            to: addresses(mail.to).length
              ? addresses(mail.to)
              : session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            auth,
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          if (mails.length > KEEP) mails.splice(0, mails.length - KEEP);
          callback();
        })
        .catch(callback);
    },
  });
  // Errors of single SMTP connections must not end the demo.
  smtp.on('error', () => {});

  function send(res, status, type, body, headers = {}) {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      ...headers,
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  }

  function page() {
    const items = mails
      .slice()
      .reverse()
      .map(
        (m) => `<details><summary><b>${escapeHtml(m.subject || '(no subject)')}</b>
<span class="meta">to ${escapeHtml(m.to.join(', '))} · from ${escapeHtml(m.from || '(none)')} · ${escapeHtml(m.receivedAt)}</span>
<span class="${m.auth ? 'login' : 'meta'}">· ${escapeHtml(loginText(m.auth))}</span></summary>
<pre>${escapeHtml(m.text)}</pre></details>`,
      )
      .join('\n');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo inbox (${mails.length})</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
details{border:1px solid #ccc;border-radius:4px;padding:.5em .8em;margin:.5em 0}
.meta{color:#666;margin-left:.5em}pre{white-space:pre-wrap}
.login{color:#070;margin-left:.5em}
</style></head><body>
<h1>Demo inbox</h1>
<p>Every mail sent to SMTP 127.0.0.1:${smtpPort} lands here, whatever the address. ${mails.length} mail(s).
${options.xoauth2 ? 'Logging in is optional; SMTP AUTH XOAUTH2 with an access token from the demo authorization server is checked, and each mail says how it came in.' : ''}</p>
<form method="post" action="/clear"><button>Clear</button></form>
${items || '<p><i>No mail yet.</i></p>'}
<script>
// Reload when a new mail arrives; open mails stay open until then.
var seen = ${mails.length ? mails[mails.length - 1].id : 0};
setInterval(function () {
  fetch('/api/mails').then(function (r) { return r.json(); }).then(function (list) {
    var last = list.length ? list[list.length - 1].id : 0;
    if (last !== seen) location.reload();
  }).catch(function () {});
}, 3000);
</script>
</body></html>
`;
  }

  const web = http.createServer((req, res) => {
    req.resume();
    const route = `${req.method} ${new URL(req.url ?? '/', 'http://127.0.0.1').pathname}`;
    if (route === 'GET /') send(res, 200, 'text/html; charset=utf-8', page());
    else if (route === 'GET /api/mails') {
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(mails));
    } else if (route === 'POST /clear') {
      mails.length = 0;
      send(res, 303, 'text/plain', 'cleared', { location: '/' });
    } else send(res, 404, 'text/plain', 'not found');
  });

  try {
    await listen(smtp.server, options.smtpPort ?? 1025, host);
  } catch (err) {
    err.service = 'smtp';
    throw err;
  }
  const smtpPort = smtp.server.address().port;
  try {
    await listen(web, options.webPort ?? 1080, host);
  } catch (err) {
    await new Promise((resolve) => smtp.close(resolve));
    err.service = 'web';
    throw err;
  }
  const webPort = web.address().port;

  return {
    url: `http://${host}:${webPort}`,
    smtpPort,
    webPort,
    mails,
    async close() {
      await Promise.all([
        new Promise((resolve) => {
          web.close(() => resolve());
          web.closeAllConnections();
        }),
        new Promise((resolve) => smtp.close(() => resolve())),
      ]);
    },
  };
}

module.exports = { startMailInbox };
