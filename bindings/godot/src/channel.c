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

GDExtensionObjectPtr mr_channel_new_object(meshrtc_channel handle) {
    return mr_object_new(&mr_channel_class, handle, NULL);
}

/* MeshRTCDataChannel.new() (the class is abstract: for the engine only). */
static GDExtensionObjectPtr create_instance(void *class_userdata) {
    (void)class_userdata;
    return mr_channel_new_object(0);
}

static void destroy(int64_t handle) { MR_CALL(meshrtc_channel_destroy, handle, handle); }

/* Reads a string getter (size protocol) into the String at r_ret. */
typedef int32_t (*str_getter)(meshrtc_channel, char *, int32_t, int32_t *);

static void get_str(mr_object *self, const char *virt, const char *call, str_getter fn, GDExtensionTypePtr r_ret) {
    if (!mr_usable(self, virt)) {
        return; /* r_ret stays the empty String */
    }
    char small[256];
    int32_t len = 0;
    int32_t rc = fn(self->handle, small, (int32_t)sizeof small, &len);
    if (rc == MESHRTC_OK) {
        gd_string_assign(r_ret, small, len);
        return;
    }
    if (rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR && len > 0) {
        char *buf = malloc((size_t)len + 1);
        if (buf != NULL) {
            rc = fn(self->handle, buf, len + 1, &len);
            if (rc == MESHRTC_OK) {
                gd_string_assign(r_ret, buf, len);
            }
            free(buf);
        }
    }
    if (rc != MESHRTC_OK) {
        mr_check(call, self->handle, rc);
    }
}

/* A virtual that returns the string getter fn's text. */
#define STR_VIRTUAL(virt, fn)                         \
    MR_VIRTUAL(virt) {                                \
        (void)args;                                   \
        get_str(MR_SELF, #virt, #fn, (fn), r_ret);    \
    }

/* ------------------------------------------------------------- packets */

MR_VIRTUAL(_get_packet) {
    const uint8_t **r_buffer = *(const uint8_t **const *)args[0];
    int32_t *r_size = *(int32_t *const *)args[1];
    if (!mr_usable(MR_SELF, "_get_packet")) {
        MR_RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    const uint8_t *data = NULL;
    int32_t len = 0;
    int32_t err = MR_CALL(meshrtc_channel_get_packet, MR_SELF->handle, MR_SELF->handle, &data, &len);
    if (err == MESHRTC_OK) {
        if (r_buffer) {
            *r_buffer = data;
        }
        if (r_size) {
            *r_size = len;
        }
    }
    MR_RET_INT(err);
}

MR_VIRTUAL(_put_packet) {
    const uint8_t *buffer = *(const uint8_t *const *)args[0];
    int64_t size = *(const int64_t *)args[1];
    if (!mr_usable(MR_SELF, "_put_packet")) {
        MR_RET_INT(GD_ERR_UNCONFIGURED);
        return;
    }
    if (size < 0 || size > INT32_MAX) {
        mr_error("_put_packet", "put_packet: size %lld is out of range", (long long)size);
        MR_RET_INT(GD_ERR_INVALID_PARAMETER);
        return;
    }
    if (buffer == NULL && size == 0) {
        buffer = (const uint8_t *)"";
    }
    MR_RET_INT(MR_CALL(meshrtc_channel_put_packet, MR_SELF->handle, MR_SELF->handle, buffer, (int32_t)size));
}

MR_INT_VIRTUAL(_get_available_packet_count, meshrtc_channel_get_available_packet_count, 0)
MR_INT_VIRTUAL(_get_max_packet_size, meshrtc_channel_get_max_packet_size, 0)

/* -------------------------------------------------------------- control */

MR_CODE_VIRTUAL(_poll, meshrtc_channel_poll)
MR_VOID_VIRTUAL(_close, meshrtc_channel_close)

MR_VIRTUAL(_set_write_mode) {
    (void)r_ret;
    int64_t mode = *(const int64_t *)args[0];
    if (!mr_usable(MR_SELF, "_set_write_mode")) {
        return;
    }
    if (mode < INT32_MIN || mode > INT32_MAX) {
        mode = -1; /* let meshrtc reject it with its message */
    }
    MR_CALL(meshrtc_channel_set_write_mode, MR_SELF->handle, MR_SELF->handle, (int32_t)mode);
}

MR_INT_VIRTUAL(_get_write_mode, meshrtc_channel_get_write_mode, MESHRTC_WRITE_MODE_BINARY)
MR_BOOL_VIRTUAL(_was_string_packet, meshrtc_channel_was_string_packet)
MR_INT_VIRTUAL(_get_ready_state, meshrtc_channel_get_ready_state, MESHRTC_CHANNEL_STATE_CLOSED)

/* ----------------------------------------------------------- properties */

STR_VIRTUAL(_get_label, meshrtc_channel_get_label)
STR_VIRTUAL(_get_protocol, meshrtc_channel_get_protocol)
MR_BOOL_VIRTUAL(_is_ordered, meshrtc_channel_is_ordered)
MR_BOOL_VIRTUAL(_is_negotiated, meshrtc_channel_is_negotiated)
MR_INT_VIRTUAL(_get_id, meshrtc_channel_get_id, 65535)
MR_INT_VIRTUAL(_get_max_packet_life_time, meshrtc_channel_get_max_packet_life_time, 65535)
MR_INT_VIRTUAL(_get_max_retransmits, meshrtc_channel_get_max_retransmits, 65535)

MR_VIRTUAL(_get_buffered_amount) {
    (void)args;
    int64_t v = 0;
    if (mr_usable(MR_SELF, "_get_buffered_amount") &&
        MR_CALL(meshrtc_channel_get_buffered_amount, MR_SELF->handle, MR_SELF->handle, &v) != MESHRTC_OK) {
        v = 0;
    }
    /* Godot's get_buffered_amount() is a 32-bit int. */
    MR_RET_INT(v > INT32_MAX ? INT32_MAX : v);
}

static mr_virtual virtuals[] = {
    MR_ENTRY(_get_packet), MR_ENTRY(_put_packet), MR_ENTRY(_get_available_packet_count),
    MR_ENTRY(_get_max_packet_size), MR_ENTRY(_poll), MR_ENTRY(_close), MR_ENTRY(_set_write_mode),
    MR_ENTRY(_get_write_mode), MR_ENTRY(_was_string_packet), MR_ENTRY(_get_ready_state), MR_ENTRY(_get_label),
    MR_ENTRY(_is_ordered), MR_ENTRY(_get_id), MR_ENTRY(_get_max_packet_life_time), MR_ENTRY(_get_max_retransmits),
    MR_ENTRY(_get_protocol), MR_ENTRY(_is_negotiated), MR_ENTRY(_get_buffered_amount), {NULL, NULL, {0}},
};

/* Abstract: channels come from create_data_channel() or
 * data_channel_received, never from MeshRTCDataChannel.new(). */
mr_class mr_channel_class = {
    .name = &mr_sn.channel_class,
    .parent = &mr_sn.channel_parent,
    .is_abstract = 1,
    .create_instance = create_instance,
    .virtuals = virtuals,
    .destroy = destroy,
    .no_handle = "this MeshRTCDataChannel is not connected to a meshrtc channel "
                 "(channels come from WebRTCPeerConnection.create_data_channel or data_channel_received)",
};
