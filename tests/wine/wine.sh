# Wine helpers for running the Windows builds of the tests (sourced, not run,
# from the repository root after tests/lib.sh). Test-only: the shipped DLL is
# built with the plain MinGW toolchain and needs none of this on Windows.
#
# Wine 8 (Debian 12) lacks two things a Go 1.22+ program needs; both are
# bridged here, each by our own small source under tests/wine/:
#  - bcryptprimitives.dll!ProcessPrng, which Go's runtime loads at start (it
#    aborts without it): processprng.c, a stub on BCryptGenRandom, is built
#    into the prefix's system32 (Wine 8 has no bcryptprimitives.dll at all);
#  - WSAIoctl SIO_UDP_CONNRESET/SIO_UDP_NETRESET, which Go's net package sets
#    on every UDP socket: wsaioctl_bridge.c, linked into each test program
#    (WINE_BRIDGE_SOURCES).

WINE_BRIDGE_SOURCES=(tests/wine/wsaioctl_bridge.c)
WINE_BRIDGE_LIBS=(-lws2_32)
WINE64=/usr/lib/wine/wine64

# wine_setup: installs Wine and MinGW, makes the prefix build/wine/prefix
# once (wineboot), builds the ProcessPrng stub into it when its source
# changed, and exports WINEPREFIX and WINEDEBUG for "$WINE64" PROGRAM.
wine_setup() {
  apt_install wine64 wine gcc-mingw-w64-x86-64
  export WINEPREFIX="$root/build/wine/prefix"
  export WINEDEBUG=-all
  # No Gecko or Mono download prompts: nothing here needs them.
  export WINEDLLOVERRIDES="mscoree,mshtml="
  if [[ ! -f $WINEPREFIX/system.reg ]]; then
    mkdir -p "$WINEPREFIX"
    "$WINE64" wineboot -i >"$root/build/wine/wineboot.log" 2>&1 || {
      echo "error: wineboot failed:" >&2
      cat "$root/build/wine/wineboot.log" >&2
      return 1
    }
  fi
  local stub="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
  if [[ ! -f $stub || tests/wine/processprng.c -nt $stub ]]; then
    x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror -O2 -shared -o "$stub" tests/wine/processprng.c -lbcrypt
  fi
}

# wine_path PATH: the Windows form (Z:\...) of an absolute Unix path.
wine_path() {
  local p=${1//\//\\}
  echo "Z:$p"
}
