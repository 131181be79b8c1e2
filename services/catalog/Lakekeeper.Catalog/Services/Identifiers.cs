using Lakekeeper.Iceberg;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// Rules for namespace levels and table/view names: non-empty, bounded length, no control
/// characters, not <c>.</c> or <c>..</c> (they would alias paths when names become locations).
/// A whole namespace is at most <see cref="MaxNamespaceKeyBytes"/> bytes: its key is a unique
/// index entry, and Postgres refuses index entries over about 2.7 KB (that was a 500).
/// </summary>
internal sealed class Identifiers(IOptions<CatalogOptions> options)
{
    public const int MaxNamespaceKeyBytes = 2048;

    private readonly int _maxLength = options.Value.MaxNameLength;

    public IcebergError? CheckNamespace(IReadOnlyList<string> levels)
    {
        if (levels.Count == 0)
        {
            return IcebergError.BadRequest("Namespace must have at least one level");
        }

        if (levels.Count > 16)
        {
            return IcebergError.BadRequest("Namespace has more than 16 levels");
        }

        foreach (var level in levels)
        {
            if (CheckName(level, "Namespace level") is { } error)
            {
                return error;
            }
        }

        if (System.Text.Encoding.UTF8.GetByteCount(Lakekeeper.Persistence.Model.NameKey.Of(levels)) > MaxNamespaceKeyBytes)
        {
            return IcebergError.BadRequest($"Namespace is longer than {MaxNamespaceKeyBytes} bytes (all levels together, UTF-8)");
        }

        return null;
    }

    public IcebergError? CheckName(string name, string what = "Name")
    {
        if (name.Length == 0)
        {
            return IcebergError.BadRequest($"{what} must not be empty");
        }

        if (name.Length > _maxLength)
        {
            return IcebergError.BadRequest($"{what} is longer than {_maxLength} characters");
        }

        if (name is "." or "..")
        {
            return IcebergError.BadRequest($"{what} must not be '.' or '..'");
        }

        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return IcebergError.BadRequest($"{what} must not contain control characters");
            }
        }

        return null;
    }

    /// <summary>Splits a decoded <c>{namespace}</c> path segment on U+001F.</summary>
    public static IReadOnlyList<string> SplitNamespace(string segment) => segment.Split('\u001f');
}
