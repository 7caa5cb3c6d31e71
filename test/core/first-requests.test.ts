import { expect } from 'chai';
import { firstRequests, type WiredNode } from '../../nodes/core/mail-route';

const graph = (nodes: Record<string, WiredNode>) => (id: string) => nodes[id];

describe('the http request nodes a message meets first', () => {
  it('stops each path at its first http request node, through other nodes and cycles', () => {
    const lookup = graph({
      a: { type: 'change', wires: [['r1', 'b']] },
      b: { type: 'switch', wires: [['a'], ['r2']] },
      r1: { type: 'http request', wires: [['r3']] },
      r2: { type: 'http request', wires: [] },
      r3: { type: 'http request', wires: [] },
    });
    expect(firstRequests([['a']], lookup)).to.deep.equal(['r1', 'r2']);
  });

  it('finds none on a path without one, or to nodes that are not deployed', () => {
    const lookup = graph({ a: { type: 'debug', wires: [] } });
    expect(firstRequests([['a', 'gone'], null], lookup)).to.deep.equal([]);
    expect(firstRequests(undefined, lookup)).to.deep.equal([]);
  });

  it('visits at most the limit of nodes', () => {
    const lookup = graph({
      a: { type: 'change', wires: [['b']] },
      b: { type: 'change', wires: [['r']] },
      r: { type: 'http request', wires: [] },
    });
    expect(firstRequests([['a']], lookup, 2)).to.deep.equal([]);
    expect(firstRequests([['a']], lookup, 3)).to.deep.equal(['r']);
  });
});
