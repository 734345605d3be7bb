# Godot 4 host helpers for scripts/build_godot.sh and tests/godot/run.sh
# (sourced, not run; expects to be in the repository root with scripts/lib.sh
# sourced).
#
# The test host is the headless Godot 4.6.3 kept outside the repository in
# ../shared/tools/godot4/ (relative to the repository root). It is unpacked
# into build/godot/host/ (ignored) and never committed. GODOT=/path/to/godot
# chooses another binary.

GODOT_HOST_XZ="${GODOT_HOST_XZ:-../shared/tools/godot4/godot-4.6.3-headless.x86_64.xz}"
GODOT_HOST_DIR="build/godot/host"

# godot_host_deps installs the shared libraries the test host needs.
godot_host_deps() {
  apt_install libpng16-16 libzstd1 libbrotli1 libmbedtls14 libmbedcrypto7 libmbedx509-1 libwslay1 \
    zlib1g xz-utils
}

# godot_host_binary prints the Godot binary to use, unpacking the test host
# when GODOT is not set.
godot_host_binary() {
  if [[ -n "${GODOT:-}" ]]; then
    [[ -x "$GODOT" ]] || { echo "error: GODOT=$GODOT is not an executable" >&2; return 1; }
    echo "$GODOT"
    return 0
  fi
  if [[ ! -f "$GODOT_HOST_XZ" ]]; then
    echo "error: no Godot binary: set GODOT=/path/to/godot4 or provide $GODOT_HOST_XZ" >&2
    return 1
  fi
  local bin="$GODOT_HOST_DIR/godot4"
  if [[ ! -x "$bin" || "$GODOT_HOST_XZ" -nt "$bin" ]]; then
    mkdir -p "$GODOT_HOST_DIR"
    xz -dc "$GODOT_HOST_XZ" >"$bin.tmp" && chmod +x "$bin.tmp" && mv "$bin.tmp" "$bin" || return 1
  fi
  echo "$PWD/$bin"
}
