#!/usr/bin/env bash
# Assembles the Unity package (UPM layout) from these sources and the built
# native libraries: <out>/com.meshrtc.webrtc/ with package.json, Runtime/,
# Samples~/, Runtime/Plugins/<platform>/<library> and a .meta file for every
# file and folder (Unity ignores meta-less assets in immutable packages).
# GUIDs are derived from the path, so rebuilding gives the same metas.
# Binaries are never committed: they come from build/<os>-<arch>/.
#
# Usage: bindings/csharp/build_unity_package.sh [build-dir] [out-dir]
#        (defaults build/linux-amd64 and build/unity, relative to the repo root)
#
# Plugins taken when present (only linux-amd64 is required; scripts/build.sh
# --all builds the first three here, the others where their SDK exists):
#   build/linux-amd64/libmeshrtc.so      -> Runtime/Plugins/Linux/x86_64/
#   build/linux-arm64/libmeshrtc.so      -> Runtime/Plugins/Linux/arm64/
#   build/windows-amd64/meshrtc.dll      -> Runtime/Plugins/Windows/x86_64/
#   build/darwin-universal/libmeshrtc.dylib (else darwin-arm64, darwin-amd64)
#                                        -> Runtime/Plugins/macOS/
#   build/android-arm64/libmeshrtc.so    -> Runtime/Plugins/Android/arm64-v8a/
#   build/android-amd64/libmeshrtc.so    -> Runtime/Plugins/Android/x86_64/
#   build/ios-arm64/libmeshrtc.a         -> Runtime/Plugins/iOS/   (c-archive, DllImport "__Internal")
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-build/linux-amd64}"
[[ $build = /* ]] || build="$root/$build"
out="${2:-build/unity}"
[[ $out = /* ]] || out="$root/$out"
name=com.meshrtc.webrtc
pkg="$out/$name"
builds="$(dirname "$build")"

[[ -f $build/libmeshrtc.so ]] || { echo "error: $build/libmeshrtc.so not found (run scripts/build.sh)" >&2; exit 1; }

rm -rf "$pkg"
mkdir -p "$pkg"
cp "$here/package.json" "$here/README.md" "$pkg/"
cp -r "$here/Runtime" "$here/Samples~" "$pkg/"

plugin() { # src dst-dir platform
  [[ -f $1 ]] || { echo "  (no $1: $3 plugin not included)"; return 0; }
  mkdir -p "$pkg/Runtime/Plugins/$2"
  cp "$1" "$pkg/Runtime/Plugins/$2/"
  echo "  $3: Runtime/Plugins/$2/$(basename "$1")"
}
echo "plugins:"
plugin "$build/libmeshrtc.so" Linux/x86_64 "Linux x86_64"
plugin "$builds/linux-arm64/libmeshrtc.so" Linux/arm64 "Linux arm64"
plugin "$builds/windows-amd64/meshrtc.dll" Windows/x86_64 "Windows x86_64"
mac=""
for d in darwin-universal darwin-arm64 darwin-amd64; do
  [[ -f $builds/$d/libmeshrtc.dylib ]] && { mac="$builds/$d/libmeshrtc.dylib"; break; }
done
plugin "${mac:-$builds/darwin-universal/libmeshrtc.dylib}" macOS "macOS"
plugin "$builds/android-arm64/libmeshrtc.so" Android/arm64-v8a "Android arm64-v8a"
plugin "$builds/android-amd64/libmeshrtc.so" Android/x86_64 "Android x86_64"
plugin "$builds/ios-arm64/libmeshrtc.a" iOS "iOS"

guid() { printf '%s' "$name/$1" | md5sum | cut -c1-32; }

tail_lines() {
  printf '  userData: \n  assetBundleName: \n  assetBundleVariant: \n'
}

# platform_data <rel>: the PluginImporter platform settings for a plugin path.
platform_data() {
  local editor_os="" editor_cpu="" standalone="" cpu="" extra="" android_cpu=""
  case $1 in
    Runtime/Plugins/Linux/x86_64/*) editor_os=Linux editor_cpu=x86_64 standalone=Linux64 cpu=x86_64 ;;
    Runtime/Plugins/Linux/arm64/*) standalone=Linux64 cpu=ARM64 ;;
    Runtime/Plugins/Windows/x86_64/*) editor_os=Windows editor_cpu=x86_64 standalone=Win64 cpu=x86_64 ;;
    Runtime/Plugins/macOS/*) editor_os=OSX editor_cpu=AnyCPU standalone=OSXUniversal cpu=AnyCPU ;;
    Runtime/Plugins/Android/arm64-v8a/*) extra=android android_cpu=ARM64 ;;
    Runtime/Plugins/Android/x86_64/*) extra=android android_cpu=X86_64 ;;
    Runtime/Plugins/iOS/*) extra=ios ;;
  esac
  printf '  - first:\n      Any: \n    second:\n      enabled: 0\n      settings: {}\n'
  if [[ -n $editor_os ]]; then
    printf '  - first:\n      Editor: Editor\n    second:\n      enabled: 1\n      settings:\n        CPU: %s\n        DefaultValueInitialized: true\n        OS: %s\n' "$editor_cpu" "$editor_os"
  fi
  if [[ -n $standalone ]]; then
    printf '  - first:\n      Standalone: %s\n    second:\n      enabled: 1\n      settings:\n        CPU: %s\n' "$standalone" "$cpu"
  fi
  if [[ $extra == android ]]; then
    printf '  - first:\n      Android: Android\n    second:\n      enabled: 1\n      settings:\n        CPU: %s\n' "$android_cpu"
  fi
  if [[ $extra == ios ]]; then
    printf '  - first:\n      iPhone: iOS\n    second:\n      enabled: 1\n      settings:\n        AddToEmbeddedBinaries: false\n        CPU: AnyCPU\n        CompileFlags: \n        FrameworkDependencies: Security;\n'
  fi
}

write_meta() { # rel-path
  local rel=$1 abs="$pkg/$1" g
  g=$(guid "$rel")
  {
    printf 'fileFormatVersion: 2\nguid: %s\n' "$g"
    if [[ -d $abs ]]; then
      printf 'folderAsset: yes\nDefaultImporter:\n  externalObjects: {}\n'
    else
      case $rel in
        package.json) printf 'PackageManifestImporter:\n  externalObjects: {}\n' ;;
        *.cs) printf 'MonoImporter:\n  externalObjects: {}\n  serializedVersion: 2\n  defaultReferences: []\n  executionOrder: 0\n  icon: {instanceID: 0}\n' ;;
        *.asmdef) printf 'AssemblyDefinitionImporter:\n  externalObjects: {}\n' ;;
        Runtime/Plugins/*)
          printf 'PluginImporter:\n  externalObjects: {}\n  serializedVersion: 2\n  iconMap: {}\n  executionOrder: {}\n'
          printf '  defineConstraints: []\n  isPreloaded: 0\n  isOverridable: 0\n  isExplicitlyReferenced: 0\n  validateReferences: 1\n'
          printf '  platformData:\n'
          platform_data "$rel"
          ;;
        *) printf 'TextScriptImporter:\n  externalObjects: {}\n' ;;
      esac
    fi
    tail_lines
  } >"$abs.meta"
}

# Every file and folder below the package root, except inside folders whose
# name ends in "~" (Unity does not import those: Samples~ is copied into
# Assets/ by the Package Manager, which then creates its metas).
cd "$pkg"
find . -mindepth 1 \( -name '*~' -prune \) -o -print | sed 's|^\./||' | sort | while IFS= read -r rel; do
  [[ $rel == *.meta ]] && continue
  write_meta "$rel"
done
echo "built $pkg"
