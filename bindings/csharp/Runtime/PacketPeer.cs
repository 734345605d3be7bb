using System;
using System.Runtime.InteropServices;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>
    /// One packet of <see cref="PacketPeer.GetPackets"/>: the packets lie one
    /// after another in the buffer, Size bytes each, in the order of the array.
    /// </summary>
    public struct PacketInfo
    {
        /// <summary>Bytes of this packet in the buffer.</summary>
        public int Size;
        /// <summary>Sent as text (what WasStringPacket would say).</summary>
        public bool IsString;
        /// <summary>Mesh: the sender's id (GetPacketPeer); channel: 0.</summary>
        public int PeerId;
        /// <summary>Mesh: GetPacketChannel; channel: 0.</summary>
        public int Channel;
        /// <summary>Mesh: GetPacketMode; channel: 0 (Unreliable, meaningless there).</summary>
        public WebRtcMultiplayerPeer.TransferModeEnum Mode;
    }

    /// <summary>
    /// Godot's PacketPeer (put_packet, get_packet, get_available_packet_count):
    /// the base of <see cref="WebRtcDataChannel"/> and
    /// <see cref="WebRtcMultiplayerPeer"/>, each over its own C functions
    /// (meshrtc_channel_* and meshrtc_mesh_*).
    /// </summary>
    public abstract unsafe class PacketPeer
    {
        internal delegate int PutFn(long handle, byte* data, int len);
        internal delegate int GetFn(long handle, out IntPtr data, out int len);
        internal delegate int PutManyFn(long handle, byte* data, int* sizes, int count, out int sent);
        internal delegate int GetManyFn(long handle, byte* buf, int bufCap, PacketInfoNative* info, int infoCap, out int count);

        // Descriptions one native batched get fills: they pass through the
        // stack, so a get allocates nothing whatever the caller's array size.
        const int InfosPerCall = 64;

        internal readonly MeshRtcHandle h;
        readonly PutFn putPacket;
        readonly GetFn getPacket;
        readonly HandleGetter<int> getCount;
        readonly PutManyFn putPackets;
        readonly GetManyFn getPackets;

        /// <summary>The subclass's C functions: static delegates made once (see NativeCalls.cs).</summary>
        internal PacketPeer(MeshRtcHandle h, PutFn put, GetFn get, HandleGetter<int> count, PutManyFn putMany, GetManyFn getMany)
        {
            this.h = h;
            putPacket = put;
            getPacket = get;
            getCount = count;
            putPackets = putMany;
            getPackets = getMany;
        }

        /// <summary>
        /// PacketPeer.put_packet: sends data as one message (a channel in its
        /// write mode; the mesh to TargetPeer with TransferMode on TransferChannel).
        /// </summary>
        public void PutPacket(byte[] data)
        {
            if (data == null) throw new ArgumentNullException("data");
            PutPacket(data, 0, data.Length);
        }

        /// <summary>Sends data[offset .. offset+count) as one message.</summary>
        public void PutPacket(byte[] data, int offset, int count)
        {
            if (data == null) throw new ArgumentNullException("data");
            if (offset < 0 || offset > data.Length) throw new ArgumentOutOfRangeException("offset");
            if (count < 0 || count > data.Length - offset) throw new ArgumentOutOfRangeException("count");
            fixed (byte* p = data) PutPacket(p == null ? null : p + offset, count);
        }

#if !MESHRTC_NO_SPAN
        /// <summary>Sends data as one message (no copy on the managed side).</summary>
        public void PutPacket(ReadOnlySpan<byte> data)
        {
            fixed (byte* p = &MemoryMarshal.GetReference(data)) PutPacket(p, data.Length);
        }
#endif

        /// <summary>Sends len bytes at data (may be null when len is 0).</summary>
        public void PutPacket(byte* data, int len)
        {
            using (var s = h.Use()) MeshRtcLibrary.Check(putPacket(s.Value, data, len), putPacket);
        }

        /// <summary>
        /// Takes the next packet into buffer, replacing buffer by a larger
        /// array when it is too small (so one array can be reused for every
        /// packet). False when no packet is queued.
        /// </summary>
        public bool TryGetPacket(ref byte[] buffer, out int length)
        {
            IntPtr data;
            int len;
            using (var s = h.Use())
            {
                int rc = getPacket(s.Value, out data, out len);
                length = 0;
                if (rc == (int)Error.Unavailable) return false;
                MeshRtcLibrary.Check(rc, getPacket);
                CopyOut(data, len, ref buffer);
            }
            length = len;
            return true;
        }

        /// <summary>PacketPeer.get_packet: the next packet in a new array; MeshRtcException (Unavailable) when none.</summary>
        public byte[] GetPacket()
        {
            IntPtr data;
            int len;
            using (var s = h.Use())
            {
                MeshRtcLibrary.Check(getPacket(s.Value, out data, out len), getPacket);
                byte[] b = new byte[len];
                if (len > 0) Marshal.Copy(data, b, 0, len);
                return b;
            }
        }

        /// <summary>PacketPeer.get_available_packet_count.</summary>
        public int GetAvailablePacketCount() { return h.Get(getCount); }

        /// <summary>
        /// Takes queued packets in order, as many as fit, in one native call
        /// per 64: each is copied into buffer right after the previous one and
        /// described in infos, while the next packet fits in what is left of
        /// buffer and infos has room. Returns how many were taken (0 when none
        /// is queued). A mesh takes them in GetPacket's order, each described
        /// as GetPacketPeer, GetPacketChannel and GetPacketMode would have.
        /// When buffer cannot hold even the first packet, nothing is taken,
        /// infos[0].Size receives its size and MeshRtcException
        /// (ParameterRangeError) is thrown: grow the buffer and call again.
        /// Allocates nothing.
        /// </summary>
        public int GetPackets(byte[] buffer, PacketInfo[] infos)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (infos == null) throw new ArgumentNullException("infos");
            if (infos.Length == 0) throw new ArgumentException("infos must have room for one packet at least", "infos");
            PacketInfoNative* native = stackalloc PacketInfoNative[InfosPerCall];
            int taken = 0, used = 0;
            using (var s = h.Use())
            fixed (byte* buf = buffer)
            {
                while (taken < infos.Length)
                {
                    int want = Math.Min(InfosPerCall, infos.Length - taken);
                    int n;
                    int rc = getPackets(s.Value, buf + used, buffer.Length - used, native, want, out n);
                    if (rc == (int)Error.ParameterRangeError && taken > 0) break; // the next one needs more room than is left
                    if (rc == (int)Error.ParameterRangeError) infos[0].Size = native[0].Size;
                    MeshRtcLibrary.Check(rc, getPackets);
                    for (int i = 0; i < n; i++)
                    {
                        PacketInfoNative* p = native + i;
                        infos[taken + i] = new PacketInfo
                        {
                            Size = p->Size,
                            IsString = p->IsString != 0,
                            PeerId = p->PeerId,
                            Channel = p->Channel,
                            Mode = (WebRtcMultiplayerPeer.TransferModeEnum)p->Mode,
                        };
                        used += p->Size;
                    }
                    taken += n;
                    if (n < want) break; // the queue is empty or the buffer full
                }
            }
            return taken;
        }

        /// <summary>
        /// Sends sizes.Length messages in one native call, each as PutPacket
        /// sends it: message i has sizes[i] bytes and they lie one after
        /// another in data. Returns how many were accepted: all of them, or,
        /// when one fails after others were accepted, the ones before it
        /// (pass the rest again: that call throws the failure). Throws as
        /// PutPacket does when the first message fails. Allocates nothing.
        /// </summary>
        public int PutPackets(byte[] data, int[] sizes)
        {
            if (data == null) throw new ArgumentNullException("data");
            if (sizes == null) throw new ArgumentNullException("sizes");
            long total = 0;
            foreach (int size in sizes)
            {
                if (size < 0) throw new ArgumentOutOfRangeException("sizes", "a size is negative");
                total += size;
            }
            if (total > data.Length) throw new ArgumentOutOfRangeException("sizes", "the sizes add up to more than data holds");
            int sent, rc;
            using (var s = h.Use())
            fixed (byte* d = data)
            fixed (int* z = sizes)
                rc = putPackets(s.Value, d, z, sizes.Length, out sent);
            if (sent == 0) MeshRtcLibrary.Check(rc, putPackets);
            return sent;
        }

        /// <summary>Copies a library-owned packet into buffer, growing it when needed.</summary>
        static void CopyOut(IntPtr data, int len, ref byte[] buffer)
        {
            if (buffer == null || buffer.Length < len)
            {
                long size = Math.Max(1024L, buffer == null ? 0L : 2L * buffer.Length);
                if (size < len) size = len;
                buffer = new byte[(int)Math.Min(size, int.MaxValue)];
            }
            if (len > 0) Marshal.Copy(data, buffer, 0, len);
        }
    }
}
