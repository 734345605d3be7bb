#!/usr/bin/env bash
# Writes the release archives for the version in include/meshrtc.h into
# build/dist/, from what scripts/build.sh --all built:
#   meshrtc-godot4-<v>.zip   addons/meshrtc/ at its root (Asset Library layout:
#                            LICENSE, README.md, meshrtc.gdextension, bin/<platform>/)
#   meshrtc-godot3-<v>.zip   addons/meshrtc/ with the GDNative library resource
#                            (X11.64, Server.64, Windows.64, X11.64.arm64), from
#                            scripts/build_godot3.sh (needs the Godot 3.2 headers)
#   meshrtc-unity-<v>.tgz    the UPM package (package/ at its root, as Unity's
#                            "Add package from tarball" expects), every plugin built
#   meshrtc-c-<v>-<os>-<arch>.tar.gz  one per platform built: library, meshrtc.h,
#                            meshrtc.hpp, pkg-config file, CMake package config
#   SHA256SUMS               of the archives above
# Every archive carries LICENSE and THIRD_PARTY_NOTICES.txt (the licenses of
# the Go runtime and of every Go module linked into the library).
# Archives are reproducible from the same inputs (sorted entries, fixed
# times). tests/package/run.sh checks them.
# Usage: scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_go
apt_install zip xz-utils

field() { awk -v n="MESHRTC_VERSION_$1" '$1 == "#define" && $2 == n {print $3}' include/meshrtc.h; }
major=$(field MAJOR)
minor=$(field MINOR)
patch=$(field PATCH)
version="$major.$minor.$patch"
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "error: no version in include/meshrtc.h" >&2; exit 1; }

platforms=()
for d in linux-amd64 linux-arm64 windows-amd64 darwin-universal android-arm64 android-amd64 ios-arm64; do
  [[ -f build/$d/$(library_file "build/$d") ]] && platforms+=("$d")
done
[[ " ${platforms[*]} " == *" linux-amd64 "* ]] || { echo "error: build/linux-amd64 is missing: run scripts/build.sh --all" >&2; exit 1; }
echo "meshrtc $version for: ${platforms[*]}"

dist=build/dist
work=build/dist-work
rm -rf "$dist" "$work"
mkdir -p "$dist" "$work"

# Reproducible archives: one timestamp (the header's last commit, else a
# fixed date) and sorted entries.
stamp=$(git log -1 --format=%ct -- include/meshrtc.h 2>/dev/null || true)
stamp=${stamp:-946684800}
touch_tree() { find "$1" -exec touch -h -d "@$stamp" {} +; }
make_zip() { # OUT DIR ENTRY: zips DIR/ENTRY as ENTRY
  touch_tree "$2/$3"
  (cd "$2" && find "$3" | LC_ALL=C sort | zip -q -X -@ "$OLDPWD/$1")
}
make_tgz() { # OUT DIR ENTRY
  touch_tree "$2/$3"
  tar -C "$2" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$stamp" -czf "$1" "$3"
}

# The licenses of what the libraries contain: the Go runtime and standard
# library, and every module a target links (the union over all targets).
notices="$work/THIRD_PARTY_NOTICES.txt"
{
  echo "meshrtc's libraries contain the following software, under these licenses."
  echo
  echo "== Go (runtime and standard library) $(go env GOVERSION)"
  echo
  cat "$(go env GOROOT)/LICENSE"
  for os in linux windows darwin android ios; do
    GOOS=$os GOARCH=arm64 CGO_ENABLED=1 go list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}' ./capi
  done | sort -u | while read -r path ver dir; do
    license=$(find "$dir" -maxdepth 1 -type f \( -iname 'LICENSE*' -o -iname 'COPYING*' \) | sort | head -n 1)
    [[ -n $license ]] || { echo "error: no license file in $dir ($path)" >&2; exit 1; }
    echo
    echo "== $path $ver"
    echo
    cat "$license"
  done
} >"$notices"

# ------------------------------------------------------------------ Godot 4
scripts/build_godot.sh
mkdir -p "$work/godot4/addons"
cp -R build/godot/addons/meshrtc "$work/godot4/addons/meshrtc"
cp "$notices" "$work/godot4/addons/meshrtc/"
make_zip "$dist/meshrtc-godot4-$version.zip" "$work/godot4" addons

# ------------------------------------------------------------------ Godot 3
scripts/build_godot3.sh
mkdir -p "$work/godot3/addons"
cp -R build/godot3/addons/meshrtc "$work/godot3/addons/meshrtc"
cp "$notices" "$work/godot3/addons/meshrtc/"
make_zip "$dist/meshrtc-godot3-$version.zip" "$work/godot3" addons

# -------------------------------------------------------------------- Unity
bindings/csharp/build_unity_package.sh build/linux-amd64 "$work/unity"
mv "$work/unity/com.meshrtc.webrtc" "$work/unity/package"
cp LICENSE "$work/unity/package/LICENSE.md"
cp "$notices" "$work/unity/package/Third Party Notices.md"
make_tgz "$dist/meshrtc-unity-$version.tgz" "$work/unity" package

# ------------------------------------------------------------ C and C++
subst() { # FILE: the template with @VERSION@, @MAJOR@, @MINOR@, @RPATH@ filled in
  sed -e "s/@VERSION@/$version/g" -e "s/@MAJOR@/$major/g" -e "s/@MINOR@/$minor/g" -e "s|@RPATH@|$rpath|g" "$1"
}
for p in "${platforms[@]}"; do
  os=${p%-*} arch=${p#*-}
  [[ $p == darwin-universal ]] && os=macos arch=universal
  [[ $p == ios-arm64 ]] && os=ios
  name="meshrtc-c-$version-$os-$arch"
  root="$work/c/$name"
  mkdir -p "$root/include" "$root/lib/pkgconfig" "$root/lib/cmake/meshrtc"
  cp include/meshrtc.h bindings/cpp/meshrtc.hpp "$root/include/"
  cp LICENSE "$notices" "$root/"
  rpath=""
  case $p in
    windows-*)
      mkdir -p "$root/bin"
      cp "build/$p/meshrtc.dll" "$root/bin/"
      cp "build/$p/meshrtc.lib" "build/$p/libmeshrtc.dll.a" "build/$p/meshrtc.def" "$root/lib/"
      ;;
    linux-*) rpath=' -Wl,-rpath,${libdir}'; cp "build/$p/libmeshrtc.so" "$root/lib/" ;;
    *) cp -R "build/$p/$(library_file "build/$p")" "$root/lib/" ;;
  esac
  subst scripts/package/c-README.md >"$root/README.md"
  subst scripts/package/meshrtc.pc.in >"$root/lib/pkgconfig/meshrtc.pc"
  cp scripts/package/meshrtcConfig.cmake "$root/lib/cmake/meshrtc/"
  subst scripts/package/meshrtcConfigVersion.cmake.in >"$root/lib/cmake/meshrtc/meshrtcConfigVersion.cmake"
  make_tgz "$dist/$name.tar.gz" "$work/c" "$name"
done

(cd "$dist" && sha256sum -- *.zip *.tgz *.tar.gz >SHA256SUMS)
echo "wrote $dist:"
(cd "$dist" && ls -l --time-style=+ -- * | awk '{print "  " $5 "\t" $NF}')
