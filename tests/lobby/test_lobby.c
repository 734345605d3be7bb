/* test_lobby.c - native lobby clients (meshrtc_lobby_*, through the real
 * library) on meshrtc-lobby servers that tests/lobby/run.sh starts:
 *
 *   test_lobby basic URL             8 peers in a mesh lobby: all connect,
 *                                    data flows, one leaves, the host seals;
 *                                    4 in a server-mode lobby, the host
 *                                    leaves; the calls' errors
 *   test_lobby redis URL_A URL_B PID two instances sharing one Redis, clients
 *                                    split between them; instance B (PID) is
 *                                    killed: its clients see the lobby go,
 *                                    the others see them leave
 *   test_lobby turn URL              two peers forced to relay
 *                                    (iceTransportPolicy "relay") with the
 *                                    lobby's TURN credentials connect
 *   test_lobby expired URL           the same with credentials that expired
 *                                    before use: they never connect
 *
 * Every peer is loopback-only. Waits have hang guards only. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <sys/types.h>

#include "lobbykit.h"

#define GUARD_S 60.0

/* ---------------------------------------------------------------- helpers */

typedef struct {
    lk_member **ms;
    int n;
} group;

/* Every member has its id (CONNECTED). */
static int all_ids(void *ctx) {
    group *g = ctx;
    for (int i = 0; i < g->n; i++)
        if (g->ms[i]->id == 0) return 0;
    return 1;
}

/* Whether a and b should have a WebRTC link: always in a mesh, else when
 * one of them is the host. */
static int linked(const lk_member *a, const lk_member *b) { return a->mesh_mode || a->id == 1 || b->id == 1; }

/* Every link of the lobby is connected on both ends. */
static int all_connected(void *ctx) {
    group *g = ctx;
    for (int i = 0; i < g->n; i++)
        for (int j = 0; j < g->n; j++)
            if (i != j && linked(g->ms[i], g->ms[j]) && !lk_has(&g->ms[i]->connected, g->ms[j]->id)) return 0;
    return 1;
}

static void packet_text(char *buf, const lk_member *from, const lk_member *to) {
    snprintf(buf, LK_TEXT, "%d to %d", from->id, to->id);
}

/* Each member sends to each member it is linked to. */
static void send_all(group *g) {
    char text[LK_TEXT];
    for (int i = 0; i < g->n; i++)
        for (int j = 0; j < g->n; j++)
            if (i != j && linked(g->ms[i], g->ms[j])) {
                packet_text(text, g->ms[i], g->ms[j]);
                lk_send(g->ms[i], g->ms[j]->id, text);
            }
}

static int all_received(void *ctx) {
    group *g = ctx;
    char text[LK_TEXT];
    for (int i = 0; i < g->n; i++)
        for (int j = 0; j < g->n; j++)
            if (i != j && linked(g->ms[i], g->ms[j])) {
                packet_text(text, g->ms[j], g->ms[i]);
                if (!lk_got(g->ms[i], g->ms[j]->id, text)) return 0;
            }
    return 1;
}

/* The host (ms[0]) creates the lobby (mesh_mode), the others join it by
 * name; returns when every member has its id and every link is connected. */
static void form_lobby(group *g, int32_t mesh_mode) {
    lk_member *host = g->ms[0];
    CHECK_OK(meshrtc_lobby_join(host->lobby, NULL, mesh_mode), host->lobby);
    group just_host = {g->ms, 1};
    lk_wait(g->ms, 1, all_ids, &just_host, GUARD_S, "the host's id");
    CHECK(host->id == 1 && strlen(host->lobby_name) == 16, "host: id %d, lobby %s", host->id, host->lobby_name);
    for (int i = 1; i < g->n; i++) {
        /* A joiner's mode is the lobby's, whatever it asks for. */
        CHECK_OK(meshrtc_lobby_join(g->ms[i]->lobby, host->lobby_name, !mesh_mode), g->ms[i]->lobby);
    }
    lk_wait(g->ms, g->n, all_ids, g, GUARD_S, "every member's id");
    lk_wait(g->ms, g->n, all_connected, g, GUARD_S, "every link connected");
    for (int i = 0; i < g->n; i++) {
        lk_member *m = g->ms[i];
        CHECK(m->mesh_mode == mesh_mode, "%s: mesh mode %d", m->name, m->mesh_mode);
        CHECK(strcmp(m->lobby_name, host->lobby_name) == 0, "%s: joined %s", m->name, m->lobby_name);
        int32_t unique = 0;
        CHECK_OK(meshrtc_mesh_get_unique_id(m->mesh, &unique), m->mesh);
        CHECK(unique == m->id, "%s: mesh id %d, lobby id %d", m->name, unique, m->id);
        for (int j = 0; j < g->n; j++)
            if (i != j) {
                CHECK(m->id != g->ms[j]->id, "%s and %s share id %d", m->name, g->ms[j]->name, m->id);
                CHECK(lk_has(&m->joined, g->ms[j]->id), "%s: no PEER_JOINED for %d", m->name, g->ms[j]->id);
            }
        int32_t peers = -1;
        int32_t rc = meshrtc_mesh_get_peers(m->mesh, NULL, 0, &peers); /* a count query */
        CHECK(rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR, "%s: get_peers count query returned %d", m->name, rc);
        int32_t want = (mesh_mode || m->id == 1) ? g->n - 1 : 1;
        CHECK(peers == want, "%s: %d peers in the mesh, want %d", m->name, peers, want);
    }
}

static int32_t connection_status(meshrtc_mesh mesh) {
    int32_t status = -1;
    CHECK_OK(meshrtc_mesh_get_connection_status(mesh, &status), mesh);
    return status;
}

static char names[16][16];

static void open_members(lk_member *ms, lk_member **ptrs, int n, const char *prefix, const char *url, const char *options) {
    for (int i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "%s%d", prefix, i);
        lk_open(&ms[i], names[i], url, options);
        ptrs[i] = &ms[i];
    }
}

/* ------------------------------------------------------------------ basic */

static lk_member *leaver;
static group *stayers;

static int leave_seen(void *ctx) {
    (void)ctx;
    for (int i = 0; i < stayers->n; i++) {
        lk_member *m = stayers->ms[i];
        if (!lk_has(&m->left, leaver->id) || !lk_has(&m->disconnected, leaver->id)) return 0;
    }
    return 1;
}

static int all_closed(void *ctx) {
    group *g = ctx;
    for (int i = 0; i < g->n; i++)
        if (!g->ms[i]->closed) return 0;
    return 1;
}

static int got_after_close(void *ctx) {
    lk_member **m = ctx;
    return lk_got(m[1], m[0]->id, "after the seal");
}

static void mesh8(const char *url) {
    enum { N = 8 };
    lk_member ms[N];
    lk_member *ptrs[N];
    open_members(ms, ptrs, N, "mesh", url, LK_OPTIONS);
    group g = {ptrs, N};
    form_lobby(&g, 1);
    send_all(&g);
    lk_wait(ptrs, N, all_received, &g, GUARD_S, "a packet from every member to every other");
    printf("phase mesh: %d peers connected in one lobby, %d packets delivered\n", N, N * (N - 1));

    /* The last member leaves: the others see it in the lobby and the mesh. */
    leaver = ptrs[N - 1];
    int32_t leaver_id = leaver->id;
    lk_destroy(leaver);
    group rest = {ptrs, N - 1};
    stayers = &rest;
    lk_wait(ptrs, N - 1, leave_seen, NULL, GUARD_S, "the others see the leaver go");
    for (int i = 0; i < N - 1; i++) {
        int32_t has = 1;
        CHECK_OK(meshrtc_mesh_has_peer(ptrs[i]->mesh, leaver_id, &has), ptrs[i]->mesh);
        CHECK(has == 0, "%s still has the leaver", ptrs[i]->name);
    }

    /* Only the host seals; everyone hears it; the server closes the lobby,
     * the meshes stay. */
    CHECK_RC(meshrtc_lobby_seal(ptrs[1]->lobby), MESHRTC_ERR_UNAUTHORIZED, ptrs[1]->lobby);
    CHECK_OK(meshrtc_lobby_seal(ptrs[0]->lobby), ptrs[0]->lobby);
    lk_wait(ptrs, N - 1, all_closed, &rest, GUARD_S, "the lobby closed after the seal");
    for (int i = 0; i < N - 1; i++) {
        lk_member *m = ptrs[i];
        CHECK(m->sealed && m->close_code == 1000 && strcmp(m->close_reason, "Seal complete") == 0,
              "%s: sealed %d, closed %d %s", m->name, m->sealed, m->close_code, m->close_reason);
        CHECK(connection_status(m->mesh) == MESHRTC_CONNECTION_CONNECTED, "%s: the mesh went down with the lobby", m->name);
        CHECK_RC(meshrtc_lobby_seal(m->lobby), MESHRTC_ERR_UNAVAILABLE, m->lobby);
    }
    lk_send(ptrs[0], ptrs[1]->id, "after the seal");
    lk_wait(ptrs, 2, got_after_close, ptrs, GUARD_S, "a packet after the lobby closed");
    for (int i = 0; i < N - 1; i++) {
        CHECK(ptrs[i]->errors == 0 && ptrs[i]->events_after_close == 0, "%s: %d errors, %d events after CLOSED", ptrs[i]->name,
              ptrs[i]->errors, ptrs[i]->events_after_close);
        lk_destroy(ptrs[i]);
    }
    printf("phase mesh: leave, seal and close checked\n");
}

static int host_gone(void *ctx) {
    group *g = ctx;
    for (int i = 1; i < g->n; i++)
        if (!g->ms[i]->closed || !lk_has(&g->ms[i]->disconnected, 1)) return 0;
    return 1;
}

static void server4(const char *url) {
    enum { N = 4 };
    lk_member ms[N];
    lk_member *ptrs[N];
    open_members(ms, ptrs, N, "server", url, LK_OPTIONS_WITH(",\"channels\":[0]"));
    group g = {ptrs, N};
    form_lobby(&g, 0);
    int32_t relay = 0;
    CHECK_OK(meshrtc_mesh_is_server_relay_supported(ptrs[1]->mesh, &relay), ptrs[1]->mesh);
    CHECK(relay == 1, "a client's mesh does not relay");
    /* The channels option: three built-in channels and one extra. */
    meshrtc_peer conn = -1;
    meshrtc_channel chs[8];
    int32_t count = 0, connected = 0;
    CHECK_OK(meshrtc_mesh_get_peer(ptrs[1]->mesh, 1, &conn, chs, 8, &count, &connected), ptrs[1]->mesh);
    CHECK(conn == 0 && count == 4 && connected == 1, "get_peer: connection %lld, %d channels, connected %d", (long long)conn,
          count, connected);
    send_all(&g);
    lk_wait(ptrs, N, all_received, &g, GUARD_S, "packets between the host and each client");

    /* The host of an unsealed lobby leaves: the lobby closes for the
     * others, and their meshes close. */
    lk_destroy(ptrs[0]);
    group clients = {ptrs, N};
    lk_wait(ptrs + 1, N - 1, host_gone, &clients, GUARD_S, "the clients see the host go");
    for (int i = 1; i < N; i++) {
        lk_member *m = ptrs[i];
        CHECK(lk_has(&m->left, 1) && m->close_code == 4000 && strcmp(m->close_reason, "Room host has disconnected") == 0,
              "%s: closed %d %s", m->name, m->close_code, m->close_reason);
        CHECK(connection_status(m->mesh) == MESHRTC_CONNECTION_DISCONNECTED, "%s: the mesh is still up", m->name);
        CHECK_RC(meshrtc_lobby_join(m->lobby, NULL, 1), MESHRTC_ERR_UNAVAILABLE, m->lobby);
        lk_destroy(m);
    }
    printf("phase server: 1 host, %d clients, packets both ways, the host's leave checked\n", N - 1);
}

static int is_closed(void *ctx) { return ((lk_member *)ctx)->closed; }

static void errors(const char *url) {
    lk_member m;
    lk_member *p = &m;
    meshrtc_lobby l = 0;
    CHECK_RC(meshrtc_lobby_create("http://127.0.0.1:1", NULL, &l), MESHRTC_ERR_INVALID_PARAMETER, 0);
    CHECK_RC(meshrtc_lobby_create(url, "{\"channels\":[3]}", &l), MESHRTC_ERR_INVALID_PARAMETER, 0);
    CHECK_RC(meshrtc_lobby_create(url, "{\"nope\":1}", &l), MESHRTC_ERR_INVALID_PARAMETER, 0);
    CHECK_RC(meshrtc_lobby_create(NULL, NULL, &l), MESHRTC_ERR_INVALID_PARAMETER, 0);
    CHECK(l == 0, "a failed create wrote a handle");

    lk_open(&m, "errors", url, NULL);
    CHECK_RC(meshrtc_lobby_seal(m.lobby), MESHRTC_ERR_UNCONFIGURED, m.lobby);
    CHECK_RC(meshrtc_mesh_destroy(m.mesh), MESHRTC_ERR_UNAUTHORIZED, m.mesh);
    CHECK_RC(meshrtc_mesh_create_mesh(m.mesh, 1, NULL, 0), MESHRTC_ERR_UNAUTHORIZED, m.mesh);
    meshrtc_mesh again = 0;
    CHECK_OK(meshrtc_lobby_get_mesh(m.lobby, &again), m.lobby);
    CHECK(again == m.mesh, "get_mesh gave %lld, then %lld", (long long)m.mesh, (long long)again);
    meshrtc_lobby_event ev;
    CHECK_RC(meshrtc_lobby_next_event(m.lobby, NULL), MESHRTC_ERR_INVALID_PARAMETER, m.lobby);
    CHECK_RC(meshrtc_lobby_next_event(m.mesh, &ev), MESHRTC_ERR_INVALID_PARAMETER, m.mesh);

    /* A lobby that does not exist: the server's reason comes as CLOSED. */
    CHECK_OK(meshrtc_lobby_join(m.lobby, "AAAAAAAAAAAAAAAA", 1), m.lobby);
    CHECK_RC(meshrtc_lobby_join(m.lobby, "AAAAAAAAAAAAAAAA", 1), MESHRTC_ERR_ALREADY_EXISTS, m.lobby);
    lk_wait(&p, 1, is_closed, &m, GUARD_S, "CLOSED");
    CHECK(m.close_code == 4000 && strcmp(m.close_reason, "Lobby does not exists") == 0, "closed %d %s", m.close_code,
          m.close_reason);
    CHECK(m.id == 0 && m.lobby_name[0] == '\0', "events before the refusal");
    meshrtc_lobby lobby = m.lobby;
    lk_destroy(&m);
    CHECK_RC(meshrtc_lobby_poll(lobby), MESHRTC_ERR_DOES_NOT_EXIST, 0);
    CHECK_RC(meshrtc_mesh_poll(again), MESHRTC_ERR_DOES_NOT_EXIST, 0);
    printf("phase errors: arguments, ownership of the mesh, a refused join\n");
}

/* ------------------------------------------------------------------ redis */

static lk_member *r_host, *r_a, *r_b1, *r_b2, *r_host2, *r_guest2;

static int redis_after_kill(void *ctx) {
    (void)ctx;
    return r_b1->closed && r_b2->closed && r_host2->closed && r_guest2->closed && lk_has(&r_host->left, r_b1->id) &&
           lk_has(&r_host->left, r_b2->id) && lk_has(&r_a->left, r_b1->id) && lk_has(&r_a->left, r_b2->id) &&
           lk_has(&r_host->disconnected, r_b1->id) && lk_has(&r_a->disconnected, r_b2->id);
}

static void redis_split(const char *url_a, const char *url_b, pid_t pid_b) {
    lk_member ms[6];
    const char *urls[6] = {url_a, url_b, url_a, url_b, url_b, url_a};
    const char *mnames[6] = {"host@A", "b1@B", "a@A", "b2@B", "host2@B", "guest2@A"};
    lk_member *all[6];
    for (int i = 0; i < 6; i++) {
        lk_open(&ms[i], mnames[i], urls[i], LK_OPTIONS);
        all[i] = &ms[i];
    }
    r_host = &ms[0], r_b1 = &ms[1], r_a = &ms[2], r_b2 = &ms[3], r_host2 = &ms[4], r_guest2 = &ms[5];
    /* Lobby 1: the host on A, members on both; lobby 2: the host on B. */
    group g1 = {all, 4}, g2 = {all + 4, 2};
    form_lobby(&g1, 1);
    form_lobby(&g2, 1);
    send_all(&g1);
    lk_wait(all, 4, all_received, &g1, GUARD_S, "packets across the instances");
    printf("phase redis: 2 lobbies over 2 instances connected (signaling through Redis)\n");

    CHECK(kill(pid_b, SIGKILL) == 0, "cannot kill instance B (%d)", (int)pid_b);
    lk_wait(all, 6, redis_after_kill, NULL, GUARD_S, "the clients of B see the lobby go, those of A see them leave");
    lk_member *of_b[3] = {r_b1, r_b2, r_host2};
    for (int i = 0; i < 3; i++) {
        CHECK(of_b[i]->close_code == MESHRTC_LOBBY_CLOSE_ABNORMAL && of_b[i]->close_reason[0] != '\0',
              "%s: closed %d \"%s\", want 1006 and why", of_b[i]->name, of_b[i]->close_code, of_b[i]->close_reason);
        CHECK(connection_status(of_b[i]->mesh) == MESHRTC_CONNECTION_DISCONNECTED, "%s: the mesh is still up", of_b[i]->name);
    }
    CHECK(lk_has(&r_guest2->left, 1) && r_guest2->close_code == 4000 &&
              strcmp(r_guest2->close_reason, "Room host has disconnected") == 0,
          "guest2: closed %d %s", r_guest2->close_code, r_guest2->close_reason);
    CHECK(!r_host->closed && !r_a->closed, "the lobby on A closed");

    /* Lobby 1 works on: a newcomer on A meets who is left. */
    lk_member late;
    lk_open(&late, "late@A", url_a, LK_OPTIONS);
    CHECK_OK(meshrtc_lobby_join(late.lobby, r_host->lobby_name, 1), late.lobby);
    lk_member *left3[3] = {r_host, r_a, &late};
    group g3 = {left3, 3};
    lk_wait(left3, 3, all_ids, &g3, GUARD_S, "the newcomer's id");
    lk_wait(left3, 3, all_connected, &g3, GUARD_S, "the newcomer connected");
    CHECK(late.joined.n == 2, "the newcomer heard of %d members, want 2", late.joined.n);
    for (int i = 0; i < 6; i++) lk_destroy(&ms[i]);
    lk_destroy(&late);
    printf("phase redis: instance B killed; its clients saw the lobby go, A's saw them leave; the lobby works on\n");
}

/* ------------------------------------------------------------------- turn */

#define RELAY_OPTIONS(ice)                                                                                   \
    "{\"peerConfig\":{\"iceServers\":[],\"iceTransportPolicy\":\"relay\",\"meshrtc\":{\"interfaces\":[\"lo\"]," \
    "\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false,\"relayAcceptanceWaitMs\":0" ice "}}}"

static void turn(const char *url) {
    lk_member ms[2];
    lk_member *ptrs[2];
    open_members(ms, ptrs, 2, "relay", url, RELAY_OPTIONS(""));
    group g = {ptrs, 2};
    form_lobby(&g, 1);
    send_all(&g);
    lk_wait(ptrs, 2, all_received, &g, GUARD_S, "relayed packets");
    CHECK(ms[0].errors == 0 && ms[1].errors == 0, "lobby errors");
    lk_destroy(&ms[0]);
    lk_destroy(&ms[1]);
    printf("phase turn: relay-only peers connected with the lobby's TURN credentials\n");
}

static int gave_up(void *ctx) {
    lk_member **m = ctx;
    int32_t host_has = 1, guest_has = 1;
    if (m[1]->id == 0 || !lk_has(&m[0]->joined, m[1]->id)) return 0;
    TK_MUST(meshrtc_mesh_has_peer(m[0]->mesh, m[1]->id, &host_has), m[0]->mesh);
    TK_MUST(meshrtc_mesh_has_peer(m[1]->mesh, 1, &guest_has), m[1]->mesh);
    return !host_has && !guest_has;
}

static void expired(const char *url) {
    lk_member ms[2];
    lk_member *ptrs[2];
    /* Short ICE timeouts: a connection that cannot connect fails soon. */
    open_members(ms, ptrs, 2, "expired", url, RELAY_OPTIONS(",\"iceDisconnectedTimeoutMs\":500,\"iceFailedTimeoutMs\":500"));
    CHECK_OK(meshrtc_lobby_join(ms[0].lobby, NULL, 1), ms[0].lobby);
    group host = {ptrs, 1};
    lk_wait(ptrs, 1, all_ids, &host, GUARD_S, "the host's id");
    /* The server gives credentials that live 1 s (whole seconds): after
     * 2 s the host's have expired. */
    double until = tk_now_s() + 2.0;
    while (tk_now_s() < until) {
        lk_poll(&ms[0]);
        tk_sleep_ms(10);
    }
    CHECK_OK(meshrtc_lobby_join(ms[1].lobby, ms[0].lobby_name, 1), ms[1].lobby);
    lk_wait(ptrs, 2, gave_up, ptrs, GUARD_S, "both sides gave the connection up");
    CHECK(ms[0].connected.n == 0 && ms[1].connected.n == 0, "a connection came up with expired credentials");
    lk_destroy(&ms[0]);
    lk_destroy(&ms[1]);
    printf("phase expired: no connection with expired TURN credentials\n");
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    double t0 = tk_now_s();
    if (argc == 3 && strcmp(argv[1], "basic") == 0) {
        mesh8(argv[2]);
        server4(argv[2]);
        errors(argv[2]);
    } else if (argc == 5 && strcmp(argv[1], "redis") == 0) {
        redis_split(argv[2], argv[3], (pid_t)atoi(argv[4]));
    } else if (argc == 3 && strcmp(argv[1], "turn") == 0) {
        turn(argv[2]);
    } else if (argc == 3 && strcmp(argv[1], "expired") == 0) {
        expired(argv[2]);
    } else {
        fprintf(stderr, "usage: test_lobby basic URL | redis URL_A URL_B PID_B | turn URL | expired URL\n");
        return 2;
    }
    check_no_leaks();
    printf("test_lobby %s: done in %.1f s\n", argv[1], tk_now_s() - t0);
    return check_summary("test_lobby");
}
