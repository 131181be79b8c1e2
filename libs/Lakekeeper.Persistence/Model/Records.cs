namespace Lakekeeper.Persistence.Model;

/// <summary>The server row; <paramref name="BootstrappedBy"/> is the user who bootstrapped it (null when anonymous), as <paramref name="BootstrappedAs"/>.</summary>
public sealed record ServerRecord(Guid ServerId, DateTimeOffset BootstrappedAt, bool TermsAccepted, string? BootstrappedBy = null, string? BootstrappedAs = null);

public sealed record ProjectRecord(ProjectId Id, string Name, DateTimeOffset CreatedAt);

/// <summary>Live table and view counts of a warehouse, valid until <paramref name="Timestamp"/> (the end of an hour).</summary>
public sealed record WarehouseStatisticsRecord(DateTimeOffset Timestamp, long NumberOfTables, long NumberOfViews, DateTimeOffset UpdatedAt);

/// <summary>
/// A warehouse row. <see cref="StorageSecret"/> is the encrypted credential envelope;
/// <see cref="AllowedFormatVersions"/> and <see cref="DefaultFormatVersion"/> are the format version
/// policy the catalog enforces on create, register and upgrade; <see cref="ManagedBy"/> is Lakekeeper's
/// managed-by marker (<see cref="SelfManaged"/> or <see cref="InstanceAdminManaged"/>).
/// </summary>
public sealed record WarehouseRecord(
    WarehouseId Id,
    ProjectId ProjectId,
    string Name,
    string Status,
    string StorageProfileJson,
    byte[]? StorageSecret,
    string DeleteProfileJson,
    long Version,
    DateTimeOffset CreatedAt,
    bool Protected = false,
    IReadOnlyList<int>? AllowedFormatVersions = null,
    int? DefaultFormatVersion = null,
    DateTimeOffset? UpdatedAt = null,
    string ManagedBy = WarehouseRecord.SelfManaged)
{
    public const string ActiveStatus = "active";
    public const string InactiveStatus = "inactive";

    /// <summary>The default <see cref="ManagedBy"/>: the usual grants decide who changes the warehouse.</summary>
    public const string SelfManaged = "self-managed";

    /// <summary><see cref="ManagedBy"/> that reserves spec changes to instance administrators.</summary>
    public const string InstanceAdminManaged = "instance-admin";

    /// <summary>Whether only instance administrators may change the warehouse's spec.</summary>
    public bool IsInstanceAdminManaged => ManagedBy == InstanceAdminManaged;

    public bool IsActive => Status == ActiveStatus;

    /// <summary>The versions tables may have here (all supported ones when unrestricted).</summary>
    public IReadOnlyList<int> FormatVersions => AllowedFormatVersions ?? FormatVersionPolicy.All;

    /// <summary>The version a create-table request without <c>format-version</c> gets.</summary>
    public int EffectiveDefaultFormatVersion => FormatVersionPolicy.EffectiveDefault(FormatVersions, DefaultFormatVersion);
}

/// <summary>Lakekeeper's format version policy: which Iceberg table format versions a warehouse allows.</summary>
public static class FormatVersionPolicy
{
    public static IReadOnlyList<int> All { get; } = [1, 2, 3];

    /// <summary>The default when none is set: v2 if allowed, otherwise the highest allowed.</summary>
    public static int EffectiveDefault(IReadOnlyList<int> allowed, int? configured) =>
        configured ?? (allowed.Contains(2) ? 2 : allowed.Max());

    /// <summary>Problems of a policy (naming the field), or null.</summary>
    public static string? Check(IReadOnlyList<int>? allowed, int? defaultVersion)
    {
        if (allowed is not null)
        {
            if (allowed.Count == 0)
            {
                return "allowed-format-versions must name at least one of 1, 2, 3";
            }

            foreach (var version in allowed)
            {
                if (!All.Contains(version))
                {
                    return $"allowed-format-versions: {version} is not a format version (1, 2 or 3)";
                }
            }

            if (allowed.Distinct().Count() != allowed.Count)
            {
                return "allowed-format-versions must not repeat a version";
            }
        }

        if (defaultVersion is { } d && !(allowed ?? All).Contains(d))
        {
            return $"default-format-version: {d} is not one of allowed-format-versions ({string.Join(", ", allowed ?? All)})";
        }

        return null;
    }
}

public sealed record NamespaceRecord(
    NamespaceId Id,
    WarehouseId WarehouseId,
    NamespaceId? ParentId,
    IReadOnlyList<string> Name,
    IReadOnlyDictionary<string, string> Properties,
    long Version,
    bool Protected = false);

public enum TabularType
{
    Table,
    View,
}
