/* meshrtc demo: two peers in one process through the C API on loopback.
 * Offer, answer and candidates travel through the event queues; a
 * reliable, an unreliable and an in-band text channel carry packets both
 * ways; a summary closes the run. */
#include "pair.h"

#define PACKETS 5000

static const char *state_name(int32_t s) {
    static const char *names[] = {"NEW", "CONNECTING", "CONNECTED", "DISCONNECTED", "FAILED", "CLOSED"};
    return s >= 0 && s <= 5 ? names[s] : "?";
}

typedef struct flow {
    const char *name;
    meshrtc_channel tx, rx;
    int32_t sent, received, in_order;
} flow;

/* Sends PACKETS numbered packets on f while draining f's receiver. */
static void run_flow(pair_side *a, pair_side *b, flow *f) {
    uint8_t msg[64];
    int32_t expect = 0;
    double deadline = pair_now() + 20.0;
    f->in_order = 1;
    while ((f->sent < PACKETS || f->received < f->sent) && pair_now() < deadline) {
        for (int burst = 0; burst < 64 && f->sent < PACKETS; burst++) {
            int64_t buffered = 0;
            PAIR_CHECK(meshrtc_channel_get_buffered_amount(f->tx, &buffered), f->tx);
            if (buffered > 256 * 1024) break;
            memset(msg, 0, sizeof msg);
            memcpy(msg, &f->sent, sizeof f->sent);
            PAIR_CHECK(meshrtc_channel_put_packet(f->tx, msg, (int32_t)sizeof msg), f->tx);
            f->sent++;
        }
        pair_pump(a, b);
        const uint8_t *data;
        int32_t len;
        int got = 0;
        while (meshrtc_channel_get_packet(f->rx, &data, &len) == MESHRTC_OK) {
            int32_t seq;
            memcpy(&seq, data, sizeof seq);
            if (seq != expect) f->in_order = 0;
            expect = seq + 1;
            f->received++;
            got = 1;
        }
        if (!got && f->sent == PACKETS) {
            pair_sleep_ms(1);
            /* Unreliable packets may be gone for good: stop after a quiet 0.5 s. */
            if (deadline - pair_now() > 0.5) deadline = pair_now() + 0.5;
        }
    }
}

int main(void) {
    pair_side a, b;
    int32_t major, minor, patch;
    PAIR_CHECK(meshrtc_version(&major, &minor, &patch), 0);
    printf("meshrtc %d.%d.%d (ABI %d)\n", major, minor, patch, meshrtc_abi_version());
    if (meshrtc_abi_version() != MESHRTC_ABI_VERSION) {
        fprintf(stderr, "ABI mismatch: header %d, library %d\n", MESHRTC_ABI_VERSION, meshrtc_abi_version());
        return 1;
    }

    double t0 = pair_now();
    pair_create(&a, &b);
    meshrtc_channel ra, rb, ua, ub, chat;
    const char *reliable = "{\"negotiated\":true,\"id\":1}";
    const char *unreliable = "{\"negotiated\":true,\"id\":2,\"ordered\":false,\"maxRetransmits\":0}";
    PAIR_CHECK(meshrtc_peer_create_data_channel(a.peer, "reliable", reliable, &ra), a.peer);
    PAIR_CHECK(meshrtc_peer_create_data_channel(b.peer, "reliable", reliable, &rb), b.peer);
    PAIR_CHECK(meshrtc_peer_create_data_channel(a.peer, "unreliable", unreliable, &ua), a.peer);
    PAIR_CHECK(meshrtc_peer_create_data_channel(b.peer, "unreliable", unreliable, &ub), b.peer);
    PAIR_CHECK(meshrtc_peer_create_data_channel(a.peer, "chat", "{\"protocol\":\"demo\"}", &chat), a.peer);
    PAIR_CHECK(meshrtc_peer_create_offer(a.peer), a.peer);

    meshrtc_channel all[] = {ra, rb, ua, ub, chat};
    pair_wait_open(&a, &b, all, 5);
    while (b.received_count == 0) pair_pump(&a, &b);
    meshrtc_channel chat_in = b.received[0];
    pair_wait_open(&a, &b, &chat_in, 1);
    int32_t sa, sb;
    PAIR_CHECK(meshrtc_peer_get_connection_state(a.peer, &sa), a.peer);
    PAIR_CHECK(meshrtc_peer_get_connection_state(b.peer, &sb), b.peer);
    printf("connected in %.0f ms: a=%s b=%s, candidates a=%d b=%d\n", (pair_now() - t0) * 1000, state_name(sa),
           state_name(sb), a.candidates, b.candidates);

    char label[64];
    int32_t label_len;
    PAIR_CHECK(meshrtc_channel_get_label(chat_in, label, (int32_t)sizeof label, &label_len), chat_in);
    PAIR_CHECK(meshrtc_channel_set_write_mode(chat, MESHRTC_WRITE_MODE_TEXT), chat);
    const char hello[] = "hello from a";
    PAIR_CHECK(meshrtc_channel_put_packet(chat, (const uint8_t *)hello, (int32_t)strlen(hello)), chat);
    const uint8_t *data;
    int32_t len, is_string = 0;
    while (meshrtc_channel_get_packet(chat_in, &data, &len) != MESHRTC_OK) pair_pump(&a, &b);
    PAIR_CHECK(meshrtc_channel_was_string_packet(chat_in, &is_string), chat_in);
    printf("in-band channel '%s' got %s message: %.*s\n", label, is_string ? "text" : "binary", (int)len,
           (const char *)data);

    flow flows[] = {
        {"reliable a->b", ra, rb, 0, 0, 0},
        {"reliable b->a", rb, ra, 0, 0, 0},
        {"unreliable a->b", ua, ub, 0, 0, 0},
        {"unreliable b->a", ub, ua, 0, 0, 0},
    };
    int ok = 1;
    printf("\n%-16s %8s %9s %8s %s\n", "flow", "sent", "received", "lost %", "order");
    for (int i = 0; i < 4; i++) {
        run_flow(&a, &b, &flows[i]);
        double lost = 100.0 * (flows[i].sent - flows[i].received) / flows[i].sent;
        printf("%-16s %8d %9d %8.2f %s\n", flows[i].name, flows[i].sent, flows[i].received, lost,
               flows[i].in_order ? "in order" : "reordered");
        if (i < 2 && (flows[i].received != PACKETS || !flows[i].in_order)) ok = 0;
    }

    meshrtc_channel mine[] = {ra, rb, ua, ub, chat};
    for (int i = 0; i < 5; i++) PAIR_CHECK(meshrtc_channel_destroy(mine[i]), mine[i]);
    pair_destroy(&a, &b);
    int32_t leaked = -1;
    meshrtc_shutdown(&leaked);
    printf("\nsummary: %s, %d handles leaked\n", ok ? "reliable flows complete and in order" : "RELIABLE FLOW FAILED",
           leaked);
    return ok && leaked == 0 ? 0 : 1;
}
