using System.Text.Json.Serialization;
using Lakekeeper.Storage.Locations;

namespace Lakekeeper.Storage.Profiles;

/// <summary>
/// A folder on the server's disk (<c>{"type":"file","root":"/var/lib/lakekeeper/warehouse"}</c>);
/// locations are <c>file:///var/lib/lakekeeper/warehouse/…</c>. The server accepts only roots under
/// <c>LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__n</c>.
/// </summary>
public sealed record FileStorageProfile : StorageProfile
{
    public const string TypeName = "file";

    /// <summary>Absolute path of the warehouse folder; not <c>/</c>.</summary>
    [JsonPropertyName("root")]
    public required string Root { get; init; }

    [JsonIgnore]
    public override string Type => TypeName;

    [JsonIgnore]
    public override StorageLocation BaseLocation => ParseBase("file://" + Root);

    public override IReadOnlyList<string> Validate()
    {
        if (string.IsNullOrEmpty(Root))
        {
            return ["root: is required (an absolute folder path)"];
        }

        if (!Root.StartsWith('/'))
        {
            return [$"root: '{StorageLocation.Shorten(Root)}' must be an absolute path (start with '/')"];
        }

        if (Root.AsSpan().TrimEnd('/').IsEmpty)
        {
            return ["root: must not be the file-system root '/'"];
        }

        return StorageLocation.TryParse("file://" + Root, out _, out var error) ? [] : ["root: " + error];
    }

    public override IReadOnlyDictionary<string, string> ClientConfig() => new Dictionary<string, string>();
}
