using System;
using System.Runtime.InteropServices;

namespace MeshRtc
{
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

        internal readonly MeshRtcHandle h;
        readonly PutFn putPacket;
        readonly GetFn getPacket;
        readonly HandleGetter<int> getCount;

        /// <summary>put, get, count: static delegates of the subclass (made once, see NativeCalls.cs).</summary>
        internal PacketPeer(MeshRtcHandle h, PutFn put, GetFn get, HandleGetter<int> count)
        {
            this.h = h;
            putPacket = put;
            getPacket = get;
            getCount = count;
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
