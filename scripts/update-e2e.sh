#!/usr/bin/env bash
# The update end-to-end test: a build of the app that trusts a throwaway key (see
# scripts/update-test-key.sh) finds a "new" version on a local update server, shows its version
# and notes, and installs it only when its signature verifies; a tampered file, another key's
# signature and a signature for another version are refused with a clear message.
#   bash scripts/update-e2e.sh <app binary built with <keys>/trust-test-key.json> <keys folder>
# The new version is this very build with a marker appended, published as an AppImage (the
# updater's path for an app that was not installed from a .deb or .rpm): installing it replaces a
# copy of the app in a scratch folder, never the build, and needs no administrator rights. The
# .deb/.rpm install (pkexec dpkg -i / rpm -U) is not run here.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
APP="$(realpath "${1:?usage: update-e2e.sh <app binary> <keys folder>}")"
KEYS="$(realpath "${2:?usage: update-e2e.sh <app binary> <keys folder>}")"
SCRATCH="$(mktemp -d)"
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$SCRATCH"' EXIT
cd "$ROOT"
CURRENT="$(sed -n '/\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
NEW="$(node -p '(([a, b, c]) => `${a}.${b}.${Number(c) + 1}`)(process.argv[1].split("."))' "$CURRENT")"

# The copy of the app that gets updated.
mkdir -p "$SCRATCH/installed" "$SCRATCH/srv" "$SCRATCH/data" "$SCRATCH/keyring"
cp "$APP" "$SCRATCH/installed/repoconn-app"

# A local update server on a free port; its log lists every request.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$SCRATCH/srv" >"$SCRATCH/server.out" 2>"$SCRATCH/requests.log" &
SERVER=$!
for _ in $(seq 100); do grep -q 'port' "$SCRATCH/server.out" 2>/dev/null && break; sleep 0.1; done
PORT="$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$SCRATCH/server.out" | head -1)"

sign() { # <private key file> <version> <file>
  TAURI_SIGNING_PRIVATE_KEY="$(cat "$1")" TAURI_SIGNING_PRIVATE_KEY_PASSWORD="" \
    npx tauri signer sign --app-version "$2" "$3" >/dev/null 2>&1
}
ARTIFACT="Repository Connections_${NEW}_amd64.AppImage"
# One release folder and manifest (written by the release workflow's own script) per case.
publish() { # <case>; the folder holds the artifact and its .sig
  node scripts/updater-manifest.mjs "$SCRATCH/srv/$1" "v$NEW" "http://127.0.0.1:$PORT/$1" > "$SCRATCH/srv/$1.json"
}
mkdir -p "$SCRATCH/srv/good" "$SCRATCH/srv/tampered" "$SCRATCH/srv/other-key" "$SCRATCH/srv/other-version"
{ cat "$APP"; printf '\nrepoconn-update-e2e %s\n' "$NEW"; } > "$SCRATCH/srv/good/$ARTIFACT"
sign "$KEYS/test.key" "$NEW" "$SCRATCH/srv/good/$ARTIFACT"
publish good
# Tampered: one byte changed after signing.
cp "$SCRATCH/srv/good/$ARTIFACT" "$SCRATCH/srv/good/$ARTIFACT.sig" "$SCRATCH/srv/tampered/"
printf 'X' | dd of="$SCRATCH/srv/tampered/$ARTIFACT" bs=1 seek=4096 conv=notrunc status=none
publish tampered
# Another key: a valid signature, by a key the app does not trust.
npx tauri signer generate --ci -p "" -w "$SCRATCH/other.key" >/dev/null 2>&1
cp "$SCRATCH/srv/good/$ARTIFACT" "$SCRATCH/srv/other-key/"
sign "$SCRATCH/other.key" "$NEW" "$SCRATCH/srv/other-key/$ARTIFACT"
publish other-key
# Another version: the trusted key's signature of this file as version $CURRENT, offered as $NEW.
cp "$SCRATCH/srv/good/$ARTIFACT" "$SCRATCH/srv/other-version/"
sign "$KEYS/test.key" "$CURRENT" "$SCRATCH/srv/other-version/$ARTIFACT"
publish other-version

export REPOCONN_DATA_DIR="$SCRATCH/data" REPOCONN_KEYCHAIN_SERVICE="repoconn-update-e2e" \
  XDG_DATA_HOME="$SCRATCH/keyring" REPOCONN_UPDATE_URL="http://127.0.0.1:$PORT/latest.json" \
  REPOCONN_POLICY_FILE="$SCRATCH/policy.json" UPDATE_SRV="$SCRATCH/srv" UPDATE_REQUESTS="$SCRATCH/requests.log" \
  UPDATE_ARTIFACT="$SCRATCH/srv/good/$ARTIFACT" CURRENT NEW ROOT
INSTALLED="$SCRATCH/installed/repoconn-app"
dbus-run-session -- xvfb-run -a -s "-screen 0 1280x900x24 -nolisten tcp" bash -c '
  echo -n e2e-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  tauri-driver --port 4444 >"$ROOT/target/tauri-driver-update.log" 2>&1 &
  DRIVER=$!
  for _ in $(seq 200); do curl -sf http://127.0.0.1:4444/status >/dev/null && break; sleep 0.1; done
  rc=0
  node "$ROOT/tests/desktop/update.mjs" "'"$INSTALLED"'" "$ROOT/target/update-e2e.png" || rc=$?
  kill "$DRIVER" 2>/dev/null; wait "$DRIVER" 2>/dev/null || true
  exit $rc' 2>&1 | grep -v "Failed to set fd limit"
