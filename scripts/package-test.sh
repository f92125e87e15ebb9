#!/usr/bin/env bash
# Installs a built PromptLedger .deb on this machine, checks what it put where (the app, the CLI,
# the desktop entry, the icons), starts the installed app from its desktop entry under Xvfb and
# takes a screenshot, runs the installed CLI, then removes the package and checks it left nothing.
# Run by scripts/package.sh; needs root (dpkg).
#
# With the .rpm as a second argument, its file list is checked the same way (rpm -qlp).
#
#   bash scripts/package-test.sh dist/promptledger_0.1.0_amd64.deb [dist/promptledger-0.1.0.x86_64.rpm]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
deb=$(realpath "$1")
rpm_file=${2:+$(realpath "$2")}
# shellcheck disable=SC2086
ensure_apt $TEST_PACKAGES rpm

fail() { echo "package-test: FAILED: $*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }

name=$(dpkg-deb -f "$deb" Package)
version=$(dpkg-deb -f "$deb" Version)
step "install $name $version ($deb)"
if dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed"; then
  as_root dpkg -r "$name" >/dev/null
fi
# dpkg -i, as the contract says; apt then pulls any missing dependency of the package.
if ! as_root dpkg -i "$deb"; then
  as_root apt-get -o DPkg::Lock::Timeout=600 install -f -y -q --no-install-recommends
fi
dpkg-query -W -f='${Status}\n' "$name" | grep -q "install ok installed" || fail "$name is not installed"

step "dpkg -L $name"
files=$(dpkg -L "$name")
echo "$files"
desktop=$(grep -E '^/usr/share/applications/.+\.desktop$' <<<"$files" | head -1)
[ -n "$desktop" ] || fail "no desktop entry"
grep -qx /usr/bin/promptledger <<<"$files" || fail "the CLI is not in the package"
grep -qE '^/usr/share/icons/hicolor/[0-9x@]+/apps/.+\.png$' <<<"$files" || fail "no icons"
exec_line=$(grep -m1 '^Exec=' "$desktop" | cut -d= -f2- | sed 's/ %[a-zA-Z]//g')
app=$(command -v "$exec_line" || true)
[ -n "$app" ] && grep -qx "$app" <<<"$files" || fail "the desktop entry runs '$exec_line', which the package does not install"
icon=$(grep -m1 '^Icon=' "$desktop" | cut -d= -f2-)
grep -q "/apps/$icon.png" <<<"$files" || fail "the desktop entry's icon '$icon' is not in the package"
echo "desktop entry $desktop: Exec=$exec_line Icon=$icon"

if [ -n "$rpm_file" ]; then
  step "rpm -qlp $(basename "$rpm_file")"
  rpm_files=$(rpm -qlp "$rpm_file" 2>/dev/null)
  echo "$rpm_files"
  for f in /usr/bin/promptledger /usr/bin/promptledger-app /usr/share/applications/promptledger.desktop \
      /usr/share/icons/hicolor/256x256/apps/promptledger-app.png; do
    grep -qx "$f" <<<"$rpm_files" || fail "the rpm lacks $f"
  done
fi

step "the installed CLI"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
promptledger --version
PROMPTLEDGER_DB="$home/ledger.sqlite3" promptledger cost -p openai -m gpt-4o --input 1000 --output 500
cost=$(PROMPTLEDGER_DB="$home/ledger.sqlite3" promptledger cost -p openai -m gpt-4o --input 1000 --output 500 --json)
grep -q '"cost_nano_usd"' <<<"$cost" || fail "promptledger cost --json printed no cost: $cost"

step "start the installed app (its desktop entry's command) under Xvfb"
out="${PROMPTLEDGER_ARTIFACTS:-$PWD/artifacts}"
mkdir -p "$out"
shot="$out/package-installed.png"
HOME="$home" XDG_DATA_HOME="$home/share" XDG_CONFIG_HOME="$home/config" XDG_CACHE_HOME="$home/cache" \
  keyctl session - dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash -c '
    echo -n promptledger-package | XDG_DATA_HOME="$HOME/keyrings" gnome-keyring-daemon --unlock --components=secrets >/dev/null
    "$1" >"$HOME/app.log" 2>&1 &
    pid=$!
    xdotool search --sync --onlyvisible --name "^PromptLedger$" >/dev/null &
    finder=$!
    for _ in $(seq 1 300); do kill -0 "$finder" 2>/dev/null || break; sleep 0.1; done
    kill "$finder" 2>/dev/null && { echo "no window within 30 s"; cat "$HOME/app.log"; exit 1; }
    sleep 3
    kill -0 "$pid" || { echo "the app exited"; cat "$HOME/app.log"; exit 1; }
    import -window root "$2"
    kill "$pid"; wait "$pid" || true' package-test "$app" "$shot" || fail "the installed app did not start"
[ -s "$shot" ] || fail "no screenshot"
ls -l "$home/share/com.promptledger.app/" | grep -q ledger.sqlite3 || fail "the installed app opened no ledger"
echo "screenshot: $shot"

step "remove $name"
as_root dpkg -r "$name"
if dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed"; then
  fail "$name is still installed"
fi
while read -r f; do
  [ -f "$f" ] && fail "$f is still there after removal"
done <<<"$files"
hash -r
[ -e /usr/bin/promptledger ] && fail "/usr/bin/promptledger is still there"
echo "package-test: $name $version installed, ran and removed cleanly"
