/**
 * The auth object (a config node) in the editor: its form, the validation of each field
 * (the checks are in auth-object-validation.ts), the expiry list, and Test connection.
 */
import { CODES } from '../core/errors';
import { parseExpiryDate } from '../core/expiry';
import {
  DEFAULT_API_KEY_IN,
  DEFAULT_CLIENT_AUTH,
  DEFAULT_GRANT,
  DEFAULT_KIND,
  JWT_BEARER_GRANT,
  KNOWN_PARAMETERS,
  SECONDS,
  credentialsNeeded,
  endpointLabel,
  expiryParameters,
  grantEndpoint,
  isSignInGrant,
  isStaticKind,
  type CredentialName,
} from '../core/rules';
import {
  checkApiKeyNameField,
  checkAuthorizeParamsField,
  checkCredentialField,
  checkExpiriesField,
  checkExtraParamsField,
  checkIssuerField,
  checkNotifyField,
  checkOptionField,
  checkScopeField,
  checkSecondsField,
  checkTlsField,
  checkUrlField,
  type Verdict,
} from './auth-object-validation';
import {
  createTabs,
  inputText,
  messageValidator,
  registerType,
  spinner,
  translator,
  type EditorNode,
  type Params,
  type Validator,
} from './red';
import {
  prepareRedirectUri,
  showCurrentState,
  signInWithCode,
  signInWithPopup,
  stopSignIn,
} from './sign-in';

interface ExtraParam {
  name: string;
  value: string;
}

interface AuthObjectNode extends EditorNode {
  kind?: string;
  apiKeyIn?: string;
  testUrl?: string;
  grantType?: string;
  tokenUrl?: string;
  issuer?: string;
  allowInsecureHttp?: boolean;
  clientAuth?: string;
  extraParams?: unknown;
  authorizeUrl?: string;
  deviceAuthorizationUrl?: string;
  authorizeParams?: unknown;
  expiries?: unknown;
  /** Set by the editor: edited since the last deploy (or never deployed). */
  changed?: boolean;
  credentials?: { clientId?: unknown };
}

/** The answer of POST auth-objects/test (admin-routes.ts). */
interface TestAnswer {
  ok?: boolean;
  tokenType?: string;
  expiresIn?: number;
  scope?: string;
  /** false: the token response named no scope, so `scope` is only what was asked for. */
  scopeStated?: boolean;
  requestedScope?: string;
  refreshToken?: boolean;
  tokenEndpoint?: string;
  code?: string;
  message?: string;
  /** SECRET_REQUIRED: the secrets to type again. */
  fields?: unknown;
  /** ENV_UNRESOLVED: the field holding a ${NAME} the test cannot resolve. */
  field?: string;
  /** Advice beside the result (success or failure), already in the user's language. */
  warning?: string;
  /** A static kind: the test URL's HTTP status, or absent when there is no test URL. */
  static?: boolean;
  /** A delegated grant: only the endpoints were checked (no token request, no sign-in). */
  delegated?: boolean;
  authorizeEndpoint?: string;
  deviceAuthorizationEndpoint?: string;
  status?: number;
}

const TYPE = 'auth-object';
const t = translator(TYPE);
const CREDENTIALS: readonly CredentialName[] = [
  'clientId',
  'clientSecret',
  'username',
  'password',
  'privateKey',
  'apiKey',
  'token',
  'refreshToken',
];

/** A form control of this node's dialog. */
const input = (name: string): JQuery => $(`#node-config-input-${name}`);

/** The message of a verdict, or true; a `field` parameter is shown as its label. */
function explain(verdict: Verdict): true | string {
  if (!verdict) return true;
  const params: Params = { ...verdict.params };
  if (typeof params.field === 'string') params.field = t(`label.${params.field}`);
  return t(verdict.key, params);
}

/** A validator of this node from a check's verdict. */
function validator(
  check: (node: AuthObjectNode, value: unknown) => Verdict,
): Validator<AuthObjectNode> {
  return messageValidator<AuthObjectNode>(function (value) {
    return explain(check(this, value));
  });
}

// The node being edited, so validators read the live form for it only.
let editingId: string | null = null;

/** The form's value while this node is being edited, else the saved one. */
function current(
  node: AuthObjectNode,
  prop: keyof AuthObjectNode & string,
  fallback: string,
): string {
  if (editingId === node.id) {
    const v = input(prop).val();
    if (v !== undefined && v !== null) return String(v);
  }
  const saved = node[prop];
  return typeof saved === 'string' && saved !== '' ? saved : fallback;
}

function insecureAllowed(node: AuthObjectNode): boolean {
  const box = input('allowInsecureHttp');
  if (editingId !== null && node.id === editingId && box.length) return box.is(':checked');
  return node.allowInsecureHttp === true;
}

const grantOf = (node: AuthObjectNode) => current(node, 'grantType', DEFAULT_GRANT);
const clientAuthOf = (node: AuthObjectNode) => current(node, 'clientAuth', DEFAULT_CLIENT_AUTH);
const kindOfNode = (node: AuthObjectNode) => current(node, 'kind', DEFAULT_KIND);
const apiKeyInOf = (node: AuthObjectNode) => current(node, 'apiKeyIn', DEFAULT_API_KEY_IN);
/** Whether the node (as the form holds it now) is OAuth 2.0: only then its OAuth fields count. */
const isOAuth = (node: AuthObjectNode) => !isStaticKind(kindOfNode(node));

/** Whether the client authentication sends a client secret (the Secret row is shown). */
const usesSecret = (clientAuth: string) =>
  credentialsNeeded(DEFAULT_GRANT, clientAuth).includes('clientSecret');

// ------------------------------------------------------------------------------------
// The expiry list

// What the date and time inputs show exactly, and so write back unchanged.
const PICKER_RE = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?$/;

const isExpiryDate = (v: unknown) => parseExpiryDate(v).ok;

/** Names typed comma-separated, trimmed, without repeats. */
function splitNames(value: unknown): string[] {
  const names: string[] = [];
  for (const part of String(value || '').split(',')) {
    const n = part.trim();
    if (n !== '' && !names.includes(n)) names.push(n);
  }
  return names;
}

/** The data of an expiry row: the stored entry; absent for a row added with the button. */
interface ExpiryRowData {
  entry?: unknown;
}

/**
 * One row of the Expiries list. An untouched row is saved back exactly as it was stored.
 * A stored date the inputs cannot show exactly (seconds, an offset, or no valid date at
 * all) is kept, and shown as text, until the user changes the date or time.
 */
function addExpiryRow(node: AuthObjectNode, container: JQuery, data: ExpiryRowData): void {
  const loaded = Object.prototype.hasOwnProperty.call(data, 'entry');
  const stored = data.entry;
  const isObject = stored !== null && typeof stored === 'object' && !Array.isArray(stored);
  const entry = (isObject ? stored : {}) as Record<string, unknown>;
  // An entry that is not even an object shows its value as the saved date.
  const rawDate = isObject ? entry.expiresAt : stored;
  const storedDate = typeof rawDate === 'string' ? rawDate : '';
  const state: { modified: boolean; touched: boolean; original: unknown } = {
    modified: !loaded,
    touched: false,
    original: undefined,
  };

  const line = (labelKey: string) => {
    const div = $('<div/>')
      .css({ display: 'flex', 'align-items': 'center', gap: '6px', margin: '2px 0' })
      .appendTo(container);
    $('<span/>')
      .css({ flex: '0 0 90px' })
      .text(labelKey ? node._(`auth-object.label.${labelKey}`) : '')
      .appendTo(div);
    return div;
  };

  const when = line('expiresAt');
  const date = $('<input/>', {
    type: 'date',
    class: 'auth-object-expiry-date',
    min: '1970-01-01',
    max: '9999-12-31',
  })
    .css({ width: '160px' })
    .appendTo(when);
  const time = $('<input/>', { type: 'time', class: 'auth-object-expiry-time', step: 60 })
    .css({ width: '110px' })
    .appendTo(when);
  const savedLine = line('');
  const saved = $('<span/>', { class: 'auth-object-expiry-saved' })
    .css({ 'font-size': '0.85em', color: 'var(--red-ui-secondary-text-color)' })
    .appendTo(savedLine);

  const boxes = $('<span/>', { class: 'auth-object-expiry-applies' })
    .css({
      display: 'flex',
      'flex-wrap': 'wrap',
      gap: '2px 12px',
      padding: '2px 4px',
      border: '1px solid transparent',
      'border-radius': '4px',
    })
    .appendTo(line('appliesTo'));
  for (const p of KNOWN_PARAMETERS) {
    const label = $('<label/>', { class: 'auth-object-expiry-param-label' })
      .attr('data-param', p)
      .css({ width: 'auto', margin: 0, 'white-space': 'nowrap' })
      .appendTo(boxes);
    $('<input/>', { type: 'checkbox', class: 'auth-object-expiry-param', value: p })
      .css({ width: 'auto', margin: '0 4px 2px 0', 'vertical-align': 'middle' })
      .appendTo(label);
    $('<span/>')
      .text(node._(`auth-object.label.param.${p}`))
      .appendTo(label);
  }
  const other = $('<input/>', {
    type: 'text',
    class: 'auth-object-expiry-other',
    placeholder: node._('auth-object.placeholder.otherParams'),
  })
    .css({ flex: '1 1 auto', width: 'auto' })
    .appendTo(line('otherParams'));
  const note = $('<input/>', {
    type: 'text',
    class: 'auth-object-expiry-note',
    placeholder: node._('auth-object.placeholder.note'),
  })
    .css({ flex: '1 1 auto', width: 'auto' })
    .appendTo(line('note'));

  // Fill in the stored entry.
  const trimmed = storedDate.trim();
  const shown = PICKER_RE.exec(trimmed);
  if (shown) {
    date.val(shown[1]);
    time.val(shown[2] || '');
  } else if (loaded && rawDate !== undefined && rawDate !== '') {
    state.original = rawDate;
    if (isExpiryDate(trimmed)) {
      // The nearest the inputs can show: the date and hh:mm as written.
      date.val(trimmed.slice(0, 10));
      time.val(trimmed.length > 10 ? trimmed.slice(11, 16) : '');
    }
  }
  if (state.original !== undefined) {
    const original =
      typeof state.original === 'string' ? state.original : JSON.stringify(state.original);
    saved.append(document.createTextNode(`${node._('auth-object.label.savedAs')} `));
    $('<code/>').text(String(original)).appendTo(saved);
    const tip = isExpiryDate(state.original) ? 'expiryKept' : 'expiryInvalid';
    saved.append(document.createTextNode(` ${node._(`auth-object.tip.${tip}`)}`));
  } else {
    savedLine.hide();
  }
  const storedNames = Array.isArray(entry.appliesTo)
    ? (entry.appliesTo as unknown[]).filter((n): n is string => typeof n === 'string')
    : splitNames(entry.appliesTo);
  const others: string[] = [];
  for (const n of storedNames) {
    const name = n.trim();
    if (KNOWN_PARAMETERS.includes(name)) {
      boxes.find(`input[value="${name}"]`).prop('checked', true);
    } else if (name !== '' && !others.includes(name)) {
      others.push(name);
    }
  }
  other.val(others.join(', '));
  note.val(typeof entry.note === 'string' ? entry.note : '');
  showKindParameters(boxes);

  const expiresAt = (): unknown => {
    if (state.original !== undefined && !state.touched) return state.original;
    const d = inputText(date);
    const tm = inputText(time).slice(0, 5);
    if (d === '') return '';
    return tm ? `${d}T${tm}` : d;
  };
  const appliesTo = (): string[] => {
    const names: string[] = [];
    boxes.find('.auth-object-expiry-param:checked').each(function () {
      names.push(inputText($(this)));
    });
    for (const n of splitNames(inputText(other))) {
      if (!names.includes(n)) names.push(n);
    }
    return names;
  };
  const refresh = () => {
    date.toggleClass('input-error', !isExpiryDate(expiresAt()));
    const noParams = appliesTo().length === 0;
    boxes.toggleClass('input-error', noParams);
    other.toggleClass('input-error', noParams);
  };

  date.add(time).on('change input', () => {
    state.modified = true;
    if (!state.touched) {
      state.touched = true;
      savedLine.hide();
    }
    refresh();
  });
  container
    .find('input')
    .not(date)
    .not(time)
    .on('change input', () => {
      state.modified = true;
      refresh();
    });
  refresh();

  // Read back by oneditsave.
  container.data('auth-object-expiry', (): unknown => {
    if (!state.modified) return $.extend(true, {}, { v: stored }).v;
    const result: Record<string, unknown> = { expiresAt: expiresAt(), appliesTo: appliesTo() };
    const noteText = inputText(note).trim();
    if (noteText !== '') result.note = noteText;
    // Keep fields a later version may have added.
    for (const k of Object.keys(entry)) {
      if (k !== 'expiresAt' && k !== 'appliesTo' && k !== 'note') result[k] = entry[k];
    }
    return result;
  });
}

/** Shows the parameter boxes of the chosen kind, and any other box that is ticked. */
function showKindParameters(scope: JQuery): void {
  const offered = expiryParameters(inputText(input('kind')) || DEFAULT_KIND);
  scope.find('.auth-object-expiry-param-label').each(function () {
    const label = $(this);
    const ticked = label.find('input').is(':checked');
    label.toggle(ticked || offered.includes(String(label.attr('data-param'))));
  });
}

// ------------------------------------------------------------------------------------
// A Google service account key

/** The fields of a service account JSON key the form takes; the rest is left out. */
interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: unknown;
  token_uri?: unknown;
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/**
 * A pasted service account key fills the JWT bearer fields: client email, private key
 * (a credential), key id and token URI. The pasted text is cleared at once and is not a
 * property of the node, so the key is kept only in the Private key credential.
 */
function prepareServiceAccount(): void {
  const box = $('#auth-object-service-account');
  const result = $('#auth-object-service-account-result');
  box.on('input paste', () => {
    setTimeout(() => {
      const raw = inputText(box).trim();
      if (!raw) return;
      let key: Partial<ServiceAccountKey> | undefined;
      try {
        key = JSON.parse(raw) as Partial<ServiceAccountKey>;
      } catch {
        key = undefined;
      }
      box.val('');
      if (
        !key ||
        typeof key !== 'object' ||
        typeof key.client_email !== 'string' ||
        typeof key.private_key !== 'string'
      ) {
        result.text(t('tip.serviceAccountInvalid')).show();
        RED.tray.resize();
        return;
      }
      input('grantType').val(JWT_BEARER_GRANT).trigger('change');
      input('clientAuth').val('none').trigger('change');
      input('clientId').val(key.client_email).trigger('change');
      input('privateKey').val(key.private_key).trigger('change');
      input('assertionAlg').val('RS256').trigger('change');
      input('keyId')
        .val(typeof key.private_key_id === 'string' ? key.private_key_id : '')
        .trigger('change');
      const uri =
        typeof key.token_uri === 'string' && key.token_uri ? key.token_uri : GOOGLE_TOKEN_URL;
      input('tokenUrl').val(uri).trigger('change');
      result.text(t('tip.serviceAccountFilled', { email: key.client_email })).show();
      RED.tray.resize();
    }, 0);
  });
}

// ------------------------------------------------------------------------------------
// Extra parameters

/** The extra parameter rows of the form; rows without a name are skipped. */
function readExtraParams(): ExtraParam[] {
  return readParams('extraParams');
}

/** The rows of a name/value list of the form (extraParams, authorizeParams). */
function readParams(list: 'extraParams' | 'authorizeParams'): ExtraParam[] {
  const params: ExtraParam[] = [];
  input(`${list}-container`)
    .editableList('items')
    .each(function () {
      const name = inputText($(this).find('.auth-object-param-name')).trim();
      if (name) params.push({ name, value: inputText($(this).find('.auth-object-param-value')) });
    });
  return params;
}

// ------------------------------------------------------------------------------------
// Hints under the fields a failed test names

/** A config-node select's value, '' for none. */
function configRef(name: string): string {
  const v = inputText(input(name));
  return v && v !== '_ADD_' ? v : '';
}

const HINT_EVENTS = 'input.authObjectHint change.authObjectHint';

/** The form control a runtime answer names by its setting or credential name. */
function fieldInput(name: unknown): JQuery {
  if (typeof name !== 'string' || !/^[a-zA-Z]+$/.test(name)) return $();
  const control = input(name);
  return control.length ? control : input(`${name}-container`);
}

/** Removes one field's hint and marker, or every one without a name. */
function clearFieldHints(name?: string): void {
  let hints = $('.auth-object-secret-hint');
  let marked = $('.auth-object-secret-needed');
  if (name) {
    hints = hints.filter((_i, el) => $(el).attr('data-field') === name);
    marked = marked.filter((_i, el) => $(el).attr('data-auth-object-hint') === name);
  }
  hints.remove();
  marked
    .removeClass('auth-object-secret-needed')
    .removeAttr('data-auth-object-hint')
    .css({ 'border-color': '', 'box-shadow': '' })
    .off(HINT_EVENTS);
  if (hints.length) RED.tray.resize();
}

/** A warning under the named field and a marker on it, until the user edits it. */
function markField(name: string, message: string): void {
  const control = fieldInput(name);
  if (!control.length) return;
  clearFieldHints(name);
  const row = control.closest('.form-row');
  const hint = $('<div/>', { class: 'auth-object-secret-hint', role: 'alert' })
    .attr('data-field', name)
    .css({
      margin: '4px 0 0 104px',
      width: '70%',
      'box-sizing': 'border-box',
      padding: '4px 8px',
      'border-left': '3px solid var(--red-ui-border-color-warning, #FFCF70)',
      background: 'var(--red-ui-form-tips-background, #ffe)',
      color: 'var(--red-ui-text-color-error, #AD1625)',
    });
  $('<i/>', { class: 'fa fa-exclamation-triangle' }).css({ 'margin-right': '6px' }).appendTo(hint);
  $('<span/>').text(message).appendTo(hint);
  hint.appendTo(row.length ? row : control.parent());
  control
    .addClass('auth-object-secret-needed')
    .attr('data-auth-object-hint', name)
    .css({
      'border-color': 'var(--red-ui-border-color-warning, #FFCF70)',
      'box-shadow': '0 0 0 1px var(--red-ui-border-color-warning, #FFCF70)',
    })
    // Typing into the field (or choosing another value) answers the hint.
    .on(HINT_EVENTS, function (e) {
      if (e.type === 'input' || !$(this).is('input, textarea')) clearFieldHints(name);
    });
}

/** Marks the fields a failed test names: secrets to type again, or an unresolved ${NAME}. */
function markFailedFields(r: TestAnswer): void {
  if (r.code === CODES.SECRET_REQUIRED && Array.isArray(r.fields)) {
    for (const f of r.fields as unknown[]) {
      if (typeof f === 'string') markField(f, t('test.secretHint'));
    }
  } else if (r.code === CODES.ENV_UNRESOLVED && r.field) {
    markField(r.field, r.message || t('test.envUnresolved', { field: r.field }));
  }
  RED.tray.resize();
}

// ------------------------------------------------------------------------------------
// Test connection

/**
 * Asks the runtime for one token request with what the form holds now, before deploy.
 * Unchanged secret fields hold Node-RED's placeholder; the runtime then uses the deployed
 * node's stored secret. The answer never contains the token.
 */
function testConnection(node: AuthObjectNode): void {
  const out = $('#auth-object-test-result');
  const button = $('#auth-object-test-button');
  const value = (name: string) => inputText(input(name));
  const credentials: Record<string, string> = {};
  for (const c of CREDENTIALS) credentials[c] = value(c);
  const body = {
    id: node.id,
    kind: value('kind'),
    apiKeyName: value('apiKeyName'),
    apiKeyIn: value('apiKeyIn'),
    testUrl: value('testUrl'),
    assertionAudience: value('assertionAudience'),
    assertionSubject: value('assertionSubject'),
    grantType: value('grantType'),
    tokenUrl: value('tokenUrl'),
    issuer: value('issuer'),
    refreshTokenUrl: value('refreshTokenUrl'),
    allowInsecureHttp: input('allowInsecureHttp').is(':checked'),
    scope: value('scope'),
    clientAuth: value('clientAuth'),
    assertionAlg: value('assertionAlg'),
    keyId: value('keyId'),
    extraParams: readExtraParams(),
    authorizeUrl: value('authorizeUrl'),
    deviceAuthorizationUrl: value('deviceAuthorizationUrl'),
    authorizeParams: readParams('authorizeParams'),
    timeout: value('timeout'),
    tls: configRef('tls'),
    proxy: configRef('proxy'),
    credentials,
  };
  // An edit of the form while the request runs makes its answer stale: it is not shown.
  const run = ++testRun;
  const show = (ok: boolean, message: string, warning?: unknown) => {
    if (run !== testRun) return;
    out
      .empty()
      .attr('data-result', ok ? 'success' : 'failure')
      .css({
        display: 'block',
        // Fixed light colours behind fixed dark text: readable in any editor theme.
        background: ok ? '#e6f4e6' : '#fbe9e9',
        color: ok ? '#1d5e1d' : '#8a1f1f',
      });
    $('<div/>', { class: 'auth-object-test-message' }).text(message).appendTo(out);
    if (typeof warning === 'string' && warning.trim() !== '') {
      const line = $('<div/>', { class: 'auth-object-test-warning', role: 'note' })
        .css({
          margin: '6px 0 0',
          padding: '4px 8px',
          'border-left': '3px solid #e65100',
          background: '#fff3e0',
          color: '#4e2600',
        })
        .appendTo(out);
      $('<i/>', { class: 'fa fa-exclamation-triangle', 'aria-hidden': 'true' })
        .css({ 'margin-right': '6px', color: '#e65100' })
        .appendTo(line);
      $('<span/>')
        .text(t('test.warning', { message: warning.trim() }))
        .appendTo(line);
    }
    RED.tray.resize();
  };
  button.prop('disabled', true);
  clearFieldHints();
  out
    .text(t('test.testing'))
    .attr('data-result', 'pending')
    .css({ display: 'block', background: 'none', color: '' });
  $.ajax({
    url: 'auth-objects/test',
    type: 'POST',
    contentType: 'application/json',
    data: JSON.stringify(body),
    dataType: 'json',
  })
    .done((r: TestAnswer) => {
      if (run !== testRun) return;
      if (r.ok && r.delegated) {
        const lines = [r.message || t('test.delegated')];
        if (r.tokenEndpoint) lines.push(`${t('label.tokenUrl')}: ${r.tokenEndpoint}`);
        if (r.authorizeEndpoint) lines.push(`${t('label.authorizeUrl')}: ${r.authorizeEndpoint}`);
        if (r.deviceAuthorizationEndpoint) {
          lines.push(`${t('label.deviceAuthorizationUrl')}: ${r.deviceAuthorizationEndpoint}`);
        }
        show(true, lines.join('\n'), r.warning);
      } else if (r.ok && r.static) {
        show(
          true,
          r.status === undefined ? t('test.staticNoUrl') : t('test.staticOk', { status: r.status }),
        );
      } else if (r.ok) {
        const type = r.tokenType ?? '';
        const seconds = r.expiresIn ?? '';
        // The server named no scope: say so, rather than claim the requested one was granted.
        let message =
          r.scopeStated === false
            ? t('test.successScopeNotStated', {
                type,
                seconds,
                requested: r.requestedScope || t('test.noScope'),
              })
            : t('test.success', { type, seconds, scope: r.scope || t('test.noScope') });
        if (r.refreshToken) message += ` ${t('test.withRefresh')}`;
        if (r.tokenEndpoint && !value('tokenUrl').trim()) {
          // Shown under the issuer: the endpoint discovery found.
          $('#auth-object-discovered')
            .text(t('test.discovered', { url: r.tokenEndpoint }))
            .show();
        }
        show(true, message, r.warning);
      } else {
        show(false, t('test.failed', { code: r.code ?? '', message: r.message ?? '' }), r.warning);
        markFailedFields(r);
      }
    })
    .fail((xhr: JQuery.jqXHR) => {
      const r = (xhr.responseJSON || {}) as TestAnswer;
      const message = r.message || xhr.statusText || String(xhr.status);
      show(false, t('test.failed', { code: r.code || `HTTP_${xhr.status}`, message }), r.warning);
    })
    .always(() => {
      button.prop('disabled', false);
    });
}

/** Counts the edits of the form: a test's answer is shown only if none came after it. */
let testRun = 0;

/** Hides the result of Test connection: it tells about the form as it was. */
function clearTestResult(): void {
  testRun++;
  const out = $('#auth-object-test-result');
  if (out.css('display') === 'none') return;
  out.hide().empty().removeAttr('data-result');
  RED.tray.resize();
}

/** Any edit of any field of the form clears the result of Test connection. */
function prepareStaleResult(): void {
  const form = $('#node-config-auth-object-tabs-content').closest('form');
  form.on('input.authObjectTest change.authObjectTest', 'input, select, textarea', () =>
    clearTestResult(),
  );
}

// ------------------------------------------------------------------------------------
// Which tab holds an invalid field

const TABS = ['connection', 'advanced', 'expiries'] as const;

let tabObserver: MutationObserver | undefined;

/** What a marked field is called: its label, or the list it belongs to. */
function fieldName(el: HTMLElement): string {
  const label = el.id ? $(`label[for="${el.id}"]`).first().text().trim() : '';
  if (label) return label;
  return $(el).closest('#node-config-input-expiries-container').length ? t('label.expiries') : '';
}

/**
 * Marks the header of every tab holding a field Node-RED (or an expiry row) marks as
 * invalid, so a mistake on a tab that is not shown can be found; its title names the fields.
 */
function updateTabMarkers(): void {
  for (const tab of TABS) {
    const header = $(`#red-ui-tab-auth-object-tab-${tab}`);
    if (!header.length) continue;
    const errors = $(`#auth-object-tab-${tab}`).find('.input-error').toArray();
    const invalid = errors.length > 0;
    header.toggleClass('auth-object-tab-invalid', invalid);
    let marker = header.find('.auth-object-tab-marker');
    if (!invalid) {
      marker.remove();
      continue;
    }
    if (!marker.length) {
      marker = $('<i/>', { class: 'fa fa-exclamation-triangle auth-object-tab-marker' })
        .css({ color: 'var(--red-ui-text-color-error, #AD1625)', 'margin-right': '4px' })
        .prependTo(header.find('.red-ui-tab-label').first());
    }
    const names = [...new Set(errors.map((el) => fieldName(el as HTMLElement)).filter(Boolean))];
    const title = `${RED._('editor.errors.invalidProperties')} ${names.join(', ')}`.trim();
    marker.attr({ title, 'aria-label': title, role: 'img' });
  }
}

/** Keeps the tab markers in step with the fields' input-error class. */
function watchTabMarkers(): void {
  stopTabMarkers();
  const content = $('#node-config-auth-object-tabs-content')[0];
  if (!content || typeof MutationObserver === 'undefined') return;
  let queued = false;
  tabObserver = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    setTimeout(() => {
      queued = false;
      updateTabMarkers();
    }, 0);
  });
  tabObserver.observe(content, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['class'],
  });
  setTimeout(updateTabMarkers, 0);
}

function stopTabMarkers(): void {
  tabObserver?.disconnect();
  tabObserver = undefined;
}

// ------------------------------------------------------------------------------------
// The form

/** Shows the rows the grant and client authentication use, and validates what they need. */
function prepareDependentRows(): void {
  // Which credentials are required depends on the grant and client authentication.
  const revalidateCredentials = () => {
    for (const c of CREDENTIALS) input(c).trigger('change');
    input('tls').trigger('change');
  };
  // Only the fields of the chosen kind (and, for OAuth 2.0, grant and client auth) show.
  const updateRows = () => {
    const kind = inputText(input('kind')) || DEFAULT_KIND;
    const oauth = !isStaticKind(kind);
    const grant = inputText(input('grantType'));
    const jwtBearer = oauth && grant === JWT_BEARER_GRANT;
    const auth = inputText(input('clientAuth'));
    const isPassword = oauth && grant === 'password';
    $('.auth-object-oauth2').toggle(oauth);
    $('.auth-object-static').toggle(!oauth);
    $('.auth-object-row-apiKey').toggle(kind === 'apiKey');
    $('.auth-object-row-apiKeyQuery').toggle(
      kind === 'apiKey' && inputText(input('apiKeyIn')) === 'query',
    );
    $('.auth-object-row-token').toggle(kind === 'bearer');
    $('.auth-object-row-password').toggle(isPassword || kind === 'basic');
    $('.auth-object-row-ropc').toggle(isPassword);
    $('.auth-object-row-jwtBearer').toggle(jwtBearer);
    $('.auth-object-row-authorizationCode').toggle(oauth && grant === 'authorization_code');
    $('.auth-object-row-deviceCode').toggle(oauth && grant === 'device_code');
    $('.auth-object-row-refreshTokenGrant').toggle(oauth && grant === 'refresh_token');
    $('.auth-object-row-signInGrant, .auth-object-row-signIn').toggle(
      oauth && isSignInGrant(grant),
    );
    // For a delegated grant, Test connection checks the endpoints only (no token request).
    $('.auth-object-row-clientAuth').toggle(oauth && !jwtBearer);
    $('.auth-object-row-clientSecret').toggle(oauth && !jwtBearer && usesSecret(auth));
    $('.auth-object-row-privateKey').toggle(oauth && (jwtBearer || auth === 'private_key_jwt'));
    // The discovered endpoint line shows only after a test found one.
    if (!oauth) $('#auth-object-discovered').hide();
    showKindParameters(input('expiries-container'));
    revalidateCredentials();
    input('tokenUrl').trigger('change');
    input('authorizeUrl').trigger('change');
    input('deviceAuthorizationUrl').trigger('change');
    input('apiKeyName').trigger('change');
    input('testUrl').trigger('change');
    RED.tray.resize();
  };
  const updateGrantRows = updateRows;
  const updateClientAuthRows = updateRows;
  input('kind').on('change', updateRows);
  input('apiKeyIn').on('change', updateRows);
  const updateInsecureRows = () => {
    $('.auth-object-row-insecure').toggle(input('allowInsecureHttp').is(':checked'));
    // The URL rule depends on this box: validate the URLs again.
    input('tokenUrl').trigger('change');
    input('issuer').trigger('change');
    input('refreshTokenUrl').trigger('change');
    input('authorizeUrl').trigger('change');
    input('deviceAuthorizationUrl').trigger('change');
    input('testUrl').trigger('change');
    RED.tray.resize();
  };
  input('grantType').on('change', updateGrantRows);
  input('clientAuth').on('change', updateClientAuthRows);
  input('allowInsecureHttp').on('change', updateInsecureRows);
  // The token URL may be empty exactly when an issuer is set.
  input('issuer').on('change', () => {
    input('tokenUrl').trigger('change');
    input('authorizeUrl').trigger('change');
    input('deviceAuthorizationUrl').trigger('change');
  });
  updateRows();
  updateInsecureRows();
}

function prepareParams(node: AuthObjectNode, name: 'extraParams' | 'authorizeParams'): void {
  const list = input(`${name}-container`)
    .css({ 'min-height': '120px', 'min-width': '450px' })
    .editableList<{ name?: unknown; value?: unknown }>({
      addItem(container, _index, data) {
        const row = $('<div/>').css({ display: 'flex', gap: '6px' }).appendTo(container);
        $('<input/>', {
          class: 'auth-object-param-name',
          type: 'text',
          placeholder: node._('auth-object.placeholder.paramName'),
        })
          .css({ flex: '1 1 40%', width: 'auto' })
          .val(data.name === undefined || data.name === null ? '' : String(data.name))
          .appendTo(row);
        $('<input/>', {
          class: 'auth-object-param-value',
          type: 'text',
          placeholder: node._('auth-object.placeholder.paramValue'),
        })
          .css({ flex: '1 1 60%', width: 'auto' })
          .val(data.value === undefined || data.value === null ? '' : String(data.value))
          .appendTo(row);
      },
      sortable: true,
      removable: true,
      // Removing or moving a row is an edit too.
      removeItem: clearTestResult,
      sortItems: clearTestResult,
    });
  const stored: unknown[] = Array.isArray(node[name]) ? (node[name] as unknown[]) : [];
  for (const p of stored) {
    const item = (p ?? {}) as { name?: unknown; value?: unknown };
    list.editableList('addItem', { name: item.name, value: item.value });
  }
}

// ------------------------------------------------------------------------------------
// Sign in

/** What sign-in depends on: a change of any of these needs a deploy before signing in. */
const SIGN_IN_SETTINGS = [
  'grantType',
  'tokenUrl',
  'issuer',
  'authorizeUrl',
  'deviceAuthorizationUrl',
  'refreshTokenUrl',
  'scope',
  'clientAuth',
  'tls',
  'proxy',
] as const;
const SIGN_IN_SECRETS = ['clientSecret', 'privateKey'] as const;
/** Node-RED's stand-in for a stored secret the form did not change. */
const STORED_SECRET = '__PWRD__';

/** Whether the form holds anything the deployed object does not (or it is not deployed). */
function differsFromDeployed(node: AuthObjectNode): boolean {
  if (node.changed) return true;
  const saved = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : String(v));
  for (const p of SIGN_IN_SETTINGS) {
    const shown = p === 'tls' || p === 'proxy' ? configRef(p) : inputText(input(p));
    if (shown.trim() !== saved(node[p]).trim()) return true;
  }
  if (input('allowInsecureHttp').is(':checked') !== (node.allowInsecureHttp === true)) return true;
  if (inputText(input('clientId')).trim() !== saved(node.credentials?.clientId).trim()) return true;
  // A secret typed in the form is not the deployed one.
  for (const c of SIGN_IN_SECRETS) {
    const v = inputText(input(c));
    if (v !== '' && v !== STORED_SECRET) return true;
  }
  const params = (list: unknown) =>
    JSON.stringify(
      (Array.isArray(list) ? (list as ExtraParam[]) : []).map((p) => [p?.name, p?.value ?? '']),
    );
  return params(readParams('authorizeParams')) !== params(node.authorizeParams);
}

function prepareSignIn(node: AuthObjectNode): void {
  const ctx = { id: node.id, t, deployFirst: () => differsFromDeployed(node) };
  prepareRedirectUri(t);
  $('#auth-object-signin-button').on('click', () => signInWithPopup(ctx));
  $('#auth-object-device-button').on('click', () => signInWithCode(ctx));
  const form = $('#node-config-auth-object-tabs-content').closest('form');
  // "Deploy first" goes away when the form is back to what was deployed.
  form.on('input.authObjectSignIn change.authObjectSignIn', 'input, select, textarea', () => {
    if (!differsFromDeployed(node)) $('#auth-object-signin-deploy').hide();
  });
  if (isSignInGrant(grantOf(node)) && !node.changed) showCurrentState(node.id, t);
}

function prepareExpiries(node: AuthObjectNode): void {
  const list = input('expiries-container')
    .css({ 'min-height': '150px', 'min-width': '450px' })
    .editableList<ExpiryRowData>({
      addItem(container, _index, data) {
        addExpiryRow(node, container, data);
      },
      sortable: false,
      removable: true,
      removeItem: clearTestResult,
    });
  const stored: unknown[] = Array.isArray(node.expiries) ? node.expiries : [];
  for (const e of stored) list.editableList('addItem', { entry: e });
}

/** The expiry entries as the rows hold them. */
function readExpiries(): unknown[] {
  const expiries: unknown[] = [];
  input('expiries-container')
    .editableList('items')
    .each(function () {
      const read: unknown = $(this).data('auth-object-expiry');
      if (typeof read === 'function') expiries.push((read as () => unknown)());
    });
  return expiries;
}

const seconds = (field: keyof typeof SECONDS) => ({
  value: SECONDS[field].default,
  validate: validator((_node, v) => checkSecondsField(field, v)),
});

const credential = (field: CredentialName, type: 'text' | 'password') => ({
  type,
  validate: validator((node, v) =>
    checkCredentialField(
      field,
      v,
      grantOf(node),
      clientAuthOf(node),
      kindOfNode(node),
      apiKeyInOf(node),
    ),
  ),
});

/** An optional endpoint URL: empty means the token URL. */
const optionalUrl = validator((node, v) => checkUrlField(v, insecureAllowed(node), false));

/**
 * The authorize or device URL: checked for the grant that uses it, and required unless an
 * issuer's discovery document names it.
 */
const grantUrl = (field: 'authorizeUrl' | 'deviceAuthorizationUrl') =>
  validator((node, v) =>
    isOAuth(node) && grantEndpoint(grantOf(node)) === field
      ? checkUrlField(v, insecureAllowed(node), current(node, 'issuer', '').trim() === '')
      : undefined,
  );

registerType<AuthObjectNode>(TYPE, {
  category: 'config',
  color: '#D8BFD8',
  icon: 'auth-object.svg',
  defaults: {
    name: { value: '' },
    kind: {
      value: DEFAULT_KIND,
      validate: validator((_node, v) => checkOptionField('kind', v)),
    },
    apiKeyName: {
      value: '',
      validate: validator((node, v) =>
        kindOfNode(node) === 'apiKey' ? checkApiKeyNameField(v, apiKeyInOf(node)) : undefined,
      ),
    },
    apiKeyIn: {
      value: DEFAULT_API_KEY_IN,
      validate: validator((_node, v) => checkOptionField('apiKeyIn', v)),
    },
    testUrl: {
      value: '',
      validate: validator((node, v) =>
        isOAuth(node) ? undefined : checkUrlField(v, insecureAllowed(node), false),
      ),
    },
    assertionAudience: { value: '' },
    assertionSubject: { value: '' },
    grantType: {
      value: DEFAULT_GRANT,
      validate: validator((_node, v) => checkOptionField('grantType', v)),
    },
    tokenUrl: {
      value: '',
      // Required unless an issuer's discovery document names it: the validator says so
      // with a message ("required: true" would only turn the field red, with no reason).
      validate: validator((node, v) =>
        isOAuth(node)
          ? checkUrlField(v, insecureAllowed(node), current(node, 'issuer', '').trim() === '')
          : undefined,
      ),
    },
    issuer: {
      value: '',
      validate: validator((node, v) => checkIssuerField(v, insecureAllowed(node))),
    },
    allowInsecureHttp: { value: false },
    refreshTokenUrl: { value: '', validate: optionalUrl },
    authorizeUrl: { value: '', validate: grantUrl('authorizeUrl') },
    deviceAuthorizationUrl: { value: '', validate: grantUrl('deviceAuthorizationUrl') },
    authorizeParams: {
      value: [],
      // Checked only for the grants that send it: a hidden list never blocks a deploy.
      validate: validator((node, v) =>
        isOAuth(node) && isSignInGrant(grantOf(node)) ? checkAuthorizeParamsField(v) : undefined,
      ),
    },
    scope: { value: '', validate: validator((_node, v) => checkScopeField(v)) },
    clientAuth: {
      value: DEFAULT_CLIENT_AUTH,
      validate: validator((_node, v) => checkOptionField('clientAuth', v)),
    },
    assertionAlg: {
      value: 'RS256',
      validate: validator((_node, v) => checkOptionField('assertionAlg', v)),
    },
    keyId: { value: '' },
    extraParams: { value: [], validate: validator((_node, v) => checkExtraParamsField(v)) },
    tls: {
      value: '',
      type: 'tls-config',
      // A validator of its own replaces Node-RED's check of the selected configuration,
      // so this one makes it too.
      validate: messageValidator<AuthObjectNode>(function (v) {
        const id = v === '_ADD_' ? '' : v;
        const verdict = explain(checkTlsField(id, clientAuthOf(this)));
        if (verdict !== true || typeof id !== 'string' || id === '') return verdict;
        const selected = RED.nodes.node(id) as { valid?: boolean } | null;
        return selected !== null && selected.valid !== false;
      }),
    },
    proxy: { value: '', type: 'http proxy', required: false },
    timeout: seconds('timeout'),
    refreshBefore: seconds('refreshBefore'),
    cooldown: seconds('cooldown'),
    expiries: { value: [], validate: validator((_node, v) => checkExpiriesField(v)) },
    notify: { value: '', validate: validator((_node, v) => checkNotifyField(v)) },
  },
  credentials: {
    clientId: credential('clientId', 'text'),
    clientSecret: credential('clientSecret', 'password'),
    username: credential('username', 'text'),
    password: credential('password', 'password'),
    privateKey: credential('privateKey', 'password'),
    apiKey: credential('apiKey', 'password'),
    token: credential('token', 'password'),
    refreshToken: credential('refreshToken', 'password'),
  },
  paletteLabel() {
    return this._('auth-object.paletteLabel');
  },
  label() {
    return this.name || endpointLabel(this);
  },
  oneditprepare() {
    editingId = this.id;
    // Node-RED marks every input autocomplete="off", which browsers ignore for password
    // fields: they would save a secret under the token URL and fill it into another object.
    $('#node-config-dialog-edit-form input[type="password"]').attr('autocomplete', 'new-password');

    const tabs = createTabs('node-config-auth-object-tabs', (tab) => {
      $('#node-config-auth-object-tabs-content').children().hide();
      $(`#${tab.id}`).show();
    });
    for (const tab of TABS) {
      tabs.addTab({ id: `auth-object-tab-${tab}`, label: this._(`auth-object.tabs.${tab}`) });
    }
    setTimeout(() => tabs.resize(), 0);
    watchTabMarkers();

    for (const field of ['timeout', 'refreshBefore', 'cooldown'] as const) {
      spinner(input(field), { min: SECONDS[field].min, max: SECONDS[field].max });
    }
    if (!this.kind) input('kind').val(DEFAULT_KIND);
    prepareExpiries(this);
    prepareDependentRows();
    prepareServiceAccount();
    $('#auth-object-test-button').on('click', () => testConnection(this));
    prepareParams(this, 'extraParams');
    prepareParams(this, 'authorizeParams');
    prepareSignIn(this);
    prepareStaleResult();
  },
  oneditsave() {
    editingId = null;
    stopTabMarkers();
    stopSignIn();
    this.extraParams = readExtraParams();
    this.authorizeParams = readParams('authorizeParams');
    this.expiries = readExpiries();

    // Do not keep secrets the chosen kind, grant and client authentication do not use.
    const needed = credentialsNeeded(
      inputText(input('grantType')),
      inputText(input('clientAuth')),
      inputText(input('kind')),
    );
    for (const c of [
      'username',
      'password',
      'clientSecret',
      'privateKey',
      'apiKey',
      'token',
      'refreshToken',
    ] as const) {
      if (!needed.includes(c)) input(c).val('');
    }
  },
  oneditcancel() {
    editingId = null;
    stopTabMarkers();
    stopSignIn();
  },
  oneditdelete() {
    editingId = null;
    stopTabMarkers();
    stopSignIn();
  },
});
