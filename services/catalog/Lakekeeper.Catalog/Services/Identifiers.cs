using Lakekeeper.Iceberg;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// Rules for namespace levels and table/view names: non-empty, bounded length, no control
/// characters, not <c>.</c> or <c>..</c> (they would alias paths when names become locations).
/// </summary>
internal sealed class Identifiers(IOptions<CatalogOptions> options)
{
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
