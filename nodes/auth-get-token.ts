import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from 'node-red';
import type { AuthObjectNode } from './auth-object-api';
import type { AccessToken, ManagerState } from './core/token-manager';
import { CODES } from './core/errors';
import { formatUntil } from './core/time';
import { codedError } from './runtime-support';
import { dropAuthorization, reachesMail, type WiredNode } from './core/mail-route';

interface GetTokenDef extends NodeDef {
  auth?: string;
  property?: string;
  setHeader?: boolean | string;
}

type Msg = NodeMessage & Record<string, unknown>;

/** A message waiting for a token, with what answers it. */
interface Waiter {
  msg: Msg;
  send: (msg: NodeMessage) => void;
  done: (err?: Error) => void;
}

export = function (RED: NodeAPI) {
  const t = (key: string, params?: Record<string, string>) =>
    RED._(`auth-get-token.${key}`, params);

  function GetToken(this: Node, config: GetTokenDef) {
    RED.nodes.createNode(this, config);
    const property = (config.property ?? '').trim() || 'token';
    const nested = property.includes('.') || property.includes('[');
    const setHeader = config.setHeader !== false && config.setHeader !== 'false';
    const auth = config.auth ? (RED.nodes.getNode(config.auth) as AuthObjectNode | null) : null;

    const statusOf = (s: ManagerState): NodeStatus => {
      switch (s.state) {
        case 'idle':
          return {};
        case 'lapsed':
          // Not "valid until": the token ran out unused; the next message fetches one.
          return { fill: 'grey', shape: 'ring', text: t('status.idle') };
        case 'requesting':
          return { fill: 'blue', shape: 'dot', text: t('status.requesting') };
        case 'refreshing':
          return { fill: 'blue', shape: 'dot', text: t('status.refreshing') };
        case 'valid':
          return {
            fill: 'green',
            shape: 'dot',
            text: t('status.valid', { time: formatUntil(s.expiresAt) }),
          };
        case 'error': {
          const code = s.error.code;
          if (s.expiresAt !== undefined) {
            const time = formatUntil(s.expiresAt);
            return {
              fill: 'yellow',
              shape: 'ring',
              text: t('status.refreshFailed', { code, time }),
            };
          }
          if (s.pausedUntil !== undefined) {
            const time = formatUntil(s.pausedUntil);
            return { fill: 'red', shape: 'ring', text: t('status.paused', { code, time }) };
          }
          return { fill: 'red', shape: 'ring', text: code };
        }
      }
    };

    // An e-mail node mails msg.headers: on a route to one, no Authorization header is set
    // and an incoming one is removed. The route is walked over the deployed nodes when
    // flows start (every deploy), or at the first message if that came first.
    let toMail: boolean | undefined;
    const walkRoute = (): boolean => {
      const before = toMail;
      const wires = (this as Node & { wires?: unknown }).wires;
      toMail = reachesMail(wires, (id) => RED.nodes.getNode(id) as unknown as WiredNode | null);
      if (toMail && setHeader && before !== true) {
        this.warn(t('warnings.mailRoute', { property }));
      }
      return toMail;
    };
    const onFlowsStarted = () => {
      walkRoute();
    };
    RED.events.on('flows:started', onFlowsStarted);

    let unsubscribe = () => {};
    if (!auth) {
      this.status({ fill: 'red', shape: 'ring', text: t('status.noAuth') });
    } else {
      unsubscribe = auth.subscribe((s) => this.status(statusOf(s)));
    }

    const deliver = (msg: Msg, tok: AccessToken) => {
      const value = {
        access_token: tok.access_token,
        token_type: tok.token_type,
        expires_in: Math.max(0, Math.floor((tok.expiresAtMs - Date.now()) / 1000)),
        expires_at: tok.expires_at,
        scope: tok.scope,
      };
      if (nested) RED.util.setMessageProperty(msg, property, value, true);
      else msg[property] = value;
      const mailRoute = toMail ?? walkRoute();
      if (mailRoute) dropAuthorization(msg.headers);
      else if (setHeader) {
        let headers = msg.headers as Record<string, unknown> | undefined;
        if (!headers || typeof headers !== 'object' || Array.isArray(headers)) {
          headers = msg.headers = {};
        }
        // One header, whatever casing the incoming one had.
        dropAuthorization(headers);
        headers.Authorization = tok.authorization;
      }
    };

    /**
     * Messages waiting for the token being fetched, answered together when it comes: one
     * promise reaction for a burst, not a promise and a closure per message, which made a
     * cold burst of 10,000 leave half a round trip after its token arrived.
     */
    let waiting: Waiter[] | undefined;
    const answer = (batch: Waiter[], tok: AccessToken | undefined, err?: Error) => {
      if (waiting === batch) waiting = undefined;
      for (const w of batch) {
        if (!tok) {
          w.done(err);
          continue;
        }
        try {
          deliver(w.msg, tok);
          w.send(w.msg);
          w.done();
        } catch (e) {
          // One message that cannot take the token does not hold up the others.
          w.done(e as Error);
        }
      }
    };

    this.on('input', (m, send, done) => {
      const msg = m as Msg;
      if (!auth) {
        done(codedError(t('errors.noAuth'), CODES.CONFIG_INVALID));
        return;
      }
      // Consumed, so a message that loops back does not refresh again.
      const force = msg.forceRefresh === true;
      if (msg.forceRefresh !== undefined) delete msg.forceRefresh;
      const cached = force ? undefined : auth.current();
      if (cached) {
        deliver(msg, cached);
        send(msg);
        done();
        return;
      }
      if (!force && waiting) {
        waiting.push({ msg, send, done });
        return;
      }
      // A forced refresh starts a batch of its own: the messages after it wait for the new token.
      const batch: Waiter[] = [{ msg, send, done }];
      waiting = batch;
      auth.getToken(force).then(
        (tok) => answer(batch, tok),
        (err: Error) => answer(batch, undefined, err),
      );
    });

    this.on('close', () => {
      RED.events.removeListener('flows:started', onFlowsStarted);
      unsubscribe();
    });
  }

  RED.nodes.registerType('auth-get-token', GetToken);
};
