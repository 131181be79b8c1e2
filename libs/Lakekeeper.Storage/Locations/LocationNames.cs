using System.Globalization;
using System.Text;

namespace Lakekeeper.Storage.Locations;

/// <summary>
/// How a table or namespace name becomes one path segment. Names stay readable: ASCII letters and
/// digits, <c>-</c>, <c>_</c>, <c>.</c>, <c>~</c> and non-ASCII letters and digits are kept; every
/// other character (space, <c>/</c>, <c>\</c>, <c>%</c>, <c>?</c>, <c>#</c>, control characters,
/// punctuation, symbols, …) is percent-encoded as UTF-8 (<c>my table</c> → <c>my%20table</c>). A name
/// made only of dots (<c>.</c>, <c>..</c>) gets a leading underscore (<c>_..</c>) so no dot segment can
/// appear. The result is never empty, never contains <c>/</c>, and passes
/// <see cref="StorageLocation.TryParse"/>. It is not meant to be decoded back into the name.
/// </summary>
public static class LocationNames
{
    public static string Escape(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.AsSpan().IndexOfAnyExcept('.') < 0)
        {
            return "_" + name;
        }

        StringBuilder? builder = null;
        Span<byte> utf8 = stackalloc byte[4];
        var index = 0;
        while (index < name.Length)
        {
            var status = Rune.DecodeFromUtf16(name.AsSpan(index), out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                // An unpaired surrogate cannot be stored; encode the replacement character instead.
                rune = Rune.ReplacementChar;
                consumed = 1;
            }

            if (IsKept(rune) && status == System.Buffers.OperationStatus.Done)
            {
                builder?.Append(name, index, consumed);
            }
            else
            {
                builder ??= new StringBuilder(name.Length + 16).Append(name, 0, index);
                var length = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < length; i++)
                {
                    builder.Append('%').Append(utf8[i].ToString("X2", CultureInfo.InvariantCulture));
                }
            }

            index += consumed;
        }

        return builder?.ToString() ?? name;
    }

    private static bool IsKept(Rune rune)
    {
        if (rune.IsAscii)
        {
            var c = (char)rune.Value;
            return char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~';
        }

        return Rune.IsLetterOrDigit(rune);
    }
}
