/*
 * meshrtc Godot 3 GDNative library - entry points.
 *
 * godot_gdnative_init     finds the API tables (core, NativeScript 1.0, the
 *                         NET extension's WebRTC API 3.2) and checks the
 *                         meshrtc ABI;
 * godot_gdnative_singleton makes meshrtc Godot's WebRTC implementation
 *                         (the library is listed in gdnative/singletons);
 * godot_nativescript_init registers MeshRTCPeerConnection,
 *                         MeshRTCDataChannel and MeshRTC;
 * godot_gdnative_terminate unregisters and shuts meshrtc down.
 */
#include <stdio.h>
#include <string.h>

#include "g3.h"

/* meshrtc's error codes are passed to Godot 3 unchanged. */
_Static_assert(MESHRTC_FAILED == GODOT_FAILED && MESHRTC_ERR_UNAVAILABLE == GODOT_ERR_UNAVAILABLE &&
                   MESHRTC_ERR_UNCONFIGURED == GODOT_ERR_UNCONFIGURED &&
                   MESHRTC_ERR_UNAUTHORIZED == GODOT_ERR_UNAUTHORIZED &&
                   MESHRTC_ERR_PARAMETER_RANGE_ERROR == GODOT_ERR_PARAMETER_RANGE_ERROR &&
                   MESHRTC_ERR_OUT_OF_MEMORY == GODOT_ERR_OUT_OF_MEMORY && MESHRTC_ERR_TIMEOUT == GODOT_ERR_TIMEOUT &&
                   MESHRTC_ERR_CONNECTION_ERROR == GODOT_ERR_CONNECTION_ERROR &&
                   MESHRTC_ERR_INVALID_DATA == GODOT_ERR_INVALID_DATA &&
                   MESHRTC_ERR_INVALID_PARAMETER == GODOT_ERR_INVALID_PARAMETER &&
                   MESHRTC_ERR_ALREADY_EXISTS == GODOT_ERR_ALREADY_EXISTS &&
                   MESHRTC_ERR_DOES_NOT_EXIST == GODOT_ERR_DOES_NOT_EXIST && MESHRTC_ERR_BUSY == GODOT_ERR_BUSY &&
                   MESHRTC_ERR_BUG == GODOT_ERR_BUG,
               "meshrtc's error codes must equal Godot 3's Error values");

static int usable_engine; /* the API tables are there and the ABI matches */
static int registered;    /* we are Godot's WebRTC implementation */
static int init_count;    /* godot_gdnative_init calls not yet terminated */

static void unregistered(void) {
    registered = 0;
}

/* Called by WebRTCPeerConnection.new() on a fresh WebRTCPeerConnectionGDNative. */
static godot_error create_peer_connection(godot_object *obj) {
    if (!registered || !g3_api_ready()) {
        return GODOT_FAILED;
    }
    return g3_attach_script(obj, G3_PEER_CLASS) != NULL ? GODOT_OK : GODOT_FAILED;
}

static const godot_net_webrtc_library webrtc_library = {
    .version = {GODOT_NET_WEBRTC_API_MAJOR, GODOT_NET_WEBRTC_API_MINOR},
    .unregistered = unregistered,
    .create_peer_connection = create_peer_connection,
    .next = NULL,
};

/* The NET extension's WebRTC table: version 3.2 in the extension's chain. */
static const godot_gdnative_ext_net_3_2_api_struct *find_net_3_2(const godot_gdnative_core_api_struct *core) {
    for (unsigned int i = 0; i < core->num_extensions; i++) {
        if (core->extensions[i]->type != GDNATIVE_EXT_NET) {
            continue;
        }
        for (const godot_gdnative_api_struct *api = core->extensions[i]; api != NULL; api = api->next) {
            if (api->version.major == 3 && api->version.minor == 2) {
                return (const godot_gdnative_ext_net_3_2_api_struct *)api;
            }
        }
    }
    return NULL;
}

static const godot_gdnative_ext_nativescript_api_struct *find_nativescript(const godot_gdnative_core_api_struct *core) {
    for (unsigned int i = 0; i < core->num_extensions; i++) {
        if (core->extensions[i]->type == GDNATIVE_EXT_NATIVESCRIPT) {
            return (const godot_gdnative_ext_nativescript_api_struct *)core->extensions[i];
        }
    }
    return NULL;
}

G3_EXPORT void godot_gdnative_init(godot_gdnative_init_options *options) {
    init_count++;
    g3_shut_down = 0;
    g3.core = options->api_struct;
    g3.library = options->gd_native_library;
    g3.nativescript = find_nativescript(g3.core);
    g3.net = find_net_3_2(g3.core);
    usable_engine = 0;
    if (g3.nativescript == NULL || g3.net == NULL) {
        g3_error(__func__, "meshrtc: this Godot lacks %s (Godot 3.2 or a later 3.x with the webrtc module is required)",
                 g3.net == NULL ? "the GDNative WebRTC API 3.2" : "NativeScript");
        return;
    }
    int32_t abi = meshrtc_abi_version();
    if (abi != MESHRTC_ABI_VERSION) {
        g3_error(__func__,
                 "meshrtc: libmeshrtc ABI version %d does not match the version %d this library was built for; "
                 "install matching libmeshrtc_godot3 and libmeshrtc libraries",
                 (int)abi, MESHRTC_ABI_VERSION);
        return;
    }
    g3_log = mrb_log_config_from_env();
    G3_CALL(meshrtc_log_set_level, 0, g3_log.level);
    usable_engine = 1;
}

G3_EXPORT void godot_gdnative_singleton(void) {
    if (!usable_engine) {
        return;
    }
    godot_error err = g3.net->godot_net_set_webrtc_library(&webrtc_library);
    registered = err == GODOT_OK;
    if (!registered) {
        g3_error(__func__, "meshrtc: godot_net_set_webrtc_library failed (%s)", mrb_error_name(err));
    }
    g3_drain_logs();
}

G3_EXPORT void godot_gdnative_terminate(godot_gdnative_terminate_options *options) {
    (void)options;
    /* Godot loads the library once (load_once) and terminates it with its
     * last user; a library set up to load more than once still shuts
     * meshrtc down only at the last terminate. */
    if (--init_count > 0 || !usable_engine) {
        return;
    }
    if (registered) {
        g3.net->godot_net_set_webrtc_library(NULL);
    }
    g3_drain_logs();
    int32_t live = g3_live_handles();
    int32_t leaked = 0;
    meshrtc_shutdown(&leaked);
    g3_drain_logs();
    if (leaked > 0) {
        g3_warning(__func__, "meshrtc: %d WebRTC objects were still alive when the library shut down", (int)leaked);
    }
    if (leaked != live) {
        g3_error(__func__, "meshrtc: the library counted %d live handles, meshrtc_shutdown found %d", (int)live,
                 (int)leaked);
    }
    meshrtc_log_set_level(MESHRTC_LOG_NONE);
    /* Objects freed after this point (leaked ones) only release memory. */
    g3_shut_down = 1;
}

/* ------------------------------------------------------- MeshRTC class */

/* MeshRTC (load("res://addons/meshrtc/meshrtc.gdns").new()): library
 * information for scripts and tests. */
static void *meshrtc_new(godot_object *owner, void *method_data) {
    (void)owner;
    (void)method_data;
    return NULL; /* no state */
}

static void meshrtc_free(godot_object *owner, void *method_data, void *user_data) {
    (void)owner;
    (void)method_data;
    (void)user_data;
}

/* get_live_handles() -> int: meshrtc handles (peers, channels) held now. */
static godot_variant meshrtc_get_live_handles(godot_object *owner, void *method_data, void *user_data, int argc,
                                              godot_variant **argv) {
    (void)owner;
    (void)method_data;
    (void)user_data;
    (void)argc;
    (void)argv;
    godot_variant ret;
    g3.core->godot_variant_new_int(&ret, g3_live_handles());
    return ret;
}

/* get_version() -> String: the loaded libmeshrtc's version, "major.minor.patch". */
static godot_variant meshrtc_get_version(godot_object *owner, void *method_data, void *user_data, int argc,
                                         godot_variant **argv) {
    (void)owner;
    (void)method_data;
    (void)user_data;
    (void)argc;
    (void)argv;
    int32_t major = 0, minor = 0, patch = 0;
    G3_CALL(meshrtc_version, 0, &major, &minor, &patch);
    char text[48];
    snprintf(text, sizeof text, "%d.%d.%d", (int)major, (int)minor, (int)patch);
    godot_variant ret;
    g3_variant_from_cstr(&ret, text);
    return ret;
}

G3_EXPORT void godot_nativescript_init(void *handle) {
    if (!usable_engine) {
        return;
    }
    const godot_gdnative_ext_nativescript_api_struct *ns = g3.nativescript;
    godot_instance_create_func peer_new = {g3_peer_new, NULL, NULL};
    godot_instance_destroy_func peer_free = {g3_peer_free, NULL, NULL};
    ns->godot_nativescript_register_class(handle, G3_PEER_CLASS, "WebRTCPeerConnectionGDNative", peer_new, peer_free);
    godot_instance_create_func channel_new = {g3_channel_new, NULL, NULL};
    godot_instance_destroy_func channel_free = {g3_channel_free, NULL, NULL};
    ns->godot_nativescript_register_class(handle, G3_CHANNEL_CLASS, "WebRTCDataChannelGDNative", channel_new,
                                          channel_free);
    godot_instance_create_func info_new = {meshrtc_new, NULL, NULL};
    godot_instance_destroy_func info_free = {meshrtc_free, NULL, NULL};
    ns->godot_nativescript_register_class(handle, G3_INFO_CLASS, "Reference", info_new, info_free);
    godot_method_attributes plain = {GODOT_METHOD_RPC_MODE_DISABLED};
    godot_instance_method live = {meshrtc_get_live_handles, NULL, NULL};
    ns->godot_nativescript_register_method(handle, G3_INFO_CLASS, "get_live_handles", plain, live);
    godot_instance_method version = {meshrtc_get_version, NULL, NULL};
    ns->godot_nativescript_register_method(handle, G3_INFO_CLASS, "get_version", plain, version);
}
