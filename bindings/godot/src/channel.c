/*
 * MeshRTCDataChannel (extends WebRTCDataChannelExtension): every virtual
 * calls one meshrtc_channel_* function.
 *
 * Ptrcall conventions (Godot's gdvirtual.gen.inc and native_ptr.h): int and
 * enum arguments and returns are int64_t, bool returns one byte, String
 * returns a constructed String. The native-pointer virtuals pass a pointer to
 * the pointer: _get_packet(const uint8_t **r_buffer, int32_t *r_size) gets
 * slots holding r_buffer and r_size; _put_packet(const uint8_t *buffer, int
 * size) gets a slot holding buffer and an int64_t size.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mr.h"

typedef struct mr_channel {
    GDExtensionObjectPtr owner;
    meshrtc_channel handle;
} mr_channel;

#define SELF ((mr_channel *)instance)
#define RET_INT(v) (*(int64_t *)r_ret = (int64_t)(v))
#define RET_BOOL(v) (*(GDExtensionBool *)r_ret = (GDExtensionBool)((v) != 0))

static int usable(mr_channel *self, const char *virt) {
    if (self->handle == 0) {
        mr_error(virt, "%s: this MeshRTCDataChannel is not connected to a meshrtc channel "
                       "(channels come from WebRTCPeerConnection.create_data_channel or data_channel_received)",
                 virt);
        return 0;
    }
    return 1;
}

GDExtensionObjectPtr mr_channel_new_object(meshrtc_channel handle) {
    mr_channel *self = calloc(1, sizeof *self);
    if (self == NULL) {
        return NULL;
    }
    GDExtensionObjectPtr obj = gd.classdb_construct_object(&mr_sn.channel_parent);
    if (obj == NULL) {
        free(self);
        return NULL;
    }
    self->owner = obj;
    self->handle = handle;
    gd.object_set_instance(obj, &mr_sn.channel_class, self);
    return obj;
}

GDExtensionObjectPtr mr_channel_create_instance(void *class_userdata) {
    (void)class_userdata;
    return mr_channel_new_object(0);
}

void mr_channel_free_instance(void *class_userdata, GDExtensionClassInstancePtr instance) {
    (void)class_userdata;
    mr_channel *self = instance;
    if (self == NULL) {
        return;
    }
    if (self->handle != 0 && !mr_shut_down) {
        MR_CALL(meshrtc_channel_destroy, self->handle, self->handle);
    }
    free(self);
}

/* Reads an int32 getter into r_ret (fallback on failure). */
typedef int32_t (*int_getter)(meshrtc_channel, int32_t *);

static void get_int(GDExtensionClassInstancePtr instance, const char *virt, const char *call, int_getter fn,
                    int32_t fallback, GDExtensionTypePtr r_ret) {
    int32_t v = fallback;
    if (usable(SELF, virt)) {
        if (mr_check(call, SELF->handle, fn(SELF->handle, &v)) != MESHRTC_OK) {
            v = fallback;
        }
    }
    RET_INT(v);
}

/* Reads a string getter (size protocol) into the String at r_ret. */
typedef int32_t (*str_getter)(meshrtc_channel, char *, int32_t, int32_t *);

static void get_str(GDExtensionClassInstancePtr instance, const char *virt, const char *call, str_getter fn,
                    GDExtensionTypePtr r_ret) {
    if (!usable(SELF, virt)) {
        return; /* r_ret stays the empty String */
    }
    char small[256];
    int32_t len = 0;
    int32_t rc = fn(SELF->handle, small, (int32_t)sizeof small, &len);
    if (rc == MESHRTC_OK) {
        gd_string_assign(r_ret, small, len);
        return;
    }
    if (rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR && len > 0) {
        char *buf = malloc((size_t)len + 1);
        if (buf != NULL) {
            rc = fn(SELF->handle, buf, len + 1, &len);
            if (rc == MESHRTC_OK) {
                gd_string_assign(r_ret, buf, len);
            }
            free(buf);
        }
    }
    if (rc != MESHRTC_OK) {
        mr_check(call, SELF->handle, rc);
    }
}

/* ------------------------------------------------------------- packets */

static void v_get_packet(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                         GDExtensionTypePtr r_ret) {
    const uint8_t **r_buffer = *(const uint8_t **const *)args[0];
    int32_t *r_size = *(int32_t *const *)args[1];
    if (!usable(SELF, "_get_packet")) {
        RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    const uint8_t *data = NULL;
    int32_t len = 0;
    int32_t err = MR_CALL(meshrtc_channel_get_packet, SELF->handle, SELF->handle, &data, &len);
    if (err == MESHRTC_OK) {
        if (r_buffer) {
            *r_buffer = data;
        }
        if (r_size) {
            *r_size = len;
        }
    }
    RET_INT(err);
}

static void v_put_packet(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                         GDExtensionTypePtr r_ret) {
    const uint8_t *buffer = *(const uint8_t *const *)args[0];
    int64_t size = *(const int64_t *)args[1];
    if (!usable(SELF, "_put_packet")) {
        RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    if (size < 0 || size > INT32_MAX) {
        mr_error("_put_packet", "put_packet: size %lld is out of range", (long long)size);
        RET_INT(GD_ERR_INVALID_PARAMETER);
        return;
    }
    if (buffer == NULL && size == 0) {
        buffer = (const uint8_t *)"";
    }
    RET_INT(MR_CALL(meshrtc_channel_put_packet, SELF->handle,
                    SELF->handle, buffer, (int32_t)size));
}

static void v_get_available_packet_count(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                         GDExtensionTypePtr r_ret) {
    (void)args;
    get_int(instance, "_get_available_packet_count", "meshrtc_channel_get_available_packet_count",
            meshrtc_channel_get_available_packet_count, 0, r_ret);
}

static void v_get_max_packet_size(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                  GDExtensionTypePtr r_ret) {
    (void)args;
    get_int(instance, "_get_max_packet_size", "meshrtc_channel_get_max_packet_size",
            meshrtc_channel_get_max_packet_size, 0, r_ret);
}

/* -------------------------------------------------------------- control */

static void v_poll(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                   GDExtensionTypePtr r_ret) {
    (void)args;
    if (!usable(SELF, "_poll")) {
        RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    RET_INT(MR_CALL(meshrtc_channel_poll, SELF->handle, SELF->handle));
}

static void v_close(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                    GDExtensionTypePtr r_ret) {
    (void)args;
    (void)r_ret;
    if (usable(SELF, "_close")) {
        MR_CALL(meshrtc_channel_close, SELF->handle, SELF->handle);
    }
}

static void v_set_write_mode(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                             GDExtensionTypePtr r_ret) {
    (void)r_ret;
    int64_t mode = *(const int64_t *)args[0];
    if (!usable(SELF, "_set_write_mode")) {
        return;
    }
    if (mode < INT32_MIN || mode > INT32_MAX) {
        mode = -1; /* let meshrtc reject it with its message */
    }
    MR_CALL(meshrtc_channel_set_write_mode, SELF->handle, SELF->handle, (int32_t)mode);
}

static void v_get_write_mode(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                             GDExtensionTypePtr r_ret) {
    (void)args;
    get_int(instance, "_get_write_mode", "meshrtc_channel_get_write_mode", meshrtc_channel_get_write_mode,
            MESHRTC_WRITE_MODE_BINARY, r_ret);
}

static void v_was_string_packet(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                GDExtensionTypePtr r_ret) {
    (void)args;
    int32_t v = 0;
    if (usable(SELF, "_was_string_packet")) {
        MR_CALL(meshrtc_channel_was_string_packet, SELF->handle, SELF->handle, &v);
    }
    RET_BOOL(v);
}

static void v_get_ready_state(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                              GDExtensionTypePtr r_ret) {
    (void)args;
    get_int(instance, "_get_ready_state", "meshrtc_channel_get_ready_state", meshrtc_channel_get_ready_state,
            MESHRTC_CHANNEL_STATE_CLOSED, r_ret);
}

/* ----------------------------------------------------------- properties */

static void v_get_label(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                        GDExtensionTypePtr r_ret) {
    (void)args;
    get_str(instance, "_get_label", "meshrtc_channel_get_label", meshrtc_channel_get_label, r_ret);
}

static void v_get_protocol(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                           GDExtensionTypePtr r_ret) {
    (void)args;
    get_str(instance, "_get_protocol", "meshrtc_channel_get_protocol", meshrtc_channel_get_protocol, r_ret);
}

static void v_is_ordered(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                         GDExtensionTypePtr r_ret) {
    (void)args;
    int32_t v = 0;
    if (usable(SELF, "_is_ordered")) {
        MR_CALL(meshrtc_channel_is_ordered, SELF->handle, SELF->handle, &v);
    }
    RET_BOOL(v);
}

static void v_is_negotiated(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                            GDExtensionTypePtr r_ret) {
    (void)args;
    int32_t v = 0;
    if (usable(SELF, "_is_negotiated")) {
        MR_CALL(meshrtc_channel_is_negotiated, SELF->handle, SELF->handle, &v);
    }
    RET_BOOL(v);
}

static void v_get_id(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                     GDExtensionTypePtr r_ret) {
    (void)args;
    get_int(instance, "_get_id", "meshrtc_channel_get_id", meshrtc_channel_get_id, 65535, r_ret);
}

static void v_get_max_packet_life_time(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                       GDExtensionTypePtr r_ret) {
    (void)args;
    get_int(instance, "_get_max_packet_life_time", "meshrtc_channel_get_max_packet_life_time",
            meshrtc_channel_get_max_packet_life_time, 65535, r_ret);
}

static void v_get_max_retransmits(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                  GDExtensionTypePtr r_ret) {
    (void)args;
    get_int(instance, "_get_max_retransmits", "meshrtc_channel_get_max_retransmits",
            meshrtc_channel_get_max_retransmits, 65535, r_ret);
}

static void v_get_buffered_amount(GDExtensionClassInstancePtr instance, const GDExtensionConstTypePtr *args,
                                  GDExtensionTypePtr r_ret) {
    (void)args;
    int64_t v = 0;
    if (usable(SELF, "_get_buffered_amount")) {
        if (MR_CALL(meshrtc_channel_get_buffered_amount, SELF->handle,
                    SELF->handle, &v) != MESHRTC_OK) {
            v = 0;
        }
    }
    /* Godot's get_buffered_amount() is a 32-bit int. */
    RET_INT(v > INT32_MAX ? INT32_MAX : v);
}

mr_virtual mr_channel_virtuals[] = {
    {"_get_packet", v_get_packet, {0}},
    {"_put_packet", v_put_packet, {0}},
    {"_get_available_packet_count", v_get_available_packet_count, {0}},
    {"_get_max_packet_size", v_get_max_packet_size, {0}},
    {"_poll", v_poll, {0}},
    {"_close", v_close, {0}},
    {"_set_write_mode", v_set_write_mode, {0}},
    {"_get_write_mode", v_get_write_mode, {0}},
    {"_was_string_packet", v_was_string_packet, {0}},
    {"_get_ready_state", v_get_ready_state, {0}},
    {"_get_label", v_get_label, {0}},
    {"_is_ordered", v_is_ordered, {0}},
    {"_get_id", v_get_id, {0}},
    {"_get_max_packet_life_time", v_get_max_packet_life_time, {0}},
    {"_get_max_retransmits", v_get_max_retransmits, {0}},
    {"_get_protocol", v_get_protocol, {0}},
    {"_is_negotiated", v_is_negotiated, {0}},
    {"_get_buffered_amount", v_get_buffered_amount, {0}},
    {NULL, NULL, {0}},
};
