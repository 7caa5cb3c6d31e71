import type { NodeAPI } from 'node-red';

interface PluginAPI {
  plugins: { registerPlugin(id: string, definition: { type: string; onadd?: () => void }): void };
}

/**
 * The runtime half of the "auth objects" sidebar tab; the tab itself lives in
 * auth-sidebar.html and reads GET /auth-objects/expiries (see admin-routes.ts).
 */
export = function (RED: NodeAPI & PluginAPI) {
  RED.plugins.registerPlugin('auth-objects-sidebar', { type: 'auth-objects-sidebar' });
};
