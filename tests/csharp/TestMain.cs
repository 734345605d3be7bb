// Test runner for the C# binding under Mono: a list of named tests, each
// PASS/FAIL with its time, and a last line "N passed, M failed".
// Usage: mono MeshRtc.Tests.exe <repo-root> <layout.txt> [test-name...]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace MeshRtc.Tests
{
    public sealed class TestFailure : Exception
    {
        public TestFailure(string message) : base(message) { }
    }

    public static partial class T
    {
        public static string RepoRoot;
        public static string LayoutFile;

        public static void Check(bool cond, string what)
        {
            if (!cond) throw new TestFailure(what);
        }

        public static void Equal<TV>(TV expected, TV actual, string what)
        {
            if (!EqualityComparer<TV>.Default.Equals(expected, actual))
                throw new TestFailure(what + ": expected " + expected + ", got " + actual);
        }

        /// <summary>Runs a and returns the exception of type TE it must throw.</summary>
        public static TE Throws<TE>(Action a, string what) where TE : Exception
        {
            try
            {
                a();
            }
            catch (TE e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new TestFailure(what + ": expected " + typeof(TE).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new TestFailure(what + ": expected " + typeof(TE).Name + ", nothing was thrown");
        }

        /// <summary>A MeshRtcException with this code, and a native message that names the problem.</summary>
        public static MeshRtcException ThrowsCode(Error code, Action a, string what)
        {
            var e = Throws<MeshRtcException>(a, what);
            if (e.Code != code) throw new TestFailure(what + ": expected code " + code + ", got " + e.Code + " (" + e.Message + ")");
            if (string.IsNullOrEmpty(e.NativeMessage)) throw new TestFailure(what + ": exception without meshrtc_last_error text");
            if (!e.Message.Contains(e.NativeMessage) || !e.Message.Contains(((int)code).ToString()))
                throw new TestFailure(what + ": message lacks the native text or code: " + e.Message);
            return e;
        }

        /// <summary>Calls step until cond holds; a hang guard (never a speed assertion).</summary>
        public static void WaitUntil(Func<bool> cond, Action step, string what, double seconds = 60)
        {
            var sw = Stopwatch.StartNew();
            for (;;)
            {
                if (step != null) step();
                if (cond()) return;
                if (sw.Elapsed.TotalSeconds > seconds) throw new TestFailure("timed out after " + seconds + " s waiting for " + what);
                Thread.Sleep(1);
            }
        }

        static readonly List<KeyValuePair<string, Action>> tests = new List<KeyValuePair<string, Action>>();

        static void Add(string name, Action a) { tests.Add(new KeyValuePair<string, Action>(name, a)); }

        // Tests that need another environment (run.sh provides it): run only when named.
        static readonly HashSet<string> onlyWhenNamed = new HashSet<string>();

        static void AddOnlyWhenNamed(string name, Action a)
        {
            Add(name, a);
            onlyWhenNamed.Add(name);
        }

        public static int Main(string[] args)
        {
            if (args.Length < 2)
            {
                Console.Error.WriteLine("usage: MeshRtc.Tests.exe <repo-root> <layout.txt> [test...]");
                return 2;
            }
            RepoRoot = args[0];
            LayoutFile = args[1];
            var only = new HashSet<string>();
            for (int i = 2; i < args.Length; i++) only.Add(args[i]);

            // Order matters only for the last ones: gc-finalizers and shutdown
            // count every handle the earlier tests left to the finalizer.
            Add("abi-functions", AbiTests.Functions);
            Add("abi-constants", AbiTests.Constants);
            Add("abi-structs", AbiTests.Structs);
            Add("abi-version", AbiTests.Version);
            Add("gc-settings", AbiTests.GcSettings);
            Add("pair-signaling-events", PairTests.SignalingThroughEvents);
            Add("channel-getters", PairTests.ChannelGetters);
            Add("reliable-1mib", PairTests.Reliable1MiB);
            Add("unreliable-packets", PairTests.UnreliablePackets);
            Add("text-packets", PairTests.TextPackets);
            Add("events-on-calling-thread", PairTests.EventsOnCallingThread);
            Add("batch-pair", BatchTests.PairBatches);
            Add("wait", BatchTests.Wait);
            Add("mesh-4-peers", MeshTests.FourPeerMesh);
            Add("mesh-server-client", MeshTests.ServerClient);
            Add("lobby-mesh", LobbyTests.Mesh);
            Add("lobby-closed", LobbyTests.Closed);
            Add("batch-mesh", BatchTests.MeshBatches);
            Add("bad-input-disposed", BadInputTests.Disposed);
            Add("bad-input-arguments", BadInputTests.Arguments);
            Add("bad-input-states", BadInputTests.WrongStates);
            Add("bad-input-sdp", BadInputTests.BadSdp);
            Add("bad-input-mesh", BadInputTests.Mesh);
            Add("bad-input-function-names", BadInputTests.FunctionNames);
            Add("logs", BadInputTests.Logs);
            Add("gc-pressure-while-running", GcTests.PressureWhileRunning);
            Add("gc-finalizers", GcTests.Finalizers);
            Add("shutdown-and-reuse", GcTests.ShutdownAndReuse);
            AddOnlyWhenNamed("library-missing", AbiTests.LibraryMissing);

            int passed = 0, failed = 0;
            var total = Stopwatch.StartNew();
            foreach (var t in tests)
            {
                if (only.Count > 0 ? !only.Contains(t.Key) : onlyWhenNamed.Contains(t.Key)) continue;
                var sw = Stopwatch.StartNew();
                try
                {
                    t.Value();
                    passed++;
                    Console.WriteLine("PASS {0,-26} {1,6:F1} s", t.Key, sw.Elapsed.TotalSeconds);
                }
                catch (Exception e)
                {
                    failed++;
                    Console.WriteLine("FAIL {0,-26} {1,6:F1} s: {2}", t.Key, sw.Elapsed.TotalSeconds,
                        e is TestFailure ? e.Message : e.ToString());
                }
                Console.Out.Flush();
            }
            Console.WriteLine("total time {0:F1} s", total.Elapsed.TotalSeconds);
            Console.WriteLine("{0} passed, {1} failed", passed, failed);
            return failed == 0 ? 0 : 1;
        }
    }
}
