/**
 * The package's English messages for node tests. node-red-node-test-helper gives nodes a
 * `RED._` that returns the key; wrapped with {@link inEnglish}, a node module gets one
 * that reads locales/en-US and fills `__name__` placeholders as Node-RED's i18next does
 * (a missing value keeps its placeholder, a missing message gives the key back).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NodeAPI, NodeInitializer } from 'node-red';

const catalogues = new Map<string, unknown>();

function catalogue(name: string): unknown {
  if (!catalogues.has(name)) {
    const file = path.resolve(__dirname, '../../locales/en-US', `${name}.json`);
    catalogues.set(name, fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {});
  }
  return catalogues.get(name);
}

/** `RED._` over the English catalogues: `auth-object.errors.http` reads auth-object.json. */
export function english(key: string, params: Record<string, unknown> = {}): string {
  const [name, ...rest] = key.split('.');
  let text = (catalogue(name!) as Record<string, unknown>)[name!];
  for (const k of rest) {
    text = text && typeof text === 'object' ? (text as Record<string, unknown>)[k] : undefined;
  }
  if (typeof text !== 'string') return key;
  return text.replace(/__(\w+)__/g, (m, p: string) => (p in params ? String(params[p]) : m));
}

/** A node module that gets {@link english} as its `RED._`, and everything else unchanged. */
export function inEnglish(mod: (RED: NodeAPI) => void): NodeInitializer {
  return (RED) =>
    mod(
      new Proxy(RED, {
        get: (target, prop, receiver) =>
          prop === '_' ? english : (Reflect.get(target, prop, receiver) as unknown),
      }),
    );
}
