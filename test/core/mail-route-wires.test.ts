import { expect } from 'chai';
import { reachesMail, type WiredNode } from '../../nodes/core/mail-route';

const graph = (nodes: Record<string, WiredNode>) => (id: string) => nodes[id];

describe('mail route through malformed wires', () => {
  it('skips outputs that are not lists of ids, and still finds mail behind the good ones', () => {
    const lookup = graph({
      a: { type: 'function', wires: ['m', null, [7, 'b']] as unknown as string[][] },
      b: { type: 'e-mail', wires: [] },
      m: { type: 'e-mail', wires: [] },
    });
    expect(reachesMail([['a']], lookup)).to.equal(true);
    expect(reachesMail(['m', null], lookup)).to.equal(false);
    expect(reachesMail('a', lookup)).to.equal(false);
  });
});
