import { Cron } from 'croner';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { AuthObjectNode } from './auth-object-api';
import {
  cachedTranslator,
  composeReminder,
  runCheck,
  selectDue,
  type CheckedObject,
  type Memory,
} from './core/expiry-report';
import { CHECK_NUMBERS, checkNumber } from './core/rules';
import { formatLocal } from './core/time';

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

export = function (RED: NodeAPI) {
  const t = (key: string, params: Record<string, string | number> = {}) =>
    RED._(`auth-expiry-check.${key}`, params);

  function ExpiryCheck(this: Node, config: ExpiryCheckDef) {
    RED.nodes.createNode(this, config);
    const ids = Array.isArray(config.authObjects)
      ? config.authObjects.filter((x): x is string => typeof x === 'string' && x !== '')
      : [];
    const warnDays = checkNumber(config.warnDays, CHECK_NUMBERS.warnDays);
    const criticalDays = checkNumber(config.criticalDays, CHECK_NUMBERS.criticalDays);
    const remindEvery = checkNumber(config.remindEvery, CHECK_NUMBERS.remindEvery);
    const schedule = typeof config.schedule === 'string' ? config.schedule.trim() : '';
    const timezone = typeof config.timezone === 'string' ? config.timezone.trim() : '';

    let configError: string | undefined;
    if (warnDays === undefined) configError = t('errors.number', { field: 'warnDays' });
    else if (criticalDays === undefined)
      configError = t('errors.number', { field: 'criticalDays' });
    else if (remindEvery === undefined) configError = t('errors.number', { field: 'remindEvery' });

    if (configError) {
      this.error(configError);
      this.status({ fill: 'red', shape: 'ring', text: t('status.config') });
    }

    const objects = (): CheckedObject[] => {
      let list = ids;
      if (list.length === 0) {
        list = [];
        RED.nodes.eachNode((n) => {
          if (n.type === 'auth-object') list.push(n.id);
        });
      }
      const out: CheckedObject[] = [];
      for (const id of list) {
        const live = RED.nodes.getNode(id) as AuthObjectNode | null;
        if (live && typeof live.expiryInfo === 'function') out.push(live.expiryInfo());
      }
      return out;
    };

    const check = (trigger?: NodeMessage) => {
      if (configError) throw new Error(configError);
      const now = Date.now();
      const checked = objects();
      const result = runCheck(checked, now, {
        warnDays: warnDays!,
        criticalDays: criticalDays!,
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
        remindEvery! * 3_600_000,
        new Set(checked.map((o) => o.id)),
      );
      ctx.set(MEMORY_KEY, memory);

      const words = cachedTranslator(t);
      const reminders = due.map((f) => {
        const text = composeReminder(f, words, (d) => (d.dateOnly ? d.raw : formatLocal(d.at)));
        const msg: NodeMessage & Record<string, unknown> = { ...text, expiry: f.item };
        if (f.object.notify) msg.to = f.object.notify;
        return msg;
      });
      const summary = trigger ?? ({} as NodeMessage);
      summary.payload = result.findings.map((f) => f.item);
      const c = result.counts;
      this.status({
        fill: c.expired ? 'red' : c.critical || c.warning ? 'yellow' : 'green',
        shape: 'dot',
        text: t('status.counts', { expired: c.expired, critical: c.critical, warning: c.warning }),
      });
      return { reminders, summary };
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
      try {
        job = new Cron(schedule, timezone ? { timezone } : {}, scheduled);
        this.status({
          text: t('status.next', { time: formatLocal(job.nextRun()?.getTime() ?? 0) }),
        });
      } catch (err) {
        configError = t('errors.schedule', { detail: (err as Error).message });
        this.error(configError);
        this.status({ fill: 'red', shape: 'ring', text: t('status.config') });
      }
    }
    let deployTimer: NodeJS.Timeout | undefined;
    if (config.checkOnDeploy === true || config.checkOnDeploy === 'true') {
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
