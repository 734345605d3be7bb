using System;

namespace MeshRtc
{
    /// <summary>Godot's Error numbering, which every meshrtc function returns.</summary>
    public enum Error
    {
        Ok = 0,
        Failed = 1,
        Unavailable = 2,
        Unconfigured = 3,
        Unauthorized = 4,
        ParameterRangeError = 5,
        OutOfMemory = 6,
        Timeout = 24,
        ConnectionError = 27,
        InvalidData = 30,
        InvalidParameter = 31,
        AlreadyExists = 32,
        DoesNotExist = 33,
        Busy = 44,
        Bug = 47,
    }

    /// <summary>
    /// A meshrtc call failed. <see cref="Code"/> is the Godot error code the C
    /// function returned, <see cref="NativeMessage"/> the text of
    /// meshrtc_last_error for that failure and <see cref="Function"/> the C
    /// function's name.
    /// </summary>
    public class MeshRtcException : Exception
    {
        public Error Code { get; private set; }
        public string NativeMessage { get; private set; }
        public string Function { get; private set; }

        public MeshRtcException(Error code, string function, string nativeMessage)
            : base(Format(code, function, nativeMessage))
        {
            Code = code;
            Function = function;
            NativeMessage = nativeMessage ?? "";
        }

        static string Format(Error code, string function, string nativeMessage)
        {
            string name = Enum.IsDefined(typeof(Error), code) ? code.ToString() : "Error" + (int)code;
            string text = string.IsNullOrEmpty(nativeMessage) ? "" : ": " + nativeMessage;
            return function + " failed with " + name + " (" + (int)code + ")" + text;
        }
    }

    /// <summary>
    /// The loaded native library speaks another ABI version than this binding
    /// was written for; nothing else is called. Install the matching library.
    /// </summary>
    public sealed class MeshRtcAbiMismatchException : MeshRtcException
    {
        public int LoadedAbiVersion { get; private set; }
        public int ExpectedAbiVersion { get; private set; }

        public MeshRtcAbiMismatchException(int loaded, int expected, string message)
            : base(Error.Unavailable, "meshrtc_abi_version", message)
        {
            LoadedAbiVersion = loaded;
            ExpectedAbiVersion = expected;
        }
    }
}
