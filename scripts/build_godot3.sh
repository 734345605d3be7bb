#!/usr/bin/env bash
# Builds the Godot 3 GDNative library (bindings/godot3, C11) and the addon
# folder build/godot3/addons/meshrtc/ from already built core libraries
# (build/<os>-<arch>/, see scripts/build.sh).
#
# Usage: scripts/build_godot3.sh [--sanitize] [PLATFORM...]
#   PLATFORM   linux-amd64, linux-arm64 or windows-amd64 (the core library's
#              build/<platform>/ folder). Default: linux-amd64 plus every
#              other platform whose core library is in build/ (with
#              --sanitize: linux-amd64 alone).
#   --sanitize linux-amd64 only, with AddressSanitizer and UBSan, into
#              build/godot3-asan/addons/meshrtc/ (for tests/godot3/run.sh).
#
# Needs the Godot 3.2 GDNative C headers (godot-headers, tag 3.2.x): the
# folder named by GODOT3_HEADERS, else the development workspace's copy.
# They are a build-time input only and are never copied into the repository.
#
# Per platform: compiles bindings/godot3/src/*.c and bindings/common/mrb.c
# with -std=c11 -Wall -Wextra -Werror, links the core library (rpath
# $ORIGIN on Linux: both libraries sit in one folder), exports only the four
# GDNative entry points, and adds the platform's entries to meshrtc.gdnlib.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

sanitize=0
platforms=()
for arg in "$@"; do
  case $arg in
    --sanitize) sanitize=1 ;;
    linux-amd64 | linux-arm64 | windows-amd64) platforms+=("$arg") ;;
    *) echo "build_godot3.sh: unknown argument $arg (see the header of $0)" >&2; exit 2 ;;
  esac
done

headers=${GODOT3_HEADERS:-../shared/tools/godot3-headers}
if [[ ! -f "$headers/gdnative_api_struct.gen.h" || ! -f "$headers/net/godot_webrtc.h" ]]; then
  echo "error: the Godot 3.2 GDNative headers were not found in '$headers'." >&2
  echo "       Point GODOT3_HEADERS at a godot-headers checkout of the 3.2 branch" >&2
  echo "       (https://github.com/godotengine/godot-headers, tag godot-3.2.3-stable)." >&2
  exit 1
fi

if ((${#platforms[@]} == 0)); then
  platforms=(linux-amd64)
  # The sanitized build is linux-amd64's alone, whatever else is built.
  if ((!sanitize)); then
    [[ -f build/linux-arm64/libmeshrtc.so ]] && platforms+=(linux-arm64)
    [[ -f build/windows-amd64/meshrtc.dll ]] && platforms+=(windows-amd64)
  fi
fi
if ((sanitize)) && [[ "${platforms[*]}" != linux-amd64 ]]; then
  echo "error: --sanitize builds linux-amd64 only" >&2
  exit 2
fi

out=build/godot3
((sanitize)) && out=build/godot3-asan
addon="$out/addons/meshrtc"
res="res://addons/meshrtc"
rm -rf "$addon"
mkdir -p "$addon/bin"

sources=(bindings/godot3/src/api.c bindings/godot3/src/peer.c bindings/godot3/src/channel.c
  bindings/godot3/src/init.c bindings/common/mrb.c)
# -isystem: Godot's headers are compiled as the system headers they are.
cflags=(-std=c11 -Wall -Wextra -Werror -fPIC -D_POSIX_C_SOURCE=200809L -isystem "$headers" -I include
  -I bindings/common)
if ((sanitize)); then
  cflags+=(-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined)
else
  cflags+=(-O2 -g0)
fi
entries=()
dependencies=()

# build_platform PLATFORM CC CORE_LIB BINDING_LIB ENTRY_KEY... : compiles the
# library for one platform into bin/PLATFORM/ next to its core library and
# records its GDNativeLibrary entries.
build_platform() {
  local platform=$1 cc=$2 core_lib=$3 binding_lib=$4
  shift 4
  local core="build/$platform/$core_lib" dest="$addon/bin/$platform"
  if [[ ! -f "$core" ]]; then
    echo "error: $core is missing: build it first (scripts/build.sh)" >&2
    exit 1
  fi
  mkdir -p "$dest"
  cp "$core" "$dest/$core_lib"
  local ldflags=(-shared -L "$dest" -lmeshrtc)
  if [[ "$binding_lib" == *.so ]]; then
    # nodelete: the library stays mapped if Godot closes it (it is not
    # reloadable, and libmeshrtc's Go runtime can never be unloaded).
    ldflags+=(-Wl,-rpath,'$ORIGIN' -Wl,--version-script=bindings/godot3/exports.map -Wl,-z,defs
      -Wl,-z,nodelete -fvisibility=hidden)
  else
    ldflags+=(-static-libgcc)
  fi
  "$cc" "${cflags[@]}" "${sources[@]}" "${ldflags[@]}" -o "$dest/$binding_lib"
  local key
  for key in "$@"; do
    entries+=("$key=\"$res/bin/$platform/$binding_lib\"")
    dependencies+=("$key=[ \"$res/bin/$platform/$core_lib\" ]")
  done
  echo "built $dest/$binding_lib"
}

c_toolchain
for platform in "${platforms[@]}"; do
  case $platform in
    linux-amd64)
      build_platform linux-amd64 "${CC:-gcc}" libmeshrtc.so libmeshrtc_godot3.so X11.64 Server.64 ;;
    linux-arm64)
      apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      build_platform linux-arm64 aarch64-linux-gnu-gcc libmeshrtc.so libmeshrtc_godot3.so X11.64.arm64 Server.64.arm64 ;;
    windows-amd64)
      apt_install gcc-mingw-w64-x86-64
      build_platform windows-amd64 x86_64-w64-mingw32-gcc meshrtc.dll meshrtc_godot3.dll Windows.64 ;;
  esac
done

# Only the GDNative entry points may be exported.
for lib in "$addon"/bin/linux-*/libmeshrtc_godot3.so; do
  exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')
  if [[ "$exported" != "godot_gdnative_init godot_gdnative_singleton godot_gdnative_terminate godot_nativescript_init " ]]; then
    echo "error: $lib exports more or less than the four GDNative entry points: $exported" >&2
    exit 1
  fi
done

# Godot takes the first [entry] key whose tags are all features of the
# running engine, so the arm64 keys (three tags) go before X11.64/Server.64,
# which an arm64 engine matches too.
by_specificity() { awk -F= '{n = split($1, t, "."); print n "\t" NR "\t" $0}' | sort -k1,1nr -k2,2n | cut -f3-; }
{
  echo "; meshrtc - Godot's WebRTC API on pion, for Godot 3.2+ (GDNative). Listed in the project's"
  echo "; gdnative/singletons, it becomes the implementation behind WebRTCPeerConnection.new()."
  echo
  echo "[general]"
  echo
  echo "singleton=true"
  echo "load_once=true"
  echo "symbol_prefix=\"godot_\""
  echo "; A Go runtime cannot be unloaded."
  echo "reloadable=false"
  echo
  echo "[entry]"
  echo
  printf '%s\n' "${entries[@]}" | by_specificity
  echo
  echo "[dependencies]"
  echo
  printf '%s\n' "${dependencies[@]}" | by_specificity
} >"$addon/meshrtc.gdnlib"

cat >"$addon/meshrtc.gdns" <<EOF
[gd_resource type="NativeScript" load_steps=2 format=2]

[ext_resource path="$res/meshrtc.gdnlib" type="GDNativeLibrary" id=1]

[resource]
resource_name = "MeshRTC"
class_name = "MeshRTC"
library = ExtResource( 1 )
EOF

cat >"$addon/README.md" <<'EOF'
# meshrtc for Godot 3.2+ (GDNative)

Godot's WebRTC API (`WebRTCPeerConnection`, `WebRTCDataChannel`, and Godot's own
`WebRTCMultiplayer` on top) implemented by meshrtc, in place of the webrtc-native plugin.

1. Keep this folder at `res://addons/meshrtc/` (the library's paths point there).
2. List the library as a GDNative singleton in `project.godot` (Project Settings → GDNative in
   the editor edits the same setting):

   ```
   [gdnative]

   singletons=[ "res://addons/meshrtc/meshrtc.gdnlib" ]
   ```
3. Restart the editor or game: `WebRTCPeerConnection.new()` now runs on meshrtc.

`load("res://addons/meshrtc/meshrtc.gdns").new()` gives a `MeshRTC` object:
`get_version()` (the library's version) and `get_live_handles()` (WebRTC objects alive).
EOF
if [[ -f LICENSE ]]; then
  cp LICENSE "$addon/LICENSE"
else
  echo "note: the repository has no LICENSE file yet: the addon ships without one"
fi
echo "built $addon (copy it to <project>/addons/meshrtc)"
