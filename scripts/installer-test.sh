#!/usr/bin/env bash
# Builds the release .deb, installs it with apt (dependencies resolved), opens the installed app
# under Xvfb, checks the CLI and git helper it ships, then purges it and checks that nothing of it
# is left. It changes the system, so scripts/test.sh runs it only in CI (CI=true) or when
# REPOCONN_INSTALLER_TEST=1.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
source scripts/prerequisites.sh

cargo build --release --locked -q -p repoconn-cli
npx tauri build --bundles deb,rpm
DEB="$(ls "$ROOT"/target/release/bundle/deb/*.deb)"
RPM="$(ls "$ROOT"/target/release/bundle/rpm/*.rpm)"
printf 'installer sizes: .deb %s bytes, .rpm %s bytes\n' "$(stat -c %s "$DEB")" "$(stat -c %s "$RPM")"

started=$(date +%s%N)
as_root apt-get install -y -qq "$DEB" >/dev/null
installed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
FILES="$(mktemp)"
dpkg -L repository-connections | while read -r f; do [ -f "$f" ] && echo "$f"; done > "$FILES"
echo "installed $(wc -l < "$FILES") files in ${installed_ms} ms"

desktop-file-validate "/usr/share/applications/Repository Connections.desktop"
/usr/bin/repoconn --version
printf 'protocol=https\nhost=example.invalid\n\n' | REPOCONN_DATA_DIR="$(mktemp -d)" git-credential-repoconn git-credential get

SCRATCH="$(mktemp -d)"
REPOCONN_DATA_DIR="$SCRATCH" dbus-run-session -- xvfb-run -a -s "-screen 0 1280x900x24" bash -c '
  tauri-driver --port 4444 >/dev/null 2>&1 & DRIVER=$!
  for _ in $(seq 200); do curl -sf http://127.0.0.1:4444/status >/dev/null && break; sleep 0.1; done
  rc=0; node tests/desktop/installed.mjs /usr/bin/repoconn-app target/installed-app.png || rc=$?
  kill $DRIVER; exit $rc' 2>&1 | grep -v "Failed to set fd limit"

as_root apt-get purge -y -qq repository-connections >/dev/null
left=0
while read -r f; do
  if [ -e "$f" ]; then echo "left behind after purge: $f"; left=1; fi
done < "$FILES"
rm -f "$FILES"
[ "$left" -eq 0 ] && echo "installer: purged cleanly: 1 passed, 0 failed"
exit "$left"
