using Lakekeeper.Iceberg;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// The errors the catalog answers with, in the exact wording and types Iceberg clients match on
/// (Java copies messages verbatim; tests compare them).
/// </summary>
internal static class CatalogErrors
{
    public static string Format(IReadOnlyList<string> levels) => string.Join('.', levels);

    public static IcebergError NoSuchNamespace(IReadOnlyList<string> levels) =>
        IcebergError.NotFound("NoSuchNamespaceException", "Namespace does not exist: " + Format(levels));

    public static IcebergError NamespaceAlreadyExists(IReadOnlyList<string> levels) =>
        IcebergError.AlreadyExists("Namespace already exists: " + Format(levels));

    public static IcebergError NamespaceNotEmpty(IReadOnlyList<string> levels, long namespaces, long tables, long views, long dropped = 0)
    {
        var parts = new List<string>();
        if (tables > 0)
        {
            parts.Add($"{tables} table(s)");
        }

        if (views > 0)
        {
            parts.Add($"{views} view(s)");
        }

        if (namespaces > 0)
        {
            parts.Add($"{namespaces} namespace(s)");
        }

        var pending = dropped > 0
            ? $" {dropped} of them dropped and awaiting expiration (undrop them, or drop the namespace with recursive=true)."
            : string.Empty;
        return new IcebergError(409, "NamespaceNotEmptyException", $"Namespace {Format(levels)} is not empty. Contains {string.Join(", ", parts)}.{pending}");
    }

    public static IcebergError NoSuchTable(TableIdentifier id) => IcebergError.NotFound("NoSuchTableException", "Table does not exist: " + id);

    public static IcebergError NoSuchView(TableIdentifier id) => IcebergError.NotFound("NoSuchViewException", "View does not exist: " + id);

    public static IcebergError TableAlreadyExists(TableIdentifier id) => IcebergError.AlreadyExists("Table already exists: " + id);

    public static IcebergError ViewAlreadyExists(TableIdentifier id) => IcebergError.AlreadyExists("View already exists: " + id);

    public static IcebergError ViewWithSameName(TableIdentifier id) => IcebergError.AlreadyExists("View with same name already exists: " + id);

    public static IcebergError TableWithSameName(TableIdentifier id) => IcebergError.AlreadyExists("Table with same name already exists: " + id);

    public static IcebergError CreateRaced() => IcebergError.CommitFailed("Requirement failed: table already exists");

    public static IcebergError RenameTarget(TableIdentifier source, TableIdentifier target, bool targetIsView) =>
        IcebergError.AlreadyExists($"Cannot rename {source} to {target}. {(targetIsView ? "View" : "Table")} already exists");

    /// <summary>A drop (or move) of a protected namespace, table or view without force.</summary>
    public static IcebergError Protected(string what, string name) =>
        new(409, "ProtectedException", $"{what} {name} is protected: unprotect it through the management API, or drop it with force=true");

    /// <summary>The name belongs to a dropped table or view that can still be undropped.</summary>
    public static IcebergError NameReservedByDropped(TableIdentifier id, TabularNameHolder holder) =>
        IcebergError.AlreadyExists(
            $"{(holder.Type == TabularType.View ? "A view" : "A table")} named {id} was dropped and can still be undropped" +
            (holder.ExpiresAt is { } expires ? $" until {expires:O}" : string.Empty) +
            ": its name stays reserved until then (undrop it, or wait for the expiration)");

    public static IcebergError NoSuchWarehouse(string warehouse) =>
        IcebergError.NotFound("NoSuchWarehouseException", "Warehouse does not exist: " + warehouse);

    public static IcebergError MissingMetadataFile(string location) =>
        IcebergError.NotFound("NotFoundException", "Failed to open input stream for file: " + location);

    public static IcebergError Forbidden(string message) => new(403, "ForbiddenException", message);

    public static IcebergError CommitConflict(TableIdentifier id, int attempts) =>
        IcebergError.CommitFailed($"Commit to {id} lost to concurrent commits {attempts} times; retry");
}
