// A Go runtime cannot be unloaded: its threads keep running the DLL's code.
// Linux gets NODELETE from Go's linker; on Windows the DLL pins itself when
// it is loaded, so FreeLibrary never unmaps it.
#include <windows.h>

__attribute__((constructor)) static void mrtc_pin_module(void) {
    HMODULE self;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                       (LPCWSTR)(void *)mrtc_pin_module, &self);
}
