# Sourced by scripts/run.sh and scripts/test.sh: installs what is missing on Debian/Ubuntu, and
# only that, so that both commands can be run again and again.

# Packages Tauri 2 needs to build the app on Debian 12 / Ubuntu 22.04+.
BUILD_PACKAGES=(build-essential pkg-config curl wget file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev)
# What the test suite runs against: a virtual display, the WebKit WebDriver, a private D-Bus with
# a real Secret Service (gnome-keyring) and its command-line client, git with http-backend (and
# what building git's libsecret credential helper from the source git ships needs), and Chromium
# for the browser end-to-end test.
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver dbus gnome-keyring libsecret-tools git libsecret-1-dev
  libglib2.0-dev chromium desktop-file-utils python3-venv xdotool python3-dbus python3-gi)

MIN_RUST=1.90.0
MIN_NODE=20.19.0
NODE_DIST_VERSION=20.19.5

step_started=$SECONDS
step() { printf '\n=== [%ss] %s\n' "$((SECONDS - step_started))" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# version_at_least HAVE NEED: true when dotted version HAVE >= NEED.
version_at_least() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

ensure_apt_packages() {
  command -v dpkg-query >/dev/null || die "this script installs with apt: see README.md for macOS and Windows"
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    step "apt: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_rust() {
  export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  local have=""
  command -v rustc >/dev/null && have=$(rustc --version | awk '{print $2}')
  if [ -z "$have" ] || ! version_at_least "$have" "$MIN_RUST"; then
    if command -v rustup >/dev/null; then
      step "rust: updating the stable toolchain (have ${have:-none}, need $MIN_RUST)"
      rustup toolchain install stable --profile minimal --component rustfmt,clippy
      rustup default stable
    else
      step "rust: installing rustup and the stable toolchain"
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --component rustfmt,clippy
    fi
  fi
}

ensure_rust_lints() {
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || die "cargo fmt and cargo clippy are needed: install rustfmt and clippy"
    rustup component add rustfmt clippy
  fi
}

ensure_node() {
  local local_node="$HOME/.local/share/repoconn-dev/node-v$NODE_DIST_VERSION"
  [ -x "$local_node/bin/node" ] && export PATH="$local_node/bin:$PATH"
  local have=""
  command -v node >/dev/null && have=$(node --version | tr -d v)
  if [ -z "$have" ] || ! version_at_least "$have" "$MIN_NODE" || ! command -v npm >/dev/null; then
    # Debian and Ubuntu ship an older Node.js; take the official build into a private folder.
    local arch
    case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) die "install Node.js $MIN_NODE or newer" ;; esac
    step "node: installing Node.js $NODE_DIST_VERSION into $local_node (have ${have:-none}, need $MIN_NODE)"
    mkdir -p "$local_node"
    curl -fsSL "https://nodejs.org/dist/v$NODE_DIST_VERSION/node-v$NODE_DIST_VERSION-linux-$arch.tar.xz" |
      tar -xJ --strip-components=1 -C "$local_node"
    export PATH="$local_node/bin:$PATH"
  fi
}

# npm ci when node_modules is missing or older than the lock file.
ensure_npm_packages() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# zizmor (the release workflow's security linter) from PyPI, in a private virtual environment.
ensure_zizmor() {
  ZIZMOR="$PWD/target/lint-venv/bin/zizmor"
  if [ ! -x "$ZIZMOR" ]; then
    step "pip: zizmor"
    python3 -m venv target/lint-venv
    target/lint-venv/bin/pip install -q --disable-pip-version-check zizmor==1.32.0
  fi
}
