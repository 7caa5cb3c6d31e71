/** The get token node in the editor. */
import { messageValidator, registerType, translator, type EditorNode } from './red';

interface GetTokenNode extends EditorNode {
  property?: string;
  setHeader?: boolean;
}

const t = translator('auth-get-token');

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
  },
});
