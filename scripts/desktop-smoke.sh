#!/usr/bin/env bash
# Launches the built app under Xvfb inside a private D-Bus session and drives it with tauri-driver.
#   bash scripts/desktop-smoke.sh <app binary>
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
APP="$(realpath "${1:?usage: desktop-smoke.sh <app binary>}")"
SHOT="$ROOT/target/desktop-smoke.png"
DATA="$(mktemp -d)"
trap 'rm -rf "$DATA"' EXIT
export REPOCONN_DATA_DIR="$DATA" APP SHOT ROOT

dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash -c '
  tauri-driver --port 4444 >"$ROOT/target/tauri-driver.log" 2>&1 &
  DRIVER=$!
  for _ in $(seq 200); do curl -sf http://127.0.0.1:4444/status >/dev/null && break; sleep 0.1; done
  rc=0
  node "$ROOT/tests/desktop/smoke.mjs" "$APP" "$SHOT" || rc=$?
  kill "$DRIVER" 2>/dev/null; wait "$DRIVER" 2>/dev/null || true
  exit $rc'
