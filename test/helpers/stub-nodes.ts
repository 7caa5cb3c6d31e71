/** Stand-ins for Node-RED's e-mail node: passes messages on as they are. */
import type { Node, NodeAPI, NodeDef } from 'node-red';

export default function stubNodes(RED: NodeAPI): void {
  RED.nodes.registerType('e-mail', function (this: Node, n: NodeDef) {
    RED.nodes.createNode(this, n);
    this.on('input', (msg, send, done) => {
      send(msg);
      done();
    });
  });
}
