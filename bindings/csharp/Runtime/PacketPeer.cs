using System;
using System.Runtime.InteropServices;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>
    /// Godot's PacketPeer part (put_packet, get_packet,
    /// get_available_packet_count) over one handle. WebRTCDataChannel and
    /// WebRTCMultiplayerPeer are both PacketPeers and the C ABI gives each the
    /// same three functions (meshrtc_channel_* and meshrtc_mesh_*), so
    /// <see cref="WebRtcDataChannel"/> and <see cref="WebRtcMultiplayerPeer"/>
    /// each hold one of these and forward their public packet methods to it.
    /// </summary>
    internal sealed unsafe class PacketPeer
    {
        internal delegate int PutFn(long handle, byte* data, int len);
        internal delegate int GetFn(long handle, out IntPtr data, out int len);
        internal delegate int CountFn(long handle, out int count);

        /// <summary>The C functions of one kind of PacketPeer, with their names for errors.</summary>
        internal sealed class Functions
        {
            internal readonly PutFn Put;
            internal readonly GetFn Get;
            internal readonly CountFn Count;
            internal readonly string PutName, GetName, CountName;

            /// <summary>prefix: "meshrtc_channel_" or "meshrtc_mesh_".</summary>
            internal Functions(string prefix, PutFn put, GetFn get, CountFn count)
            {
                Put = put;
                Get = get;
                Count = count;
                PutName = prefix + "put_packet";
                GetName = prefix + "get_packet";
                CountName = prefix + "get_available_packet_count";
            }
        }

        // Created once: a delegate per call would allocate on every packet.
        internal static readonly Functions Channel = new Functions("meshrtc_channel_",
            NativeMethods.meshrtc_channel_put_packet, NativeMethods.meshrtc_channel_get_packet,
            NativeMethods.meshrtc_channel_get_available_packet_count);
        internal static readonly Functions Mesh = new Functions("meshrtc_mesh_",
            NativeMethods.meshrtc_mesh_put_packet, NativeMethods.meshrtc_mesh_get_packet,
            NativeMethods.meshrtc_mesh_get_available_packet_count);

        readonly MeshRtcHandle h;
        readonly string objectName;
        readonly Functions f;

        /// <summary>objectName: the wrapper's name for ObjectDisposedException.</summary>
        internal PacketPeer(MeshRtcHandle h, string objectName, Functions f)
        {
            this.h = h;
            this.objectName = objectName;
            this.f = f;
        }

        static void Check(int rc, string fn) { MeshRtcLibrary.Check(rc, fn); }

        internal void Put(byte[] data)
        {
            if (data == null) throw new ArgumentNullException("data");
            Put(data, 0, data.Length);
        }

        internal void Put(byte[] data, int offset, int count)
        {
            if (data == null) throw new ArgumentNullException("data");
            if (offset < 0 || offset > data.Length) throw new ArgumentOutOfRangeException("offset");
            if (count < 0 || count > data.Length - offset) throw new ArgumentOutOfRangeException("count");
            fixed (byte* p = data) Put(p == null ? null : p + offset, count);
        }

#if !MESHRTC_NO_SPAN
        internal void Put(ReadOnlySpan<byte> data)
        {
            fixed (byte* p = &MemoryMarshal.GetReference(data)) Put(p, data.Length);
        }
#endif

        internal void Put(byte* data, int len)
        {
            using (var s = h.Use(objectName)) Check(f.Put(s.Value, data, len), f.PutName);
        }

        /// <summary>Takes the next packet into buffer (grown when too small); false when none.</summary>
        internal bool TryGet(ref byte[] buffer, out int length)
        {
            IntPtr data;
            int len, rc;
            using (var s = h.Use(objectName))
            {
                rc = f.Get(s.Value, out data, out len);
                if (rc == 0)
                {
                    CopyOut(data, len, ref buffer);
                    length = len;
                    return true;
                }
            }
            length = 0;
            if (rc == (int)Error.Unavailable) return false;
            Check(rc, f.GetName);
            return false;
        }

        /// <summary>The next packet in a new array; MeshRtcException (Unavailable) when none.</summary>
        internal byte[] Get()
        {
            IntPtr data;
            int len;
            using (var s = h.Use(objectName))
            {
                Check(f.Get(s.Value, out data, out len), f.GetName);
                byte[] b = new byte[len];
                if (len > 0) Marshal.Copy(data, b, 0, len);
                return b;
            }
        }

        internal int Count()
        {
            int v;
            using (var s = h.Use(objectName)) Check(f.Count(s.Value, out v), f.CountName);
            return v;
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
