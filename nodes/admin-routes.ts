/**
 * The package's admin HTTP routes, behind the editor's permissions:
 * - POST /auth-objects/test      (auth-object.write) one token request with the form's values
 * - GET  /auth-objects/expiries  (auth-object.read)  every deployed object's expiries, sorted
 * Neither returns nor logs a secret or a token.
 */
import type { Request, Response } from 'express';
import type { NodeAPI } from 'node-red';
import type { AuthObjectNode } from './auth-object-api';
import { validateSettings, type Credentials, type RawSettings } from './core/config';
import { ConfigError } from './core/errors';
import { runCheck } from './core/expiry-report';
import { clientCertNotAfter } from './core/certificate';
import { createTransport } from './core/http';
import { probeToken } from './core/probe';
import { endpointLabel, type Support } from './runtime-support';

/** Node-RED sends this in place of a password field the user did not change. */
const UNCHANGED = '__PWRD__';
const SETTINGS: (keyof RawSettings)[] = [
  'grantType',
  'tokenUrl',
  'allowInsecureHttp',
  'refreshTokenUrl',
  'scope',
  'clientAuth',
  'extraParams',
  'timeout',
  'refreshBefore',
  'cooldown',
  'assertionAlg',
  'keyId',
  'issuer',
];
const CREDENTIALS: (keyof Credentials)[] = [
  'clientId',
  'clientSecret',
  'username',
  'password',
  'privateKey',
];
const MAX_BODY_CHARS = 64 * 1024;

/** At most `limit` tests per `windowMs`, overall and per token endpoint host. */
export class RateLimit {
  private readonly hits = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds to wait, or 0 after recording the hit. */
  take(keys: string[], now = Date.now()): number {
    let wait = 0;
    for (const key of keys) {
      const list = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
      this.hits.set(key, list);
      if (list.length >= this.limit) wait = Math.max(wait, list[0]! + this.windowMs - now);
    }
    if (wait > 0) return wait;
    for (const key of keys) this.hits.get(key)!.push(now);
    return 0;
  }
}

const ENV_FIELD = /^\$\{(\S+)\}$/;
/** A field whose whole value is `${NAME}`, as Node-RED substitutes it at deploy. */
function env(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const m = ENV_FIELD.exec(value);
  return m && process.env[m[1]!] !== undefined ? process.env[m[1]!] : value;
}

export function registerAdminRoutes(RED: NodeAPI, support: Support): void {
  const limiter = new RateLimit(5, 60_000);
  const global = new RateLimit(20, 60_000);

  RED.httpAdmin.post(
    '/auth-objects/test',
    RED.auth.needsPermission('auth-object.write'),
    async (req: Request, res: Response) => {
      const body: unknown = req.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        res.status(400).json({ ok: false, code: 'BAD_REQUEST', message: 'expected a JSON object' });
        return;
      }
      if (JSON.stringify(body).length > MAX_BODY_CHARS) {
        res.status(413).json({ ok: false, code: 'BAD_REQUEST', message: 'request too large' });
        return;
      }
      const b = body as Record<string, unknown>;
      const id = typeof b.id === 'string' ? b.id : '';
      const raw: RawSettings = {};
      for (const k of SETTINGS) raw[k] = env(b[k]);
      const given = (
        b.credentials && typeof b.credentials === 'object' ? b.credentials : {}
      ) as Record<string, unknown>;
      const stored = (id && (RED.nodes.getCredentials(id) as Credentials | undefined)) || {};
      const creds: Credentials = {};
      for (const k of CREDENTIALS) {
        const v = given[k];
        // Unchanged secret fields use what the deployed node has.
        if (v === UNCHANGED || v === undefined) creds[k] = stored[k];
        else if (typeof v === 'string') creds[k] = env(v) as string;
      }
      try {
        const transportOptions = support.transportOptions(b);
        const settings = validateSettings(raw, creds, {
          clientCertNotAfter: clientCertNotAfter(transportOptions.tls),
        });
        const host = settings.tokenUrl.host;
        const wait = global.take(['*']) || limiter.take([host]);
        if (wait > 0) {
          res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
          res.status(429).json({
            ok: false,
            code: 'RATE_LIMITED',
            message: support.t(
              'test.rateLimited',
              { seconds: Math.ceil(wait / 1000) },
              'too many tests; try again shortly',
            ),
          });
          return;
        }
        const transport = createTransport(transportOptions);
        const result = await probeToken(settings, transport);
        if (result.ok) res.json(result);
        else
          res.json({ ok: false, code: result.error.code, message: support.describe(result.error) });
      } catch (err) {
        if (!(err instanceof ConfigError)) {
          res.status(500).json({ ok: false, code: 'EUNKNOWN', message: 'test failed' });
          return;
        }
        res.json({ ok: false, code: err.code, field: err.field, message: support.describe(err) });
      }
    },
  );

  RED.httpAdmin.get(
    '/auth-objects/expiries',
    RED.auth.needsPermission('auth-object.read'),
    (_req: Request, res: Response) => {
      const objects: { id: string; name: string; endpoint: string }[] = [];
      const infos = [];
      const ids: string[] = [];
      RED.nodes.eachNode((n) => {
        if (n.type === 'auth-object') ids.push(n.id);
      });
      for (const id of ids) {
        const live = RED.nodes.getNode(id) as AuthObjectNode | null;
        if (!live || typeof live.expiryInfo !== 'function') continue;
        const info = live.expiryInfo();
        infos.push(info);
        objects.push({
          id: info.id,
          name: info.name,
          endpoint: info.endpoint ?? endpointLabel({}),
        });
      }
      const result = runCheck(infos, Date.now(), { warnDays: 30, criticalDays: 7 });
      res.json({
        objects,
        items: result.findings.map((f) => ({ ...f.item, dateOnly: f.detail.dateOnly })),
        invalid: result.invalid.map((i) => ({
          authObject: { id: i.object.id, name: i.object.name },
          appliesTo: i.appliesTo,
          expiresAt: String(i.raw ?? ''),
          reason: i.reason,
        })),
      });
    },
  );
}
