// The calling thread's last error message, for meshrtc_last_error(0, ...).
// Go runs an exported function on the C caller's thread, so a C thread-local
// set from inside the export belongs to the caller.
#include <stdlib.h>
#include <string.h>

static _Thread_local char *thread_error;
static _Thread_local size_t thread_error_len;

void mrtc_tls_set_error(const char *msg, size_t len) {
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        return;
    }
    memcpy(copy, msg, len);
    copy[len] = '\0';
    free(thread_error);
    thread_error = copy;
    thread_error_len = len;
}

const char *mrtc_tls_error(size_t *len) {
    *len = thread_error_len;
    return thread_error != NULL ? thread_error : "";
}
