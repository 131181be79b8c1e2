using System.Collections;

namespace Lakekeeper.Rpc;

/// <summary>
/// gRPC metadata: an ordered list of key/value pairs sent as HTTP/2 headers or trailers. Keys are
/// lowercase <c>[0-9a-z_.-]</c>; keys ending in <c>-bin</c> carry bytes (base64 on the wire), the others
/// printable ASCII. Keys starting with <c>grpc-</c> are reserved for the protocol.
/// </summary>
public sealed class Metadata : IReadOnlyList<MetadataEntry>
{
    public const string BinarySuffix = "-bin";

    private readonly List<MetadataEntry> _entries = [];

    public int Count => _entries.Count;

    public MetadataEntry this[int index] => _entries[index];

    /// <summary>Adds an ASCII entry.</summary>
    public void Add(string key, string value)
    {
        var normalized = ValidateKey(key);
        if (IsBinaryKey(normalized))
        {
            throw new ArgumentException($"Metadata key '{key}' ends in '-bin': add its value as bytes.", nameof(key));
        }

        ArgumentNullException.ThrowIfNull(value);
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException($"Metadata value of '{key}' must be printable ASCII.", nameof(value));
            }
        }

        _entries.Add(new MetadataEntry(normalized, value, null));
    }

    /// <summary>Adds a binary entry; the key must end in <c>-bin</c>.</summary>
    public void Add(string key, byte[] value)
    {
        var normalized = ValidateKey(key);
        if (!IsBinaryKey(normalized))
        {
            throw new ArgumentException($"Binary metadata key '{key}' must end in '-bin'.", nameof(key));
        }

        ArgumentNullException.ThrowIfNull(value);
        _entries.Add(new MetadataEntry(normalized, null, value));
    }

    /// <summary>The first ASCII value of <paramref name="key"/>, or null.</summary>
    public string? GetValue(string key)
    {
        foreach (var entry in _entries)
        {
            if (entry.Value is not null && string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Value;
            }
        }

        return null;
    }

    /// <summary>The first binary value of <paramref name="key"/>, or null.</summary>
    public byte[]? GetValueBytes(string key)
    {
        foreach (var entry in _entries)
        {
            if (entry.ValueBytes is not null && string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return entry.ValueBytes;
            }
        }

        return null;
    }

    public List<MetadataEntry>.Enumerator GetEnumerator() => _entries.GetEnumerator();

    IEnumerator<MetadataEntry> IEnumerable<MetadataEntry>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds an entry received from the wire: the key is already lowercase, the value is not checked.</summary>
    internal void AddReceived(string key, string value) => _entries.Add(new MetadataEntry(key, value, null));

    internal void AddReceived(string key, byte[] value) => _entries.Add(new MetadataEntry(key, null, value));

    private static string ValidateKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var normalized = key.ToLowerInvariant();
        foreach (var c in normalized)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'z') or '_' or '-' or '.'))
            {
                throw new ArgumentException($"Metadata key '{key}' may contain only 0-9 a-z _ - .", nameof(key));
            }
        }

        if (normalized.StartsWith("grpc-", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Metadata key '{key}' is reserved for the gRPC protocol.", nameof(key));
        }

        return normalized;
    }
}

/// <summary>One metadata entry: <see cref="Value"/> for ASCII keys, <see cref="ValueBytes"/> for <c>-bin</c> keys.</summary>
public readonly record struct MetadataEntry(string Key, string? Value, byte[]? ValueBytes)
{
    public bool IsBinary => ValueBytes is not null;
}
