# Sourced by run-app.sh and test.sh: installs what a fresh Debian machine lacks (Debian packages,
# npm packages, tauri-driver) and points cargo at a shared target directory.
# Nothing is reinstalled when it is already there.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/promptledger-target}"
export PATH="$HOME/.cargo/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

BUILD_PACKAGES="build-essential pkg-config file curl libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev
  libjavascriptcoregtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev"
TEST_PACKAGES="xvfb xauth dbus dbus-x11 webkit2gtk-driver gnome-keyring libsecret-tools keyutils
  imagemagick x11-utils xdotool xclip sqlite3 python3-pip"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    as_root apt-get update -q
    as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
  fi
}

ensure_node_modules() {
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    echo "setup: installing npm packages (ui/)"
    (cd ui && npm ci --no-audit --no-fund)
  fi
}

ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null 2>&1; then
    echo "setup: installing tauri-driver"
    cargo install --locked tauri-driver@2.1.0
  fi
}

# An OTLP receiver for the team-export tests (pinned: alpha software), from PyPI.
ROTEL_VERSION=0.0.1a15
ensure_rotel() {
  local dir="$HOME/.cache/promptledger-tools/rotel-$ROTEL_VERSION"
  if [ ! -x "$dir/rotel/rotel-agent" ]; then
    echo "setup: installing rotel $ROTEL_VERSION (an OTLP receiver for the export tests)"
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location --root-user-action=ignore \
      --break-system-packages --target "$dir" "rotel==$ROTEL_VERSION"
  fi
  export PROMPTLEDGER_ROTEL="$dir/rotel/rotel-agent"
}

# The Tauri CLI (the bundler behind scripts/package.sh), prebuilt from npm into the tools cache
# rather than compiled with `cargo install` (minutes on two cores).
TAURI_CLI_VERSION=2.12.5
ensure_tauri_cli() {
  local dir="$HOME/.cache/promptledger-tools/tauri-cli-$TAURI_CLI_VERSION"
  if [ ! -x "$dir/node_modules/.bin/tauri" ]; then
    echo "setup: installing the Tauri CLI $TAURI_CLI_VERSION"
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --no-save --prefix "$dir" "@tauri-apps/cli@$TAURI_CLI_VERSION"
  fi
  TAURI_CLI="$dir/node_modules/.bin/tauri"
}

# Builds ui/dist unless it is newer than every UI source: the app embeds ui/dist, so rewriting
# it unchanged would make cargo compile the app again (minutes for a release build).
build_ui() {
  if [ -f ui/dist/index.html ] && [ -z "$(find ui/src ui/public ui/index.html ui/package.json ui/package-lock.json \
      ui/vite.config.ts ui/svelte.config.js ui/tsconfig.json -newer ui/dist/index.html 2>/dev/null | head -1)" ]; then
    echo "setup: ui/dist is up to date"
    return
  fi
  (cd ui && npm run --silent build)
}
