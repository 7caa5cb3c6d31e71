/**
 * The "Auth objects" sidebar tab: every deployed object's expiries and its token's state,
 * from GET auth-objects/expiries (nodes/admin-routes.ts), filtered by the same thresholds
 * the admin list uses.
 */
import { KNOWN_PARAMETERS, THRESHOLDS } from '../core/rules';
import { SEVERITY_COLORS, type Severity } from '../core/severity';
import { formatUntil } from '../core/time';
import type { TokenView } from '../core/token-view';
import { describeSignIn, needsSignIn, type SignInState } from './sign-in';

// Plugin messages are namespaced by the plugin's set id.
const NS = 'node-red-contrib-auth-objects/auth-objects-sidebar:auth-objects-sidebar.';
// The auth object's own labels of the parameters it knows (its form shows the same).
const PARAM_LABELS = 'node-red-contrib-auth-objects/auth-object:auth-object.label.param.';
// The auth object's words for a sign-in state (its form says the same).
const AUTH_OBJECT = 'node-red-contrib-auth-objects/auth-object:auth-object.';
const signInWords = (key: string, opts?: Record<string, string | number>) =>
  RED._(AUTH_OBJECT + key, opts);
const PLUGIN = 'auth-objects-sidebar';
const TAB = 'auth-objects';
const ACTION = 'auth-objects:show-sidebar';

type Filter = 'expired' | 'week' | 'month' | 'all';

/**
 * What a row's label says: a severity, a date that cannot be read, no date at all, or a
 * delegated object nobody is signed in to.
 */
type Kind = Severity | 'invalid' | 'none' | 'signIn';

/**
 * The colour of each kind (the row's edge and its label's background) and the label's text
 * colour; the severities' colours are the dashboard's (core/severity.ts).
 */
const COLORS: Record<Kind, { edge: string; text: string }> = {
  expired: { edge: SEVERITY_COLORS.expired, text: '#ffffff' },
  critical: { edge: SEVERITY_COLORS.critical, text: '#ffffff' },
  warning: { edge: SEVERITY_COLORS.warning, text: '#212121' },
  ok: { edge: SEVERITY_COLORS.ok, text: '#212121' },
  invalid: { edge: '#37474f', text: '#ffffff' },
  none: { edge: '#9e9e9e', text: '#424242' },
  signIn: { edge: '#c62828', text: '#ffffff' },
};
/** The label of `none` is grey on light grey; its edge is the grey above. */
const NONE_BACKGROUND = '#eeeeee';
const FILTERS: readonly Filter[] = ['expired', 'week', 'month', 'all'];
/** Days ahead a filter shows; expired and unreadable items always show. */
const WITHIN: Partial<Record<Filter, number>> = {
  week: THRESHOLDS.criticalDays,
  month: THRESHOLDS.warnDays,
};

/** The wire format of GET auth-objects/expiries. */
interface ObjectRef {
  id: string;
  name: string;
}
interface Item {
  authObject: ObjectRef;
  appliesTo: string[];
  expiresAt: string;
  daysLeft: number;
  severity: Severity;
  note: string;
  dateOnly?: boolean;
}
interface InvalidItem {
  authObject: ObjectRef;
  appliesTo: string[];
  expiresAt: string;
  reason: string;
}
interface Expiries {
  objects: (ObjectRef & { token?: TokenView; signIn?: SignInState })[];
  items: Item[];
  invalid: InvalidItem[];
}

/** A row of the list. */
type Row =
  | ({ kind: 'item' } & Item)
  | ({ kind: 'invalid' } & InvalidItem)
  | { kind: 'none'; authObject: ObjectRef }
  | { kind: 'signIn'; authObject: ObjectRef };

/** What the editor accepts beyond what @types/node-red__editor-client describes. */
interface SidebarPlugin {
  type: string;
  onadd(): void;
  onremove(): void;
}
interface SidebarTab {
  id: string;
  label: string;
  name: string;
  iconClass: string;
  content: JQuery;
  enableOnEdit: boolean;
  onchange: () => void;
  action: string;
}

function t(key: string, opts?: Record<string, string | number>): string {
  return RED._(NS + key, opts);
}

function when(days: number): string {
  if (days === 0) return t('today');
  if (days > 0) return days === 1 ? t('dayLeft') : t('daysLeft', { count: days });
  return days === -1 ? t('dayAgo') : t('daysAgo', { count: -days });
}

function matches(filter: Filter, item: Item): boolean {
  if (filter === 'all' || item.severity === 'expired') return true;
  const within = WITHIN[filter];
  return within !== undefined && item.daysLeft <= within;
}

function filterText(kind: 'filter' | 'filterTitle', f: Filter): string {
  const within = WITHIN[f];
  return within === undefined ? t(`${kind}.${f}`) : t(`${kind}.within`, { count: within });
}

function shownDate(item: Item): string {
  // A date-only entry is a day, not an instant: show the day as entered.
  const d = new Date(item.expiresAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return item.dateOnly ? day : `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A parameter as people read it: the auth object's label, or an unknown name as typed. */
function paramLabel(name: string): string {
  if (!KNOWN_PARAMETERS.includes(name)) return name;
  const key = PARAM_LABELS + name;
  const label = RED._(key);
  return label && label !== key ? label : name;
}

/** The token line of an object's rows: what the object holds now, never a stale "valid until". */
function tokenLine(token: TokenView): { text: string; title: string } {
  const until = (iso: string) => formatUntil(Date.parse(iso));
  let text: string;
  switch (token.state) {
    case 'idle':
      text = t('token.idle');
      break;
    case 'requesting':
      text = t('token.requesting');
      break;
    case 'refreshing':
      text = t('token.refreshing', { time: until(token.expiresAt) });
      break;
    case 'valid':
      text = t('token.valid', { time: until(token.expiresAt) });
      break;
    case 'ready':
      text =
        token.expiresAt !== undefined
          ? t('token.readyUntil', { time: until(token.expiresAt) })
          : t('token.ready');
      break;
    case 'error':
      text =
        token.expiresAt !== undefined
          ? t('token.refreshFailed', { code: token.code, time: until(token.expiresAt) })
          : token.pausedUntil !== undefined
            ? t('token.paused', { code: token.code, time: until(token.pausedUntil) })
            : t('token.error', { code: token.code });
      break;
  }
  return { text, title: t(`token.title.${token.state}`) };
}

function openObject(id: string): void {
  RED.editor.editConfig('', 'auth-object', id, '');
}

/** Text that breaks anywhere rather than widen the tab. */
const WRAP = { overflowWrap: 'anywhere', wordBreak: 'break-word', minWidth: '0' };

function row(item: Row, token: TokenView | undefined, signIn: SignInState | undefined): JQuery {
  const kind: Kind = item.kind === 'item' ? item.severity : item.kind;
  const color = COLORS[kind];
  const li = $('<li class="auth-objects-item" tabindex="0" role="button"></li>')
    .attr({
      'data-object': item.authObject.id,
      'data-severity': kind,
      title: t('open', { name: item.authObject.name }),
    })
    .css({
      padding: '6px 10px',
      borderLeft: `4px solid ${color.edge}`,
      borderBottom: '1px solid var(--red-ui-secondary-border-color, #ddd)',
      cursor: 'pointer',
      overflow: 'hidden',
    });
  const top = $(
    '<div style="display: flex; justify-content: space-between; align-items: flex-start; gap: 8px;"></div>',
  ).appendTo(li);
  $('<span class="auth-objects-name" style="font-weight: bold; flex: 1 1 auto;"></span>')
    .css(WRAP)
    .text(item.authObject.name)
    .appendTo(top);
  const word = t(`severity.${kind}`);
  $('<span class="auth-objects-severity"></span>')
    .css({
      // Never squeezed by a long name; a label longer than half the row ends in "…".
      flex: '0 0 auto',
      maxWidth: '50%',
      overflow: 'hidden',
      textOverflow: 'ellipsis',
      whiteSpace: 'nowrap',
      padding: '0 6px',
      borderRadius: '8px',
      fontSize: '0.9em',
      background: kind === 'none' ? NONE_BACKGROUND : color.edge,
      color: color.text,
    })
    .attr('title', word)
    .text(word)
    .appendTo(top);
  let line: string;
  if (item.kind === 'invalid') line = t('invalid', { value: item.expiresAt });
  else if (item.kind === 'none') line = t('none');
  else if (item.kind === 'signIn') line = t('signInNeeded');
  else {
    const what = item.appliesTo?.length ? item.appliesTo.map(paramLabel).join(', ') : '';
    line = `${shownDate(item)} · ${when(item.daysLeft)}${what ? ` · ${what}` : ''}`;
  }
  $('<div class="auth-objects-when"></div>').css(WRAP).text(line).appendTo(li);
  if (token) {
    const line = tokenLine(token);
    $(
      '<div class="auth-objects-token" style="color: var(--red-ui-secondary-text-color, #888);"></div>',
    )
      .css(WRAP)
      .attr({ 'data-token-state': token.state, title: line.title })
      .text(line.text)
      .appendTo(li);
  }
  if (signIn) {
    // A person must act: sign in (again). That stands out; a valid sign-in does not.
    const act = needsSignIn(signIn);
    const el = $('<div class="auth-objects-signin"></div>')
      .css(WRAP)
      .css(
        act
          ? { color: 'var(--red-ui-text-color-error, #AD1625)', fontWeight: 'bold' }
          : { color: 'var(--red-ui-secondary-text-color, #888)' },
      )
      .attr({ 'data-signin-state': signIn.state, title: t('signInTitle') })
      .appendTo(li);
    if (act) $('<i class="fa fa-sign-in" style="margin-right: 4px;"></i>').appendTo(el);
    $('<span></span>').text(describeSignIn(signIn, signInWords)).appendTo(el);
  }
  if (item.kind === 'item' && item.note) {
    $('<div style="font-style: italic; color: var(--red-ui-secondary-text-color, #888);"></div>')
      .css(WRAP)
      .text(item.note)
      .appendTo(li);
  }
  li.on('click', () => openObject(item.authObject.id)).on('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      openObject(item.authObject.id);
    }
  });
  return li;
}

/** Reloads the open tab after a deploy; set while the tab exists. */
let onDeploy: (() => void) | undefined;
/** Reloads the open tab when a get token node's status changes (its object's token did). */
let onStatus: ((topic: string) => void) | undefined;
/** How long status changes are gathered before one reload: a deploy starts many at once. */
const STATUS_SETTLE_MS = 500;

const plugin: SidebarPlugin = {
  type: PLUGIN,
  onadd() {
    let filter: Filter = 'month';
    let data: Expiries = { objects: [], items: [], invalid: [] };
    const content = $(
      '<div class="auth-objects-sidebar" style="display: flex; flex-direction: column; height: 100%; overflow-x: hidden;"></div>',
    );
    const toolbar = $(
      '<div class="red-ui-sidebar-header" style="display: flex; flex-wrap: wrap; gap: 4px; align-items: center; flex: 0 0 auto; min-width: 0;"></div>',
    ).appendTo(content);
    const group = $(
      '<span class="button-group" style="display: flex; flex-wrap: wrap; min-width: 0;"></span>',
    ).appendTo(toolbar);
    for (const f of FILTERS) {
      $(
        '<button type="button" class="red-ui-sidebar-header-button-toggle auth-objects-filter"></button>',
      )
        .attr({ 'data-filter': f, title: filterText('filterTitle', f) })
        .text(filterText('filter', f))
        .on('click', () => {
          filter = f;
          render();
        })
        .appendTo(group);
    }
    $(
      '<button type="button" class="red-ui-sidebar-header-button auth-objects-refresh"><i class="fa fa-refresh"></i></button>',
    )
      .attr('title', t('refresh'))
      .css('margin-left', 'auto')
      .on('click', () => load())
      .appendTo(toolbar);
    // overflow-y: auto alone would make overflow-x auto too, and so a horizontal scrollbar.
    const scroller = $(
      '<div class="auth-objects-scroller" style="flex: 1 1 auto; min-height: 0; overflow-x: hidden; overflow-y: auto;"></div>',
    ).appendTo(content);
    const list = $(
      '<ul class="auth-objects-list" style="list-style: none; margin: 0; padding: 0;"></ul>',
    ).appendTo(scroller);
    $(
      '<div class="auth-objects-note" style="padding: 8px 10px; color: var(--red-ui-secondary-text-color, #888); font-size: 0.9em;"></div>',
    )
      .text(t('undeployed'))
      .appendTo(scroller);

    function render(): void {
      toolbar.find('.auth-objects-filter').each(function () {
        $(this).toggleClass('selected', $(this).attr('data-filter') === filter);
      });
      list.empty();
      const rows: Row[] = data.items
        .filter((i) => matches(filter, i))
        .map((i): Row => ({ kind: 'item', ...i }));
      for (const i of data.invalid) rows.push({ kind: 'invalid', ...i });
      const listed = new Set(rows.map((r) => r.authObject.id));
      // An object nobody is signed in to shows in every filter, like an expired item.
      for (const o of data.objects) {
        if (!listed.has(o.id) && needsSignIn(o.signIn)) {
          rows.push({ kind: 'signIn', authObject: { id: o.id, name: o.name } });
          listed.add(o.id);
        }
      }
      if (filter === 'all') {
        const withItems = new Set([...data.items, ...data.invalid].map((i) => i.authObject.id));
        for (const o of data.objects) {
          if (!withItems.has(o.id) && !listed.has(o.id)) {
            rows.push({ kind: 'none', authObject: { id: o.id, name: o.name } });
          }
        }
      }
      if (rows.length === 0) {
        $('<li class="auth-objects-empty" style="padding: 10px; overflow-wrap: anywhere;"></li>')
          .text(t('empty'))
          .appendTo(list);
      }
      const tokens = new Map(data.objects.map((o) => [o.id, o.token]));
      const signIns = new Map(data.objects.map((o) => [o.id, o.signIn]));
      for (const r of rows) {
        row(r, tokens.get(r.authObject.id), signIns.get(r.authObject.id)).appendTo(list);
      }
    }

    function load(): void {
      $.getJSON('auth-objects/expiries')
        .done((d: Expiries) => {
          data = d;
          render();
        })
        .fail((xhr) => {
          list.empty();
          $('<li class="auth-objects-error" style="padding: 10px; overflow-wrap: anywhere;"></li>')
            .text(t('loadFailed', { status: xhr.status }))
            .appendTo(list);
        });
    }

    const tab: SidebarTab = {
      id: TAB,
      label: t('label'),
      name: t('name'),
      iconClass: 'fa fa-key',
      content,
      enableOnEdit: true,
      onchange: load,
      action: ACTION,
    };
    (RED.sidebar.addTab as unknown as (options: SidebarTab) => void)(tab);
    RED.actions.add(ACTION, () => RED.sidebar.show(TAB));
    if (onDeploy) RED.events.off('deploy', onDeploy);
    onDeploy = load;
    RED.events.on('deploy', onDeploy);
    // A token is fetched, renewed or lapses when a get token node's status changes: reload
    // then, while the tab is shown, so no stale "valid until" stays on screen.
    let pending: ReturnType<typeof setTimeout> | undefined;
    if (onStatus) RED.comms.unsubscribe('status/#', onStatus);
    onStatus = (topic: string) => {
      const node = RED.nodes.node(topic.slice('status/'.length)) as { type?: string } | null;
      if (node?.type !== 'auth-get-token' || !content.is(':visible')) return;
      // After the last of a few changes in a row (requesting, then valid).
      if (pending) clearTimeout(pending);
      pending = setTimeout(() => {
        pending = undefined;
        load();
      }, STATUS_SETTLE_MS);
    };
    RED.comms.subscribe('status/#', onStatus);
    render();
  },
  onremove() {
    if (onDeploy) RED.events.off('deploy', onDeploy);
    onDeploy = undefined;
    if (onStatus) RED.comms.unsubscribe('status/#', onStatus);
    onStatus = undefined;
    RED.sidebar.removeTab(TAB);
    RED.actions.remove(ACTION);
  },
};

(RED.plugins.registerPlugin as unknown as (id: string, def: SidebarPlugin) => void)(PLUGIN, plugin);
