// P/Invoke declarations for every function of include/meshrtc.h (ABI 1).
//
// Rules (checked by tests/csharp: AbiTests compares this class with the
// header in both directions, parameter by parameter):
//  - one [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
//    per C function, named exactly like it;
//  - fixed-width types only: int32_t -> int, int64_t and handles -> long,
//    pointers -> byte* / int* / blittable struct* / byte[] / out / ref /
//    IntPtr; no bool, no string marshalling (strings are passed as
//    NUL-terminated UTF-8 byte[] built by the caller, so the platform's
//    default string encoding never matters);
//  - no delegates: the library never calls managed code.
using System;
using System.Runtime.InteropServices;

namespace MeshRtc.Native
{
    /// <summary>meshrtc_peer_event (56 bytes on 64-bit targets, 40 on 32-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PeerEventNative
    {
        public int Type;
        public int State;
        public int Index;
        public int Reserved;
        public long Channel;
        public IntPtr SdpType;
        public IntPtr Sdp;
        public IntPtr Media;
        public IntPtr Name;
    }

    /// <summary>meshrtc_peer_stats (48 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PeerStatsNative
    {
        public int LocalCandidateType;
        public int RemoteCandidateType;
        public long RttUs;
        public long BytesSent;
        public long BytesReceived;
        public long PacketsSent;
        public long PacketsReceived;
    }

    /// <summary>meshrtc_channel_stats (32 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ChannelStatsNative
    {
        public long MessagesSent;
        public long MessagesReceived;
        public long BytesSent;
        public long BytesReceived;
    }

    /// <summary>meshrtc_lobby_event (24 bytes on 64-bit targets, 20 on 32-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LobbyEventNative
    {
        public int Type;
        public int PeerId;
        public int Mesh;
        public int Code;
        public IntPtr Text;
    }

    /// <summary>meshrtc_packet_info (24 bytes): one packet of a batched get.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PacketInfoNative
    {
        public int Size;
        public int IsString;
        public int PeerId;
        public int Channel;
        public int Mode;
        public int Reserved;
    }

    /// <summary>
    /// The header's #defines that have no enum in the MeshRtc namespace (the
    /// others are mirrored by Error, LogLevel and the classes' nested enums;
    /// tests/csharp checks all of them against the header).
    /// </summary>
    public static class NativeConstants
    {
        public const int MESHRTC_VERSION_MAJOR = 0;
        public const int MESHRTC_VERSION_MINOR = 4;
        public const int MESHRTC_VERSION_PATCH = 0;
        public const int MESHRTC_ABI_VERSION = 1;

        public const int MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED = 1;
        public const int MESHRTC_EVENT_ICE_CANDIDATE_CREATED = 2;
        public const int MESHRTC_EVENT_DATA_CHANNEL_RECEIVED = 3;
        public const int MESHRTC_EVENT_CONNECTION_STATE_CHANGED = 4;
        public const int MESHRTC_EVENT_GATHERING_STATE_CHANGED = 5;
        public const int MESHRTC_EVENT_SIGNALING_STATE_CHANGED = 6;

        public const int MESHRTC_MESH_EVENT_PEER_CONNECTED = 101;
        public const int MESHRTC_MESH_EVENT_PEER_DISCONNECTED = 102;
        public const int MESHRTC_MESH_EVENT_CONNECTION_SUCCEEDED = 103;
        public const int MESHRTC_MESH_EVENT_CONNECTION_FAILED = 104;
        public const int MESHRTC_MESH_EVENT_SERVER_DISCONNECTED = 105;

        public const int MESHRTC_LOBBY_CLOSE_ABNORMAL = 1006;
    }

    /// <summary>
    /// The raw C ABI. Prefer the classes in the MeshRtc namespace; these are
    /// public for hosts that want the C functions as they are. Every function
    /// returns a Godot Error code (see <see cref="MeshRtc.Error"/>).
    /// </summary>
    public static unsafe class NativeMethods
    {
        /// <summary>
        /// The native library's name: "meshrtc" resolves to libmeshrtc.so,
        /// meshrtc.dll or libmeshrtc.dylib. On iOS the library is linked
        /// statically into the player, so IL2CPP must look in the executable.
        /// </summary>
#if UNITY_IOS && !UNITY_EDITOR
        public const string LibraryName = "__Internal";
#else
        public const string LibraryName = "meshrtc";
#endif

        /// <summary>MESHRTC_ABI_VERSION of the header this file was written from.</summary>
        public const int AbiVersion = NativeConstants.MESHRTC_ABI_VERSION;

        // ------------------------------------------------------------ library
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_abi_version();
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_version(out int outMajor, out int outMinor, out int outPatch);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_last_error(long handle, byte* buf, int cap, out int outLen);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_log_set_level(int level);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_log_next(out int outLevel, byte* buf, int cap, out int outLen);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_set_gc(int gcPercent, long memoryLimit, out int outGcPercent, out long outMemoryLimit);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_shutdown(out int outLeaked);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_wait(long timeoutUs, out int outArrived);

        // --------------------------------------------------------------- peer
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_create(out long outPeer);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_destroy(long peer);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_initialize(long peer, [In] byte[] configJson);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_create_data_channel(long peer, [In] byte[] label, [In] byte[] optionsJson, out long outChannel);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_create_offer(long peer);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_set_local_description(long peer, [In] byte[] type, [In] byte[] sdp);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_set_remote_description(long peer, [In] byte[] type, [In] byte[] sdp);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_add_ice_candidate(long peer, [In] byte[] media, int index, [In] byte[] name);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_poll(long peer);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_next_event(long peer, out PeerEventNative outEvent);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_close(long peer);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_get_connection_state(long peer, out int outState);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_get_gathering_state(long peer, out int outState);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_get_signaling_state(long peer, out int outState);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_peer_get_stats(long peer, out PeerStatsNative outStats);

        // ------------------------------------------------------------ channel
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_destroy(long channel);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_poll(long channel);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_close(long channel);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_put_packet(long channel, byte* data, int len);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_packet(long channel, out IntPtr outData, out int outLen);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_packets(long channel, byte* buf, int bufCap, PacketInfoNative* outInfo, int infoCap,
                                                             out int outCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_put_packets(long channel, byte* data, int* sizes, int count, out int outSent);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_available_packet_count(long channel, out int outCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_max_packet_size(long channel, out int outSize);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_set_write_mode(long channel, int mode);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_write_mode(long channel, out int outMode);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_was_string_packet(long channel, out int outIsString);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_ready_state(long channel, out int outState);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_label(long channel, byte* buf, int cap, out int outLen);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_protocol(long channel, byte* buf, int cap, out int outLen);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_is_ordered(long channel, out int outOrdered);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_id(long channel, out int outId);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_max_packet_life_time(long channel, out int outMs);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_max_retransmits(long channel, out int outCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_is_negotiated(long channel, out int outNegotiated);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_buffered_amount(long channel, out long outBytes);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_dropped_count(long channel, out long outCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_channel_get_stats(long channel, out ChannelStatsNative outStats);

        // --------------------------------------------------------------- mesh
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_create(out long outMesh);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_destroy(long mesh);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_set_options(long mesh, [In] byte[] optionsJson);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_create_server(long mesh, [In] int[] channelsConfig, int channelsCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_create_client(long mesh, int peerId, [In] int[] channelsConfig, int channelsCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_create_mesh(long mesh, int peerId, [In] int[] channelsConfig, int channelsCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_initialize(long mesh, int peerId, int serverCompatibility);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_add_peer(long mesh, long peer, int peerId, int unreliableLifetime);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_remove_peer(long mesh, int peerId);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_disconnect_peer(long mesh, int peerId, int force);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_has_peer(long mesh, int peerId, out int outHas);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_peer(long mesh, int peerId, out long outPeer, [In, Out] long[] outChannels,
                                                       int channelsCap, out int outChannelCount, out int outConnected);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_peers(long mesh, [In, Out] int[] outIds, int idsCap, out int outCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_set_target_peer(long mesh, int peerId);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_target_peer(long mesh, out int outPeerId);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_set_transfer_mode(long mesh, int mode);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_transfer_mode(long mesh, out int outMode);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_set_transfer_channel(long mesh, int channel);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_transfer_channel(long mesh, out int outChannel);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_put_packet(long mesh, byte* data, int len);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_packet(long mesh, out IntPtr outData, out int outLen);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_packets(long mesh, byte* buf, int bufCap, PacketInfoNative* outInfo, int infoCap,
                                                          out int outCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_put_packets(long mesh, byte* data, int* sizes, int count, out int outSent);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_available_packet_count(long mesh, out int outCount);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_packet_peer(long mesh, out int outPeerId);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_packet_channel(long mesh, out int outChannel);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_packet_mode(long mesh, out int outMode);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_poll(long mesh);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_close(long mesh);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_next_event(long mesh, out int outType, out int outPeerId);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_unique_id(long mesh, out int outId);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_connection_status(long mesh, out int outStatus);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_is_server_relay_supported(long mesh, out int outSupported);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_set_refuse_new_connections(long mesh, int refuse);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_is_refusing_new_connections(long mesh, out int outRefusing);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_mesh_get_max_packet_size(long mesh, out int outSize);

        // -------------------------------------------------------------- lobby
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_lobby_create([In] byte[] url, [In] byte[] optionsJson, out long outLobby);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_lobby_destroy(long lobby);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_lobby_join(long lobby, [In] byte[] name, int meshMode);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_lobby_seal(long lobby);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_lobby_poll(long lobby);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_lobby_next_event(long lobby, out LobbyEventNative outEvent);
        [DllImport(LibraryName, CallingConvention = CallingConvention.Cdecl)]
        public static extern int meshrtc_lobby_get_mesh(long lobby, out long outMesh);
    }
}
