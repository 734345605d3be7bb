using System.Runtime.CompilerServices;

// The Mono tests check internals (ABI mismatch message, destroy counters).
[assembly: InternalsVisibleTo("MeshRtc.Tests")]
