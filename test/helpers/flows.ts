/** Flow pieces more than one end-to-end test deploys. */

type FlowNode = Record<string, unknown> & { id: string; type: string };

/**
 * `GET <route>` runs a get token node with `auth`; a Catch node answers the request with
 * the `msg.error` it got, so a test reads what a flow's Catch node sees. A token, if one
 * came, goes on to the node `next` (none by default). Node ids start with `prefix`; the
 * nodes sit on tab `z` from row `y`.
 */
export function errorRoute(opts: {
  z: string;
  route: string;
  auth: string;
  prefix: string;
  y: number;
  next?: string;
}): FlowNode[] {
  const { z, route, auth, prefix, y, next } = opts;
  const id = (s: string) => `${prefix}-${s}`;
  return [
    {
      id: id('in'),
      type: 'http in',
      z,
      url: route,
      method: 'get',
      x: 100,
      y,
      wires: [[id('get')]],
    },
    { id: id('get'), type: 'auth-get-token', z, auth, x: 300, y, wires: [next ? [next] : []] },
    {
      id: id('catch'),
      type: 'catch',
      z,
      scope: [id('get')],
      x: 100,
      y: y + 100,
      wires: [[id('fmt')]],
    },
    {
      id: id('fmt'),
      type: 'change',
      z,
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' }],
      x: 300,
      y: y + 100,
      wires: [[id('res')]],
    },
    { id: id('res'), type: 'http response', z, x: 500, y: y + 100, wires: [] },
  ];
}

/**
 * `GET <route>` runs an expiry check (`check` holds its settings): output 1 goes to the
 * node `reminders`, output 2, the summary, answers the request. Ids `in`, `check`, `res`.
 */
export function checkRoute(opts: {
  z: string;
  route: string;
  reminders: string;
  check?: Record<string, unknown>;
}): FlowNode[] {
  const { z, route, reminders, check = {} } = opts;
  return [
    { id: 'in', type: 'http in', z, url: route, method: 'get', x: 100, y: 100, wires: [['check']] },
    {
      id: 'check',
      type: 'auth-expiry-check',
      z,
      ...check,
      x: 300,
      y: 100,
      wires: [[reminders], ['res']],
    },
    { id: 'res', type: 'http response', z, x: 500, y: 200, wires: [] },
  ];
}
