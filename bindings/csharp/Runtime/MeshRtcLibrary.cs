using System;
using MeshRtc.Native;

namespace MeshRtc
{
    /// <summary>Log levels of meshrtc_log_set_level (pion's numbering).</summary>
    public enum LogLevel
    {
        None = 0,
        Error = 1,
        Warn = 2,
        Info = 3,
        Debug = 4,
        Trace = 5,
    }

    /// <summary>The garbage collector settings of meshrtc_set_gc.</summary>
    public struct GcSettings
    {
        /// <summary>Heap growth in % that starts a collection; -1: collection off (GOGC=off).</summary>
        public int GcPercent;
        /// <summary>Soft memory limit in bytes; 0: none.</summary>
        public long MemoryLimit;
    }

    /// <summary>
    /// Library-wide functions: version, ABI check, log capture, GC settings, shutdown.
    /// Every object constructor calls <see cref="EnsureLoaded"/>, so the ABI
    /// is checked at first use without any setup call.
    /// </summary>
    public static unsafe class MeshRtcLibrary
    {
        static volatile bool checkedOk;
        static readonly object checkLock = new object();

        // The C functions called here, made once (see NativeCalls.cs).
        delegate int VersionFn(out int major, out int minor, out int patch);
        delegate int GcFn(int gcPercent, long memoryLimit, out int outGcPercent, out long outMemoryLimit);
        delegate int LogNextFn(out int level, byte* buf, int cap, out int len);
        static readonly VersionFn version = NativeMethods.meshrtc_version;
        static readonly NativeGetter<int> shutdown = NativeMethods.meshrtc_shutdown;
        static readonly GcFn setGc = NativeMethods.meshrtc_set_gc;
        static readonly Func<int, int> logSetLevel = NativeMethods.meshrtc_log_set_level;
        static readonly LogNextFn logNext = NativeMethods.meshrtc_log_next;
        static readonly TextGetter lastError = NativeMethods.meshrtc_last_error;
        static readonly NativeGetter<long, int> wait = NativeMethods.meshrtc_wait;

        /// <summary>The ABI version this binding was written for (MESHRTC_ABI_VERSION).</summary>
        public const int ExpectedAbiVersion = NativeMethods.AbiVersion;

        /// <summary>
        /// Loads the native library and compares its ABI version with this
        /// binding's. Throws <see cref="DllNotFoundException"/> (library not
        /// found, with where to put it) or <see cref="MeshRtcAbiMismatchException"/>.
        /// </summary>
        public static void EnsureLoaded()
        {
            if (checkedOk) return;
            lock (checkLock)
            {
                if (checkedOk) return;
                int loaded;
                try
                {
                    loaded = NativeMethods.meshrtc_abi_version();
                }
                catch (DllNotFoundException e)
                {
                    throw new DllNotFoundException(
                        "meshrtc: the native library '" + NativeMethods.LibraryName + "' (libmeshrtc.so, meshrtc.dll or " +
                        "libmeshrtc.dylib) could not be loaded. .NET/Mono: put it next to the program or on " +
                        "LD_LIBRARY_PATH (Linux), PATH (Windows), DYLD_LIBRARY_PATH (macOS). Unity: it belongs in " +
                        "Runtime/Plugins/<platform>/ of the com.meshrtc.webrtc package with its platform enabled " +
                        "in the plugin import settings. (" + e.Message + ")", e);
                }
                catch (EntryPointNotFoundException e)
                {
                    throw new EntryPointNotFoundException(
                        "meshrtc: the library that was loaded as '" + NativeMethods.LibraryName +
                        "' does not export meshrtc_abi_version: it is not libmeshrtc. (" + e.Message + ")", e);
                }
                CheckAbi(loaded, ExpectedAbiVersion);
                checkedOk = true;
            }
        }

        /// <summary>Throws the ABI mismatch exception unless loaded == expected (internal for tests).</summary>
        internal static void CheckAbi(int loaded, int expected)
        {
            if (loaded == expected) return;
            throw new MeshRtcAbiMismatchException(loaded, expected,
                "meshrtc: the native library implements ABI version " + loaded + " but this binding (MeshRtc.dll) " +
                "was built for ABI version " + expected + ". Use the libmeshrtc that ships with this binding; " +
                "nothing was called.");
        }

        /// <summary>meshrtc_abi_version() of the loaded library.</summary>
        public static int AbiVersion
        {
            get { EnsureLoaded(); return NativeMethods.meshrtc_abi_version(); }
        }

        /// <summary>The loaded library's version (meshrtc_version).</summary>
        public static Version Version
        {
            get
            {
                EnsureLoaded();
                int major, minor, patch;
                Check(version(out major, out minor, out patch), version);
                return new Version(major, minor, patch);
            }
        }

        /// <summary>
        /// meshrtc_shutdown: closes and destroys every native object still alive
        /// and returns how many handles the host had left alive (0 when every
        /// object was disposed or finalized). Managed objects that still exist
        /// afterwards throw <see cref="MeshRtcException"/> (DoesNotExist) when
        /// used; disposing or finalizing them is harmless. New objects can be
        /// created at once. Call it when a Unity play session ends.
        /// </summary>
        public static int Shutdown()
        {
            EnsureLoaded();
            int leaked;
            Check(shutdown(out leaked), shutdown);
            return leaked;
        }

        /// <summary>
        /// Tunes the garbage collector of the library's Go runtime, trading memory
        /// for CPU (meshrtc_set_gc): gcPercent 10..10000 (Go's GOGC, default 100)
        /// or -1 to keep it; memoryLimit a soft limit in bytes (at least 1 MiB),
        /// 0 for none, or -1 to keep it. Returns the settings in effect afterwards;
        /// call it with no arguments to read them.
        /// </summary>
        public static GcSettings SetGc(int gcPercent = -1, long memoryLimit = -1)
        {
            EnsureLoaded();
            var s = new GcSettings();
            Check(setGc(gcPercent, memoryLimit, out s.GcPercent, out s.MemoryLimit), setGc);
            return s;
        }

        /// <summary>
        /// meshrtc_wait: blocks the calling thread until a packet or event was
        /// queued on any object since the previous Wait returned (at once if
        /// one was), or until timeoutMicroseconds pass (0: only checks).
        /// Returns true if something arrived: then Poll and take packets as
        /// usual. While a thread waits here the library's own work runs on
        /// every core, so a thread with nothing to do until the next message
        /// (a dedicated server, a network thread, the idle rest of a frame)
        /// should wait here instead of sleeping. Not for a thread that must
        /// render or tick at a fixed rate unless the timeout fits that rate,
        /// and not from several threads at once: one arrival wakes one
        /// waiter. Mesh peer_connected/peer_disconnected events come from
        /// Poll and never end a wait. A negative timeout throws
        /// MeshRtcException (InvalidParameter).
        /// </summary>
        public static bool Wait(long timeoutMicroseconds)
        {
            EnsureLoaded();
            int arrived;
            Check(wait(timeoutMicroseconds, out arrived), wait);
            return arrived != 0;
        }

        /// <summary><see cref="Wait(long)"/> with the timeout as a TimeSpan (whole microseconds).</summary>
        public static bool Wait(TimeSpan timeout) { return Wait(timeout.Ticks / (TimeSpan.TicksPerMillisecond / 1000)); }

        /// <summary>
        /// Captures library log lines at or below level for <see cref="TryGetLogLine"/>
        /// (LogLevel.None: print to stderr as MESHRTC_LOG_LEVEL says).
        /// </summary>
        public static void SetLogLevel(LogLevel level)
        {
            EnsureLoaded();
            Check(logSetLevel((int)level), logSetLevel);
        }

        /// <summary>Takes the oldest captured log line; false when none is queued.</summary>
        public static bool TryGetLogLine(out LogLevel level, out string line)
        {
            EnsureLoaded();
            byte[] buf = new byte[512];
            for (;;)
            {
                int lvl, len, rc;
                fixed (byte* p = buf) rc = logNext(out lvl, p, buf.Length, out len);
                if (rc == (int)Error.ParameterRangeError)
                {
                    // The line stayed queued: retry with room for it.
                    buf = new byte[len + 1];
                    continue;
                }
                if (rc == (int)Error.Unavailable)
                {
                    level = LogLevel.None;
                    line = null;
                    return false;
                }
                Check(rc, logNext);
                level = (LogLevel)lvl;
                line = Utf8.Decode(buf, len);
                return true;
            }
        }

        /// <summary>The calling thread's last failure text (meshrtc_last_error(0)).</summary>
        internal static string LastError()
        {
            string text;
            int rc = Utf8.Read(lastError, 0, out text);
            return rc == 0 ? text : "(meshrtc_last_error failed with " + rc + ")";
        }

        /// <summary>
        /// Throws a MeshRtcException for a non-zero rc, naming the C function
        /// that the delegate function calls. Every failure records its message
        /// for the calling thread, so meshrtc_last_error(0) is read (it also
        /// covers failures where the handle itself was bad).
        /// </summary>
        internal static void Check(int rc, Delegate function)
        {
            if (rc == 0) return;
            string message = LastError(); // before anything else can call the library
            throw new MeshRtcException((Error)rc, function.Method.Name, message);
        }
    }
}
