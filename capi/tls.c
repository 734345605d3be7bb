// The calling thread's last error message, for meshrtc_last_error(0, ...).
// Go runs an exported function on the C caller's thread, so thread-specific
// data set from inside the export belongs to the caller. A pthread key (not
// _Thread_local) so the message is freed when the thread exits.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct thread_error {
    size_t len;
    char text[];
} thread_error;

static pthread_key_t error_key;
static pthread_once_t error_once = PTHREAD_ONCE_INIT;

static void make_error_key(void) { pthread_key_create(&error_key, free); }

void mrtc_tls_set_error(const char *msg, size_t len) {
    pthread_once(&error_once, make_error_key);
    thread_error *e = malloc(sizeof *e + len + 1);
    if (e == NULL) {
        return;
    }
    e->len = len;
    memcpy(e->text, msg, len);
    e->text[len] = '\0';
    free(pthread_getspecific(error_key));
    pthread_setspecific(error_key, e);
}

const char *mrtc_tls_error(size_t *len) {
    pthread_once(&error_once, make_error_key);
    const thread_error *e = pthread_getspecific(error_key);
    *len = e != NULL ? e->len : 0;
    return e != NULL ? e->text : "";
}
