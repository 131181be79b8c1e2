using Lakekeeper.Iceberg;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// Rules for namespace levels and table/view names: non-empty, bounded length, not <c>.</c> or
/// <c>..</c> (they would alias paths when names become locations), and nothing that makes two
/// different names look alike: no control, format or bidi-control characters (U+200B, U+202E,
/// U+2066, U+FEFF, …), no line or paragraph separators, no space other than U+0020, and the text in
/// Unicode NFC (a decomposed <c>e</c>+U+0301 is refused; the precomposed <c>é</c> is the name).
/// The hosts run with invariant globalization (no ICU, so no normaliser): NFC is enforced by refusing
/// the characters that NFC composes away — the combining diacritical mark blocks and Hangul
/// conjoining jamo. Marks of scripts with no precomposed forms (Devanagari, Thai, …) are untouched.
/// Names compare case-insensitively (as in Lakekeeper), see <c>NameKey</c>; docs/identifiers.md.
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

    /// <summary>
    /// Property limits of a namespace, table or view (one value, all together): a 20 MiB property
    /// would otherwise be rewritten into every later metadata file and returned by every load.
    /// </summary>
    public IcebergError? CheckProperties(IEnumerable<KeyValuePair<string, string>> properties, string what)
    {
        var total = 0L;
        foreach (var (key, value) in properties)
        {
            var valueBytes = System.Text.Encoding.UTF8.GetByteCount(value);
            if (valueBytes > options.Value.MaxPropertyValueBytes)
            {
                return IcebergError.BadRequest(
                    $"The {what} property '{(key.Length > 64 ? key[..64] + "…" : key)}' is {valueBytes} bytes; the limit is {options.Value.MaxPropertyValueBytes} (LAKEKEEPER__CATALOG__MAXPROPERTYVALUEBYTES)");
            }

            total += System.Text.Encoding.UTF8.GetByteCount(key) + valueBytes;
        }

        return total > options.Value.MaxPropertiesBytes
            ? IcebergError.BadRequest(
                $"The {what} properties total {total} bytes; the limit is {options.Value.MaxPropertiesBytes} (LAKEKEEPER__CATALOG__MAXPROPERTIESBYTES)")
            : null;
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

        foreach (var rune in name.EnumerateRunes())
        {
            if (Invisible(rune) is { } kind)
            {
                return IcebergError.BadRequest($"{what} must not contain {kind} characters (found U+{rune.Value:X4})");
            }

            if (Decomposed(rune))
            {
                return IcebergError.BadRequest(
                    $"{what} must be in Unicode NFC: U+{rune.Value:X4} combines with the letter before it; send the precomposed letter");
            }
        }

        return null;
    }

    /// <summary>What kind of character, if any, would let two names look the same.</summary>
    private static string? Invisible(System.Text.Rune rune) => System.Text.Rune.GetUnicodeCategory(rune) switch
    {
        System.Globalization.UnicodeCategory.Control => "control",
        System.Globalization.UnicodeCategory.Format => "format or bidi-control",
        System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator => "line or paragraph separator",
        System.Globalization.UnicodeCategory.SpaceSeparator when rune.Value != ' ' => "space (other than U+0020)",
        System.Globalization.UnicodeCategory.Surrogate or System.Globalization.UnicodeCategory.PrivateUse => "surrogate or private-use",
        _ when rune == System.Text.Rune.ReplacementChar => "replacement (U+FFFD)",
        _ => null,
    };

    /// <summary>Combining marks and jamo that NFC would compose with what precedes them.</summary>
    private static bool Decomposed(System.Text.Rune rune) => rune.Value is
        (>= 0x0300 and <= 0x036F) or (>= 0x1AB0 and <= 0x1AFF) or (>= 0x1DC0 and <= 0x1DFF)
        or (>= 0x20D0 and <= 0x20FF) or (>= 0xFE20 and <= 0xFE2F)
        or (>= 0x1100 and <= 0x11FF) or (>= 0xA960 and <= 0xA97F) or (>= 0xD7B0 and <= 0xD7FF);

    /// <summary>Splits a decoded <c>{namespace}</c> path segment on U+001F.</summary>
    public static IReadOnlyList<string> SplitNamespace(string segment) => segment.Split('\u001f');
}
