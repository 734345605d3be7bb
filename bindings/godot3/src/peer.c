/*
 * MeshRTCPeerConnection: the godot_net_webrtc_peer_connection table of a
 * WebRTCPeerConnectionGDNative. Every field calls one meshrtc_peer_*
 * function; signals are emitted from poll, on the thread that calls it,
 * from the events meshrtc queued.
 *
 * Conventions (Godot 3.2's webrtc_peer_connection_gdnative.cpp): strings
 * arrive as UTF-8 C strings borrowed for the call; Dictionaries as
 * godot_dictionary pointers; create_data_channel returns a fresh object
 * that Godot wraps in a Ref (which takes its first reference).
 */
#include <stdlib.h>
#include <string.h>

#include "g3.h"

typedef struct g3_peer {
    godot_object *owner;
    meshrtc_peer handle;
    godot_net_webrtc_peer_connection table;
} g3_peer;

/* A usable handle, or an error report naming the Godot method. */
static int usable(const g3_peer *self, const char *method) {
    if (self->handle == 0) {
        g3_error(method, "this MeshRTCPeerConnection has no meshrtc peer (its creation failed)");
        return 0;
    }
    return 1;
}

static godot_int get_connection_state(const void *user) {
    const g3_peer *self = user;
    int32_t state = MESHRTC_STATE_CLOSED;
    if (usable(self, "get_connection_state")) {
        G3_CALL(meshrtc_peer_get_connection_state, self->handle, self->handle, &state);
    }
    return state;
}

static godot_error initialize(void *user, const godot_dictionary *config) {
    g3_peer *self = user;
    if (!usable(self, "initialize")) {
        return GODOT_ERR_UNCONFIGURED;
    }
    char *json = g3_dictionary_to_json(config);
    if (json == NULL || json[0] == '\0') {
        free(json);
        g3_error("initialize", "the configuration could not be converted to JSON");
        return GODOT_ERR_INVALID_PARAMETER;
    }
    int32_t err = G3_CALL(meshrtc_peer_initialize, self->handle, self->handle, json);
    free(json);
    g3_drain_logs(); /* e.g. warnings about unknown keys */
    return (godot_error)err;
}

static godot_object *create_data_channel(void *user, const char *label, const godot_dictionary *options) {
    g3_peer *self = user;
    if (!usable(self, "create_data_channel")) {
        return NULL;
    }
    char *json = g3_dictionary_to_json(options);
    if (json == NULL || json[0] == '\0') {
        free(json);
        g3_error("create_data_channel", "the options could not be converted to JSON");
        return NULL;
    }
    meshrtc_channel channel = 0;
    int32_t err = G3_CALL(meshrtc_peer_create_data_channel, self->handle, self->handle, label, json, &channel);
    free(json);
    g3_drain_logs(); /* e.g. warnings about unknown option keys */
    if (err != MESHRTC_OK) {
        return NULL;
    }
    return g3_channel_new_object(channel);
}

static godot_error create_offer(void *user) {
    g3_peer *self = user;
    if (!usable(self, "create_offer")) {
        return GODOT_ERR_UNCONFIGURED;
    }
    return (godot_error)G3_CALL(meshrtc_peer_create_offer, self->handle, self->handle);
}

/* Godot 3 never calls create_answer (its header says so): meshrtc answers
 * an offer by itself in set_remote_description. */
static godot_error create_answer(void *user) {
    (void)user;
    g3_error("create_answer", "answers are created by set_remote_description(\"offer\", ...)");
    return GODOT_ERR_UNAVAILABLE;
}

static godot_error set_remote_description(void *user, const char *type, const char *sdp) {
    g3_peer *self = user;
    if (!usable(self, "set_remote_description")) {
        return GODOT_ERR_UNCONFIGURED;
    }
    return (godot_error)G3_CALL(meshrtc_peer_set_remote_description, self->handle, self->handle, type, sdp);
}

static godot_error set_local_description(void *user, const char *type, const char *sdp) {
    g3_peer *self = user;
    if (!usable(self, "set_local_description")) {
        return GODOT_ERR_UNCONFIGURED;
    }
    return (godot_error)G3_CALL(meshrtc_peer_set_local_description, self->handle, self->handle, type, sdp);
}

static godot_error add_ice_candidate(void *user, const char *media, int index, const char *name) {
    g3_peer *self = user;
    if (!usable(self, "add_ice_candidate")) {
        return GODOT_ERR_UNCONFIGURED;
    }
    return (godot_error)G3_CALL(meshrtc_peer_add_ice_candidate, self->handle, self->handle, media, index, name);
}

/* Emits one queued event as its Godot signal (state changes have none). */
static void emit_event(g3_peer *self, const meshrtc_peer_event *ev) {
    const godot_gdnative_core_api_struct *core = g3.core;
    godot_variant a[3];
    switch (ev->type) {
    case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
        g3_variant_from_cstr(&a[0], ev->sdp_type);
        g3_variant_from_cstr(&a[1], ev->sdp);
        g3_emit(self->owner, "session_description_created", a, 2);
        core->godot_variant_destroy(&a[0]);
        core->godot_variant_destroy(&a[1]);
        break;
    case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
        g3_variant_from_cstr(&a[0], ev->media);
        core->godot_variant_new_int(&a[1], ev->index);
        g3_variant_from_cstr(&a[2], ev->name);
        g3_emit(self->owner, "ice_candidate_created", a, 3);
        core->godot_variant_destroy(&a[0]);
        core->godot_variant_destroy(&a[1]);
        core->godot_variant_destroy(&a[2]);
        break;
    case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED: {
        godot_object *obj = g3_channel_new_object(ev->channel);
        if (obj == NULL) {
            break;
        }
        /* The Variant takes the first reference: the channel lives as long
         * as a signal handler keeps it, and is freed otherwise. */
        core->godot_variant_new_object(&a[0], obj);
        g3_emit(self->owner, "data_channel_received", a, 1);
        core->godot_variant_destroy(&a[0]);
        break;
    }
    default:
        break;
    }
}

static godot_error poll(void *user) {
    g3_peer *self = user;
    if (!usable(self, "poll")) {
        return GODOT_ERR_UNCONFIGURED;
    }
    meshrtc_peer handle = self->handle;
    int32_t err = G3_CALL(meshrtc_peer_poll, handle, handle);
    g3_drain_logs();
    if (err != MESHRTC_OK) {
        return (godot_error)err;
    }
    /* Bounded so a handler that keeps producing events cannot trap us. */
    for (int n = 0; n < 4096; n++) {
        meshrtc_peer_event ev;
        int32_t rc = meshrtc_peer_next_event(handle, &ev);
        if (rc == MESHRTC_ERR_UNAVAILABLE) {
            break;
        }
        if (rc != MESHRTC_OK) {
            g3_check("meshrtc_peer_next_event", handle, rc);
            break;
        }
        emit_event(self, &ev);
    }
    g3_drain_logs();
    return GODOT_OK;
}

static void close_peer(void *user) {
    g3_peer *self = user;
    if (usable(self, "close")) {
        G3_CALL(meshrtc_peer_close, self->handle, self->handle);
    }
}

static const godot_net_webrtc_peer_connection peer_table = {
    .version = {GODOT_NET_WEBRTC_API_MAJOR, GODOT_NET_WEBRTC_API_MINOR},
    .get_connection_state = get_connection_state,
    .initialize = initialize,
    .create_data_channel = create_data_channel,
    .create_offer = create_offer,
    .create_answer = create_answer,
    .set_remote_description = set_remote_description,
    .set_local_description = set_local_description,
    .add_ice_candidate = add_ice_candidate,
    .poll = poll,
    .close = close_peer,
};

void *g3_peer_new(godot_object *owner, void *method_data) {
    (void)method_data;
    /* The table can only be bound to the engine's GDNative peer class. */
    if (!g3_api_ready() || !g3_is_class(owner, "WebRTCPeerConnectionGDNative")) {
        g3_error("MeshRTCPeerConnection", "the script only runs on a WebRTCPeerConnectionGDNative "
                                          "(made by WebRTCPeerConnection.new())");
        return NULL;
    }
    g3_peer *self = calloc(1, sizeof *self);
    if (self == NULL) {
        g3_error("WebRTCPeerConnection.new", "out of memory");
        return NULL;
    }
    self->owner = owner;
    if (G3_CALL(meshrtc_peer_create, 0, &self->handle) == MESHRTC_OK) {
        g3_handle_adopted();
    }
    self->table = peer_table;
    /* The table's user pointer is ours (Godot's header types it
     * godot_object *, but only hands it back to these functions). */
    self->table.data = (godot_object *)self;
    g3.net->godot_net_bind_webrtc_peer_connection(owner, &self->table);
    return self;
}

void g3_peer_free(godot_object *owner, void *method_data, void *user_data) {
    (void)method_data;
    g3_peer *self = user_data;
    if (self == NULL) {
        return;
    }
    if (!g3_shut_down) {
        /* The object may live on (its script was replaced): it must not
         * keep calling into freed memory. */
        g3.net->godot_net_bind_webrtc_peer_connection(owner, NULL);
        if (self->handle != 0 && G3_CALL(meshrtc_peer_destroy, self->handle, self->handle) == MESHRTC_OK) {
            g3_handle_released();
        }
    }
    free(self);
}
