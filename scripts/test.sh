#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. the Python reference tools of the STIX/TAXII ecosystem, in .venv (pinned versions);
#   2. every Rust test of the workspace (unit, property, integration, crash and differential
#      tests; the differential ones call the Python reference tools through PHALANX_PYTHON);
#   3. the interoperability tests: taxii2-client, stix2 and stix2-validator against a real
#      `phalanx serve` process;
#   4. a short run of every fuzz target (cargo-fuzz; installed under target/tools if missing).
#
# Environment:
#   PHALANX_FUZZ_SECONDS   seconds per fuzz target (default 20; 0 skips fuzzing)
#   PHALANX_REQUIRE_EXTERNAL=1 (set here) makes tests that need an external tool fail instead
#   of skipping when the tool is missing, so nothing is ever skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Python reference tools (.venv)"
if ! .venv/bin/python -c 'import stix2, stix2validator, stix2matcher, taxii2client, pytest' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
fi
export PHALANX_PYTHON="$PWD/.venv/bin/python"
export PHALANX_REQUIRE_EXTERNAL=1

step "NATS JetStream (for the telemetry-bus tests)"
# A developer's machine or CI may already run one on 127.0.0.1:4222; otherwise start a private
# server with JetStream in a temporary folder, installing the Debian package if it is missing.
if [ -z "${PHALANX_NATS_URL:-}" ]; then
  if (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
    export PHALANX_NATS_URL="nats://127.0.0.1:4222"
  else
    if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
      apt-get install -y -qq nats-server >/dev/null || { apt-get update -qq && apt-get install -y -qq nats-server >/dev/null; }
    fi
    nats_bin="$(command -v nats-server || echo /usr/sbin/nats-server)"
    nats_dir="$(mktemp -d)"
    "$nats_bin" -a 127.0.0.1 -p 4222 -js -sd "$nats_dir" -l "$nats_dir/nats.log" &
    nats_pid=$!
    trap 'kill "$nats_pid" 2>/dev/null || true; rm -rf "$nats_dir"' EXIT
    for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break; sleep 0.1; done
    export PHALANX_NATS_URL="nats://127.0.0.1:4222"
  fi
fi
if [ -z "${PHALANX_NATS_SERVER:-}" ] && ! command -v nats-server >/dev/null 2>&1 && [ -x /usr/sbin/nats-server ]; then
  export PHALANX_NATS_SERVER=/usr/sbin/nats-server
fi
echo "using $PHALANX_NATS_URL"

step "Rust tests (cargo test --workspace)"
cargo test --workspace --locked

step "Interoperability tests (pytest tests/interop)"
# `cargo test` above built target/debug/phalanx for the integration tests; use that binary.
PHALANX_BIN="$PWD/target/debug/phalanx" .venv/bin/python -m pytest -q tests/interop

fuzz_seconds="${PHALANX_FUZZ_SECONDS:-20}"
if [ "$fuzz_seconds" -gt 0 ]; then
  step "Fuzz targets (${fuzz_seconds}s each)"
  if ! command -v cargo-fuzz >/dev/null 2>&1; then
    if [ ! -x target/tools/bin/cargo-fuzz ]; then
      cargo install --locked --root target/tools cargo-fuzz
    fi
    export PATH="$PWD/target/tools/bin:$PATH"
  fi
  for target in $(cargo fuzz list --fuzz-dir fuzz); do
    mkdir -p "fuzz/corpus/$target"
    cargo fuzz run --fuzz-dir fuzz -s none "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
      -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=10
  done
fi

step "All tests passed"
