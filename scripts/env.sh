# Shared by the scripts: one target directory outside the clone, so every checkout of
# Corral on this machine reuses the same warm build cache. Sourced, not run.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/corral/target}"
export PATH="$HOME/.cargo/bin:$PATH"
# The SurrealDB server the tests also run against (scripts/tools.sh --surreal builds it).
export CORRAL_SURREAL_ROOT="${CORRAL_SURREAL_ROOT:-$HOME/.cache/corral/surreal}"
export CORRAL_SURREAL_BIN="${CORRAL_SURREAL_BIN:-$CORRAL_SURREAL_ROOT/bin/surreal}"
# Never let Playwright (or anything else) fetch a browser: Debian's chromium is used.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
