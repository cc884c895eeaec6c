#!/usr/bin/env bash
# The desktop end-to-end test: the built app in a real window under Xvfb, inside a private D-Bus
# session with an unlocked gnome-keyring, against the fake Bitbucket Cloud and Data Centers, with
# an administrator's policy that names a Data Center application link, driven by tauri-driver.
#   bash scripts/desktop-e2e.sh <app binary>
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
APP="$(realpath "${1:?usage: desktop-e2e.sh <app binary>}")"
SHOT="$ROOT/target/desktop-e2e.png"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$SCRATCH/data" "$SCRATCH/keyring"
# The "browser" records the address it was asked to open; Bitbucket's sign-in page it follows to
# its end (the fake grants access at once and redirects back to the app), as a person would.
cat > "$SCRATCH/browser" <<EOF
#!/bin/sh
printf "%s" "\$1" > "$SCRATCH/browser.log"
case "\$1" in
  */site/oauth2/authorize*|*/rest/oauth2/latest/authorize*) exec curl --noproxy '*' -s -L -o /dev/null "\$1" ;;
esac
EOF
chmod +x "$SCRATCH/browser"
export REPOCONN_DATA_DIR="$SCRATCH/data" REPOCONN_KEYCHAIN_SERVICE="repoconn-e2e" BROWSER="$SCRATCH/browser" \
  BROWSER_LOG="$SCRATCH/browser.log" XDG_DATA_HOME="$SCRATCH/keyring" APP SHOT ROOT
FAKE="${CARGO_TARGET_DIR:-$ROOT/target}/debug/fake-bitbucket"
[ -x "$FAKE" ] || cargo build -q -p fake-bitbucket
# git's side: a throwaway home whose git keeps a dead app password in the plain-text store helper,
# as months-old set-ups do; our git helper on PATH, as an installed app puts it.
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
[ -x "$BIN/git-credential-repoconn" ] || cargo build -q -p repoconn-cli
mkdir -p "$SCRATCH/home"
export GIT_HOME="$SCRATCH/home" PATH="$BIN:$PATH"
HOME="$GIT_HOME" GIT_CONFIG_NOSYSTEM=1 git config --global credential.helper store
printf 'https://ada:ATBB3deadAppPassword0000@bitbucket.org\n' > "$GIT_HOME/.git-credentials"

dbus-run-session -- xvfb-run -a -s "-screen 0 1280x900x24 -nolisten tcp" bash -c '
  echo -n e2e-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # The fake Cloud with its OAuth server (sign-in), at one address for the API and the web.
  coproc FAKE_CLOUD { exec "'"$FAKE"'" cloud-oauth; }
  read -r REPOCONN_CLOUD_API_URL <&"${FAKE_CLOUD[0]}"
  export REPOCONN_CLOUD_WEB_URL="$REPOCONN_CLOUD_API_URL"
  # A Data Center behind a private certificate authority (its CA file written beside), and an old one.
  "'"$FAKE"'" datacenter-tls "'"$SCRATCH"'/company-ca.pem" > "'"$SCRATCH"'/tls.url" & FAKE_TLS_PID=$!
  "'"$FAKE"'" datacenter-old > "'"$SCRATCH"'/old.url" & FAKE_OLD_PID=$!
  # A Data Center with an incoming OAuth 2.0 application link (its context path is /bitbucket).
  "'"$FAKE"'" datacenter-oauth > "'"$SCRATCH"'/oauth.url" & FAKE_DC_OAUTH_PID=$!
  for _ in $(seq 100); do
    [ -s "'"$SCRATCH"'/tls.url" ] && [ -s "'"$SCRATCH"'/old.url" ] && [ -s "'"$SCRATCH"'/oauth.url" ] && break
    sleep 0.1
  done
  DC_TLS_URL=$(head -1 "'"$SCRATCH"'/tls.url"); DC_OLD_URL=$(head -1 "'"$SCRATCH"'/old.url")
  DC_OAUTH_ROOT=$(head -1 "'"$SCRATCH"'/oauth.url"); DC_OAUTH_URL="${DC_OAUTH_ROOT%/}/bitbucket"
  # A policy file names that link (client ID and secret, tests/fake-bitbucket/src/
  # datacenter_oauth.rs) with a redirect URL on a free port, as registered on the link.
  DC_OAUTH_REDIRECT="http://127.0.0.1:$(python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])")/repoconn/callback"
  export REPOCONN_POLICY_FILE="'"$SCRATCH"'/policy.json"
  printf "{\"oauth_clients\": [{\"provider\": \"data-center\", \"base_url\": \"%s\", \"client_id\": \"3f1c2a9b8d7e6f50a4b3c2d1e0f9a8b7\", \"client_secret\": \"dcLinkSecret-0123456789abcdef\", \"redirect_uri\": \"%s\"}]}\n" \
    "$DC_OAUTH_URL" "$DC_OAUTH_REDIRECT" > "$REPOCONN_POLICY_FILE"
  export REPOCONN_CLOUD_API_URL DC_TLS_URL DC_OLD_URL DC_OAUTH_URL DC_OAUTH_REDIRECT DC_CA_FILE="'"$SCRATCH"'/company-ca.pem"
  # The app (started by the driver) runs git in the throwaway home, never in the real one.
  export HOME="$GIT_HOME" GIT_CONFIG_NOSYSTEM=1
  # The desktop notification server: records what it is sent (the expiry reminders).
  export NOTIFICATION_LOG="'"$SCRATCH"'/notifications.log"
  coproc RECORDER { exec /usr/bin/python3 "$ROOT/tests/desktop/notification-recorder.py" "$NOTIFICATION_LOG"; }
  read -r _ready <&"${RECORDER[0]}"
  # Ports from REPOCONN_E2E_PORT (default 4444) up: two runs on one machine can stay apart.
  PORT=${REPOCONN_E2E_PORT:-4444}
  export TAURI_DRIVER_URL=http://127.0.0.1:$PORT
  tauri-driver --port "$PORT" --native-port $((PORT + 1)) >"$ROOT/target/tauri-driver.log" 2>&1 &
  DRIVER=$!
  for _ in $(seq 200); do curl -sf "$TAURI_DRIVER_URL/status" >/dev/null && break; sleep 0.1; done
  rc=0
  node "$ROOT/tests/desktop/e2e.mjs" "$APP" "$SHOT" || rc=$?
  kill "$DRIVER" "$FAKE_CLOUD_PID" "$FAKE_TLS_PID" "$FAKE_OLD_PID" "$FAKE_DC_OAUTH_PID" 2>/dev/null; wait "$DRIVER" 2>/dev/null || true
  # The reminders: the app started twice on a store of its own that holds an expiring connection.
  export REPOCONN_DATA_DIR="'"$SCRATCH"'/reminders-data" TAURI_DRIVER_URL=http://127.0.0.1:$((PORT + 2))
  mkdir -p "$REPOCONN_DATA_DIR"
  tauri-driver --port $((PORT + 2)) --native-port $((PORT + 3)) >"$ROOT/target/tauri-driver-reminders.log" 2>&1 &
  DRIVER=$!
  for _ in $(seq 200); do curl -sf "$TAURI_DRIVER_URL/status" >/dev/null && break; sleep 0.1; done
  node "$ROOT/tests/desktop/reminders.mjs" "$APP" || rc=$?
  kill "$DRIVER" "$RECORDER_PID" 2>/dev/null; wait "$DRIVER" 2>/dev/null || true
  exit $rc' 2>&1 | grep -v "Failed to set fd limit"
