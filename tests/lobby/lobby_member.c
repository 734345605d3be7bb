/* lobby_member.c - one player of the meeting test (tests/godot/run.sh,
 * lobby_meet_*): a C program that meets a Godot game (the addon's
 * MeshRTCLobby) and a C# program (WebRtcLobby) in one mesh lobby on
 * meshrtc-lobby and plays with them through the lobby's mesh.
 *
 *   lobby_member URL COUNT NAME_FILE host|guest
 *
 * The host creates the lobby and writes its name to NAME_FILE; a guest waits
 * for the file and joins. Once connected to the COUNT - 1 others, each says
 * "hello from c <id>" to each; a guest that heard every hello tells the host
 * "done"; the host, with every hello and every done, tells everyone "end"
 * and leaves last, once all have gone. Every message is a SceneMultiplayer
 * raw packet (a first byte 3), what Godot's multiplayer.send_bytes sends
 * and its peer_packet signal delivers. Prints "heard <lang> <id>" for each
 * hello and exits 0 when the game ended as it should. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include "lobbykit.h"

#define GUARD_S 90.0
#define RAW "\x03" /* SceneMultiplayer's NETWORK_COMMAND_RAW */

static lk_member me;
static int count;

static int all_connected(void *ctx) {
    (void)ctx;
    return me.id != 0 && me.connected.n == count - 1;
}

static int heard_all(void *ctx) {
    (void)ctx;
    int n = 0;
    for (int32_t i = 0; i < me.n_packets; i++)
        if (strncmp(me.packets[i].text, RAW "hello from ", 12) == 0) n++;
    return n >= count - 1;
}

static int dones(void *ctx) {
    (void)ctx;
    int n = 0;
    for (int32_t i = 0; i < me.n_packets; i++)
        if (strcmp(me.packets[i].text, RAW "done") == 0) n++;
    return n >= count - 1;
}

static int got_end(void *ctx) {
    (void)ctx;
    return lk_got(&me, 1, RAW "end");
}

static int all_gone(void *ctx) {
    (void)ctx;
    return me.disconnected.n == count - 1;
}

static int joined(void *ctx) {
    (void)ctx;
    return me.lobby_name[0] != '\0';
}

static void write_name(const char *file, const char *name) {
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp", file);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%s\n", name) < 0 || fclose(f) != 0 || rename(tmp, file) != 0) {
        fprintf(stderr, "FATAL: cannot write %s\n", file);
        exit(1);
    }
}

static void read_name(const char *file, char *name) {
    double deadline = tk_now_s() + GUARD_S;
    for (;;) {
        FILE *f = fopen(file, "r");
        if (f != NULL) {
            int ok = fscanf(f, "%63s", name) == 1;
            fclose(f);
            if (ok) return;
        }
        if (tk_now_s() > deadline) {
            fprintf(stderr, "FATAL: no lobby name in %s\n", file);
            exit(1);
        }
        tk_sleep_ms(20);
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 5 || (strcmp(argv[4], "host") != 0 && strcmp(argv[4], "guest") != 0)) {
        fprintf(stderr, "usage: lobby_member URL COUNT NAME_FILE host|guest\n");
        return 2;
    }
    count = atoi(argv[2]);
    int host = strcmp(argv[4], "host") == 0;
    lk_member *ms[1] = {&me};
    lk_open(&me, "c", argv[1], LK_OPTIONS);
    if (host) {
        CHECK_OK(meshrtc_lobby_join(me.lobby, NULL, 1), me.lobby);
        lk_wait(ms, 1, joined, NULL, GUARD_S, "the lobby's name");
        write_name(argv[3], me.lobby_name);
    } else {
        char name[64];
        read_name(argv[3], name);
        CHECK_OK(meshrtc_lobby_join(me.lobby, name, 1), me.lobby);
    }
    lk_wait(ms, 1, all_connected, NULL, GUARD_S, "a connection to every other player");
    CHECK(me.mesh_mode == 1 && (me.id == 1) == host, "id %d, mesh mode %d", me.id, me.mesh_mode);
    char hello[LK_TEXT];
    snprintf(hello, sizeof hello, RAW "hello from c %d", me.id);
    for (int32_t i = 0; i < me.connected.n; i++) lk_send(&me, me.connected.ids[i], hello);
    lk_wait(ms, 1, heard_all, NULL, GUARD_S, "a hello from every other player");
    for (int32_t i = 0; i < me.n_packets; i++) {
        char lang[16];
        int id;
        if (sscanf(me.packets[i].text, RAW "hello from %15s %d", lang, &id) == 2) {
            CHECK(id == me.packets[i].from, "a hello from %d says %d", me.packets[i].from, id);
            CHECK(lk_has(&me.joined, id), "a hello from %d, whom the lobby did not announce", id);
            printf("heard %s %d\n", lang, id);
        }
    }
    if (host) {
        lk_wait(ms, 1, dones, NULL, GUARD_S, "done from every guest");
        for (int32_t i = 0; i < me.connected.n; i++) lk_send(&me, me.connected.ids[i], RAW "end");
        lk_wait(ms, 1, all_gone, NULL, GUARD_S, "every guest gone");
    } else {
        lk_send(&me, 1, RAW "done");
        lk_wait(ms, 1, got_end, NULL, GUARD_S, "end from the host");
    }
    CHECK(me.errors == 0, "%d lobby errors", me.errors);
    lk_destroy(&me);
    check_no_leaks();
    return check_summary(host ? "lobby_member host" : "lobby_member guest");
}
