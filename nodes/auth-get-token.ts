import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from 'node-red';
import type { AuthObjectNode, StaticCredential } from './auth-object-api';
import type { AccessToken, ManagerState } from './core/token-manager';
import { applyTo, dropHeader } from './core/apply';
import { AuthError, CODES } from './core/errors';
import { cleanText } from './core/redact';
import { formatUntil, MAX_TIMER_MS } from './core/time';
import { authObjects, codedError } from './runtime-support';
import { dropAuthorization, firstRequests, reachesMail, type WiredNode } from './core/mail-route';

interface GetTokenDef extends NodeDef {
  auth?: string;
  property?: string;
  setHeader?: boolean | string;
  /** Take the auth object from `msg.authObject` (its name or id). */
  fromMessage?: boolean | string;
  /** With `fromMessage`: the ids of the objects a message may choose; empty: any. */
  allowed?: unknown;
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
    const fromMessage = config.fromMessage === true || config.fromMessage === 'true';
    const allowed = Array.isArray(config.allowed)
      ? (config.allowed as unknown[]).filter((x): x is string => typeof x === 'string' && x !== '')
      : [];

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
        case 'ready':
          if (s.expiresAt === undefined) {
            return { fill: 'green', shape: 'dot', text: t('status.ready', { type: s.tokenType }) };
          }
          // The date typed for the credential: past it the API will likely refuse it.
          return s.expiresAt <= Date.now()
            ? {
                fill: 'yellow',
                shape: 'ring',
                text: t('status.expired', { time: formatUntil(s.expiresAt) }),
              }
            : {
                fill: 'green',
                shape: 'dot',
                text: t('status.valid', { time: formatUntil(s.expiresAt) }),
              };
        case 'error': {
          const code = s.error.code;
          // A delegated grant without a usable refresh token: a person has to act.
          if (code === 'SIGN_IN_REQUIRED') {
            const again = (s.error as { key?: unknown }).key === 'signInAgain';
            return {
              fill: 'red',
              shape: 'ring',
              text: t(again ? 'status.signInAgain' : 'status.signInRequired'),
            };
          }
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
    const outputs = () => (this as Node & { wires?: unknown }).wires;
    const deployed = (id: string) => RED.nodes.getNode(id) as unknown as WiredNode | null;
    let toMail: boolean | undefined;
    const walkRoute = (): boolean => {
      const before = toMail;
      toMail = reachesMail(outputs(), deployed);
      if (toMail && setHeader && before !== true) {
        this.warn(t('warnings.mailRoute', { property }));
      }
      return toMail;
    };
    // The running auth objects by name, for msg.authObject: read once per deploy. Only
    // running ones: one on a disabled flow cannot be used, so it makes no name ambiguous.
    // Names are trimmed as msg.authObject is: spaces around a label are not seen.
    let byName: Map<string, string[]> | undefined;
    const namesIndex = (): Map<string, string[]> => {
      if (byName) return byName;
      const index = new Map<string, string[]>();
      for (const n of authObjects(RED)) {
        const name = typeof n.name === 'string' ? n.name.trim() : '';
        if (name) index.set(name, [...(index.get(name) ?? []), n.id]);
      }
      return (byName = index);
    };
    // An http request node with a URL of its own ignores msg.url, so a query API key put
    // there never reaches the API: say so at deploy rather than leave it to a 401.
    const warnedFixed = new Set<string>();
    const checkQueryKey = () => {
      if (auth?.staticCredential()?.applied.in !== 'query') return;
      const ids = new Set(firstRequests(outputs(), deployed));
      if (ids.size === 0) return;
      RED.nodes.eachNode((n) => {
        const url = (n as { url?: unknown }).url;
        if (!ids.has(n.id) || typeof url !== 'string' || !url.trim()) return;
        if (warnedFixed.has(n.id)) return;
        warnedFixed.add(n.id);
        const name = (n as { name?: unknown }).name;
        this.warn(t('warnings.fixedUrl', { node: typeof name === 'string' && name ? name : n.id }));
      });
    };
    const onFlowsStarted = () => {
      byName = undefined;
      walkRoute();
      checkQueryKey();
    };
    RED.events.on('flows:started', onFlowsStarted);

    // A typed expiry date passes without any event: the status changes when it does.
    let dateTimer: NodeJS.Timeout | undefined;
    const show = (s: ManagerState) => {
      clearTimeout(dateTimer);
      this.status(statusOf(s));
      const left = s.state === 'ready' && s.expiresAt !== undefined ? s.expiresAt - Date.now() : 0;
      if (left > 0) {
        // Timers take at most 2^31-1 ms; a later date is looked at again then.
        dateTimer = setTimeout(() => show(s), Math.min(left, MAX_TIMER_MS));
        dateTimer.unref();
      }
    };

    let unsubscribe = () => {};
    if (fromMessage && !auth) {
      this.status({ fill: 'grey', shape: 'ring', text: t('status.perMessage') });
    } else if (!auth) {
      this.status({ fill: 'red', shape: 'ring', text: t('status.noAuth') });
    } else {
      const off = auth.subscribe(show);
      unsubscribe = () => {
        off();
        clearTimeout(dateTimer);
      };
    }

    const setToken = (msg: Msg, value: Record<string, unknown>) => {
      if (nested) RED.util.setMessageProperty(msg, property, value, true);
      else msg[property] = value;
    };

    const secondsLeft = (atMs: number) => Math.max(0, Math.floor((atMs - Date.now()) / 1000));

    const deliver = (msg: Msg, tok: AccessToken) => {
      setToken(msg, {
        access_token: tok.access_token,
        token_type: tok.token_type,
        expires_in: secondsLeft(tok.expiresAtMs),
        expires_at: tok.expires_at,
        scope: tok.scope,
      });
      const mailRoute = toMail ?? walkRoute();
      if (mailRoute) dropAuthorization(msg.headers);
      // One header, whatever casing the incoming one had.
      else if (setHeader)
        applyTo(msg, { in: 'header', name: 'Authorization', value: tok.authorization });
    };

    /**
     * A static credential is always applied: it is not on msg.token, so the message is
     * the only way it reaches the API. msg.token says what was applied, never the secret.
     * Throws NO_URL (message untouched) when a query key finds no msg.url.
     */
    const deliverStatic = (msg: Msg, c: StaticCredential) => {
      const a = c.applied;
      const mailRoute = a.in === 'header' && (toMail ?? walkRoute());
      if (mailRoute) dropHeader(msg.headers, a.name);
      else applyTo(msg, a);
      setToken(msg, {
        token_type: c.token_type,
        in: mailRoute ? 'none' : a.in,
        name: a.name,
        ...(c.expiresAtMs !== undefined
          ? {
              expires_in: secondsLeft(c.expiresAtMs),
              expires_at: c.expires_at,
            }
          : {}),
      });
    };

    /**
     * The object for this message: `msg.authObject` (a deployed object's id, or its name)
     * when the node takes it from the message, else the configured one.
     */
    const objectFor = (msg: Msg): AuthObjectNode => {
      const wanted = fromMessage ? msg.authObject : undefined;
      if (wanted === undefined || wanted === null || wanted === '') {
        if (auth) return auth;
        throw fromMessage
          ? codedError(t('errors.unknownObject', { name: '' }), CODES.UNKNOWN_AUTH_OBJECT)
          : codedError(t('errors.noAuth'), CODES.CONFIG_INVALID);
      }
      // Only a name or an id: a message never carries settings or secrets for an object.
      const key = typeof wanted === 'string' ? wanted.trim() : '';
      // It may come from outside (HTTP, MQTT): no control character reaches the log.
      const shown = cleanText(key, 100);
      const permitted = (id: string) => allowed.length === 0 || allowed.includes(id);
      const byId = key && permitted(key) ? authObjects(RED, [key])[0] : undefined;
      if (byId) return byId;
      const named = key ? (namesIndex().get(key) ?? []).filter(permitted) : [];
      if (named.length > 1) {
        throw codedError(t('errors.ambiguousObject', { name: shown }), CODES.AMBIGUOUS_AUTH_OBJECT);
      }
      const found = named.length === 1 ? authObjects(RED, named)[0] : undefined;
      if (!found) {
        throw codedError(t('errors.unknownObject', { name: shown }), CODES.UNKNOWN_AUTH_OBJECT);
      }
      return found;
    };

    /**
     * Messages waiting for the token being fetched, answered together when it comes: one
     * promise reaction for a burst, not a promise and a closure per message, which made a
     * cold burst of 10,000 leave half a round trip after its token arrived.
     */
    const waiting = new Map<AuthObjectNode, Waiter[]>();
    const answer = (
      obj: AuthObjectNode,
      batch: Waiter[],
      tok: AccessToken | undefined,
      err?: Error,
    ) => {
      if (waiting.get(obj) === batch) waiting.delete(obj);
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
      let obj: AuthObjectNode;
      try {
        obj = objectFor(msg);
      } catch (err) {
        done(err as Error);
        return;
      }
      // Consumed, so a message that loops back does not refresh again.
      const force = msg.forceRefresh === true;
      if (msg.forceRefresh !== undefined) delete msg.forceRefresh;
      const fixed = obj.staticCredential();
      if (fixed) {
        try {
          deliverStatic(msg, fixed);
        } catch (err) {
          done(codedError(obj.describe(err), err instanceof AuthError ? err.code : CODES.EUNKNOWN));
          return;
        }
        send(msg);
        done();
        return;
      }
      const cached = force ? undefined : obj.current();
      if (cached) {
        deliver(msg, cached);
        send(msg);
        done();
        return;
      }
      const pending = waiting.get(obj);
      if (!force && pending) {
        pending.push({ msg, send, done });
        return;
      }
      // A forced refresh starts a batch of its own: the messages after it wait for the new token.
      const batch: Waiter[] = [{ msg, send, done }];
      waiting.set(obj, batch);
      obj.getToken(force).then(
        (tok) => answer(obj, batch, tok),
        (err: Error) => answer(obj, batch, undefined, err),
      );
    });

    this.on('close', () => {
      RED.events.removeListener('flows:started', onFlowsStarted);
      unsubscribe();
    });
  }

  RED.nodes.registerType('auth-get-token', GetToken);
};
