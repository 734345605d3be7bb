#!/usr/bin/env bash
# Builds the Godot 4 GDExtension (bindings/godot, C11) and the drop-in addon
# folder build/godot/addons/meshrtc/ from an already built core library
# (build/<os>-<arch>/libmeshrtc.so, see scripts/build.sh).
#
# Steps:
#   1. Dump Godot's gdextension_interface.h from a Godot binary (GODOT, or the
#      test host in ../shared/tools/godot4/) into build/godot/gen/ - never
#      committed - and check that every interface function the binding uses
#      exists since Godot 4.3 (the addon's compatibility_minimum).
#   2. Compile libmeshrtc_godot.so (-std=c11 -Wall -Wextra -Werror), linked
#      against libmeshrtc.so with rpath $ORIGIN; only meshrtc_godot_init is
#      exported.
#   3. Assemble addons/meshrtc/: meshrtc.gdextension + bin/<platform>/ with
#      both libraries. Platforms other than linux-amd64 are included when
#      their core library exists in build/ and a cross compiler is installed
#      (linux-arm64: aarch64-linux-gnu-gcc, windows-amd64: x86_64-w64-mingw32-gcc).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bindings/godot/tools/godot_host.sh

c_toolchain
godot_host_deps

core_dir="build/linux-amd64"
if [[ ! -f "$core_dir/libmeshrtc.so" ]]; then
  echo "error: $core_dir/libmeshrtc.so is missing: run scripts/build.sh first" >&2
  exit 1
fi

out="build/godot"
gen="$out/gen"
addon="$out/addons/meshrtc"
mkdir -p "$gen"

# 1. The GDExtension interface header, dumped from the Godot binary.
godot_bin=$(godot_host_binary)
header="$gen/gdextension_interface.h"
if [[ ! -f "$header" || "$godot_bin" -nt "$header" || -n "${GODOT:-}" ]]; then
  dump_dir=$(mktemp -d)
  : >"$dump_dir/project.godot"
  mkdir -p "$dump_dir/.godot"
  echo "list=[]" >"$dump_dir/.godot/global_script_class_cache.cfg"
  (cd "$dump_dir" && "$godot_bin" --headless --dump-gdextension-interface >dump.log 2>&1) || true
  if [[ ! -s "$dump_dir/gdextension_interface.h" ]]; then
    echo "error: $godot_bin did not dump gdextension_interface.h:" >&2
    cat "$dump_dir/dump.log" >&2
    rm -rf "$dump_dir"
    exit 1
  fi
  mv "$dump_dir/gdextension_interface.h" "$header"
  "$godot_bin" --headless --version 2>/dev/null | tail -n 1 >"$gen/godot_version.txt" || true
  rm -rf "$dump_dir"
fi
echo "gdextension_interface.h from Godot $(cat "$gen/godot_version.txt" 2>/dev/null || echo '?')"
bindings/godot/tools/check_interface.sh "$header" bindings/godot/src

# 2. + 3. Compile per platform and assemble the addon.
rm -rf "$addon"
mkdir -p "$addon/bin"
sources=(bindings/godot/src/gd.c bindings/godot/src/peer.c bindings/godot/src/channel.c bindings/godot/src/init.c
  bindings/common/mrb.c)
cflags=(-std=c11 -Wall -Wextra -Werror -O2 -g0 -fPIC -D_POSIX_C_SOURCE=200809L -I "$gen" -I include -I bindings/common)
libraries=()
dependencies=()

# build_platform GODOT_FEATURE CORE_DIR CC CORE_LIB BINDING_LIB
build_platform() {
  local feature=$1 core=$2 cc=$3 core_lib=$4 binding_lib=$5
  local dest="$addon/bin/$feature"
  mkdir -p "$dest"
  cp "$core/$core_lib" "$dest/$core_lib"
  local ldflags=(-shared -L "$dest" -lmeshrtc)
  if [[ "$binding_lib" == *.so ]]; then
    # nodelete: the binding stays mapped even if Godot dlcloses it (it is
    # not reloadable, and libmeshrtc's Go runtime can never be unloaded).
    ldflags+=(-Wl,-rpath,'$ORIGIN' -Wl,--version-script=bindings/godot/exports.map -Wl,-z,defs -Wl,-z,nodelete
      -fvisibility=hidden)
  else
    ldflags+=(-static-libgcc)
  fi
  "$cc" "${cflags[@]}" "${sources[@]}" "${ldflags[@]}" -o "$dest/$binding_lib"
  libraries+=("$feature = \"bin/$feature/$binding_lib\"")
  dependencies+=("$feature = { \"bin/$feature/$core_lib\": \"\" }")
  echo "built $dest/$binding_lib"
}

build_platform linux.x86_64 "$core_dir" gcc libmeshrtc.so libmeshrtc_godot.so
if [[ -f build/linux-arm64/libmeshrtc.so ]] && command -v aarch64-linux-gnu-gcc >/dev/null; then
  build_platform linux.arm64 build/linux-arm64 aarch64-linux-gnu-gcc libmeshrtc.so libmeshrtc_godot.so
fi
if [[ -f build/windows-amd64/meshrtc.dll ]] && command -v x86_64-w64-mingw32-gcc >/dev/null; then
  build_platform windows.x86_64 build/windows-amd64 x86_64-w64-mingw32-gcc meshrtc.dll meshrtc_godot.dll
fi

# Only meshrtc_godot_init may be exported by the binding.
exported=$(nm -D --defined-only "$addon/bin/linux.x86_64/libmeshrtc_godot.so" | awk '$2 ~ /^[TDBRW]$/ {print $3}')
if [[ "$exported" != "meshrtc_godot_init" ]]; then
  echo "error: libmeshrtc_godot.so exports more than meshrtc_godot_init: $exported" >&2
  exit 1
fi

{
  echo "; meshrtc - Godot's WebRTC API on pion. Drop addons/meshrtc/ into a Godot 4.3+ project:"
  echo "; WebRTCPeerConnection, WebRTCMultiplayerPeer and SceneMultiplayer then run on meshrtc."
  echo
  echo "[configuration]"
  echo
  echo "entry_symbol = \"meshrtc_godot_init\""
  echo "compatibility_minimum = \"4.3\""
  echo "; A Go runtime cannot be unloaded."
  echo "reloadable = false"
  echo
  echo "[libraries]"
  echo
  printf '%s\n' "${libraries[@]}"
  echo
  echo "[dependencies]"
  echo
  printf '%s\n' "${dependencies[@]}"
} >"$addon/meshrtc.gdextension"
cp LICENSE "$addon/LICENSE" 2>/dev/null || true
echo "built $addon (copy it to <project>/addons/meshrtc)"
