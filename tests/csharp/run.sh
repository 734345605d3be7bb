#!/usr/bin/env bash
# Builds and runs the C# binding's tests under Mono against a built library.
# Usage: tests/csharp/run.sh [build-dir]   (default build/linux-amd64, relative
#        to the repository root; build it first with scripts/build.sh)
# Installs mono-mcs, mono-runtime and a C compiler with apt when missing.
# Checks, one PASS/FAIL line each, then "N passed, M failed":
#  - the binding compiles with mcs (-warnaserror), also with MESHRTC_NO_SPAN
#    (byte[]-only, for .NET Framework without System.Memory) and with
#    UNITY_IOS (DllImport "__Internal");
#  - the Unity-only sources (Runtime/Unity, the sample) compile against
#    stand-ins for the Unity API (compile only: Unity is not available);
#  - the Unity package assembles (metas, plugin, package.json);
#  - every test of MeshRtc.Tests.exe (run under mono, the library found
#    through LD_LIBRARY_PATH);
#  - the Mono process exits by itself with status 0 (a process whose managed
#    code was entered from a Go thread would hang here);
#  - without the library on the search path, the first object throws
#    DllNotFoundException saying where the library belongs.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
need_build "${1:-}"
apt_install mono-mcs mono-runtime gcc libc6-dev
for tool in mcs mono cc; do
  command -v $tool >/dev/null || { echo "error: $tool is missing after installing" >&2; exit 1; }
done

bin="tests/csharp/bin/$(basename "$build")"
rm -rf "$bin"
mkdir -p "$bin/nospan" "$bin/ios"
src=bindings/csharp
core=("$src"/Runtime/*.cs "$src"/Runtime/Native/*.cs)

# The mcs of Debian's Mono 6.8 speaks C# 7.2 at most; -langversion pins it
# so the sources stay usable by that compiler.
MCS=(mcs -langversion:7.2 -unsafe -warnaserror -warn:4 -nologo)

"${MCS[@]}" -target:library -out:"$bin/MeshRtc.dll" "${core[@]}" >"$bin/build-core.log" 2>&1
core_ok=$?
check "compile MeshRtc.dll" $core_ok "$bin/build-core.log"
# Type and module names sit in the assembly's string heap: "ReadOnlySpan`1"
# must be there in the normal build and absent without spans; the iOS build
# must import from "__Internal".
has_string() { strings -n 4 "$1" | grep -x "$2" >/dev/null; }  # no -q: SIGPIPE + pipefail
"${MCS[@]}" -target:library -define:MESHRTC_NO_SPAN -out:"$bin/nospan/MeshRtc.dll" "${core[@]}" >"$bin/build-nospan.log" 2>&1 \
  && has_string "$bin/MeshRtc.dll" 'ReadOnlySpan`1' && ! has_string "$bin/nospan/MeshRtc.dll" 'ReadOnlySpan`1'
check "compile MeshRtc.dll with MESHRTC_NO_SPAN (byte[] API only)" $? "$bin/build-nospan.log"
"${MCS[@]}" -target:library -define:UNITY_IOS -out:"$bin/ios/MeshRtc.dll" "${core[@]}" >"$bin/build-ios.log" 2>&1 \
  && has_string "$bin/ios/MeshRtc.dll" '__Internal' && ! has_string "$bin/MeshRtc.dll" '__Internal'
check "compile MeshRtc.dll with UNITY_IOS (DllImport __Internal)" $? "$bin/build-ios.log"
cp tests/csharp/UnityStubs.cs.txt "$bin/UnityStubs.cs"
mcs -langversion:7.2 -nologo -target:library -out:"$bin/UnityEngineStubs.dll" "$bin/UnityStubs.cs" >"$bin/build-stubs.log" 2>&1 \
  && "${MCS[@]}" -target:library -define:UNITY_EDITOR -r:"$bin/MeshRtc.dll" -r:"$bin/UnityEngineStubs.dll" \
       -out:"$bin/MeshRtc.Unity.dll" "$src"/Runtime/Unity/*.cs "$src"/Samples~/*/*.cs >>"$bin/build-stubs.log" 2>&1
check "Unity sources compile against Unity API stand-ins (not run)" $? "$bin/build-stubs.log"

unity_out="$root/$bin/unity"
{
  "$src/build_unity_package.sh" "$build" "$unity_out" &&
  pkg="$unity_out/com.meshrtc.webrtc" &&
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["name"]=="com.meshrtc.webrtc", d' "$pkg/package.json" &&
  cmp "$lib" "$pkg/Runtime/Plugins/Linux/x86_64/libmeshrtc.so" &&
  missing=$(cd "$pkg" && find . -mindepth 1 \( -name '*~' -prune \) -o ! -name '*.meta' -print | while read -r f; do [[ -f $f.meta ]] || echo "$f"; done) &&
  { [[ -z $missing ]] || { echo "no .meta for: $missing"; false; }; } &&
  dups=$(cat $(find "$pkg" -name '*.meta') | grep '^guid:' | sort | uniq -d) &&
  { [[ -z $dups ]] || { echo "duplicate GUIDs: $dups"; false; }; } &&
  [[ -z $(cd "$root" && git ls-files bindings/csharp | grep -E '\.(so|dll|dylib|a)$') ]]
} >"$bin/unity-package.log" 2>&1
check "Unity package assembles (package.json, plugin, a .meta per asset, unique GUIDs, no committed binaries)" $? "$bin/unity-package.log"

{
  nm -D --defined-only "$lib" | awk '{print $3}' | grep '^meshrtc_' | sort >"$bin/exports.txt"
  grep -oE 'static extern int meshrtc_[a-z0-9_]+' "$src/Runtime/Native/NativeMethods.cs" | awk '{print $4}' | sort -u >"$bin/imports.txt"
  diff "$bin/exports.txt" "$bin/imports.txt" && echo "$(wc -l <"$bin/imports.txt") functions"
} >"$bin/exports.log" 2>&1
check "NativeMethods imports = libmeshrtc.so exports ($(tail -1 "$bin/exports.log"))" $? "$bin/exports.log"

[[ $core_ok -eq 0 ]] || summary
cc -std=c99 -Wall -Wextra -Werror -Iinclude tests/csharp/layout.c -o "$bin/layout" >"$bin/layout.log" 2>&1 \
  && "$bin/layout" >"$bin/layout.txt" 2>>"$bin/layout.log"
check "struct layout probe (C)" $? "$bin/layout.log"
"${MCS[@]}" -out:"$bin/MeshRtc.Tests.exe" -r:"$bin/MeshRtc.dll" -r:System.Core.dll tests/csharp/*.cs >"$bin/build-tests.log" 2>&1
tests_ok=$?
check "compile MeshRtc.Tests.exe" $tests_ok "$bin/build-tests.log"
[[ $tests_ok -eq 0 ]] || summary

# A hang guard only (the tests use 60-120 s guards per wait): a Mono that
# does not exit after Main returned is caught here as a failure.
[[ -x $build/meshrtc-lobby ]] || { echo "error: $build/meshrtc-lobby not found (run scripts/build.sh first)" >&2; exit 1; }
run_test_program "$bin/tests.log" "mono process" "mono process exited normally (status 0)" \
  env LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" MESHRTC_LOBBY_BIN="$build/meshrtc-lobby" \
  mono --debug "$bin/MeshRtc.Tests.exe" "$root" "$bin/layout.txt"
run_test_program "$bin/tests-no-library.log" "mono process without the library" \
  "mono process without the library exited normally (status 0)" \
  env -u LD_LIBRARY_PATH mono --debug "$bin/MeshRtc.Tests.exe" "$root" "$bin/layout.txt" library-missing
summary
