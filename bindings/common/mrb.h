/*
 * meshrtc C bindings - engine-independent helpers shared by the Godot 4
 * (bindings/godot) and Godot 3 (bindings/godot3) bindings: Godot's error
 * names, failure messages from meshrtc_last_error, and the routing rules for
 * library log lines. They use only include/meshrtc.h and the C library.
 */
#ifndef MESHRTC_BINDINGS_MRB_H
#define MESHRTC_BINDINGS_MRB_H

#include <stddef.h>
#include <stdint.h>

#include "meshrtc.h"

/* Godot's name of an Error value ("ERR_INVALID_PARAMETER"); meshrtc's error
 * codes are Godot's. */
const char *mrb_error_name(int32_t err);

/* Writes "<Godot error name> (<code>): <message>" into buf, the message
 * being meshrtc_last_error(handle), or the calling thread's last error when
 * handle is 0 or has none. */
void mrb_failure_text(char *buf, size_t cap, int64_t handle, int32_t err);

/* Which library log lines a binding captures and shows. */
typedef struct mrb_log_config {
    int32_t level;          /* MESHRTC_LOG_*, for meshrtc_log_set_level */
    int show_pion_warnings; /* pion's routine warnings (ice, sctp, dtls, ...) */
} mrb_log_config;

/* From MESHRTC_LOG_LEVEL (none, error, warn, info, debug, trace or 0..5):
 * that level, pion's warnings included. Unset: warn, with pion's routine
 * warnings hidden; meshrtc's own warnings and every error are still shown. */
mrb_log_config mrb_log_config_from_env(void);

/* Receives one log line ("<subsystem>: <message>") at its MESHRTC_LOG_* level. */
typedef void (*mrb_log_sink)(int32_t level, const char *line);

/* Moves queued library log lines (meshrtc_log_next) to sink, dropping pion's
 * routine warnings unless config asks for them. Bounded per call. */
void mrb_drain_logs(const mrb_log_config *config, mrb_log_sink sink);

#endif /* MESHRTC_BINDINGS_MRB_H */
