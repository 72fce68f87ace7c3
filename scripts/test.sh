#!/usr/bin/env bash
# Runs every test: unit and property tests, the integration tests against
# the real binary, the differential tester against a real redis-server, and
# the io_uring socket tests. Needs redis-server on PATH (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server is required (apt-get install -y redis-server redis-tools)" >&2
    exit 1
fi

# Benches and the fuzz crate are only built, so they cannot rot.
cargo build --all-targets
cargo test -- --test-threads 2
