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

/* The classes, and the interned names the extension uses. */
static mr_class *const classes[] = {&mr_peer_class, &mr_channel_class};

static const struct {
    gd_string_name *sn;
    const char *name;
} names[] = {
    {&mr_sn.peer_class, "MeshRTCPeerConnection"},
    {&mr_sn.channel_class, "MeshRTCDataChannel"},
    {&mr_sn.peer_parent, "WebRTCPeerConnectionExtension"},
    {&mr_sn.channel_parent, "WebRTCDataChannelExtension"},
    {&mr_sn.sig_session, "session_description_created"},
    {&mr_sn.sig_candidate, "ice_candidate_created"},
    {&mr_sn.sig_channel, "data_channel_received"},
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static GDExtensionClassCallVirtual get_virtual(void *class_userdata, GDExtensionConstStringNamePtr name) {
    const mr_class *cls = class_userdata;
    for (mr_virtual *v = cls->virtuals; v->name != NULL; v++) {
        if (gd_sn_equal(&v->sn, name)) {
            return v->fn;
        }
    }
    return NULL;
}

/* Interns every name, the classes' virtuals included. */
static void names_init(void) {
    for (size_t i = 0; i < COUNT(names); i++) {
        gd_sn_new(names[i].sn, names[i].name);
    }
    for (size_t c = 0; c < COUNT(classes); c++) {
        for (mr_virtual *v = classes[c]->virtuals; v->name != NULL; v++) {
            gd_sn_new(&v->sn, v->name);
        }
    }
}

static void names_destroy(void) {
    for (size_t c = 0; c < COUNT(classes); c++) {
        for (mr_virtual *v = classes[c]->virtuals; v->name != NULL; v++) {
            gd_sn_destroy(&v->sn);
        }
    }
    for (size_t i = 0; i < COUNT(names); i++) {
        gd_sn_destroy(names[i].sn);
    }
}

static void register_classes(void) {
    for (size_t c = 0; c < COUNT(classes); c++) {
        GDExtensionClassCreationInfo3 info;
        memset(&info, 0, sizeof info);
        info.is_abstract = classes[c]->is_abstract;
        info.is_exposed = 1;
        info.create_instance_func = classes[c]->create_instance;
        info.free_instance_func = mr_object_free;
        info.get_virtual_func = get_virtual;
        info.class_userdata = classes[c];
        gd.classdb_register_extension_class3(gd.library, classes[c]->name, classes[c]->parent, &info);
    }
    classes_registered = 1;
}

static void initialize(void *userdata, GDExtensionInitializationLevel level) {
    (void)userdata;
    if (level != GDEXTENSION_INITIALIZATION_SCENE) {
        return;
    }
    mr_shut_down = 0;
    names_init();

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
        for (size_t c = COUNT(classes); c-- > 0;) {
            gd.classdb_unregister_extension_class(gd.library, classes[c]->name);
        }
        classes_registered = 0;
    }
    int32_t leaked = 0;
    meshrtc_shutdown(&leaked);
    mr_drain_logs();
    if (leaked > 0) {
        mr_warning(__func__, "meshrtc: %d WebRTC objects were still alive when the extension shut down", (int)leaked);
    }
    meshrtc_log_set_level(MESHRTC_LOG_NONE);
    names_destroy();
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
