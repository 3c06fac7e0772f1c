#!/usr/bin/env bash
# README's TEST command: everything CI checks. Installs what is missing first.
#   formatting, clippy (server and wasm builds, warnings are errors), every cargo test (the
#   backend and server suites twice: on the embedded engine and on a SurrealDB server),
#   then the Playwright end-to-end suite in Debian's Chromium against the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The shared target directory only grows (incremental caches, test binaries of earlier
# builds); on this machine it once filled the disk at 78 GB. Past 30 GiB the incremental
# caches go: the next build recompiles the workspace's own crates, not the dependencies.
target_kib=$(du -sk "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1 || true)
if [ "${target_kib:-0}" -gt $((30 * 1024 * 1024)) ]; then
  echo "==> the build cache holds $((target_kib / 1024 / 1024)) GiB: dropping its incremental caches"
  rm -rf "$CARGO_TARGET_DIR/debug/incremental" "$CARGO_TARGET_DIR/front/wasm32-unknown-unknown/debug/incremental"
fi

# Each step prints its name; the durations are summed up at the end (docs/building.md).
timings=()
started=$SECONDS
last_step=""
last_start=$SECONDS
finish_step() {
  [ -n "$last_step" ] && timings+=("$(printf '%5ds  %s' $((SECONDS - last_start)) "$last_step")")
  return 0
}
step() {
  finish_step
  last_step="$*"
  last_start=$SECONDS
  printf '\n==> %s\n' "$*"
}
report() {
  finish_step
  last_step=""
  printf '\n==> step timings so far (Playwright prints its own below)\n'
  printf '%s\n' "${timings[@]}"
  printf '%5ds  total\n' $((SECONDS - started))
}

step "tools"
scripts/tools.sh --e2e --surreal

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (host)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo clippy (wasm, hydrate)"
cargo clippy -p app --lib --locked --target wasm32-unknown-unknown --features hydrate \
  --target-dir "$CARGO_TARGET_DIR/front" -- -D warnings

step "cargo test"
# Also builds target/debug/corral, the binary the end-to-end suite runs, and
# target/debug/pve-sim, which it starts to have clusters it can take offline.
cargo test --workspace --locked

step "cargo test (backend, server) against a SurrealDB server"
# The same suites on `surreal start` (tools/surreal) instead of the embedded engine: each
# test gets a database of its own there (scripts/with-surreal.sh).
scripts/with-surreal.sh cargo test --locked -p backend -p server

step "site: wasm, JavaScript glue and CSS"
cargo leptos build --frontend-only

report
# Last, so that the output ends with Playwright's summary line.
printf '\n==> end-to-end (Playwright, Chromium)\n'
export CORRAL_BIN="$CARGO_TARGET_DIR/debug/corral"
export LEPTOS_SITE_ROOT="$PWD/target/site"
(cd end2end && npx playwright test)
