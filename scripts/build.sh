#!/usr/bin/env bash
# Builds build/<os>-<arch>/libmeshrtc.so (stripped, trimpath, only meshrtc_*
# exported) and copies include/meshrtc.h next to it; builds the lobby server
# build/<os>-<arch>/meshrtc-lobby.
# Usage: scripts/build.sh [--race]   (--race: an instrumented build for tests)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

need_go
platform="$(go env GOOS)-$(go env GOARCH)"
out="build/$platform"
flags=(-buildmode=c-shared -trimpath)
ldflags="-s -w -extldflags=-Wl,--version-script=$PWD/capi/exports.map"
if [[ "${1:-}" == "--race" ]]; then
  out="build/$platform-race"
  flags+=(-race)
  ldflags="-extldflags=-Wl,--version-script=$PWD/capi/exports.map"
fi
mkdir -p "$out"
# Go's build cache does not see headers outside the package (capi reads the
# version and constants from include/meshrtc.h): key the cgo compile to the
# header's content, or a changed header leaves a stale library.
header_sum=$(sha256sum include/meshrtc.h | cut -c1-16)
export CGO_CFLAGS="${CGO_CFLAGS:--O2 -g} -DMESHRTC_HEADER_SUM=$header_sum"
CGO_ENABLED=1 go build "${flags[@]}" -ldflags="$ldflags" -o "$out/libmeshrtc.so" ./capi
# cgo's generated header is only for the ABI test; the public one is ours.
mv "$out/libmeshrtc.h" "$out/cgo_generated.h"
cp include/meshrtc.h "$out/meshrtc.h"
echo "built $out/libmeshrtc.so"

# The lobby server command: pure Go, no cgo.
if [[ "${1:-}" != "--race" ]]; then
  CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$out/meshrtc-lobby" ./core/lobby/cmd/meshrtc-lobby
  echo "built $out/meshrtc-lobby"
fi

# The Godot 4 addon needs a Godot binary to read the GDExtension interface
# from: $GODOT, or the test host in ../shared/tools/godot4/.
if [[ "${1:-}" != "--race" && "$platform" == "linux-amd64" ]]; then
  if [[ -n "${GODOT:-}" || -f ../shared/tools/godot4/godot-4.6.3-headless.x86_64.xz ]]; then
    scripts/build_godot.sh
  else
    echo "note: no Godot binary (set GODOT=/path/to/godot4): build/godot/addons/meshrtc not built"
  fi
fi

# The Godot 3 addon needs the Godot 3.2 GDNative headers: $GODOT3_HEADERS, or
# the development workspace's copy.
if [[ "${1:-}" != "--race" && "$platform" == "linux-amd64" ]]; then
  if [[ -n "${GODOT3_HEADERS:-}" || -f ../shared/tools/godot3-headers/gdnative_api_struct.gen.h ]]; then
    scripts/build_godot3.sh
  else
    echo "note: no Godot 3.2 GDNative headers (set GODOT3_HEADERS=/path/to/godot-headers): build/godot3/addons/meshrtc not built"
  fi
fi
