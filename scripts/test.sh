#!/usr/bin/env bash
# Runs the whole test suite, installing what is missing first. CI runs exactly this.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/prerequisites.sh
export CARGO_TERM_COLOR=never NO_COLOR=1

ensure_apt_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_rust
ensure_rust_lints
ensure_node
ensure_npm_packages
if ! command -v tauri-driver >/dev/null; then
  step "cargo install tauri-driver"
  cargo install tauri-driver --version 2.1.0 --locked --quiet
fi

# The UI is built first: the app crate embeds ui/dist when it compiles.
step "ui: build";                 npm run -s build -- --logLevel warn
step "format: cargo fmt";         cargo fmt --all --check
step "format: prettier";          npx prettier --check . --log-level warn
step "lint: clippy";              cargo clippy --workspace --all-targets --locked -- -D warnings
step "lint: release workflow (action-validator, zizmor)"
npx action-validator .github/workflows/release.yml
ensure_zizmor
"$ZIZMOR" --offline --quiet .github/workflows/release.yml
step "release: updater manifest";  node --test tests/release/
step "ui: type check";            npm run -s check
step "ui: component tests";       npm test -s
# The Rust tests run inside a private D-Bus session with an unlocked gnome-keyring, so that the
# keychain tests use a real Secret Service (and never the developer's own keyring).
step "rust tests (real Secret Service; incl. bindings freshness)"
KEYRING_HOME="$(mktemp -d)"
XDG_DATA_HOME="$KEYRING_HOME" REPOCONN_REQUIRE_KEYCHAIN=1 dbus-run-session -- bash -c '
  echo -n test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo test --workspace --locked' 2>&1 | grep -v "Failed to set fd limit"
rm -rf "$KEYRING_HOME"
step "browser end-to-end (headless Chromium, mocked IPC, axe-core)"
bash scripts/browser-e2e.sh
# One debug build serves both desktop tests; it trusts a throwaway update key instead of the
# release key, so that the update test can sign "new versions".
step "app: debug build with embedded UI (trusting a throwaway update key)"
bash scripts/update-test-key.sh "$ROOT/target/update-test-key"
npx tauri build --debug --no-bundle --config "$ROOT/target/update-test-key/trust-test-key.json"
step "desktop end-to-end (Xvfb + tauri-driver + WebKitWebDriver, fake Cloud, real keyring)"
cargo build -q --locked -p fake-bitbucket
bash scripts/desktop-e2e.sh "$ROOT/target/debug/repoconn-app"
step "updates end-to-end (the window, a local update server, signed, tampered and foreign releases)"
bash scripts/update-e2e.sh "$ROOT/target/debug/repoconn-app" "$ROOT/target/update-test-key"
if [ "${CI:-}" = "true" ] || [ "${REPOCONN_INSTALLER_TEST:-}" = "1" ]; then
  step "installer: release .deb installed with apt, launched, purged"
  bash scripts/installer-test.sh
else
  step "installer test skipped: it installs a package system-wide (run with REPOCONN_INSTALLER_TEST=1)"
fi
step "all tests passed"
