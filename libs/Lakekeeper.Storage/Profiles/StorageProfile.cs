using System.Text.Json.Serialization;
using Lakekeeper.Storage.Locations;

namespace Lakekeeper.Storage.Profiles;

/// <summary>
/// Where and how a warehouse stores its files. Serialised as JSON with a <c>type</c> discriminator
/// (<c>file</c> or <c>s3</c>) and kebab-case fields; the discriminator may appear anywhere in the
/// object (Postgres <c>jsonb</c> reorders keys). Unknown fields are rejected, so a typo such as
/// <c>key_prefix</c> fails instead of being ignored. See <see cref="StorageJson"/>.
/// </summary>
[JsonConverter(typeof(StorageProfileJsonConverter))]
public abstract record StorageProfile
{
    private protected StorageProfile()
    {
    }

    /// <summary>The discriminator: <c>file</c> or <c>s3</c>.</summary>
    [JsonIgnore]
    public abstract string Type { get; }

    /// <summary>
    /// Field-level problems, each naming the JSON field (<c>bucket: …</c>); empty when valid. Pure:
    /// checks the shape only, not whether the storage is reachable (see <c>IStorageValidator</c>).
    /// </summary>
    public abstract IReadOnlyList<string> Validate();

    /// <summary>
    /// The warehouse's base location (<c>s3://bucket/key-prefix</c>, <c>file:///root</c>).
    /// Throws <see cref="InvalidOperationException"/> when the profile is invalid; call
    /// <see cref="Validate"/> first.
    /// </summary>
    public abstract StorageLocation BaseLocation { get; }

    /// <summary>
    /// Storage settings engines need in a table's <c>config</c> (never a secret): for S3,
    /// <c>s3.region</c>, <c>client.region</c>, <c>s3.path-style-access</c> and, when set,
    /// <c>s3.endpoint</c>.
    /// </summary>
    public abstract IReadOnlyDictionary<string, string> ClientConfig();

    /// <summary>
    /// Lakekeeper's <c>storage-layout</c> when the profile sets one (S3 only); null keeps this server's own
    /// layout of default table locations (<see cref="TableLocations.TryDefault"/>).
    /// </summary>
    [JsonIgnore]
    public virtual StorageLayout? Layout => null;

    private protected StorageLocation ParseBase(string text) =>
        StorageLocation.TryParse(text, out var location, out var error)
            ? location
            : throw new InvalidOperationException("invalid storage profile: " + error);
}
