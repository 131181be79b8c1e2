using System.Text.Json;

namespace Lakekeeper.ServiceDefaults.RequestBodies;

/// <summary>
/// The checks every JSON request body passes before a module parses it, so that no parser meets
/// what makes .NET throw or what different parsers read differently: the body is valid UTF-8, one
/// JSON value (no comments, no trailing commas, at most <see cref="MaxDepth"/> levels), no string or
/// key holds an unpaired surrogate escape (<c>"\ud800"</c>), and no object has a key twice (at any
/// level; some parsers keep the first, others the last).
/// </summary>
internal static class JsonBodyCheck
{
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions Options = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>What is wrong with the body, or null when it is well-formed JSON.</summary>
    public static string? Problem(ReadOnlySpan<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return "the body is not valid UTF-8";
        }

        var reader = new Utf8JsonReader(body, Options);
        // Keys seen per open object, reused by depth so a large document allocates few sets.
        var scopes = new List<HashSet<string>>();
        var depth = -1;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        depth++;
                        if (depth == scopes.Count)
                        {
                            scopes.Add(new HashSet<string>(StringComparer.Ordinal));
                        }
                        else
                        {
                            scopes[depth].Clear();
                        }

                        break;
                    case JsonTokenType.EndObject:
                        depth--;
                        break;
                    case JsonTokenType.PropertyName:
                        if (reader.ValueIsEscaped && HasUnpairedSurrogate(reader.ValueSpan))
                        {
                            return "a key holds an unpaired UTF-16 surrogate escape (e.g. \\ud800)";
                        }

                        var name = reader.GetString()!;
                        if (!scopes[depth].Add(name))
                        {
                            return $"the key '{Shorten(name)}' appears twice in one object";
                        }

                        break;
                    case JsonTokenType.String:
                        if (reader.ValueIsEscaped && HasUnpairedSurrogate(reader.ValueSpan))
                        {
                            return "a string holds an unpaired UTF-16 surrogate escape (e.g. \\ud800)";
                        }

                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            return ex.LineNumber is { } line
                ? $"invalid JSON at line {line + 1}, position {ex.BytePositionInLine + 1}"
                : "invalid JSON";
        }

        return null;
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
