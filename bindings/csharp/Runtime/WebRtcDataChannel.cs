using System;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>Messages and payload bytes one channel sent and received.</summary>
    public struct ChannelStats
    {
        public long MessagesSent;
        public long MessagesReceived;
        public long BytesSent;
        public long BytesReceived;
    }

    /// <summary>
    /// Godot's WebRTCDataChannel (a PacketPeer). Channels come from
    /// <see cref="WebRtcPeerConnection.CreateDataChannel(string, string)"/>,
    /// from <see cref="WebRtcPeerConnection.DataChannelReceived"/> (both owned
    /// by you: Dispose them, or the finalizer will) or from
    /// <see cref="WebRtcMultiplayerPeer.GetPeer"/> (owned by the mesh:
    /// Dispose does nothing, and they stop working once the peer leaves the
    /// mesh). Not thread-affine, but the receive buffer of
    /// <see cref="GetPacket()"/> is shared per channel: take packets of one
    /// channel from one thread at a time.
    /// </summary>
    public sealed unsafe class WebRtcDataChannel : PacketPeer, IDisposable
    {
        /// <summary>WebRTCDataChannel.ChannelState.</summary>
        public enum ChannelState { Connecting = 0, Open = 1, Closing = 2, Closed = 3 }

        /// <summary>WebRTCDataChannel.WriteMode.</summary>
        public enum WriteModeEnum { Text = 0, Binary = 1 }

        // The C functions this class calls, made once (see NativeCalls.cs).
        static readonly PutFn putPacket = NativeMethods.meshrtc_channel_put_packet;
        static readonly GetFn getPacket = NativeMethods.meshrtc_channel_get_packet;
        static readonly PutManyFn putPackets = NativeMethods.meshrtc_channel_put_packets;
        static readonly GetManyFn getPackets = NativeMethods.meshrtc_channel_get_packets;
        static readonly HandleCall poll = NativeMethods.meshrtc_channel_poll, close = NativeMethods.meshrtc_channel_close;
        static readonly HandleCall<int> setWriteMode = NativeMethods.meshrtc_channel_set_write_mode;
        static readonly HandleGetter<int>
            getAvailablePacketCount = NativeMethods.meshrtc_channel_get_available_packet_count,
            getMaxPacketSize = NativeMethods.meshrtc_channel_get_max_packet_size,
            getWriteMode = NativeMethods.meshrtc_channel_get_write_mode,
            wasStringPacket = NativeMethods.meshrtc_channel_was_string_packet,
            getReadyState = NativeMethods.meshrtc_channel_get_ready_state,
            isOrdered = NativeMethods.meshrtc_channel_is_ordered,
            getId = NativeMethods.meshrtc_channel_get_id,
            getMaxPacketLifeTime = NativeMethods.meshrtc_channel_get_max_packet_life_time,
            getMaxRetransmits = NativeMethods.meshrtc_channel_get_max_retransmits,
            isNegotiated = NativeMethods.meshrtc_channel_is_negotiated;
        static readonly HandleGetter<long>
            getBufferedAmount = NativeMethods.meshrtc_channel_get_buffered_amount,
            getDroppedCount = NativeMethods.meshrtc_channel_get_dropped_count;
        static readonly HandleGetter<ChannelStatsNative> getStats = NativeMethods.meshrtc_channel_get_stats;
        static readonly TextGetter getLabel = NativeMethods.meshrtc_channel_get_label,
            getProtocol = NativeMethods.meshrtc_channel_get_protocol;

        internal WebRtcDataChannel(long handle, bool owned)
            : base(new MeshRtcHandle(handle, MeshRtcHandle.Kind.Channel, owned), putPacket, getPacket, getAvailablePacketCount,
                   putPackets, getPackets)
        {
            IsOwned = owned;
        }

        /// <summary>The native handle (for logs and the raw NativeMethods API).</summary>
        public long Handle { get { return h.RawValue; } }

        /// <summary>True once Dispose was called.</summary>
        public bool IsDisposed { get { return h.IsClosed; } }

        /// <summary>False for channels the mesh owns.</summary>
        public bool IsOwned { get; private set; }

        /// <summary>
        /// Destroys the native channel; later calls throw ObjectDisposedException.
        /// For a mesh-owned channel only this wrapper becomes unusable (the
        /// channel stays in the mesh; GetPeer hands out a new wrapper).
        /// </summary>
        public void Dispose()
        {
            h.Dispose();
        }

        /// <summary>WebRTCDataChannel.poll (optional: the owning peer keeps its channels up to date).</summary>
        public void Poll() { h.Call(poll); }

        /// <summary>WebRTCDataChannel.close; received packets stay readable.</summary>
        public void Close() { h.Call(close); }

        /// <summary>The largest message PutPacket accepts.</summary>
        public int GetMaxPacketSize() { return h.Get(getMaxPacketSize); }

        /// <summary>WebRTCDataChannel.write_mode (Binary by default).</summary>
        public WriteModeEnum WriteMode
        {
            get { return (WriteModeEnum)h.Get(getWriteMode); }
            set { h.Call(setWriteMode, (int)value); }
        }

        /// <summary>True if the last packet taken was sent as text.</summary>
        public bool WasStringPacket() { return h.Get(wasStringPacket) != 0; }

        public ChannelState GetReadyState() { return (ChannelState)h.Get(getReadyState); }

        public string GetLabel() { return h.Text(getLabel); }

        public string GetProtocol() { return h.Text(getProtocol); }

        public bool IsOrdered() { return h.Get(isOrdered) != 0; }

        /// <summary>The SCTP stream id, 65535 while an in-band channel has none yet.</summary>
        public int GetId() { return h.Get(getId); }

        /// <summary>Milliseconds, 65535 when not set.</summary>
        public int GetMaxPacketLifeTime() { return h.Get(getMaxPacketLifeTime); }

        /// <summary>65535 when not set.</summary>
        public int GetMaxRetransmits() { return h.Get(getMaxRetransmits); }

        public bool IsNegotiated() { return h.Get(isNegotiated) != 0; }

        /// <summary>Bytes queued for sending.</summary>
        public long GetBufferedAmount() { return h.Get(getBufferedAmount); }

        /// <summary>Messages an unreliable channel dropped because its receive queue was full.</summary>
        public long GetDroppedCount() { return h.Get(getDroppedCount); }

        public ChannelStats GetStats()
        {
            ChannelStatsNative n = h.Get(getStats);
            return new ChannelStats
            {
                MessagesSent = n.MessagesSent,
                MessagesReceived = n.MessagesReceived,
                BytesSent = n.BytesSent,
                BytesReceived = n.BytesReceived,
            };
        }

        public override string ToString() { return h.ToString(); }
    }
}
