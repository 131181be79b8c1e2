using System.Text.Json;

namespace Lakekeeper.Persistence.Model;

/// <summary>
/// What dropping a table or view does in a warehouse, as stored in <c>warehouse.delete_profile</c>:
/// <c>{"type":"hard"}</c> (gone at once) or <c>{"type":"soft","expiration-seconds":N}</c> (hidden,
/// undroppable, and removed for real once <see cref="Expiration"/> has passed). The management API
/// validates and writes it (<c>DeleteProfiles</c>); the catalog reads it here.
/// </summary>
public sealed record DeleteProfile(bool Soft, TimeSpan Expiration)
{
    public static readonly DeleteProfile Hard = new(false, TimeSpan.Zero);

    public static DeleteProfile SoftAfter(long expirationSeconds) => new(true, TimeSpan.FromSeconds(expirationSeconds));

    /// <summary>The stored JSON; anything but a well-formed soft profile reads as hard.</summary>
    public static DeleteProfile Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "soft"
            && root.TryGetProperty("expiration-seconds", out var seconds) && seconds.TryGetInt64(out var value) && value > 0
            ? SoftAfter(value)
            : Hard;
    }
}
