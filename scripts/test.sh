#!/usr/bin/env bash
# README's TEST command: everything CI checks. Installs what is missing first.
#   formatting, clippy (server and wasm builds, warnings are errors), every cargo test (the
#   backend and server suites twice: on the embedded engine and on a SurrealDB server),
#   then the Playwright end-to-end suite in Debian's Chromium against the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

# The shared target directory only grows (incremental caches, test binaries of earlier
# builds); on this machine it once filled the disk at 78 GB. Past 30 GiB, test binaries
# not rebuilt for a day go first (earlier versions of today's tests, some 200 MB each);
# if that is not enough, the incremental caches: the next build recompiles the
# workspace's own crates, not the dependencies.
cache_kib() { du -sk "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1 || true; }
if [ "$(cache_kib)" -gt $((30 * 1024 * 1024)) ] 2>/dev/null; then
  echo "==> the build cache holds $(( $(cache_kib) / 1024 / 1024 )) GiB: dropping test binaries older than a day"
  find "$CARGO_TARGET_DIR/debug/deps" -maxdepth 1 -type f -perm -u+x \
    ! -name '*.so' ! -name '*.rlib' ! -name '*.d' -mtime +0 -delete 2>/dev/null || true
fi
if [ "$(cache_kib)" -gt $((30 * 1024 * 1024)) ] 2>/dev/null; then
  echo "==> the build cache holds $(( $(cache_kib) / 1024 / 1024 )) GiB: dropping its incremental caches"
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

step "cargo test again, against a SurrealDB server"
# The same suites on `surreal start` (tools/surreal) instead of the embedded engine: each
# test gets a database of its own there (scripts/with-surreal.sh). The same command as
# above, so nothing is compiled again (selecting packages would unify features
# differently); skipped are the tests of the real binary on its embedded database
# (SIGTERM, SIGKILL, key rotation: they do not read CORRAL_TEST_DATABASE) and the
# two-process test, which ran on a SurrealDB server above already.
scripts/with-surreal.sh cargo test --workspace --locked -- \
  --skip sigterm_mid_job --skip sigkill_mid_burst --skip rotation_reseals \
  --skip keys_from_the_environment --skip two_processes_share

step "site: wasm, JavaScript glue and CSS"
cargo leptos build --split --frontend-only

report
# Last, so that the output ends with Playwright's summary line.
printf '\n==> end-to-end (Playwright, Chromium)\n'
export CORRAL_BIN="$CARGO_TARGET_DIR/debug/corral"
export LEPTOS_SITE_ROOT="$PWD/target/site"
(cd end2end && npx playwright test)
