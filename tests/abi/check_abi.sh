#!/usr/bin/env bash
# ABI checks of the built library against the hand-written header.
# Usage: tests/abi/check_abi.sh [build-dir]   (default build/linux-amd64,
#        relative to the repository root)
#        tests/abi/check_abi.sh --exports LIB...   only check (b), on each
#        library file given (e.g. the libraries inside a release archive)
#  (a) include/meshrtc.h and cgo's generated header (<build>/cgo_generated.h)
#      declare the same functions with the same signatures, normalized (no
#      const/extern, no parameter names, `char *` == `char*`);
#  (b) the library exports exactly the header's functions: nothing missing,
#      no _cgo_*/Go/other symbols (ELF: nm -D --defined-only; PE: the
#      export table of objdump -p; Mach-O: nm -gU; a static archive must
#      define them all);
#  (c) the header compiles alone as C99 and as C++11 with
#      -Wall -Wextra -Werror -pedantic, with the host's compilers and, for a
#      cross target, the target's; for Windows a call compiles to an import
#      through __imp_ (MESHRTC_API is __declspec(dllimport));
#  (d) tests/c/test_dlopen.c's MESHRTC_FUNCTIONS list is the header's set;
#  (e) ELF: the .so is marked NODELETE (the header says it can never be
#      unloaded; test_dlopen checks the same at run time on every target);
#  (f) the library needs only the system's C library: ELF NEEDED libc.so.6,
#      PE imports only KERNEL32.dll and msvcrt.dll.
# The build directory's name gives the platform (linux-arm64,
# windows-amd64, ...). Each check prints a PASS or FAIL line; the exit
# status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
exports_only=()
if [[ ${1:-} == --exports ]]; then
  shift
  exports_only=("$@")
  set --
fi
build="${1:-build/linux-amd64}"
platform=$(basename "$build")
lib="$build/$(library_file "$build")"
cgo_header="$build/cgo_generated.h"
header="include/meshrtc.h"
dlopen_test="tests/c/test_dlopen.c"
py=/usr/bin/python3
[[ -x $py ]] || py=python3
CC=${CC:-cc}
CXX=${CXX:-c++}
# The target's own compilers, for a cross target.
target_cc=()
case $platform in
  linux-arm64) target_cc=(aarch64-linux-gnu-gcc) ;;
  windows-amd64)
    apt_install g++-mingw-w64-x86-64
    target_cc=(x86_64-w64-mingw32-gcc x86_64-w64-mingw32-g++)
    ;;
esac

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

if ((${#exports_only[@]} == 0)); then
  for f in "$lib" "$cgo_header" "$header" "$dlopen_test"; do
    [[ -f $f ]] || { echo "FAIL: missing $f (build first: scripts/build.sh)"; exit 1; }
  done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# protos.py MODE FILE: prints one normalized prototype per line, sorted.
#   MODE header: a C header; MODE cgo: cgo's header (the part after its
#   prologue); MODE names: just the function names of a C header;
#   MODE xlist: the X(name) entries between the MESHRTC_FUNCTIONS markers.
cat >"$tmp/protos.py" <<'PY'
import re
import sys

KEYWORDS = {"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "_Bool"}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def drop_preprocessor(text):
    """Drops directives and the bodies of #ifdef __cplusplus blocks (extern "C")."""
    out, stack = [], []  # stack entries: True when the block is skipped
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        # join continuation lines of directives
        while line.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i]
        s = line.strip()
        if s.startswith("#"):
            d = s[1:].strip()
            if d.startswith("if"):
                stack.append(("__cplusplus" in d) and not d.startswith("ifndef"))
            elif d.startswith("else") or d.startswith("elif"):
                if stack:
                    stack[-1] = False if stack[-1] else stack[-1]
            elif d.startswith("endif"):
                if stack:
                    stack.pop()
        elif not any(stack):
            out.append(line)
        i += 1
    return "\n".join(out)


def norm_type(tokens):
    words, stars = [], ""
    for t in tokens:
        if t == "*":
            stars += "*"
        elif t not in ("const", "extern", "volatile", "restrict", "__restrict", "MESHRTC_API"):
            words.append(t)
    return " ".join(words) + stars


def norm_param(p):
    tokens = re.findall(r"\w+|\*|\[\]", p)
    tokens = [t for t in tokens if t not in ("const", "volatile", "restrict", "__restrict")]
    if tokens and tokens[-1] == "[]":  # T name[] is T *
        tokens = tokens[:-1] + ["*"]
        tokens[-2], tokens[-1] = tokens[-1], tokens[-2]
    if len(tokens) > 1 and re.match(r"^\w+$", tokens[-1]) and tokens[-1] not in KEYWORDS:
        tokens = tokens[:-1]  # the parameter name
    return norm_type(tokens)


def prototypes(text):
    text = drop_preprocessor(strip_comments(text))
    while True:  # struct bodies (no extern "C" braces are left)
        new = re.sub(r"\{[^{}]*\}", " ", text)
        if new == text:
            break
        text = new
    protos = {}
    for stmt in text.split(";"):
        stmt = " ".join(stmt.split())
        if "(" not in stmt or stmt.startswith("typedef"):
            continue
        m = re.match(r"^(.*?)\b(\w+)\s*\((.*)\)$", stmt)
        if not m:
            print("cannot parse: " + stmt, file=sys.stderr)
            sys.exit(2)
        ret, name, params = m.groups()
        ps = [p for p in (x.strip() for x in params.split(",")) if p]
        if ps == ["void"]:
            ps = []
        protos[name] = "%s %s(%s)" % (norm_type(re.findall(r"\w+|\*", ret)), name,
                                       ", ".join(norm_param(p) for p in ps))
    return protos


mode, path = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
if mode == "xlist":
    m = re.search(r"BEGIN MESHRTC_FUNCTIONS(.*?)END MESHRTC_FUNCTIONS", text, re.S)
    if not m:
        print("no MESHRTC_FUNCTIONS markers in " + path, file=sys.stderr)
        sys.exit(2)
    names = re.findall(r"\bX\((\w+)\)", m.group(1))
    for n in sorted(names):
        print(n)
    sys.exit(0)
if mode == "cgo":
    marker = "End of boilerplate cgo prologue."
    if marker not in text:
        print("no cgo prologue marker in " + path, file=sys.stderr)
        sys.exit(2)
    text = text.split(marker, 1)[1].split("*/", 1)[1]  # the rest of that comment
protos = prototypes(text)
for name in sorted(protos):
    print(name if mode == "names" else protos[name])
PY

# (a) header vs cgo's generated header
if $py "$tmp/protos.py" header "$header" >"$tmp/header.txt" &&
   $py "$tmp/protos.py" cgo "$cgo_header" >"$tmp/cgo.txt"; then
  if diff -u --label "$header" --label "$cgo_header" "$tmp/header.txt" "$tmp/cgo.txt" >"$tmp/a.diff"; then
    pass "(a) $header and cgo's $cgo_header declare the same $(wc -l <"$tmp/header.txt") functions with the same signatures"
  else
    fail "(a) $header and cgo's $cgo_header differ (normalized prototypes; - header, + cgo):"
    sed 's/^/    /' "$tmp/a.diff"
  fi
else
  fail "(a) could not extract prototypes"
fi

# (b) header vs the library's export table
$py "$tmp/protos.py" names "$header" >"$tmp/header_names.txt"
check_exports() { # LIB
  local lib=$1
  case $lib in
    *.dll) pe_exports "$lib" ;;
    *.dylib) nm -gU "$lib" | awk '{print $3}' | sed 's/^_//' | sort -u ;;
    *.a) nm -g --defined-only "$lib" 2>/dev/null | awk '$3 ~ /^_?meshrtc_/ {print $3}' | sed 's/^_//' | sort -u ;;
    *) elf_exports "$lib" ;;
  esac >"$tmp/exports.txt"
  if [[ $lib == *.a ]]; then
    # A static archive carries the Go runtime's symbols too: it must define
    # every header function and no other meshrtc_ symbol.
    if diff -u --label "$header functions" --label "$lib meshrtc_ symbols" "$tmp/header_names.txt" "$tmp/exports.txt" >"$tmp/b.diff"; then
      pass "(b) $lib defines the header's $(wc -l <"$tmp/exports.txt") functions"
    else
      fail "(b) $lib meshrtc_ symbols differ from the header's functions (- missing, + extra):"
      grep '^[-+][^-+]' "$tmp/b.diff" | sed 's/^/    /'
    fi
  elif diff -u --label "$header functions" --label "$lib exports" "$tmp/header_names.txt" "$tmp/exports.txt" >"$tmp/b.diff"; then
    pass "(b) $lib exports exactly the header's $(wc -l <"$tmp/exports.txt") functions"
  else
    fail "(b) $lib export table differs from the header's functions (- missing export, + extra export):"
    grep '^[-+][^-+]' "$tmp/b.diff" | sed 's/^/    /'
  fi
}
if ((${#exports_only[@]})); then
  for f in "${exports_only[@]}"; do
    check_exports "$f"
  done
  echo "check_abi: $passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  exit
fi
check_exports "$lib"

# (c) the header alone, as C99 and C++11
printf '#include "meshrtc.h"\n' >"$tmp/alone.c"
printf '#include "meshrtc.h"\n' >"$tmp/alone.cpp"
compile_alone() { # COMPILER
  local std=c99 src="$tmp/alone.c" lang=C99 out
  if [[ $1 == *++ ]]; then
    std=c++11 src="$tmp/alone.cpp" lang=C++11
  fi
  if out=$("$1" -std=$std -Wall -Wextra -Werror -pedantic -Iinclude -c "$src" -o "$tmp/alone.o" 2>&1); then
    pass "(c) $header compiles alone as $lang with $1 (-Wall -Wextra -Werror -pedantic)"
  else
    fail "(c) $header does not compile alone as $lang with $1:"
    echo "$out" | sed 's/^/    /'
  fi
}
for compiler in "$CC" "$CXX" "${target_cc[@]}"; do
  compile_alone "$compiler"
done
if [[ $platform == windows-* ]]; then
  printf '#include "meshrtc.h"\nint32_t abi(void) { return meshrtc_abi_version(); }\n' >"$tmp/call.c"
  if x86_64-w64-mingw32-gcc -std=c99 -Wall -Wextra -Werror -Iinclude -c "$tmp/call.c" -o "$tmp/call.o" 2>"$tmp/call.log" &&
    x86_64-w64-mingw32-nm "$tmp/call.o" >"$tmp/call.nm" && grep -qx ' *U __imp_meshrtc_abi_version' "$tmp/call.nm"; then
    pass "(c) on Windows a call to a header function goes through __imp_ (MESHRTC_API is dllimport)"
  else
    fail "(c) on Windows a call to a header function does not go through __imp_meshrtc_abi_version:"
    { cat "$tmp/call.log"; x86_64-w64-mingw32-nm "$tmp/call.o" 2>&1; } | sed 's/^/    /'
  fi
fi

# (d) test_dlopen.c's symbol list vs the header
if $py "$tmp/protos.py" xlist "$dlopen_test" >"$tmp/xlist.txt"; then
  dups=$(uniq -d "$tmp/xlist.txt")
  if [[ -n $dups ]]; then
    fail "(d) $dlopen_test lists functions twice: $dups"
  elif diff -u --label "$header functions" --label "$dlopen_test MESHRTC_FUNCTIONS" "$tmp/header_names.txt" "$tmp/xlist.txt" >"$tmp/d.diff"; then
    pass "(d) $dlopen_test resolves exactly the header's $(wc -l <"$tmp/xlist.txt") functions"
  else
    fail "(d) $dlopen_test's MESHRTC_FUNCTIONS differs from the header (- missing, + not in header):"
    grep '^[-+][^-+]' "$tmp/d.diff" | sed 's/^/    /'
  fi
else
  fail "(d) could not read the MESHRTC_FUNCTIONS list of $dlopen_test"
fi

# (e) never unloaded
if [[ $lib == *.so ]]; then
  if readelf -d "$lib" | grep -q 'NODELETE'; then
    pass "(e) $lib is marked NODELETE (dlclose never unloads it)"
  else
    fail "(e) $lib is not marked NODELETE, but a Go runtime can never be unloaded"
  fi
fi

# (f) only the system's C library
case $lib in
  *.so) deps=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ') want="libc.so.6 " ;;
  *.dll) deps=$(x86_64-w64-mingw32-objdump -p "$lib" | sed -n 's/^\tDLL Name: //p' | sort | tr '\n' ' ') want="KERNEL32.dll msvcrt.dll " ;;
  *) deps="" want="" ;;
esac
if [[ -n $want ]]; then
  if [[ $deps == "$want" ]]; then
    pass "(f) $lib needs only $want"
  else
    fail "(f) $lib needs $deps(want only $want)"
  fi
fi

echo "check_abi: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
