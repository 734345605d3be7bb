using System;
using System.Runtime.InteropServices;
using System.Text;

namespace MeshRtc
{
    /// <summary>UTF-8 conversions for the C ABI (NUL-terminated inputs, counted outputs).</summary>
    internal static unsafe class Utf8
    {
        // throwOnInvalidBytes: a lone surrogate must not silently become U+FFFD.
        static readonly UTF8Encoding strict = new UTF8Encoding(false, true);

        /// <summary>s as NUL-terminated UTF-8; ArgumentNullException when s is null.</summary>
        internal static byte[] Required(string s, string paramName)
        {
            if (s == null) throw new ArgumentNullException(paramName);
            return Optional(s);
        }

        /// <summary>s as NUL-terminated UTF-8, or null (a NULL pointer) for null.</summary>
        internal static byte[] Optional(string s)
        {
            if (s == null) return null;
            byte[] b;
            try
            {
                int n = strict.GetByteCount(s);
                b = new byte[n + 1];
                strict.GetBytes(s, 0, s.Length, b, 0);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("string is not valid UTF-16 (lone surrogate): " + e.Message, e);
            }
            return b;
        }

        internal static string Decode(byte* p, int len)
        {
            if (len <= 0) return "";
            return new string((sbyte*)p, 0, len, Encoding.UTF8);
        }

        internal static string Decode(byte[] b, int len)
        {
            return len <= 0 ? "" : Encoding.UTF8.GetString(b, 0, len);
        }

        /// <summary>
        /// Text from fn with the size protocol: into a stack buffer, else once
        /// more into a buffer of the length fn reported. Returns fn's result;
        /// text is set when that is 0.
        /// </summary>
        internal static int Read(TextGetter fn, long handle, out string text)
        {
            const int smallSize = 512;
            byte* small = stackalloc byte[smallSize];
            int len;
            int rc = fn(handle, small, smallSize, out len);
            text = rc == 0 ? Decode(small, len) : null;
            if (rc != (int)Error.ParameterRangeError) return rc;
            byte[] big = new byte[len + 1];
            fixed (byte* p = big) rc = fn(handle, p, big.Length, out len);
            if (rc == 0) text = Decode(big, len);
            return rc;
        }

        /// <summary>A library-owned NUL-terminated string, copied (null for NULL).</summary>
        internal static string FromNative(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            byte* s = (byte*)p;
            int len = 0;
            while (s[len] != 0) len++;
            return Decode(s, len);
        }
    }
}
