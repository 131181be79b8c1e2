namespace Lakekeeper.Persistence.Model;

/// <summary>
/// Names are case-insensitive but keep their case: the database enforces uniqueness on this key.
/// Namespace levels are joined by U+001F, which a valid name never contains.
/// </summary>
public static class NameKey
{
    public const char LevelSeparator = '\u001f';

    public static string Of(string name) => name.ToLowerInvariant();

    public static string Of(IReadOnlyList<string> levels) => string.Join(LevelSeparator, levels.Select(Of));
}
