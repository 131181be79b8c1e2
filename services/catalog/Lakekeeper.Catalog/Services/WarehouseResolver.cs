using System.Collections.Concurrent;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Security.Secrets;
using Lakekeeper.Storage;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// A warehouse ready to serve: its storage profile, an object store with its credential, the credential
/// itself (for vending; never sent to a client) and the settings version (changes with the profile or credential).
/// </summary>
internal sealed record WarehouseContext(WarehouseId Id, ProjectId ProjectId, string Name, StorageProfile Profile, IObjectStore Store)
{
    private readonly StorageCredential? _credential;

    /// <summary>The stored credential; reading it throws (503) when it could not be decrypted.</summary>
    public StorageCredential? Credential
    {
        get => CredentialFailure is { } failure ? throw failure : _credential;
        init => _credential = value;
    }

    /// <summary>Why the stored credential cannot be used, when it cannot (see <see cref="UnreadableCredentialStore"/>).</summary>
    public StorageCredentialUnavailableException? CredentialFailure { get; init; }

    public long Version { get; init; }

    /// <summary>
    /// Storage settings engines need in a table's <c>config</c> and the <c>/config</c> defaults (never a
    /// secret), with <c>s3.delete-enabled=false</c> when engines may not delete here.
    /// </summary>
    public IReadOnlyDictionary<string, string> ClientConfig => _clientConfig ??= BuildClientConfig();

    private IReadOnlyDictionary<string, string>? _clientConfig;

    /// <summary>Engines may not delete this warehouse's objects (<c>push-s3-delete-disabled</c>, by default with soft deletion).</summary>
    public bool ClientDeletesDisabled => Profile is S3StorageProfile s3 && s3.ClientDeletesDisabled(DeleteProfile.Soft);

    /// <summary>Table format versions allowed here (on create, register and upgrade).</summary>
    public IReadOnlyList<int> FormatVersions { get; init; } = FormatVersionPolicy.All;

    /// <summary>The format version of a new table that names none.</summary>
    public int DefaultFormatVersion { get; init; } = TableMetadata.DefaultFormatVersion;

    /// <summary>The refusal of a table format version the warehouse does not allow, or null.</summary>
    public IcebergError? RefuseFormatVersion(int version) => FormatVersions.Contains(version)
        ? null
        : IcebergError.BadRequest(
            $"Table format version {version} is not allowed in warehouse '{Name}' (allowed: {string.Join(", ", FormatVersions)}); its format version policy decides");

    /// <summary>What dropping a table or view does here: hard, or soft with an expiration.</summary>
    public DeleteProfile DeleteProfile { get; init; } = DeleteProfile.Hard;

    private Dictionary<string, string> BuildClientConfig()
    {
        var config = new Dictionary<string, string>(Profile.ClientConfig(), StringComparer.Ordinal);
        if (ClientDeletesDisabled)
        {
            config["s3.delete-enabled"] = "false";
        }

        return config;
    }
}

/// <summary>
/// Resolves the <c>{prefix}</c> (a warehouse id) to a <see cref="WarehouseContext"/>, cached per
/// process for <see cref="CatalogOptions.WarehouseCacheDuration"/> so that a load costs one query.
/// </summary>
internal sealed class WarehouseResolver
{
    private readonly ConcurrentDictionary<WarehouseId, (WarehouseContext Context, long ExpiresAt)> _cache = new();
    private readonly WarehouseRepository _warehouses;
    private readonly IObjectStoreFactory _stores;
    private readonly ISecretProtector _secrets;
    private readonly IOptions<CatalogOptions> _options;
    private readonly ProjectId _defaultProject;
    private readonly long _ttlTicks;

    public WarehouseResolver(
        WarehouseRepository warehouses, IObjectStoreFactory stores, ISecretProtector secrets, IOptions<CatalogOptions> options,
        IOptions<DefaultProjectOptions> defaultProject)
    {
        _defaultProject = defaultProject.Value.ProjectId;
        _warehouses = warehouses;
        _stores = stores;
        _secrets = secrets;
        _options = options;
        _ttlTicks = (long)(options.Value.WarehouseCacheDuration.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        // Changes made in this process (the standalone topology's management API) apply at once:
        // a deactivated warehouse is 404 on its next request, a new credential is used right away.
        warehouses.Changed += id => _cache.TryRemove(id, out _);
    }

    /// <summary>
    /// The warehouse for a request: <paramref name="prefix"/> is its id; without a prefix the
    /// configured default warehouse. Unknown or malformed → 404 <c>NoSuchWarehouseException</c>.
    /// </summary>
    public async ValueTask<Result<WarehouseContext>> FromPrefixAsync(string? prefix, CancellationToken cancellationToken)
    {
        if (prefix is null)
        {
            if (_options.Value.DefaultWarehouse is not { Length: > 0 } name)
            {
                return IcebergError.BadRequest(
                    "This catalog serves several warehouses: get the prefix from GET /v1/config?warehouse=<name> and use /v1/{prefix}/…");
            }

            var byName = await ByNameAsync(_defaultProject, name, cancellationToken);
            return byName is null ? CatalogErrors.NoSuchWarehouse(name) : byName;
        }

        if (!Guid.TryParse(prefix, out var id))
        {
            return CatalogErrors.NoSuchWarehouse(prefix);
        }

        var context = await ByIdAsync(new WarehouseId(id), cancellationToken);
        return context is null ? CatalogErrors.NoSuchWarehouse(prefix) : context;
    }

    public async ValueTask<WarehouseContext?> ByIdAsync(WarehouseId id, CancellationToken cancellationToken)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_cache.TryGetValue(id, out var cached) && cached.ExpiresAt > now)
        {
            return cached.Context;
        }

        var record = await _warehouses.GetAsync(id, cancellationToken);
        return record is null ? Forget(id) : Remember(Build(record), now);
    }

    public async ValueTask<WarehouseContext?> ByNameAsync(ProjectId project, string name, CancellationToken cancellationToken)
    {
        var record = await _warehouses.GetByNameAsync(project, name, cancellationToken);
        return record is null ? null : Remember(Build(record), System.Diagnostics.Stopwatch.GetTimestamp());
    }

    private WarehouseContext? Forget(WarehouseId id)
    {
        _cache.TryRemove(id, out _);
        return null;
    }

    private WarehouseContext? Remember(WarehouseContext? context, long now)
    {
        if (context is not null)
        {
            _cache[context.Id] = (context, now + _ttlTicks);
        }

        return context;
    }

    private WarehouseContext? Build(WarehouseRecord record)
    {
        if (!record.IsActive)
        {
            return null;
        }

        // A credential that cannot be decrypted fails only what needs it (503 naming the key id);
        // everything else about the warehouse keeps working.
        StorageCredentialUnavailableException? unreadable = null;
        byte[] plaintext = [];
        if (record.StorageSecret is { } secret && !_secrets.TryUnprotect(secret, WarehouseSecrets.AssociatedData(record.Id), out plaintext!, out var reason))
        {
            unreadable = new StorageCredentialUnavailableException(record.Id, StorageCredentialUnavailableException.KeyIdOf(secret), reason);
            plaintext = [];
        }

        var (profile, credential) = StorageJson.ReadStored(record.Id.ToString(), record.StorageProfileJson, plaintext);
        IObjectStore store = unreadable is null ? _stores.GetStore(profile, credential) : new UnreadableCredentialStore(profile.BaseLocation, unreadable);
        return new WarehouseContext(record.Id, record.ProjectId, record.Name, profile, store)
        {
            Credential = unreadable is null ? credential : null,
            CredentialFailure = unreadable,
            Version = record.Version,
            FormatVersions = record.FormatVersions,
            DefaultFormatVersion = record.EffectiveDefaultFormatVersion,
            DeleteProfile = DeleteProfile.Parse(record.DeleteProfileJson),
        };
    }
}
