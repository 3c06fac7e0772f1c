#!/usr/bin/env bash
# Installs what building and testing Corral needs, skipping what is already present.
# Safe to run any number of times. Everything comes from crates.io, npm or Debian.
#
#   scripts/tools.sh            wasm target, cargo-leptos, wasm-bindgen-cli, Debian bubblewrap
#   scripts/tools.sh --e2e      ... plus Debian chromium, openssh-server and the Playwright npm packages
#   scripts/tools.sh --release  ... plus wasm-opt (npm binaryen) for release builds
#   scripts/tools.sh --surreal  ... plus the SurrealDB server the tests also run against
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

CARGO_LEPTOS_VERSION=0.3.10
want_e2e=false
want_release=false
want_surreal=false
for arg in "$@"; do
  case "$arg" in
    --e2e) want_e2e=true ;;
    --release) want_release=true ;;
    --surreal) want_surreal=true ;;
    *) echo "usage: scripts/tools.sh [--e2e] [--release] [--surreal]" >&2; exit 2 ;;
  esac
done

say() { printf '[tools] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

command -v cargo >/dev/null || { say "cargo is missing: install Rust with rustup first"; exit 1; }

# 1. The wasm target.
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown target: present"
else
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. cargo-leptos, built without its downloader (it must find every tool on PATH).
if cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION"; then
  say "cargo-leptos $CARGO_LEPTOS_VERSION: present"
else
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes on 2 cores)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

# 3. wasm-bindgen-cli at exactly the version Cargo.lock holds for the wasm-bindgen crate.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$bindgen_version" ] || { say "Cargo.lock names no wasm-bindgen version"; exit 1; }
if wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $bindgen_version"; then
  say "wasm-bindgen $bindgen_version: present"
else
  # Not --locked: the CLI's own lock file names a webpki-roots release crates.io no longer serves.
  say "installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "$bindgen_version" --force
  wasm-bindgen --version | grep -qx "wasm-bindgen $bindgen_version" \
    || { say "wasm-bindgen on PATH is not $bindgen_version"; exit 1; }
fi

# 3b. bubblewrap: the simulated nodes run every SSH command for real in its sandboxes
# (the demo and the tests need it).
if command -v bwrap >/dev/null; then
  say "bubblewrap: present ($(bwrap --version))"
else
  say "installing Debian bubblewrap (the simulator's sandboxes)"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap
fi

# npm ci, but only when package-lock.json changed since the last install in that folder.
npm_install() {
  local dir=$1 stamp="$1/node_modules/.corral-lock-sha256" sum
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    say "npm packages in $dir: present"
  else
    say "installing npm packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
    echo "$sum" > "$stamp"
  fi
}

if $want_e2e; then
  # 4. Debian's Chromium for Playwright (never Playwright's own browser download).
  if [ -x /usr/bin/chromium ]; then
    say "chromium: present ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"
  else
    say "installing Debian chromium"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
  # 4b. Debian's OpenSSH server: the SSH client tests start their own sshd on a loopback port.
  if [ -x /usr/sbin/sshd ]; then
    say "openssh-server: present"
  else
    say "installing Debian openssh-server (for the SSH client tests; not started as a service here)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssh-server
  fi
  # 5. Playwright's test runner.
  npm_install end2end
fi

if $want_release; then
  # 6. wasm-opt from npm binaryen (Debian's is too old for current rustc output).
  npm_install tools
  say "wasm-opt: $(tools/node_modules/.bin/wasm-opt --version)"
fi
if $want_surreal; then
  # 7. The SurrealDB server (tools/surreal: upstream's server from the surrealdb-server
  # crate, at the version of the surrealdb crate in Cargo.lock), built outside the
  # workspace with its own target directory so the corral build is not touched.
  surreal_version=$(awk '/^name = "surrealdb"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  grep -q "surrealdb-server = { version = \"=$surreal_version\"" tools/surreal/Cargo.toml \
    || { say "tools/surreal/Cargo.toml does not build SurrealDB $surreal_version (Cargo.lock's)"; exit 1; }
  source_sum=$(cat tools/surreal/Cargo.toml tools/surreal/Cargo.lock tools/surreal/src/main.rs | sha256sum | cut -d' ' -f1)
  stamp="$CORRAL_SURREAL_ROOT/.corral-source-sha256"
  if [ -x "$CORRAL_SURREAL_BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$source_sum" ]; then
    say "SurrealDB server $surreal_version: present ($CORRAL_SURREAL_BIN)"
  else
    say "building the SurrealDB server $surreal_version (tools/surreal; about 25 minutes on 2 cores, once)"
    cargo install --path tools/surreal --locked --force --root "$CORRAL_SURREAL_ROOT" \
      --target-dir "$HOME/.cache/corral/surreal-target"
    echo "$source_sum" > "$stamp"
  fi
fi
say "done"
