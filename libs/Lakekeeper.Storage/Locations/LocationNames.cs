using System.Globalization;
using System.Text;

namespace Lakekeeper.Storage.Locations;

/// <summary>
/// How a table or namespace name becomes one path segment, keeping it readable:
/// <list type="bullet">
/// <item>ASCII letters and digits, <c>-</c>, <c>_</c>, <c>.</c>, <c>~</c> and non-ASCII letters and
/// digits are kept; every other character (space, <c>/</c>, <c>\</c>, <c>%</c>, <c>?</c>, <c>#</c>,
/// punctuation, symbols, …) is percent-encoded as UTF-8: <c>my table</c> → <c>my%20table</c>.</item>
/// <item>Characters no path should hold (control characters, unpaired surrogates) become U+FFFD,
/// encoded (<c>%EF%BF%BD</c>), so not even a percent-decoding reader sees them.</item>
/// <item>A run made only of dots between slashes or at the ends (<c>.</c>, <c>..</c>, the <c>..</c>
/// in <c>../x</c>) gets a leading underscore (<c>_..</c>), so neither the segment nor its
/// percent-decoded form contains a dot segment.</item>
/// </list>
/// The result is never empty, never contains <c>/</c>, and passes <see cref="StorageLocation.TryParse"/>.
/// It is not meant to be decoded back into the name; different odd names may map to the same
/// segment, which the location overlap check (or the unique table suffix) resolves.
/// </summary>
public static class LocationNames
{
    public static string Escape(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var builder = new StringBuilder(name.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        var partStart = 0;
        var index = 0;
        while (index <= name.Length)
        {
            if (index == name.Length || name[index] is '/' or '\\')
            {
                // A part between separators (a reader that decodes %2F sees these as segments).
                var part = name.AsSpan(partStart, index - partStart);
                if (!part.IsEmpty && part.IndexOfAnyExcept('.') < 0)
                {
                    builder.Append('_');
                }

                EncodePart(part, builder, utf8);
                if (index < name.Length)
                {
                    builder.Append(name[index] == '/' ? "%2F" : "%5C");
                }

                partStart = index + 1;
            }

            index++;
        }

        return builder.ToString();
    }

    private static void EncodePart(ReadOnlySpan<char> part, StringBuilder builder, Span<byte> utf8)
    {
        var index = 0;
        while (index < part.Length)
        {
            var status = Rune.DecodeFromUtf16(part[index..], out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done || Rune.IsControl(rune) || (rune.Value >= 0x80 && rune.Value <= 0x9F))
            {
                rune = Rune.ReplacementChar;
                consumed = status == System.Buffers.OperationStatus.Done ? consumed : 1;
                AppendEncoded(rune, builder, utf8);
            }
            else if (IsKept(rune))
            {
                builder.Append(part.Slice(index, consumed));
            }
            else
            {
                AppendEncoded(rune, builder, utf8);
            }

            index += consumed;
        }
    }

    private static void AppendEncoded(Rune rune, StringBuilder builder, Span<byte> utf8)
    {
        var length = rune.EncodeToUtf8(utf8);
        for (var i = 0; i < length; i++)
        {
            builder.Append('%').Append(utf8[i].ToString("X2", CultureInfo.InvariantCulture));
        }
    }

    internal static bool IsKept(Rune rune)
    {
        if (rune.IsAscii)
        {
            var c = (char)rune.Value;
            return char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~';
        }

        return Rune.IsLetterOrDigit(rune);
    }
}
