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

/* WebRTCPeerConnection.new(): an object with a new meshrtc peer. */
static GDExtensionObjectPtr create_instance(void *class_userdata) {
    mr_object *self = NULL;
    GDExtensionObjectPtr obj = mr_object_new(class_userdata, 0, &self);
    if (obj != NULL) {
        MR_CALL(meshrtc_peer_create, 0, &self->handle);
    }
    return obj;
}

static void destroy(int64_t handle) { MR_CALL(meshrtc_peer_destroy, handle, handle); }

/* ---------------------------------------------------------------- states */

MR_INT_VIRTUAL(_get_connection_state, meshrtc_peer_get_connection_state, MESHRTC_STATE_CLOSED)
MR_INT_VIRTUAL(_get_gathering_state, meshrtc_peer_get_gathering_state, MESHRTC_GATHERING_STATE_NEW)
MR_INT_VIRTUAL(_get_signaling_state, meshrtc_peer_get_signaling_state, MESHRTC_SIGNALING_STATE_CLOSED)

/* ----------------------------------------------------------- operations */

MR_VIRTUAL(_initialize) {
    if (!mr_usable(MR_SELF, "_initialize")) {
        MR_RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    char *json = gd_dictionary_to_json(args[0]);
    if (json == NULL || json[0] == '\0') {
        free(json);
        mr_error("_initialize", "initialize: the configuration could not be converted to JSON");
        MR_RET_INT(GD_ERR_INVALID_PARAMETER);
        return;
    }
    int32_t err = MR_CALL(meshrtc_peer_initialize, MR_SELF->handle, MR_SELF->handle, json);
    free(json);
    mr_drain_logs(); /* e.g. warnings about unknown keys */
    MR_RET_INT(err);
}

MR_VIRTUAL(_create_data_channel) {
    if (!mr_usable(MR_SELF, "_create_data_channel")) {
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
    int32_t err = MR_CALL(meshrtc_peer_create_data_channel, MR_SELF->handle,
                          MR_SELF->handle, label, json, &ch);
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

MR_CODE_VIRTUAL(_create_offer, meshrtc_peer_create_offer)

/* The String arguments a and b as malloc'd C strings; 0 (nothing kept) when
 * out of memory. */
static int strings_of(const void *a, const void *b, char **out_a, char **out_b) {
    *out_a = gd_string_to_cstr(a);
    *out_b = gd_string_to_cstr(b);
    if (*out_a == NULL || *out_b == NULL) {
        free(*out_a);
        free(*out_b);
        return 0;
    }
    return 1;
}

typedef int32_t (*description_fn)(meshrtc_peer, const char *, const char *);

static void set_description(mr_object *self, const char *virt, const char *call, description_fn fn,
                            const GDExtensionConstTypePtr *args, GDExtensionTypePtr r_ret) {
    if (!mr_usable(self, virt)) {
        MR_RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    char *type, *sdp;
    int32_t err = MESHRTC_ERR_OUT_OF_MEMORY;
    if (strings_of(args[0], args[1], &type, &sdp)) {
        err = mr_check(call, self->handle, fn(self->handle, type, sdp));
        free(type);
        free(sdp);
    }
    MR_RET_INT(err);
}

/* _set_remote_description and _set_local_description: fn(type, sdp). */
#define DESCRIPTION_VIRTUAL(virt, fn) \
    MR_VIRTUAL(virt) { set_description(MR_SELF, #virt, #fn, (fn), args, r_ret); }

DESCRIPTION_VIRTUAL(_set_remote_description, meshrtc_peer_set_remote_description)
DESCRIPTION_VIRTUAL(_set_local_description, meshrtc_peer_set_local_description)

MR_VIRTUAL(_add_ice_candidate) {
    if (!mr_usable(MR_SELF, "_add_ice_candidate")) {
        MR_RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    int64_t index = *(const int64_t *)args[1];
    if (index < 0 || index > 65535) {
        mr_error("_add_ice_candidate", "add_ice_candidate: index %lld is out of 0..65535", (long long)index);
        MR_RET_INT(GD_ERR_INVALID_PARAMETER);
        return;
    }
    char *media, *name;
    int32_t err = MESHRTC_ERR_OUT_OF_MEMORY;
    if (strings_of(args[0], args[2], &media, &name)) {
        err = MR_CALL(meshrtc_peer_add_ice_candidate, MR_SELF->handle, MR_SELF->handle, media, (int32_t)index, name);
        free(media);
        free(name);
    }
    MR_RET_INT(err);
}

/* Emits one queued event as its Godot signal (state changes have none). */
static void emit_event(mr_object *self, const meshrtc_peer_event *ev) {
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

MR_VIRTUAL(_poll) {
    (void)args;
    if (!mr_usable(MR_SELF, "_poll")) {
        MR_RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    mr_object *self = MR_SELF;
    meshrtc_peer handle = self->handle;
    int32_t err = MR_CALL(meshrtc_peer_poll, handle, handle);
    mr_drain_logs();
    if (err != MESHRTC_OK) {
        MR_RET_INT(err);
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
    MR_RET_INT(MESHRTC_OK);
}

MR_VOID_VIRTUAL(_close, meshrtc_peer_close)

static mr_virtual virtuals[] = {
    MR_ENTRY(_get_connection_state), MR_ENTRY(_get_gathering_state), MR_ENTRY(_get_signaling_state),
    MR_ENTRY(_initialize), MR_ENTRY(_create_data_channel), MR_ENTRY(_create_offer), MR_ENTRY(_set_remote_description),
    MR_ENTRY(_set_local_description), MR_ENTRY(_add_ice_candidate), MR_ENTRY(_poll), MR_ENTRY(_close),
    {NULL, NULL, {0}},
};

mr_class mr_peer_class = {
    .name = &mr_sn.peer_class,
    .parent = &mr_sn.peer_parent,
    .create_instance = create_instance,
    .virtuals = virtuals,
    .destroy = destroy,
    .no_handle = "this MeshRTCPeerConnection has no meshrtc peer (its creation failed)",
};
