#!/usr/bin/env bash
# Builds PromptLedger's release packages for Linux — a .deb and an .rpm that install the desktop
# app (menu entry, icons, app id com.promptledger.app) and the `promptledger` CLI on the PATH —
# into dist/, then installs the .deb on this machine, starts it under Xvfb, runs the installed
# CLI and removes the package again (scripts/package-test.sh). The package paths are printed last.
#
#   bash scripts/package.sh                  # build, then the install test
#   bash scripts/package.sh --no-install-test
#
# The bundle config in src-tauri/tauri.conf.json is ready for macOS (.app/.dmg) and Windows
# (.msi/NSIS) too; those can only be built on their own systems (`tauri build` there).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

install_test=1
for arg in "$@"; do
  case "$arg" in
    --no-install-test) install_test=0 ;;
    *) echo "package.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

# shellcheck disable=SC2086
ensure_apt $BUILD_PACKAGES
ensure_node_modules
ensure_tauri_cli
build_ui

version=$(cargo metadata --no-deps --format-version 1 --locked \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="promptledger-app"))')
release="$CARGO_TARGET_DIR/release"

echo "package: building release binaries $version (LTO; a cold build takes about 10 minutes)"
cargo build --release --locked -p promptledger-app -p promptledger-cli

# The CLI rides along in both packages as /usr/bin/promptledger. Its path is absolute (it lives in
# the shared target dir), so it is given to the bundler here rather than in tauri.conf.json.
overrides=$(mktemp --suffix=.json)
trap 'rm -f "$overrides"' EXIT
cat >"$overrides" <<JSON
{
  "bundle": {
    "linux": {
      "deb": { "files": { "/usr/bin/promptledger": "$release/promptledger" } },
      "rpm": { "files": { "/usr/bin/promptledger": "$release/promptledger" } }
    }
  }
}
JSON

rm -rf "$release/bundle/deb" "$release/bundle/rpm"
# `tauri bundle` packages the binaries just built (`tauri build` would compile the app again).
(cd src-tauri && "$TAURI_CLI" bundle --ci --bundles deb,rpm --config "$overrides")

mkdir -p dist
deb="dist/promptledger_${version}_amd64.deb"
rpm="dist/promptledger-${version}.x86_64.rpm"
cp "$(ls "$release"/bundle/deb/*.deb)" "$deb"
cp "$(ls "$release"/bundle/rpm/*.rpm)" "$rpm"

if [ "$install_test" = 1 ]; then
  bash scripts/package-test.sh "$deb" "$rpm"
fi

echo
echo "packages:"
realpath "$deb" "$rpm"
