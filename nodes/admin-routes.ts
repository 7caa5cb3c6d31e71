/**
 * The package's admin HTTP routes, behind the editor's permissions:
 * - POST /auth-objects/test      (auth-object.write) one token request with the form's values
 * - GET  /auth-objects/expiries  (auth-object.read)  every deployed object's expiries, sorted,
 *                                                     and its token's state (never the token)
 * Neither returns nor logs a secret or a token. Test connection is reachable by users who
 * may not read the stored secrets: see core/test-form.ts for when it may use them.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Request, Response } from 'express';
import type { NodeAPI, NodeDef } from 'node-red';
import { exceeds } from './core/bounded';
import {
  validateObject,
  type Credentials,
  type ObjectSettings,
  type Settings,
} from './core/config';
import { AuthError, CODES, ConfigError } from './core/errors';
import { runCheck } from './core/expiry-report';
import { tokenView } from './core/token-view';
import { clientCertNotAfter } from './core/certificate';
import { createTransport } from './core/http';
import { probeDelegated, probeStatic, probeToken } from './core/probe';
import { RateLimiter, type Budget } from './core/rate-limit';
import {
  FORM_SETTINGS,
  resolveTestForm,
  type DeployedObject,
  type FormValues,
} from './core/test-form';
import { THRESHOLDS, endpointLabel, isDelegatedGrant } from './core/rules';
import { authObjects, type Support } from './runtime-support';
import type { AuthObjectNode } from './auth-object-api';

/** A Test connection form is a few KB: anything deeper or larger is not one. */
const BODY_BOUNDS = { maxDepth: 6, maxValues: 2000, maxChars: 64 * 1024 };
/** Longest a test may wait for the server, whatever the form's timeout says. */
const MAX_TEST_TIMEOUT_MS = 30_000;
const MINUTE = 60_000;

/**
 * Budgets of Test connection. Tests the token server refuses (a wrong secret) are the
 * scarce ones: servers lock accounts after a few. Each user has a budget of their own
 * inside the overall one, so one user cannot use up another's.
 */
export const TEST_LIMITS = {
  /** Tests per user, any server (discovery requests included). */
  user: { limit: 20, windowMs: MINUTE },
  /** Tests of all users together. */
  all: { limit: 60, windowMs: MINUTE },
  /** Tests of all users against one token endpoint (resolved address and port). */
  endpoint: { limit: 30, windowMs: MINUTE },
  /** Refused tests per user against one token endpoint. */
  refusedUser: { limit: 5, windowMs: 15 * MINUTE },
  /** Refused tests of all users against one token endpoint. */
  refused: { limit: 10, windowMs: 15 * MINUTE },
} as const;

type LimitName = keyof typeof TEST_LIMITS;

const budget = (name: LimitName, who: string): Budget => ({
  name,
  key: `${name} ${who}`,
  ...TEST_LIMITS[name],
});

/**
 * Where a token request really goes: the resolved address and port, so host names,
 * issuers and spellings of one server share its budget. Undecidable (a proxy resolves
 * it, or DNS fails) falls back to the host name.
 */
async function endpointKey(url: URL): Promise<string> {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host)) return `${host}:${port}`;
  try {
    const timeout = new Promise<never>((_r, reject) => setTimeout(reject, 3000).unref());
    const { address } = await Promise.race([lookup(host), timeout]);
    return `${address}:${port}`;
  } catch {
    return `${host}:${port}`;
  }
}

/** A refusal by the token server: the kind of failure that counts towards a lock-out. */
const refused = (e: AuthError) => !e.transient && (e.kind === 'oauth' || e.kind === 'http');

interface TestAnswer {
  status: number;
  body: Record<string, unknown>;
  retryAfter?: number;
}

export function registerAdminRoutes(RED: NodeAPI, support: Support): void {
  const limiter = new RateLimiter();
  const t = support.t;

  /** The deployed auth-object with this id, or undefined: no other node's credentials. */
  function deployedObject(id: unknown): DeployedObject | undefined {
    if (typeof id !== 'string' || !id) return undefined;
    const live = authObjects(RED, [id])[0];
    if (!live || typeof live.deployedConfig !== 'function') return undefined;
    let raw: NodeDef | undefined;
    RED.nodes.eachNode((n) => {
      if (n.id === id && n.type === 'auth-object') raw = n;
    });
    if (!raw) return undefined;
    return {
      raw: raw as FormValues,
      resolved: live.deployedConfig() as FormValues,
      rawCredentials: (RED.nodes.getCredentials(id) ?? {}) as Credentials,
      resolvedCredentials: (live.credentials ?? {}) as Credentials,
    };
  }

  function limited(b: Budget, waitMs: number): TestAnswer {
    const seconds = Math.ceil(waitMs / 1000);
    return {
      status: 429,
      retryAfter: seconds,
      body: {
        ok: false,
        code: CODES.RATE_LIMITED,
        limit: b.name,
        message: t(
          `test.limit.${b.name}`,
          { seconds, limit: b.limit, minutes: Math.round(b.windowMs / MINUTE) },
          `too many tests (${b.name}); try again in ${seconds} s`,
        ),
      },
    };
  }

  async function test(body: unknown, user: string): Promise<TestAnswer> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return {
        status: 400,
        body: { ok: false, code: CODES.BAD_REQUEST, message: 'expected a JSON object' },
      };
    }
    const excess = exceeds(body, BODY_BOUNDS);
    if (excess) {
      return {
        status: 413,
        body: {
          ok: false,
          code: CODES.BAD_REQUEST,
          message: excess === 'depth' ? 'request nested too deep' : 'request too large',
        },
      };
    }
    const b = body as Record<string, unknown>;
    const form: FormValues = {};
    for (const k of FORM_SETTINGS) form[k] = b[k];
    const sentCreds =
      b.credentials && typeof b.credentials === 'object' && !Array.isArray(b.credentials)
        ? (b.credentials as Record<string, unknown>)
        : {};
    const resolution = resolveTestForm(form, sentCreds, deployedObject(b.id));
    if (!resolution.ok) {
      const message =
        resolution.code === CODES.SECRET_REQUIRED
          ? t(
              resolution.changed.length ? 'test.secretRequired' : 'test.secretRequiredNew',
              {
                fields: resolution.fields.map((f) => t(`label.${f}`, {}, f)).join(', '),
                changed: resolution.changed.map((f) => t(`label.${f}`, {}, f)).join(', '),
              },
              'type the secret again',
            )
          : t(
              'test.envUnresolved',
              { field: t(`label.${resolution.field}`, {}, resolution.field) },
              'deploy first: ${NAME} is resolved only as deployed',
            );
      const { ok, code, ...rest } = resolution;
      return { status: 200, body: { ok, code, ...rest, message } };
    }

    const own = limiter.reserve([budget('user', user), budget('all', '*')]);
    if (!own.ok) return limited(own.budget, own.waitMs);
    let transport;
    let validated: ObjectSettings;
    try {
      const transportOptions = support.transportOptions(resolution.settings);
      validated = validateObject(resolution.settings, resolution.credentials, {
        clientCertNotAfter: clientCertNotAfter(transportOptions.tls),
      });
      const timeoutMs = Math.min(validated.settings.timeoutMs, MAX_TEST_TIMEOUT_MS);
      validated.settings = { ...validated.settings, timeoutMs } as typeof validated.settings;
      transport = createTransport(transportOptions);
    } catch (err) {
      own.release();
      if (!(err instanceof ConfigError)) throw err;
      return {
        status: 200,
        body: { ok: false, code: err.code, field: err.field, message: support.describe(err) },
      };
    }

    let turnedAway: TestAnswer | undefined;
    let refusedSlot: (() => void) | undefined;
    // The same budgets for a token endpoint and a static kind's test URL.
    const admit = async (endpoint: URL) => {
      const key = await endpointKey(endpoint);
      const any = limiter.reserve([budget('endpoint', key)]);
      if (!any.ok) {
        turnedAway = limited(any.budget, any.waitMs);
        return false;
      }
      const scarce = limiter.reserve([
        budget('refusedUser', `${user} ${key}`),
        budget('refused', key),
      ]);
      if (!scarce.ok) {
        any.release();
        turnedAway = limited(scarce.budget, scarce.waitMs);
        return false;
      }
      refusedSlot = scarce.release;
      return true;
    };
    if (validated.kind === 'static') {
      const r = await probeStatic(validated.settings, transport, admit);
      if (!r.ok && 'turnedAway' in r) {
        own.release();
        return turnedAway!;
      }
      // 401 and 403 are the refusals that count towards a lock-out, as invalid_client does.
      const refusal = !r.ok && 'status' in r && (r.status === 401 || r.status === 403);
      if (!refusal) refusedSlot?.();
      if ('static' in r) {
        if (r.ok) {
          const { status } = r;
          return { status: 200, body: { ok: true, static: true, ...(status ? { status } : {}) } };
        }
        const { status } = r;
        const redirect = status >= 300 && status < 400;
        return {
          status: 200,
          body: {
            ok: false,
            static: true,
            status,
            code: `HTTP_${status}`,
            message: t(
              redirect ? 'test.staticRedirect' : 'test.staticRefused',
              { status },
              `the test URL answered HTTP ${status}`,
            ),
          },
        };
      }
      return {
        status: 200,
        body: { ok: false, code: r.error.code, message: support.describe(r.error) },
      };
    }
    if (isDelegatedGrant((validated.settings as Settings).grantType)) {
      const d = await probeDelegated(validated.settings as Settings, transport);
      if (!d.ok) {
        return {
          status: 200,
          body: { ok: false, code: d.error.code, message: support.describe(d.error) },
        };
      }
      return {
        status: 200,
        body: {
          ...d,
          message: t(
            'test.delegated',
            {},
            'Test connection does not sign in: deploy, then press Sign in.',
          ),
        },
      };
    }
    const result = await probeToken(validated.settings as Settings, transport, admit);
    if (!result.ok && !result.error) {
      own.release();
      return turnedAway!;
    }
    // Only a refusal keeps its slot in the refused budgets.
    if (result.ok || !refused(result.error)) refusedSlot?.();
    const warning = result.clientAuth ? support.clientAuthWarning(result.clientAuth) : undefined;
    if (result.ok) {
      const answer: Record<string, unknown> = { ...result };
      delete answer.clientAuth;
      return { status: 200, body: { ...answer, ...(warning ? { warning } : {}) } };
    }
    return {
      status: 200,
      body: {
        ok: false,
        code: result.error.code,
        message: support.describe(result.error),
        ...(warning ? { warning } : {}),
      },
    };
  }

  RED.httpAdmin.post(
    '/auth-objects/test',
    RED.auth.needsPermission('auth-object.write'),
    (req: Request, res: Response) => {
      const user = (req as Request & { user?: { username?: unknown } }).user?.username;
      // The editor sends JSON; a form-encoded or text body is not a test.
      const json = req.is('application/json') ? req.body : undefined;
      test(json, typeof user === 'string' ? user : '')
        .then((a) => {
          if (a.retryAfter) res.setHeader('Retry-After', String(a.retryAfter));
          res.status(a.status).json(a.body);
        })
        .catch(() => {
          if (!res.headersSent) {
            res.status(500).json({
              ok: false,
              code: CODES.EUNKNOWN,
              message: t('errors.unknown', {}, 'test failed'),
            });
          }
        });
    },
  );

  RED.httpAdmin.get(
    '/auth-objects/expiries',
    RED.auth.needsPermission('auth-object.read'),
    (_req: Request, res: Response) => {
      try {
        res.json(expiries());
      } catch {
        res.status(500).json({ code: CODES.EUNKNOWN });
      }
    },
  );

  function signInOf(o: AuthObjectNode) {
    const h = typeof o.signIn === 'function' ? o.signIn() : undefined;
    if (!h) return undefined;
    const { state, who, at, refreshExpiresAt } = h.view();
    return {
      state,
      ...(who ? { who } : {}),
      ...(at ? { at } : {}),
      ...(refreshExpiresAt ? { refreshExpiresAt } : {}),
    };
  }

  function expiries() {
    const live = authObjects(RED);
    const infos = live.map((o) => o.expiryInfo());
    const objects = live.map((o, i) => ({
      id: infos[i]!.id,
      name: infos[i]!.name,
      endpoint: infos[i]!.endpoint ?? endpointLabel({}),
      // State and times only: the sidebar shows "idle" rather than a stale "valid until".
      token: tokenView(o.tokenState()),
      // A delegated object's sign-in: who, when, until when; never a token.
      ...(signInOf(o) ? { signIn: signInOf(o) } : {}),
    }));
    const result = runCheck(infos, Date.now(), THRESHOLDS);
    return {
      objects,
      items: result.findings.map((f) => ({ ...f.item, dateOnly: f.detail.dateOnly })),
      invalid: result.invalid.map((i) => ({
        authObject: { id: i.object.id, name: i.object.name },
        appliesTo: i.appliesTo,
        expiresAt: String(i.raw ?? ''),
        reason: i.reason,
      })),
    };
  }
}
