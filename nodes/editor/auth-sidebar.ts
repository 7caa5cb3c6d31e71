/**
 * The "auth objects" sidebar tab: every deployed object's expiries, from
 * GET auth-objects/expiries (nodes/admin-routes.ts), filtered by the same thresholds
 * the admin list uses.
 */
import { THRESHOLDS } from '../core/rules';

// Plugin messages are namespaced by the plugin's set id.
const NS = 'node-red-contrib-auth-objects/auth-objects-sidebar:auth-objects-sidebar.';
const PLUGIN = 'auth-objects-sidebar';
const TAB = 'auth-objects';
const ACTION = 'auth-objects:show-sidebar';

type Severity = 'ok' | 'warning' | 'critical' | 'expired';
type Filter = 'expired' | 'week' | 'month' | 'all';

const COLORS: Record<Severity | 'invalid', string> = {
  expired: '#c62828',
  critical: '#ef6c00',
  warning: '#f9a825',
  ok: '#2e7d32',
  invalid: '#6d4c41',
};
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
  objects: ObjectRef[];
  items: Item[];
  invalid: InvalidItem[];
}

/** A row of the list. */
type Row =
  | ({ kind: 'item' } & Item)
  | ({ kind: 'invalid' } & InvalidItem)
  | { kind: 'none'; authObject: ObjectRef };

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

function openObject(id: string): void {
  RED.editor.editConfig('', 'auth-object', id, '');
}

function row(item: Row): JQuery {
  const severity = item.kind === 'item' ? item.severity : item.kind === 'invalid' ? 'invalid' : '';
  const color = severity ? COLORS[severity] : undefined;
  const li = $('<li class="auth-objects-item" tabindex="0" role="button"></li>')
    .attr({ 'data-object': item.authObject.id, title: t('open', { name: item.authObject.name }) })
    .css({
      padding: '6px 10px',
      borderLeft: `4px solid ${color ?? 'transparent'}`,
      borderBottom: '1px solid var(--red-ui-secondary-border-color, #ddd)',
      cursor: 'pointer',
    });
  if (severity) li.attr('data-severity', severity);
  const top = $(
    '<div style="display: flex; justify-content: space-between; gap: 8px;"></div>',
  ).appendTo(li);
  $('<span class="auth-objects-name" style="font-weight: bold;"></span>')
    .text(item.authObject.name)
    .appendTo(top);
  const status = $('<span class="auth-objects-severity"></span>')
    .css({ color: color ?? '', whiteSpace: 'nowrap' })
    .appendTo(top);
  if (severity) status.text(t(`severity.${severity}`));
  let line: string;
  if (item.kind === 'invalid') line = t('invalid', { value: item.expiresAt });
  else if (item.kind === 'none') line = t('none');
  else {
    const what = item.appliesTo?.length ? item.appliesTo.join(', ') : '';
    line = `${shownDate(item)} · ${when(item.daysLeft)}${what ? ` · ${what}` : ''}`;
  }
  $('<div class="auth-objects-when"></div>').text(line).appendTo(li);
  if (item.kind === 'item' && item.note) {
    $('<div style="font-style: italic; color: var(--red-ui-secondary-text-color, #888);"></div>')
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

const plugin: SidebarPlugin = {
  type: PLUGIN,
  onadd() {
    let filter: Filter = 'month';
    let data: Expiries = { objects: [], items: [], invalid: [] };
    const content = $(
      '<div class="auth-objects-sidebar" style="display: flex; flex-direction: column; height: 100%; overflow-x: hidden;"></div>',
    );
    const toolbar = $(
      '<div class="red-ui-sidebar-header" style="display: flex; flex-wrap: wrap; gap: 4px; align-items: center; flex: 0 0 auto;"></div>',
    ).appendTo(content);
    const group = $('<span class="button-group"></span>').appendTo(toolbar);
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
    const scroller = $('<div style="flex: 1 1 auto; overflow-y: auto;"></div>').appendTo(content);
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
      if (filter === 'all') {
        const withItems = new Set([...data.items, ...data.invalid].map((i) => i.authObject.id));
        for (const o of data.objects) {
          if (!withItems.has(o.id)) {
            rows.push({ kind: 'none', authObject: { id: o.id, name: o.name } });
          }
        }
      }
      if (rows.length === 0) {
        $('<li class="auth-objects-empty" style="padding: 10px;"></li>')
          .text(t('empty'))
          .appendTo(list);
      }
      for (const r of rows) row(r).appendTo(list);
    }

    function load(): void {
      $.getJSON('auth-objects/expiries')
        .done((d: Expiries) => {
          data = d;
          render();
        })
        .fail((xhr) => {
          list.empty();
          $('<li class="auth-objects-error" style="padding: 10px;"></li>')
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
    render();
  },
  onremove() {
    if (onDeploy) RED.events.off('deploy', onDeploy);
    onDeploy = undefined;
    RED.sidebar.removeTab(TAB);
    RED.actions.remove(ACTION);
  },
};

(RED.plugins.registerPlugin as unknown as (id: string, def: SidebarPlugin) => void)(PLUGIN, plugin);
