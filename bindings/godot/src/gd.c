/*
 * meshrtc Godot 4 GDExtension - the GDExtension interface functions we use,
 * value helpers, error/log reporting, and what the instances of both classes
 * share.
 *
 * Every interface function is looked up with the GD_PROC macro; the
 * build (scripts/build_godot.sh) checks each name against the dumped
 * gdextension_interface.h and fails if one is newer than Godot 4.3.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr.h"

gd_api gd;
mr_names mr_sn;
int mr_shut_down;
mrb_log_config mr_log;

/* Engine method hashes (extension_api.json; unchanged from Godot 4.1 to 4.6). */
#define HASH_OBJECT_EMIT_SIGNAL 4047867050
#define HASH_JSON_STRINGIFY 462733549
#define HASH_WEBRTC_SET_DEFAULT_EXTENSION 3304788590
#define HASH_UTILITY_PRINT 2648703342

#define GD_PROC(field, name)                                        \
    do {                                                            \
        gd.field = (__typeof__(gd.field))(void (*)(void))get_proc(name); \
        if (gd.field == NULL) {                                     \
            missing = name;                                         \
            goto fail;                                              \
        }                                                           \
    } while (0)

int mr_api_load(GDExtensionInterfaceGetProcAddress get_proc, GDExtensionClassLibraryPtr library) {
    const char *missing = NULL;
    memset(&gd, 0, sizeof gd);
    gd.library = library;
    GD_PROC(print_error, "print_error");
    GD_PROC(print_warning, "print_warning");
    GD_PROC(variant_destroy, "variant_destroy");
    GD_PROC(get_variant_from_type_constructor, "get_variant_from_type_constructor");
    GD_PROC(variant_get_ptr_destructor, "variant_get_ptr_destructor");
    GD_PROC(variant_get_ptr_operator_evaluator, "variant_get_ptr_operator_evaluator");
    GD_PROC(variant_get_ptr_utility_function, "variant_get_ptr_utility_function");
    GD_PROC(string_new_with_utf8_chars_and_len2, "string_new_with_utf8_chars_and_len2");
    GD_PROC(string_to_utf8_chars, "string_to_utf8_chars");
    GD_PROC(string_name_new_with_latin1_chars, "string_name_new_with_latin1_chars");
    GD_PROC(object_method_bind_call, "object_method_bind_call");
    GD_PROC(object_method_bind_ptrcall, "object_method_bind_ptrcall");
    GD_PROC(classdb_construct_object, "classdb_construct_object");
    GD_PROC(classdb_get_method_bind, "classdb_get_method_bind");
    GD_PROC(object_set_instance, "object_set_instance");
    GD_PROC(ref_set_object, "ref_set_object");
    GD_PROC(classdb_register_extension_class3, "classdb_register_extension_class3");
    GD_PROC(classdb_unregister_extension_class, "classdb_unregister_extension_class");

    gd.variant_from_string = gd.get_variant_from_type_constructor(GDEXTENSION_VARIANT_TYPE_STRING);
    gd.variant_from_string_name = gd.get_variant_from_type_constructor(GDEXTENSION_VARIANT_TYPE_STRING_NAME);
    gd.variant_from_int = gd.get_variant_from_type_constructor(GDEXTENSION_VARIANT_TYPE_INT);
    gd.variant_from_object = gd.get_variant_from_type_constructor(GDEXTENSION_VARIANT_TYPE_OBJECT);
    gd.variant_from_dictionary = gd.get_variant_from_type_constructor(GDEXTENSION_VARIANT_TYPE_DICTIONARY);
    gd.string_destroy = gd.variant_get_ptr_destructor(GDEXTENSION_VARIANT_TYPE_STRING);
    gd.string_name_destroy = gd.variant_get_ptr_destructor(GDEXTENSION_VARIANT_TYPE_STRING_NAME);
    gd.string_name_equal = gd.variant_get_ptr_operator_evaluator(
        GDEXTENSION_VARIANT_OP_EQUAL, GDEXTENSION_VARIANT_TYPE_STRING_NAME, GDEXTENSION_VARIANT_TYPE_STRING_NAME);
    if (!gd.variant_from_string || !gd.variant_from_string_name || !gd.variant_from_int || !gd.variant_from_object ||
        !gd.variant_from_dictionary || !gd.string_destroy || !gd.string_name_destroy || !gd.string_name_equal) {
        missing = "variant constructors/destructors/operators";
        goto fail;
    }
    return 1;

fail:
    if (gd.print_error) {
        char msg[256];
        snprintf(msg, sizeof msg, "meshrtc: this Godot lacks the GDExtension interface function '%s' (Godot 4.3+ required)",
                 missing);
        gd.print_error(msg, __func__, __FILE__, __LINE__, 1);
    } else {
        fprintf(stderr, "meshrtc: this Godot lacks the GDExtension interface function '%s' (Godot 4.3+ required)\n",
                missing);
    }
    return 0;
}

static GDExtensionMethodBindPtr method_bind(const char *cls, const char *method, GDExtensionInt hash) {
    gd_string_name c, m;
    gd_sn_new(&c, cls);
    gd_sn_new(&m, method);
    GDExtensionMethodBindPtr mb = gd.classdb_get_method_bind(&c, &m, hash);
    gd_sn_destroy(&c);
    gd_sn_destroy(&m);
    if (mb == NULL) {
        mr_error(__func__, "meshrtc: engine method %s.%s (hash %lld) not found", cls, method, (long long)hash);
    }
    return mb;
}

int mr_api_load_scene(void) {
    gd.emit_signal = method_bind("Object", "emit_signal", HASH_OBJECT_EMIT_SIGNAL);
    gd.json_stringify = method_bind("JSON", "stringify", HASH_JSON_STRINGIFY);
    gd.set_default_extension =
        method_bind("WebRTCPeerConnection", "set_default_extension", HASH_WEBRTC_SET_DEFAULT_EXTENSION);
    gd_string_name print_name;
    gd_sn_new(&print_name, "print");
    gd.print = gd.variant_get_ptr_utility_function(&print_name, HASH_UTILITY_PRINT);
    gd_sn_destroy(&print_name);
    return gd.emit_signal && gd.json_stringify && gd.set_default_extension;
}

/* --------------------------------------------------------------- values */

void gd_sn_new(gd_string_name *sn, const char *latin1) {
    memset(sn, 0, sizeof *sn);
    gd.string_name_new_with_latin1_chars(sn, latin1, 0);
}

void gd_sn_destroy(gd_string_name *sn) {
    gd.string_name_destroy(sn);
    memset(sn, 0, sizeof *sn);
}

int gd_sn_equal(const gd_string_name *a, const void *b) {
    GDExtensionBool eq = 0;
    gd.string_name_equal(a, b, &eq);
    return eq != 0;
}

char *gd_string_to_cstr(const void *str) {
    GDExtensionInt len = gd.string_to_utf8_chars(str, NULL, 0);
    if (len < 0) {
        len = 0;
    }
    char *buf = malloc((size_t)len + 1);
    if (buf == NULL) {
        return NULL;
    }
    if (len > 0) {
        gd.string_to_utf8_chars(str, buf, len);
    }
    buf[len] = '\0';
    return buf;
}

void gd_string_new(gd_string *dst, const char *utf8, int64_t len) {
    memset(dst, 0, sizeof *dst);
    gd.string_new_with_utf8_chars_and_len2(dst, utf8 ? utf8 : "", utf8 ? len : 0);
}

void gd_string_assign(void *dst, const char *utf8, int64_t len) {
    gd.string_destroy(dst);
    memset(dst, 0, sizeof(gd_string));
    gd.string_new_with_utf8_chars_and_len2(dst, utf8 ? utf8 : "", utf8 ? len : 0);
}

void gd_variant_from_cstr(gd_variant *v, const char *utf8) {
    gd_string s;
    gd_string_new(&s, utf8, utf8 ? (int64_t)strlen(utf8) : 0);
    gd.variant_from_string(v, &s);
    gd.string_destroy(&s);
}

void gd_variant_from_int(gd_variant *v, int64_t i) {
    gd.variant_from_int(v, &i);
}

void gd_variant_from_object(gd_variant *v, GDExtensionObjectPtr obj) {
    gd.variant_from_object(v, &obj);
}

void gd_variant_destroy(gd_variant *v) {
    gd.variant_destroy(v);
}

void gd_emit(GDExtensionObjectPtr obj, const gd_string_name *sig, gd_variant *args, int argc) {
    gd_variant name;
    gd.variant_from_string_name(&name, (void *)sig);
    GDExtensionConstVariantPtr argv[8];
    argv[0] = &name;
    for (int i = 0; i < argc && i < 7; i++) {
        argv[i + 1] = &args[i];
    }
    gd_variant ret;
    memset(&ret, 0, sizeof ret);
    GDExtensionCallError err = {GDEXTENSION_CALL_OK, 0, 0};
    gd.object_method_bind_call(gd.emit_signal, obj, argv, argc + 1, &ret, &err);
    gd.variant_destroy(&ret);
    gd.variant_destroy(&name);
    if (err.error != GDEXTENSION_CALL_OK) {
        mr_error(__func__, "meshrtc: emit_signal failed (call error %d)", (int)err.error);
    }
}

char *gd_dictionary_to_json(const void *dict) {
    gd_variant data;
    gd.variant_from_dictionary(&data, (void *)dict);
    gd_string indent;
    gd_string_new(&indent, "", 0);
    GDExtensionBool sort_keys = 0;
    GDExtensionBool full_precision = 0;
    GDExtensionConstTypePtr args[4] = {&data, &indent, &sort_keys, &full_precision};
    gd_string out = {NULL}; /* an empty String, as ptrcall returns require */
    gd.object_method_bind_ptrcall(gd.json_stringify, NULL, args, &out);
    char *json = gd_string_to_cstr(&out);
    gd.string_destroy(&out);
    gd.string_destroy(&indent);
    gd.variant_destroy(&data);
    return json;
}

/* ------------------------------------------------------------ reporting */

static void vreport(int warning, const char *func, const char *fmt, va_list ap) {
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    if (mr_shut_down || gd.print_error == NULL) {
        fprintf(stderr, "%s: %s\n", warning ? "WARNING" : "ERROR", buf);
        return;
    }
    if (warning) {
        gd.print_warning(buf, func, "meshrtc", 0, 0);
    } else {
        gd.print_error(buf, func, "meshrtc", 0, 0);
    }
}

void mr_error(const char *func, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport(0, func, fmt, ap);
    va_end(ap);
}

void mr_warning(const char *func, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vreport(1, func, fmt, ap);
    va_end(ap);
}

void mr_info(const char *fmt, ...) {
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (mr_shut_down || gd.print == NULL) {
        printf("%s\n", buf);
        return;
    }
    gd_variant arg, ret;
    gd_variant_from_cstr(&arg, buf);
    memset(&ret, 0, sizeof ret);
    GDExtensionConstTypePtr args[1] = {&arg};
    gd.print(&ret, args, 1);
    gd.variant_destroy(&ret);
    gd.variant_destroy(&arg);
}

void mr_report(const char *call, int64_t handle, int32_t err) {
    char text[2048];
    mrb_failure_text(text, sizeof text, handle, err);
    mr_error(call, "%s: %s", call, text);
    mr_drain_logs();
}

int32_t mr_check(const char *call, int64_t handle, int32_t err) {
    if (err != MESHRTC_OK) {
        mr_report(call, handle, err);
    }
    return err;
}

static void log_sink(int32_t level, const char *line) {
    if (level == MESHRTC_LOG_ERROR) {
        mr_error("meshrtc", "meshrtc: %s", line);
    } else if (level == MESHRTC_LOG_WARN) {
        mr_warning("meshrtc", "meshrtc: %s", line);
    } else {
        mr_info("meshrtc: %s", line);
    }
}

void mr_drain_logs(void) {
    mrb_drain_logs(&mr_log, log_sink);
}

/* -------------------------------------------------------------- instances */

GDExtensionObjectPtr mr_object_new(const mr_class *cls, int64_t handle, mr_object **out) {
    mr_object *self = calloc(1, sizeof *self);
    if (self == NULL) {
        return NULL;
    }
    GDExtensionObjectPtr obj = gd.classdb_construct_object(cls->parent);
    if (obj == NULL) {
        free(self);
        return NULL;
    }
    self->owner = obj;
    self->handle = handle;
    self->cls = cls;
    gd.object_set_instance(obj, cls->name, self);
    if (out != NULL) {
        *out = self;
    }
    return obj;
}

void mr_object_free(void *class_userdata, GDExtensionClassInstancePtr instance) {
    const mr_class *cls = class_userdata;
    mr_object *self = instance;
    if (self == NULL) {
        return;
    }
    if (self->handle != 0 && !mr_shut_down) {
        cls->destroy(self->handle);
    }
    free(self);
}

int mr_usable(const mr_object *self, const char *virt) {
    if (self->handle == 0) {
        mr_error(virt, "%s: %s", virt, self->cls->no_handle);
        return 0;
    }
    return 1;
}

void mr_get_int(mr_object *self, const char *virt, const char *call, int32_t (*fn)(int64_t, int32_t *),
                int32_t fallback, GDExtensionTypePtr r_ret) {
    int32_t v = fallback;
    if (mr_usable(self, virt) && mr_check(call, self->handle, fn(self->handle, &v)) != MESHRTC_OK) {
        v = fallback;
    }
    MR_RET_INT(v);
}

void mr_get_bool(mr_object *self, const char *virt, const char *call, int32_t (*fn)(int64_t, int32_t *),
                 GDExtensionTypePtr r_ret) {
    int64_t v = 0;
    mr_get_int(self, virt, call, fn, 0, &v);
    *(GDExtensionBool *)r_ret = (GDExtensionBool)(v != 0);
}

int32_t mr_call_handle(mr_object *self, const char *virt, const char *call, int32_t (*fn)(int64_t)) {
    if (!mr_usable(self, virt)) {
        return GD_ERR_UNCONFIGURED;
    }
    return mr_check(call, self->handle, fn(self->handle));
}
