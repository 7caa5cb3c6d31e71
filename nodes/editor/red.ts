/**
 * What the editor code needs from Node-RED's editor, typed where
 * @types/node-red__editor-client falls short: validators that return a message
 * (Node-RED 3.1 and later show it), and the node set's own translator.
 */

/** A property's validator: true, or the message to show. */
export type Validator<N> = (this: N, value: unknown, opt?: unknown) => boolean | string;

export interface PropertyDef<N> {
  value: unknown;
  required?: boolean;
  type?: string;
  validate?: Validator<N>;
}

/** The node instance as the editor hands it to a definition's functions. */
export interface EditorNode {
  id: string;
  type: string;
  name?: string;
  _(key: string, opts?: Record<string, string | number>): string;
  [property: string]: unknown;
}

export interface NodeDefinition<N extends EditorNode> {
  category: string;
  color?: string;
  icon?: string;
  defaults: Record<string, PropertyDef<N>>;
  credentials?: Record<
    string,
    { type: 'text' | 'password'; value?: unknown; validate?: Validator<N> }
  >;
  inputs?: number;
  outputs?: number;
  align?: 'left' | 'right';
  paletteLabel?: (this: N) => string;
  label?: (this: N) => string;
  labelStyle?: (this: N) => string;
  inputLabels?: (this: N) => string;
  outputLabels?: (this: N, index: number) => string;
  exportable?: boolean;
  oneditprepare?: (this: N) => void;
  oneditsave?: (this: N) => void;
  oneditcancel?: (this: N) => void;
  oneditdelete?: (this: N) => void;
  oneditresize?: (this: N, size: { width: number; height: number }) => void;
  [other: string]: unknown;
}

/** Registers a node type with the editor. */
export function registerType<N extends EditorNode>(type: string, def: NodeDefinition<N>): void {
  (RED.nodes.registerType as unknown as (t: string, d: NodeDefinition<N>) => void)(type, def);
}

/**
 * A translator for one node type's messages (`<type>.<key>`). They live in the node
 * set's namespace, which the registered definition's `_` knows; RED._ is the fallback
 * before registration.
 */
export type Params = Record<string, string | number>;

export function translator(type: string): (key: string, opts?: Params) => string {
  return (key, opts) => {
    const def = RED.nodes.getType(type) as { _?: (k: string, o?: Params) => string } | undefined;
    const translate = def && typeof def._ === 'function' ? def._ : RED._;
    return translate(`${type}.${key}`, opts);
  };
}

/**
 * A property validator from a check that returns true or a message. Node-RED shows
 * the message only when the validator is declared with two parameters (value, opt):
 * from one that takes one, it reads any string as truthy, that is, as valid.
 */
export function messageValidator<N>(
  check: (this: N, value: unknown) => boolean | string,
): Validator<N> {
  return function (this: N, value: unknown, _opt?: unknown) {
    return check.call(this, value);
  };
}

/** The tabs RED.tabs.create makes from the `<ul>` with this id. */
export interface TabSet {
  addTab(tab: { id: string; label: string }): void;
  resize(): void;
}

/**
 * Tabs over a form's sections; `onchange` gets the chosen tab. (The published types
 * want an element and pass the tab's id; the editor takes an id and passes the tab.)
 */
export function createTabs(id: string, onchange: (tab: { id: string }) => void): TabSet {
  const tabs = RED.tabs as unknown as {
    create(o: { id: string; onchange: (tab: { id: string }) => void }): TabSet;
  };
  return tabs.create({ id, onchange });
}

/** jQuery UI's number spinner, which the editor loads (its types are not installed). */
export function spinner(input: JQuery, range: { min: number; max: number }): void {
  (input as JQuery & { spinner(o: { min: number; max: number }): JQuery }).spinner(range);
}

/** A form control's value as text ('' when it has none). */
export function inputText(input: JQuery): string {
  const v = input.val();
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}
