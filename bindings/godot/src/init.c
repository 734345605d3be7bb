/*
 * meshrtc Godot 4 GDExtension - entry point and class registration.
 *
 * At scene initialization it registers MeshRTCPeerConnection (extends
 * WebRTCPeerConnectionExtension) and MeshRTCDataChannel (extends
 * WebRTCDataChannelExtension) and makes MeshRTCPeerConnection the default
 * WebRTC implementation, so WebRTCPeerConnection.new(), WebRTCMultiplayerPeer
 * and SceneMultiplayer run on meshrtc without script changes.
 */
#include <stdlib.h>
#include <string.h>

#include "mr.h"

static int classes_registered;

static GDExtensionClassCallVirtual get_virtual(void *class_userdata, GDExtensionConstStringNamePtr name) {
    for (mr_virtual *v = class_userdata; v->name != NULL; v++) {
        if (gd_sn_equal(&v->sn, name)) {
            return v->fn;
        }
    }
    return NULL;
}

static void names_init(mr_virtual *table) {
    for (mr_virtual *v = table; v->name != NULL; v++) {
        gd_sn_new(&v->sn, v->name);
    }
}

static void names_destroy(mr_virtual *table) {
    for (mr_virtual *v = table; v->name != NULL; v++) {
        gd_sn_destroy(&v->sn);
    }
}

static void register_classes(void) {
    GDExtensionClassCreationInfo3 peer;
    memset(&peer, 0, sizeof peer);
    peer.is_exposed = 1;
    peer.create_instance_func = mr_peer_create_instance;
    peer.free_instance_func = mr_peer_free_instance;
    peer.get_virtual_func = get_virtual;
    peer.class_userdata = mr_peer_virtuals;
    gd.classdb_register_extension_class3(gd.library, &mr_sn.peer_class, &mr_sn.peer_parent, &peer);

    /* Abstract: channels come from create_data_channel() or
     * data_channel_received, never from MeshRTCDataChannel.new(). */
    GDExtensionClassCreationInfo3 channel;
    memset(&channel, 0, sizeof channel);
    channel.is_abstract = 1;
    channel.is_exposed = 1;
    channel.create_instance_func = mr_channel_create_instance;
    channel.free_instance_func = mr_channel_free_instance;
    channel.get_virtual_func = get_virtual;
    channel.class_userdata = mr_channel_virtuals;
    gd.classdb_register_extension_class3(gd.library, &mr_sn.channel_class, &mr_sn.channel_parent, &channel);
    classes_registered = 1;
}

static void initialize(void *userdata, GDExtensionInitializationLevel level) {
    (void)userdata;
    if (level != GDEXTENSION_INITIALIZATION_SCENE) {
        return;
    }
    mr_shut_down = 0;
    gd_sn_new(&mr_sn.peer_class, "MeshRTCPeerConnection");
    gd_sn_new(&mr_sn.channel_class, "MeshRTCDataChannel");
    gd_sn_new(&mr_sn.peer_parent, "WebRTCPeerConnectionExtension");
    gd_sn_new(&mr_sn.channel_parent, "WebRTCDataChannelExtension");
    gd_sn_new(&mr_sn.sig_session, "session_description_created");
    gd_sn_new(&mr_sn.sig_candidate, "ice_candidate_created");
    gd_sn_new(&mr_sn.sig_channel, "data_channel_received");
    names_init(mr_peer_virtuals);
    names_init(mr_channel_virtuals);

    mr_log = mrb_log_config_from_env();
    int32_t level_rc = meshrtc_log_set_level(mr_log.level);
    if (level_rc != MESHRTC_OK) {
        mr_report("meshrtc_log_set_level", 0, level_rc);
    }
    if (!mr_api_load_scene()) {
        mr_error(__func__, "meshrtc: required engine methods are missing; the WebRTC classes are not registered "
                           "(is the webrtc module disabled in this Godot build?)");
        return;
    }
    register_classes();
    GDExtensionConstTypePtr args[1] = {&mr_sn.peer_class};
    gd.object_method_bind_ptrcall(gd.set_default_extension, NULL, args, NULL);
    mr_drain_logs();
}

static void deinitialize(void *userdata, GDExtensionInitializationLevel level) {
    (void)userdata;
    if (level != GDEXTENSION_INITIALIZATION_SCENE) {
        return;
    }
    mr_drain_logs();
    if (classes_registered) {
        gd.classdb_unregister_extension_class(gd.library, &mr_sn.channel_class);
        gd.classdb_unregister_extension_class(gd.library, &mr_sn.peer_class);
        classes_registered = 0;
    }
    int32_t leaked = 0;
    meshrtc_shutdown(&leaked);
    mr_drain_logs();
    if (leaked > 0) {
        mr_warning(__func__, "meshrtc: %d WebRTC objects were still alive when the extension shut down", (int)leaked);
    }
    meshrtc_log_set_level(MESHRTC_LOG_NONE);
    names_destroy(mr_peer_virtuals);
    names_destroy(mr_channel_virtuals);
    gd_sn_destroy(&mr_sn.peer_class);
    gd_sn_destroy(&mr_sn.channel_class);
    gd_sn_destroy(&mr_sn.peer_parent);
    gd_sn_destroy(&mr_sn.channel_parent);
    gd_sn_destroy(&mr_sn.sig_session);
    gd_sn_destroy(&mr_sn.sig_candidate);
    gd_sn_destroy(&mr_sn.sig_channel);
    /* Objects freed after this point (leaked ones) only release memory. */
    mr_shut_down = 1;
}

#if defined(_WIN32)
#define MR_EXPORT __declspec(dllexport)
#else
#define MR_EXPORT __attribute__((visibility("default")))
#endif

/* The entry symbol named in meshrtc.gdextension. */
MR_EXPORT GDExtensionBool
meshrtc_godot_init(GDExtensionInterfaceGetProcAddress get_proc, GDExtensionClassLibraryPtr library,
                   GDExtensionInitialization *r_initialization) {
    if (!mr_api_load(get_proc, library)) {
        return 0;
    }
    int32_t abi = meshrtc_abi_version();
    if (abi != MESHRTC_ABI_VERSION) {
        mr_error(__func__,
                 "meshrtc: libmeshrtc ABI version %d does not match the version %d this extension was built for; "
                 "install matching libmeshrtc_godot and libmeshrtc libraries",
                 (int)abi, MESHRTC_ABI_VERSION);
        return 0;
    }
    r_initialization->minimum_initialization_level = GDEXTENSION_INITIALIZATION_SCENE;
    r_initialization->userdata = NULL;
    r_initialization->initialize = initialize;
    r_initialization->deinitialize = deinitialize;
    return 1;
}
