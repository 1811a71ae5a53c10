#!/usr/bin/env bash
# package.sh builds what `make package` ships into dist/ and checks that each
# one runs:
#   dist/enrolldesk.tar.xz  the Linux bundle, made by the Fyne packaging tool
#                           (fyne.io/tools, pinned in tools/fyne.mod) from bin/enrolldesk
#   dist/enrolldesk.exe     Windows amd64, cross-compiled with mingw-w64
# Usage: scripts/package.sh BIN VERSION   (the Makefile passes both)
set -euo pipefail
bin=${1:?usage: $0 BIN VERSION}
version=${2:?usage: $0 BIN VERSION}
go=${GO:-go}
dist=dist
mkdir -p "$dist"
rm -rf "$dist/enrolldesk.tar.xz" "$dist/enrolldesk.exe" "$dist/check"

# Linux. An ASCII --name, or the archive and binary take the Chinese app
# name of FyneApp.toml; --exe packages the binary the Makefile just built
# (with the version in it) instead of building another. tar -J reads XZ_OPT:
# the default level takes minutes for a 50 MB binary on a busy 2-core box.
echo "package: Linux bundle (fyne package)"
# fyne package rewrites FyneApp.toml afterwards (Build+1, comments dropped);
# the build number is raised by hand for a release, so keep the file as is.
meta=$(mktemp)
cp FyneApp.toml "$meta"
trap 'cp "$meta" FyneApp.toml; rm -f "$meta"' EXIT
XZ_OPT=${XZ_OPT:--T0 -3} $go tool -modfile=tools/fyne.mod fyne package -os linux --exe "$bin" --name enrolldesk
mv enrolldesk.tar.xz "$dist/"
# fyne package leaves the binary where it found it; keep the tree clean of
# its scratch directory if it left one.
rm -rf tmp-pkg

# Windows: cgo (GLFW, SQLite) needs a C cross-compiler. The first build
# compiles GLFW and SQLite for Windows once (minutes); later ones are cached.
echo "package: Windows amd64 (mingw-w64)"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
  $go build -ldflags "-X enrolldesk/app.Version=$version" -o "$dist/enrolldesk.exe" .

# Checks: the bundle unpacks and its binary runs; the .exe is a PE32+ program.
echo "package: checking"
mkdir -p "$dist/check"
tar -xJf "$dist/enrolldesk.tar.xz" -C "$dist/check"
linux=$(find "$dist/check" -path '*/bin/enrolldesk' -type f | head -n1)
[ -n "$linux" ] || { echo "package: no bin/enrolldesk in the Linux bundle" >&2; exit 1; }
got=$("$linux" version)
[ "$got" = "enrolldesk $version" ] || { echo "package: bundle's binary says '$got', want 'enrolldesk $version'" >&2; exit 1; }
echo "  $linux version: $got"
kind=$(file -b "$dist/enrolldesk.exe")
case "$kind" in
  PE32+\ executable*x86-64*) echo "  enrolldesk.exe: $kind" ;;
  *) echo "package: enrolldesk.exe is '$kind', want a PE32+ x86-64 executable" >&2; exit 1 ;;
esac
if command -v wine >/dev/null; then
  # Headless: no X server needed for a console command. A private prefix,
  # and no Mono/Gecko installer prompts on its first start.
  prefix=$(mktemp -d)
  log=$(mktemp)
  got=$(WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY= \
    wine "$dist/enrolldesk.exe" version 2>"$log" | tr -d '\r') || true
  rm -rf "$prefix"
  if [ "$got" = "enrolldesk $version" ]; then
    echo "  wine enrolldesk.exe version: $got"
  elif grep -q 'bcryptprimitives.dll not found' "$log"; then
    # Go 1.24+ needs ProcessPrng from bcryptprimitives.dll, which Wine
    # gained in 9.x; Debian 12's Wine 8.0 cannot start any such program.
    echo "  wine enrolldesk.exe version: not checked, $(wine --version 2>/dev/null) lacks bcryptprimitives.dll (Go 1.24+ needs Wine 9 or later)"
  else
    echo "package: wine enrolldesk.exe version says '$got', want 'enrolldesk $version':" >&2
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
else
  echo "  (wine not installed: enrolldesk.exe not run; apt-get install wine wine64 to check it too)"
fi
rm -rf "$dist/check"
ls -l "$dist"
