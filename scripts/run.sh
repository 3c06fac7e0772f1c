#!/usr/bin/env bash
# README's RUN command: install what is missing, build, and serve Corral (with its
# simulated demo node) at http://127.0.0.1:3000 with the embedded database under ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/tools.sh
exec cargo leptos serve --split -- --demo "$@"
