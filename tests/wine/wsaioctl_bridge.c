/* Test-only bridge for Wine 8, linked into the Windows builds of the C tests
 * (tests/c/run.sh); never part of the shipped library.
 *
 * Go's net package turns off SIO_UDP_CONNRESET and SIO_UDP_NETRESET with
 * WSAIoctl on every UDP socket and gives up on the socket when that fails.
 * Wine 8 answers WSAEOPNOTSUPP (10045) to both, so every UDP listen fails and
 * ICE gathers nothing. Windows itself supports both codes.
 *
 * Go looks ws2_32's functions up with GetProcAddress at run time, through
 * meshrtc.dll's import of kernel32!GetProcAddress. This bridge points that
 * import at a wrapper which hands out a WSAIoctl that turns WSAEOPNOTSUPP into
 * success for those two codes only; every other call goes to the real
 * functions unchanged. A constructor patches meshrtc.dll when the program
 * links it; a program that loads it with LoadLibraryA (test_dlopen) gets its
 * own LoadLibraryA import patched, so the library is bridged once loaded.
 * When neither import can be found the program stops: a test must not run
 * unbridged and fail for the wrong reason. */
#include <winsock2.h>
#include <windows.h>
#include <mswsock.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SIO_UDP_NETRESET
#define SIO_UDP_NETRESET _WSAIOW(IOC_VENDOR, 15)
#endif

typedef int(WSAAPI *wsaioctl_fn)(SOCKET, DWORD, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, LPWSAOVERLAPPED,
                                 LPWSAOVERLAPPED_COMPLETION_ROUTINE);
typedef FARPROC(WINAPI *get_proc_address_fn)(HMODULE, LPCSTR);
typedef HMODULE(WINAPI *load_library_fn)(LPCSTR);

static wsaioctl_fn real_wsaioctl;
static get_proc_address_fn real_get_proc_address;
static load_library_fn real_load_library;

static int WSAAPI bridged_wsaioctl(SOCKET s, DWORD code, LPVOID in, DWORD in_len, LPVOID out, DWORD out_len,
                                   LPDWORD out_returned, LPWSAOVERLAPPED overlapped,
                                   LPWSAOVERLAPPED_COMPLETION_ROUTINE completion) {
    int rc = real_wsaioctl(s, code, in, in_len, out, out_len, out_returned, overlapped, completion);
    if (rc == SOCKET_ERROR && WSAGetLastError() == WSAEOPNOTSUPP &&
        (code == SIO_UDP_CONNRESET || code == SIO_UDP_NETRESET)) {
        if (out_returned != NULL) {
            *out_returned = 0;
        }
        WSASetLastError(0);
        return 0;
    }
    return rc;
}

/* Function pointers and FARPROC do not convert into each other in ISO C;
 * through uintptr_t they do on every Windows compiler. */
#define FN_CAST(type, f) ((type)(uintptr_t)(f))

static FARPROC WINAPI bridged_get_proc_address(HMODULE module, LPCSTR name) {
    FARPROC f = real_get_proc_address(module, name);
    if (f != NULL && !IS_INTRESOURCE(name) && strcmp(name, "WSAIoctl") == 0) {
        real_wsaioctl = FN_CAST(wsaioctl_fn, f);
        return FN_CAST(FARPROC, bridged_wsaioctl);
    }
    return f;
}

/* patch_import points module's import of dll!func at replacement and
 * returns the previous target (NULL when module does not import it). A
 * slot that already points at replacement is left alone. */
static void *patch_import(HMODULE module, const char *dll, const char *func, void *replacement) {
    BYTE *base = (BYTE *)module;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(base + ((const IMAGE_DOS_HEADER *)base)->e_lfanew);
    const IMAGE_DATA_DIRECTORY *dir = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
    if (dir->VirtualAddress == 0) {
        return NULL;
    }
    for (const IMAGE_IMPORT_DESCRIPTOR *d = (const IMAGE_IMPORT_DESCRIPTOR *)(base + dir->VirtualAddress); d->Name != 0;
         d++) {
        if (_stricmp((const char *)(base + d->Name), dll) != 0 || d->OriginalFirstThunk == 0) {
            continue;
        }
        const IMAGE_THUNK_DATA *names = (const IMAGE_THUNK_DATA *)(base + d->OriginalFirstThunk);
        IMAGE_THUNK_DATA *slots = (IMAGE_THUNK_DATA *)(base + d->FirstThunk);
        for (; names->u1.AddressOfData != 0; names++, slots++) {
            if (IMAGE_SNAP_BY_ORDINAL(names->u1.Ordinal)) {
                continue;
            }
            const IMAGE_IMPORT_BY_NAME *by_name = (const IMAGE_IMPORT_BY_NAME *)(base + names->u1.AddressOfData);
            if (strcmp((const char *)by_name->Name, func) != 0) {
                continue;
            }
            void *previous = (void *)slots->u1.Function;
            if (previous == replacement) {
                return previous;
            }
            DWORD protect;
            if (!VirtualProtect(&slots->u1.Function, sizeof slots->u1.Function, PAGE_READWRITE, &protect)) {
                fprintf(stderr, "wsaioctl_bridge: VirtualProtect failed (%lu)\n", (unsigned long)GetLastError());
                exit(70);
            }
            slots->u1.Function = (ULONG_PTR)replacement;
            VirtualProtect(&slots->u1.Function, sizeof slots->u1.Function, protect, &protect);
            return previous;
        }
    }
    return NULL;
}

static void bridge_library(HMODULE library) {
    void *previous =
        patch_import(library, "kernel32.dll", "GetProcAddress", FN_CAST(void *, bridged_get_proc_address));
    if (previous == NULL) {
        fprintf(stderr, "wsaioctl_bridge: meshrtc.dll does not import kernel32!GetProcAddress\n");
        exit(70);
    }
    if (previous != FN_CAST(void *, bridged_get_proc_address)) {
        real_get_proc_address = FN_CAST(get_proc_address_fn, previous);
    }
}

static HMODULE WINAPI bridged_load_library(LPCSTR path) {
    HMODULE module = real_load_library(path);
    if (module != NULL && real_get_proc_address(module, "meshrtc_abi_version") != NULL) {
        bridge_library(module);
    }
    return module;
}

__attribute__((constructor)) static void install_bridge(void) {
    real_get_proc_address = GetProcAddress;
    HMODULE linked = GetModuleHandleA("meshrtc.dll");
    if (linked != NULL) {
        bridge_library(linked);
        return;
    }
    void *previous = patch_import(GetModuleHandleA(NULL), "kernel32.dll", "LoadLibraryA",
                                  FN_CAST(void *, bridged_load_library));
    if (previous == NULL) {
        fprintf(stderr, "wsaioctl_bridge: the program neither links meshrtc.dll nor imports LoadLibraryA\n");
        exit(70);
    }
    real_load_library = FN_CAST(load_library_fn, previous);
}
