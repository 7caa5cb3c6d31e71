// The demo's mail inbox, on 127.0.0.1 only: an SMTP server that accepts every mail
// (no authentication, no TLS) and a web page listing what arrived.
//
//   GET  /            the inbox page, newest first
//   GET  /api/mails   the mails as JSON (tests read it)
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
 * Starts the SMTP server and the web page. Rejects with the listen error of the first
 * one that cannot listen (err.code 'EADDRINUSE', err.service 'smtp' or 'web'), having
 * closed the other.
 * @param {{smtpPort?: number, webPort?: number, host?: string}} [options]
 */
async function startMailInbox(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const mails = [];
  let nextId = 1;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    // Do not keep Ctrl-C waiting for an idle client to hang up.
    closeTimeout: 1000,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push({
            id: nextId++,
            receivedAt: new Date().toISOString(),
            from: addresses(mail.from).join(', ') || session.envelope.mailFrom?.address || '',
            to: addresses(mail.to).length
              ? addresses(mail.to)
              : session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
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
<span class="meta">to ${escapeHtml(m.to.join(', '))} · from ${escapeHtml(m.from || '(none)')} · ${escapeHtml(m.receivedAt)}</span></summary>
<pre>${escapeHtml(m.text)}</pre></details>`,
      )
      .join('\n');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo inbox (${mails.length})</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
details{border:1px solid #ccc;border-radius:4px;padding:.5em .8em;margin:.5em 0}
.meta{color:#666;margin-left:.5em}pre{white-space:pre-wrap}
</style></head><body>
<h1>Demo inbox</h1>
<p>Every mail sent to SMTP 127.0.0.1:${smtpPort} lands here, whatever the address. ${mails.length} mail(s).</p>
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
