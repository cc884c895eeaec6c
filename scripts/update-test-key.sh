#!/usr/bin/env bash
# A throwaway update-signing key pair for the update end-to-end test, and the config that makes a
# test build trust it instead of the release key:
#   bash scripts/update-test-key.sh <folder>
#   npx tauri build --debug --no-bundle --config <folder>/trust-test-key.json
# The pair is made once per folder (so rebuilding does not recompile the app for a new key). It
# has no password and signs only test artifacts; the release key never leaves the release workflow.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${1:?usage: update-test-key.sh <folder>}"
mkdir -p "$DIR"
if [ ! -s "$DIR/test.key" ] || [ ! -s "$DIR/test.key.pub" ]; then
  (cd "$ROOT" && npx tauri signer generate --ci -p "" -f -w "$DIR/test.key" >/dev/null)
fi
printf '{"plugins":{"updater":{"pubkey":"%s"}}}\n' "$(tr -d '\n' < "$DIR/test.key.pub")" > "$DIR/trust-test-key.json"
