#!/usr/bin/env bash
# Builds the meshrtc library into build/<os>-<arch>/ (stripped, -trimpath,
# only meshrtc_* exported) with include/meshrtc.h next to it, the lobby
# server build/<host>/meshrtc-lobby when the host platform is built, then the
# Godot 4 addon (scripts/build_godot.sh) from every library built so far.
#
# Usage: scripts/build.sh                  the host platform
#        scripts/build.sh --target T...    these targets (--target may repeat)
#        scripts/build.sh --all            every target this machine can build
#                                          (see below); names the others
#        scripts/build.sh --race           an instrumented host build for tests
#                                          (build/<os>-<arch>-race/)
#
# Targets and what each needs (the Debian cross toolchains are installed with
# apt-get; the SDKs of the last three exist only on their vendors' terms):
#   linux-amd64    build/linux-amd64/libmeshrtc.so     gcc (x86_64-linux-gnu-gcc elsewhere)
#   linux-arm64    build/linux-arm64/libmeshrtc.so     gcc-aarch64-linux-gnu, libc6-dev-arm64-cross
#   windows-amd64  build/windows-amd64/meshrtc.dll, import libraries meshrtc.lib
#                  (MSVC) and libmeshrtc.dll.a (MinGW), meshrtc.def   gcc-mingw-w64-x86-64
#   macos          build/darwin-universal/libmeshrtc.dylib (arm64 + x86_64, lipo)
#                  a macOS host with the Xcode command line tools
#   android-arm64  build/android-arm64/libmeshrtc.so   (arm64-v8a)  the Android NDK:
#   android-amd64  build/android-amd64/libmeshrtc.so   (x86_64)     ANDROID_NDK_HOME (r23+)
#   ios            build/ios-arm64/libmeshrtc.a (c-archive: Unity's __Internal) and
#                  build/ios-arm64/meshrtc.xcframework (device + simulator, for Godot)
#                  a macOS host with Xcode
# --all builds the first three and each SDK target whose SDK is found.
#
# A target is rebuilt only when its inputs changed: build/<dir>/.build-key
# holds a hash of the Go and C sources, go.mod/go.sum, the header, this
# script, the Go version and the C compiler's version.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

need_go
host="$(go env GOHOSTOS)-$(go env GOHOSTARCH)"
targets=()
race=0
all=0
while (($#)); do
  case $1 in
    --race) race=1 ;;
    --all) all=1 ;;
    --target)
      [[ $# -ge 2 ]] || { echo "build.sh: --target needs a value (see --help)" >&2; exit 2; }
      targets+=("$2")
      shift
      ;;
    --target=*) targets+=("${1#--target=}") ;;
    -h | --help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
known="linux-amd64 linux-arm64 windows-amd64 macos android-arm64 android-amd64 ios"
for t in "${targets[@]}"; do
  [[ " $known " == *" $t "* ]] || { echo "build.sh: unknown target $t (one of: $known)" >&2; exit 2; }
done

# sdk_missing TARGET: prints why TARGET cannot be built on this machine
# (nothing when it can).
sdk_missing() {
  case $1 in
    macos | ios)
      if [[ $(uname -s) != Darwin ]]; then
        echo "$1 needs a macOS host with Xcode (clang, lipo, the $([[ $1 == ios ]] && echo iPhoneOS || echo macOS) SDK): Apple's SDK cannot be installed on $(uname -s)"
      elif ! xcrun --find clang >/dev/null 2>&1; then
        echo "$1 needs the Xcode command line tools (xcode-select --install)"
      elif [[ $1 == ios ]] && ! xcrun --sdk iphoneos --show-sdk-path >/dev/null 2>&1; then
        echo "ios needs Xcode with the iPhoneOS SDK (the command line tools alone lack it)"
      fi
      ;;
    android-*)
      if [[ -z ${ANDROID_NDK_HOME:-} ]]; then
        echo "$1 needs the Android NDK r23+: set ANDROID_NDK_HOME to it (Debian's archive has no NDK)"
      elif ! ndk_clang "$1" >/dev/null; then
        echo "$1: no NDK clang under $ANDROID_NDK_HOME/toolchains/llvm/prebuilt/*/bin (is ANDROID_NDK_HOME an NDK r23+?)"
      fi
      ;;
  esac
}

# ndk_clang TARGET: the NDK's clang for TARGET at API level 21 (Go's minimum).
ndk_clang() {
  local triple=aarch64-linux-android
  [[ $1 == android-amd64 ]] && triple=x86_64-linux-android
  local cc
  for cc in "$ANDROID_NDK_HOME"/toolchains/llvm/prebuilt/*/bin/"${triple}21-clang"; do
    [[ -x $cc ]] && { echo "$cc"; return 0; }
  done
  return 1
}

# input_key TARGET CC...: a hash of everything the library of TARGET is built from.
input_key() {
  local target=$1
  shift
  {
    echo "$target race=$race"
    go version
    "$@" --version 2>/dev/null | head -n 1
    find capi core include -type f \( -name '*.go' -o -name '*.c' -o -name '*.h' -o -name '*.map' \) \
      ! -name '*_test.go' ! -path '*/testdata/*' | LC_ALL=C sort | xargs sha256sum
    sha256sum go.mod go.sum scripts/build.sh
  } | sha256sum | cut -c1-32
}

# go_build OUT_DIR OUT_FILE GOOS GOARCH CC BUILDMODE EXTLDFLAGS [GO_LDFLAGS...]:
# one go build of ./capi, keyed by content (skipped when up to date).
go_build() {
  local out=$1 file=$2 goos=$3 goarch=$4 cc=$5 mode=$6 extld=$7
  shift 7
  local key
  key=$(input_key "$goos-$goarch-$mode" $cc)
  if [[ -f "$out/$file" && -f "$out/.build-key" && $(cat "$out/.build-key") == "$key" ]]; then
    echo "up to date: $out/$file"
    return 0
  fi
  mkdir -p "$out"
  rm -f "$out/.build-key"
  local flags=(-buildmode="$mode" -trimpath)
  local ldflags="$*"
  # go's flag parser takes a quoted field whole: quote the entire flag.
  [[ -n $extld ]] && ldflags="'-extldflags=$extld' $ldflags"
  if ((race)); then
    flags+=(-race)
  else
    ldflags="-s -w $ldflags"
  fi
  # Go's build cache does not see headers outside the package (capi reads
  # the version and constants from include/meshrtc.h): key the cgo compile
  # to the header's content, or a changed header leaves a stale library.
  local header_sum t0=$SECONDS
  header_sum=$(sha256sum include/meshrtc.h | cut -c1-16)
  CGO_ENABLED=1 GOOS=$goos GOARCH=$goarch CC=$cc \
    CGO_CFLAGS="${CGO_CFLAGS:--O2 -g} -DMESHRTC_HEADER_SUM=$header_sum" \
    go build "${flags[@]}" -ldflags="$ldflags" -o "$out/$file" ./capi
  # cgo's generated header is only for the ABI test; the public one is ours.
  mv "$out/${file%.*}.h" "$out/cgo_generated.h"
  cp include/meshrtc.h "$out/meshrtc.h"
  echo "$key" >"$out/.build-key"
  echo "built $out/$file in $((SECONDS - t0)) s ($(du -k "$out/$file" | cut -f1) KiB)"
}

# Linux: a version script exports only meshrtc_*; Go's linker marks c-shared
# libraries NODELETE itself. The soname makes programs linked by full path
# (CMake's imported targets) record "libmeshrtc.so", not the build path.
build_linux() { # ARCH
  local arch=$1 cc=gcc
  if [[ "linux-$arch" != "$host" ]]; then
    case $arch in
      amd64) cc=x86_64-linux-gnu-gcc; apt_install gcc-x86-64-linux-gnu libc6-dev-amd64-cross ;;
      arm64) cc=aarch64-linux-gnu-gcc; apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross ;;
    esac
  else
    c_toolchain
  fi
  local out="build/linux-$arch"
  ((race)) && out+="-race"
  go_build "$out" libmeshrtc.so linux "$arch" "$cc" c-shared \
    "-Wl,--version-script=$PWD/capi/exports.map -Wl,-soname,libmeshrtc.so"
}

# Windows: Go's linker writes the DLL's export list (only the //export
# functions). capi/tls.c uses pthreads, which MinGW has only as winpthreads:
# linked statically (capi/guard.go's #cgo windows LDFLAGS), the DLL imports
# nothing but KERNEL32 and msvcrt.
build_windows() {
  apt_install gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
  local out=build/windows-amd64
  go_build "$out" meshrtc.dll windows amd64 x86_64-w64-mingw32-gcc c-shared ""
  # Import libraries from the DLL's own export table: MinGW links
  # libmeshrtc.dll.a (-lmeshrtc), MSVC links meshrtc.lib (the same
  # dlltool-written library under MSVC's name; meshrtc.def is there for
  # `lib /def:meshrtc.def /machine:x64` too).
  if [[ ! -f $out/meshrtc.lib || $out/meshrtc.dll -nt $out/meshrtc.lib ]]; then
    {
      echo "LIBRARY meshrtc.dll"
      echo "EXPORTS"
      pe_exports "$out/meshrtc.dll" | sed 's/^/    /'
    } >"$out/meshrtc.def"
    x86_64-w64-mingw32-dlltool -d "$out/meshrtc.def" -D meshrtc.dll -l "$out/libmeshrtc.dll.a"
    cp "$out/libmeshrtc.dll.a" "$out/meshrtc.lib"
  fi
}

# macOS: one c-shared build per architecture, joined with lipo. Go's async
# preemption signal has caused trouble in hosts on macOS arm64: the runtime's
# godebug default turns it off (a GODEBUG in the environment still wins).
build_macos() {
  local out=build/darwin-universal arch slices=()
  mkdir -p "$out"
  for arch in arm64 amd64; do
    local clang_arch=$arch
    [[ $arch == amd64 ]] && clang_arch=x86_64
    go_build "build/darwin-$arch" libmeshrtc.dylib darwin "$arch" "$(xcrun --find clang) -arch $clang_arch" c-shared \
      "-Wl,-exported_symbol,_meshrtc_* -Wl,-install_name,@rpath/libmeshrtc.dylib" \
      "-X=runtime.godebugDefault=asyncpreemptoff=1"
    slices+=("build/darwin-$arch/libmeshrtc.dylib")
  done
  lipo -create "${slices[@]}" -output "$out/libmeshrtc.dylib"
  cp build/darwin-arm64/cgo_generated.h "$out/cgo_generated.h"
  cp include/meshrtc.h "$out/meshrtc.h"
  echo "built $out/libmeshrtc.dylib ($(lipo -archs "$out/libmeshrtc.dylib"))"
}

# Android: the NDK's clang; -checklinkname=0 because pion's interface listing
# (wlynxg/anet) links to a runtime-internal function on Android.
build_android() { # TARGET
  local target=$1 arch=${1#android-}
  go_build "build/$target" libmeshrtc.so android "$arch" "$(ndk_clang "$target")" c-shared \
    "-Wl,--version-script=$PWD/capi/exports.map -Wl,-soname,libmeshrtc.so" "-checklinkname=0"
}

# iOS has no c-shared: a static c-archive for the device (Unity links it as
# __Internal), and an xcframework with the device and arm64 simulator
# archives for Godot 4's iOS export.
build_ios() {
  local out=build/ios-arm64 sim=build/ios-arm64-simulator
  local dev_cc sim_cc
  dev_cc="$(xcrun --sdk iphoneos --find clang) -arch arm64 -isysroot $(xcrun --sdk iphoneos --show-sdk-path) -miphoneos-version-min=12.0"
  sim_cc="$(xcrun --sdk iphonesimulator --find clang) -arch arm64 -isysroot $(xcrun --sdk iphonesimulator --show-sdk-path) -mios-simulator-version-min=12.0"
  go_build "$out" libmeshrtc.a ios arm64 "$dev_cc" c-archive "" "-X=runtime.godebugDefault=asyncpreemptoff=1"
  go_build "$sim" libmeshrtc.a ios arm64 "$sim_cc" c-archive "" "-X=runtime.godebugDefault=asyncpreemptoff=1"
  rm -rf "$out/meshrtc.xcframework"
  xcodebuild -create-xcframework -library "$out/libmeshrtc.a" -headers include \
    -library "$sim/libmeshrtc.a" -headers include -output "$out/meshrtc.xcframework"
  echo "built $out/meshrtc.xcframework"
}

build_target() { # TARGET
  local why
  why=$(sdk_missing "$1")
  if [[ -n $why ]]; then
    echo "error: cannot build $1 here: $why" >&2
    return 1
  fi
  case $1 in
    linux-amd64) build_linux amd64 ;;
    linux-arm64) build_linux arm64 ;;
    windows-amd64) build_windows ;;
    macos) build_macos ;;
    android-arm64 | android-amd64) build_android "$1" ;;
    ios) build_ios ;;
  esac
}

if ((race)); then
  ((all == 0 && ${#targets[@]} == 0)) || { echo "build.sh: --race builds the host platform only" >&2; exit 2; }
  [[ $host == linux-* ]] || { echo "build.sh: --race needs a Linux host" >&2; exit 2; }
  build_linux "${host#linux-}"
  exit 0
fi

not_built=()
if ((all)); then
  targets=(linux-amd64 linux-arm64 windows-amd64)
  for t in macos android-arm64 android-amd64 ios; do
    why=$(sdk_missing "$t")
    if [[ -z $why ]]; then
      targets+=("$t")
    else
      not_built+=("$t: $why")
    fi
  done
elif ((${#targets[@]} == 0)); then
  case $host in
    linux-amd64 | linux-arm64) targets=("$host") ;;
    darwin-*) targets=(macos) ;;
    *) echo "build.sh: no build for host $host; use --target (see --help)" >&2; exit 2 ;;
  esac
fi
for t in "${targets[@]}"; do
  build_target "$t"
done

# The lobby server command (pure Go, no cgo), beside the host's library.
if [[ " ${targets[*]} " == *" $host "* ]]; then
  CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "build/$host/meshrtc-lobby" ./core/lobby/cmd/meshrtc-lobby
  echo "built build/$host/meshrtc-lobby"
fi

# The Godot 4 addon needs a Godot binary to read the GDExtension interface
# from: $GODOT, or the test host in ../shared/tools/godot4/.
if [[ -n "${GODOT:-}" || -f ../shared/tools/godot4/godot-4.6.3-headless.x86_64.xz ]]; then
  scripts/build_godot.sh
else
  echo "note: no Godot binary (set GODOT=/path/to/godot4): build/godot/addons/meshrtc not built"
fi

# The Godot 3 addon (linux-amd64 and every other platform built) needs the
# Godot 3.2 GDNative headers: $GODOT3_HEADERS, or the development
# workspace's copy.
if [[ -f build/linux-amd64/libmeshrtc.so ]]; then
  if [[ -n "${GODOT3_HEADERS:-}" || -f ../shared/tools/godot3-headers/gdnative_api_struct.gen.h ]]; then
    scripts/build_godot3.sh
  else
    echo "note: no Godot 3.2 GDNative headers (set GODOT3_HEADERS=/path/to/godot-headers): build/godot3/addons/meshrtc not built"
  fi
fi

if ((${#not_built[@]})); then
  echo "not built on this machine (--all builds what the machine can):"
  printf '  %s\n' "${not_built[@]}"
fi
