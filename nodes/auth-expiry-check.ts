import { Cron } from 'croner';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { ConfigError } from './core/errors';
import type { ExpiryDate } from './core/expiry';
import {
  cachedTranslator,
  composeReminder,
  overview,
  runCheck,
  selectDue,
  type CheckedObject,
  type Memory,
} from './core/expiry-report';
import { CHECK_NUMBERS, checkNumber } from './core/rules';
import { formatLocal, formatTime } from './core/time';
import { authObjects, codedError } from './runtime-support';

interface ExpiryCheckDef extends NodeDef {
  authObjects?: unknown;
  warnDays?: unknown;
  criticalDays?: unknown;
  schedule?: unknown;
  timezone?: unknown;
  checkOnDeploy?: unknown;
  remindEvery?: unknown;
}

const MEMORY_KEY = 'reported';
const NUMBER_FIELDS = ['warnDays', 'criticalDays', 'remindEvery'] as const;

/** Whether this runtime knows the IANA time zone. */
function knownTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * `obj[key]` as an ordinary, enumerable property whose value `make` computes on the first
 * read (JSON, a clone, a change node's path all read it); assigning or deleting it works as
 * on any property.
 */
function lazyProperty(obj: object, key: string, make: () => unknown): void {
  const settle = (value: unknown) =>
    Object.defineProperty(obj, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = make();
      settle(value);
      return value;
    },
    set: settle,
  });
}

export = function (RED: NodeAPI) {
  const t = (key: string, params: Record<string, string | number> = {}) =>
    RED._(`auth-expiry-check.${key}`, params);
  /** `t`, or `fallback` (the core's words, a setting's name) where no catalogue is loaded. */
  const tf = (key: string, params: Record<string, string | number>, fallback: string) => {
    const text = t(key, params);
    return text && text !== `auth-expiry-check.${key}` ? text : fallback;
  };
  /** The label of a setting, as the node's form shows it. */
  const label = (field: string) => tf(`label.${field}`, {}, field);
  /** The words for a setting that is not valid, naming it. */
  const describe = (err: ConfigError) =>
    tf(`errors.${err.key}`, { ...err.params, field: label(err.field) }, err.message);

  function ExpiryCheck(this: Node, config: ExpiryCheckDef) {
    RED.nodes.createNode(this, config);
    const ids = Array.isArray(config.authObjects)
      ? config.authObjects.filter((x): x is string => typeof x === 'string' && x !== '')
      : [];
    const numbers: Partial<Record<(typeof NUMBER_FIELDS)[number], number>> = {};
    const schedule = typeof config.schedule === 'string' ? config.schedule.trim() : '';
    const timezone = typeof config.timezone === 'string' ? config.timezone.trim() : '';

    /**
     * A threshold that is not valid stops every check: reminders judged by a guessed
     * threshold would be wrong without anyone noticing. Each check fails with the error.
     */
    let configError: (Error & { code: string }) | undefined;
    for (const field of NUMBER_FIELDS) {
      const rule = CHECK_NUMBERS[field];
      const n = checkNumber(config[field], rule);
      if (n !== undefined) {
        numbers[field] = n;
        continue;
      }
      const err = new ConfigError(
        field,
        'number',
        `${field} must be a number from ${rule.min} to ${rule.max}`,
        { min: rule.min, max: rule.max },
      );
      configError = codedError(describe(err), err.code);
      this.error(configError.message);
      this.status({
        fill: 'red',
        shape: 'ring',
        text: t('status.invalid', { field: label(field) }),
      });
      break;
    }

    /**
     * A schedule that is not valid only turns the schedule off: checks on input (an inject,
     * a button) and on deploy still run, with a ring on the status as a reminder.
     */
    let scheduleOff: string | undefined;
    const refuseSchedule = (err: ConfigError) => {
      this.error(describe(err));
      const field = label(err.field);
      scheduleOff = t('status.scheduleOff', { field });
      this.status({
        fill: 'red',
        shape: 'ring',
        text: t('status.invalidSchedule', { field }),
      });
    };

    const objects = (): CheckedObject[] => authObjects(RED, ids).map((o) => o.expiryInfo());

    const check = (trigger?: NodeMessage) => {
      if (configError) throw configError;
      const now = Date.now();
      const checked = objects();
      const result = runCheck(checked, now, {
        warnDays: numbers.warnDays!,
        criticalDays: numbers.criticalDays!,
      });
      for (const bad of result.invalid) {
        this.warn(
          t('errors.invalidDate', {
            name: bad.object.name,
            value: String(bad.raw),
            reason: bad.reason,
          }),
        );
      }
      const ctx = this.context();
      const remembered = (ctx.get(MEMORY_KEY) as Memory | undefined) ?? {};
      const { due, memory } = selectDue(
        result.findings,
        remembered,
        now,
        numbers.remindEvery! * 3_600_000,
        new Set(checked.map((o) => o.id)),
      );
      ctx.set(MEMORY_KEY, memory);

      const words = cachedTranslator(t);
      const dateText = (d: ExpiryDate) => (d.dateOnly ? d.raw : formatLocal(d.at));
      const reminders = due.map((f) => {
        const text = composeReminder(f, words, dateText);
        const msg: NodeMessage & Record<string, unknown> = { ...text, expiry: f.item };
        if (f.object.notify) msg.to = f.object.notify;
        return msg;
      });
      const summary = trigger ?? ({} as NodeMessage);
      summary.payload = result.findings.map((f) => f.item);
      // The same items shaped for a dashboard (rows, counts, weeks), so a dashboard needs no
      // function node. Made when first read: for thousands of items it costs about what the
      // check itself does, and most summaries go to a debug node that never reads it.
      const findings = result.findings;
      lazyProperty(summary, 'overview', () => overview(findings, now, words, dateText));
      this.status(checkedStatus(now, due.length, result.counts));
      return { reminders, summary };
    };

    /** After every check: when, what it sent, what needs attention; a second check shows its own time. */
    const checkedStatus = (now: number, sent: number, c: Record<string, number>) => {
      const attention = (['expired', 'critical', 'warning'] as const)
        .filter((s) => c[s])
        .map((s) => t(`status.${s}`, { count: c[s]! }));
      const parts = [t('status.checked', { time: formatTime(now) })];
      if (attention.length === 0) parts.push(t('status.allOk'));
      else {
        parts.push(
          sent === 0
            ? t('status.nothingNew')
            : sent === 1
              ? t('status.sentOne')
              : t('status.sentMany', { count: sent }),
          attention.join(', '),
        );
      }
      if (scheduleOff) parts.push(scheduleOff);
      return {
        fill: c.expired ? 'red' : c.critical || c.warning ? 'yellow' : 'green',
        shape: scheduleOff ? 'ring' : 'dot',
        text: parts.join(' · '),
      } as const;
    };

    const run = (trigger?: NodeMessage) => {
      const { reminders, summary } = check(trigger);
      for (const r of reminders) this.send([r, null]);
      this.send([null, summary]);
    };

    this.on('input', (msg, send, done) => {
      try {
        const { reminders, summary } = check(msg);
        for (const r of reminders) send([r, null]);
        send([null, summary]);
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    // A scheduled check has no message to answer to: report failures on the node.
    const scheduled = () => {
      try {
        run();
      } catch (err) {
        this.error(err as Error);
      }
    };
    let job: Cron | undefined;
    if (!configError && schedule) {
      if (timezone && !knownTimezone(timezone)) {
        refuseSchedule(
          new ConfigError(
            'timezone',
            'timezone',
            `timezone "${timezone}" is not a known time zone`,
          ),
        );
      } else {
        try {
          job = new Cron(schedule, timezone ? { timezone } : {}, scheduled);
          this.status({
            text: t('status.next', { time: formatLocal(job.nextRun()?.getTime() ?? 0) }),
          });
        } catch (err) {
          job?.stop();
          job = undefined;
          const detail = err instanceof Error ? err.message : String(err);
          refuseSchedule(
            new ConfigError(
              'schedule',
              'schedule',
              `schedule is not a valid cron expression (${detail})`,
              { detail },
            ),
          );
        }
      }
    }
    let deployTimer: NodeJS.Timeout | undefined;
    if (!configError && (config.checkOnDeploy === true || config.checkOnDeploy === 'true')) {
      // After every node of the deploy has started, so all auth-objects exist.
      deployTimer = setTimeout(scheduled, 0);
    }

    this.on('close', () => {
      job?.stop();
      if (deployTimer) clearTimeout(deployTimer);
    });
  }

  RED.nodes.registerType('auth-expiry-check', ExpiryCheck);
};
