/*
 * meshrtc C bindings - engine-independent helpers (see mrb.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mrb.h"

const char *mrb_error_name(int32_t err) {
    switch (err) {
    case MESHRTC_OK: return "OK";
    case MESHRTC_FAILED: return "FAILED";
    case MESHRTC_ERR_UNAVAILABLE: return "ERR_UNAVAILABLE";
    case MESHRTC_ERR_UNCONFIGURED: return "ERR_UNCONFIGURED";
    case MESHRTC_ERR_UNAUTHORIZED: return "ERR_UNAUTHORIZED";
    case MESHRTC_ERR_PARAMETER_RANGE_ERROR: return "ERR_PARAMETER_RANGE_ERROR";
    case MESHRTC_ERR_OUT_OF_MEMORY: return "ERR_OUT_OF_MEMORY";
    case MESHRTC_ERR_TIMEOUT: return "ERR_TIMEOUT";
    case MESHRTC_ERR_CONNECTION_ERROR: return "ERR_CONNECTION_ERROR";
    case MESHRTC_ERR_INVALID_DATA: return "ERR_INVALID_DATA";
    case MESHRTC_ERR_INVALID_PARAMETER: return "ERR_INVALID_PARAMETER";
    case MESHRTC_ERR_ALREADY_EXISTS: return "ERR_ALREADY_EXISTS";
    case MESHRTC_ERR_DOES_NOT_EXIST: return "ERR_DOES_NOT_EXIST";
    case MESHRTC_ERR_BUSY: return "ERR_BUSY";
    case MESHRTC_ERR_BUG: return "ERR_BUG";
    default: return "error";
    }
}

/* The last error message of handle (0: the calling thread), malloc'd; NULL
 * when there is none. */
static char *last_error(int64_t handle) {
    int32_t len = 0;
    char small[512];
    int32_t rc = meshrtc_last_error(handle, small, (int32_t)sizeof small, &len);
    if (rc == MESHRTC_OK) {
        return small[0] ? strdup(small) : NULL;
    }
    if (rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR && len > 0) {
        char *buf = malloc((size_t)len + 1);
        if (buf && meshrtc_last_error(handle, buf, len + 1, &len) == MESHRTC_OK) {
            return buf;
        }
        free(buf);
    }
    return NULL;
}

void mrb_failure_text(char *buf, size_t cap, int64_t handle, int32_t err) {
    char *msg = handle != 0 ? last_error(handle) : NULL;
    if (msg == NULL) {
        msg = last_error(0);
    }
    snprintf(buf, cap, "%s (%d): %s", mrb_error_name(err), (int)err, msg ? msg : "no message");
    free(msg);
}

mrb_log_config mrb_log_config_from_env(void) {
    static const char *names[] = {"none", "error", "warn", "info", "debug", "trace"};
    mrb_log_config config = {MESHRTC_LOG_WARN, 0};
    const char *env = getenv("MESHRTC_LOG_LEVEL");
    if (env == NULL || env[0] == '\0') {
        return config;
    }
    for (int32_t i = 0; i < 6; i++) {
        if (strcasecmp(env, names[i]) == 0 || (env[0] == '0' + i && env[1] == '\0')) {
            config.level = i;
        }
    }
    if (strcasecmp(env, "warning") == 0) {
        config.level = MESHRTC_LOG_WARN;
    }
    config.show_pion_warnings = config.level >= MESHRTC_LOG_WARN;
    return config;
}

/* Lines are "<subsystem>: <message>"; these subsystems are meshrtc's own. */
static int own_subsystem(const char *line) {
    static const char *own[] = {"config: ", "peer: ", "channel: ", "capi: ", "meshrtc: "};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        if (strncmp(line, own[i], strlen(own[i])) == 0) {
            return 1;
        }
    }
    return 0;
}

void mrb_drain_logs(const mrb_log_config *config, mrb_log_sink sink) {
    char small[1024];
    for (int n = 0; n < 4096; n++) {
        int32_t level = 0, len = 0;
        char *line = small;
        int32_t rc = meshrtc_log_next(&level, small, (int32_t)sizeof small, &len);
        if (rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR) {
            line = malloc((size_t)len + 1);
            if (line == NULL) {
                return;
            }
            rc = meshrtc_log_next(&level, line, len + 1, &len);
        }
        if (rc != MESHRTC_OK) {
            if (line != small) {
                free(line);
            }
            return;
        }
        if (level != MESHRTC_LOG_WARN || config->show_pion_warnings || own_subsystem(line)) {
            sink(level, line);
        }
        if (line != small) {
            free(line);
        }
    }
}
