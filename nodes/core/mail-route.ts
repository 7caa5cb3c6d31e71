import { dropHeader } from './apply';

/**
 * Whether a message a node sends can reach an `e-mail` node. The e-mail node copies
 * `msg.headers` into the mail, so a bearer token in `msg.headers.Authorization` would be
 * mailed to every recipient. An `http request` node replaces `msg.headers` with its
 * response's headers, so a path through one does not count. Browser-safe: the runtime
 * walks the deployed nodes, the editor the nodes on its canvas.
 */

/** What the walk needs of a node: its type and, per output, the ids it is wired to. */
export interface WiredNode {
  type: string;
  wires?: unknown;
}

/** Node types that mail `msg.headers`. */
export const MAIL_TYPES: readonly string[] = ['e-mail'];
/** Node types that replace `msg.headers` before anything goes further. */
export const HEADER_RESET_TYPES: readonly string[] = ['http request'];
/** Nodes visited at most; a larger graph counts as reaching mail (the safe answer). */
export const WALK_LIMIT = 2000;

function targets(wires: unknown): string[] {
  if (!Array.isArray(wires)) return [];
  return wires.flatMap((out: unknown) =>
    Array.isArray(out) ? out.filter((id): id is string => typeof id === 'string') : [],
  );
}

/**
 * Visits each node reachable from `wires` once, breadth first. `onNode` says whether the
 * walk goes on past a node (`pass`), ends that path there (`end`) or stops (`done`).
 * `lookup` returns the node with that id, or undefined (a node that is not there ends
 * that path). False when the walk stopped at `limit` nodes with more to visit.
 */
function walk(
  wires: unknown,
  lookup: (id: string) => WiredNode | undefined | null,
  limit: number,
  onNode: (id: string, node: WiredNode) => 'pass' | 'end' | 'done',
): boolean {
  const seen = new Set<string>();
  const queue = targets(wires);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    if (seen.size >= limit) return false;
    seen.add(id);
    const node = lookup(id);
    if (!node) continue;
    const next = onNode(id, node);
    if (next === 'done') return true;
    if (next === 'pass') queue.push(...targets(node.wires));
  }
  return true;
}

/**
 * True when a node of `MAIL_TYPES` can be reached from `wires` (the outputs of the
 * start node) without passing a node of `HEADER_RESET_TYPES`.
 */
export function reachesMail(
  wires: unknown,
  lookup: (id: string) => WiredNode | undefined | null,
  limit = WALK_LIMIT,
): boolean {
  let mail = false;
  const complete = walk(wires, lookup, limit, (_id, node) => {
    if (MAIL_TYPES.includes(node.type)) {
      mail = true;
      return 'done';
    }
    return HEADER_RESET_TYPES.includes(node.type) ? 'end' : 'pass';
  });
  return mail || !complete;
}

/** Removes every `authorization` header, in any casing, from `headers`. */
export const dropAuthorization = (headers: unknown): void => dropHeader(headers, 'authorization');

/**
 * The ids of the `http request` nodes a message from `wires` meets first on each path
 * (a path ends at the first one). Used to find a request node with a URL of its own in
 * front of which a query API key cannot work: that node ignores `msg.url`.
 */
export function firstRequests(
  wires: unknown,
  lookup: (id: string) => WiredNode | undefined | null,
  limit = WALK_LIMIT,
): string[] {
  const found: string[] = [];
  walk(wires, lookup, limit, (id, node) => {
    if (!HEADER_RESET_TYPES.includes(node.type)) return 'pass';
    found.push(id);
    return 'end';
  });
  return found;
}
