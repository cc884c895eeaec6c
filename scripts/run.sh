#!/usr/bin/env bash
# Builds Repository Connections in release mode and launches it, installing what is missing first.
#   bash scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh

ensure_apt_packages "${BUILD_PACKAGES[@]}"
ensure_rust
ensure_node
ensure_npm_packages

step "building the app (release; the first build takes about 10 minutes on 2 cores)"
npx tauri build --no-bundle

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  die "built target/release/repoconn-app, but there is no display to open its window on"
fi
step "launching target/release/repoconn-app"
exec target/release/repoconn-app
