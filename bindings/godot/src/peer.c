/*
 * MeshRTCPeerConnection (extends WebRTCPeerConnectionExtension): every
 * virtual calls one meshrtc_peer_* function. Signals are emitted from _poll,
 * on the thread that calls poll(), from the events meshrtc queued.
 *
 * Ptrcall conventions (Godot's gdvirtual.gen.inc): each argument slot points
 * to the argument's encoded value (int/enum: int64_t, String: String,
 * Dictionary: Dictionary); the return slot points to the encoded return value
 * (Error/enum/int: int64_t). _create_data_channel returns
 * Ref<WebRTCDataChannel> since Godot 4.1 (godotengine/godot#78237): its slot
 * is an empty engine Ref, filled with ref_set_object, which takes the first
 * reference.
 */
#include <stdlib.h>
#include <string.h>

#include "mr.h"

typedef struct mr_peer {
    GDExtensionObjectPtr owner;
    meshrtc_peer handle;
} mr_peer;

#define SELF ((mr_peer *)instance)
#define RET_INT(v) (*(int64_t *)r_ret = (int64_t)(v))

/* A usable handle, or an error report naming the virtual. */
static int usable(mr_peer *self, const char *virt) {
    if (self->handle == 0) {
        mr_error(virt, "%s: this MeshRTCPeerConnection has no meshrtc peer (its creation failed)", virt);
        return 0;
    }
    return 1;
}

GDExtensionObjectPtr mr_peer_create_instance(void *class_userdata) {
    (void)class_userdata;
    mr_peer *self = calloc(1, sizeof *self);
    if (self == NULL) {
        return NULL;
    }
    GDExtensionObjectPtr obj = gd.classdb_construct_object(&mr_sn.peer_parent);
    if (obj == NULL) {
        free(self);
        return NULL;
    }
    self->owner = obj;
    MR_CALL(meshrtc_peer_create, 0, &self->handle);
    gd.object_set_instance(obj, &mr_sn.peer_class, self);
    return obj;
}

void mr_peer_free_instance(void *class_userdata, GDExtensionClassInstancePtr instance) {
    (void)class_userdata;
    mr_peer *self = instance;
    if (self == NULL) {
        return;
    }
    if (self->handle != 0 && !mr_shut_down) {
        MR_CALL(meshrtc_peer_destroy, self->handle, self->handle);
    }
    free(self);
}

/* ---------------------------------------------------------------- states */

static void v_get_connection_state(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                   GDExtensionTypePtr r_ret) {
    (void)args;
    int32_t state = MESHRTC_STATE_CLOSED;
    if (usable(SELF, "_get_connection_state")) {
        MR_CALL(meshrtc_peer_get_connection_state, SELF->handle,
                SELF->handle, &state);
    }
    RET_INT(state);
}

static void v_get_gathering_state(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                  GDExtensionTypePtr r_ret) {
    (void)args;
    int32_t state = MESHRTC_GATHERING_STATE_NEW;
    if (usable(SELF, "_get_gathering_state")) {
        MR_CALL(meshrtc_peer_get_gathering_state, SELF->handle,
                SELF->handle, &state);
    }
    RET_INT(state);
}

static void v_get_signaling_state(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                  GDExtensionTypePtr r_ret) {
    (void)args;
    int32_t state = MESHRTC_SIGNALING_STATE_CLOSED;
    if (usable(SELF, "_get_signaling_state")) {
        MR_CALL(meshrtc_peer_get_signaling_state, SELF->handle,
                SELF->handle, &state);
    }
    RET_INT(state);
}

/* ----------------------------------------------------------- operations */

static void v_initialize(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                         GDExtensionTypePtr r_ret) {
    if (!usable(SELF, "_initialize")) {
        RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    char *json = gd_dictionary_to_json(args[0]);
    if (json == NULL || json[0] == '\0') {
        free(json);
        mr_error("_initialize", "initialize: the configuration could not be converted to JSON");
        RET_INT(GD_ERR_INVALID_PARAMETER);
        return;
    }
    int32_t err = MR_CALL(meshrtc_peer_initialize, SELF->handle, SELF->handle, json);
    free(json);
    mr_drain_logs(); /* e.g. warnings about unknown keys */
    RET_INT(err);
}

static void v_create_data_channel(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                  GDExtensionTypePtr r_ret) {
    if (!usable(SELF, "_create_data_channel")) {
        return;
    }
    char *label = gd_string_to_cstr(args[0]);
    char *json = gd_dictionary_to_json(args[1]);
    if (label == NULL || json == NULL || json[0] == '\0') {
        mr_error("_create_data_channel", "create_data_channel: the options could not be converted to JSON");
        free(label);
        free(json);
        return;
    }
    meshrtc_channel ch = 0;
    int32_t err = MR_CALL(meshrtc_peer_create_data_channel, SELF->handle,
                          SELF->handle, label, json, &ch);
    free(label);
    free(json);
    mr_drain_logs(); /* e.g. warnings about unknown option keys */
    if (err != MESHRTC_OK) {
        return;
    }
    GDExtensionObjectPtr obj = mr_channel_new_object(ch);
    if (obj == NULL) {
        meshrtc_channel_destroy(ch);
        mr_error("_create_data_channel", "create_data_channel: could not create the MeshRTCDataChannel object");
        return;
    }
    gd.ref_set_object(r_ret, obj);
}

static void v_create_offer(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                           GDExtensionTypePtr r_ret) {
    (void)args;
    if (!usable(SELF, "_create_offer")) {
        RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    RET_INT(MR_CALL(meshrtc_peer_create_offer, SELF->handle, SELF->handle));
}

typedef int32_t (*description_fn)(meshrtc_peer, const char *, const char *);

static void set_description(mr_peer *self, const char *virt, const char *call, description_fn fn,
                            const GDExtensionConstTypePtr *args, GDExtensionTypePtr r_ret) {
    if (!usable(self, virt)) {
        RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    char *type = gd_string_to_cstr(args[0]);
    char *sdp = gd_string_to_cstr(args[1]);
    int32_t err = MESHRTC_ERR_OUT_OF_MEMORY;
    if (type && sdp) {
        err = mr_check(call, self->handle, fn(self->handle, type, sdp));
    }
    free(type);
    free(sdp);
    RET_INT(err);
}

static void v_set_remote_description(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                     GDExtensionTypePtr r_ret) {
    set_description(SELF, "_set_remote_description", "meshrtc_peer_set_remote_description",
                    meshrtc_peer_set_remote_description, args, r_ret);
}

static void v_set_local_description(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                    GDExtensionTypePtr r_ret) {
    set_description(SELF, "_set_local_description", "meshrtc_peer_set_local_description",
                    meshrtc_peer_set_local_description, args, r_ret);
}

static void v_add_ice_candidate(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                GDExtensionTypePtr r_ret) {
    if (!usable(SELF, "_add_ice_candidate")) {
        RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    int64_t index = *(const int64_t *)args[1];
    if (index < 0 || index > 65535) {
        mr_error("_add_ice_candidate", "add_ice_candidate: index %lld is out of 0..65535", (long long)index);
        RET_INT(GD_ERR_INVALID_PARAMETER);
        return;
    }
    char *media = gd_string_to_cstr(args[0]);
    char *name = gd_string_to_cstr(args[2]);
    int32_t err = MESHRTC_ERR_OUT_OF_MEMORY;
    if (media && name) {
        err = MR_CALL(meshrtc_peer_add_ice_candidate, SELF->handle,
                      SELF->handle, media, (int32_t)index, name);
    }
    free(media);
    free(name);
    RET_INT(err);
}

/* Emits one queued event as its Godot signal (state changes have none). */
static void emit_event(mr_peer *self, const meshrtc_peer_event *ev) {
    gd_variant a[3];
    switch (ev->type) {
    case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
        gd_variant_from_cstr(&a[0], ev->sdp_type);
        gd_variant_from_cstr(&a[1], ev->sdp);
        gd_emit(self->owner, &mr_sn.sig_session, a, 2);
        gd_variant_destroy(&a[0]);
        gd_variant_destroy(&a[1]);
        break;
    case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
        gd_variant_from_cstr(&a[0], ev->media);
        gd_variant_from_int(&a[1], ev->index);
        gd_variant_from_cstr(&a[2], ev->name);
        gd_emit(self->owner, &mr_sn.sig_candidate, a, 3);
        gd_variant_destroy(&a[0]);
        gd_variant_destroy(&a[1]);
        gd_variant_destroy(&a[2]);
        break;
    case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED: {
        GDExtensionObjectPtr obj = mr_channel_new_object(ev->channel);
        if (obj == NULL) {
            meshrtc_channel_destroy(ev->channel);
            mr_error("_poll", "poll: could not create the MeshRTCDataChannel for a received channel");
            break;
        }
        /* The Variant holds the first reference: the channel lives as long
         * as a signal handler keeps it, and is freed otherwise. */
        gd_variant_from_object(&a[0], obj);
        gd_emit(self->owner, &mr_sn.sig_channel, a, 1);
        gd_variant_destroy(&a[0]);
        break;
    }
    default:
        break;
    }
}

static void v_poll(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                   GDExtensionTypePtr r_ret) {
    (void)args;
    if (!usable(SELF, "_poll")) {
        RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    mr_peer *self = SELF;
    meshrtc_peer handle = self->handle;
    int32_t err = MR_CALL(meshrtc_peer_poll, handle, handle);
    mr_drain_logs();
    if (err != MESHRTC_OK) {
        RET_INT(err);
        return;
    }
    /* Bounded so a handler that keeps producing events cannot trap us. */
    for (int n = 0; n < 4096; n++) {
        meshrtc_peer_event ev;
        int32_t rc = meshrtc_peer_next_event(handle, &ev);
        if (rc == MESHRTC_ERR_UNAVAILABLE) {
            break;
        }
        if (rc != MESHRTC_OK) {
            mr_check("meshrtc_peer_next_event", handle, rc);
            break;
        }
        emit_event(self, &ev);
    }
    mr_drain_logs();
    RET_INT(MESHRTC_OK);
}

static void v_close(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                    GDExtensionTypePtr r_ret) {
    (void)args;
    (void)r_ret;
    if (usable(SELF, "_close")) {
        MR_CALL(meshrtc_peer_close, SELF->handle, SELF->handle);
    }
}

mr_virtual mr_peer_virtuals[] = {
    {"_get_connection_state", v_get_connection_state, {0}},
    {"_get_gathering_state", v_get_gathering_state, {0}},
    {"_get_signaling_state", v_get_signaling_state, {0}},
    {"_initialize", v_initialize, {0}},
    {"_create_data_channel", v_create_data_channel, {0}},
    {"_create_offer", v_create_offer, {0}},
    {"_set_remote_description", v_set_remote_description, {0}},
    {"_set_local_description", v_set_local_description, {0}},
    {"_add_ice_candidate", v_add_ice_candidate, {0}},
    {"_poll", v_poll, {0}},
    {"_close", v_close, {0}},
    {NULL, NULL, {0}},
};
