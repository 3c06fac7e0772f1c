#!/usr/bin/env bash
# Runs a command against a SurrealDB server started for it and stopped after it:
#   scripts/with-surreal.sh cargo test -p backend
# The server listens on a free loopback port with root credentials made up for this run
# and keeps its data (SurrealKV) in a temporary directory, removed afterwards. The
# command finds it in CORRAL_TEST_DATABASE, _USER and _PASSWORD; each test makes its own
# database there (backend::store::Database::for_tests).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -x "$CORRAL_SURREAL_BIN" ] || { echo "no SurrealDB server at $CORRAL_SURREAL_BIN: run scripts/tools.sh --surreal" >&2; exit 1; }

dir=$(mktemp -d)
pid=""
stop() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap stop EXIT
password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

for attempt in 1 2 3 4 5; do
  port=$(( 20000 + RANDOM % 30000 ))
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue  # taken
  "$CORRAL_SURREAL_BIN" start --no-banner --log warn --bind "127.0.0.1:$port" \
    --user root --pass "$password" "surrealkv://$dir/data" > "$dir/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    if "$CORRAL_SURREAL_BIN" isready --endpoint "http://127.0.0.1:$port" >/dev/null 2>&1; then
      break 2
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the SurrealDB server did not start on port $port (attempt $attempt):" >&2
  cat "$dir/server.log" >&2
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
done
[ -n "$pid" ] || { echo "no SurrealDB server could be started" >&2; exit 1; }
echo "==> SurrealDB server $("$CORRAL_SURREAL_BIN" version 2>/dev/null | head -n1) on ws://127.0.0.1:$port"

export CORRAL_TEST_DATABASE="ws://127.0.0.1:$port"
export CORRAL_TEST_DATABASE_USER=root
export CORRAL_TEST_DATABASE_PASSWORD="$password"
"$@"
