// Tests of bindings/cpp/meshrtc.hpp against the real libmeshrtc.so, compiled
// with -std=c++17 -Wall -Wextra -Werror -fsanitize=address,undefined: the
// scenarios of the C# tests (two peers signaling through events, every
// channel getter, reliable 1 MiB byte for byte, unreliable and text packets,
// a 4-peer mesh and a server with clients, lobby clients meeting through
// meshrtc-lobby, bad input, RAII cleanup then
// meshrtc_shutdown reporting 0 leaks, shutdown and reuse), and the C function
// a failing call names.
// Usage: test_bindings [test-name...]; prints "N passed, M failed".
#include "meshrtc.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using namespace meshrtc;

// The network rule: loopback-only ICE for every connection in tests.
static const char *const kLoopback =
    R"({"meshrtc":{"interfaces":["lo"],"includeLoopback":true,"mdns":"disabled","ipv6":false}})";

// ------------------------------------------------------------ compile time

static_assert(!std::is_copy_constructible_v<PeerConnection> && !std::is_copy_assignable_v<PeerConnection>);
static_assert(!std::is_copy_constructible_v<DataChannel> && !std::is_copy_assignable_v<DataChannel>);
static_assert(!std::is_copy_constructible_v<MultiplayerPeer> && !std::is_copy_assignable_v<MultiplayerPeer>);
static_assert(std::is_nothrow_move_constructible_v<PeerConnection> && std::is_nothrow_move_assignable_v<PeerConnection>);
static_assert(std::is_nothrow_move_constructible_v<DataChannel> && std::is_nothrow_move_assignable_v<DataChannel>);
static_assert(std::is_nothrow_move_constructible_v<MultiplayerPeer> && std::is_nothrow_move_assignable_v<MultiplayerPeer>);
static_assert(std::is_nothrow_destructible_v<PeerConnection>);
static_assert(std::variant_size_v<PeerEvent> == 6 && std::variant_size_v<MeshEvent> == 5);
static_assert(std::is_base_of_v<std::runtime_error, Exception> && std::is_base_of_v<Exception, AbiMismatch>);
static_assert(static_cast<int32_t>(Error::DoesNotExist) == 33 && static_cast<int32_t>(Error::Bug) == 47);
static_assert(bytes_view(static_cast<const uint8_t *>(nullptr), 0).empty());

// ------------------------------------------------------------------ harness

struct TestFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) fail(__FILE__, __LINE__, #cond, describe(__VA_ARGS__));   \
    } while (0)

static std::string describe() { return ""; }
template <class... A>
static std::string describe(const A &...a) {
    std::ostringstream o;
    (o << ... << a);
    return o.str();
}

[[noreturn]] static void fail(const char *file, int line, const char *cond, const std::string &msg) {
    std::ostringstream o;
    o << file << ":" << line << ": " << cond;
    if (!msg.empty()) o << " (" << msg << ")";
    throw TestFailure(o.str());
}

template <class E>
static int32_t code(E e) {
    return static_cast<int32_t>(e);
}

/// Runs f, which must throw meshrtc::Exception with this code and a message.
template <class F>
static Exception expect_error(Error want, F &&f, const std::string &what) {
    try {
        f();
    } catch (const Exception &e) {
        CHECK(e.error() == want, what, ": expected error ", code(want), ", got ", e.code(), " (", e.what(), ")");
        CHECK(!e.message().empty(), what, ": no message");
        CHECK(std::string(e.what()).find(e.message()) != std::string::npos, what, ": what() lacks the message");
        CHECK(std::string(e.what()).find(std::to_string(e.code())) != std::string::npos, what, ": what() lacks the code");
        return e;
    }
    fail(__FILE__, __LINE__, "exception expected", what);
}

static double now() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/// Calls step until cond holds; a hang guard, never a speed assertion.
static void wait_until(const std::function<bool()> &cond, const std::function<void()> &step, const std::string &what,
                       double seconds = 60) {
    double deadline = now() + seconds;
    for (;;) {
        if (step) step();
        if (cond()) return;
        if (now() > deadline) throw TestFailure("timed out waiting for " + what);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

static bool is_loopback_candidate(const std::string &name) {
    std::istringstream in(name);
    std::string w[5];
    for (auto &x : w) in >> x;
    return w[4].rfind("127.", 0) == 0;
}

static std::vector<uint8_t> pattern(std::size_t len, uint32_t seed) {
    std::vector<uint8_t> b(len);
    uint32_t x = seed * 2654435761u + 1;
    for (auto &v : b) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v = static_cast<uint8_t>(x);
    }
    return b;
}

static bool contains(const std::vector<int32_t> &v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// -------------------------------------------------------------------- pair

struct Side {
    PeerConnection pc{kLoopback};
    std::string name;
    std::vector<DataChannel> received;
    ConnectionState state = ConnectionState::New;
    std::vector<SignalingState> signaling;
    std::vector<GatheringState> gathering;
    int candidates = 0, offers = 0, answers = 0, events = 0;
};

/// Plays from's events to `to`, as a signaling server would.
static void pump_one(Side &from, Side &to) {
    for (auto &ev : from.pc.poll_events()) {
        from.events++;
        std::visit(overloaded{
                       [&](SessionDescriptionCreated &e) {
                           CHECK(e.sdp.rfind("v=0", 0) == 0, from.name, ": sdp ", e.sdp.substr(0, 10));
                           (e.type == "offer" ? from.offers : from.answers)++;
                           from.pc.set_local_description(e.type, e.sdp);
                           to.pc.set_remote_description(e.type, e.sdp);
                       },
                       [&](IceCandidateCreated &e) {
                           CHECK(is_loopback_candidate(e.name), from.name, ": non-loopback candidate ", e.name);
                           from.candidates++;
                           to.pc.add_ice_candidate(e.media, e.index, e.name);
                       },
                       [&](DataChannelReceived &e) {
                           CHECK(e.channel && e.channel.owned(), "received channel is owned");
                           from.received.push_back(std::move(e.channel));
                       },
                       [&](ConnectionStateChanged &e) { from.state = e.state; },
                       [&](GatheringStateChanged &e) { from.gathering.push_back(e.state); },
                       [&](SignalingStateChanged &e) { from.signaling.push_back(e.state); },
                   },
                   ev);
    }
}

struct Pair {
    Side a, b;
    Pair() {
        a.name = "A";
        b.name = "B";
    }
    void pump() {
        pump_one(a, b);
        pump_one(b, a);
    }
    void wait_open(std::initializer_list<const DataChannel *> chs) {
        wait_until(
            [&] {
                for (auto *c : chs)
                    if (c->get_ready_state() != ChannelState::Open) return false;
                return true;
            },
            [&] { pump(); }, "channels open");
    }
};

// -------------------------------------------------------------------- tests

static void test_abi_version() {
    CHECK(abi_version() == MESHRTC_ABI_VERSION);
    Version v = version();
    CHECK(v.major == MESHRTC_VERSION_MAJOR && v.minor == MESHRTC_VERSION_MINOR && v.patch == MESHRTC_VERSION_PATCH);
    try {
        detail::check_abi(MESHRTC_ABI_VERSION + 1, MESHRTC_ABI_VERSION);
        fail(__FILE__, __LINE__, "AbiMismatch expected", "");
    } catch (const AbiMismatch &e) {
        CHECK(e.error() == Error::Unavailable && e.loaded() == MESHRTC_ABI_VERSION + 1);
        std::string w = e.what();
        CHECK(w.find("ABI version " + std::to_string(MESHRTC_ABI_VERSION + 1)) != std::string::npos &&
                  w.find("ABI version " + std::to_string(MESHRTC_ABI_VERSION)) != std::string::npos,
              w);
    }
    detail::check_abi(1, 1);
}

static void test_pair_signaling() {
    Pair p;
    CHECK(p.a.pc.get_connection_state() == ConnectionState::New);
    CHECK(p.a.pc.get_gathering_state() == GatheringState::New);
    CHECK(p.a.pc.get_signaling_state() == SignalingState::Stable);
    DataChannel chat = p.a.pc.create_data_channel("chat", R"({"protocol":"chat-v1"})");
    p.a.pc.create_offer();
    wait_until([&] { return p.a.state == ConnectionState::Connected && p.b.state == ConnectionState::Connected &&
                            p.b.received.size() == 1; },
               [&] { p.pump(); }, "connected and channel received");
    p.wait_open({&chat, &p.b.received[0]});
    CHECK(p.a.offers == 1 && p.b.answers == 1, p.a.offers, "/", p.b.answers);
    CHECK(p.a.candidates > 0 && p.b.candidates > 0);
    CHECK(std::count(p.a.signaling.begin(), p.a.signaling.end(), SignalingState::HaveLocalOffer) == 1);
    CHECK(std::count(p.b.signaling.begin(), p.b.signaling.end(), SignalingState::HaveRemoteOffer) == 1);
    CHECK(std::count(p.a.gathering.begin(), p.a.gathering.end(), GatheringState::Gathering) == 1);
    CHECK(p.a.pc.get_signaling_state() == SignalingState::Stable && p.b.pc.get_signaling_state() == SignalingState::Stable);
    CHECK(p.a.pc.get_connection_state() == ConnectionState::Connected);
    wait_until([&] { return p.a.pc.get_gathering_state() == GatheringState::Complete; }, [&] { p.pump(); }, "gathering complete");
    CHECK(p.b.received[0].get_label() == "chat" && p.b.received[0].get_protocol() == "chat-v1");
    meshrtc_peer_stats st = p.a.pc.get_stats();
    CHECK(st.local_candidate_type == MESHRTC_CANDIDATE_HOST && st.remote_candidate_type == MESHRTC_CANDIDATE_HOST);
    CHECK(st.bytes_sent > 0 && st.bytes_received > 0);

    const uint8_t one[] = {1, 2, 3};
    chat.put_packet(one);
    p.b.received[0].put_packet(std::vector<uint8_t>{4, 5});
    wait_until([&] { return chat.get_available_packet_count() == 1 && p.b.received[0].get_available_packet_count() == 1; },
               [&] { p.pump(); }, "a message each way");
    CHECK((p.b.received[0].get_packet() == std::vector<uint8_t>{1, 2, 3}));
    CHECK((chat.get_packet() == std::vector<uint8_t>{4, 5}));

    p.a.pc.close();
    CHECK(p.a.pc.get_connection_state() == ConnectionState::Closed);
    wait_until([&] { return p.b.received[0].get_ready_state() == ChannelState::Closed; }, [&] { p.pump(); },
               "B's channel closed");
    wait_until([&] { return p.b.state != ConnectionState::Connected; }, [&] { p.pump(); }, "B's state event");
}

static void test_channel_getters() {
    Pair p;
    DataChannel inband = p.a.pc.create_data_channel("inband", R"({"ordered":false,"maxRetransmits":3,"protocol":"proto-x"})");
    DataChannel life = p.a.pc.create_data_channel("life", R"({"maxPacketLifeTime":250})");
    DataChannel neg_a = p.a.pc.create_data_channel("neg", R"({"negotiated":true,"id":7})");
    DataChannel neg_b = p.b.pc.create_data_channel("neg", R"({"negotiated":true,"id":7})");
    CHECK(inband.get_ready_state() == ChannelState::Connecting);
    CHECK(inband.get_id() == 65535, inband.get_id());
    CHECK(neg_a.get_id() == 7 && inband.owned() && inband.handle() != 0);
    p.a.pc.create_offer();
    wait_until([&] { return p.b.received.size() == 2; }, [&] { p.pump(); }, "two channels received");
    DataChannel &inband_b = p.b.received[0].get_label() == "inband" ? p.b.received[0] : p.b.received[1];
    DataChannel &life_b = p.b.received[0].get_label() == "life" ? p.b.received[0] : p.b.received[1];
    p.wait_open({&inband, &life, &neg_a, &neg_b, &inband_b, &life_b});
    for (DataChannel *c : {&inband, &inband_b}) {
        CHECK(c->get_label() == "inband" && c->get_protocol() == "proto-x");
        CHECK(!c->is_ordered() && c->get_max_retransmits() == 3 && c->get_max_packet_life_time() == 65535);
        CHECK(!c->is_negotiated());
    }
    CHECK(inband.get_id() == inband_b.get_id() && inband.get_id() != 65535);
    for (DataChannel *c : {&life, &life_b}) {
        CHECK(c->is_ordered() && c->get_max_packet_life_time() == 250 && c->get_max_retransmits() == 65535);
        CHECK(c->get_protocol().empty());
    }
    for (DataChannel *c : {&neg_a, &neg_b}) {
        CHECK(c->get_label() == "neg" && c->get_id() == 7 && c->is_negotiated() && c->is_ordered());
        CHECK(c->get_ready_state() == ChannelState::Open);
        CHECK(c->get_max_packet_size() == 262144, c->get_max_packet_size());
        CHECK(c->get_write_mode() == WriteMode::Binary);
        CHECK(c->get_available_packet_count() == 0 && c->get_dropped_count() == 0);
        CHECK(c->get_stats().messages_sent == 0);
    }
    neg_a.set_write_mode(WriteMode::Text);
    CHECK(neg_a.get_write_mode() == WriteMode::Text);
    neg_a.put_packet(std::string_view("AB"));
    wait_until([&] { return neg_b.get_available_packet_count() == 1; }, [&] { p.pump(); }, "text message");
    wait_until([&] { return neg_a.get_buffered_amount() == 0; }, [&] { p.pump(); }, "buffered amount drains");
    auto view = neg_b.get_packet_view();
    CHECK(view && view->as_string() == "AB");
    CHECK(neg_b.was_string_packet());
    CHECK(neg_a.get_stats().messages_sent == 1 && neg_a.get_stats().bytes_sent == 2);
    CHECK(neg_b.get_stats().messages_received == 1 && neg_b.get_stats().bytes_received == 2);
    neg_b.poll();
    neg_b.close();
    wait_until([&] { return neg_b.get_ready_state() == ChannelState::Closed; }, [&] { p.pump(); }, "closed");
}

static void test_reliable_1mib() {
    const std::size_t total = 1u << 20;
    std::vector<uint8_t> data = pattern(total, 42);
    Pair p;
    DataChannel tx = p.a.pc.create_data_channel("bulk", R"({"negotiated":true,"id":1})");
    DataChannel rx = p.b.pc.create_data_channel("bulk", R"({"negotiated":true,"id":1})");
    p.a.pc.create_offer();
    p.wait_open({&tx, &rx});
    const std::size_t max = static_cast<std::size_t>(tx.get_max_packet_size());
    const std::size_t sizes[] = {16384, 1, 65536, max, 1200, 0, 7, 100000};
    std::vector<std::size_t> lengths;
    std::vector<uint8_t> received;
    received.reserve(total);
    std::vector<uint8_t> buf;  // one reusable buffer
    std::size_t messages = 0, sent = 0, k = 0;
    auto drain = [&] {
        p.pump();
        while (rx.get_packet(buf)) {
            CHECK(messages < lengths.size(), "more messages than sent");
            CHECK(buf.size() == lengths[messages], "message ", messages, " has ", buf.size(), " bytes");
            received.insert(received.end(), buf.begin(), buf.end());
            messages++;
        }
    };
    while (sent < total) {
        std::size_t n = std::min(sizes[k++ % 8], total - sent);
        wait_until([&] { return tx.get_buffered_amount() <= (1 << 20); }, drain, "buffered amount to drain");
        if (k % 2)
            tx.put_packet(bytes_view(data.data() + sent, n));
        else
            tx.put_packet(std::vector<uint8_t>(data.begin() + static_cast<std::ptrdiff_t>(sent),
                                               data.begin() + static_cast<std::ptrdiff_t>(sent + n)));
        lengths.push_back(n);
        sent += n;
    }
    wait_until([&] { return received.size() == total; }, drain, "1 MiB received", 120);
    CHECK(messages == lengths.size());
    CHECK(received == data, "payload differs");
    CHECK(buf.capacity() >= max);
    std::printf("     %zu messages, %zu bytes checked\n", messages, received.size());
}

static void test_unreliable() {
    Pair p;
    const char *opts = R"({"negotiated":true,"id":2,"ordered":false,"maxRetransmits":0})";
    DataChannel tx = p.a.pc.create_data_channel("fast", opts);
    DataChannel rx = p.b.pc.create_data_channel("fast", opts);
    p.a.pc.create_offer();
    p.wait_open({&tx, &rx});
    CHECK(!rx.is_ordered() && rx.get_max_retransmits() == 0);
    const int count = 300;
    for (int i = 0; i < count; i++) {
        auto msg = pattern(100, static_cast<uint32_t>(i));
        msg[0] = static_cast<uint8_t>(i & 0xff);
        msg[1] = static_cast<uint8_t>(i >> 8);
        tx.put_packet(msg);
        if (i % 50 == 0) p.pump();
    }
    std::set<int> seen;
    int quiet = 0;
    wait_until([&] { return static_cast<int>(seen.size()) == count || quiet > 2000; },
               [&] {
                   p.pump();
                   bool any = false;
                   while (auto v = rx.get_packet_view()) {
                       any = true;
                       CHECK(v->size() == 100);
                       int seq = (*v)[0] | ((*v)[1] << 8);
                       CHECK(seq < count && seen.insert(seq).second, "sequence ", seq);
                       auto expect = pattern(100, static_cast<uint32_t>(seq));
                       CHECK(std::equal(v->begin() + 2, v->end(), expect.begin() + 2), "packet ", seq, " corrupted");
                   }
                   quiet = any ? 0 : quiet + 1;
               },
               "unreliable packets", 120);
    CHECK(!seen.empty());
    CHECK(static_cast<int64_t>(seen.size()) + rx.get_dropped_count() <= count);
    std::printf("     %zu/%d unreliable packets arrived intact\n", seen.size(), count);
}

static void test_text_packets() {
    Pair p;
    DataChannel tx = p.a.pc.create_data_channel("t", R"({"negotiated":true,"id":3})");
    DataChannel rx = p.b.pc.create_data_channel("t", R"({"negotiated":true,"id":3})");
    p.a.pc.create_offer();
    p.wait_open({&tx, &rx});
    const std::string text("h\xc3\xa9llo\0w\xc3\xb6rld", 13);
    tx.set_write_mode(WriteMode::Text);
    tx.put_packet(text);
    tx.put_packet(bytes_view());
    tx.set_write_mode(WriteMode::Binary);
    tx.put_packet(std::vector<uint8_t>{0});
    wait_until([&] { return rx.get_available_packet_count() == 3; }, [&] { p.pump(); }, "three packets");
    auto v = rx.get_packet_view();
    CHECK(v && v->as_string() == text, "text with NUL kept whole");
    CHECK(rx.was_string_packet());
    CHECK(rx.get_packet().empty() && rx.was_string_packet());
    CHECK((rx.get_packet() == std::vector<uint8_t>{0}) && !rx.was_string_packet());
    expect_error(Error::Unavailable, [&] { rx.get_packet(); }, "get_packet on an empty queue");
    std::vector<uint8_t> buf{9, 9};
    CHECK(!rx.get_packet(buf) && (buf == std::vector<uint8_t>{9, 9}), "nothing written");
    CHECK(!rx.get_packet_view());
}

static void test_worker_thread() {
    // Events are pulled by whichever thread polls; here a worker does it.
    Pair p;
    DataChannel ch = p.a.pc.create_data_channel("x");
    p.a.pc.create_offer();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK(p.a.events == 0 && p.b.events == 0, "nothing happens without poll");
    std::string failure;
    std::thread t([&] {
        try {
            wait_until([&] { return p.b.received.size() == 1; }, [&] { p.pump(); }, "channel received");
            p.wait_open({&ch, &p.b.received[0]});
        } catch (const std::exception &e) {
            failure = e.what();
        }
    });
    t.join();
    CHECK(failure.empty(), failure);
    CHECK(p.a.events > 0 && p.b.events > 0);
}

// -------------------------------------------------------------------- mesh

struct Node {
    MultiplayerPeer mesh;
    std::vector<std::unique_ptr<Side>> links;  // our end of each link, kept alive while in the mesh
    std::vector<int32_t> connected, disconnected;
    int succeeded = 0, failed = 0, server_gone = 0;
    struct Packet {
        int32_t peer, channel;
        TransferMode mode;
        std::vector<uint8_t> data;
    };
    std::vector<Packet> packets;
    std::vector<uint8_t> buf;

    void poll() {
        for (auto &ev : mesh.poll_events()) {
            std::visit(overloaded{
                           [&](PeerConnected e) { connected.push_back(e.id); },
                           [&](PeerDisconnected e) { disconnected.push_back(e.id); },
                           [&](ConnectionSucceeded) { succeeded++; },
                           [&](ConnectionFailed) { failed++; },
                           [&](ServerDisconnected) { server_gone++; },
                       },
                       ev);
        }
        while (mesh.get_available_packet_count() > 0) {
            Packet pk{mesh.get_packet_peer(), mesh.get_packet_channel(), mesh.get_packet_mode(), {}};
            CHECK(mesh.get_packet(buf), "a counted packet can be taken");
            pk.data = buf;
            packets.push_back(std::move(pk));
        }
    }
};

struct Link {
    Side *a, *b;
};

/// Connects node x (as id_x in y's mesh) with node y (as id_y in x's mesh); x offers.
static void link(Node &x, int32_t id_x, Node &y, int32_t id_y, std::vector<Link> &links) {
    x.links.push_back(std::make_unique<Side>());
    y.links.push_back(std::make_unique<Side>());
    Side &sx = *x.links.back(), &sy = *y.links.back();
    sx.name = "node" + std::to_string(id_x);
    sy.name = "node" + std::to_string(id_y);
    x.mesh.add_peer(sx.pc, id_y);
    y.mesh.add_peer(sy.pc, id_x, 1);
    links.push_back({&sx, &sy});
    sx.pc.create_offer();
}

static void pump_links(std::vector<Link> &links) {
    for (auto &l : links) {
        pump_one(*l.a, *l.b);
        pump_one(*l.b, *l.a);
    }
}

/// Meshes 1..n with the same extra channels; link_all connects each with
/// each (the lower id offers).
struct FullMesh {
    std::vector<std::unique_ptr<Node>> nodes;
    std::vector<Link> links;

    FullMesh(int n, const std::vector<TransferMode> &channels) {
        for (int id = 1; id <= n; id++) {
            nodes.push_back(std::make_unique<Node>());
            nodes.back()->mesh.create_mesh(id, channels);
        }
    }
    int size() const { return static_cast<int>(nodes.size()); }
    Node &node(int id) { return *nodes[static_cast<std::size_t>(id - 1)]; }
    void link_all() {
        for (int i = 1; i <= size(); i++)
            for (int j = i + 1; j <= size(); j++) link(node(i), i, node(j), j, links);
    }
    void poll_all() {
        pump_links(links);
        for (auto &x : nodes) x->poll();
    }
    std::function<void()> poller() {
        return [this] { poll_all(); };
    }
    void wait_connected() {
        auto others = nodes.size() - 1;
        wait_until([&] {
            return std::all_of(nodes.begin(), nodes.end(), [&](auto &x) { return x->connected.size() == others; });
        }, poller(), "every peer connected", 120);
    }
};

/// The peer other in node's mesh: connected on node's own connection, with
/// its five borrowed channels open as configured, outliving their wrappers.
static void check_mesh_peer_info(Node &node, int32_t other) {
    auto &m = node.mesh;
    CHECK(m.has_peer(other));
    MeshPeerInfo info = m.get_peer(other);
    CHECK(info.connected && info.channels.size() == 5);
    bool ours = false;
    for (auto &l : node.links) ours |= l->pc.handle() == info.connection;
    CHECK(ours, "connection handle is ours");
    const char *labels[] = {"reliable", "ordered", "unreliable", "4", "5"};
    for (std::size_t c = 0; c < 5; c++) {
        const DataChannel &ch = info.channels[c];
        CHECK(!ch.owned() && ch.get_label() == labels[c] && ch.get_id() == static_cast<int32_t>(c + 1));
        CHECK(ch.is_negotiated() && ch.get_ready_state() == ChannelState::Open);
    }
    CHECK(info.channels[0].get_max_packet_life_time() == 65535 && info.channels[1].get_max_packet_life_time() == 1);
    CHECK(info.channels[1].is_ordered() && !info.channels[2].is_ordered() && !info.channels[4].is_ordered());
    // Borrowed channels are never destroyed by their wrapper.
    int64_t h = info.channels[0].handle();
    expect_error(Error::Unauthorized, [&] { detail::check(meshrtc_channel_destroy(h), "meshrtc_channel_destroy"); },
                 "destroy a mesh channel");
    info.channels.clear();
    CHECK(m.get_peer(other).channels[0].get_label() == "reliable", "still there after the wrappers went");
}

/// Mesh id saw every other one connect and lists them as its peers.
static void check_mesh_peers(FullMesh &fm, int id) {
    std::vector<int32_t> others;
    for (int x = 1; x <= fm.size(); x++)
        if (x != id) others.push_back(x);
    auto got = fm.node(id).connected;
    std::sort(got.begin(), got.end());
    CHECK(got == others, "peer_connected at ", id);
    auto ids = fm.node(id).mesh.get_peers();
    std::sort(ids.begin(), ids.end());
    CHECK(ids == others);
    for (int32_t other : others) check_mesh_peer_info(fm.node(id), other);
}

/// Mesh 1's default target (all) and mode (reliable on channel 0).
static void check_broadcast(FullMesh &fm) {
    fm.node(1).mesh.put_packet(std::string_view("hello from 1"));
    wait_until([&] { return fm.node(2).packets.size() && fm.node(3).packets.size() && fm.node(4).packets.size(); },
               fm.poller(), "broadcast");
    for (int i = 2; i <= fm.size(); i++) {
        auto &ps = fm.node(i).packets;
        CHECK(ps.size() == 1 && ps[0].peer == 1 && ps[0].channel == 0 && ps[0].mode == TransferMode::Reliable);
        CHECK(bytes_view(ps[0].data).as_string() == "hello from 1");
        ps.clear();
    }
}

/// Mesh 2 to peer 3 alone, unreliable ordered (resent until one arrives).
static void check_target_peer(FullMesh &fm) {
    Node &n2 = fm.node(2), &n3 = fm.node(3);
    n2.mesh.set_target_peer(3);
    n2.mesh.set_transfer_mode(TransferMode::UnreliableOrdered);
    CHECK(n2.mesh.get_target_peer() == 3 && n2.mesh.get_transfer_mode() == TransferMode::UnreliableOrdered);
    wait_until([&] { return !n3.packets.empty(); },
               [&] {
                   n2.mesh.put_packet(std::string_view("to 3"));
                   fm.poll_all();
               },
               "targeted packet");
    for (auto &pk : n3.packets)
        CHECK(pk.peer == 2 && pk.mode == TransferMode::UnreliableOrdered && pk.channel == 0 &&
              bytes_view(pk.data).as_string() == "to 3");
    n3.packets.clear();
}

/// Mesh 4 to all but peer 1 on extra channel 1 (reliable).
static void check_all_but_one(FullMesh &fm) {
    Node &n4 = fm.node(4);
    n4.mesh.set_target_peer(-1);
    n4.mesh.set_transfer_channel(1);
    CHECK(n4.mesh.get_transfer_channel() == 1);
    auto payload = pattern(1000, 4);
    n4.mesh.put_packet(payload);
    auto from4 = [&](int i) {
        return std::any_of(fm.node(i).packets.begin(), fm.node(i).packets.end(), [](auto &pk) { return pk.peer == 4; });
    };
    wait_until([&] { return from4(2) && from4(3); }, fm.poller(), "all but 1");
    for (int i : {2, 3}) {
        for (auto &pk : fm.node(i).packets)
            if (pk.peer == 4) CHECK(pk.channel == 1 && pk.mode == TransferMode::Reliable && pk.data == payload);
        fm.node(i).packets.clear();
    }
}

/// Mesh 3 to peer 1 on extra channel 2 (unreliable; resent until one
/// arrives); peer 4, excluded before, gets nothing.
static void check_extra_unreliable_channel(FullMesh &fm) {
    Node &n1 = fm.node(1), &n3 = fm.node(3);
    n3.mesh.set_target_peer(1);
    n3.mesh.set_transfer_channel(2);
    auto from3 = [&] {
        return std::any_of(n1.packets.begin(), n1.packets.end(), [](auto &pk) { return pk.peer == 3; });
    };
    wait_until(from3,
               [&] {
                   n3.mesh.put_packet(std::vector<uint8_t>{3, 3, 3});
                   fm.poll_all();
               },
               "extra unreliable channel");
    for (auto &pk : n1.packets) CHECK(pk.peer == 3 && pk.channel == 2 && pk.mode == TransferMode::Unreliable);
    CHECK(fm.node(4).packets.empty(), "peer 4 excluded itself");
}

/// Mesh 4 closes: it reports every peer gone at once, and every other mesh
/// sees it leave.
static void check_close_leaves_everywhere(FullMesh &fm) {
    Node &n4 = fm.node(4);
    n4.mesh.close();
    CHECK(n4.mesh.get_connection_status() == ConnectionStatus::Disconnected);
    n4.poll();
    auto gone = n4.disconnected;
    std::sort(gone.begin(), gone.end());
    CHECK((gone == std::vector<int32_t>{1, 2, 3}));
    wait_until([&] {
        for (int i = 1; i <= 3; i++)
            if (!contains(fm.node(i).disconnected, 4)) return false;
        return true;
    }, fm.poller(), "peer 4 disconnected everywhere", 120);
    for (int i = 1; i <= 3; i++) {
        CHECK(!fm.node(i).mesh.has_peer(4));
        expect_error(Error::DoesNotExist, [&] { fm.node(i).mesh.get_peer(4); }, "get_peer of a gone peer");
    }
}

static void test_mesh_4_peers() {
    FullMesh fm(4, {TransferMode::Reliable, TransferMode::Unreliable});
    for (int id = 1; id <= fm.size(); id++) {
        auto &m = fm.node(id).mesh;
        CHECK(m.get_connection_status() == ConnectionStatus::Connected && m.get_unique_id() == id);
        CHECK(!m.is_server_relay_supported() && m.get_max_packet_size() == 1200);
    }
    fm.link_all();
    fm.wait_connected();
    for (int id = 1; id <= fm.size(); id++) check_mesh_peers(fm, id);
    check_broadcast(fm);
    check_target_peer(fm);
    check_all_but_one(fm);
    check_extra_unreliable_channel(fm);
    check_close_leaves_everywhere(fm);
}

static void test_mesh_server_client() {
    Node server, c2, c3;
    std::vector<Link> links;
    server.mesh.create_server();
    c2.mesh.create_client(2);
    c3.mesh.initialize(3, true);  // Godot 3's WebRTCMultiplayer with server compatibility
    CHECK(server.mesh.is_server_relay_supported() && c2.mesh.is_server_relay_supported());
    CHECK(c2.mesh.get_connection_status() == ConnectionStatus::Connecting);
    {
        PeerConnection extra(kLoopback);
        expect_error(Error::InvalidParameter, [&] { c2.mesh.add_peer(extra, 5); }, "client adds a peer other than 1");
    }
    link(server, 1, c2, 2, links);
    link(server, 1, c3, 3, links);
    auto poll_all = [&] {
        pump_links(links);
        server.poll();
        c2.poll();
        c3.poll();
    };
    wait_until([&] { return server.connected.size() == 2 && c2.connected.size() == 1 && c3.succeeded == 1; }, poll_all,
               "clients connected", 120);
    CHECK((c2.connected == std::vector<int32_t>{1}));
    CHECK(std::find(c3.connected.begin(), c3.connected.end(), 1) != c3.connected.end());
    CHECK(c2.mesh.get_connection_status() == ConnectionStatus::Connected && c2.mesh.get_unique_id() == 2);
    c2.mesh.set_target_peer(1);
    c2.mesh.put_packet(std::vector<uint8_t>{2});
    wait_until([&] { return server.packets.size() == 1; }, poll_all, "client -> server");
    CHECK(server.packets[0].peer == 2);
    server.mesh.remove_peer(2);
    CHECK(!server.mesh.has_peer(2));
    wait_until([&] { return !c2.disconnected.empty(); }, poll_all, "client sees the server go", 120);
    CHECK(c2.disconnected[0] == 1 && c2.mesh.get_connection_status() == ConnectionStatus::Disconnected);
    server.mesh.disconnect_peer(3, true);
    wait_until([&] { return c3.server_gone == 1; }, poll_all, "Godot 3 server_disconnected", 120);
}

// ------------------------------------------------------------------- lobby

/// A Lobby and what it and its mesh reported.
struct LobbyNode {
    Lobby lobby;
    std::string name;
    int32_t id = 0;
    bool mesh_mode = false;
    std::vector<int32_t> joined, left, connected, disconnected;
    std::vector<std::pair<int32_t, std::string>> packets;
    std::optional<LobbyClosed> closed;
    int errors = 0, sealed = 0;

    explicit LobbyNode(const std::string &url)
        : lobby(url, std::string(R"({"peerConfig":)") + kLoopback + R"(,"channels":[0]})") {}

    void poll() {
        for (auto &ev : lobby.poll_events())
            std::visit(overloaded{
                           [&](LobbyJoined &e) { name = e.name; },
                           [&](LobbyConnected &e) { id = e.id, mesh_mode = e.mesh; },
                           [&](LobbyPeerJoined &e) { joined.push_back(e.id); },
                           [&](LobbyPeerLeft &e) { left.push_back(e.id); },
                           [&](LobbySealed &) { sealed++; },
                           [&](LobbyError &e) {
                               errors++;
                               std::printf("lobby error %d: %s\n", code(e.code), e.message.c_str());
                           },
                           [&](LobbyClosed &e) { closed = e; },
                       },
                       ev);
        MultiplayerPeer &m = lobby.multiplayer();
        for (auto &ev : m.poll_events())
            std::visit(overloaded{
                           [&](PeerConnected &e) { connected.push_back(e.id); },
                           [&](PeerDisconnected &e) { disconnected.push_back(e.id); },
                           [](auto &) {},
                       },
                       ev);
        while (m.get_available_packet_count() > 0) {
            int32_t from = m.get_packet_peer();
            auto v = m.get_packet_view();
            packets.emplace_back(from, std::string(v->as_string()));
        }
    }
    bool got(int32_t from, const std::string &text) const {
        return std::find(packets.begin(), packets.end(), std::make_pair(from, text)) != packets.end();
    }
};

/// Three Lobby objects meet in a mesh lobby on meshrtc-lobby (its URL in
/// MESHRTC_TEST_LOBBY_URL, from run.sh): events, connected meshes, packets
/// between all, one leaves; errors of the calls.
static void test_lobby() {
    const char *url = std::getenv("MESHRTC_TEST_LOBBY_URL");
    CHECK(url != nullptr && *url != '\0', "MESHRTC_TEST_LOBBY_URL is not set");
    expect_error(Error::InvalidParameter, [] { Lobby l("http://127.0.0.1:1"); }, "a URL that is not ws://");
    expect_error(Error::InvalidParameter, [] { Lobby l("ws://127.0.0.1:1", R"({"nope":1})"); }, "an unknown option");
    std::vector<std::unique_ptr<LobbyNode>> ns;
    for (int i = 0; i < 3; i++) ns.push_back(std::make_unique<LobbyNode>(url));
    auto poll_all = [&] {
        for (auto &n : ns) n->poll();
    };
    LobbyNode &host = *ns[0];
    host.lobby.join();
    wait_until([&] { return host.id != 0; }, poll_all, "the host's id");
    CHECK(host.id == 1 && host.name.size() == 16 && host.mesh_mode, host.id, " ", host.name);
    expect_error(Error::AlreadyExists, [&] { host.lobby.join(); }, "a second join");
    ns[1]->lobby.join(host.name, false);
    ns[2]->lobby.join(host.name);
    wait_until([&] { return std::all_of(ns.begin(), ns.end(), [](auto &n) { return n->connected.size() == 2; }); }, poll_all,
               "every link connected");
    for (auto &n : ns) {
        CHECK(n->mesh_mode && n->lobby.multiplayer().get_unique_id() == n->id);
        MeshPeerInfo info = n->lobby.multiplayer().get_peer(n->connected[0]);
        CHECK(info.connection == 0 && info.channels.size() == 4 && info.connected);
        for (auto &o : ns)
            if (o != n) {
                CHECK(contains(n->joined, o->id), n->id, " did not hear of ", o->id);
                n->lobby.multiplayer().set_target_peer(o->id);
                std::string text = std::to_string(n->id) + " to " + std::to_string(o->id);
                n->lobby.multiplayer().put_packet(bytes_view(text));
            }
    }
    wait_until(
        [&] {
            for (auto &n : ns)
                for (auto &o : ns)
                    if (o != n && !n->got(o->id, std::to_string(o->id) + " to " + std::to_string(n->id))) return false;
            return true;
        },
        poll_all, "a packet from every member to every other");
    expect_error(Error::Unauthorized, [&] { ns[1]->lobby.seal(); }, "seal by a guest");
    expect_error(Error::Unauthorized, [&] { host.lobby.multiplayer().create_mesh(1); }, "create_mesh on a lobby's mesh");

    int32_t leaver = ns[2]->id;
    ns.pop_back();  // its Lobby is destroyed: it leaves
    wait_until([&] { return contains(ns[0]->left, leaver) && contains(ns[1]->disconnected, leaver); }, poll_all,
               "the others see the leaver go");
    Lobby moved = std::move(ns[1]->lobby);
    expect_error(Error::InvalidParameter, [&] { ns[1]->lobby.poll(); }, "a moved-from Lobby");
    moved.poll();
    for (auto &n : ns) CHECK(n->errors == 0);
}

// ----------------------------------------------------------------- batches

/// sizes.size() messages, message i being sizes[i] bytes of value first + i.
static std::vector<uint8_t> messages(int first, const std::vector<int32_t> &sizes) {
    std::vector<uint8_t> data;
    for (std::size_t i = 0; i < sizes.size(); i++)
        data.insert(data.end(), static_cast<std::size_t>(sizes[i]), static_cast<uint8_t>(first + static_cast<int>(i)));
    return data;
}

/// n channel packets in buf: packet k (from first on) has sizes[k] bytes of value k.
static void check_taken(std::size_t n, const uint8_t *buf, const meshrtc_packet_info *infos, int first,
                        const std::vector<int32_t> &sizes, const std::string &what) {
    std::size_t off = 0;
    for (std::size_t i = 0; i < n; i++) {
        int k = first + static_cast<int>(i);
        const meshrtc_packet_info &info = infos[i];
        CHECK(info.size == sizes[static_cast<std::size_t>(k)], what, ": size of packet ", k, " is ", info.size);
        CHECK(!info.is_string && info.peer_id == 0 && info.channel == 0 && info.mode == 0, what, ": packet ", k);
        for (int32_t j = 0; j < info.size; j++)
            CHECK(buf[off + static_cast<std::size_t>(j)] == static_cast<uint8_t>(k), what, ": packet ", k, " byte ", j);
        off += static_cast<std::size_t>(info.size);
    }
}

static void test_batches_pair() {
    Pair p;
    DataChannel tx = p.a.pc.create_data_channel("batch", R"({"negotiated":true,"id":1})");
    DataChannel rx = p.b.pc.create_data_channel("batch", R"({"negotiated":true,"id":1})");
    p.a.pc.create_offer();
    p.wait_open({&tx, &rx});
    const std::vector<int32_t> sizes{1, 2, 3, 0, 4};
    CHECK(tx.put_packets(messages(0, sizes), sizes) == 5);
    tx.set_write_mode(WriteMode::Text);
    CHECK(tx.put_packets(std::string_view("hiyo"), {2, 2}) == 2);
    tx.set_write_mode(WriteMode::Binary);
    CHECK(tx.put_packets(bytes_view(), {}) == 0, "an empty batch");
    wait_until([&] { return rx.get_available_packet_count() == 7; }, [&] { p.pump(); }, "7 packets");

    std::vector<meshrtc_packet_info> infos(8);
    std::vector<uint8_t> buf(4);
    // 4 bytes hold packets 0 and 1 (1 + 2); packet 2 needs 3 more.
    std::size_t n = rx.get_packets(buf, infos);
    CHECK(n == 2, n);
    check_taken(n, buf.data(), infos.data(), 0, sizes, "first batch");
    uint8_t two[2];
    auto e = expect_error(Error::ParameterRangeError, [&] { rx.get_packets(two, sizeof two, infos.data(), infos.size()); },
                          "buffer too small");
    CHECK(e.function() == "meshrtc_channel_get_packets", e.what());
    CHECK(infos[0].size == 3 && rx.get_available_packet_count() == 5, "size given, nothing taken");
    meshrtc_packet_info one{};
    CHECK(rx.get_packets(buf.data(), buf.size(), &one, 1) == 1 && one.size == 3, "one description, one packet");
    CHECK(buf[0] == 2 && buf[1] == 2 && buf[2] == 2);
    std::vector<uint8_t> big(64);
    n = rx.get_packets(big, infos);
    CHECK(n == 4 && infos[0].size == 0 && infos[1].size == 4 && infos[2].size == 2 && infos[3].size == 2, n);
    CHECK(!infos[0].is_string && !infos[1].is_string && infos[2].is_string && infos[3].is_string, "string flags");
    CHECK(bytes_view(big.data() + 4, 4).as_string() == "hiyo");
    CHECK(rx.was_string_packet(), "was_string_packet describes the last packet taken");
    CHECK(rx.get_packets(big, infos) == 0, "an empty queue");
    CHECK(rx.get_packets(nullptr, 0, infos.data(), infos.size()) == 0, "an empty queue, no buffer");

    std::vector<meshrtc_packet_info> none;
    expect_error(Error::InvalidParameter, [&] { rx.get_packets(big, none); }, "no descriptions");
    expect_error(Error::InvalidParameter, [&] { rx.get_packets(nullptr, 8, infos.data(), infos.size()); }, "NULL buffer");

    // A batch that fails part way: the first goes, the second is too large;
    // the rest, put again, throws.
    const int32_t max = tx.get_max_packet_size();
    const std::vector<int32_t> parts{1, max + 1, 1};
    auto data = messages(0, parts);
    CHECK(tx.put_packets(data, parts) == 1, "accepted before the oversize message");
    e = expect_error(Error::InvalidParameter,
                     [&] { tx.put_packets(bytes_view(data.data() + 1, data.size() - 1), {max + 1, 1}); }, "oversize again");
    CHECK(e.function() == "meshrtc_channel_put_packets", e.what());
    wait_until([&] { return rx.get_available_packet_count() == 1; }, [&] { p.pump(); }, "the accepted message");
    CHECK(rx.get_packets(big, infos) == 1 && infos[0].size == 1 && big[0] == 0);
    e = expect_error(Error::InvalidParameter, [&] { tx.put_packets(std::string_view("ab"), {1, 2}); }, "sizes past the data");
    CHECK(e.function() == "meshrtc_channel_put_packets", e.what());
    expect_error(Error::InvalidParameter, [&] { tx.put_packets(std::string_view("ab"), {1, -1}); }, "a negative size");

    tx.close();
    expect_error(Error::Failed, [&] { tx.put_packets(std::string_view("ab"), {1, 1}); }, "put on a closed channel");
}

/// Peers 2 and 3 send to peer 1 with put_packets on several channels and
/// modes; peer 1 takes them two at a time with get_packets, in get_packet's
/// order (round robin over the peers in the order they were added, one packet
/// per peer per turn, channels by index), each with its sender, channel and mode.
static void test_batches_mesh() {
    FullMesh fm(3, {TransferMode::Reliable});
    Node &n1 = fm.node(1), &n2 = fm.node(2), &n3 = fm.node(3);
    fm.link_all();
    fm.wait_connected();

    n2.mesh.set_target_peer(1);
    CHECK(n2.mesh.put_packets(std::string_view("2a2b"), {2, 2}) == 2);
    n2.mesh.set_transfer_channel(1);
    CHECK(n2.mesh.put_packets(std::string_view("2x"), {2}) == 1);
    n3.mesh.set_target_peer(1);
    n3.mesh.set_transfer_mode(TransferMode::UnreliableOrdered);
    CHECK(n3.mesh.put_packets(std::string_view("3o"), {2}) == 1);
    n3.mesh.set_transfer_mode(TransferMode::Reliable);
    CHECK(n3.mesh.put_packets(std::string_view("3a"), {2}) == 1);

    // Everything queued on peer 1's channels before its mesh polls, so the
    // order does not depend on arrival times.
    auto queued = [&] {
        int32_t total = 0;
        for (int32_t id : {2, 3})
            for (const DataChannel &ch : n1.mesh.get_peer(id).channels) total += ch.get_available_packet_count();
        return total == 5;
    };
    wait_until(queued, nullptr, "5 packets queued at peer 1");
    n1.mesh.poll();
    CHECK(n1.mesh.get_available_packet_count() == 5);
    struct Want {
        const char *text;
        int32_t peer, channel;
        TransferMode mode;
    };
    const Want want[] = {{"2a", 2, 0, TransferMode::Reliable},
                         {"3a", 3, 0, TransferMode::Reliable},
                         {"2b", 2, 0, TransferMode::Reliable},
                         {"3o", 3, 0, TransferMode::UnreliableOrdered},
                         {"2x", 2, 1, TransferMode::Reliable}};
    std::vector<uint8_t> buf(5);  // two 2-byte packets per call
    std::vector<meshrtc_packet_info> infos(4);
    std::size_t got = 0;
    while (got < std::size(want)) {
        std::size_t n = n1.mesh.get_packets(buf, infos);
        CHECK(n == std::min<std::size_t>(2, std::size(want) - got), n, " packets after ", got);
        for (std::size_t i = 0; i < n; i++, got++) {
            std::string text(bytes_view(buf.data() + 2 * i, static_cast<std::size_t>(infos[i].size)).as_string());
            CHECK(text == want[got].text && infos[i].peer_id == want[got].peer && infos[i].channel == want[got].channel &&
                      infos[i].mode == code(want[got].mode) && !infos[i].is_string,
                  "packet ", got, ": ", text, " from ", infos[i].peer_id, " channel ", infos[i].channel, " mode ",
                  infos[i].mode);
        }
    }
    CHECK(n1.mesh.get_packets(buf, infos) == 0 && n1.mesh.get_packet_peer() == 0, "the mesh's queue is empty");

    // Broadcast to both others; a target not in the mesh fails at the first.
    n2.mesh.set_target_peer(0);
    n2.mesh.set_transfer_channel(0);
    CHECK(n2.mesh.put_packets(std::string_view("b1b2"), {2, 2}) == 2);
    wait_until([&] { return n1.packets.size() == 2 && n3.packets.size() == 2; }, fm.poller(), "broadcast batch");
    for (Node *x : {&n1, &n3})
        CHECK(bytes_view(x->packets[0].data).as_string() == "b1" && bytes_view(x->packets[1].data).as_string() == "b2");
    n2.mesh.set_target_peer(9);
    auto e = expect_error(Error::InvalidParameter, [&] { n2.mesh.put_packets(std::string_view("zz"), {2}); }, "bad target");
    CHECK(e.function() == "meshrtc_mesh_put_packets", e.what());
    MultiplayerPeer unconfigured;
    expect_error(Error::Unconfigured, [&] { unconfigured.put_packets(std::string_view("z"), {1}); }, "unconfigured put");
    CHECK(unconfigured.get_packets(buf, infos) == 0, "get on an unconfigured mesh");
}

/// wait: false on an idle library, woken by another thread's packet (queued
/// by then), an arrival while nobody waited remembered once, negative refused.
static void test_wait() {
    Pair p;
    DataChannel tx = p.a.pc.create_data_channel("wait", R"({"negotiated":true,"id":1})");
    DataChannel rx = p.b.pc.create_data_channel("wait", R"({"negotiated":true,"id":1})");
    p.a.pc.create_offer();
    p.wait_open({&tx, &rx});
    wait_until([&] { return p.a.pc.get_gathering_state() == GatheringState::Complete &&
                            p.b.pc.get_gathering_state() == GatheringState::Complete; },
               [&] { p.pump(); }, "gathering complete");
    p.pump();
    for (int i = 0; i < 1000 && wait(std::chrono::microseconds(0)); i++) {
    }  // what connecting left
    CHECK(!wait(std::chrono::microseconds(0)), "nothing arrived on an idle library");
    CHECK(!wait(std::chrono::milliseconds(10)), "a timeout on an idle library");

    std::string failure;
    std::thread sender([&] {
        try {
            tx.put_packet(std::vector<uint8_t>{7});
        } catch (const std::exception &ex) {
            failure = ex.what();
        }
    });
    bool arrived = wait(std::chrono::minutes(1));
    sender.join();
    CHECK(failure.empty(), failure);
    CHECK(arrived, "a packet from another thread ends the wait");
    CHECK(rx.get_available_packet_count() == 1, "the packet is queued when wait returns");

    tx.put_packet(std::vector<uint8_t>{8});
    wait_until([&] { return rx.get_available_packet_count() == 2; }, nullptr, "a packet while nobody waits");
    CHECK(wait(std::chrono::minutes(1)), "the arrival before wait is remembered");
    CHECK(!wait(std::chrono::microseconds(0)), "and wakes one wait only");
    auto e = expect_error(Error::InvalidParameter, [&] { wait(std::chrono::microseconds(-1)); }, "a negative timeout");
    CHECK(e.function() == "meshrtc_wait", e.what());
}

// --------------------------------------------------------------- bad input

static void test_moved_from() {
    PeerConnection p(kLoopback);
    DataChannel c = p.create_data_channel("x");
    MultiplayerPeer m;
    PeerConnection p2 = std::move(p);
    DataChannel c2 = std::move(c);
    MultiplayerPeer m2 = std::move(m);
    CHECK(!p && p2 && !c && c2 && !m && m2);
    auto e = expect_error(Error::InvalidParameter, [&] { p.create_offer(); }, "moved-from peer");
    CHECK(e.function() == "meshrtc::PeerConnection" && e.message().find("moved") != std::string::npos, e.what());
    expect_error(Error::InvalidParameter, [&] { p.poll_events(); }, "moved-from peer poll");
    expect_error(Error::InvalidParameter, [&] { p.get_connection_state(); }, "moved-from peer getter");
    expect_error(Error::InvalidParameter, [&] { c.put_packet(std::vector<uint8_t>{1}); }, "moved-from channel");
    expect_error(Error::InvalidParameter, [&] { c.get_label(); }, "moved-from channel label");
    expect_error(Error::InvalidParameter, [&] { m.poll(); }, "moved-from mesh");
    expect_error(Error::InvalidParameter, [&] { m2.add_peer(p, 2); }, "add an empty peer");
    // Move-assigning over a live object destroys it first, exactly once.
    DataChannel c3 = p2.create_data_channel("y");
    int64_t old = c3.handle();
    c3 = std::move(c2);
    expect_error(Error::DoesNotExist, [&] { detail::check(meshrtc_channel_poll(old), "meshrtc_channel_poll"); },
                 "the overwritten channel was destroyed");
    c3.reset();
    c3.reset();
    CHECK(!c3 && detail::destroy_failures.load() == 0);
    // Self-move leaves the object intact.
    PeerConnection &alias = p2;
    p2 = std::move(alias);
    CHECK(p2 && p2.get_connection_state() == ConnectionState::New);
    // Many objects in a vector survive reallocation (moves).
    std::vector<PeerConnection> many;
    for (int i = 0; i < 40; i++) many.emplace_back(kLoopback);
    for (auto &x : many) CHECK(x.get_connection_state() == ConnectionState::New);
}

static void test_arguments() {
    PeerConnection p;
    p.initialize();
    p.initialize(kLoopback);
    auto nul = expect_error(Error::InvalidParameter, [&] { p.create_data_channel(std::string_view("a\0b", 3)); }, "NUL in a string");
    CHECK(nul.function() == "meshrtc_peer_create_data_channel", nul.what());
    auto e = expect_error(Error::InvalidParameter, [&] { p.initialize("{not json"); }, "malformed config");
    e = expect_error(Error::InvalidParameter, [&] { p.initialize(R"({"meshrtc":{"interfacez":["lo"]}})"); }, "unknown key");
    CHECK(e.message().find("interfacez") != std::string::npos && e.function() == "meshrtc_peer_initialize", e.what());
    expect_error(Error::InvalidParameter, [&] { p.create_data_channel("x", R"({"maxRetransmits":1,"maxPacketLifeTime":1})"); },
                 "both limits");
    expect_error(Error::InvalidParameter, [&] { p.create_data_channel("x", R"({"negotiated":true})"); }, "no id");
    expect_error(Error::InvalidParameter, [&] { p.set_local_description("bogus", "v=0\r\n"); }, "bad sdp type");
    expect_error(Error::InvalidParameter, [&] { p.add_ice_candidate("0", -1, "candidate:1 1 udp 1 127.0.0.1 1 typ host"); },
                 "negative index");
    expect_error(Error::InvalidParameter, [&] { p.add_ice_candidate("0", 0, "not a candidate"); }, "bad candidate");
    DataChannel ch = p.create_data_channel("x");
    expect_error(Error::InvalidParameter, [&] { ch.set_write_mode(static_cast<WriteMode>(5)); }, "bad write mode");
    expect_error(Error::InvalidParameter,
                 [&] { ch.put_packet(bytes_view(static_cast<const uint8_t *>(nullptr), std::size_t{1} << 31)); },
                 "2 GiB byte range");
    MultiplayerPeer m;
    expect_error(Error::InvalidParameter, [&] { m.create_mesh(0); }, "mesh id 0");
    expect_error(Error::InvalidParameter, [&] { m.create_client(1); }, "client id 1");
    expect_error(Error::InvalidParameter, [&] { m.create_server({static_cast<TransferMode>(9)}); }, "bad mode");
    expect_error(Error::InvalidParameter, [&] { m.set_transfer_mode(static_cast<TransferMode>(7)); }, "bad transfer mode");
    expect_error(Error::InvalidParameter, [&] { m.set_transfer_channel(256); }, "bad transfer channel");
    expect_error(Error::InvalidParameter, [&] { m.set_options(R"({"nope":1})"); }, "bad mesh option");
    expect_error(Error::InvalidParameter, [&] { m.create_server(std::vector<TransferMode>(256)); }, "256 channels");
}

static void test_wrong_states() {
    Pair p;
    expect_error(Error::Unconfigured, [&] { p.a.pc.create_offer(); }, "offer without a channel");
    DataChannel a = p.a.pc.create_data_channel("s", R"({"negotiated":true,"id":1})");
    DataChannel b = p.b.pc.create_data_channel("s", R"({"negotiated":true,"id":1})");
    expect_error(Error::Unavailable, [&] { a.put_packet(std::vector<uint8_t>{1}); }, "send while connecting");
    p.a.pc.create_offer();
    p.wait_open({&a, &b});
    expect_error(Error::Unavailable, [&] { p.a.pc.create_data_channel("late"); }, "late channel");
    std::vector<uint8_t> big(static_cast<std::size_t>(a.get_max_packet_size()) + 1);
    expect_error(Error::InvalidParameter, [&] { a.put_packet(big); }, "oversize packet");
    big.pop_back();
    a.put_packet(big);
    a.close();
    a.close();
    expect_error(Error::Failed, [&] { a.put_packet(std::vector<uint8_t>{1}); }, "send on a closed channel");
    p.a.pc.close();
    p.a.pc.close();
    expect_error(Error::Unavailable, [&] { p.a.pc.create_offer(); }, "offer on a closed connection");
}

static void test_bad_sdp() {
    PeerConnection p(kLoopback), q(kLoopback);
    expect_error(Error::InvalidData, [&] { p.set_remote_description("offer", "garbage"); }, "garbage");
    expect_error(Error::InvalidData, [&] { p.set_remote_description("offer", "v=0\r\n"); }, "no media");
    expect_error(Error::InvalidData, [&] { p.set_local_description("answer", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"); },
                 "truncated");
    DataChannel ch = q.create_data_channel("x");
    q.create_offer();
    std::string offer;
    wait_until([&] { return !offer.empty(); },
               [&] {
                   for (auto &ev : q.poll_events())
                       if (auto *d = std::get_if<SessionDescriptionCreated>(&ev)) offer = d->sdp;
               },
               "an offer");
    try {
        p.set_remote_description("answer", offer);
        fail(__FILE__, __LINE__, "answer while stable must fail", "");
    } catch (const Exception &e) {
        CHECK(e.error() == Error::Failed || e.error() == Error::InvalidData, e.what());
    }
    CHECK(p.get_signaling_state() == SignalingState::Stable);
    p.set_remote_description("offer", offer);
    CHECK(p.get_signaling_state() == SignalingState::HaveRemoteOffer);
}

static void test_mesh_misuse() {
    MultiplayerPeer m;
    PeerConnection p(kLoopback), q(kLoopback);
    CHECK(m.get_connection_status() == ConnectionStatus::Disconnected);
    expect_error(Error::Unconfigured, [&] { m.add_peer(p, 2); }, "unconfigured add");
    expect_error(Error::Unconfigured, [&] { m.get_unique_id(); }, "unconfigured id");
    expect_error(Error::Unconfigured, [&] { m.put_packet(std::vector<uint8_t>{1}); }, "unconfigured put");
    expect_error(Error::Unavailable, [&] { m.get_packet(); }, "no packet");
    m.create_server({TransferMode::Reliable});
    expect_error(Error::InvalidParameter, [&] { m.add_peer(p, 1); }, "server adds 1");
    expect_error(Error::InvalidParameter, [&] { m.add_peer(p, 2, -1); }, "negative lifetime");
    m.set_refuse_new_connections(true);
    CHECK(m.is_refusing_new_connections());
    expect_error(Error::Unauthorized, [&] { m.add_peer(p, 2); }, "refusing");
    m.set_refuse_new_connections(false);
    m.add_peer(p, 2);
    expect_error(Error::AlreadyExists, [&] { m.add_peer(q, 2); }, "id twice");
    expect_error(Error::AlreadyExists, [&] { m.add_peer(p, 3); }, "connection twice");
    q.close();
    expect_error(Error::InvalidParameter, [&] { m.add_peer(q, 4); }, "not NEW");
    CHECK(m.get_peer(2).channels.size() == 4 && m.get_peer(2).connection == p.handle());
    expect_error(Error::DoesNotExist, [&] { m.remove_peer(9); }, "remove unknown");
    expect_error(Error::DoesNotExist, [&] { m.disconnect_peer(9); }, "disconnect unknown");
    expect_error(Error::DoesNotExist, [&] { m.get_peer(9); }, "get unknown");
    m.set_target_peer(9);
    expect_error(Error::InvalidParameter, [&] { m.put_packet(std::vector<uint8_t>{1}); }, "target not in mesh");
    m.set_target_peer(0);
    m.put_packet(std::vector<uint8_t>{1});
    CHECK(m.get_available_packet_count() == 0 && m.get_packet_peer() == 0 && !m.get_packet_view());
    m.remove_peer(2);
    CHECK(!m.has_peer(2) && p.get_connection_state() == ConnectionState::Closed);
    m.close();
    m.close();
    CHECK(m.get_connection_status() == ConnectionStatus::Disconnected);
}

static void test_logs() {
    set_log_level(LogLevel::Warn);
    while (next_log()) {
    }
    {
        PeerConnection p(R"({"someUnknownW3cKey":1,"meshrtc":{"interfaces":["lo"],"includeLoopback":true,"mdns":"disabled","ipv6":false}})");
    }
    bool found = false;
    while (auto l = next_log())
        if (l->text.find("someUnknownW3cKey") != std::string::npos) found = l->level == LogLevel::Warn;
    set_log_level(LogLevel::None);
    CHECK(found, "warning captured");
    auto e = expect_error(Error::InvalidParameter, [&] { set_log_level(static_cast<LogLevel>(9)); }, "bad level");
    CHECK(e.function() == "meshrtc_log_set_level", e.what());
}

static void test_gc_settings() {
    const GcSettings before = set_gc();
    GcSettings now = set_gc(300, int64_t{64} << 20);
    CHECK(now.gc_percent == 300 && now.memory_limit == int64_t{64} << 20);
    auto e = expect_error(Error::InvalidParameter, [&] { set_gc(5); }, "gc percent 5");
    CHECK(e.function() == "meshrtc_set_gc", e.what());
    expect_error(Error::InvalidParameter, [&] { set_gc(-1, 1000); }, "memory limit 1000");
    now = set_gc();
    CHECK(now.gc_percent == 300 && now.memory_limit == int64_t{64} << 20, "failures change nothing");
    set_gc(before.gc_percent > 0 ? before.gc_percent : 100, before.memory_limit);
}

/// A failing call names its C function, through each way the wrapper calls
/// one: the native objects are destroyed behind the wrappers, so every call
/// fails with DoesNotExist.
static void test_function_names() {
    PeerConnection p(kLoopback), live(kLoopback);
    DataChannel c = p.create_data_channel("x");
    MultiplayerPeer m;
    CHECK(meshrtc_channel_destroy(c.handle()) == MESHRTC_OK && meshrtc_peer_destroy(p.handle()) == MESHRTC_OK &&
          meshrtc_mesh_destroy(m.handle()) == MESHRTC_OK);
    std::vector<uint8_t> buf, infos_buf(8);
    std::vector<meshrtc_packet_info> infos(1);
    const std::pair<std::string, std::function<void()>> calls[] = {
        {"meshrtc_peer_create_offer", [&] { p.create_offer(); }},
        {"meshrtc_peer_set_local_description", [&] { p.set_local_description("offer", "v=0"); }},
        {"meshrtc_peer_add_ice_candidate", [&] { p.add_ice_candidate("0", 0, ""); }},
        {"meshrtc_peer_poll", [&] { p.poll_events(); }},
        {"meshrtc_peer_get_signaling_state", [&] { p.get_signaling_state(); }},
        {"meshrtc_peer_get_stats", [&] { p.get_stats(); }},
        {"meshrtc_channel_put_packet", [&] { c.put_packet(std::vector<uint8_t>{1}); }},
        {"meshrtc_channel_get_packet", [&] { c.get_packet(buf); }},
        {"meshrtc_channel_put_packets", [&] { c.put_packets(std::string_view("a"), {1}); }},
        {"meshrtc_channel_get_packets", [&] { c.get_packets(infos_buf, infos); }},
        {"meshrtc_channel_get_available_packet_count", [&] { c.get_available_packet_count(); }},
        {"meshrtc_channel_set_write_mode", [&] { c.set_write_mode(WriteMode::Text); }},
        {"meshrtc_channel_get_label", [&] { c.get_label(); }},
        {"meshrtc_channel_get_protocol", [&] { c.get_protocol(); }},
        {"meshrtc_channel_get_buffered_amount", [&] { c.get_buffered_amount(); }},
        {"meshrtc_mesh_create_client", [&] { m.create_client(2); }},
        {"meshrtc_mesh_add_peer", [&] { m.add_peer(live, 2); }},
        {"meshrtc_mesh_has_peer", [&] { m.has_peer(2); }},
        {"meshrtc_mesh_get_peer", [&] { m.get_peer(2); }},
        {"meshrtc_mesh_get_peers", [&] { m.get_peers(); }},
        {"meshrtc_mesh_get_packet", [&] { m.get_packet_view(); }},
        {"meshrtc_mesh_put_packets", [&] { m.put_packets(std::string_view("a"), {1}); }},
        {"meshrtc_mesh_get_packets", [&] { m.get_packets(infos_buf, infos); }},
        {"meshrtc_mesh_get_packet_mode", [&] { m.get_packet_mode(); }},
        {"meshrtc_mesh_poll", [&] { m.poll_events(); }},
    };
    for (const auto &[name, call] : calls) {
        auto e = expect_error(Error::DoesNotExist, call, name);
        CHECK(e.function() == name, e.what());
        CHECK(std::string(e.what()).rfind(name + " failed", 0) == 0, e.what());
    }
}

// ---------------------------------------------------------- RAII, shutdown

static void test_raii_cleanup() {
    {
        std::vector<PeerConnection> peers;
        std::vector<DataChannel> channels;
        for (int i = 0; i < 200; i++) {
            peers.emplace_back(kLoopback);
            channels.push_back(peers.back().create_data_channel("c" + std::to_string(i)));
        }
        MultiplayerPeer m;
        m.create_mesh(1);
        m.add_peer(peers[0], 2);
        auto info = m.get_peer(2);  // borrowed channels: never destroyed by the wrappers
        Pair p;
        DataChannel ch = p.a.pc.create_data_channel("cycle");
        p.a.pc.create_offer();
        wait_until([&] { return p.b.received.size() == 1; }, [&] { p.pump(); }, "received channel");
        p.wait_open({&ch, &p.b.received[0]});
        ch.put_packet(std::vector<uint8_t>{1, 2, 3});
        // Events left in the queue are dropped with their peer; channels that
        // were never taken with next_event have no handle to leak.
    }
    CHECK(detail::destroy_failures.load() == 0);
    int32_t leaked = shutdown();
    CHECK(leaked == 0, leaked, " handles leaked");
}

static void test_shutdown_and_reuse() {
    PeerConnection p;
    DataChannel c = p.create_data_channel("alive");
    MultiplayerPeer m;
    CHECK(shutdown() == 3);
    expect_error(Error::DoesNotExist, [&] { p.create_offer(); }, "peer after shutdown");
    expect_error(Error::DoesNotExist, [&] { c.get_label(); }, "channel after shutdown");
    expect_error(Error::DoesNotExist, [&] { m.poll(); }, "mesh after shutdown");
    p.reset();
    c.reset();
    m.reset();
    CHECK(detail::destroy_failures.load() == 0);
    {
        Pair pair;
        DataChannel a = pair.a.pc.create_data_channel("again", R"({"negotiated":true,"id":1})");
        DataChannel b = pair.b.pc.create_data_channel("again", R"({"negotiated":true,"id":1})");
        pair.a.pc.create_offer();
        pair.wait_open({&a, &b});
        a.put_packet(std::vector<uint8_t>{9});
        wait_until([&] { return b.get_available_packet_count() == 1; }, [&] { pair.pump(); }, "a message after shutdown");
    }
    CHECK(shutdown() == 0);
}

// -------------------------------------------------------------------- main

int main(int argc, char **argv) {
    struct Test {
        const char *name;
        void (*fn)();
    };
    const Test tests[] = {
        {"abi-version", test_abi_version},
        {"pair-signaling-events", test_pair_signaling},
        {"channel-getters", test_channel_getters},
        {"reliable-1mib", test_reliable_1mib},
        {"unreliable-packets", test_unreliable},
        {"text-packets", test_text_packets},
        {"worker-thread-polling", test_worker_thread},
        {"mesh-4-peers", test_mesh_4_peers},
        {"mesh-server-client", test_mesh_server_client},
        {"lobby", test_lobby},
        {"batches-pair", test_batches_pair},
        {"batches-mesh", test_batches_mesh},
        {"wait", test_wait},
        {"bad-input-moved-from", test_moved_from},
        {"bad-input-arguments", test_arguments},
        {"bad-input-states", test_wrong_states},
        {"bad-input-sdp", test_bad_sdp},
        {"bad-input-mesh", test_mesh_misuse},
        {"bad-input-function-names", test_function_names},
        {"logs", test_logs},
        {"gc-settings", test_gc_settings},
        {"raii-cleanup", test_raii_cleanup},
        {"shutdown-and-reuse", test_shutdown_and_reuse},
    };
    int passed = 0, failed = 0;
    double start = now();
    for (const Test &t : tests) {
        bool selected = argc < 2;
        for (int i = 1; i < argc; i++) selected |= std::string(argv[i]) == t.name;
        if (!selected) continue;
        double t0 = now();
        try {
            t.fn();
            passed++;
            std::printf("PASS %-26s %6.1f s\n", t.name, now() - t0);
        } catch (const std::exception &e) {
            failed++;
            std::printf("FAIL %-26s %6.1f s: %s\n", t.name, now() - t0, e.what());
        }
        std::fflush(stdout);
    }
    std::printf("total time %.1f s\n", now() - start);
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
