// Preloaded into Stryker and its workers by scripts/mutate.sh. Mocha 12 ships its CLI
// helpers as `lib/cli/*.cjs`; @stryker-mutator/mocha-runner 10.0.0 requires them without
// an extension (`lib/cli/run-helpers`), which Node resolves only for the extensions in
// require.extensions. Letting `.cjs` be tried too makes those requires find the files.
// Remove once the runner resolves mocha 12's files itself.
'use strict';
require.extensions['.cjs'] ??= require.extensions['.js'];
