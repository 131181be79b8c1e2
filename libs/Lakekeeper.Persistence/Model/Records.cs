namespace Lakekeeper.Persistence.Model;

/// <summary>The server row; <paramref name="BootstrappedBy"/> is the user who bootstrapped it (null when anonymous), as <paramref name="BootstrappedAs"/>.</summary>
public sealed record ServerRecord(Guid ServerId, DateTimeOffset BootstrappedAt, bool TermsAccepted, string? BootstrappedBy = null, string? BootstrappedAs = null);

public sealed record ProjectRecord(ProjectId Id, string Name, DateTimeOffset CreatedAt);

/// <summary>A warehouse row. <see cref="StorageSecret"/> is the encrypted credential envelope.</summary>
public sealed record WarehouseRecord(
    WarehouseId Id,
    ProjectId ProjectId,
    string Name,
    string Status,
    string StorageProfileJson,
    byte[]? StorageSecret,
    string DeleteProfileJson,
    long Version,
    DateTimeOffset CreatedAt)
{
    public bool IsActive => Status == "active";
}

public sealed record NamespaceRecord(
    NamespaceId Id,
    WarehouseId WarehouseId,
    NamespaceId? ParentId,
    IReadOnlyList<string> Name,
    IReadOnlyDictionary<string, string> Properties,
    long Version);

public enum TabularType
{
    Table,
    View,
}
