using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Lakekeeper.Iceberg;

/// <summary>
/// An immutable string-to-string map kept sorted by ordinal key order. Lookups are binary searches,
/// enumeration and JSON output are in key order, so equal maps always serialize to equal bytes.
/// </summary>
public sealed class StringMap : IReadOnlyDictionary<string, string>, IEquatable<StringMap>
{
    private readonly KeyValuePair<string, string>[] _items;

    private StringMap(KeyValuePair<string, string>[] sortedUnique) => _items = sortedUnique;

    public static StringMap Empty { get; } = new([]);

    public int Count => _items.Length;

    public IEnumerable<string> Keys => _items.Select(static i => i.Key);

    public IEnumerable<string> Values => _items.Select(static i => i.Value);

    internal ReadOnlySpan<KeyValuePair<string, string>> Items => _items;

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    /// <summary>Builds a map; for duplicate keys the last value wins.</summary>
    public static StringMap From(IEnumerable<KeyValuePair<string, string>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items is StringMap map)
        {
            return map;
        }

        var list = new List<KeyValuePair<string, string>>(items);
        foreach (var item in list)
        {
            ArgumentNullException.ThrowIfNull(item.Key);
            ArgumentNullException.ThrowIfNull(item.Value);
        }

        return FromUnsorted(list);
    }

    public static StringMap Of(params (string Key, string Value)[] items) =>
        From(items.Select(static i => new KeyValuePair<string, string>(i.Key, i.Value)));

    /// <summary>Takes ownership of the list; the last duplicate wins.</summary>
    internal static StringMap FromUnsorted(List<KeyValuePair<string, string>> list) =>
        FromUnsorted(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));

    /// <summary>Copies the items; the last duplicate wins.</summary>
    internal static StringMap FromUnsorted(ReadOnlySpan<KeyValuePair<string, string>> source)
    {
        if (source.Length == 0)
        {
            return Empty;
        }

        var items = source.ToArray();

        // Stable insertion sort: maps are small (summaries, properties) and often nearly sorted.
        // Stability keeps insertion order among equal keys, so the last duplicate wins below.
        var duplicates = false;
        for (var i = 1; i < items.Length; i++)
        {
            var item = items[i];
            var j = i - 1;
            int c;
            while (j >= 0 && (c = string.CompareOrdinal(items[j].Key, item.Key)) >= 0)
            {
                if (c == 0)
                {
                    duplicates = true;
                    break;
                }

                items[j + 1] = items[j];
                j--;
            }

            items[j + 1] = item;
        }

        if (!duplicates)
        {
            return new StringMap(items);
        }

        var write = 0;
        for (var i = 0; i < items.Length; i++)
        {
            if (write > 0 && items[write - 1].Key == items[i].Key)
            {
                items[write - 1] = items[i];
            }
            else
            {
                items[write++] = items[i];
            }
        }

        return new StringMap(items[..write]);
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var index = IndexOf(key);
        if (index >= 0)
        {
            value = _items[index].Value;
            return true;
        }

        value = null;
        return false;
    }

    public string? GetValueOrDefault(string key) => TryGetValue(key, out var value) ? value : null;

    /// <summary>Returns a map with the given entries added or replaced.</summary>
    public StringMap SetItems(IEnumerable<KeyValuePair<string, string>> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var list = new List<KeyValuePair<string, string>>(_items);
        list.AddRange(updates);
        return list.Count == _items.Length ? this : FromUnsorted(list);
    }

    /// <summary>Returns a map without the given keys; missing keys are ignored.</summary>
    public StringMap RemoveKeys(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var remove = new HashSet<string>(keys, StringComparer.Ordinal);
        if (remove.Count == 0)
        {
            return this;
        }

        var kept = _items.Where(i => !remove.Contains(i.Key)).ToArray();
        return kept.Length == _items.Length ? this : kept.Length == 0 ? Empty : new StringMap(kept);
    }

    public bool Equals(StringMap? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other._items.Length != _items.Length)
        {
            return false;
        }

        for (var i = 0; i < _items.Length; i++)
        {
            if (_items[i].Key != other._items[i].Key || _items[i].Value != other._items[i].Value)
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is StringMap other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items)
        {
            hash.Add(item.Key);
            hash.Add(item.Value);
        }

        return hash.ToHashCode();
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => "{" + string.Join(", ", _items.Select(static i => $"{i.Key}={i.Value}")) + "}";

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        int lo = 0, hi = _items.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = string.CompareOrdinal(_items[mid].Key, key);
            if (c == 0)
            {
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }
}
