/**
 * Node-RED's adminAuth for end-to-end tests: users with the permissions a test needs,
 * and a bearer token for each, got the way the editor gets one.
 */
import { expect } from 'chai';
import { createRequire } from 'node:module';
import type { NodeRed } from './node-red-process';

// Node-RED hashes admin passwords with bcrypt; use the copy it ships with.
const bcrypt = createRequire(require.resolve('node-red'))('bcryptjs') as {
  hashSync(s: string, rounds: number): string;
};

/** User name → permissions (`*`, `read`, or a list such as `['flows.read', 'auth-object.write']`). */
export type Users = Record<string, string | string[]>;

const password = (user: string) => `${user}-pw`;

/** The `adminAuth` setting for these users. */
export function adminAuth(users: Users): Record<string, unknown> {
  return {
    type: 'credentials',
    users: Object.entries(users).map(([username, permissions]) => ({
      username,
      password: bcrypt.hashSync(password(username), 4),
      permissions,
    })),
  };
}

/** A token per user, with every permission the user has. */
export async function adminTokens(nr: NodeRed, users: Users): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const [username, permissions] of Object.entries(users)) {
    const res = await fetch(`${nr.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'node-red-admin',
        grant_type: 'password',
        scope: Array.isArray(permissions) ? permissions.join(' ') : permissions,
        username,
        password: password(username),
      }),
    });
    const token = ((await res.json()) as { access_token?: string }).access_token;
    expect(token, `token for ${username}`).to.be.a('string');
    tokens[username] = token!;
  }
  return tokens;
}
