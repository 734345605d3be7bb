#!/usr/bin/env bash
# Builds the Godot 4 GDExtension (bindings/godot, C11) and the drop-in addon
# folder build/godot/addons/meshrtc/ from the core libraries already built
# (build/<os>-<arch>/, see scripts/build.sh): one binding per platform built.
#
# Steps:
#   1. Dump Godot's gdextension_interface.h from a Godot binary (GODOT, or the
#      test host in ../shared/tools/godot4/) into build/godot/gen/ - never
#      committed - and check that every interface function the binding uses
#      exists since Godot 4.3 (the addon's compatibility_minimum).
#   2. Compile the binding (-std=c11 -Wall -Wextra -Werror) for every
#      platform whose core library is in build/, with that platform's
#      compiler, linked against the core library beside it (rpath $ORIGIN on
#      Linux and Android, @loader_path on macOS; Windows finds meshrtc.dll in
#      the binding's folder because Godot adds it to the DLL search path);
#      only meshrtc_godot_init is exported (checked for each platform).
#        linux.x86_64   build/linux-amd64     gcc
#        linux.arm64    build/linux-arm64     aarch64-linux-gnu-gcc
#        windows.x86_64 build/windows-amd64   x86_64-w64-mingw32-gcc
#        macos          build/darwin-universal  clang -arch arm64 -arch x86_64 (macOS host)
#        android.arm64  build/android-arm64   the NDK's clang (ANDROID_NDK_HOME)
#        android.x86_64 build/android-amd64   the NDK's clang
#        ios            build/ios-arm64       static library in an xcframework (macOS host)
#   3. Assemble addons/meshrtc/: meshrtc.gdextension + bin/<platform>/ with
#      both libraries, LICENSE, README.md and meshrtc_lobby.gd (the lobby
#      client).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
. bindings/godot/tools/godot_host.sh

c_toolchain
godot_host_deps

built=0
for d in linux-amd64 linux-arm64 windows-amd64 darwin-universal android-arm64 android-amd64 ios-arm64; do
  [[ -f build/$d/$(library_file "build/$d") ]] && built=$((built + 1))
done
if ((built == 0)); then
  echo "error: no core library in build/: run scripts/build.sh first" >&2
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

# exported_symbols LIB: the functions a built binding exports.
exported_symbols() {
  case $1 in
    *.dll) pe_exports "$1" ;;
    *.dylib) nm -gU "$1" | awk '{print $3}' | sed 's/^_//' ;;
    *.so) nm -D --defined-only "$1" | awk '$2 ~ /^[TDBRW]$/ {print $3}' ;;
  esac
}

# build_platform GODOT_FEATURE CORE_DIR CC CORE_LIB BINDING_LIB [LDFLAGS...]
build_platform() {
  local feature=$1 core=$2 cc=$3 core_lib=$4 binding_lib=$5
  shift 5
  local dest="$addon/bin/$feature"
  mkdir -p "$dest"
  cp -R "$core/$core_lib" "$dest/$core_lib"
  if [[ $binding_lib == *.xcframework ]]; then
    # iOS: Godot links static libraries into the exported app.
    local objs=() src
    for src in "${sources[@]}"; do
      $cc "${cflags[@]}" -c "$src" -o "$gen/ios-$(basename "$src" .c).o"
      objs+=("$gen/ios-$(basename "$src" .c).o")
    done
    ar rcs "$gen/libmeshrtc_godot.a" "${objs[@]}"
    xcodebuild -create-xcframework -library "$gen/libmeshrtc_godot.a" -output "$dest/$binding_lib"
  else
    $cc "${cflags[@]}" "${sources[@]}" -shared -L "$dest" -lmeshrtc "$@" -o "$dest/$binding_lib"
    local exported
    exported=$(exported_symbols "$dest/$binding_lib" | tr '\n' ' ')
    if [[ $exported != "meshrtc_godot_init " ]]; then
      echo "error: $dest/$binding_lib exports more than meshrtc_godot_init: $exported" >&2
      exit 1
    fi
  fi
  libraries+=("$feature = \"bin/$feature/$binding_lib\"")
  dependencies+=("$feature = { \"bin/$feature/$core_lib\": \"\" }")
  echo "built $dest/$binding_lib"
}

# ELF: nodelete, so the binding stays mapped even if Godot dlcloses it (it
# is not reloadable, and libmeshrtc's Go runtime can never be unloaded).
elf_ldflags=(-Wl,-rpath,'$ORIGIN' -Wl,--version-script=bindings/godot/exports.map -Wl,-z,defs -Wl,-z,nodelete
  -fvisibility=hidden)
have() { [[ -f build/$1/$(library_file "build/$1") ]]; }
host_cc=gcc
[[ $(uname -m) == x86_64 ]] || host_cc=x86_64-linux-gnu-gcc
arm_cc=aarch64-linux-gnu-gcc
[[ $(uname -m) == aarch64 ]] && arm_cc=gcc
if have linux-amd64; then
  build_platform linux.x86_64 build/linux-amd64 $host_cc libmeshrtc.so libmeshrtc_godot.so "${elf_ldflags[@]}"
fi
if have linux-arm64; then
  apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  build_platform linux.arm64 build/linux-arm64 $arm_cc libmeshrtc.so libmeshrtc_godot.so "${elf_ldflags[@]}"
fi
if have windows-amd64; then
  apt_install gcc-mingw-w64-x86-64
  build_platform windows.x86_64 build/windows-amd64 x86_64-w64-mingw32-gcc meshrtc.dll meshrtc_godot.dll -static-libgcc -Wl,--no-insert-timestamp
fi
if have darwin-universal; then
  build_platform macos build/darwin-universal "$(xcrun --find clang) -arch arm64 -arch x86_64" libmeshrtc.dylib \
    libmeshrtc_godot.dylib -Wl,-rpath,@loader_path -Wl,-exported_symbol,_meshrtc_godot_init \
    -Wl,-install_name,@rpath/libmeshrtc_godot.dylib
fi
for pair in android-arm64:android.arm64:aarch64 android-amd64:android.x86_64:x86_64; do
  IFS=: read -r dir feature triple <<<"$pair"
  if have "$dir"; then
    ndk_cc=$(ls "${ANDROID_NDK_HOME:?android builds need ANDROID_NDK_HOME}"/toolchains/llvm/prebuilt/*/bin/"$triple"-linux-android21-clang | head -n 1)
    build_platform "$feature" "build/$dir" "$ndk_cc" libmeshrtc.so libmeshrtc_godot.so "${elf_ldflags[@]}"
  fi
done
if have ios-arm64; then
  build_platform ios build/ios-arm64 \
    "$(xcrun --sdk iphoneos --find clang) -arch arm64 -isysroot $(xcrun --sdk iphoneos --show-sdk-path) -miphoneos-version-min=12.0" \
    meshrtc.xcframework libmeshrtc_godot.xcframework
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
cp LICENSE "$addon/LICENSE"
cp bindings/godot/ADDON.md "$addon/README.md"
cp bindings/godot/meshrtc_lobby.gd "$addon/meshrtc_lobby.gd"
echo "built $addon (copy it to <project>/addons/meshrtc)"
