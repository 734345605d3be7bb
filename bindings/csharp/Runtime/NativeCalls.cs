namespace MeshRtc
{
    // The shapes of the C functions, as delegate types. Each class keeps the
    // functions it calls as static readonly delegates made once from the
    // NativeMethods method groups: a conversion at every call would allocate,
    // and the delegate's method name is the name a failure reports
    // (MeshRtcLibrary.Check), so each C function is named once.

    /// <summary>A function of a handle alone (poll, close, create_offer).</summary>
    internal delegate int HandleCall(long handle);
    /// <summary>A function of a handle and inputs (setters, initialize, add_peer).</summary>
    internal delegate int HandleCall<A>(long handle, A a);
    internal delegate int HandleCall<A, B>(long handle, A a, B b);
    internal delegate int HandleCall<A, B, C>(long handle, A a, B b, C c);
    /// <summary>A function of a handle that returns one value (getters, stats, next_event).</summary>
    internal delegate int HandleGetter<T>(long handle, out T value);
    internal delegate int HandleGetter<A, T>(long handle, A a, out T value);
    internal delegate int HandleGetter<A, B, T>(long handle, A a, B b, out T value);
    /// <summary>Text into a caller buffer with the size protocol (get_label, last_error).</summary>
    internal unsafe delegate int TextGetter(long handle, byte* buf, int cap, out int len);
    /// <summary>A library-wide function that returns one value (the create functions, shutdown).</summary>
    internal delegate int NativeGetter<T>(out T value);
    /// <summary>A library-wide function of an input that returns one value (meshrtc_wait).</summary>
    internal delegate int NativeGetter<A, T>(A a, out T value);
}
