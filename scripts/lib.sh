# Shared helpers for the scripts (sourced, not run).

# need_go fails loudly unless a Go toolchain of at least 1.24 is on PATH.
need_go() {
  if ! command -v go >/dev/null 2>&1; then
    [[ -x /usr/local/go/bin/go ]] && export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 || { echo "error: Go 1.24+ is required (https://go.dev/dl)" >&2; exit 1; }
  local v
  v=$(go env GOVERSION | sed 's/^go//')
  if [[ "$(printf '%s\n1.24\n' "$v" | sort -V | head -1)" != "1.24" ]]; then
    echo "error: Go 1.24+ is required, found $v" >&2
    exit 1
  fi
}

# apt_install installs the Debian packages that are missing; it fails loudly.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq || { echo "error: apt-get update failed" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" \
    || { echo "error: could not install ${missing[*]}" >&2; exit 1; }
}

# c_toolchain makes sure gcc, g++ and binutils are present.
c_toolchain() {
  apt_install gcc g++ binutils libc6-dev
}

# library_file BUILD_DIR: the library's file name in build/<os>-<arch>/.
library_file() {
  case $(basename "$1") in
    windows-*) echo meshrtc.dll ;;
    darwin-*) echo libmeshrtc.dylib ;;
    ios-*) echo libmeshrtc.a ;;
    *) echo libmeshrtc.so ;;
  esac
}

# elf_exports LIB: the functions and data an ELF shared library exports, one
# name a line, sorted (no version suffixes).
elf_exports() {
  nm -D --defined-only "$1" | awk 'NF >= 3 {print $3}' | sed 's/@.*//' | sort -u
}

# pe_exports DLL: the names in a PE DLL's export table, one a line, sorted.
pe_exports() {
  x86_64-w64-mingw32-objdump -p "$1" |
    awk '/^\[Ordinal\/Name Pointer\] Table/ {t = 1; next} t && /^\t\[ *[0-9]+\]/ {print $NF; next} t && !/^\t/ {t = 0}' |
    sort -u
}

# readme_example MARKER [LANG] : prints the code block (```LANG, default
# gdscript) that follows "<!-- example:MARKER" in README.md, verbatim; the
# tests run or compile README's examples with it.
readme_example() {
  awk -v m="<!-- example:$1" -v l="\`\`\`${2:-gdscript}" \
    'index($0, m) == 1 {f = 1; next} f && $0 == l {g = 1; next} g && /^```/ {exit} g {print}' README.md
}
