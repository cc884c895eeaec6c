#!/usr/bin/env bash
# Runs the benchmarks (not part of the test suite): the latency of a full check and of listing
# what a credential reaches against a slow fake Bitbucket, and the time of `git credential get`
# against a private Secret Service.
#   bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p repoconn-cli
cargo bench -q -p repoconn-core --bench check_latency
cargo bench -q -p repoconn-core --bench reach_latency
KEYRING_HOME="$(mktemp -d)"
trap 'rm -rf "$KEYRING_HOME"' EXIT
XDG_DATA_HOME="$KEYRING_HOME" dbus-run-session -- bash -c '
  echo -n bench-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo bench -q -p repoconn-cli --bench git_credential'

# Start-up and memory of the desktop app against a minimal Tauri hello-world, both release builds.
npx tauri build --no-bundle >/dev/null
(cd bench/hello-tauri && cargo build --release -q --features custom-protocol)
XDG_DATA_HOME="$KEYRING_HOME" REPOCONN_DATA_DIR="$KEYRING_HOME/data" dbus-run-session -- xvfb-run -a -s "-screen 0 1280x900x24" bash -c '
  echo -n bench-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  tauri-driver --port 4444 >/dev/null 2>&1 & DRIVER=$!
  for _ in $(seq 200); do curl -sf http://127.0.0.1:4444/status >/dev/null && break; sleep 0.1; done
  node tests/bench/startup.mjs bench/hello-tauri/target/release/hello-tauri target/release/repoconn-app
  kill $DRIVER' 2>&1 | grep -v "Failed to set fd limit"
for f in ui/dist/assets/*; do printf '%s: %s bytes, %s gzipped\n' "$f" "$(wc -c < "$f")" "$(gzip -9 -c "$f" | wc -c)"; done
