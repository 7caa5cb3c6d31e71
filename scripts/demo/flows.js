// Builds the demo's flows from the files in examples/, so the demo and the examples
// users import cannot drift apart. Only what an example file cannot hold is added:
// the demo's credentials, expiry dates relative to today, a notify address, the
// actual ports when they were changed by environment variables, a tab, and the
// expiry check's list of auth objects: the demo's own. The example checks every auth
// object; in the demo that would mail the demo's owners about objects a user adds.
// Examples that need a real account (Microsoft 365) are left out; in their place comes
// one demo-only flow, mail-oauth.json: example 04's reminders mailed with an OAuth token
// (SMTP AUTH XOAUTH2), against the demo's servers. Its expiry check covers its own auth
// object only, and the examples' check does not cover it.
const fs = require('node:fs');
const path = require('node:path');
const { DEMO } = require('./auth-server');
const { SIGNIN_CLIENT } = require('./oidc');

const examplesDir = path.resolve(__dirname, '../../examples');
const MAIL_OAUTH_FILE = path.join(__dirname, 'mail-oauth.json');
/** The mailbox the demo's XOAUTH2 e-mail node logs in as, and sends from. */
const MAILBOX = 'reminders@demo.local';

// The addresses the example files use: the demo's default ports.
const DEFAULTS = {
  auth: 'http://127.0.0.1:8090',
  smtp: '127.0.0.1:1025',
  smtpPort: '1025',
  mail: 'http://127.0.0.1:1080',
};

const TAB_ID = 'a1e0c0de0000d000';
const GAP = 60; // vertical space between two examples on the tab

/** `YYYY-MM-DD` of the local date `days` after `today`: a date-only expiry. */
function localDate(today, days) {
  const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() + days);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** What each demo auth object gets, by grant: credentials and the owner's metadata. */
function demoObject(grantType, today) {
  if (grantType === 'authorization_code' || grantType === 'device_code') {
    // A person signs in from the editor: the public client needs no secret.
    return { credentials: { clientId: SIGNIN_CLIENT }, notify: 'app-owner@example.com' };
  }
  if (grantType === 'password') {
    return {
      credentials: { ...DEMO.app, ...DEMO.user },
      notify: 'app-owner@example.com',
      expiries: [
        {
          expiresAt: localDate(today, 20),
          appliesTo: ['password'],
          note: 'Change the password of demo-user at the identity provider, then here.',
        },
        {
          expiresAt: localDate(today, 90),
          appliesTo: ['clientSecret'],
          note: 'Create a new secret for demo-app before this date.',
        },
      ],
    };
  }
  return {
    credentials: { ...DEMO.service },
    notify: 'service-owner@example.com',
    expiries: [
      {
        expiresAt: localDate(today, 3),
        appliesTo: ['clientSecret'],
        note: 'Create a new secret in the app registration and paste it into this auth object.',
      },
    ],
  };
}

/** The demo-only mail flow's auth object: the demo's service client, one reminder due. */
function mailObject(today) {
  return {
    credentials: { ...DEMO.service },
    notify: 'mail-owner@example.com',
    expiries: [
      {
        expiresAt: localDate(today, 5),
        appliesTo: ['clientSecret'],
        note: 'Create a new secret for the mail app registration before this date.',
      },
    ],
  };
}

/** The demo-only flow: expiry reminders sent with an OAuth token (XOAUTH2). */
function readMailOAuthFlow() {
  return JSON.parse(fs.readFileSync(MAIL_OAUTH_FILE, 'utf8'));
}

/**
 * Whether an example runs against the demo's servers: every auth object's token URL and
 * every mail server is on 127.0.0.1. The others (Microsoft 365) need a real account and
 * are not deployed by the demo.
 */
function isLocal(nodes) {
  return nodes.every(
    (n) =>
      (n.type !== 'auth-object' || String(n.tokenUrl).startsWith(DEFAULTS.auth)) &&
      ((n.type !== 'e-mail' && n.type !== 'e-mail in') || n.server === '127.0.0.1'),
  );
}

/** The example files, in menu order, each as `{file, nodes}`. */
function readExamples() {
  return fs
    .readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      nodes: JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')),
    }));
}

/**
 * The flows `npm start` deploys on first start, ready for `POST /flows`.
 * @param {{authUrl: string, smtpPort: number, mailUrl: string, today?: Date}} where
 */
function demoFlows({ authUrl, smtpPort, mailUrl, today = new Date() }) {
  const swap = (s) =>
    s
      .split(DEFAULTS.auth)
      .join(authUrl)
      .split(DEFAULTS.mail)
      .join(mailUrl)
      .split(DEFAULTS.smtp)
      .join(`127.0.0.1:${smtpPort}`);
  const rewrite = (v) =>
    typeof v === 'string'
      ? swap(v)
      : Array.isArray(v)
        ? v.map(rewrite)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)]))
          : v;

  const tab = {
    id: TAB_ID,
    type: 'tab',
    label: 'auth-objects demo',
    disabled: false,
    info:
      'The example flows of node-red-contrib-auth-objects (Import → Examples), wired to the ' +
      `local demo servers: authorization server and API ${authUrl}, mail inbox ${mailUrl}. ` +
      'The expiry checks here check only these auth objects, not the ones you add; the ' +
      'expiry dashboard example shows them at /dashboard. ' +
      'The last flow, only in the demo, is example 04 on the demo servers: reminders mailed ' +
      'with an OAuth token (SMTP AUTH XOAUTH2).',
  };
  const examples = readExamples().filter(({ nodes }) => isLocal(nodes));
  const objectsOf = (nodes) => nodes.filter((n) => n.type === 'auth-object').map((n) => n.id);
  const demoObjects = objectsOf(examples.flatMap(({ nodes }) => nodes));
  const sources = [
    ...examples.map(({ nodes }) => ({ nodes, own: false })),
    { nodes: readMailOAuthFlow(), own: true },
  ];
  const flows = [tab];
  let top = 0;
  for (const { nodes, own } of sources) {
    const ys = nodes.filter((n) => typeof n.y === 'number').map((n) => n.y);
    const shift = top - Math.min(...ys) + 40;
    for (const original of nodes) {
      const n = rewrite(original);
      if (typeof n.y === 'number') n.y += shift;
      if (n.z === '' || n.z === undefined) {
        if (typeof n.x === 'number') n.z = TAB_ID;
        else delete n.z; // a config node
      }
      if (n.type === 'auth-object') {
        Object.assign(n, own ? mailObject(today) : demoObject(n.grantType, today));
      }
      if (n.type === 'auth-expiry-check') n.authObjects = own ? objectsOf(nodes) : [...demoObjects];
      if (n.type === 'e-mail') {
        if (n.port === DEFAULTS.smtpPort) n.port = String(smtpPort);
        n.credentials =
          n.authtype === 'XOAUTH2'
            ? // The mailbox XOAUTH2 logs in as (and the sender); the token comes with msg.
              { userid: MAILBOX }
            : // The sender shown in the inbox; without a login the demo inbox takes any.
              { userid: 'node-red@localhost', password: '' };
      }
      flows.push(n);
    }
    top = Math.max(...nodes.filter((n) => typeof n.y === 'number').map((n) => n.y + shift)) + GAP;
  }
  return flows;
}

module.exports = {
  demoFlows,
  readExamples,
  readMailOAuthFlow,
  isLocal,
  localDate,
  MAILBOX,
  TAB_ID,
};
