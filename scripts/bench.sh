#!/usr/bin/env bash
# Runs the benchmarks (not part of the test suite): the latency of a full check against a slow
# fake Bitbucket, and the time of `git credential get` against a private Secret Service.
#   bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p repoconn-cli
cargo bench -q -p repoconn-core --bench check_latency
KEYRING_HOME="$(mktemp -d)"
trap 'rm -rf "$KEYRING_HOME"' EXIT
XDG_DATA_HOME="$KEYRING_HOME" dbus-run-session -- bash -c '
  echo -n bench-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo bench -q -p repoconn-cli --bench git_credential'
