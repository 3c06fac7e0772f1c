#!/usr/bin/env bash
# README's TEST command: everything CI checks. Installs what is missing first.
#   formatting, clippy (server and wasm builds, warnings are errors), every cargo test,
#   then the Playwright end-to-end suite in Debian's Chromium against the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

step "tools"
scripts/tools.sh --e2e

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (host)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo clippy (wasm, hydrate)"
cargo clippy -p app --lib --locked --target wasm32-unknown-unknown --features hydrate \
  --target-dir "$CARGO_TARGET_DIR/front" -- -D warnings

step "cargo test"
# Also builds target/debug/corral, the binary the end-to-end suite runs.
cargo test --workspace --locked

step "site: wasm, JavaScript glue and CSS"
cargo leptos build --frontend-only

step "end-to-end (Playwright, Chromium)"
export CORRAL_BIN="$CARGO_TARGET_DIR/debug/corral"
export LEPTOS_SITE_ROOT="$PWD/target/site"
cd end2end
npx playwright test
