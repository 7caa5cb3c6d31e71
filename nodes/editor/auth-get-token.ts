/** The get token node in the editor. */
import { reachesMail, type WiredNode } from '../core/mail-route';
import { messageValidator, registerType, translator, type EditorNode } from './red';

interface GetTokenNode extends EditorNode {
  property?: string;
  setHeader?: boolean;
}

const t = translator('auth-get-token');

interface CanvasNode {
  id: string;
  type: string;
  links?: unknown;
}

/** A node on the canvas as the route walk sees it: its wires, link out's links included. */
function wired(id: string): WiredNode | undefined {
  const n = RED.nodes.node(id) as CanvasNode | null;
  if (!n) return undefined;
  const links = RED.nodes.filterLinks({ source: n }) as { target?: { id?: unknown } }[];
  const targets = links.map((l) => l.target?.id).filter((x): x is string => typeof x === 'string');
  if (n.type === 'link out' && Array.isArray(n.links)) targets.push(...(n.links as string[]));
  return { type: n.type, wires: [targets] };
}

registerType<GetTokenNode>('auth-get-token', {
  category: 'network',
  color: '#D8BFD8',
  defaults: {
    name: { value: '' },
    auth: { value: '', type: 'auth-object', required: true },
    property: {
      value: 'token',
      validate: messageValidator((v) => {
        const ok =
          typeof v === 'string' && v.trim() !== '' && RED.utils.validatePropertyExpression(v);
        return ok || t('validation.property');
      }),
    },
    setHeader: { value: true },
  },
  inputs: 1,
  outputs: 1,
  icon: 'auth-get-token.svg',
  paletteLabel() {
    return this._('auth-get-token.paletteLabel');
  },
  label() {
    return this.name || this._('auth-get-token.label.default');
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels() {
    return this._('auth-get-token.label.input');
  },
  outputLabels() {
    const key =
      this.setHeader === false
        ? 'auth-get-token.label.output'
        : 'auth-get-token.label.outputHeader';
    return this._(key, { property: this.property || 'token' });
  },
  oneditprepare() {
    if (this.setHeader === undefined) $('#node-input-setHeader').prop('checked', true);
    $('#node-input-property').typedInput({ default: 'msg', types: ['msg'] });
    // The runtime never sets the header on a route to an e-mail node: say so here.
    const hint = $('#auth-get-token-mail-hint');
    const toMail = reachesMail(wired(this.id)?.wires, wired);
    const show = () => {
      const on = $('#node-input-setHeader').is(':checked');
      hint.text(t('hint.mailRoute', { property: String(this.property || 'token') }));
      hint.toggle(on && toMail);
    };
    $('#node-input-setHeader').on('change', show);
    show();
  },
});
