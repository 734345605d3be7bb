/*
 * meshrtc Godot 4 GDExtension - shared declarations.
 *
 * The binding is plain C11 on top of two ABIs only:
 *   - include/meshrtc.h (our library, linked with rpath $ORIGIN), and
 *   - Godot's GDExtension interface, declared by gdextension_interface.h,
 *     which the build dumps from a Godot binary into build/godot/gen/
 *     (never committed). Only interface functions that exist since Godot 4.3
 *     are used; scripts/build_godot.sh checks that against the dumped header.
 */
#ifndef MESHRTC_GODOT_MR_H
#define MESHRTC_GODOT_MR_H

#include <stdint.h>

#include <gdextension_interface.h>

#include "meshrtc.h"
#include "mrb.h"

/* ------------------------------------------------------- engine values */

/* Opaque engine values. String, StringName, Dictionary and Array are one
 * pointer wide in every Godot 4 build; a Variant is 24 bytes (single
 * precision) or 40 bytes (double precision) - 40 covers both. A zeroed String
 * is a valid empty String, which ptrcall return slots require. */
typedef struct {
    void *p;
} gd_string;
typedef struct {
    void *p;
} gd_string_name;
typedef struct {
    _Alignas(8) uint8_t b[40];
} gd_variant;

/* Godot enum values used here (extension_api.json). */
#define GD_ERR_UNCONFIGURED 3
#define GD_ERR_INVALID_PARAMETER 31

/* The interface functions and engine methods the binding uses. */
typedef struct gd_api {
    GDExtensionClassLibraryPtr library;

    GDExtensionInterfacePrintError print_error;
    GDExtensionInterfacePrintWarning print_warning;
    GDExtensionInterfaceVariantDestroy variant_destroy;
    GDExtensionInterfaceGetVariantFromTypeConstructor get_variant_from_type_constructor;
    GDExtensionInterfaceVariantGetPtrDestructor variant_get_ptr_destructor;
    GDExtensionInterfaceVariantGetPtrOperatorEvaluator variant_get_ptr_operator_evaluator;
    GDExtensionInterfaceVariantGetPtrUtilityFunction variant_get_ptr_utility_function;
    GDExtensionInterfaceStringNewWithUtf8CharsAndLen2 string_new_with_utf8_chars_and_len2;
    GDExtensionInterfaceStringToUtf8Chars string_to_utf8_chars;
    GDExtensionInterfaceStringNameNewWithLatin1Chars string_name_new_with_latin1_chars;
    GDExtensionInterfaceObjectMethodBindCall object_method_bind_call;
    GDExtensionInterfaceObjectMethodBindPtrcall object_method_bind_ptrcall;
    GDExtensionInterfaceClassdbConstructObject classdb_construct_object;
    GDExtensionInterfaceClassdbGetMethodBind classdb_get_method_bind;
    GDExtensionInterfaceObjectSetInstance object_set_instance;
    GDExtensionInterfaceRefSetObject ref_set_object;
    GDExtensionInterfaceClassdbRegisterExtensionClass3 classdb_register_extension_class3;
    GDExtensionInterfaceClassdbUnregisterExtensionClass classdb_unregister_extension_class;

    /* Resolved from the functions above. */
    GDExtensionVariantFromTypeConstructorFunc variant_from_string;
    GDExtensionVariantFromTypeConstructorFunc variant_from_string_name;
    GDExtensionVariantFromTypeConstructorFunc variant_from_int;
    GDExtensionVariantFromTypeConstructorFunc variant_from_object;
    GDExtensionVariantFromTypeConstructorFunc variant_from_dictionary;
    GDExtensionPtrDestructor string_destroy;
    GDExtensionPtrDestructor string_name_destroy;
    GDExtensionPtrOperatorEvaluator string_name_equal;
    GDExtensionPtrUtilityFunction print; /* @GlobalScope.print, may be NULL */

    /* Engine methods (scene level). */
    GDExtensionMethodBindPtr emit_signal;           /* Object.emit_signal */
    GDExtensionMethodBindPtr json_stringify;        /* JSON.stringify (static) */
    GDExtensionMethodBindPtr set_default_extension; /* WebRTCPeerConnection.set_default_extension (static) */
} gd_api;

extern gd_api gd;

/* Interned names, created at scene initialization. */
typedef struct mr_names {
    gd_string_name peer_class;        /* MeshRTCPeerConnection */
    gd_string_name channel_class;     /* MeshRTCDataChannel */
    gd_string_name peer_parent;       /* WebRTCPeerConnectionExtension */
    gd_string_name channel_parent;    /* WebRTCDataChannelExtension */
    gd_string_name sig_session;       /* session_description_created */
    gd_string_name sig_candidate;     /* ice_candidate_created */
    gd_string_name sig_channel;       /* data_channel_received */
} mr_names;

extern mr_names mr_sn;

/* One virtual method: its name and the function the engine calls. */
typedef struct mr_virtual {
    const char *name;
    GDExtensionClassCallVirtual fn;
    gd_string_name sn;
} mr_virtual;

/* The table entry of the virtual virt, defined with MR_VIRTUAL below. */
#define MR_ENTRY(virt) {#virt, v##virt, {0}}

/* ------------------------------------------------------------- helpers */

/* gd.c */
int mr_api_load(GDExtensionInterfaceGetProcAddress get_proc, GDExtensionClassLibraryPtr library);
int mr_api_load_scene(void);
void gd_sn_new(gd_string_name *sn, const char *static_latin1);
void gd_sn_destroy(gd_string_name *sn);
int gd_sn_equal(const gd_string_name *a, const void *b);
/* A malloc'd, NUL-terminated UTF-8 copy of a Godot String (never NULL
 * unless out of memory). */
char *gd_string_to_cstr(const void *str);
void gd_string_new(gd_string *dst, const char *utf8, int64_t len);
/* Replaces the String at dst (a constructed String, e.g. a ptrcall return
 * slot) with the given UTF-8 text. */
void gd_string_assign(void *dst, const char *utf8, int64_t len);
void gd_variant_from_cstr(gd_variant *v, const char *utf8);
void gd_variant_from_int(gd_variant *v, int64_t i);
void gd_variant_from_object(gd_variant *v, GDExtensionObjectPtr obj);
void gd_variant_destroy(gd_variant *v);
/* Emits signal `sig` on obj with argc Variant arguments. */
void gd_emit(GDExtensionObjectPtr obj, const gd_string_name *sig, gd_variant *args, int argc);
/* JSON text (malloc'd) of the Dictionary at dict, through Godot's own
 * JSON.stringify; NULL on failure. */
char *gd_dictionary_to_json(const void *dict);

/* Reporting: errors and warnings go to Godot's error output (what
 * push_error/push_warning print), info lines to print(). */
void mr_error(const char *func, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mr_warning(const char *func, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mr_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports a failed meshrtc call: its name, the error code and
 * meshrtc_last_error(handle) (falling back to the thread's last error). */
void mr_report(const char *call, int64_t handle, int32_t err);
/* Returns err, reporting it first when it is not MESHRTC_OK. */
int32_t mr_check(const char *call, int64_t handle, int32_t err);
/* MR_CALL(fn, handle, args...) calls the meshrtc function fn(args...) and
 * checks its result with mr_check under fn's own name, so each call names
 * its function once. handle is the object whose last_error explains a
 * failure (0: the thread's). */
#define MR_CALL(fn, handle, ...) mr_check(#fn, (handle), fn(__VA_ARGS__))
/* Moves queued library log lines to Godot's output, filtered by mr_log
 * (set from MESHRTC_LOG_LEVEL at initialization, see mrb.h). */
void mr_drain_logs(void);
extern mrb_log_config mr_log;
/* Set once the extension is torn down: late frees stay silent. */
extern int mr_shut_down;

/* ------------------------------------------------------------ classes */

/* A class the extension registers (its class_userdata), and how its
 * instances own a meshrtc handle. */
typedef struct mr_class {
    gd_string_name *name, *parent;
    int is_abstract;
    GDExtensionClassCreateInstance create_instance;
    mr_virtual *virtuals;                /* ends with a NULL name */
    void (*destroy)(int64_t handle);     /* releases an instance's handle, reporting a failure */
    const char *no_handle;               /* what an instance without a handle says */
} mr_class;

/* What an instance of either class holds: its engine object and the meshrtc
 * handle it owns (0: none; every virtual then reports cls->no_handle). */
typedef struct mr_object {
    GDExtensionObjectPtr owner;
    int64_t handle;
    const mr_class *cls;
} mr_object;

/* gd.c: a new engine object of cls whose instance owns handle (NULL when
 * out of memory); its instance goes to *out when out is not NULL. */
GDExtensionObjectPtr mr_object_new(const mr_class *cls, int64_t handle, mr_object **out);
/* free_instance_func of both classes: destroys the handle (unless the
 * extension already shut down) and frees the instance. */
void mr_object_free(void *class_userdata, GDExtensionClassInstancePtr instance);
/* Whether self has a handle; reports the virtual virt otherwise. */
int mr_usable(const mr_object *self, const char *virt);
/* The int or bool value of getter fn into r_ret, or fallback when self has
 * no handle or the call fails (reported under the name call). */
void mr_get_int(mr_object *self, const char *virt, const char *call, int32_t (*fn)(int64_t, int32_t *),
                int32_t fallback, GDExtensionTypePtr r_ret);
void mr_get_bool(mr_object *self, const char *virt, const char *call, int32_t (*fn)(int64_t, int32_t *),
                 GDExtensionTypePtr r_ret);
/* fn(self's handle), its failure reported under the name call; without a
 * handle ERR_UNCONFIGURED, reported for the virtual virt. */
int32_t mr_call_handle(mr_object *self, const char *virt, const char *call, int32_t (*fn)(int64_t));

/* Inside a virtual, whose parameters are instance, args and r_ret. */
#define MR_SELF ((mr_object *)instance)
#define MR_RET_INT(v) (*(int64_t *)r_ret = (int64_t)(v))

/* A virtual: what the engine calls, named v<virt> (v_get_id for _get_id). */
#define MR_VIRTUAL(virt)                                                                        \
    static void v##virt(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args, \
                        GDExtensionTypePtr r_ret)

/* A virtual that returns the int getter fn's value (fallback on failure),
 * or its value as a bool. */
#define MR_INT_VIRTUAL(virt, fn, fallback)                              \
    MR_VIRTUAL(virt) {                                                  \
        (void)args;                                                     \
        mr_get_int(MR_SELF, #virt, #fn, (fn), (fallback), r_ret);      \
    }
#define MR_BOOL_VIRTUAL(virt, fn)                                       \
    MR_VIRTUAL(virt) {                                                  \
        (void)args;                                                     \
        mr_get_bool(MR_SELF, #virt, #fn, (fn), r_ret);                  \
    }

/* A virtual that calls fn(handle) and returns its code (an Error), or
 * returns nothing. */
#define MR_CODE_VIRTUAL(virt, fn)                                       \
    MR_VIRTUAL(virt) {                                                  \
        (void)args;                                                     \
        MR_RET_INT(mr_call_handle(MR_SELF, #virt, #fn, (fn)));          \
    }
#define MR_VOID_VIRTUAL(virt, fn)                                       \
    MR_VIRTUAL(virt) {                                                  \
        (void)args;                                                     \
        (void)r_ret;                                                    \
        mr_call_handle(MR_SELF, #virt, #fn, (fn));                      \
    }

/* peer.c / channel.c */
extern mr_class mr_peer_class;
extern mr_class mr_channel_class;
/* A new MeshRTCDataChannel object owning handle. */
GDExtensionObjectPtr mr_channel_new_object(meshrtc_channel handle);

#endif /* MESHRTC_GODOT_MR_H */
