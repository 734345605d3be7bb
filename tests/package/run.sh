#!/usr/bin/env bash
# Checks the release archives of scripts/package.sh in build/dist/:
#   archives     every archive the release names exists for the platforms
#                required (REQUIRED_PLATFORMS, default linux-amd64 linux-arm64
#                windows-amd64) and SHA256SUMS verifies them
#   contents     every file an archive's README names under "Contents" (for
#                the archive's platforms) is in the archive; the Godot 4 zip
#                has addons/meshrtc/ at its root, LICENSE with a copyright
#                line, a .gdextension with compatibility_minimum "4.3" and a
#                [libraries] entry for every platform in bin/, each pointing
#                at a file that exists; the Unity tarball has package/ at its
#                root, every plugin of the Unity README's table that was
#                built, each with a .meta enabling it for its platform; the
#                Godot 3 zip has addons/ at its root, a GDNativeLibrary with X11.64, Server.64,
#                Windows.64 and X11.64.arm64 entries whose files exist
#   exports      every core library in every archive exports exactly the
#                header's functions (tests/abi/check_abi.sh --exports); every
#                Godot 4 binding exports only meshrtc_godot_init, every Godot 3
#                one only the four GDNative entry points
#   dropin       the Godot 4 zip unpacked into fresh projects: the drop-in
#                test (tests/godot/run.sh dropin) runs from it (linux-amd64)
#   cmake, pkg-config  a tiny C program builds through the C archive's CMake
#                package and through its pkg-config file, in one line each,
#                and runs (linux-amd64); the Windows archive's pkg-config
#                file links the same program with MinGW
# Usage: tests/package/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
apt_install unzip cmake pkg-config make gcc-mingw-w64-x86-64

dist=build/dist
work=build/package-tests
rm -rf "$work"
mkdir -p "$work"
required=(${REQUIRED_PLATFORMS:-linux-amd64 linux-arm64 windows-amd64})
major=$(awk '$2 == "MESHRTC_VERSION_MAJOR" {print $3}' include/meshrtc.h)
minor=$(awk '$2 == "MESHRTC_VERSION_MINOR" {print $3}' include/meshrtc.h)
patch=$(awk '$2 == "MESHRTC_VERSION_PATCH" {print $3}' include/meshrtc.h)
v="$major.$minor.$patch"

# c_name PLATFORM: the C archive's base name for a build/ platform directory.
c_name() {
  case $1 in
    darwin-universal) echo "meshrtc-c-$v-macos-universal" ;;
    *) echo "meshrtc-c-$v-${1%-*}-${1#*-}" ;;
  esac
}

# readme_contents README PLATFORM-WORD...: the paths the README's Contents
# section names: lines without a platform prefix, and lines "- <Word>: ..."
# for the words given.
readme_contents() {
  local readme=$1
  shift
  awk -v words=" $* " '
    /^## / {on = ($0 == "## Contents"); next}
    !on || !/^- / {next}
    {
      line = $0
      if (match(line, /^- [A-Za-z]+: /)) {
        w = substr(line, 3, RLENGTH - 4)
        if (index(words, " " w " ") == 0) next
      }
      while (match(line, /`[^`]+`/)) {
        print substr(line, RSTART + 1, RLENGTH - 2)
        line = substr(line, RSTART + RLENGTH)
      }
    }' "$readme"
}

# platform_word PLATFORM: the word a README's Contents uses for it.
platform_word() {
  case $1 in
    linux-*) echo Linux ;;
    windows-*) echo Windows ;;
    darwin-*) echo macOS ;;
    android-*) echo Android ;;
    ios-*) echo iOS ;;
  esac
}

# --------------------------------------------------------------- archives
log="$work/archives.log"
(
  st=0
  for f in "meshrtc-godot4-$v.zip" "meshrtc-godot3-$v.zip" "meshrtc-unity-$v.tgz" SHA256SUMS; do
    [[ -f $dist/$f ]] || { echo "missing $dist/$f"; st=1; }
  done
  for p in "${required[@]}"; do
    [[ -f $dist/$(c_name "$p").tar.gz ]] || { echo "missing $dist/$(c_name "$p").tar.gz"; st=1; }
  done
  (cd "$dist" && sha256sum -c SHA256SUMS) || st=1
  listed=$(awk '{print $2}' "$dist/SHA256SUMS" | sort)
  present=$(cd "$dist" && ls -- *.zip *.tgz *.tar.gz | sort)
  [[ $listed == "$present" ]] || { echo "SHA256SUMS lists: $listed; present: $present"; st=1; }
  exit $st
) >"$log" 2>&1
check "archives: every archive for ${required[*]}, SHA256SUMS verifies" $? "$log"

# Unpack everything once.
for a in "$dist"/*.zip; do
  mkdir -p "$work/unpacked/$(basename "$a" .zip)" && unzip -q "$a" -d "$work/unpacked/$(basename "$a" .zip)"
done
for a in "$dist"/*.tgz "$dist"/*.tar.gz; do
  n=$(basename "$a")
  n=${n%.tgz}
  n=${n%.tar.gz}
  mkdir -p "$work/unpacked/$n" && tar -xzf "$a" -C "$work/unpacked/$n"
done
godot4="$work/unpacked/meshrtc-godot4-$v"
addon="$godot4/addons/meshrtc"
unity="$work/unpacked/meshrtc-unity-$v/package"

# --------------------------------------------------------------- contents
log="$work/godot4.log"
(
  st=0
  top=$(ls -A "$godot4")
  [[ $top == addons ]] || { echo "zip root holds: $top (want addons/ only)"; st=1; }
  grep -q '^Copyright (c) [0-9]\{4\} ' "$addon/LICENSE" || { echo "LICENSE has no copyright line"; st=1; }
  gdext="$addon/meshrtc.gdextension"
  grep -qx 'compatibility_minimum = "4.3"' "$gdext" || { echo "no compatibility_minimum = \"4.3\""; st=1; }
  words=()
  for dir in "$addon"/bin/*/; do
    feature=$(basename "$dir")
    grep -q "^$feature = \"bin/$feature/" "$gdext" || { echo "[libraries] has no $feature entry"; st=1; }
    case $feature in
      linux.*) words+=(Linux) ;; windows.*) words+=(Windows) ;; macos) words+=(macOS) ;;
      android.*) words+=(Android) ;; ios) words+=(iOS) ;;
    esac
  done
  for p in "${required[@]}"; do
    case $p in
      linux-amd64) f=linux.x86_64 ;; linux-arm64) f=linux.arm64 ;; windows-amd64) f=windows.x86_64 ;;
    esac
    [[ -d $addon/bin/$f ]] || { echo "no bin/$f in the addon"; st=1; }
  done
  # Every library a [libraries] or [dependencies] line names exists.
  for f in $(grep -o '"bin/[^"]*"' "$gdext" | tr -d '"'); do
    [[ -e $addon/$f ]] || { echo "$gdext names $f, which is not in the zip"; st=1; }
  done
  # The README's Contents, for the platforms present (a line whose folder
  # was not built is another build machine's).
  while IFS= read -r f; do
    if [[ $f == bin/* && ! -d $addon/$(dirname "$f") ]]; then
      continue
    fi
    [[ -e $addon/$f ]] || { echo "README.md names $f, which is not in the zip"; st=1; }
  done < <(readme_contents "$addon/README.md" "${words[@]}")
  exit $st
) >"$log" 2>&1
check "contents: Godot 4 zip (addons/meshrtc/, LICENSE, .gdextension for $(ls "$addon/bin" | tr '\n' ' '), README's files)" $? "$log"

log="$work/c.log"
(
  st=0
  for p in "${required[@]}"; do
    c_dir="$work/unpacked/$(c_name "$p")/$(c_name "$p")"
    [[ -d $c_dir ]] || { echo "$(c_name "$p").tar.gz has no $(c_name "$p")/ at its root"; st=1; continue; }
    while IFS= read -r f; do
      [[ -e $c_dir/$f ]] || { echo "$(c_name "$p"): README.md names $f, which is not in the archive"; st=1; }
    done < <(readme_contents "$c_dir/README.md" "$(platform_word "$p")")
    grep -q "^Version: $v\$" "$c_dir/lib/pkgconfig/meshrtc.pc" || { echo "$(c_name "$p"): meshrtc.pc has no Version: $v"; st=1; }
  done
  exit $st
) >"$log" 2>&1
check "contents: C archives for ${required[*]} hold every file their README names" $? "$log"

log="$work/unity.log"
(
  st=0
  [[ -f $unity/package.json ]] || { echo "no package/package.json"; st=1; }
  grep -q "\"version\": \"$v\"" "$unity/package.json" || { echo "package.json is not version $v"; st=1; }
  # The README's table: | platform | `Plugins/...` | ... ; required
  # platforms' plugins must be there, every plugin there needs its meta.
  for p in "${required[@]}"; do
    case $p in
      linux-amd64) plugin=Plugins/Linux/x86_64/libmeshrtc.so ;;
      linux-arm64) plugin=Plugins/Linux/arm64/libmeshrtc.so ;;
      windows-amd64) plugin=Plugins/Windows/x86_64/meshrtc.dll ;;
    esac
    grep -qF "\`$plugin\`" bindings/csharp/README.md || { echo "the Unity README does not name $plugin"; st=1; }
    [[ -f $unity/Runtime/$plugin ]] || { echo "no Runtime/$plugin in the Unity package"; st=1; }
  done
  while IFS= read -r f; do
    meta="$f.meta"
    [[ -f $meta ]] || { echo "no meta for ${f#"$unity"/}"; st=1; continue; }
    grep -q '^PluginImporter:' "$meta" || { echo "${meta#"$unity"/} is not a PluginImporter"; st=1; }
    grep -q 'enabled: 1' "$meta" || { echo "${meta#"$unity"/} enables no platform"; st=1; }
  done < <(find "$unity/Runtime/Plugins" -type f ! -name '*.meta')
  exit $st
) >"$log" 2>&1
check "contents: Unity tarball (package/ root, plugins for ${required[*]}, a meta per plugin)" $? "$log"

godot3="$work/unpacked/meshrtc-godot3-$v"
log="$work/godot3.log"
(
  st=0
  top=$(ls -A "$godot3")
  [[ $top == addons ]] || { echo "zip root holds: $top (want addons/ only)"; st=1; }
  gdnlib=$(find "$godot3/addons" -name '*.gdnlib' | head -n 1)
  [[ -n $gdnlib ]] || { echo "no .gdnlib in the zip"; exit 1; }
  for key in X11.64 Server.64 Windows.64 X11.64.arm64; do
    grep -q "^$key=\"res://" "$gdnlib" || { echo "$gdnlib has no $key entry"; st=1; }
  done
  for f in $(grep -o '"res://[^"]*"' "$gdnlib" | tr -d '"' | sed 's|^res://||' | sort -u); do
    [[ -e $godot3/$f ]] || { echo "$gdnlib names res://$f, which is not in the zip"; st=1; }
  done
  for f in LICENSE THIRD_PARTY_NOTICES.txt; do
    [[ -f $(dirname "$gdnlib")/$f ]] || { echo "no $f beside $gdnlib"; st=1; }
  done
  exit $st
) >"$log" 2>&1
check "contents: Godot 3 zip (addons/, GDNativeLibrary entries X11.64, Server.64, Windows.64, X11.64.arm64)" $? "$log"

# ---------------------------------------------------------------- exports
mapfile -t core_libs < <(find "$work/unpacked" -type f \( -name libmeshrtc.so -o -name meshrtc.dll -o -name libmeshrtc.dylib \) | sort)
log="$work/exports.log"
tests/abi/check_abi.sh --exports "${core_libs[@]}" >"$log" 2>&1
check "exports: ${#core_libs[@]} core libraries in the archives export exactly the header's functions" $? "$log"

log="$work/binding-exports.log"
(
  st=0
  while IFS= read -r f; do
    case $f in
      *.dll) exported=$(pe_exports "$f" | tr '\n' ' ') ;;
      *) exported=$(nm -D --defined-only "$f" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ') ;;
    esac
    want="meshrtc_godot_init "
    [[ $f == *godot3* ]] && want="godot_gdnative_init godot_gdnative_singleton godot_gdnative_terminate godot_nativescript_init "
    [[ $exported == "$want" ]] || { echo "$f exports: $exported(want $want)"; st=1; }
  done < <(find "$work/unpacked" -type f \( -name 'libmeshrtc_godot*.so' -o -name 'meshrtc_godot*.dll' \))
  exit $st
) >"$log" 2>&1
check "exports: every Godot 4 binding exports only meshrtc_godot_init, every Godot 3 one the GDNative entry points" $? "$log"

# ----------------------------------------------------------------- dropin
log="$work/dropin.log"
GODOT_ADDON="$root/$addon" tests/godot/run.sh dropin >"$log" 2>&1
check "dropin: the Godot 4 drop-in test from the unpacked zip" $? "$log"

# ---------------------------------------------------------- cmake, pkg-config
c_root="$root/$work/unpacked/$(c_name linux-amd64)/$(c_name linux-amd64)"
app="$work/app"
mkdir -p "$app"
cat >"$app/app.c" <<'EOF'
/* Links meshrtc, checks the ABI and makes and releases a peer. */
#include <stdio.h>

#include "meshrtc.h"

int main(void) {
    int32_t major = 0, minor = 0, patch = 0, leaked = -1;
    meshrtc_peer peer = 0;
    if (meshrtc_abi_version() != MESHRTC_ABI_VERSION || meshrtc_version(&major, &minor, &patch) != MESHRTC_OK ||
        meshrtc_peer_create(&peer) != MESHRTC_OK || meshrtc_peer_destroy(peer) != MESHRTC_OK ||
        meshrtc_shutdown(&leaked) != MESHRTC_OK || leaked != 0) {
        fprintf(stderr, "app: meshrtc call failed\n");
        return 1;
    }
    printf("meshrtc %d.%d.%d\n", (int)major, (int)minor, (int)patch);
    return 0;
}
EOF
cat >"$app/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(app C)
find_package(meshrtc $major.$minor CONFIG REQUIRED)
add_executable(app app.c)
target_link_libraries(app PRIVATE meshrtc::meshrtc)
EOF
log="$work/cmake.log"
{
  cmake -S "$app" -B "$app/cmake-build" -DCMAKE_PREFIX_PATH="$c_root" -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" &&
    cmake --build "$app/cmake-build" &&
    "$app/cmake-build/app" | grep -qx "meshrtc $v"
} >"$log" 2>&1
check "cmake: find_package(meshrtc) + meshrtc::meshrtc builds and runs a C program" $? "$log"

log="$work/pkg-config.log"
{
  cc -std=c99 -Wall -Wextra -Werror "$app/app.c" -o "$app/app-pc" \
    $(PKG_CONFIG_PATH="$c_root/lib/pkgconfig" pkg-config --cflags --libs meshrtc) &&
    "$app/app-pc" | grep -qx "meshrtc $v"
} >"$log" 2>&1
check "pkg-config: one compile line builds a C program that runs from the unpacked archive" $? "$log"

win_root="$root/$work/unpacked/$(c_name windows-amd64)/$(c_name windows-amd64)"
log="$work/pkg-config-windows.log"
{
  x86_64-w64-mingw32-gcc -std=c99 -Wall -Wextra -Werror "$app/app.c" -o "$app/app.exe" \
    $(PKG_CONFIG_PATH="$win_root/lib/pkgconfig" pkg-config --cflags --libs meshrtc) &&
    x86_64-w64-mingw32-objdump -p "$app/app.exe" >"$app/app.exe.headers" &&
    grep -q 'DLL Name: meshrtc.dll' "$app/app.exe.headers"
} >"$log" 2>&1
check "pkg-config: the Windows archive links the program against meshrtc.dll (MinGW)" $? "$log"

summary
