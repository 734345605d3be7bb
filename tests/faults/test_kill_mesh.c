//go:build ignore

/* test_kill_mesh: kill -9 of a mesh server and of a mesh client.
 *
 * A mesh server (meshrtc_mesh_create_server) and a client (create_client,
 * id 2) run in two processes, each with one peer connection (default ICE
 * timeouts, as a game has them) signaled over a socket, and send reliable
 * packets to each other. Once they are connected, one process is killed
 * with SIGKILL:
 *  - the server: the client must report peer_disconnected(1), then
 *    server_disconnected(1), and its connection status becomes
 *    DISCONNECTED;
 *  - the client: the server must report peer_disconnected(2), no longer
 *    have peer 2 and stay CONNECTED.
 * The time from the kill to peer_disconnected is a figure; the waits are
 * hang guards only. */
#include "proc.h"

#define CLIENT_ID 2
#define FLOWING 5 /* packets the survivor takes before the kill */
#define MAX_EVENTS 16

typedef struct mesh_end {
    rlink l;
    meshrtc_mesh mesh;
    int server;
    int32_t remote; /* the other end's id */
    int32_t events[MAX_EVENTS], event_peers[MAX_EVENTS];
    double event_at[MAX_EVENTS];
    int n_events;
    int64_t rx;
    double next_send;
} mesh_end;

static void mesh_end_open(mesh_end *m, const char *name, int fd, int server) {
    memset(m, 0, sizeof *m);
    m->server = server;
    m->remote = server ? CLIENT_ID : 1;
    TK_MUST(meshrtc_mesh_create(&m->mesh), 0);
    if (server) {
        TK_MUST(meshrtc_mesh_create_server(m->mesh, NULL, 0), m->mesh);
    } else {
        TK_MUST(meshrtc_mesh_create_client(m->mesh, CLIENT_ID, NULL, 0), m->mesh);
    }
    rl_open(&m->l, name, fd, LOOPBACK_CONFIG);
    TK_MUST(meshrtc_mesh_add_peer(m->mesh, m->l.peer, m->remote, 1), m->mesh);
    if (server) TK_MUST(meshrtc_peer_create_offer(m->l.peer), m->l.peer);
}

/* The index of the first event of type (-1 if none). */
static int mesh_event(const mesh_end *m, int32_t type) {
    for (int i = 0; i < m->n_events; i++) {
        if (m->events[i] == type) return i;
    }
    return -1;
}

static int mesh_connected(const mesh_end *m) { return mesh_event(m, MESHRTC_MESH_EVENT_PEER_CONNECTED) >= 0; }

static int mesh_disconnected(const mesh_end *m) { return mesh_event(m, MESHRTC_MESH_EVENT_PEER_DISCONNECTED) >= 0; }

static int32_t mesh_status(const mesh_end *m) {
    int32_t s = -1;
    CHECK_OK(meshrtc_mesh_get_connection_status(m->mesh, &s), m->mesh);
    return s;
}

/* Host work: signaling, the mesh's poll and events, every packet taken,
 * and a reliable packet to the other end every 20 ms while it is there. */
static void mesh_end_step(mesh_end *m) {
    int32_t type, peer, avail = 0, len;
    const uint8_t *data;
    static const uint8_t hello[] = "hello";
    rl_pump(&m->l);
    CHECK_OK(meshrtc_mesh_poll(m->mesh), m->mesh);
    while (meshrtc_mesh_next_event(m->mesh, &type, &peer) == MESHRTC_OK) {
        if (m->n_events == MAX_EVENTS) {
            CHECK(0, "%s: more than %d mesh events", m->l.name, MAX_EVENTS);
            break;
        }
        m->events[m->n_events] = type;
        m->event_peers[m->n_events] = peer;
        m->event_at[m->n_events++] = tk_now_s();
        CHECK(peer == m->remote, "%s: mesh event %d for peer %d, want %d", m->l.name, type, peer, m->remote);
    }
    while (meshrtc_mesh_get_available_packet_count(m->mesh, &avail) == MESHRTC_OK && avail > 0) {
        CHECK_OK(meshrtc_mesh_get_packet(m->mesh, &data, &len), m->mesh);
        m->rx++;
    }
    if (mesh_connected(m) && !mesh_disconnected(m) && tk_now_s() >= m->next_send) {
        m->next_send = tk_now_s() + 0.02;
        CHECK_OK(meshrtc_mesh_set_target_peer(m->mesh, m->remote), m->mesh);
        CHECK_OK(meshrtc_mesh_put_packet(m->mesh, hello, (int32_t)sizeof hello), m->mesh);
    }
}

static void mesh_end_close(mesh_end *m) {
    CHECK_OK(meshrtc_mesh_destroy(m->mesh), m->mesh);
    rl_close(&m->l);
}

/* The child: one end of the session, until it is killed or the parent
 * goes away. */
static int child_main(int fd, const char *role) {
    mesh_end m;
    double deadline = tk_now_s() + 120.0;
    mesh_end_open(&m, role, fd, strcmp(role, "server") == 0);
    while (!m.l.remote_gone && tk_now_s() < deadline) {
        mesh_end_step(&m);
        tk_sleep_ms(1);
    }
    mesh_end_close(&m);
    close(fd);
    return proc_child_finish("test_kill_mesh child");
}

/* The parent is the end that survives; the child (the other role) is killed. */
static void kill_other(int parent_is_server) {
    proc_child child;
    mesh_end m;
    int ok, i_disc, i_server_disc;
    int32_t has = -1;
    double t_kill;
    const char *killed = parent_is_server ? "client" : "server";
    char name[96];
    proc_spawn(&child, "mesh", killed);
    mesh_end_open(&m, parent_is_server ? "server" : "client", child.fd, parent_is_server);
    FAULT_UNTIL(ok, mesh_connected(&m) && m.rx >= FLOWING, 20.0, "peer_connected and packets", mesh_end_step(&m));
    if (ok) {
        CHECK(mesh_status(&m) == MESHRTC_CONNECTION_CONNECTED, "%s: status %d before the kill", m.l.name,
              mesh_status(&m));
        t_kill = tk_now_s();
        CHECK(proc_kill(&child), "the child did not die of SIGKILL");
        FAULT_UNTIL(ok, mesh_disconnected(&m), 60.0, "peer_disconnected after kill -9", mesh_end_step(&m));
        /* Late events (server_disconnected) have a moment to arrive. */
        for (double until = tk_now_s() + 0.5; tk_now_s() < until; tk_sleep_ms(1)) mesh_end_step(&m);
        i_disc = mesh_event(&m, MESHRTC_MESH_EVENT_PEER_DISCONNECTED);
        i_server_disc = mesh_event(&m, MESHRTC_MESH_EVENT_SERVER_DISCONNECTED);
        if (ok) {
            snprintf(name, sizeof name, "kill_mesh.%s_killed.to_peer_disconnected", killed);
            figure(name, m.event_at[i_disc] - t_kill, "s");
        }
        CHECK_OK(meshrtc_mesh_has_peer(m.mesh, m.remote, &has), m.mesh);
        CHECK(has == 0, "%s: peer %d still in the mesh after peer_disconnected", m.l.name, m.remote);
        if (parent_is_server) {
            CHECK(i_server_disc < 0, "server: server_disconnected event on the server");
            CHECK(mesh_status(&m) == MESHRTC_CONNECTION_CONNECTED, "server: status %d after a client left, want %d",
                  mesh_status(&m), MESHRTC_CONNECTION_CONNECTED);
        } else {
            CHECK(i_server_disc >= 0, "client: no server_disconnected event after the server was killed");
            CHECK(i_server_disc < 0 || i_disc < i_server_disc,
                  "client: server_disconnected came before peer_disconnected");
            CHECK(mesh_status(&m) == MESHRTC_CONNECTION_DISCONNECTED, "client: status %d, want DISCONNECTED (%d)",
                  mesh_status(&m), MESHRTC_CONNECTION_DISCONNECTED);
        }
    }
    proc_kill(&child);
    proc_close(&child);
    mesh_end_close(&m);
}

static void kill_server(void) { kill_other(0); }
static void kill_client(void) { kill_other(1); }

int main(int argc, char **argv) {
    static const fault_named_case cases[] = {
        {"kill -9 of the mesh server: the client sees peer_disconnected(1), DISCONNECTED", kill_server},
        {"kill -9 of a mesh client: the server sees peer_disconnected(2)", kill_client},
    };
    return proc_main(argc, argv, child_main, "test_kill_mesh", cases, sizeof cases / sizeof cases[0]);
}
