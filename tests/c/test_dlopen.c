/* test_dlopen: the library loaded at run time, the way bindings load it.
 *
 * Usage: test_dlopen path/to/libmeshrtc.so   (or meshrtc.dll)
 * On Windows the loader is LoadLibraryA/GetProcAddress/FreeLibrary (lib_*
 * below), elsewhere dlopen/dlsym/dlclose.
 * Resolves every function of the header by name (MESHRTC_FUNCTIONS below;
 * tests/abi/check_abi.sh checks the list equals the header's functions),
 * checks meshrtc_abi_version() == MESHRTC_ABI_VERSION and the version, runs a
 * small loopback connection and a two-member mesh through the function
 * pointers only, checks meshrtc_shutdown reports 0 leaked, and checks
 * closing it does not unload the library (a Go runtime never can): loading
 * it again gives the same functions and they still work. The pointers' types come from the header's
 * prototypes (__typeof__), so a signature change breaks the build. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshrtc.h"

/* The platform's run-time loader. lib_loaded returns the library only if it
 * is still loaded (and then holds a reference, as RTLD_NOLOAD does). */
#if defined(_WIN32)
#include <windows.h>
typedef HMODULE lib_handle;
static lib_handle lib_open(const char *path) { return LoadLibraryA(path); }
static lib_handle lib_loaded(const char *path) {
    HMODULE h = NULL;
    return GetModuleHandleExA(0, path, &h) ? h : NULL;
}
static void *lib_symbol(lib_handle lib, const char *name) { return (void *)(uintptr_t)GetProcAddress(lib, name); }
static void lib_close(lib_handle lib) { FreeLibrary(lib); }
static const char *lib_error(void) {
    static char text[32];
    snprintf(text, sizeof text, "Windows error %lu", (unsigned long)GetLastError());
    return text;
}
#else
#include <dlfcn.h>
typedef void *lib_handle;
static lib_handle lib_open(const char *path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
static lib_handle lib_loaded(const char *path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD); }
static void *lib_symbol(lib_handle lib, const char *name) { return dlsym(lib, name); }
static void lib_close(lib_handle lib) { dlclose(lib); }
static const char *lib_error(void) { return dlerror(); }
#endif

/* BEGIN MESHRTC_FUNCTIONS (checked against include/meshrtc.h by check_abi.sh) */
#define MESHRTC_FUNCTIONS(X)                        \
    X(meshrtc_abi_version)                          \
    X(meshrtc_version)                              \
    X(meshrtc_last_error)                           \
    X(meshrtc_log_set_level)                        \
    X(meshrtc_log_next)                             \
    X(meshrtc_set_gc)                               \
    X(meshrtc_shutdown)                             \
    X(meshrtc_wait)                                 \
    X(meshrtc_peer_create)                          \
    X(meshrtc_peer_destroy)                         \
    X(meshrtc_peer_initialize)                      \
    X(meshrtc_peer_create_data_channel)             \
    X(meshrtc_peer_create_offer)                    \
    X(meshrtc_peer_set_local_description)           \
    X(meshrtc_peer_set_remote_description)          \
    X(meshrtc_peer_add_ice_candidate)               \
    X(meshrtc_peer_poll)                            \
    X(meshrtc_peer_next_event)                      \
    X(meshrtc_peer_close)                           \
    X(meshrtc_peer_get_connection_state)            \
    X(meshrtc_peer_get_gathering_state)             \
    X(meshrtc_peer_get_signaling_state)             \
    X(meshrtc_peer_get_stats)                       \
    X(meshrtc_channel_destroy)                      \
    X(meshrtc_channel_poll)                         \
    X(meshrtc_channel_close)                        \
    X(meshrtc_channel_put_packet)                   \
    X(meshrtc_channel_get_packet)                   \
    X(meshrtc_channel_put_packets)                  \
    X(meshrtc_channel_get_packets)                  \
    X(meshrtc_channel_get_available_packet_count)   \
    X(meshrtc_channel_get_max_packet_size)          \
    X(meshrtc_channel_set_write_mode)               \
    X(meshrtc_channel_get_write_mode)               \
    X(meshrtc_channel_was_string_packet)            \
    X(meshrtc_channel_get_ready_state)              \
    X(meshrtc_channel_get_label)                    \
    X(meshrtc_channel_get_protocol)                 \
    X(meshrtc_channel_is_ordered)                   \
    X(meshrtc_channel_get_id)                       \
    X(meshrtc_channel_get_max_packet_life_time)     \
    X(meshrtc_channel_get_max_retransmits)          \
    X(meshrtc_channel_is_negotiated)                \
    X(meshrtc_channel_get_buffered_amount)          \
    X(meshrtc_channel_get_dropped_count)            \
    X(meshrtc_channel_get_stats)                    \
    X(meshrtc_mesh_create)                          \
    X(meshrtc_mesh_destroy)                         \
    X(meshrtc_mesh_set_options)                     \
    X(meshrtc_mesh_create_server)                   \
    X(meshrtc_mesh_create_client)                   \
    X(meshrtc_mesh_create_mesh)                     \
    X(meshrtc_mesh_initialize)                      \
    X(meshrtc_mesh_add_peer)                        \
    X(meshrtc_mesh_remove_peer)                     \
    X(meshrtc_mesh_disconnect_peer)                 \
    X(meshrtc_mesh_has_peer)                        \
    X(meshrtc_mesh_get_peer)                        \
    X(meshrtc_mesh_get_peers)                       \
    X(meshrtc_mesh_set_target_peer)                 \
    X(meshrtc_mesh_get_target_peer)                 \
    X(meshrtc_mesh_set_transfer_mode)               \
    X(meshrtc_mesh_get_transfer_mode)               \
    X(meshrtc_mesh_set_transfer_channel)            \
    X(meshrtc_mesh_get_transfer_channel)            \
    X(meshrtc_mesh_put_packet)                      \
    X(meshrtc_mesh_get_packet)                      \
    X(meshrtc_mesh_put_packets)                     \
    X(meshrtc_mesh_get_packets)                     \
    X(meshrtc_mesh_get_available_packet_count)      \
    X(meshrtc_mesh_get_packet_peer)                 \
    X(meshrtc_mesh_get_packet_channel)              \
    X(meshrtc_mesh_get_packet_mode)                 \
    X(meshrtc_mesh_poll)                            \
    X(meshrtc_mesh_close)                           \
    X(meshrtc_mesh_next_event)                      \
    X(meshrtc_mesh_get_unique_id)                   \
    X(meshrtc_mesh_get_connection_status)           \
    X(meshrtc_mesh_is_server_relay_supported)       \
    X(meshrtc_mesh_set_refuse_new_connections)      \
    X(meshrtc_mesh_is_refusing_new_connections)     \
    X(meshrtc_mesh_get_max_packet_size)             \
    X(meshrtc_lobby_create)                         \
    X(meshrtc_lobby_destroy)                        \
    X(meshrtc_lobby_join)                           \
    X(meshrtc_lobby_seal)                           \
    X(meshrtc_lobby_poll)                           \
    X(meshrtc_lobby_next_event)                     \
    X(meshrtc_lobby_get_mesh)
/* END MESHRTC_FUNCTIONS */

/* One typed pointer per function, named like the function. */
static struct api {
#define FIELD(name) __typeof__(name) *name;
    MESHRTC_FUNCTIONS(FIELD)
#undef FIELD
} m;

/* check.h and testkit.h read last errors through the pointer too. */
#define TK_LAST_ERROR m.meshrtc_last_error
#include "check.h"

static int resolve(lib_handle lib) {
    int missing = 0, n = 0;
#define RESOLVE(name)                                                 \
    {                                                                 \
        void *sym = lib_symbol(lib, #name); /* data to function */    \
        n++;                                                          \
        memcpy(&m.name, &sym, sizeof sym);                            \
        if (sym == NULL) {                                            \
            fprintf(stderr, "FAIL: lookup of %s: %s\n", #name, lib_error()); \
            missing++;                                                \
        }                                                             \
    }
    MESHRTC_FUNCTIONS(RESOLVE)
#undef RESOLVE
    if (missing == 0) printf("resolved %d functions\n", n);
    return missing;
}

/* Plays from's events to to; collects a received channel. */
static void pump_one(meshrtc_peer from, meshrtc_peer to, meshrtc_channel *received) {
    meshrtc_peer_event ev;
    TK_MUST(m.meshrtc_peer_poll(from), from);
    while (m.meshrtc_peer_next_event(from, &ev) == MESHRTC_OK) {
        switch (ev.type) {
        case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
            TK_MUST(m.meshrtc_peer_set_local_description(from, ev.sdp_type, ev.sdp), from);
            TK_MUST(m.meshrtc_peer_set_remote_description(to, ev.sdp_type, ev.sdp), to);
            break;
        case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
            TK_MUST(m.meshrtc_peer_add_ice_candidate(to, ev.media, ev.index, ev.name), to);
            break;
        case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
            if (*received == 0) {
                *received = ev.channel;
            } else {
                TK_MUST(m.meshrtc_channel_destroy(ev.channel), ev.channel);
            }
            break;
        default:
            break;
        }
    }
}

static int32_t ready_state(meshrtc_channel ch) {
    int32_t s = -1;
    TK_MUST(m.meshrtc_channel_get_ready_state(ch, &s), ch);
    return s;
}

/* A negotiated and an in-band channel, one packet each way. */
static void connection(void) {
    meshrtc_peer a, b;
    meshrtc_channel na, nb, chat, chat_in = 0, none = 0;
    TK_MUST(m.meshrtc_peer_create(&a), 0);
    TK_MUST(m.meshrtc_peer_create(&b), 0);
    TK_MUST(m.meshrtc_peer_initialize(a, LOOPBACK_CONFIG), a);
    TK_MUST(m.meshrtc_peer_initialize(b, LOOPBACK_CONFIG), b);
    TK_MUST(m.meshrtc_peer_create_data_channel(a, "n", "{\"negotiated\":true,\"id\":1}", &na), a);
    TK_MUST(m.meshrtc_peer_create_data_channel(b, "n", "{\"negotiated\":true,\"id\":1}", &nb), b);
    TK_MUST(m.meshrtc_peer_create_data_channel(a, "chat", NULL, &chat), a);
    TK_MUST(m.meshrtc_peer_create_offer(a), a);
    double deadline = tk_now_s() + 20;
    while ((ready_state(na) != MESHRTC_CHANNEL_STATE_OPEN || ready_state(nb) != MESHRTC_CHANNEL_STATE_OPEN ||
            chat_in == 0 || ready_state(chat_in) != MESHRTC_CHANNEL_STATE_OPEN) &&
           tk_now_s() < deadline) {
        pump_one(a, b, &none);
        pump_one(b, a, &chat_in);
        tk_sleep_ms(1);
    }
    CHECK(chat_in != 0 && ready_state(na) == MESHRTC_CHANNEL_STATE_OPEN, "connection did not open within 20 s");
    if (chat_in == 0) exit(1);
    int32_t state = -1;
    TK_MUST(m.meshrtc_peer_get_connection_state(a, &state), a);
    CHECK(state == MESHRTC_STATE_CONNECTED || state == MESHRTC_STATE_CONNECTING, "state %d", state);

    struct {
        meshrtc_channel tx, rx;
        int32_t mode;
        const char *text;
    } sends[] = {
        {na, nb, MESHRTC_WRITE_MODE_BINARY, "negotiated a->b"},
        {nb, na, MESHRTC_WRITE_MODE_TEXT, "negotiated b->a"},
        {chat, chat_in, MESHRTC_WRITE_MODE_TEXT, "in-band a->b"},
        {chat_in, chat, MESHRTC_WRITE_MODE_BINARY, "in-band b->a"},
    };
    for (int i = 0; i < 4; i++) {
        int32_t len = (int32_t)strlen(sends[i].text);
        TK_MUST(m.meshrtc_channel_set_write_mode(sends[i].tx, sends[i].mode), sends[i].tx);
        TK_MUST(m.meshrtc_channel_put_packet(sends[i].tx, (const uint8_t *)sends[i].text, len), sends[i].tx);
        const uint8_t *data = NULL;
        int32_t got = -1, is_string = -1;
        deadline = tk_now_s() + 20;
        while (m.meshrtc_channel_get_packet(sends[i].rx, &data, &got) != MESHRTC_OK && tk_now_s() < deadline) {
            pump_one(a, b, &none);
            pump_one(b, a, &none);
            tk_sleep_ms(1);
        }
        CHECK(data != NULL && got == len && memcmp(data, sends[i].text, (size_t)len) == 0, "%s: packet",
              sends[i].text);
        TK_MUST(m.meshrtc_channel_was_string_packet(sends[i].rx, &is_string), sends[i].rx);
        CHECK(is_string == (sends[i].mode == MESHRTC_WRITE_MODE_TEXT), "%s: was_string %d", sends[i].text,
              is_string);
    }
    meshrtc_peer_stats ps;
    TK_MUST(m.meshrtc_peer_get_stats(a, &ps), a);
    CHECK(ps.local_candidate_type == MESHRTC_CANDIDATE_HOST && ps.remote_candidate_type == MESHRTC_CANDIDATE_HOST,
          "selected pair types %d/%d, want host/host on loopback", ps.local_candidate_type, ps.remote_candidate_type);
    CHECK(ps.bytes_sent > 0 && ps.packets_sent > 0, "peer stats sent %lld bytes", (long long)ps.bytes_sent);
    meshrtc_channel_stats cs;
    TK_MUST(m.meshrtc_channel_get_stats(na, &cs), na);
    CHECK(cs.messages_sent == 1 && cs.messages_received == 1, "channel stats %lld sent, %lld received",
          (long long)cs.messages_sent, (long long)cs.messages_received);
    char label[16];
    int32_t label_len = -1;
    TK_MUST(m.meshrtc_channel_get_label(chat_in, label, (int32_t)sizeof label, &label_len), chat_in);
    CHECK(strcmp(label, "chat") == 0 && label_len == 4, "label %s", label);

    meshrtc_channel chans[] = {na, nb, chat, chat_in};
    for (int i = 0; i < 4; i++) TK_MUST(m.meshrtc_channel_destroy(chans[i]), chans[i]);
    TK_MUST(m.meshrtc_peer_destroy(a), a);
    TK_MUST(m.meshrtc_peer_destroy(b), b);
    printf("connection through function pointers: ok\n");
}

/* A two-member mesh (Godot's WebRTCMultiplayerPeer) through the pointers:
 * create_mesh ids 1 and 2 with one extra reliable channel, the host signals
 * the link, both see PEER_CONNECTED, one packet each way on extra channel 1,
 * then close queues PEER_DISCONNECTED. */
static void tiny_mesh(void) {
    meshrtc_mesh mesh[2];
    meshrtc_peer conn[2];
    const int32_t config[1] = {MESHRTC_TRANSFER_MODE_RELIABLE};
    meshrtc_channel none = 0;
    for (int i = 0; i < 2; i++) {
        TK_MUST(m.meshrtc_mesh_create(&mesh[i]), 0);
        TK_MUST(m.meshrtc_mesh_create_mesh(mesh[i], i + 1, config, 1), mesh[i]);
        TK_MUST(m.meshrtc_peer_create(&conn[i]), 0);
        TK_MUST(m.meshrtc_peer_initialize(conn[i], LOOPBACK_CONFIG), conn[i]);
        TK_MUST(m.meshrtc_mesh_add_peer(mesh[i], conn[i], 2 - i, 1), mesh[i]); /* mesh i+1 adds the other */
    }
    TK_MUST(m.meshrtc_peer_create_offer(conn[0]), conn[0]);
    int connected[2] = {0, 0};
    double deadline = tk_now_s() + 20;
    while ((!connected[0] || !connected[1]) && tk_now_s() < deadline) {
        pump_one(conn[0], conn[1], &none);
        pump_one(conn[1], conn[0], &none);
        for (int i = 0; i < 2; i++) {
            int32_t type = -1, id = -1;
            TK_MUST(m.meshrtc_mesh_poll(mesh[i]), mesh[i]);
            while (m.meshrtc_mesh_next_event(mesh[i], &type, &id) == MESHRTC_OK) {
                CHECK(type == MESHRTC_MESH_EVENT_PEER_CONNECTED && id == 2 - i, "mesh %d: event %d for peer %d", i + 1,
                      type, id);
                connected[i] = 1;
            }
        }
        tk_sleep_ms(1);
    }
    CHECK(connected[0] && connected[1], "mesh did not connect within 20 s");
    CHECK(none == 0, "a mesh link announced an in-band channel");
    if (!connected[0] || !connected[1]) exit(1);

    for (int i = 0; i < 2; i++) {
        meshrtc_mesh tx = mesh[i], rx = mesh[1 - i];
        char text[32];
        int32_t len = (int32_t)snprintf(text, sizeof text, "mesh packet from %d", i + 1);
        TK_MUST(m.meshrtc_mesh_set_target_peer(tx, 2 - i), tx);
        TK_MUST(m.meshrtc_mesh_set_transfer_channel(tx, 1), tx);
        TK_MUST(m.meshrtc_mesh_put_packet(tx, (const uint8_t *)text, len), tx);
        int32_t avail = 0;
        deadline = tk_now_s() + 20;
        while (avail == 0 && tk_now_s() < deadline) {
            pump_one(conn[0], conn[1], &none);
            pump_one(conn[1], conn[0], &none);
            TK_MUST(m.meshrtc_mesh_poll(rx), rx);
            TK_MUST(m.meshrtc_mesh_get_available_packet_count(rx, &avail), rx);
            if (avail == 0) tk_sleep_ms(1);
        }
        int32_t from = -1, channel = -1, mode = -1, got = -1;
        const uint8_t *data = NULL;
        TK_MUST(m.meshrtc_mesh_get_packet_peer(rx, &from), rx);
        TK_MUST(m.meshrtc_mesh_get_packet_channel(rx, &channel), rx);
        TK_MUST(m.meshrtc_mesh_get_packet_mode(rx, &mode), rx);
        CHECK(avail == 1 && from == i + 1 && channel == 1 && mode == MESHRTC_TRANSFER_MODE_RELIABLE,
              "mesh %d: %d packets, next from %d on channel %d mode %d", 2 - i, avail, from, channel, mode);
        if (avail == 0) exit(1);
        TK_MUST(m.meshrtc_mesh_get_packet(rx, &data, &got), rx);
        CHECK(got == len && memcmp(data, text, (size_t)len) == 0, "mesh %d: wrong packet", 2 - i);
    }

    for (int i = 0; i < 2; i++) {
        int32_t ids[4] = {0}, count = -1, channels_count = -1, is_connected = -1, id = -1, status = -1;
        meshrtc_peer peer = 0;
        meshrtc_channel channels[8];
        TK_MUST(m.meshrtc_mesh_get_peers(mesh[i], ids, 4, &count), mesh[i]);
        CHECK(count == 1 && ids[0] == 2 - i, "mesh %d: get_peers gives %d peers, first %d", i + 1, count, ids[0]);
        TK_MUST(m.meshrtc_mesh_get_peer(mesh[i], 2 - i, &peer, channels, 8, &channels_count, &is_connected), mesh[i]);
        CHECK(peer == conn[i] && channels_count == 4 && is_connected == 1,
              "mesh %d: get_peer %d channels, connected %d", i + 1, channels_count, is_connected);
        TK_MUST(m.meshrtc_mesh_get_unique_id(mesh[i], &id), mesh[i]);
        TK_MUST(m.meshrtc_mesh_get_connection_status(mesh[i], &status), mesh[i]);
        CHECK(id == i + 1 && status == MESHRTC_CONNECTION_CONNECTED, "mesh %d: id %d, status %d", i + 1, id, status);
    }
    TK_MUST(m.meshrtc_mesh_close(mesh[0]), mesh[0]);
    int32_t type = -1, id = -1;
    TK_MUST(m.meshrtc_mesh_next_event(mesh[0], &type, &id), mesh[0]);
    CHECK(type == MESHRTC_MESH_EVENT_PEER_DISCONNECTED && id == 2, "close queued event %d for peer %d", type, id);
    for (int i = 0; i < 2; i++) {
        TK_MUST(m.meshrtc_mesh_destroy(mesh[i]), mesh[i]);
        TK_MUST(m.meshrtc_peer_destroy(conn[i]), conn[i]);
    }
    printf("mesh through function pointers: ok\n");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2) {
        fprintf(stderr, "usage: %s path/to/libmeshrtc.so\n", argv[0]);
        return 2;
    }
    lib_handle lib = lib_open(argv[1]);
    if (lib == NULL) {
        fprintf(stderr, "FAIL: loading %s: %s\n", argv[1], lib_error());
        return 1;
    }
    if (resolve(lib) != 0) return 1;
    /* The ABI check comes before any other call, as bindings do it. */
    int32_t abi = m.meshrtc_abi_version();
    if (abi != MESHRTC_ABI_VERSION) {
        fprintf(stderr, "FAIL: ABI mismatch: header %d, library %d\n", MESHRTC_ABI_VERSION, abi);
        return 1;
    }
    int32_t major = -1, minor = -1, patch = -1;
    TK_MUST(m.meshrtc_version(&major, &minor, &patch), 0);
    CHECK(major == MESHRTC_VERSION_MAJOR && minor == MESHRTC_VERSION_MINOR && patch == MESHRTC_VERSION_PATCH,
          "library %d.%d.%d, header %d.%d.%d", major, minor, patch, MESHRTC_VERSION_MAJOR, MESHRTC_VERSION_MINOR,
          MESHRTC_VERSION_PATCH);
    printf("meshrtc %d.%d.%d, ABI %d\n", major, minor, patch, abi);

    connection();
    tiny_mesh();
    int32_t leaked = -1;
    TK_MUST(m.meshrtc_shutdown(&leaked), 0);
    CHECK(leaked == 0, "shutdown reports %d leaked", leaked);

    /* Closing cannot unload a Go runtime: the library stays, same addresses. */
    struct api before = m;
    lib_close(lib);
    lib = lib_loaded(argv[1]);
    CHECK(lib != NULL, "library unloaded when closed (%s)", lib_error());
    if (lib == NULL) lib = lib_open(argv[1]);
    if (lib == NULL || resolve(lib) != 0) return 1;
    CHECK(memcmp(&before, &m, sizeof m) == 0, "functions moved after closing and loading again");
    connection();
    tiny_mesh();
    leaked = -1;
    TK_MUST(m.meshrtc_shutdown(&leaked), 0);
    CHECK(leaked == 0, "shutdown after reload reports %d leaked", leaked);

    return check_summary("test_dlopen");
}
