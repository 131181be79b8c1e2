namespace Lakekeeper.Persistence.Model;

/// <summary>
/// The rules for namespace levels outside the catalog API (e.g. a namespace move through the
/// management API), the same as the catalog's defaults: 1 to 16 levels, each 1 to
/// <see cref="MaxLevelLength"/> characters, not <c>.</c> or <c>..</c>, no control characters; at most
/// <see cref="MaxKeyBytes"/> bytes in all (the unique key is an index entry).
/// </summary>
public static class NamespaceNames
{
    public const int MaxLevels = 16;
    public const int MaxLevelLength = 256;
    public const int MaxKeyBytes = 2048;

    /// <summary>What is wrong with <paramref name="levels"/>, or null.</summary>
    public static string? Check(IReadOnlyList<string> levels)
    {
        if (levels.Count is 0 or > MaxLevels)
        {
            return $"a namespace has 1 to {MaxLevels} levels";
        }

        for (var i = 0; i < levels.Count; i++)
        {
            var level = levels[i];
            if (level.Length is 0 or > MaxLevelLength)
            {
                return $"level {i + 1} must have 1 to {MaxLevelLength} characters";
            }

            if (level is "." or ".." || level.Any(char.IsControl))
            {
                return $"level {i + 1} must not be '.' or '..' or contain control characters";
            }
        }

        return System.Text.Encoding.UTF8.GetByteCount(NameKey.Of(levels)) > MaxKeyBytes
            ? $"the namespace is longer than {MaxKeyBytes} bytes (all levels together, UTF-8)"
            : null;
    }
}
