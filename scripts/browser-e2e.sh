#!/usr/bin/env bash
# Builds the dialog with the mock backend, serves it on 127.0.0.1 and runs the browser end-to-end
# test in headless Chromium. Screenshots go to target/browser-e2e/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
node node_modules/vite/bin/vite.js build ui --mode e2e-mock --outDir dist-e2e --logLevel warn
node node_modules/vite/bin/vite.js preview ui --mode e2e-mock --outDir dist-e2e --host 127.0.0.1 --port 4173 --strictPort >/dev/null 2>&1 &
PREVIEW=$!
trap 'kill $PREVIEW 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:4173/ >/dev/null && break; sleep 0.1; done
node tests/browser/e2e.mjs http://127.0.0.1:4173/ "$ROOT/target/browser-e2e"
