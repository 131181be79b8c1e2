using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Lakekeeper.Iceberg.Json;

/// <summary>
/// Thrown inside the hand-written parsers for invalid input and always caught at the public
/// boundary (<see cref="JsonCore.Run{T}"/>), where it becomes a 400 <see cref="IcebergError"/>.
/// It keeps the recursive-descent code linear; it never escapes the library.
/// </summary>
internal sealed class IcebergJsonException(string message) : Exception(message);

internal delegate T JsonReadFunc<T>(ref Utf8JsonReader reader);

/// <summary>Low-level reading and writing helpers shared by all parsers and writers.</summary>
internal static partial class JsonCore
{
    internal static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = 256,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
        MaxDepth = 1000,
    };

    /// <summary>Runs a parser over a complete document, converting every input problem into a 400.</summary>
    internal static Result<T> Run<T>(ReadOnlySpan<byte> utf8Json, JsonReadFunc<T> read)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json))
        {
            return IcebergError.BadRequest("Invalid JSON: the input is not valid UTF-8");
        }

        try
        {
            var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
            if (!reader.Read())
            {
                return IcebergError.BadRequest("Cannot parse empty JSON document");
            }

            var value = read(ref reader);
            if (reader.Read())
            {
                return IcebergError.BadRequest("Invalid JSON: unexpected data after the top-level value");
            }

            return value;
        }
        catch (IcebergJsonException e)
        {
            return IcebergError.BadRequest(e.Message);
        }
        catch (JsonException e)
        {
            return IcebergError.BadRequest("Invalid JSON: " + e.Message);
        }
    }

    internal static byte[] WriteToArray<T>(T value, Action<Utf8JsonWriter, T> write, int sizeHint = 4096)
    {
        using var buffer = new PooledBufferWriter(sizeHint);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer, value);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The current string token's value. The input is known to be valid UTF-8, but an escaped lone
    /// surrogate (e.g. <c>"\ud800"</c>) only fails when unescaping; that becomes a parse error here.
    /// </summary>
    internal static string Str(ref Utf8JsonReader r)
    {
        if (!r.ValueIsEscaped)
        {
            return r.GetString()!;
        }

        try
        {
            return r.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new IcebergJsonException("Invalid JSON string: " + e.Message);
        }
    }

    [DoesNotReturn]
    internal static void Fail(string message) => throw new IcebergJsonException(message);

    [DoesNotReturn]
    internal static T Fail<T>(string message) => throw new IcebergJsonException(message);

    internal static void ExpectObject(ref Utf8JsonReader r, string what)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Fail($"Cannot parse {what} from non-object value: {Describe(ref r)}");
        }
    }

    internal static void ExpectArray(ref Utf8JsonReader r, string what)
    {
        if (r.TokenType != JsonTokenType.StartArray)
        {
            Fail($"Cannot parse {what} from non-array value: {Describe(ref r)}");
        }
    }

    /// <summary>Advances to the next property; positions the reader on its value. False at the end of the object.</summary>
    internal static bool NextProperty(ref Utf8JsonReader r, out ReadOnlySpan<byte> name)
    {
        r.Read();
        if (r.TokenType == JsonTokenType.EndObject)
        {
            name = default;
            return false;
        }

        name = r.ValueIsEscaped ? Encoding.UTF8.GetBytes(Str(ref r)!) : r.ValueSpan;
        r.Read();
        return true;
    }

    /// <summary>Advances to the next array item. False at the end of the array.</summary>
    internal static bool NextItem(ref Utf8JsonReader r)
    {
        r.Read();
        return r.TokenType != JsonTokenType.EndArray;
    }

    internal static string Describe(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                return "an object";
            case JsonTokenType.StartArray:
                return "an array";
            case JsonTokenType.Null:
                return "null";
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.String:
                {
                    var s = Str(ref r) ?? string.Empty;
                    return "\"" + (s.Length > 100 ? s[..100] + "..." : s) + "\"";
                }

            default:
                {
                    var span = r.HasValueSequence ? r.ValueSequence.ToArray() : r.ValueSpan.ToArray();
                    var text = Encoding.UTF8.GetString(span);
                    return text.Length > 100 ? text[..100] + "..." : text;
                }
        }
    }

    internal static int ReadInt(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var value))
        {
            return value;
        }

        return Fail<int>($"Cannot parse to an integer value: {field}: {Describe(ref r)}");
    }

    internal static int? ReadNullableInt(ref Utf8JsonReader r, string field) =>
        r.TokenType == JsonTokenType.Null ? null : ReadInt(ref r, field);

    internal static long ReadLong(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType == JsonTokenType.Number && r.TryGetInt64(out var value))
        {
            return value;
        }

        return Fail<long>($"Cannot parse to a long value: {field}: {Describe(ref r)}");
    }

    internal static long? ReadNullableLong(ref Utf8JsonReader r, string field) =>
        r.TokenType == JsonTokenType.Null ? null : ReadLong(ref r, field);

    internal static bool ReadBool(ref Utf8JsonReader r, string field)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            default:
                return Fail<bool>($"Cannot parse to a boolean value: {field}: {Describe(ref r)}");
        }
    }

    internal static bool? ReadNullableBool(ref Utf8JsonReader r, string field) =>
        r.TokenType == JsonTokenType.Null ? null : ReadBool(ref r, field);

    internal static string ReadString(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType != JsonTokenType.String)
        {
            Fail($"Cannot parse to a string value: {field}: {Describe(ref r)}");
        }

        return Str(ref r)!;
    }

    internal static string? ReadNullableString(ref Utf8JsonReader r, string field) =>
        r.TokenType == JsonTokenType.Null ? null : ReadString(ref r, field);

    internal static Guid ReadUuid(ref Utf8JsonReader r, string field)
    {
        var s = ReadString(ref r, field);
        if (!Guid.TryParseExact(s, "D", out var uuid))
        {
            Fail($"Cannot parse to a UUID value: {field}: \"{s}\"");
        }

        return uuid;
    }

    internal static ImmutableArray<int> ReadIntArray(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            return [];
        }

        ExpectArray(ref r, field);
        var builder = ImmutableArray.CreateBuilder<int>();
        while (NextItem(ref r))
        {
            builder.Add(ReadInt(ref r, field));
        }

        return builder.ToImmutable();
    }

    internal static ImmutableArray<long> ReadLongArray(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            return [];
        }

        ExpectArray(ref r, field);
        var builder = ImmutableArray.CreateBuilder<long>();
        while (NextItem(ref r))
        {
            builder.Add(ReadLong(ref r, field));
        }

        return builder.ToImmutable();
    }

    internal static ImmutableArray<string> ReadStringArray(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            return [];
        }

        ExpectArray(ref r, field);
        var builder = ImmutableArray.CreateBuilder<string>();
        while (NextItem(ref r))
        {
            builder.Add(ReadString(ref r, field));
        }

        return builder.ToImmutable();
    }

    /// <summary>Reads a JSON object of string values (null is treated as empty).</summary>
    internal static StringMap ReadStringMap(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType == JsonTokenType.Null)
        {
            return StringMap.Empty;
        }

        ExpectObject(ref r, field);
        var scratch = _mapScratch ??= new KeyValuePair<string, string>[32];
        var count = 0;
        while (true)
        {
            r.Read();
            if (r.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            var key = KeyCache.Get(ref r, 64);
            r.Read();
            if (r.TokenType != JsonTokenType.String)
            {
                Fail($"Cannot parse to a string value: {field}.{key}: {Describe(ref r)}");
            }

            // Short values ("0", "1", "append") repeat across thousands of snapshot summaries.
            var value = KeyCache.Get(ref r, 8);
            if (count == scratch.Length)
            {
                Array.Resize(ref scratch, scratch.Length * 2);
                _mapScratch = scratch;
            }

            scratch[count++] = new(key, value);
        }

        return count == 0 ? StringMap.Empty : StringMap.FromUnsorted(scratch.AsSpan(0, count));
    }

    [ThreadStatic]
    private static KeyValuePair<string, string>[]? _mapScratch;

    internal static bool IsBase64(string s)
    {
        var scratch = s.Length <= 512 ? stackalloc byte[s.Length] : new byte[s.Length];
        return Convert.TryFromBase64String(s, scratch, out _);
    }

    internal static RawJson ReadRaw(ref Utf8JsonReader r)
    {
        using var doc = JsonDocument.ParseValue(ref r);
        var buffer = new ArrayBufferWriter<byte>(64);
        try
        {
            using var writer = new Utf8JsonWriter(buffer, WriterOptions);
            doc.RootElement.WriteTo(writer);
        }
        catch (InvalidOperationException e)
        {
            throw new IcebergJsonException("Invalid JSON string: " + e.Message);
        }

        return new RawJson(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    internal static Result<RawJson> ParseRaw(ReadOnlySpan<byte> utf8) => Run(utf8, static (ref Utf8JsonReader r) => ReadRaw(ref r));

    internal static void WriteStringMap(Utf8JsonWriter w, StringMap map)
    {
        w.WriteStartObject();
        foreach (var item in map.Items)
        {
            w.WriteString(item.Key, item.Value);
        }

        w.WriteEndObject();
    }

    internal static void WriteRaw(Utf8JsonWriter w, RawJson raw) => w.WriteRawValue(raw.Json, skipInputValidation: false);

    /// <summary>
    /// Interns frequently repeated property keys (snapshot summary keys, property names) so a large
    /// metadata file does not allocate the same key strings thousands of times.
    /// </summary>
    private static class KeyCache
    {
        private const int Size = 512;

        [ThreadStatic]
        private static (byte[] Utf8, string Value)[]? _entries;

        public static string Get(ref Utf8JsonReader r, int maxLength)
        {
            if (r.ValueIsEscaped || r.HasValueSequence)
            {
                return Str(ref r);
            }

            var span = r.ValueSpan;
            if (span.Length == 0)
            {
                return string.Empty;
            }

            if (span.Length > maxLength)
            {
                return r.GetString()!;
            }

            var entries = _entries ??= new (byte[], string)[Size];
            var slot = (int)((uint)ComputeHash(span) % Size);
            var entry = entries[slot];
            if (entry.Utf8 is not null && span.SequenceEqual(entry.Utf8))
            {
                return entry.Value;
            }

            var value = r.GetString()!;
            entries[slot] = (span.ToArray(), value);
            return value;
        }

        private static int ComputeHash(ReadOnlySpan<byte> span)
        {
            uint h = 2166136261;
            foreach (var b in span)
            {
                h = (h ^ b) * 16777619;
            }

            return (int)h;
        }
    }
}
