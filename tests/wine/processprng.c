/* Test-only stand-in for bcryptprimitives.dll, which Wine 8 lacks: Go's
 * Windows runtime (1.22+) loads it for ProcessPrng and aborts at start
 * without it. ProcessPrng fills the buffer from the system RNG and, as on
 * Windows, always succeeds. Installed into the Wine prefix by
 * tests/wine/wine.sh; never shipped. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
            /* Windows' ProcessPrng cannot fail; a test must not run on
             * predictable bytes. */
            ExitProcess(70);
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
