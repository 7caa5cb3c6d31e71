/** The expiry check node in the editor. */
import { CHECK_NUMBERS } from '../core/rules';
import {
  checkAuthObjectsField,
  checkCriticalAboveWarn,
  checkNumberField,
  checkScheduleField,
  checkTimezoneField,
  type NumberField,
  type Verdict,
} from './auth-expiry-check-validation';
import {
  messageValidator,
  registerType,
  spinner,
  translator,
  type EditorNode,
  type Validator,
} from './red';

interface ExpiryCheckNode extends EditorNode {
  authObjects?: unknown;
  warnDays?: unknown;
  criticalDays?: unknown;
  schedule?: string;
  timezone?: string;
  checkOnDeploy?: boolean;
  remindEvery?: unknown;
}

interface ObjectChoice {
  id: string;
  label: string;
  missing?: boolean;
}

const TYPE = 'auth-expiry-check';
const t = translator(TYPE);

/**
 * A property validator from a verdict: Node-RED shows the message (see messageValidator
 * for why the validator must take two parameters).
 */
const validator = (
  check: (this: ExpiryCheckNode, value: unknown) => Verdict,
): Validator<ExpiryCheckNode> =>
  messageValidator(function (value) {
    const verdict = check.call(this, value);
    return verdict === undefined || t(verdict.key, verdict.params);
  });

// The node being edited, so the Critical validator reads the live Warn field for it only.
let editingId: string | null = null;

function warnDaysOf(node: ExpiryCheckNode | undefined): unknown {
  const input = $('#node-input-warnDays');
  if (editingId !== null && node?.id === editingId && input.length) return input.val();
  return node?.warnDays;
}

const numberField = (field: NumberField) => ({
  value: CHECK_NUMBERS[field].default,
  validate: validator((v) => checkNumberField(field, v)),
});

registerType<ExpiryCheckNode>(TYPE, {
  category: 'network',
  color: '#D8BFD8',
  defaults: {
    name: { value: '' },
    authObjects: { value: [], validate: validator(checkAuthObjectsField) },
    warnDays: numberField('warnDays'),
    criticalDays: {
      value: CHECK_NUMBERS.criticalDays.default,
      validate: validator(function (v) {
        return checkNumberField('criticalDays', v) ?? checkCriticalAboveWarn(v, warnDaysOf(this));
      }),
    },
    schedule: { value: '', validate: validator(checkScheduleField) },
    timezone: { value: '', validate: validator(checkTimezoneField) },
    checkOnDeploy: { value: false },
    remindEvery: numberField('remindEvery'),
  },
  inputs: 1,
  outputs: 2,
  icon: 'auth-expiry-check.svg',
  paletteLabel() {
    return this._('auth-expiry-check.paletteLabel');
  },
  label() {
    return this.name || this._('auth-expiry-check.label.default');
  },
  labelStyle() {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels() {
    return this._('auth-expiry-check.label.input');
  },
  outputLabels(i) {
    return this._(
      i === 0 ? 'auth-expiry-check.outputs.attention' : 'auth-expiry-check.outputs.summary',
    );
  },
  oneditprepare() {
    editingId = this.id;

    for (const field of ['warnDays', 'criticalDays', 'remindEvery'] as const) {
      const input = $(`#node-input-${field}`);
      spinner(input, CHECK_NUMBERS[field]);
      // A spinner click changes the value without a change event: validate again.
      input.on('spinstop', () => input.trigger('change'));
    }

    // Every auth object in the workspace, ticked when this node checks it.
    const selected = Array.isArray(this.authObjects)
      ? this.authObjects.filter((id): id is string => typeof id === 'string')
      : [];
    const objects: ObjectChoice[] = [];
    RED.nodes.eachConfig((n) => {
      const config = n as { id: string; type: string };
      if (config.type === 'auth-object') {
        objects.push({
          id: config.id,
          label: RED.utils.getNodeLabel(
            n as Parameters<typeof RED.utils.getNodeLabel>[0],
            config.id,
          ),
        });
      }
      return true;
    });
    objects.sort((a, b) => a.label.localeCompare(b.label, undefined, { sensitivity: 'base' }));
    // Ids whose object was deleted stay listed, ticked, until the user unticks them:
    // dropping them silently could turn "these objects" into "every object".
    for (const id of selected) {
      if (!objects.some((o) => o.id === id)) {
        objects.push({
          id,
          label: this._('auth-expiry-check.label.missing', { id }),
          missing: true,
        });
      }
    }

    const box = $('#auth-expiry-check-objects');
    objects.forEach((o, i) => {
      const row = $('<div/>').appendTo(box);
      const inputId = `auth-expiry-check-object-${i}`;
      $('<input/>', {
        type: 'checkbox',
        id: inputId,
        class: 'auth-expiry-check-object',
        value: o.id,
      })
        .css({ width: 'auto', margin: '0 6px 2px 0', 'vertical-align': 'middle' })
        .prop('checked', selected.includes(o.id))
        .appendTo(row);
      $('<label/>', { for: inputId })
        .css({ width: 'auto', margin: 0, 'font-style': o.missing ? 'italic' : 'normal' })
        .text(o.label)
        .appendTo(row);
    });
    if (objects.length === 0) {
      box.hide();
      $('#auth-expiry-check-objects-tip').text(this._('auth-expiry-check.tip.noObjects'));
    }
  },
  oneditsave() {
    editingId = null;
    this.authObjects = $('#auth-expiry-check-objects .auth-expiry-check-object:checked')
      .map((_i, el) => String($(el).val()))
      .get();
  },
  oneditcancel() {
    editingId = null;
  },
  oneditdelete() {
    editingId = null;
  },
});
