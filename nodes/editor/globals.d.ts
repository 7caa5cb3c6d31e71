// The editor's global RED, as @types/node-red documents it.
import type { EditorRED } from 'node-red';

declare global {
  const RED: EditorRED;
}
