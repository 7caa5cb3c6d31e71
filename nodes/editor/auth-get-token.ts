/** The get token node in the editor. */
import { reachesMail, type WiredNode } from '../core/mail-route';
import { messageValidator, registerType, translator, type EditorNode } from './red';

interface GetTokenNode extends EditorNode {
  property?: string;
  setHeader?: boolean;
  fromMessage?: boolean;
  allowed?: unknown;
}

/** Whether the node takes its auth object from msg.authObject (the form while it is open). */
function takesFromMessage(node: GetTokenNode): boolean {
  const box = $('#node-input-fromMessage');
  return box.length && editing === node.id ? box.is(':checked') : node.fromMessage === true;
}
let editing: string | null = null;

/** The auth objects of the workspace, by label, for the list of allowed objects. */
function authObjectsOnCanvas(): { id: string; label: string }[] {
  const list: { id: string; label: string }[] = [];
  RED.nodes.eachConfig((c: object) => {
    const n = c as { id: string; type: string; name?: string; _def?: { label?: unknown } };
    if (n.type === 'auth-object') {
      const label =
        typeof n._def?.label === 'function' ? String((n._def.label as () => string).call(n)) : '';
      list.push({ id: n.id, label: n.name || label || n.id });
    }
    return true;
  });
  return list.sort((x, y) => x.label.localeCompare(y.label));
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
    auth: {
      value: '',
      type: 'auth-object',
      // Optional when the message names the object; Node-RED's own check otherwise.
      validate: messageValidator<GetTokenNode>(function (v) {
        const id = v === '_ADD_' ? '' : v;
        if (typeof id !== 'string' || id === '') {
          return takesFromMessage(this) || t('validation.auth');
        }
        const selected = RED.nodes.node(id) as { valid?: boolean } | null;
        return selected !== null && selected.valid !== false;
      }),
    },
    fromMessage: { value: false },
    allowed: { value: [] },
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
    editing = this.id;
    const allowed = Array.isArray(this.allowed) ? (this.allowed as unknown[]) : [];
    const box = $('#auth-get-token-allowed');
    for (const o of authObjectsOnCanvas()) {
      const label = $('<label/>').css({ display: 'block', width: 'auto', margin: 0 }).appendTo(box);
      $('<input/>', { type: 'checkbox', class: 'auth-get-token-allowed', value: o.id })
        .css({ width: 'auto', margin: '0 6px 2px 0' })
        .prop('checked', allowed.includes(o.id))
        .appendTo(label);
      $('<span/>').text(o.label).appendTo(label);
    }
    const showAllowed = () => {
      $('.auth-get-token-row-allowed').toggle($('#node-input-fromMessage').is(':checked'));
      $('#node-input-auth').trigger('change');
    };
    $('#node-input-fromMessage').on('change', showAllowed);
    showAllowed();
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
  oneditsave() {
    editing = null;
    const ids: string[] = [];
    $('.auth-get-token-allowed:checked').each(function () {
      ids.push(String($(this).val()));
    });
    this.allowed = $('#node-input-fromMessage').is(':checked') ? ids : [];
  },
  oneditcancel() {
    editing = null;
  },
});
