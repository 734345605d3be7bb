/*
 * meshrtc Godot 3 GDNative library - engine lookups, value helpers, error
 * and log reporting, handle accounting.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "g3.h"

g3_api g3;
mrb_log_config g3_log;
int g3_shut_down;

static atomic_int live_handles;

/* Engine classes and methods exist only once every module is registered,
 * which is after the singleton starts (gdnative registers before webrtc):
 * they are looked up at the first WebRTCPeerConnection.new(). */
static int load_engine(void) {
    const godot_gdnative_core_api_struct *core = g3.core;
    const char *missing = NULL;
    if ((g3.new_native_script = core->godot_get_class_constructor("NativeScript")) == NULL) {
        missing = "class NativeScript";
    } else if ((g3.new_data_channel = core->godot_get_class_constructor("WebRTCDataChannelGDNative")) == NULL) {
        missing = "class WebRTCDataChannelGDNative";
    } else if ((g3.object_is_class = core->godot_method_bind_get_method("Object", "is_class")) == NULL) {
        missing = "method Object.is_class";
    } else if ((g3.object_set_script = core->godot_method_bind_get_method("Object", "set_script")) == NULL) {
        missing = "method Object.set_script";
    } else if ((g3.object_emit_signal = core->godot_method_bind_get_method("Object", "emit_signal")) == NULL) {
        missing = "method Object.emit_signal";
    } else if ((g3.script_set_library = core->godot_method_bind_get_method("NativeScript", "set_library")) == NULL) {
        missing = "method NativeScript.set_library";
    } else if ((g3.script_set_class_name = core->godot_method_bind_get_method("NativeScript", "set_class_name")) ==
               NULL) {
        missing = "method NativeScript.set_class_name";
    }
    if (missing != NULL) {
        g3_error(__func__, "meshrtc: this Godot lacks the %s (is the webrtc or gdnative module disabled?)", missing);
        return 0;
    }
    return 1;
}

int g3_api_ready(void) {
    static int state; /* 0: not looked up yet, 1: ready, -1: missing */
    if (state == 0) {
        state = load_engine() ? 1 : -1;
    }
    return state == 1;
}

int g3_is_class(godot_object *obj, const char *class_name) {
    godot_string name;
    g3.core->godot_string_new(&name);
    g3.core->godot_string_parse_utf8(&name, class_name);
    const void *args[1] = {&name};
    godot_bool is = false;
    g3.core->godot_method_bind_ptrcall(g3.object_is_class, obj, args, &is);
    g3.core->godot_string_destroy(&name);
    return is;
}

void *g3_attach_script(godot_object *obj, const char *class_name) {
    const godot_gdnative_core_api_struct *core = g3.core;
    godot_object *script = g3.new_native_script();
    if (script == NULL) {
        g3_error(__func__, "meshrtc: could not create a NativeScript for %s", class_name);
        return NULL;
    }
    /* Ref<> arguments of a ptrcall are the object pointers themselves; the
     * object's script reference becomes the NativeScript's first one. */
    const void *library_args[1] = {g3.library};
    core->godot_method_bind_ptrcall(g3.script_set_library, script, library_args, NULL);
    godot_string name;
    core->godot_string_new(&name);
    core->godot_string_parse_utf8(&name, class_name);
    const void *name_args[1] = {&name};
    core->godot_method_bind_ptrcall(g3.script_set_class_name, script, name_args, NULL);
    core->godot_string_destroy(&name);
    const void *script_args[1] = {script};
    core->godot_method_bind_ptrcall(g3.object_set_script, obj, script_args, NULL);
    void *userdata = g3.nativescript->godot_nativescript_get_userdata(obj);
    if (userdata == NULL) {
        g3_error(__func__, "meshrtc: the NativeScript class %s did not start (is the library's resource "
                           "res://addons/meshrtc/meshrtc.gdnlib?)",
                 class_name);
    }
    return userdata;
}

char *g3_string_to_cstr(const godot_string *str) {
    const godot_gdnative_core_api_struct *core = g3.core;
    godot_char_string utf8 = core->godot_string_utf8(str);
    godot_int len = core->godot_char_string_length(&utf8);
    char *out = malloc((size_t)(len > 0 ? len : 0) + 1);
    if (out != NULL) {
        if (len > 0) {
            memcpy(out, core->godot_char_string_get_data(&utf8), (size_t)len);
        }
        out[len > 0 ? len : 0] = '\0';
    }
    core->godot_char_string_destroy(&utf8);
    return out;
}

char *g3_dictionary_to_json(const godot_dictionary *dict) {
    godot_string json = g3.core->godot_dictionary_to_json(dict);
    char *out = g3_string_to_cstr(&json);
    g3.core->godot_string_destroy(&json);
    return out;
}

void g3_variant_from_cstr(godot_variant *v, const char *utf8) {
    const godot_gdnative_core_api_struct *core = g3.core;
    godot_string s;
    core->godot_string_new(&s);
    if (utf8 != NULL && utf8[0] != '\0') {
        core->godot_string_parse_utf8_with_len(&s, utf8, (godot_int)strlen(utf8));
    }
    core->godot_variant_new_string(v, &s);
    core->godot_string_destroy(&s);
}

void g3_emit(godot_object *obj, const char *signal, const godot_variant *args, int argc) {
    const godot_gdnative_core_api_struct *core = g3.core;
    godot_variant name;
    g3_variant_from_cstr(&name, signal);
    const godot_variant *argv[4] = {&name};
    for (int i = 0; i < argc && i < 3; i++) {
        argv[i + 1] = &args[i];
    }
    godot_variant_call_error err = {GODOT_CALL_ERROR_CALL_OK, 0, GODOT_VARIANT_TYPE_NIL};
    godot_variant ret = core->godot_method_bind_call(g3.object_emit_signal, obj, argv, argc + 1, &err);
    core->godot_variant_destroy(&ret);
    core->godot_variant_destroy(&name);
    if (err.error != GODOT_CALL_ERROR_CALL_OK) {
        g3_error(__func__, "meshrtc: emit_signal(%s) failed (call error %d)", signal, (int)err.error);
    }
}

/* ------------------------------------------------------------ reporting */

static void vreport(int warning, const char *func, const char *fmt, va_list ap) {
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    if (g3_shut_down || g3.core == NULL) {
        fprintf(stderr, "%s: %s: %s\n", warning ? "WARNING" : "ERROR", func, buf);
        return;
    }
    /* Godot 3 prints "ERROR: <function>: <description>". */
    if (warning) {
        g3.core->godot_print_warning(buf, func, "meshrtc", 0);
    } else {
        g3.core->godot_print_error(buf, func, "meshrtc", 0);
    }
}

void g3_error(const char *func, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport(0, func, fmt, ap);
    va_end(ap);
}

void g3_warning(const char *func, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport(1, func, fmt, ap);
    va_end(ap);
}

void g3_print(const char *fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (g3_shut_down || g3.core == NULL) {
        printf("%s\n", buf);
        return;
    }
    godot_string s;
    g3.core->godot_string_new(&s);
    g3.core->godot_string_parse_utf8(&s, buf);
    g3.core->godot_print(&s);
    g3.core->godot_string_destroy(&s);
}

int32_t g3_check(const char *call, int64_t handle, int32_t err) {
    if (err != MESHRTC_OK) {
        char text[2048];
        mrb_failure_text(text, sizeof text, handle, err);
        g3_error(call, "%s", text);
        g3_drain_logs();
    }
    return err;
}

static void log_sink(int32_t level, const char *line) {
    if (level == MESHRTC_LOG_ERROR) {
        g3_error("meshrtc", "%s", line);
    } else if (level == MESHRTC_LOG_WARN) {
        g3_warning("meshrtc", "%s", line);
    } else {
        g3_print("meshrtc: %s", line);
    }
}

void g3_drain_logs(void) {
    mrb_drain_logs(&g3_log, log_sink);
}

/* ------------------------------------------------------------- handles */

void g3_handle_adopted(void) {
    atomic_fetch_add(&live_handles, 1);
}

void g3_handle_released(void) {
    atomic_fetch_sub(&live_handles, 1);
}

int32_t g3_live_handles(void) {
    return (int32_t)atomic_load(&live_handles);
}
