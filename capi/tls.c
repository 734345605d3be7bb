// The calling thread's last error message, for meshrtc_last_error(0, ...).
// Go runs an exported function on the C caller's thread, so thread-specific
// data set from inside the export belongs to the caller. A pthread key (not
// _Thread_local) so the message is freed when the thread exits.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct thread_error {
    size_t len;
    size_t cap; /* bytes text can hold, NUL included */
    char text[];
} thread_error;

static pthread_key_t error_key;
static pthread_once_t error_once = PTHREAD_ONCE_INIT;

static void make_error_key(void) { pthread_key_create(&error_key, free); }

// msg may be NULL when len is 0. The buffer is reused while it is large
// enough: a host polling an empty queue sets the same message again and again.
void mrtc_tls_set_error(const char *msg, size_t len) {
    pthread_once(&error_once, make_error_key);
    thread_error *e = pthread_getspecific(error_key);
    if (e == NULL || e->cap < len + 1) {
        thread_error *bigger = malloc(sizeof *e + len + 1);
        if (bigger == NULL) {
            return;
        }
        bigger->cap = len + 1;
        free(e);
        e = bigger;
        pthread_setspecific(error_key, e);
    }
    e->len = len;
    if (len > 0) {
        memcpy(e->text, msg, len);
    }
    e->text[len] = '\0';
}

const char *mrtc_tls_error(size_t *len) {
    pthread_once(&error_once, make_error_key);
    const thread_error *e = pthread_getspecific(error_key);
    *len = e != NULL ? e->len : 0;
    return e != NULL ? e->text : "";
}
