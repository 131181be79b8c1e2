using System.Buffers;
using System.Text;

namespace Lakekeeper.Rpc.Protocol;

/// <summary>
/// <c>grpc-message</c> is UTF-8, percent-encoded: bytes 0x20–0x7E except <c>%</c> go as they are,
/// every other byte as <c>%XX</c>. Decoding never fails: broken escapes are kept as they are.
/// </summary>
internal static class GrpcMessageEncoding
{
    public static string Encode(string message)
    {
        if (!NeedsEncoding(message))
        {
            return message;
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(message.Length);
        var rented = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var count = Encoding.UTF8.GetBytes(message, rented);
            var builder = new StringBuilder(count * 2);
            foreach (var b in rented.AsSpan(0, count))
            {
                if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
                {
                    builder.Append((char)b);
                }
                else
                {
                    builder.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
                }
            }

            return builder.ToString();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static string Decode(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = new List<byte>(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && TryHex(value[i + 1], out var high) && TryHex(value[i + 2], out var low))
            {
                bytes.Add((byte)((high << 4) | low));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                // Not valid on the wire, but keep what a lenient peer sent.
                var written = Encoding.UTF8.GetBytes(value.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < value.Length ? 2 : 1), utf8);
                foreach (var b in utf8[..written])
                {
                    bytes.Add(b);
                }

                if (written == 4)
                {
                    i++;
                }
            }
        }

        // Invalid UTF-8 turns into U+FFFD rather than failing: the message must reach the caller.
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    private static bool NeedsEncoding(string message)
    {
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                return true;
            }
        }

        return false;
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'A' and <= 'F' => c - 'A' + 10,
            >= 'a' and <= 'f' => c - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
