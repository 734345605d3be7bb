/*
 * meshrtc.h - Godot's WebRTC API (WebRTCPeerConnection, WebRTCDataChannel,
 * WebRTCMultiplayerPeer) as a C library. This header is the specification.
 *
 * GLOBAL RULES (they apply to every function below)
 *
 * Objects and handles. A peer (WebRTCPeerConnection), a channel
 * (WebRTCDataChannel), a mesh (WebRTCMultiplayerPeer) and a lobby client
 * (@since 0.4.0) are named by 64-bit handles. Handles are never reused, carry their kind, and 0 is never valid.
 * Passing 0, a handle of the wrong kind or a value that is no kind of handle
 * returns MESHRTC_ERR_INVALID_PARAMETER; a handle of the right kind that was
 * destroyed (or never existed) returns MESHRTC_ERR_DOES_NOT_EXIST. Neither ever crashes. `*_close` changes state
 * and may be called any number of times; `*_destroy` releases the handle and
 * its memory. Every handle a function gives out (create, or a channel
 * received through an event) belongs to the caller, who must destroy it,
 * unless the function says another object owns it (a mesh's channels, a
 * lobby's mesh).
 *
 * Errors. Every fallible function returns int32_t using Godot's Error
 * numbering (MESHRTC_OK = 0, ...), so Godot bindings pass them on unchanged.
 * Results come through out-parameters, which must not be NULL unless the
 * function says so; nothing is written to them on failure unless documented.
 * After a failure, meshrtc_last_error() on the same handle (or on 0 for the
 * calling thread) returns a message naming the problem. An internal fault
 * returns MESHRTC_ERR_BUG with a message; the library never lets it crash the
 * process.
 *
 * Strings and bytes. Input strings are UTF-8, NUL-terminated and borrowed for
 * the duration of the call; invalid UTF-8 returns MESHRTC_ERR_INVALID_PARAMETER.
 * Byte inputs are (const uint8_t *data, int32_t len), borrowed for the call;
 * data may be NULL only when len is 0. Text outputs use the size protocol:
 * `(char *buf, int32_t cap, int32_t *out_len)` - *out_len always receives the
 * length in bytes without the terminating NUL; when cap < *out_len + 1 the
 * function returns MESHRTC_ERR_PARAMETER_RANGE_ERROR and consumes nothing
 * (call again with a larger buffer); buf may be NULL when cap is 0.
 * Pointers the library returns (packets, event strings) point to memory the
 * library owns; each function says how long it stays valid. Never free them.
 *
 * Threads. Every function may be called from any thread and none waits on the
 * network. Network work runs on the library's own threads, which never call
 * into the host: events and packets are queued, and the host takes them with
 * `*_next_event` and `*_get_packet` on its own thread (Godot's poll() model).
 * Calls on one object are serialized internally; when two threads consume the
 * same object's queue, each item goes to exactly one of them.
 *
 * Forged datagrams. Anyone who knows a connection's addresses can send it
 * datagrams from its remote's address and port. The library's UDP sockets
 * drop, before DTLS reads them, datagrams carrying a DTLS record no peer
 * sends: a ChangeCipherSpec other than the handshake's (epoch 0, the single
 * byte 1) or application data in the plaintext epoch 0, sent directly or
 * relayed by a TURN server over UDP (ChannelData, Data indications). After
 * the handshake the DTLS stack discards plaintext alerts, garbage and
 * truncated records. None of these closes or stalls a connected peer; the
 * fault tests send each one. During the handshake a forged plaintext alert
 * can still fail it: DTLS 1.2 cannot authenticate one.
 *
 * Loading. The library contains a Go runtime: it can never be unloaded
 * (dlclose/FreeLibrary does not release it) and only one Go-built shared
 * library should be loaded per process. meshrtc_shutdown() releases every
 * object; the library stays usable afterwards (editor reloads, Unity domain
 * reloads).
 *
 * Godot 4 mapping. Every virtual of WebRTCPeerConnectionExtension and
 * WebRTCDataChannelExtension maps to one function here; the table is in the
 * README ("Godot method -> C function").
 */
#ifndef MESHRTC_H
#define MESHRTC_H

#include <stdint.h>

/* Linkage. MESHRTC_API opens every function declaration below. On Windows it
 * is __declspec(dllimport): programs link against meshrtc.dll through its
 * import library (meshrtc.lib for MSVC, libmeshrtc.dll.a for MinGW) and call
 * the DLL's functions without import thunks. Elsewhere it is empty. Define it
 * before including this header to override it (e.g. empty, to declare the
 * functions for a static link). @since 0.3.0 */
#ifndef MESHRTC_API
#if defined(_WIN32)
#define MESHRTC_API __declspec(dllimport)
#else
#define MESHRTC_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- versions */

/* Library version this header describes. @since 0.1.0 */
#define MESHRTC_VERSION_MAJOR 0
#define MESHRTC_VERSION_MINOR 4
#define MESHRTC_VERSION_PATCH 0
/* ABI version: changes only when a published signature or struct changes.
 * Compare it with meshrtc_abi_version() before any other call. @since 0.1.0 */
#define MESHRTC_ABI_VERSION 1

/* ------------------------------------------------------------------ errors */

/* Godot's Error values (core/error/error_list.h). @since 0.1.0 */
#define MESHRTC_OK 0
#define MESHRTC_FAILED 1
#define MESHRTC_ERR_UNAVAILABLE 2
#define MESHRTC_ERR_UNCONFIGURED 3
#define MESHRTC_ERR_UNAUTHORIZED 4
#define MESHRTC_ERR_PARAMETER_RANGE_ERROR 5
#define MESHRTC_ERR_OUT_OF_MEMORY 6
#define MESHRTC_ERR_TIMEOUT 24
#define MESHRTC_ERR_CONNECTION_ERROR 27
#define MESHRTC_ERR_INVALID_DATA 30
#define MESHRTC_ERR_INVALID_PARAMETER 31
#define MESHRTC_ERR_ALREADY_EXISTS 32
#define MESHRTC_ERR_DOES_NOT_EXIST 33
#define MESHRTC_ERR_BUSY 44
#define MESHRTC_ERR_BUG 47

/* ----------------------------------------------------------------- handles */

/* Handles; 0 is never valid. @since 0.1.0 */
typedef int64_t meshrtc_peer;
typedef int64_t meshrtc_channel;
typedef int64_t meshrtc_mesh;

/* ------------------------------------------------------------------ states */

/*
 * WebRTCPeerConnection.ConnectionState. The rules of the W3C
 * RTCPeerConnectionState, with three differences a game can rely on
 * (@since 0.3.0):
 *  - FAILED stays until the host closes or re-initializes the connection.
 *  - A connection that closes before it was ever CONNECTED (a failed DTLS
 *    handshake: wrong fingerprint, a fatal alert) is FAILED, not CLOSED.
 *  - A connection not CONNECTED within iceDisconnectedTimeoutMs +
 *    iceFailedTimeoutMs (default 30 s) of starting to connect is FAILED.
 * Once the connection is FAILED or CLOSED, every channel of it is
 * MESHRTC_CHANNEL_STATE_CLOSED: put_packet fails and what was buffered for
 * sending is dropped (its buffered amount reads 0); received packets stay
 * readable. @since 0.1.0
 */
#define MESHRTC_STATE_NEW 0
#define MESHRTC_STATE_CONNECTING 1
#define MESHRTC_STATE_CONNECTED 2
#define MESHRTC_STATE_DISCONNECTED 3
#define MESHRTC_STATE_FAILED 4
#define MESHRTC_STATE_CLOSED 5

/* WebRTCPeerConnection.GatheringState. @since 0.1.0 */
#define MESHRTC_GATHERING_STATE_NEW 0
#define MESHRTC_GATHERING_STATE_GATHERING 1
#define MESHRTC_GATHERING_STATE_COMPLETE 2

/* WebRTCPeerConnection.SignalingState. @since 0.1.0 */
#define MESHRTC_SIGNALING_STATE_STABLE 0
#define MESHRTC_SIGNALING_STATE_HAVE_LOCAL_OFFER 1
#define MESHRTC_SIGNALING_STATE_HAVE_REMOTE_OFFER 2
#define MESHRTC_SIGNALING_STATE_HAVE_LOCAL_PRANSWER 3
#define MESHRTC_SIGNALING_STATE_HAVE_REMOTE_PRANSWER 4
#define MESHRTC_SIGNALING_STATE_CLOSED 5

/* WebRTCDataChannel.ChannelState. @since 0.1.0 */
#define MESHRTC_CHANNEL_STATE_CONNECTING 0
#define MESHRTC_CHANNEL_STATE_OPEN 1
#define MESHRTC_CHANNEL_STATE_CLOSING 2
#define MESHRTC_CHANNEL_STATE_CLOSED 3

/* WebRTCDataChannel.WriteMode. @since 0.1.0 */
#define MESHRTC_WRITE_MODE_TEXT 0
#define MESHRTC_WRITE_MODE_BINARY 1

/* Log levels (pion's numbering). @since 0.1.0 */
#define MESHRTC_LOG_NONE 0
#define MESHRTC_LOG_ERROR 1
#define MESHRTC_LOG_WARN 2
#define MESHRTC_LOG_INFO 3
#define MESHRTC_LOG_DEBUG 4
#define MESHRTC_LOG_TRACE 5

/* ------------------------------------------------------------------ events */

/* Peer event types (meshrtc_peer_event.type). @since 0.1.0 */
#define MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED 1 /* sdp_type, sdp */
#define MESHRTC_EVENT_ICE_CANDIDATE_CREATED 2       /* media, index, name */
#define MESHRTC_EVENT_DATA_CHANNEL_RECEIVED 3       /* channel */
#define MESHRTC_EVENT_CONNECTION_STATE_CHANGED 4    /* state: MESHRTC_STATE_* */
#define MESHRTC_EVENT_GATHERING_STATE_CHANGED 5     /* state: MESHRTC_GATHERING_STATE_* */
#define MESHRTC_EVENT_SIGNALING_STATE_CHANGED 6     /* state: MESHRTC_SIGNALING_STATE_* */

/*
 * One queued peer event: Godot's signals session_description_created(type,
 * sdp), ice_candidate_created(media, index, name), data_channel_received
 * (channel), plus state changes. State events of each kind come in the order
 * the states were entered, never repeat the previous state of their kind,
 * and the last one always equals what the matching get_*_state returns (a
 * state that lasted only as long as a thread switch may be skipped; since
 * 0.3.0, before which they could arrive out of order). Only the fields named for the type are set;
 * the other pointers are NULL and numbers 0. Strings are UTF-8, NUL-terminated,
 * owned by the library and valid until the next meshrtc_peer_next_event on the
 * same peer or its destroy. For DATA_CHANNEL_RECEIVED, channel is a new handle
 * owned by the caller. @since 0.1.0
 */
typedef struct meshrtc_peer_event {
    int32_t type;            /* MESHRTC_EVENT_* */
    int32_t state;           /* *_STATE_CHANGED: the new state */
    int32_t index;           /* ICE_CANDIDATE_CREATED: m-line index */
    int32_t reserved;        /* always 0 */
    meshrtc_channel channel; /* DATA_CHANNEL_RECEIVED */
    const char *sdp_type;    /* SESSION_DESCRIPTION_CREATED: "offer" or "answer" */
    const char *sdp;         /* SESSION_DESCRIPTION_CREATED */
    const char *media;       /* ICE_CANDIDATE_CREATED: the media id (sdpMid) */
    const char *name;        /* ICE_CANDIDATE_CREATED: "candidate:..." */
} meshrtc_peer_event;

/* ------------------------------------------------------------------- stats */

/* ICE type of one end of the selected candidate pair. @since 0.1.0 */
#define MESHRTC_CANDIDATE_NONE 0 /* no pair selected (not connected) */
#define MESHRTC_CANDIDATE_HOST 1
#define MESHRTC_CANDIDATE_SRFLX 2
#define MESHRTC_CANDIDATE_PRFLX 3
#define MESHRTC_CANDIDATE_RELAY 4

/* The connection's selected candidate pair (meshrtc_peer_get_stats). @since 0.1.0 */
typedef struct meshrtc_peer_stats {
    int32_t local_candidate_type;  /* MESHRTC_CANDIDATE_* */
    int32_t remote_candidate_type; /* MESHRTC_CANDIDATE_* */
    int64_t rtt_us;                /* current round-trip time in microseconds, -1 while unknown */
    int64_t bytes_sent;            /* on the selected pair, all protocol layers */
    int64_t bytes_received;
    int64_t packets_sent;
    int64_t packets_received;
} meshrtc_peer_stats;

/* One channel's counters (meshrtc_channel_get_stats). @since 0.1.0 */
typedef struct meshrtc_channel_stats {
    int64_t messages_sent;
    int64_t messages_received; /* by the network, whether or not the host took them yet */
    int64_t bytes_sent;        /* message payload bytes */
    int64_t bytes_received;
} meshrtc_channel_stats;

/* ----------------------------------------------------------------- batches */

/*
 * One packet of a batched get (meshrtc_channel_get_packets,
 * meshrtc_mesh_get_packets): the packets lie one after another in the
 * caller's buffer, each size bytes, in the order of this array. @since 0.4.0
 */
typedef struct meshrtc_packet_info {
    int32_t size;      /* bytes of this packet in the buffer */
    int32_t is_string; /* 1: sent as text (was_string_packet) */
    int32_t peer_id;   /* mesh: the sender's id (get_packet_peer); channel: 0 */
    int32_t channel;   /* mesh: get_packet_channel; channel: 0 */
    int32_t mode;      /* mesh: MESHRTC_TRANSFER_MODE_* (get_packet_mode); channel: 0 */
    int32_t reserved;  /* always 0 */
} meshrtc_packet_info;

/* -------------------------------------------------------------------- mesh */

/* MultiplayerPeer.TransferMode. @since 0.1.0 */
#define MESHRTC_TRANSFER_MODE_UNRELIABLE 0
#define MESHRTC_TRANSFER_MODE_UNRELIABLE_ORDERED 1
#define MESHRTC_TRANSFER_MODE_RELIABLE 2

/* MultiplayerPeer.ConnectionStatus. @since 0.1.0 */
#define MESHRTC_CONNECTION_DISCONNECTED 0
#define MESHRTC_CONNECTION_CONNECTING 1
#define MESHRTC_CONNECTION_CONNECTED 2

/* Mesh event types (meshrtc_mesh_next_event). @since 0.1.0 */
#define MESHRTC_MESH_EVENT_PEER_CONNECTED 101       /* peer_connected(id) */
#define MESHRTC_MESH_EVENT_PEER_DISCONNECTED 102    /* peer_disconnected(id) */
#define MESHRTC_MESH_EVENT_CONNECTION_SUCCEEDED 103 /* Godot 3: connection_succeeded (id 1) */
#define MESHRTC_MESH_EVENT_CONNECTION_FAILED 104    /* the link to peer 1 failed before connecting (id 1) */
#define MESHRTC_MESH_EVENT_SERVER_DISCONNECTED 105  /* peer 1 left (id 1) */

/* ------------------------------------------------------------------- lobby */

/* A lobby client (meshrtc_lobby_*). @since 0.4.0 */
typedef int64_t meshrtc_lobby;

/* Lobby event types (meshrtc_lobby_event.type). @since 0.4.0 */
#define MESHRTC_LOBBY_EVENT_JOINED 201      /* text: the lobby's name */
#define MESHRTC_LOBBY_EVENT_CONNECTED 202   /* peer_id: this client's id; mesh */
#define MESHRTC_LOBBY_EVENT_PEER_JOINED 203 /* peer_id */
#define MESHRTC_LOBBY_EVENT_PEER_LEFT 204   /* peer_id */
#define MESHRTC_LOBBY_EVENT_SEALED 205      /* (no fields) */
#define MESHRTC_LOBBY_EVENT_ERROR 206       /* code: a MESHRTC_* error; text */
#define MESHRTC_LOBBY_EVENT_CLOSED 207      /* code: WebSocket close code; text: reason */

/* MESHRTC_LOBBY_EVENT_CLOSED's code when no close frame came: the
 * connection could not be opened or broke (WebSocket status 1006).
 * @since 0.4.0 */
#define MESHRTC_LOBBY_CLOSE_ABNORMAL 1006

/*
 * One queued lobby event (meshrtc_lobby_next_event):
 *  - JOINED: the server put this client into a lobby; text is its name (for
 *    a new lobby, the 16-character code the others join with).
 *  - CONNECTED: the server gave this client its peer id (peer_id; 1 is the
 *    lobby's host) and the lobby's mode (mesh: 1 mesh, 0 server mode); the
 *    lobby's mesh is configured with them from now on.
 *  - PEER_JOINED: peer peer_id is in the lobby: one per member already there
 *    when this client joined, then one per newcomer (in server mode a client
 *    hears of the other clients too but connects to the host only).
 *  - PEER_LEFT: peer peer_id left the lobby; its connection is removed from
 *    the mesh (the mesh queues PEER_DISCONNECTED if it had connected).
 *  - SEALED: the host sealed the lobby: nobody else can join; the server
 *    closes it shortly (CLOSED), and the mesh stays.
 *  - ERROR: something failed that does not end the lobby connection (a
 *    connection to a peer that could not be set up, a message from the
 *    server that could not be applied); code is the failure's MESHRTC_*
 *    error, text says what.
 *  - CLOSED: the lobby connection ended; always the last event. code is the
 *    server's WebSocket close code (meshrtc-lobby: 1000 after a seal, 1001
 *    when shutting down, 4000 when it refused something, e.g. "Room host has
 *    disconnected", "Lobby does not exists") or MESHRTC_LOBBY_CLOSE_ABNORMAL;
 *    text is the server's reason, or what went wrong. Unless the lobby was
 *    sealed, the mesh is closed too (as Godot's demo clients stop on an
 *    unexpected disconnect): its peers are removed, with PEER_DISCONNECTED
 *    for those that had connected.
 * Fields a type does not name are 0 and text is NULL. text is UTF-8,
 * NUL-terminated, owned by the library and valid until the next
 * meshrtc_lobby_next_event on the same lobby or its destroy. @since 0.4.0
 */
typedef struct meshrtc_lobby_event {
    int32_t type;     /* MESHRTC_LOBBY_EVENT_* */
    int32_t peer_id;  /* CONNECTED, PEER_JOINED, PEER_LEFT */
    int32_t mesh;     /* CONNECTED: 1 mesh mode, 0 server mode */
    int32_t code;     /* ERROR, CLOSED */
    const char *text; /* JOINED, ERROR, CLOSED */
} meshrtc_lobby_event;

/* The library's own build defines MESHRTC_TYPES_ONLY to take the types above
 * and below without the prototypes (cgo declares them without const). */
#ifndef MESHRTC_TYPES_ONLY

/* ----------------------------------------------------------------- library */

/*
 * meshrtc_abi_version - the ABI version of the loaded library.
 * Returns MESHRTC_ABI_VERSION as the library was built; a binding compares it
 * with the header's and refuses to run on a mismatch. Never fails.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_abi_version(void);

/*
 * meshrtc_version - the library version (MESHRTC_VERSION_* of its build).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER if an out-parameter is NULL.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_version(int32_t *out_major, int32_t *out_minor, int32_t *out_patch);

/*
 * meshrtc_last_error - the message of the last failed call.
 * handle: an object's handle for that object's last failure, or 0 for the
 * last failure of any call made on the calling thread (e.g. a failed create).
 * An object that never failed, or a thread without failures, gives "".
 * Uses the size protocol (see GLOBAL RULES); reading does not clear it, and
 * a failure of meshrtc_last_error itself records no message (so the message
 * being read is never overwritten).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_len NULL, cap < 0, buf NULL with
 * cap > 0, wrong-kind handle), MESHRTC_ERR_DOES_NOT_EXIST (destroyed or
 * unknown handle), MESHRTC_ERR_PARAMETER_RANGE_ERROR (buffer too small).
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_last_error(int64_t handle, char *buf, int32_t cap, int32_t *out_len);

/*
 * meshrtc_log_set_level - capture library log lines for the host.
 * With a level above MESHRTC_LOG_NONE, lines at or below it are queued (up to
 * 1024; the oldest are dropped first) for meshrtc_log_next instead of being
 * printed. MESHRTC_LOG_NONE (the default) empties the queue and prints lines
 * to stderr at the level named by the environment variable MESHRTC_LOG_LEVEL
 * (none, error, warn, info, debug, trace; default error).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER if level is not 0..5.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_log_set_level(int32_t level);

/*
 * meshrtc_log_next - take the oldest captured log line.
 * *out_level receives its MESHRTC_LOG_* level and buf the text
 * ("<subsystem>: <message>") with the size protocol; a line that does not fit
 * stays queued.
 * Errors: MESHRTC_ERR_UNAVAILABLE (no line queued), MESHRTC_ERR_INVALID_PARAMETER
 * (NULL out-parameter, cap < 0, buf NULL with cap > 0),
 * MESHRTC_ERR_PARAMETER_RANGE_ERROR (buffer too small).
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_log_next(int32_t *out_level, char *buf, int32_t cap, int32_t *out_len);

/*
 * meshrtc_set_gc - tune the garbage collector of the library's Go runtime
 * (one per process, serving every object), trading memory for CPU.
 * gc_percent: the heap growth, in percent of the live heap, that starts the
 * next collection (Go's GOGC; default 100, or the GOGC environment variable
 * when the library was loaded): 10..10000, or -1 to leave it. Higher values
 * spend less CPU collecting and keep more memory.
 * memory_limit: a soft limit in bytes on the runtime's memory, near which it
 * collects more often (Go's GOMEMLIMIT): at least 1048576, 0 for no limit,
 * or -1 to leave it.
 * *out_gc_percent and *out_memory_limit (each may be NULL) receive the
 * settings in effect after the call: the percent, or -1 if collection was
 * turned off with GOGC=off; the limit, or 0 for none. Call with -1, -1 to
 * read them.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (a value out of range; nothing is
 * changed).
 * @since 0.2.0
 */
MESHRTC_API int32_t meshrtc_set_gc(int32_t gc_percent, int64_t memory_limit, int32_t *out_gc_percent, int64_t *out_memory_limit);

/*
 * meshrtc_shutdown - close and destroy every object the host left alive.
 * *out_leaked (may be NULL) receives how many handles were still alive: 0
 * when the host destroyed everything it was given. Every handle is invalid
 * afterwards; new objects can be created at once. Never fails.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_shutdown(int32_t *out_leaked);

/*
 * meshrtc_wait - block the calling thread until a packet or event has been
 * queued on any object since the previous meshrtc_wait returned (at once if
 * one was), or until timeout_us microseconds pass. *out_arrived (may be
 * NULL) receives 1 if something arrived, 0 on timeout; then poll and take
 * as usual. timeout_us 0 only checks. While the thread waits here the
 * library's own work runs on every core (a thread that sleeps or spins in
 * the host's code keeps one of the Go runtime's processors idle until the
 * runtime takes it back).
 * Use it in a loop that has nothing else to do until the next message: a
 * dedicated server, a network thread, a frame loop's idle time before the
 * next frame is due (wait for the rest of the frame instead of sleeping).
 * Don't use it on a thread that must render or run the game at a fixed rate
 * without a timeout that fits, and don't call it from several threads at
 * once: one arrival wakes one waiter. Mesh events are queued by
 * meshrtc_mesh_poll on the host's thread and so never wake a wait.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (timeout_us < 0).
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_wait(int64_t timeout_us, int32_t *out_arrived);

/* -------------------------------------------------------------------- peer */


/*
 * meshrtc_peer_create - a new peer connection in MESHRTC_STATE_NEW, set up
 * with the default configuration (as webrtc-native does). Call
 * meshrtc_peer_initialize to choose ICE servers and options.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_peer NULL), MESHRTC_FAILED.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_create(meshrtc_peer *out_peer);

/*
 * meshrtc_peer_destroy - close the connection and release the handle.
 * The peer's channels close; their handles stay valid until destroyed.
 * Errors: invalid handle (see GLOBAL RULES).
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_destroy(meshrtc_peer peer);

/*
 * meshrtc_peer_initialize - WebRTCPeerConnection.initialize(configuration).
 * config_json is a JSON object (NULL or "" mean {}): W3C keys "iceServers"
 * ([{"urls": "..." or [...], "username": "...", "credential": "..."}]) and
 * "iceTransportPolicy" ("all" or "relay"), plus a "meshrtc" object of library
 * options: "interfaces" (array of allowed interface names), "addresses" (array
 * of allowed local IP addresses or CIDR prefixes, e.g. ["127.0.0.1"] for
 * loopback on every OS whatever its loopback interface is named; with
 * "interfaces" too, an address must pass both; @since 0.4.0), "includeLoopback"
 * (bool), "mdns" ("disabled", "query" (default), "gather"), "portMin" and
 * "portMax" (UDP range), "ipv4", "ipv6" (bool, default true), "maxMessageSize"
 * (bytes, default 262144, advertised in the SDP), "receiveQueuePackets"
 * (per channel, default 4096), "receiveQueueBytes" (per channel, default
 * 4 MiB), "eventQueueLimit" (default 1024, 16 to 2147483647: fewer could
 * not hold the events of one connection's setup), "sendBufferLimit" (bytes a
 * channel may have buffered for sending, default 16777216 as browsers; see
 * meshrtc_channel_put_packet; @since 0.3.0), "iceDisconnectedTimeoutMs"
 * (default 5000), "iceFailedTimeoutMs" (default 25000), "iceKeepaliveMs"
 * (default 2000; the ICE stack pings at least every 2 s whatever is set, so
 * only smaller values change anything), "hostAcceptanceWaitMs",
 * "srflxAcceptanceWaitMs", "prflxAcceptanceWaitMs", "relayAcceptanceWaitMs",
 * "udpReceiveBuffer" (bytes asked for the receive buffer of each UDP socket
 * ICE opens, default 1048576, 0 = the operating system's default; the OS may
 * grant less, Linux up to net.core.rmem_max: a larger buffer keeps bursts
 * from being dropped by the kernel, which costs reliable channels a
 * retransmission and unreliable ones the message), and SCTP's retransmission
 * and congestion control, 0 meaning the SCTP stack's own value for each
 * (@since 0.3.0): "sctpRtoMaxMs" (cap of the retransmission timeout and its
 * back-off, 0 to 60000, default 500; the stack's minimum timeout is 1 s, so
 * a cap below 1 s is a fixed timeout, and the stack's own cap is 60 s, which
 * stalls reliable data for minutes under heavy loss; it also spaces the 8
 * retries of the association's set-up: too small a value lets a lossy
 * connection fail before its channels open), "sctpMinCwnd" (floor of the
 * congestion window in bytes, default 65536; the stack's is one packet),
 * "sctpFastRtxWnd" (bytes one fast retransmission may resend, default
 * 65536; the stack's is one packet), "sctpCwndCaStep" (growth of the
 * congestion window per round trip in congestion avoidance, bytes, default
 * 0); each of the last three 0 to 67108864.
 * Unknown keys inside "meshrtc" are errors; unknown top-level keys are logged
 * as warnings and ignored. Re-initializing closes the previous connection and
 * its channels and drops its queued events; the peer is back in STATE_NEW.
 * The peer keeps its DTLS certificate (and so its fingerprint) across
 * re-initializations while the certificate is valid.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (malformed JSON, bad value, unknown
 * meshrtc key; the previous connection is kept), MESHRTC_FAILED (the DTLS
 * certificate could not be made; the previous connection is kept), invalid
 * handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_initialize(meshrtc_peer peer, const char *config_json);

/*
 * meshrtc_peer_create_data_channel - WebRTCPeerConnection.create_data_channel.
 * Only allowed while the connection is MESHRTC_STATE_NEW. options_json (NULL
 * or "" mean {}): "negotiated" (bool), "id" (0..65534, required with and only
 * allowed with negotiated), "ordered" (bool, default true), "protocol"
 * (string), "maxRetransmits" (0..65535) or "maxPacketLifeTime" (ms, 0..65535;
 * the spelling "maxPacketLifetime" is accepted too) - not both. Unknown keys
 * are logged and ignored.
 * On success *out_channel receives a new handle owned by the caller.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (NULL label or out_channel, bad
 * options), MESHRTC_ERR_UNAVAILABLE (connection not in STATE_NEW), invalid
 * handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_create_data_channel(meshrtc_peer peer, const char *label, const char *options_json,
                                                     meshrtc_channel *out_channel);

/*
 * meshrtc_peer_create_offer - WebRTCPeerConnection.create_offer.
 * Queues a MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED event with the offer; the
 * host sends it to the remote peer and passes it to
 * meshrtc_peer_set_local_description.
 * Allowed in signaling states STABLE and HAVE_LOCAL_OFFER (a new offer);
 * in any other state it fails and queues nothing.
 * Errors: MESHRTC_ERR_UNCONFIGURED (no data channel created yet),
 * MESHRTC_ERR_UNAVAILABLE (connection closed), MESHRTC_FAILED (wrong
 * signaling state, e.g. HAVE_REMOTE_OFFER: the host answers instead),
 * invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_create_offer(meshrtc_peer peer);

/*
 * meshrtc_peer_set_local_description - WebRTCPeerConnection.set_local_description.
 * type is "offer", "answer" or "pranswer". Starts ICE gathering: candidates
 * arrive as MESHRTC_EVENT_ICE_CANDIDATE_CREATED events.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (NULL or unknown type, NULL sdp),
 * MESHRTC_ERR_INVALID_DATA (malformed SDP), MESHRTC_FAILED (rejected in the
 * current signaling state), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_set_local_description(meshrtc_peer peer, const char *type, const char *sdp);

/*
 * meshrtc_peer_set_remote_description - WebRTCPeerConnection.set_remote_description.
 * Applies the description, then any candidates added before it. For an
 * "offer" it queues a MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED event with
 * the answer.
 * Errors: as meshrtc_peer_set_local_description.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_set_remote_description(meshrtc_peer peer, const char *type, const char *sdp);

/*
 * meshrtc_peer_add_ice_candidate - WebRTCPeerConnection.add_ice_candidate.
 * media is the media id, index the m-line index, name the candidate line
 * ("candidate:..."; "" means end of candidates). Candidates that arrive
 * before the remote description are held (up to 256) and applied with it.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (NULL string, index out of 0..65535,
 * malformed candidate), MESHRTC_ERR_OUT_OF_MEMORY (more than 256 held),
 * MESHRTC_FAILED (rejected by the connection), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_add_ice_candidate(meshrtc_peer peer, const char *media, int32_t index, const char *name);

/*
 * meshrtc_peer_poll - WebRTCPeerConnection.poll.
 * States, channels and their packet queues are updated as the network
 * delivers, so a poll is cheap; it exists so hosts keep Godot's model. Take
 * events with meshrtc_peer_next_event after polling.
 * Errors: invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_poll(meshrtc_peer peer);

/*
 * meshrtc_peer_next_event - take the oldest queued event.
 * Fills *out_event (see meshrtc_peer_event for string lifetimes). Events hold
 * Godot's signals in the order they happened, up to eventQueueLimit; when
 * the host does not drain them, newer events are dropped and an error is
 * logged.
 * Errors: MESHRTC_ERR_UNAVAILABLE (no event queued),
 * MESHRTC_ERR_INVALID_PARAMETER (out_event NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_next_event(meshrtc_peer peer, meshrtc_peer_event *out_event);

/*
 * meshrtc_peer_close - WebRTCPeerConnection.close. The connection and its
 * channels close; meshrtc_peer_initialize starts a new one. Idempotent.
 * Errors: invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_close(meshrtc_peer peer);

/*
 * meshrtc_peer_get_connection_state - *out_state receives MESHRTC_STATE_*.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_state NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_get_connection_state(meshrtc_peer peer, int32_t *out_state);

/*
 * meshrtc_peer_get_gathering_state - *out_state receives MESHRTC_GATHERING_STATE_*.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_state NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_get_gathering_state(meshrtc_peer peer, int32_t *out_state);

/*
 * meshrtc_peer_get_signaling_state - *out_state receives MESHRTC_SIGNALING_STATE_*.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_state NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_get_signaling_state(meshrtc_peer peer, int32_t *out_state);

/*
 * meshrtc_peer_get_stats - the selected candidate pair: ICE types of both
 * ends (e.g. MESHRTC_CANDIDATE_RELAY through TURN), round-trip time and
 * counters. Before a pair is selected, and after close, the types are
 * MESHRTC_CANDIDATE_NONE, rtt_us is -1 and counters are 0.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_stats NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_peer_get_stats(meshrtc_peer peer, meshrtc_peer_stats *out_stats);

/* ----------------------------------------------------------------- channel */

/*
 * meshrtc_channel_destroy - close the channel and release the handle and the
 * memory of its last packet.
 * Errors: invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_destroy(meshrtc_channel channel);

/*
 * meshrtc_channel_poll - WebRTCDataChannel.poll. Optional: the owning peer
 * keeps the channel up to date (Godot's WebRTCMultiplayerPeer never polls
 * channels).
 * Errors: invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_poll(meshrtc_channel channel);

/*
 * meshrtc_channel_close - WebRTCDataChannel.close. Messages already accepted
 * by meshrtc_channel_put_packet are sent before the close (on a reliable
 * channel they all arrive, then the remote sees CLOSED). Packets already
 * received stay readable. Idempotent.
 * Errors: invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_close(meshrtc_channel channel);

/*
 * meshrtc_channel_put_packet - PacketPeer.put_packet: send one message in the
 * channel's write mode (text messages may contain NUL bytes). Never blocks:
 * the message is copied and queued (see meshrtc_channel_get_buffered_amount),
 * and one library goroutine hands queued messages to the network stack in
 * the order they were put, so the calling thread never waits on the network
 * stack's threads. Messages of one channel stay in order whatever thread
 * puts them; closing the peer connection drops what is still queued.
 * Sending is bounded: when the buffered amount is not 0 and len more bytes
 * would take it past the peer's "sendBufferLimit" (default 16 MiB), the call
 * fails with MESHRTC_ERR_OUT_OF_MEMORY and queues nothing; a message always
 * fits into an empty buffer. Nothing accepted is dropped silently: on a
 * reliable channel every accepted message arrives unless the connection
 * ends. Wait for meshrtc_channel_get_buffered_amount to fall, then put again.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (len < 0, data NULL with len > 0,
 * len above meshrtc_channel_get_max_packet_size), MESHRTC_ERR_UNAVAILABLE
 * (channel still connecting), MESHRTC_ERR_OUT_OF_MEMORY (send buffer full,
 * @since 0.3.0), MESHRTC_FAILED (channel closing or closed, or its
 * connection FAILED or CLOSED: the message says which), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_put_packet(meshrtc_channel channel, const uint8_t *data, int32_t len);

/*
 * meshrtc_channel_get_packet - PacketPeer.get_packet: take the next received
 * message. *out_data points to library-owned memory valid until the next
 * meshrtc_channel_get_packet on this channel (from any thread) or its
 * destroy; *out_data is non-NULL even for an empty message.
 * Receive queues are bounded (receiveQueuePackets/receiveQueueBytes): a
 * reliable channel stops reading from the network while its queue is full,
 * so the sender's buffered amount grows and nothing is lost; an unreliable
 * one drops new messages and counts them (meshrtc_channel_get_dropped_count).
 * Errors: MESHRTC_ERR_UNAVAILABLE (no packet), MESHRTC_ERR_INVALID_PARAMETER
 * (NULL out-parameter), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_packet(meshrtc_channel channel, const uint8_t **out_data, int32_t *out_len);

/*
 * meshrtc_channel_get_packets - take received messages in order, as many as
 * fit, in one call: each is copied into buf (buf_cap bytes) right after the
 * previous one and described in out_info (info_cap entries), while the next
 * message fits in what is left of buf and out_info has room. *out_count
 * receives how many were taken: 0 when none is queued (not an error). If buf
 * cannot hold even the first message, nothing is taken, out_info[0].size
 * receives its size and the call returns MESHRTC_ERR_PARAMETER_RANGE_ERROR.
 * was_string_packet then describes the last message taken. The memory is
 * the caller's; the library keeps nothing.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (buf NULL with buf_cap > 0, buf_cap
 * < 0, out_info NULL or info_cap < 1, out_count NULL),
 * MESHRTC_ERR_PARAMETER_RANGE_ERROR, invalid handle.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_channel_get_packets(meshrtc_channel channel, uint8_t *buf, int32_t buf_cap, meshrtc_packet_info *out_info,
                                                int32_t info_cap, int32_t *out_count);

/*
 * meshrtc_channel_put_packets - send count messages in one call: message i
 * has sizes[i] bytes and they lie one after another in data. Each is sent as
 * meshrtc_channel_put_packet sends it; the call stops at the first that
 * fails and returns that error. *out_sent (may be NULL) receives how many
 * were accepted (count when the call returns OK).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (count < 0, sizes NULL with count >
 * 0, a negative size, data NULL while the sizes add up to more than 0, a
 * total above 2^31 - 1), then those of meshrtc_channel_put_packet.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_channel_put_packets(meshrtc_channel channel, const uint8_t *data, const int32_t *sizes, int32_t count,
                                                int32_t *out_sent);

/*
 * meshrtc_channel_get_available_packet_count - how many messages are queued.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_count NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_available_packet_count(meshrtc_channel channel, int32_t *out_count);

/*
 * meshrtc_channel_get_max_packet_size - the largest message put_packet
 * accepts: the peer's maxMessageSize option, or the remote's advertised
 * a=max-message-size once connected if that is smaller.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_size NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_max_packet_size(meshrtc_channel channel, int32_t *out_size);

/*
 * meshrtc_channel_set_write_mode - MESHRTC_WRITE_MODE_TEXT or _BINARY (the
 * default).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (other value), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_set_write_mode(meshrtc_channel channel, int32_t mode);

/*
 * meshrtc_channel_get_write_mode - *out_mode receives MESHRTC_WRITE_MODE_*.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_mode NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_write_mode(meshrtc_channel channel, int32_t *out_mode);

/*
 * meshrtc_channel_was_string_packet - *out_is_string receives 1 if the last
 * packet taken by meshrtc_channel_get_packet was sent as text, else 0.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_is_string NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_was_string_packet(meshrtc_channel channel, int32_t *out_is_string);

/*
 * meshrtc_channel_get_ready_state - *out_state receives MESHRTC_CHANNEL_STATE_*.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_state NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_ready_state(meshrtc_channel channel, int32_t *out_state);

/*
 * meshrtc_channel_get_label - the channel's label, with the size protocol.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_len NULL, cap < 0, buf NULL with
 * cap > 0), MESHRTC_ERR_PARAMETER_RANGE_ERROR (buffer too small), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_label(meshrtc_channel channel, char *buf, int32_t cap, int32_t *out_len);

/*
 * meshrtc_channel_get_protocol - the channel's sub-protocol, with the size
 * protocol. Errors: as meshrtc_channel_get_label.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_protocol(meshrtc_channel channel, char *buf, int32_t cap, int32_t *out_len);

/*
 * meshrtc_channel_is_ordered - *out_ordered receives 1 if messages arrive in order.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_ordered NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_is_ordered(meshrtc_channel channel, int32_t *out_ordered);

/*
 * meshrtc_channel_get_id - *out_id receives the SCTP stream id, or 65535 while
 * an in-band channel's id is not yet assigned (Godot's documented value).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_id NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_id(meshrtc_channel channel, int32_t *out_id);

/*
 * meshrtc_channel_get_max_packet_life_time - *out_ms receives the lifetime in
 * milliseconds, or 65535 when none was set.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_ms NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_max_packet_life_time(meshrtc_channel channel, int32_t *out_ms);

/*
 * meshrtc_channel_get_max_retransmits - *out_count receives the retransmit
 * limit, or 65535 when none was set.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_count NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_max_retransmits(meshrtc_channel channel, int32_t *out_count);

/*
 * meshrtc_channel_is_negotiated - *out_negotiated receives 1 for a channel
 * negotiated by the application (options "negotiated": true), else 0.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_negotiated NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_is_negotiated(meshrtc_channel channel, int32_t *out_negotiated);

/*
 * meshrtc_channel_get_buffered_amount - *out_bytes receives how many bytes
 * are buffered for sending: queued by meshrtc_channel_put_packet and not yet
 * acknowledged by the remote. A host keeps its sending under a limit with it
 * (put_packet refuses data past "sendBufferLimit"). Never less than the
 * truth; for a moment it may count the message being handed to the network
 * stack twice. 0 once the channel's connection is FAILED or CLOSED, or the
 * peer was closed: what was buffered is dropped then.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_bytes NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_buffered_amount(meshrtc_channel channel, int64_t *out_bytes);

/*
 * meshrtc_channel_get_dropped_count - *out_count receives how many received
 * messages an unreliable channel dropped because its queue was full (always
 * 0 for reliable channels).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_count NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_dropped_count(meshrtc_channel channel, int64_t *out_count);

/*
 * meshrtc_channel_get_stats - messages and payload bytes sent and received
 * on this channel (all 0 until it opened).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_stats NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_channel_get_stats(meshrtc_channel channel, meshrtc_channel_stats *out_stats);

/* -------------------------------------------------------------------- mesh */

/*
 * The mesh is Godot 4's WebRTCMultiplayerPeer (with its MultiplayerPeer
 * surface) and, after meshrtc_mesh_initialize, Godot 3's WebRTCMultiplayer.
 * It is wire compatible with Godot's: add_peer creates on the connection the
 * negotiated channels Godot creates (id 1 "reliable"; id 2 "ordered",
 * ordered with the unreliable lifetime; id 3 "unreliable", unordered with
 * the lifetime; then one per channels_config entry, labels "4", "5", ..., ids
 * 4, 5, ...), so a Godot game, a browser running a Godot export and a
 * meshrtc host can share one session. The host creates each peer, hands it
 * to add_peer while it is NEW and does the signaling; meshrtc_mesh_poll
 * notices peers that connect (connection CONNECTED and every channel open)
 * or go, and queues events. Received packets are taken round robin across
 * peers, one per peer per turn, channels by index within a peer;
 * get_packet_peer/channel/mode describe the packet get_packet takes next.
 * Differences from Godot (the wire is the same): unreliable channels really
 * are unreliable; a client whose link to the server fails before connecting
 * becomes DISCONNECTED with a CONNECTION_FAILED event instead of waiting
 * forever; optional grace period for brief ICE "disconnected"; close() queues
 * peer_disconnected for connected peers (configurable); add_peer refuses an id
 * or a connection already in the mesh (MESHRTC_ERR_ALREADY_EXISTS).
 */

/*
 * meshrtc_mesh_create - a new mesh, DISCONNECTED until one of
 * create_server/create_client/create_mesh/initialize configures it.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_mesh NULL).
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_create(meshrtc_mesh *out_mesh);

/*
 * meshrtc_mesh_destroy - close the mesh (and the connections of its peers)
 * and release the handle and the handles of the mesh's channels. The peer
 * handles the host passed to add_peer stay the host's to destroy.
 * Errors: MESHRTC_ERR_UNAUTHORIZED (a lobby's mesh: meshrtc_lobby_destroy
 * releases it; @since 0.4.0), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_destroy(meshrtc_mesh mesh);

/*
 * meshrtc_mesh_set_options - library options Godot does not have, as a JSON
 * object (NULL or "" mean the defaults): "disconnectGraceMs" (keep a peer
 * through an ICE "disconnected" this long; default 0 = remove at once, as
 * Godot), "closeEmitsPeerDisconnected" (default true; Godot: false),
 * "eventQueueLimit" (default 4096, at least 16). Unknown keys are errors.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (bad JSON, value or key), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_set_options(meshrtc_mesh mesh, const char *options_json);

/*
 * meshrtc_mesh_create_server - WebRTCMultiplayerPeer.create_server: this is
 * peer 1, CONNECTED at once, relay supported. channels_config holds
 * channels_count MESHRTC_TRANSFER_MODE_* values, one extra channel each
 * (channels_config may be NULL when channels_count is 0).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (bad mode, count < 0 or above 255,
 * NULL array), MESHRTC_ERR_UNAUTHORIZED (a lobby's mesh: the lobby configures it; @since 0.4.0), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_create_server(meshrtc_mesh mesh, const int32_t *channels_config, int32_t channels_count);

/*
 * meshrtc_mesh_create_client - WebRTCMultiplayerPeer.create_client: this is
 * peer_id (2..2147483647), CONNECTING until peer 1 (the only peer it may add)
 * connects. channels_config as for create_server.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (peer_id out of range, bad channels),
 * MESHRTC_ERR_UNAUTHORIZED (a lobby's mesh: the lobby configures it; @since 0.4.0), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_create_client(meshrtc_mesh mesh, int32_t peer_id, const int32_t *channels_config,
                                               int32_t channels_count);

/*
 * meshrtc_mesh_create_mesh - WebRTCMultiplayerPeer.create_mesh: this is
 * peer_id (1..2147483647) of a full mesh, CONNECTED at once, no relay.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (peer_id out of range, bad channels),
 * MESHRTC_ERR_UNAUTHORIZED (a lobby's mesh: the lobby configures it; @since 0.4.0), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_create_mesh(meshrtc_mesh mesh, int32_t peer_id, const int32_t *channels_config,
                                             int32_t channels_count);

/*
 * meshrtc_mesh_initialize - Godot 3's WebRTCMultiplayer.initialize(peer_id,
 * server_compatibility). Without compatibility (0) the mesh is CONNECTED at
 * once; with it (non-zero), peer_connected events are held back until peer 1
 * connects, then come PEER_CONNECTED(1), CONNECTION_SUCCEEDED and
 * PEER_CONNECTED for every peer already connected; SERVER_DISCONNECTED when
 * peer 1 leaves (the mesh is then DISCONNECTED, as Godot 3's code does).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (peer_id < 1), MESHRTC_ERR_UNAUTHORIZED (a lobby's mesh: the lobby configures it; @since 0.4.0),
 * invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_initialize(meshrtc_mesh mesh, int32_t peer_id, int32_t server_compatibility);

/*
 * meshrtc_mesh_add_peer - WebRTCMultiplayerPeer.add_peer: adds the peer
 * connection (still the host's handle to destroy) as peer_id and creates its
 * channels; unreliable_lifetime (ms) is the lifetime of the "ordered" and
 * "unreliable" channels (Godot's default is 1). The host then signals it.
 * Errors: first MESHRTC_ERR_UNAUTHORIZED (a lobby's mesh: the lobby adds
 * its peers; @since 0.4.0); then, in Godot's order: MESHRTC_ERR_UNCONFIGURED (mesh not
 * configured); MESHRTC_ERR_INVALID_PARAMETER (client adding an id other than
 * 1, server adding 1, id out of range, lifetime outside 0..65535);
 * MESHRTC_ERR_UNAUTHORIZED (refusing new connections);
 * MESHRTC_ERR_INVALID_PARAMETER (peer not in MESHRTC_STATE_NEW);
 * MESHRTC_ERR_ALREADY_EXISTS (id or connection already in the mesh);
 * invalid mesh or peer handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_add_peer(meshrtc_mesh mesh, meshrtc_peer peer, int32_t peer_id, int32_t unreliable_lifetime);

/*
 * meshrtc_mesh_remove_peer - WebRTCMultiplayerPeer.remove_peer: closes the
 * peer's connection and, if it had connected, queues PEER_DISCONNECTED.
 * Errors: MESHRTC_ERR_DOES_NOT_EXIST (no such peer), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_remove_peer(meshrtc_mesh mesh, int32_t peer_id);

/*
 * meshrtc_mesh_disconnect_peer - MultiplayerPeer.disconnect_peer: force (non
 * zero) removes the peer at once without an event; otherwise its connection
 * is closed and the next poll reports PEER_DISCONNECTED.
 * Errors: MESHRTC_ERR_DOES_NOT_EXIST (no such peer), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_disconnect_peer(meshrtc_mesh mesh, int32_t peer_id, int32_t force);

/*
 * meshrtc_mesh_has_peer - *out_has receives 1 if peer_id is in the mesh.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_has NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_has_peer(meshrtc_mesh mesh, int32_t peer_id, int32_t *out_has);

/*
 * meshrtc_mesh_get_peer - WebRTCMultiplayerPeer.get_peer: the peer's
 * connection handle (*out_peer; 0 if the host destroyed it, and for the
 * connections of a lobby's mesh, which the lobby keeps), its channel
 * handles in index order (reliable, ordered, unreliable, then extras) and
 * whether it is connected. The channel handles belong to the mesh: read and
 * poll them, never destroy them (MESHRTC_ERR_UNAUTHORIZED); they stay valid
 * while the peer is in the mesh, and the same handles come back on every
 * call. Once the peer has left the mesh they are released by the next
 * meshrtc_mesh_poll, remove_peer, disconnect_peer, close, get_peer or
 * destroy, and then return MESHRTC_ERR_DOES_NOT_EXIST. The call costs the
 * same whatever the number of live handles. *out_channel_count always receives the
 * count; with channels_cap below it the call returns
 * MESHRTC_ERR_PARAMETER_RANGE_ERROR and writes nothing else.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (NULL out-parameter, channels_cap < 0,
 * out_channels NULL with channels_cap > 0), MESHRTC_ERR_DOES_NOT_EXIST (no
 * such peer), MESHRTC_ERR_PARAMETER_RANGE_ERROR, invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_peer(meshrtc_mesh mesh, int32_t peer_id, meshrtc_peer *out_peer, meshrtc_channel *out_channels,
                                          int32_t channels_cap, int32_t *out_channel_count, int32_t *out_connected);

/*
 * meshrtc_mesh_get_peers - the ids of the peers in the mesh, in the order
 * packets are taken. *out_count always receives the count; with ids_cap below
 * it the call returns MESHRTC_ERR_PARAMETER_RANGE_ERROR (out_ids may be NULL
 * when ids_cap is 0).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_count NULL, ids_cap < 0, out_ids
 * NULL with ids_cap > 0), MESHRTC_ERR_PARAMETER_RANGE_ERROR, invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_peers(meshrtc_mesh mesh, int32_t *out_ids, int32_t ids_cap, int32_t *out_count);

/*
 * meshrtc_mesh_set_target_peer - MultiplayerPeer.set_target_peer: 0 sends to
 * all, a positive id to that peer, a negative id to all but that peer.
 * Errors: invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_set_target_peer(meshrtc_mesh mesh, int32_t peer_id);

/*
 * meshrtc_mesh_get_target_peer - *out_peer_id receives the target peer.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_peer_id NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_target_peer(meshrtc_mesh mesh, int32_t *out_peer_id);

/*
 * meshrtc_mesh_set_transfer_mode - MESHRTC_TRANSFER_MODE_* for put_packet
 * (default RELIABLE).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (other value), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_set_transfer_mode(meshrtc_mesh mesh, int32_t mode);

/*
 * meshrtc_mesh_get_transfer_mode - *out_mode receives the transfer mode.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_mode NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_transfer_mode(meshrtc_mesh mesh, int32_t *out_mode);

/*
 * meshrtc_mesh_set_transfer_channel - 0 (default) sends on the built-in
 * channel of the transfer mode; N >= 1 on extra channel N (channels_config
 * entry N-1), whatever the transfer mode.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (outside 0..255), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_set_transfer_channel(meshrtc_mesh mesh, int32_t channel);

/*
 * meshrtc_mesh_get_transfer_channel - *out_channel receives the transfer channel.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_channel NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_transfer_channel(meshrtc_mesh mesh, int32_t *out_channel);

/*
 * meshrtc_mesh_put_packet - MultiplayerPeer.put_packet to the target peer(s)
 * on the channel the transfer channel and mode select. A broadcast skips
 * peers that cannot take it and returns OK, as Godot does.
 * Errors: MESHRTC_ERR_UNCONFIGURED (mesh DISCONNECTED),
 * MESHRTC_ERR_INVALID_PARAMETER (bad len or data, target peer not in the
 * mesh, transfer channel the target lacks), the channel's errors (see
 * meshrtc_channel_put_packet), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_put_packet(meshrtc_mesh mesh, const uint8_t *data, int32_t len);

/*
 * meshrtc_mesh_get_packet - take the packet get_packet_peer/channel/mode
 * describe. *out_data points to library-owned memory valid until the next
 * meshrtc_mesh_get_packet on this mesh or its destroy. Packets become
 * visible from the meshrtc_mesh_poll after they arrive.
 * Errors: MESHRTC_ERR_UNAVAILABLE (no packet), MESHRTC_ERR_INVALID_PARAMETER
 * (NULL out-parameter), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_packet(meshrtc_mesh mesh, const uint8_t **out_data, int32_t *out_len);

/*
 * meshrtc_mesh_get_packets - meshrtc_channel_get_packets for the mesh: the
 * packets meshrtc_mesh_get_packet would take one by one, in the same order,
 * each described with its peer_id, channel and mode as get_packet_peer,
 * get_packet_channel and get_packet_mode would have said before taking it.
 * Errors: as meshrtc_channel_get_packets.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_packets(meshrtc_mesh mesh, uint8_t *buf, int32_t buf_cap, meshrtc_packet_info *out_info,
                                             int32_t info_cap, int32_t *out_count);

/*
 * meshrtc_mesh_put_packets - meshrtc_channel_put_packets for the mesh: each
 * message goes as meshrtc_mesh_put_packet sends it (target peer, transfer
 * mode and channel as set now).
 * Errors: as meshrtc_channel_put_packets, with those of
 * meshrtc_mesh_put_packet.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_mesh_put_packets(meshrtc_mesh mesh, const uint8_t *data, const int32_t *sizes, int32_t count, int32_t *out_sent);

/*
 * meshrtc_mesh_get_available_packet_count - *out_count receives how many
 * packets the peers' channels hold, 0 while none is described (so a positive
 * count means get_packet succeeds).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_count NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_available_packet_count(meshrtc_mesh mesh, int32_t *out_count);

/*
 * meshrtc_mesh_get_packet_peer - *out_peer_id receives the sender of the next
 * packet (0 when none is described).
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_peer_id NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_packet_peer(meshrtc_mesh mesh, int32_t *out_peer_id);

/*
 * meshrtc_mesh_get_packet_channel - *out_channel receives the next packet's
 * transfer channel: 0 for the three built-in channels, N for extra channel N.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_channel NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_packet_channel(meshrtc_mesh mesh, int32_t *out_channel);

/*
 * meshrtc_mesh_get_packet_mode - *out_mode receives the MESHRTC_TRANSFER_MODE_*
 * of the channel the next packet came on.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_mode NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_packet_mode(meshrtc_mesh mesh, int32_t *out_mode);

/*
 * meshrtc_mesh_poll - MultiplayerPeer.poll: notices peers that connected or
 * went away (queuing events), updates the connection status and describes
 * the next packet. Call it every frame; it does not poll the peers'
 * connections for the host's own signaling events.
 * Errors: invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_poll(meshrtc_mesh mesh);

/*
 * meshrtc_mesh_close - MultiplayerPeer.close: closes every peer's connection,
 * removes them (queuing PEER_DISCONNECTED for connected ones unless the
 * option says otherwise) and returns to DISCONNECTED. Idempotent.
 * Errors: invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_close(meshrtc_mesh mesh);

/*
 * meshrtc_mesh_next_event - take the oldest mesh event: *out_type receives a
 * MESHRTC_MESH_EVENT_* value and *out_peer_id the peer it concerns.
 * Errors: MESHRTC_ERR_UNAVAILABLE (no event), MESHRTC_ERR_INVALID_PARAMETER
 * (NULL out-parameter), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_next_event(meshrtc_mesh mesh, int32_t *out_type, int32_t *out_peer_id);

/*
 * meshrtc_mesh_get_unique_id - *out_id receives this peer's id.
 * Errors: MESHRTC_ERR_UNCONFIGURED while DISCONNECTED (*out_id still
 * receives 1, as Godot returns), MESHRTC_ERR_INVALID_PARAMETER (out_id NULL),
 * invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_unique_id(meshrtc_mesh mesh, int32_t *out_id);

/*
 * meshrtc_mesh_get_connection_status - *out_status receives MESHRTC_CONNECTION_*.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_status NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_connection_status(meshrtc_mesh mesh, int32_t *out_status);

/*
 * meshrtc_mesh_is_server_relay_supported - *out_supported receives 1 in
 * server and client modes, 0 in mesh mode.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_supported NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_is_server_relay_supported(meshrtc_mesh mesh, int32_t *out_supported);

/*
 * meshrtc_mesh_set_refuse_new_connections - while non-zero, add_peer returns
 * MESHRTC_ERR_UNAUTHORIZED.
 * Errors: invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_set_refuse_new_connections(meshrtc_mesh mesh, int32_t refuse);

/*
 * meshrtc_mesh_is_refusing_new_connections - *out_refusing receives 1 or 0.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_refusing NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_is_refusing_new_connections(meshrtc_mesh mesh, int32_t *out_refusing);

/*
 * meshrtc_mesh_get_max_packet_size - *out_size receives 1200, Godot's value
 * for WebRTCMultiplayerPeer.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_size NULL), invalid handle.
 * @since 0.1.0
 */
MESHRTC_API int32_t meshrtc_mesh_get_max_packet_size(meshrtc_mesh mesh, int32_t *out_size);

/* ------------------------------------------------------------------- lobby */

/*
 * The lobby client joins a lobby on a signaling server that speaks the
 * protocol of Godot's webrtc_signaling demo (meshrtc-lobby, the server that
 * ships with meshrtc, is one) and builds a connected mesh from it, so the
 * host writes no signaling code. It meets Godot games that use the demo's
 * client scripts in the same lobby, because it does what the demo's Godot 4
 * clients do: the lobby's ID message configures the mesh (create_mesh in a
 * mesh lobby; create_server for the host, peer 1, and create_client for the
 * others in server mode); each peer in the lobby gets a connection (in
 * server mode a client connects to the host only), of two peers the one
 * with the higher id makes the offer, offers, answers and candidates go
 * through the server; a peer that leaves the lobby is removed from the mesh.
 * TURN credentials the server sends (meshrtc-lobby's message type 64, which
 * the demo's clients ignore) are added to every connection's iceServers.
 *
 * Ownership. The lobby owns its mesh (meshrtc_lobby_get_mesh) and the
 * connections in it, as a mesh owns its channels: meshrtc_lobby_destroy
 * releases them. The host uses the mesh handle like its own mesh (poll,
 * events, packets, targets, transfer mode and channel, get_peer/get_peers,
 * remove_peer/disconnect_peer, close, set_options, refuse new connections)
 * but cannot destroy or configure it or add peers to it: destroy,
 * create_server, create_client, create_mesh, initialize and add_peer return
 * MESHRTC_ERR_UNAUTHORIZED on it. get_peer gives 0 for its connections,
 * which have no handles. meshrtc_shutdown releases lobbies like every other
 * handle (a lobby counts as one leaked handle; its mesh does not).
 *
 * Threads. The WebSocket is opened, read and written on the library's own
 * threads; everything else happens in meshrtc_lobby_poll on the host's
 * thread, which applies what the server sent, sends the offers, answers and
 * candidates the connections made, and queues lobby events. Call it every
 * frame while the lobby is open, next to meshrtc_mesh_poll (which the host
 * still calls for the mesh's own events and packets). A message from the
 * server wakes meshrtc_wait. While the host does not poll, the library
 * stops reading from the server, which then drops the client once a
 * megabyte waits for it (meshrtc-lobby's default).
 */

/*
 * meshrtc_lobby_create - a lobby client of the server at url ("ws://host:port
 * /path" or "wss://..."; any path). It starts connecting at once, without
 * waiting; meshrtc_lobby_join asks for a lobby. *out_lobby receives the new
 * handle, which the caller owns. options_json (NULL or "" for the defaults)
 * is a JSON object:
 *   "peerConfig"          the configuration of every connection, as
 *                         meshrtc_peer_initialize takes it (default: the
 *                         defaults of an empty configuration); the lobby's
 *                         TURN server is appended to its "iceServers"
 *   "channels"            array of MESHRTC_TRANSFER_MODE_* values: the
 *                         channels_config of the mesh (default [])
 *   "unreliableLifetime"  add_peer's unreliable_lifetime, 0..65535 ms
 *                         (default 1, Godot's)
 *   "meshOptions"         the mesh's options, as meshrtc_mesh_set_options
 *                         takes them
 *   "connectTimeoutMs"    how long opening the WebSocket may take (default
 *                         10000)
 *   "eventQueueLimit"     the most lobby events queued (default 1024, at
 *                         least 16; further events are dropped and logged)
 * Unknown keys are errors.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (url NULL, invalid UTF-8 or not a
 * ws:// or wss:// URL; bad options JSON, key or value; out_lobby NULL).
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_lobby_create(const char *url, const char *options_json, meshrtc_lobby *out_lobby);

/*
 * meshrtc_lobby_destroy - leave the lobby (the server tells the others),
 * close the mesh and its connections and release the lobby's handle, its
 * mesh's handle and the handles of the mesh's channels. Never waits on the
 * network.
 * Errors: invalid handle.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_lobby_destroy(meshrtc_lobby lobby);

/*
 * meshrtc_lobby_join - ask for the lobby called name, or, when name is NULL
 * or "", for a new lobby whose host this client becomes (peer 1): a mesh
 * lobby when mesh_mode is non-zero, else a server-mode lobby with this
 * client as server. Joining an existing lobby takes its mode, whatever
 * mesh_mode says. May be called before the connection is open (the request
 * goes out when it is). The answer comes as JOINED and CONNECTED events, or
 * as CLOSED with the server's reason (e.g. 4000 "Lobby does not exists",
 * "Lobby is sealed").
 * Errors: MESHRTC_ERR_ALREADY_EXISTS (join was called before on this
 * lobby), MESHRTC_ERR_UNAVAILABLE (the lobby connection ended),
 * MESHRTC_ERR_INVALID_PARAMETER (name not UTF-8), invalid handle.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_lobby_join(meshrtc_lobby lobby, const char *name, int32_t mesh_mode);

/*
 * meshrtc_lobby_seal - the host (peer 1) seals the lobby: nobody else can
 * join, every member gets a SEALED event, and the server closes the lobby
 * shortly (meshrtc-lobby: 10 s; CLOSED with 1000 "Seal complete"). The mesh
 * and its connections stay. Sealing again changes nothing.
 * Errors: MESHRTC_ERR_UNCONFIGURED (no CONNECTED event yet),
 * MESHRTC_ERR_UNAUTHORIZED (this client is not the host),
 * MESHRTC_ERR_UNAVAILABLE (the lobby connection ended), invalid handle.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_lobby_seal(meshrtc_lobby lobby);

/*
 * meshrtc_lobby_poll - apply what the server sent since the last poll (at
 * most 256 messages per call), send what the connections made and queue
 * lobby events. Never waits on the network.
 * Errors: invalid handle.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_lobby_poll(meshrtc_lobby lobby);

/*
 * meshrtc_lobby_next_event - take the oldest queued lobby event into
 * *out_event (see meshrtc_lobby_event for what each type carries and how
 * long its text stays valid).
 * Errors: MESHRTC_ERR_UNAVAILABLE (no event queued), MESHRTC_ERR_INVALID_PARAMETER
 * (out_event NULL), invalid handle.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_lobby_next_event(meshrtc_lobby lobby, meshrtc_lobby_event *out_event);

/*
 * meshrtc_lobby_get_mesh - *out_mesh receives the handle of the lobby's mesh
 * (the same on every call, from meshrtc_lobby_create until
 * meshrtc_lobby_destroy). It is DISCONNECTED until the CONNECTED event; see
 * "Ownership" above for what the host may do with it.
 * Errors: MESHRTC_ERR_INVALID_PARAMETER (out_mesh NULL), invalid handle.
 * @since 0.4.0
 */
MESHRTC_API int32_t meshrtc_lobby_get_mesh(meshrtc_lobby lobby, meshrtc_mesh *out_mesh);

#endif /* MESHRTC_TYPES_ONLY */

#ifdef __cplusplus
}
#endif

#endif /* MESHRTC_H */
