import type { ChildProcess } from 'node:child_process';

export type PackageKey = 'email' | 'dashboard' | 'hoodiecrow';
export const PACKAGES: Record<PackageKey, { name: string; spec: string }>;
export function installedSync(cacheDir: string, key: PackageKey): string;
export function installed(
  cacheDir: string,
  key: PackageKey,
  opts?: { log?: (line: string) => void; onChild?: (child: ChildProcess | undefined) => void },
): Promise<string>;
export function linkInto(userDir: string, name: string, dir: string): void;
