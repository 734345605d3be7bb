using System;
using System.Runtime.InteropServices;
using System.Threading;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>
    /// A meshrtc handle (int64) in a SafeHandle: destroyed exactly once, by
    /// Dispose or else by the finalizer, and never while a call is using it
    /// (every call holds a reference through <see cref="Use"/>).
    /// SafeHandle's own IntPtr cannot hold the handle on 32-bit targets, so
    /// it only carries a "valid" marker and the 64-bit value lives beside it.
    /// </summary>
    internal sealed class MeshRtcHandle : SafeHandle
    {
        internal enum Kind { Peer, Channel, Mesh }

        readonly long value;
        readonly Kind kind;

        // Counters for tests: destroys done and destroys the library refused
        // (other than DoesNotExist, which is expected after meshrtc_shutdown).
        static int destroyed;
        static int destroyFailures;
        internal static int Destroyed { get { return Volatile.Read(ref destroyed); } }
        internal static int DestroyFailures { get { return Volatile.Read(ref destroyFailures); } }

        /// <summary>owns: false for handles the library's mesh owns (never destroyed here).</summary>
        internal MeshRtcHandle(long value, Kind kind, bool owns) : base(IntPtr.Zero, owns)
        {
            this.value = value;
            this.kind = kind;
            SetHandle(new IntPtr(1));
        }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        internal long RawValue { get { return value; } }

        internal Kind HandleKind { get { return kind; } }

        protected override bool ReleaseHandle()
        {
            // May run on the finalizer thread: every meshrtc function may be
            // called from any thread, and destroy never calls back.
            int rc;
            switch (kind)
            {
                case Kind.Peer: rc = NativeMethods.meshrtc_peer_destroy(value); break;
                case Kind.Channel: rc = NativeMethods.meshrtc_channel_destroy(value); break;
                default: rc = NativeMethods.meshrtc_mesh_destroy(value); break;
            }
            Interlocked.Increment(ref destroyed);
            if (rc != 0 && rc != (int)Error.DoesNotExist) Interlocked.Increment(ref destroyFailures);
            // true even when the library had already released it (shutdown):
            // there is nothing left to release, and false would only raise a
            // ReleaseHandleFailed diagnostic.
            return true;
        }

        /// <summary>Holds the handle for one call; ObjectDisposedException once disposed.</summary>
        internal Scope Use(string objectName)
        {
            if (IsClosed) throw new ObjectDisposedException(objectName);
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(objectName);
            }
            return new Scope(this, added);
        }

        internal struct Scope : IDisposable
        {
            readonly MeshRtcHandle owner;
            readonly bool added;
            public readonly long Value;

            internal Scope(MeshRtcHandle owner, bool added)
            {
                this.owner = owner;
                this.added = added;
                Value = owner.value;
            }

            public void Dispose()
            {
                if (added) owner.DangerousRelease();
            }
        }
    }
}
