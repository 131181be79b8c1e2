using System.Text.Json;
using System.Text.Unicode;

namespace Lakekeeper.ServiceDefaults.RequestBodies;

/// <summary>
/// The checks every JSON request body passes before a module parses it, so that no parser meets
/// what makes .NET throw or what different parsers read differently, and no module materialises a
/// huge string: the body is valid UTF-8, one JSON value (no comments, no trailing commas, at most
/// <see cref="MaxDepth"/> levels), no string or key is longer than
/// <c>LAKEKEEPER__SERVER__MAXJSONSTRINGBYTES</c> (as sent, escapes included), no string or key holds
/// an unpaired surrogate escape (<c>"\ud800"</c>), and no object has a key twice (at any level;
/// some parsers keep the first, others the last).
/// </summary>
/// <remarks>
/// The check runs while the body arrives (<see cref="Advance"/> with what has been received so far),
/// so a body is refused as soon as its first over-long string or syntax error is in: the rest is
/// never read into memory. Each call resumes where the last one stopped (the reader's state is
/// kept); a call is made only when the unchecked tail has at least doubled, so a long but allowed
/// string is scanned a bounded number of times.
/// </remarks>
internal sealed class JsonBodyCheck(long maxStringBytes)
{
    public const int MaxDepth = 64;

    /// <summary>The setting that bounds one string, named in the answer.</summary>
    public const string MaxStringSetting = "LAKEKEEPER__SERVER__MAXJSONSTRINGBYTES";

    /// <summary>Fewer new bytes than this (or than the longest string, when smaller) are not worth a check before the body is complete.</summary>
    private const int MinStep = 64 * 1024;

    /// <summary>Besides the longest string, what a pending token may carry: quotes, a colon, a little whitespace.</summary>
    private const int TokenSlack = 1024;

    private static readonly JsonReaderOptions Options = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    // Keys seen per open object, reused by depth so a large document allocates few sets.
    private readonly List<HashSet<string>> _scopes = [];
    private JsonReaderState _state = new(Options);
    private int _depth = -1;
    private int _consumed;
    private int _checkedUpTo;

    /// <summary>
    /// Checks what arrived of the body (<paramref name="received"/>: every byte so far, the same
    /// prefix as before plus what is new); <paramref name="final"/> when the body is complete.
    /// Returns what is wrong, or null while nothing is.
    /// </summary>
    public string? Advance(ReadOnlySpan<byte> received, bool final)
    {
        if (!final && received.Length - _checkedUpTo < Math.Max(Math.Min(MinStep, maxStringBytes), _checkedUpTo - _consumed))
        {
            return null;
        }

        _checkedUpTo = received.Length;
        var reader = new Utf8JsonReader(received[_consumed..], final, _state);
        try
        {
            while (reader.Read())
            {
                if (Token(ref reader) is { } problem)
                {
                    return problem;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Bytes that are not UTF-8 are what is wrong, whatever the reader made of them (a key that is
            // not UTF-8 fails only when it is decoded, with InvalidOperationException).
            if (!Utf8.IsValid(final ? received : CompleteCharacters(received)))
            {
                return NotUtf8;
            }

            return ex is JsonException { LineNumber: { } line } json
                ? $"invalid JSON at line {line + 1}, position {json.BytePositionInLine + 1}"
                : "invalid JSON";
        }

        _consumed += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
        if (final)
        {
            return Utf8.IsValid(received) ? null : NotUtf8;
        }

        // The reader is inside one token (a string, most likely) that is already longer than any allowed one.
        return received.Length - _consumed > maxStringBytes + TokenSlack ? TooLong() : null;
    }

    private const string NotUtf8 = "the body is not valid UTF-8";

    private string? Token(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                _depth++;
                if (_depth == _scopes.Count)
                {
                    _scopes.Add(new HashSet<string>(StringComparer.Ordinal));
                }
                else
                {
                    _scopes[_depth].Clear();
                }

                break;
            case JsonTokenType.EndObject:
                _depth--;
                break;
            case JsonTokenType.PropertyName:
                if (reader.ValueSpan.Length > maxStringBytes)
                {
                    return TooLong();
                }

                if (reader.ValueIsEscaped && HasUnpairedSurrogate(reader.ValueSpan))
                {
                    return "a key holds an unpaired UTF-16 surrogate escape (e.g. \\ud800)";
                }

                var name = reader.GetString()!;
                if (!_scopes[_depth].Add(name))
                {
                    return $"the key '{Shorten(name)}' appears twice in one object";
                }

                break;
            case JsonTokenType.String:
                if (reader.ValueSpan.Length > maxStringBytes)
                {
                    return TooLong();
                }

                if (reader.ValueIsEscaped && HasUnpairedSurrogate(reader.ValueSpan))
                {
                    return "a string holds an unpaired UTF-16 surrogate escape (e.g. \\ud800)";
                }

                break;
        }

        return null;
    }

    private string TooLong() =>
        $"a JSON string is longer than the limit of {maxStringBytes} bytes ({MaxStringSetting})";

    /// <summary>The received bytes without a UTF-8 sequence that the next bytes may still complete.</summary>
    private static ReadOnlySpan<byte> CompleteCharacters(ReadOnlySpan<byte> received)
    {
        for (var i = received.Length - 1; i >= 0 && i >= received.Length - 4; i--)
        {
            if ((received[i] & 0xC0) != 0x80)
            {
                // An ASCII byte ends a character; a lead byte starts one that may be cut.
                return received[i] < 0x80 ? received : received[..i];
            }
        }

        return received;
    }

    /// <summary>
    /// True when the raw (still escaped) text of a string has a <c>\uD800</c>–<c>\uDBFF</c> escape not
    /// followed by a <c>\uDC00</c>–<c>\uDFFF</c> escape, or a low surrogate escape on its own. The
    /// reader has already checked that every escape is well-formed.
    /// </summary>
    internal static bool HasUnpairedSurrogate(ReadOnlySpan<byte> raw)
    {
        var i = 0;
        while (true)
        {
            var next = raw[i..].IndexOf((byte)'\\');
            if (next < 0)
            {
                return false;
            }

            i += next;
            if (raw[i + 1] != (byte)'u')
            {
                i += 2;
                continue;
            }

            var unit = Hex4(raw.Slice(i + 2, 4));
            i += 6;
            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return true;
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (i + 6 > raw.Length || raw[i] != (byte)'\\' || raw[i + 1] != (byte)'u' || Hex4(raw.Slice(i + 2, 4)) is < 0xDC00 or > 0xDFFF)
                {
                    return true;
                }

                i += 6;
            }
        }
    }

    private static int Hex4(ReadOnlySpan<byte> digits)
    {
        var value = 0;
        foreach (var d in digits)
        {
            value = (value << 4) | (d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10);
        }

        return value;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
