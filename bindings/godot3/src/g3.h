/*
 * meshrtc Godot 3 GDNative library - shared declarations.
 *
 * Plain C11 on top of two ABIs only:
 *   - include/meshrtc.h (our library, linked with rpath $ORIGIN), and
 *   - Godot 3.2's GDNative C API (godot-headers 3.2: the core API struct,
 *     the NativeScript extension and the NET extension's WebRTC interface),
 *     a build-time input that is never committed.
 *
 * How it plugs into Godot 3 (modules/gdnative/net and modules/webrtc):
 *   - The library is a GDNative singleton. godot_gdnative_singleton() hands
 *     Godot a godot_net_webrtc_library; from then on WebRTCPeerConnection.new()
 *     makes a WebRTCPeerConnectionGDNative and calls its
 *     create_peer_connection, which gives the object the NativeScript
 *     "MeshRTCPeerConnection" of this library.
 *   - The NativeScript instance owns the meshrtc handle: its constructor
 *     creates the peer and binds a godot_net_webrtc_peer_connection table to
 *     the object, its destructor (Godot frees the object, or a script
 *     replaces ours) unbinds the table and destroys the handle. Data channels
 *     are WebRTCDataChannelGDNative objects with the NativeScript
 *     "MeshRTCDataChannel", built the same way.
 *   - Everything runs on the thread that calls into Godot's objects; the
 *     library never calls into Godot.
 */
#ifndef MESHRTC_GODOT3_G3_H
#define MESHRTC_GODOT3_G3_H

#include <stdint.h>

#include <gdnative_api_struct.gen.h>

#include "meshrtc.h"
#include "mrb.h"

/* The Godot 3 API tables and engine methods the library uses. */
typedef struct g3_api {
    const godot_gdnative_core_api_struct *core;
    const godot_gdnative_ext_nativescript_api_struct *nativescript;
    const godot_gdnative_ext_net_3_2_api_struct *net;
    godot_object *library; /* this library's GDNativeLibrary resource */

    godot_class_constructor new_native_script;   /* NativeScript */
    godot_class_constructor new_data_channel;    /* WebRTCDataChannelGDNative */
    godot_method_bind *object_is_class;          /* Object.is_class */
    godot_method_bind *object_set_script;        /* Object.set_script */
    godot_method_bind *object_emit_signal;       /* Object.emit_signal */
    godot_method_bind *script_set_library;       /* NativeScript.set_library */
    godot_method_bind *script_set_class_name;    /* NativeScript.set_class_name */
} g3_api;

extern g3_api g3;

/* The entry points (GDN_EXPORT is empty outside Windows, and the library
 * is built with hidden visibility). */
#if defined(_WIN32)
#define G3_EXPORT __declspec(dllexport)
#else
#define G3_EXPORT __attribute__((visibility("default")))
#endif

/* NativeScript class names. */
#define G3_PEER_CLASS "MeshRTCPeerConnection"
#define G3_CHANNEL_CLASS "MeshRTCDataChannel"
#define G3_INFO_CLASS "MeshRTC"

/* ------------------------------------------------------------- helpers */

/* api.c */
/* Looks up the engine classes and methods the first time it is called;
 * 1 when they are all there, else 0 (reported once). */
int g3_api_ready(void);
/* Whether obj is an instance of class_name (or inherits it). */
int g3_is_class(godot_object *obj, const char *class_name);
/* Gives obj a new NativeScript of this library with class class_name and
 * returns the script instance's user data (NULL on failure, reported). */
void *g3_attach_script(godot_object *obj, const char *class_name);
/* A malloc'd, NUL-terminated UTF-8 copy of a Godot String. */
char *g3_string_to_cstr(const godot_string *str);
/* JSON text (malloc'd) of a Dictionary through Godot's own JSON printer. */
char *g3_dictionary_to_json(const godot_dictionary *dict);
void g3_variant_from_cstr(godot_variant *v, const char *utf8);
/* Emits signal on obj with argc Variant arguments. */
void g3_emit(godot_object *obj, const char *signal, const godot_variant *args, int argc);

/* Reporting: errors and warnings go to Godot's error output (what
 * push_error/push_warning print), info lines to print(). */
void g3_error(const char *func, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void g3_warning(const char *func, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void g3_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns err, first reporting it with meshrtc_last_error(handle) (falling
 * back to the thread's last error) when it is not MESHRTC_OK. */
int32_t g3_check(const char *call, int64_t handle, int32_t err);
/* G3_CALL(fn, handle, args...) calls the meshrtc function fn(args...) and
 * checks its result under fn's own name. */
#define G3_CALL(fn, handle, ...) g3_check(#fn, (handle), fn(__VA_ARGS__))
/* Moves queued library log lines to Godot's output, filtered by g3_log. */
void g3_drain_logs(void);
extern mrb_log_config g3_log;
/* Set once the library is terminated: late frees only release memory. */
extern int g3_shut_down;

/* The meshrtc handles the library holds (peers and channels): adopted when
 * a create succeeds, released when its destroy does. */
void g3_handle_adopted(void);
void g3_handle_released(void);
int32_t g3_live_handles(void);

/* peer.c / channel.c: NativeScript constructors and destructors. */
void *g3_peer_new(godot_object *owner, void *method_data);
void g3_peer_free(godot_object *owner, void *method_data, void *user_data);
void *g3_channel_new(godot_object *owner, void *method_data);
void g3_channel_free(godot_object *owner, void *method_data, void *user_data);
/* A new WebRTCDataChannelGDNative that owns handle (counted as adopted),
 * with no reference taken yet: the caller's Ref or Variant takes the first.
 * NULL on failure, after destroying the handle. */
godot_object *g3_channel_new_object(meshrtc_channel handle);

#endif /* MESHRTC_GODOT3_G3_H */
