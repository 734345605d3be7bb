// meshrtc.hpp - header-only C++17 RAII wrapper over the meshrtc C ABI
// (include/meshrtc.h, which stays the specification).
//
//   meshrtc::PeerConnection   WebRTCPeerConnection   (move-only, destroys on scope exit)
//   meshrtc::DataChannel      WebRTCDataChannel      (move-only; borrowed when the mesh owns it)
//   meshrtc::MultiplayerPeer  WebRTCMultiplayerPeer  (move-only; borrowed when a lobby owns it)
//   meshrtc::Lobby            a lobby client that builds a MultiplayerPeer (move-only)
//
// Errors: every failed C call throws meshrtc::Exception (a std::runtime_error)
// carrying code() - the Godot Error value the C function returned
// (meshrtc::Error, e.g. Error::Unavailable == 2) - function(), the C function's
// name, and message(), the library's meshrtc_last_error text; what() combines
// the three. Using an empty (moved-from) object throws Exception with
// Error::InvalidParameter; a string with an embedded NUL or a byte range over
// 2 GiB - 1 throws Error::InvalidParameter before anything is called; a
// library of another ABI version throws meshrtc::AbiMismatch (Error::Unavailable)
// at the first object created. Destructors never throw.
//
// Events: the library never calls your code. poll() then next_event() (or
// poll_events()) return std::variant values on your thread; visit them with
// std::visit and meshrtc::overloaded{...}.
//
// Threads: every C function may be called from any thread; one wrapper
// object should be used by one thread at a time (a DataChannel's packet view
// is invalidated by the next get_packet on it from any thread).
#ifndef MESHRTC_HPP
#define MESHRTC_HPP

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "meshrtc.h"

namespace meshrtc {

// ------------------------------------------------------------------ errors

/// Godot's Error numbering, which every meshrtc function returns.
enum class Error : int32_t {
    Ok = MESHRTC_OK,
    Failed = MESHRTC_FAILED,
    Unavailable = MESHRTC_ERR_UNAVAILABLE,
    Unconfigured = MESHRTC_ERR_UNCONFIGURED,
    Unauthorized = MESHRTC_ERR_UNAUTHORIZED,
    ParameterRangeError = MESHRTC_ERR_PARAMETER_RANGE_ERROR,
    OutOfMemory = MESHRTC_ERR_OUT_OF_MEMORY,
    Timeout = MESHRTC_ERR_TIMEOUT,
    ConnectionError = MESHRTC_ERR_CONNECTION_ERROR,
    InvalidData = MESHRTC_ERR_INVALID_DATA,
    InvalidParameter = MESHRTC_ERR_INVALID_PARAMETER,
    AlreadyExists = MESHRTC_ERR_ALREADY_EXISTS,
    DoesNotExist = MESHRTC_ERR_DOES_NOT_EXIST,
    Busy = MESHRTC_ERR_BUSY,
    Bug = MESHRTC_ERR_BUG,
};

/// A failed meshrtc call: Godot error code, C function name, library message.
class Exception : public std::runtime_error {
public:
    Exception(int32_t code, std::string function, std::string message)
        : std::runtime_error(format(code, function, message)),
          code_(code),
          function_(std::move(function)),
          message_(std::move(message)) {}

    /// The Godot Error value the C function returned.
    int32_t code() const noexcept { return code_; }
    Error error() const noexcept { return static_cast<Error>(code_); }
    /// The C function (or wrapper check) that failed.
    const std::string &function() const noexcept { return function_; }
    /// meshrtc_last_error's text for this failure.
    const std::string &message() const noexcept { return message_; }

private:
    static std::string format(int32_t code, const std::string &function, const std::string &message) {
        std::string s = function + " failed with error " + std::to_string(code);
        if (!message.empty()) s += ": " + message;
        return s;
    }
    int32_t code_;
    std::string function_;
    std::string message_;
};

/// The loaded library implements another ABI version than this header.
class AbiMismatch : public Exception {
public:
    AbiMismatch(int32_t loaded, int32_t expected)
        : Exception(MESHRTC_ERR_UNAVAILABLE, "meshrtc_abi_version",
                    "the loaded libmeshrtc implements ABI version " + std::to_string(loaded) +
                        " but meshrtc.hpp was compiled against ABI version " + std::to_string(expected) +
                        " (include/meshrtc.h); use the library and header of one release"),
          loaded_(loaded),
          expected_(expected) {}
    int32_t loaded() const noexcept { return loaded_; }
    int32_t expected() const noexcept { return expected_; }

private:
    int32_t loaded_, expected_;
};

// ------------------------------------------------------------------- enums

enum class ConnectionState : int32_t {
    New = MESHRTC_STATE_NEW,
    Connecting = MESHRTC_STATE_CONNECTING,
    Connected = MESHRTC_STATE_CONNECTED,
    Disconnected = MESHRTC_STATE_DISCONNECTED,
    Failed = MESHRTC_STATE_FAILED,
    Closed = MESHRTC_STATE_CLOSED,
};

enum class GatheringState : int32_t {
    New = MESHRTC_GATHERING_STATE_NEW,
    Gathering = MESHRTC_GATHERING_STATE_GATHERING,
    Complete = MESHRTC_GATHERING_STATE_COMPLETE,
};

enum class SignalingState : int32_t {
    Stable = MESHRTC_SIGNALING_STATE_STABLE,
    HaveLocalOffer = MESHRTC_SIGNALING_STATE_HAVE_LOCAL_OFFER,
    HaveRemoteOffer = MESHRTC_SIGNALING_STATE_HAVE_REMOTE_OFFER,
    HaveLocalPranswer = MESHRTC_SIGNALING_STATE_HAVE_LOCAL_PRANSWER,
    HaveRemotePranswer = MESHRTC_SIGNALING_STATE_HAVE_REMOTE_PRANSWER,
    Closed = MESHRTC_SIGNALING_STATE_CLOSED,
};

enum class ChannelState : int32_t {
    Connecting = MESHRTC_CHANNEL_STATE_CONNECTING,
    Open = MESHRTC_CHANNEL_STATE_OPEN,
    Closing = MESHRTC_CHANNEL_STATE_CLOSING,
    Closed = MESHRTC_CHANNEL_STATE_CLOSED,
};

enum class WriteMode : int32_t { Text = MESHRTC_WRITE_MODE_TEXT, Binary = MESHRTC_WRITE_MODE_BINARY };

enum class TransferMode : int32_t {
    Unreliable = MESHRTC_TRANSFER_MODE_UNRELIABLE,
    UnreliableOrdered = MESHRTC_TRANSFER_MODE_UNRELIABLE_ORDERED,
    Reliable = MESHRTC_TRANSFER_MODE_RELIABLE,
};

enum class ConnectionStatus : int32_t {
    Disconnected = MESHRTC_CONNECTION_DISCONNECTED,
    Connecting = MESHRTC_CONNECTION_CONNECTING,
    Connected = MESHRTC_CONNECTION_CONNECTED,
};

enum class LogLevel : int32_t {
    None = MESHRTC_LOG_NONE,
    Error = MESHRTC_LOG_ERROR,
    Warn = MESHRTC_LOG_WARN,
    Info = MESHRTC_LOG_INFO,
    Debug = MESHRTC_LOG_DEBUG,
    Trace = MESHRTC_LOG_TRACE,
};

/// std::visit helper: std::visit(meshrtc::overloaded{[](const A &) {}, ...}, event).
template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

// ------------------------------------------------------------- byte views

/// A borrowed byte range (C++17 has no std::span): from pointer + size, a
/// std::vector<uint8_t>, a std::array, a C array, a std::string or string_view.
class bytes_view {
public:
    constexpr bytes_view() noexcept = default;
    constexpr bytes_view(const uint8_t *data, std::size_t size) noexcept : data_(data), size_(size) {}
    bytes_view(const void *data, std::size_t size) noexcept : data_(static_cast<const uint8_t *>(data)), size_(size) {}
    bytes_view(const std::vector<uint8_t> &v) noexcept : data_(v.data()), size_(v.size()) {}
    template <std::size_t N>
    constexpr bytes_view(const std::array<uint8_t, N> &a) noexcept : data_(a.data()), size_(N) {}
    template <std::size_t N>
    constexpr bytes_view(const uint8_t (&a)[N]) noexcept : data_(a), size_(N) {}
    bytes_view(std::string_view s) noexcept : data_(reinterpret_cast<const uint8_t *>(s.data())), size_(s.size()) {}
    bytes_view(const std::string &s) noexcept : bytes_view(std::string_view(s)) {}

    constexpr const uint8_t *data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr const uint8_t *begin() const noexcept { return data_; }
    constexpr const uint8_t *end() const noexcept { return data_ + size_; }
    constexpr uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }
    std::vector<uint8_t> to_vector() const { return std::vector<uint8_t>(begin(), end()); }
    std::string_view as_string() const noexcept { return {reinterpret_cast<const char *>(data_), size_}; }

private:
    const uint8_t *data_ = nullptr;
    std::size_t size_ = 0;
};

// ------------------------------------------------------------------ detail

namespace detail {

/// Destroys the library refused (other than DoesNotExist after shutdown);
/// destructors cannot throw, so tests read this instead.
inline std::atomic<int> destroy_failures{0};

/// A C function with its name, for Exception::function():
/// MESHRTC_HPP_FN(meshrtc_peer_poll) writes the function once.
template <class F>
struct c_function {
    F *fn;
    const char *name;
};
#define MESHRTC_HPP_FN(f) (::meshrtc::detail::c_function<decltype(f)>{f, #f})

/// Text with the size protocol from fn(handle, buf, cap, &len): into a stack
/// buffer, else once more into one of the reported length. Returns fn's result.
inline int32_t read_text(c_function<int32_t(int64_t, char *, int32_t, int32_t *)> f, int64_t h, std::string &out) {
    char small[256];
    int32_t len = 0;
    int32_t rc = f.fn(h, small, static_cast<int32_t>(sizeof small), &len);
    if (rc == MESHRTC_OK) out.assign(small, static_cast<std::size_t>(len));
    if (rc != MESHRTC_ERR_PARAMETER_RANGE_ERROR) return rc;
    out.assign(static_cast<std::size_t>(len) + 1, '\0');
    rc = f.fn(h, out.data(), len + 1, &len);
    if (rc == MESHRTC_OK) out.resize(static_cast<std::size_t>(len));
    return rc;
}

/// The calling thread's last failure text (every failure records one).
inline std::string last_error() {
    std::string text;
    int32_t rc = read_text(MESHRTC_HPP_FN(meshrtc_last_error), 0, text);
    return rc == MESHRTC_OK ? text : "(meshrtc_last_error failed with " + std::to_string(rc) + ")";
}

inline void check(int32_t rc, const char *function) {
    if (rc != MESHRTC_OK) throw Exception(rc, function, last_error());
}

[[noreturn]] inline void invalid(const char *function, const std::string &why) {
    throw Exception(MESHRTC_ERR_INVALID_PARAMETER, function, why);
}

/// Throws AbiMismatch unless loaded == expected.
inline void check_abi(int32_t loaded, int32_t expected) {
    if (loaded != expected) throw AbiMismatch(loaded, expected);
}

/// Loads the library's ABI version once and compares it with the header's.
inline void ensure_abi() {
    static const bool ok = [] {
        check_abi(meshrtc_abi_version(), MESHRTC_ABI_VERSION);
        return true;
    }();  // a throwing initializer is retried at the next call
    (void)ok;
}

/// A NUL-terminated copy of a string_view (the C ABI takes C strings).
class cstr {
public:
    cstr(std::string_view v, const char *function) : s_(v) {
        if (s_.find('\0') != std::string::npos) invalid(function, "string contains a NUL byte");
    }
    operator const char *() const noexcept { return s_.c_str(); }

private:
    std::string s_;
};

/// One argument for a C parameter of type P: a string for a `const char *`
/// becomes a cstr (alive until the call's full expression ends), the rest
/// passes through.
template <class P, class A>
decltype(auto) c_arg(A &&a, const char *function) {
    if constexpr (std::is_same_v<P, const char *> && std::is_convertible_v<A &&, std::string_view>)
        return cstr(std::forward<A>(a), function);
    else
        return std::forward<A>(a);
}

/// Calls f(args...) and throws Exception naming f when it fails.
template <class... P, class... A>
void call(c_function<int32_t(P...)> f, A &&...args) {
    check(f.fn(c_arg<P>(std::forward<A>(args), f.name)...), f.name);
}

/// call for functions that return Unavailable when there is nothing (next_event, get_packet): false then.
template <class... P, class... A>
bool try_call(c_function<int32_t(P...)> f, A &&...args) {
    int32_t rc = f.fn(c_arg<P>(std::forward<A>(args), f.name)...);
    if (rc == MESHRTC_ERR_UNAVAILABLE) return false;
    check(rc, f.name);
    return true;
}

/// A capacity for the C ABI: sizes above 2^31 - 1 offer 2^31 - 1.
inline int32_t clamped_cap(std::size_t cap) {
    return static_cast<int32_t>(std::min<std::size_t>(cap, static_cast<std::size_t>(std::numeric_limits<int32_t>::max())));
}

inline int32_t checked_len(bytes_view data, const char *function) {
    if (data.size() > static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
        invalid(function, "byte range larger than 2147483647 bytes");
    return static_cast<int32_t>(data.size());
}

/// One owned (or borrowed) int64 handle; Destroy runs once, in reset().
template <int32_t (*Destroy)(int64_t)>
class handle {
public:
    handle() noexcept = default;
    handle(int64_t h, bool owned) noexcept : h_(h), owned_(owned) {}
    handle(handle &&o) noexcept : h_(std::exchange(o.h_, 0)), owned_(o.owned_) {}
    handle &operator=(handle &&o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, 0);
            owned_ = o.owned_;
        }
        return *this;
    }
    handle(const handle &) = delete;
    handle &operator=(const handle &) = delete;
    ~handle() { reset(); }

    void reset() noexcept {
        if (h_ != 0 && owned_) {
            int32_t rc = Destroy(h_);
            if (rc != MESHRTC_OK && rc != MESHRTC_ERR_DOES_NOT_EXIST) destroy_failures.fetch_add(1);
        }
        h_ = 0;
    }
    int64_t release() noexcept { return std::exchange(h_, 0); }
    int64_t get() const noexcept { return h_; }
    bool owned() const noexcept { return owned_; }
    int64_t use(const char *cls) const {
        if (h_ == 0) invalid(cls, "empty object (moved from or destroyed)");
        return h_;
    }

private:
    int64_t h_ = 0;
    bool owned_ = true;
};

/// The C functions of one object kind, for object<> and packet_peer<>.
struct peer_api {
    static constexpr const char *name = "meshrtc::PeerConnection";
    static constexpr auto create = MESHRTC_HPP_FN(meshrtc_peer_create);
    static constexpr auto destroy = meshrtc_peer_destroy;
};
struct channel_api {
    static constexpr const char *name = "meshrtc::DataChannel";
    static constexpr auto destroy = meshrtc_channel_destroy;
    static constexpr auto put_packet = MESHRTC_HPP_FN(meshrtc_channel_put_packet);
    static constexpr auto get_packet = MESHRTC_HPP_FN(meshrtc_channel_get_packet);
    static constexpr auto get_available_packet_count = MESHRTC_HPP_FN(meshrtc_channel_get_available_packet_count);
    static constexpr auto put_packets = MESHRTC_HPP_FN(meshrtc_channel_put_packets);
    static constexpr auto get_packets = MESHRTC_HPP_FN(meshrtc_channel_get_packets);
};
struct lobby_api {
    static constexpr const char *name = "meshrtc::Lobby";
    static constexpr auto destroy = meshrtc_lobby_destroy;
};
struct mesh_api {
    static constexpr const char *name = "meshrtc::MultiplayerPeer";
    static constexpr auto create = MESHRTC_HPP_FN(meshrtc_mesh_create);
    static constexpr auto destroy = meshrtc_mesh_destroy;
    static constexpr auto put_packet = MESHRTC_HPP_FN(meshrtc_mesh_put_packet);
    static constexpr auto get_packet = MESHRTC_HPP_FN(meshrtc_mesh_get_packet);
    static constexpr auto get_available_packet_count = MESHRTC_HPP_FN(meshrtc_mesh_get_available_packet_count);
    static constexpr auto put_packets = MESHRTC_HPP_FN(meshrtc_mesh_put_packets);
    static constexpr auto get_packets = MESHRTC_HPP_FN(meshrtc_mesh_get_packets);
};

/// What every wrapper is: one handle of Api's kind (move-only), empty once
/// moved from or reset.
template <class Api>
class object {
public:
    explicit operator bool() const noexcept { return h_.get() != 0; }
    /// Destroys now (the destructor would); the object becomes empty.
    void reset() noexcept { h_.reset(); }

protected:
    object() noexcept = default;
    object(int64_t h, bool owned) noexcept : h_(h, owned) {}

    /// A new native object from Api::create (the ABI is checked first).
    static int64_t create_handle() {
        ensure_abi();
        int64_t h = 0;
        detail::call(Api::create, &h);
        return h;
    }

    /// The handle; Exception(InvalidParameter) when empty.
    int64_t use() const { return h_.use(Api::name); }

    /// f(handle, args...), checked.
    template <class... P, class... A>
    void call(c_function<int32_t(int64_t, P...)> f, A &&...args) const {
        detail::call(f, use(), std::forward<A>(args)...);
    }

    /// The value f(handle, &value) returns, checked.
    template <class T>
    T get(c_function<int32_t(int64_t, T *)> f) const {
        T v{};
        detail::call(f, use(), &v);
        return v;
    }

    /// Text of a get_label-like f, checked.
    std::string text(c_function<int32_t(int64_t, char *, int32_t, int32_t *)> f) const {
        std::string out;
        check(read_text(f, use(), out), f.name);
        return out;
    }

    handle<Api::destroy> h_;
};

/// Godot's PacketPeer (put_packet, get_packet, get_available_packet_count):
/// DataChannel and MultiplayerPeer are both, over their own C functions.
template <class Api>
class packet_peer : public object<Api> {
public:
    /// PacketPeer.put_packet: one message (on a DataChannel, in its write mode).
    void put_packet(bytes_view data) {
        int32_t len = checked_len(data, Api::put_packet.name);
        this->call(Api::put_packet, data.data(), len);
    }

    /// Takes the next message, zero-copy: valid until the next get_packet on
    /// this object or its destruction. nullopt when none is queued.
    std::optional<bytes_view> get_packet_view() {
        const uint8_t *data = nullptr;
        int32_t len = 0;
        if (!try_call(Api::get_packet, this->use(), &data, &len)) return std::nullopt;
        return bytes_view(data, static_cast<std::size_t>(len));
    }

    /// Takes the next message into out (resized; its capacity is reused).
    /// false when none is queued.
    bool get_packet(std::vector<uint8_t> &out) {
        auto v = get_packet_view();
        if (!v) return false;
        out.assign(v->begin(), v->end());
        return true;
    }

    /// The next message as a new vector; Exception(Unavailable) when none.
    std::vector<uint8_t> get_packet() {
        const uint8_t *data = nullptr;
        int32_t len = 0;
        this->call(Api::get_packet, &data, &len);
        return std::vector<uint8_t>(data, data + len);
    }

    int32_t get_available_packet_count() const { return this->get(Api::get_available_packet_count); }

    /// Takes queued messages in order, as many as fit, in one call: each is
    /// copied into buf right after the previous one and described in infos
    /// (size and is_string; on a MultiplayerPeer also peer_id, channel and
    /// mode, as get_packet_peer/channel/mode would have said, in get_packet's
    /// order), while the next fits in what is left of buf's cap bytes and
    /// infos has room. Returns how many were taken (0 when none is queued).
    /// When buf cannot hold even the first, nothing is taken, infos[0].size
    /// receives its size and Exception(ParameterRangeError) is thrown.
    /// Allocates nothing.
    std::size_t get_packets(uint8_t *buf, std::size_t cap, meshrtc_packet_info *infos, std::size_t info_cap) {
        int32_t n = 0;
        this->call(Api::get_packets, buf, clamped_cap(cap), infos, clamped_cap(info_cap), &n);
        return static_cast<std::size_t>(n);
    }

    /// get_packets into the whole of buf and infos (their sizes, which stay).
    std::size_t get_packets(std::vector<uint8_t> &buf, std::vector<meshrtc_packet_info> &infos) {
        return get_packets(buf.data(), buf.size(), infos.data(), infos.size());
    }

    /// Sends sizes.size() messages in one call, each as put_packet sends it:
    /// message i has sizes[i] bytes and they lie one after another in data.
    /// Returns how many were accepted: all of them, or, when one fails after
    /// others were accepted, the ones before it (put the rest again: that
    /// call throws the failure). Throws as put_packet does when the first
    /// fails, and Exception(InvalidParameter) before calling when the sizes
    /// add up to more than data holds. Allocates nothing.
    std::size_t put_packets(bytes_view data, const std::vector<int32_t> &sizes) {
        const char *name = Api::put_packets.name;
        if (sizes.size() > static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
            invalid(name, "more than 2147483647 messages");
        int64_t total = 0;
        for (int32_t size : sizes) total += std::max<int32_t>(size, 0);  // the library refuses negative sizes
        if (static_cast<uint64_t>(total) > data.size()) invalid(name, "the sizes add up to more than data holds");
        int32_t sent = 0;
        int32_t rc = Api::put_packets.fn(this->use(), data.data(), sizes.data(), static_cast<int32_t>(sizes.size()), &sent);
        if (sent == 0) check(rc, name);
        return static_cast<std::size_t>(sent);
    }

protected:
    using object<Api>::object;
};

}  // namespace detail

// ----------------------------------------------------------------- library

struct Version {
    int32_t major, minor, patch;
};

/// meshrtc_abi_version of the loaded library.
inline int32_t abi_version() { return meshrtc_abi_version(); }

/// Loads nothing new: checks the ABI (AbiMismatch) - objects do it at creation.
inline void ensure_loaded() { detail::ensure_abi(); }

inline Version version() {
    detail::ensure_abi();
    Version v{};
    detail::call(MESHRTC_HPP_FN(meshrtc_version), &v.major, &v.minor, &v.patch);
    return v;
}

/// meshrtc_shutdown: releases every object still alive and returns how many
/// handles were left alive. Wrappers that still exist then throw
/// Exception(DoesNotExist) when used; destroying them is harmless.
inline int32_t shutdown() {
    int32_t leaked = 0;
    detail::call(MESHRTC_HPP_FN(meshrtc_shutdown), &leaked);
    return leaked;
}

/// meshrtc_wait: blocks the calling thread until a packet or event was
/// queued on any object since the previous wait returned (at once if one
/// was), or until timeout passes (0 only checks); true if something arrived,
/// then poll and take packets as usual. While a thread waits here the
/// library's own work runs on every core: use it on a thread with nothing to
/// do until the next message (a dedicated server, a network thread, the idle
/// rest of a frame instead of sleeping), not on one that must render or tick
/// at a fixed rate unless the timeout fits, and from one thread only (one
/// arrival wakes one waiter). Mesh events come from MultiplayerPeer::poll and
/// never end a wait. A negative timeout throws Exception(InvalidParameter).
inline bool wait(std::chrono::microseconds timeout) {
    int32_t arrived = 0;
    detail::call(MESHRTC_HPP_FN(meshrtc_wait), static_cast<int64_t>(timeout.count()), &arrived);
    return arrived != 0;
}

/// meshrtc_set_gc's settings: percent -1 means collection is off (GOGC=off),
/// memory_limit 0 means no limit.
struct GcSettings {
    int32_t gc_percent;
    int64_t memory_limit;
};

/// meshrtc_set_gc: tunes the Go runtime's garbage collector (gc_percent
/// 10..10000, memory_limit >= 1 MiB or 0 for none; -1 keeps either) and
/// returns the settings in effect; set_gc() reads them.
inline GcSettings set_gc(int32_t gc_percent = -1, int64_t memory_limit = -1) {
    GcSettings s{};
    detail::call(MESHRTC_HPP_FN(meshrtc_set_gc), gc_percent, memory_limit, &s.gc_percent, &s.memory_limit);
    return s;
}

inline void set_log_level(LogLevel level) {
    detail::call(MESHRTC_HPP_FN(meshrtc_log_set_level), static_cast<int32_t>(level));
}

struct LogLine {
    LogLevel level;
    std::string text;
};

/// Takes the oldest captured log line (see set_log_level); nullopt when none.
inline std::optional<LogLine> next_log() {
    constexpr auto log_next = MESHRTC_HPP_FN(meshrtc_log_next);
    std::string buf(512, '\0');
    for (;;) {
        int32_t level = 0, len = 0;
        int32_t rc = log_next.fn(&level, buf.data(), static_cast<int32_t>(buf.size()), &len);
        if (rc == MESHRTC_ERR_UNAVAILABLE) return std::nullopt;
        if (rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR) {  // the line stayed queued: grow and retry
            buf.resize(static_cast<std::size_t>(len) + 1);
            continue;
        }
        detail::check(rc, log_next.name);
        buf.resize(static_cast<std::size_t>(len));
        return LogLine{static_cast<LogLevel>(level), std::move(buf)};
    }
}

// ----------------------------------------------------------------- channel

/// WebRTCDataChannel. Owned channels (create_data_channel, DataChannelReceived)
/// are destroyed by the destructor; channels from MultiplayerPeer::get_peer
/// are borrowed from the mesh (never destroyed here, valid while the peer is
/// in the mesh).
class DataChannel : public detail::packet_peer<detail::channel_api> {
public:
    DataChannel() noexcept = default;
    /// Adopts a handle (owned) or borrows it (owned = false).
    explicit DataChannel(meshrtc_channel h, bool owned = true) noexcept : packet_peer(h, owned) {}

    meshrtc_channel handle() const noexcept { return h_.get(); }
    bool owned() const noexcept { return h_.owned(); }
    /// Gives up the handle without destroying it.
    meshrtc_channel release() noexcept { return h_.release(); }

    void poll() { call(MESHRTC_HPP_FN(meshrtc_channel_poll)); }
    void close() { call(MESHRTC_HPP_FN(meshrtc_channel_close)); }

    int32_t get_max_packet_size() const { return get(MESHRTC_HPP_FN(meshrtc_channel_get_max_packet_size)); }
    void set_write_mode(WriteMode mode) {
        call(MESHRTC_HPP_FN(meshrtc_channel_set_write_mode), static_cast<int32_t>(mode));
    }
    WriteMode get_write_mode() const {
        return static_cast<WriteMode>(get(MESHRTC_HPP_FN(meshrtc_channel_get_write_mode)));
    }
    bool was_string_packet() const { return get(MESHRTC_HPP_FN(meshrtc_channel_was_string_packet)) != 0; }
    ChannelState get_ready_state() const {
        return static_cast<ChannelState>(get(MESHRTC_HPP_FN(meshrtc_channel_get_ready_state)));
    }
    std::string get_label() const { return text(MESHRTC_HPP_FN(meshrtc_channel_get_label)); }
    std::string get_protocol() const { return text(MESHRTC_HPP_FN(meshrtc_channel_get_protocol)); }
    bool is_ordered() const { return get(MESHRTC_HPP_FN(meshrtc_channel_is_ordered)) != 0; }
    /// The SCTP stream id; 65535 while an in-band channel has none yet.
    int32_t get_id() const { return get(MESHRTC_HPP_FN(meshrtc_channel_get_id)); }
    /// Milliseconds; 65535 when not set.
    int32_t get_max_packet_life_time() const { return get(MESHRTC_HPP_FN(meshrtc_channel_get_max_packet_life_time)); }
    /// 65535 when not set.
    int32_t get_max_retransmits() const { return get(MESHRTC_HPP_FN(meshrtc_channel_get_max_retransmits)); }
    bool is_negotiated() const { return get(MESHRTC_HPP_FN(meshrtc_channel_is_negotiated)) != 0; }
    int64_t get_buffered_amount() const { return get(MESHRTC_HPP_FN(meshrtc_channel_get_buffered_amount)); }
    int64_t get_dropped_count() const { return get(MESHRTC_HPP_FN(meshrtc_channel_get_dropped_count)); }
    meshrtc_channel_stats get_stats() const { return get(MESHRTC_HPP_FN(meshrtc_channel_get_stats)); }

};

// -------------------------------------------------------------------- peer

/// session_description_created(type, sdp)
struct SessionDescriptionCreated {
    std::string type;
    std::string sdp;
};
/// ice_candidate_created(media, index, name)
struct IceCandidateCreated {
    std::string media;
    int32_t index;
    std::string name;
};
/// data_channel_received(channel): the channel is yours (owned).
struct DataChannelReceived {
    DataChannel channel;
};
struct ConnectionStateChanged {
    ConnectionState state;
};
struct GatheringStateChanged {
    GatheringState state;
};
struct SignalingStateChanged {
    SignalingState state;
};

using PeerEvent = std::variant<SessionDescriptionCreated, IceCandidateCreated, DataChannelReceived,
                               ConnectionStateChanged, GatheringStateChanged, SignalingStateChanged>;

/// WebRTCPeerConnection. Constructing one creates the native connection
/// (default configuration, as Godot's); initialize() configures it.
class PeerConnection : public detail::object<detail::peer_api> {
public:
    PeerConnection() : object(create_handle(), true) {}
    /// Creates and initializes (JSON configuration, see meshrtc_peer_initialize).
    explicit PeerConnection(std::string_view config_json) : PeerConnection() { initialize(config_json); }

    meshrtc_peer handle() const noexcept { return h_.get(); }

    /// initialize(configuration): {"iceServers":[...],"iceTransportPolicy":..,"meshrtc":{...}}; "" means {}.
    void initialize(std::string_view config_json = {}) {
        call(MESHRTC_HPP_FN(meshrtc_peer_initialize), config_json);
    }

    /// create_data_channel(label, options JSON); only in ConnectionState::New.
    DataChannel create_data_channel(std::string_view label, std::string_view options_json = {}) {
        meshrtc_channel ch = 0;
        call(MESHRTC_HPP_FN(meshrtc_peer_create_data_channel), label, options_json, &ch);
        return DataChannel(ch, true);
    }

    void create_offer() { call(MESHRTC_HPP_FN(meshrtc_peer_create_offer)); }

    void set_local_description(std::string_view type, std::string_view sdp) {
        call(MESHRTC_HPP_FN(meshrtc_peer_set_local_description), type, sdp);
    }

    void set_remote_description(std::string_view type, std::string_view sdp) {
        call(MESHRTC_HPP_FN(meshrtc_peer_set_remote_description), type, sdp);
    }

    void add_ice_candidate(std::string_view media, int32_t index, std::string_view name) {
        call(MESHRTC_HPP_FN(meshrtc_peer_add_ice_candidate), media, index, name);
    }

    void poll() { call(MESHRTC_HPP_FN(meshrtc_peer_poll)); }

    /// The oldest queued event (strings copied), nullopt when none.
    std::optional<PeerEvent> next_event() {
        constexpr auto next = MESHRTC_HPP_FN(meshrtc_peer_next_event);
        meshrtc_peer_event ev{};
        if (!detail::try_call(next, use(), &ev)) return std::nullopt;
        auto str = [](const char *s) { return s ? std::string(s) : std::string(); };
        switch (ev.type) {
        case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
            return PeerEvent(SessionDescriptionCreated{str(ev.sdp_type), str(ev.sdp)});
        case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
            return PeerEvent(IceCandidateCreated{str(ev.media), ev.index, str(ev.name)});
        case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
            return PeerEvent(DataChannelReceived{DataChannel(ev.channel, true)});
        case MESHRTC_EVENT_CONNECTION_STATE_CHANGED:
            return PeerEvent(ConnectionStateChanged{static_cast<ConnectionState>(ev.state)});
        case MESHRTC_EVENT_GATHERING_STATE_CHANGED:
            return PeerEvent(GatheringStateChanged{static_cast<GatheringState>(ev.state)});
        case MESHRTC_EVENT_SIGNALING_STATE_CHANGED:
            return PeerEvent(SignalingStateChanged{static_cast<SignalingState>(ev.state)});
        default:
            throw Exception(MESHRTC_ERR_BUG, next.name, "unknown event type " + std::to_string(ev.type));
        }
    }

    /// poll() and every queued event, oldest first.
    std::vector<PeerEvent> poll_events() {
        poll();
        std::vector<PeerEvent> out;
        while (auto ev = next_event()) out.push_back(std::move(*ev));
        return out;
    }

    void close() { call(MESHRTC_HPP_FN(meshrtc_peer_close)); }

    ConnectionState get_connection_state() const {
        return static_cast<ConnectionState>(get(MESHRTC_HPP_FN(meshrtc_peer_get_connection_state)));
    }
    GatheringState get_gathering_state() const {
        return static_cast<GatheringState>(get(MESHRTC_HPP_FN(meshrtc_peer_get_gathering_state)));
    }
    SignalingState get_signaling_state() const {
        return static_cast<SignalingState>(get(MESHRTC_HPP_FN(meshrtc_peer_get_signaling_state)));
    }
    meshrtc_peer_stats get_stats() const { return get(MESHRTC_HPP_FN(meshrtc_peer_get_stats)); }

};

// -------------------------------------------------------------------- mesh

struct PeerConnected {
    int32_t id;
};
struct PeerDisconnected {
    int32_t id;
};
/// Godot 3 connection_succeeded (server compatibility).
struct ConnectionSucceeded {};
/// The link to peer 1 failed before connecting.
struct ConnectionFailed {};
/// Godot 3 server_disconnected.
struct ServerDisconnected {};

using MeshEvent = std::variant<PeerConnected, PeerDisconnected, ConnectionSucceeded, ConnectionFailed, ServerDisconnected>;

/// What WebRTCMultiplayerPeer.get_peer returns.
struct MeshPeerInfo {
    meshrtc_peer connection;            // the handle given to add_peer (0 if destroyed)
    std::vector<DataChannel> channels;  // borrowed from the mesh, index order
    bool connected;
};

/// WebRTCMultiplayerPeer (Godot 4) / WebRTCMultiplayer (Godot 3).
/// add_peer borrows the PeerConnection: keep it alive while it is in the mesh
/// (destroying it closes the connection and the mesh drops the peer), and
/// poll it yourself for its signaling events - poll() here polls only the mesh.
class MultiplayerPeer : public detail::packet_peer<detail::mesh_api> {
public:
    MultiplayerPeer() : packet_peer(create_handle(), true) {}
    /// Adopts a mesh handle (owned) or borrows it (owned = false, as
    /// Lobby::multiplayer does: the lobby owns its mesh).
    explicit MultiplayerPeer(meshrtc_mesh h, bool owned) noexcept : packet_peer(h, owned) {}

    meshrtc_mesh handle() const noexcept { return h_.get(); }

    void create_server(const std::vector<TransferMode> &channels_config = {}) {
        auto c = modes(channels_config);
        call(MESHRTC_HPP_FN(meshrtc_mesh_create_server), c.data(), count(c));
    }
    void create_client(int32_t peer_id, const std::vector<TransferMode> &channels_config = {}) {
        auto c = modes(channels_config);
        call(MESHRTC_HPP_FN(meshrtc_mesh_create_client), peer_id, c.data(), count(c));
    }
    void create_mesh(int32_t peer_id, const std::vector<TransferMode> &channels_config = {}) {
        auto c = modes(channels_config);
        call(MESHRTC_HPP_FN(meshrtc_mesh_create_mesh), peer_id, c.data(), count(c));
    }
    /// Godot 3's WebRTCMultiplayer.initialize(peer_id, server_compatibility).
    void initialize(int32_t peer_id, bool server_compatibility = false) {
        call(MESHRTC_HPP_FN(meshrtc_mesh_initialize), peer_id, server_compatibility ? 1 : 0);
    }
    void set_options(std::string_view options_json) { call(MESHRTC_HPP_FN(meshrtc_mesh_set_options), options_json); }

    void add_peer(const PeerConnection &peer, int32_t peer_id, int32_t unreliable_lifetime = 1) {
        constexpr auto add = MESHRTC_HPP_FN(meshrtc_mesh_add_peer);
        if (!peer) detail::invalid(add.name, "empty PeerConnection");
        call(add, peer.handle(), peer_id, unreliable_lifetime);
    }
    void remove_peer(int32_t peer_id) { call(MESHRTC_HPP_FN(meshrtc_mesh_remove_peer), peer_id); }
    void disconnect_peer(int32_t peer_id, bool force = false) {
        call(MESHRTC_HPP_FN(meshrtc_mesh_disconnect_peer), peer_id, force ? 1 : 0);
    }
    bool has_peer(int32_t peer_id) const {
        int32_t v = 0;
        call(MESHRTC_HPP_FN(meshrtc_mesh_has_peer), peer_id, &v);
        return v != 0;
    }
    MeshPeerInfo get_peer(int32_t peer_id) const {
        constexpr auto f = MESHRTC_HPP_FN(meshrtc_mesh_get_peer);
        meshrtc_peer conn = 0;
        int32_t n = 0, connected = 0;
        std::vector<meshrtc_channel> chs(8);
        int32_t rc = f.fn(use(), peer_id, &conn, chs.data(), count(chs), &n, &connected);
        if (rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR) {
            chs.resize(static_cast<std::size_t>(n));
            rc = f.fn(use(), peer_id, &conn, chs.data(), count(chs), &n, &connected);
        }
        detail::check(rc, f.name);
        MeshPeerInfo info{conn, {}, connected != 0};
        for (int32_t i = 0; i < n; i++) info.channels.emplace_back(chs[static_cast<std::size_t>(i)], false);
        return info;
    }
    /// get_peers(): the ids, in the order packets are taken.
    std::vector<int32_t> get_peers() const {
        constexpr auto f = MESHRTC_HPP_FN(meshrtc_mesh_get_peers);
        std::vector<int32_t> ids(16);
        int32_t n = 0;
        int32_t rc = f.fn(use(), ids.data(), count(ids), &n);
        if (rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR) {
            ids.resize(static_cast<std::size_t>(n));
            rc = f.fn(use(), ids.data(), count(ids), &n);
        }
        detail::check(rc, f.name);
        ids.resize(static_cast<std::size_t>(n));
        return ids;
    }

    void set_target_peer(int32_t id) { call(MESHRTC_HPP_FN(meshrtc_mesh_set_target_peer), id); }
    int32_t get_target_peer() const { return get(MESHRTC_HPP_FN(meshrtc_mesh_get_target_peer)); }
    void set_transfer_mode(TransferMode mode) {
        call(MESHRTC_HPP_FN(meshrtc_mesh_set_transfer_mode), static_cast<int32_t>(mode));
    }
    TransferMode get_transfer_mode() const {
        return static_cast<TransferMode>(get(MESHRTC_HPP_FN(meshrtc_mesh_get_transfer_mode)));
    }
    void set_transfer_channel(int32_t channel) { call(MESHRTC_HPP_FN(meshrtc_mesh_set_transfer_channel), channel); }
    int32_t get_transfer_channel() const { return get(MESHRTC_HPP_FN(meshrtc_mesh_get_transfer_channel)); }
    void set_refuse_new_connections(bool refuse) {
        call(MESHRTC_HPP_FN(meshrtc_mesh_set_refuse_new_connections), refuse ? 1 : 0);
    }
    bool is_refusing_new_connections() const {
        return get(MESHRTC_HPP_FN(meshrtc_mesh_is_refusing_new_connections)) != 0;
    }

    int32_t get_packet_peer() const { return get(MESHRTC_HPP_FN(meshrtc_mesh_get_packet_peer)); }
    int32_t get_packet_channel() const { return get(MESHRTC_HPP_FN(meshrtc_mesh_get_packet_channel)); }
    TransferMode get_packet_mode() const {
        return static_cast<TransferMode>(get(MESHRTC_HPP_FN(meshrtc_mesh_get_packet_mode)));
    }

    void poll() { call(MESHRTC_HPP_FN(meshrtc_mesh_poll)); }
    std::optional<MeshEvent> next_event() {
        constexpr auto next = MESHRTC_HPP_FN(meshrtc_mesh_next_event);
        int32_t type = 0, id = 0;
        if (!detail::try_call(next, use(), &type, &id)) return std::nullopt;
        switch (type) {
        case MESHRTC_MESH_EVENT_PEER_CONNECTED: return MeshEvent(PeerConnected{id});
        case MESHRTC_MESH_EVENT_PEER_DISCONNECTED: return MeshEvent(PeerDisconnected{id});
        case MESHRTC_MESH_EVENT_CONNECTION_SUCCEEDED: return MeshEvent(ConnectionSucceeded{});
        case MESHRTC_MESH_EVENT_CONNECTION_FAILED: return MeshEvent(ConnectionFailed{});
        case MESHRTC_MESH_EVENT_SERVER_DISCONNECTED: return MeshEvent(ServerDisconnected{});
        default:
            throw Exception(MESHRTC_ERR_BUG, next.name, "unknown event type " + std::to_string(type));
        }
    }
    std::vector<MeshEvent> poll_events() {
        poll();
        std::vector<MeshEvent> out;
        while (auto ev = next_event()) out.push_back(*ev);
        return out;
    }
    void close() { call(MESHRTC_HPP_FN(meshrtc_mesh_close)); }
    /// Exception(Unconfigured) while disconnected (Godot prints an error and returns 1).
    int32_t get_unique_id() const { return get(MESHRTC_HPP_FN(meshrtc_mesh_get_unique_id)); }
    ConnectionStatus get_connection_status() const {
        return static_cast<ConnectionStatus>(get(MESHRTC_HPP_FN(meshrtc_mesh_get_connection_status)));
    }
    bool is_server_relay_supported() const { return get(MESHRTC_HPP_FN(meshrtc_mesh_is_server_relay_supported)) != 0; }
    int32_t get_max_packet_size() const { return get(MESHRTC_HPP_FN(meshrtc_mesh_get_max_packet_size)); }

private:
    template <class T>
    static int32_t count(const std::vector<T> &v) { return static_cast<int32_t>(v.size()); }
    static std::vector<int32_t> modes(const std::vector<TransferMode> &config) {
        if (config.size() > 255) detail::invalid("meshrtc_mesh_create", "more than 255 channels");
        std::vector<int32_t> m;
        m.reserve(config.size());
        for (TransferMode t : config) m.push_back(static_cast<int32_t>(t));
        return m;
    }
};

// ------------------------------------------------------------------- lobby

/// JOINED: the server put this client into a lobby (its name: the code the others join with).
struct LobbyJoined {
    std::string name;
};
/// CONNECTED: this client's peer id (1: the lobby's host) and the lobby's mode.
struct LobbyConnected {
    int32_t id;
    bool mesh;
};
struct LobbyPeerJoined {
    int32_t id;
};
/// The peer left the lobby; its connection leaves the mesh.
struct LobbyPeerLeft {
    int32_t id;
};
/// The host sealed the lobby; the server closes it shortly, the mesh stays.
struct LobbySealed {};
/// Something failed that does not end the lobby connection.
struct LobbyError {
    Error code;
    std::string message;
};
/// The lobby connection ended (the last event): the WebSocket close code
/// (Lobby::close_abnormal when none came) and the reason. Unless the lobby
/// was sealed, the mesh is closed too.
struct LobbyClosed {
    int32_t code;
    std::string reason;
};

using LobbyEvent = std::variant<LobbyJoined, LobbyConnected, LobbyPeerJoined, LobbyPeerLeft, LobbySealed, LobbyError, LobbyClosed>;

/// A lobby client (meshrtc_lobby_*): joins a lobby on a server that speaks
/// the protocol of Godot's webrtc_signaling demo (meshrtc-lobby is one) and
/// builds multiplayer(), a connected MultiplayerPeer, doing the signaling
/// itself as the demo's Godot 4 clients do. Call poll() (or poll_events())
/// every frame, and multiplayer().poll() as for any mesh. Destroying the
/// lobby leaves it and destroys its mesh.
class Lobby : public detail::object<detail::lobby_api> {
public:
    static constexpr int32_t close_abnormal = MESHRTC_LOBBY_CLOSE_ABNORMAL;

    /// Starts connecting to url (ws:// or wss://) without waiting;
    /// options_json as meshrtc_lobby_create takes it ("" for the defaults).
    explicit Lobby(std::string_view url, std::string_view options_json = {}) : object(create(url, options_json), true) {
        meshrtc_mesh m = 0;
        call(MESHRTC_HPP_FN(meshrtc_lobby_get_mesh), &m);
        mesh_ = MultiplayerPeer(m, false);
    }

    meshrtc_lobby handle() const noexcept { return h_.get(); }

    /// The lobby's mesh, borrowed: valid while the lobby lives. The lobby
    /// configures it and adds its peers; the rest is yours.
    MultiplayerPeer &multiplayer() noexcept { return mesh_; }

    /// The lobby called name, or (name "") a new one this client hosts: a mesh
    /// when mesh is true, else with this client as server. Joining an
    /// existing lobby takes its mode.
    void join(std::string_view name = {}, bool mesh = true) { call(MESHRTC_HPP_FN(meshrtc_lobby_join), name, mesh ? 1 : 0); }
    /// The host seals the lobby (Exception(Unauthorized) for the others).
    void seal() { call(MESHRTC_HPP_FN(meshrtc_lobby_seal)); }
    void poll() { call(MESHRTC_HPP_FN(meshrtc_lobby_poll)); }

    std::optional<LobbyEvent> next_event() {
        constexpr auto next = MESHRTC_HPP_FN(meshrtc_lobby_next_event);
        meshrtc_lobby_event ev{};
        if (!detail::try_call(next, use(), &ev)) return std::nullopt;
        std::string text = ev.text != nullptr ? ev.text : "";
        switch (ev.type) {
        case MESHRTC_LOBBY_EVENT_JOINED: return LobbyEvent(LobbyJoined{std::move(text)});
        case MESHRTC_LOBBY_EVENT_CONNECTED: return LobbyEvent(LobbyConnected{ev.peer_id, ev.mesh != 0});
        case MESHRTC_LOBBY_EVENT_PEER_JOINED: return LobbyEvent(LobbyPeerJoined{ev.peer_id});
        case MESHRTC_LOBBY_EVENT_PEER_LEFT: return LobbyEvent(LobbyPeerLeft{ev.peer_id});
        case MESHRTC_LOBBY_EVENT_SEALED: return LobbyEvent(LobbySealed{});
        case MESHRTC_LOBBY_EVENT_ERROR: return LobbyEvent(LobbyError{static_cast<Error>(ev.code), std::move(text)});
        case MESHRTC_LOBBY_EVENT_CLOSED: return LobbyEvent(LobbyClosed{ev.code, std::move(text)});
        default:
            throw Exception(MESHRTC_ERR_BUG, next.name, "unknown lobby event type " + std::to_string(ev.type));
        }
    }
    std::vector<LobbyEvent> poll_events() {
        poll();
        std::vector<LobbyEvent> out;
        while (auto ev = next_event()) out.push_back(std::move(*ev));
        return out;
    }

private:
    static int64_t create(std::string_view url, std::string_view options_json) {
        detail::ensure_abi();
        int64_t h = 0;
        detail::call(MESHRTC_HPP_FN(meshrtc_lobby_create), url, options_json, &h);
        return h;
    }

    MultiplayerPeer mesh_{0, false};
};

}  // namespace meshrtc

#undef MESHRTC_HPP_FN

#endif  // MESHRTC_HPP
