/*
 * MeshRTCDataChannel: the godot_net_webrtc_data_channel table of a
 * WebRTCDataChannelGDNative. Every field calls one meshrtc_channel_*
 * function.
 *
 * Conventions (Godot 3.2's webrtc_data_channel_gdnative.cpp): get_packet's
 * buffer must stay valid until the next get_packet (meshrtc's packet memory
 * does); get_label/get_protocol return C strings that Godot copies at once
 * (kept here, since neither ever changes). Godot 3.4 added
 * get_buffered_amount, reached through the table's `next` pointer; older
 * versions never read it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "g3.h"

/* Godot 3.4's godot_net_webrtc_data_channel_ext (net/godot_webrtc.h of
 * 3.4+), absent from the 3.2 headers this library builds against. */
typedef struct g3_webrtc_data_channel_ext {
    int (*get_buffered_amount)(const void *);
    void *next;
} g3_webrtc_data_channel_ext;

typedef struct g3_channel {
    meshrtc_channel handle;
    char *label;    /* cached by get_label */
    char *protocol; /* cached by get_protocol */
    godot_net_webrtc_data_channel table;
} g3_channel;

static int usable(const g3_channel *self, const char *method) {
    if (self->handle == 0) {
        g3_error(method, "this MeshRTCDataChannel has no meshrtc channel (channels come from "
                         "WebRTCPeerConnection.create_data_channel or data_channel_received)");
        return 0;
    }
    return 1;
}

typedef int32_t (*int_getter)(meshrtc_channel, int32_t *);

/* An int32 getter's value, or fallback when it fails (reported). */
static int32_t get_int(const void *user, const char *method, const char *call, int_getter fn, int32_t fallback) {
    const g3_channel *self = user;
    int32_t v = fallback;
    if (usable(self, method) && g3_check(call, self->handle, fn(self->handle, &v)) != MESHRTC_OK) {
        v = fallback;
    }
    return v;
}

typedef int32_t (*str_getter)(meshrtc_channel, char *, int32_t, int32_t *);

/* A string getter's text (size protocol), cached in *slot; "" on failure. */
static const char *get_str(const g3_channel *self, char **slot, const char *method, const char *call,
                           str_getter fn) {
    if (*slot != NULL) {
        return *slot;
    }
    if (!usable(self, method)) {
        return "";
    }
    int32_t len = 0;
    int32_t rc = fn(self->handle, NULL, 0, &len);
    if (rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR || (rc == MESHRTC_OK && len == 0)) {
        char *buf = malloc((size_t)len + 1);
        if (buf == NULL) {
            return "";
        }
        rc = fn(self->handle, buf, len + 1, &len);
        if (rc == MESHRTC_OK) {
            *slot = buf;
            return buf;
        }
        free(buf);
    }
    g3_check(call, self->handle, rc);
    return "";
}

/* ------------------------------------------------------------- packets */

static godot_error get_packet(void *user, const uint8_t **r_buffer, int *r_len) {
    g3_channel *self = user;
    if (!usable(self, "get_packet")) {
        return GODOT_ERR_UNCONFIGURED;
    }
    const uint8_t *data = NULL;
    int32_t len = 0;
    int32_t err = G3_CALL(meshrtc_channel_get_packet, self->handle, self->handle, &data, &len);
    if (err == MESHRTC_OK) {
        *r_buffer = data;
        *r_len = len;
    }
    return (godot_error)err;
}

static godot_error put_packet(void *user, const uint8_t *buffer, int len) {
    g3_channel *self = user;
    if (!usable(self, "put_packet")) {
        return GODOT_ERR_UNCONFIGURED;
    }
    if (buffer == NULL && len == 0) {
        buffer = (const uint8_t *)"";
    }
    return (godot_error)G3_CALL(meshrtc_channel_put_packet, self->handle, self->handle, buffer, len);
}

static godot_int get_available_packet_count(const void *user) {
    return get_int(user, "get_available_packet_count", "meshrtc_channel_get_available_packet_count",
                   meshrtc_channel_get_available_packet_count, 0);
}

static godot_int get_max_packet_size(const void *user) {
    return get_int(user, "get_max_packet_size", "meshrtc_channel_get_max_packet_size",
                   meshrtc_channel_get_max_packet_size, 0);
}

/* -------------------------------------------------------------- control */

static void set_write_mode(void *user, godot_int mode) {
    g3_channel *self = user;
    if (usable(self, "set_write_mode")) {
        G3_CALL(meshrtc_channel_set_write_mode, self->handle, self->handle, mode);
    }
}

static godot_int get_write_mode(const void *user) {
    return get_int(user, "get_write_mode", "meshrtc_channel_get_write_mode", meshrtc_channel_get_write_mode,
                   MESHRTC_WRITE_MODE_BINARY);
}

static bool was_string_packet(const void *user) {
    return get_int(user, "was_string_packet", "meshrtc_channel_was_string_packet",
                   meshrtc_channel_was_string_packet, 0) != 0;
}

static godot_int get_ready_state(const void *user) {
    return get_int(user, "get_ready_state", "meshrtc_channel_get_ready_state", meshrtc_channel_get_ready_state,
                   MESHRTC_CHANNEL_STATE_CLOSED);
}

static godot_error poll_channel(void *user) {
    g3_channel *self = user;
    if (!usable(self, "poll")) {
        return GODOT_ERR_UNCONFIGURED;
    }
    return (godot_error)G3_CALL(meshrtc_channel_poll, self->handle, self->handle);
}

static void close_channel(void *user) {
    g3_channel *self = user;
    if (usable(self, "close")) {
        G3_CALL(meshrtc_channel_close, self->handle, self->handle);
    }
}

/* ----------------------------------------------------------- properties */

static const char *get_label(const void *user) {
    g3_channel *self = (g3_channel *)user;
    return get_str(self, &self->label, "get_label", "meshrtc_channel_get_label", meshrtc_channel_get_label);
}

static const char *get_protocol(const void *user) {
    g3_channel *self = (g3_channel *)user;
    return get_str(self, &self->protocol, "get_protocol", "meshrtc_channel_get_protocol",
                   meshrtc_channel_get_protocol);
}

static bool is_ordered(const void *user) {
    return get_int(user, "is_ordered", "meshrtc_channel_is_ordered", meshrtc_channel_is_ordered, 0) != 0;
}

static bool is_negotiated(const void *user) {
    return get_int(user, "is_negotiated", "meshrtc_channel_is_negotiated", meshrtc_channel_is_negotiated, 0) != 0;
}

static int get_id(const void *user) {
    return get_int(user, "get_id", "meshrtc_channel_get_id", meshrtc_channel_get_id, 65535);
}

static int get_max_packet_life_time(const void *user) {
    return get_int(user, "get_max_packet_life_time", "meshrtc_channel_get_max_packet_life_time",
                   meshrtc_channel_get_max_packet_life_time, 65535);
}

static int get_max_retransmits(const void *user) {
    return get_int(user, "get_max_retransmits", "meshrtc_channel_get_max_retransmits",
                   meshrtc_channel_get_max_retransmits, 65535);
}

static int get_buffered_amount(const void *user) {
    const g3_channel *self = user;
    int64_t v = 0;
    if (usable(self, "get_buffered_amount") &&
        G3_CALL(meshrtc_channel_get_buffered_amount, self->handle, self->handle, &v) != MESHRTC_OK) {
        v = 0;
    }
    /* Godot's get_buffered_amount() is a 32-bit int. */
    return v > INT_MAX ? INT_MAX : (int)v;
}

static const g3_webrtc_data_channel_ext channel_ext = {
    .get_buffered_amount = get_buffered_amount,
    .next = NULL,
};

static const godot_net_webrtc_data_channel channel_table = {
    .version = {GODOT_NET_WEBRTC_API_MAJOR, GODOT_NET_WEBRTC_API_MINOR},
    .get_packet = get_packet,
    .put_packet = put_packet,
    .get_available_packet_count = get_available_packet_count,
    .get_max_packet_size = get_max_packet_size,
    .set_write_mode = set_write_mode,
    .get_write_mode = get_write_mode,
    .was_string_packet = was_string_packet,
    .get_ready_state = get_ready_state,
    .get_label = get_label,
    .is_ordered = is_ordered,
    .get_id = get_id,
    .get_max_packet_life_time = get_max_packet_life_time,
    .get_max_retransmits = get_max_retransmits,
    .get_protocol = get_protocol,
    .is_negotiated = is_negotiated,
    .poll = poll_channel,
    .close = close_channel,
    .next = (void *)&channel_ext,
};

/* ------------------------------------------------------------ lifetime */

void *g3_channel_new(godot_object *owner, void *method_data) {
    (void)method_data;
    if (!g3_api_ready() || !g3_is_class(owner, "WebRTCDataChannelGDNative")) {
        g3_error("MeshRTCDataChannel", "the script only runs on a WebRTCDataChannelGDNative");
        return NULL;
    }
    g3_channel *self = calloc(1, sizeof *self);
    if (self == NULL) {
        g3_error("MeshRTCDataChannel", "out of memory");
        return NULL;
    }
    self->table = channel_table;
    self->table.data = (godot_object *)self; /* our user pointer, see peer.c */
    g3.net->godot_net_bind_webrtc_data_channel(owner, &self->table);
    return self;
}

static void release(meshrtc_channel handle) {
    if (G3_CALL(meshrtc_channel_destroy, handle, handle) == MESHRTC_OK) {
        g3_handle_released();
    }
}

void g3_channel_free(godot_object *owner, void *method_data, void *user_data) {
    (void)method_data;
    g3_channel *self = user_data;
    if (self == NULL) {
        return;
    }
    if (!g3_shut_down) {
        g3.net->godot_net_bind_webrtc_data_channel(owner, NULL);
        if (self->handle != 0) {
            release(self->handle);
        }
    }
    free(self->label);
    free(self->protocol);
    free(self);
}

godot_object *g3_channel_new_object(meshrtc_channel handle) {
    g3_handle_adopted();
    godot_object *obj = g3.new_data_channel();
    g3_channel *self = obj != NULL ? g3_attach_script(obj, G3_CHANNEL_CLASS) : NULL;
    if (self == NULL) {
        g3_error("create_data_channel", "could not create the MeshRTCDataChannel object");
        if (obj != NULL) {
            g3.core->godot_object_destroy(obj);
        }
        release(handle);
        return NULL;
    }
    self->handle = handle;
    return obj;
}
