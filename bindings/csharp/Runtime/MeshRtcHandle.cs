using System;
using System.Runtime.InteropServices;
using System.Threading;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>
    /// A meshrtc handle (int64) in a SafeHandle: destroyed exactly once, by
    /// Dispose or else by the finalizer, and never while a call is using it
    /// (every call holds a reference through <see cref="Use"/>, which the
    /// call helpers Call and Get do for one C function each).
    /// SafeHandle's own IntPtr cannot hold the handle on 32-bit targets, so
    /// it only carries a "valid" marker and the 64-bit value lives beside it.
    /// </summary>
    internal sealed class MeshRtcHandle : SafeHandle
    {
        internal enum Kind { Peer, Channel, Mesh, Lobby }

        readonly long value;
        readonly Kind kind;

        // Counters for tests: destroys done and destroys the library refused
        // (other than DoesNotExist, which is expected after meshrtc_shutdown).
        static int destroyed;
        static int destroyFailures;
        internal static int Destroyed { get { return Volatile.Read(ref destroyed); } }
        internal static int DestroyFailures { get { return Volatile.Read(ref destroyFailures); } }

        /// <summary>owns: false for handles another library object owns (a mesh's channels, a lobby's mesh; never destroyed here).</summary>
        internal MeshRtcHandle(long value, Kind kind, bool owns) : base(IntPtr.Zero, owns)
        {
            this.value = value;
            this.kind = kind;
            SetHandle(new IntPtr(1));
        }

        /// <summary>A new owned handle from a create function (checks the ABI first).</summary>
        internal static MeshRtcHandle Create(Kind kind, NativeGetter<long> create)
        {
            MeshRtcLibrary.EnsureLoaded();
            long v;
            MeshRtcLibrary.Check(create(out v), create);
            return new MeshRtcHandle(v, kind, true);
        }

        /// <summary>The wrapper class's name, for ObjectDisposedException and ToString.</summary>
        internal string ObjectName
        {
            get
            {
                switch (kind)
                {
                    case Kind.Peer: return "WebRtcPeerConnection";
                    case Kind.Channel: return "WebRtcDataChannel";
                    case Kind.Lobby: return "WebRtcLobby";
                    default: return "WebRtcMultiplayerPeer";
                }
            }
        }

        public override string ToString()
        {
            return ObjectName + "(" + value + (IsClosed ? ", disposed)" : ")");
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
                case Kind.Lobby: rc = NativeMethods.meshrtc_lobby_destroy(value); break;
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
        internal Scope Use()
        {
            if (IsClosed) throw new ObjectDisposedException(ObjectName);
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                throw new ObjectDisposedException(ObjectName);
            }
            return new Scope(this, added);
        }

        // One checked C function on this handle each: fn is a delegate made
        // once (see NativeCalls.cs), and a failure throws MeshRtcException
        // naming it.
        internal void Call(HandleCall fn)
        {
            using (var s = Use()) MeshRtcLibrary.Check(fn(s.Value), fn);
        }

        internal void Call<A>(HandleCall<A> fn, A a)
        {
            using (var s = Use()) MeshRtcLibrary.Check(fn(s.Value, a), fn);
        }

        internal void Call<A, B>(HandleCall<A, B> fn, A a, B b)
        {
            using (var s = Use()) MeshRtcLibrary.Check(fn(s.Value, a, b), fn);
        }

        internal void Call<A, B, C>(HandleCall<A, B, C> fn, A a, B b, C c)
        {
            using (var s = Use()) MeshRtcLibrary.Check(fn(s.Value, a, b, c), fn);
        }

        internal T Get<T>(HandleGetter<T> fn)
        {
            T v;
            using (var s = Use()) MeshRtcLibrary.Check(fn(s.Value, out v), fn);
            return v;
        }

        internal T Get<A, T>(HandleGetter<A, T> fn, A a)
        {
            T v;
            using (var s = Use()) MeshRtcLibrary.Check(fn(s.Value, a, out v), fn);
            return v;
        }

        internal T Get<A, B, T>(HandleGetter<A, B, T> fn, A a, B b)
        {
            T v;
            using (var s = Use()) MeshRtcLibrary.Check(fn(s.Value, a, b, out v), fn);
            return v;
        }

        /// <summary>Get for functions that return Unavailable when there is nothing (next_event): false then.</summary>
        internal bool TryGet<T>(HandleGetter<T> fn, out T value)
        {
            using (var s = Use())
            {
                int rc = fn(s.Value, out value);
                if (rc == (int)Error.Unavailable) return false;
                MeshRtcLibrary.Check(rc, fn);
                return true;
            }
        }

        /// <summary>Text of a get_label-like function (size protocol).</summary>
        internal string Text(TextGetter fn)
        {
            string text;
            using (var s = Use()) MeshRtcLibrary.Check(Utf8.Read(fn, s.Value, out text), fn);
            return text;
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
