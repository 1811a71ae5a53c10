#!/usr/bin/env bash
# deps.sh installs the Debian packages EnrollDesk needs, skipping those already
# installed; it uses sudo only when not running as root.
#   scripts/deps.sh build   cgo toolchain and the X11/GL headers Fyne needs
#   scripts/deps.sh test    build + the tools the tests use (PDF, QR, CUPS, PostgreSQL)
#   scripts/deps.sh run     build + the libraries a real window needs
#   scripts/deps.sh package build + the Windows cross-compiler and the checks of make package
set -euo pipefail

build=(gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev
  libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev)
test=(poppler-utils zbar-tools cups cups-client printer-driver-cups-pdf imagemagick
  xvfb xauth xdotool libgl1 libgl1-mesa-dri libx11-6 libx11-xcb1 libxcursor1 libxi6
  libxinerama1 libxrandr2 libxrender1 libxxf86vm1 postgresql)
run=(libgl1 libgl1-mesa-dri libx11-6 libx11-xcb1 libxcursor1 libxi6 libxinerama1
  libxrandr2 libxrender1 libxxf86vm1)
package=(gcc-mingw-w64-x86-64 file xz-utils)

want=("${build[@]}")
case "${1:-build}" in
  build) ;;
  test) want+=("${test[@]}") ;;
  run) want+=("${run[@]}") ;;
  package) want+=("${package[@]}") ;;
  all) want+=("${test[@]}" "${run[@]}" "${package[@]}") ;;
  *) echo "usage: $0 build|test|run|package|all" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "deps: missing packages ${missing[*]} and no apt-get; install them by hand" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
