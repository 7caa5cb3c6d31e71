import { expect } from 'chai';
import { dropAuthorization, reachesMail, type WiredNode } from '../../nodes/core/mail-route';

const graph = (nodes: Record<string, WiredNode>) => (id: string) => nodes[id];

describe('mail route', () => {
  it('drops an Authorization header of every casing and keeps the other headers', () => {
    const h: Record<string, unknown> = {
      AUTHORIZATION: 'Basic a',
      authorization: 'Basic b',
      AuThOrIzAtIoN: 'Basic c',
      Authorization: 'Bearer d',
      'x-authorization-hint': 'kept',
      'x-keep': '1',
    };
    dropAuthorization(h);
    expect(h).to.deep.equal({ 'x-authorization-hint': 'kept', 'x-keep': '1' });
  });

  it('leaves headers that are not an object alone', () => {
    const list = ['Authorization'];
    dropAuthorization(list);
    expect(list).to.deep.equal(['Authorization']);
    for (const v of [undefined, null, 'Authorization: x', 5])
      expect(() => dropAuthorization(v)).not.to.throw();
  });

  it('finds an e-mail node behind other nodes, on any output', () => {
    const lookup = graph({
      a: { type: 'function', wires: [[], ['b']] },
      b: { type: 'change', wires: [['mail']] },
      mail: { type: 'e-mail' },
    });
    expect(reachesMail([['a']], lookup)).to.equal(true);
    expect(reachesMail([[], ['a']], lookup)).to.equal(true);
  });

  it('does not count a path through an http request node, which replaces the headers', () => {
    const lookup = graph({
      req: { type: 'http request', wires: [['mail']] },
      mail: { type: 'e-mail' },
    });
    expect(reachesMail([['req']], lookup)).to.equal(false);
  });

  it('ends a path at a node that is not there and at malformed wires', () => {
    const lookup = graph({
      a: { type: 'function', wires: 'mail' },
      b: { type: 'function', wires: [['gone', 7, null]] },
      mail: { type: 'e-mail' },
    });
    expect(reachesMail([['a', 'b', 'missing']], lookup)).to.equal(false);
    expect(reachesMail(undefined, lookup)).to.equal(false);
    expect(reachesMail([['mail', 5]], lookup)).to.equal(true);
  });

  it('walks a loop once and stops', () => {
    const lookup = graph({
      a: { type: 'function', wires: [['b']] },
      b: { type: 'function', wires: [['a']] },
    });
    expect(reachesMail([['a']], lookup)).to.equal(false);
  });

  it('takes a graph larger than the walk limit as reaching mail, the safe answer', () => {
    const nodes: Record<string, WiredNode> = {};
    for (let i = 0; i < 10; i++) nodes[`n${i}`] = { type: 'function', wires: [[`n${i + 1}`]] };
    const lookup = graph(nodes);
    // The walk visits n0 to n10 (n10 is not there): 11 ids.
    expect(reachesMail([['n0']], lookup, 5)).to.equal(true);
    expect(reachesMail([['n0']], lookup, 10)).to.equal(true);
    expect(reachesMail([['n0']], lookup, 11)).to.equal(false);
  });
});
